#include "tools/verbs.h"

namespace raftlab::tools {

void add_bench_verbs(CLI::App& /*app*/, VerbSet& /*v*/) {}

}  // namespace raftlab::tools
