// The fault lab's verbs (tools/lab_cli.cc, sim/lab/): fuzz results do not depend on
// --jobs; shards merged equal the unsharded sweep (in process and through GNU parallel
// with the real binary); replay reproduces a run's hash; shrink keeps failing and never
// grows; orders on a small scenario; bad input is exit 2.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/lab/lab.h"
#include "sim/lab/orders.h"
#include "sim/lab/shrink.h"
#include "sim/scenario/loader.h"
#include "tests/common/cli_run.h"
#include "tools/cli.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = RAFTLAB_SOURCE_DIR;
const fs::path kBinary = fs::path(RAFTLAB_BINARY_DIR) / "tools/raftlab";
const std::string kThree = (kSource / "tests/lab/data/three.json").string();
const std::string kSplit = (kSource / "tests/lab/data/three-split.json").string();

using test::CliRun;
using test::cli;

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) v.push_back(l);
  return v;
}

// The per-seed lines of `fuzz --json` output (everything but the summary).
std::vector<std::string> seed_lines(const std::string& s) {
  std::vector<std::string> v;
  for (const auto& l : lines(s))
    if (l.find("\"summary\":true") == std::string::npos) v.push_back(l);
  return v;
}

nlohmann::json summary_of(const std::string& s) {
  auto ls = lines(s);
  if (ls.empty()) return {};
  return nlohmann::json::parse(ls.back(), nullptr, false);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& p, const std::string& t) {
  std::ofstream f(p, std::ios::binary);
  f << t;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class Lab : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("raftlab_lab_{}_{}", ::getpid(), ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!HasFailure()) fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

// ---- fuzz ----

TEST_F(Lab, FuzzPerSeedResultsDoNotDependOnJobs) {
  const std::string out = (dir_ / "out").string();
  const CliRun one = cli({"fuzz", kThree, "--seeds", "24", "--first-seed", "5", "--jobs", "1", "--json", "-q", "--out", out});
  const CliRun two = cli({"fuzz", kThree, "--seeds", "24", "--first-seed", "5", "--jobs", "2", "--json", "-q", "--out", out});
  const CliRun three = cli({"fuzz", kThree, "--seeds", "24", "--first-seed", "5", "--jobs", "3", "--json", "-q", "--out", out});
  ASSERT_TRUE(one.rc == 0 || one.rc == 1) << one.err;
  EXPECT_EQ(one.rc, two.rc);
  const auto a = seed_lines(one.out);
  ASSERT_EQ(a.size(), 24u) << one.out;
  EXPECT_EQ(a, seed_lines(two.out));
  EXPECT_EQ(a, seed_lines(three.out));
  // Ordered by seed, each seed once, and the seeds differ (the seed reaches the run).
  std::set<std::string> hashes;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto j = nlohmann::json::parse(a[i]);
    EXPECT_EQ(j["seed"].get<std::uint64_t>(), 5 + i);
    hashes.insert(j["trace_sha256"].get<std::string>());
  }
  EXPECT_GT(hashes.size(), 20u);
  const auto s = summary_of(two.out);
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["seeds_run"], 24);
  EXPECT_EQ(s["jobs"], 2);
  EXPECT_TRUE(s.contains("seeds_per_s"));
}

// With a planted bug that makes raft abort (a "crash" failure in a worker process), the
// per-seed lines still do not depend on --jobs, and the sweep goes on past the crash.
TEST_F(Lab, CrashingSeedsDoNotDependOnJobs) {
  const std::string detect = (kSource / "tests/lab/data/detect.json").string();
  std::vector<std::string> seen;
  for (const char* j : {"1", "2"}) {
    const CliRun r = cli({"fuzz", detect, "--seeds", "12", "--plant-bug", "vote-without-log-check", "--jobs", j, "--json", "-q",
                          "--out", (dir_ / "out").string()});
    ASSERT_EQ(r.rc, 1) << r.out << r.err;
    std::string lines;
    for (const auto& l : seed_lines(r.out)) lines += l + "\n";
    seen.push_back(lines);
    EXPECT_EQ(seed_lines(r.out).size(), 12u);
    EXPECT_NE(r.out.find("\"crash\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("assertion failed"), std::string::npos) << r.out;
  }
  EXPECT_EQ(seen[0], seen[1]);
}

TEST_F(Lab, ShardsMergedEqualTheUnshardedSweep) {
  const CliRun all = cli({"fuzz", kThree, "--seeds", "30", "--json", "-q", "-j", "2", "--out", (dir_ / "o").string()});
  ASSERT_TRUE(all.rc == 0 || all.rc == 1) << all.err;
  std::vector<std::string> files, union_lines;
  for (int k = 1; k <= 4; ++k) {
    const CliRun sh = cli({"fuzz", kThree, "--seeds", "30", "--shard", fmt::format("{}/4", k), "--json", "-q", "-j", "1",
                            "--out", (dir_ / "o").string()});
    ASSERT_TRUE(sh.rc == 0 || sh.rc == 1) << sh.err;
    for (const auto& l : seed_lines(sh.out)) {
      EXPECT_EQ(nlohmann::json::parse(l)["seed"].get<std::uint64_t>() % 4, static_cast<std::uint64_t>(k - 1));
      union_lines.push_back(l);
    }
    const fs::path f = dir_ / fmt::format("shard-{}.jsonl", k);
    write_text(f, sh.out);
    files.push_back(f.string());
  }
  auto by_seed = [](const std::string& x, const std::string& y) {
    return nlohmann::json::parse(x)["seed"].get<std::uint64_t>() < nlohmann::json::parse(y)["seed"].get<std::uint64_t>();
  };
  std::sort(union_lines.begin(), union_lines.end(), by_seed);
  EXPECT_EQ(union_lines, seed_lines(all.out));

  std::vector<std::string> args = {"merge", "--json"};
  args.insert(args.end(), files.begin(), files.end());
  const CliRun m = cli(args);
  EXPECT_EQ(m.rc, all.rc) << m.out << m.err;
  const auto mj = nlohmann::json::parse(m.out, nullptr, false);
  const auto aj = summary_of(all.out);
  ASSERT_TRUE(mj.is_object()) << m.out;
  EXPECT_EQ(mj["complete"], true);
  EXPECT_EQ(mj["seeds_run"], aj["seeds_run"]);
  EXPECT_EQ(mj["failures"], aj["failures"]);
  EXPECT_EQ(mj["failed_seeds"], aj["failed_seeds"]);
  EXPECT_EQ(mj["failures_by_checker"], aj["failures_by_checker"]);

  // A missing shard and a shard given twice are both found.
  const CliRun missing = cli({"merge", files[0], files[1], files[3]});
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.out.find("missing"), std::string::npos) << missing.out;
  const CliRun twice = cli({"merge", files[0], files[1], files[2], files[3], files[2]});
  EXPECT_EQ(twice.rc, 1);
  EXPECT_NE(twice.out.find("more than one shard"), std::string::npos) << twice.out;
}

// The documented GNU parallel invocation (docs/fault-lab.md), with the real binary.
TEST_F(Lab, GnuParallelShardsMergeToTheUnshardedSweep) {
  ASSERT_TRUE(fs::exists(kBinary)) << kBinary << " is missing: build the raftlab target";
  ASSERT_EQ(std::system("command -v parallel >/dev/null 2>&1"), 0)
      << "GNU parallel is not installed: run scripts/deps.sh (Debian package `parallel`)";
  const std::string cmd = fmt::format(
      "cd {} && parallel --will-cite --halt now,fail=1 -j 2 "
      "'{} fuzz {} --seeds 30 --shard {{}}/3 --json --quiet --jobs 1 --out failures > shard-{{}}.jsonl; "
      "test $? -le 1' ::: 1 2 3 && {} merge --json shard-1.jsonl shard-2.jsonl shard-3.jsonl > merged.json",
      shell_quote(dir_.string()), shell_quote(kBinary.string()), shell_quote(kThree), shell_quote(kBinary.string()));
  const int st = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(st)) << cmd;
  EXPECT_LE(WEXITSTATUS(st), 1) << cmd;
  const auto mj = nlohmann::json::parse(read_text(dir_ / "merged.json"), nullptr, false);
  ASSERT_TRUE(mj.is_object()) << read_text(dir_ / "merged.json");
  const CliRun all = cli({"fuzz", kThree, "--seeds", "30", "--json", "-q", "--out", (dir_ / "o").string()});
  const auto aj = summary_of(all.out);
  EXPECT_EQ(mj["complete"], true);
  EXPECT_EQ(mj["seeds_run"], 30);
  EXPECT_EQ(mj["failed_seeds"], aj["failed_seeds"]);
  // Each shard's per-seed lines equal the in-process sweep's lines for those seeds.
  std::vector<std::string> union_lines;
  for (int k = 1; k <= 3; ++k)
    for (const auto& l : seed_lines(read_text(dir_ / fmt::format("shard-{}.jsonl", k)))) union_lines.push_back(l);
  std::sort(union_lines.begin(), union_lines.end(), [](const std::string& x, const std::string& y) {
    return nlohmann::json::parse(x)["seed"].get<std::uint64_t>() < nlohmann::json::parse(y)["seed"].get<std::uint64_t>();
  });
  EXPECT_EQ(union_lines, seed_lines(all.out));
}

// The library's two ways to run a sweep (worker processes, threads) give the same
// results, in seed order, for every job count.
TEST(LabFuzz, ThreadsAndProcessesGiveTheSameResults) {
  auto lr = scenario::load_file(kThree);
  ASSERT_TRUE(lr.ok());
  const auto s = std::make_shared<const scenario::Scenario>(std::move(*lr.scenario));
  auto sweep = [&](bool isolate, unsigned jobs) {
    lab::FuzzOptions o;
    o.set = lab::SeedSet{3, 10, 1, 1};
    o.jobs = jobs;
    o.isolate = isolate;
    std::vector<std::string> lines;
    const auto rep = lab::fuzz(s, o, [&](const lab::SeedResult& r) { lines.push_back(lab::seed_json(r).dump()); }, nullptr);
    EXPECT_EQ(rep.seeds_run, 10u);
    return lines;
  };
  const auto base = sweep(true, 1);
  ASSERT_EQ(base.size(), 10u);
  EXPECT_EQ(base, sweep(true, 3));
  EXPECT_EQ(base, sweep(false, 1));
  EXPECT_EQ(base, sweep(false, 3));
  for (size_t i = 0; i < base.size(); ++i) EXPECT_EQ(nlohmann::json::parse(base[i])["seed"], 3 + i);
}

TEST(LabSeeds, ShardsPartitionTheRange) {
  for (std::uint64_t first : {1, 2, 7}) {
    std::vector<std::uint64_t> all;
    for (std::uint64_t k = 1; k <= 5; ++k) {
      lab::SeedSet s{first, 23, k, 5};
      for (auto x : s.list()) {
        EXPECT_TRUE(s.contains(x));
        all.push_back(x);
      }
    }
    std::sort(all.begin(), all.end());
    ASSERT_EQ(all.size(), 23u);
    for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], first + i);
  }
}

// ---- replay ----

TEST_F(Lab, ReplayReproducesTheFuzzHash) {
  const CliRun f = cli({"fuzz", kThree, "--seeds", "3", "--first-seed", "11", "--json", "-q", "--out", (dir_ / "o").string()});
  ASSERT_TRUE(f.rc == 0 || f.rc == 1) << f.err;
  for (const auto& l : seed_lines(f.out)) {
    const auto j = nlohmann::json::parse(l);
    const std::string seed = std::to_string(j["seed"].get<std::uint64_t>());
    const std::string hash = j["trace_sha256"].get<std::string>();
    const CliRun r = cli({"replay", kThree, "--seed", seed, "--expect-hash", hash});
    EXPECT_EQ(r.rc, j["ok"].get<bool>() ? 0 : 1) << r.out << r.err;
    EXPECT_NE(r.out.find("trace_sha256=" + hash), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("reproduced"), std::string::npos) << r.out;
    const CliRun wrong = cli({"replay", kThree, "--seed", seed, "--expect-hash", std::string(64, '0')});
    EXPECT_EQ(wrong.rc, 1);
    EXPECT_NE(wrong.out.find("DIFFERENT"), std::string::npos) << wrong.out;
  }
}

// A scenario with a nemesis budget: `replay SCENARIO --seed N` materializes seed N's
// schedule and gives the hash of that seed's fuzz line.
TEST_F(Lab, ReplayOfABudgetScenarioGivesTheFuzzHash) {
  const std::string detect = (kSource / "tests/lab/data/detect.json").string();
  const CliRun f = cli({"fuzz", detect, "--seeds", "2", "--first-seed", "4", "--json", "-q", "--out", (dir_ / "o").string()});
  ASSERT_TRUE(f.rc == 0 || f.rc == 1) << f.err;
  for (const auto& l : seed_lines(f.out)) {
    const auto j = nlohmann::json::parse(l);
    const std::string seed = std::to_string(j["seed"].get<std::uint64_t>());
    const CliRun r = cli({"replay", detect, "--seed", seed, "--expect-hash", j["trace_sha256"].get<std::string>()});
    EXPECT_EQ(r.rc, j["ok"].get<bool>() ? 0 : 1) << r.out << r.err;
    EXPECT_NE(r.out.find("reproduced"), std::string::npos) << r.out;
  }
}

// --hash fp64: passing seeds carry a 64-bit trace_fp instead of the SHA-256; failing seeds
// keep their trace_sha256 (failure file, replay) and get a trace_fp too. The lines still
// do not depend on --jobs, replay --expect-hash FP reproduces a fingerprint, and merge
// finds a seed whose fingerprints differ between shards.
TEST_F(Lab, FuzzFingerprintLinesReplayAndMerge) {
  const std::string detect = (kSource / "tests/lab/data/detect.json").string();
  const std::string out = (dir_ / "out").string();
  auto sweep = [&](const char* jobs) {
    return cli({"fuzz", detect, "--seeds", "8", "--json", "-q", "--hash", "fp64", "--plant-bug", "apply-before-commit",
                "--jobs", jobs, "--out", out});
  };
  const CliRun one = sweep("1"), two = sweep("2");
  ASSERT_TRUE(one.rc == 0 || one.rc == 1) << one.err;
  const auto a = seed_lines(one.out);
  ASSERT_EQ(a.size(), 8u) << one.out;
  EXPECT_EQ(a, seed_lines(two.out));
  int passing = 0, failing = 0;
  std::string passing_line;
  for (const auto& l : a) {
    const auto j = nlohmann::json::parse(l);
    ASSERT_TRUE(j.contains("trace_fp")) << l;
    const std::string fp = j["trace_fp"].get<std::string>();
    EXPECT_EQ(fp.size(), 16u) << l;
    const std::string seed = std::to_string(j["seed"].get<std::uint64_t>());
    if (j["ok"].get<bool>()) {
      ++passing;
      EXPECT_FALSE(j.contains("trace_sha256")) << l;
      if (passing_line.empty()) passing_line = l;
      const CliRun r = cli({"replay", detect, "--seed", seed, "--plant-bug", "apply-before-commit", "--expect-hash", fp});
      EXPECT_EQ(r.rc, 0) << r.out << r.err;
      EXPECT_NE(r.out.find("reproduced"), std::string::npos) << r.out;
      EXPECT_NE(r.out.find("trace_fp=" + fp), std::string::npos) << r.out;
      const CliRun wrong =
          cli({"replay", detect, "--seed", seed, "--plant-bug", "apply-before-commit", "--expect-hash", std::string(16, '0')});
      EXPECT_EQ(wrong.rc, 1);
      EXPECT_NE(wrong.out.find("DIFFERENT: expected trace_fp="), std::string::npos) << wrong.out;
    } else {
      ++failing;
      const std::string sha = j["trace_sha256"].get<std::string>();
      EXPECT_EQ(sha.size(), 64u) << l;
      // The failure file's header holds the same SHA-256, and replay reproduces it.
      const CliRun r = cli({"replay", j["failure_file"].get<std::string>()});
      EXPECT_EQ(r.rc, 1) << r.out << r.err;
      EXPECT_NE(r.out.find("trace_sha256=" + sha), std::string::npos) << r.out;
      EXPECT_NE(r.out.find("reproduced"), std::string::npos) << r.out;
    }
  }
  EXPECT_GT(passing, 0);
  EXPECT_GT(failing, 0);
  // Merge: the same sweep twice overlaps without conflicts; an edited fingerprint conflicts.
  const fs::path f1 = dir_ / "a.jsonl", f2 = dir_ / "b.jsonl";
  write_text(f1, one.out);
  const CliRun same = cli({"merge", f1.string(), f1.string()});
  EXPECT_EQ(same.out.find("different results"), std::string::npos) << same.out;
  std::string edited = one.out;
  const std::string fp = nlohmann::json::parse(passing_line)["trace_fp"].get<std::string>();
  const auto at = edited.find(fp);
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, fp.size(), fp == std::string(16, '1') ? std::string(16, '2') : std::string(16, '1'));
  write_text(f2, edited);
  const CliRun m = cli({"merge", f1.string(), f2.string()});
  EXPECT_EQ(m.rc, 1);
  EXPECT_NE(m.out.find("different results"), std::string::npos) << m.out;
}

// --hash none (issue 26): the sweep's verdicts without the per-seed SHA-256 a passing
// seed's line would carry (what `raftlab bench W5` measures). Every seed has the same
// verdict, checkers and event count as with the default hash; a passing line has no hash,
// a failing one keeps the same trace_sha256 (its failure file and replay need it).
TEST_F(Lab, FuzzHashNoneKeepsTheVerdictsWithoutPassingHashes) {
  const std::string detect = (kSource / "tests/lab/data/detect.json").string();
  const std::string out = (dir_ / "out").string();
  auto sweep = [&](const char* hash) {
    return cli({"fuzz", detect, "--seeds", "8", "--json", "-q", "--hash", hash, "--plant-bug", "apply-before-commit",
                "--jobs", "1", "--out", out});
  };
  const CliRun sha = sweep("sha256"), none = sweep("none");
  ASSERT_TRUE(none.rc == 0 || none.rc == 1) << none.err;
  EXPECT_EQ(none.rc, sha.rc);
  const auto a = seed_lines(sha.out), b = seed_lines(none.out);
  ASSERT_EQ(b.size(), 8u) << none.out;
  ASSERT_EQ(a.size(), b.size());
  int passing = 0, failing = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto x = nlohmann::json::parse(a[i]), y = nlohmann::json::parse(b[i]);
    EXPECT_EQ(y["seed"], x["seed"]);
    EXPECT_EQ(y["ok"], x["ok"]);
    EXPECT_EQ(y["events"], x["events"]);
    EXPECT_EQ(y.value("checkers", nlohmann::json::array()), x.value("checkers", nlohmann::json::array()));
    EXPECT_FALSE(y.contains("trace_fp")) << b[i];
    if (y["ok"].get<bool>()) {
      ++passing;
      EXPECT_FALSE(y.contains("trace_sha256")) << b[i];
    } else {
      ++failing;
      EXPECT_EQ(y["trace_sha256"], x["trace_sha256"]) << b[i];
    }
  }
  EXPECT_GT(passing, 0);
  EXPECT_GT(failing, 0);
  EXPECT_EQ(summary_of(none.out)["failed_seeds"], summary_of(sha.out)["failed_seeds"]);
}

TEST(LabFingerprint, EveryFieldCounts) {
  sim::TraceEvent e;
  e.at = sim::Time{12345};
  e.kind = sim::Ev::Apply;
  e.who = "etcd1";
  e.member_id = 1;
  e.cluster_id = 2;
  e.term = 3;
  e.index = 4;
  e.peer = 5;
  e.a = "normal:0123456789abcdef";
  e.b = "put k";
  e.c = "v";
  const std::vector<sim::TraceEvent> base(3, e);
  const std::uint64_t fp = lab::trace_fingerprint(base);
  EXPECT_EQ(fp, lab::trace_fingerprint(std::vector<sim::TraceEvent>(3, e)));
  EXPECT_EQ(lab::fingerprint_hex(fp).size(), 16u);
  std::vector<std::function<void(sim::TraceEvent&)>> edits = {
      [](sim::TraceEvent& x) { x.at = sim::Time{12346}; },  [](sim::TraceEvent& x) { x.kind = sim::Ev::Append; },
      [](sim::TraceEvent& x) { x.who = "etcd2"; },          [](sim::TraceEvent& x) { x.member_id = 9; },
      [](sim::TraceEvent& x) { x.cluster_id = 9; },         [](sim::TraceEvent& x) { x.term = 9; },
      [](sim::TraceEvent& x) { x.index = 9; },              [](sim::TraceEvent& x) { x.peer = 9; },
      [](sim::TraceEvent& x) { x.a.push_back('0'); },               [](sim::TraceEvent& x) { x.b = "put "; },
      [](sim::TraceEvent& x) { x.c.clear(); },              [](sim::TraceEvent& x) { x.a.pop_back(); }};
  for (std::size_t i = 0; i < edits.size(); ++i) {
    auto v = base;
    edits[i](v[1]);
    EXPECT_NE(lab::trace_fingerprint(v), fp) << "edit " << i;
  }
  // Moving text from one field to the next is a different trace too (lengths are hashed).
  auto moved = base;
  moved[0].b = "put";
  moved[0].c = " kv";
  EXPECT_NE(lab::trace_fingerprint(moved), fp);
  EXPECT_NE(lab::trace_fingerprint(std::vector<sim::TraceEvent>(2, e)), fp);
}

TEST(LabHeader, RoundTrips) {
  lab::FailureHeader h;
  h.seed = 42;
  h.trace_sha256 = "abc";
  h.checkers = {"election_safety"};
  h.planted_bugs = {"x"};
  h.scenario = "s";
  const std::string text = lab::header_line(h) + "{\"name\": \"s\"}\n";
  std::string why;
  const auto back = lab::read_header(text, &why);
  ASSERT_TRUE(back) << why;
  EXPECT_EQ(back->seed, 42u);
  EXPECT_EQ(back->trace_sha256, "abc");
  EXPECT_EQ(back->checkers, h.checkers);
  EXPECT_EQ(back->planted_bugs, h.planted_bugs);
  EXPECT_FALSE(lab::read_header("// raftlab-lab {not json\n", &why));
  EXPECT_FALSE(why.empty());
  EXPECT_FALSE(lab::read_header("{}", &why));
  EXPECT_TRUE(why.empty());
}

// ---- shrink ----

TEST(LabDdmin, FindsTheMinimalFailingSubset) {
  // Fails iff items 3 and 11 are both present.
  unsigned calls = 0;
  auto fails = [&](const std::vector<std::size_t>& idx) {
    ++calls;
    return std::count(idx.begin(), idx.end(), 3u) && std::count(idx.begin(), idx.end(), 11u);
  };
  const auto r = lab::ddmin(16, fails, [] { return true; });
  EXPECT_EQ(r, (std::vector<std::size_t>{3, 11}));
  EXPECT_LT(calls, 100u);
  // A single culprit, and "fails with nothing": the empty set.
  EXPECT_EQ(lab::ddmin(9, [](const auto& idx) { return std::count(idx.begin(), idx.end(), 8u) > 0; }, [] { return true; }),
            (std::vector<std::size_t>{8}));
  EXPECT_TRUE(lab::ddmin(5, [](const auto&) { return true; }, [] { return true; }).empty());
  // The budget stops it (and what it returns still fails).
  unsigned budget = 3;
  const auto b = lab::ddmin(16, fails, [&] { return budget-- > 0; });
  EXPECT_TRUE(fails(b));
}

// ---- orders ----

TEST(LabOrders, RewritesOnlyTheFirstStarts) {
  auto lr = scenario::load_file(kThree);
  ASSERT_TRUE(lr.ok());
  lab::OrdersOptions o;
  const auto s = lab::with_start_order(*lr.scenario, {"etcd3", "etcd1", "etcd2"}, lab::GapClass::kBeyond, o);
  std::vector<std::pair<std::int64_t, std::string>> starts;
  for (const auto& t : s.timeline)
    if (const auto* p = std::get_if<scenario::ProcessAction>(&t.action); p && p->op == scenario::ProcessOp::kStart)
      for (const auto& m : p->members) starts.emplace_back(t.at_ns, m);
  // The three rewritten first starts 2 s apart, then the file's two restarts (7 s, 9.5 s).
  const std::vector<std::pair<std::int64_t, std::string>> want = {
      {0, "etcd3"}, {2'000'000'000, "etcd1"}, {4'000'000'000, "etcd2"}, {7'000'000'000, "etcd2"}, {9'500'000'000, "etcd3"}};
  EXPECT_EQ(starts, want);
  EXPECT_TRUE(s.expect.empty());
  EXPECT_EQ(s.timeline.size(), lr.scenario->timeline.size() + 2);
  for (size_t i = 1; i < s.timeline.size(); ++i) EXPECT_LE(s.timeline[i - 1].at_ns, s.timeline[i].at_ns);
  const auto m = lab::with_start_order(*lr.scenario, {"etcd3", "etcd1", "etcd2"}, lab::GapClass::kMissing, o);
  size_t first_starts = 0;
  for (const auto& t : m.timeline)
    if (const auto* p = std::get_if<scenario::ProcessAction>(&t.action); p && p->op == scenario::ProcessOp::kStart && t.at_ns == 0)
      first_starts += p->members.size();
  EXPECT_EQ(first_starts, 2u);
}

TEST(LabOrders, TableOnThreeMembers) {
  const CliRun r = cli({"orders", kThree, "--jobs", "2"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("3 members started"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("6 orders × 4 gap classes = 24 runs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("No order or gap gives a split"), std::string::npos) << r.out;
  const CliRun j = cli({"orders", kThree, "--json", "--jobs", "1"});
  ASSERT_EQ(j.rc, 0) << j.err;
  const auto doc = nlohmann::json::parse(j.out);
  ASSERT_EQ(doc["runs"].size(), 24u);
  // Same runs whatever the thread count.
  const CliRun j2 = cli({"orders", kThree, "--json", "--jobs", "3"});
  EXPECT_EQ(j.out, j2.out);
  for (const auto& run : doc["runs"]) {
    EXPECT_EQ(run["clusters"], 1) << run.dump();
    EXPECT_EQ(run["clusters_seen"], 1) << run.dump();
    // Two of three (one never started) still elect a leader: quorum holds.
    EXPECT_FALSE(run["first_leader"].is_null()) << run.dump();
  }
  // Every member started alone with only itself in --initial-cluster: every order splits.
  const CliRun s = cli({"orders", kSplit, "--gaps", "together", "missing"});
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_NE(s.out.find("Splits (more than one cluster)"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("together (6 orders, 3 clusters): every order"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("missing (6 orders, 2 clusters): every order"), std::string::npos) << s.out;
}

// ---- bad input ----

TEST_F(Lab, BadInputIsExitTwoWithAMessage) {
  const std::string garbage = (dir_ / "garbage.jsonl").string();
  write_text(garbage, "not json\n");
  const std::string nostart = (dir_ / "nostart.json").string();
  write_text(nostart, R"({"name": "no-start", "description": "d", "hosts": [{"name": "A", "ip": "10.0.0.1"}],
    "members": [{"name": "etcd1", "host": "A", "flags": "etcd --name etcd1"}], "timeline": [{"at": "1s", "note": "x"}]})");
  const std::string notdir = (dir_ / "file").string();
  write_text(notdir, "x");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"fuzz", kThree}, "--seeds"},
      {{"fuzz", "--seeds", "3"}, "give a scenario"},
      {{"fuzz", kThree, "--seeds", "0"}, "--seeds 0"},
      {{"fuzz", kThree, "--seeds", "100000001"}, "--seeds"},
      {{"fuzz", kThree, "--seeds", "-3"}, "seeds"},
      {{"fuzz", kThree, "--seeds", "10", "--shard", "0/3"}, "--shard"},
      {{"fuzz", kThree, "--seeds", "10", "--shard", "4/3"}, "--shard"},
      {{"fuzz", kThree, "--seeds", "10", "--shard", "1/3x"}, "--shard"},
      {{"fuzz", kThree, "--seeds", "10", "--jobs", "100000"}, "--jobs"},
      {{"fuzz", kThree, "--seeds", "10", "--plant-bug", "no-such-bug"}, "no-such-bug"},
      {{"fuzz", kThree, "--seeds", "10", "--trace-level", "off"}, "trace-level"},
      {{"fuzz", kThree, "--seeds", "10", "--out", notdir}, "not a directory"},
      {{"fuzz", kThree, "--seeds", "10", "--first-seed", "18446744073709551615"}, "overflows"},
      {{"fuzz", (dir_ / "missing.json").string(), "--seeds", "3"}, "missing.json"},
      {{"replay", (dir_ / "missing.json").string()}, "missing.json"},
      {{"shrink", kThree}, "does not fail"},
      {{"orders", nostart}, "starts no member"},
      {{"orders", kThree, "--gaps", "sometimes"}, "sometimes"},
      {{"orders", kThree, "--election-timeout", "soon"}, "--election-timeout"},
      {{"merge", garbage}, "garbage.jsonl:1"},
      {{"merge", (dir_ / "none.jsonl").string()}, "none.jsonl"},
  };
  for (const auto& [args, needle] : cases) {
    const CliRun r = cli(args);
    EXPECT_EQ(r.rc, 2) << fmt::format("{}", fmt::join(args, " ")) << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << fmt::format("{}", fmt::join(args, " ")) << "\n" << r.err;
  }
}

}  // namespace
}  // namespace raftlab
