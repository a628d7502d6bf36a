// tools/report/root_cause.h — the root cause of a run in words, computed from its trace
// and RunResult: which members bootstrapped which cluster from which --initial-cluster
// value and why that value (an unset $VAR, a data dir that already held a WAL, state new
// into a running cluster, a stop without member remove, a host holding a majority, ...),
// and the smallest fix with the command that checks it. Used by `run`, `compare`, `report`.
//
// Must never: look at World, Deployment or member objects (only the trace and RunResult),
// know scenario names (nothing is canned per scenario), or depend on unordered iteration.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/deploy.h"
#include "sim/trace.h"

namespace raftlab::tools::report {

struct Finding {
  // A stable tag: "empty-initial-cluster", "different-initial-cluster", "wal-wins",
  // "new-into-running", "join-without-add", "exited", "add-refused",
  // "scale-in-without-remove", "host-loss-quorum", "host-loss-survived",
  // "grown-with-member-add", "one-cluster", "no-cluster"; cloud runs (root_cause_cloud.cc):
  // "asg-terminated-without-remove", "instance-lost-still-voter", "instance-loss-quorum",
  // "user-data-failed"; "force-new-cluster" (root_cause_recovery.cc).
  std::string kind;
  std::int64_t at_ns = 0;             // when it shows in the trace
  std::vector<std::string> members;   // the members it is about, in scenario order
  std::string headline;               // one sentence
  std::vector<std::string> because;   // the facts behind it, one per line
  std::string fix;                    // the smallest fix ("" when nothing to fix)
  std::string check;                  // the command that checks the fix (or the finding)
};

struct RootCause {
  bool problem = false;               // any finding is a problem (not just a healthy story)
  std::vector<Finding> findings;      // the cause first
};

// `scenario_file` only goes into the suggested commands.
RootCause root_cause(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r,
                     const std::string& scenario_file);

// The cloud layer's findings (root_cause_cloud.cc), called by root_cause(): nothing for a
// trace without Cloud events.
bool is_cloud_run(const std::vector<sim::TraceEvent>& events);
void cloud_findings(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r, const std::string& file,
                    std::vector<Finding>& out);
void cloud_adjust_split_fix(const std::vector<sim::TraceEvent>& events, const std::string& file,
                            std::vector<Finding>& findings);

// The story of each --force-new-cluster recovery (root_cause_recovery.cc, kind
// "force-new-cluster"): a recovery, not a problem; it comes before the healthy story.
void recovery_findings(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r, const std::string& file,
                       std::vector<Finding>& out);

// Seconds with millisecond precision, trailing zeros dropped: "0s", "3.137s", "21s".
std::string seconds_text(std::int64_t ns);

// "Root cause:" block for `run` and `compare` (ends with a newline).
std::string root_cause_text(const RootCause& rc);
nlohmann::ordered_json root_cause_json(const RootCause& rc);

}  // namespace raftlab::tools::report
