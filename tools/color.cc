#include "tools/color.h"

#include <cctype>
#include <cstring>
#include <string_view>

namespace raftlab::tools {

namespace {

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' || c == '/';
}

enum class Tone { kPass, kFail, kWarn, kLeader, kCandidate };

struct Word {
  std::string_view text;
  Tone tone;
};

// Longest first where one is the start of another ("DIFFERENT" before "DIFFER").
constexpr Word kWords[] = {
    {"NOT COMPARABLE", Tone::kWarn}, {"pre-candidate", Tone::kCandidate}, {"as expected", Tone::kPass},
    {"DIFFERENT", Tone::kFail},      {"DIFFERS", Tone::kFail},            {"DIFFER", Tone::kFail},
    {"FAILED", Tone::kFail},         {"FAIL", Tone::kFail},               {"ERROR", Tone::kFail},
    {"PROBLEM", Tone::kFail},        {"anomaly", Tone::kFail},            {"fatal:", Tone::kFail},
    {"error:", Tone::kFail},         {"PASSED", Tone::kPass},             {"PASS", Tone::kPass},
    {"AGREES", Tone::kPass},         {"AGREE", Tone::kPass},              {"OK", Tone::kPass},
    {"warning:", Tone::kWarn},       {"warn:", Tone::kWarn},              {"WARNING", Tone::kWarn},
    {"EXPECTED", Tone::kWarn},       {"LEADER", Tone::kLeader},           {"leader", Tone::kLeader},
    {"candidate", Tone::kCandidate},
};

std::string paint(const Palette& p, Tone t, const std::string& s) {
  switch (t) {
    case Tone::kPass: return p.pass(s);
    case Tone::kFail: return p.fail(s);
    case Tone::kWarn: return p.warn(s);
    case Tone::kLeader: return p.leader(s);
    case Tone::kCandidate: return p.candidate(s);
  }
  return s;
}

}  // namespace

std::string color_line(const std::string& line, const Palette& p) {
  // A line a verb coloured itself is left as it is (no codes inside codes).
  if (!p.on || line.find('\x1b') != std::string::npos) return line;
  std::string o;
  o.reserve(line.size() + 16);
  size_t i = 0;
  while (i < line.size()) {
    const bool starts_word = i == 0 || !word_char(line[i - 1]);
    const Word* hit = nullptr;
    if (starts_word) {
      for (const Word& w : kWords) {
        if (line.compare(i, w.text.size(), w.text) != 0) continue;
        const size_t end = i + w.text.size();
        // "error:" ends at its colon; the others must end a word.
        if (w.text.back() != ':' && end < line.size() && word_char(line[end])) continue;
        hit = &w;
        break;
      }
    }
    if (hit == nullptr) {
      o += line[i++];
      continue;
    }
    o += paint(p, hit->tone, std::string(hit->text));
    i += hit->text.size();
  }
  return o;
}

}  // namespace raftlab::tools
