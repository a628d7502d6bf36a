// sim/experiments/quorum_table.cc — the quorum table's runs (see quorum_table.h).
#include "sim/experiments/quorum_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "sim/check/lab.h"
#include "sim/deploy.h"
#include "sim/prng.h"

namespace raftlab::experiments {

using scenario::Fault;
using scenario::FaultKind;
using sim::Ev;

const char* loss_timing_name(LossTiming t) {
  switch (t) {
    case LossTiming::Steady: return "steady";
    case LossTiming::AfterElection: return "after-election";
    case LossTiming::AfterFirstElection: return "after-first-election";
  }
  return "?";
}

std::vector<LossCase> all_loss_cases(const scenario::Scenario& s) {
  std::vector<std::string> names;
  for (const auto& m : s.members)
    if (!m.spare) names.push_back(m.name);
  const std::size_t n = names.size();
  std::vector<std::uint32_t> masks;
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) masks.push_back(mask);
  // Smallest subsets first, then in member order (lexicographic on the member indexes).
  std::stable_sort(masks.begin(), masks.end(), [](std::uint32_t a, std::uint32_t b) {
    return __builtin_popcount(a) < __builtin_popcount(b);
  });
  std::vector<LossCase> out;
  for (std::uint32_t mask : masks) {
    LossCase c;
    for (std::size_t i = 0; i < n; ++i)
      if (mask & (1u << i)) c.members.push_back(names[i]);
    c.label = c.members.empty() ? "none" : fmt::format("{}", fmt::join(c.members, "+"));
    out.push_back(std::move(c));
  }
  for (const auto& h : s.hosts) {
    LossCase c;
    c.host = h.name;
    c.label = "host " + h.name;
    for (const auto& m : s.members)
      if (!m.spare && m.host == h.name) c.members.push_back(m.name);
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSec = 1'000'000'000;

struct Plan {
  scenario::Scenario s;
  std::size_t first_loss_fault = 0;  // index of the case's first fault in s.faults
  std::int64_t nominal_ns = 0;       // when the loss is scheduled (or waits from)
  std::int64_t lag_ns = 0;
};

Plan plan(const scenario::Scenario& base, const LossCase& c, LossTiming t, std::uint64_t seed, const QuorumOptions& o) {
  Plan p;
  p.s = base;
  scenario::Scenario& s = p.s;
  s.faults.clear();
  s.nemesis.reset();
  s.has_schedule = true;
  s.seed = seed;
  p.lag_ns = sim::Prng(seed).derive("quorum/lag").between(0, 5 * kMs);
  const bool waits = t != LossTiming::Steady;
  std::int64_t at = 0, end = 0;
  switch (t) {
    case LossTiming::Steady:
      at = o.steady_at_ns;
      end = at + o.down_ns;
      break;
    case LossTiming::AfterElection: {
      at = o.steady_at_ns - kSec;
      end = o.steady_at_ns + o.down_ns;
      Fault trigger;  // the leader's process is killed and comes back 0.5 s later
      trigger.kind = FaultKind::kCrash;
      trigger.target = scenario::kLeaderTarget;
      trigger.at_ns = at;
      trigger.duration_ns = 500 * kMs;
      s.faults.push_back(trigger);
      break;
    }
    case LossTiming::AfterFirstElection:
      at = 0;
      end = o.down_ns + 2 * kSec;
      if (s.clients) s.clients->start_ns = 0;
      break;
  }
  p.nominal_ns = at;
  p.first_loss_fault = s.faults.size();
  auto loss = [&](FaultKind k, const std::string& target) {
    Fault f;
    f.kind = k;
    f.target = target;
    f.at_ns = at;
    f.duration_ns = end - at;
    f.lose_unsynced = k == FaultKind::kCrash;  // a power loss of that member
    f.after_leader_change = waits;
    f.lag_ns = waits ? p.lag_ns : 0;
    s.faults.push_back(f);
  };
  if (!c.host.empty()) {
    loss(FaultKind::kHostDown, c.host);
  } else {
    for (const auto& m : c.members) loss(FaultKind::kCrash, m);
  }
  s.duration_ns = end + o.tail_ns;
  if (s.clients) s.clients->end_ns = s.duration_ns - 2 * kSec;
  return p;
}

// Roles as the trace tells them: each member's latest role and term; a process exit or
// its host going down clears it.
struct Roles {
  std::map<std::string, std::pair<std::string, std::uint64_t>> role;
  std::uint64_t top_term = 0;
  void apply(const sim::TraceEvent& e, const std::map<std::string, std::string>& host_of) {
    if (e.kind == Ev::Role) {
      role[e.who] = {e.a, e.term};
      top_term = std::max(top_term, e.term);
    } else if (e.kind == Ev::ProcExit) {
      role.erase(e.who);
    } else if (e.kind == Ev::HostDown) {
      for (const auto& [m, h] : host_of)
        if (h == e.who) role.erase(m);
    }
  }
  std::pair<std::string, std::uint64_t> leader() const {
    std::string who;
    std::uint64_t term = 0;
    for (const auto& [m, rt] : role)
      if (rt.first == "Leader" && rt.second >= term) who = m, term = rt.second;
    return {who, term};
  }
};

double quantile_ms(std::vector<std::int64_t> v, double q) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  i = i == 0 ? 0 : i - 1;
  return static_cast<double>(v[std::min(i, v.size() - 1)]) / 1e6;
}

}  // namespace

QuorumRun run_quorum_case(const std::shared_ptr<const scenario::Scenario>& base, const LossCase& c, LossTiming t,
                          std::uint64_t seed, const QuorumOptions& o) {
  QuorumRun r;
  r.seed = seed;
  Plan p = plan(*base, c, t, seed, o);
  auto sp = std::make_shared<const scenario::Scenario>(std::move(p.s));
  sim::RunOptions ro;
  ro.seed = seed;
  ro.trace_level = sim::TraceLevel::Default;
  ro.hash_trace = false;
  std::vector<scenario::LoadError> errors;
  auto dep = sim::Deployment::build(sp, ro, &errors);
  if (!dep) {
    r.error = errors.empty() ? "the scenario does not build" : scenario::format(errors.front());
    return r;
  }
  // Quorum as World::clusters() sees it, every 100 ms (reads only: the run is unchanged).
  std::vector<std::pair<std::int64_t, bool>> quorum_at;
  sim::World& w = dep->world();
  for (std::int64_t at = 100 * kMs; at <= sp->duration_ns; at += 100 * kMs) {
    w.loop().at(sim::nanos(at), [&w, &quorum_at, at] {
      bool q = false;
      for (const auto& cv : w.clusters()) q = q || cv.quorum;
      quorum_at.emplace_back(at, q);
    });
  }
  dep->run();
  const std::vector<sim::TraceEvent>& ev = w.trace().events();

  std::map<std::string, std::string> host_of;
  for (const auto& m : sp->members) host_of[m.name] = m.host;
  const std::set<std::string> lost(c.members.begin(), c.members.end());

  // When the loss struck.
  std::int64_t tf = -1;
  if (c.members.empty()) {
    // Nothing is lost: the moment the loss would have struck.
    if (t == LossTiming::Steady) {
      tf = p.nominal_ns;
    } else {
      std::uint64_t before = 0;  // the highest term before the loss would wait
      for (const auto& e : ev) {
        if (e.kind != Ev::Role) continue;
        if (e.at.ns < p.nominal_ns) {
          before = std::max(before, e.term);
        } else if (e.a == "Leader" && e.term > before) {
          tf = e.at.ns + p.lag_ns;
          break;
        }
      }
    }
  } else {
    for (const auto& e : ev)
      if (e.kind == Ev::Fault && e.index >= p.first_loss_fault && !e.who.empty()) {
        tf = e.at.ns;
        break;
      }
  }
  r.struck = tf >= 0;
  if (r.struck) {
    r.fault_ns = tf;
    const std::int64_t until = tf + o.window_ns;
    Roles roles;
    std::size_t i = 0;
    for (; i < ev.size() && ev[i].at.ns < tf; ++i) roles.apply(ev[i], host_of);
    const auto [l0, term0] = roles.leader();
    bool kept = !l0.empty() && !lost.count(l0);
    for (std::size_t j = i; j < ev.size() && ev[j].at.ns <= until; ++j) {
      const auto& e = ev[j];
      if (e.who == l0 && ((e.kind == Ev::Role && e.a != "Leader") || e.kind == Ev::ProcExit)) kept = false;
      if (e.kind == Ev::HostDown && host_of.count(l0) && host_of[l0] == e.who) kept = false;
    }
    r.leader_lost = !kept;
    if (kept) {
      r.time_to_leader_ns = 0;
    } else {
      for (std::size_t j = i; j < ev.size() && ev[j].at.ns <= until; ++j) {
        const auto& e = ev[j];
        if (e.kind == Ev::Role && e.a == "Leader" && e.term > term0 && !lost.count(e.who)) {
          r.time_to_leader_ns = e.at.ns - tf;
          break;
        }
      }
    }
    for (const auto& [at, q] : quorum_at)
      if (at >= until) {
        r.quorum_kept = q;
        break;
      }
    // A client put called in [tf, until) that succeeded.
    std::map<std::uint64_t, std::int64_t> put_called;
    for (const auto& e : ev) {
      if (e.kind == Ev::ClientCall && e.a == "put" && e.peer >= 1 && e.at.ns >= tf && e.at.ns < until)
        put_called[e.index] = e.at.ns;
      if (e.kind == Ev::ClientDone && e.a == "ok" && put_called.count(e.index)) {
        r.writes_available = true;
        break;
      }
    }
  }
  const check::LabReport rep = check::check_all(ev);
  r.failed_checkers = rep.failed_checkers();
  for (const auto& st : rep.checkers)
    if (st.name == "durability") {
      r.acked_lost = st.violations;
      r.acked_lost_excused = st.excused;
      r.acked_checked = st.checked;
    }
  return r;
}

void aggregate(QuorumRow* row) {
  QuorumRow& q = *row;
  q.n = q.runs.size();
  q.struck = q.quorum_kept = q.writes_available = q.leader_lost = q.new_leader = 0;
  q.acked_lost = q.acked_lost_excused = q.acked_checked = q.checker_failures = 0;
  std::vector<std::int64_t> ttl;
  for (const auto& r : q.runs) {
    q.checker_failures += !r.failed_checkers.empty() || !r.error.empty();
    q.acked_lost += r.acked_lost;
    q.acked_lost_excused += r.acked_lost_excused;
    q.acked_checked += r.acked_checked;
    if (!r.struck) continue;
    ++q.struck;
    q.quorum_kept += r.quorum_kept;
    q.writes_available += r.writes_available;
    if (r.leader_lost) {
      ++q.leader_lost;
      if (r.time_to_leader_ns >= 0) {
        ++q.new_leader;
        ttl.push_back(r.time_to_leader_ns);
      }
    }
  }
  q.ttl_p50_ms = quantile_ms(ttl, 0.5);
  q.ttl_p99_ms = quantile_ms(ttl, 0.99);
}

std::vector<QuorumRow> run_quorum_table(const std::shared_ptr<const scenario::Scenario>& base,
                                        const std::vector<LossCase>& cases, const QuorumOptions& o,
                                        const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  std::vector<QuorumRow> rows;
  const std::uint64_t total = cases.size() * o.timings.size() * o.seeds;
  std::uint64_t done = 0;
  for (const auto& c : cases) {
    for (LossTiming t : o.timings) {
      QuorumRow row;
      row.loss = c;
      row.timing = t;
      for (std::uint64_t k = 0; k < o.seeds; ++k) {
        row.runs.push_back(run_quorum_case(base, c, t, o.first_seed + k, o));
        if (progress) progress(++done, total);
      }
      aggregate(&row);
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace raftlab::experiments
