// tools/quorum_asg_report.h — the ASG part of `raftlab quorum-table` (results/QUORUM.md):
// runs sim/experiments/quorum_asg.h for groups of 3 and 5 and renders its section and plot.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace raftlab::tools {

class ProgressLine;

struct AsgSection {
  std::string md;    // the markdown section
  std::string svg;   // quorum-asg.svg
  std::uint64_t runs = 0;
  std::string error;  // bad input (the scenario): exit 2
};

// `scenario`: an aws-asg scenario with the discovery user data (its GroupSize parameter is
// set to 3 and 5 in turn); `seeds` per case and timing; `progress` (if any) told the runs
// done.
AsgSection asg_quorum_section(const std::string& scenario, std::uint64_t seeds, std::uint64_t first_seed,
                              ProgressLine* progress = nullptr);

}  // namespace raftlab::tools
