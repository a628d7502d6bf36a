// sim/nemesis/runner.cc — carrying out a materialized scenario's faults and client
// workload in a World, recording `fault` / `fault_end` / `quiet` (docs/trace-format.md).
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sim/nemesis/nemesis.h"

#include "sim/etcd/entry_codec.h"
#include "sim/etcd/ids.h"
#include "sim/etcdctl.h"
#include "sim/scenario/duration.h"
#include "sim/world.h"

namespace raftlab::nemesis {

using scenario::Fault;
using scenario::FaultKind;

struct Runner::Impl {
  Impl(sim::World& world, std::shared_ptr<const scenario::Scenario> sc) : w(world), s(std::move(sc)) {}
  sim::World& w;
  std::shared_ptr<const scenario::Scenario> s;
  std::uint64_t issued = 0, done = 0;

  // Containers the nemesis holds down (crash, host_down, terminate): a count per
  // container, and whether it was wanted up when the first hold began. When the last
  // hold ends it is started again (if it was wanted).
  std::map<int, int> holds;
  std::map<int, bool> was_wanted;
  std::map<int, int> clock_active, fsync_active;
  std::map<std::size_t, int> net_rules;  // fault number -> Network rule id
  SpareHooks spares;
  std::set<std::string> added_spares;  // spares a member_add added to the cluster
  // Crash/isolate faults: the container each one struck (absent: not struck, e.g. no
  // leader, or still waiting for a leader change), and those waiting for a leader
  // change (fault number -> the highest term when they began), in fault order.
  std::map<std::size_t, int> struck;
  // host_down faults at "leader" or with after_leader_change: the host each one took down
  // (absent: no leader then, or no leader change in time).
  std::map<std::size_t, int> struck_host;
  std::map<std::size_t, std::uint64_t> waiting;

  struct Client {
    std::uint64_t no = 0;
    sim::Prng prng{0};
    std::int64_t ops = 0;
  };
  std::vector<Client> clients;
  std::vector<std::string> endpoints;

  void record(sim::Ev kind, const std::string& who, std::size_t index, const std::string& a, const std::string& b) {
    if (!w.trace().on()) return;
    sim::TraceEvent e;
    e.at = w.now();
    e.kind = kind;
    e.who = who;
    e.index = index;
    e.a = a;
    e.b = b;
    // The fault's own `note` (scenario file), shown with it in the timeline.
    if (kind == sim::Ev::Fault && index < s->faults.size()) e.c = s->faults[index].note;
    w.trace().record(std::move(e));
  }

  void hold(int c) {
    if (holds[c]++ == 0) was_wanted[c] = w.wanted(c);
  }
  // Returns true when this was the last hold and the container should come back.
  bool release(int c) {
    auto it = holds.find(c);
    if (it == holds.end() || it->second == 0) return false;
    return --it->second == 0 && was_wanted[c];
  }
  std::vector<int> on_host(int h) const {
    std::vector<int> v;
    for (std::size_t i = 0; i < w.container_count(); ++i)
      if (w.container(static_cast<int>(i)).host == h) v.push_back(static_cast<int>(i));
    return v;
  }
  int host_index(const std::string& name) const {
    for (std::size_t i = 0; i < s->hosts.size(); ++i)
      if (s->hosts[i].name == name) return static_cast<int>(i);
    return -1;
  }

  void begin(std::size_t i);
  void end(std::size_t i);
  void on_role(int c, raft::Role role, std::uint64_t term);
  void strike(std::size_t i, int c, const std::string& why);
  void strike_host(std::size_t i, int h, const std::string& why);
  std::uint64_t highest_term() const;
  int current_leader(std::uint64_t* term) const;
  void member_add(std::size_t i);
  void wait_for_leader(std::size_t i, std::uint64_t term0, sim::Time until);
  void add_now(std::size_t i, const std::string& moment);
  void issue(std::size_t k);
};

std::uint64_t Runner::Impl::highest_term() const {
  std::uint64_t t = 0;
  for (const auto& m : w.members())
    if (m.running) t = std::max(t, m.term);
  return t;
}

// The current leader: the running member that leads at the highest term (the first of
// them in container order on a tie); -1 when no member leads. *term is its term.
int Runner::Impl::current_leader(std::uint64_t* term) const {
  int leader = -1;
  *term = 0;
  for (const auto& m : w.members()) {
    if (!m.running || m.role != raft::Role::Leader || (leader >= 0 && m.term <= *term)) continue;
    leader = w.container_index(m.name);
    *term = m.term;
  }
  return leader;
}

// A crash or isolate hits container `c` now (`why`: how it was chosen, appended to the
// `fault` event's detail).
void Runner::Impl::strike(std::size_t i, int c, const std::string& why) {
  const Fault& f = s->faults[i];
  const std::string kind = scenario::fault_kind_name(f.kind);
  if (c < 0) return;
  const std::string& name = w.container(c).name;
  record(sim::Ev::Fault, name, i, kind, describe(f) + why);
  struck[i] = c;
  if (f.kind == FaultKind::kCrash) {
    hold(c);
    w.crash(c, f.lose_unsynced);
    return;
  }
  sim::NetFault r;  // isolate: the member in a group of its own, by member name
  r.kind = sim::NetFault::Kind::Block;
  r.by_groups = true;
  r.by_host = false;
  r.group_of_member[name] = 1;
  net_rules[i] = w.net().add_fault(std::move(r));
}

// A host_down fault at "leader" or after a leader change takes host `h` down now (`why`:
// how it was chosen, appended to the `fault` event's detail, recorded with the host).
void Runner::Impl::strike_host(std::size_t i, int h, const std::string& why) {
  const Fault& f = s->faults[i];
  if (h < 0) return;
  struck_host[i] = h;
  record(sim::Ev::Fault, s->hosts[static_cast<std::size_t>(h)].name, i, scenario::fault_kind_name(f.kind),
         describe(f) + why);
  for (int k : on_host(h)) hold(k);
  w.kill_host(h);
}

// World::watch_roles: a member became leader. Every crash/isolate waiting for a leader
// change since a lower term strikes `lag` later (the new leader, or its own target).
void Runner::Impl::on_role(int c, raft::Role role, std::uint64_t term) {
  if (role != raft::Role::Leader) return;
  for (auto it = waiting.begin(); it != waiting.end();) {
    if (term <= it->second) {
      ++it;
      continue;
    }
    const std::size_t i = it->first;
    it = waiting.erase(it);
    const Fault& f = s->faults[i];
    const std::string why = fmt::format("; {} after {} was elected (term {})",
                                        scenario::format_duration(f.lag_ns), w.container(c).name, term);
    const sim::Time until = sim::nanos(nemesis::fault_end_ns(f));
    if (f.kind == FaultKind::kHostDown) {  // the new leader's host, or its named one
      const int h = f.target == scenario::kLeaderTarget ? w.container(c).host : host_index(f.target);
      w.loop().after(sim::nanos(f.lag_ns), [this, i, h, why, until] {
        if (w.now() < until) strike_host(i, h, why);
      });
      continue;
    }
    const int target = f.target == scenario::kLeaderTarget ? c : w.container_index(f.target);
    w.loop().after(sim::nanos(f.lag_ns), [this, i, target, why, until] {
      if (w.now() < until) strike(i, target, why);
    });
  }
}

void Runner::Impl::begin(std::size_t i) {
  const Fault& f = s->faults[i];
  const std::string kind = scenario::fault_kind_name(f.kind);
  const int c = f.target.empty() || f.target == scenario::kLeaderTarget ? -1 : w.container_index(f.target);
  if (f.kind == FaultKind::kCrash || f.kind == FaultKind::kIsolate) {
    // Recorded when it strikes (strike()): the member it hits is known only then.
    if (f.after_leader_change) {
      waiting[i] = highest_term();
      return;
    }
    if (f.target != scenario::kLeaderTarget) return strike(i, c, "");
    std::uint64_t term = 0;
    const int leader = current_leader(&term);
    if (leader < 0) {
      record(sim::Ev::Fault, "", i, kind, describe(f) + "; no leader: nothing done");
      return;
    }
    return strike(i, leader, fmt::format("; {} led at term {}", w.container(leader).name, term));
  }
  if (f.kind == FaultKind::kHostDown && f.after_leader_change) {
    waiting[i] = highest_term();  // recorded when it strikes (strike_host)
    return;
  }
  if (f.kind == FaultKind::kHostDown && f.target == scenario::kLeaderTarget) {
    // The host of the current leader (as a crash at "leader" picks it), recorded with the
    // host it took down (the loader refuses a host named "leader" here).
    std::uint64_t term = 0;
    const int leader = current_leader(&term);
    if (leader < 0) {
      record(sim::Ev::Fault, "", i, kind, describe(f) + "; no leader: nothing done");
      return;
    }
    strike_host(i, w.container(leader).host, fmt::format("; {} led at term {}", w.container(leader).name, term));
    return;
  }
  record(sim::Ev::Fault, f.target, i, kind, describe(f));
  switch (f.kind) {
    case FaultKind::kCrash:
    case FaultKind::kIsolate:
      return;  // above
    case FaultKind::kHostDown: {
      const int h = host_index(f.target);
      if (h < 0) return;
      for (int k : on_host(h)) hold(k);
      w.kill_host(h);
      return;
    }
    case FaultKind::kTerminate:
      if (c < 0) return;
      hold(c);
      w.terminate_instance(c, "terminated");  // the instance is gone, not `member remove`d
      return;
    case FaultKind::kPartition:
    case FaultKind::kOneWay:
    case FaultKind::kLoss:
    case FaultKind::kDuplicate:
    case FaultKind::kReorder:
    case FaultKind::kDelay: {
      sim::NetFault r;
      switch (f.kind) {
        case FaultKind::kLoss: r.kind = sim::NetFault::Kind::Loss; break;
        case FaultKind::kDuplicate: r.kind = sim::NetFault::Kind::Duplicate; break;
        case FaultKind::kReorder: r.kind = sim::NetFault::Kind::Reorder; break;
        case FaultKind::kDelay: r.kind = sim::NetFault::Kind::Delay; break;
        default: r.kind = sim::NetFault::Kind::Block; break;
      }
      if (f.kind == FaultKind::kPartition) {
        r.by_groups = true;
        r.by_host = f.host_groups;
        r.group_of_host.assign(s->hosts.size(), 0);
        for (std::size_t g = 0; g < f.groups.size(); ++g) {
          for (const auto& name : f.groups[g]) {
            if (f.host_groups) {
              const int h = host_index(name);
              if (h >= 0) r.group_of_host[static_cast<std::size_t>(h)] = static_cast<int>(g + 1);
            } else {
              r.group_of_member[name] = static_cast<int>(g + 1);
            }
          }
        }
      } else {
        r.from = f.from;
        r.to = f.to;
      }
      r.ppm = f.probability_ppm;
      r.delay = sim::nanos(f.delay_ns);
      net_rules[i] = w.net().add_fault(std::move(r));
      return;
    }
    case FaultKind::kClock:
      if (c < 0) return;
      ++clock_active[c];
      w.set_tick_rate(c, f.rate_ppm);
      return;
    case FaultKind::kSlowFsync:
      if (c < 0) return;
      ++fsync_active[c];
      w.set_fsync_latency(c, sim::nanos(f.delay_ns));
      return;
    case FaultKind::kMemberRemove: {
      if (c < 0) return;
      const std::uint64_t id = w.member_id_of(c);
      if (id == 0) {
        record(sim::Ev::FaultEnd, f.target, i, kind, "not removed: it never ran");
        return;
      }
      // `etcdctl member remove <id>` through every other member (clientv3 tries them in order).
      std::vector<std::string> eps;
      for (const auto& m : s->members)
        if (m.name != f.target) eps.push_back(m.name);
      sim::ClientRequest req;
      req.kind = sim::ClientOpKind::MemberRemove;
      req.member_id = id;
      if (s->clients) req.user = s->clients->user;  // the operator holds the clients' token
      const std::string target = f.target;
      w.etcdctl(std::move(req), eps, [this, i, target, kind](const sim::ClientResult& r) {
        record(sim::Ev::FaultEnd, target, i, kind, r.ok ? "removed" : "refused: " + r.error);
      });
      return;
    }
    case FaultKind::kMemberAdd:
      if (c >= 0) member_add(i);
      return;
  }
}

namespace {

// Of the `ETCD_...="..."` lines `etcdctl member add` prints (ctlv3 member.go), the two a
// launch template does not already hold: ETCD_INITIAL_CLUSTER and
// ETCD_INITIAL_CLUSTER_STATE (the name and peer URLs are the template's own — the add
// was made with them — and a bare etcd refuses a variable that repeats one of its flags).
std::map<std::string, std::string> printed_exports(const std::string& output) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at < output.size()) {
    std::size_t nl = output.find('\n', at);
    if (nl == std::string::npos) nl = output.size();
    const std::string line = output.substr(at, nl - at);
    at = nl + 1;
    const std::size_t eq = line.find("=\"");
    if (line.rfind("ETCD_", 0) != 0 || eq == std::string::npos || line.back() != '"' || line.size() < eq + 3) continue;
    const std::string key = line.substr(0, eq);
    if (key == "ETCD_INITIAL_CLUSTER" || key == "ETCD_INITIAL_CLUSTER_STATE")
      out[key] = line.substr(eq + 2, line.size() - eq - 3);
  }
  return out;
}

}  // namespace

// `etcdctl member add` of a spare through the other members, at whatever moment the
// schedule says (strict reconfiguration may refuse it: recorded), then — if it was
// added and the fault has a duration — the spare's start at at + duration (or when the
// add answers, if later), with the printed ETCD_INITIAL_CLUSTER and
// ETCD_INITIAL_CLUSTER_STATE exported. With after_leader_change the add first waits for
// the next leader change. fault_end's `b` records the outcome: "failed: <etcdctl error>",
// "added <id>, never started", "added <id>, started" (+ "; the add followed ..." /
// "; no new leader within 10s").
void Runner::Impl::member_add(std::size_t i) {
  if (!s->faults[i].after_leader_change) return add_now(i, "");
  // The next leader change: a running member leading at a term above every running
  // member's term now. Polled every 10 ms (World::members(), whatever the trace level).
  std::uint64_t term0 = 0;
  for (const auto& m : w.members())
    if (m.running) term0 = std::max(term0, m.term);
  wait_for_leader(i, term0, w.now() + sim::nanos(scenario::kLeaderChangeWaitNs));
}

void Runner::Impl::wait_for_leader(std::size_t i, std::uint64_t term0, sim::Time until) {
  for (const auto& m : w.members())
    if (m.running && m.role == raft::Role::Leader && m.term > term0)
      return add_now(i, fmt::format("; the add followed {}'s election (term {})", m.name, m.term));
  if (w.now() >= until)
    return add_now(i, fmt::format("; no new leader within {}", scenario::format_duration(scenario::kLeaderChangeWaitNs)));
  w.loop().after(sim::millis(10), [this, i, term0, until] { wait_for_leader(i, term0, until); });
}

void Runner::Impl::add_now(std::size_t i, const std::string& moment) {
  const Fault& f = s->faults[i];
  const std::string kind = scenario::fault_kind_name(f.kind);
  const std::string target = f.target;
  std::string why = "no launcher for spares";
  std::optional<SpareHooks::Identity> id;
  if (spares.identity) id = spares.identity(target, &why);
  if (!id || id->name.empty() || id->peer_urls.empty()) {
    record(sim::Ev::FaultEnd, target, i, kind,
           "not added: " + (id ? std::string("its definition gives no etcd name or peer URL") : why) + moment);
    return;
  }
  std::vector<std::string> eps;  // clientv3 tries them in order
  for (const auto& m : s->members)
    if (m.name != target) eps.push_back(m.name);
  std::string urls;
  for (const auto& u : id->peer_urls) urls += (urls.empty() ? "" : ",") + u;
  // The operator's credentials are the clients' (a cluster with auth on refuses member add without).
  const std::string creds = s->clients && !s->clients->user.empty()
                                ? fmt::format("--user={}:{} ", s->clients->user, s->clients->password)
                                : std::string();
  const std::string cmd = fmt::format("{}member add {} --peer-urls={}", creds, id->name, urls);
  sim::run_etcdctl(w, cmd, eps, [this, i, target, kind, moment](const sim::ClientResult& r, const std::string& output) {
    if (!r.ok) {
      record(sim::Ev::FaultEnd, target, i, kind, "failed: " + r.error + moment);
      return;
    }
    const Fault& ff = s->faults[i];
    added_spares.insert(target);
    const std::string added = "added " + etcd::format_id(r.reply.member_id);
    if (ff.duration_ns == 0) {
      record(sim::Ev::FaultEnd, target, i, kind, added + ", never started" + moment);
      return;
    }
    auto go = [this, i, target, kind, added, moment, exports = printed_exports(output)] {
      record(sim::Ev::FaultEnd, target, i, kind, added + ", started" + moment);
      if (spares.start) spares.start(target, exports);
    };
    const sim::Time start_at = sim::nanos(ff.at_ns + ff.duration_ns);
    if (w.now() >= start_at) {
      go();
    } else {
      w.loop().at(start_at, std::move(go));
    }
  });
}

void Runner::Impl::end(std::size_t i) {
  const Fault& f = s->faults[i];
  const std::string kind = scenario::fault_kind_name(f.kind);
  if (f.kind == FaultKind::kCrash || f.kind == FaultKind::kIsolate) {
    waiting.erase(i);
    const auto it = struck.find(i);
    if (it == struck.end()) {
      // Never struck: no leader when it began, or no leader change before its end.
      if (f.after_leader_change) record(sim::Ev::Fault, "", i, kind, describe(f) + "; no leader change in time: nothing done");
      record(sim::Ev::FaultEnd, "", i, kind, "");
      return;
    }
    const int c = it->second;
    record(sim::Ev::FaultEnd, w.container(c).name, i, kind, "");
    if (f.kind == FaultKind::kCrash) {
      if (release(c)) w.start(c);
    } else if (auto r = net_rules.find(i); r != net_rules.end()) {
      w.net().remove_fault(r->second);
    }
    return;
  }
  if (f.kind == FaultKind::kHostDown && (f.target == scenario::kLeaderTarget || f.after_leader_change)) {
    waiting.erase(i);
    const auto it = struck_host.find(i);
    if (it == struck_host.end()) {
      if (f.after_leader_change) record(sim::Ev::Fault, "", i, kind, describe(f) + "; no leader change in time: nothing done");
      record(sim::Ev::FaultEnd, "", i, kind, "");
      return;
    }
    const int h = it->second;
    record(sim::Ev::FaultEnd, s->hosts[static_cast<std::size_t>(h)].name, i, kind, "");
    w.restore_host(h);
    for (int k : on_host(h))
      if (release(k)) w.start(k);
    return;
  }
  const int c = f.target.empty() ? -1 : w.container_index(f.target);
  record(sim::Ev::FaultEnd, f.target, i, kind, "");
  switch (f.kind) {
    case FaultKind::kCrash:
    case FaultKind::kIsolate:
      return;  // above
    case FaultKind::kHostDown: {
      const int h = host_index(f.target);
      if (h < 0) return;
      w.restore_host(h);
      for (int k : on_host(h))
        if (release(k)) w.start(k);
      return;
    }
    case FaultKind::kTerminate:
      // A fresh instance of the same definition on an empty data dir (docker rm + run).
      if (c >= 0 && release(c)) w.replace(c, w.container(c), true);
      return;
    case FaultKind::kPartition:
    case FaultKind::kOneWay:
    case FaultKind::kLoss:
    case FaultKind::kDuplicate:
    case FaultKind::kReorder:
    case FaultKind::kDelay: {
      auto it = net_rules.find(i);
      if (it != net_rules.end()) w.net().remove_fault(it->second);
      return;
    }
    case FaultKind::kClock:
      if (c >= 0 && --clock_active[c] == 0) w.set_tick_rate(c, scenario::kPpm);
      return;
    case FaultKind::kSlowFsync:
      if (c >= 0 && --fsync_active[c] == 0) w.set_fsync_latency(c, std::nullopt);
      return;
    case FaultKind::kMemberRemove:
    case FaultKind::kMemberAdd:
      return;  // ends when etcdctl answers (member_add: or when the spare starts)
  }
}

void Runner::Impl::issue(std::size_t k) {
  const scenario::ClientWorkload& cw = *s->clients;
  Client& cl = clients[k];
  if (w.now().ns >= cw.end_ns || (cw.max_ops > 0 && cl.ops >= cw.max_ops) || endpoints.empty()) return;
  // Every op draws the same things in the same order from the client's own stream.
  const bool read = cl.prng.chance(static_cast<std::uint64_t>(cw.read_ppm), scenario::kPpm);
  const std::uint64_t key = cl.prng.uniform(static_cast<std::uint64_t>(cw.keys));
  const std::uint64_t first = cl.prng.uniform(endpoints.size());
  const bool serializable = cl.prng.chance(static_cast<std::uint64_t>(cw.serializable_ppm), scenario::kPpm);
  ++cl.ops;
  sim::ClientRequest req;
  req.key = fmt::format("k{}", key);
  req.user = cw.user;
  if (read) {
    req.kind = sim::ClientOpKind::Get;
    req.serializable = serializable;
  } else {
    req.kind = sim::ClientOpKind::Put;
    req.value = fmt::format("c{}-{}", cl.no, cl.ops);  // unique per write
    // A large value is declared, not materialized ("c1-5#1100000B", entry_codec.h).
    if (cw.value_bytes > 0) req.value = etcd::declared_value(req.value, static_cast<std::uint64_t>(cw.value_bytes));
  }
  // clientv3's balancer: starts at the client's pick and moves on past unreachable ones.
  std::vector<std::string> eps;
  for (std::size_t j = 0; j < endpoints.size(); ++j) eps.push_back(endpoints[(first + j) % endpoints.size()]);
  ++issued;
  w.etcdctl(
      std::move(req), std::move(eps),
      [this, k](const sim::ClientResult&) {
        ++done;
        const scenario::ClientWorkload& c = *s->clients;
        const sim::Duration think = sim::nanos(clients[k].prng.between(c.min_think_ns, c.max_think_ns));
        w.loop().after(think, [this, k] { issue(k); });
      },
      sim::nanos(cw.timeout_ns), cl.no);
}

Runner::Runner(sim::World& w, std::shared_ptr<const scenario::Scenario> s) : impl_(std::make_unique<Impl>(w, std::move(s))) {}
Runner::~Runner() = default;

void Runner::set_spare_hooks(SpareHooks hooks) { impl_->spares = std::move(hooks); }

void Runner::install() {
  Impl& m = *impl_;
  const scenario::Scenario& s = *m.s;
  const bool waits = std::any_of(s.faults.begin(), s.faults.end(), [](const Fault& f) {
    return (f.kind == FaultKind::kCrash || f.kind == FaultKind::kIsolate || f.kind == FaultKind::kHostDown) &&
           f.after_leader_change;
  });
  if (waits) m.w.watch_roles([&m](int c, raft::Role role, std::uint64_t term) { m.on_role(c, role, term); });
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    const Fault& f = s.faults[i];
    m.w.loop().at(sim::nanos(f.at_ns), [&m, i] { m.begin(i); });
    const bool ends = f.kind != FaultKind::kMemberRemove && f.kind != FaultKind::kMemberAdd &&
                      (f.kind != FaultKind::kTerminate || f.duration_ns > 0);
    if (ends) m.w.loop().at(sim::nanos(nemesis::fault_end_ns(f)), [&m, i] { m.end(i); });
  }
  if (s.has_schedule) {
    m.w.loop().at(sim::nanos(quiet_at_ns(s)), [&m] {
      // Not wanted up: members taken down for good (and added spares never started);
      // spares whose add did not succeed (as far as etcdctl said) are named apart.
      std::vector<std::string> gone, spare;
      for (std::size_t c = 0; c < m.w.container_count(); ++c) {
        const int k = static_cast<int>(c);
        if (m.w.wanted(k)) continue;
        const std::string& name = m.w.container(k).name;
        const scenario::Member* mem = m.s->find_member(name);
        const bool unused_spare = mem && mem->spare && !m.w.ever_started(k) && !m.added_spares.count(name);
        (unused_spare ? spare : gone).push_back(name);
      }
      std::string a = gone.empty() ? "every fault healed, every member wanted up"
                                   : fmt::format("every fault healed; not wanted up: {}", fmt::join(gone, ","));
      if (!spare.empty()) a += fmt::format("; spares not started: {}", fmt::join(spare, ","));
      m.record(sim::Ev::Quiet, "", m.s->faults.size(), a, "");
    });
  }
  if (s.clients) {
    const scenario::ClientWorkload& cw = *s.clients;
    if (cw.endpoints.empty()) {
      // Every member the deployment runs from the start (not the spares).
      for (const auto& mem : s.members)
        if (!mem.spare) m.endpoints.push_back(mem.name);
    } else {
      m.endpoints = cw.endpoints;
    }
    const sim::Prng root(m.w.seed());
    for (std::int64_t n = 1; n <= cw.count; ++n) {
      Impl::Client cl;
      cl.no = static_cast<std::uint64_t>(n);
      cl.prng = root.derive(fmt::format("client/{}", n));
      m.clients.push_back(cl);
    }
    for (std::size_t k = 0; k < m.clients.size(); ++k) {
      // Clients start spread over one think time, not in lockstep.
      const std::int64_t at = cw.start_ns + m.clients[k].prng.between(0, cw.max_think_ns);
      m.w.loop().at(sim::nanos(at), [&m, k] { m.issue(k); });
    }
  }
}

std::uint64_t Runner::ops_issued() const { return impl_->issued; }
std::uint64_t Runner::ops_done() const { return impl_->done; }

}  // namespace raftlab::nemesis
