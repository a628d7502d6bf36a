// Part 6 of issue 3, end to end: fuzzing finds each planted bug (raft/bugs.h) within a
// stated seed budget, and the correct code passes the largest of those budgets. Also the
// life of one failure: fuzz writes it, replay reproduces its hash, shrink makes it
// smaller and it still fails the same checker, and the correct code passes its schedule.
//
// Scenario: tests/lab/data/detect.json (three members, 7 s, a dense nemesis, clients):
// small enough for `make test`. The budgets are the first failing seeds measured on it
// (results/PLANTED_BUGS.md has the big sweep) with some margin; runs are deterministic,
// so a budget only moves when the engine's behaviour changes.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/lab/lab.h"
#include "sim/scenario/loader.h"
#include "tests/common/cli_run.h"
#include "tools/cli.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;

const std::string kDetect = (fs::path(RAFTLAB_SOURCE_DIR) / "tests/lab/data/detect.json").string();
const std::string kLargeValues =
    (fs::path(RAFTLAB_SOURCE_DIR) / "tests/lab/data/detect-large-values.json").string();
constexpr std::uint64_t kLargeValuesSeeds = 300;  // the correct code's budget there

struct Budget {
  const char* bug;
  std::uint64_t seeds;  // fuzz seeds 1..seeds must find it
};

// commit-old-term (Figure 8) is the one bug random schedules have not reached. Its window
// exists since raft limits a MsgApp by bytes as etcd does (1 MiB): with values just over
// 1 MiB (tests/lab/data/detect-large-values.json) a new leader's older entries travel one
// per message ahead of its own-term entry, and the planted bug does commit them by
// counting replicas in a third of the seeds (scripts/fig8_window.py). Safety breaks only
// if another member then holds a conflicting higher-term entry at that index — the
// orphaned first entry of a leader that died before any voter stored it; seen once in 500
// seeds — and that member wins before the new leader's own entry lands; no schedule drawn
// so far has put it all together
// (results/PLANTED_BUGS.md: the sweeps and the counts of each step). tests/check/planted_bugs_test.cc
// and tests/raft/msg_size_test.cc build the Figure 8 situation by hand and it is caught
// there. The correct code passes the large-value scenario below.
constexpr Budget kBudgets[] = {
    {"apply-before-commit", 10},
    {"vote-without-log-check", 20},
    {"vote-not-persisted", 60},
    {"no-step-down", 150},
    {"read-without-leadership", 450},
};

std::shared_ptr<const scenario::Scenario> load(const std::string& f) {
  auto lr = scenario::load_file(f);
  if (!lr.ok()) return nullptr;
  return std::make_shared<const scenario::Scenario>(std::move(*lr.scenario));
}

lab::FuzzReport sweep(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seeds,
                      std::vector<std::string> bugs) {
  lab::FuzzOptions o;
  o.set.first_seed = 1;
  o.set.seeds = seeds;
  o.jobs = 2;
  o.isolate = true;  // some bugs trip raft's assertions: a crash is a finding, not the end
  o.settings.planted_bugs = std::move(bugs);
  return lab::fuzz(s, o, nullptr, nullptr);
}

TEST(PlantedBugDetection, EachBugIsFoundWithinItsBudgetAndTheCorrectCodePasses) {
  const auto s = load(kDetect);
  ASSERT_TRUE(s);
  std::uint64_t largest = 0;
  for (const Budget& b : kBudgets) {
    SCOPED_TRACE(b.bug);
    const lab::FuzzReport r = sweep(s, b.seeds, {b.bug});
    EXPECT_EQ(r.seeds_run, b.seeds);
    EXPECT_GT(r.failures, 0u) << b.bug << " not found in seeds 1.." << b.seeds << " of " << kDetect;
    EXPECT_EQ(r.build_errors, 0u);
    largest = std::max(largest, b.seeds);
  }
  const lab::FuzzReport ok = sweep(s, largest, {});
  EXPECT_EQ(ok.failures, 0u) << "the correct code fails seeds " << ::testing::PrintToString(ok.failed_seeds);
  // Every planted bug is either budgeted here or explained above.
  for (const auto& name : lab::planted_bug_names()) {
    bool listed = name == "commit-old-term";
    for (const Budget& b : kBudgets) listed = listed || name == b.bug;
    EXPECT_TRUE(listed) << name << " has no detection budget";
  }
}

// Large values (every put its own MsgApp, old-term entries acknowledged alone): the
// correct code's commit rule and the etcd model hold under the same dense nemesis. A
// restarted member once answered new requests with its earlier incarnation's entries here
// (proposal IDs, docs/etcd-behaviour.md §9).
TEST(PlantedBugDetection, TheCorrectCodePassesTheLargeValueScenario) {
  const auto s = load(kLargeValues);
  ASSERT_TRUE(s);
  const lab::FuzzReport ok = sweep(s, kLargeValuesSeeds, {});
  EXPECT_EQ(ok.seeds_run, kLargeValuesSeeds);
  EXPECT_EQ(ok.failures, 0u) << "the correct code fails seeds " << ::testing::PrintToString(ok.failed_seeds);
  EXPECT_EQ(ok.build_errors, 0u);
}

using test::CliRun;
using test::cli;

TEST(PlantedBugDetection, FailureFileReplaysShrinksAndTheCorrectCodePassesIt) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("raftlab_lab_failure_{}", ::getpid());
  fs::remove_all(dir);
  const CliRun f = cli({"fuzz", kDetect, "--seeds", "10", "--plant-bug", "apply-before-commit", "--jobs", "2", "--quiet",
                        "--out", dir.string()});
  ASSERT_EQ(f.rc, 1) << f.out << f.err;
  std::string file;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json" && (file.empty() || e.path().string() < file)) file = e.path().string();
  ASSERT_FALSE(file.empty());
  std::string why;
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto header = lab::read_header(ss.str(), &why);
  ASSERT_TRUE(header) << why;
  EXPECT_EQ(header->planted_bugs, std::vector<std::string>{"apply-before-commit"});
  ASSERT_FALSE(header->trace_sha256.empty());
  EXPECT_TRUE(fs::exists(fs::path(file).replace_extension(".trace.jsonl")));
  EXPECT_TRUE(fs::exists(fs::path(file).replace_extension(".txt")));

  // Replay: the standalone file (explicit schedule, no budget) gives the fuzz run's hash.
  const CliRun r = cli({"replay", file});
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("trace_sha256=" + header->trace_sha256), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reproduced"), std::string::npos) << r.out;
  // The same schedule with the correct code passes.
  const CliRun good = cli({"replay", file, "--without-bugs"});
  EXPECT_EQ(good.rc, 0) << good.out << good.err;
  EXPECT_NE(good.out.find("PASS"), std::string::npos) << good.out;

  // Shrink: still fails the same checker, and nothing grew.
  const std::string min = (dir / "min.json").string();
  const CliRun sh = cli({"shrink", file, "--json", "--out", min});
  ASSERT_EQ(sh.rc, 1) << sh.out << sh.err;
  const auto j = nlohmann::json::parse(sh.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << sh.out;
  const std::string checker = j["checker"].get<std::string>();
  EXPECT_LE(j["faults_after"].get<int>(), j["faults_before"].get<int>());
  EXPECT_LT(j["faults_after"].get<int>(), j["faults_before"].get<int>()) << "shrink removed no fault: " << sh.out;
  const auto still = j["still_fails"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(still.begin(), still.end(), checker), still.end()) << sh.out;
  EXPECT_LE(fs::file_size(min), fs::file_size(file));
  const CliRun rm = cli({"replay", min});
  EXPECT_EQ(rm.rc, 1) << rm.out;
  EXPECT_NE(rm.out.find("reproduced"), std::string::npos) << rm.out;
  EXPECT_NE(rm.out.find(checker), std::string::npos) << rm.out;
  const CliRun rg = cli({"replay", min, "--without-bugs"});
  EXPECT_EQ(rg.rc, 0) << rg.out;
  if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace raftlab
