// The simulator's PRNG (sim/prng.h). Fixed vectors pin the generator: every recorded
// seed depends on these exact numbers, so any change to splitmix64, xoshiro256**,
// derive(), uniform() or between() must fail here first. The vectors were computed
// once with an independent Python implementation of splitmix64 + xoshiro256** (Blackman
// & Vigna) and Lemire's multiply-shift, not by running this code.
#include "sim/prng.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

namespace raftlab::sim {
namespace {

std::vector<std::uint64_t> draws(Prng p, int n) {
  std::vector<std::uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(p.next());
  return out;
}

TEST(Prng, Seed1FirstOutputsAreFixed) {
  const std::vector<std::uint64_t> want = {0xb3f2af6d0fc710c5ULL, 0x853b559647364ceaULL, 0x92f89756082a4514ULL,
                                           0x642e1c7bc266a3a7ULL, 0xb27a48e29a233673ULL, 0x24c123126ffda722ULL};
  EXPECT_EQ(draws(Prng(1), 6), want);
}

TEST(Prng, DerivedStreamsAreFixed) {
  const Prng root(1);
  const Prng net = root.derive("network");
  EXPECT_EQ(net.seed(), 0x0df486b14b60743cULL);
  EXPECT_EQ(draws(net, 4), (std::vector<std::uint64_t>{0x1b0654c3dc121ee6ULL, 0x207e6d375fa5ba1bULL,
                                                       0x683255bfcbff81ddULL, 0xce8902e09bb8557dULL}));
  const Prng member = root.derive("member/etcd1");
  EXPECT_EQ(member.seed(), 0x8ab62ec65e614b5fULL);
  EXPECT_EQ(draws(member, 4), (std::vector<std::uint64_t>{0xe98c50ca3f3d1dfdULL, 0x71360537b9ea7ecbULL,
                                                          0x5eeb201b8a419768ULL, 0xd1ce3f429090faa8ULL}));
}

TEST(Prng, UniformAndBetweenFirstOutputsAreFixed) {
  Prng u(1);
  std::vector<std::uint64_t> got_u;
  for (int i = 0; i < 8; ++i) got_u.push_back(u.uniform(10));
  EXPECT_EQ(got_u, (std::vector<std::uint64_t>{7, 5, 5, 3, 6, 1, 0, 3}));

  Prng b(1);
  std::vector<std::int64_t> got_b;
  for (int i = 0; i < 8; ++i) got_b.push_back(b.between(1000, 1999));
  EXPECT_EQ(got_b, (std::vector<std::int64_t>{1702, 1520, 1574, 1391, 1697, 1143, 1071, 1381}));
}

TEST(Prng, SameSeedSameStreamDifferentSeedDifferentStream) {
  EXPECT_EQ(draws(Prng(42), 16), draws(Prng(42), 16));
  EXPECT_NE(draws(Prng(42), 16), draws(Prng(43), 16));
}

TEST(Prng, UniformStaysInRange) {
  Prng p(7);
  const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
  for (std::uint64_t n : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{7}, std::uint64_t{1000},
                          (std::uint64_t{1} << 63) + 1, top}) {
    for (int i = 0; i < 2000; ++i) ASSERT_LT(p.uniform(n), n) << "n=" << n;
  }
  for (int i = 0; i < 100; ++i) ASSERT_EQ(p.uniform(1), 0u);
}

// Six buckets, 60,000 draws: each bucket within 3% of 10,000. With a fixed seed this is
// exact arithmetic, not a flaky statistical test.
TEST(Prng, UniformSmallRangeIsFlat) {
  Prng p(11);
  std::array<int, 6> count{};
  for (int i = 0; i < 60000; ++i) ++count[p.uniform(6)];
  for (size_t b = 0; b < count.size(); ++b) {
    EXPECT_GT(count[b], 9700) << "bucket " << b;
    EXPECT_LT(count[b], 10300) << "bucket " << b;
  }
}

// n = 3·2^62: `next() % n` would put half of all draws below 2^62 (values in
// [n, 2^64) fold onto [0, 2^62)); an unbiased generator puts a third there.
TEST(Prng, UniformIsUnbiasedForALargeNonPowerOfTwoRange) {
  Prng p(5);
  const std::uint64_t n = 3 * (std::uint64_t{1} << 62);
  const std::uint64_t fold = std::uint64_t{1} << 62;
  int low = 0;
  const int total = 30000;
  for (int i = 0; i < total; ++i) low += p.uniform(n) < fold ? 1 : 0;
  EXPECT_GT(low, total * 31 / 100);
  EXPECT_LT(low, total * 36 / 100);
}

TEST(Prng, BetweenIsInclusiveAndBounded) {
  Prng p(3);
  bool saw_lo = false, saw_hi = false;
  for (int i = 0; i < 5000; ++i) {
    const std::int64_t v = p.between(-5, 5);
    ASSERT_GE(v, -5);
    ASSERT_LE(v, 5);
    saw_lo = saw_lo || v == -5;
    saw_hi = saw_hi || v == 5;
  }
  EXPECT_TRUE(saw_lo);
  EXPECT_TRUE(saw_hi);
  // etcd's randomized election timeout range in ticks: [10, 19].
  for (int i = 0; i < 5000; ++i) {
    const std::int64_t v = p.between(10, 19);
    ASSERT_GE(v, 10);
    ASSERT_LE(v, 19);
  }
  EXPECT_EQ(p.between(4, 4), 4);
  EXPECT_EQ(p.between(9, 2), 9);  // hi <= lo: lo, documented
}

TEST(Prng, ChanceUsesIntegerRatios) {
  Prng p(9);
  for (int i = 0; i < 100; ++i) {
    ASSERT_FALSE(p.chance(0, 10));
    ASSERT_TRUE(p.chance(10, 10));
    ASSERT_TRUE(p.chance(11, 10));
  }
  int hits = 0;
  for (int i = 0; i < 40000; ++i) hits += p.chance(1, 4) ? 1 : 0;
  EXPECT_GT(hits, 9600);
  EXPECT_LT(hits, 10400);
}

// derive() depends only on (parent seed, label): drawing from the parent, or deriving
// other streams (a new component), changes nothing in an existing stream. This is what
// keeps a shrunk or extended run's other draws stable.
TEST(Prng, AddingAStreamDoesNotChangeAnotherStreamsDraws) {
  Prng root(1234);
  const std::vector<std::uint64_t> before = draws(root.derive("network"), 32);

  for (int i = 0; i < 10; ++i) (void)root.next();
  Prng added = root.derive("member/etcd6");
  for (int i = 0; i < 10; ++i) (void)added.next();
  const std::vector<std::uint64_t> after = draws(root.derive("network"), 32);

  EXPECT_EQ(before, after);
  EXPECT_NE(draws(root.derive("network"), 8), draws(root.derive("faults"), 8));
  EXPECT_NE(draws(root.derive("network"), 8), draws(Prng(1234), 8));
}

TEST(Prng, LabelHashIsFnv1a) {
  EXPECT_EQ(label_hash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(label_hash("a"), 0xaf63dc4c8601ec8cULL);  // published FNV-1a 64 test vector
}

}  // namespace
}  // namespace raftlab::sim
