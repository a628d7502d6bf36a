// tests/raft/payload_test.cc — raft::Payload, an entry's shared immutable bytes: value
// semantics (copies compare equal and outlive the original), the empty payload, and that
// replication shares an entry's bytes rather than copying them; StoredEntry, the 16-byte
// form a log keeps an entry in, gives back the same entry at its index.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "raft/log.h"
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

TEST(StoredEntry, GivesBackTheEntryAtItsIndexSharingItsBytes) {
  const Term big = (Term{1} << 56) - 1;  // the largest term a StoredEntry holds
  const Entry cases[] = {
      Entry{0, 1, EntryType::Normal, ""},
      Entry{7, 9, EntryType::ConfChange, "cc"},
      Entry{big, 12, EntryType::Normal, "put"},
      Entry{big, 13, EntryType::ConfChange, ""},
  };
  for (const Entry& e : cases) {
    const StoredEntry s(e);
    EXPECT_EQ(s.term(), e.term);
    EXPECT_EQ(s.type(), e.type);
    EXPECT_EQ(s.entry(e.index), e);
    EXPECT_EQ(s.entry(e.index).data.data(), e.data.data()) << "bytes shared, not copied";
    Entry filled{99, 99, EntryType::ConfChange, "old"};
    s.fill(e.index, &filled);
    EXPECT_EQ(filled, e);
  }
  static_assert(sizeof(StoredEntry) * 2 == sizeof(Entry));
}

TEST(StoredEntry, ALogKeepsTermsTypesAndIndexesThroughTruncation) {
  RaftLog log({Entry{1, 1, EntryType::Normal, "a"}, Entry{1, 2, EntryType::ConfChange, "b"},
               Entry{2, 3, EntryType::Normal, "c"}});
  EXPECT_EQ(log.term(3), 2u);
  EXPECT_EQ(log.type_at(2), EntryType::ConfChange);
  EXPECT_EQ(log.at(2), (Entry{1, 2, EntryType::ConfChange, "b"}));
  // A leader of term 3 overwrites index 3 and appends 4.
  LogIndex last = 0;
  ASSERT_TRUE(log.maybe_append(2, 1, 0, {Entry{3, 3, EntryType::Normal, "x"}, Entry{3, 4, EntryType::Normal, "y"}}, &last));
  EXPECT_EQ(last, 4u);
  std::vector<Entry> out{Entry{5, 50, EntryType::Normal, "kept"}};  // slice appends
  log.slice(1, 4, 10, &out);
  const std::vector<Entry> want{Entry{5, 50, EntryType::Normal, "kept"}, Entry{1, 1, EntryType::Normal, "a"},
                                Entry{1, 2, EntryType::ConfChange, "b"}, Entry{3, 3, EntryType::Normal, "x"},
                                Entry{3, 4, EntryType::Normal, "y"}};
  EXPECT_EQ(out, want);
}

}  // namespace
}  // namespace raft::test
