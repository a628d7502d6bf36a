// tools/usage.h — the CLI's usage lines and each verb's examples: `raftlab --help`,
// `raftlab VERB --help` (examples as the help's footer) and the usage printed after a
// verb's bad arguments (that verb's lines only).
//
// Must never: name a file the repository does not ship in an example (UsageText test
// runs every example's scenario path through the loader).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace raftlab::tools {

// Every verb's usage lines ("usage: raftlab run SCENARIO ...\n       raftlab ...").
std::string usage_text();
// The usage lines of one verb, and where to read more; the whole usage_text() for a
// name that is no verb.
std::string verb_usage(const std::string& verb);
// Examples per verb (shell lines with a comment), in the order shown.
const std::vector<std::pair<std::string, std::vector<std::string>>>& verb_examples();
// Puts each verb's examples into its --help (CLI11 footer).
void add_examples(CLI::App& app);

}  // namespace raftlab::tools
