// tools/real/sim_side.cc — see sim_side.h.
#include "tools/real/sim_side.h"

#include <algorithm>
#include <optional>
#include <variant>

#include <fmt/format.h>

#include "sim/cloud/cloud.h"
#include "sim/deploy.h"
#include "sim/scenario/loader.h"
#include "tools/real/loopback.h"

namespace raftlab::real::diffing {

namespace {

std::unique_ptr<sim::Deployment> build(std::shared_ptr<const scenario::Scenario> s, std::optional<std::int64_t> stop,
                                       std::optional<std::uint64_t> seed = std::nullopt) {
  sim::RunOptions ro;
  ro.stop_at_ns = stop;
  ro.seed = seed;
  // A `cloud` part (Route 53 records for an SRV bootstrap) needs the cloud layer; what
  // else it makes is refused by the diff (SimSide::cloud_made).
  if (s->cloud) ro.extension = cloud::extension_factory();
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(std::move(s), ro, &errors);
  if (!d) {
    std::string msg;
    for (const auto& e : errors) msg += scenario::format(e) + "\n";
    throw BadInput{msg};
  }
  return d;
}

ProbeOutcome sim_client_outcome(const std::string& op, const std::string& status, const std::string& b,
                                const std::string& c) {
  ProbeOutcome p;
  if (status != "ok") {
    p.kind = "error";
    p.cls = etcdctl_class(b);
    return p;
  }
  if (op == "get") {
    if (b == "found") {
      p.kind = "value";
      p.value = c;
    } else {
      p.kind = "absent";
    }
    return p;
  }
  p.kind = "ok";
  return p;
}

Obs sim_observe(const sim::World& w, std::int64_t at_ns) {
  Obs o;
  std::map<std::string, bool> joined;
  std::map<std::string, std::set<std::string>> classes;
  for (const auto& e : w.trace().events()) {
    if (e.at.ns > at_ns) break;
    if (e.kind == sim::Ev::Bootstrap && e.a == "existing") joined[e.who] = true;
    if (e.kind == sim::Ev::Log) {
      if (auto c = classify_log(e.a, e.b, e.c); !c.empty()) classes[e.who].insert(c);
    }
    if (e.kind == sim::Ev::ProcExit && !e.b.empty()) {
      if (auto c = classify_log("fatal", e.b, ""); !c.empty()) classes[e.who].insert(c);
    }
  }
  for (const auto& v : w.members()) {
    MemberObs m;
    // A member that fell back to a v2 proxy (--discovery-fallback=proxy) is a running etcd
    // process that is no member, as on the real side.
    m.up = v.state == "running" || v.state == "bootstrapping" || v.state.rfind("v2 proxy", 0) == 0;
    m.serving = m.up && v.running && v.ready;
    m.member_id = v.member_id;
    m.cluster_id = v.cluster_id;
    m.id_derived = !joined[v.name];
    m.leader = m.serving && v.role == raft::Role::Leader;
    if (m.serving) {
      for (const auto& rec : v.members)
        m.list.push_back(rec.name + "@" + fmt::format("{}", fmt::join(rec.peer_urls, ",")));
      std::sort(m.list.begin(), m.list.end());
    }
    m.classes = classes[v.name];
    o[v.name] = m;
  }
  return o;
}

}  // namespace

std::string leader_text(const Obs& o) {
  std::vector<std::string> l;
  for (const auto& [n, m] : o)
    if (m.serving && m.leader) l.push_back(n);
  return l.empty() ? "none" : fmt::format("{}", fmt::join(l, " "));
}

SimSide run_sim(const std::shared_ptr<const scenario::Scenario>& s, const std::vector<std::int64_t>& points,
                int leader_seeds) {
  SimSide side;
  for (auto t : points) {
    auto d = build(s, t);
    d->run();
    side.points[t] = sim_observe(d->world(), t);
    side.leader_sets[t].insert(leader_text(side.points[t]));
    // Which member leads is "determined" only when every seed 1..N elects the same one.
    for (int k = 1; k <= leader_seeds; ++k) {
      auto dk = build(s, t, static_cast<std::uint64_t>(k));
      dk->run();
      side.leader_sets[t].insert(leader_text(sim_observe(dk->world(), t)));
    }
  }
  auto d = build(s, std::nullopt);
  const sim::RunResult rr = d->run();
  {
    const sim::DnsTable& t = d->world().bootstrap_services().dns;
    if (!t.a.empty() || !t.srv.empty()) {
      scenario::Dns dns;
      dns.path = s->dns ? s->dns->path : "$.cloud (Route 53 records)";
      dns.a = t.a;
      for (const auto& [name, recs] : t.srv)
        for (const auto& r : recs) dns.srv[name].push_back(scenario::SrvTarget{r.target, r.port});
      side.dns = dns;
    }
    if (s->cloud && d->world().net().host_count() != s->hosts.size())
      side.cloud_made = fmt::format("{} host(s) besides the scenario's (instances, load balancers)",
                                    d->world().net().host_count() - s->hosts.size());
  }
  // Whom each explicit fault struck (the first `fault` event of its index).
  for (const auto& e : d->world().trace().events()) {
    if (e.kind != sim::Ev::Fault || side.fault_struck.count(e.index)) continue;
    side.fault_struck[e.index] = e.b.find("nothing done") != std::string::npos ? "" : e.who;
  }
  for (const auto& m : s->members) side.endpoints[m.name] = d->world().endpoint_url(m.name);
  for (const auto& r : rr.expectations) {
    const bool put = r.what.rfind("put ", 0) == 0, get = r.what.rfind("get ", 0) == 0;
    if (!put && !get) continue;
    ProbeOutcome p;
    if (r.actual.rfind("Error: ", 0) == 0) {
      p.kind = "error";
      p.cls = etcdctl_class(r.actual.substr(7));
    } else if (put) {
      p.kind = "ok";
    } else if (r.actual == "key not found") {
      p.kind = "absent";
    } else {
      p.kind = "value";
      p.value = r.actual.size() >= 2 ? r.actual.substr(1, r.actual.size() - 2) : r.actual;
    }
    side.expect_probes[r.path + (put ? "/put" : "/get")] = p;
  }
  // The timeline's own etcdctl calls (client 0), matched by time and operation.
  std::map<std::uint64_t, std::string> call_op;
  std::map<std::uint64_t, std::int64_t> call_at;
  std::map<std::uint64_t, ProbeOutcome> done;
  for (const auto& e : d->world().trace().events()) {
    if (e.kind == sim::Ev::ClientCall && e.peer == 0) {
      call_op[e.index] = e.a;
      call_at[e.index] = e.at.ns;
    }
    if (e.kind == sim::Ev::ClientDone && e.peer == 0 && call_op.count(e.index) && !done.count(e.index))
      done[e.index] = sim_client_outcome(call_op[e.index], e.a, e.b, e.c);
  }
  for (const auto& t : s->timeline) {
    const auto* a = std::get_if<scenario::EtcdctlAction>(&t.action);
    if (!a) continue;
    std::string op;
    if (a->command.find("member add") != std::string::npos) op = "member-add";
    else if (a->command.find("member remove") != std::string::npos) op = "member-remove";
    else if (a->command.rfind("put ", 0) == 0 || a->command.rfind("etcdctl put ", 0) == 0) op = "put";
    else continue;
    for (const auto& [id, o] : call_op) {
      if (o == op && call_at[id] == t.at_ns && done.count(id) && !side.timeline_probes.count(t.path)) {
        side.timeline_probes[t.path] = done[id];
        call_op[id] = "";  // used
        break;
      }
    }
  }
  return side;
}
}  // namespace raftlab::real::diffing
