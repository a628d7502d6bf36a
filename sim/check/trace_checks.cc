#include "sim/check/trace_checks.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include <fmt/format.h>

namespace raftlab::check {

namespace {

// What the first member to apply an index applied there. Views into the trace's events,
// which outlive the call (no string copies per applied index).
struct AppliedEntry {
  bool known = false;
  std::uint64_t term = 0;
  std::string_view digest;
  std::string_view who;
  std::int64_t at_ns = 0;
};

// Indexes far beyond what a cluster has applied are kept in a map instead of growing the
// dense vector without bound (hostile or hand-written traces).
constexpr std::uint64_t kDenseIndexes = 1u << 22;


}  // namespace

std::vector<Violation> check_state_machine_safety(const std::vector<sim::TraceEvent>& events) {
  std::vector<Violation> out;
  // (cluster, index) -> the first apply: per cluster a vector indexed by log index (one
  // array access per `apply`, ~42k per reference trace), a map beyond kDenseIndexes.
  std::map<std::uint64_t, std::vector<AppliedEntry>> dense;
  std::map<std::pair<std::uint64_t, std::uint64_t>, AppliedEntry> sparse;
  std::uint64_t last_cluster = 0;
  std::vector<AppliedEntry>* last = nullptr;
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::string_view>> reported;  // (cluster, index, who)
  for (const sim::TraceEvent& e : events) {
    if (e.kind != sim::Ev::Apply) continue;
    if (!last || last_cluster != e.cluster_id) {
      last = &dense[e.cluster_id];
      last_cluster = e.cluster_id;
    }
    std::vector<AppliedEntry>& d = *last;
    if (e.index >= d.size() && e.index < kDenseIndexes && e.index < 2 * d.size() + 4096) {
      // Grow the dense part (moving what the sparse part held in the new range).
      const std::size_t from = d.size();
      d.resize(std::min<std::size_t>(kDenseIndexes, std::max<std::size_t>(e.index + 1, 2 * from)));
      auto it = sparse.lower_bound({e.cluster_id, from});
      while (it != sparse.end() && it->first.first == e.cluster_id && it->first.second < d.size()) {
        d[it->first.second] = it->second;
        it = sparse.erase(it);
      }
    }
    AppliedEntry* slot = e.index < d.size() ? &d[e.index] : &sparse[{e.cluster_id, e.index}];
    if (!slot->known) {
      *slot = AppliedEntry{true, e.term, e.a, e.who, e.at.ns};
      continue;
    }
    const AppliedEntry& was = *slot;
    if (was.term == e.term && was.digest == e.a) continue;
    if (!reported.insert({e.cluster_id, e.index, e.who}).second) continue;
    Violation v;
    v.checker = "state_machine_safety";
    v.at_ns = e.at.ns;
    v.cluster_id = e.cluster_id;
    v.members = {std::string(was.who), e.who};
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
  std::uint64_t last = 0;  // consecutive events name the same cluster: skip the set
  for (const sim::TraceEvent& e : events) {
    const bool names_cluster = e.kind == sim::Ev::Bootstrap || e.kind == sim::Ev::Role || e.kind == sim::Ev::Apply;
    if (names_cluster && e.cluster_id != 0 && e.cluster_id != last) {
      ids.insert(e.cluster_id);
      last = e.cluster_id;
    }
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
