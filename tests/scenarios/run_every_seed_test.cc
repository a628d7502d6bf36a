// A scenario's verdict must not hang on its default seed: every shipped scenario's
// expectations hold, and the trace checkers find nothing, for seeds 1..kSeeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sim/cloud/cloud.h"
#include "sim/check/trace_checks.h"
#include "sim/deploy.h"
#include "tests/scenarios/shipped.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

constexpr std::uint64_t kSeeds = 250;

TEST(EverySeed, ShippedScenariosHoldForSeeds1To250) {
  const auto shipped = testing::load_shipped();
  ASSERT_FALSE(shipped.empty());
  for (const auto& [f, s] : shipped) {
    const auto cache = std::make_shared<sim::SpecCache>();
    // The fault lab's scenarios (60 s of faults and clients) run 25 seeds here; the
    // nemesis tests sweep more of them (tests/nemesis).
    const std::uint64_t seeds = f.find("/scenarios/lab/") != std::string::npos ? 25 : kSeeds;
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      sim::RunOptions opts;
      opts.extension = cloud::extension_factory();  // scenarios/aws-asg need the cloud layer
      opts.seed = seed;
      opts.cache = cache;
      std::vector<scenario::LoadError> errors;
      auto d = sim::Deployment::build(s, opts, &errors);
      ASSERT_NE(d, nullptr) << f;
      const sim::RunResult r = d->run();
      for (const auto& e : r.expectations)
        EXPECT_TRUE(e.passed) << f << " seed=" << seed << " " << e.path << " at " << e.at_ns << "ns: " << e.what
                              << " expected " << e.expected << ", actual " << e.actual;
      const check::TraceReport rep = check::check_trace(d->world().trace().events());
      EXPECT_TRUE(rep.violations.empty()) << f << " seed=" << seed;
    }
  }
}

}  // namespace
}  // namespace raftlab
