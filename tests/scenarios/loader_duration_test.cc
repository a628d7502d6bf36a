// Duration strings: integer nanoseconds, the unit set of Go's time.ParseDuration minus
// negatives, capped at 24h.
#include "sim/scenario/duration.h"

#include <gtest/gtest.h>

namespace raftlab::scenario {
namespace {

int64_t ns(std::string_view text) {
  const ParsedDuration d = parse_duration(text);
  EXPECT_TRUE(d.ok) << text << ": " << d.error();
  return d.ns;
}

std::string err(std::string_view text) {
  const ParsedDuration d = parse_duration(text);
  EXPECT_FALSE(d.ok) << text << " parsed as " << d.ns;
  return d.error();
}

TEST(Duration, ParsesEveryUnit) {
  EXPECT_EQ(ns("0s"), 0);
  EXPECT_EQ(ns("0"), 0);
  EXPECT_EQ(ns("10ns"), 10);
  EXPECT_EQ(ns("100us"), 100'000);
  EXPECT_EQ(ns("100\xC2\xB5s"), 100'000);
  EXPECT_EQ(ns("250ms"), 250'000'000);
  EXPECT_EQ(ns("60s"), 60'000'000'000);
  EXPECT_EQ(ns("2m"), 120'000'000'000);
  EXPECT_EQ(ns("1h"), 3'600'000'000'000);
  EXPECT_EQ(ns("24h"), kMaxDurationNs);
}

TEST(Duration, FractionsAreExactIntegers) {
  EXPECT_EQ(ns("1.5s"), 1'500'000'000);
  EXPECT_EQ(ns("0.1s"), 100'000'000);
  EXPECT_EQ(ns("1.000000001s"), 1'000'000'001);
  EXPECT_EQ(ns("2.5ms"), 2'500'000);
  EXPECT_EQ(ns("1.5us"), 1'500);
  EXPECT_EQ(ns("0.5m"), 30'000'000'000);
  EXPECT_EQ(ns("1.25h"), 4'500'000'000'000);
}

TEST(Duration, CompoundValuesAdd) {
  EXPECT_EQ(ns("1m30s"), 90'000'000'000);
  EXPECT_EQ(ns("1h2m3s4ms5us6ns"), 3'723'004'005'006);
  EXPECT_EQ(ns("1s500ms"), 1'500'000'000);
}

TEST(Duration, MalformedInputsExplainTheSyntax) {
  EXPECT_EQ(err("5 sec"),
            "malformed duration \"5 sec\": write a number followed by a unit (ns, us, ms, s, m, h), e.g. \"5s\" or \"1500ms\"");
  for (const char* bad : {"", "5", "s", "1.s", ".5s", "5sec", "5S", "1,5s", "5s ", " 5s", "5d", "1e3s", "+5s", "5ms3"}) {
    EXPECT_NE(err(bad).find("malformed duration"), std::string::npos) << bad;
  }
}

TEST(Duration, RejectsNegativeLongAndSubNanosecond) {
  EXPECT_NE(err("-1s").find("negative"), std::string::npos);
  EXPECT_NE(err("25h").find("longer than 24h"), std::string::npos);
  EXPECT_NE(err("24h1ns").find("longer than 24h"), std::string::npos);
  EXPECT_NE(err("99999999999999999999999h").find("longer than 24h"), std::string::npos);
  EXPECT_NE(err("1.5ns").find("finer than 1ns"), std::string::npos);
  EXPECT_NE(err("1.0000000001s").find("9 fractional digits"), std::string::npos);
}

TEST(Duration, FormatRoundTrips) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(90'000'000'000), "1m30s");
  EXPECT_EQ(format_duration(1'500'000'000), "1.5s");
  EXPECT_EQ(format_duration(250'000'000), "250ms");
  EXPECT_EQ(format_duration(100'000), "100us");
  EXPECT_EQ(format_duration(7), "7ns");
  EXPECT_EQ(format_duration(3'600'000'000'000 + 5'000'000'000), "1h0m5s");
  for (int64_t v : {int64_t{1}, int64_t{999}, int64_t{1'001}, int64_t{123'456'789}, int64_t{61'000'000'001},
                    kMaxDurationNs, kMaxDurationNs - 1, int64_t{59'999'999'999}}) {
    EXPECT_EQ(ns(format_duration(v)), v) << format_duration(v);
  }
}

}  // namespace
}  // namespace raftlab::scenario
