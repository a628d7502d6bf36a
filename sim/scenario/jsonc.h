// JSON with comments ("jsonc") -> nlohmann::json, plus where every value sits in the file.
//
// `//` and `/* */` comments (outside strings) and trailing commas before `]` or `}` are
// blanked with spaces (newlines kept), so byte offsets, lines and columns of the cleaned
// text equal those of the original file and every error points at the user's own line.
// Bounded: text <= 1 MiB, nesting depth <= 32, arrays <= 10,000 items, strings and keys
// <= 64 KiB; duplicate object keys are errors (nlohmann would silently keep the last).
// Never throws; any byte sequence yields either a value or errors.
//
//   raftlab::scenario::JsoncDocument doc = raftlab::scenario::parse_jsonc(text);
//   if (doc.errors.empty()) use(doc.value, doc.positions.at("$.members[0].name"));
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace raftlab::scenario {

struct JsoncLimits {
  size_t max_bytes = 1 << 20;
  int max_depth = 32;
  size_t max_array_items = 10'000;
  size_t max_string_bytes = 64 * 1024;
};

// 1-based line and column (columns count bytes). line == 0: unknown.
struct TextPos {
  int line = 0;
  int column = 0;
};

struct JsoncError {
  std::string path;  // JSON path of the offending value when known ("$.hosts[1]"), else ""
  std::string message;
  std::string fix;
  TextPos pos;
};

struct JsoncDocument {
  nlohmann::json value;  // null unless errors is empty
  // JSON path -> position. For an object member the position is that of its key (so
  // "unknown key" errors point at the key); for array elements and the root, the value.
  std::map<std::string, TextPos> positions;
  std::vector<JsoncError> errors;
};

[[nodiscard]] JsoncDocument parse_jsonc(std::string_view text, const JsoncLimits& limits = {});

// Path helpers shared with the validator so paths always match the positions map:
// identifier-like keys use ".key", anything else ["key"] with JSON escaping.
[[nodiscard]] std::string child_path(const std::string& parent, std::string_view key);
[[nodiscard]] std::string index_path(const std::string& parent, size_t index);

// Position of `path`, or of its nearest ancestor that has one; {0,0} if none.
[[nodiscard]] TextPos lookup_position(const std::map<std::string, TextPos>& positions,
                                      const std::string& path);

// Printable form of arbitrary bytes for messages: quotes, escapes control and non-UTF-8
// bytes as \xNN, truncates past `max_bytes` with "...".
[[nodiscard]] std::string quote_for_message(std::string_view text, size_t max_bytes = 80);

}  // namespace raftlab::scenario
