// tests/raft/election_test.cc — leader election (Raft paper §5.2, §5.4.1), PreVote
// (thesis §9.6) and CheckQuorum (thesis §6.2).
#include <gtest/gtest.h>

#include <map>

#include "tests/raft/cluster.h"

namespace raft::test {
namespace {

TEST(Election, SingleNodeElectsItselfOnTimeout) {
  Cluster c(1);
  // Randomized timeout is in [10, 20) ticks: by tick 20 it must have won.
  for (int t = 0; t < 20 && c.node(1).role() != Role::Leader; ++t) c.tick(1);
  EXPECT_EQ(c.node(1).role(), Role::Leader);
  EXPECT_EQ(c.node(1).term(), 2u);  // Bootstrap is term 1; PreVote did not bump it.
  c.stabilize();
  // The leader's empty entry at its term (index 2) is committed once durable.
  EXPECT_EQ(c.node(1).last_index(), 2u);
  EXPECT_EQ(c.node(1).commit_index(), 2u);
  EXPECT_EQ(c.member(1).applied.size(), 2u);
}

TEST(Election, ThreeAndFiveNodeClustersElectByCampaign) {
  for (std::size_t n : {3u, 5u}) {
    Cluster c(n);
    c.campaign(1);
    c.stabilize();
    EXPECT_EQ(c.node(1).role(), Role::Leader) << n;
    for (NodeId id : c.ids()) {
      EXPECT_EQ(c.node(id).leader(), 1u) << n;
      EXPECT_EQ(c.node(id).term(), 2u) << n;
      EXPECT_EQ(c.node(id).commit_index(), n + 1) << n;  // The leader's empty entry.
    }
  }
}

TEST(Election, FiveNodesElectByTicks) {
  Cluster c(5);
  c.run_ticks(25);
  const NodeId l = c.leader();
  ASSERT_NE(l, kNone);
  for (NodeId id : c.ids()) EXPECT_EQ(c.node(id).leader(), l);
}

// Election Safety (Figure 3) under message loss; the cluster checks one leader per
// term after every delivery and identical applied entries everywhere.
TEST(Election, AtMostOneLeaderPerTermUnderRandomDropsAndRestarts) {
  int elected = 0;
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    ClusterOptions o;
    o.seed = seed;
    o.pre_vote = seed % 2 == 0;
    o.check_quorum = seed % 3 == 0;
    const std::size_t n = seed % 4 == 0 ? 3 : 5;
    Cluster c(n, o);
    c.set_drop_per_mille(200 + seed % 300);
    for (int t = 0; t < 60; ++t) {
      // Crash-restart a node from its persisted state now and then.
      if (t % 20 == 10) c.restart((seed + static_cast<std::uint64_t>(t)) % n + 1);
      c.tick_all();
      if (const NodeId l = c.leader(); l != kNone && t % 5 == 0) {
        (void)c.propose(l, label("v", static_cast<std::uint64_t>(t)));
      }
      c.stabilize();
      if (::testing::Test::HasFatalFailure()) return;
    }
    elected += c.leader() != kNone;
  }
  EXPECT_GT(elected, 250);  // Liveness is not the point, but the run must not be vacuous.
}

TEST(Election, VoteRejectedForLessUpToDateLog) {
  // Voter log: bootstrap entries 1..3 (term 1) then index 4 at term 2; current term 2.
  Storage s{HardState{2, kNone, 3}, make_log({1, 1, 1, 2}, 3)};
  struct Case { LogIndex index; Term log_term; bool grant; };
  const Case cases[] = {
      {4, 1, false},  // Lower last term, even though as long.
      {9, 1, false},  // Lower last term, longer: term wins (§5.4.1).
      {3, 2, false},  // Same last term, shorter.
      {4, 2, true},   // Same term, same length.
      {5, 2, true},   // Same term, longer.
      {2, 3, true},   // Higher last term, shorter.
  };
  for (const Case& tc : cases) {
    Config cfg;
    cfg.id = 1;
    Node n(cfg, s);
    n.step(Message{.type = MessageType::MsgVote, .from = 2, .to = 1, .term = 3,
                   .index = tc.index, .log_term = tc.log_term});
    Ready rd = n.ready();
    ASSERT_EQ(rd.messages.size(), 1u);
    const Message& r = rd.messages[0];
    EXPECT_EQ(r.type, MessageType::MsgVoteResp);
    EXPECT_EQ(r.reject, !tc.grant) << tc.index << "/" << tc.log_term;
    EXPECT_EQ(n.term(), 3u);  // A real vote request at a higher term bumps our term.
    ASSERT_TRUE(rd.hard_state.has_value());
    EXPECT_EQ(rd.hard_state->vote, tc.grant ? 2u : kNone);
  }
}

TEST(Election, VotesOncePerTerm) {
  Config cfg;
  cfg.id = 1;
  Node n(cfg, Storage{HardState{1, kNone, 3}, make_log({1, 1, 1}, 3)});
  n.step(Message{.type = MessageType::MsgVote, .from = 2, .to = 1, .term = 2, .index = 3,
                 .log_term = 1});
  n.step(Message{.type = MessageType::MsgVote, .from = 3, .to = 1, .term = 2, .index = 3,
                 .log_term = 1});
  n.step(Message{.type = MessageType::MsgVote, .from = 2, .to = 1, .term = 2, .index = 3,
                 .log_term = 1});  // Retransmission: granted again.
  Ready rd = n.ready();
  ASSERT_EQ(rd.messages.size(), 3u);
  EXPECT_EQ(describe(rd.messages[0]), "1->2 MsgVoteResp Term:2 Log:0/0");
  EXPECT_EQ(describe(rd.messages[1]), "1->3 MsgVoteResp Term:2 Log:0/0 Rejected (Hint: 0)");
  EXPECT_EQ(describe(rd.messages[2]), "1->2 MsgVoteResp Term:2 Log:0/0");
}

// Partition node 3 away for a long time, then let it rejoin.
Term rejoin_term_after_partition(bool pre_vote) {
  ClusterOptions o;
  o.pre_vote = pre_vote;
  Cluster c(3, o);
  c.campaign(1);
  c.stabilize();
  EXPECT_EQ(c.node(1).role(), Role::Leader);
  const Term before = c.node(1).term();
  c.isolate(3);
  for (int t = 0; t < 100; ++t) {
    c.tick(3);  // Node 3 keeps timing out alone.
    c.stabilize();
  }
  if (pre_vote) {
    EXPECT_EQ(c.node(3).term(), before) << "a pre-candidate must not bump its term";
    EXPECT_EQ(c.node(3).role(), Role::PreCandidate);
  } else {
    EXPECT_GT(c.node(3).term(), before + 3);
  }
  c.heal();
  c.run_ticks(40);
  EXPECT_NE(c.leader(), kNone);
  return c.node(1).term() - before;
}

TEST(PreVote, PartitionedNodeDoesNotDisruptOnRejoin) {
  EXPECT_EQ(rejoin_term_after_partition(true), 0u);
}

TEST(PreVote, WithoutPreVoteRejoiningNodeBumpsTerm) {
  EXPECT_GT(rejoin_term_after_partition(false), 0u);
}

TEST(PreVote, GrantDoesNotChangeVoterTerm) {
  Config cfg;
  cfg.id = 1;
  Node n(cfg, Storage{HardState{1, kNone, 3}, make_log({1, 1, 1}, 3)});
  n.step(Message{.type = MessageType::MsgPreVote, .from = 2, .to = 1, .term = 2, .index = 3,
                 .log_term = 1});
  EXPECT_EQ(n.term(), 1u);
  Ready rd = n.ready();
  EXPECT_FALSE(rd.hard_state.has_value());
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(describe(rd.messages[0]), "1->2 MsgPreVoteResp Term:2 Log:0/0");
}

TEST(CheckQuorum, IsolatedLeaderStepsDown) {
  ClusterOptions o;
  o.check_quorum = true;
  Cluster c(3, o);
  c.campaign(1);
  c.stabilize();
  ASSERT_EQ(c.node(1).role(), Role::Leader);
  c.run_ticks(15);  // Healthy: still leader after more than an election timeout.
  ASSERT_EQ(c.node(1).role(), Role::Leader);
  c.isolate(1);
  for (int t = 0; t < 20; ++t) c.tick(1);
  EXPECT_EQ(c.node(1).role(), Role::Follower);
  EXPECT_EQ(c.node(1).leader(), kNone);
}

TEST(CheckQuorum, FollowerWithLiveLeaderIgnoresVotes) {
  ClusterOptions o;
  o.check_quorum = true;
  o.pre_vote = false;
  Cluster c(3, o);
  c.campaign(1);
  c.stabilize();
  const Term t = c.node(2).term();
  // Node 3 campaigns although the leader is alive: node 2 is within its lease.
  c.isolate(1);
  c.campaign(3);
  c.stabilize();
  EXPECT_EQ(c.node(2).term(), t);
  EXPECT_EQ(c.node(3).role(), Role::Candidate);
}

TEST(Election, TimeoutNowMakesRecipientCampaign) {
  Cluster c(3);
  c.campaign(1);
  c.stabilize();
  c.send(Message{.type = MessageType::MsgTimeoutNow, .from = 1, .to = 2, .term = 2});
  c.stabilize();
  EXPECT_EQ(c.node(2).role(), Role::Leader);
  EXPECT_EQ(c.node(2).term(), 3u);
}

TEST(Election, RandomizedTimeoutInRangeAndDeterministic) {
  // First timeout of a node that never hears from anyone, over many seeds.
  auto first_timeout = [](std::uint64_t seed) {
    Config cfg;
    cfg.id = 1;
    cfg.seed = seed;
    Node n(cfg, Storage{HardState{1, kNone, 3}, make_log({1, 1, 1}, 3)});
    for (int t = 1; t <= 100; ++t) {
      n.tick();
      if (n.role() != Role::Follower) return t;
    }
    return -1;
  };
  std::map<int, int> histogram;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    const int t = first_timeout(seed);
    ASSERT_GE(t, 10);
    ASSERT_LT(t, 20);
    ASSERT_EQ(t, first_timeout(seed)) << "seed " << seed;
    ++histogram[t];
  }
  EXPECT_EQ(histogram.size(), 10u);  // Every value in [10, 20) occurs.
  for (const auto& [t, count] : histogram) EXPECT_GT(count, 15) << t;  // Roughly uniform.
}

}  // namespace
}  // namespace raft::test
