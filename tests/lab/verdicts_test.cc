// The fault lab's verdicts include what the operator meant, not only Raft's safety:
// `fuzz` judges every seed by the scenario's own expectations (checker `expectations`) and
// by the deployment-level `single_cluster` checker (members configured as one cluster must
// not form several), says which one failed, and does so identically whatever `--jobs`.
// Before these checkers, both scenarios below fuzzed as "0 failed".
#include <algorithm>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/common/cli_run.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = RAFTLAB_SOURCE_DIR;
// The reported bug: ETCD_INITIAL_CLUSTER expands to empty, five one-member clusters. Its
// expectations hold (they describe what happens); the operator meant one cluster.
const std::string kEveryNodeLeader = (kSource / "scenarios/bitnami-2host/every-node-leader.json").string();
// A correct cluster whose scenario expects two leaders: only the expectation fails.
const std::string kExpectFails = (kSource / "tests/lab/data/expect-fails.json").string();
// A correct failover whose expectations hold on every seed (tests/scenarios).
const std::string kLeaderHost = (kSource / "tests/scenarios/data/lose-leader-host.json").string();

using test::CliRun;
using test::cli;

class LabVerdicts : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("raftlab_verdicts_{}_{}", ::getpid(),
                                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!HasFailure()) fs::remove_all(dir_, ec);
  }
  // `fuzz FILE --seeds N --json` with --jobs 1 and 2: the per-seed lines (identical for
  // both, checked here) and the summary.
  std::pair<std::vector<nlohmann::json>, nlohmann::json> fuzz_json(const std::string& file, int seeds, int want_rc) {
    std::vector<std::string> per_jobs[2];
    nlohmann::json summary;
    for (int j = 1; j <= 2; ++j) {
      const CliRun r = cli({"fuzz", file, "--seeds", std::to_string(seeds), "--jobs", std::to_string(j), "--json", "-q",
                            "--out", (dir_ / "out").string()});
      EXPECT_EQ(r.rc, want_rc) << file << " --jobs " << j << "\n" << r.out << r.err;
      std::istringstream in(r.out);
      for (std::string l; std::getline(in, l);) {
        if (l.empty()) continue;
        if (l.find("\"summary\":true") != std::string::npos) summary = nlohmann::json::parse(l);
        else per_jobs[j - 1].push_back(l);
      }
    }
    EXPECT_EQ(per_jobs[0], per_jobs[1]) << "the seeds' verdicts depend on --jobs";
    std::vector<nlohmann::json> lines;
    for (const auto& l : per_jobs[0]) lines.push_back(nlohmann::json::parse(l));
    EXPECT_EQ(lines.size(), static_cast<std::size_t>(seeds));
    return {lines, summary};
  }
  fs::path dir_;
};

TEST_F(LabVerdicts, FuzzFailsEveryNodeLeaderBySingleClusterNamingTheFiveClusters) {
  const auto [lines, summary] = fuzz_json(kEveryNodeLeader, 5, 1);
  for (const auto& j : lines) {
    EXPECT_EQ(j["ok"], false) << j.dump();
    EXPECT_EQ(j["checkers"], nlohmann::json::array({"single_cluster"})) << j.dump();
    ASSERT_EQ(j["violations"].size(), 1u) << j.dump();
    const auto& v = j["violations"][0];
    // In the order they bootstrapped (start-up times differ per seed).
    std::vector<std::string> members = v["members"].get<std::vector<std::string>>();
    std::sort(members.begin(), members.end());
    EXPECT_EQ(members, (std::vector<std::string>{"etcd1", "etcd2", "etcd3", "etcd4", "etcd5"})) << v.dump();
    const std::string ev = v["evidence"].get<std::string>();
    EXPECT_NE(ev.find("5 clusters formed from one intended cluster token etcd-cluster-1"), std::string::npos) << ev;
    EXPECT_NE(ev.find("without --initial-cluster etcd bootstraps each member as a one-member cluster"),
              std::string::npos)
        << ev;
  }
  EXPECT_EQ(summary["failures"], 5);
  EXPECT_EQ(summary["failures_by_checker"], (nlohmann::json{{"single_cluster", 5}}));
  // The human report names the checker per seed and in the totals.
  const CliRun h = cli({"fuzz", kEveryNodeLeader, "--seeds", "2", "--out", (dir_ / "h").string()});
  EXPECT_EQ(h.rc, 1) << h.err;
  EXPECT_NE(h.out.find("FAIL seed 1: single_cluster"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("2 run, 2 failed"), std::string::npos) << h.out;
}

TEST_F(LabVerdicts, FuzzFailsAScenarioWhoseExpectationFailsNamingIt) {
  const auto [lines, summary] = fuzz_json(kExpectFails, 6, 1);
  for (const auto& j : lines) {
    EXPECT_EQ(j["checkers"], nlohmann::json::array({"expectations"})) << j.dump();
    ASSERT_EQ(j["violations"].size(), 1u) << j.dump();
    EXPECT_EQ(j["violations"][0]["evidence"], "$.expect[1] at 4s failed: expected leaders = 2, the run saw 1");
    EXPECT_EQ(j["violations"][0]["at"], "4.000s");
  }
  EXPECT_EQ(summary["failures_by_checker"], (nlohmann::json{{"expectations", 6}}));
  // `run` agrees (exit 1, the same expectation), and the failure file replays as a failure
  // of the same checker.
  const CliRun r = cli({"run", kExpectFails});
  EXPECT_EQ(r.rc, 1) << r.out;
  const std::string failure = lines.front()["failure_file"].get<std::string>();
  ASSERT_TRUE(fs::exists(failure)) << failure;
  const CliRun rp = cli({"replay", failure});
  EXPECT_EQ(rp.rc, 1) << rp.out << rp.err;
  EXPECT_NE(rp.out.find("expectations           FAIL"), std::string::npos) << rp.out;
  EXPECT_NE(rp.out.find("reproduced"), std::string::npos) << rp.out;
}

// The judging is not a blanket failure: a scenario whose expectations hold on every seed
// (the leader's host dies and the others fail over) fuzzes clean, and the summary says
// the expectations were checked.
TEST_F(LabVerdicts, FuzzPassesAScenarioWhoseExpectationsHold) {
  const auto [lines, summary] = fuzz_json(kLeaderHost, 12, 0);
  for (const auto& j : lines) EXPECT_EQ(j["ok"], true) << j.dump();
  EXPECT_EQ(summary["failures"], 0);
  const CliRun r = cli({"replay", kLeaderHost, "--seed", "3"});
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("expectations           ok      checked 11"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("single_cluster         ok      checked 1"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace raftlab
