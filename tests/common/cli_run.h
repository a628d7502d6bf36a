// tests/common/cli_run.h — run the raftlab CLI in process and capture what it prints.
//
//   CliRun r = cli({"run", "scenarios/bitnami-2host/static-bootstrap.json", "--json"});
//   EXPECT_EQ(r.rc, tools::kExitOk) << r.err;
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "tools/cli.h"

namespace raftlab::test {

struct CliRun {
  int rc = -1;
  std::string out, err;
};

// argv without the program name.
inline CliRun cli(std::vector<std::string> args) {
  args.insert(args.begin(), "raftlab");
  std::ostringstream out, err;
  CliRun r;
  r.rc = tools::run_cli(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace raftlab::test
