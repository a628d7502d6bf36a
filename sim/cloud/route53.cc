// sim/cloud/route53.cc — Route 53 weighted A records with health checks, and `dig`:
//  * each AWS::Route53::HealthCheck probes its IPAddress every RequestInterval (10 or 30 s,
//    default 30): TCP = something accepts on Port; HTTP = the gateway there answers
//    ResourcePath with 2xx/3xx. A check changes state after FailureThreshold (default 3)
//    results in a row the other way. New checks start healthy.
//  * a query picks one record of the name among the healthy ones, by weight, per seed
//    ("cloud/route53/answer"); with none healthy Route 53 answers as if all were healthy.
// Sources: Route 53 Developer Guide, "How Amazon Route 53 determines whether a health check is
// healthy", "Weighted routing", "How health checks work in simple configurations" (all
// unhealthy: all considered healthy). Not modelled: resolver caching (TTL), the checkers'
// regions and their 18% rule, latency/failover/geo routing, alias records.
#include <algorithm>
#include <cctype>
#include <sstream>

#include <fmt/format.h>

#include "sim/cloud/cloud.h"
#include "sim/discovery.h"
#include "sim/world.h"
#include "sim/etcd/shell.h"

namespace raftlab::cloud {

namespace {
std::string dns_key(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return name;
}
}  // namespace

void Cloud::install_route53() {
  // The hosted zone's simple A records and SRV records are what a resolver in the VPC
  // answers for a member's --discovery-srv (sim/discovery.h's DnsTable; the loader refused
  // a name that the scenario's own `dns` also has). A weighted A record answers per query
  // (dig_answer) and is left out: etcd resolves a name once at bootstrap.
  sim::BootstrapServices& b = world().bootstrap_services();
  for (const Route53Record& r : cfg_->spec.records) {
    const std::string name = dns_key(r.name);
    if (r.type == "SRV") {
      std::vector<sim::SrvRecord>& out = b.dns.srv[name];
      for (const std::string& v : r.values) {
        std::istringstream in(v);
        int prio = 0, weight = 0, port = 0;
        std::string target;
        in >> prio >> weight >> port >> target;  // checked by the template reader
        out.push_back(sim::SrvRecord{dns_key(target), port});
      }
    } else if (r.weight < 0 && !r.values.empty()) {
      b.dns.a[name] = r.values.front();
      if (const auto h = world().net().host_by_ip(r.values.front())) world().net().add_dns_name(name, *h);
    }
  }
  for (const Route53HealthCheck& h : cfg_->spec.health_checks) {
    HealthCheckState st;
    st.spec = &h;
    r53_checks_.push_back(st);
  }
  for (std::size_t i = 0; i < r53_checks_.size(); ++i) {
    const std::int64_t first = prng("route53/offset").between(1'000'000'000, r53_checks_[i].spec->interval_s * 1'000'000'000);
    world().loop().after(sim::nanos(first), [this, i] { r53_check(i); });
  }
}

void Cloud::r53_check(std::size_t i) {
  HealthCheckState& st = r53_checks_[i];
  const Route53HealthCheck& h = *st.spec;
  bool pass = false;
  if (const Gateway* gw = gateway(h.ip)) {
    if (!gw->down && world().net().host_up(gw->host)) {
      if (h.type == "TCP") pass = std::find(cfg_->apisix.config.node_listen.begin(), cfg_->apisix.config.node_listen.end(),
                                            h.port) != cfg_->apisix.config.node_listen.end() ||
                                  h.port == cfg_->apisix.config.admin_port;
      else {
        const int code = traffic(*gw, "GET", h.resource_path).first;
        pass = code >= 200 && code < 400;
      }
    }
  } else if (auto host = world().net().host_by_ip(h.ip)) {
    pass = world().net().host_up(*host);
  }
  if (pass) {
    st.fails = 0;
    ++st.passes;
    if (!st.healthy && st.passes >= h.failure_threshold) {
      st.healthy = true;
      record(h.logical_id, "route53", fmt::format("health check of {}:{} healthy", h.ip, h.port));
    }
  } else {
    st.passes = 0;
    ++st.fails;
    if (st.healthy && st.fails >= h.failure_threshold) {
      st.healthy = false;
      record(h.logical_id, "route53", fmt::format("health check of {}:{} UNHEALTHY ({} failures in a row)", h.ip, h.port,
                                                  st.fails));
    }
  }
  world().loop().after(sim::seconds(h.interval_s), [this, i] { r53_check(i); });
}

std::vector<std::string> Cloud::dig_answer(const std::string& qname) {
  const std::string name = qname.empty() || qname.back() == '.' ? qname : qname + ".";
  std::vector<const Route53Record*> all, healthy;
  for (const Route53Record& r : cfg_->spec.records) {
    if (r.name != name || r.type != "A") continue;
    all.push_back(&r);
    bool ok = true;
    for (const HealthCheckState& h : r53_checks_)
      if (h.spec->logical_id == r.health_check) ok = h.healthy;
    if (ok) healthy.push_back(&r);
  }
  if (all.empty()) return {};
  const auto& cands = healthy.empty() ? all : healthy;
  std::int64_t total = 0;
  for (const Route53Record* r : cands) total += std::max<std::int64_t>(r->weight, 0);
  if (cands.front()->weight < 0) return cands.front()->values;  // a simple record
  sim::Prng& p = prng("route53/answer");
  if (total == 0) return cands[p.uniform(cands.size())]->values;  // all weights 0: equal
  std::int64_t x = p.between(0, total - 1);
  for (const Route53Record* r : cands) {
    x -= std::max<std::int64_t>(r->weight, 0);
    if (x < 0) return r->values;
  }
  return cands.back()->values;
}

void Cloud::run_dig(const nlohmann::json& v) {
  auto words = etcd::shell_split(v.get<std::string>(), cfg_->env);
  if (!words.ok()) return;
  bool shortform = false;
  std::string name;
  for (std::size_t i = 1; i < words.value().argv.size(); ++i) {
    const std::string& a = words.value().argv[i];
    if (a == "+short") shortform = true;
    else if (a[0] != '+' && a != "A" && a[0] != '@') name = a;
  }
  const std::string fq = name.back() == '.' ? name : name + ".";
  std::int64_t ttl = 300;
  for (const Route53Record& r : cfg_->spec.records)
    if (r.name == fq) ttl = r.ttl;
  const auto answer = dig_answer(name);
  std::string out;
  if (answer.empty()) {
    out = shortform ? "" : ";; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN";
  } else if (shortform) {
    for (const auto& a : answer) out += (out.empty() ? "" : "\n") + a;
  } else {
    out = ";; ANSWER SECTION:";
    for (const auto& a : answer) out += fmt::format("\n{}\t{}\tIN\tA\t{}", fq, ttl, a);
  }
  world().note(fmt::format("$ {}\n{}", v.get<std::string>(), out));
}

// "dig": {"name": "gw.example.com", "queries": 20, "answers": ["43.203.226.152", "43.203.142.87"]}:
// the distinct addresses `queries` fresh queries return, exactly.
void Cloud::probe_dig(const scenario::Expectation& e, const nlohmann::json& v) {
  std::set<std::string> seen;
  const std::int64_t n = v.at("queries").get<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i)
    for (const auto& a : dig_answer(v.at("name").get<std::string>())) seen.insert(a);
  std::set<std::string> want;
  for (const auto& a : v.at("answers")) want.insert(a.get<std::string>());
  sim::ExpectResult r;
  r.at_ns = e.at_ns;
  r.what = fmt::format("addresses in {} answers for {}", n, v.at("name").get<std::string>());
  r.path = e.path + ".dig";
  r.note = e.note;
  r.expected = fmt::format("{}", fmt::join(want, ", "));
  r.actual = fmt::format("{}", fmt::join(seen, ", "));
  r.passed = seen == want;
  d_.add_result(std::move(r));
}

}  // namespace raftlab::cloud
