// Leader-relative actions and expectations in whole runs (scenarios/README.md): a
// `kill_host` "leader" hits the host of whoever leads at that moment, whatever the seed,
// and `leader_not_on_host`, `leader_changed_since` and `term_at_least` pass exactly when
// the recorded trace says they should — and fail otherwise.
//
// The oracle is the trace (`role`, `proc_exit` events), not the World the probes read:
// the expectations are judged from the members' own views, so the two are independent
// records of one run.
//
// Fixture: tests/scenarios/data/lose-leader-host.json (three members, one per host; the
// leader's host dies at 5 s and returns at 15 s).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "sim/deploy.h"
#include "sim/scenario/loader.h"
#include "tests/scenarios/shipped.h"

namespace raftlab {
namespace {

constexpr std::uint64_t kSeeds = 60;
constexpr std::int64_t kKillNs = 5'000'000'000;  // the fixture's kill_host "leader"

scenario::Scenario fixture() {
  auto lr = scenario::load_file(testing::source_path("tests/scenarios/data/lose-leader-host.json"));
  for (const auto& e : lr.errors) ADD_FAILURE() << scenario::format(e);
  return lr.ok() ? *lr.scenario : scenario::Scenario{};
}

struct Outcome {
  sim::RunResult result;
  std::vector<sim::TraceEvent> events;
};

Outcome run(const scenario::Scenario& s, std::uint64_t seed) {
  sim::RunOptions o;
  o.seed = seed;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(s, o, &errors);
  for (const auto& e : errors) ADD_FAILURE() << scenario::format(e);
  if (!d) return {};
  Outcome r;
  r.result = d->run();
  r.events = d->world().trace().events();
  return r;
}

// What the trace says about one member just before `t_ns`.
struct Seen {
  std::string role;
  std::uint64_t cluster = 0, term = 0;
};

// Members whose raft runs just before t_ns (their latest `role`, none after a `proc_exit`).
// Events at t_ns itself are excluded: a probe or snapshot at t sees the instant before
// that time's timeline actions.
std::map<std::string, Seen> trace_view(const std::vector<sim::TraceEvent>& events, std::int64_t t_ns) {
  std::map<std::string, Seen> v;
  for (const auto& e : events) {
    if (e.kind == sim::Ev::Expect || e.at.ns >= t_ns) continue;
    if (e.kind == sim::Ev::Role) v[e.who] = Seen{e.a, e.cluster_id, e.term};
    if (e.kind == sim::Ev::ProcExit) v.erase(e.who);
  }
  return v;
}

// The leader as the trace has it: the running member that leads at the highest term.
std::optional<std::string> trace_leader(const std::vector<sim::TraceEvent>& events, std::int64_t t_ns) {
  std::optional<std::string> who;
  std::uint64_t term = 0;
  for (const auto& [name, s] : trace_view(events, t_ns))
    if (s.role == "Leader" && (!who || s.term > term)) {
      who = name;
      term = s.term;
    }
  return who;
}

std::uint64_t trace_max_term(const std::vector<sim::TraceEvent>& events, std::int64_t t_ns) {
  std::uint64_t t = 0;
  for (const auto& [name, s] : trace_view(events, t_ns)) t = std::max(t, s.term);
  return t;
}

std::string host_of(const scenario::Scenario& s, const std::string& member) {
  const scenario::Member* m = s.find_member(member);
  return m ? m->host : "";
}

// The verdict of the assertion `what` of the expectation at `path`.
std::optional<bool> verdict(const sim::RunResult& r, const std::string& path, const std::string& what) {
  for (const auto& e : r.expectations)
    if (e.path == path && e.what == what) return e.passed;
  return std::nullopt;
}

// Appends an expectation the fixture does not have (path "$.test[N]"), set up by `fill`.
template <typename F>
std::string add_probe(scenario::Scenario* s, std::int64_t at_ns, F fill) {
  scenario::Expectation e;
  e.at_ns = at_ns;
  e.path = fmt::format("$.test[{}]", s->expect.size());
  fill(e);
  s->expect.push_back(e);
  return e.path;
}

// The operator story of the issue: "kill the leader's host". Whichever member leads at
// 5 s, its host goes down (and returns at 15 s), on every seed; the failover expectations
// of the file hold on every seed. The leader is on each of the three hosts for some seed,
// so no fixed host name could have done this.
TEST(LeaderRelative, KillHostLeaderStrikesTheLeadersHostWhateverTheSeed) {
  const scenario::Scenario s = fixture();
  std::set<std::string> hosts_hit;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const Outcome r = run(s, seed);
    for (const auto& e : r.result.expectations)
      EXPECT_TRUE(e.passed) << "seed=" << seed << " " << e.path << " " << e.what << ": expected " << e.expected
                            << ", actual " << e.actual;
    const auto leader = trace_leader(r.events, kKillNs);
    ASSERT_TRUE(leader.has_value()) << "seed=" << seed << ": no leader before 5s";
    std::vector<std::string> down, up;
    for (const auto& e : r.events) {
      if (e.kind == sim::Ev::HostDown) down.push_back(e.who);
      if (e.kind == sim::Ev::HostUp) up.push_back(e.who);
    }
    const std::string want = host_of(s, *leader);
    EXPECT_EQ(down, std::vector<std::string>{want}) << "seed=" << seed << " leader " << *leader;
    EXPECT_EQ(up, std::vector<std::string>{want}) << "seed=" << seed << ": restore_host \"leader\" restores it";
    const bool noted = std::any_of(r.events.begin(), r.events.end(), [&](const sim::TraceEvent& e) {
      return e.kind == sim::Ev::Note && e.a.find(fmt::format("kill_host leader: {} leads", *leader)) == 0;
    });
    EXPECT_TRUE(noted) << "seed=" << seed << ": the timeline says whom it took for the leader";
    hosts_hit.insert(want);
  }
  EXPECT_EQ(hosts_hit, (std::set<std::string>{"A", "B", "C"}));
}

// The same file with `"kill_host": "A"` (what a scenario could say before): on the seeds
// where the leader is elsewhere a follower's host dies, no election follows, and the
// failover expectations fail — leader_changed_since and term_at_least judge both ways.
TEST(LeaderRelative, AFixedHostFailsTheFailoverWhenTheLeaderIsElsewhere) {
  scenario::Scenario s = fixture();
  for (auto& t : s.timeline)
    if (auto* h = std::get_if<scenario::HostAction>(&t.action)) h->host = "A";
  int leader_on_a = 0, elsewhere = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const Outcome r = run(s, seed);
    const auto leader = trace_leader(r.events, kKillNs);
    ASSERT_TRUE(leader.has_value()) << "seed=" << seed;
    const bool on_a = host_of(s, *leader) == "A";
    (on_a ? leader_on_a : elsewhere)++;
    EXPECT_EQ(verdict(r.result, "$.expect[1]", "leader_changed_since"), on_a) << "seed=" << seed << " leader " << *leader;
    EXPECT_EQ(verdict(r.result, "$.expect[1]", "term_at_least"), trace_max_term(r.events, 12'000'000'000) >= 3)
        << "seed=" << seed;
    EXPECT_EQ(verdict(r.result, "$.expect[1]", "term_at_least"), on_a) << "seed=" << seed;
    EXPECT_EQ(r.result.passed, on_a) << "seed=" << seed;
  }
  EXPECT_GT(leader_on_a, 0);
  EXPECT_GT(elsewhere, 0);
}

// leader_not_on_host H passes exactly when the trace has no running leader on H: before
// the kill (the leader's host fails, the two others pass) and after it (the killed host
// passes, the new leader's fails).
TEST(LeaderRelative, LeaderNotOnHostIsJudgedBothWays) {
  scenario::Scenario s = fixture();
  std::map<std::string, std::pair<std::string, std::int64_t>> by_path;
  for (std::int64_t at : {4'000'000'000LL, 12'000'000'000LL})
    for (const char* h : {"A", "B", "C"})
      by_path[add_probe(&s, at, [&](scenario::Expectation& e) { e.leader_not_on_host = h; })] = {h, at};
  int passed = 0, failed = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const Outcome r = run(s, seed);
    for (const auto& [path, probe] : by_path) {
      const auto& [host, at] = probe;
      bool leader_there = false;
      for (const auto& [name, seen] : trace_view(r.events, at))
        leader_there = leader_there || (seen.role == "Leader" && host_of(s, name) == host);
      const auto v = verdict(r.result, path, "leader_not_on_host");
      ASSERT_TRUE(v.has_value()) << path;
      EXPECT_EQ(*v, !leader_there) << "seed=" << seed << " " << path << " host " << host << " at " << at << "ns";
      (*v ? passed : failed)++;
    }
  }
  // Per seed and probe time: one host holds the leader, two do not.
  EXPECT_EQ(failed, static_cast<int>(2 * kSeeds));
  EXPECT_EQ(passed, static_cast<int>(4 * kSeeds));
}

// term_at_least N passes exactly when the highest term of a running member (in the trace)
// is at least N.
TEST(LeaderRelative, TermAtLeastIsJudgedBothWays) {
  scenario::Scenario s = fixture();
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> by_path;  // path -> (at, N)
  for (std::int64_t at : {4'000'000'000LL, 12'000'000'000LL})
    for (std::int64_t n = 1; n <= 5; ++n)
      by_path[add_probe(&s, at, [&](scenario::Expectation& e) { e.term_at_least = n; })] = {at, n};
  int passed = 0, failed = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const Outcome r = run(s, seed);
    for (const auto& [path, probe] : by_path) {
      const auto& [at, n] = probe;
      const auto v = verdict(r.result, path, "term_at_least");
      ASSERT_TRUE(v.has_value()) << path;
      EXPECT_EQ(*v, static_cast<std::int64_t>(trace_max_term(r.events, at)) >= n)
          << "seed=" << seed << " " << path << " term_at_least " << n << " at " << at << "ns";
      (*v ? passed : failed)++;
    }
  }
  EXPECT_GT(passed, 0);
  EXPECT_GT(failed, 0);
}

// leader_changed_since T passes exactly when some leader now (in the trace) leads at a
// higher term than every leader of its cluster just before T: false between two instants
// with the same leader, true across the kill of the leader's host.
TEST(LeaderRelative, LeaderChangedSinceIsJudgedBothWays) {
  scenario::Scenario s = fixture();
  struct Probe {
    std::int64_t since_ns, at_ns;
  };
  const std::vector<Probe> probes = {{2'000'000'000, 4'000'000'000},   // no change
                                     {2'000'000'000, 12'000'000'000},  // across the kill
                                     {5'000'000'000, 12'000'000'000},  // from the kill's instant
                                     {12'000'000'000, 24'000'000'000}, // after the failover
                                     {100'000'000, 4'000'000'000}};    // from before any election
  std::map<std::string, Probe> by_path;
  for (const Probe& p : probes)
    by_path[add_probe(&s, p.at_ns, [&](scenario::Expectation& e) { e.leader_changed_since = p.since_ns; })] = p;
  int passed = 0, failed = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const Outcome r = run(s, seed);
    for (const auto& [path, p] : by_path) {
      std::map<std::uint64_t, std::uint64_t> then;  // cluster -> highest leader term
      for (const auto& [name, seen] : trace_view(r.events, p.since_ns))
        if (seen.role == "Leader") then[seen.cluster] = std::max(then[seen.cluster], seen.term);
      bool changed = false;
      for (const auto& [name, seen] : trace_view(r.events, p.at_ns))
        if (seen.role == "Leader") changed = changed || !then.count(seen.cluster) || seen.term > then[seen.cluster];
      const auto v = verdict(r.result, path, "leader_changed_since");
      ASSERT_TRUE(v.has_value()) << path;
      EXPECT_EQ(*v, changed) << "seed=" << seed << " " << path;
      (*v ? passed : failed)++;
    }
    // The fixed cases: no change 2s..4s, a change across the kill.
    EXPECT_EQ(verdict(r.result, "$.test[3]", "leader_changed_since"), false) << "seed=" << seed;
    EXPECT_EQ(verdict(r.result, "$.test[4]", "leader_changed_since"), true) << "seed=" << seed;
    EXPECT_EQ(verdict(r.result, "$.test[5]", "leader_changed_since"), true) << "seed=" << seed;
  }
  EXPECT_GT(passed, 0);
  EXPECT_GT(failed, 0);
}

// The fault lab's form: a `host_down` fault at "leader" takes down the host of whoever
// leads when it begins, and brings it back after its duration.
TEST(LeaderRelative, HostDownFaultAtLeaderTakesTheLeadersHostDown) {
  scenario::Scenario base = fixture();
  std::string text;
  {
    std::ifstream in(testing::source_path("tests/scenarios/data/lose-leader-host.json"));
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // The timeline's kill/restore become one fault of 10 s.
  for (const char* line : {R"(    {"at": "5s", "kill_host": "leader", "note": "the host of whichever member leads at 5s"},)",
                           R"(    {"at": "15s", "restore_host": "leader", "note": "the host killed at 5s returns"},)"}) {
    const auto at = text.find(line);
    ASSERT_NE(at, std::string::npos) << line;
    text.erase(at, std::string(line).size() + 1);
  }
  const auto expect_at = text.find(R"(  "expect": [)");
  ASSERT_NE(expect_at, std::string::npos);
  text.insert(expect_at, R"(  "faults": [{"at": "5s", "kind": "host_down", "target": "leader", "duration": "10s"}],)" "\n");
  auto lr = scenario::load_string(text, "host-down-leader.json");
  for (const auto& e : lr.errors) ADD_FAILURE() << scenario::format(e);
  ASSERT_TRUE(lr.ok());
  std::set<std::string> hosts_hit;
  for (std::uint64_t seed = 1; seed <= kSeeds / 2; ++seed) {
    const Outcome r = run(*lr.scenario, seed);
    for (const auto& e : r.result.expectations) EXPECT_TRUE(e.passed) << "seed=" << seed << " " << e.path << " " << e.what;
    const auto leader = trace_leader(r.events, kKillNs);
    ASSERT_TRUE(leader.has_value()) << "seed=" << seed;
    const std::string want = host_of(base, *leader);
    std::vector<std::string> fault_who, down;
    for (const auto& e : r.events) {
      if (e.kind == sim::Ev::Fault || e.kind == sim::Ev::FaultEnd) fault_who.push_back(e.who);
      if (e.kind == sim::Ev::HostDown) down.push_back(e.who);
      if (e.kind == sim::Ev::Fault) {
        EXPECT_NE(e.b.find(fmt::format("the leader's host down for 10s; {} led at term", *leader)), std::string::npos)
            << e.b;
      }
    }
    EXPECT_EQ(fault_who, (std::vector<std::string>{want, want})) << "seed=" << seed;
    EXPECT_EQ(down, std::vector<std::string>{want}) << "seed=" << seed;
    hosts_hit.insert(want);
  }
  EXPECT_GE(hosts_hit.size(), 2u);
}

}  // namespace
}  // namespace raftlab
