// sim/experiments/quorum_table.h — the quorum table (issue 25): for a deployment (the
// 5-member / 2-host Bitnami layout of scenarios/lab/quorum-2host.json), every subset of
// lost members and every host loss, at a few fault timings, over N seeds: does the quorum
// survive, do writes go through, how long until a new leader, and is any acknowledged
// write lost.
//
// One run = the base scenario (deployment + client workload) plus the explicit nemesis
// faults of the case: each lost member `crash`ed with `lose_unsynced` (a power loss of
// that member), or the host `host_down`, held down for `down` and then started again;
// the run goes on `tail` after that, so the returning members' logs and the clients'
// reads judge durability. Everything runs through Deployment, World and the nemesis
// Runner — the same engine as `raftlab fuzz` — and every run is judged by every checker
// (sim/check, check_all).
//
// Measured per run (t_f = when the fault struck, from the trace's `fault` event):
//   quorum kept      World::clusters() at t_f + window: a leader followed by a majority
//                    of the voters (the `quorum` expectation's rule);
//   writes available a client put called in [t_f, t_f + window) succeeded;
//   time to leader   0 when the leader at t_f survived and kept leading through the
//                    window; else from t_f to the first member (not lost) becoming leader
//                    at a higher term; none within the window: no leader;
//   acked lost       the durability checker's violations (plus those it excuses because a
//                    quorum's data was lost, counted apart).
//
// Determinism: a run is (scenario, case, timing, seed); the lag of the "after an election"
// timings is drawn from Prng(seed).derive("quorum/lag"). Results do not depend on the
// order in which cases run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"

namespace raftlab::experiments {

enum class LossTiming : std::uint8_t {
  Steady,              // at `steady_at`, clients writing since 2 s
  AfterElection,       // at `steady_at` - 1 s the leader's process is killed (back 0.5 s later);
                       // the loss strikes 0-5 ms after the next leader is elected
  AfterFirstElection,  // 0-5 ms after the cluster's first leader is elected (bootstrap)
};
const char* loss_timing_name(LossTiming t);  // "steady", "after-election", "after-first-election"

struct LossCase {
  std::string label;                 // "etcd1+etcd3", "host A", "none"
  std::vector<std::string> members;  // lost members (for a host: the members on it)
  std::string host;                  // host loss: its name ("" for member subsets)
};

// Every subset of the scenario's (non-spare) members, smallest first (then in member
// order), then each host.
std::vector<LossCase> all_loss_cases(const scenario::Scenario& s);

struct QuorumOptions {
  std::uint64_t seeds = 20, first_seed = 1;
  std::vector<LossTiming> timings = {LossTiming::Steady, LossTiming::AfterElection, LossTiming::AfterFirstElection};
  std::int64_t steady_at_ns = 10'000'000'000;
  std::int64_t down_ns = 20'000'000'000;    // how long the lost members stay down
  std::int64_t window_ns = 10'000'000'000;  // measured from the fault
  std::int64_t tail_ns = 15'000'000'000;    // after they return
};

struct QuorumRun {
  std::uint64_t seed = 0;
  bool struck = false;            // the fault happened (a leader change came in time)
  std::int64_t fault_ns = 0;
  bool quorum_kept = false, writes_available = false;
  bool leader_lost = false;       // the leader at t_f was lost or stepped down
  std::int64_t time_to_leader_ns = -1;  // -1: no leader within the window
  std::uint64_t acked_lost = 0, acked_lost_excused = 0, acked_checked = 0;
  std::vector<std::string> failed_checkers;  // any checker (check_all), sorted
  std::string error;              // the run could not be built
};

struct QuorumRow {
  LossCase loss;
  LossTiming timing = LossTiming::Steady;
  std::vector<QuorumRun> runs;  // in seed order
  // Aggregates.
  std::uint64_t n = 0, struck = 0, quorum_kept = 0, writes_available = 0, leader_lost = 0, new_leader = 0;
  double ttl_p50_ms = -1, ttl_p99_ms = -1;  // over runs whose leader was lost and a new one came
  std::uint64_t acked_lost = 0, acked_lost_excused = 0, acked_checked = 0, checker_failures = 0;
};

// One run.
QuorumRun run_quorum_case(const std::shared_ptr<const scenario::Scenario>& base, const LossCase& c,
                          LossTiming t, std::uint64_t seed, const QuorumOptions& o);
// The table: every case x timing x seed, in that order. `progress(done, total)` after each run.
std::vector<QuorumRow> run_quorum_table(const std::shared_ptr<const scenario::Scenario>& base,
                                        const std::vector<LossCase>& cases, const QuorumOptions& o,
                                        const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});
void aggregate(QuorumRow* row);

}  // namespace raftlab::experiments
