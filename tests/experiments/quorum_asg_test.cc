// tests/experiments/quorum_asg_test.cc — the quorum table's ASG rows (sim/experiments/
// quorum_asg.h) on the discovery deployment of scenarios/aws-asg: a minority lost keeps the
// quorum and the writes; a majority lost at once does not; the whole group lost at once
// loses the acknowledged writes (read back missing) and bootstraps a second cluster.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/cloud/cloud.h"
#include "sim/experiments/quorum_asg.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

using namespace experiments;

std::shared_ptr<const scenario::Scenario> asg(int size) {
  auto lr = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/aws-asg/02-discovery-one-cluster.json");
  EXPECT_TRUE(lr.ok());
  scenario::Scenario s = *lr.scenario;
  (*s.cloud)["parameters"]["GroupSize"] = std::to_string(size);
  return std::make_shared<const scenario::Scenario>(std::move(s));
}

AsgQuorumOptions opts(int size) {
  AsgQuorumOptions o;
  o.group_size = size;
  o.extension = cloud::extension_factory();
  return o;
}

TEST(QuorumAsg, CasesAreEverySubsetOfThreeAndOneDrawnSubsetPerSizeOfFive) {
  const auto c3 = asg_loss_cases(3);
  ASSERT_EQ(c3.size(), 8u);
  EXPECT_EQ(c3.front().label, "none");
  EXPECT_EQ(c3[1].label, "#1");
  EXPECT_EQ(c3.back().label, "#1+#2+#3");
  const auto c5 = asg_loss_cases(5);
  ASSERT_EQ(c5.size(), 6u);
  EXPECT_EQ(c5[2].sampled_k, 2);
}

TEST(QuorumAsg, AMinorityLostKeepsTheQuorumAndTheWrites) {
  const auto base = asg(3);
  const AsgRun r = run_asg_case(base, asg_loss_cases(3)[1], AsgTiming::AtOnce, 1, opts(3));
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.quorum_kept);
  EXPECT_TRUE(r.writes_available);
  EXPECT_EQ(r.acked_lost, 0u);
  EXPECT_GT(r.readback, 100u);
  EXPECT_EQ(r.readback_missing, 0u);
  EXPECT_TRUE(r.failed_checkers.empty());
  if (r.leader_lost) {
    // etcd's 1 s election timeout, randomized to [1, 2) s, plus PreVote.
    EXPECT_GE(r.time_to_leader_ns, 900'000'000);
    EXPECT_LE(r.time_to_leader_ns, 3'000'000'000);
  }
}

TEST(QuorumAsg, TwoOfThreeAtOnceLoseTheQuorumButDuringReplacementTheyDoNot) {
  const auto base = asg(3);
  const AsgCase two = asg_loss_cases(3)[4];  // #1+#2
  ASSERT_EQ(two.label, "#1+#2");
  const AsgRun at_once = run_asg_case(base, two, AsgTiming::AtOnce, 1, opts(3));
  EXPECT_FALSE(at_once.quorum_kept);
  EXPECT_FALSE(at_once.writes_available);
  // 100 s after the first loss the group has replaced it (a new member, caught up):
  // the second loss leaves two of three.
  const AsgRun later = run_asg_case(base, two, AsgTiming::DuringReplacement, 1, opts(3));
  EXPECT_TRUE(later.quorum_kept);
  EXPECT_TRUE(later.writes_available);
  EXPECT_EQ(later.readback_missing, 0u);
}

TEST(QuorumAsg, TheWholeGroupLostAtOnceLosesTheAcknowledgedWrites) {
  const auto base = asg(3);
  const AsgRun r = run_asg_case(base, asg_loss_cases(3).back(), AsgTiming::AtOnce, 1, opts(3));
  EXPECT_FALSE(r.quorum_kept);
  EXPECT_GT(r.readback_missing, 0u) << "the writes acknowledged before the loss are gone with the disks";
  EXPECT_NE(std::find(r.failed_checkers.begin(), r.failed_checkers.end(), "single_cluster"), r.failed_checkers.end());
}

}  // namespace
}  // namespace raftlab
