// Issue 24, memory: a run holds its whole trace (~200 bytes per simulation event, ~800 MiB
// per simulated hour of scenarios/lab/small.json: results/RELIABILITY.md). --max-events N
// bounds it: the run stops at the last event within N, says so, and is not a pass.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/common/cli_run.h"
#include "tools/cli.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;
using test::CliRun;
using test::cli;

const std::string kSmall = std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/lab/small.json";

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// small.json stretched to `seconds` of simulated time, faults and clients throughout.
std::string stretched_small(const fs::path& dir, int seconds) {
  std::string t = slurp(kSmall);
  auto sub = [&](const std::string& from, const std::string& to) {
    const size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
  };
  sub("\"duration\": \"14s\"", fmt::format("\"duration\": \"{}s\"", seconds));
  sub("\"end\": \"10s\"", fmt::format("\"end\": \"{}s\"", seconds - 4));
  sub("\"end\": \"12s\"", fmt::format("\"end\": \"{}s\"", seconds - 2));
  sub("\"at\": \"13s\"", fmt::format("\"at\": \"{}s\"", seconds - 1));
  const fs::path p = dir / fmt::format("small-{}s.json", seconds);
  std::ofstream(p) << t;
  return p.string();
}

// The N of the summary's "events=N" (no <regex>: GCC 12 warns inside it under ASan).
std::uint64_t events_of(const std::string& out) {
  const size_t at = out.rfind("events=");
  if (at == std::string::npos) return 0;
  std::uint64_t n = 0;
  for (size_t i = at + 7; i < out.size() && out[i] >= '0' && out[i] <= '9'; ++i) n = n * 10 + static_cast<unsigned>(out[i] - '0');
  return n;
}

class MaxEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("raftlab_maxev_{}_{}", ::getpid(), ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(MaxEvents, BadValuesAreExitTwo) {
  for (const std::string v : {"0", "000", "-5", "abc", "1.5", "18446744073709551616", ""}) {
    for (const std::string verb : {"run", "replay"}) {
      const CliRun r = cli({verb, kSmall, "--max-events", v});
      EXPECT_EQ(r.rc, tools::kExitBadInput) << verb << " " << v << "\n" << r.err << r.out;
      EXPECT_NE(r.err.find("--max-events"), std::string::npos) << verb << " " << v << "\n" << r.err;
    }
    const CliRun f = cli({"fuzz", kSmall, "--seeds", "1", "-q", "--max-events", v});
    EXPECT_EQ(f.rc, tools::kExitBadInput) << "fuzz " << v << "\n" << f.err;
  }
  EXPECT_NE(cli({"run", kSmall, "--max-events", "0"}).err.find("at least 1"), std::string::npos);
}

TEST_F(MaxEvents, AStoppedRunSaysSoAndIsNotAPass) {
  const CliRun r = cli({"run", kSmall, "--max-events", "5000"});
  EXPECT_EQ(r.rc, tools::kExitExpectationFailed) << r.err << r.out;
  EXPECT_NE(r.out.find("STOPPED: the run reached --max-events 5000 at "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("of its 14.000s and was stopped there; 1 expectation(s) after that were not judged"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(events_of(r.out), 5000u) << r.out;
  const CliRun j = cli({"run", kSmall, "--max-events", "5000", "--json"});
  EXPECT_EQ(j.rc, tools::kExitExpectationFailed);
  EXPECT_NE(j.out.find("\"stopped\": \"the run reached --max-events 5000"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"passed\": false"), std::string::npos) << j.out;
  // Deterministic: the same stop, the same trace.
  EXPECT_EQ(cli({"run", kSmall, "--max-events", "5000", "--json"}).out, j.out);
}

// A limit the run stays within changes nothing: same exit, same trace hash.
TEST_F(MaxEvents, ALimitNotReachedChangesNothing) {
  const CliRun plain = cli({"run", kSmall, "--json"});
  const CliRun limited = cli({"run", kSmall, "--json", "--max-events", "100000000"});
  EXPECT_EQ(plain.rc, tools::kExitOk) << plain.err;
  EXPECT_EQ(limited.rc, plain.rc);
  EXPECT_EQ(limited.out, plain.out);
}

TEST_F(MaxEvents, FuzzAndReplayReportTheStopAsAFailure) {
  const fs::path out = dir_ / "o";
  const CliRun f = cli({"fuzz", kSmall, "--seeds", "2", "-q", "--max-events", "3000", "--out", out.string()});
  EXPECT_EQ(f.rc, tools::kExitExpectationFailed) << f.err << f.out;
  EXPECT_NE(f.out.find("max_events"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("\n  max_events "), std::string::npos) << f.out;
  const CliRun r = cli({"replay", kSmall, "--max-events", "3000"});
  EXPECT_EQ(r.rc, tools::kExitExpectationFailed) << r.err << r.out;
  EXPECT_NE(r.out.find("the run reached --max-events 3000"), std::string::npos) << r.out;
}

// The point of the limit: a simulated hour of small.json peaks at ~800 MiB without it;
// with --max-events 100000 the run stops after ~30 s of simulated time and stays small.
TEST_F(MaxEvents, BoundsTheMemoryOfALongRun) {
  const std::string hour = stretched_small(dir_, 3600);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const CliRun r = cli({"run", hour, "--max-events", "100000"});
    ::_exit(r.rc == tools::kExitExpectationFailed && r.out.find("STOPPED: ") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  rusage ru{};
  ASSERT_EQ(::wait4(pid, &status, 0, &ru), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_LT(ru.ru_maxrss, 200 * 1024) << "peak RSS " << ru.ru_maxrss / 1024 << " MiB";
}

}  // namespace
}  // namespace raftlab
