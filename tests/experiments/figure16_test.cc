// tests/experiments/figure16_test.cc — the Figure 16 driver (sim/experiments/figure16.h)
// on a few trials: every trial elects, within the bounds the setup allows; trials are a
// pure function of the seed; no randomness keeps the timers in step (over 10 s); and
// `raftlab figure16` writes its report and plots. Fast: a few hundred simulated trials.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sim/experiments/figure16.h"
#include "tests/common/cli_run.h"

namespace raftlab::experiments {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TEST(Figure16, EveryTrialElectsWithinWhatTheSetupAllows) {
  const Fig16Model m;
  for (const Fig16Range r : {Fig16Range{150, 300}, Fig16Range{12, 24}, Fig16Range{150, 175}}) {
    const auto trials = run_fig16(m, r, 1, 40);
    ASSERT_EQ(trials.size(), 40u);
    for (const auto& t : trials) {
      ASSERT_GE(t.downtime_ns, 0) << r.label() << " seed " << t.seed << " gave up";
      // The crash falls inside a heartbeat interval (lo/2) after the last heartbeat, so
      // no follower can time out sooner than lo - lo/2 after it.
      EXPECT_GE(t.downtime_ns, r.lo_ms * kMs / 2) << r.label() << " seed " << t.seed;
      EXPECT_LT(t.downtime_ns, 20 * r.hi_ms * kMs) << r.label() << " seed " << t.seed;
      EXPECT_GE(t.terms, 1u);
    }
    const Fig16Stats s = summarize(trials, m);
    EXPECT_EQ(s.gave_up, 0u);
    EXPECT_LE(s.min, s.p50);
    EXPECT_LE(s.p50, s.p90);
    EXPECT_LE(s.p99, s.max);
    EXPECT_EQ(s.over_10s, 0.0);
  }
}

TEST(Figure16, TrialsAreAPureFunctionOfTheSeed) {
  const Fig16Model m;
  const Fig16Range r{150, 155};
  const auto a = run_fig16(m, r, 7, 15), b = run_fig16(m, r, 7, 15);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].seed, b[i].seed);
    EXPECT_EQ(a[i].downtime_ns, b[i].downtime_ns);
    EXPECT_EQ(a[i].terms, b[i].terms);
    EXPECT_EQ(a[i].events, b[i].events);
  }
  // One trial alone gives what it gave in the sweep (no state carried between trials).
  EXPECT_EQ(run_fig16_trial(m, r, 10).downtime_ns, a[3].downtime_ns);
  const auto c = run_fig16(m, r, 100, 15);
  bool differ = false;
  for (std::size_t i = 0; i < a.size(); ++i) differ = differ || a[i].downtime_ns != c[i].downtime_ns;
  EXPECT_TRUE(differ);
}

TEST(Figure16, WithoutRandomnessElectionsKeepSplitting) {
  Fig16Model m;
  m.give_up = sim::seconds(12);
  const auto trials = run_fig16(m, Fig16Range{150, 150}, 1, 6);
  const Fig16Stats s = summarize(trials, m);
  // The paper: "consistently longer than 10 seconds".
  EXPECT_GE(s.over_10s, 5.0 / 6.0);
  for (const auto& t : trials)
    if (t.downtime_ns < 0) {
      EXPECT_GT(t.terms, 20u) << "seed " << t.seed;  // ~one split vote per 150 ms
    }
}

TEST(Figure16, PaperDataHasEveryRangeOfBothPanels) {
  const auto& p = paper_figure16();
  ASSERT_EQ(p.size(), 11u);
  for (const auto& x : p) {
    EXPECT_EQ(x.cdf.size(), 201u) << x.range.label();
    EXPECT_EQ(x.n, x.range.lo_ms == 150 && x.range.hi_ms == 150 ? 100u : 1000u);
    EXPECT_LE(x.min, x.p50);
    EXPECT_LE(x.p99, x.max);
  }
  // The text's numbers (§9.3).
  auto find = [&](std::int64_t lo, std::int64_t hi) {
    for (const auto& x : p)
      if (x.range.lo_ms == lo && x.range.hi_ms == hi) return x;
    return p.front();
  };
  EXPECT_NEAR(find(150, 155).p50, 287, 1);
  EXPECT_NEAR(find(150, 200).max, 513, 1);
  EXPECT_NEAR(find(12, 24).mean, 35, 0.5);
  EXPECT_NEAR(find(12, 24).max, 152, 1);
}

TEST(Figure16, CliWritesTheReportAndTwoPlots) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(RAFTLAB_BINARY_DIR) / "figure16-cli-test";
  fs::remove_all(dir);
  const auto r = test::cli({"figure16", "--trials", "10", "--blocks", "2", "--out", (dir / "F.md").string(), "--svg-dir",
                            dir.string()});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  };
  const std::string md = slurp(dir / "F.md");
  EXPECT_NE(md.find("| top | 150-155 ms | raftlab | 10 |"), std::string::npos) << md.substr(0, 2000);
  EXPECT_NE(md.find("| | | paper | 1000 |"), std::string::npos);
  EXPECT_NE(md.find("`raftlab figure16 --trials 10 --blocks 2`"), std::string::npos);
  EXPECT_NE(md.find("s wall"), std::string::npos);
  for (const char* svg : {"figure16-top.svg", "figure16-bottom.svg"}) {
    const std::string s = slurp(dir / svg);
    EXPECT_EQ(s.rfind("<svg ", 0), 0u) << svg;
    EXPECT_NE(s.find("</svg>"), std::string::npos) << svg;
    EXPECT_NE(s.find("150-300 ms paper"), std::string::npos) << svg;  // in both panels, as in the paper
  }
  EXPECT_EQ(slurp(dir / "figure16-top.svg").find("12-24 ms"), std::string::npos);
  EXPECT_NE(slurp(dir / "figure16-bottom.svg").find("12-24 ms raftlab"), std::string::npos);
  EXPECT_EQ(slurp(dir / "figure16-bottom.svg").find("150-155 ms"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace raftlab::experiments
