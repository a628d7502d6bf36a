// tests/nemesis: leader-targeted faults — `"target": "leader"` for crash and isolate, the
// isolate fault, `after_leader_change` + `lag` (strike the next elected leader), the
// budget's leader_fraction / leader_lag_max, the loader's checks, the writer's round
// trip, materialized == budget, and the correct code passing the checkers.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "sim/check/trace_checks.h"
#include "sim/nemesis/nemesis.h"
#include "sim/scenario/loader.h"
#include "tests/common/load_errors.h"
#include "tests/nemesis/run_out.h"

namespace raftlab {
namespace {

using scenario::Fault;
using scenario::FaultKind;
using sim::Ev;
using test::RunOut;
using test::run;

constexpr std::int64_t kMs = 1'000'000;

const char* kFig8 = "tests/lab/data/detect-fig8.json";

scenario::Scenario load(const std::string& rel) {
  auto r = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/" + rel);
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : scenario::format(r.errors.front()));
  return *r.scenario;
}

// detect-fig8.json's three members without budget or clients: explicit faults only.
scenario::Scenario quiet_three() {
  scenario::Scenario s = load(kFig8);
  s.nemesis.reset();
  s.clients.reset();
  s.faults.clear();
  s.has_schedule = true;
  return s;
}

Fault fault(FaultKind k, const std::string& target, std::int64_t at_ms, std::int64_t dur_ms) {
  Fault f;
  f.kind = k;
  f.target = target;
  f.at_ns = at_ms * kMs;
  f.duration_ns = dur_ms * kMs;
  return f;
}

// Who leads at `t` according to the trace (the last role event of each member before t;
// the leader at the highest term), "" if nobody.
std::string leader_at(const RunOut& r, std::int64_t t_ns) {
  std::map<std::string, std::pair<std::string, std::uint64_t>> role;
  for (const auto& e : r.events) {
    if (e.at.ns >= t_ns) break;
    if (e.kind == Ev::Role) role[e.who] = {e.a, e.term};
    if (e.kind == Ev::ProcExit) role.erase(e.who);
  }
  std::string who;
  std::uint64_t term = 0;
  for (const auto& [m, rt] : role)
    if (rt.first == "Leader" && rt.second > term) who = m, term = rt.second;
  return who;
}

std::vector<const sim::TraceEvent*> all(const RunOut& r, Ev kind, const std::string& a) {
  std::vector<const sim::TraceEvent*> v;
  for (const auto& e : r.events)
    if (e.kind == kind && e.a == a) v.push_back(&e);
  return v;
}

// ------------------------------------------------------------------ loader

std::string three(const std::string& extra, const std::string& first_name = "m1") {
  return R"({"name": "t", "description": "d", "duration": "20s",
  "hosts": [{"name": "A", "ip": "10.0.0.1"}],
  "members": [{"name": ")" + first_name + R"(", "host": "A", "flags": "etcd --name m1"}],
  )" + extra + "}";
}

TEST(LeaderFaultsLoader, ParsesLeaderTargetsIsolateAndLag) {
  auto r = scenario::load_string(three(R"("faults": [
      {"at": "3s", "kind": "crash", "target": "leader", "duration": "2s"},
      {"at": "4s", "kind": "isolate", "target": "m1", "duration": "1s"},
      {"at": "5s", "kind": "isolate", "target": "leader", "duration": "1s", "after_leader_change": true, "lag": "2ms"}],
    "nemesis": {"kinds": ["isolate", "crash"], "end": "10s", "mean_gap": "1s", "max_duration": "2s",
                "leader_fraction": 0.5, "leader_lag_max": "3ms"})"),
                                 "t.json");
  ASSERT_TRUE(r.ok()) << scenario::format(r.errors.front());
  const auto& s = *r.scenario;
  ASSERT_EQ(s.faults.size(), 3u);
  EXPECT_EQ(s.faults[0].target, "leader");
  EXPECT_EQ(s.faults[1].kind, FaultKind::kIsolate);
  EXPECT_TRUE(s.faults[2].after_leader_change);
  EXPECT_EQ(s.faults[2].lag_ns, 2 * kMs);
  EXPECT_EQ(nemesis::fault_end_ns(s.faults[2]), 6000 * kMs);  // at + duration, whatever the wait
  EXPECT_EQ(nemesis::describe(s.faults[0]), "leader killed for 2s");
  EXPECT_EQ(nemesis::describe(s.faults[1]), "m1 isolated from its peers for 1s");
  EXPECT_EQ(nemesis::describe(s.faults[2]), "leader isolated from its peers 2ms after the next leader change, until 6s");
  EXPECT_EQ(s.nemesis->leader_ppm, 500'000);
  EXPECT_EQ(s.nemesis->leader_lag_max_ns, 3 * kMs);
  EXPECT_EQ(scenario::fault_kind_name(FaultKind::kIsolate), std::string("isolate"));
}

TEST(LeaderFaultsLoader, BadInputNamesTheField) {
  using test::expect_load_error;
  expect_load_error(three(R"("faults": [{"at": "1s", "kind": "crash", "target": "leader", "duration": "1s", "lag": "2ms"}])"),
                    "$.faults[0].lag", "has no \"after_leader_change\": true", "add \"after_leader_change\": true");
  expect_load_error(three(R"("faults": [{"at": "1s", "kind": "isolate", "target": "leader", "duration": "10ms",
                                         "after_leader_change": true, "lag": "10ms"}])"),
                    "$.faults[0].lag", "leaves nothing of the fault's 10ms", "shorter than \"duration\"");
  // Only crash and isolate take the leader as a target.
  expect_load_error(three(R"("faults": [{"at": "1s", "kind": "clock", "target": "leader", "rate": 2, "duration": "1s"}])"),
                    "$.faults[0].target", "unknown member \"leader\"");
  expect_load_error(three(R"("faults": [{"at": "1s", "kind": "isolate", "target": "m1"}])"), "$.faults[0]",
                    "missing required key \"duration\"");
  expect_load_error(three(R"("faults": [{"at": "1s", "kind": "isolat", "target": "m1", "duration": "1s"}])"),
                    "$.faults[0].kind", "unknown fault kind", "did you mean \"isolate\"?");
  expect_load_error(three(R"("faults": [{"at": "1s", "kind": "isolate", "target": "m1", "duration": "1s", "lose_unsynced": true}])"),
                    "$.faults[0].lose_unsynced", "has no \"lose_unsynced\"");
  expect_load_error(three(R"("faults": [{"at": "1s", "kind": "crash", "target": "leader", "duration": "1s"}])", "leader"),
                    "$.faults[0].target", "a member is also named \"leader\"", "rename that member");
  expect_load_error(three(R"("nemesis": {"kinds": ["partition"], "end": "10s", "mean_gap": "1s", "max_duration": "2s",
                                         "leader_fraction": 0.5})"),
                    "$.nemesis.leader_fraction", "has neither", "add \"crash\" or \"isolate\"");
  expect_load_error(three(R"("nemesis": {"kinds": ["crash"], "end": "10s", "mean_gap": "1s", "max_duration": "2s",
                                         "leader_fraction": 1.5})"),
                    "$.nemesis.leader_fraction", "");
  expect_load_error(three(R"("nemesis": {"kinds": ["crash"], "end": "10s", "mean_gap": "1s", "max_duration": "2s",
                                         "leader_lag_max": "soon"})"),
                    "$.nemesis.leader_lag_max", "");
}

// ------------------------------------------------------------------ runs

TEST(LeaderFaultsRuns, IsolateCutsTheMemberOffItsPeersAndAnotherLeaderTakesOver) {
  auto s = quiet_three();
  const RunOut before = run(s, 1);
  const std::string first = leader_at(before, 2000 * kMs);
  ASSERT_FALSE(first.empty());
  s.faults = {fault(FaultKind::kIsolate, first, 2000, 1000)};
  const RunOut r = run(s, 1);
  ASSERT_EQ(leader_at(r, 2000 * kMs), first);
  const std::string during = leader_at(r, 2900 * kMs);
  EXPECT_FALSE(during.empty());
  EXPECT_NE(during, first) << "the isolated leader's peers elect another";
  // No peer message reaches or leaves the isolated member while it lasts: the others'
  // terms move on, its own cannot (it steps down by CheckQuorum and campaigns alone).
  std::uint64_t isolated_term_seen_by_others = 0;
  for (const auto& e : r.events)
    if (e.kind == Ev::Role && e.who != first && e.at.ns > 2000 * kMs && e.at.ns < 3000 * kMs && e.a == "Leader")
      isolated_term_seen_by_others = e.term;
  EXPECT_GT(isolated_term_seen_by_others, 0u);
  const auto rep = check::check_trace(r.events);
  EXPECT_TRUE(rep.ok()) << rep.describe();
}

TEST(LeaderFaultsRuns, LeaderTargetStrikesWhoeverLeads) {
  auto s = quiet_three();
  s.faults = {fault(FaultKind::kCrash, "leader", 2000, 500)};
  const RunOut r = run(s, 3);
  const auto f = all(r, Ev::Fault, "crash");
  ASSERT_EQ(f.size(), 1u);
  const std::string was = leader_at(r, 2000 * kMs);
  ASSERT_FALSE(was.empty());
  EXPECT_EQ(f[0]->who, was);
  EXPECT_NE(f[0]->b.find("leader killed for 500ms; " + was + " led at term"), std::string::npos) << f[0]->b;
  const auto e = all(r, Ev::FaultEnd, "crash");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0]->who, was);
  EXPECT_EQ(e[0]->at.ns, 2500 * kMs);
  // Before any leader exists: nothing happens, and the trace says so.
  s.faults = {fault(FaultKind::kCrash, "leader", 1, 500)};
  const RunOut early = run(s, 3);
  const auto g = all(early, Ev::Fault, "crash");
  ASSERT_EQ(g.size(), 1u);
  EXPECT_TRUE(g[0]->who.empty());
  EXPECT_NE(g[0]->b.find("no leader: nothing done"), std::string::npos) << g[0]->b;
  EXPECT_EQ(all(early, Ev::FaultEnd, "crash").size(), 1u);
}

TEST(LeaderFaultsRuns, AfterLeaderChangeStrikesTheNewLeaderLagLater) {
  auto s = quiet_three();
  // Isolate the leader at 2s: the others elect a new one; the crash waits for that
  // election and kills the new leader 1ms after it, until 2.8s.
  Fault crash = fault(FaultKind::kCrash, "leader", 2000, 800);
  crash.after_leader_change = true;
  crash.lag_ns = 1 * kMs;
  s.faults = {fault(FaultKind::kIsolate, "leader", 2000, 400), crash};
  const RunOut r = run(s, 5);
  const auto iso = all(r, Ev::Fault, "isolate");
  ASSERT_EQ(iso.size(), 1u);
  const std::string old_leader = iso[0]->who;
  ASSERT_FALSE(old_leader.empty());
  // The first member to become leader at a higher term after 2s.
  const sim::TraceEvent* elected = nullptr;
  for (const auto& e : r.events)
    if (e.kind == Ev::Role && e.a == "Leader" && e.at.ns >= 2000 * kMs && e.who != old_leader) {
      elected = &e;
      break;
    }
  ASSERT_NE(elected, nullptr);
  const auto f = all(r, Ev::Fault, "crash");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->who, elected->who);
  EXPECT_EQ(f[0]->at.ns, elected->at.ns + 1 * kMs);
  EXPECT_NE(f[0]->b.find("1ms after " + elected->who + " was elected"), std::string::npos) << f[0]->b;
  const auto e = all(r, Ev::FaultEnd, "crash");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0]->at.ns, 2800 * kMs);  // at + duration
  const auto rep = check::check_trace(r.events);
  EXPECT_TRUE(rep.ok()) << rep.describe();
}

TEST(LeaderFaultsRuns, NoLeaderChangeInTimeDoesNothingAndSaysSo) {
  auto s = quiet_three();
  Fault iso = fault(FaultKind::kIsolate, "leader", 2000, 300);
  iso.after_leader_change = true;
  s.faults = {iso};
  const RunOut r = run(s, 2);
  const auto f = all(r, Ev::Fault, "isolate");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0]->at.ns, 2300 * kMs);
  EXPECT_NE(f[0]->b.find("no leader change in time: nothing done"), std::string::npos) << f[0]->b;
  EXPECT_EQ(all(r, Ev::FaultEnd, "isolate").size(), 1u);
  // Same leader throughout.
  EXPECT_EQ(leader_at(r, 1900 * kMs), leader_at(r, 2400 * kMs));
}

// ------------------------------------------------------------------ schedules

TEST(LeaderFaultsSchedule, DrawTargetsTheLeaderWithLagsWithinBounds) {
  const auto s = load(kFig8);
  std::size_t leader = 0, waiting = 0, total = 0, isolates = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    for (const Fault& f : nemesis::draw(s, seed)) {
      ASSERT_TRUE(f.kind == FaultKind::kCrash || f.kind == FaultKind::kIsolate);
      ++total;
      isolates += f.kind == FaultKind::kIsolate;
      leader += f.target == "leader";  // leader_fraction 1
      if (f.after_leader_change) {
        ++waiting;
        EXPECT_LE(f.lag_ns, s.nemesis->leader_lag_max_ns);
        EXPECT_LT(f.lag_ns, f.duration_ns);
      } else {
        EXPECT_EQ(f.lag_ns, 0);
      }
    }
  }
  EXPECT_GT(total, 1000u);
  EXPECT_EQ(leader, total);
  EXPECT_GT(isolates, total / 3);
  EXPECT_GT(waiting, total / 3);
  EXPECT_LT(waiting, 2 * total / 3);
  // max_down 1: leader crashes never overlap each other.
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::vector<const Fault*> crashes;
    const auto d = nemesis::draw(s, seed);
    for (const auto& f : d)
      if (f.kind == FaultKind::kCrash) crashes.push_back(&f);
    for (std::size_t i = 0; i + 1 < crashes.size(); ++i)
      EXPECT_LE(crashes[i]->at_ns + crashes[i]->duration_ns, crashes[i + 1]->at_ns) << "seed " << seed;
  }
}

TEST(LeaderFaultsSchedule, MaterializedAndWrittenBackGiveTheBudgetRunsTrace) {
  const auto s = load(kFig8);
  const std::uint64_t seed = 12;
  const RunOut budget = run(s, seed);
  const auto m = nemesis::materialize(s, seed);
  const RunOut explicit_run = run(m, seed);
  EXPECT_EQ(budget.hash, explicit_run.hash);
  const std::string text = nemesis::write_scenario(m, "// test\n");
  EXPECT_NE(text.find("\"after_leader_change\":true"), std::string::npos);
  EXPECT_NE(text.find("\"lag\":"), std::string::npos);
  EXPECT_NE(text.find("\"target\":\"leader\""), std::string::npos);
  auto back = scenario::load_string(text, "written.json");
  ASSERT_TRUE(back.ok()) << scenario::format(back.errors.front());
  ASSERT_EQ(back.scenario->faults.size(), m.faults.size());
  for (std::size_t i = 0; i < m.faults.size(); ++i) {
    EXPECT_EQ(back.scenario->faults[i].lag_ns, m.faults[i].lag_ns);
    EXPECT_EQ(back.scenario->faults[i].after_leader_change, m.faults[i].after_leader_change);
  }
  EXPECT_EQ(run(*back.scenario, seed).hash, budget.hash);
  EXPECT_EQ(run(s, seed).hash, budget.hash);  // deterministic
}

TEST(LeaderFaultsRuns, CorrectCodePassesTheCheckersUnderLeaderFaults) {
  const auto s = load(kFig8);
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const RunOut r = run(s, seed);
    const auto rep = check::check_trace(r.events);
    EXPECT_TRUE(rep.ok()) << "seed " << seed << ": " << rep.describe();
  }
}

// host_down with after_leader_change (the quorum table's "just after an election" host
// loss): the host goes down `lag` after the first election, its members with it, and the
// fault round-trips through the writer and the loader.
TEST(LeaderFaultsRuns, HostDownAfterLeaderChangeTakesTheHostDownLagAfterTheElection) {
  scenario::Scenario s = load("scenarios/bitnami-2host/static-bootstrap.json");
  s.expect.clear();
  s.faults.clear();
  s.has_schedule = true;
  Fault f = fault(FaultKind::kHostDown, "A", 0, 6000);
  f.after_leader_change = true;
  f.lag_ns = 2 * kMs;
  s.faults = {f};
  const RunOut r = run(s, 3);
  const sim::TraceEvent* elected = nullptr;
  for (const auto& e : r.events)
    if (e.kind == Ev::Role && e.a == "Leader") {
      elected = &e;
      break;
    }
  ASSERT_NE(elected, nullptr);
  const auto down = all(r, Ev::Fault, "host_down");
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0]->who, "A");
  EXPECT_EQ(down[0]->at.ns, elected->at.ns + 2 * kMs);
  EXPECT_NE(down[0]->b.find("2ms after " + elected->who + " was elected"), std::string::npos) << down[0]->b;
  bool host_down_seen = false;
  for (const auto& e : r.events) host_down_seen = host_down_seen || (e.kind == Ev::HostDown && e.who == "A");
  EXPECT_TRUE(host_down_seen);
  const auto end = all(r, Ev::FaultEnd, "host_down");
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0]->at.ns, 6000 * kMs);
  EXPECT_TRUE(check::check_trace(r.events).ok());

  const std::string text = nemesis::write_scenario(s, "// test\n");
  auto back = scenario::load_string(text, "written.json");
  ASSERT_TRUE(back.ok()) << scenario::format(back.errors.front());
  ASSERT_EQ(back.scenario->faults.size(), 1u);
  EXPECT_TRUE(back.scenario->faults[0].after_leader_change);
  EXPECT_EQ(back.scenario->faults[0].lag_ns, 2 * kMs);
  EXPECT_EQ(run(*back.scenario, 3).hash, r.hash);
}

}  // namespace
}  // namespace raftlab
