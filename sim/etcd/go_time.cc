// go_time.cc — see go_time.h.
#include "sim/etcd/go_time.h"

#include <cstdint>

#include "sim/etcd/wording.h"

namespace raftlab::etcd {
namespace {

// Go's time.quote: the string in double quotes, bytes below 0x20 and quote characters
// escaped; the same text as go_quote for the inputs that reach it.
std::string quote(std::string_view s) { return go_quote(s); }

// Nanoseconds per unit; 0 when the unit is unknown.
std::uint64_t unit_ns(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\xc2\xb5s" || u == "\xce\xbcs") return 1000;  // "µs" (U+00B5), "μs" (U+03BC)
  if (u == "ms") return 1000000;
  if (u == "s") return 1000000000ULL;
  if (u == "m") return 60ULL * 1000000000ULL;
  if (u == "h") return 3600ULL * 1000000000ULL;
  return 0;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::string> go_duration_error(std::string_view orig) {
  const std::string invalid = "time: invalid duration " + quote(orig);
  std::string_view s = orig;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s == "0") return std::nullopt;
  if (s.empty()) return invalid;
  constexpr std::uint64_t kMax = 1ULL << 63;  // Go allows up to 1<<63 before the sign
  long double total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || is_digit(s[0]))) return invalid;
    // leadingInt: [0-9]*, overflow past 1<<63 is an error.
    std::uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (v > kMax / 10) return invalid;
      v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
      if (v > kMax) return invalid;
    }
    const bool pre = i > 0;
    s.remove_prefix(i);
    // (\.[0-9]*)? — leadingFraction never fails.
    long double frac = 0, scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      for (; j < s.size() && is_digit(s[j]); ++j) {
        if (scale < 1e19L) {
          frac = frac * 10 + static_cast<long double>(s[j] - '0');
          scale *= 10;
        }
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return invalid;
    size_t k = 0;
    for (; k < s.size() && !(s[k] == '.' || is_digit(s[k])); ++k) {
    }
    if (k == 0) return "time: missing unit in duration " + quote(orig);
    const std::string_view u = s.substr(0, k);
    s.remove_prefix(k);
    const std::uint64_t unit = unit_ns(u);
    if (unit == 0) return "time: unknown unit " + quote(u) + " in duration " + quote(orig);
    if (v > kMax / unit) return invalid;
    total += static_cast<long double>(v) * static_cast<long double>(unit) + frac / scale * static_cast<long double>(unit);
    if (total > static_cast<long double>(kMax)) return invalid;
  }
  // Go: a positive total of exactly 1<<63 overflows int64.
  if (orig[0] != '-' && total > static_cast<long double>(kMax - 1)) return invalid;
  return std::nullopt;
}

}  // namespace raftlab::etcd
