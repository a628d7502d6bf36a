// Every shipped scenario (scenarios/**/*.json, globbed when the test runs, so a new file
// is covered without touching this test): it loads, builds and runs; every expectation
// it states holds; the trace checkers find nothing; the run is deterministic in-process
// and across processes; and its trace hash matches tests/scenarios/golden_hashes.txt.
//
// Each test loops over the files itself (rather than one gtest per file) so that a
// scenario added after the test binary was built is still run by ctest.
//
// Regenerate the golden hashes after an intended behaviour change, and review the diff:
//   RAFTLAB_REWRITE_GOLDEN=1 ./build/tests/scenario_tests --gtest_filter='ShippedScenarios.GoldenHashes'
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/check/trace_checks.h"
#include "sim/cloud/cloud.h"
#include "sim/deploy.h"
#include "tests/scenarios/shipped.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = RAFTLAB_SOURCE_DIR;
const fs::path kGoldenFile = kSourceDir / "tests/scenarios/golden_hashes.txt";

using testing::shipped_scenarios;

// One in-process run, or why there was none (load/build errors, formatted as the CLI
// prints them).
struct Ran {
  std::string problems;
  sim::RunResult result;
  std::vector<sim::TraceEvent> events;
  [[nodiscard]] bool ran() const { return problems.empty(); }
};

Ran run_scenario(const std::string& rel, sim::RunOptions opts = {}) {
  Ran out;
  // Cloud scenarios (scenarios/aws-asg) need the cloud layer, as `raftlab run` gives it.
  if (!opts.extension) opts.extension = cloud::extension_factory();
  scenario::LoadResult lr = scenario::load_file((kSourceDir / rel).string());
  if (!lr.ok()) {
    for (const auto& e : lr.errors) out.problems.append(scenario::format(e)).append("\n");
    return out;
  }
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, opts, &errors);
  if (!d) {
    for (const auto& e : errors) out.problems.append(scenario::format(e)).append("\n");
    if (errors.empty()) out.problems = "Deployment::build failed without an error\n";
    return out;
  }
  out.result = d->run();
  out.events = d->world().trace().events();
  return out;
}

TEST(ShippedScenarios, AtLeastTheReferenceScenarioExists) {
  const auto files = shipped_scenarios();
  EXPECT_NE(std::find(files.begin(), files.end(), "scenarios/bitnami-2host/static-bootstrap.json"), files.end());
}

TEST(ShippedScenarios, EachLoadsBuildsRunsAndEveryExpectationHolds) {
  const auto files = shipped_scenarios();
  ASSERT_FALSE(files.empty());
  for (const std::string& f : files) {
    SCOPED_TRACE(f);
    const Ran r = run_scenario(f);
    if (!r.ran()) {
      ADD_FAILURE() << f << " does not load/build:\n" << r.problems;
      continue;
    }
    EXPECT_GT(r.result.events, 0u);
    EXPECT_FALSE(r.result.expectations.empty()) << f << " states no expectations";
    for (size_t i = 0; i < r.result.expectations.size(); ++i) {
      const sim::ExpectResult& e = r.result.expectations[i];
      EXPECT_TRUE(e.passed) << f << " " << e.path << " at " << sim::format_duration(sim::nanos(e.at_ns)) << ": "
                            << e.what << " = " << e.expected << " (actual: " << e.actual << ")"
                            << (e.note.empty() ? std::string() : std::string("  note: ").append(e.note)) << "  seed=" << r.result.seed;
    }
    EXPECT_EQ(r.result.passed,
              std::all_of(r.result.expectations.begin(), r.result.expectations.end(),
                          [](const sim::ExpectResult& e) { return e.passed; }));
  }
}

// Safety holds in every story, even the misconfigured ones (split clusters are several
// clusters, each safe on its own).
TEST(ShippedScenarios, TraceCheckersFindNoSafetyViolation) {
  for (const std::string& f : shipped_scenarios()) {
    SCOPED_TRACE(f);
    const Ran r = run_scenario(f);
    if (!r.ran()) continue;  // reported by EachLoadsBuildsRunsAndEveryExpectationHolds
    const check::TraceReport rep = check::check_trace(r.events);
    EXPECT_TRUE(rep.ok()) << f << " seed=" << r.result.seed << "\n" << rep.describe();
  }
}

TEST(ShippedScenarios, SameSeedTwiceInProcessGivesTheSameTraceHash) {
  for (const std::string& f : shipped_scenarios()) {
    SCOPED_TRACE(f);
    const Ran a = run_scenario(f);
    const Ran b = run_scenario(f);
    if (!a.ran()) continue;
    ASSERT_TRUE(b.ran());
    EXPECT_EQ(a.result.trace_sha256.size(), 64u);
    EXPECT_EQ(a.result.trace_sha256, b.result.trace_sha256) << f << " is not deterministic";
    EXPECT_EQ(a.result.events, b.result.events);
    EXPECT_EQ(a.events.size(), b.events.size());
    // A different seed must change the trace, or the seed is not reaching the run.
    sim::RunOptions other;
    other.seed = a.result.seed + 1;
    const Ran c = run_scenario(f, other);
    ASSERT_TRUE(c.ran());
    EXPECT_NE(a.result.trace_sha256, c.result.trace_sha256) << f << ": seed " << *other.seed << " gave the same trace";
  }
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) q.append(ch == '\'' ? "'\\''" : std::string(1, ch));
  return q.append("'");
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The hash must not depend on the process (addresses, allocation order, environment):
// `raftlab run FILE --json` in a child process gives the in-process hash.
TEST(ShippedScenarios, ChildProcessGivesTheInProcessTraceHash) {
  const fs::path binary = fs::path(RAFTLAB_BINARY_DIR) / "tools/raftlab";
  ASSERT_TRUE(fs::exists(binary)) << binary << " is missing: build it (cmake --build build --target raftlab)";
  const fs::path out_file = fs::temp_directory_path() / fmt::format("raftlab_child_{}.json", ::getpid());
  for (const std::string& f : shipped_scenarios()) {
    SCOPED_TRACE(f);
    const Ran in_process = run_scenario(f);
    if (!in_process.ran()) continue;
    const std::string cmd = fmt::format("{} run {} --json > {} 2>/dev/null", shell_quote(binary.string()),
                                        shell_quote((kSourceDir / f).string()), shell_quote(out_file.string()));
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << cmd;
    const int rc = WEXITSTATUS(status);
    EXPECT_EQ(rc, in_process.result.passed ? 0 : 1) << cmd;
    const auto j = nlohmann::json::parse(read_text(out_file), nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(j.is_object() && j.contains("trace_sha256")) << cmd << " printed no JSON summary";
    EXPECT_EQ(j["trace_sha256"].get<std::string>(), in_process.result.trace_sha256) << cmd;
    EXPECT_EQ(j["seed"].get<std::uint64_t>(), in_process.result.seed);
  }
  std::error_code ec;
  fs::remove(out_file, ec);
}

// ---- golden hashes ----

const char* const kGoldenHeader =
    "# Trace SHA-256 of every shipped scenario (scenarios/**/*.json) at its default seed and\n"
    "# the default trace level: `raftlab run FILE` prints the same trace_sha256=.\n"
    "# Checked by ShippedScenarios.GoldenHashes (tests/scenarios/run_shipped_test.cc): any\n"
    "# change in simulated behaviour changes a hash and fails that test.\n"
    "#\n"
    "# After an INTENDED behaviour change (or a new scenario), regenerate and review the diff:\n"
    "#   RAFTLAB_REWRITE_GOLDEN=1 ./build/tests/scenario_tests --gtest_filter='ShippedScenarios.GoldenHashes'\n"
    "#\n"
    "# Format: one `<file relative to the repo root> <sha256>` per line; '#' starts a comment.\n";

std::map<std::string, std::string> read_golden() {
  std::map<std::string, std::string> out;
  std::istringstream in(read_text(kGoldenFile));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string file, hash;
    if (words >> file >> hash) out[file] = hash;
  }
  return out;
}

TEST(ShippedScenarios, GoldenHashes) {
  std::map<std::string, std::string> actual;
  for (const std::string& f : shipped_scenarios()) {
    const Ran r = run_scenario(f);
    actual[f] = r.ran() ? r.result.trace_sha256 : "does-not-load-or-build";
  }
  const char* rewrite = std::getenv("RAFTLAB_REWRITE_GOLDEN");
  if (rewrite != nullptr && std::string(rewrite) == "1") {
    std::string text = kGoldenHeader;
    for (const auto& [f, h] : actual) text.append(f).append(" ").append(h).append("\n");
    std::ofstream(kGoldenFile, std::ios::binary) << text;
    std::cout << "[ rewrote  ] " << kGoldenFile.string() << " (" << actual.size() << " scenarios)\n";
    return;
  }
  ASSERT_TRUE(fs::exists(kGoldenFile)) << kGoldenFile << " is missing; create it with RAFTLAB_REWRITE_GOLDEN=1";
  const std::map<std::string, std::string> golden = read_golden();
  const std::string how = "if the change is intended, run RAFTLAB_REWRITE_GOLDEN=1 ./build/tests/scenario_tests "
                          "--gtest_filter='ShippedScenarios.GoldenHashes' and review the diff";
  for (const auto& [f, h] : actual) {
    auto it = golden.find(f);
    if (it == golden.end()) {
      ADD_FAILURE() << f << " has no golden hash (new scenario?); actual " << h << "\n" << how;
      continue;
    }
    EXPECT_EQ(it->second, h) << f << ": the trace changed at the default seed\n" << how;
  }
  for (const auto& [f, h] : golden) {
    EXPECT_TRUE(actual.count(f)) << "golden entry for " << f << " but the file is gone\n" << how;
  }
}

}  // namespace
}  // namespace raftlab
