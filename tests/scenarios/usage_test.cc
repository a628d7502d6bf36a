// The CLI's help and usage (tools/usage.h): every verb's --help ends with examples; a
// verb's bad arguments are followed by that verb's usage only; the examples name only
// files the repository ships (or files an earlier example writes).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "sim/scenario/loader.h"
#include "tests/common/cli_run.h"
#include "tools/usage.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;
using test::cli;
using test::CliRun;

TEST(UsageText, EveryVerbsHelpHasExamples) {
  for (const auto& [verb, lines] : tools::verb_examples()) {
    ASSERT_FALSE(lines.empty()) << verb;
    const CliRun r = cli({verb, "--help"});
    EXPECT_EQ(r.rc, tools::kExitOk) << verb << ": " << r.err;
    EXPECT_NE(r.out.find("Examples"), std::string::npos) << verb << ":\n" << r.out;
    EXPECT_NE(r.out.find("raftlab " + verb), std::string::npos) << verb << ":\n" << r.out;
  }
}

TEST(UsageText, AVerbsMistakeIsFollowedByThatVerbsUsage) {
  CliRun r = cli({"fuzz", "scenarios/lab/small.json", "--seeds", "abc"});
  EXPECT_EQ(r.rc, tools::kExitBadInput);
  EXPECT_NE(r.err.find("raftlab fuzz: --seeds"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: raftlab fuzz SCENARIO --seeds N"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("raftlab run SCENARIO"), std::string::npos) << "only fuzz's usage:\n" << r.err;
  r = cli({"status", "scenarios/bitnami-2host/static-bootstrap.json"});  // --at missing
  EXPECT_EQ(r.rc, tools::kExitBadInput);
  EXPECT_NE(r.err.find("usage: raftlab status SCENARIO --at T"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("raftlab fuzz"), std::string::npos) << r.err;
}

TEST(UsageText, FuzzWithoutSeedsSaysTheyAreRequired) {
  const CliRun r = cli({"fuzz", "scenarios/lab/small.json"});
  EXPECT_EQ(r.rc, tools::kExitBadInput);
  EXPECT_NE(r.err.find("--seeds N is required"), std::string::npos) << r.err;
  const CliRun h = cli({"fuzz", "--help"});
  EXPECT_NE(h.out.find("REQUIRED"), std::string::npos) << h.out;
}

TEST(UsageText, ExamplesNameShippedScenarios) {
  const fs::path root = RAFTLAB_SOURCE_DIR;
  const std::regex file(R"(((scenarios|tests)/[A-Za-z0-9_./-]+\.json))");
  size_t checked = 0;
  for (const auto& [verb, lines] : tools::verb_examples()) {
    for (const auto& l : lines) {
      for (std::sregex_iterator it(l.begin(), l.end(), file), end; it != end; ++it) {
        const fs::path p = root / (*it)[1].str();
        EXPECT_TRUE(fs::is_regular_file(p)) << verb << " example names " << p;
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 15u);
}

}  // namespace
}  // namespace raftlab
