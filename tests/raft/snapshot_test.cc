// tests/raft/snapshot_test.cc — log compaction and snapshots (Raft paper §7, etcd's
// MemoryStorage.CreateSnapshot/Compact, MsgSnap, raft.restore): a lagging follower
// catches up through a snapshot, a node restarts from snapshot + log tail, the conf
// state travels with the snapshot, and a lost snapshot is sent again.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/raft/cluster.h"

namespace raft::test {
namespace {

ConfChange add(NodeId id) { return ConfChange{ConfChangeType::AddNode, id, ""}; }

int count_sent(const Cluster& c, MessageType t, NodeId to) {
  return static_cast<int>(std::count_if(c.sent().begin(), c.sent().end(), [&](const Message& m) {
    return m.type == t && m.to == to;
  }));
}

// Leader 1 of {1,2,3} with `n` proposals committed and applied everywhere but node 3,
// which was isolated the whole time.
Cluster lagging_cluster(int n) {
  Cluster c(3);
  c.campaign(1);
  c.stabilize();
  c.isolate(3);
  for (int i = 0; i < n; ++i) (void)c.propose(1, label("x", static_cast<std::uint64_t>(i)));
  c.stabilize();
  c.run_ticks(1);
  return c;
}

TEST(Snapshot, CompactKeepsTheTermAtTheCompactionPoint) {
  Cluster c = lagging_cluster(20);  // log: 3 conf + 1 empty + 20 = 24
  ASSERT_EQ(c.node(1).commit_index(), 24u);
  c.snapshot_and_compact(1, /*keep=*/5);
  EXPECT_EQ(c.node(1).snapshot()->index, 24u);
  EXPECT_EQ(c.node(1).snapshot()->conf.voters, (std::vector<NodeId>{1, 2, 3}));
  EXPECT_EQ(c.node(1).first_index(), 20u);  // entries 20..24 kept for slow followers
  EXPECT_EQ(c.member(1).disk.snapshot.index, 24u);
  EXPECT_TRUE(c.member(1).disk.entries.empty());  // the WAL keeps only what follows it
  // Node 2 is 1 entry behind at most: appends still flow without a snapshot.
  ASSERT_EQ(c.propose(1, "after"), ProposeResult::Ok);
  c.stabilize();
  c.run_ticks(1);
  EXPECT_EQ(c.node(2).commit_index(), 25u);
  EXPECT_EQ(count_sent(c, MessageType::MsgSnap, 2), 0);
}

TEST(Snapshot, LaggingFollowerCatchesUpViaSnapshot) {
  Cluster c = lagging_cluster(30);
  const LogIndex last = c.node(1).last_index();
  c.snapshot_and_compact(1, /*keep=*/5);
  ASSERT_GT(c.node(1).first_index(), c.node(3).last_index() + 1);  // node 3's next is gone
  c.clear_sent();
  c.heal();
  c.run_ticks(3);
  EXPECT_GE(count_sent(c, MessageType::MsgSnap, 3), 1);
  EXPECT_EQ(c.member(3).snapshots_restored, 1);
  EXPECT_EQ(c.member(3).disk.snapshot.index, last);
  EXPECT_EQ(c.node(3).first_index(), last + 1);
  EXPECT_EQ(c.node(3).commit_index(), c.node(1).commit_index());
  EXPECT_EQ(c.member(3).applied.size(), c.member(1).applied.size());
  // Replication resumes with ordinary appends after the snapshot.
  c.clear_sent();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(c.propose(1, label("y", static_cast<std::uint64_t>(i))), ProposeResult::Ok);
  c.stabilize();
  c.run_ticks(1);
  EXPECT_EQ(count_sent(c, MessageType::MsgSnap, 3), 0);
  EXPECT_EQ(c.member(3).applied.size(), c.member(1).applied.size());
  EXPECT_EQ(c.member(3).applied.back().data, "y4");
  EXPECT_EQ(c.member(3).disk.entries.back(), c.member(1).disk.entries.back());
}

TEST(Snapshot, LostSnapshotIsSentAgain) {
  Cluster c = lagging_cluster(30);
  c.snapshot_and_compact(1, 5);
  c.heal();
  int dropped = 0;
  c.set_filter([&dropped](const Message& m) {
    if (m.type != MessageType::MsgSnap || dropped > 0) return false;
    ++dropped;  // The first snapshot is lost on the way.
    return true;
  });
  c.clear_sent();
  c.run_ticks(5);
  EXPECT_EQ(dropped, 1);
  EXPECT_GE(count_sent(c, MessageType::MsgSnap, 3), 2);
  EXPECT_EQ(c.member(3).snapshots_restored, 1);
  EXPECT_EQ(c.node(3).commit_index(), c.node(1).commit_index());
}

TEST(Snapshot, FollowerThatHasTheSnapshotEntryOnlyCommits) {
  // A follower whose log already holds the snapshot's last entry keeps its log (etcd:
  // "fast-forwarded commit to snapshot").
  Cluster c = lagging_cluster(4);
  c.snapshot_and_compact(1, 0);
  Message m{.type = MessageType::MsgSnap, .from = 1, .to = 2, .term = c.node(1).term()};
  auto snap = std::make_shared<Snapshot>(*c.node(1).snapshot());
  m.snapshot = snap;
  const LogIndex first = c.node(2).first_index();
  c.send(m);
  c.stabilize();
  EXPECT_EQ(c.node(2).first_index(), first);
  EXPECT_EQ(c.member(2).snapshots_restored, 0);
}

TEST(Snapshot, RestartFromSnapshotAndLogTail) {
  Cluster c = lagging_cluster(10);
  c.heal();
  c.run_ticks(2);
  const LogIndex snap_at = c.member(2).applied.size();
  c.snapshot_and_compact(2, 3);
  for (int i = 0; i < 4; ++i) (void)c.propose(1, label("z", static_cast<std::uint64_t>(i)));
  c.stabilize();
  c.run_ticks(1);
  const Storage disk = c.member(2).disk;
  ASSERT_EQ(disk.snapshot.index, snap_at);
  ASSERT_EQ(disk.entries.front().index, snap_at + 1);
  c.restart(2);
  Node& n = c.node(2);
  EXPECT_EQ(n.first_index(), snap_at + 1);  // the restarted log starts after the snapshot
  EXPECT_EQ(n.last_index(), disk.entries.back().index);
  EXPECT_EQ(n.conf_state().voters, (std::vector<NodeId>{1, 2, 3}));
  ASSERT_NE(n.snapshot(), nullptr);
  EXPECT_EQ(n.snapshot()->index, snap_at);
  c.run_ticks(2);  // re-applies only what follows the snapshot (checked by the harness)
  EXPECT_EQ(c.node(2).commit_index(), c.node(1).commit_index());
  ASSERT_EQ(c.propose(1, "after-restart"), ProposeResult::Ok);
  c.stabilize();
  c.run_ticks(1);
  EXPECT_EQ(c.member(2).applied.back().data, "after-restart");
}

TEST(Snapshot, ConfStateSurvivesCompactionAndRestart) {
  Cluster c(3);
  c.campaign(1);
  c.stabilize();
  ASSERT_EQ(c.node(1).propose_conf_change(add(4)), ProposeResult::Ok);
  c.process(1);
  c.run_ticks(2);
  for (int i = 0; i < 10; ++i) (void)c.propose(1, "p");
  c.stabilize();
  c.run_ticks(1);
  // Every conf entry is compacted away: only the snapshot knows node 4 is a voter.
  c.snapshot_and_compact(1, 0);
  ASSERT_EQ(c.node(1).snapshot()->conf.voters, (std::vector<NodeId>{1, 2, 3, 4}));
  // Node 4 joins now, empty: it can only learn the log (and its membership) from the
  // snapshot.
  c.add(4, Storage{});
  c.run_ticks(3);
  EXPECT_EQ(c.member(4).snapshots_restored, 1);
  EXPECT_EQ(c.node(4).conf_state().voters, (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_EQ(c.member(4).conf.voters, (std::vector<NodeId>{1, 2, 3, 4}));
  EXPECT_EQ(c.node(4).commit_index(), c.node(1).commit_index());
  // The leader restarts from its snapshot (no conf entries left in its log).
  c.restart(1);
  EXPECT_EQ(c.node(1).conf_state().voters, (std::vector<NodeId>{1, 2, 3, 4}));
  c.run_ticks(30);
  ASSERT_NE(c.leader(), kNone);
  ASSERT_EQ(c.propose(c.leader(), "later"), ProposeResult::Ok);
  c.stabilize();
  c.run_ticks(1);
  for (NodeId id : {1, 2, 3, 4}) EXPECT_EQ(c.member(id).applied.back().data, "later") << id;
}

TEST(Snapshot, SnapshotAndCompactPreconditions) {
  Cluster c = lagging_cluster(3);
  Node& n = c.node(1);
  const LogIndex applied = c.member(1).applied.size();
  EXPECT_DEATH(n.create_snapshot(applied + 1, "x"), "beyond applied");
  EXPECT_DEATH(n.compact(1), "beyond the latest snapshot");
  n.create_snapshot(applied, "x");
  EXPECT_DEATH(n.create_snapshot(applied, "y"), "not after");
  EXPECT_DEATH(n.compact(applied + 1), "beyond the latest snapshot");
}

}  // namespace
}  // namespace raft::test
