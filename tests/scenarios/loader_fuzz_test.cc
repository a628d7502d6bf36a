// The loader never throws or crashes and always answers: on random bytes, on every
// truncation of a real scenario, on random edits of it, and on pathological nesting.
#include "sim/scenario/loader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace raftlab::scenario {
namespace {

// splitmix64: deterministic across platforms (no <random> engines).
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

std::string seed_scenario() {
  std::ifstream in(std::filesystem::path(RAFTLAB_SOURCE_DIR) / "scenarios/README.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const size_t start = text.find("```jsonc\n");
  if (start == std::string::npos) return "{}";
  return text.substr(start + 9, text.find("```", start + 9) - start - 9);
}

void check_answer(const LoadResult& r) {
  EXPECT_TRUE(r.ok() != !r.errors.empty());
  EXPECT_LE(r.errors.size(), kMaxLoadErrors);
  for (const LoadError& e : r.errors) {
    ASSERT_FALSE(e.message.empty());
    (void)format(e);
  }
}

TEST(LoaderFuzz, RandomBytes) {
  Rng rng{1};
  for (int i = 0; i < 3000; ++i) {
    std::string bytes(rng.below(600), '\0');
    for (char& c : bytes) c = static_cast<char>(rng.next() & 0xff);
    check_answer(load_string(bytes, "random"));
  }
}

TEST(LoaderFuzz, RandomJsonishText) {
  Rng rng{2};
  static constexpr char kAlphabet[] = "{}[]\",:/*\\ \n0123456789.-eEtrufalsnu\"\"abcxyz{}[]";
  for (int i = 0; i < 3000; ++i) {
    std::string text(rng.below(400), ' ');
    for (char& c : text) c = kAlphabet[rng.below(sizeof kAlphabet - 1)];
    check_answer(load_string(text, "jsonish"));
  }
}

TEST(LoaderFuzz, EveryTruncationOfARealScenario) {
  const std::string full = seed_scenario();
  ASSERT_GT(full.size(), 100u);
  check_answer(load_string(full, "full"));
  for (size_t n = 0; n < full.size(); ++n) check_answer(load_string(full.substr(0, n), "truncated"));
}

TEST(LoaderFuzz, RandomEditsOfARealScenario) {
  const std::string full = seed_scenario();
  Rng rng{3};
  static constexpr char kInsert[] = "{}[],:\"0 -xA/*\n";
  size_t loaded = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text = full;
    const size_t edits = 1 + rng.below(3);
    for (size_t k = 0; k < edits && !text.empty(); ++k) {
      const size_t at = rng.below(text.size());
      switch (rng.below(3)) {
        case 0: text.erase(at, 1 + rng.below(8)); break;
        case 1: text.insert(at, 1, kInsert[rng.below(sizeof kInsert - 1)]); break;
        default: text[at] = static_cast<char>(rng.next() & 0xff); break;
      }
    }
    const LoadResult r = load_string(text, "edited");
    check_answer(r);
    loaded += r.ok() ? 1u : 0u;
  }
  // Some edits land in strings or whitespace and keep the file valid.
  EXPECT_GT(loaded, 0u);
}

TEST(LoaderFuzz, PathologicalShapes) {
  check_answer(load_string(std::string(200'000, '['), "deep"));
  check_answer(load_string(std::string(200'000, '{'), "deep-objects"));
  check_answer(load_string("{\"hosts\": " + std::string(40, '[') + std::string(40, ']') + "}", "nested"));
  std::string many = "{\"name\": \"x\", \"description\": \"d\", \"hosts\": [";
  for (int i = 0; i < 9000; ++i) many += "{\"name\": \"h\", \"ip\": \"1.2.3.4\"},";
  many += "], \"members\": []}";
  const LoadResult r = load_string(many, "many");
  check_answer(r);
  EXPECT_TRUE(r.truncated);
  check_answer(load_string(std::string("{\"name\": \"\0\", \"x\": 1}", 22), "nul"));
  check_answer(load_string("/* only a comment */", "comment-only"));
  check_answer(load_string("{\"name\": \"a\"} trailing", "trailing"));
}

}  // namespace
}  // namespace raftlab::scenario
