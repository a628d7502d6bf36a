// tests/nemesis/run_out.h — run a scenario in process for the nemesis tests: its trace
// hash, its events and the run result.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sim/deploy.h"
#include "sim/scenario/loader.h"

namespace raftlab::test {

struct RunOut {
  std::string hash;
  std::vector<sim::TraceEvent> events;
  sim::RunResult result;
};

inline RunOut run(const scenario::Scenario& s, std::uint64_t seed,
                  sim::TraceLevel level = sim::TraceLevel::Default) {
  sim::RunOptions o;
  o.seed = seed;
  o.trace_level = level;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(s, o, &errors);
  EXPECT_NE(d, nullptr) << (errors.empty() ? "" : scenario::format(errors.front()));
  RunOut r;
  if (!d) return r;
  r.result = d->run();
  r.hash = r.result.trace_sha256;
  r.events = d->world().trace().events();
  return r;
}

}  // namespace raftlab::test
