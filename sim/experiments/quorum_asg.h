// sim/experiments/quorum_asg.h — the quorum table's Auto Scaling group rows (issue 25):
// an etcd cluster on an ASG of N instances behind an NLB (scenarios/aws-asg, the discovery
// user data; GroupSize 3 or 5), k instances lost (their hardware fails: the `ec2` timeline
// action `fail` — host down, EC2 status checks impaired, the group replaces them with new
// instances and empty disks), at two timings, over seeds.
//
// Which instances: for N = 3 every subset of the launch order (#1..#3, 2^3 = 8 cases); for
// N = 5 one subset of each size k drawn per seed from Prng(seed).derive("quorum/asg/subset")
// (6 cases: k = 0..5) — "sampled", the count of seeds per case stated in the report.
//
// Timings: `at-once` — all k fail at `at`; `during-replacement` — the first at `at`, the
// others `replacement_gap` later, while the group is replacing the first (its
// replacement's member has been added and is catching up).
//
// Measured (t_f = the last loss): quorum kept (World::clusters() at t_f + window), writes
// available (a put through the NLB issued in [t_f, t_f + window) succeeded; one every
// 500 ms from `writes_from`), time to a new leader (as quorum_table.h, members = the
// instances' containers, named by instance ID), acknowledged writes lost (the durability
// checker over the whole run; "excused" when no quorum's data survived), every checker,
// and the acknowledged writes read back through the NLB `readback_before` the end (not
// found = lost; a failed get = unreadable then).
//
// Layering: sim/ does not know the cloud layer; the caller passes its extension factory
// (cloud::extension_factory()) and the scenario (a `cloud` part). The loss is an `ec2`
// timeline action (scenario::ExtAction) the extension carries out.
// Must never: draw from a stream another component uses (subsets: "quorum/asg/subset").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/extension.h"
#include "sim/scenario/scenario.h"

namespace raftlab::experiments {

enum class AsgTiming : std::uint8_t { AtOnce, DuringReplacement };
const char* asg_timing_name(AsgTiming t);  // "at-once", "during-replacement"

struct AsgCase {
  std::string label;           // "#1+#3", "2 of 5 (sampled)", "none"
  std::vector<int> instances;  // launch order, from 1 (empty with sampled)
  int sampled_k = -1;          // >= 0: draw k instances per seed
};

// N = 3 (or less): every subset; larger: one sampled case per k.
std::vector<AsgCase> asg_loss_cases(int group_size);

struct AsgQuorumOptions {
  int group_size = 3;
  std::uint64_t seeds = 10, first_seed = 1;
  std::vector<AsgTiming> timings = {AsgTiming::AtOnce, AsgTiming::DuringReplacement};
  std::int64_t at_ns = 300'000'000'000;             // 5 min: the group settled, one cluster
  std::int64_t replacement_gap_ns = 100'000'000'000;  // status check 60 s + poll + launch + boot + join
  std::int64_t writes_from_ns = 280'000'000'000;
  std::int64_t window_ns = 10'000'000'000;
  std::int64_t tail_ns = 180'000'000'000;           // replacements launch and join
  std::int64_t readback_before_ns = 8'000'000'000;  // the read-back starts this long before the end
  sim::ExtensionFactory extension;                  // the cloud layer (required)
};

struct AsgRun {
  std::uint64_t seed = 0;
  std::vector<int> lost;  // launch order
  std::int64_t fault_ns = 0;
  bool quorum_kept = false, writes_available = false, leader_lost = false;
  std::int64_t time_to_leader_ns = -1;
  std::uint64_t acked_lost = 0, acked_lost_excused = 0, acked_checked = 0;
  // Read back at the end: every put acknowledged before then, a get through the NLB.
  std::uint64_t readback = 0, readback_missing = 0, readback_failed = 0;
  std::vector<std::string> failed_checkers;
  std::string error;
};

struct AsgRow {
  AsgCase loss;
  AsgTiming timing = AsgTiming::AtOnce;
  std::vector<AsgRun> runs;
  std::uint64_t n = 0, quorum_kept = 0, writes_available = 0, leader_lost = 0, new_leader = 0;
  double ttl_p50_ms = -1, ttl_p99_ms = -1;
  std::uint64_t acked_lost = 0, acked_lost_excused = 0, acked_checked = 0, checker_failures = 0;
  std::uint64_t readback = 0, readback_missing = 0, readback_failed = 0;
};

AsgRun run_asg_case(const std::shared_ptr<const scenario::Scenario>& base, const AsgCase& c, AsgTiming t,
                    std::uint64_t seed, const AsgQuorumOptions& o);
std::vector<AsgRow> run_asg_table(const std::shared_ptr<const scenario::Scenario>& base, const AsgQuorumOptions& o,
                                  const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace raftlab::experiments
