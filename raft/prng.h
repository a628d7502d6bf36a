// raft/prng.h — the Raft core's own deterministic PRNG (xoshiro256** seeded through
// splitmix64). Used only for randomized election timeouts.
//
// Must never: use <random> engines or distributions (their output differs between
// standard libraries), read entropy, or be shared between nodes.
#pragma once

#include <cstdint>

#include "raft/assert.h"

namespace raft {

class Prng {
 public:
  explicit Prng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : s_) s = splitmix64(&x);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) without modulo bias: reject the lowest (2^64 mod n) draws so the
  // remaining range is an exact multiple of n.
  std::uint64_t uniform(std::uint64_t n) {
    RAFT_ASSERT(n > 0, "uniform(0)");
    const std::uint64_t threshold = (0 - n) % n;  // == 2^64 mod n
    for (;;) {  // Expected iterations < 2; each retry has probability < 1/2.
      const std::uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t* x) {
    std::uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t s_[4];
};

}  // namespace raft
