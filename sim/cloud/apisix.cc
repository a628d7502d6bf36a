// sim/cloud/apisix.cc — APISIX gateways at run time (see apisix.h, docs/apisix.md):
//  * the watch: a gateway keeps one connection to one etcd member (through an NLB, the
//    target the balancer picked for that connection), reads the whole prefix once, then
//    takes every change above the last revision it has seen, within sync_poll of its
//    apply on that member. A watch request lives watch_timeout; then, or when it fails,
//    the gateway connects again (through an NLB: perhaps to another member), after
//    resync_delay when it failed. When etcd fails the gateway keeps what it has.
//  * the Admin API: PUT/GET /apisix/admin/routes/ID with the X-API-KEY check, written to
//    etcd as the route's JSON under <prefix>/routes/ID, each request on a new connection;
//  * traffic: the route matching the URI in the gateway's copy answers through a fixed-body upstream (the issue asked for one)
//    upstream, or APISIX's 404.
//
// Must never: let a gateway see a key its watched member has not applied.
#include <algorithm>

#include <fmt/format.h>

#include "sim/cloud/cloud.h"

namespace raftlab::cloud {

namespace {
constexpr std::int64_t kVirtualEpochUnix = 1735689600;  // t=0 is 2025-01-01T00:00:00Z (sim/etcd)
using nlohmann::json;

std::string status_text(int code) {
  switch (code) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Not Allowed";
    case 502: return "Bad Gateway";
    case 503: return "Service Temporarily Unavailable";
  }
  return "";
}
}  // namespace

Gateway* Cloud::gateway(const std::string& name_or_ip) {
  for (Gateway& g : gateways_)
    if (g.name == name_or_ip || g.ip == name_or_ip) return &g;
  return nullptr;
}

void Cloud::install_gateways() {
  const ApisixPart& a = cfg_->apisix;
  if (!a.on) return;
  for (const ApisixPart::Gw& gs : a.gateways) {
    Gateway g;
    g.name = gs.name;
    const Subnet* sub = nullptr;
    for (const Subnet& s : cfg_->spec.subnets)
      if (s.id == gs.subnet || s.logical_id == gs.subnet) sub = &s;
    if (!sub && !cfg_->spec.subnets.empty()) sub = &cfg_->spec.subnets.front();
    g.ip = !gs.ip.empty() ? gs.ip : sub ? allocate_ip(*sub) : "10.254.0." + std::to_string(10 + gateways_.size());
    g.az = sub ? sub->az : "";
    g.host = world().add_host(g.name, g.ip);
    world().net().add_dns_name(g.name, g.host);
    record(g.name, "gateway", fmt::format("APISIX up at {} ({}): etcd {}, prefix {}", g.ip, g.az,
                                          fmt::join(a.config.etcd_hosts, ","), a.config.prefix));
    gateways_.push_back(std::move(g));
  }
  // APISIX starts with the stack; its first sync is when it has booted.
  for (std::size_t i = 0; i < gateways_.size(); ++i) gateway_schedule(i, cfg_->timings.boot_ns);
}

std::string Cloud::connect(const std::string& url, std::string* label) {
  std::string host;
  int port = 0;
  if (!sim::split_url(url, &host, &port)) return "";
  for (auto& [id, lb] : lbs_) {
    std::string lower = lb.dns_name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    const std::string name = lb.spec->name.empty() ? id : lb.spec->name;
    if (host != lower && host != name) continue;
    auto l = lb.listeners.find(port);
    if (l == lb.listeners.end()) return "";
    TargetGroupState* tg = tg_by_logical(l->second);
    if (!tg) return "";
    const Target* t = pick_target(lb, *tg);
    if (!t) return "";
    const Instance* in = instance(t->instance);
    if (!in) return "";
    *label = in->id + " via " + name;
    return fmt::format("http://{}:{}", in->ip, tg->spec->port > 0 ? tg->spec->port : port);
  }
  *label = url;
  return url;
}

void Cloud::gateway_schedule(std::size_t g, std::int64_t after_ns) {
  world().loop().after(sim::nanos(after_ns), [this, g] { gateway_sync(g); });
}

void Cloud::gateway_sync(std::size_t gi) {
  Gateway& g = gateways_[gi];
  if (g.down) return;
  const ApisixConfig& c = cfg_->apisix.config;
  const std::int64_t now = world().now().ns;
  if (!g.conn_url.empty() && now - g.conn_since >= c.watch_timeout_s * 1'000'000'000) {
    // The watch request's life is over: APISIX sends a new one, on a new connection.
    g.conn_url.clear();
  }
  if (g.conn_url.empty()) {
    const std::string& endpoint = c.etcd_hosts[g.next_host % c.etcd_hosts.size()];
    g.conn_url = connect(endpoint, &g.conn_label);
    g.conn_since = now;
    if (g.conn_url.empty()) {
      record(g.name, "gateway", "etcd " + endpoint + " has no target to connect to; retry in " +
                                    std::to_string(c.resync_delay_s) + "s");
      ++g.next_host;
      return gateway_schedule(gi, c.resync_delay_s * 1'000'000'000);
    }
    record(g.name, "gateway", "watch connection to " + g.conn_label);
  }
  sim::ClientRequest req;
  req.kind = sim::ClientOpKind::Get;
  req.key = c.prefix + "/";
  req.serializable = true;
  req.prefix = true;
  const std::string url = g.conn_url;
  // A watch on a member that stopped answering hangs until the watch request times out.
  const std::int64_t left = std::max<std::int64_t>(1, c.watch_timeout_s * 1'000'000'000 - (now - g.conn_since));
  world().etcdctl(req, {url}, [this, gi, url](const sim::ClientResult& r) {
    Gateway& gw = gateways_[gi];
    if (gw.down) return;
    const ApisixConfig& cc = cfg_->apisix.config;
    if (!r.ok) {
      record(gw.name, "gateway",
             fmt::format("watch on {} failed ({}): keeps its {} keys, retries in {}s", gw.conn_label, r.error,
                         gw.kvs.size(), cc.resync_delay_s));
      gw.conn_url.clear();
      ++gw.next_host;
      return gateway_schedule(gi, cc.resync_delay_s * 1'000'000'000);
    }
    const std::uint64_t rev = r.reply.revision;
    if (!gw.loaded) {
      // readdir: the whole prefix, then watch from the revision after it.
      gw.kvs.clear();
      if (r.reply.kvs)
        for (const sim::RangeKv& kv : *r.reply.kvs) gw.kvs[kv.key] = kv;
      gw.loaded = true;
      gw.last_rev = rev;
      record(gw.name, "gateway", fmt::format("loaded {} keys from {} (revision {})", gw.kvs.size(), gw.conn_label, rev));
    } else if (r.reply.kvs) {
      for (const sim::RangeKv& kv : *r.reply.kvs) {
        if (kv.mod_revision <= gw.last_rev) continue;  // a watch delivers only what is newer
        const bool had = gw.kvs.count(kv.key) > 0;
        gw.kvs[kv.key] = kv;
        record(gw.name, "gateway", fmt::format("watch event: {} {} (revision {}, from {})", had ? "updated" : "new",
                                               kv.key, kv.mod_revision, gw.conn_label));
      }
      gw.last_rev = std::max(gw.last_rev, rev);
    }
    (void)url;
    gateway_schedule(gi, cfg_->apisix.sync_poll_ns);
  }, sim::nanos(left), 0, gateways_[gi].host);
}

std::pair<int, std::string> Cloud::traffic(const Gateway& gw, const std::string& method, const std::string& path) const {
  const ApisixConfig& c = cfg_->apisix.config;
  const std::string routes = c.prefix + "/routes/";
  for (const auto& [key, kv] : gw.kvs) {
    if (key.rfind(routes, 0) != 0) continue;
    const json v = json::parse(kv.value, nullptr, false);
    if (!v.is_object()) continue;
    std::vector<std::string> uris;
    if (v.contains("uri") && v["uri"].is_string()) uris.push_back(v["uri"].get<std::string>());
    if (v.contains("uris") && v["uris"].is_array())
      for (const auto& u : v["uris"])
        if (u.is_string()) uris.push_back(u.get<std::string>());
    bool hit = false;
    for (const std::string& u : uris) {
      if (!u.empty() && u.back() == '*') hit = hit || path.rfind(u.substr(0, u.size() - 1), 0) == 0;
      else hit = hit || path == u;
    }
    if (!hit) continue;
    if (v.contains("methods") && v["methods"].is_array()) {
      bool m = false;
      for (const auto& x : v["methods"]) m = m || (x.is_string() && x.get<std::string>() == method);
      if (!m) continue;
    }
    // The upstream: inline nodes, or an upstream object by id under <prefix>/upstreams/.
    json up = v.contains("upstream") ? v["upstream"] : json();
    if (up.is_null() && v.contains("upstream_id")) {
      const std::string id = v["upstream_id"].is_string() ? v["upstream_id"].get<std::string>() : v["upstream_id"].dump();
      auto it = gw.kvs.find(c.prefix + "/upstreams/" + id);
      if (it != gw.kvs.end()) up = json::parse(it->second.value, nullptr, false);
    }
    std::string node;
    if (up.is_object() && up.contains("nodes")) {
      const json& n = up["nodes"];
      if (n.is_object() && !n.empty()) node = n.begin().key();
      if (n.is_array() && !n.empty() && n[0].is_object() && n[0].contains("host"))
        node = n[0]["host"].get<std::string>() + ":" + (n[0].contains("port") ? n[0]["port"].dump() : std::string("80"));
    }
    if (node.empty()) return {503, "{\"error_msg\":\"failed to find upstream\"}"};
    if (!cfg_->apisix.upstream_body.empty()) return {200, cfg_->apisix.upstream_body};
    return {200, fmt::format("{{\"upstream\":\"{}\",\"uri\":\"{}\",\"gateway\":\"{}\"}}", node, path, gw.name)};
  }
  return {404, "{\"error_msg\":\"404 Route Not Found\"}"};
}

void Cloud::admin_request(Gateway& gw, const CurlRequest& c, std::function<void(int, std::string)> reply) {
  const ApisixConfig& cfg = cfg_->apisix.config;
  // Admin API authentication (apisix/admin/init.lua check_token): the X-API-KEY header,
  // or ?api_key=; a viewer key reads only.
  if (cfg.admin_key_required) {
    auto h = c.headers.find("x-api-key");
    const ApisixAdminKey* who = nullptr;
    if (h != c.headers.end())
      for (const ApisixAdminKey& k : cfg.admin_keys)
        if (k.key == h->second) who = &k;
    if (!who || (who->role == "viewer" && c.method != "GET"))
      return reply(401, "{\"error_msg\":\"failed to check token\"}");
  }
  const std::string base = "/apisix/admin/routes/";
  std::string path = c.path;
  if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
  if (path.rfind(base, 0) != 0 || path.size() == base.size() || path.find('/', base.size()) != std::string::npos)
    return reply(404, "{\"error_msg\":\"not found\"}");
  const std::string id = path.substr(base.size());
  const std::string key = cfg.prefix + "/routes/" + id;
  const sim::Duration timeout = sim::seconds(std::min<std::int64_t>(cfg.timeout_s, 30));
  if (c.method == "GET") {
    sim::ClientRequest g;
    g.kind = sim::ClientOpKind::Get;
    g.key = key;
    world().etcdctl(g, cfg.etcd_hosts, [reply, key](const sim::ClientResult& r) {
      if (!r.ok) return reply(503, json{{"error_msg", r.error}}.dump());
      if (!r.reply.found) return reply(404, "{\"message\":\"Key not found\"}");
      json out;
      out["key"] = key;
      out["value"] = json::parse(r.reply.value, nullptr, false);
      reply(200, out.dump());
    }, timeout, 0, gw.host);
    return;
  }
  if (c.method != "PUT") return reply(405, "{\"error_msg\":\"not supported method\"}");
  json value = json::parse(c.body);
  value["id"] = id;
  const std::int64_t unix_now = kVirtualEpochUnix + world().now().ns / 1'000'000'000;
  const std::string gw_host_name = gw.name;
  const sim::HostIndex from = gw.host;
  sim::ClientRequest g;
  g.kind = sim::ClientOpKind::Get;
  g.key = key;
  // A new connection per request: through an NLB, each may land on another member.
  world().etcdctl(g, cfg.etcd_hosts, [this, reply, key, value, unix_now, timeout, from](const sim::ClientResult& got) mutable {
    if (!got.ok) return reply(503, json{{"error_msg", got.error}}.dump());
    const bool existed = got.reply.found;
    std::int64_t created = unix_now;
    if (existed) {
      const json old = json::parse(got.reply.value, nullptr, false);
      if (old.is_object() && old.contains("create_time") && old["create_time"].is_number_integer())
        created = old["create_time"].get<std::int64_t>();
    }
    value["create_time"] = created;
    value["update_time"] = unix_now;
    sim::ClientRequest put;
    put.kind = sim::ClientOpKind::Put;
    put.key = key;
    put.value = value.dump();
    world().etcdctl(put, cfg_->apisix.config.etcd_hosts, [reply, key, value, existed](const sim::ClientResult& r) {
      if (!r.ok) return reply(503, json{{"error_msg", r.error}}.dump());
      json out;
      out["key"] = key;
      out["value"] = value;
      reply(existed ? 200 : 201, out.dump());
    }, timeout, 0, from);
  }, timeout, 0, from);
  (void)gw_host_name;
}

void Cloud::run_curl(const CurlRequest& c, const std::string& shown) {
  auto print = [this, shown, inc = c.include_headers](int code, const std::string& body) {
    std::string out;
    if (code > 0 && inc)
      out = fmt::format("HTTP/1.1 {} {}\nContent-Type: application/json\nServer: APISIX\n\n", code, status_text(code));
    out += body;
    world().note(fmt::format("$ {}\n{}", shown, out));
  };
  Gateway* gw = gateway(c.host);
  if (!gw) return print(0, "curl: (6) Could not resolve host: " + c.host);
  if (gw->down || !world().net().host_up(gw->host))
    return print(0, fmt::format("curl: (28) Failed to connect to {} port {}: Connection timed out", c.host, c.port));
  const ApisixConfig& cfg = cfg_->apisix.config;
  if (c.port == cfg.admin_port) {
    const std::string name = gw->name;
    admin_request(*gw, c, [this, print, name](int code, std::string body) {
      record(name, "gateway", fmt::format("Admin API answered {}", code));
      print(code, body);
    });
    return;
  }
  if (std::find(cfg.node_listen.begin(), cfg.node_listen.end(), c.port) != cfg.node_listen.end()) {
    auto [code, body] = traffic(*gw, c.method, c.path);
    return print(code, body);
  }
  print(0, fmt::format("curl: (7) Failed to connect to {} port {}: Connection refused", c.host, c.port));
}

// "route": {"gateway": "gw2", "path": "/ip", "method"?: "GET", "status": 200, "body_contains"?: "..."}
void Cloud::probe_route(const scenario::Expectation& e, const json& v) {
  Gateway* gw = gateway(v.at("gateway").get<std::string>());
  const std::string method = v.contains("method") ? v.at("method").get<std::string>() : "GET";
  const std::string path = v.at("path").get<std::string>();
  auto [code, body] = gw ? traffic(*gw, method, path) : std::pair<int, std::string>{0, ""};
  sim::ExpectResult r;
  r.at_ns = e.at_ns;
  r.what = fmt::format("{} {} on gateway {}", method, path, gw ? gw->name : "?");
  r.path = e.path + ".route";
  r.note = e.note;
  std::string want = v.contains("status") ? std::to_string(v.at("status").get<int>()) : "";
  if (v.contains("body_contains")) want += (want.empty() ? "" : " with ") + std::string("\"") + v.at("body_contains").get<std::string>() + "\"";
  r.expected = want;
  r.actual = fmt::format("{} {}", code, body);
  r.passed = (!v.contains("status") || v.at("status").get<int>() == code) &&
             (!v.contains("body_contains") || body.find(v.at("body_contains").get<std::string>()) != std::string::npos);
  d_.add_result(std::move(r));
}

// "routes": {"gateway": "gw1", "count": 1}
void Cloud::probe_routes(const scenario::Expectation& e, const json& v) {
  Gateway* gw = gateway(v.at("gateway").get<std::string>());
  std::int64_t n = 0;
  if (gw)
    for (const auto& [k, kv] : gw->kvs) n += k.rfind(cfg_->apisix.config.prefix + "/routes/", 0) == 0;
  sim::ExpectResult r;
  r.at_ns = e.at_ns;
  r.what = "routes held by gateway " + (gw ? gw->name : std::string("?"));
  r.path = e.path + ".routes";
  r.note = e.note;
  r.expected = std::to_string(v.at("count").get<std::int64_t>());
  r.actual = std::to_string(n);
  r.passed = n == v.at("count").get<std::int64_t>();
  d_.add_result(std::move(r));
}

}  // namespace raftlab::cloud
