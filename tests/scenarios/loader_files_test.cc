// Whole files: every fixture in tests/scenarios/bad/ must fail with the errors its
// `// expect:` header lines name (substrings of format(error)); the example in
// scenarios/README.md must load.
#include "sim/scenario/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace raftlab::scenario {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> expectations_in(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  const std::string tag = "// expect: ";
  while (std::getline(in, line) && line.rfind(tag, 0) == 0) out.push_back(line.substr(tag.size()));
  return out;
}

TEST(ScenarioFiles, EveryBadFixtureFailsWithItsExpectedErrors) {
  const fs::path dir = fs::path(RAFTLAB_SOURCE_DIR) / "tests/scenarios/bad";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 10u);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.filename().string());
    const std::vector<std::string> wanted = expectations_in(read(f));
    ASSERT_FALSE(wanted.empty()) << "fixture needs a `// expect: ...` first line";
    const LoadResult r = load_file(f.string());
    ASSERT_FALSE(r.ok());
    std::string all;
    for (const LoadError& e : r.errors) {
      all += format(e) + "\n";
      EXPECT_EQ(e.file, f.string());
      EXPECT_FALSE(e.message.empty());
    }
    for (const std::string& w : wanted) EXPECT_NE(all.find(w), std::string::npos) << "want: " << w << "\ngot:\n" << all;
  }
}

// The first ```jsonc block of scenarios/README.md (the full example).
std::string readme_example() {
  const std::string text = read(fs::path(RAFTLAB_SOURCE_DIR) / "scenarios/README.md");
  const size_t start = text.find("```jsonc\n");
  if (start == std::string::npos) return "";
  const size_t body = start + 9;
  return text.substr(body, text.find("```", body) - body);
}

TEST(ScenarioFiles, ReadmeExampleLoads) {
  const std::string example = readme_example();
  ASSERT_FALSE(example.empty());
  const LoadResult r = load_string(example, "README.md example");
  for (const LoadError& e : r.errors) ADD_FAILURE() << format(e);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.scenario->timeline.empty());
  EXPECT_FALSE(r.scenario->expect.empty());
}

}  // namespace
}  // namespace raftlab::scenario
