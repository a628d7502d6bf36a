// tools/report/report.h — `raftlab report SCENARIO -o FILE` and `run --html FILE`: one
// self-contained HTML page (inline CSS, SVG and JS) showing a run: swimlanes per member
// with role colours and cluster bands, message arrows, timeline events, etcdctl tables at
// any instant, expectations, checker violations, the root cause. `run --trace-format
// chrome`: the same run as Chrome Trace Event JSON (Perfetto, chrome://tracing).
//
// The page and the Chrome trace are pure functions of the trace and the RunResult (plus
// the scenario file's name and description): the same scenario and seed give the same
// bytes. Must never: read World or member objects, the wall clock, or the network; put
// scenario text into the page other than as escaped JSON that the page's JS renders with
// textContent.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/check/election_safety.h"
#include "sim/deploy.h"
#include "sim/scenario/scenario.h"
#include "sim/trace.h"
#include "tools/report/root_cause.h"

namespace raftlab::tools::report {

struct PageInput {
  std::string file;                           // the scenario file as given
  std::string description;                    // the scenario's description
  std::vector<check::Violation> violations;   // checkers that fired (fault-lab failure files)
  std::vector<std::string> planted_bugs;      // from a failure file's header
};

// The instants a report samples `status --at` at: every step from 0 to end_ns (step
// 100 ms, larger for long runs so that there are at most 600).
std::vector<std::int64_t> sample_times(std::int64_t end_ns);

// The report's data as JSON (what the page embeds).
std::string report_json(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r, const PageInput& in);
// The whole page.
std::string report_html(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r, const PageInput& in);
// JSON made safe inside <script type="application/json">: <, >, & and U+2028/2029 as \uXXXX.
std::string script_safe_json(const std::string& json);

// Chrome Trace Event JSON of a run (docs/trace-format.md "Chrome / Perfetto").
std::string chrome_trace_json(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r);

// Runs `file` at --trace-level full with status samples (the failure file's seed and
// planted bugs when it has a header, `seed` when given) and writes the page to `out_path`.
// Returns a CLI exit code; says what it wrote on `out`.
int write_report(const std::string& file, std::optional<std::uint64_t> seed, const std::string& out_path,
                 std::ostream& out, std::ostream& err);

// Helpers the page model shares with the Chrome export (tools/report/model.cc).
struct Message {
  std::int64_t sent = 0, recv = -1;  // recv -1: never delivered (dropped or still in flight)
  int from = -1, to = -1;            // member index, -1 unknown
  std::string kind;                  // "MsgApp", "GET /members", ...
  std::string text;
  std::string fate;                  // "", "drop: <reason>", "reject: cluster ID mismatch"
};
struct RoleSpan {
  int member = 0;
  std::int64_t from = 0, to = 0;
  std::string role;                  // Follower, PreCandidate, Candidate, Leader, Starting
  std::uint64_t cluster = 0, term = 0;
};
std::vector<Message> messages(const std::vector<sim::TraceEvent>& events, const std::vector<std::string>& members);
// A cloud-layer event (Ev::Cloud) as the report shows it: on the lane of the member it
// is about (an instance is named by its ID; a target-health line names its instance
// first) or else on a track of its own (the group, the load balancer, a gateway, Route
// 53). Container and package lines are left out, as `raftlab run`'s timeline does.
struct CloudMark {
  int member = -1;       // member index, or -1: the event goes on `track`
  std::string track;     // who: ASG, load balancer, target group, gateway, ...
  std::string text;      // one line: "<who> <what>: <first line of the detail>"
  std::string detail;    // the whole detail
};
std::optional<CloudMark> cloud_mark(const sim::TraceEvent& e, const std::vector<std::string>& members);

std::vector<RoleSpan> role_spans(const std::vector<sim::TraceEvent>& events, const std::vector<std::string>& members,
                                 std::int64_t end_ns);

}  // namespace raftlab::tools::report
