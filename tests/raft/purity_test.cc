// tests/raft/purity_test.cc — raft/ stays pure: it includes only its own headers and
// standard headers that bring no clock, threads, randomness engines or I/O streams.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace {

TEST(Purity, RaftIncludesOnlyItselfAndPureStandardHeaders) {
#ifndef RAFTLAB_SOURCE_DIR
  GTEST_SKIP() << "RAFTLAB_SOURCE_DIR not defined";
#else
  const std::set<std::string> banned = {"<random>", "<chrono>", "<thread>", "<mutex>",
                                        "<iostream>", "<fstream>", "<ctime>", "<atomic>",
                                        "<unordered_map>", "<unordered_set>", "<map>"};
  const std::filesystem::path dir = std::filesystem::path(RAFTLAB_SOURCE_DIR) / "raft";
  int files = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    const std::string ext = f.path().extension().string();
    if (ext != ".h" && ext != ".cc") continue;
    ++files;
    std::ifstream in(f.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("#include", 0) != 0) continue;
      const std::string what = line.substr(line.find_first_of("<\""));
      if (what[0] == '"') {
        EXPECT_EQ(what.rfind("\"raft/", 0), 0u) << f.path() << ": " << line;
      } else {
        EXPECT_EQ(what.find('/'), std::string::npos) << f.path() << ": " << line;
        EXPECT_EQ(banned.count(what), 0u) << f.path() << ": " << line;
      }
    }
  }
  EXPECT_GT(files, 10);
#endif
}

}  // namespace
