// sim/check/checker.h — private to sim/check: every lab checker as an observer of the
// trace, fed one event at a time in recording order and asked for its verdict at the end
// (issue 24: a fuzz seed's checkers keep only the state they need, not the trace). The
// vector functions of lab.h / trace_checks.h / election_safety.h feed a checker the
// events of a whole trace; LabChecker (lab.h) feeds all of them from a streamed trace.
//
// Must never: keep a pointer or view into an event (the event is gone after on()).
#pragma once

#include <memory>
#include <vector>

#include "sim/check/election_safety.h"
#include "sim/trace.h"

namespace raftlab::check {

struct CheckerStats;
struct CheckOptions;
struct LinReport;

namespace detail {

class Checker {
 public:
  virtual ~Checker() = default;
  virtual void on(const sim::TraceEvent& e) = 0;
  // The violations (each checker's in its order) and its stats (name, counts, note).
  virtual std::vector<Violation> finish(CheckerStats* stats) = 0;
};

std::unique_ptr<Checker> make_election_safety();
std::unique_ptr<Checker> make_state_machine_safety();
std::unique_ptr<Checker> make_vote_safety();
std::unique_ptr<Checker> make_log_matching();
std::unique_ptr<Checker> make_leader_completeness();
// Durability fed event by event (durability_stream.cc). exact() false: this trace needs
// the two-pass check_durability() over the whole trace for the same verdict.
class StreamingDurability : public Checker {
 public:
  virtual bool exact() const = 0;
};
std::unique_ptr<StreamingDurability> make_durability_stream();
// `report` (may be null) receives the LinReport when finish() runs.
std::unique_ptr<Checker> make_linearizability(const CheckOptions& opts, LinReport* report);
std::unique_ptr<Checker> make_liveness(const CheckOptions& opts);
std::unique_ptr<Checker> make_single_cluster();
std::unique_ptr<Checker> make_expectations();

// Feeds every event to `c` and finishes it.
inline std::vector<Violation> run(Checker& c, const std::vector<sim::TraceEvent>& events, CheckerStats* stats) {
  for (const sim::TraceEvent& e : events) c.on(e);
  return c.finish(stats);
}

}  // namespace detail
}  // namespace raftlab::check
