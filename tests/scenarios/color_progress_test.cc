// Colour and progress on every verb (tools/color.h, tools/progress.h): colour only when
// asked or on a terminal, never with NO_COLOR under auto, never in JSON; the verdict words
// and roles coloured whole (a file name holding "leader" is left alone) without changing a
// line's visible width; progress on stderr only on a terminal or with --progress, never on
// stdout, so `--json` stays JSON Lines.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/common/cli_run.h"
#include "tools/cli.h"
#include "tools/color.h"
#include "tools/progress.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;
using test::cli;
using test::CliRun;

const fs::path kSource = RAFTLAB_SOURCE_DIR;
const fs::path kBinary = fs::path(RAFTLAB_BINARY_DIR) / "tools/raftlab";

std::string src(const std::string& rel) { return (kSource / rel).string(); }

std::string strip_escapes(const std::string& s) { return std::regex_replace(s, std::regex("\x1b\\[[0-9;]*[mK]"), ""); }

// Runs a shell command; stdout and stderr captured separately.
struct Shell {
  int rc = -1;
  std::string out, err;
};
Shell sh(const std::string& cmd) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("raftlab-colour-{}", ::getpid());
  fs::create_directories(dir);
  const std::string full = fmt::format("{} >{} 2>{}", cmd, (dir / "out").string(), (dir / "err").string());
  const int st = std::system(full.c_str());
  Shell r;
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  auto read = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = read(dir / "out");
  r.err = read(dir / "err");
  fs::remove_all(dir);
  return r;
}

// `script` (util-linux) gives the command a terminal: its stdout and stderr are a tty.
bool have_script() { return std::system("command -v script >/dev/null 2>&1") == 0; }
std::string on_terminal(const std::string& env, const std::string& cmd) {
  return sh(fmt::format("{} script -qec '{}' /dev/null", env, cmd)).out;
}

TEST(ColorLine, VerdictsRolesAndWarningsWholeWordsOnlyAndTheWidthKept) {
  const tools::Palette on{true};
  const std::string line = "  m1  leader  pre-candidate  candidate  PASS  FAIL  warning: x  every-node-leader.json  PASSED";
  const std::string c = tools::color_line(line, on);
  EXPECT_NE(c.find("\x1b[1;32mleader\x1b[0m"), std::string::npos) << c;
  EXPECT_NE(c.find("\x1b[36mpre-candidate\x1b[0m"), std::string::npos) << c;
  EXPECT_NE(c.find("\x1b[36mcandidate\x1b[0m"), std::string::npos) << c;
  EXPECT_NE(c.find("\x1b[32mPASS\x1b[0m"), std::string::npos) << c;
  EXPECT_NE(c.find("\x1b[1;31mFAIL\x1b[0m"), std::string::npos) << c;
  EXPECT_NE(c.find("\x1b[33mwarning:\x1b[0m"), std::string::npos) << c;
  EXPECT_NE(c.find("\x1b[32mPASSED\x1b[0m"), std::string::npos) << c;
  EXPECT_NE(c.find(" every-node-leader.json "), std::string::npos) << "a file name is not a role: " << c;
  EXPECT_EQ(strip_escapes(c), line) << "colour never changes what a line reads or how wide it is";
  EXPECT_EQ(tools::color_line(line, tools::Palette{false}), line);
  const std::string already = "\x1b[32mPASS\x1b[0m FAIL";
  EXPECT_EQ(tools::color_line(already, on), already) << "a line its verb coloured is left alone";
}

TEST(ColorLine, ColorLinesStreamsLineByLine) {
  std::ostringstream dest;
  {
    tools::ColorLines c(dest, tools::Palette{true});
    c.stream() << "seed 1: PASS\n";
    EXPECT_EQ(dest.str(), "seed 1: \x1b[32mPASS\x1b[0m\n") << "a whole line is written at once";
    c.stream() << "half";
    c.stream().flush();
    EXPECT_EQ(dest.str().substr(dest.str().size() - 4), "half") << "a flush writes a partial line";
  }
}

// Every verb takes --color; `always` colours its verdicts, `never` and (here, where the
// output is no terminal) `auto` do not, and JSON is never coloured.
TEST(ColorEveryVerb, AlwaysColoursNeverAndAutoDoNotJsonNever) {
  const std::string small = src("scenarios/lab/small.json");
  const std::string bug = src("scenarios/bitnami-2host/every-node-leader.json");
  const std::string fix = src("scenarios/bitnami-2host/static-bootstrap.json");
  struct Case {
    std::vector<std::string> args;
    std::string coloured;  // what --color always must colour
  };
  const std::vector<Case> cases = {
      {{"status", fix, "--at", "10s"}, "\x1b[1;32mLEADER\x1b[0m"},
      {{"compare", bug, fix}, "\x1b[32mOK\x1b[0m"},
      {{"replay", small}, "\x1b[32mPASS\x1b[0m"},
  };
  for (const auto& c : cases) {
    const std::string what = fmt::format("{}", fmt::join(c.args, " "));
    auto with = [&](const std::string& mode) {
      auto a = c.args;
      a.push_back("--color");
      a.push_back(mode);
      return cli(a);
    };
    const CliRun always = with("always");
    EXPECT_NE(always.out.find(c.coloured), std::string::npos) << what << ":\n" << always.out << always.err;
    const CliRun never = with("never");
    EXPECT_EQ(never.out.find('\x1b'), std::string::npos) << what;
    EXPECT_EQ(strip_escapes(always.out), never.out) << what << ": colour only adds escape codes";
    EXPECT_EQ(with("auto").out.find('\x1b'), std::string::npos) << what << ": auto with no terminal";
  }
  const CliRun sj = cli({"status", fix, "--at", "10s", "-w", "json", "--color", "always"});
  EXPECT_EQ(sj.out.find('\x1b'), std::string::npos) << sj.out;
  EXPECT_TRUE(nlohmann::json::parse(sj.out, nullptr, false).is_object()) << sj.out;
  const CliRun rj = cli({"replay", small, "--json", "--color", "always"});
  EXPECT_EQ(rj.out.find('\x1b'), std::string::npos) << rj.out;
  EXPECT_EQ(cli({"fuzz", small, "--seeds", "1", "--color", "sometimes"}).rc, tools::kExitBadInput);
  for (const char* verb : {"fuzz", "shrink", "replay", "orders", "merge", "diff", "bench", "experiment", "figure16",
                           "quorum-table", "report", "status", "compare", "run"}) {
    const CliRun h = cli({verb, "--help"});
    EXPECT_NE(h.out.find("--color"), std::string::npos) << verb << " --help:\n" << h.out;
  }
}

// Through a pipe the real binary prints no escape codes; on a terminal it colours, unless
// NO_COLOR is set (no-color.org), which wins over auto but not over --color always.
TEST(ColorEveryVerb, PipedIsPlainTerminalIsColouredNoColorWinsOverAuto) {
  ASSERT_TRUE(fs::exists(kBinary)) << kBinary << " is missing: build the raftlab target";
  const std::string cmd = fmt::format("{} status {} --at 10s", kBinary.string(), src("scenarios/bitnami-2host/static-bootstrap.json"));
  const Shell piped = sh(cmd);
  ASSERT_EQ(piped.rc, 0) << piped.err;
  EXPECT_NE(piped.out.find("IS LEADER"), std::string::npos) << piped.out;
  EXPECT_EQ(piped.out.find('\x1b'), std::string::npos) << piped.out;
  if (!have_script()) GTEST_SKIP() << "util-linux `script` is not installed: the terminal half is not checked";
  EXPECT_NE(on_terminal("", cmd).find("\x1b[1;32mLEADER"), std::string::npos) << on_terminal("", cmd);
  EXPECT_EQ(on_terminal("NO_COLOR=1", cmd).find("\x1b["), std::string::npos) << on_terminal("NO_COLOR=1", cmd);
  EXPECT_NE(on_terminal("NO_COLOR=1", cmd + " --color always").find("\x1b[1;32mLEADER"), std::string::npos);
}

TEST(Progress, OnlyOnATerminalOrWithProgressNeverWithQuietOrAStringStream) {
  using tools::ProgressFlags;
  using tools::progress_mode;
  EXPECT_FALSE(progress_mode(ProgressFlags{}, std::cerr, false).on) << "piped, no --progress";
  EXPECT_TRUE(progress_mode(ProgressFlags{}, std::cerr, true).on);
  EXPECT_TRUE(progress_mode(ProgressFlags{}, std::cerr, true).tty);
  EXPECT_TRUE(progress_mode(ProgressFlags{true, false}, std::cerr, false).on) << "--progress";
  EXPECT_FALSE(progress_mode(ProgressFlags{true, false}, std::cerr, false).tty);
  EXPECT_FALSE(progress_mode(ProgressFlags{true, true}, std::cerr, true).on) << "--quiet wins";
  std::ostringstream s;
  EXPECT_FALSE(progress_mode(ProgressFlags{true, false}, s, true).on) << "not the process's stderr";
}

TEST(Progress, LineRedrawnOnATerminalAndAHeartbeatForASilentStep) {
  std::ostringstream tty;
  {
    tools::ProgressLine p(tty, tools::ProgressMode{true, true}, "raftlab x");
    p.update("1 of 3");
    p.update("2 of 3");  // within 0.2 s: not drawn
    p.clear();
  }
  EXPECT_EQ(tty.str(), "\r\x1b[Kraftlab x: 1 of 3\r\x1b[K");
  std::ostringstream log;
  {
    tools::ProgressLine p(log, tools::ProgressMode{true, false}, "raftlab orders");
    tools::Heartbeat beat(p, [](double s) { return fmt::format("{:.0f} s", s); });
    std::this_thread::sleep_for(std::chrono::milliseconds(1400));
  }
  EXPECT_EQ(log.str(), "raftlab orders: 1 s\n") << "the first beat after 1 s, then every 5 s without a terminal";
  std::ostringstream quick;
  {
    tools::ProgressLine p(quick, tools::ProgressMode{true, false}, "raftlab orders");
    tools::Heartbeat beat(p, [](double) { return std::string("x"); });
  }
  EXPECT_EQ(quick.str(), "") << "a step shorter than 1 s shows nothing";
}

// The binary's fuzz and experiment: no progress on a pipe without --progress; with it the
// lines are on stderr and stdout stays JSON Lines.
TEST(Progress, ToStderrOnlyWithProgressWhenPipedAndNeverIntoJson) {
  ASSERT_TRUE(fs::exists(kBinary)) << kBinary << " is missing: build the raftlab target";
  const fs::path out = fs::temp_directory_path() / fmt::format("raftlab-progress-{}", ::getpid());
  const std::string fuzz = fmt::format("{} fuzz {} --seeds 4 --jobs 1 --json --out {}", kBinary.string(),
                                       src("scenarios/lab/small.json"), out.string());
  const std::string exp = fmt::format("{} experiment {} --seeds 2 --jobs 1 --json", kBinary.string(),
                                      src("scenarios/experiments/2host-lose-host-a.json"));
  for (const std::string& cmd : {fuzz, exp}) {
    const Shell plain = sh(cmd);
    EXPECT_EQ(plain.err.find("seeds"), std::string::npos) << cmd << "\n" << plain.err;
    const Shell with = sh(cmd + " --progress");
    EXPECT_NE(with.err.find(": 0/"), std::string::npos) << cmd << " --progress\n" << with.err;
    std::istringstream lines(with.out);
    std::string l;
    int n = 0;
    while (std::getline(lines, l)) {
      EXPECT_TRUE(nlohmann::json::parse(l, nullptr, false).is_object()) << cmd << ": not JSON: " << l;
      ++n;
    }
    EXPECT_GE(n, 2) << with.out;
  }
  fs::remove_all(out);
}

}  // namespace
}  // namespace raftlab
