// tests/scenarios/shipped.h — the shipped scenario files, for the whole-run tests.
#pragma once

#include <algorithm>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/scenario/loader.h"

namespace raftlab::testing {

// Every scenarios/**/*.json, relative to the repository root
// ("scenarios/bitnami-2host/x.json"), sorted so every run visits them in one order.
// Globbed when the test runs: a new scenario is covered without editing a test.
// scenarios/experiments/ is left out on purpose: its files are experiment files (a
// scenario + an FIS template + a steady state, `raftlab experiment`), not scenarios; every
// one of them is loaded and run by tests/chaos/shipped_experiments_test.cc.
inline std::vector<std::string> shipped_scenarios() {
  namespace fs = std::filesystem;
  const fs::path root = RAFTLAB_SOURCE_DIR;
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root / "scenarios")) {
    const std::string rel = fs::relative(entry.path(), root).generic_string();
    if (rel.rfind("scenarios/experiments/", 0) == 0) continue;
    if (entry.is_regular_file() && entry.path().extension() == ".json") out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every scenarios/experiments/*.json, relative to the repository root, sorted.
inline std::vector<std::string> shipped_experiments() {
  namespace fs = std::filesystem;
  const fs::path root = RAFTLAB_SOURCE_DIR;
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(root / "scenarios" / "experiments"))
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      out.push_back(fs::relative(entry.path(), root).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}

// The absolute path of a file named relative to the repository root.
inline std::string source_path(const std::string& relative) {
  return (std::filesystem::path(RAFTLAB_SOURCE_DIR) / relative).string();
}

// Every shipped scenario loaded: (absolute path, scenario). Throws (failing the test with
// the file named) if one does not load.
inline std::vector<std::pair<std::string, std::shared_ptr<const scenario::Scenario>>> load_shipped() {
  std::vector<std::pair<std::string, std::shared_ptr<const scenario::Scenario>>> out;
  for (const auto& rel : shipped_scenarios()) {
    const std::string f = source_path(rel);
    auto lr = scenario::load_file(f);
    if (!lr.ok()) throw std::runtime_error("shipped scenario does not load: " + f);
    out.emplace_back(f, std::make_shared<const scenario::Scenario>(*lr.scenario));
  }
  return out;
}

}  // namespace raftlab::testing
