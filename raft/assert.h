// raft/assert.h — always-on invariant checks for the Raft core (also in Release).
//
// A broken invariant is a programmer error: print where and why, then abort. Operating
// errors (a refused proposal, a stale message) never come through here.
//
// Usage:
//   RAFT_ASSERT(commit <= last_index, "commit %llu beyond last %llu", ull(commit), ull(last));
//
// Must never: throw, or be compiled out.
#pragma once

#include <cstdint>

namespace raft::detail {

[[noreturn]] void assert_fail(const char* file, int line, const char* cond, const char* fmt,
                              ...) __attribute__((format(printf, 4, 5)));

// printf's %llu wants exactly unsigned long long; uint64_t is unsigned long on LP64.
inline unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }

}  // namespace raft::detail

#define RAFT_ASSERT(cond, ...)                                                  \
  do {                                                                          \
    if (!(cond)) [[unlikely]]                                                   \
      ::raft::detail::assert_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);      \
  } while (0)
