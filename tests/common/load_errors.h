// tests/common/load_errors.h — assert that a scenario text fails to load with an error at
// a JSON path whose message and fix contain the given words.
//
//   expect_load_error(text, "$.faults[0].kind", "unknown fault kind", "did you mean \"crash\"?");
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "sim/scenario/loader.h"

namespace raftlab::test {

inline void expect_load_error(const std::string& text, const std::string& path, const std::string& message,
                              const std::string& fix = "") {
  auto r = scenario::load_string(text, "t.json");
  ASSERT_FALSE(r.ok()) << text;
  bool found = false;
  std::string all;
  for (const auto& e : r.errors) {
    all += scenario::format(e) + "\n";
    if (e.path == path && e.message.find(message) != std::string::npos && e.fix.find(fix) != std::string::npos)
      found = true;
  }
  EXPECT_TRUE(found) << "wanted " << path << ": " << message << " — " << fix << "\ngot:\n" << all;
}

}  // namespace raftlab::test
