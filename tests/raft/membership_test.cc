// tests/raft/membership_test.cc — single-server membership changes (thesis §4.1, etcd
// ConfChange v1), nodes joining with empty storage, restart from storage.
#include <gtest/gtest.h>

#include "tests/raft/cluster.h"

namespace raft::test {
namespace {

ConfChange add(NodeId id) { return ConfChange{ConfChangeType::AddNode, id, "ctx"}; }
ConfChange remove(NodeId id) { return ConfChange{ConfChangeType::RemoveNode, id, ""}; }

TEST(Membership, AddNodeJoinsWithEmptyStorageAndCatchesUpFromIndexOne) {
  Cluster c(3);
  c.campaign(1);
  c.stabilize();
  for (int i = 0; i < 5; ++i) (void)c.propose(1, "before");
  c.stabilize();
  ASSERT_EQ(c.node(1).propose_conf_change(add(4)), ProposeResult::Ok);
  // Single-server rule: a second change waits until the first is applied.
  EXPECT_EQ(c.node(1).propose_conf_change(add(5)), ProposeResult::ConfChangePending);
  c.process(1);
  // The new member starts empty, without bootstrap: it knows no configuration.
  Node& n4 = c.add(4, Storage{});
  EXPECT_TRUE(n4.conf_state().voters.empty());
  c.run_ticks(3);
  ASSERT_EQ(c.node(1).conf_state().voters, (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_EQ(c.member(4).disk.entries, c.member(1).disk.entries);  // Replicated from 1.
  EXPECT_EQ(c.member(4).conf.voters, (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_EQ(c.member(4).applied.size(), c.member(1).applied.size());
  // Applied now: the next change is accepted.
  EXPECT_EQ(c.node(1).propose_conf_change(remove(3)), ProposeResult::Ok);
  c.process(1);
  c.run_ticks(3);
  for (NodeId id : {1, 2, 4}) {
    EXPECT_EQ(c.node(id).conf_state().voters, (std::vector<NodeId>{1, 2, 4})) << id;
  }
}

TEST(Membership, NonVoterNeverCampaigns) {
  Cluster c(3);
  Node& n = c.add(9, Storage{});  // Not in anyone's configuration.
  for (int t = 0; t < 100; ++t) c.tick(9);
  EXPECT_EQ(n.role(), Role::Follower);
  EXPECT_EQ(n.term(), 0u);
  n.campaign();
  EXPECT_EQ(n.role(), Role::Follower);
}

TEST(Membership, ForwardedConfChangeWhilePendingBecomesEmptyEntry) {
  Cluster c(3);
  c.campaign(1);
  c.stabilize();
  ASSERT_EQ(c.node(1).propose_conf_change(add(4)), ProposeResult::Ok);
  c.process(1);  // The MsgApps go out, but nothing is delivered yet.
  // Node 2 does not know about the pending change and forwards its own.
  ASSERT_EQ(c.node(2).propose_conf_change(add(5)), ProposeResult::Ok);
  c.process(2);
  c.stabilize();
  c.run_ticks(2);
  EXPECT_EQ(c.node(1).conf_state().voters, (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_EQ(c.member(1).applied.back().type, EntryType::Normal);
}

TEST(Membership, RemovedLeaderStepsDownAndOthersElect) {
  Cluster c(3);
  c.campaign(1);
  c.stabilize();
  ASSERT_EQ(c.node(1).propose_conf_change(remove(1)), ProposeResult::Ok);
  c.process(1);
  c.stabilize();
  EXPECT_NE(c.node(1).role(), Role::Leader);
  EXPECT_EQ(c.node(1).conf_state().voters, (std::vector<NodeId>{2, 3}));
  c.run_ticks(30);
  const NodeId l = c.leader();
  EXPECT_TRUE(l == 2 || l == 3) << l;
  EXPECT_EQ(c.node(l).conf_state().voters, (std::vector<NodeId>{2, 3}));
}

TEST(Membership, RestartKeepsTermVoteLogAndReappliesCommitted) {
  Cluster c(3);
  c.campaign(1);
  c.stabilize();
  (void)c.propose(1, "a");
  ASSERT_EQ(c.node(1).propose_conf_change(remove(3)), ProposeResult::Ok);
  c.process(1);
  c.stabilize();
  c.run_ticks(2);
  const Status before = c.node(2).status();
  c.restart(2);
  Node& n = c.node(2);
  EXPECT_EQ(n.term(), before.hard_state.term);
  EXPECT_EQ(n.status().hard_state, before.hard_state);
  EXPECT_EQ(n.last_index(), before.last_index);
  // The configuration is recovered from committed conf entries before any apply.
  EXPECT_EQ(n.conf_state().voters, (std::vector<NodeId>{1, 2}));
  // The cluster re-applies from index 1 (checked against the first history) and the
  // configuration does not pass through {1, 2, 3} again.
  c.process(2);
  EXPECT_EQ(n.status().applied, before.hard_state.commit);
  EXPECT_EQ(c.member(2).conf.voters, (std::vector<NodeId>{1, 2}));
  c.run_ticks(2);
  EXPECT_EQ(c.node(2).leader(), 1u);
}

TEST(Membership, RestartedSingleNodeCampaignsBeforeApplying) {
  Cluster c(1);
  c.campaign(1);
  c.stabilize();
  (void)c.propose(1, "a");
  c.stabilize();
  c.restart(1);
  Node& n = c.node(1);
  EXPECT_EQ(n.conf_state().voters, (std::vector<NodeId>{1}));
  n.campaign();  // No Ready handled yet: nothing re-applied.
  EXPECT_EQ(n.role(), Role::Leader);
  c.stabilize();
  EXPECT_EQ(n.commit_index(), n.last_index());
}

}  // namespace
}  // namespace raft::test
