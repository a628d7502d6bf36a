// The snapshot's byte encoding (sim/etcd/byte_codec.h), shared by a member's snapshot
// (member_snapshot.cc) and the auth store inside it (auth.cc): what put_* writes reads back
// the same, and a short or corrupt buffer (a snapshot crosses the network) makes the reader
// fail without reading past the end or allocating for a length it does not hold.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "sim/etcd/auth.h"
#include "sim/etcd/byte_codec.h"

namespace raftlab {
namespace {

TEST(ByteCodec, WhatPutWritesReadsBackLittleEndian) {
  std::string out;
  etcd::put_u64(&out, 0x0102030405060708ULL);
  etcd::put_str(&out, "root");
  etcd::put_str(&out, "");
  ASSERT_EQ(out.size(), 8u + 8u + 4u + 8u);
  EXPECT_EQ(static_cast<unsigned char>(out[0]), 0x08);  // low byte first
  EXPECT_EQ(static_cast<unsigned char>(out[7]), 0x01);
  etcd::ByteReader r{out};
  EXPECT_EQ(r.u64(), 0x0102030405060708ULL);
  EXPECT_EQ(r.str(), "root");
  EXPECT_EQ(r.str(), "");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.pos, out.size());
}

TEST(ByteCodec, AShortBufferFailsAndStaysFailed) {
  std::string out;
  etcd::put_u64(&out, 7);
  etcd::ByteReader r{std::string_view(out).substr(0, 5)};
  EXPECT_EQ(r.u64(), 0u);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.pos, 0u);
  EXPECT_EQ(r.str(), "");  // every later read fails too, without moving
  EXPECT_EQ(r.pos, 0u);
}

TEST(ByteCodec, ALengthPastTheEndFailsWithoutAllocatingIt) {
  std::string out;
  etcd::put_u64(&out, std::numeric_limits<std::uint64_t>::max());  // a corrupt length prefix
  out += "abc";
  etcd::ByteReader r{out};
  EXPECT_EQ(r.str(), "");
  EXPECT_FALSE(r.ok);
}

// The auth store decodes through the same reader: every truncation of a real encoding is
// refused and leaves the store as it was.
TEST(ByteCodec, EveryTruncatedAuthStoreIsRefused) {
  etcd::AuthStore store;
  ASSERT_EQ(store.apply({etcd::AuthOp::UserAdd, "", {"root", "pw"}}).error, "");
  ASSERT_EQ(store.apply({etcd::AuthOp::UserGrantRole, "", {"root", "root"}}).error, "");
  const std::string bytes = store.encode();
  etcd::AuthStore back;
  ASSERT_TRUE(back.decode(bytes));
  EXPECT_EQ(back.encode(), bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    etcd::AuthStore t;
    EXPECT_FALSE(t.decode(std::string_view(bytes).substr(0, n))) << "prefix of " << n << " bytes";
    EXPECT_TRUE(t.empty());
  }
}

}  // namespace
}  // namespace raftlab
