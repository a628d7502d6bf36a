// Linearizability: hand-made histories, and the WGL checker cross-checked against the
// brute-force checker on thousands of small random histories (both verdicts).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/check/linearizability.h"
#include "sim/prng.h"

namespace raftlab::check {
namespace {

KvOp put(std::string key, std::string v, std::int64_t call, std::int64_t ret, std::uint64_t client = 1) {
  KvOp o;
  o.kind = KvOp::Kind::Put;
  o.key = std::move(key);
  o.value = std::move(v);
  o.call_ns = call;
  o.ret_ns = ret;
  o.client = client;
  return o;
}
KvOp get(std::string key, std::optional<std::string> v, std::int64_t call, std::int64_t ret, std::uint64_t client = 2) {
  KvOp o;
  o.kind = KvOp::Kind::Get;
  o.key = std::move(key);
  o.found = v.has_value();
  o.value = v.value_or("");
  o.call_ns = call;
  o.ret_ns = ret;
  o.client = client;
  return o;
}

LinResult wgl(const std::vector<KvOp>& ops) {
  KvHistory h;
  h.ops = ops;
  return check_linearizability(h).result;
}

TEST(Linearizability, SequentialHistoryIsLinearizable) {
  std::vector<KvOp> ops = {put("k", "1", 0, 10), get("k", "1", 20, 30), put("k", "2", 40, 50), get("k", "2", 60, 70)};
  EXPECT_EQ(wgl(ops), LinResult::Ok);
  EXPECT_TRUE(brute_force_linearizable(ops));
}

TEST(Linearizability, StaleReadAfterAcknowledgedWriteIsNot) {
  std::vector<KvOp> ops = {put("k", "1", 0, 10), put("k", "2", 20, 30), get("k", "1", 40, 50)};
  EXPECT_EQ(wgl(ops), LinResult::Violation);
  EXPECT_FALSE(brute_force_linearizable(ops));
  KvHistory h;
  h.ops = ops;
  LinReport r = check_linearizability(h);
  ASSERT_EQ(r.result, LinResult::Violation);
  EXPECT_EQ(r.key, "k");
  EXPECT_EQ(r.evidence_ops.size(), 3u);  // all three are needed
  EXPECT_NE(r.evidence.find("get k -> 1"), std::string::npos) << r.evidence;
}

TEST(Linearizability, ConcurrentOpsMayTakeEitherOrder) {
  // The get overlaps the put: it may read the old or the new value.
  EXPECT_EQ(wgl({put("k", "1", 0, 10), put("k", "2", 20, 40), get("k", "1", 30, 50)}), LinResult::Ok);
  EXPECT_EQ(wgl({put("k", "1", 0, 10), put("k", "2", 20, 40), get("k", "2", 30, 50)}), LinResult::Ok);
  // Touching intervals (return == call) count as concurrent.
  EXPECT_EQ(wgl({put("k", "1", 0, 10), get("k", std::nullopt, 10, 20)}), LinResult::Ok);
}

TEST(Linearizability, IndeterminatePutMayOrMayNotTakeEffect) {
  // A timed-out put of 2: later reads may see 1 or 2, but not 1 after having seen 2.
  EXPECT_EQ(wgl({put("k", "1", 0, 10), put("k", "2", 20, kNever), get("k", "1", 100, 110)}), LinResult::Ok);
  EXPECT_EQ(wgl({put("k", "1", 0, 10), put("k", "2", 20, kNever), get("k", "2", 100, 110)}), LinResult::Ok);
  EXPECT_EQ(wgl({put("k", "1", 0, 10), put("k", "2", 20, kNever), get("k", "2", 100, 110), get("k", "1", 120, 130)}),
            LinResult::Violation);
}

TEST(Linearizability, ReadingAbsentAfterAPutIsNot) {
  EXPECT_EQ(wgl({put("k", "1", 0, 10), get("k", std::nullopt, 20, 30)}), LinResult::Violation);
  EXPECT_EQ(wgl({get("k", "1", 0, 10)}), LinResult::Violation);  // a value nobody wrote
}

TEST(Linearizability, KeysAreIndependent) {
  EXPECT_EQ(wgl({put("a", "1", 0, 10), put("b", "1", 20, 30), get("a", "1", 40, 50), get("b", "1", 40, 50)}),
            LinResult::Ok);
}

TEST(Linearizability, EvidenceIsShrunkToTheOpsThatMatter) {
  std::vector<KvOp> ops;
  for (int i = 0; i < 20; ++i) ops.push_back(put("k", std::to_string(i), i * 100, i * 100 + 10));
  for (int i = 0; i < 20; ++i) ops.push_back(get("k", "19", 2000 + i * 100, 2000 + i * 100 + 10));
  ops.push_back(get("k", "3", 5000, 5010));  // stale
  KvHistory h;
  h.ops = ops;
  LinReport r = check_linearizability(h);
  ASSERT_EQ(r.result, LinResult::Violation);
  EXPECT_LE(r.evidence_ops.size(), 4u) << r.evidence;
  // The evidence is itself a proof: it cannot be linearized.
  EXPECT_FALSE(brute_force_linearizable(r.evidence_ops));
}

TEST(Linearizability, BudgetGivesUnknownNotAHang) {
  // Many concurrent puts and a read nobody wrote: the search must explore many orders.
  std::vector<KvOp> ops;
  for (int i = 0; i < 18; ++i) ops.push_back(put("k", std::to_string(i), 0, 1000));
  ops.push_back(get("k", "x", 2000, 2010));
  KvHistory h;
  h.ops = ops;
  LinOptions o;
  o.budget_states = 1000;
  EXPECT_EQ(check_linearizability(h, o).result, LinResult::Unknown);
}

// A random small history: ops with random intervals on 1-2 keys. Half are produced by a
// real register with random linearization points (so linearizable), then some reads are
// perturbed (so usually not). Brute force and WGL must agree on every one.
std::vector<KvOp> random_history(sim::Prng& rng, bool perturb) {
  const int n = 1 + static_cast<int>(rng.uniform(7));
  const int keys = 1 + static_cast<int>(rng.uniform(2));
  struct Pending {
    KvOp op;
    std::int64_t point;
  };
  std::vector<Pending> ops;
  int next_value = 1;
  for (int i = 0; i < n; ++i) {
    KvOp o;
    o.client = static_cast<std::uint64_t>(i);
    o.key = std::string(1, static_cast<char>('a' + rng.uniform(static_cast<std::uint64_t>(keys))));
    o.kind = rng.uniform(2) == 0 ? KvOp::Kind::Put : KvOp::Kind::Get;
    o.call_ns = static_cast<std::int64_t>(rng.uniform(40));
    const std::int64_t point = o.call_ns + static_cast<std::int64_t>(rng.uniform(10));
    o.ret_ns = point + static_cast<std::int64_t>(rng.uniform(10));
    if (o.kind == KvOp::Kind::Put) {
      o.value = std::to_string(next_value++);
      if (rng.uniform(5) == 0) o.ret_ns = kNever;
    }
    ops.push_back({o, point});
  }
  // Execute at the linearization points (ties by position) to fill in the reads.
  std::vector<std::size_t> order(ops.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return ops[x].point < ops[y].point; });
  std::map<std::string, std::string> reg;
  for (std::size_t i : order) {
    KvOp& o = ops[i].op;
    if (o.kind == KvOp::Kind::Put) {
      if (o.ret_ns != kNever || rng.uniform(2) == 0) reg[o.key] = o.value;  // a lost indeterminate put
    } else {
      auto it = reg.find(o.key);
      o.found = it != reg.end();
      o.value = o.found ? it->second : "";
    }
  }
  std::vector<KvOp> out;
  for (auto& p : ops) out.push_back(p.op);
  if (perturb) {
    for (KvOp& o : out) {
      if (o.kind != KvOp::Kind::Get || rng.uniform(2) == 0) continue;
      const std::uint64_t v = rng.uniform(static_cast<std::uint64_t>(next_value));
      o.found = v != 0;
      o.value = o.found ? std::to_string(v) : "";
    }
  }
  return out;
}

TEST(Linearizability, AgreesWithBruteForceOnRandomSmallHistories) {
  sim::Prng rng(20261122);
  int agree = 0, linearizable = 0, not_linearizable = 0;
  constexpr int kHistories = 20000;
  for (int i = 0; i < kHistories; ++i) {
    const std::vector<KvOp> ops = random_history(rng, i % 2 == 1);
    KvHistory h;
    h.ops = ops;
    const LinResult w = check_linearizability(h).result;
    ASSERT_NE(w, LinResult::Unknown);
    const bool b = brute_force_linearizable(ops);
    ASSERT_EQ(w == LinResult::Ok, b) << "history " << i << ": WGL " << lin_result_name(w) << ", brute force " << b;
    if (i % 2 == 0) {
      ASSERT_TRUE(b) << "generated from a register, must be linearizable (history " << i << ")";
    }
    ++agree;
    (b ? linearizable : not_linearizable) += 1;
  }
  EXPECT_EQ(agree, kHistories);
  // Both verdicts are well represented, so agreement means something.
  EXPECT_GT(linearizable, kHistories / 3);
  EXPECT_GT(not_linearizable, kHistories / 10);
  std::printf("brute-force agreement: %d/%d histories (%d linearizable, %d not)\n", agree, kHistories, linearizable,
              not_linearizable);
}


// Bursts of concurrent ops on one key separated by quiet gaps (where the search cuts the
// history), some puts indeterminate, some reads perturbed. The cut search and one search
// over the whole key must agree on every history.
std::vector<KvOp> bursty_history(sim::Prng& rng, bool perturb) {
  struct Pending {
    KvOp op;
    std::int64_t point;
  };
  std::vector<Pending> ops;
  int next_value = 1;
  const int bursts = 1 + static_cast<int>(rng.uniform(10));
  std::int64_t t = 0;
  for (int b = 0; b < bursts; ++b) {
    const int n = 1 + static_cast<int>(rng.uniform(4));
    for (int i = 0; i < n; ++i) {
      KvOp o;
      o.client = static_cast<std::uint64_t>(i);
      o.key = "k";
      o.kind = rng.uniform(2) == 0 ? KvOp::Kind::Put : KvOp::Kind::Get;
      o.call_ns = t + static_cast<std::int64_t>(rng.uniform(10));
      const std::int64_t point = o.call_ns + static_cast<std::int64_t>(rng.uniform(5));
      o.ret_ns = point + static_cast<std::int64_t>(rng.uniform(5));
      if (o.kind == KvOp::Kind::Put) {
        o.value = std::to_string(next_value++);
        if (rng.uniform(12) == 0) o.ret_ns = kNever;
      }
      ops.push_back({o, point});
    }
    t += 20 + static_cast<std::int64_t>(rng.uniform(3)) * 10 - 10;  // sometimes touching, overlapping
  }
  std::vector<std::size_t> order(ops.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return ops[x].point < ops[y].point; });
  std::optional<std::string> reg;
  for (std::size_t i : order) {
    KvOp& o = ops[i].op;
    if (o.kind == KvOp::Kind::Put) {
      if (o.ret_ns != kNever || rng.uniform(2) == 0) reg = o.value;
    } else {
      o.found = reg.has_value();
      o.value = reg.value_or("");
    }
  }
  std::vector<KvOp> out;
  for (auto& p : ops) out.push_back(p.op);
  if (perturb)
    for (KvOp& o : out) {
      if (o.kind != KvOp::Kind::Get || rng.uniform(4) != 0) continue;
      const std::uint64_t v = rng.uniform(static_cast<std::uint64_t>(next_value));
      o.found = v != 0;
      o.value = o.found ? std::to_string(v) : "";
    }
  return out;
}

TEST(Linearizability, CutSearchAgreesWithOneSearchOverTheKey) {
  sim::Prng rng(20261207);
  int linearizable = 0, not_linearizable = 0, cut = 0;
  constexpr int kHistories = 6000;
  for (int i = 0; i < kHistories; ++i) {
    const std::vector<KvOp> ops = bursty_history(rng, i % 2 == 1);
    std::size_t longest = 0;
    const LinResult segmented = check_register(ops, 1'000'000, nullptr, &longest);
    const LinResult whole = check_register_whole(ops, 1'000'000);
    ASSERT_NE(whole, LinResult::Unknown);
    ASSERT_EQ(segmented, whole) << "history " << i << " of " << ops.size() << " ops";
    if (ops.size() <= 7) {
      ASSERT_EQ(whole == LinResult::Ok, brute_force_linearizable(ops)) << "history " << i;
    }
    (whole == LinResult::Ok ? linearizable : not_linearizable) += 1;
    cut += longest < ops.size() ? 1 : 0;
  }
  EXPECT_GT(linearizable, kHistories / 3);
  EXPECT_GT(not_linearizable, kHistories / 10);
  EXPECT_GT(cut, kHistories / 2) << "most histories should be cut at least once";
}

// A long history of one key (two clients, each put read back while the other client's
// put overlaps it) is searched in small pieces: the memo of one search over all of it
// would hold ~n states of n bits (quadratic memory). A stale read at the end is still found
// and its evidence shrunk.
TEST(Linearizability, CutsKeepTheSearchOfALongHistorySmall) {
  std::vector<KvOp> ops;
  constexpr int kRounds = 20000;
  for (int i = 0; i < kRounds; ++i) {
    const std::int64_t t = static_cast<std::int64_t>(i) * 100;
    const std::string n = std::to_string(i);
    std::string a = "a", b = "b";
    a += n;
    b += n;
    ops.push_back(put("k", a, t, t + 30, 1));
    ops.push_back(put("k", b, t + 10, t + 40, 2));
    ops.push_back(get("k", b, t + 50, t + 60, 3));
  }
  KvHistory h;
  h.ops = ops;
  LinReport r = check_linearizability(h);
  EXPECT_EQ(r.result, LinResult::Ok);
  EXPECT_EQ(r.ops, ops.size());
  EXPECT_LE(r.longest_segment, 3u);
  EXPECT_LT(r.states, 10 * ops.size());
  const std::int64_t end = static_cast<std::int64_t>(kRounds) * 100;
  h.ops.push_back(get("k", "b7", end, end + 10, 3));
  r = check_linearizability(h);
  ASSERT_EQ(r.result, LinResult::Violation);
  EXPECT_LE(r.evidence_ops.size(), 4u) << r.evidence;
  EXPECT_FALSE(brute_force_linearizable(r.evidence_ops));
}

}  // namespace
}  // namespace raftlab::check
