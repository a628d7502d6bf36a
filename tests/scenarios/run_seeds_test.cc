// Scenario (a), the correct static bootstrap (scenarios/bitnami-2host/static-bootstrap.json),
// over seeds 1..1000, each run in full. Each seed changes every random draw of the run
// (network latency, election timeouts, start-up jitter); the trace checkers (sim/check)
// then judge each run from its trace alone:
//   - election safety: at most one leader per (cluster, term) — Raft §5.2;
//   - state machine safety: no two members apply different entries at one index — §5.4.3;
//   - exactly one cluster: five members with one --initial-cluster and token derive one
//     cluster ID, whatever the timing;
//   - liveness: the first leader is elected within kFirstLeaderBound of t=0.
// and the run's own verdict:
//   - every expectation the scenario states (one cluster and one leader at 10s, a put
//     through etcd3 read back through etcd5) holds whatever the seed.
//
// The bound. etcd's defaults are --heartbeat-interval 100ms and --election-timeout 1000ms
// (10 ticks); a follower campaigns when its election clock reaches a randomized timeout
// in [10, 20) ticks. etcd's adjustTicks (server.go) fast-forwards a multi-member member's
// clock by electionTicks-2 = 8 ticks once its peers connect, so a first-round election
// lands roughly 0.1s..1.2s after start (pre-vote and vote add only round trips).
// Measured over seeds 1..1000 (the test prints the distribution):
//   min 0.102s, median 0.228s, p99 0.698s, max 0.839s; one election per seed.
// The bound is 2s: the measured max plus more than one full election timeout (1s) of
// margin, above the first-round worst case. A run that crosses it needed a second
// election round (a split vote waits another randomized 1-2s) — legal Raft, but at these
// fixed seeds it means the behaviour changed, so look before raising the bound.
//
// Each seed runs the whole scenario (30s of virtual time, ~3ms of CPU), so 1,000 seeds
// take about 3s in a Release build; RunOptions::stop_at_ns could shorten them if needed.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/check/trace_checks.h"
#include "sim/deploy.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

constexpr std::uint64_t kFirstSeed = 1;
constexpr std::uint64_t kSeeds = 1000;
constexpr sim::Duration kFirstLeaderBound = sim::seconds(2);

std::string seconds_text(std::int64_t ns) { return fmt::format("{:.3f}s", static_cast<double>(ns) / 1e9); }

TEST(StaticBootstrapSeeds, OneClusterSafeAndALeaderWithinTheBoundForEverySeed) {
  const std::string file =
      (std::filesystem::path(RAFTLAB_SOURCE_DIR) / "scenarios/bitnami-2host/static-bootstrap.json").string();
  scenario::LoadResult lr = scenario::load_file(file);
  ASSERT_TRUE(lr.ok()) << (lr.errors.empty() ? "" : scenario::format(lr.errors[0]));
  // One parsed scenario and one SpecCache for all seeds, as a seed sweep runs them.
  const auto s = std::make_shared<const scenario::Scenario>(*lr.scenario);
  const auto cache = std::make_shared<sim::SpecCache>();

  const auto wall_start = std::chrono::steady_clock::now();  // timing info only
  std::vector<std::int64_t> first_leader_ns;
  std::uint64_t elections = 0, applies = 0, failed_expectation_seeds = 0;
  for (std::uint64_t seed = kFirstSeed; seed < kFirstSeed + kSeeds; ++seed) {
    sim::RunOptions opts;
    opts.seed = seed;
    opts.cache = cache;
    std::vector<scenario::LoadError> errors;
    auto d = sim::Deployment::build(s, opts, &errors);
    ASSERT_NE(d, nullptr) << "seed=" << seed << (errors.empty() ? std::string() : std::string(" ").append(scenario::format(errors[0])));
    const sim::RunResult r = d->run();
    ASSERT_EQ(r.seed, seed);
    const check::TraceReport rep = check::check_trace(d->world().trace().events());

    ASSERT_TRUE(rep.ok()) << "seed=" << seed << "\n" << rep.describe();
    ASSERT_EQ(rep.clusters.size(), 1u) << "seed=" << seed << ": the five members formed " << rep.clusters.size()
                                       << " clusters";
    ASSERT_EQ(rep.first_leaders.size(), 1u) << "seed=" << seed << ": no leader in the whole run";
    const check::FirstLeader& fl = rep.first_leaders[0];
    EXPECT_EQ(fl.cluster_id, rep.clusters[0]);
    ASSERT_LE(fl.at_ns, kFirstLeaderBound.ns)
        << "seed=" << seed << ": first leader " << fl.member << " (term " << fl.term << ") at "
        << sim::format_duration(sim::nanos(fl.at_ns)) << ", bound " << sim::format_duration(kFirstLeaderBound);
    for (const sim::ExpectResult& e : r.expectations)
      EXPECT_TRUE(e.passed) << "seed=" << seed << " " << e.path << " at " << sim::format_duration(sim::nanos(e.at_ns))
                            << ": " << e.what << " = " << e.expected << " (actual: " << e.actual << ")";
    if (!r.passed) ++failed_expectation_seeds;
    first_leader_ns.push_back(fl.at_ns);
    elections += rep.leader_elections;
    applies += rep.applies;
  }
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  std::sort(first_leader_ns.begin(), first_leader_ns.end());
  const size_t n = first_leader_ns.size();
  ASSERT_EQ(n, kSeeds);
  EXPECT_EQ(failed_expectation_seeds, 0u);
  std::cout << fmt::format(
      "[ measured ] first leader over seeds {}..{}: min {} median {} p99 {} max {} (bound {}); "
      "{} leader elections, {} applies checked; {:.1f}s wall\n",
      kFirstSeed, kFirstSeed + kSeeds - 1, seconds_text(first_leader_ns.front()), seconds_text(first_leader_ns[n / 2]),
      seconds_text(first_leader_ns[n * 99 / 100]), seconds_text(first_leader_ns.back()),
      sim::format_duration(kFirstLeaderBound), elections, applies, wall_s);
  // The bound is meant to have margin; if the max creeps close to it, look before raising it.
  EXPECT_LE(first_leader_ns.back(), kFirstLeaderBound.ns);
}

// The checkers must understand real traces, not only hand-made ones: a second leader or
// a divergent apply edited into a real static-bootstrap trace is reported.
TEST(StaticBootstrapSeeds, CheckersCatchViolationsEditedIntoARealTrace) {
  scenario::LoadResult lr = scenario::load_file(
      (std::filesystem::path(RAFTLAB_SOURCE_DIR) / "scenarios/bitnami-2host/static-bootstrap.json").string());
  ASSERT_TRUE(lr.ok());
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, {}, &errors);
  ASSERT_NE(d, nullptr);
  (void)d->run();
  const std::vector<sim::TraceEvent> real = d->world().trace().events();
  ASSERT_TRUE(check::check_trace(real).ok());

  const auto leader = std::find_if(real.begin(), real.end(),
                                   [](const sim::TraceEvent& e) { return e.kind == sim::Ev::Role && e.a == "Leader"; });
  ASSERT_NE(leader, real.end());
  const auto follower = std::find_if(real.begin(), real.end(), [&](const sim::TraceEvent& e) {
    return e.kind == sim::Ev::Role && e.cluster_id == leader->cluster_id && e.member_id != leader->member_id;
  });
  ASSERT_NE(follower, real.end());
  std::vector<sim::TraceEvent> two_leaders = real;
  sim::TraceEvent usurper = *follower;
  usurper.at = real.back().at;
  usurper.term = leader->term;
  usurper.a = "Leader";
  usurper.peer = usurper.member_id;
  two_leaders.push_back(usurper);
  const std::vector<check::Violation> ev = check::check_election_safety(two_leaders);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].members, (std::vector<std::string>{leader->who, follower->who}));

  const auto applied = std::find_if(real.begin(), real.end(), [](const sim::TraceEvent& e) { return e.kind == sim::Ev::Apply; });
  ASSERT_NE(applied, real.end());
  std::vector<sim::TraceEvent> diverged = real;
  sim::TraceEvent other = *applied;
  other.who = applied->who == follower->who ? leader->who : follower->who;
  other.a = "normal:0123456789abcdef";
  other.at = real.back().at;
  diverged.push_back(other);
  const std::vector<check::Violation> sv = check::check_state_machine_safety(diverged);
  ASSERT_EQ(sv.size(), 1u);
  EXPECT_NE(sv[0].evidence.find(applied->a), std::string::npos) << sv[0].evidence;
  EXPECT_NE(sv[0].evidence.find("normal:0123456789abcdef"), std::string::npos) << sv[0].evidence;
}

}  // namespace
}  // namespace raftlab
