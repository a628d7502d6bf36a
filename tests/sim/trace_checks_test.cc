// The trace checkers (sim/check) on hand-made traces: a checker that never fires is
// worth nothing, so each property is shown both broken (reported, with evidence) and
// intact (silent).
#include "sim/check/trace_checks.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace raftlab::check {
namespace {

using sim::Ev;
using sim::TraceEvent;

constexpr std::uint64_t kCluster = 0xc1;
constexpr std::uint64_t kOtherCluster = 0xc2;

TraceEvent role(std::int64_t at_ms, const std::string& who, std::uint64_t id, std::uint64_t cluster, std::uint64_t term,
                const std::string& r, std::uint64_t leader = 0) {
  TraceEvent e;
  e.at = sim::millis(at_ms);
  e.kind = Ev::Role;
  e.who = who;
  e.member_id = id;
  e.cluster_id = cluster;
  e.term = term;
  e.a = r;
  e.peer = leader;
  return e;
}

TraceEvent apply(std::int64_t at_ms, const std::string& who, std::uint64_t id, std::uint64_t cluster, std::uint64_t term,
                 std::uint64_t index, const std::string& digest) {
  TraceEvent e;
  e.at = sim::millis(at_ms);
  e.kind = Ev::Apply;
  e.who = who;
  e.member_id = id;
  e.cluster_id = cluster;
  e.term = term;
  e.index = index;
  e.a = digest;
  return e;
}

// A clean three-member election and replication: etcd1 leads term 2 after a failed
// candidacy of etcd2 in term 1, etcd3 leads term 3; everyone applies the same entries.
std::vector<TraceEvent> clean_trace() {
  return {
      role(0, "etcd1", 1, kCluster, 1, "Follower"),
      role(0, "etcd2", 2, kCluster, 1, "Follower"),
      role(0, "etcd3", 3, kCluster, 1, "Follower"),
      role(1000, "etcd2", 2, kCluster, 1, "PreCandidate"),
      role(1001, "etcd2", 2, kCluster, 1, "Candidate"),
      role(1100, "etcd1", 1, kCluster, 2, "Candidate"),
      role(1102, "etcd1", 1, kCluster, 2, "Leader", 1),
      role(1102, "etcd1", 1, kCluster, 2, "Leader", 1),  // logged twice: still one election
      role(1103, "etcd2", 2, kCluster, 2, "Follower", 1),
      apply(1110, "etcd1", 1, kCluster, 2, 1, "normal:00000000000000aa"),
      apply(1111, "etcd2", 2, kCluster, 2, 1, "normal:00000000000000aa"),
      apply(1112, "etcd3", 3, kCluster, 2, 1, "normal:00000000000000aa"),
      apply(1200, "etcd1", 1, kCluster, 2, 2, "conf:00000000000000bb"),
      apply(1201, "etcd3", 3, kCluster, 2, 2, "conf:00000000000000bb"),
      role(5000, "etcd3", 3, kCluster, 3, "Leader", 3),
      role(5001, "etcd1", 1, kCluster, 3, "Follower", 3),
      apply(5010, "etcd3", 3, kCluster, 3, 3, "normal:00000000000000cc"),
      apply(5011, "etcd1", 1, kCluster, 3, 3, "normal:00000000000000cc"),
      // etcd2 re-applies index 1 after a restart: the same entry, not a violation.
      apply(6000, "etcd2", 2, kCluster, 2, 1, "normal:00000000000000aa"),
  };
}

TEST(ElectionSafety, CleanTraceHasNoViolations) {
  const TraceReport r = check_trace(clean_trace());
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.leader_elections, 2u);
  EXPECT_EQ(r.applies, 8u);
  EXPECT_EQ(r.clusters, (std::vector<std::uint64_t>{kCluster}));
}

TEST(ElectionSafety, TwoLeadersInOneTermOfOneClusterAreReported) {
  std::vector<TraceEvent> t = clean_trace();
  t.push_back(role(7000, "etcd2", 2, kCluster, 3, "Leader", 2));  // etcd3 already leads term 3
  const std::vector<Violation> v = check_election_safety(t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].checker, "election_safety");
  EXPECT_EQ(v[0].at_ns, sim::millis(7000).ns);
  EXPECT_EQ(v[0].cluster_id, kCluster);
  EXPECT_EQ(v[0].members, (std::vector<std::string>{"etcd3", "etcd2"}));
  // The evidence names the cluster, the term, both members and both times.
  for (const char* want : {"cluster c1", "term 3", "etcd3", "etcd2", "5s", "7s"})
    EXPECT_NE(v[0].evidence.find(want), std::string::npos) << want << " in: " << v[0].evidence;
  EXPECT_EQ(describe(v[0]).rfind("election_safety at 7s: ", 0), 0u) << describe(v[0]);

  const TraceReport r = check_trace(t);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.violations.size(), 1u);
}

TEST(ElectionSafety, AThirdLeaderIsReportedOnceAndRepeatsAreNot) {
  std::vector<TraceEvent> t = clean_trace();
  t.push_back(role(7000, "etcd2", 2, kCluster, 3, "Leader", 2));
  t.push_back(role(7001, "etcd2", 2, kCluster, 3, "Leader", 2));  // same extra leader again
  t.push_back(role(7002, "etcd1", 1, kCluster, 3, "Leader", 1));
  const std::vector<Violation> v = check_election_safety(t);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].members[1], "etcd2");
  EXPECT_EQ(v[1].members[1], "etcd1");
}

// etcd runs one Raft group per cluster ID: five one-member clusters that each elect a
// leader at term 2 (the every-node-leader story) break nothing.
TEST(ElectionSafety, LeadersOfDifferentClustersInTheSameTermAreFine) {
  std::vector<TraceEvent> t = {
      role(100, "etcd1", 1, kCluster, 2, "Leader", 1),
      role(100, "etcd2", 2, kOtherCluster, 2, "Leader", 2),
  };
  EXPECT_TRUE(check_election_safety(t).empty());
  EXPECT_EQ(clusters_seen(t), (std::vector<std::uint64_t>{kCluster, kOtherCluster}));
}

TEST(ElectionSafety, LeadersOfOneClusterInDifferentTermsAreFine) {
  std::vector<TraceEvent> t = {
      role(100, "etcd1", 1, kCluster, 2, "Leader", 1),
      role(900, "etcd2", 2, kCluster, 3, "Leader", 2),
      role(1900, "etcd1", 1, kCluster, 4, "Leader", 1),
  };
  EXPECT_TRUE(check_election_safety(t).empty());
}

TEST(StateMachineSafety, DifferentDigestsAtOneIndexAreReported) {
  std::vector<TraceEvent> t = clean_trace();
  t.push_back(apply(8000, "etcd2", 2, kCluster, 3, 3, "normal:00000000000000dd"));
  const std::vector<Violation> v = check_state_machine_safety(t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].checker, "state_machine_safety");
  EXPECT_EQ(v[0].at_ns, sim::millis(8000).ns);
  EXPECT_EQ(v[0].members, (std::vector<std::string>{"etcd3", "etcd2"}));
  for (const char* want : {"cluster c1", "index 3", "etcd3", "etcd2", "normal:00000000000000cc",
                           "normal:00000000000000dd", "5.01s", "8s"})
    EXPECT_NE(v[0].evidence.find(want), std::string::npos) << want << " in: " << v[0].evidence;
  EXPECT_FALSE(check_trace(t).ok());
}

TEST(StateMachineSafety, SameDigestFromADifferentTermIsReported) {
  // Two leaders' no-op entries hash alike; the entry term tells them apart.
  std::vector<TraceEvent> t = {
      apply(100, "etcd1", 1, kCluster, 2, 5, "normal:cbf29ce484222325"),
      apply(200, "etcd2", 2, kCluster, 3, 5, "normal:cbf29ce484222325"),
  };
  const std::vector<Violation> v = check_state_machine_safety(t);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].evidence.find("term 2"), std::string::npos);
  EXPECT_NE(v[0].evidence.find("term 3"), std::string::npos);
}

TEST(StateMachineSafety, DifferentClustersMayApplyDifferentEntriesAtOneIndex) {
  std::vector<TraceEvent> t = {
      apply(100, "etcd1", 1, kCluster, 2, 1, "normal:00000000000000aa"),
      apply(100, "etcd2", 2, kOtherCluster, 2, 1, "normal:00000000000000bb"),
  };
  EXPECT_TRUE(check_state_machine_safety(t).empty());
}

TEST(FirstLeader, IsTheEarliestLeaderOfEachCluster) {
  std::vector<TraceEvent> t = clean_trace();
  t.push_back(role(9000, "etcd9", 9, kOtherCluster, 2, "Leader", 9));
  const std::vector<FirstLeader> fl = first_leaders(t);
  ASSERT_EQ(fl.size(), 2u);
  EXPECT_EQ(fl[0].cluster_id, kCluster);
  EXPECT_EQ(fl[0].member, "etcd1");
  EXPECT_EQ(fl[0].term, 2u);
  EXPECT_EQ(fl[0].at_ns, sim::millis(1102).ns);
  EXPECT_EQ(fl[1].cluster_id, kOtherCluster);
  EXPECT_EQ(fl[1].member, "etcd9");
  EXPECT_EQ(fl[1].at_ns, sim::millis(9000).ns);
}

TEST(FirstLeader, NoneWithoutALeader) {
  const std::vector<TraceEvent> t = {role(0, "etcd1", 1, kCluster, 1, "Follower"),
                                     role(1000, "etcd1", 1, kCluster, 2, "Candidate")};
  EXPECT_TRUE(first_leaders(t).empty());
  EXPECT_TRUE(check_trace({}).ok());
}

}  // namespace
}  // namespace raftlab::check
