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
  // "user-data-failed"; "force-new-cluster" (root_cause_recovery.cc); "auth-refused"
  // (root_cause_auth.cc).
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

// Requests etcd refused for want of credentials (root_cause_auth.cc, kind "auth-refused"):
// who turned authentication on and why, the refusals, the fix (--user). Nothing for a
// trace without an "etcdserver: user name is empty" answer.
void auth_findings(const std::vector<sim::TraceEvent>& events, const std::string& file, std::vector<Finding>& out);

// What the APISIX gateways saw of each route written through the Admin API
// (root_cause_gateways.cc; kinds "route-missing-on-gateway", "route-reached-every-gateway").
struct RouteRead {                    // an Admin API GET of a route
  std::int64_t at = 0;
  std::string gateway, key;
  int code = 0;                       // what the gateway answered
  std::string member;                 // where its etcd request landed ("" unknown)
  std::uint64_t cluster = 0;
};
struct GatewaySaw {
  std::string gateway;
  std::int64_t got_at = -1;           // when its watch delivered the route (-1: never)
  std::string got_from;               // the member it came from
  std::string watch_at_write;         // the member its watch was on when the route was written
  std::uint64_t cluster_at_write = 0; // that member's cluster
  std::vector<std::string> watch_after;  // the members its watch moved to before it got the route
  std::vector<RouteRead> reads;       // its Admin API reads of the route after the write
  std::string words;                  // one sentence: what it saw and why
  std::vector<std::string> read_words;   // the reads that say something, in words
};
struct RouteStory {
  std::int64_t at = 0, call_at = 0;   // the Admin API's answer; its etcd put
  std::string writer, key, member;    // the gateway written through; the member that applied it first
  std::uint64_t cluster = 0;          // the cluster that holds it
  std::size_t clusters_running = 0;   // clusters running when it was written
  std::vector<GatewaySaw> gateways;   // every gateway, in the order they came up
};
std::vector<RouteStory> route_stories(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r);
void gateway_findings(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r, const std::string& file,
                      std::vector<Finding>& out);

// "a", "a and b", "a, b and c"; "none" for no names.
std::string and_list(const std::vector<std::string>& v);

// Seconds with millisecond precision, trailing zeros dropped: "0s", "3.137s", "21s".
std::string seconds_text(std::int64_t ns);

// "Root cause:" block for `run` and `compare` (ends with a newline).
std::string root_cause_text(const RootCause& rc);
nlohmann::ordered_json root_cause_json(const RootCause& rc);

}  // namespace raftlab::tools::report
