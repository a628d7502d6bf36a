// tools/bench_cli.cc — the `bench` verb: raftlab's side of the peer benchmarks
// (tools/bench_raftlab.h; definitions and peers in docs/benchmarks.md).
#include <cstdint>
#include <memory>

#include "tools/bench_raftlab.h"
#include "tools/verbs.h"

namespace raftlab::tools {

void add_bench_verbs(CLI::App& app, VerbSet& v) {
  auto o = std::make_shared<BenchOptions>();
  auto* b = app.add_subcommand("bench", "Run a peer-benchmark workload (W1..W5) on the real engine and print its figures");
  b->add_option("workload", o->workload, "W1 election, W2 unbatched puts, W3 batched puts, W4 scale, W5 lab")
      ->required()
      ->check(CLI::IsMember({"W1", "W2", "W3", "W4", "W5"}));
  b->add_option("--seeds", o->seeds, "W1/W4: seeds (runs) to simulate (W1 default 100000, W4 1000); W5: seeds to fuzz (default 2000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000000}));
  b->add_option("--voters", o->voters, "Cluster size (default 5; W4: only this size instead of the sweep)")
      ->check(CLI::Range(1, 251));
  b->add_option("--entries", o->entries, "W2/W3: entries to replicate (default 100000; W4: 10000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000000}));
  b->add_option("--first-seed", o->first_seed, "First seed of the sweep (W1/W4) or the run's seed (W2/W3)")
      ->check(kWholeNumber);
  b->add_option("--trace-level", o->trace_level, "Trace while measuring: off (default) or default")
      ->check(CLI::IsMember({"off", "default"}));
  b->add_option("--snapshot-count", o->snapshot_count,
                "W2/W3/W4: etcd --snapshot-count for every member (log compaction; default etcd's 100000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000000}));
  b->add_option("--snapshot-catchup-entries", o->snapshot_catchup,
                "W2/W3/W4: etcd --experimental-snapshot-catchup-entries (entries kept after compaction; default 5000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000000}));
  b->add_option("--lab-scenario", o->lab_scenario, "W5: the fault lab's reference scenario");
  b->add_option("--lab-hash", o->lab_hash,
                "W5: the passing seeds' trace hash, as `fuzz --json --hash` (none: the sweep as plain `raftlab fuzz` "
                "runs it, the default; sha256 or fp64: with the per-seed hash)")
      ->check(CLI::IsMember({"none", "sha256", "fp64"}));
  b->add_option("--jobs", o->jobs, "W5: worker processes/threads for `raftlab fuzz`")->check(CLI::Range(1, 64));
  b->add_flag("--split", o->split,
              "W1: also time each seed's bootstrap alone (a second pass, up to 20000 seeds) and report the run's "
              "cost split into etcd's bootstrap and the election");
  b->add_flag("--json", o->json, "Print one JSON object");
  v.add(b, [o](std::ostream& out, std::ostream& err) { return run_bench(*o, out, err); });
}

}  // namespace raftlab::tools
