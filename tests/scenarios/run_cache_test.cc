// The SpecCache is pure memoisation: for every shipped scenario and several seeds, a run
// that reuses a cache warmed by earlier runs gives the same trace hash as a cold run.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sim/cloud/cloud.h"
#include "sim/deploy.h"
#include "tests/scenarios/shipped.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {


std::string run_hash(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seed,
                     std::shared_ptr<sim::SpecCache> cache) {
  sim::RunOptions opts;
  opts.extension = cloud::extension_factory();  // scenarios/aws-asg need the cloud layer
  opts.seed = seed;
  opts.cache = std::move(cache);
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(s, opts, &errors);
  EXPECT_NE(d, nullptr);
  if (!d) return "";
  return d->run().trace_sha256;
}

TEST(SpecCache, WarmRunsGiveTheColdRunsTraces) {
  const auto shipped = testing::load_shipped();
  ASSERT_FALSE(shipped.empty());
  for (const auto& [f, s] : shipped) {
    const auto cache = std::make_shared<sim::SpecCache>();
    for (std::uint64_t seed : {1ULL, 2ULL, 3ULL, 1ULL}) {
      const std::string cold = run_hash(s, seed, nullptr);
      const std::string warm = run_hash(s, seed, cache);  // the cache has seen earlier seeds
      EXPECT_EQ(cold, warm) << f << " seed=" << seed;
    }
    // The cache was actually used — for the scenario's own members. A cloud scenario has
    // none: its containers are defined by user data on instances at run time.
    if (!s->cloud) {
      EXPECT_FALSE(cache->specs.empty()) << f;
    }
  }
}

}  // namespace
}  // namespace raftlab
