// The MsgApp byte limit (raft::Config::max_size_per_msg, etcd raft's MaxSizePerMsg and
// limitSize): entries of one message add up to at most the limit, the first entry always
// goes, the entry-count cap still holds, and with large entries an old-term entry can be
// acknowledged before the new leader's own-term entry reaches the follower — the
// situation in which the Figure 8 commit rule matters (and the planted bug
// commit-old-term commits too early).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "raft/log.h"
#include "tests/raft/cluster.h"

namespace raft::test {
namespace {

Entry entry(Term t, LogIndex i, std::size_t bytes) { return Entry{t, i, EntryType::Normal, std::string(bytes, 'x')}; }

std::vector<LogIndex> indexes(const std::vector<Entry>& es) {
  std::vector<LogIndex> out;
  for (const Entry& e : es) out.push_back(e.index);
  return out;
}

TEST(MsgSize, EntrySizeIsTheProtobufSize) {
  // Tags of Term, Index, Type (3 bytes) + one-byte varints; no Data field when empty.
  EXPECT_EQ(entry_size(Entry{1, 1, EntryType::Normal, ""}), 6u);
  // + Data: tag, varint length, bytes.
  EXPECT_EQ(entry_size(entry(1, 1, 3)), 11u);
  // Varints grow by 7 bits a byte: index 128 takes two bytes, a 200-byte payload a
  // two-byte length.
  EXPECT_EQ(entry_size(Entry{1, 128, EntryType::Normal, ""}), 7u);
  EXPECT_EQ(entry_size(entry(1, 1, 200)), 6u + 1 + 2 + 200);
}

std::uint64_t size_is_data_length(const Entry& e) { return e.data.size(); }

TEST(MsgSize, SliceStopsBeforeTheEntryThatWouldPassTheLimit) {
  RaftLog log({entry(1, 1, 100), entry(1, 2, 100), entry(1, 3, 100), entry(1, 4, 500), entry(1, 5, 10)});
  std::vector<Entry> out;
  log.slice(1, 5, 64, 300, &size_is_data_length, &out);  // 100+100+100 = 300: exactly at the limit
  EXPECT_EQ(indexes(out), (std::vector<LogIndex>{1, 2, 3}));
  out.clear();
  log.slice(1, 5, 64, 299, &size_is_data_length, &out);
  EXPECT_EQ(indexes(out), (std::vector<LogIndex>{1, 2}));
  // The first entry goes whatever its size; the next one does not fit behind it.
  out.clear();
  log.slice(4, 5, 64, 300, &size_is_data_length, &out);
  EXPECT_EQ(indexes(out), (std::vector<LogIndex>{4}));
  // 0: one entry per message (etcd: "0 for at most one entry per message").
  out.clear();
  log.slice(1, 5, 64, 0, &size_is_data_length, &out);
  EXPECT_EQ(indexes(out), (std::vector<LogIndex>{1}));
  // No byte limit: only the count cap.
  out.clear();
  log.slice(1, 5, 2, Config::kNoSizeLimit, &size_is_data_length, &out);
  EXPECT_EQ(indexes(out), (std::vector<LogIndex>{1, 2}));
  // Both limits: the count cap binds first for small entries.
  out.clear();
  log.slice(1, 5, 2, 1000, &size_is_data_length, &out);
  EXPECT_EQ(indexes(out), (std::vector<LogIndex>{1, 2}));
  // Without a sizer, entry_size counts (108 bytes for a 100-byte payload at a small index).
  out.clear();
  log.slice(1, 5, 64, 216, nullptr, &out);
  EXPECT_EQ(indexes(out), (std::vector<LogIndex>{1, 2}));
  out.clear();
  log.slice(1, 5, 64, 215, nullptr, &out);
  EXPECT_EQ(indexes(out), (std::vector<LogIndex>{1}));
}

// A follower that lags behind gets large entries one MsgApp each, small ones batched.
TEST(MsgSize, LaggingFollowerGetsLargeEntriesOnePerMessage) {
  ClusterOptions o;
  o.max_size_per_msg = 1024;
  Cluster c(3, o);
  c.campaign(1);
  c.stabilize();
  ASSERT_EQ(c.node(1).role(), Role::Leader);
  c.isolate(3);
  for (int i = 0; i < 3; ++i) c.propose(1, std::string(700, 'b'));  // 700 + 700 > 1024
  for (int i = 0; i < 4; ++i) c.propose(1, "small");
  c.stabilize();
  c.heal();
  c.clear_sent();
  c.run_ticks(3);
  std::vector<std::size_t> batches;
  for (const Message& m : c.sent())
    if (m.type == MessageType::MsgApp && m.to == 3 && !m.entries.empty()) batches.push_back(m.entries.size());
  // Two large entries alone (700 + 700 > 1024); the third takes the four small entries
  // along (700 + 4 x 16 <= 1024).
  EXPECT_EQ(batches, (std::vector<std::size_t>{1, 1, 5}));
  EXPECT_EQ(c.member(3).disk.entries, c.member(1).disk.entries);
}

// Figure 8 through the byte limit alone. Three servers: S1 (term 3) holds index 4 from
// its term-2 leadership, a large entry nobody else has; S2 led term 3 with S3's vote and
// appended index 4 at term 3, then went away. S1 wins term 4 with S3's vote; its
// own-term entry (index 5) cannot travel with index 4 (together they pass the limit),
// and the network loses every MsgApp carrying it. S3 acknowledges index 4 alone.
std::unique_ptr<Cluster> old_term_entry_acked_alone(BugSet bugs) {
  ClusterOptions o;
  o.pre_vote = false;
  o.max_size_per_msg = 1024;
  std::vector<Entry> s1 = make_log({1, 1, 1, 2}, 3);
  s1[3].data = std::string(1024, 'v');  // a 1 KiB value: index 4 + index 5 > 1 KiB
  std::vector<Entry> s2 = make_log({1, 1, 1, 3}, 3);
  auto c = std::make_unique<Cluster>(std::map<NodeId, Storage>{{1, Storage{HardState{3, kNone, 3}, s1}},
                                                               {2, Storage{HardState{3, 2, 3}, s2}},
                                                               {3, Storage{HardState{3, 2, 3}, make_log({1, 1, 1}, 3)}}},
                                     o);
  if (bugs != 0) {
    Config cfg = c->config(1);
    cfg.bugs = bugs;
    c->member(1).node = std::make_unique<Node>(cfg, c->member(1).disk);
  }
  c->isolate(2);
  Cluster* raw = c.get();
  c->set_filter([raw](const Message& m) {
    if (m.type != MessageType::MsgApp) return false;
    for (const Entry& e : m.entries)  // lost whenever the follower could take it
      if (e.index == 5) return raw->node(m.to).last_index() >= 4;
    return false;
  });
  c->campaign(1);
  c->stabilize();
  return c;
}

TEST(MsgSize, OldTermEntryAckedAloneIsNotCommittedByCountingReplicas) {
  auto c = old_term_entry_acked_alone(0);
  ASSERT_EQ(c->node(1).role(), Role::Leader);
  ASSERT_EQ(c->node(1).term(), 4u);
  // Index 4 (term 2) is on S1 and S3 — a majority of three — and S1 knows it...
  ASSERT_EQ(c->member(3).disk.entries.size(), 4u);
  EXPECT_EQ(c->member(3).disk.entries[3].term, 2u);
  // ...but §5.4.2 forbids committing it by counting: it is not of the current term.
  EXPECT_EQ(c->node(1).commit_index(), 3u);
  // Once index 5 (term 4) gets through, both commit.
  c->set_filter(nullptr);
  c->run_ticks(3);
  EXPECT_EQ(c->node(1).commit_index(), 5u);
}

TEST(MsgSize, PlantedCommitOldTermCommitsTheOldEntryInThatWindow) {
  auto c = old_term_entry_acked_alone(bug_bit(Bug::CommitOldTerm));
  ASSERT_EQ(c->node(1).role(), Role::Leader);
  ASSERT_EQ(c->member(3).disk.entries.size(), 4u);
  // The bug commits index 4 by counting S1 and S3: exactly the early commit that S2
  // (term 3 at index 4, electable by S3) could overwrite.
  EXPECT_EQ(c->node(1).commit_index(), 4u);
}

}  // namespace
}  // namespace raft::test
