#include "tools/real/loopback.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace raftlab::real {

namespace {

using Env = std::map<std::string, std::string>;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Flags whose value is a URL list / initial-cluster / path (etcd 3.4 and 3.5 names).
const std::set<std::string>& url_flags() {
  static const std::set<std::string> k{"listen-peer-urls", "listen-client-urls", "initial-advertise-peer-urls",
                                       "advertise-client-urls", "listen-metrics-urls"};
  return k;
}
const std::set<std::string>& listen_flags() {
  static const std::set<std::string> k{"listen-peer-urls", "listen-client-urls", "listen-metrics-urls"};
  return k;
}
const std::set<std::string>& path_flags() {
  static const std::set<std::string> k{"data-dir", "wal-dir"};
  return k;
}

std::string flag_env(const std::string& flag) {
  std::string e = "ETCD_";
  for (char c : flag) e += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return e;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_loopback_host(const std::string& h) { return h == "localhost" || h.rfind("127.", 0) == 0; }

etcd::Result<std::string> rewrite_list(const std::string& value, bool listen, const Place& p) {
  if (value.empty()) return value;  // etcd skips empty ETCD_* values; a flag "" fails in etcd itself
  std::vector<std::string> out;
  for (const auto& u : split(value, ',')) {
    auto r = rewrite_url(u, listen, p);
    if (!r.ok()) return r;
    out.push_back(r.value());
  }
  return join(out, ",");
}

etcd::Result<std::string> rewrite_initial_cluster(const std::string& value, const Place& p) {
  if (value.empty()) return value;
  std::vector<std::string> out;
  for (const auto& entry : split(value, ',')) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos) {
      out.push_back(entry);  // etcd reports the malformed entry itself
      continue;
    }
    auto r = rewrite_url(entry.substr(eq + 1), false, p);
    if (!r.ok()) return r;
    out.push_back(entry.substr(0, eq + 1) + r.value());
  }
  return join(out, ",");
}

etcd::Result<std::string> rewrite_value(const std::string& flag, const std::string& value, const Place& p) {
  if (flag == "initial-cluster") return rewrite_initial_cluster(value, p);
  if (url_flags().count(flag)) return rewrite_list(value, listen_flags().count(flag) > 0, p);
  if (path_flags().count(flag)) return value.empty() ? value : map_path(value, p);
  return value;
}

bool rewritten_flag(const std::string& f) {
  return f == "initial-cluster" || url_flags().count(f) > 0 || path_flags().count(f) > 0;
}

std::string text_of(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

etcd::Result<LoopbackMap> make_loopback_map(const scenario::Scenario& s, int net) {
  if (net < 0 || net > 255) return etcd::Error{"--loopback-net", fmt::format("{} is not in 0..255", net), "pick 0..255"};
  if (s.hosts.size() > 200)
    return etcd::Error{"hosts", fmt::format("{} hosts: diff maps each to 127.0.0.11..127.0.0.210", s.hosts.size()),
                       "use at most 200 hosts"};
  LoopbackMap m;
  for (size_t i = 0; i < s.hosts.size(); ++i) {
    const std::string lo = fmt::format("127.0.{}.{}", net, 11 + i);
    m.ips.emplace_back(s.hosts[i].ip, lo);
    m.by_host[s.hosts[i].name] = lo;
  }
  return m;
}

std::string replace_ips(const std::string& text, const LoopbackMap& map) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool done = false;
    const bool left_ok = i == 0 || (!is_digit(text[i - 1]) && text[i - 1] != '.');
    if (left_ok) {
      for (const auto& [ip, lo] : map.ips) {
        if (text.compare(i, ip.size(), ip) != 0) continue;
        const size_t end = i + ip.size();
        if (end < text.size() && (is_digit(text[end]) || (text[end] == '.' && end + 1 < text.size() && is_digit(text[end + 1]))))
          continue;
        out += lo;
        i = end;
        done = true;
        break;
      }
    }
    if (!done) out += text[i++];
  }
  return out;
}

scenario::Scenario loopback_scenario(const scenario::Scenario& s, const LoopbackMap& map, const std::string& version) {
  scenario::Scenario o = s;
  auto fix_cfg = [&](scenario::MemberConfig& c) {
    c.text = replace_ips(c.text, map);
    for (auto& a : c.args) a = replace_ips(a, map);
    for (auto& [k, v] : c.env) v = replace_ips(v, map);
  };
  auto fix_ep = [&](scenario::Endpoint& e) { e.url = replace_ips(e.url, map); };
  for (auto& h : o.hosts) {
    h.ip = replace_ips(h.ip, map);
    for (auto& [k, v] : h.env) v = replace_ips(v, map);
  }
  for (auto& m : o.members) fix_cfg(m.config);
  for (auto& t : o.timeline) {
    if (auto* r = std::get_if<scenario::RunAction>(&t.action)) {
      if (r->config) fix_cfg(*r->config);
    } else if (auto* sh = std::get_if<scenario::ShellAction>(&t.action)) {
      for (auto& [k, v] : sh->exports) v = replace_ips(v, map);
    } else if (auto* e = std::get_if<scenario::EtcdctlAction>(&t.action)) {
      e->command = replace_ips(e->command, map);
      for (auto& ep : e->endpoints) fix_ep(ep);
    }
  }
  for (auto& e : o.expect) {
    if (e.put) fix_ep(e.put->via);
    if (e.get) fix_ep(e.get->via);
  }
  // The DNS names resolve to the hosts' loopback addresses on both sides (the real side's
  // dnsmasq serves these records).
  if (o.dns)
    for (auto& [name, ip] : o.dns->a) ip = replace_ips(ip, map);
  // A template's records (Route 53) name the hosts' addresses too.
  for (auto& [name, text] : o.attachments) text = replace_ips(text, map);
  o.etcd_version = version;
  return o;
}

etcd::Result<std::string> rewrite_url(const std::string& url, bool listen, const Place& p) {
  const auto sch = url.find("://");
  if (sch == std::string::npos) return url;  // etcd rejects it with its own words
  const std::string scheme = url.substr(0, sch);
  std::string rest = url.substr(sch + 3);
  std::string path;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    path = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  std::string host = rest, port;
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    host = close == std::string::npos ? rest : rest.substr(0, close + 1);
    if (close != std::string::npos && close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  const bool any = host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::";
  if (listen) {
    if (any || host == p.host_lo) {
      host = p.host_lo;
      if (p.own_netns && !port.empty()) {
        int cp = 0;
        for (char c : port) {
          if (!is_digit(c) || cp > 65535) return url;
          cp = cp * 10 + (c - '0');
        }
        auto it = p.published.find(cp);
        if (it == p.published.end())
          return etcd::Error{"listen URL",
                             fmt::format("{} listens on container port {}, which is not published with -p; "
                                         "diff runs every member on the host's loopback address and cannot give it a "
                                         "private port", url, cp),
                             fmt::format("publish it (-p {0}:{0}) or drop it from the scenario", cp)};
        port = std::to_string(it->second);
      }
    } else if (!is_loopback_host(host)) {
      return etcd::Error{"listen URL", fmt::format("{} binds {}, which is not a scenario host's address", url, host),
                         "listen on 0.0.0.0 or on the host's own IP"};
    }
  } else if (!is_loopback_host(host) && !p.dns_names.count(lower(host))) {
    return etcd::Error{"URL",
                       fmt::format("{} names {}, which is not a scenario host's IP: diff only ever uses loopback "
                                   "addresses", url, host),
                       "use the IPs declared in $.hosts"};
  }
  return scheme + "://" + host + (port.empty() ? "" : ":" + port) + path;
}

std::string map_path(const std::string& path, const Place& p) {
  std::string abs = path;
  if (abs.empty() || abs[0] != '/') {
    return p.cwd + "/" + abs;
  }
  if (!p.own_netns) return p.host_root + "/fs" + abs;
  const etcd::VolumeMount* best = nullptr;
  for (const auto& m : p.volumes)
    if ((abs == m.target || abs.rfind(m.target + "/", 0) == 0) && (!best || m.target.size() > best->target.size()))
      best = &m;
  if (best) {
    std::string src = best->source;
    if (src.empty() || src[0] != '/') src = "/volumes/" + src;  // a named volume
    return p.host_root + "/fs" + src + abs.substr(best->target.size());
  }
  return p.container_root + abs;
}

etcd::Result<RealCommand> real_etcd_command(const std::string& etcd_path, const std::vector<std::string>& args,
                                            const std::map<std::string, std::string>& env, const Place& p) {
  RealCommand c;
  c.argv.push_back(etcd_path);
  c.cwd = p.cwd;
  std::set<std::string> by_flag;
  std::map<std::string, std::string> flag_values;
  bool positional = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (positional || a.size() < 2 || a[0] != '-') {
      c.argv.push_back(a);
      continue;
    }
    if (a == "--") {
      positional = true;
      c.argv.push_back(a);
      continue;
    }
    std::string body = a.substr(a[1] == '-' ? 2 : 1);
    const std::string dashes = a.substr(0, a.size() - body.size());
    const auto eq = body.find('=');
    const std::string name = eq == std::string::npos ? body : body.substr(0, eq);
    by_flag.insert(name);
    if (!rewritten_flag(name)) {
      c.argv.push_back(a);
      if (eq != std::string::npos) flag_values[name] = body.substr(eq + 1);
      continue;
    }
    if (eq != std::string::npos) {
      auto r = rewrite_value(name, body.substr(eq + 1), p);
      if (!r.ok()) return r.error();
      flag_values[name] = r.value();
      c.argv.push_back(dashes + name + "=" + r.value());
    } else if (i + 1 < args.size()) {
      auto r = rewrite_value(name, args[i + 1], p);
      if (!r.ok()) return r.error();
      flag_values[name] = r.value();
      c.argv.push_back(a);
      c.argv.push_back(r.value());
      ++i;
    } else {
      c.argv.push_back(a);  // etcd: "flag needs an argument"
    }
  }
  for (const auto& [k, v] : env) {
    if (k == "ETCD_CONFIG_FILE" && !v.empty())
      return etcd::Error{"ETCD_CONFIG_FILE", "etcd would read a configuration file that diff cannot see",
                         "give the settings as flags or ETCD_* variables"};
    std::string value = v;
    for (const char* f : {"listen-peer-urls", "listen-client-urls", "initial-advertise-peer-urls", "advertise-client-urls",
                          "listen-metrics-urls", "initial-cluster", "data-dir", "wal-dir"}) {
      if (k == flag_env(f)) {
        auto r = rewrite_value(f, v, p);
        if (!r.ok()) return r.error();
        value = r.value();
      }
    }
    c.env[k] = value;
  }
  if (!by_flag.count("logger") && c.env["ETCD_LOGGER"].empty()) c.env["ETCD_LOGGER"] = "zap";
  if (!by_flag.count("log-outputs") && c.env["ETCD_LOG_OUTPUTS"].empty()) c.env["ETCD_LOG_OUTPUTS"] = "stderr";
  auto effective = [&](const std::string& flag, const std::string& dflt) {
    if (auto it = flag_values.find(flag); it != flag_values.end()) return it->second;
    if (auto it = c.env.find(flag_env(flag)); it != c.env.end() && !it->second.empty()) return it->second;
    return dflt;
  };
  const std::string name = effective("name", "default");
  c.data_dir = effective("data-dir", "");
  if (c.data_dir.empty()) c.data_dir = p.cwd + "/" + name + ".etcd";
  const std::string clients = effective("listen-client-urls", "http://localhost:2379");
  c.client_url = split(clients, ',')[0];
  c.peer_urls = split(effective("listen-peer-urls", "http://localhost:2380"), ',');
  // The guarantee: nothing but loopback addresses.
  for (const auto& u : split(clients, ',')) {
    auto r = rewrite_url(u, false, p);
    if (!r.ok()) return r.error();
  }
  for (const auto& u : c.peer_urls) {
    auto r = rewrite_url(u, false, p);
    if (!r.ok()) return r.error();
  }
  return c;
}

LogLine parse_zap_line(const std::string& line) {
  LogLine l;
  if (line.empty() || line[0] != '{') {
    l.msg = line;
    // capnslog: "2026-.. I | pkg: text" — level letter after the timestamp.
    if (line.find(" E | ") != std::string::npos) l.level = "error";
    else if (line.find(" C | ") != std::string::npos) l.level = "fatal";
    else if (line.find(" W | ") != std::string::npos) l.level = "warn";
    else l.level = "info";
    return l;
  }
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    l.msg = line;
    return l;
  }
  l.json = true;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string k = it.key();
    if (k == "level") l.level = text_of(it.value());
    else if (k == "msg") l.msg = text_of(it.value());
    else if (k == "ts" || k == "caller" || k == "stacktrace") continue;
    else {
      const std::string v = text_of(it.value());
      l.fields[k] = v;
      if (!l.detail.empty()) l.detail += "; ";
      l.detail += k + "=" + v;
    }
  }
  return l;
}

namespace {
struct ClassRule {
  const char* cls;
  const char* needle;
};
// Substrings of etcd 3.4/3.5's own words (server/etcdserver, rafthttp, membership,
// embed); docs/fidelity.md lists where each comes from.
constexpr ClassRule kRules[] = {
    {"cluster-id-mismatch", "cluster ID mismatch"},
    {"member-removed", "the member has been permanently removed from the cluster"},
    {"member-removed", "membership: ID removed"},
    {"member-not-found", "member not found"},
    {"already-bootstrapped", "has already been bootstrapped"},
    {"name-not-in-initial-cluster", "couldn't find local name"},
    {"member-count-unequal", "member count is unequal"},
    {"peer-urls-mismatch", "no match found for existing member"},
    {"cannot-fetch-cluster", "could not retrieve cluster information"},
    {"cannot-fetch-cluster", "cannot fetch cluster info"},
    {"add-refused-not-enough-started", "not enough started members"},
    {"add-refused-unhealthy", "etcdserver: unhealthy cluster"},
    {"bind-failed", "address already in use"},
    {"bind-failed", "cannot assign requested address"},
    {"data-dir-invalid", "found invalid file under data directory"},
    // Bootstrap through discovery (v2discovery's errors) and DNS SRV (embed/config.go,
    // pkg/srv): "error querying DNS SRV records" wraps only a failed SRV lookup, so the
    // advertised peer URLs' names resolved before it (GetCluster resolves them first).
    {"discovery-duplicate-id", "discovery: found duplicate id"},
    {"discovery-full", "discovery: cluster is full"},
    {"discovery-full", "discovery cluster is full"},
    {"discovery-size-not-found", "discovery: size key not found"},
    {"srv-member-not-found", "in SRV records"},
    {"srv-lookup-failed", "error querying DNS SRV records"},
};
}  // namespace

std::string classify_log(const std::string& level, const std::string& msg, const std::string& detail) {
  if (level == "debug" || level == "info") {
    // The classes are error paths: an info line quoting them (e.g. a config dump) is not one.
    // "rejecting member add request" is a warning in both 3.4 and 3.5.
    return "";
  }
  for (const auto& r : kRules)
    if (msg.find(r.needle) != std::string::npos || detail.find(r.needle) != std::string::npos) return r.cls;
  return "";
}

std::vector<std::string> log_classes() {
  std::vector<std::string> out;
  for (const auto& r : kRules)
    if (std::find(out.begin(), out.end(), r.cls) == out.end()) out.push_back(r.cls);
  return out;
}

namespace {
std::uint64_t u64(const nlohmann::json& j, const char* k) {
  if (!j.is_object() || !j.contains(k)) return 0;
  const auto& v = j.at(k);
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) return static_cast<std::uint64_t>(v.get<std::int64_t>());
  return 0;
}
std::vector<std::string> strings(const nlohmann::json& j, const char* k) {
  std::vector<std::string> out;
  if (j.is_object() && j.contains(k) && j.at(k).is_array())
    for (const auto& v : j.at(k))
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string base64_decode(const std::string& in) {
  static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    const auto pos = chars.find(c);
    if (pos == std::string::npos) break;
    val = (val << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out += static_cast<char>((val >> bits) & 0xff);
      bits -= 8;
    }
  }
  return out;
}
}  // namespace

std::optional<std::vector<EndpointStatus>> parse_endpoint_status_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return std::nullopt;
  std::vector<EndpointStatus> out;
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("Status")) continue;
    EndpointStatus s;
    if (e.contains("Endpoint") && e["Endpoint"].is_string()) s.endpoint = e["Endpoint"].get<std::string>();
    const auto& st = e["Status"];
    const nlohmann::json hdr = st.contains("header") ? st["header"] : nlohmann::json::object();
    s.cluster_id = u64(hdr, "cluster_id");
    s.member_id = u64(hdr, "member_id");
    s.leader = u64(st, "leader");
    s.raft_term = u64(st, "raftTerm");
    s.raft_index = u64(st, "raftIndex");
    out.push_back(s);
  }
  return out;
}

std::optional<MemberList> parse_member_list_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  MemberList l;
  if (j.contains("header")) {
    l.cluster_id = u64(j["header"], "cluster_id");
    l.member_id = u64(j["header"], "member_id");
  }
  if (j.contains("members") && j["members"].is_array()) {
    for (const auto& m : j["members"]) {
      ListedMember x;
      x.id = u64(m, "ID");
      if (m.contains("name") && m["name"].is_string()) x.name = m["name"].get<std::string>();
      x.peer_urls = strings(m, "peerURLs");
      x.client_urls = strings(m, "clientURLs");
      x.is_learner = m.contains("isLearner") && m["isLearner"].is_boolean() && m["isLearner"].get<bool>();
      l.members.push_back(x);
    }
  }
  return l;
}

std::optional<std::pair<bool, std::string>> parse_get_json(const std::string& text, const std::string& key) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  if (!j.contains("kvs") || !j["kvs"].is_array()) return std::make_pair(false, std::string());
  for (const auto& kv : j["kvs"]) {
    if (!kv.contains("key") || !kv["key"].is_string()) continue;
    if (base64_decode(kv["key"].get<std::string>()) != key) continue;
    const std::string v = kv.contains("value") && kv["value"].is_string() ? kv["value"].get<std::string>() : "";
    return std::make_pair(true, base64_decode(v));
  }
  return std::make_pair(false, std::string());
}

std::map<std::string, std::string> parse_member_add_env(const std::string& stdout_text) {
  std::map<std::string, std::string> out;
  for (const auto& line : split(stdout_text, '\n')) {
    if (line.rfind("ETCD_", 0) != 0) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string v = line.substr(eq + 1);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    out[line.substr(0, eq)] = v;
  }
  return out;
}

}  // namespace raftlab::real
