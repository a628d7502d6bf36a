// tests/chaos/shipped_experiments_test.cc — every scenarios/experiments/*.json loads and
// runs, with the conclusion its header comment promises; one seed is a pure function of
// the seed; a sweep through sim/lab's worker processes gives the in-process verdicts; a
// stop condition's alarm stops the experiment as FIS does.
#include <gtest/gtest.h>

#include <map>

#include <fmt/format.h>

#include "sim/chaos/experiment.h"
#include "tests/scenarios/shipped.h"
#include "tools/cli.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace raftlab {
namespace {

std::shared_ptr<const chaos::Experiment> load(const std::string& rel) {
  std::vector<scenario::LoadError> errs;
  auto x = chaos::load_experiment(testing::source_path(rel), &errs);
  EXPECT_TRUE(x) << (errs.empty() ? "" : scenario::format(errs.front()));
  return x ? std::make_shared<const chaos::Experiment>(std::move(*x)) : nullptr;
}

// What each shipped experiment concludes, for every seed tested (its header says why).
struct Want {
  std::string verdict, why_contains;
};
const std::map<std::string, Want>& wanted() {
  static const std::map<std::string, Want> w = {
      // As expected, except when the leader was on A: an election, about a second without a
      // leader (checked by LosingHostACostsAtMostAnElection below).
      {"scenarios/experiments/2host-lose-host-a.json", {"", ""}},
      {"scenarios/experiments/2host-lose-host-b.json", {"anomaly", "failed during the fault"}},
      {"scenarios/experiments/asg-terminate-40-fixed.json", {"as expected", "after the fault"}},
      {"scenarios/experiments/asg-terminate-40-naive.json", {"anomaly", "did not hold before the fault (reads-own-writes"}},
  };
  return w;
}

TEST(ShippedExperiments, EveryFileHasItsConclusionOnSeedsOneToFive) {
  const auto files = testing::shipped_experiments();
  ASSERT_EQ(files.size(), wanted().size()) << "a new experiment file needs its entry in wanted()";
  for (const auto& rel : files) {
    ASSERT_TRUE(wanted().count(rel)) << rel;
    auto x = load(rel);
    ASSERT_TRUE(x);
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      const chaos::SeedVerdict v = chaos::run_seed(*x, seed);
      if (wanted().at(rel).verdict.empty()) continue;
      EXPECT_EQ(v.verdict, wanted().at(rel).verdict) << rel << " seed=" << seed << ": " << v.why;
      EXPECT_NE(v.why.find(wanted().at(rel).why_contains), std::string::npos) << rel << " seed=" << seed << ": " << v.why;
      EXPECT_TRUE(v.safety_checkers.empty() || rel.find("naive") != std::string::npos)
          << rel << " seed=" << seed << ": " << v.safety_checkers.front();
      EXPECT_GT(v.probes_run, 0u);
    }
  }
}

// Host A holds two of five voters: losing it keeps the quorum; when the leader was there,
// the steady state breaks for one election (under 3 s); otherwise it holds throughout.
// Host B holds three: the steady state is gone for the whole 30 s.
TEST(ShippedExperiments, LosingHostACostsAtMostAnElectionLosingHostBTheWholeFault) {
  auto a = load("scenarios/experiments/2host-lose-host-a.json");
  auto b = load("scenarios/experiments/2host-lose-host-b.json");
  ASSERT_TRUE(a && b);
  int held = 0, election = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const chaos::SeedVerdict va = chaos::run_seed(*a, seed);
    std::int64_t down = 0;
    for (const auto& w : va.unavailable) down += w.to_ns - w.from_ns;
    if (va.verdict == "as expected") {
      ++held;
      EXPECT_EQ(down, 0) << "seed=" << seed;
    } else {
      ++election;
      EXPECT_EQ(va.why, "the steady state failed during the fault") << "seed=" << seed;
      EXPECT_LE(down, 3'000'000'000) << "seed=" << seed;
      EXPECT_EQ(va.recovery_ns, 0) << "seed=" << seed << ": back before host A returned";
    }
    const chaos::SeedVerdict vb = chaos::run_seed(*b, seed);
    std::int64_t down_b = 0;
    for (const auto& w : vb.unavailable) down_b += w.to_ns - w.from_ns;
    EXPECT_GE(down_b, 30'000'000'000) << "seed=" << seed;
    EXPECT_GE(vb.recovery_ns, 0) << "seed=" << seed << ": the quorum comes back with host B";
  }
  EXPECT_GT(held, 0);
  EXPECT_GT(election, 0);
}

TEST(ShippedExperiments, FortyPercentOfThreeInstancesIsOneDrawnPerSeed) {
  auto x = load("scenarios/experiments/asg-terminate-40-fixed.json");
  ASSERT_TRUE(x);
  std::set<std::string> chosen;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const chaos::SeedVerdict v = chaos::run_seed(*x, seed);
    ASSERT_EQ(v.targets.size(), 1u);
    // "etcdInstances: i-..." — exactly one instance (PERCENT(40) of 3, rounded down).
    EXPECT_EQ(v.targets[0].find(','), std::string::npos) << v.targets[0];
    EXPECT_EQ(v.targets[0].rfind("etcdInstances: i-", 0), 0u) << v.targets[0];
    chosen.insert(v.targets[0]);
  }
  EXPECT_GT(chosen.size(), 1u) << "every seed chose the same instance";
}

TEST(ShippedExperiments, ASeedIsAPureFunctionOfTheSeedAndTheSweepAgrees) {
  auto x = load("scenarios/experiments/2host-lose-host-a.json");
  ASSERT_TRUE(x);
  std::map<std::uint64_t, std::string> in_process;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const std::string a = chaos::verdict_json(chaos::run_seed(*x, seed)).dump();
    EXPECT_EQ(a, chaos::verdict_json(chaos::run_seed(*x, seed)).dump()) << "seed=" << seed;
    in_process[seed] = a;
  }
  lab::FuzzOptions o = chaos::sweep_options(x);
  o.set.seeds = 4;
  o.jobs = 2;
  std::map<std::uint64_t, std::string> swept;
  lab::fuzz(x->scenario, o, [&](const lab::SeedResult& r) { swept[r.seed] = r.payload; }, {});
  EXPECT_EQ(swept, in_process);
}

TEST(ShippedExperiments, AStopConditionInAlarmStopsTheExperiment) {
  // Lose host B (three of five voters) for 5 minutes; the writes alarm (3 failed probes in
  // a row) stops the experiment: the running action is stopped and rolled back (B returns),
  // as FIS stops an experiment whose stop condition is in ALARM.
  std::vector<scenario::LoadError> errs;
  nlohmann::json j = nlohmann::json::parse(R"J({
    "name": "stop-with-alarm", "scenario": "../lab/quorum-2host.json", "start": "15s",
    "template": {"description": "lose host B", "roleArn": "arn:aws:iam::123456789012:role/fis",
      "targets": {"b": {"resourceType": "raftlab:host", "resourceTags": {"Name": "B"}}},
      "actions": {"wait": {"actionId": "aws:fis:wait", "parameters": {"duration": "PT2S"}},
                  "kill": {"actionId": "raftlab:host:kill", "parameters": {"duration": "PT5M"}, "targets": {"Hosts": "b"}, "startAfter": ["wait"]},
                  "after": {"actionId": "raftlab:host:kill", "parameters": {"duration": "PT1M"}, "targets": {"Hosts": "b"}, "startAfter": ["kill"]}},
      "stopConditions": [{"source": "aws:cloudwatch:alarm", "value": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:writes"}]},
    "steady_state": {"interval": "1s", "baseline": "10s", "probes": [{"name": "writes", "put": {"via": ["etcd1", "etcd2", "etcd3", "etcd4", "etcd5"]}}]},
    "hypothesis": {"recovers_within": "30s"},
    "alarms": [{"arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:writes", "probe": "writes", "datapoints": 3}]
  })J");
  auto x = chaos::load_experiment_text(j.dump(), testing::source_path("scenarios/experiments/inline.json"), &errs);
  ASSERT_TRUE(x) << scenario::format(errs.front());
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    std::vector<sim::TraceEvent> trace;
    const chaos::SeedVerdict v = chaos::run_seed(*x, seed, nullptr, &trace);
    EXPECT_EQ(v.experiment_state, "stopped") << "seed=" << seed << ": " << v.why;
    EXPECT_NE(v.experiment_reason.find("alarm:writes in ALARM"), std::string::npos) << v.experiment_reason;
    // The alarm needs 3 failed probes (each up to its 5 s deadline): stopped within 20 s,
    // not after 5 minutes; the action after it was cancelled, never run.
    EXPECT_GT(v.fault_end_ns - v.fault_start_ns, 2'000'000'000) << "seed=" << seed;
    EXPECT_LT(v.fault_end_ns - v.fault_start_ns, 20'000'000'000) << "seed=" << seed;
    bool cancelled = false, host_back = false;
    for (const auto& e : trace) {
      cancelled = cancelled || (e.kind == sim::Ev::Cloud && e.who == "fis" && e.b == "after: cancelled");
      host_back = host_back || (e.kind == sim::Ev::HostUp && e.who == "B" && e.at.ns == v.fault_end_ns);
    }
    EXPECT_TRUE(cancelled) << "seed=" << seed;
    EXPECT_TRUE(host_back) << "seed=" << seed << ": rolling the action back brings host B back";
    EXPECT_EQ(v.verdict, "as expected") << "seed=" << seed << ": " << v.why;
  }
}

}  // namespace
}  // namespace raftlab

namespace raftlab {
namespace {

TEST(ShippedExperiments, ATargetThatIdentifiesNothingAtRunTimeFailsTheExperimentOrIsSkipped) {
  // Tags no instance has: FIS "If no targets are found, the experiment fails".
  auto text = [](const char* mode) {
    nlohmann::json j = nlohmann::json::parse(R"J({
      "name": "no-targets", "scenario": "../aws-asg/02-discovery-one-cluster.json", "start": "5m",
      "template": {"description": "nothing to terminate", "roleArn": "arn:aws:iam::123456789012:role/fis",
        "targets": {"none": {"resourceType": "aws:ec2:instance", "resourceTags": {"aws:autoscaling:groupName": "other-group"}}},
        "actions": {"kill": {"actionId": "aws:ec2:terminate-instances", "targets": {"Instances": "none"}}},
        "stopConditions": [{"source": "none"}]},
      "steady_state": {"probes": [{"name": "writes", "put": {"via": "http://etcd-nlb:2379"}}]}
    })J");
    j["template"]["experimentOptions"]["emptyTargetResolutionMode"] = mode;
    return j.dump();
  };
  std::vector<scenario::LoadError> errs;
  auto fail = chaos::load_experiment_text(text("fail"), testing::source_path("scenarios/experiments/inline.json"), &errs);
  ASSERT_TRUE(fail) << scenario::format(errs.front());
  const chaos::SeedVerdict v = chaos::run_seed(*fail, 1);
  EXPECT_EQ(v.verdict, "failed");
  EXPECT_EQ(v.experiment_state, "failed");
  EXPECT_NE(v.why.find("target \"none\" identified no resources"), std::string::npos) << v.why;
  auto skip = chaos::load_experiment_text(text("skip"), testing::source_path("scenarios/experiments/inline.json"), &errs);
  ASSERT_TRUE(skip);
  const chaos::SeedVerdict s = chaos::run_seed(*skip, 1);
  EXPECT_EQ(s.experiment_state, "completed");
  EXPECT_EQ(s.verdict, "anomaly");  // nothing was injected: the hypothesis was not tested
  EXPECT_NE(s.why.find("no fault was injected"), std::string::npos) << s.why;
}

TEST(ShippedExperiments, TheCommandWritesTheReportTheSvgAndJsonLines) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "raftlab-chaos-cli";
  fs::remove_all(dir);
  const std::string report = (dir / "b.md").string();
  std::ostringstream out, err;
  const int rc = tools::run_cli({"raftlab", "experiment", testing::source_path("scenarios/experiments/2host-lose-host-b.json"),
                                 "--seeds", "3", "--jobs", "2", "--json", "-o", report},
                                out, err);
  EXPECT_EQ(rc, tools::kExitExpectationFailed) << err.str();  // every seed an anomaly
  std::istringstream lines(out.str());
  std::string line, last;
  int n = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("summary")) {
      last = line;
    } else {
      ++n;
      EXPECT_EQ(j.at("verdict"), "anomaly");
    }
  }
  EXPECT_EQ(n, 3);
  const auto summary = nlohmann::json::parse(last);
  EXPECT_EQ(summary.at("anomalies"), 3);
  EXPECT_NE(summary.at("replay").get<std::string>().find("--seed 1"), std::string::npos);
  EXPECT_TRUE(fs::exists(report));
  EXPECT_TRUE(fs::exists(dir / "b-recovery.svg"));
  std::ifstream in(report);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("## Conclusion"), std::string::npos);
  EXPECT_NE(ss.str().find("anomaly rate 100.0%"), std::string::npos);
}

TEST(ExperimentFileLimits, HostileSizesAndSyntaxErrorsAreExitTwo) {
  std::vector<scenario::LoadError> errs;
  nlohmann::json j = {{"name", "big"}, {"scenario", "../lab/quorum-2host.json"}, {"start", "15s"}};
  j["template"] = nlohmann::json::parse(R"J({"description": "d", "roleArn": "r", "stopConditions": [{"source": "none"}],
      "targets": {"a": {"resourceType": "raftlab:host", "resourceTags": {"Name": "A"}}},
      "actions": {"k": {"actionId": "raftlab:host:kill", "targets": {"Hosts": "a"}}}})J");
  j["steady_state"]["probes"] = nlohmann::json::array();
  for (int i = 0; i < 65; ++i) j["steady_state"]["probes"].push_back({{"name", fmt::format("p{}", i)}, {"quorum", true}});
  EXPECT_FALSE(chaos::load_experiment_text(j.dump(), testing::source_path("scenarios/experiments/x.json"), &errs));
  ASSERT_FALSE(errs.empty());
  EXPECT_NE(scenario::format(errs.front()).find("1 to 64 probes"), std::string::npos);
  errs.clear();
  EXPECT_FALSE(chaos::load_experiment_text("{\n  \"name\": \"x\",\n  \"start\": 5m\n}", "/tmp/x.json", &errs));
  ASSERT_FALSE(errs.empty());
  EXPECT_EQ(errs.front().line, 3) << scenario::format(errs.front());
}

}  // namespace
}  // namespace raftlab

namespace raftlab {
namespace {

// RebootInstances, then (startAfter) disrupt-connectivity on a subnet chosen by its
// CloudFormation logical ID, on the APISIX deployment, with a route probe: the gateways
// keep serving the route from their copy of etcd throughout.
TEST(ShippedExperiments, RebootThenDisruptConnectivityWithARouteProbe) {
  std::vector<scenario::LoadError> errs;
  const std::string text = R"J({
    "name": "reboot-then-cut", "scenario": "../apisix/01-route-sync-healthy.json", "start": "7m",
    "template": {"description": "reboot one, then cut subnet A off", "roleArn": "arn:aws:iam::123456789012:role/fis",
      "targets": {"one": {"resourceType": "aws:ec2:instance", "resourceTags": {"aws:autoscaling:groupName": "prod-etcd"},
                          "filters": [{"path": "State.Name", "values": ["running"]}], "selectionMode": "COUNT(1)"},
                  "subnetA": {"resourceType": "aws:ec2:subnet", "resourceTags": {"aws:cloudformation:logical-id": "SubnetA"}}},
      "actions": {"reboot": {"actionId": "aws:ec2:reboot-instances", "targets": {"Instances": "one"}},
                  "cut": {"actionId": "aws:network:disrupt-connectivity", "parameters": {"duration": "PT30S", "scope": "all"},
                          "targets": {"Subnets": "subnetA"}, "startAfter": ["reboot"]}},
      "stopConditions": [{"source": "none"}]},
    "steady_state": {"probes": [{"name": "gw2-serves", "route": {"gateway": "gw2", "path": "/ip", "status": 200}}]},
    "hypothesis": {"recovers_within": "30s", "holds_during": true}
  })J";
  auto x = chaos::load_experiment_text(text, testing::source_path("scenarios/experiments/inline.json"), &errs);
  ASSERT_TRUE(x) << scenario::format(errs.front());
  std::vector<sim::TraceEvent> trace;
  const chaos::SeedVerdict v = chaos::run_seed(*x, 1, nullptr, &trace);
  EXPECT_EQ(v.experiment_state, "completed");
  EXPECT_EQ(v.verdict, "as expected") << v.why;
  bool rebooted = false, cut = false, healed = false;
  for (const auto& e : trace) {
    rebooted = rebooted || (e.kind == sim::Ev::Cloud && e.a == "ec2-state" && e.b == "rebooted");
    cut = cut || (e.kind == sim::Ev::Cloud && e.who == "fis" && e.b.find("cut: ") == 0 && e.b.find("host(s) cut off") != std::string::npos &&
                  e.b.find("cut: 0 ") == std::string::npos);
    healed = healed || (e.kind == sim::Ev::Heal);
  }
  EXPECT_TRUE(rebooted) << "the rebooted instance's host came back after 30 s";
  EXPECT_TRUE(cut) << "subnet A had running instances to cut off";
  EXPECT_TRUE(healed);
  EXPECT_EQ(v.fault_end_ns - v.fault_start_ns, 30'000'000'000) << "reboot (instant) then 30 s of disruption";
}

}  // namespace
}  // namespace raftlab
