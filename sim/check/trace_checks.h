// sim/check/trace_checks.h — safety checkers over a recorded trace, and one call that
// runs them all.
//
// State Machine Safety (Raft paper §5.4.3, Figure 3): "if a server has applied a log
// entry at a given index to its state machine, no other server will ever apply a
// different log entry for the same index". Per cluster: every Ev::Apply at one index
// must carry the same entry term and digest (Ev::Apply's `a`, "normal:<hash>" or
// "conf:<hash>"). Comparing the term too catches two different leaders' entries whose
// payloads happen to hash alike (e.g. two empty leader no-ops).
//
// Must never: look at the World, etcd members or raft objects — only the trace.
//
//   TraceReport r = check_trace(world.trace().events());
//   if (!r.ok()) for (const Violation& v : r.violations) std::cerr << describe(v) << "\n";
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/check/election_safety.h"
#include "sim/trace.h"

namespace raftlab::check {

// One violation per (cluster, index, member) whose applied entry differs from the first
// member's; the evidence names both members, terms, digests and times.
[[nodiscard]] std::vector<Violation> check_state_machine_safety(const std::vector<sim::TraceEvent>& events);

// Distinct non-zero cluster IDs that appear in Bootstrap, Role or Apply events, sorted.
[[nodiscard]] std::vector<std::uint64_t> clusters_seen(const std::vector<sim::TraceEvent>& events);

struct TraceReport {
  std::vector<Violation> violations;         // election safety first, then state machine safety
  std::vector<FirstLeader> first_leaders;    // by cluster ID
  std::vector<std::uint64_t> clusters;       // clusters_seen()
  std::uint64_t leader_elections = 0;        // distinct (cluster, term, member) Leader reports
  std::uint64_t applies = 0;                 // Ev::Apply events checked
  [[nodiscard]] bool ok() const { return violations.empty(); }
  // Every violation on its own line (empty when ok()).
  [[nodiscard]] std::string describe() const;
};

// Runs every checker above on one trace.
[[nodiscard]] TraceReport check_trace(const std::vector<sim::TraceEvent>& events);

}  // namespace raftlab::check
