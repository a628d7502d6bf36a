// tools/compare.h — `raftlab compare BROKEN FIXED`: runs two scenarios and prints, side
// by side, what each deployment did (how each member bootstrapped, which clusters and
// leaders formed, whether a write crossed between members) and, in plain words, why.
// `make demo` runs it on the every-node-leader bug and its fix.
#pragma once

#include <ostream>
#include <string>

namespace raftlab::tools {

// Returns the CLI exit code (0: both ran; 2: bad input).
int compare_scenarios(const std::string& broken_file, const std::string& fixed_file, std::ostream& out,
                      std::ostream& err);

}  // namespace raftlab::tools
