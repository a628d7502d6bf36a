// tests/cloud/runtime_test.cc — the cloud runtime (sim/cloud/cloud.h) end to end: the
// shipped template's instances, the group's scaling and termination choices, lifecycle
// hooks and their timeouts, the NLB's flows and health checks, AWS's validation errors
// for bad calls, and the bad input a cloud scenario can hold (exit 2 with file, path or
// line, and the fix).
//
// Must never: check a number the model did not compute (each count comes from the run).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "sim/cloud/cloud.h"
#include "sim/deploy.h"
#include "sim/scenario/loader.h"

#include <nlohmann/json.hpp>

namespace raftlab::cloud {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = RAFTLAB_SOURCE_DIR;

// A scenario written to a fresh directory beside a copy of the shipped template.
fs::path write_scenario(const std::string& json) {
  static int n = 0;
  const fs::path dir = fs::temp_directory_path() / ("raftlab-cloud-runtime-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(++n));
  fs::create_directories(dir / "templates");
  fs::copy_file(kSource / "scenarios/aws-asg/templates/etcd-asg.yaml", dir / "templates/etcd-asg.yaml",
                fs::copy_options::overwrite_existing);
  std::ofstream(dir / "s.json") << json;
  return dir / "s.json";
}

struct Built {
  std::unique_ptr<sim::Deployment> d;
  std::vector<scenario::LoadError> errors;  // load or build errors
  std::string text() const {
    std::string s;
    for (const auto& e : errors) s += scenario::format(e) + "\n";
    return s;
  }
};

Built build_file(const fs::path& file, sim::RunOptions o = {}) {
  Built b;
  auto lr = scenario::load_file(file.string());
  if (!lr.ok()) {
    b.errors = lr.errors;
    return b;
  }
  o.extension = extension_factory();
  b.d = sim::Deployment::build(*lr.scenario, o, &b.errors);
  return b;
}

std::string cloud_part(const std::string& params, const std::string& extra = "") {
  return R"("cloud": {"template": "templates/etcd-asg.yaml", "stack_name": "prod", "region": "ap-northeast-2",
            "parameters": )" + params + extra + "}";
}

Cloud& cloud_of(sim::Deployment& d) { return *dynamic_cast<Cloud*>(d.extension()); }

// Runs one `aws` call as the operator would, at the current instant.
ApiResult aws(Cloud& c, const std::vector<std::string>& argv) {
  auto call = parse_aws(argv);
  EXPECT_TRUE(call.ok()) << (call.ok() ? "" : call.error().message);
  return c.call(call.value(), "");
}

TEST(CloudRuntime, InstancesHaveWellFormedFreshIdsAndAddressesInTheirSubnets) {
  auto b = build_file(kSource / "scenarios/aws-asg/06b-instance-dies-discovery.json");
  ASSERT_TRUE(b.d) << b.text();
  b.d->run();
  Cloud& c = cloud_of(*b.d);
  ASSERT_EQ(c.instances().size(), 4u) << "three at creation and one replacement";
  std::set<std::string> ids, ips;
  const std::regex id_shape("i-[0-9a-f]{17}");
  for (const auto& in : c.instances()) {
    EXPECT_TRUE(std::regex_match(in->id, id_shape)) << in->id;
    ids.insert(in->id);
    ips.insert(in->ip);
    // 10.0.1.0/24 (a) or 10.0.2.0/24 (b); AWS reserves .0-.3 and .255.
    const std::string prefix = in->az == "ap-northeast-2a" ? "10.0.1." : "10.0.2.";
    ASSERT_EQ(in->ip.rfind(prefix, 0), 0u) << in->ip << " in " << in->az;
    const int last = std::stoi(in->ip.substr(prefix.size()));
    EXPECT_GE(last, 4);
    EXPECT_LE(last, 254);
  }
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(ips.size(), 4u) << "an IP is never handed out twice";
  // The replacement started from an empty disk: it joined (existing), it did not restart.
  const std::string last_id = c.instances().back()->id;
  bool joined = false, restarted = false;
  for (const auto& e : b.d->world().trace().events()) {
    if (e.kind != sim::Ev::Bootstrap || e.who != last_id) continue;
    joined = joined || e.a == "existing";
    restarted = restarted || e.a == "restart";
  }
  EXPECT_TRUE(joined);
  EXPECT_FALSE(restarted);
}

TEST(CloudRuntime, NlbSendsEachNewConnectionToSomeHealthyTargetAndSpreadsThem) {
  sim::RunOptions o;
  o.stop_at_ns = 300'000'000'000;
  auto b = build_file(kSource / "scenarios/aws-asg/01-naive-every-instance-leader.json", o);
  ASSERT_TRUE(b.d) << b.text();
  b.d->run();
  sim::World& w = b.d->world();
  std::map<std::uint64_t, int> answered_by;
  int leaders = 0, calls = 0;
  for (int i = 0; i < 30; ++i) {
    sim::ClientRequest req;
    req.kind = sim::ClientOpKind::Status;
    w.etcdctl(req, {"http://etcd-nlb:2379"}, [&](const sim::ClientResult& r) {
      ++calls;
      ASSERT_TRUE(r.ok) << r.error;
      ASSERT_TRUE(r.reply.status);
      answered_by[r.reply.status->member_id]++;
      leaders += r.reply.status->leader == r.reply.status->member_id;
    });
    w.run_until(w.now() + sim::seconds(1));
  }
  EXPECT_EQ(calls, 30);
  EXPECT_EQ(leaders, 30) << "every one-member cluster is its own leader";
  EXPECT_EQ(answered_by.size(), 3u) << "30 connections over 3 healthy targets reach all three";
}

TEST(CloudRuntime, ScaleInKeepsTheGroupBalancedAcrossAzs) {
  auto b = build_file(write_scenario(R"({"name": "t", "description": "test", "duration": "8m", )" +
                                     cloud_part(R"({"WithTerminatingHook": "false"})") + R"(,
    "timeline": [{"at": "5m", "aws": "aws autoscaling set-desired-capacity --auto-scaling-group-name prod-etcd --desired-capacity 2"}],
    "expect": [{"at": "7m", "asg": {"in_service": 2}}]})"));
  ASSERT_TRUE(b.d) << b.text();
  // The template's group is min 3: the call is refused, and nothing changes.
  auto r = b.d->run();
  EXPECT_TRUE(r.passed == false);
  bool refused = false;
  for (const auto& e : b.d->world().trace().events())
    if (e.kind == sim::Ev::Note && e.a.find("New SetDesiredCapacity value 2 is below min value 3 for the AutoScalingGroup.") !=
                                       std::string::npos)
      refused = true;
  EXPECT_TRUE(refused) << "AWS's wording for a desired capacity below the minimum";

  auto b2 = build_file(write_scenario(R"({"name": "t", "description": "test", "duration": "8m", )" +
                                      cloud_part(R"({"WithTerminatingHook": "false"})") + R"(,
    "timeline": [{"at": "5m", "aws": "aws autoscaling update-auto-scaling-group --auto-scaling-group-name prod-etcd --min-size 2 --desired-capacity 2"}],
    "expect": [{"at": "7m", "asg": {"in_service": 2, "instances": 2}}]})"));
  ASSERT_TRUE(b2.d) << b2.text();
  auto r2 = b2.d->run();
  EXPECT_TRUE(r2.passed);
  std::set<std::string> azs;
  for (const auto& in : cloud_of(*b2.d).instances())
    if (in->lifecycle == "InService") azs.insert(in->az);
  EXPECT_EQ(azs.size(), 2u) << "the AZ with two instances loses one: one left in each";
}

TEST(CloudRuntime, ServerSideValidationUsesAwsWordingAndChangesNothing) {
  sim::RunOptions o;
  o.stop_at_ns = 60'000'000'000;
  auto b = build_file(kSource / "scenarios/aws-asg/01-naive-every-instance-leader.json", o);
  ASSERT_TRUE(b.d) << b.text();
  b.d->run();
  Cloud& c = cloud_of(*b.d);
  ApiResult r = aws(c, {"aws", "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "prod-etcd",
                        "--min-size", "1", "--max-size", "3", "--desired-capacity", "5"});
  EXPECT_EQ(r.exit_code, 254);
  EXPECT_EQ(r.err,
            "An error occurred (ValidationError) when calling the UpdateAutoScalingGroup operation: Desired capacity:5 "
            "must be between the specified min size:1 and max size:3\n");
  r = aws(c, {"aws", "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "prod-etcd", "--min-size",
              "4", "--max-size", "2"});
  EXPECT_EQ(r.exit_code, 254);
  EXPECT_NE(r.err.find("Max bound, 2, must be greater than or equal to min bound, 4"), std::string::npos) << r.err;
  r = aws(c, {"aws", "autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "nope", "--desired-capacity", "1"});
  EXPECT_EQ(r.exit_code, 254);
  EXPECT_NE(r.err.find("AutoScalingGroup name not found"), std::string::npos) << r.err;
  r = aws(c, {"aws", "autoscaling", "complete-lifecycle-action", "--lifecycle-hook-name", "etcd-terminating",
              "--auto-scaling-group-name", "prod-etcd", "--instance-id", c.instances().front()->id,
              "--lifecycle-action-result", "CONTINUE"});
  EXPECT_EQ(r.exit_code, 254);
  EXPECT_NE(r.err.find("No active Lifecycle Action found with instance ID " + c.instances().front()->id), std::string::npos)
      << r.err;
  const AsgState* g = c.asg("prod-etcd");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->min, 3);
  EXPECT_EQ(g->max, 3);
  EXPECT_EQ(g->desired, 3);
  // A good describe call: the CLI's JSON shape.
  r = aws(c, {"aws", "autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "prod-etcd", "--query",
              "AutoScalingGroups[0].[MinSize,MaxSize,DesiredCapacity]", "--output", "text"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "3\t3\t3\n");
}

TEST(CloudRuntime, TerminatingHookWithoutHandlerWaitsForItsHeartbeatTimeoutThenContinues) {
  // The template's hook: HeartbeatTimeout 300, DefaultResult CONTINUE, and nothing completes it.
  auto b = build_file(write_scenario(R"({"name": "t", "description": "test", "duration": "20m", )" +
                                     cloud_part(R"({"WithTerminatingHook": "true"})") + R"(,
    "timeline": [{"at": "5m", "aws": "aws autoscaling update-auto-scaling-group --auto-scaling-group-name prod-etcd --min-size 2 --desired-capacity 2"}],
    "expect": [{"at": "6m", "asg": {"instances": 3, "in_service": 2}},
               {"at": "11m", "asg": {"instances": 2, "in_service": 2}}]})"));
  ASSERT_TRUE(b.d) << b.text();
  auto r = b.d->run();
  for (const auto& e : r.expectations) EXPECT_TRUE(e.passed) << e.path << " " << e.what << ": " << e.actual;
  std::int64_t wait_at = -1, proceed_at = -1;
  for (const auto& e : b.d->world().trace().events()) {
    if (e.kind != sim::Ev::Cloud || e.a != "lifecycle") continue;
    if (e.b.rfind("Terminating:Wait", 0) == 0) wait_at = e.at.ns;
    if (e.b.find("heartbeat timeout") != std::string::npos) proceed_at = e.at.ns;
  }
  ASSERT_GE(wait_at, 0);
  // Deregistration delay 30 s (the template), then the hook's 300 s.
  EXPECT_EQ(wait_at, 330'000'000'000);
  EXPECT_EQ(proceed_at - wait_at, 300'000'000'000);
}

TEST(CloudRuntime, SameSeedSameTraceAndAnotherSeedAnotherOne) {
  auto h = [](std::uint64_t seed) {
    sim::RunOptions o;
    o.seed = seed;
    auto b = build_file(kSource / "scenarios/aws-asg/05-fix-hook-and-stepwise.json", o);
    EXPECT_TRUE(b.d) << b.text();
    return b.d ? b.d->run().trace_sha256 : std::string();
  };
  EXPECT_EQ(h(7), h(7));
  EXPECT_NE(h(7), h(8));
}

// ---- bad input: exit 2 with where and the fix ----

std::string build_errors(const std::string& json) { return build_file(write_scenario(json)).text(); }

// A small template as JSON lines for "template_text": a VPC, one subnet, a launch template
// whose user data is `user_data` lines, and a group with `group_props` (YAML flow mapping items).
std::string mini(const std::vector<std::string>& user_data, const std::string& group_props,
                 const std::string& cidr = "10.0.1.0/24") {
  std::vector<std::string> l = {
      "Resources:",
      "  V: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}",
      "  S: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref V, CidrBlock: " + cidr + ", AvailabilityZone: us-east-1a}}",
      "  LT:",
      "    Type: AWS::EC2::LaunchTemplate",
      "    Properties:",
      "      LaunchTemplateData:",
      "        ImageId: ami-0123456789abcdef0",
      "        UserData:",
      "          Fn::Base64: |"};
  for (const auto& u : user_data) l.push_back("            " + u);
  l.push_back("  G: {Type: AWS::AutoScaling::AutoScalingGroup, Properties: {" + group_props +
              ", VPCZoneIdentifier: [!Ref S], LaunchTemplate: {LaunchTemplateId: !Ref LT, Version: '1'}}}");
  std::string out = "[";
  for (size_t i = 0; i < l.size(); ++i) out += (i ? ", " : "") + nlohmann::json(l[i]).dump();
  return out + "]";
}

TEST(CloudBadInput, UserDataLineOutsideTheSubsetNamesTheLine) {
  const std::string t = R"({"name": "t", "description": "test", "duration": "1m", "cloud": {"template_text": )" +
                        mini({"#!/bin/bash", "case $X in a) echo a;; esac"}, "MinSize: '1', MaxSize: '1'") + R"(},
    "expect": [{"at": "1m", "asg": {"in_service": 1}}]})";
  const std::string e = build_errors(t);
  EXPECT_NE(e.find("$.cloud.template_text"), std::string::npos) << e;
  EXPECT_NE(e.find("line 2"), std::string::npos) << e;
  EXPECT_NE(e.find("case"), std::string::npos) << e;
}

TEST(CloudBadInput, BadAwsLineMinAboveMaxAndUnknownPropertyAreErrors) {
  std::string e = build_errors(R"({"name": "t", "description": "test", "duration": "1m", )" + cloud_part("{}") + R"(,
    "timeline": [{"at": "10s", "aws": "aws autoscaling update-auto-scaling-group --auto-scaling-grup-name prod-etcd"}],
    "expect": [{"at": "1m", "asg": {"in_service": 3}}]})");
  EXPECT_NE(e.find("$.timeline[0].aws"), std::string::npos) << e;
  EXPECT_NE(e.find("--auto-scaling-grup-name"), std::string::npos) << e;

  e = build_errors(R"({"name": "t", "description": "test", "duration": "1m", "cloud": {"template_text": )" +
                   mini({"#!/bin/bash", "true"}, "MinSize: '3', MaxSize: '1'") + R"(},
    "expect": [{"at": "1m", "asg": {"in_service": 1}}]})");
  EXPECT_NE(e.find("MinSize"), std::string::npos) << e;
  EXPECT_NE(e.find("G"), std::string::npos) << e;

  e = build_errors(R"({"name": "t", "description": "test", "duration": "1m", "cloud": {"template_text": )" +
                   mini({"#!/bin/bash", "true"}, "MinSize: '1', MaxSize: '1', DesiredCapacty: '1'") + R"(},
    "expect": [{"at": "1m", "asg": {"in_service": 1}}]})");
  EXPECT_NE(e.find("DesiredCapacty"), std::string::npos) << e;
  EXPECT_NE(e.find("DesiredCapacity"), std::string::npos) << e << " (the did-you-mean)";
}

TEST(CloudBadInput, Ec2ActionHandlerAndSubnetErrorsNameThePathAndTheFix) {
  std::string e = build_errors(R"({"name": "t", "description": "test", "duration": "1m", )" + cloud_part("{}") + R"(,
    "timeline": [{"at": "10s", "ec2": {"fial": "oldest"}}],
    "expect": [{"at": "1m", "asg": {"in_service": 3}}]})");
  EXPECT_NE(e.find("$.timeline[0].ec2.fial"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean \"fail\""), std::string::npos) << e;

  e = build_errors(R"({"name": "t", "description": "test", "duration": "1m", )" + cloud_part("{}") + R"(,
    "timeline": [{"at": "10s", "ec2": {"fail": "youngest"}}],
    "expect": [{"at": "1m", "asg": {"in_service": 3}}]})");
  EXPECT_NE(e.find("\"youngest\" selects no instance"), std::string::npos) << e;

  e = build_errors(R"({"name": "t", "description": "test", "duration": "1m", )" +
                   cloud_part(R"({"WithTerminatingHook": "true"})",
                              R"(, "lifecycle_handlers": [{"hook": "etcd-terminatng", "run": "true"}])") +
                   R"(, "expect": [{"at": "1m", "asg": {"in_service": 3}}]})");
  EXPECT_NE(e.find("$.cloud.lifecycle_handlers[0].hook"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean \"etcd-terminating\""), std::string::npos) << e;

  e = build_errors(R"({"name": "t", "description": "test", "duration": "1m", "cloud": {"template_text": )" +
                   mini({"#!/bin/bash", "true"}, "MinSize: '1', MaxSize: '1'", "10.0.1.0/33") + R"(},
    "expect": [{"at": "1m", "asg": {"in_service": 1}}]})");
  EXPECT_NE(e.find("10.0.1.0/33"), std::string::npos) << e;
  EXPECT_NE(e.find("/16 to /28"), std::string::npos) << e;

  e = build_errors(R"({"name": "t", "description": "test", "duration": "1m", )" + cloud_part("{}") + R"(,
    "timeline": [{"at": "10s", "aws": "aws ec2 stop-instances --instance-ids i-0123456789abcdef0"}],
    "expect": [{"at": "1m", "asg": {"in_service": 3}}]})");
  EXPECT_NE(e.find("StopInstances is not modelled"), std::string::npos) << e;
}

// The load-time endpoint check through the seam (sim/extension.h): a balancer's listener
// ports are known before the run, instance addresses are not (drawn per seed in the
// template's subnets, so a URL in a subnet is accepted); anything else is refused.
TEST(CloudBadInput, EtcdctlEndpointsAreCheckedAgainstTheBalancersAndSubnets) {
  auto with = [](const std::string& url) {
    return build_errors(R"({"name": "t", "description": "test", "duration": "1m", )" + cloud_part("{}") +
                        R"(, "timeline": [{"at": "50s", "etcdctl": "member list", "endpoints": [")" + url + R"("]}],
    "expect": [{"at": "1m", "asg": {"in_service": 3}}]})");
  };
  std::string e = with("http://etcd-nlb:2380");
  EXPECT_NE(e.find("$.timeline[0].endpoints[0]"), std::string::npos) << e;
  EXPECT_NE(e.find("nothing serves port 2380"), std::string::npos) << e;
  EXPECT_NE(e.find("http://etcd-nlb:2379 (load balancer etcd-nlb)"), std::string::npos) << e;
  e = with("http://10.9.9.9:2379");
  EXPECT_NE(e.find("10.9.9.9 is no host's IP"), std::string::npos) << e;
  EXPECT_EQ(with("http://etcd-nlb:2379"), "");
  EXPECT_EQ(with("http://10.0.1.57:2379"), "");  // an instance's address, known only when it launches
  EXPECT_EQ(with("http://ip-10-0-2-9.ec2.internal:2379"), "");
}

}  // namespace
}  // namespace raftlab::cloud
