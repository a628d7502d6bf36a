// sim/time.h — virtual time: a strong int64 nanosecond type.
//
// Must never: be built from a double or from the wall clock. Virtual time only moves
// when the event loop jumps to the next event.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace raftlab::sim {

// A span or an instant of virtual time, in nanoseconds since the start of the run.
struct Duration {
  std::int64_t ns = 0;
  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return {ns + o.ns}; }
  constexpr Duration operator-(Duration o) const { return {ns - o.ns}; }
  constexpr Duration& operator+=(Duration o) { ns += o.ns; return *this; }
  constexpr Duration operator*(std::int64_t k) const { return {ns * k}; }
};
using Time = Duration;  // an instant is the duration since t=0

constexpr Duration nanos(std::int64_t v) { return {v}; }
constexpr Duration micros(std::int64_t v) { return {v * 1000}; }
constexpr Duration millis(std::int64_t v) { return {v * 1000 * 1000}; }
constexpr Duration seconds(std::int64_t v) { return {v * 1000 * 1000 * 1000}; }

// "1.5s", "250ms", "120us", "0s" — shortest exact form, for humans and traces.
std::string format_duration(Duration d);

}  // namespace raftlab::sim
