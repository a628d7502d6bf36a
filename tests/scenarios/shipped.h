// tests/scenarios/shipped.h — the shipped scenario files, for the whole-run tests.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace raftlab::testing {

// Every scenarios/**/*.json, relative to the repository root
// ("scenarios/bitnami-2host/x.json"), sorted so every run visits them in one order.
// Globbed when the test runs: a new scenario is covered without editing a test.
inline std::vector<std::string> shipped_scenarios() {
  namespace fs = std::filesystem;
  const fs::path root = RAFTLAB_SOURCE_DIR;
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root / "scenarios"))
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      out.push_back(fs::relative(entry.path(), root).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}

// The absolute path of a file named relative to the repository root.
inline std::string source_path(const std::string& relative) {
  return (std::filesystem::path(RAFTLAB_SOURCE_DIR) / relative).string();
}

}  // namespace raftlab::testing
