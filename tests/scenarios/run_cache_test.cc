// The SpecCache is pure memoisation: for every shipped scenario and several seeds, a run
// that reuses a cache warmed by earlier runs gives the same trace hash as a cold run.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sim/deploy.h"
#include "tests/scenarios/shipped.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {


std::string run_hash(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seed,
                     std::shared_ptr<sim::SpecCache> cache) {
  sim::RunOptions opts;
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
    EXPECT_FALSE(cache->specs.empty()) << f;  // the cache was actually used
  }
}

}  // namespace
}  // namespace raftlab
