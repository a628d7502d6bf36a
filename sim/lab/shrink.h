// sim/lab/shrink.h — reduce a failing run to a minimal one that still fails the same
// checker (`raftlab shrink`).
//
// The predicate is "running the candidate at the same seed, with the same planted bugs,
// makes checker C report a violation". Phases, each repeated while it helps:
//   1. faults      delta debugging (Zeller's ddmin) over the explicit fault schedule
//   2. timeline    ddmin over the timeline's other actions (kills, partitions, etcdctl...)
//   3. durations   each remaining fault's duration halved while it still fails
//   4. clients     fewer client operations / a shorter client window
//   5. run length  the run ends as early as it can (binary search)
// Every candidate is a whole run; the number of runs is bounded by max_runs.
//
// Must never: accept a candidate that does not fail the same checker; return a scenario
// larger than its input.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/lab/lab.h"

namespace raftlab::lab {

// Delta debugging over n items: the smallest subset (by 1-minimality) for which fails()
// holds, as ascending indexes. fails(all) must hold. Stops early when budget() is false.
std::vector<std::size_t> ddmin(std::size_t n, const std::function<bool(const std::vector<std::size_t>&)>& fails,
                               const std::function<bool()>& budget);

struct ShrinkOptions {
  std::uint64_t seed = 1;
  RunSettings settings;
  std::string checker;     // "" = the first checker the input fails
  unsigned max_runs = 2000;
  // Called after each candidate run (for a progress line on stderr): runs so far, the
  // budget, and the candidate's faults and timeline entries. Never changes the result.
  std::function<void(unsigned runs, unsigned max_runs, std::size_t faults, std::size_t timeline)> on_run;
};

struct ShrinkStep {
  std::string phase;    // "faults", "timeline", "durations", "clients", "run length"
  std::string removed;  // what went, in words
};

struct ShrinkReport {
  std::string checker;
  std::shared_ptr<const scenario::Scenario> minimal;
  SeedResult first_result, final_result;
  std::vector<ShrinkStep> steps;
  unsigned runs = 0;
  bool budget_exhausted = false;
  // Sizes before and after: faults, timeline actions, client operations, run length.
  std::size_t faults_before = 0, faults_after = 0;
  std::size_t timeline_before = 0, timeline_after = 0;
  std::size_t clients_before = 0, clients_after = 0;
  std::int64_t duration_before = 0, duration_after = 0;
};

// False (with *error) when the input does not fail (or not the asked checker).
bool shrink(const std::shared_ptr<const scenario::Scenario>& s, const ShrinkOptions& o, ShrinkReport* out,
            std::string* error);

std::string shrink_text(const ShrinkReport& r);

}  // namespace raftlab::lab
