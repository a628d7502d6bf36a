// tests/nemesis: the scenario keys of the fault lab (faults, nemesis, clients), each
// fault primitive, the persistence model, materialize == budget run, the scenario
// writer's round trip, and the correct code passing the safety checkers under faults.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/check/lab.h"
#include "sim/check/trace_checks.h"
#include "sim/deploy.h"
#include "sim/nemesis/nemesis.h"
#include "sim/scenario/loader.h"
#include "tests/common/load_errors.h"
#include "tests/nemesis/run_out.h"

namespace raftlab {
namespace {

using scenario::Fault;
using scenario::FaultKind;
using sim::Ev;

std::string source(const std::string& rel) { return std::string(RAFTLAB_SOURCE_DIR) + "/" + rel; }

scenario::Scenario load(const std::string& rel) {
  auto r = scenario::load_file(source(rel));
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : scenario::format(r.errors.front()));
  return *r.scenario;
}

// The small lab scenario without its budget and clients: a quiet three-member cluster.
scenario::Scenario bare_small() {
  scenario::Scenario s = load("scenarios/lab/small.json");
  s.nemesis.reset();
  s.clients.reset();
  s.faults.clear();
  s.has_schedule = true;
  return s;
}

using test::RunOut;
using test::run;

Fault fault(FaultKind k, std::int64_t at_s, std::int64_t dur_ms) {
  Fault f;
  f.kind = k;
  f.at_ns = at_s * 1'000'000'000;
  f.duration_ns = dur_ms * 1'000'000;
  return f;
}

// ------------------------------------------------------------------ loader

// A valid scenario text with `extra` top-level keys spliced in.
std::string with_keys(const std::string& extra) {
  return R"({"name": "t", "description": "d", "duration": "20s",
  "hosts": [{"name": "A", "ip": "10.0.0.1"}],
  "members": [{"name": "m1", "host": "A", "flags": "etcd --name m1"}, {"name": "m2", "host": "A", "flags": "etcd --name m2"}],
  )" + extra + "}";
}

void expect_error(const std::string& extra, const std::string& path, const std::string& message,
                  const std::string& fix = "") {
  test::expect_load_error(with_keys(extra), path, message, fix);
}

TEST(NemesisLoader, FaultErrorsNameThePathAndTheFix) {
  expect_error(R"("faults": [{"at": "1s", "kind": "crsh", "target": "m1", "duration": "1s"}])", "$.faults[0].kind",
               "unknown fault kind", "did you mean \"crash\"?");
  expect_error(R"("faults": [{"at": "1s", "kind": "crash", "target": "m1", "duration": "1s", "probability": 0.5}])",
               "$.faults[0].probability", "has no \"probability\"", "takes");
  expect_error(R"("faults": [{"at": "1s", "kind": "crash", "target": "m9", "duration": "1s"}])", "$.faults[0].target",
               "unknown member \"m9\"");
  expect_error(R"("faults": [{"at": "1s", "kind": "crash", "target": "m1"}])", "$.faults[0]",
               "missing required key \"duration\"");
  expect_error(R"("faults": [{"at": "1s", "kind": "loss", "probability": 1.5, "duration": "1s"}])",
               "$.faults[0].probability", "out of range");
  expect_error(R"("faults": [{"at": "1s", "kind": "partition", "duration": "1s"}])", "$.faults[0]",
               "needs \"hosts\" or \"members\"");
  expect_error(R"("faults": [{"at": "1s", "kind": "partition", "hosts": [["A"], ["B"]], "duration": "1s"}])",
               "$.faults[0].hosts[1][0]", "unknown host \"B\"");
  expect_error(R"("faults": [{"at": "19s", "kind": "crash", "target": "m1", "duration": "5s"}])", "$.faults[0]",
               "after the end of the run");
  expect_error(R"("faults": [{"at": "1s", "kind": "clock", "target": "m1", "rate": 0.01, "duration": "1s"}])",
               "$.faults[0].rate", "below 0.1");
  expect_error(R"("faults": [{"at": "1s", "kind": "one_way", "from": ["m1"], "duration": "1s"}])", "$.faults[0]",
               "missing required key \"to\"");
  expect_error(R"("faults": {"at": "1s"})", "$.faults", "expected an array of faults");
  expect_error(R"("faultz": [])", "$.faultz", "unknown key", "did you mean \"faults\"?");
  expect_error(R"("fsync_latency": 5)", "$.fsync_latency", "expected a duration string");
}

TEST(NemesisLoader, BudgetAndClientErrors) {
  expect_error(R"("nemesis": {"kinds": ["partiton"], "end": "10s", "mean_gap": "1s", "max_duration": "2s"})",
               "$.nemesis.kinds[0]", "unknown fault kind", "did you mean \"partition\"?");
  expect_error(R"("nemesis": {"kinds": ["crash", "crash"], "end": "10s", "mean_gap": "1s", "max_duration": "2s"})",
               "$.nemesis.kinds[1]", "listed twice");
  expect_error(R"("nemesis": {"kinds": ["crash"], "mean_gap": "1s", "max_duration": "2s"})", "$.nemesis",
               "missing required key \"end\"");
  expect_error(R"("nemesis": {"kinds": ["crash"], "end": "10s", "mean_gap": "1s", "max_duration": "2s", "max_dwn": 1})",
               "$.nemesis.max_dwn", "unknown key", "did you mean \"max_down\"?");
  expect_error(R"("nemesis": {"kinds": ["crash"], "end": "30s", "mean_gap": "1s", "max_duration": "2s"})",
               "$.nemesis.end", "ends after the run");
  expect_error(R"("nemesis": {"kinds": ["crash"], "end": "10s", "mean_gap": "1s", "min_duration": "3s", "max_duration": "2s"})",
               "$.nemesis.min_duration", "greater than max_duration");
  expect_error(R"("clients": {"count": 0, "end": "10s"})", "$.clients.count", "expected 1 to 1000");
  expect_error(R"("clients": {"count": 2, "end": "10s", "tiemout": "1s"})", "$.clients.tiemout", "unknown key",
               "did you mean \"timeout\"?");
  expect_error(R"("clients": {"count": 2, "end": "10s", "read_fraction": 2})", "$.clients.read_fraction",
               "out of range");
  expect_error(R"("clients": {"count": 2, "end": "10s", "endpoints": ["m7"]})", "$.clients.endpoints[0]",
               "unknown member \"m7\"");
  expect_error(R"("clients": {"count": 2, "end": "10s", "max_ops": -1})", "$.clients.max_ops", "expected a whole number");
}

TEST(NemesisLoader, ShippedLabScenariosLoadWithTheirSchedules) {
  const auto s = load("scenarios/lab/reference.json");
  ASSERT_TRUE(s.nemesis.has_value());
  EXPECT_EQ(s.nemesis->kinds.size(), static_cast<size_t>(scenario::kFaultKinds));
  ASSERT_TRUE(s.clients.has_value());
  EXPECT_EQ(s.clients->count, 6);
  ASSERT_EQ(s.members.size(), 6u);
  EXPECT_EQ(s.fsync_latency_ns, 2'000'000);
  // The reference's hosts and members are static-bootstrap.json's, exactly, plus one
  // spare for member_add (etcd6: etcd5's line on other ports, state existing).
  const auto a = load("scenarios/bitnami-2host/static-bootstrap.json");
  ASSERT_TRUE(s.source && a.source);
  auto members = s.source->at("members");
  members.erase(members.size() - 1);
  EXPECT_EQ(members, a.source->at("members"));
  EXPECT_EQ(s.source->at("hosts"), a.source->at("hosts"));
  for (std::size_t i = 0; i < 5; ++i) EXPECT_FALSE(s.members[i].spare);
  EXPECT_EQ(s.members[5].name, "etcd6");
  EXPECT_TRUE(s.members[5].spare);
}

// ------------------------------------------------------------------ the schedule

TEST(NemesisSchedule, DrawIsPerSeedBoundedAndRespectsMaxDown) {
  const auto s = load("scenarios/lab/reference.json");
  std::size_t total = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const auto a = nemesis::draw(s, seed);
    EXPECT_EQ(nemesis::write_scenario(nemesis::materialize(s, seed)),
              nemesis::write_scenario(nemesis::materialize(s, seed)));
    total += a.size();
    int terminations = 0;
    for (const auto& f : a) {
      EXPECT_GE(f.at_ns, s.nemesis->start_ns);
      EXPECT_LE(nemesis::fault_end_ns(f), s.nemesis->end_ns);
      if (f.kind == FaultKind::kTerminate) ++terminations;
    }
    EXPECT_LE(terminations, 1);
    // At most two members down at any fault start (crash/host_down/terminate).
    for (const auto& f : a) {
      std::set<std::string> down;
      for (const auto& g : a) {
        const bool permanent = g.kind == FaultKind::kTerminate;
        if (g.at_ns > f.at_ns || (!permanent && nemesis::fault_end_ns(g) <= f.at_ns)) continue;
        if (g.kind == FaultKind::kCrash || g.kind == FaultKind::kTerminate) down.insert(g.target);
        if (g.kind == FaultKind::kHostDown)
          for (const auto& m : s.members)
            if (m.host == g.target) down.insert(m.name);
      }
      EXPECT_LE(down.size(), 2u) << "seed " << seed;
    }
  }
  EXPECT_GT(total, 50u * 10);  // ~20 faults per seed at a 3 s mean gap over 60 s
  EXPECT_NE(nemesis::write_scenario(nemesis::materialize(s, 1)), nemesis::write_scenario(nemesis::materialize(s, 2)));
}

TEST(NemesisSchedule, MaterializedScenarioGivesTheBudgetRunsTrace) {
  const auto s = load("scenarios/lab/small.json");
  int with_faults = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const auto m = nemesis::materialize(s, seed);
    EXPECT_FALSE(m.nemesis.has_value());
    if (!m.faults.empty()) ++with_faults;
    EXPECT_EQ(run(s, seed).hash, run(m, seed).hash) << "seed " << seed;
  }
  EXPECT_GT(with_faults, 40);
}

TEST(NemesisSchedule, WrittenScenarioLoadsAndReplaysTheSameTrace) {
  for (const char* file : {"scenarios/lab/small.json", "scenarios/lab/reference.json"}) {
    const auto s = load(file);
    for (std::uint64_t seed : {3u, 11u}) {
      const auto m = nemesis::materialize(s, seed);
      const std::string text = nemesis::write_scenario(m, "// replay of seed " + std::to_string(seed));
      auto back = scenario::load_string(text, "written.json");
      ASSERT_TRUE(back.ok()) << scenario::format(back.errors.front()) << "\n" << text;
      EXPECT_EQ(back.scenario->seed, seed);
      EXPECT_EQ(back.scenario->faults.size(), m.faults.size());
      EXPECT_EQ(nemesis::write_scenario(*back.scenario, "// replay of seed " + std::to_string(seed)), text);
      EXPECT_EQ(run(s, seed).hash, run(*back.scenario, seed).hash) << file << " seed " << seed;
    }
  }
}

TEST(NemesisSchedule, ShrinkingEditsAreWrittenBack) {
  auto m = nemesis::materialize(load("scenarios/lab/small.json"), 5);
  ASSERT_GE(m.faults.size(), 2u);
  m.faults.erase(m.faults.begin());
  m.faults.front().duration_ns /= 2;
  m.clients->max_ops = 3;
  m.clients->count = 2;
  auto back = scenario::load_string(nemesis::write_scenario(m), "shrunk.json");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.scenario->faults.size(), m.faults.size());
  EXPECT_EQ(back.scenario->faults.front().duration_ns, m.faults.front().duration_ns);
  EXPECT_EQ(back.scenario->clients->max_ops, 3);
  EXPECT_EQ(run(m, 5).hash, run(*back.scenario, 5).hash);
  // Two clients, three operations each.
  int calls = 0;
  for (const auto& e : run(m, 5).events)
    if (e.kind == Ev::ClientCall && e.peer != 0) ++calls;
  EXPECT_EQ(calls, 6);
}

// ------------------------------------------------------------------ primitives

std::string peer_url(const std::string& member) {
  if (member == "m1") return "http://10.0.0.1:2380";
  if (member == "m2") return "http://10.0.0.1:3380";
  return "http://10.0.0.2:2380";
}

int drops(const RunOut& r, const std::string& from, const std::string& to, std::int64_t t0, std::int64_t t1,
          const std::string& why = "i/o timeout (partitioned)") {
  int n = 0;
  for (const auto& e : r.events)
    if (e.kind == Ev::Drop && e.who == from && e.a == peer_url(to) && e.b == why && e.at.ns >= t0 && e.at.ns < t1) ++n;
  return n;
}

TEST(NemesisPrimitives, MemberPartitionDropsAcrossGroupsOnlyWhileItLasts) {
  auto s = bare_small();
  Fault f = fault(FaultKind::kPartition, 3, 2000);
  f.host_groups = false;
  f.groups = {{"m1"}, {"m2", "m3"}};
  s.faults = {f};
  const RunOut r = run(s, 1);
  const std::int64_t s3 = 3'000'000'000, s5 = 5'000'000'000, s6 = 6'000'000'000;
  EXPECT_GT(drops(r, "m1", "m2", s3, s5 + 10'000'000) + drops(r, "m2", "m1", s3, s5 + 10'000'000), 0);
  EXPECT_GT(drops(r, "m1", "m3", s3, s5 + 10'000'000) + drops(r, "m3", "m1", s3, s5 + 10'000'000), 0);
  EXPECT_EQ(drops(r, "m2", "m3", 0, s6) + drops(r, "m3", "m2", 0, s6), 0);
  EXPECT_EQ(drops(r, "m1", "m2", s5 + 10'000'000, s6 * 10) + drops(r, "m2", "m1", s5 + 10'000'000, s6 * 10), 0);
  bool fault_seen = false, end_seen = false, quiet_seen = false;
  for (const auto& e : r.events) {
    if (e.kind == Ev::Fault && e.a == "partition" && e.at.ns == s3) fault_seen = true;
    if (e.kind == Ev::FaultEnd && e.a == "partition" && e.at.ns == s5) end_seen = true;
    if (e.kind == Ev::Quiet && e.at.ns == s5) quiet_seen = true;
  }
  EXPECT_TRUE(fault_seen && end_seen && quiet_seen);
}

TEST(NemesisPrimitives, HostPartitionCutsHostsApart) {
  auto s = bare_small();
  Fault f = fault(FaultKind::kPartition, 3, 2000);
  f.host_groups = true;
  f.groups = {{"A"}, {"B"}};
  s.faults = {f};
  const RunOut r = run(s, 2);
  EXPECT_GT(drops(r, "m1", "m3", 0, 6'000'000'000) + drops(r, "m3", "m1", 0, 6'000'000'000), 0);
  EXPECT_EQ(drops(r, "m1", "m2", 0, 6'000'000'000) + drops(r, "m2", "m1", 0, 6'000'000'000), 0);
}

TEST(NemesisPrimitives, OneWayDropsOneDirectionOnly) {
  auto s = bare_small();
  Fault f = fault(FaultKind::kOneWay, 3, 3000);
  f.from = {"m1"};
  f.to = {"m2", "m3"};
  s.faults = {f};
  const RunOut r = run(s, 1);
  const std::int64_t end = 20'000'000'000;
  EXPECT_GT(drops(r, "m1", "m2", 0, end) + drops(r, "m1", "m3", 0, end), 0);
  EXPECT_EQ(drops(r, "m2", "m1", 0, end) + drops(r, "m3", "m1", 0, end), 0);
  EXPECT_EQ(drops(r, "m2", "m3", 0, end) + drops(r, "m3", "m2", 0, end), 0);
}

TEST(NemesisPrimitives, LossDropsWithItsReason) {
  auto s = bare_small();
  Fault f = fault(FaultKind::kLoss, 3, 3000);
  f.probability_ppm = 500'000;
  s.faults = {f};
  const RunOut r = run(s, 1);
  int lost = 0;
  for (const auto& e : r.events)
    if (e.kind == Ev::Drop && e.b == "lost (nemesis)") {
      ++lost;
      EXPECT_GE(e.at.ns, 3'000'000'000);
      EXPECT_LT(e.at.ns, 6'000'000'000);
    }
  EXPECT_GT(lost, 10);
}

TEST(NemesisPrimitives, DuplicatedPacketsArriveTwice) {
  auto count = [](const RunOut& r) {
    std::int64_t sends = 0, delivers = 0;
    for (const auto& e : r.events) {
      if (e.kind == Ev::Send && e.a.find(":2380") != std::string::npos) ++sends;
      if (e.kind == Ev::Send && e.a.find(":3380") != std::string::npos) ++sends;
      if (e.kind == Ev::Deliver && (e.who.find(":2380") != std::string::npos || e.who.find(":3380") != std::string::npos))
        ++delivers;
    }
    return std::make_pair(sends, delivers);
  };
  auto s = bare_small();
  const auto [s0, d0] = count(run(s, 1, sim::TraceLevel::Full));
  Fault f = fault(FaultKind::kDuplicate, 3, 3000);
  f.probability_ppm = 1'000'000;
  s.faults = {f};
  const auto [s1, d1] = count(run(s, 1, sim::TraceLevel::Full));
  EXPECT_LE(d0, s0);  // without the fault every packet arrives at most once
  // With p = 1 for 3 s of heartbeats, hundreds of packets arrive twice.
  EXPECT_GT(d1 - s1, 100);
}

TEST(NemesisPrimitives, TickerSkewChangesWhoWinsTheFirstElection) {
  auto first_leader = [](const RunOut& r) {
    for (const auto& e : r.events)
      if (e.kind == Ev::Role && e.a == "Leader") return e.who;
    return std::string();
  };
  int fast_wins = 0, slow_wins = 0, plain_wins = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    auto s = bare_small();
    s.duration_ns = 6'000'000'000;
    plain_wins += first_leader(run(s, seed)) == "m1";
    Fault f = fault(FaultKind::kClock, 0, 5000);
    f.target = "m1";
    f.rate_ppm = 5'000'000;
    s.faults = {f};
    fast_wins += first_leader(run(s, seed)) == "m1";
    s.faults[0].rate_ppm = 200'000;
    slow_wins += first_leader(run(s, seed)) == "m1";
  }
  EXPECT_GE(fast_wins, 8);
  // A slow ticker almost never wins (once in 10 seeds since members serve only after their
  // 90-130 ms start-up, which can leave m1 alone with the others still starting).
  EXPECT_LE(slow_wins, 1);
  EXPECT_LT(slow_wins, plain_wins);
  EXPECT_GT(fast_wins, plain_wins);
}

// Crashes of one member every 700 ms under client load with a slow fsync: some crash
// catches a write in flight.
scenario::Scenario crash_loop(bool lose) {
  auto s = load("scenarios/lab/small.json");
  s.nemesis.reset();
  s.faults.clear();
  s.fsync_latency_ns = 20'000'000;
  for (int i = 0; i < 10; ++i) {
    Fault f = fault(FaultKind::kCrash, 0, 0);
    f.target.assign(i % 2 ? "m2" : "m3");
    f.at_ns = 2'000'000'000 + i * 700'000'000LL;
    f.duration_ns = 300'000'000;
    f.lose_unsynced = lose;
    s.faults.push_back(f);
  }
  return s;
}

TEST(NemesisPersistence, LoseUnsyncedTruncatesOnlyTheWriteInFlight) {
  int losses = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const RunOut r = run(crash_loop(true), seed);
    std::map<std::string, std::uint64_t> durable;  // member -> last index its WAL holds (appends)
    for (const auto& e : r.events) {
      if (e.kind == Ev::Append) durable[e.who] = e.index;
      if (e.kind == Ev::DataLoss) {
        ASSERT_EQ(e.a, "unsynced");
        ++losses;
        // Everything recorded durable is kept: the WAL still holds at least that far.
        EXPECT_GE(e.index, durable[e.who]) << e.b;
        EXPECT_NE(e.b.find("not fsynced"), std::string::npos);
      }
    }
    const auto rep = check::check_trace(r.events);
    EXPECT_TRUE(rep.ok()) << rep.describe();
    for (const auto& x : r.result.expectations) EXPECT_TRUE(x.passed) << x.what << " " << x.actual;
  }
  EXPECT_GT(losses, 0);
  // The same crashes without lose_unsynced lose nothing.
  for (std::uint64_t seed = 1; seed <= 5; ++seed)
    for (const auto& e : run(crash_loop(false), seed).events) EXPECT_NE(e.kind, Ev::DataLoss);
}

// etcd's WAL.Save fsyncs only when raft.MustSync: new entries, or a new term or vote. A
// Ready that only moves the commit index (a follower's heartbeat, a leader's commit) is
// written to the page cache and becomes durable with the next fsync; its sender does not
// wait for the disk. In the trace: a `hard_state` (recorded when durable) whose term and
// vote are unchanged always shares its instant with an `append` of the same member.
TEST(NemesisPersistence, AWriteIsFsyncedOnlyWhenEtcdWould) {
  auto s = load("scenarios/lab/small.json");
  s.nemesis.reset();
  s.faults.clear();
  s.has_schedule = true;
  s.fsync_latency_ns = 20'000'000;  // long enough that a needless fsync would show
  const RunOut r = run(s, 3);
  std::map<std::string, sim::TraceEvent> last_hs;                // member -> previous hard_state
  std::set<std::pair<std::string, std::int64_t>> append_at;      // (member, time) of each append
  for (const auto& e : r.events)
    if (e.kind == Ev::Append) append_at.emplace(e.who, e.at.ns);
  int commit_only = 0, folded = 0;
  for (const auto& e : r.events) {
    if (e.kind != Ev::HardState) continue;
    auto it = last_hs.find(e.who);
    if (it != last_hs.end() && it->second.term == e.term && it->second.peer == e.peer) {
      ++commit_only;
      EXPECT_TRUE(append_at.count({e.who, e.at.ns}))
          << e.who << " fsynced a commit-only hard state (commit " << e.index << ") at " << e.at.ns << " ns";
      if (e.index > it->second.index) ++folded;
    }
    last_hs[e.who] = e;
  }
  EXPECT_GT(commit_only, 0);
  EXPECT_GT(folded, 0);  // commit advances did reach the disk, with the next entries' fsync
  const auto rep = check::check_trace(r.events);
  EXPECT_TRUE(rep.ok()) << rep.describe();
}

TEST(NemesisPersistence, AppendHardStateAndVoteEventsAreRecorded) {
  auto s = bare_small();
  s.duration_ns = 5'000'000'000;
  const RunOut r = run(s, 4);
  int appends = 0, hard = 0, votes = 0;
  for (const auto& e : r.events) {
    if (e.kind == Ev::Append) {
      ++appends;
      EXPECT_TRUE(e.a.rfind("normal:", 0) == 0 || e.a.rfind("conf:", 0) == 0);
      EXPECT_NE(e.member_id, 0u);
    }
    if (e.kind == Ev::HardState) ++hard;
    if (e.kind == Ev::Vote) {
      ++votes;
      EXPECT_TRUE(e.a == "vote" || e.a == "prevote");
      EXPECT_NE(e.peer, 0u);
    }
    if (e.kind == Ev::Apply && e.a.rfind("normal:", 0) == 0) {
      EXPECT_FALSE(e.b.empty());
    }
  }
  EXPECT_GE(appends, 3 * 3);  // three conf entries on each of three members, at least
  EXPECT_GT(hard, 0);
  EXPECT_GE(votes, 1);
  // Nothing at all at trace level off.
  EXPECT_TRUE(run(s, 4, sim::TraceLevel::Off).events.empty());
}

TEST(NemesisPersistence, TerminationWipesTheDataDirAndAFreshInstanceStarts) {
  auto s = bare_small();
  Fault f = fault(FaultKind::kTerminate, 4, 2000);
  f.target = "m2";
  s.faults = {f};
  const RunOut r = run(s, 1);
  bool wiped = false, restarted = false;
  for (const auto& e : r.events) {
    if (e.kind == Ev::DataLoss && e.who == "m2" && e.a == "wiped" && e.at.ns == 4'000'000'000) wiped = true;
    if (wiped && e.kind == Ev::ProcStart && e.who == "m2" && e.at.ns == 6'000'000'000) restarted = true;
    // The fresh instance has no WAL; a static-bootstrap etcd then refuses, as etcd does:
    // "member ... has already been bootstrapped" (the others know its ID).
    if (restarted && e.kind == Ev::Log && e.who == "m2" && e.b == "starting an etcd server") {
      EXPECT_NE(e.c.find("data-dir-has-wal=false"), std::string::npos);
    }
  }
  EXPECT_TRUE(wiped);
  EXPECT_TRUE(restarted);
  // Without a duration the instance stays gone.
  s.faults[0].duration_ns = 0;
  const RunOut gone = run(s, 1);
  for (const auto& e : gone.events)
    if (e.who == "m2" && e.at.ns > 4'000'000'000) {
      EXPECT_NE(e.kind, Ev::ProcStart);
    }
}

TEST(NemesisPrimitives, MemberRemoveGoesThroughEtcdctl) {
  auto s = bare_small();
  Fault f = fault(FaultKind::kMemberRemove, 5, 0);
  f.target = "m3";
  s.faults = {f};
  const RunOut r = run(s, 1);
  bool call = false, removed = false;
  for (const auto& e : r.events) {
    if (e.kind == Ev::ClientCall && e.a == "member-remove") call = true;
    if (e.kind == Ev::FaultEnd && e.a == "member_remove" && e.b == "removed") removed = true;
  }
  EXPECT_TRUE(call);
  EXPECT_TRUE(removed);
}

TEST(NemesisClients, ValuesAreUniquePerWriteAndOneOpPerClientInFlight) {
  const RunOut r = run(load("scenarios/lab/small.json"), 3);
  std::set<std::string> values;
  std::map<std::uint64_t, int> in_flight;  // client -> ops outstanding
  std::map<std::uint64_t, std::uint64_t> client_of;
  int puts = 0, gets = 0;
  for (const auto& e : r.events) {
    if (e.kind == Ev::ClientCall && e.peer != 0) {
      client_of[e.index] = e.peer;
      EXPECT_EQ(++in_flight[e.peer], 1);
      if (e.a == "put") {
        ++puts;
        EXPECT_TRUE(values.insert(e.c).second) << e.c;
        EXPECT_EQ(e.c.rfind("c" + std::to_string(e.peer) + "-", 0), 0u);
      } else {
        ++gets;
      }
    }
    if (e.kind == Ev::ClientDone && client_of.count(e.index)) --in_flight[client_of[e.index]];
  }
  EXPECT_GT(puts, 50);
  EXPECT_GT(gets, 50);
}

// ------------------------------------------------------------------ whole runs

TEST(NemesisRuns, ReferenceScenarioIsDeterministic) {
  const auto s = load("scenarios/lab/reference.json");
  const RunOut a = run(s, 7), b = run(s, 7);
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_FALSE(a.hash.empty());
  int faults = 0;
  for (const auto& e : a.events) faults += e.kind == Ev::Fault;
  EXPECT_GT(faults, 8);
}

// The correct code under random faults: no safety violation. Seeds: 100 of the small
// scenario and 10 of the reference here (RAFTLAB_NEMESIS_SEEDS=N runs N of the reference).
TEST(NemesisRuns, CorrectCodePassesTheSafetyCheckers) {
  const auto small = std::make_shared<const scenario::Scenario>(load("scenarios/lab/small.json"));
  const auto ref = std::make_shared<const scenario::Scenario>(load("scenarios/lab/reference.json"));
  std::uint64_t ref_seeds = 10;
  if (const char* n = std::getenv("RAFTLAB_NEMESIS_SEEDS")) ref_seeds = std::strtoull(n, nullptr, 10);
  for (const auto& [s, seeds] : {std::make_pair(small, std::uint64_t{100}), std::make_pair(ref, ref_seeds)}) {
    const auto cache = std::make_shared<sim::SpecCache>();
    const auto t0 = std::chrono::steady_clock::now();
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      sim::RunOptions o;
      o.seed = seed;
      o.cache = cache;
      std::vector<scenario::LoadError> errors;
      auto d = sim::Deployment::build(s, o, &errors);
      ASSERT_NE(d, nullptr);
      const auto rr = d->run();
      const auto rep = check::check_trace(d->world().trace().events());
      EXPECT_TRUE(rep.ok()) << s->name << " seed " << seed << "\n" << rep.describe();
      for (const auto& x : rr.expectations) EXPECT_TRUE(x.passed) << s->name << " seed " << seed << " " << x.what;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s: %llu seeds in %.2f s (%.1f seeds/s, default trace + check_trace)\n", s->name.c_str(),
                static_cast<unsigned long long>(seeds), secs, static_cast<double>(seeds) / secs);
  }
}

}  // namespace
}  // namespace raftlab

namespace raftlab {
namespace {

// Opt-in measurement (results/NEMESIS.md): wall time per seed of the reference scenario at
// trace off and default, in process, one core, shared SpecCache; medians of 5 repetitions
// of 20 seeds each.
//   ./build/tests/nemesis_tests --gtest_also_run_disabled_tests --gtest_filter='*MeasureReference*'
TEST(NemesisRuns, DISABLED_MeasureReference) {
  const auto s = std::make_shared<const scenario::Scenario>(load("scenarios/lab/reference.json"));
  for (const auto level : {sim::TraceLevel::Off, sim::TraceLevel::Default}) {
    const auto cache = std::make_shared<sim::SpecCache>();
    std::vector<double> per_seed;
    std::uint64_t events = 0, trace_events = 0, runs = 0;
    for (int rep = 0; rep < 5; ++rep) {
      const auto t0 = std::chrono::steady_clock::now();
      for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        sim::RunOptions o;
        o.seed = seed;
        o.trace_level = level;
        o.cache = cache;
        std::vector<scenario::LoadError> errors;
        auto d = sim::Deployment::build(s, o, &errors);
        ASSERT_NE(d, nullptr);
        const auto rr = d->run();
        events += rr.events;
        trace_events += d->world().trace().events().size();
        ++runs;
      }
      per_seed.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 20);
    }
    std::sort(per_seed.begin(), per_seed.end());
    std::printf("trace=%s median %.2f ms/seed (%.1f seeds/s), min %.2f max %.2f; %llu loop events/run, %llu trace events/run\n",
                level == sim::TraceLevel::Off ? "off" : "default", per_seed[2] * 1e3, 1.0 / per_seed[2],
                per_seed.front() * 1e3, per_seed.back() * 1e3, static_cast<unsigned long long>(events / runs),
                static_cast<unsigned long long>(trace_events / runs));
  }
}

}  // namespace
}  // namespace raftlab
