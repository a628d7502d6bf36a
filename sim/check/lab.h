// sim/check/lab.h — the fault lab's checkers over one recorded trace, and check_all()
// that runs every one of them (with the safety checkers of trace_checks.h).
//
// Each checker reads only the trace (docs/trace-format.md) and is independent of the
// raft and etcd code whose output it judges. Properties are per cluster (etcd runs one
// Raft group per cluster ID). Definitions and sources: docs/checkers.md.
//
//   LabReport r = check_all(world.trace().events(), CheckOptions{});
//   if (!r.ok()) std::cerr << r.describe();
//   std::cout << r.summary();   // "election_safety ok (12 checked) ..."
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/check/election_safety.h"
#include "sim/check/linearizability.h"
#include "sim/trace.h"

namespace raftlab::check {

struct CheckOptions {
  // Liveness: after the last `quiet`, a leader in every live cluster and a successful
  // put (called after quiet) within this bound.
  std::int64_t liveness_bound_ns = 10'000'000'000;
  LinOptions linearizability;
  bool check_linearizability = true;
};

// How one checker fared on one trace.
struct CheckerStats {
  std::string name;
  std::uint64_t checked = 0;     // items judged (entries, elections, ops, ...)
  std::uint64_t violations = 0;
  std::uint64_t excused = 0;     // would be violations, but a quorum's data was lost
  bool unknown = false;          // not decided (search budget, trace too short)
  std::string note;              // why skipped/unknown, or "" when judged
};

struct LabReport {
  std::vector<Violation> violations;  // in checker order, each checker's in time order
  // false: a streamed judgement that may differ from the whole trace's (durability,
  // docs/checkers.md "Streaming"): judge the whole trace instead.
  bool exact = true;
  std::vector<CheckerStats> checkers;
  LinReport linearizability;
  [[nodiscard]] bool ok() const { return violations.empty(); }
  // Every violation, one per line ("" when ok()).
  [[nodiscard]] std::string describe() const;
  // One line per checker: name, verdict, counts, note.
  [[nodiscard]] std::string summary() const;
  // Names of the checkers that found a violation, sorted, unique.
  [[nodiscard]] std::vector<std::string> failed_checkers() const;
};

[[nodiscard]] LabReport check_all(const std::vector<sim::TraceEvent>& events, const CheckOptions& opts = {});

// Every checker of check_all() as an observer of a streamed trace (issue 24): shown each
// event once, in recording order (sim::TraceStream::observer), it keeps only the state
// the checkers need, so a fuzz seed needs no trace in memory. finish() gives what
// check_all() gives on the same events — check_all() is this fed a whole trace — except
// that when exact() is false the durability verdict needs the whole trace: finish(&events)
// then judges durability on it; finish() without it returns a report with exact = false.
class LabChecker final : public sim::TraceObserver {
 public:
  explicit LabChecker(const CheckOptions& opts = {});
  ~LabChecker() override;
  LabChecker(const LabChecker&) = delete;
  LabChecker& operator=(const LabChecker&) = delete;
  void on(const sim::TraceEvent& e) override;
  [[nodiscard]] LabReport finish(const std::vector<sim::TraceEvent>* whole = nullptr);
  [[nodiscard]] bool exact() const;
  // Events seen; client put/get/get-s calls, and the most by one client (SeedResult).
  [[nodiscard]] std::uint64_t events() const;
  [[nodiscard]] std::uint64_t client_calls() const;
  [[nodiscard]] std::uint64_t max_client_calls() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> p_;
};

// --- the individual checkers (each also fills its CheckerStats when given one)

// Log Matching (Figure 3): if two durable logs hold an entry with the same index and
// term, they hold the same entries up to it. Logs are rebuilt from `append` (which drops
// the WAL's entries beyond its index) and `data_loss` (which truncates).
[[nodiscard]] std::vector<Violation> check_log_matching(const std::vector<sim::TraceEvent>& events,
                                                        CheckerStats* stats = nullptr);

// Leader Completeness (Figure 3, §5.4): an entry committed (first applied by anyone) is in
// the durable log of every member that becomes leader of a term later than any term the
// cluster had reached when it was committed. Excused when data_loss removed it from a
// majority of the cluster's members since.
[[nodiscard]] std::vector<Violation> check_leader_completeness(const std::vector<sim::TraceEvent>& events,
                                                               CheckerStats* stats = nullptr);

// Vote safety (Figure 2, votedFor): a member grants at most one vote per term (`vote`
// events, a="vote"); a second grant to another candidate is excused only if the member
// lost data in between.
[[nodiscard]] std::vector<Violation> check_vote_safety(const std::vector<sim::TraceEvent>& events,
                                                       CheckerStats* stats = nullptr);

// Durability: an acknowledged put is not lost while a quorum's data survives (see
// docs/checkers.md for the exact rules).
[[nodiscard]] std::vector<Violation> check_durability(const std::vector<sim::TraceEvent>& events,
                                                      CheckerStats* stats = nullptr);

// Liveness after the last `quiet` event, within opts.liveness_bound_ns.
[[nodiscard]] std::vector<Violation> check_liveness(const std::vector<sim::TraceEvent>& events,
                                                    const CheckOptions& opts, CheckerStats* stats = nullptr);

// Deployment level (sim/check/deployment.cc): members configured as one cluster — the
// same chosen --initial-cluster-token (under etcd's default token: memberships with a
// peer URL in common) — must not bootstrap into more than one cluster ID: five healthy
// one-member clusters are not what the operator configured.
[[nodiscard]] std::vector<Violation> check_single_cluster(const std::vector<sim::TraceEvent>& events,
                                                          CheckerStats* stats = nullptr);

// The scenario's own expectations, from the `expect` verdicts the run appended: each one
// that failed is a violation naming it, what was expected and what the run saw.
[[nodiscard]] std::vector<Violation> check_expectations(const std::vector<sim::TraceEvent>& events,
                                                        CheckerStats* stats = nullptr);

// Linearizability of the KV history, as a violation list (at most one, the first key).
[[nodiscard]] std::vector<Violation> check_linearizable(const std::vector<sim::TraceEvent>& events,
                                                        const CheckOptions& opts, LinReport* report = nullptr,
                                                        CheckerStats* stats = nullptr);

}  // namespace raftlab::check
