// tests/experiments/quorum_table_test.cc — the quorum table's code (sim/experiments/
// quorum_table.h) on small cases of the 5-member / 2-host deployment: the case list is
// exhaustive, losing 3 of 5 (or host B) never keeps the quorum, losing 2 (or host A)
// always does, no acknowledged write is lost, and runs are deterministic.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "sim/experiments/quorum_table.h"
#include "sim/scenario/loader.h"
#include "tests/common/cli_run.h"

namespace raftlab::experiments {
namespace {

std::shared_ptr<const scenario::Scenario> base() {
  static const auto s = [] {
    auto r = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/lab/quorum-2host.json");
    EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : scenario::format(r.errors.front()));
    return std::make_shared<const scenario::Scenario>(*r.scenario);
  }();
  return s;
}

LossCase find(const std::string& label) {
  for (const auto& c : all_loss_cases(*base()))
    if (c.label == label) return c;
  ADD_FAILURE() << "no case " << label;
  return {};
}

TEST(QuorumTable, CasesAreEverySubsetAndEachHost) {
  const auto cases = all_loss_cases(*base());
  ASSERT_EQ(cases.size(), 32u + 2u);
  std::set<std::string> labels;
  for (const auto& c : cases) labels.insert(c.label);
  EXPECT_EQ(labels.size(), cases.size());
  EXPECT_EQ(cases.front().label, "none");
  EXPECT_EQ(cases[31].label, "etcd1+etcd2+etcd3+etcd4+etcd5");
  for (std::size_t i = 1; i < 32; ++i) EXPECT_LE(cases[i - 1].members.size(), cases[i].members.size());
  EXPECT_EQ(find("host A").members, (std::vector<std::string>{"etcd1", "etcd2"}));
  EXPECT_EQ(find("host B").members, (std::vector<std::string>{"etcd3", "etcd4", "etcd5"}));
}

void expect_clean(const QuorumRun& r, const std::string& what) {
  EXPECT_TRUE(r.error.empty()) << what << ": " << r.error;
  EXPECT_TRUE(r.struck) << what;
  EXPECT_EQ(r.acked_lost, 0u) << what;
  EXPECT_GT(r.acked_checked, 0u) << what;
  EXPECT_TRUE(r.failed_checkers.empty()) << what << ": " << r.failed_checkers.front();
}

TEST(QuorumTable, LosingThreeOfFiveNeverKeepsTheQuorumAndLosingTwoAlwaysDoes) {
  const QuorumOptions o;
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    for (const char* three : {"etcd1+etcd2+etcd3", "etcd3+etcd4+etcd5", "host B"}) {
      const auto r = run_quorum_case(base(), find(three), LossTiming::Steady, seed, o);
      expect_clean(r, three);
      EXPECT_FALSE(r.quorum_kept) << three << " seed " << seed;
      EXPECT_FALSE(r.writes_available) << three << " seed " << seed;
      EXPECT_EQ(r.time_to_leader_ns, -1) << three << " seed " << seed;
    }
    for (const char* two : {"etcd1+etcd2", "etcd4+etcd5", "host A"}) {
      const auto r = run_quorum_case(base(), find(two), LossTiming::Steady, seed, o);
      expect_clean(r, two);
      EXPECT_TRUE(r.quorum_kept) << two << " seed " << seed;
      EXPECT_TRUE(r.writes_available) << two << " seed " << seed;
      EXPECT_GE(r.time_to_leader_ns, 0) << two << " seed " << seed;
      if (r.leader_lost) {
        EXPECT_GT(r.time_to_leader_ns, 0);
      }
    }
  }
}

TEST(QuorumTable, AfterAnElectionTheLossStrikesJustAfterTheNewLeaderAndRunsRepeat) {
  const QuorumOptions o;
  const auto a = run_quorum_case(base(), find("etcd2+etcd5"), LossTiming::AfterElection, 4, o);
  expect_clean(a, "after-election");
  EXPECT_TRUE(a.quorum_kept);
  EXPECT_GT(a.fault_ns, o.steady_at_ns - 1'000'000'000);  // after the leader was killed at 9 s
  const auto b = run_quorum_case(base(), find("etcd2+etcd5"), LossTiming::AfterElection, 4, o);
  EXPECT_EQ(a.fault_ns, b.fault_ns);
  EXPECT_EQ(a.time_to_leader_ns, b.time_to_leader_ns);
  EXPECT_EQ(a.acked_checked, b.acked_checked);
  const auto first = run_quorum_case(base(), find("host B"), LossTiming::AfterFirstElection, 4, o);
  expect_clean(first, "after-first-election");
  EXPECT_LT(first.fault_ns, 5'000'000'000);  // while the cluster bootstraps
  EXPECT_FALSE(first.quorum_kept);
}

TEST(QuorumTable, CliWritesTheTableAndRefusesAMissingScenario) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(RAFTLAB_BINARY_DIR) / "quorum-cli-test";
  fs::remove_all(dir);
  const auto bad = test::cli({"quorum-table", "no/such/file.json", "--out", (dir / "Q.md").string()});
  EXPECT_EQ(bad.rc, 2) << bad.err;
  EXPECT_FALSE(fs::exists(dir / "Q.md"));
  // One seed per case and timing: 34 cases x 3 timings (a few seconds).
  const auto r = test::cli({"quorum-table", std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/lab/quorum-2host.json",
                            "--seeds", "1", "--asg-seeds", "1", "--asg-scenario",
                            std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/aws-asg/02-discovery-one-cluster.json", "--out",
                            (dir / "Q.md").string(), "--svg-dir", dir.string()});
  ASSERT_EQ(r.rc, 0) << r.err;
  std::ifstream f(dir / "Q.md");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string md = ss.str();
  EXPECT_NE(md.find("| 3 lost | steady | 10 | 10 | 0% (0/10) | 0% (0/10) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 2 lost | steady | 10 | 10 | 100% (10/10) | 100% (10/10) |"), std::string::npos);
  EXPECT_NE(md.find("Acknowledged writes lost: **0**"), std::string::npos);
  EXPECT_NE(md.find("Auto Scaling groups of 3 and 5"), std::string::npos);
  EXPECT_NE(md.find("All 102 rows"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "quorum.svg"));
  EXPECT_TRUE(fs::exists(dir / "quorum-leader.svg"));
  // The ASG rows: one seed per case; a minority of 3 lost keeps the quorum, a majority not.
  EXPECT_NE(md.find("| 3 | #1 | at-once | 1 | 100% (1/1) | 100% (1/1) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 3 | #1+#2 | at-once | 1 | 0% (0/1) | 0% (0/1) |"), std::string::npos) << md;
  EXPECT_TRUE(fs::exists(dir / "quorum-asg.svg"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace raftlab::experiments
