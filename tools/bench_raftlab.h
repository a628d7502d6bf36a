// tools/bench_raftlab.h — raftlab's side of the peer benchmarks (issue 5): the workloads
// W1..W5 run on the real engine (sim::World, the etcd member model, the raft core, the
// network and the event loop — exactly what scenarios run), measured in wall time.
//
//   W1  election: N voters (default 5), fresh cluster, heartbeat 100 ms (1 tick),
//       election timeout 1000 ms (10 ticks, randomized in [10, 20)), one-way latency
//       1 ms, time to the first leader; --seeds runs (default 100,000).
//   W2  unbatched replication: after a leader, --entries puts of an 8-byte value, one in
//       flight at a time, until applied on every member.
//   W3  batched replication: as W2, in batches of 100 concurrent puts, up to 1,000 in
//       flight (10 batches).
//   W4  W1 and W2 for 3, 5, 7, 9, 15, 31, 51 voters (or --voters only).
//   W5  the fault lab's reference scenario: seeds per second (`raftlab fuzz`).
//
// Definitions shared with every peer harness: docs/benchmarks.md. Must never: skip the
// simulator, or report a run whose sanity check failed as a rate (it is an error).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace raftlab::tools {

struct BenchOptions {
  std::string workload;          // W1..W5
  std::uint64_t seeds = 0;       // 0 = the workload's default
  int voters = 0;                // 0 = the workload's default (5; W4: the sweep)
  std::uint64_t entries = 0;     // 0 = default (100,000)
  std::string trace_level = "off";
  // etcd's --snapshot-count / --experimental-snapshot-catchup-entries for every member
  // (0 = etcd's defaults): log compaction during W2/W3.
  std::uint64_t snapshot_count = 0;
  std::uint64_t snapshot_catchup = 0;
  std::uint64_t first_seed = 1;
  bool json = false;
  // W1: also time a second pass that stops each run once the cluster has bootstrapped
  // (JSON `bootstrap_pass`): the run's cost split into etcd's bootstrap and the election.
  bool split = false;
  std::string lab_scenario = "scenarios/lab/reference.json";  // W5
  int jobs = 1;                  // W5
  // W5: `fuzz --hash` for the passing seeds' lines. "none" (default) measures the sweep as
  // `raftlab fuzz` without --json runs it; "sha256" adds the per-seed trace hash.
  std::string lab_hash = "none";
};

int run_bench(const BenchOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace raftlab::tools
