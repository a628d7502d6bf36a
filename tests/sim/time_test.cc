// sim::format_duration (sim/time.h): the shortest exact text for a virtual time, as the
// trace, summaries and checker evidence print it.
#include "sim/time.h"

#include <gtest/gtest.h>

#include "sim/prng.h"
#include "sim/scenario/duration.h"

namespace raftlab::sim {
namespace {

TEST(FormatDuration, DocumentedExamples) {
  EXPECT_EQ(format_duration(Duration{0}), "0s");
  EXPECT_EQ(format_duration(millis(1500)), "1.5s");
  EXPECT_EQ(format_duration(millis(250)), "250ms");
  EXPECT_EQ(format_duration(micros(120)), "120us");
}

TEST(FormatDuration, EachUnitAndFraction) {
  EXPECT_EQ(format_duration(seconds(30)), "30s");
  EXPECT_EQ(format_duration(seconds(90)), "90s");  // no minutes: traces stay in one unit
  EXPECT_EQ(format_duration(millis(1001)), "1.001s");
  EXPECT_EQ(format_duration(millis(1010)), "1.01s");  // trailing zeros trimmed
  EXPECT_EQ(format_duration(micros(2500)), "2.5ms");
  EXPECT_EQ(format_duration(nanos(1500)), "1.5us");
  EXPECT_EQ(format_duration(nanos(1)), "1ns");
  EXPECT_EQ(format_duration(nanos(999)), "999ns");
}

TEST(FormatDuration, NeverRoundsFallingToASmallerUnitInstead) {
  // 1s + 1ns cannot be written with 3 decimals of s or ms: exact in us.
  EXPECT_EQ(format_duration(seconds(1) + nanos(1)), "1000000.001us");
  EXPECT_EQ(format_duration(seconds(2) + micros(1)), "2000.001ms");
}

TEST(FormatDuration, NegativeDurationsKeepTheirSign) {
  EXPECT_EQ(format_duration(Duration{-millis(1500).ns}), "-1.5s");
  EXPECT_EQ(format_duration(Duration{-1}), "-1ns");
}

// Exactness as a property: the scenario parser reads back what the trace printed, for
// round numbers and for random nanosecond values up to 24 h.
TEST(FormatDuration, RoundTripsThroughTheScenarioParser) {
  Prng p(2024);
  for (int i = 0; i < 20000; ++i) {
    std::int64_t ns = 0;
    switch (i % 4) {
      case 0: ns = p.between(0, 1'000'000); break;
      case 1: ns = p.between(0, 3600) * seconds(1).ns; break;
      case 2: ns = p.between(0, 86'400'000) * millis(1).ns; break;
      default: ns = p.between(0, scenario::kMaxDurationNs); break;
    }
    const std::string text = format_duration(nanos(ns));
    const scenario::ParsedDuration back = scenario::parse_duration(text);
    ASSERT_TRUE(back.ok) << text << ": " << back.error();
    ASSERT_EQ(back.ns, ns) << text;
  }
}

}  // namespace
}  // namespace raftlab::sim
