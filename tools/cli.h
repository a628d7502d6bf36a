// tools/cli.h — the raftlab command line (CLI11): parse arguments, load the scenario,
// run it, print results. Exit codes: 0 every expectation holds, 1 one failed, 2 bad
// input (arguments, scenario file, etcd/docker configuration), 3 internal error.
//
// Must never: let an exception escape (JSON, CLI11 and std exceptions are caught here).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "sim/deploy.h"
#include "tools/color.h"

namespace raftlab::tools::report {
struct RootCause;
}

namespace raftlab::tools {

inline constexpr int kExitOk = 0;
inline constexpr int kExitExpectationFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInternal = 3;

// Runs the CLI on argv (argv[0] is the program name) writing to out/err.
int run_cli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

// The human summary of a run (what `raftlab run` prints without --json).
std::string human_summary(const sim::Deployment& d, const sim::RunResult& r, const std::string& file);
// The same with colour where `p` is on (tools/color.h: roles, PASS/FAIL, warnings).
std::string human_summary(const sim::Deployment& d, const sim::RunResult& r, const std::string& file, const Palette& p);
// The JSON document `raftlab run --json` prints.
// With `cause`, a "root_cause" field (tools/report/root_cause.h).
std::string json_summary(const sim::RunResult& r, const report::RootCause* cause = nullptr);
// What `raftlab status --at` prints: endpoint status + member list, etcdctl-style.
std::string status_tables(const sim::World& w, bool json);
// The same from members' views taken at now_ns (RunResult::status_samples: the report).
std::string status_tables(const std::vector<sim::MemberView>& members, const std::vector<std::string>& endpoints,
                          std::int64_t now_ns, bool json);

}  // namespace raftlab::tools
