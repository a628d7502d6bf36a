// Issue 24, output files: every file raftlab writes for the user (run --trace, fuzz
// failure files, shrink results) is all there or not there. A full disk is simulated with
// RLIMIT_FSIZE in a forked child (a write past the limit fails with EFBIG, SIGXFSZ
// ignored), so the test needs no root and no tmpfs.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/lab/atomic_file.h"
#include "sim/scenario/loader.h"
#include "tests/common/cli_run.h"
#include "tools/cli.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;
using test::CliRun;
using test::cli;

const std::string kThree = std::string(RAFTLAB_SOURCE_DIR) + "/tests/lab/data/three.json";
const std::string kDetect = std::string(RAFTLAB_SOURCE_DIR) + "/tests/lab/data/detect.json";

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs fn in a child whose files may not grow past limit bytes; returns what fn returned
// (its exit code) and the text it put in *said (through a pipe: pipes have no size limit).
int with_file_size_limit(rlim_t limit, const std::function<int(std::string*)>& fn, std::string* said) {
  int p[2];
  if (::pipe(p) != 0) return -1;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit rl{limit, limit};
    ::setrlimit(RLIMIT_FSIZE, &rl);
    std::string text;
    const int rc = fn(&text);
    size_t off = 0;
    while (off < text.size()) {
      const ssize_t n = ::write(p[1], text.data() + off, text.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::_exit(rc);
  }
  ::close(p[1]);
  said->clear();
  char buf[4096];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) said->append(buf, static_cast<size_t>(n));
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class AtomicOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("raftlab_atomic_{}_{}", ::getpid(), ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Names of files in d that are temporaries of write_file_atomic.
  static std::vector<std::string> temporaries(const fs::path& d) {
    std::vector<std::string> t;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().filename().string().find(".tmp-") != std::string::npos) t.push_back(e.path().string());
    return t;
  }
  fs::path dir_;
};

// It exited 0: the ofstream's failure was never checked.
TEST_F(AtomicOutput, RunTraceToDevFullFailsSayingSo) {
  const CliRun r = cli({"run", kThree, "--trace", "/dev/full"});
  EXPECT_EQ(r.rc, tools::kExitInternal) << r.err;
  EXPECT_NE(r.err.find("/dev/full"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("trace_sha256="), std::string::npos) << "no summary after a failed output\n" << r.out;
}

// A trace that does not fit: the old file stays as it was, no temporary is left.
TEST_F(AtomicOutput, RunTraceOnAFullDiskKeepsTheOldFile) {
  const fs::path trace = dir_ / "t.jsonl";
  std::ofstream(trace) << "old\n";
  std::string said;
  const int rc = with_file_size_limit(
      16 * 1024,
      [&](std::string* s) {
        const CliRun r = cli({"run", kThree, "--trace", trace.string()});
        *s = r.err;
        return r.rc;
      },
      &said);
  EXPECT_EQ(rc, tools::kExitInternal) << said;
  EXPECT_NE(said.find("File too large"), std::string::npos) << said;
  EXPECT_EQ(slurp(trace), "old\n");
  EXPECT_TRUE(temporaries(dir_).empty()) << ::testing::PrintToString(temporaries(dir_));
  // With room, the same command replaces it.
  const CliRun ok = cli({"run", kThree, "--trace", trace.string()});
  EXPECT_EQ(ok.rc, tools::kExitOk) << ok.err;
  EXPECT_GT(fs::file_size(trace), 16u * 1024);
  EXPECT_EQ(slurp(trace).back(), '\n');
}

TEST_F(AtomicOutput, WriteFileAtomicIsAllOrNothing) {
  const fs::path f = dir_ / "a.txt";
  EXPECT_EQ(lab::write_file_atomic(f.string(), "first\n"), "");
  EXPECT_EQ(slurp(f), "first\n");
  EXPECT_EQ(fs::status(f).permissions() & fs::perms::others_read, fs::perms::others_read) << "not left at mkstemp's 0600";
  std::string said;
  const int rc = with_file_size_limit(
      1000,
      [&](std::string* s) {
        *s = lab::write_file_atomic(f.string(), std::string(5000, 'x'));
        return s->empty() ? 0 : 1;
      },
      &said);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(said.find(f.string()), std::string::npos) << said;
  EXPECT_EQ(slurp(f), "first\n");
  EXPECT_TRUE(temporaries(dir_).empty());
  // A directory, and a directory that does not exist.
  EXPECT_NE(lab::write_file_atomic(dir_.string(), "x"), "");
  EXPECT_NE(lab::write_file_atomic((dir_ / "no" / "such.txt").string(), "x"), "");
  // /dev/full is written in place (never replaced by a regular file) and fails.
  EXPECT_NE(lab::write_file_atomic("/dev/full", "x").find("No space left on device"), std::string::npos);
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

// --out under a regular file was exit 3 ("internal error ... Not a directory").
TEST_F(AtomicOutput, FuzzOutUnderARegularFileIsBadInput) {
  const fs::path file = dir_ / "plain";
  std::ofstream(file) << "x";
  for (const fs::path& out : {file / "sub", file / "a" / "b", file}) {
    const CliRun r = cli({"fuzz", kDetect, "--seeds", "4", "--plant-bug", "apply-before-commit", "-q", "--out", out.string()});
    EXPECT_EQ(r.rc, tools::kExitBadInput) << out << "\n" << r.err << r.out;
    EXPECT_NE(r.err.find(file.string() + " is a file, not a directory"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  }
}

// A path that cannot be written is bad input, said before any run: a missing directory,
// a regular file where a directory should be, a directory as the file.
TEST_F(AtomicOutput, UnwritableOutputPathsAreBadInputBeforeTheRun) {
  const fs::path file = dir_ / "plain";
  std::ofstream(file) << "x";
  const std::string failure = (dir_ / "failure.json").string();
  {
    std::ifstream in(kThree, std::ios::binary);
    std::ofstream(failure, std::ios::binary) << "// raftlab-lab {\"seed\": 3}\n" << in.rdbuf();
  }
  const std::vector<std::pair<std::string, std::string>> paths = {
      {(dir_ / "no" / "t.jsonl").string(), "there is no directory"},
      {(file / "t.jsonl").string(), "plain is a file, not a directory"},
      {dir_.string(), "is a directory"}};
  for (const auto& [path, want] : paths) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"run", kThree, "--trace", path},
                                                                  {"run", kThree, "--html", path},
                                                                  {"report", kThree, "--out", path},
                                                                  {"replay", failure, "--trace", path},
                                                                  {"shrink", failure, "--out", path}}) {
      const CliRun r = cli(args);
      EXPECT_EQ(r.rc, tools::kExitBadInput) << ::testing::PrintToString(args) << "\n" << r.err << r.out;
      EXPECT_NE(r.err.find(want), std::string::npos) << ::testing::PrintToString(args) << "\n" << r.err;
      EXPECT_EQ(r.out.find("trace_sha256="), std::string::npos) << "it ran first\n" << r.out;
    }
  }
  EXPECT_FALSE(fs::exists(dir_ / "no"));
}

// A full disk during a sweep left truncated traces and 0-byte .json/.txt files. Now a
// seed's files are all there (each complete) or none is, the seed says why, and no
// temporary file stays.
TEST_F(AtomicOutput, FuzzFailureFilesAreWholeOrAbsentOnAFullDisk) {
  const fs::path out = dir_ / "o";
  for (const rlim_t limit : {rlim_t{2000}, rlim_t{300 * 1024}}) {
    fs::remove_all(out);
    std::string said;
    const int rc = with_file_size_limit(
        limit,
        [&](std::string* s) {
          const CliRun r = cli({"fuzz", kDetect, "--seeds", "12", "--plant-bug", "apply-before-commit", "-j", "2", "-q",
                                "--out", out.string()});
          *s = r.out + r.err;
          return r.rc;
        },
        &said);
    EXPECT_NE(rc, tools::kExitOk) << said;
    EXPECT_NE(said.find("File too large"), std::string::npos) << limit << "\n" << said;
    EXPECT_NE(said.find("failed seeds:"), std::string::npos) << "the summary is printed\n" << said;
    ASSERT_TRUE(fs::is_directory(out)) << said;
    EXPECT_TRUE(temporaries(out).empty()) << ::testing::PrintToString(temporaries(out));
    for (const auto& e : fs::directory_iterator(out)) {
      const fs::path p = e.path();
      EXPECT_GT(fs::file_size(p), 0u) << p;
      const std::string stem = p.string().substr(0, p.string().find('.', out.string().size() + 1));
      for (const char* ext : {".json", ".txt", ".trace.jsonl"})
        EXPECT_TRUE(fs::exists(stem + ext)) << p << " without " << stem << ext;
      if (p.extension() == ".json") {
        scenario::LoadResult lr = scenario::load_file(p.string());
        EXPECT_TRUE(lr.errors.empty()) << p;
      }
      if (p.string().ends_with(".trace.jsonl")) {
        EXPECT_EQ(slurp(p).back(), '\n') << p;
      }
    }
  }
}

// A full disk gave a 0-byte shrink result (and exit 2, as if the input were wrong).
TEST_F(AtomicOutput, ShrinkResultIsWholeOrAbsent) {
  const fs::path out = dir_ / "o";
  const CliRun f = cli({"fuzz", kDetect, "--seeds", "6", "--plant-bug", "apply-before-commit", "-q", "--out", out.string()});
  ASSERT_EQ(f.rc, tools::kExitExpectationFailed) << f.err << f.out;
  fs::path failure;
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().extension() == ".json") failure = e.path();
  ASSERT_FALSE(failure.empty());
  const fs::path dest = dir_ / "min.json";
  std::string said;
  const int rc = with_file_size_limit(
      512,
      [&](std::string* s) {
        const CliRun r = cli({"shrink", failure.string(), "--out", dest.string()});
        *s = r.out + r.err;
        return r.rc;
      },
      &said);
  EXPECT_EQ(rc, tools::kExitInternal) << said;
  EXPECT_NE(said.find("File too large"), std::string::npos) << said;
  EXPECT_FALSE(fs::exists(dest)) << fs::file_size(dest) << " bytes";
  EXPECT_TRUE(temporaries(dir_).empty());
}

}  // namespace
}  // namespace raftlab
