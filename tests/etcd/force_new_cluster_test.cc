// --force-new-cluster as etcd does it (server/etcdserver/raft.go restartAsStandaloneNode,
// v3.4.23 and v3.5.18): the WAL rewrite itself (sim/etcd/standalone.h) and a survivor of a
// scale-in without `member remove` brought back as a one-member cluster with its cluster
// ID and data, which then accepts `member add` at once.
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "sim/deploy.h"
#include "sim/etcd/entry_codec.h"
#include "sim/etcd/standalone.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

using sim::Ev;

raft::StoredEntry conf(raft::Term t, raft::ConfChangeType type, std::uint64_t id) {
  return raft::StoredEntry(raft::Entry{t, 0, raft::EntryType::ConfChange, raft::encode_conf_change_payload(type, id, {})});
}
raft::StoredEntry normal(raft::Term t) {
  return raft::StoredEntry(raft::Entry{t, 0, raft::EntryType::Normal, raft::Payload(std::string("x"))});
}
raft::ConfChange decode(const raft::Entry& e) {
  raft::ConfChange cc;
  std::string_view ctx;
  EXPECT_TRUE(raft::decode_conf_change_header(e.data, &cc, &ctx));
  return cc;
}

// createConfigChangeEnts: self stays, every other ID is removed in ascending order at the
// stored term from commit+1; uncommitted entries are discarded first; the new commit index
// is the last appended entry.
TEST(ForceNewCluster, RewriteDiscardsUncommittedAndRemovesEveryOtherVoter) {
  std::deque<raft::StoredEntry> log{conf(1, raft::ConfChangeType::AddNode, 30), conf(1, raft::ConfChangeType::AddNode, 10),
                                    conf(1, raft::ConfChangeType::AddNode, 20), normal(2), normal(2), normal(3)};
  raft::HardState hs{.term = 5, .vote = 0, .commit = 5};
  const etcd::StandaloneRewrite rw = etcd::standalone_rewrite(raft::Snapshot{}, log, hs, 10);
  EXPECT_EQ(rw.keep, 5u);
  EXPECT_EQ(rw.discarded, 1u);
  EXPECT_EQ(rw.first_discarded, 6u);
  EXPECT_EQ(rw.ids, (std::vector<std::uint64_t>{10, 20, 30}));
  ASSERT_EQ(rw.appended.size(), 2u);
  EXPECT_EQ(rw.appended[0].index, 6u);
  EXPECT_EQ(rw.appended[0].term, 5u);
  EXPECT_EQ(decode(rw.appended[0]).type, raft::ConfChangeType::RemoveNode);
  EXPECT_EQ(decode(rw.appended[0]).node_id, 20u);
  EXPECT_EQ(decode(rw.appended[1]).node_id, 30u);
  EXPECT_EQ(rw.commit, 7u);
}

// getIDs starts from the snapshot's voters and follows removals; a self missing from the
// set is added first (with etcd's placeholder peer URL) so the voter set never empties.
TEST(ForceNewCluster, RewriteAddsSelfFirstWhenMissing) {
  raft::Snapshot snap;
  snap.index = 10;
  snap.term = 2;
  snap.conf.voters = {1, 2};
  std::deque<raft::StoredEntry> log{conf(2, raft::ConfChangeType::RemoveNode, 2)};
  const etcd::StandaloneRewrite rw = etcd::standalone_rewrite(snap, log, raft::HardState{.term = 4, .vote = 0, .commit = 11}, 9);
  EXPECT_EQ(rw.ids, (std::vector<std::uint64_t>{1}));
  ASSERT_EQ(rw.appended.size(), 2u);
  EXPECT_EQ(decode(rw.appended[0]).type, raft::ConfChangeType::AddNode);
  EXPECT_EQ(decode(rw.appended[0]).node_id, 9u);
  sim::MemberRecord m;
  raft::ConfChange cc;
  std::string_view ctx;
  ASSERT_TRUE(raft::decode_conf_change_header(rw.appended[0].data, &cc, &ctx));
  ASSERT_TRUE(etcd::decode_member(ctx, &m));
  EXPECT_EQ(m.peer_urls, (std::vector<std::string>{"http://localhost:2380"}));
  EXPECT_EQ(decode(rw.appended[1]).node_id, 1u);
  EXPECT_EQ(rw.appended[1].index, 13u);
  EXPECT_EQ(rw.commit, 13u);
}

// The shipped recovery story: before the forced restart etcd1 is 1 of 3 voters without a
// leader; after it, etcd1 leads a one-member cluster with the same member and cluster IDs,
// serves the old key, accepts member add at once, and etcd4 joins.
TEST(ForceNewCluster, SurvivorLeadsWithSameClusterIdAndAcceptsMemberAdd) {
  auto lr = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/membership/force-new-cluster-recovery.json");
  ASSERT_TRUE(lr.ok());
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, sim::RunOptions{}, &errors);
  ASSERT_TRUE(d);
  const sim::RunResult r = d->run();
  for (const auto& e : r.expectations) EXPECT_TRUE(e.passed) << "at " << e.at_ns << ": " << e.what << " actual " << e.actual;
  std::string cluster_before, cluster_after;
  bool forcing = false, leader_after = false, add_ok = false;
  int removed = 0;
  for (const auto& e : d->world().trace().events()) {
    if (e.who != "etcd1") {
      if (e.kind == Ev::Note && e.a.find("Member ") != std::string::npos && e.a.find("added to cluster") != std::string::npos)
        add_ok = true;
      continue;
    }
    const std::string cid = sim::hex_id(e.cluster_id);
    if (e.at.ns < 18'000'000'000 && e.cluster_id != 0) cluster_before = cid;
    if (e.at.ns >= 18'000'000'000) {
      if (e.cluster_id != 0) cluster_after = cid;
      if (e.kind == Ev::Log && e.b == "forcing restart member") forcing = true;
      if (e.kind == Ev::Log && e.b == "removed member") ++removed;
      if (e.kind == Ev::Role && e.a == "Leader") leader_after = true;
    }
  }
  EXPECT_TRUE(forcing);
  EXPECT_EQ(removed, 2);
  EXPECT_TRUE(leader_after);
  EXPECT_TRUE(add_ok);
  EXPECT_FALSE(cluster_before.empty());
  EXPECT_EQ(cluster_before, cluster_after);
}

}  // namespace
}  // namespace raftlab
