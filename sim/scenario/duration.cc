#include "sim/scenario/duration.h"

#include <array>

namespace raftlab::scenario {
namespace {

struct Unit {
  std::string_view name;
  int64_t ns;
};

// Longest names first so "ms" is not read as "m" followed by garbage "s".
constexpr std::array<Unit, 7> kUnits{{{"ns", 1},
                                      {"us", 1'000},
                                      {"\xC2\xB5s", 1'000},  // µs, as Go's time package
                                      {"ms", 1'000'000},
                                      {"h", 3600 * kNanosPerSecond},
                                      {"m", 60 * kNanosPerSecond},
                                      {"s", kNanosPerSecond}}};

constexpr int kMaxFractionDigits = 9;

ParsedDuration fail(std::string_view text, std::string message, std::string fix) {
  ParsedDuration d;
  d.message = std::move(message);
  d.fix = std::move(fix);
  (void)text;
  return d;
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

ParsedDuration malformed(std::string_view text) {
  return fail(text, "malformed duration " + quoted(text),
              "write a number followed by a unit (ns, us, ms, s, m, h), e.g. \"5s\" or \"1500ms\"");
}

ParsedDuration too_long(std::string_view text) {
  return fail(text, "duration " + quoted(text) + " is longer than 24h",
              "scenarios model at most one day of virtual time; use a shorter duration");
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string ParsedDuration::error() const { return message + ": " + fix; }

ParsedDuration parse_duration(std::string_view text) {
  if (text.empty() || text.size() > 64) return malformed(text);
  if (text[0] == '-') {
    return fail(text, "negative duration " + quoted(text),
                "times count from the start of the run and cannot be negative; write e.g. \"0s\"");
  }
  if (text == "0") {
    ParsedDuration zero;
    zero.ok = true;
    return zero;
  }
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    // Integer part. Invariant: whole <= kMaxDurationNs, so whole * 10 + 9 cannot overflow.
    int64_t whole = 0;
    size_t digits = 0;
    while (i < text.size() && is_digit(text[i])) {
      whole = whole * 10 + (text[i] - '0');
      if (whole > kMaxDurationNs) return too_long(text);
      ++i;
      ++digits;
    }
    int64_t fraction = 0;
    int64_t fraction_scale = 1;  // 10^(number of fraction digits)
    size_t fraction_digits = 0;
    if (i < text.size() && text[i] == '.') {
      ++i;
      while (i < text.size() && is_digit(text[i])) {
        if (fraction_digits == kMaxFractionDigits) {
          return fail(text, "duration " + quoted(text) + " has more than 9 fractional digits",
                      "nanoseconds are the finest unit; write e.g. \"1.000000001s\" or \"1000000001ns\"");
        }
        fraction = fraction * 10 + (text[i] - '0');
        fraction_scale *= 10;
        ++fraction_digits;
        ++i;
      }
      if (fraction_digits == 0) return malformed(text);
    }
    if (digits == 0) return malformed(text);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return malformed(text);
    i += unit->name.size();
    if (whole > kMaxDurationNs / unit->ns) return too_long(text);
    int64_t part = whole * unit->ns;
    // fraction * unit / scale without overflow: split unit into quotient and remainder.
    // fraction < scale <= 1e9, remainder < scale, so fraction * remainder < 1e18.
    const int64_t q = unit->ns / fraction_scale;
    const int64_t r = unit->ns % fraction_scale;
    if ((fraction * r) % fraction_scale != 0) {
      return fail(text, "duration " + quoted(text) + " is finer than 1ns",
                  "nanoseconds are the finest unit; round to a whole number of nanoseconds");
    }
    part += fraction * q + (fraction * r) / fraction_scale;
    if (part > kMaxDurationNs) return too_long(text);
    total += part;  // both <= 24h: no overflow
    if (total > kMaxDurationNs) return too_long(text);
  }
  ParsedDuration d;
  d.ok = true;
  d.ns = total;
  return d;
}

namespace {

// whole[.fraction]unit with the fraction's trailing zeros trimmed; exact for any ns.
std::string with_unit(int64_t ns, int64_t unit_ns, const char* unit) {
  std::string out = std::to_string(ns / unit_ns);
  int64_t rest = ns % unit_ns;
  if (rest != 0) {
    out += '.';
    for (int64_t scale = unit_ns / 10; rest != 0 && scale > 0; scale /= 10) {
      out += static_cast<char>('0' + rest / scale);
      rest %= scale;
    }
  }
  return out + unit;
}

}  // namespace

std::string format_duration(int64_t ns) {
  if (ns <= 0) return "0s";
  std::string out;
  const int64_t hour = 3600 * kNanosPerSecond;
  const int64_t minute = 60 * kNanosPerSecond;
  if (ns >= hour) out += std::to_string(ns / hour) + "h";
  ns %= hour;
  if (ns >= minute || (!out.empty() && ns > 0)) out += std::to_string(ns / minute) + "m";
  ns %= minute;
  if (ns == 0) return out;
  if (!out.empty() || ns >= kNanosPerSecond) return out + with_unit(ns, kNanosPerSecond, "s");
  if (ns >= 1'000'000) return with_unit(ns, 1'000'000, "ms");
  if (ns >= 1'000) return with_unit(ns, 1'000, "us");
  return std::to_string(ns) + "ns";
}

}  // namespace raftlab::scenario
