// raftlab — deterministic simulator and fault-injection lab for etcd-style Raft clusters.
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return raftlab::tools::run_cli(args, std::cout, std::cerr);
}
