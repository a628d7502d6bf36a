// The fault lab's checkers on hand-made traces: each on a clean trace and on one that
// breaks its property, and check_all()'s report.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sim/check/lab.h"
#include "tests/check/trace_builder.h"

namespace raftlab::check {
namespace {

using test::kCluster;
using test::TraceBuilder;

// Three members m1..m3 that all hold entries 1..3 of term 1, m1 leading term 1.
TraceBuilder three_members() {
  TraceBuilder t;
  t.at(0);
  for (const char* m : {"m1", "m2", "m3"}) t.proc_start(m).role(m, 1, "Follower");
  t.at(10).role("m1", 1, "Leader");
  for (std::uint64_t i = 1; i <= 3; ++i)
    for (const char* m : {"m1", "m2", "m3"}) t.append(m, 1, i, "normal:" + std::to_string(i));
  return t;
}

TEST(LogMatching, IdenticalLogsPass) {
  TraceBuilder t = three_members();
  EXPECT_TRUE(check_log_matching(t.events()).empty());
}

TEST(LogMatching, SameIndexAndTermDifferentEntryFails) {
  TraceBuilder t = three_members();
  t.at(20).append("m1", 2, 4, "normal:x").at(21).append("m2", 2, 4, "normal:y");
  auto v = check_log_matching(t.events());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].checker, "log_matching");
  EXPECT_EQ(v[0].members, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_NE(v[0].evidence.find("index 4 term 2"), std::string::npos) << v[0].evidence;
}

TEST(LogMatching, SameEntryOnDifferentPrefixFails) {
  TraceBuilder t = three_members();
  // m3's index 3 is overwritten by a term-2 entry; then both get the same (4, 3) entry.
  t.at(20).append("m3", 2, 3, "normal:z").append("m3", 3, 4, "normal:w");
  t.at(21).append("m1", 3, 4, "normal:w");
  auto v = check_log_matching(t.events());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].evidence.find("after a term-2 entry"), std::string::npos) << v[0].evidence;
}

TEST(LogMatching, OverwrittenSuffixAndDataLossAreForgotten) {
  TraceBuilder t = three_members();
  // A conflicting suffix replaced correctly (the new entry has a new term) is fine.
  t.at(20).append("m2", 2, 3, "normal:n").append("m1", 2, 3, "normal:n");
  // After losing its WAL, m3 takes the entries again.
  t.at(30).data_loss("m3", 0).append("m3", 1, 1, "normal:1").append("m3", 1, 2, "normal:2").append("m3", 2, 3, "normal:n");
  EXPECT_TRUE(check_log_matching(t.events()).empty());
}

TEST(LogMatching, AnInstalledSnapshotReplacesTheRebuiltLog) {
  TraceBuilder t = three_members();
  // m3 holds a stale term-2 suffix, then installs the leader's snapshot at (5, 3) and
  // appends after it: its old index 4-5 must not be compared any more.
  t.at(20).append("m3", 2, 4, "normal:s4").append("m3", 2, 5, "normal:s5");
  t.at(30).append("m1", 3, 4, "normal:x4").append("m1", 3, 5, "normal:x5").append("m1", 3, 6, "normal:x6");
  t.at(40).log("m3", "applying snapshot",
               "current-snapshot-index=0 current-applied-index=3 incoming-leader-snapshot-index=5 "
               "incoming-leader-snapshot-term=3");
  t.append("m3", 3, 6, "normal:x6");
  EXPECT_TRUE(check_log_matching(t.events()).empty());
  // Without the snapshot line, m3's index 6 would follow its stale term-2 entry.
  TraceBuilder u = three_members();
  u.at(20).append("m3", 2, 4, "normal:s4").append("m3", 2, 5, "normal:s5");
  u.at(30).append("m1", 3, 4, "normal:x4").append("m1", 3, 5, "normal:x5").append("m1", 3, 6, "normal:x6");
  u.at(40).append("m3", 3, 6, "normal:x6");
  EXPECT_EQ(check_log_matching(u.events()).size(), 1u);
}

TEST(LeaderCompleteness, NewLeaderWithTheCommittedEntryPasses) {
  TraceBuilder t = three_members();
  t.at(20).apply("m1", 1, 3, "normal:3");
  t.at(30).role("m2", 2, "Leader");
  CheckerStats st;
  EXPECT_TRUE(check_leader_completeness(t.events(), &st).empty());
  EXPECT_EQ(st.checked, 1u);
}

TEST(LeaderCompleteness, NewLeaderMissingACommittedEntryFails) {
  TraceBuilder t;
  t.at(0);
  for (const char* m : {"m1", "m2", "m3"}) t.proc_start(m).role(m, 1, "Follower");
  t.at(10).role("m1", 1, "Leader");
  for (const char* m : {"m1", "m2", "m3"}) t.append(m, 1, 1, "normal:1");
  t.append("m1", 1, 2, "normal:2").append("m2", 1, 2, "normal:2");
  t.at(20).apply("m1", 1, 2, "normal:2");  // committed on m1, m2
  t.at(30).role("m3", 2, "Leader");        // m3 lacks index 2
  auto v = check_leader_completeness(t.events());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].checker, "leader_completeness");
  EXPECT_EQ(v[0].members, (std::vector<std::string>{"m1", "m3"}));
  EXPECT_NE(v[0].evidence.find("without index 2"), std::string::npos) << v[0].evidence;
}

TEST(LeaderCompleteness, ALeaderOfAnOlderTermIsNotJudged) {
  TraceBuilder t = three_members();
  t.at(15).role("m2", 5, "Follower");      // the cluster reached term 5
  t.at(20).apply("m1", 1, 3, "normal:3");  // so index 3 may have been committed in term 5
  t.at(30).append("m3", 2, 3, "normal:q").role("m3", 4, "Leader");  // a stale term-4 election
  EXPECT_TRUE(check_leader_completeness(t.events()).empty());
}

TEST(LeaderCompleteness, ExcusedWhenAMajorityLostItsData) {
  TraceBuilder t = three_members();
  t.at(20).apply("m1", 1, 3, "normal:3");
  t.at(25).data_loss("m2", 0).data_loss("m3", 0);
  t.at(30).append("m2", 2, 1, "normal:q").role("m2", 2, "Leader");
  CheckerStats st;
  EXPECT_TRUE(check_leader_completeness(t.events(), &st).empty());
  EXPECT_GE(st.excused, 1u);
}

TEST(VoteSafety, OneVotePerTerm) {
  TraceBuilder t;
  t.at(0).vote("m1", 2, 2).vote("m1", 2, 2).vote("m1", 3, 3);
  EXPECT_TRUE(check_vote_safety(t.events()).empty());
  t.at(5).vote("m1", 3, 2);
  auto v = check_vote_safety(t.events());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].evidence.find("voted twice in term 3"), std::string::npos) << v[0].evidence;
}

TEST(VoteSafety, ExcusedAfterDataLoss) {
  TraceBuilder t;
  t.at(0).vote("m1", 2, 2).at(1).data_loss("m1", 0, "unsynced").at(2).vote("m1", 2, 3);
  CheckerStats st;
  EXPECT_TRUE(check_vote_safety(t.events(), &st).empty());
  EXPECT_EQ(st.excused, 1u);
}

TEST(Durability, AcknowledgedPutThatStaysPasses) {
  TraceBuilder t = three_members();
  t.at(40).call(7, 1, "put", "k", "v1");
  t.at(41).apply("m1", 1, 4, "normal:p", "k", "v1").at(42).done_put(7, true);
  t.at(43).apply("m2", 1, 4, "normal:p", "k", "v1");
  t.at(50).call(8, 2, "get", "k").at(51).done_get(8, "v1");
  CheckerStats st;
  EXPECT_TRUE(check_durability(t.events(), &st).empty());
  EXPECT_EQ(st.checked, 1u);
}

TEST(Durability, OverwrittenAcknowledgedPutFails) {
  TraceBuilder t = three_members();
  t.at(40).call(7, 1, "put", "k", "v1");
  t.at(41).apply("m1", 1, 4, "normal:p", "k", "v1").at(42).done_put(7, true);
  t.at(60).apply("m2", 2, 4, "normal:other");
  auto v = check_durability(t.events());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].evidence.find("put k=v1"), std::string::npos) << v[0].evidence;
  EXPECT_EQ(v[0].members, (std::vector<std::string>{"m1", "m2"}));
}

TEST(Durability, ReadOfAbsentOrOlderValueFails) {
  TraceBuilder t;
  t.at(0).call(1, 1, "put", "k", "old").at(1).done_put(1, true);
  t.at(2).call(2, 1, "put", "k", "new").at(3).done_put(2, true);
  t.at(4).call(3, 2, "get", "k").at(5).done_get(3, "old");
  auto v = check_durability(t.events());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].evidence.find("an older value"), std::string::npos) << v[0].evidence;
  TraceBuilder u;
  u.at(0).call(1, 1, "put", "k", "v").at(1).done_put(1, true).at(4).call(3, 2, "get", "k").at(5).done_get(3, nullptr);
  ASSERT_EQ(check_durability(u.events()).size(), 1u);
}

TEST(Durability, ConcurrentOrIndeterminateWritesAreNotLosses) {
  TraceBuilder t;
  t.at(0).call(1, 1, "put", "k", "a").at(1).done_put(1, true);
  t.at(2).call(2, 3, "put", "k", "b");  // concurrent with the next put and never returns
  t.at(3).call(3, 1, "put", "k", "c").at(4).done_put(3, true);
  t.at(5).call(4, 2, "get", "k").at(6).done_get(4, "b");
  EXPECT_TRUE(check_durability(t.events()).empty());
}

TEST(Durability, ExcusedWhenAMajorityLostItsData) {
  TraceBuilder t = three_members();
  t.at(40).call(7, 1, "put", "k", "v1");
  t.at(41).apply("m1", 1, 4, "normal:p", "k", "v1").at(42).done_put(7, true);
  t.at(50).data_loss("m1", 3).data_loss("m2", 3);
  t.at(60).call(8, 2, "get", "k").at(61).done_get(8, nullptr);
  CheckerStats st;
  EXPECT_TRUE(check_durability(t.events(), &st).empty());
  EXPECT_EQ(st.excused, 1u);
}

TEST(Durability, AcknowledgedButNeverAppliedFails) {
  TraceBuilder t = three_members();
  t.at(39).apply("m1", 1, 4, "normal:p", "k0", "v0");  // payloads are recorded
  t.at(40).call(7, 1, "put", "k", "v1").at(42).done_put(7, true);
  auto v = check_durability(t.events());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].evidence.find("no member ever applied it"), std::string::npos) << v[0].evidence;
}

TEST(Liveness, LeaderAndPutAfterQuietPass) {
  TraceBuilder t = three_members();
  t.at(1000).quiet().at(1100).call(9, 1, "put", "k", "v").at(1200).done_put(9, true).at(20000);
  t.role("m2", 1, "Follower");  // the trace runs past the bound
  CheckerStats st;
  EXPECT_TRUE(check_liveness(t.events(), CheckOptions{}, &st).empty());
  EXPECT_EQ(st.checked, 2u);
  EXPECT_FALSE(st.unknown);
}

TEST(Liveness, NoLeaderWithinTheBoundFails) {
  TraceBuilder t = three_members();
  t.at(500).role("m1", 2, "Follower");  // leader lost before quiet, none elected after
  t.at(1000).quiet().at(1100).call(9, 1, "put", "k", "v").at(6000).done_put(9, false);
  t.at(12000).role("m2", 2, "Follower");
  auto v = check_liveness(t.events(), CheckOptions{});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].evidence.find("no leader in cluster c1"), std::string::npos) << v[0].evidence;
  EXPECT_NE(v[0].evidence.find("none of the 1 puts"), std::string::npos) << v[0].evidence;
  EXPECT_NE(v[0].evidence.find("bound 10s"), std::string::npos) << v[0].evidence;
}

TEST(Liveness, ALeaderThatExitedDoesNotCountAndTheBoundIsConfigurable) {
  TraceBuilder t = three_members();
  t.at(900).proc_exit("m1").at(1000).quiet().at(3000).role("m2", 2, "Leader").at(9000).role("m3", 2, "Follower");
  CheckOptions o;
  o.liveness_bound_ns = 1'000'000'000;  // 1s: m2 leads only after 2s
  EXPECT_EQ(check_liveness(t.events(), o).size(), 1u);
  o.liveness_bound_ns = 5'000'000'000;
  EXPECT_TRUE(check_liveness(t.events(), o).empty());
}

// The precondition: liveness is demanded only when a quorum is up. Removing m3
// leaves voters {m1, m2}; with m2 down, one of two voters is no quorum (excused); with
// both up, the missing leader is a violation.
TEST(Liveness, NotJudgedWithoutAQuorumOfTheRemainingVoters) {
  auto removal = [](TraceBuilder& t) { t.at(200).member_change("m1", "remove", 3).member_change("m2", "remove", 3); };
  TraceBuilder down = three_members();
  removal(down);
  down.at(300).proc_exit("m3").at(400).proc_exit("m2").at(500).role("m1", 2, "Follower");
  down.at(1000).quiet().at(20000).role("m1", 2, "Follower");
  CheckerStats st;
  EXPECT_TRUE(check_liveness(down.events(), CheckOptions{}, &st).empty());
  EXPECT_EQ(st.excused, 1u);
  EXPECT_NE(st.note.find("1 of 2 voters up"), std::string::npos) << st.note;

  TraceBuilder up = three_members();
  removal(up);
  up.at(300).proc_exit("m3").at(500).role("m1", 2, "Follower");
  up.at(1000).quiet().at(20000).role("m1", 2, "Follower");
  EXPECT_EQ(check_liveness(up.events(), CheckOptions{}).size(), 1u);
}

TEST(Liveness, ShortTraceIsInconclusiveNotAViolation) {
  TraceBuilder t = three_members();
  t.at(500).role("m1", 2, "Follower").at(1000).quiet().at(2000).role("m2", 2, "Follower");
  CheckerStats st;
  EXPECT_TRUE(check_liveness(t.events(), CheckOptions{}, &st).empty());
  EXPECT_TRUE(st.unknown);
}

TEST(CheckAll, CleanTraceReportsEveryChecker) {
  TraceBuilder t = three_members();
  t.at(40).call(7, 1, "put", "k", "v1");
  t.at(41).apply("m1", 1, 4, "normal:p", "k", "v1").at(42).done_put(7, true);
  LabReport r = check_all(t.events());
  EXPECT_TRUE(r.ok()) << r.describe();
  std::vector<std::string> names;
  for (const CheckerStats& c : r.checkers) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"election_safety", "state_machine_safety", "vote_safety", "log_matching",
                                             "leader_completeness", "durability", "linearizability", "liveness",
                                             "single_cluster", "expectations"}));
  EXPECT_NE(r.summary().find("liveness"), std::string::npos);
}

TEST(CheckAll, ViolationsNameCheckerTimeMembersAndEvidence) {
  TraceBuilder t = three_members();
  t.at(20).role("m2", 1, "Leader");  // a second leader in term 1
  t.at(40).call(1, 1, "put", "k", "a").at(41).done_put(1, true);
  t.at(50).call(2, 2, "get", "k").at(51).done_get(2, nullptr);
  LabReport r = check_all(t.events());
  EXPECT_EQ(r.failed_checkers(), (std::vector<std::string>{"durability", "election_safety", "linearizability"}));
  const std::string d = r.describe();
  EXPECT_NE(d.find("election_safety at 0.02s"), std::string::npos) << d;
  EXPECT_NE(d.find("linearizability at 0.05s"), std::string::npos) << d;
}

// ---- deployment level: single_cluster, expectations (sim/check/deployment.cc) ----

// Five members configured with one chosen token but no --initial-cluster (etcd's default:
// a one-member cluster of each): five healthy clusters, one violation naming all five.
TEST(SingleCluster, OneChosenTokenFiveClustersIsOneViolation) {
  TraceBuilder t;
  for (std::uint64_t i = 1; i <= 5; ++i) {
    const std::string m = fmt::format("m{}", i);
    t.at(static_cast<std::int64_t>(i)).bootstrap(m, 0x100 + i, fmt::format("{}=http://10.0.0.{}:2380", m, i),
                                                 "etcd-cluster-1", true);
  }
  CheckerStats st;
  const auto v = check_single_cluster(t.events(), &st);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].checker, "single_cluster");
  EXPECT_EQ(v[0].at_ns, 2'000'000);  // when the second cluster appeared
  EXPECT_EQ(v[0].members, (std::vector<std::string>{"m1", "m2", "m3", "m4", "m5"}));
  EXPECT_NE(v[0].evidence.find("5 clusters formed from one intended cluster token etcd-cluster-1"), std::string::npos)
      << v[0].evidence;
  EXPECT_NE(v[0].evidence.find("without --initial-cluster"), std::string::npos) << v[0].evidence;
  EXPECT_EQ(st.name, "single_cluster");
  EXPECT_EQ(st.checked, 1u);
  EXPECT_EQ(st.violations, 1u);
}

// The correct deployment: three members, one token, one membership, one cluster ID
// (bootstrap and, later, a restart of one member).
TEST(SingleCluster, OneTokenOneClusterPasses) {
  const std::string ms = "m1=http://10.0.0.1:2380,m2=http://10.0.0.2:2380,m3=http://10.0.0.3:2380";
  TraceBuilder t;
  t.at(0).bootstrap("m1", kCluster, ms, "lab").bootstrap("m2", kCluster, ms, "lab").bootstrap("m3", kCluster, ms, "lab");
  t.at(500).bootstrap("m2", kCluster, "", "lab");
  EXPECT_TRUE(check_single_cluster(t.events()).empty());
}

// Under etcd's default token (which nobody chose, so it says nothing about intent), two
// clusters with no peer URL in common are two deployments; a peer URL in common makes
// them one intended cluster.
TEST(SingleCluster, DefaultTokenLinksOnlyMembershipsThatShareAPeerUrl) {
  TraceBuilder apart;
  apart.at(0).bootstrap("m1", 0x1, "m1=http://10.0.0.1:2380,m2=http://10.0.0.2:2380", "etcd-cluster");
  apart.at(1).bootstrap("m3", 0x2, "m3=http://10.0.0.3:2380,m4=http://10.0.0.4:2380", "etcd-cluster");
  EXPECT_TRUE(check_single_cluster(apart.events()).empty());
  TraceBuilder shared;
  shared.at(0).bootstrap("m1", 0x1, "m1=http://10.0.0.1:2380,m2=http://10.0.0.2:2380", "etcd-cluster");
  shared.at(1).bootstrap("m2", 0x2, "m2=http://10.0.0.2:2380", "etcd-cluster", true);
  const auto v = check_single_cluster(shared.events());
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].members, (std::vector<std::string>{"m1", "m2"}));
}

// Different chosen tokens name different clusters; a bootstrap recorded without its token
// (a trace from before the field existed) is not judged.
TEST(SingleCluster, DifferentTokensAndUnrecordedTokensAreNotASplit) {
  TraceBuilder t;
  t.at(0).bootstrap("m1", 0x1, "m1=http://10.0.0.1:2380", "blue").bootstrap("m2", 0x2, "m2=http://10.0.0.2:2380", "green");
  EXPECT_TRUE(check_single_cluster(t.events()).empty());
  std::vector<sim::TraceEvent> old = t.events();
  for (auto& e : old) e.b.clear();
  CheckerStats st;
  EXPECT_TRUE(check_single_cluster(old, &st).empty());
  EXPECT_EQ(st.note, "no bootstrap recorded its token");
}

// Each failed verdict is one violation naming the expectation's path, what it wanted and
// what the run saw; passed verdicts count as checked.
TEST(Expectations, EachFailedVerdictIsAViolationNamingIt) {
  TraceBuilder t;
  t.at(4000).expect("$.expect[0]", 0, "clusters = 1", "1", true).expect("$.expect[1]", 1, "leaders = 2", "1", false);
  CheckerStats st;
  const auto v = check_expectations(t.events(), &st);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].checker, "expectations");
  EXPECT_EQ(v[0].at_ns, 4'000'000'000);
  EXPECT_EQ(v[0].evidence, "$.expect[1] at 4s failed: expected leaders = 2, the run saw 1");
  EXPECT_EQ(st.checked, 2u);
  EXPECT_EQ(st.violations, 1u);
  CheckerStats none;
  EXPECT_TRUE(check_expectations(TraceBuilder().events(), &none).empty());
  EXPECT_EQ(none.note, "the scenario has no expectations");
}

}  // namespace
}  // namespace raftlab::check
