#include "sim/scenario/jsonc.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <utility>

namespace raftlab::scenario {
namespace {

// Walkers stop adding errors past this many; the loader caps the total anyway.
constexpr size_t kMaxErrors = 20;

// Maps byte offsets to 1-based line/column.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') starts_.push_back(i + 1);
    }
  }
  [[nodiscard]] TextPos at(size_t offset) const {
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    const auto line = static_cast<size_t>(it - starts_.begin());  // >= 1: starts_[0] == 0
    return TextPos{static_cast<int>(line), static_cast<int>(offset - starts_[line - 1] + 1)};
  }

 private:
  std::vector<size_t> starts_;
};

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// Escapes control bytes and invalid UTF-8 so messages stay printable.
std::string printable(std::string_view s, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (out.size() >= max_bytes) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u < 0x7f) {
      out += s[i++];
      continue;
    }
    if (u >= 0x80) {
      const size_t n = utf8_sequence(s, i);
      if (n > 0) {
        out.append(s.substr(i, n));
        i += n;
        continue;
      }
    }
    out += "\\x";
    out += kHex[u >> 4];
    out += kHex[u & 15];
    ++i;
  }
  return out;
}

bool is_identifier(std::string_view key) {
  if (key.empty()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (digit && i > 0))) return false;
  }
  return true;
}

// Pass 1: blank comments and trailing commas, check nesting depth.
// Returns false (and appends an error) when the text cannot be cleaned.
bool strip(std::string& clean, const LineIndex& lines, const JsoncLimits& limits,
           std::vector<JsoncError>& errors) {
  enum class State { kCode, kString, kLineComment, kBlockComment };
  State state = State::kCode;
  size_t block_start = 0;
  int depth = 0;
  // A comma seen in code and not yet followed by a value; blanked if `]`/`}` comes next.
  size_t pending_comma = std::string::npos;
  char last_significant = '\0';  // last code char before the pending comma
  char before_comma = '\0';
  for (size_t i = 0; i < clean.size(); ++i) {
    const char c = clean[i];
    switch (state) {
      case State::kString:
        if (c == '\\') {
          ++i;  // skip the escaped char (a bad escape is reported by the parser)
        } else if (c == '"' || c == '\n') {
          state = State::kCode;  // a raw newline ends it too: keeps comment detection in sync
        }
        continue;
      case State::kLineComment:
        if (c == '\n') {
          state = State::kCode;
        } else {
          clean[i] = ' ';
        }
        continue;
      case State::kBlockComment:
        if (c == '*' && i + 1 < clean.size() && clean[i + 1] == '/') {
          clean[i] = ' ';
          clean[i + 1] = ' ';
          ++i;
          state = State::kCode;
        } else if (c != '\n' && c != '\r') {
          clean[i] = ' ';
        }
        continue;
      case State::kCode:
        break;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '/' && i + 1 < clean.size() && (clean[i + 1] == '/' || clean[i + 1] == '*')) {
      state = clean[i + 1] == '/' ? State::kLineComment : State::kBlockComment;
      block_start = i;
      clean[i] = ' ';
      clean[i + 1] = ' ';
      ++i;
      continue;
    }
    if (pending_comma != std::string::npos) {
      // A trailing comma: `[1, 2,]`, but not `[,]` or `[1,,]`, which stay errors.
      if ((c == ']' || c == '}') && before_comma != '[' && before_comma != '{' && before_comma != ',') {
        clean[pending_comma] = ' ';
      }
      pending_comma = std::string::npos;
    }
    if (c == ',') {
      pending_comma = i;
      before_comma = last_significant;
    } else if (c == '"') {
      state = State::kString;
    } else if (c == '[' || c == '{') {
      if (++depth > limits.max_depth) {
        errors.push_back({"", "nesting deeper than " + std::to_string(limits.max_depth) + " levels",
                          "scenario files are shallow; check for runaway brackets", lines.at(i)});
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    last_significant = c;
  }
  if (state == State::kBlockComment) {
    errors.push_back({"", "unterminated /* comment", "close it with */", lines.at(block_start)});
    return false;
  }
  return true;
}

std::string syntax_fix(const std::string& message) {
  if (message.find("unexpected end of input") != std::string::npos) {
    return "the text ends early: a closing quote, ] or } is missing";
  }
  if (message.find("object key") != std::string::npos &&
      message.find("expected string literal") != std::string::npos) {
    return "object keys must be written in double quotes, e.g. \"name\": ...";
  }
  if (message.find("expected '}'") != std::string::npos || message.find("expected ']'") != std::string::npos) {
    return "is a comma missing between two values?";
  }
  if (message.find("invalid literal") != std::string::npos) {
    return "strings need double quotes (\"...\"); single quotes and bare words are not JSON";
  }
  if (message.find("control character") != std::string::npos) {
    return "a string cannot span lines; write \\n for a newline inside a string";
  }
  return "fix the JSON syntax at this position";
}

// Pass 3: walk the (now valid) clean text to record positions and check limits and
// duplicate keys. Defensive against malformed input anyway: it only ever advances.
class Walker {
 public:
  Walker(std::string_view text, const LineIndex& lines, const JsoncLimits& limits, JsoncDocument& doc)
      : s_(text), lines_(lines), limits_(limits), doc_(doc) {}

  void run() {
    skip_ws();
    doc_.positions.emplace("$", lines_.at(i_));
    value("$", 0);
  }

 private:
  [[nodiscard]] char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  void error(const std::string& path, std::string message, std::string fix, size_t offset) {
    if (doc_.errors.size() < kMaxErrors) {
      doc_.errors.push_back({path, std::move(message), std::move(fix), lines_.at(offset)});
    }
  }

  // Reads a string literal at i_ and returns its decoded text.
  std::string string_value(const std::string& path) {
    const size_t start = i_;
    bool escaped = false;
    ++i_;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\') {
        escaped = true;
        ++i_;
      }
      ++i_;
    }
    ++i_;
    const std::string_view literal = s_.substr(start, std::min(i_, s_.size()) - start);
    std::string decoded;
    if (!escaped) {
      decoded = std::string(literal.substr(1, literal.size() >= 2 ? literal.size() - 2 : 0));
    } else {
      try {
        decoded = nlohmann::json::parse(literal).get<std::string>();
      } catch (const std::exception&) {
        decoded.clear();  // unreachable after a successful parse; keep going
      }
    }
    if (decoded.size() > limits_.max_string_bytes) {
      error(path, "string of " + std::to_string(decoded.size()) + " bytes is longer than the limit of " +
                      std::to_string(limits_.max_string_bytes),
            "shorten it", start);
    }
    return decoded;
  }

  void value(const std::string& path, int depth) {
    skip_ws();
    const char c = peek();
    if (depth > limits_.max_depth) return;  // strip() rejected this already
    if (c == '{') {
      object(path, depth);
    } else if (c == '[') {
      array(path, depth);
    } else if (c == '"') {
      (void)string_value(path);
    } else {
      const size_t start = i_;
      while (i_ < s_.size() && std::strchr(",]} \t\r\n", s_[i_]) == nullptr) ++i_;
      number(path, s_.substr(start, i_ - start), start);
    }
  }

  // A number JSON allows but no double holds (1e400, a 400-digit integer): nlohmann throws
  // out_of_range.406 without a position, so it is found here with its path.
  void number(const std::string& path, std::string_view token, size_t offset) {
    if (token.empty() || !(token[0] == '-' || (token[0] >= '0' && token[0] <= '9'))) return;
    const std::string t(token);
    errno = 0;
    char* end = nullptr;
    const double d = std::strtod(t.c_str(), &end);
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) {
      error(path, "number " + quote_for_message(token, 40) + " is out of range (larger than any number a scenario holds)",
            "write a number within the field's documented range (scenarios/README.md)", offset);
    }
  }

  void object(const std::string& path, int depth) {
    ++i_;
    std::map<std::string, size_t> seen;  // key -> offset of first occurrence
    skip_ws();
    if (peek() == '}') {
      ++i_;
      return;
    }
    while (i_ < s_.size()) {
      skip_ws();
      if (peek() != '"') return;
      const size_t key_offset = i_;
      const std::string key = string_value(path);
      const std::string member = child_path(path, key);
      const auto [it, inserted] = seen.emplace(key, key_offset);
      if (!inserted) {
        const TextPos first = lines_.at(it->second);
        error(member, "duplicate key " + quote_for_message(key) + " (first at line " + std::to_string(first.line) + ")",
              "keep one of them; JSON objects cannot repeat a key", key_offset);
      } else {
        doc_.positions.emplace(member, lines_.at(key_offset));
      }
      skip_ws();
      if (peek() == ':') ++i_;
      value(member, depth + 1);
      skip_ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() == '}') ++i_;
      return;
    }
  }

  void array(const std::string& path, int depth) {
    const size_t start = i_;
    ++i_;
    skip_ws();
    if (peek() == ']') {
      ++i_;
      return;
    }
    size_t n = 0;
    while (i_ < s_.size()) {
      skip_ws();
      if (n == limits_.max_array_items) {
        error(path, "array has more than " + std::to_string(limits_.max_array_items) + " items",
              "split the scenario; no list in a scenario needs that many entries", start);
      }
      const std::string element = index_path(path, n);
      if (n < limits_.max_array_items) doc_.positions.emplace(element, lines_.at(i_));
      value(element, depth + 1);
      ++n;
      skip_ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() == ']') ++i_;
      return;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  const LineIndex& lines_;
  const JsoncLimits& limits_;
  JsoncDocument& doc_;
};

JsoncDocument parse_or_throw(std::string_view text, const JsoncLimits& limits) {
  JsoncDocument doc;
  if (text.size() > limits.max_bytes) {
    doc.errors.push_back({"", "file is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                                  std::to_string(limits.max_bytes),
                          "scenario files are small; split it or remove pasted logs", TextPos{1, 1}});
    return doc;
  }
  const LineIndex lines(text);
  // A NUL byte anywhere: nlohmann's lexer reads '\0' as the end of the input (lexer.hpp,
  // scan(): `case '\0':` returns end_of_input), so text after one was silently ignored and
  // a NUL inside a value read as "the text ends early". Refuse it where it is.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    doc.errors.push_back({"", "a NUL byte (\\x00) is in the file at byte " + std::to_string(nul),
                          "scenario files are text: remove the NUL byte (a binary or UTF-16 file? save it as UTF-8)",
                          lines.at(nul)});
    return doc;
  }
  std::string clean(text);
  if (!strip(clean, lines, limits, doc.errors)) return doc;
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(clean);
  } catch (const nlohmann::json::out_of_range& e) {
    // "number overflow parsing '1e400'" (out_of_range.406): no position in the exception;
    // the walker finds the number, its path and its line:column.
    Walker(clean, lines, limits, doc).run();
    if (doc.errors.empty()) doc.errors.push_back({"", printable(e.what(), 300), "use a smaller number", TextPos{1, 1}});
    return doc;
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 5: <detail>"
    const size_t at = what.find("parse error at line");
    if (at != std::string::npos) {
      const size_t colon = what.find(": ", at);
      if (colon != std::string::npos) what = what.substr(colon + 2);
    }
    size_t offset = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    // nlohmann reports the position after the offending token; point at its start when
    // the token it quotes ("last read: '...'") is found verbatim right there.
    const size_t lr = what.find("last read: '");
    if (lr != std::string::npos) {
      const size_t begin = lr + 12;
      const size_t end = what.rfind('\'');
      if (end != std::string::npos && end > begin) {
        const std::string token = what.substr(begin, end - begin);
        const size_t stop = std::min<size_t>(e.byte, clean.size());
        if (!token.empty() && token.size() <= stop && clean.compare(stop - token.size(), token.size(), token) == 0) {
          offset = stop - token.size();
        }
      }
    }
    // "unexpected string literal": the offset is the closing quote; point at the opening one.
    if (what.find("unexpected string literal") != std::string::npos && offset < clean.size() &&
        clean[offset] == '"' && offset > 0) {
      size_t open = offset - 1;
      while (open > 0 && !(clean[open] == '"' && clean[open - 1] != '\\')) --open;
      if (clean[open] == '"') offset = open;
    }
    TextPos pos = lines.at(offset);
    doc.errors.push_back({"", printable(what, 300), syntax_fix(what), pos});
    return doc;
  }
  Walker(clean, lines, limits, doc).run();
  if (doc.errors.empty()) doc.value = std::move(value);
  return doc;
}

}  // namespace

std::string child_path(const std::string& parent, std::string_view key) {
  if (is_identifier(key)) return parent + "." + std::string(key);
  return parent + "[" + nlohmann::json(std::string(key)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "]";
}

std::string index_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

TextPos lookup_position(const std::map<std::string, TextPos>& positions, const std::string& path) {
  for (size_t len = path.size(); len > 0; --len) {
    if (len < path.size() && path[len] != '.' && path[len] != '[') continue;
    const auto it = positions.find(path.substr(0, len));
    if (it != positions.end()) return it->second;
  }
  return {};
}

std::string quote_for_message(std::string_view text, size_t max_bytes) {
  std::string inner = printable(text, max_bytes);
  std::string out = "\"";
  for (char c : inner) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

JsoncDocument parse_jsonc(std::string_view text, const JsoncLimits& limits) {
  try {
    return parse_or_throw(text, limits);
  } catch (const std::exception& e) {
    // Only allocation failure can land here; report instead of crashing.
    JsoncDocument doc;
    doc.errors.push_back({"", std::string("internal error while reading JSON: ") + e.what(), "", TextPos{}});
    return doc;
  }
}

}  // namespace raftlab::scenario
