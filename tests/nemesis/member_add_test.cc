// tests/nemesis: the member_add fault — spares (`"spare": true`), the loader's checks,
// a spare joining a quiet cluster and becoming a voter, an add at a bad moment (quorum
// lost while the new member is not started; strict reconfiguration refusing an add while
// a member is down), the draw (only spares, each once, max_down), materialized == budget,
// the writer's round trip, determinism, and the correct code passing the checkers.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/check/lab.h"
#include "sim/check/trace_checks.h"
#include "sim/deploy.h"
#include "sim/lab/shrink.h"
#include "sim/nemesis/nemesis.h"
#include "sim/scenario/loader.h"
#include "tests/common/load_errors.h"
#include "tests/nemesis/run_out.h"
#include "tests/common/cli_run.h"
#include "tools/cli.h"

namespace raftlab {
namespace {

using scenario::Fault;
using scenario::FaultKind;
using sim::Ev;

constexpr std::int64_t kS = 1'000'000'000;

std::string source(const std::string& rel) { return std::string(RAFTLAB_SOURCE_DIR) + "/" + rel; }

scenario::Scenario load(const std::string& rel) {
  auto r = scenario::load_file(source(rel));
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : scenario::format(r.errors.front()));
  return *r.scenario;
}

const char* kGrow = "tests/nemesis/data/grow.json";

// grow.json without its budget and clients: three members and two spares, quiet.
scenario::Scenario quiet_grow() {
  scenario::Scenario s = load(kGrow);
  s.nemesis.reset();
  s.clients.reset();
  s.faults.clear();
  s.expect.clear();
  s.has_schedule = true;
  return s;
}

Fault add(const std::string& spare, std::int64_t at_ms, std::int64_t start_after_ms) {
  Fault f;
  f.kind = FaultKind::kMemberAdd;
  f.target = spare;
  f.at_ns = at_ms * 1'000'000;
  f.duration_ns = start_after_ms * 1'000'000;
  return f;
}

using test::RunOut;
using test::run;

const sim::TraceEvent* find(const RunOut& r, Ev kind, const std::string& a, const std::string& who = "") {
  for (const auto& e : r.events)
    if (e.kind == kind && e.a == a && (who.empty() || e.who == who)) return &e;
  return nullptr;
}

// ------------------------------------------------------------------ loader

std::string with_spare(const std::string& extra, const std::string& spare_key = "\"spare\": true") {
  return R"({"name": "t", "description": "d", "duration": "20s",
  "hosts": [{"name": "A", "ip": "10.0.0.1"}],
  "members": [{"name": "m1", "host": "A", "flags": "etcd --name m1"},
              {"name": "m2", "host": "A", "flags": "etcd --name m2 --listen-client-urls http://0.0.0.0:3379 --advertise-client-urls http://10.0.0.1:3379 --listen-peer-urls http://0.0.0.0:3380 --initial-advertise-peer-urls http://10.0.0.1:3380", )" +
         spare_key + R"(}],
  )" + extra + "}";
}

void expect_error(const std::string& text, const std::string& path, const std::string& message,
                  const std::string& fix = "") {
  test::expect_load_error(text, path, message, fix);
}

TEST(MemberAddLoader, ParsesSparesAndTheFault) {
  auto r = scenario::load_string(with_spare(R"("faults": [{"at": "3s", "kind": "member_add", "target": "m2", "duration": "2s"},
                                                          {"at": "9s", "kind": "member_add", "target": "m2"}])"),
                                 "t.json");
  ASSERT_TRUE(r.ok()) << scenario::format(r.errors.front());
  const auto& s = *r.scenario;
  EXPECT_FALSE(s.members[0].spare);
  EXPECT_TRUE(s.members[1].spare);
  ASSERT_EQ(s.faults.size(), 2u);
  EXPECT_EQ(s.faults[0].kind, FaultKind::kMemberAdd);
  EXPECT_EQ(s.faults[0].target, "m2");
  EXPECT_EQ(s.faults[0].duration_ns, 2 * kS);
  EXPECT_EQ(s.faults[1].duration_ns, 0);  // never started
  EXPECT_EQ(nemesis::fault_end_ns(s.faults[1]), 9 * kS);
  EXPECT_EQ(nemesis::describe(s.faults[0]), "member add m2, started 2s after");
  EXPECT_EQ(nemesis::describe(s.faults[1]), "member add m2, never started");
  EXPECT_EQ(scenario::fault_kind_name(FaultKind::kMemberAdd), std::string("member_add"));
}

TEST(MemberAddLoader, BadInputNamesTheField) {
  expect_error(with_spare(R"("faults": [{"at": "1s", "kind": "member_add", "target": "m1"}])"), "$.faults[0].target",
               "needs a spare member", "add \"spare\": true to $.members[0]");
  expect_error(with_spare(R"("faults": [{"at": "1s", "kind": "member_add", "target": "m2", "duration": "0s"}])"),
               "$.faults[0].duration", "0s is ambiguous", "leave \"duration\" out");
  expect_error(with_spare(R"("faults": [{"at": "1s", "kind": "member_add", "target": "m2", "probability": 0.5}])"),
               "$.faults[0].probability", "has no \"probability\"", "takes");
  expect_error(with_spare(R"("faults": [{"at": "1s", "kind": "member_add", "target": "m9"}])"), "$.faults[0].target",
               "unknown member \"m9\"");
  expect_error(with_spare(R"("faults": [{"at": "1s", "kind": "member_ad", "target": "m2"}])"), "$.faults[0].kind",
               "unknown fault kind", "did you mean \"member_add\"?");
  expect_error(with_spare(R"("timeline": [{"at": "0s", "start": ["m1", "m2"]}])"), "$.timeline[0].start",
               "\"m2\" is a spare", "only by a \"member_add\" fault");
  expect_error(with_spare(R"("timeline": [{"at": "0s", "run": {"member": "m2"}}])"), "$.timeline[0].run.member",
               "\"m2\" is a spare");
  expect_error(with_spare("", "\"spare\": \"yes\""), "$.members[1].spare", "");
  expect_error(with_spare(R"("faults": [{"at": "1s", "kind": "member_add", "target": "m2", "after_leader_change": 1}])"),
               "$.faults[0].after_leader_change", "");
  expect_error(with_spare(R"("faults": [{"at": "1s", "kind": "clock", "target": "m1", "rate": 2, "duration": "1s", "after_leader_change": true}])"),
               "$.faults[0].after_leader_change", "has no \"after_leader_change\"");
  expect_error(with_spare(R"("faults": [{"at": "17s", "kind": "member_add", "target": "m2", "after_leader_change": true}])"),
               "$.faults[0]", "fault ends at 27s, after the end of the run");
  expect_error(with_spare(R"("nemesis": {"kinds": ["crash", "member_add"], "end": "10s", "mean_gap": "1s", "max_duration": "2s"})",
                          "\"spare\": false"),
               "$.nemesis.kinds[1]", "no member has \"spare\": true", "remove \"member_add\"");
  // A spare the timeline stops or kills is allowed (it may have been added by then).
  EXPECT_TRUE(scenario::load_string(with_spare(R"("timeline": [{"at": "0s", "start": ["m1"]}, {"at": "5s", "stop": ["m2"]}])"),
                                    "t.json")
                  .ok());
}

TEST(MemberAddLoader, TheCliExitsWithTwoAndNamesTheField) {
  const auto dir = std::filesystem::temp_directory_path() / "raftlab-member-add-test";
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "bad.json").string();
  std::ofstream(file) << with_spare(R"("faults": [{"at": "1s", "kind": "member_add", "target": "m1"}])");
  const auto r = test::cli({"run", file});
  EXPECT_EQ(r.rc, tools::kExitBadInput) << r.out << r.err;
  EXPECT_NE(r.err.find("$.faults[0].target"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("member_add needs a spare member"), std::string::npos) << r.err;
  std::filesystem::remove_all(dir);
}

// ------------------------------------------------------------------ runs

TEST(MemberAddRuns, SpareJoinsAQuietClusterAndBecomesAVoter) {
  auto s = quiet_grow();
  s.faults = {add("m4", 7000, 500)};
  const RunOut r = run(s, 1);
  // The fault, etcdctl's `member add` through the others, then the start.
  const auto* f = find(r, Ev::Fault, "member_add", "m4");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->b, "member add m4, started 500ms after");
  const auto* call = find(r, Ev::ClientCall, "member-add");
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->b, "http://10.0.0.2:3380");
  const auto* end = find(r, Ev::FaultEnd, "member_add", "m4");
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->b.rfind("added ", 0), 0u) << end->b;
  EXPECT_NE(end->b.find(", started"), std::string::npos) << end->b;
  EXPECT_EQ(end->at.ns, 7500'000'000);
  // It bootstraps with state existing into the one cluster, with the ID the add gave it.
  const sim::TraceEvent* boot = nullptr;
  for (const auto& e : r.events)
    if (e.kind == Ev::Bootstrap && e.who == "m4") boot = &e;
  ASSERT_NE(boot, nullptr);
  EXPECT_EQ(boot->a, "existing");
  // Every old member applies the add (the liveness checker counts it from there).
  std::set<std::string> applied_add;
  for (const auto& e : r.events)
    if (e.kind == Ev::Member && e.a == "add" && e.peer == boot->member_id) applied_add.insert(e.who);
  EXPECT_TRUE(applied_add.count("m1") && applied_add.count("m2") && applied_add.count("m3"));
  // At the end: one cluster of four voters, m4 among them, with a quorum.
  ASSERT_EQ(r.result.clusters.size(), 1u);
  const auto& c = r.result.clusters.front();
  EXPECT_EQ(c.cluster_id, boot->cluster_id);
  EXPECT_EQ(c.voters.size(), 4u);
  EXPECT_NE(std::find(c.voters.begin(), c.voters.end(), boot->member_id), c.voters.end());
  EXPECT_TRUE(c.quorum);
  bool m4_serving = false;
  for (const auto& m : r.result.members)
    if (m.name == "m4") m4_serving = m.running && m.ready && m.members.size() == 4;
  EXPECT_TRUE(m4_serving);
  // m4 applied the cluster's log (it caught up as a voter).
  int m4_applies = 0;
  for (const auto& e : r.events) m4_applies += e.kind == Ev::Apply && e.who == "m4";
  EXPECT_GT(m4_applies, 3);
  const auto rep = check::check_trace(r.events);
  EXPECT_TRUE(rep.ok()) << rep.describe();
}

// The etcd hazard: the add commits (3 started of 4 voters is enough for strict
// reconfiguration), then a member crashes before the new one has started — 2 of 4 up,
// no quorum, a put times out — until the new member starts and gives the third vote.
TEST(MemberAddRuns, AddAtABadMomentLosesQuorumUntilTheNewMemberStarts) {
  auto s = quiet_grow();
  s.faults = {add("m4", 7000, 8000)};  // m4 starts at 15 s
  Fault crash;
  crash.kind = FaultKind::kCrash;
  crash.target = "m3";
  crash.at_ns = 8 * kS;
  crash.duration_ns = 12 * kS;  // back at 20 s
  s.faults.push_back(crash);
  s.duration_ns = 24 * kS;
  scenario::Expectation put_fails;
  put_fails.at_ns = 9 * kS;
  put_fails.put = scenario::PutExpect{{"m1", ""}, "k", "v", false, "", "", ""};
  scenario::Expectation put_ok;
  put_ok.at_ns = 17 * kS;
  put_ok.put = scenario::PutExpect{{"m1", ""}, "k", "v2", true, "", "", ""};
  put_ok.file_index = 1;
  s.expect = {put_fails, put_ok};
  const RunOut r = run(s, 1);
  const auto* end = find(r, Ev::FaultEnd, "member_add", "m4");
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->b.rfind("added ", 0), 0u) << end->b;
  EXPECT_EQ(end->at.ns, 15 * kS);
  ASSERT_EQ(r.result.expectations.size(), 2u);
  EXPECT_TRUE(r.result.expectations[0].passed) << "9 s: 2 of 4 voters up until 15 s, the put must time out: "
                                               << r.result.expectations[0].actual;
  EXPECT_TRUE(r.result.expectations[1].passed) << "17 s: m4 started at 15 s, 3 of 4 up: " << r.result.expectations[1].actual;
  const auto rep = check::check_trace(r.events);
  EXPECT_TRUE(rep.ok()) << rep.describe();

  // The same add never started: the cluster stays at four voters with two up until m3
  // returns, and the fault's trace says so.
  s.faults[0].duration_ns = 0;
  s.expect = {put_fails};
  const RunOut never = run(s, 1);
  const auto* e2 = find(never, Ev::FaultEnd, "member_add", "m4");
  ASSERT_NE(e2, nullptr);
  EXPECT_NE(e2->b.find(", never started"), std::string::npos) << e2->b;
  for (const auto& e : never.events) EXPECT_FALSE(e.kind == Ev::ProcStart && e.who == "m4");
  EXPECT_TRUE(never.result.expectations[0].passed);
}

// Strict reconfiguration (the default) refuses an add while a member is down: the
// member receiving it has not been connected to every voter for 5 s. Nothing starts.
TEST(MemberAddRuns, StrictReconfigurationRefusesAnAddWhileAMemberIsDown) {
  auto s = quiet_grow();
  Fault crash;
  crash.kind = FaultKind::kCrash;
  crash.target = "m3";
  crash.at_ns = 6 * kS;
  crash.duration_ns = 4 * kS;
  s.faults = {crash, add("m5", 7000, 500)};
  const RunOut r = run(s, 2);
  const auto* end = find(r, Ev::FaultEnd, "member_add", "m5");
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->b, "failed: etcdserver: unhealthy cluster");
  for (const auto& e : r.events) {
    EXPECT_FALSE(e.kind == Ev::ProcStart && e.who == "m5");
    EXPECT_FALSE(e.kind == Ev::Member && e.a == "add");
  }
  const auto rep = check::check_trace(r.events);
  EXPECT_TRUE(rep.ok()) << rep.describe();
}

// after_leader_change: the add waits for the next leader change and follows it at once.
// Here the leader crashes; the survivors elect a new one about an election timeout later
// and the add goes through it — refused by strict reconfiguration, since a voter (the old
// leader) is down: the fault's trace says both.
TEST(MemberAddRuns, AfterLeaderChangeWaitsForTheNewLeader) {
  auto s = quiet_grow();
  s.duration_ns = 20 * kS;
  std::string leader;
  for (const auto& e : run(s, 1).events)
    if (e.kind == Ev::Role && e.a == "Leader") leader = e.who;
  ASSERT_FALSE(leader.empty());
  Fault crash;
  crash.kind = FaultKind::kCrash;
  crash.target = leader;
  crash.at_ns = 7 * kS;
  crash.duration_ns = 3 * kS;
  Fault f = add("m4", 7000, 0);
  f.after_leader_change = true;
  s.faults = {crash, f};
  EXPECT_EQ(nemesis::fault_end_ns(f), 17 * kS);  // at + the 10 s wait
  EXPECT_EQ(nemesis::describe(f), "member add m4 after the next leader change, never started");
  const RunOut r = run(s, 1);
  std::int64_t elected = -1, called = -1;
  std::string new_leader;
  for (const auto& e : r.events) {
    if (e.kind == Ev::Role && e.a == "Leader" && e.at.ns > 7 * kS && elected < 0) {
      elected = e.at.ns;
      new_leader = e.who;
    }
    if (e.kind == Ev::ClientCall && e.a == "member-add") called = e.at.ns;
  }
  ASSERT_GT(elected, 7 * kS);
  EXPECT_GE(called, elected);
  EXPECT_LE(called, elected + 10'000'000);  // polled every 10 ms
  const auto* end = find(r, Ev::FaultEnd, "member_add", "m4");
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->b, "failed: etcdserver: unhealthy cluster; the add followed " + new_leader + "'s election (term 3)");
  // The written form keeps the key; the replay gives the same trace.
  const std::string text = nemesis::write_scenario(s);
  EXPECT_NE(text.find("\"after_leader_change\":true"), std::string::npos);
  auto back = scenario::load_string(text, "w.json");
  ASSERT_TRUE(back.ok()) << scenario::format(back.errors.front());
  EXPECT_EQ(run(*back.scenario, 1).hash, r.hash);
}

// The liveness checker counts an added member as a voter from its `member add` event:
// a never-started spare plus a terminated member leave 2 of 4 voters at quiet — no quorum,
// so no leader is demanded (counting 3 voters would demand one and fail).
TEST(MemberAddRuns, LivenessCountsTheAddedVoter) {
  auto s = quiet_grow();
  Fault term;
  term.kind = FaultKind::kTerminate;
  term.target = "m3";
  term.at_ns = 9 * kS;
  s.faults = {add("m4", 7000, 0), term};
  s.duration_ns = 22 * kS;
  const RunOut r = run(s, 3);
  const auto* end = find(r, Ev::FaultEnd, "member_add", "m4");
  ASSERT_NE(end, nullptr);
  EXPECT_NE(end->b.find("never started"), std::string::npos) << end->b;
  check::CheckerStats st;
  EXPECT_TRUE(check::check_liveness(r.events, check::CheckOptions{}, &st).empty());
  EXPECT_EQ(st.excused, 1u);
  EXPECT_NE(st.note.find("2 of 4 voters up"), std::string::npos) << st.note;
  // No leader after m3 went: the cluster really has no quorum.
  for (const auto& e : r.events)
    EXPECT_FALSE(e.kind == Ev::Role && e.a == "Leader" && e.at.ns > 9 * kS) << e.who;
}

// ------------------------------------------------------------------ the schedule

TEST(MemberAddSchedule, DrawTargetsOnlySparesEachOnceWithinMaxDown) {
  const auto s = load(kGrow);
  std::size_t adds = 0, never = 0, started = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const auto a = nemesis::draw(s, seed);
    std::set<std::string> targets;
    for (const auto& f : a) {
      EXPECT_GE(f.at_ns, s.nemesis->start_ns);
      EXPECT_LE(nemesis::fault_end_ns(f), s.nemesis->end_ns);
      if (f.kind == FaultKind::kMemberAdd) {
        ++adds;
        (f.duration_ns == 0 ? never : started) += 1;
        EXPECT_TRUE(f.target == "m4" || f.target == "m5") << f.target;
        EXPECT_TRUE(targets.insert(f.target).second) << "seed " << seed << ": " << f.target << " added twice";
      } else {
        for (const auto* names : {&f.from, &f.to})
          for (const auto& n : *names) EXPECT_TRUE(n != "m4" && n != "m5");
        EXPECT_TRUE(f.target != "m4" && f.target != "m5") << nemesis::describe(f);
        for (const auto& g : f.groups)
          for (const auto& n : g) EXPECT_TRUE(n != "m4" && n != "m5");
      }
    }
    // max_down 1: an added spare is down until it starts (for good if it never does);
    // no other member is down meanwhile.
    for (const auto& f : a) {
      std::set<std::string> down;
      for (const auto& g : a) {
        const bool forever = g.kind == FaultKind::kMemberAdd && g.duration_ns == 0;
        const std::int64_t to =
            g.kind == FaultKind::kMemberRemove ? g.at_ns + s.nemesis->max_duration_ns : forever ? INT64_MAX : nemesis::fault_end_ns(g);
        if (g.at_ns > f.at_ns || to <= f.at_ns) continue;
        if (g.kind == FaultKind::kCrash || g.kind == FaultKind::kMemberAdd || g.kind == FaultKind::kMemberRemove)
          down.insert(g.target);
      }
      EXPECT_LE(down.size(), 1u) << "seed " << seed << " at " << f.at_ns;
    }
  }
  EXPECT_GT(adds, 100u);
  EXPECT_GT(never, 10u);
  EXPECT_GT(started, 3 * never / 2);
}

TEST(MemberAddSchedule, MaterializedScheduleGivesTheBudgetRunsTraceAndIsWrittenBack) {
  const auto s = load(kGrow);
  int with_adds = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto m = nemesis::materialize(s, seed);
    bool has_add = false;
    for (const auto& f : m.faults) has_add = has_add || f.kind == FaultKind::kMemberAdd;
    if (!has_add) continue;
    ++with_adds;
    const RunOut budget = run(s, seed);
    EXPECT_EQ(budget.hash, run(m, seed).hash) << "seed " << seed;
    EXPECT_EQ(budget.hash, run(s, seed).hash) << "seed " << seed << ": not deterministic";
    const std::string text = nemesis::write_scenario(m, "// seed " + std::to_string(seed));
    auto back = scenario::load_string(text, "written.json");
    ASSERT_TRUE(back.ok()) << scenario::format(back.errors.front()) << "\n" << text;
    EXPECT_EQ(nemesis::write_scenario(*back.scenario, "// seed " + std::to_string(seed)), text);
    EXPECT_EQ(budget.hash, run(*back.scenario, seed).hash) << "seed " << seed;
    EXPECT_NE(text.find("\"kind\":\"member_add\""), std::string::npos);
  }
  EXPECT_GT(with_adds, 10);
}

// Over many seeds the adds meet every outcome, and the correct code passes every checker.
TEST(MemberAddRuns, CorrectCodePassesTheCheckersWithMemberAdds) {
  const auto s = std::make_shared<const scenario::Scenario>(load(kGrow));
  const auto cache = std::make_shared<sim::SpecCache>();
  std::map<std::string, int> outcomes;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    sim::RunOptions o;
    o.seed = seed;
    o.cache = cache;
    std::vector<scenario::LoadError> errors;
    auto d = sim::Deployment::build(s, o, &errors);
    ASSERT_NE(d, nullptr);
    const auto rr = d->run();
    const auto& ev = d->world().trace().events();
    const auto rep = check::check_trace(ev);
    EXPECT_TRUE(rep.ok()) << "seed " << seed << "\n" << rep.describe();
    for (const auto& x : rr.expectations) EXPECT_TRUE(x.passed) << "seed " << seed << " " << x.what << " " << x.actual;
    for (const auto& e : ev) {
      if (e.kind != Ev::FaultEnd || e.a != "member_add") continue;
      const std::string b = e.b.substr(0, e.b.find(';'));  // "; the add followed ..." (after_leader_change)
      ++outcomes[b.rfind("added ", 0) == 0 ? b.substr(b.find(',') + 2) : b.substr(0, b.find(':'))];
      if (e.b.find("; the add followed ") != std::string::npos) ++outcomes["after a leader change"];
    }
  }
  EXPECT_GT(outcomes["started"], 0);
  EXPECT_GT(outcomes["failed"], 0);
  EXPECT_GT(outcomes["after a leader change"], 0);
}

// Shrinking drops and shortens faults generically: a failing schedule with member_add
// faults (a planted bug makes grow.json seed 1 fail) shrinks to a file that loads,
// replays at its recorded hash, and still fails the same checker.
TEST(MemberAddSchedule, ShrinkWorksOnSchedulesWithMemberAdds) {
  const auto m = std::make_shared<const scenario::Scenario>(nemesis::materialize(load(kGrow), 1));
  int adds = 0;
  for (const auto& f : m->faults) adds += f.kind == FaultKind::kMemberAdd;
  ASSERT_GT(adds, 0);
  lab::ShrinkOptions o;
  o.seed = 1;
  o.settings.planted_bugs = {"apply-before-commit"};
  o.max_runs = 80;
  lab::ShrinkReport rep;
  std::string error;
  ASSERT_TRUE(lab::shrink(m, o, &rep, &error)) << error;
  ASSERT_NE(rep.minimal, nullptr);
  EXPECT_LT(rep.faults_after, rep.faults_before);
  EXPECT_FALSE(rep.final_result.ok);
  EXPECT_NE(std::find(rep.final_result.checkers.begin(), rep.final_result.checkers.end(), rep.checker),
            rep.final_result.checkers.end());
  const std::string text = nemesis::write_scenario(*rep.minimal);
  auto back = scenario::load_string(text, "min.json");
  ASSERT_TRUE(back.ok()) << scenario::format(back.errors.front()) << "\n" << text;
  EXPECT_EQ(back.scenario->faults.size(), rep.faults_after);
}

}  // namespace
}  // namespace raftlab
