// sim/check/election_safety.h — Raft's Election Safety property (paper §5.2, Figure 3:
// "at most one leader can be elected in a given term"), judged from the recorded trace,
// plus the first leader each cluster elected (for liveness bounds).
//
// etcd runs one Raft group per cluster, so the property is per (cluster ID, term): five
// single-member clusters that each elect a leader at term 2 are five correct elections.
// A member that reports Leader twice in one term (e.g. the same soft state logged again)
// is one election, not two.
//
// Must never: look at the World, etcd members or raft objects — only the trace, so the
// checker stays independent of the code whose output it judges.
//
//   std::vector<Violation> v = check_election_safety(world.trace().events());
//   for (const Violation& x : v) std::cerr << describe(x) << "\n";
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/trace.h"

namespace raftlab::check {

// One broken property, with enough evidence to find it in the trace.
struct Violation {
  std::string checker;               // "election_safety", "state_machine_safety", ... (docs/checkers.md)
  std::int64_t at_ns = 0;            // virtual time of the event that broke the property
  std::uint64_t cluster_id = 0;
  std::vector<std::string> members;  // the members involved (trace `who`), first seen first
  std::string evidence;              // one line naming cluster, term/index, members and times
};

// A virtual time as checkers print it in evidence: seconds, up to nanosecond precision,
// trailing zeros dropped ("2.1s", "11.30235178s", "10s").
[[nodiscard]] std::string at_text(std::int64_t ns);

// "election_safety at 2.1s: cluster e7023675c9b07108 term 2 ..." — one line.
[[nodiscard]] std::string describe(const Violation& v);

// Every (cluster, term) in which a second, different member reported Leader. One
// violation per extra leader; its evidence names both members and both times.
[[nodiscard]] std::vector<Violation> check_election_safety(const std::vector<sim::TraceEvent>& events);

// The first member a cluster's trace shows as Leader.
struct FirstLeader {
  std::uint64_t cluster_id = 0;
  std::int64_t at_ns = 0;
  std::string member;          // trace `who`
  std::uint64_t member_id = 0;
  std::uint64_t term = 0;
};

// One entry per cluster that ever had a leader, ordered by cluster ID (deterministic).
[[nodiscard]] std::vector<FirstLeader> first_leaders(const std::vector<sim::TraceEvent>& events);

}  // namespace raftlab::check
