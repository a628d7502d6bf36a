// tests/chaos/fis_template_test.cc — reading AWS FIS experiment templates (sim/cloud/fis.h)
// and experiment files (sim/chaos): every refusal names the JSON path and the fix.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/chaos/experiment.h"
#include "sim/cloud/fis.h"
#include "tools/cli.h"

namespace raftlab {
namespace {

using nlohmann::json;
namespace fis = cloud::fis;

json base_template() {
  return json::parse(R"J({
    "description": "Terminate 40% of the etcd instances",
    "targets": {"etcd": {"resourceType": "aws:ec2:instance", "resourceTags": {"aws:autoscaling:groupName": "prod-etcd"},
                          "filters": [{"path": "State.Name", "values": ["running"]}], "selectionMode": "PERCENT(40)"}},
    "actions": {"wait": {"actionId": "aws:fis:wait", "parameters": {"duration": "PT1M"}},
                "kill": {"actionId": "aws:ec2:terminate-instances", "targets": {"Instances": "etcd"}, "startAfter": ["wait"]}},
    "stopConditions": [{"source": "none"}],
    "roleArn": "arn:aws:iam::123456789012:role/fis"
  })J");
}

std::vector<scenario::LoadError> errors_of(const json& t) {
  std::vector<scenario::LoadError> errs;
  const auto r = fis::parse_template(t, "$.template", "x.json", {}, &errs);
  EXPECT_EQ(r.has_value(), errs.empty());
  return errs;
}

// The first error's "$.path: message — fix" line.
std::string first(const json& t) {
  const auto e = errors_of(t);
  return e.empty() ? "(no error)" : scenario::format(e.front());
}

TEST(FisTemplate, ReadsWhatGetExperimentTemplatePrints) {
  json wrapped = {{"experimentTemplate", base_template()}};
  wrapped["experimentTemplate"]["id"] = "EXT123";
  wrapped["experimentTemplate"]["experimentOptions"] = {{"accountTargeting", "single-account"}, {"emptyTargetResolutionMode", "skip"}};
  std::vector<scenario::LoadError> errs;
  const auto t = fis::parse_template(wrapped, "$.template", "x.json", {}, &errs);
  ASSERT_TRUE(t) << scenario::format(errs.front());
  EXPECT_EQ(t->targets.at("etcd").mode, fis::Selection::Percent);
  EXPECT_EQ(t->targets.at("etcd").n, 40u);
  EXPECT_TRUE(t->skip_empty_targets);
  EXPECT_TRUE(t->needs_cloud);
  // startAfter: the wait first, then the termination.
  EXPECT_EQ(t->order, (std::vector<std::string>{"wait", "kill"}));
  EXPECT_EQ(t->actions.at("wait").duration_ns, 60'000'000'000);
}

TEST(FisTemplate, UnknownActionIdSaysWhichAreModelledWithDidYouMean) {
  json t = base_template();
  t["actions"]["kill"]["actionId"] = "aws:ec2:terminate-instance";
  EXPECT_EQ(first(t), "x.json: $.template.actions.kill.actionId: unknown actionId \"aws:ec2:terminate-instance\" — did you mean \"aws:ec2:terminate-instances\"?");
  t["actions"]["kill"]["actionId"] = "aws:ecs:stop-task";  // a real FIS action raftlab does not model
  EXPECT_NE(first(t).find("FIS action \"aws:ecs:stop-task\" is not modelled by raftlab"), std::string::npos);
}

TEST(FisTemplate, UnknownResourceType) {
  json t = base_template();
  t["targets"]["etcd"]["resourceType"] = "aws:ec2:instances";
  EXPECT_NE(first(t).find("$.template.targets.etcd.resourceType: resourceType \"aws:ec2:instances\" is not modelled"), std::string::npos);
  EXPECT_NE(first(t).find("did you mean \"aws:ec2:instance\""), std::string::npos);
}

TEST(FisTemplate, SelectionModesFollowTheApiReference) {
  json t = base_template();
  t["targets"]["etcd"]["selectionMode"] = "PERCENT(150)";
  EXPECT_NE(first(t).find("$.template.targets.etcd.selectionMode: selectionMode \"PERCENT(150)\" is not a percentage"), std::string::npos);
  t["targets"]["etcd"]["selectionMode"] = "COUNT(0)";
  EXPECT_NE(first(t).find("selectionMode \"COUNT(0)\" selects no resource"), std::string::npos);
  t["targets"]["etcd"]["selectionMode"] = "percent(40)";
  EXPECT_NE(first(t).find("is not one FIS knows"), std::string::npos);
  t["targets"]["etcd"]["selectionMode"] = "COUNT(2)";
  EXPECT_EQ(first(t), "(no error)");
  t["targets"]["etcd"].erase("selectionMode");  // ALL is the default
  EXPECT_EQ(first(t), "(no error)");
}

TEST(FisTemplate, StartAfterNamesActionsWithoutCycles) {
  json t = base_template();
  t["actions"]["kill"]["startAfter"] = {"wiat"};
  EXPECT_EQ(first(t), "x.json: $.template.actions.kill.startAfter[0]: startAfter names \"wiat\", which is not an action of this template — did you mean \"wait\"?");
  t["actions"]["kill"]["startAfter"] = {"wait"};
  t["actions"]["wait"]["startAfter"] = {"kill"};
  EXPECT_NE(first(t).find("startAfter makes a cycle among kill, wait"), std::string::npos);
  t["actions"]["wait"]["startAfter"] = {"wait"};
  EXPECT_NE(first(t).find("action \"wait\" starts after itself"), std::string::npos);
}

TEST(FisTemplate, TargetsNeedArnsOrTagsNotBoth) {
  json t = base_template();
  t["targets"]["etcd"]["resourceArns"] = {"arn:aws:ec2:ap-northeast-2:123456789012:instance/i-0123456789abcdef0"};
  EXPECT_NE(first(t).find("a target has both resourceArns and resourceTags"), std::string::npos);
  t["targets"]["etcd"].erase("resourceArns");
  t["targets"]["etcd"].erase("resourceTags");
  EXPECT_NE(first(t).find("a target names no resources"), std::string::npos);
}

TEST(FisTemplate, ActionsCheckTheirTargetsAndParameters) {
  json t = base_template();
  t["actions"]["kill"]["targets"] = {{"Instances", "etc"}};
  EXPECT_NE(first(t).find("$.template.actions.kill.targets.Instances: no target named \"etc\""), std::string::npos);
  t = base_template();
  t["actions"]["wait"]["parameters"] = {{"duration", "5 minutes"}};
  EXPECT_NE(first(t).find("duration \"5 minutes\" is not an ISO 8601 duration"), std::string::npos);
  t = base_template();
  t["actions"]["cut"] = {{"actionId", "aws:network:disrupt-connectivity"}, {"targets", {{"Instances", "etcd"}}}, {"parameters", {{"duration", "PT1M"}}}};
  EXPECT_NE(first(t).find("unknown key \"Instances\""), std::string::npos);  // its key is Subnets
  t = base_template();
  t["stopConditions"] = json::array();
  EXPECT_NE(first(t).find("a template needs stopConditions"), std::string::npos);
  t["stopConditions"] = {{{"source", "aws:cloudwatch:alarm"}}};
  EXPECT_NE(first(t).find("needs \"value\": the alarm's ARN"), std::string::npos);
}

TEST(FisTemplate, IsoDurations) {
  EXPECT_EQ(fis::parse_iso_duration("PT5M"), 300'000'000'000);
  EXPECT_EQ(fis::parse_iso_duration("PT1H30M"), 5'400'000'000'000);
  EXPECT_EQ(fis::parse_iso_duration("PT0.5S"), 500'000'000);
  EXPECT_EQ(fis::parse_iso_duration("P1D"), 86'400'000'000'000);
  EXPECT_FALSE(fis::parse_iso_duration("PT"));
  EXPECT_FALSE(fis::parse_iso_duration("5m"));
  EXPECT_FALSE(fis::parse_iso_duration("PT5X"));
  EXPECT_FALSE(fis::parse_iso_duration("P5M"));  // months are not a duration FIS takes
  EXPECT_EQ(fis::iso_duration_text(90'000'000'000), "PT1M30S");
}

// ---- experiment files

std::string write_tmp(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "raftlab-chaos-test";
  std::filesystem::create_directories(dir);
  const auto p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

json two_host_experiment() {
  return json::parse(R"({
    "name": "t", "scenario": ")" RAFTLAB_SOURCE_DIR R"(/scenarios/lab/quorum-2host.json", "start": "15s",
    "template": {"description": "lose A", "roleArn": "arn:aws:iam::1:role/x", "stopConditions": [{"source": "none"}],
      "targets": {"a": {"resourceType": "raftlab:host", "resourceTags": {"Name": "A"}}},
      "actions": {"kill": {"actionId": "raftlab:host:kill", "parameters": {"duration": "PT10S"}, "targets": {"Hosts": "a"}}}},
    "steady_state": {"probes": [{"name": "writes", "put": {"via": ["etcd1", "etcd3"]}}]},
    "hypothesis": {"recovers_within": "30s"}
  })");
}

std::string experiment_error(const json& j) {
  std::vector<scenario::LoadError> errs;
  const auto x = chaos::load_experiment_text(j.dump(2), "/tmp/exp.json", &errs);
  EXPECT_EQ(x.has_value(), errs.empty());
  return errs.empty() ? "(no error)" : scenario::format(errs.front());
}

TEST(ExperimentFile, AProbeNamingAnUnknownMemberIsRefused) {
  json j = two_host_experiment();
  EXPECT_EQ(experiment_error(j), "(no error)");
  j["steady_state"]["probes"][0]["put"]["via"] = {"etcd1", "etcd9"};
  EXPECT_NE(experiment_error(j).find("$.steady_state.probes[0].put.via: no member named \"etcd9\" in the scenario"), std::string::npos);
  j = two_host_experiment();
  j["steady_state"]["probes"][0] = {{"name", "gw"}, {"route", {{"gateway", "gw1"}, {"path", "/"}}}};
  EXPECT_NE(experiment_error(j).find("no APISIX gateway named \"gw1\""), std::string::npos);
}

TEST(ExperimentFile, ATargetThatSelectsNothingSaysWhatFisDoes) {
  json j = two_host_experiment();
  j["template"]["targets"]["a"]["resourceTags"]["Name"] = "C";
  const std::string e = experiment_error(j);
  EXPECT_NE(e.find("target \"a\" selects nothing in this scenario"), std::string::npos) << e;
  EXPECT_NE(e.find("FIS fails an experiment whose target resolves to no resources; the hosts here are A, B"), std::string::npos) << e;
}

TEST(ExperimentFile, AStopConditionNeedsItsAlarmAndAnAlarmItsProbe) {
  json j = two_host_experiment();
  const std::string arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:writes";
  j["template"]["stopConditions"] = {{{"source", "aws:cloudwatch:alarm"}, {"value", arn}}};
  EXPECT_NE(experiment_error(j).find("the stop condition's alarm " + arn + " is not defined"), std::string::npos);
  j["alarms"] = {{{"arn", arn}, {"probe", "write"}}};
  EXPECT_NE(experiment_error(j).find("$.alarms[0].probe: no probe named \"write\" — did you mean \"writes\"?"), std::string::npos);
  j["alarms"][0]["probe"] = "writes";
  EXPECT_EQ(experiment_error(j), "(no error)");
}

TEST(ExperimentFile, EC2TargetsNeedACloudScenario) {
  json j = two_host_experiment();
  j["template"]["targets"]["a"] = {{"resourceType", "aws:ec2:instance"}, {"resourceTags", {{"role", "etcd"}}}};
  j["template"]["actions"]["kill"] = {{"actionId", "aws:ec2:terminate-instances"}, {"targets", {{"Instances", "a"}}}};
  EXPECT_NE(experiment_error(j).find("the template targets EC2 resources but the scenario has no cloud part"), std::string::npos);
}

TEST(ExperimentFile, BadInputIsExitTwoWithThePath) {
  json j = two_host_experiment();
  j["template"]["targets"]["a"]["selectionMode"] = "PERCENT(150)";
  const std::string f = write_tmp("bad.json", j.dump(2));
  std::ostringstream out, err;
  EXPECT_EQ(tools::run_cli({"raftlab", "experiment", f, "--seed", "1"}, out, err), tools::kExitBadInput);
  EXPECT_NE(err.str().find("$.template.targets.a.selectionMode"), std::string::npos) << err.str();
  std::ostringstream out2, err2;
  EXPECT_EQ(tools::run_cli({"raftlab", "experiment", "/nonexistent/exp.json"}, out2, err2), tools::kExitBadInput);
  std::ostringstream out3, err3;
  const std::string good = write_tmp("good.json", two_host_experiment().dump(2));
  EXPECT_EQ(tools::run_cli({"raftlab", "experiment", good, "--seeds", "0"}, out3, err3), tools::kExitBadInput);
  std::ostringstream out4, err4;
  EXPECT_EQ(tools::run_cli({"raftlab", "experiment", good, "--shard", "3/2"}, out4, err4), tools::kExitBadInput);
}

TEST(ExperimentStats, WilsonIntervalMatchesTheFormula) {
  // 0 of 20: [0, 0.161]; 10 of 20: [0.299, 0.701] (Wilson, z = 1.96).
  auto [lo0, hi0] = chaos::wilson95(0, 20);
  EXPECT_DOUBLE_EQ(lo0, 0);
  EXPECT_NEAR(hi0, 0.1611, 1e-3);
  auto [lo, hi] = chaos::wilson95(10, 20);
  EXPECT_NEAR(lo, 0.2993, 1e-3);
  EXPECT_NEAR(hi, 0.7007, 1e-3);
}

}  // namespace
}  // namespace raftlab
