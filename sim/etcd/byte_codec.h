// sim/etcd/byte_codec.h — the byte encoding of a member's snapshot (member_snapshot.cc) and
// of the auth store inside it (auth.cc): little-endian 64-bit integers and strings
// prefixed by their length as one.
//
//   std::string out;
//   put_u64(&out, 7);
//   put_str(&out, "root");
//   ByteReader r{out};
//   const std::uint64_t n = r.u64();     // 7
//   const std::string name = r.str();    // "root"
//   if (!r.ok || r.pos != out.size()) ...  // short, overlong or trailing bytes
//
// Every read is bounds-checked: the bytes cross the simulated network in a leader's
// snapshot, so a short or corrupt buffer must make `ok` false, never read past the end.
// Must never: read outside `s`, allocate more than the bytes left, or throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace raftlab::etcd {

inline void put_u64(std::string* out, std::uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(b, 8);
}

inline void put_str(std::string* out, std::string_view s) {
  put_u64(out, s.size());
  out->append(s);
}

// Reads what put_u64 / put_str wrote, in order. After a failed read `ok` stays false and
// every further read returns 0 or "" without moving `pos`.
struct ByteReader {
  std::string_view s;
  std::size_t pos = 0;  // Invariant: pos <= s.size()
  bool ok = true;

  std::uint64_t u64() {
    if (!ok || s.size() - pos < 8) return ok = false, 0;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[pos + i])) << (8 * i);
    pos += 8;
    return v;
  }
  std::string str() {
    const std::uint64_t n = u64();
    if (!ok || s.size() - pos < n) return ok = false, std::string();
    std::string v(s.substr(pos, static_cast<std::size_t>(n)));
    pos += static_cast<std::size_t>(n);
    return v;
  }
};

}  // namespace raftlab::etcd
