#include "sim/check/trace_checks.h"

#include <map>
#include <set>
#include <tuple>
#include <utility>

#include <fmt/format.h>

namespace raftlab::check {

namespace {

// What the first member to apply an index applied there.
struct AppliedEntry {
  std::uint64_t term = 0;
  std::string digest;
  std::string who;
  std::int64_t at_ns = 0;
};


}  // namespace

std::vector<Violation> check_state_machine_safety(const std::vector<sim::TraceEvent>& events) {
  std::vector<Violation> out;
  std::map<std::pair<std::uint64_t, std::uint64_t>, AppliedEntry> first_at;  // (cluster, index)
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::string>> reported;  // (cluster, index, who)
  for (const sim::TraceEvent& e : events) {
    if (e.kind != sim::Ev::Apply) continue;
    const auto key = std::make_pair(e.cluster_id, e.index);
    auto [it, first] = first_at.try_emplace(key, AppliedEntry{e.term, e.a, e.who, e.at.ns});
    const AppliedEntry& was = it->second;
    if (first || (was.term == e.term && was.digest == e.a)) continue;
    if (!reported.insert({e.cluster_id, e.index, e.who}).second) continue;
    Violation v;
    v.checker = "state_machine_safety";
    v.at_ns = e.at.ns;
    v.cluster_id = e.cluster_id;
    v.members = {was.who, e.who};
    v.evidence = fmt::format(
        "cluster {} index {}: {} applied term {} entry {} at {}, but {} applied term {} entry {} at {} "
        "(Raft §5.4.3: no two members apply different entries at one index)",
        sim::hex_id(e.cluster_id), e.index, was.who, was.term, was.digest, at_text(was.at_ns), e.who, e.term, e.a,
        at_text(e.at.ns));
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<std::uint64_t> clusters_seen(const std::vector<sim::TraceEvent>& events) {
  std::set<std::uint64_t> ids;
  for (const sim::TraceEvent& e : events) {
    const bool names_cluster = e.kind == sim::Ev::Bootstrap || e.kind == sim::Ev::Role || e.kind == sim::Ev::Apply;
    if (names_cluster && e.cluster_id != 0) ids.insert(e.cluster_id);
  }
  return {ids.begin(), ids.end()};
}

std::string TraceReport::describe() const {
  std::string out;
  for (const Violation& v : violations) out.append(check::describe(v)).append("\n");
  return out;
}

TraceReport check_trace(const std::vector<sim::TraceEvent>& events) {
  TraceReport r;
  r.violations = check_election_safety(events);
  for (Violation& v : check_state_machine_safety(events)) r.violations.push_back(std::move(v));
  r.first_leaders = first_leaders(events);
  r.clusters = clusters_seen(events);
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> elections;
  for (const sim::TraceEvent& e : events) {
    if (e.kind == sim::Ev::Role && e.a == "Leader") elections.insert({e.cluster_id, e.term, e.member_id});
    if (e.kind == sim::Ev::Apply) ++r.applies;
  }
  r.leader_elections = elections.size();
  return r;
}

}  // namespace raftlab::check
