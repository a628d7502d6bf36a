// tests/raft/replication_test.cc — log replication and the commit rule (Raft paper
// §5.3, §5.4.2, Figures 7 and 8), proposals and flow control.
#include <gtest/gtest.h>

#include <map>

#include "tests/raft/cluster.h"

namespace raft::test {
namespace {

TEST(Replication, ProposalsCommitAndApplyEverywhere) {
  Cluster c(3);
  c.campaign(1);
  c.stabilize();
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(c.propose(1, label("x", static_cast<std::uint64_t>(i))), ProposeResult::Ok);
  }
  c.stabilize();
  c.run_ticks(2);  // Heartbeats carry the final commit index to followers.
  for (NodeId id : c.ids()) {
    EXPECT_EQ(c.node(id).commit_index(), 14u) << id;  // 3 conf + 1 empty + 10.
    ASSERT_EQ(c.member(id).applied.size(), 14u) << id;
    EXPECT_EQ(c.member(id).applied.back().data, "x9") << id;
  }
}

// Figure 7: a leader for term 8 with log 1 1 1 4 4 5 5 6 6 6 brings each of the
// follower logs (a)-(f) to match its own, whatever is missing or extra.
TEST(Replication, Figure7LeaderRepairsEveryFollowerLog) {
  const std::vector<Term> leader_log = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  const std::map<char, std::vector<Term>> followers = {
      {'a', {1, 1, 1, 4, 4, 5, 5, 6, 6}},
      {'b', {1, 1, 1, 4}},
      {'c', {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}},
      {'d', {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}},
      {'e', {1, 1, 1, 4, 4, 4, 4}},
      {'f', {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}},
  };
  for (const auto& [name, flog] : followers) {
    SCOPED_TRACE(std::string("follower ") + name);
    // The three term-1 entries are the bootstrap conf entries of voters {1, 2, 3}.
    // Node 3 (empty past the bootstrap) gives the leader its second vote; follower (d)
    // has a more up-to-date log and refuses.
    ClusterOptions o;
    o.pre_vote = false;
    o.max_entries_per_msg = 2;  // Several round trips for the longer repairs.
    Cluster c({{1, Storage{HardState{7, kNone, 3}, make_log(leader_log, 3)}},
               {2, Storage{HardState{7, kNone, 3}, make_log(flog, 3)}},
               {3, Storage{HardState{7, kNone, 3}, make_log({1, 1, 1}, 3)}}},
              o);
    c.campaign(1);
    c.stabilize();
    ASSERT_EQ(c.node(1).role(), Role::Leader);
    ASSERT_EQ(c.node(1).term(), 8u);
    c.run_ticks(2);
    std::vector<Term> want = leader_log;
    want.push_back(8);  // The new leader's empty entry.
    EXPECT_EQ(terms_of(c.member(2).disk.entries), want);
    EXPECT_EQ(c.member(2).disk.entries, c.member(1).disk.entries);
    EXPECT_EQ(c.node(2).commit_index(), 11u);
  }
}

// Figure 8 setup, five servers after (b): S1 (term 3) and S2 hold index 6 at term 2;
// S5 holds index 6 at term 3; S3 and S4 voted for S5 in term 3. Indexes 1-5 are the
// bootstrap conf entries. S1 becomes leader in term 4 (S5 is down) and replicates
// index 6 to S3 and S4, but the network loses every MsgApp that would deliver its
// term-4 entry (index 7) — situation (c).
std::unique_ptr<Cluster> figure8_c() {
  ClusterOptions o;
  o.pre_vote = false;
  o.max_entries_per_msg = 1;
  auto c = std::make_unique<Cluster>(
      std::map<NodeId, Storage>{
          {1, Storage{HardState{3, kNone, 5}, make_log({1, 1, 1, 1, 1, 2}, 5)}},
          {2, Storage{HardState{2, kNone, 5}, make_log({1, 1, 1, 1, 1, 2}, 5)}},
          {3, Storage{HardState{3, 5, 5}, make_log({1, 1, 1, 1, 1}, 5)}},
          {4, Storage{HardState{3, 5, 5}, make_log({1, 1, 1, 1, 1}, 5)}},
          {5, Storage{HardState{3, 5, 5}, make_log({1, 1, 1, 1, 1, 3}, 5)}}},
      o);
  c->isolate(5);
  Cluster* raw = c.get();
  c->set_filter([raw](const Message& m) {
    if (m.type != MessageType::MsgApp) return false;
    for (const Entry& e : m.entries) {
      // Deliver only if the follower would reject it anyway (it lacks index 6).
      if (e.index == 7) return raw->node(m.to).last_index() >= 6;
    }
    return false;
  });
  c->campaign(1);
  c->stabilize();
  return c;
}

TEST(Replication, Figure8OldTermEntryOnMajorityIsNotCommitted) {
  auto c = figure8_c();
  ASSERT_EQ(c->node(1).role(), Role::Leader);
  ASSERT_EQ(c->node(1).term(), 4u);
  // Index 6 (term 2) is stored on S1, S2, S3 and S4 — a majority of five...
  for (NodeId id : {1, 2, 3, 4}) {
    ASSERT_GE(c->member(id).disk.entries.size(), 6u) << id;
    EXPECT_EQ(c->member(id).disk.entries[5].term, 2u) << id;
  }
  // ...and the leader knows it for S3 and S4, yet must not commit it (§5.4.2).
  EXPECT_EQ(c->node(1).commit_index(), 5u);
  // (d) Why: S1 crashes, S5 comes back and wins with votes from S2, S3, S4 (its last
  // term 3 beats their 2), then overwrites index 6 everywhere.
  c->heal();
  c->isolate(1);
  for (int i = 0; i < 3 && c->node(5).role() != Role::Leader; ++i) {
    c->campaign(5);
    c->stabilize();
  }
  ASSERT_EQ(c->node(5).role(), Role::Leader);
  c->run_ticks(2);
  for (NodeId id : {2, 3, 4}) EXPECT_EQ(c->member(id).disk.entries[5].term, 3u) << id;
}

TEST(Replication, Figure8OldTermEntryCommitsWithCurrentTermEntry) {
  auto c = figure8_c();
  ASSERT_EQ(c->node(1).commit_index(), 5u);
  // (e) Once the term-4 entry reaches a majority, it and index 6 before it commit.
  c->heal();
  c->isolate(5);
  c->run_ticks(3);
  EXPECT_EQ(c->node(1).commit_index(), 7u);
  for (NodeId id : {1, 2, 3, 4}) {
    ASSERT_EQ(c->member(id).applied.size(), 7u) << id;
    EXPECT_EQ(c->member(id).applied[5].term, 2u) << id;
  }
}

TEST(Replication, FollowerTruncatesConflictingSuffix) {
  // Follower with uncommitted entries 4 and 5 from a deposed term-2 leader.
  Config cfg;
  cfg.id = 2;
  Node n(cfg, Storage{HardState{2, kNone, 3}, make_log({1, 1, 1, 2, 2}, 3)});
  Entry e4{3, 4, EntryType::Normal, "new4"};
  Message app{.type = MessageType::MsgApp, .from = 1, .to = 2, .term = 3, .index = 3,
              .log_term = 1, .commit = 4};
  app.entries = {e4};
  EXPECT_EQ(describe(app), "1->2 MsgApp Term:3 Log:1/3 Commit:4 Entries:[3/4]");
  n.step(app);
  EXPECT_EQ(n.last_index(), 4u);
  EXPECT_EQ(n.commit_index(), 4u);
  Ready rd = n.ready();
  ASSERT_EQ(rd.entries.size(), 1u);  // Overwrites the persisted suffix from index 4.
  EXPECT_EQ(rd.entries[0], e4);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(*rd.hard_state, (HardState{3, kNone, 4}));
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(describe(rd.messages[0]), "2->1 MsgAppResp Term:3 Log:0/4");
  // Committed entries 1..4 are applied; 4 is the new one, never the old term-2 entry.
  ASSERT_EQ(rd.committed_entries.size(), 4u);
  EXPECT_EQ(rd.committed_entries.back(), e4);
  n.advance(rd);
}

TEST(Replication, FollowerRejectsWithConflictHint) {
  Config cfg;
  cfg.id = 2;
  Node n(cfg, Storage{HardState{3, kNone, 3}, make_log({1, 1, 1, 2, 2, 2}, 3)});
  // Leader's prev entry 8 at term 5: we lack it. Hint: our last index with term <= 5.
  n.step(Message{.type = MessageType::MsgApp, .from = 1, .to = 2, .term = 5, .index = 8,
                 .log_term = 5, .commit = 3});
  Ready rd = n.ready();
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(describe(rd.messages[0]), "2->1 MsgAppResp Term:5 Log:0/8 Rejected (Hint: 6)");
  EXPECT_EQ(rd.messages[0].hint_term, 2u);
  n.advance(rd);
  // Prev 6 at term 4 (we have term 2 there): skip back to the last index with term <= 4.
  n.step(Message{.type = MessageType::MsgApp, .from = 1, .to = 2, .term = 5, .index = 6,
                 .log_term = 4, .commit = 3});
  rd = n.ready();
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_TRUE(rd.messages[0].reject);
  EXPECT_EQ(rd.messages[0].reject_hint, 6u);
  n.advance(rd);
  n.step(Message{.type = MessageType::MsgApp, .from = 1, .to = 2, .term = 5, .index = 6,
                 .log_term = 1, .commit = 3});
  rd = n.ready();
  EXPECT_EQ(rd.messages[0].reject_hint, 3u);  // Term-2 entries 4-6 skipped in one step.
  EXPECT_EQ(rd.messages[0].hint_term, 1u);
}

TEST(Replication, FollowerForwardsProposalToLeader) {
  Cluster c(3);
  c.campaign(1);
  c.stabilize();
  c.clear_sent();
  EXPECT_EQ(c.propose(2, "fwd"), ProposeResult::Ok);
  ASSERT_FALSE(c.sent().empty());
  EXPECT_EQ(c.sent()[0].type, MessageType::MsgProp);
  EXPECT_EQ(c.sent()[0].to, 1u);
  c.stabilize();
  c.run_ticks(1);
  for (NodeId id : c.ids()) EXPECT_EQ(c.member(id).applied.back().data, "fwd") << id;
}

TEST(Replication, ProposalDroppedWithoutLeader) {
  Cluster c(3);
  EXPECT_EQ(c.propose(2, "x"), ProposeResult::Dropped);  // No leader known yet.
  c.isolate(1);
  c.campaign(1);  // A pre-candidate that cannot reach anyone.
  EXPECT_EQ(c.node(1).role(), Role::PreCandidate);
  EXPECT_EQ(c.propose(1, "x"), ProposeResult::Dropped);
  EXPECT_EQ(c.node(1).last_index(), 3u);
}

TEST(Replication, InflightWindowLimitsUnacknowledgedMsgApps) {
  ClusterOptions o;
  o.max_inflight_msgs = 2;
  o.max_entries_per_msg = 1;
  Cluster c(3, o);
  c.campaign(1);
  c.stabilize();  // Both followers reach Replicate.
  c.set_filter([](const Message& m) { return m.from == 2 || m.to == 2; });
  c.clear_sent();
  for (int i = 0; i < 10; ++i) (void)c.propose(1, "p");
  c.stabilize();
  int to2 = 0;
  int to3 = 0;
  for (const Message& m : c.sent()) {
    if (m.type == MessageType::MsgApp && !m.entries.empty()) (m.to == 2 ? to2 : to3) += 1;
  }
  EXPECT_EQ(to2, 2);  // The window: node 2 never answers.
  EXPECT_GE(to3, 10);
  EXPECT_EQ(c.node(1).commit_index(), 14u);  // Nodes 1 and 3 are a quorum.
}

TEST(Replication, LeaderAppendsEmptyEntryAtItsTerm) {
  Cluster c(3);
  c.campaign(2);
  c.stabilize();
  ASSERT_EQ(c.node(2).role(), Role::Leader);
  const Entry& e = c.member(2).disk.entries.back();
  EXPECT_EQ(e.index, 4u);
  EXPECT_EQ(e.term, c.node(2).term());
  EXPECT_EQ(e.type, EntryType::Normal);
  EXPECT_TRUE(e.data.empty());
}

}  // namespace
}  // namespace raft::test
