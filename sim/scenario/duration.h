// Duration strings in scenario files ("250ms", "1.5s", "1m30s") -> int64 nanoseconds.
//
// Integer arithmetic only (no floating point, so every platform reads a file the same
// way). Accepted: one or more <number><unit> pairs, number = digits with an optional
// fraction of at most 9 digits, unit = ns | us | µs | ms | s | m | h; a bare "0" is zero.
// Never throws. Rejects negative values and anything longer than 24h.
//
//   auto d = raftlab::scenario::parse_duration("1m30s");   // d.ok, d.ns == 90'000'000'000
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace raftlab::scenario {

inline constexpr int64_t kNanosPerSecond = 1'000'000'000;
// Invariant: every parsed duration lies in [0, kMaxDurationNs].
inline constexpr int64_t kMaxDurationNs = 24LL * 3600 * kNanosPerSecond;

struct ParsedDuration {
  bool ok = false;
  int64_t ns = 0;       // valid when ok
  std::string message;  // when !ok: what is wrong, e.g. `malformed duration "5 sec"`
  std::string fix;      // when !ok: how to write it instead
  // message + ": " + fix, the one-line form.
  [[nodiscard]] std::string error() const;
};

[[nodiscard]] ParsedDuration parse_duration(std::string_view text);

// Shortest exact rendering in the same syntax: 0 -> "0s", 90s -> "1m30s",
// 1.5s -> "1.5s", 250ms -> "250ms", 100us -> "100us". parse_duration(format_duration(x))
// == x for every x in [0, kMaxDurationNs].
[[nodiscard]] std::string format_duration(int64_t ns);

}  // namespace raftlab::scenario
