// The Bitnami image's restart with data after a split (issue 23 item 3): libetcd.sh
// etcd_initialize's "Detected data" branch, is_node_still_a_member's log grep (removed /
// ID mismatch, then cluster-ID mismatch, then "still a member"), the wipe, the failed
// `member add` that leaves an empty new_member_envs, and the crash loop under the
// container's restart policy (scenarios/bitnami-2host/restart-after-split.json).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/deploy.h"
#include "sim/etcd/bitnami.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

using sim::Ev;

// etcd3's WAL lists etcd1 and etcd2, which lead one-member clusters of their own, as well
// as etcd4 and etcd5 of its own cluster: the cluster-ID mismatch wins the grep, the data
// dir goes, member add has nothing to talk to, and every later start (now without a WAL,
// the trial bootstrapping from its flags into the same cluster ID) ends the same way.
TEST(BitnamiRestart, SplitMemberRestartWipesDataAndCrashLoops) {
  auto lr = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/restart-after-split.json");
  ASSERT_TRUE(lr.ok());
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, sim::RunOptions{}, &errors);
  ASSERT_TRUE(d);
  const sim::RunResult r = d->run();
  for (const auto& e : r.expectations) EXPECT_TRUE(e.passed) << "at " << e.at_ns << ": " << e.what << " actual " << e.actual;
  int detected = 0, cluster_mismatch = 0, still_member = 0, exits = 0, starts = 0, wal_restarts = 0;
  for (const auto& e : d->world().trace().events()) {
    if (e.who != "etcd3" || e.at.ns < 15'000'000'000) continue;
    if (e.kind == Ev::Log && e.b == "bitnami: Detected data from previous deployments") ++detected;
    if (e.kind == Ev::Log && e.b == "bitnami: The remote cluster ID is different from the local cluster ID") ++cluster_mismatch;
    if (e.kind == Ev::Log && e.b == "bitnami: The member is still part of the cluster") ++still_member;
    if (e.kind == Ev::ProcExit && e.a == "exited") ++exits;
    if (e.kind == Ev::ProcStart) ++starts;
    if (e.kind == Ev::Log && e.b == "starting an etcd server") ++wal_restarts;
  }
  EXPECT_EQ(still_member, 0);
  EXPECT_GE(cluster_mismatch, 3) << "the first start (WAL) and the looping ones (empty new_member_envs)";
  EXPECT_EQ(detected, cluster_mismatch) << "an empty new_member_envs keeps the data dir non-empty";
  EXPECT_GE(exits, 3);
  EXPECT_GE(starts, 4);
  EXPECT_EQ(wal_restarts, 0) << "etcd is never exec'd: setup.sh exits first";
}

// The plan itself: a trial whose peers say "removed" (410) or dial it under another ID
// takes the member-ID branch; the wipe is followed by a failing add that exits setup.
TEST(BitnamiRestart, RemovedMemberTakesMemberIdBranch) {
  etcd::BitnamiInput in;
  in.container_env = {{"ALLOW_NONE_AUTHENTICATION", "yes"},
                      {"ETCD_NAME", "etcd3"},
                      {"ETCD_INITIAL_ADVERTISE_PEER_URLS", "http://10.0.0.3:2380"},
                      {"ETCD_INITIAL_CLUSTER", "etcd1=http://10.0.0.1:2380,etcd2=http://10.0.0.2:2380,etcd3=http://10.0.0.3:2380"}};
  in.data_dir.has_wal = true;
  in.data_dir.entries = {"member"};
  for (auto t : {etcd::TrialOutcome::member_removed, etcd::TrialOutcome::member_id_mismatch}) {
    in.probes.trial = t;
    const etcd::BitnamiPlan p = etcd::plan_bitnami_start(in);
    bool member_branch = false, wiped = false;
    for (const auto& l : p.log) member_branch = member_branch || l.msg == "The remote member ID is different from the local member ID";
    for (const auto& a : p.actions) wiped = wiped || a.kind == etcd::BitnamiActionKind::remove_data_dir;
    EXPECT_TRUE(member_branch);
    EXPECT_TRUE(wiped);
    EXPECT_EQ(p.outcome, etcd::BitnamiOutcome::exit_failure);
  }
}

// An empty new_member_envs (what a failed add leaves) is "data from previous deployments":
// with a peer of its own cluster answering, the member is kept and restarts as existing.
TEST(BitnamiRestart, EmptyNewMemberEnvsIsDetectedData) {
  etcd::BitnamiInput in;
  in.container_env = {{"ALLOW_NONE_AUTHENTICATION", "yes"},
                      {"ETCD_NAME", "etcd3"},
                      {"ETCD_INITIAL_ADVERTISE_PEER_URLS", "http://10.0.0.3:2380"},
                      {"ETCD_INITIAL_CLUSTER_STATE", "new"},
                      {"ETCD_INITIAL_CLUSTER", "etcd1=http://10.0.0.1:2380,etcd2=http://10.0.0.2:2380,etcd3=http://10.0.0.3:2380"}};
  in.data_dir.entries = {"new_member_envs"};
  in.new_member_envs = std::map<std::string, std::string>{};
  in.probes.trial = etcd::TrialOutcome::stream_established;
  const etcd::BitnamiPlan p = etcd::plan_bitnami_start(in);
  bool detected = false;
  for (const auto& l : p.log) detected = detected || l.msg == "Detected data from previous deployments";
  EXPECT_TRUE(detected);
  EXPECT_EQ(p.outcome, etcd::BitnamiOutcome::exec_etcd);
  EXPECT_EQ(p.etcd_env.at("ETCD_INITIAL_CLUSTER_STATE"), "existing");
}

}  // namespace
}  // namespace raftlab
