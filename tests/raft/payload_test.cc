// tests/raft/payload_test.cc — raft::Payload, an entry's shared immutable bytes: value
// semantics (copies compare equal and outlive the original), the empty payload, and that
// replication shares an entry's bytes rather than copying them.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "raft/payload.h"
#include "tests/raft/cluster.h"

namespace raft::test {
namespace {

TEST(Payload, EmptyIsNullAndEqualToEmptyText) {
  Payload p;
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.size(), 0u);
  EXPECT_EQ(p.use_count(), 0u);
  EXPECT_EQ(p, "");
  EXPECT_EQ(p, Payload(std::string()));  // an empty string makes the null payload
  EXPECT_EQ(Payload("").use_count(), 0u);
  EXPECT_STREQ(p.data(), "");
}

TEST(Payload, CopiesShareBytesAndOutliveTheOriginal) {
  Payload copy;
  {
    Payload a(std::string(100, 'x') + "tail");
    EXPECT_EQ(a.use_count(), 1u);
    copy = a;
    EXPECT_EQ(a.use_count(), 2u);
    EXPECT_EQ(copy.data(), a.data());  // the same bytes, not a copy
    Payload b = a;
    EXPECT_EQ(a.use_count(), 3u);
  }
  EXPECT_EQ(copy.use_count(), 1u);
  EXPECT_EQ(copy.size(), 104u);
  EXPECT_EQ(copy.view().substr(100), "tail");
}

TEST(Payload, MoveLeavesTheSourceEmptyAndSelfAssignmentIsSafe) {
  Payload a("value");
  Payload b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): documented state
  EXPECT_EQ(b, "value");
  Payload& self = b;
  b = self;
  EXPECT_EQ(b, "value");
  EXPECT_EQ(b.use_count(), 1u);
  b = std::move(self);
  EXPECT_EQ(b, "value");
  b.clear();
  EXPECT_TRUE(b.empty());
}

TEST(Payload, EqualityComparesBytes) {
  const Payload a("k=v"), b(std::string("k=v")), c("k=w");
  EXPECT_EQ(a, b);
  EXPECT_NE(a.data(), b.data());  // equal by value, separate bytes
  EXPECT_FALSE(a == c);
  EXPECT_EQ(a, std::string("k=v"));
  EXPECT_EQ(a, std::string_view("k=v"));
  const Entry e1{1, 2, EntryType::Normal, a}, e2{1, 2, EntryType::Normal, b};
  EXPECT_EQ(e1, e2);
  std::string bytes("\0\x1f\xff", 3);  // any bytes, including NUL
  EXPECT_EQ(Payload(bytes).size(), 3u);
  EXPECT_EQ(Payload(bytes).view(), bytes);
}

// The point of the type: a proposal's bytes are stored once; the leader's log, every
// MsgApp and every follower's log hold the same bytes.
TEST(Payload, ReplicationSharesAnEntrysBytes) {
  Cluster c(3);
  c.campaign(1);
  c.stabilize();
  c.clear_sent();
  ASSERT_EQ(c.propose(1, std::string(64, 'p')), ProposeResult::Ok);
  c.stabilize();
  c.run_ticks(2);
  const char* bytes = nullptr;
  int carried = 0;
  for (const Message& m : c.sent()) {
    for (const Entry& e : m.entries) {
      if (e.data != std::string(64, 'p')) continue;
      if (bytes == nullptr) bytes = e.data.data();
      EXPECT_EQ(e.data.data(), bytes) << describe(m);
      ++carried;
    }
  }
  EXPECT_GE(carried, 2);  // one MsgApp per follower
  for (NodeId id : c.ids()) {
    ASSERT_FALSE(c.member(id).applied.empty());
    EXPECT_EQ(c.member(id).applied.back().data.data(), bytes) << id;
  }
}

}  // namespace
}  // namespace raft::test
