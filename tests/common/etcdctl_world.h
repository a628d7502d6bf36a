// tests/common/etcdctl_world.h — runs etcdctl command lines (argv without "etcdctl")
// from the operator's machine against the simulated five-member static bootstrap
// (scenarios/bitnami-2host/static-bootstrap.json), one every millisecond from 15 s on,
// and returns what each printed and its exit code. Shared by the etcdctl tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/deploy.h"
#include "sim/etcdctl.h"
#include "sim/scenario/loader.h"

namespace raftlab::test {

struct EtcdctlRan {
  int exit_code = -1;
  std::string out, err;
};

inline std::vector<EtcdctlRan> etcdctl_on_static_bootstrap(const std::vector<std::vector<std::string>>& commands,
                                                           const std::vector<std::string>& endpoints) {
  auto lr = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/static-bootstrap.json");
  EXPECT_TRUE(lr.ok());
  sim::RunOptions opt;
  opt.stop_at_ns = 25'000'000'000;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, opt, &errors);
  EXPECT_TRUE(d);
  std::vector<EtcdctlRan> ran(commands.size());
  if (!d) return ran;
  sim::World& w = d->world();
  for (size_t i = 0; i < commands.size(); ++i) {
    w.loop().at(sim::nanos(15'000'000'000 + static_cast<std::int64_t>(i) * 1'000'000), [&w, &ran, &commands, &endpoints, i] {
      std::vector<std::string> argv = {"etcdctl"};
      argv.insert(argv.end(), commands[i].begin(), commands[i].end());
      sim::run_etcdctl_argv(w, argv, endpoints, sim::EtcdctlRun{},
                            [&ran, i](int code, const std::string& o, const std::string& e) { ran[i] = EtcdctlRan{code, o, e}; });
    });
  }
  d->run();
  return ran;
}

}  // namespace raftlab::test
