// Each planted bug (raft/bugs.h) in a situation built step by step, judged by the
// checkers from the trace alone: the bug is caught, the correct code passes the same
// situation. (The fuzz-level test, "fuzzing finds each bug within a seed budget", is in
// tests/lab.)
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "raft/bugs.h"
#include "sim/check/lab.h"
#include "tests/check/traced_cluster.h"

namespace raftlab::check {
namespace {

using test::TracedCluster;

std::vector<std::string> failed(const std::vector<sim::TraceEvent>& events) {
  return check_all(events).failed_checkers();
}
bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(PlantedBugs, NamesRoundTrip) {
  for (const raft::BugInfo& b : raft::kBugs) {
    ASSERT_TRUE(raft::bug_from_name(b.name).has_value()) << b.name;
    EXPECT_EQ(*raft::bug_from_name(b.name), b.bug);
    EXPECT_EQ(raft::bug_name(b.bug), b.name);
  }
  EXPECT_FALSE(raft::bug_from_name("commit-old-terms").has_value());
  EXPECT_EQ(raft::bug_names(0), "");
  EXPECT_EQ(raft::planted_banner(raft::bug_bit(raft::Bug::CommitOldTerm) | raft::bug_bit(raft::Bug::NoStepDown)),
            "PLANTED BUG ACTIVE: commit-old-term,no-step-down");
}

// 3 nodes; 1 leads term 2 and commits "a" on {1, 2} while 3 is cut off; then 1 is cut off
// and 3, whose log lacks "a", campaigns.
std::vector<sim::TraceEvent> stale_candidate(raft::BugSet bugs) {
  TracedCluster c(3, bugs);
  c.campaign(1);
  c.isolate(3);
  c.put(1, "k", "a");
  c.heal();
  c.isolate(1);
  c.drop_if([](const raft::Message& m) { return m.to == 3 && m.type == raft::MessageType::MsgApp; });
  c.campaign(3);
  return c.events();
}

TEST(PlantedBugs, VoteWithoutLogCheck) {
  const auto bad = failed(stale_candidate(raft::bug_bit(raft::Bug::VoteWithoutLogCheck)));
  EXPECT_TRUE(has(bad, "leader_completeness")) << ::testing::PrintToString(bad);
  EXPECT_TRUE(failed(stale_candidate(0)).empty()) << check_all(stale_candidate(0)).describe();
}

// Figure 8 of the Raft paper with 5 nodes (bootstrap entries 1..5 of term 1):
//   S1, S2 hold index 6 of term 2; S5 holds index 6 of term 3; S3, S4 end at 5.
// S1 is elected in term 4 (S4, S5 down) and replicates its term-2 entry to S3, but not its
// term-4 no-op. With commit-old-term it commits index 6 by counting S1, S2, S3. Then S1
// crashes and S5 wins term 5 with S3, S4 and overwrites index 6 with its term-3 entry.
std::vector<sim::TraceEvent> figure8(raft::BugSet bugs) {
  using T = std::vector<raft::Term>;
  std::map<raft::NodeId, raft::Storage> disks;
  auto disk = [](T terms, raft::Term term) {
    raft::Storage s;
    s.entries = TracedCluster::make_log(terms, 5);
    s.hard_state = raft::HardState{term, raft::kNone, 5};
    return s;
  };
  disks[1] = disk({1, 1, 1, 1, 1, 2}, 3);
  disks[2] = disk({1, 1, 1, 1, 1, 2}, 3);
  disks[3] = disk({1, 1, 1, 1, 1}, 3);
  disks[4] = disk({1, 1, 1, 1, 1}, 3);
  disks[5] = disk({1, 1, 1, 1, 1, 3}, 4);
  TracedCluster::Options o;
  o.max_entries_per_msg = 1;
  TracedCluster c(disks, bugs, o);
  c.crash(4);
  c.crash(5);
  // S3 rejects S1's first append of index 7 (it lacks 6), gets index 6 alone
  // (max_entries_per_msg 1), and never gets index 7, S1's term-4 no-op.
  auto offers_of_7 = std::make_shared<int>(0);
  c.drop_if([offers_of_7](const raft::Message& m) {
    const bool has7 = std::any_of(m.entries.begin(), m.entries.end(), [](const raft::Entry& e) { return e.index >= 7; });
    return m.to == 3 && m.type == raft::MessageType::MsgApp && has7 && ++*offers_of_7 > 1;
  });
  c.campaign(1);
  c.crash(1);
  c.heal();
  c.restart(4);
  c.restart(5);
  c.campaign(5);
  return c.events();
}

TEST(PlantedBugs, CommitOldTerm) {
  const auto bad = failed(figure8(raft::bug_bit(raft::Bug::CommitOldTerm)));
  EXPECT_TRUE(has(bad, "leader_completeness")) << ::testing::PrintToString(bad);
  EXPECT_TRUE(has(bad, "state_machine_safety")) << ::testing::PrintToString(bad);
  EXPECT_TRUE(failed(figure8(0)).empty()) << check_all(figure8(0)).describe();
}

// 3 nodes at term 1. S1 campaigns for term 2 and gets S3's vote (S2 cut off); S1 is then
// cut off before S3 hears from it as leader; S2 campaigns for term 2 too and asks S3.
std::vector<sim::TraceEvent> two_candidates_one_term(raft::BugSet bugs) {
  TracedCluster c(3, bugs);
  c.isolate(2);
  c.drop_if([](const raft::Message& m) { return m.from == 1 && m.type == raft::MessageType::MsgApp; });
  c.campaign(1);
  c.heal();
  c.isolate(1);
  c.campaign(2);
  return c.events();
}

TEST(PlantedBugs, VoteNotPersisted) {
  const auto bad = failed(two_candidates_one_term(raft::bug_bit(raft::Bug::VoteNotPersisted)));
  EXPECT_TRUE(has(bad, "vote_safety")) << ::testing::PrintToString(bad);
  EXPECT_TRUE(has(bad, "election_safety")) << ::testing::PrintToString(bad);
  EXPECT_TRUE(failed(two_candidates_one_term(0)).empty()) << check_all(two_candidates_one_term(0)).describe();
}

TEST(PlantedBugs, VoteNotPersistedIsExposedByARestartToo) {
  // One candidate: S3 votes for S1 in term 2, crashes and restarts from its disk, then S2
  // asks for term 2. The correct code kept votedFor on disk; the bug never wrote it.
  auto run = [](raft::BugSet bugs) {
    TracedCluster c(3, bugs);
    c.isolate(2);
    c.drop_if([](const raft::Message& m) { return m.from == 1 && m.type == raft::MessageType::MsgApp; });
    c.campaign(1);
    c.crash(3);
    c.restart(3);
    c.heal();
    c.isolate(1);
    c.campaign(2);
    return c.events();
  };
  EXPECT_TRUE(has(failed(run(raft::bug_bit(raft::Bug::VoteNotPersisted))), "vote_safety"));
  EXPECT_TRUE(failed(run(0)).empty()) << check_all(run(0)).describe();
}

// S1 leads term 2, is cut off; S2 wins term 3; the network heals and S2's heartbeat
// reaches S1.
std::vector<sim::TraceEvent> deposed_leader(raft::BugSet bugs) {
  TracedCluster c(3, bugs);
  c.campaign(1);
  c.isolate(1);
  c.campaign(2);
  c.heal();
  c.tick_all(1);
  return c.events();
}

TEST(PlantedBugs, NoStepDown) {
  const auto bad = failed(deposed_leader(raft::bug_bit(raft::Bug::NoStepDown)));
  EXPECT_TRUE(has(bad, "election_safety")) << ::testing::PrintToString(bad);
  EXPECT_TRUE(failed(deposed_leader(0)).empty()) << check_all(deposed_leader(0)).describe();
}

// S1 leads term 2 and is cut off; a client's put reaches it; S2 wins term 3 and a put
// through S2 takes the same index.
std::vector<sim::TraceEvent> lost_uncommitted_put(raft::BugSet bugs) {
  TracedCluster c(3, bugs);
  c.campaign(1);
  c.isolate(1);
  c.put(1, "k", "from-old-leader");
  c.campaign(2);
  c.put(2, "k", "from-new-leader");
  return c.events();
}

TEST(PlantedBugs, ApplyBeforeCommit) {
  const auto bad = failed(lost_uncommitted_put(raft::bug_bit(raft::Bug::ApplyBeforeCommit)));
  EXPECT_TRUE(has(bad, "state_machine_safety")) << ::testing::PrintToString(bad);
  EXPECT_TRUE(has(bad, "durability")) << ::testing::PrintToString(bad);
  EXPECT_TRUE(failed(lost_uncommitted_put(0)).empty()) << check_all(lost_uncommitted_put(0)).describe();
}

}  // namespace
}  // namespace raftlab::check
