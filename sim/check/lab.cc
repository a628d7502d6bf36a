#include "sim/check/lab.h"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "sim/check/trace_checks.h"

namespace raftlab::check {

std::vector<Violation> check_linearizable(const std::vector<sim::TraceEvent>& events, const CheckOptions& opts,
                                          LinReport* report, CheckerStats* stats) {
  std::vector<Violation> out;
  CheckerStats local;
  CheckerStats& st = stats ? *stats : local;
  st.name = "linearizability";
  const std::vector<std::uint64_t> clusters = clusters_seen(events);
  if (clusters.size() > 1) {
    // client_done does not name the cluster that answered: one register history across
    // independent clusters would be judged against a model that does not apply.
    st.note = fmt::format("{} clusters in the trace: client history not attributable, not judged", clusters.size());
    return out;
  }
  LinReport r = check_linearizability(kv_history(events), opts.linearizability);
  st.checked = r.ops;
  if (r.result == LinResult::Unknown) {
    st.unknown = true;
    st.note = fmt::format("search budget ({} states per key) exhausted on key(s) {}",
                          opts.linearizability.budget_states, fmt::join(r.unknown_keys, ","));
  } else if (r.ops == 0) {
    st.note = "no puts or linearizable gets";
  }
  if (r.result == LinResult::Violation) {
    Violation v;
    v.checker = "linearizability";
    v.at_ns = r.at_ns;
    v.cluster_id = clusters.empty() ? 0 : clusters.front();
    std::set<std::string> eps;
    for (const KvOp& op : r.evidence_ops) eps.insert(op.endpoint);
    v.members.assign(eps.begin(), eps.end());
    v.evidence = r.evidence;
    out.push_back(std::move(v));
  }
  st.violations = out.size();
  if (report) *report = std::move(r);
  return out;
}

LabReport check_all(const std::vector<sim::TraceEvent>& events, const CheckOptions& opts) {
  LabReport r;
  auto add = [&](std::vector<Violation> vs, CheckerStats st) {
    st.violations = vs.size();
    for (Violation& v : vs) r.violations.push_back(std::move(v));
    r.checkers.push_back(std::move(st));
  };
  {
    CheckerStats st;
    st.name = "election_safety";
    std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> elections;
    for (const sim::TraceEvent& e : events)
      if (e.kind == sim::Ev::Role && e.a == "Leader") elections.insert({e.cluster_id, e.term, e.member_id});
    st.checked = elections.size();
    add(check_election_safety(events), std::move(st));
  }
  {
    CheckerStats st;
    st.name = "state_machine_safety";
    for (const sim::TraceEvent& e : events) st.checked += e.kind == sim::Ev::Apply;
    add(check_state_machine_safety(events), std::move(st));
  }
  CheckerStats st;
  std::vector<Violation> vs = check_vote_safety(events, &st);
  add(std::move(vs), std::move(st));
  st = {};
  vs = check_log_matching(events, &st);
  add(std::move(vs), std::move(st));
  st = {};
  vs = check_leader_completeness(events, &st);
  add(std::move(vs), std::move(st));
  st = {};
  vs = check_durability(events, &st);
  add(std::move(vs), std::move(st));
  st = {};
  if (opts.check_linearizability) {
    vs = check_linearizable(events, opts, &r.linearizability, &st);
  } else {
    vs.clear();
    st = CheckerStats{};
    st.name = "linearizability";
    st.note = "disabled";
  }
  add(std::move(vs), std::move(st));
  st = {};
  vs = check_liveness(events, opts, &st);
  add(std::move(vs), std::move(st));
  st = {};
  vs = check_single_cluster(events, &st);
  add(std::move(vs), std::move(st));
  st = {};
  vs = check_expectations(events, &st);
  add(std::move(vs), std::move(st));
  return r;
}

std::string LabReport::describe() const {
  std::string out;
  for (const Violation& v : violations) out.append(check::describe(v)).append("\n");
  return out;
}

std::string LabReport::summary() const {
  std::string out;
  for (const CheckerStats& c : checkers) {
    const char* verdict = c.violations ? "FAIL" : (c.unknown ? "unknown" : "ok");
    out += fmt::format("{:<22} {:<7} checked {}", c.name, verdict, c.checked);
    if (c.violations) out += fmt::format(", {} violation(s)", c.violations);
    if (c.excused) out += fmt::format(", {} excused ({})", c.excused, c.name == "liveness" ? "no quorum up" : "quorum's data lost");
    if (!c.note.empty()) out += fmt::format(" — {}", c.note);
    out += "\n";
  }
  return out;
}

std::vector<std::string> LabReport::failed_checkers() const {
  std::set<std::string> names;
  for (const Violation& v : violations) names.insert(v.checker);
  return {names.begin(), names.end()};
}

}  // namespace raftlab::check
