// The event loop's total order (at, seq) and its bounds (sim/event_loop.h): events at
// one instant fire in the order they were scheduled; run_until never passes its time
// limit and never fires more than its event budget.
#include "sim/event_loop.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "sim/prng.h"

namespace raftlab::sim {
namespace {

TEST(EventLoop, SameInstantEventsFireInScheduleOrder) {
  EventLoop loop;
  std::vector<int> fired;
  // Scheduled out of time order on purpose: time sorts first, then insertion order.
  for (int i = 0; i < 5; ++i) loop.at(millis(10), [&fired, i] { fired.push_back(i); });
  loop.at(millis(5), [&fired] { fired.push_back(-1); });
  for (int i = 5; i < 10; ++i) loop.at(millis(10), [&fired, i] { fired.push_back(i); });

  ASSERT_TRUE(loop.run_until(seconds(1)));
  EXPECT_EQ(fired, (std::vector<int>{-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(EventLoop, EventScheduledNowFromACallbackFiresAfterThoseAlreadyQueued) {
  EventLoop loop;
  std::vector<std::string> fired;
  loop.at(millis(1), [&] {
    fired.push_back("a");
    loop.after(Duration{0}, [&] { fired.push_back("a-child"); });  // same instant, later seq
  });
  loop.at(millis(1), [&] { fired.push_back("b"); });
  ASSERT_TRUE(loop.run_until(millis(1)));
  EXPECT_EQ(fired, (std::vector<std::string>{"a", "b", "a-child"}));
  EXPECT_EQ(loop.now(), millis(1));
}

TEST(EventLoop, TimeJumpsToEachEventAndAfterIsRelativeToNow) {
  EventLoop loop;
  std::vector<std::int64_t> seen_ns;
  loop.at(millis(3), [&] {
    seen_ns.push_back(loop.now().ns);
    loop.after(millis(2), [&] { seen_ns.push_back(loop.now().ns); });
  });
  ASSERT_TRUE(loop.run_until(seconds(1)));
  EXPECT_EQ(seen_ns, (std::vector<std::int64_t>{millis(3).ns, millis(5).ns}));
}

TEST(EventLoop, RunUntilStopsAtTheTimeLimitAndLeavesLaterEventsQueued) {
  EventLoop loop;
  int fired = 0;
  loop.at(millis(10), [&] { ++fired; });
  loop.at(millis(20), [&] { ++fired; });  // exactly at the limit: fires (at <= limit)
  loop.at(millis(21), [&] { ++fired; });

  ASSERT_TRUE(loop.run_until(millis(20)));
  EXPECT_EQ(fired, 2);
  EXPECT_EQ(loop.now(), millis(20));  // the clock moves to the limit, not past it
  EXPECT_EQ(loop.pending(), 1u);
  EXPECT_EQ(loop.events_fired(), 2u);

  ASSERT_TRUE(loop.run_until(millis(30)));
  EXPECT_EQ(fired, 3);
  EXPECT_EQ(loop.now(), millis(30));  // an empty stretch still advances time
  EXPECT_EQ(loop.pending(), 0u);
}

TEST(EventLoop, RunUntilStopsAtTheEventBudget) {
  EventLoop loop;
  int fired = 0;
  // A self-rescheduling timer would run forever without a budget.
  std::function<void()> tick = [&] {
    ++fired;
    loop.after(Duration{0}, tick);
  };
  loop.at(millis(1), tick);

  EXPECT_FALSE(loop.run_until(seconds(10), 100));  // false: the budget ran out first
  EXPECT_EQ(fired, 100);
  EXPECT_EQ(loop.events_fired(), 100u);
  EXPECT_EQ(loop.now(), millis(1));  // time did not jump to the limit
  EXPECT_EQ(loop.pending(), 1u);
}

TEST(EventLoop, ABudgetThatSufficesReturnsTrue) {
  EventLoop loop;
  for (int i = 0; i < 3; ++i) loop.at(millis(i), [] {});
  EXPECT_TRUE(loop.run_until(seconds(1), 3));
  EXPECT_EQ(loop.events_fired(), 3u);
}

// The loop keeps near events in a sorted ring of 64, spills to a heap when the ring is
// full and keeps far ones (beyond 50 ms) in another heap. Whatever mix of delays, bursts
// and events scheduled from callbacks, they fire in exactly (at, seq) order: checked
// against a plain sort of what was scheduled.
TEST(EventLoop, ManyEventsAcrossRingAndHeapsFireInTimeThenScheduleOrder) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    EventLoop loop;
    Prng prng(seed);
    std::vector<std::tuple<std::int64_t, std::uint64_t>> scheduled;  // (at, seq)
    std::vector<std::uint64_t> fired;
    int budget = 3000;
    std::function<void(int)> schedule = [&](int depth) {
      // Mostly 1 ms (a packet), some ties, some earlier than those pending, some far.
      std::int64_t d;
      switch (prng.uniform(6)) {
        case 0: d = 0; break;
        case 1: d = prng.between(0, 49'999'999); break;
        case 2: d = prng.between(50'000'001, 6'000'000'000); break;
        case 3: d = 50'000'000; break;
        default: d = 1'000'000 + prng.between(0, 3) * 1'000; break;
      }
      const std::int64_t at = loop.now().ns + d;
      const std::size_t i = scheduled.size();  // scheduled[i] gets its seq below, before it can fire
      scheduled.emplace_back(at, 0);
      std::get<1>(scheduled[i]) = loop.after(nanos(d), [&, i, depth, at] {
        EXPECT_EQ(loop.now().ns, at);
        fired.push_back(std::get<1>(scheduled[i]));
        const int children = depth < 6 ? static_cast<int>(prng.uniform(3)) : 0;
        for (int c = 0; c < children && budget > 0; ++c, --budget) schedule(depth + 1);
      });
    };
    // A burst well past the ring's 64, then the callbacks keep scheduling.
    for (int i = 0; i < 300; ++i, --budget) schedule(0);
    ASSERT_TRUE(loop.run_until(seconds(1000)));
    EXPECT_GT(scheduled.size(), 1000u);
    std::sort(scheduled.begin(), scheduled.end());
    std::vector<std::uint64_t> want;
    for (const auto& [at, seq] : scheduled) want.push_back(seq);
    ASSERT_EQ(fired, want) << "seed " << seed;
    EXPECT_EQ(loop.pending(), 0u);
  }
}

TEST(EventLoopDeathTest, SchedulingInThePastAborts) {
  EventLoop loop;
  ASSERT_TRUE(loop.run_until(millis(5)));
  EXPECT_DEATH(loop.at(millis(4), [] {}), "scheduled in the past");
}

}  // namespace
}  // namespace raftlab::sim
