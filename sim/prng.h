// sim/prng.h — the simulator's own pseudo-random generator and distributions.
//
// splitmix64 seeds xoshiro256**; derive() makes an independent child stream per
// purpose ("network", "member/etcd1", ...), so adding a component does not shift the
// draws of the others. Distributions are integer-only and identical on every platform.
// Must never: use std:: distributions or std::shuffle (implementation-defined output).
#pragma once

#include <cstdint>
#include <string_view>

namespace raftlab::sim {

__extension__ typedef unsigned __int128 u128;  // GCC/Clang 128-bit product for Lemire's method

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// FNV-1a 64 over a purpose label; stable across platforms and runs.
inline std::uint64_t label_hash(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) { h ^= c; h *= 0x100000001b3ULL; }
  return h;
}

class Prng {
 public:
  explicit Prng(std::uint64_t seed) : seed_(seed) {
    std::uint64_t sm = seed;
    for (auto& w : s_) w = splitmix64(sm);
  }

  // A child stream for one purpose. Depends only on (this stream's seed, label).
  Prng derive(std::string_view label) const {
    std::uint64_t mix = seed_ ^ label_hash(label);
    return Prng(splitmix64(mix));
  }

  std::uint64_t seed() const { return seed_; }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0]; s_[3] ^= s_[1]; s_[1] ^= s_[2]; s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n), unbiased (Lemire's multiply-shift with rejection). n > 0.
  std::uint64_t uniform(std::uint64_t n) {
    u128 m = static_cast<u128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<u128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Uniform in [lo, hi] inclusive.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    // Span in unsigned arithmetic: hi - lo may not fit in int64 (e.g. INT64_MIN..INT64_MAX).
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    const std::uint64_t off = span == UINT64_MAX ? next() : uniform(span + 1);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + off);
  }

  // True with probability numerator/denominator (integer ratio, no floating point).
  bool chance(std::uint64_t numerator, std::uint64_t denominator) {
    if (numerator == 0) return false;
    if (numerator >= denominator) return true;
    return uniform(denominator) < numerator;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t seed_;
  std::uint64_t s_[4];
};

}  // namespace raftlab::sim
