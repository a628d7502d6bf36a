// tests/cloud/cfn_test.cc — the CloudFormation reader (sim/cloud/cfn.h): every property of
// the fixture lands in the spec, AWS's defaults, the intrinsics, conditions, the not-modelled
// list, and each class of error with its file:line:col, path and fix.
//
// Must never: depend on the working directory (fixtures are found through
// RAFTLAB_SOURCE_DIR), or pass without looking at the value it claims to check.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "sim/cloud/cfn.h"

#ifndef RAFTLAB_SOURCE_DIR
#define RAFTLAB_SOURCE_DIR "."
#endif

namespace raftlab::cloud {
namespace {

std::string slurp(const std::string& rel) {
  std::ifstream in(std::string(RAFTLAB_SOURCE_DIR) + "/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int line_of(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  if (at == std::string::npos) return -1;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

std::string all(const TemplateResult& r) {
  std::string out;
  for (const CloudError& e : r.errors) out += format(e) + "\n";
  return out;
}

// The first error whose message contains `needle` (nullptr if none).
const CloudError* find_error(const TemplateResult& r, const std::string& needle) {
  for (const CloudError& e : r.errors)
    if (e.message.find(needle) != std::string::npos) return &e;
  return nullptr;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

const std::map<std::string, std::string> kToken{{"ClusterToken", "tok-1"}};

TemplateResult fixture(const std::string& name, const std::map<std::string, std::string>& params = kToken) {
  return read_template(slurp("tests/cloud/data/" + name), name, params, "prod-etcd", "eu-west-1");
}

// ---------------------------------------------------------------------------------------
// The fixture, property by property.

TEST(Cfn, FixtureSubnetsAndVpc) {
  auto r = fixture("etcd-asg.yaml");
  ASSERT_TRUE(r.ok) << all(r);
  ASSERT_EQ(r.spec.subnets.size(), 2u);
  EXPECT_EQ(r.spec.subnets[0].logical_id, "SubnetA");
  EXPECT_EQ(r.spec.subnets[0].az, "eu-west-1a");  // !Select [0, !GetAZs ""]
  EXPECT_EQ(r.spec.subnets[1].az, "eu-west-1b");  // !Select [1, Fn::GetAZs: !Ref AWS::Region]
  EXPECT_EQ(r.spec.subnets[0].cidr, "10.0.1.0/24");
  EXPECT_EQ(r.spec.subnets[1].cidr, "10.0.2.0/24");
  EXPECT_TRUE(starts_with(r.spec.subnets[0].id, "subnet-"));
  EXPECT_EQ(r.spec.subnets[0].id.size(), 7u + 17u);
  EXPECT_NE(r.spec.subnets[0].id, r.spec.subnets[1].id);
  EXPECT_TRUE(starts_with(r.spec.subnets[0].path, "etcd-asg.yaml:"));
  EXPECT_EQ(r.spec.region, "eu-west-1");
  EXPECT_EQ(r.spec.stack_name, "prod-etcd");
}

TEST(Cfn, FixtureLaunchTemplate) {
  auto r = fixture("etcd-asg.yaml");
  ASSERT_TRUE(r.ok) << all(r);
  ASSERT_EQ(r.spec.launch_templates.size(), 1u);
  const LaunchTemplate& lt = r.spec.launch_templates[0];
  EXPECT_EQ(lt.logical_id, "EtcdTemplate");
  EXPECT_EQ(lt.name, "prod-etcd-etcd-b");  // !Join with !Select [1, CommaDelimitedList "a, b ,c"] (trimmed)
  EXPECT_EQ(lt.image_id, "ami-0123456789abcdef0");
  EXPECT_EQ(lt.instance_type, "t3.small");  // !If [IsProd, ...] with Environment=dev
  EXPECT_EQ(lt.key_name, "");               // AWS::NoValue dropped the property
  EXPECT_TRUE(lt.imds_v2_required);
  EXPECT_TRUE(lt.imds_enabled);
  EXPECT_EQ(lt.imds_hop_limit, 2);
  ASSERT_EQ(lt.tags.size(), 1u);
  EXPECT_EQ(lt.tags[0].key, "Name");
  EXPECT_EQ(lt.tags[0].value, "prod-etcd-etcd");
  EXPECT_EQ(lt.version, 1);
  EXPECT_TRUE(starts_with(lt.user_data, "#!/bin/bash\n")) << lt.user_data;
  EXPECT_NE(lt.user_data.find("IP=$(curl -s http://169.254.169.254/latest/meta-data/local-ipv4)"), std::string::npos);
  EXPECT_NE(lt.user_data.find("echo \"${IP} in eu-west-1 of 123456789012\""), std::string::npos) << lt.user_data;
  EXPECT_NE(lt.user_data.find("TOKEN=tok-1\n"), std::string::npos);
  EXPECT_NE(lt.user_data.find("TG=arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/"),
            std::string::npos);
  EXPECT_NE(lt.user_data.find("V=1\n"), std::string::npos);
  ASSERT_EQ(r.spec.load_balancers.size(), 1u);
  EXPECT_NE(lt.user_data.find("LB=" + r.spec.load_balancers[0].dns_name + "\n"), std::string::npos);
  EXPECT_NE(lt.user_data_path.find("etcd-asg.yaml:"), std::string::npos);
  EXPECT_NE(lt.user_data_path.find("LaunchTemplateData.UserData"), std::string::npos);
}

TEST(Cfn, FixtureAutoScalingGroup) {
  auto r = fixture("etcd-asg.yaml");
  ASSERT_TRUE(r.ok) << all(r);
  ASSERT_EQ(r.spec.asgs.size(), 1u);
  const AutoScalingGroup& g = r.spec.asgs[0];
  EXPECT_EQ(g.logical_id, "EtcdGroup");
  EXPECT_TRUE(starts_with(g.name, "prod-etcd-EtcdGroup-")) << g.name;
  EXPECT_EQ(g.name.size(), std::string("prod-etcd-EtcdGroup-").size() + 12);
  EXPECT_EQ(g.launch_template, "EtcdTemplate");  // found by LaunchTemplateName
  EXPECT_EQ(g.launch_template_version, "1");
  EXPECT_EQ(g.min_size, 3);
  EXPECT_EQ(g.max_size, 5);  // "5" (a string) is accepted
  ASSERT_TRUE(g.desired.has_value());
  EXPECT_EQ(*g.desired, 3);
  EXPECT_EQ(g.subnets, (std::vector<std::string>{"SubnetA", "SubnetB"}));
  EXPECT_EQ(g.health_check_type, "EC2");
  EXPECT_EQ(g.health_check_grace_s, 120);
  EXPECT_EQ(g.default_cooldown_s, 60);
  EXPECT_EQ(g.target_groups, (std::vector<std::string>{"Tg"}));
  EXPECT_EQ(g.termination_policies, (std::vector<std::string>{"OldestInstance"}));
  ASSERT_EQ(g.tags.size(), 1u);
  EXPECT_EQ(g.tags[0].key, "cluster");
  EXPECT_FALSE(g.tags[0].propagate_at_launch);
  bool noted = false;
  for (const std::string& w : r.spec.warnings) noted = noted || w.find("MetricsCollection") != std::string::npos;
  EXPECT_TRUE(noted) << "MetricsCollection is accepted but noted";
}

TEST(Cfn, FixtureHooks) {
  auto r = fixture("etcd-asg.yaml");
  ASSERT_TRUE(r.ok) << all(r);
  ASSERT_EQ(r.spec.hooks.size(), 2u);
  const LifecycleHook& inl = r.spec.hooks[0];  // the ASG's LifecycleHookSpecificationList
  EXPECT_EQ(inl.name, "launching");
  EXPECT_EQ(inl.asg, "EtcdGroup");
  EXPECT_EQ(inl.transition, Transition::kLaunching);
  EXPECT_EQ(inl.heartbeat_timeout_s, 600);
  const LifecycleHook& h = r.spec.hooks[1];
  EXPECT_EQ(h.logical_id, "DrainHook");
  EXPECT_EQ(h.name, "DrainHook");
  EXPECT_EQ(h.asg, "EtcdGroup");  // !Ref EtcdGroup = its generated name, mapped back
  EXPECT_EQ(h.transition, Transition::kTerminating);
  EXPECT_EQ(h.heartbeat_timeout_s, 3600);  // AWS default
  EXPECT_FALSE(h.default_continue);        // ABANDON, AWS default
}

TEST(Cfn, FixtureTargetGroupDefaults) {
  auto r = fixture("etcd-asg.yaml");
  ASSERT_TRUE(r.ok) << all(r);
  ASSERT_EQ(r.spec.target_groups.size(), 1u);
  const TargetGroup& tg = r.spec.target_groups[0];
  EXPECT_EQ(tg.logical_id, "Tg");
  EXPECT_LE(tg.name.size(), 32u);
  EXPECT_TRUE(starts_with(tg.name, "prod-etcd")) << tg.name;
  EXPECT_EQ(tg.protocol, "TCP");
  EXPECT_EQ(tg.port, 2379);
  EXPECT_EQ(tg.target_type, "instance");
  EXPECT_EQ(tg.health.protocol, "TCP");
  EXPECT_EQ(tg.health.port, "traffic-port");
  EXPECT_EQ(tg.health.interval_s, 30);
  EXPECT_EQ(tg.health.timeout_s, 10);
  EXPECT_EQ(tg.health.healthy_threshold, 5);
  EXPECT_EQ(tg.health.unhealthy_threshold, 2);
  EXPECT_EQ(tg.deregistration_delay_s, 300);
}

TEST(Cfn, FixtureLoadBalancerAndListener) {
  auto r = fixture("etcd-asg.yaml");
  ASSERT_TRUE(r.ok) << all(r);
  ASSERT_EQ(r.spec.load_balancers.size(), 1u);
  const LoadBalancer& lb = r.spec.load_balancers[0];
  EXPECT_EQ(lb.logical_id, "Nlb");
  EXPECT_EQ(lb.type, "network");
  EXPECT_EQ(lb.scheme, "internet-facing");
  EXPECT_EQ(lb.subnets, (std::vector<std::string>{"SubnetA", "SubnetB"}));
  EXPECT_FALSE(lb.cross_zone);
  EXPECT_LE(lb.name.size(), 32u);
  EXPECT_TRUE(starts_with(lb.name, "prod-etcd-Nlb-")) << lb.name;
  const std::string suffix = ".elb.eu-west-1.amazonaws.com";
  ASSERT_GT(lb.dns_name.size(), suffix.size() + 17);
  EXPECT_EQ(lb.dns_name.substr(lb.dns_name.size() - suffix.size()), suffix);
  EXPECT_TRUE(starts_with(lb.dns_name, lb.name + "-")) << lb.dns_name;
  EXPECT_EQ(lb.dns_name.size(), lb.name.size() + 1 + 16 + suffix.size());
  ASSERT_EQ(r.spec.listeners.size(), 1u);
  const Listener& l = r.spec.listeners[0];
  EXPECT_EQ(l.load_balancer, "Nlb");
  EXPECT_EQ(l.port, 2379);
  EXPECT_EQ(l.protocol, "TCP");
  EXPECT_EQ(l.target_group, "Tg");  // through ForwardConfig.TargetGroups
}

TEST(Cfn, FixtureNotModelled) {
  auto r = fixture("etcd-asg.yaml");
  ASSERT_TRUE(r.ok) << all(r);
  ASSERT_EQ(r.spec.not_modelled.size(), 2u);  // NeverCreated's Condition is false: skipped
  EXPECT_EQ(r.spec.not_modelled[0].logical_id, "EtcdSg");
  EXPECT_EQ(r.spec.not_modelled[0].type, "AWS::EC2::SecurityGroup");
  EXPECT_EQ(r.spec.not_modelled[1].logical_id, "EtcdRole");
  EXPECT_EQ(r.spec.not_modelled[1].type, "AWS::IAM::Role");
  EXPECT_NE(r.spec.not_modelled[1].path.find("etcd-asg.yaml:"), std::string::npos);
}

TEST(Cfn, JsonTwinReadsTheSame) {
  auto y = fixture("etcd-asg.yaml");
  auto j = fixture("etcd-asg.json");
  ASSERT_TRUE(y.ok) << all(y);
  ASSERT_TRUE(j.ok) << all(j);
  EXPECT_EQ(j.spec.launch_templates[0].user_data, y.spec.launch_templates[0].user_data);
  EXPECT_EQ(j.spec.launch_templates[0].name, y.spec.launch_templates[0].name);
  EXPECT_EQ(j.spec.asgs[0].name, y.spec.asgs[0].name);
  EXPECT_EQ(j.spec.asgs[0].min_size, 3);
  EXPECT_EQ(j.spec.asgs[0].subnets, y.spec.asgs[0].subnets);
  EXPECT_EQ(j.spec.load_balancers[0].dns_name, y.spec.load_balancers[0].dns_name);
  EXPECT_EQ(j.spec.subnets[1].az, "eu-west-1b");
  EXPECT_EQ(j.spec.hooks.size(), 2u);
  EXPECT_EQ(j.spec.not_modelled.size(), 2u);
  EXPECT_TRUE(starts_with(j.spec.asgs[0].path, "etcd-asg.json:")) << j.spec.asgs[0].path;
}

TEST(Cfn, ConditionsFlipWithAParameter) {
  auto r = fixture("etcd-asg.yaml", {{"ClusterToken", "t"}, {"Environment", "prod"}});
  ASSERT_TRUE(r.ok) << all(r);
  EXPECT_EQ(r.spec.launch_templates[0].instance_type, "m6i.large");
  EXPECT_EQ(r.spec.launch_templates[0].key_name, "prod-key");
  EXPECT_EQ(r.spec.asgs[0].health_check_type, "ELB");
  auto bad = fixture("etcd-asg.yaml", {{"ClusterToken", "t"}, {"Environment", "staging"}});
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(find_error(bad, "Parameter 'Environment' must be one of AllowedValues"), nullptr) << all(bad);
}

TEST(Cfn, Deterministic) {
  auto a = fixture("etcd-asg.yaml"), b = fixture("etcd-asg.yaml");
  ASSERT_TRUE(a.ok && b.ok);
  EXPECT_EQ(a.spec.launch_templates[0].user_data, b.spec.launch_templates[0].user_data);
  EXPECT_EQ(a.spec.subnets[0].id, b.spec.subnets[0].id);
  EXPECT_EQ(a.spec.load_balancers[0].dns_name, b.spec.load_balancers[0].dns_name);
  auto other = read_template(slurp("tests/cloud/data/etcd-asg.yaml"), "x.yaml", kToken, "other", "eu-west-1");
  ASSERT_TRUE(other.ok) << all(other);
  EXPECT_NE(other.spec.subnets[0].id, a.spec.subnets[0].id);
}

TEST(Cfn, ShippedScenarioTemplate) {
  const std::string text = slurp("scenarios/aws-asg/templates/etcd-asg.yaml");
  ASSERT_FALSE(text.empty());
  auto r = read_template(text, "etcd-asg.yaml", {}, "etcd", "ap-northeast-2");
  ASSERT_TRUE(r.ok) << all(r);
  ASSERT_EQ(r.spec.launch_templates.size(), 1u);
  const LaunchTemplate& lt = r.spec.launch_templates[0];
  EXPECT_EQ(lt.logical_id, "EtcdLaunchTemplate");
  EXPECT_EQ(lt.name, "etcd-etcd");
  EXPECT_TRUE(starts_with(lt.image_id, "ami-"));
  EXPECT_EQ(lt.key_name, "");  // KeyName "" -> HasKeyName false -> NoValue
  EXPECT_NE(lt.user_data.find("docker run"), std::string::npos);
  EXPECT_NE(lt.user_data.find("bitnami/etcd:3.5.18"), std::string::npos);
  EXPECT_NE(lt.user_data.find("$(curl -s http://169.254.169.254/latest/meta-data/local-ipv4)"), std::string::npos);
  EXPECT_EQ(lt.user_data.find("ETCD_INITIAL_CLUSTER="), std::string::npos) << "the naive version sets no peers";
  EXPECT_NE(lt.user_data.find("ETCD_INITIAL_CLUSTER_TOKEN=etcd-etcd"), std::string::npos);
  ASSERT_EQ(r.spec.asgs.size(), 1u);
  EXPECT_EQ(r.spec.asgs[0].name, "etcd-etcd");
  EXPECT_EQ(r.spec.asgs[0].min_size, 3);
  EXPECT_EQ(r.spec.asgs[0].max_size, 3);
  EXPECT_EQ(r.spec.asgs[0].desired.value_or(-1), 3);
  EXPECT_EQ(r.spec.asgs[0].health_check_type, "EC2");
  EXPECT_EQ(r.spec.asgs[0].launch_template, "EtcdLaunchTemplate");
  ASSERT_EQ(r.spec.load_balancers.size(), 1u);
  EXPECT_TRUE(starts_with(r.spec.load_balancers[0].dns_name, "etcd-nlb-")) << r.spec.load_balancers[0].dns_name;
  EXPECT_TRUE(r.spec.load_balancers[0].cross_zone);
  ASSERT_EQ(r.spec.target_groups.size(), 1u);
  EXPECT_EQ(r.spec.target_groups[0].port, 2379);
  EXPECT_EQ(r.spec.target_groups[0].deregistration_delay_s, 30);
  ASSERT_EQ(r.spec.listeners.size(), 1u);
  EXPECT_EQ(r.spec.listeners[0].port, 2379);
  ASSERT_EQ(r.spec.hooks.size(), 1u);
  EXPECT_EQ(r.spec.hooks[0].asg, "EtcdAsg");
  EXPECT_EQ(r.spec.subnets.size(), 2u);
  EXPECT_EQ(r.spec.subnets[1].az, "ap-northeast-2b");
  EXPECT_EQ(r.spec.not_modelled.size(), 3u);  // security group, role, instance profile
}

// ---------------------------------------------------------------------------------------
// Inline templates and errors.

// A small valid template; tests replace pieces of it.
const std::string kBase = R"(Resources:
  Lt:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        ImageId: ami-1
        UserData: !Base64 "#!/bin/bash\necho hi\n"
  Sn:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: vpc-1
      CidrBlock: 10.0.1.0/24
      AvailabilityZone: us-east-1a
  G:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: 1
      MaxSize: 3
      LaunchTemplate:
        LaunchTemplateId: !Ref Lt
        Version: "1"
      VPCZoneIdentifier: [!Ref Sn]
)";

std::string with(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TemplateResult read(const std::string& text, const std::map<std::string, std::string>& p = {}) {
  return read_template(text, "t.yaml", p);
}

TEST(Cfn, BaseIsValidWithDefaults) {
  auto r = read(kBase);
  ASSERT_TRUE(r.ok) << all(r);
  const AutoScalingGroup& g = r.spec.asgs[0];
  EXPECT_FALSE(g.desired.has_value());
  EXPECT_EQ(g.health_check_type, "EC2");
  EXPECT_EQ(g.health_check_grace_s, 0);
  EXPECT_EQ(g.default_cooldown_s, 300);
  EXPECT_EQ(g.termination_policies, (std::vector<std::string>{"Default"}));
  EXPECT_EQ(r.spec.launch_templates[0].name, "Lt");  // no LaunchTemplateName: the logical ID
  EXPECT_EQ(r.spec.launch_templates[0].instance_type, "t3.micro");
  EXPECT_FALSE(r.spec.launch_templates[0].imds_v2_required);
  EXPECT_EQ(r.spec.launch_templates[0].user_data, "#!/bin/bash\necho hi\n");
  EXPECT_TRUE(r.spec.not_modelled.empty());
}

TEST(Cfn, UnknownPropertyWithDidYouMean) {
  const std::string t = with(kBase, "      MinSize: 1", "      MinSze: 1");
  auto r = read(t);
  ASSERT_FALSE(r.ok);
  const CloudError* e = find_error(r, "unknown property \"MinSze\"");
  ASSERT_NE(e, nullptr) << all(r);
  EXPECT_NE(e->message.find("did you mean MinSize?"), std::string::npos) << e->message;
  EXPECT_EQ(e->where, "t.yaml:" + std::to_string(line_of(t, "MinSze")) + ":7 Resources.G.Properties.MinSze");
  EXPECT_NE(e->fix.find("MaxSize"), std::string::npos) << "the fix lists the known properties";
  EXPECT_NE(find_error(r, "MinSize is required"), nullptr) << all(r);  // and the real one is missing
  for (const std::string& w : r.spec.warnings) EXPECT_EQ(w.find("MinSze"), std::string::npos) << w;
}

TEST(Cfn, WrongTypeMinSize) {
  const std::string t = with(kBase, "MinSize: 1", "MinSize: abc");
  auto r = read(t);
  ASSERT_FALSE(r.ok);
  const CloudError* e = find_error(r, "MinSize: expected an integer, got \"abc\"");
  ASSERT_NE(e, nullptr) << all(r);
  EXPECT_EQ(e->where, "t.yaml:" + std::to_string(line_of(t, "abc")) + ":16 Resources.G.Properties.MinSize");
  EXPECT_FALSE(e->fix.empty());
}

TEST(Cfn, MinGreaterThanMax) {
  auto r = read(with(kBase, "MinSize: 1", "MinSize: 4"));
  ASSERT_FALSE(r.ok);
  EXPECT_NE(find_error(r, "Max bound, 3, must be greater than or equal to min bound, 4"), nullptr) << all(r);
}

TEST(Cfn, DesiredOutsideMinMax) {
  const std::string t = with(kBase, "      MaxSize: 3\n", "      MaxSize: 3\n      DesiredCapacity: \"7\"\n");
  auto r = read(t);
  ASSERT_FALSE(r.ok);
  const CloudError* e = find_error(r, "Desired capacity:7 must be between the specified min size:1 and max size:3");
  ASSERT_NE(e, nullptr) << all(r);
  EXPECT_TRUE(starts_with(e->where, "t.yaml:" + std::to_string(line_of(t, "DesiredCapacity")) + ":")) << e->where;
}

TEST(Cfn, MissingParameter) {
  const std::string t = "Parameters:\n  ClusterToken:\n    Type: String\n" + kBase;
  auto r = read(t);
  ASSERT_FALSE(r.ok);
  const CloudError* e = find_error(r, "Parameters: [ClusterToken] must have values");
  ASSERT_NE(e, nullptr) << all(r);
  EXPECT_EQ(e->where, "t.yaml:2:3 Parameters.ClusterToken");
  EXPECT_NE(e->fix.find("cloud.parameters"), std::string::npos) << e->fix;
  EXPECT_TRUE(read(t, {{"ClusterToken", "x"}}).ok);
  auto typo = read(t, {{"ClusterToken", "x"}, {"ClusterTokn", "y"}});
  ASSERT_FALSE(typo.ok);
  const CloudError* u = find_error(typo, "Parameters: [ClusterTokn] do not exist in the template");
  ASSERT_NE(u, nullptr) << all(typo);
  EXPECT_NE(u->message.find("did you mean ClusterToken?"), std::string::npos);
}

TEST(Cfn, RefToNothing) {
  const std::string t = with(kBase, "[!Ref Sn]", "[!Ref Snn]");
  auto r = read(t);
  ASSERT_FALSE(r.ok);
  const CloudError* e = find_error(r, "Unresolved resource dependencies [Snn] in the Resources block of the template");
  ASSERT_NE(e, nullptr) << all(r);
  EXPECT_NE(e->message.find("did you mean Sn?"), std::string::npos) << e->message;
  EXPECT_TRUE(starts_with(e->where, "t.yaml:" + std::to_string(line_of(t, "!Ref Snn")) + ":")) << e->where;
  EXPECT_NE(e->where.find("Resources.G.Properties.VPCZoneIdentifier"), std::string::npos) << e->where;
  auto far = read(with(kBase, "[!Ref Sn]", "[!Ref Qx]"));  // nothing close: no suggestion
  const CloudError* f = find_error(far, "Unresolved resource dependencies [Qx]");
  ASSERT_NE(f, nullptr) << all(far);
  EXPECT_EQ(f->message.find("did you mean"), std::string::npos) << f->message;
}

TEST(Cfn, UnknownAttribute) {
  auto r = read(with(kBase, "Version: \"1\"", "Version: !GetAtt Lt.LatestVersion"));
  ASSERT_FALSE(r.ok);
  const CloudError* e = find_error(r, "unknown attribute LatestVersion of Lt (AWS::EC2::LaunchTemplate)");
  ASSERT_NE(e, nullptr) << all(r);
  EXPECT_NE(e->message.find("did you mean LatestVersionNumber?"), std::string::npos);
  EXPECT_NE(e->fix.find("DefaultVersionNumber"), std::string::npos);
}

TEST(Cfn, LaunchTemplateMustBeInTheFile) {
  auto r = read(with(kBase, "LaunchTemplateId: !Ref Lt", "LaunchTemplateName: other"));
  ASSERT_FALSE(r.ok);
  const CloudError* e = find_error(r, "\"other\" is not a launch template of this template");
  ASSERT_NE(e, nullptr) << all(r);
  EXPECT_NE(e->fix.find("Lt"), std::string::npos);
  auto both = read(with(kBase, "LaunchTemplateId: !Ref Lt", "LaunchTemplateId: !Ref Lt\n        LaunchTemplateName: Lt"));
  EXPECT_NE(find_error(both, "not both"), nullptr) << all(both);
  auto noversion = read(with(kBase, "        Version: \"1\"\n", ""));
  EXPECT_NE(find_error(noversion, "Version is required"), nullptr) << all(noversion);
}

TEST(Cfn, MalformedYaml) {
  const std::string t = with(kBase, "VPCZoneIdentifier: [!Ref Sn]", "VPCZoneIdentifier: [!Ref Sn");
  auto r = read(t);
  ASSERT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("malformed YAML"), std::string::npos) << all(r);
  EXPECT_TRUE(starts_with(r.errors[0].where, "t.yaml:")) << r.errors[0].where;
  EXPECT_NE(r.errors[0].where, "t.yaml");
  auto tab = read("Resources:\n\tX: 1\n");
  EXPECT_FALSE(tab.ok);
}

TEST(Cfn, MalformedJson) {
  auto r = read("{\n  \"Resources\": {\n    \"A\": {\"Type\": \"AWS::IAM::Role\",}\n  \n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.errors[0].message.find("malformed JSON"), std::string::npos) << all(r);
  auto ok = read("\xEF\xBB\xBF{\"Resources\": {\"R\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": "
                 "{\"Path\": \"/a\\/b\\u00e9\"}}}}");
  ASSERT_TRUE(ok.ok) << all(ok);
  EXPECT_EQ(ok.spec.not_modelled.size(), 1u);
}

TEST(Cfn, JsonPositions) {
  const std::string t = "{\n  \"Resources\": {\n    \"G\": {\n      \"Type\": \"AWS::AutoScaling::AutoScalingGroup\",\n"
                        "      \"Properties\": {\"MinSize\": \"x\", \"MaxSize\": 1}\n    }\n  }\n}\n";
  auto r = read(t);
  const CloudError* e = find_error(r, "MinSize: expected an integer");
  ASSERT_NE(e, nullptr) << all(r);
  EXPECT_EQ(e->where, "t.yaml:5:33 Resources.G.Properties.MinSize");
}

TEST(Cfn, TooDeep) {
  std::string deep = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Metadata: ";
  for (int i = 0; i < 70; ++i) deep += "[";
  for (int i = 0; i < 70; ++i) deep += "]";
  auto r = read(deep + "\n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(find_error(r, "nesting deeper than 64 levels"), nullptr) << all(r);
  std::string very = "a: ";
  for (int i = 0; i < 5000; ++i) very += "[";
  auto v = read(very);  // past yaml-cpp's own guard: still an error, not a crash
  ASSERT_FALSE(v.ok);
  EXPECT_NE(find_error(v, "nesting deeper"), nullptr) << all(v);
}

TEST(Cfn, Bounds) {
  auto big = read(std::string((1u << 20) + 1, ' '));
  ASSERT_FALSE(big.ok);
  EXPECT_NE(find_error(big, "more than the 1048576 raftlab reads"), nullptr) << all(big);
  std::string many = "Resources:\n";
  for (int i = 0; i < 501; ++i) many += "  R" + std::to_string(i) + ": {Type: AWS::IAM::Role}\n";
  auto m = read(many);
  EXPECT_NE(find_error(m, "501 resources, more than 500"), nullptr) << all(m);
  // An alias bomb: 9 levels of 10 aliases = 10^9 nodes once expanded.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
    bomb += "]\n";
  }
  auto b = read(bomb + "Resources: {R: {Type: AWS::IAM::Role}}\n");
  ASSERT_FALSE(b.ok);
  EXPECT_NE(find_error(b, "more than 200000 values"), nullptr) << all(b);
}

TEST(Cfn, CollectsAllErrorsAndCapsThem) {
  std::string t = with(kBase, "MinSize: 1", "MinSize: abc");
  t = with(t, "MaxSize: 3", "MaxSize: xyz");
  t = with(t, "ImageId: ami-1", "ImageID: ami-1");
  auto r = read(t);
  EXPECT_GE(r.errors.size(), 3u) << all(r);
  EXPECT_NE(find_error(r, "MaxSize: expected an integer"), nullptr);
  EXPECT_NE(find_error(r, "unknown property \"ImageID\""), nullptr);
  std::string many = "Resources:\n";
  for (int i = 0; i < 80; ++i) many += "  R" + std::to_string(i) + ": {Type: AWS::IAM::Role, Bogus: 1}\n";
  auto m = read(many);
  EXPECT_EQ(m.errors.size(), 51u);
  EXPECT_NE(m.errors.back().message.find("more than 50 errors"), std::string::npos);
}

TEST(Cfn, ValidationOfEnumsAndRanges) {
  auto h = read(with(kBase, "      MaxSize: 3\n", "      MaxSize: 3\n      HealthCheckType: ELBB\n"));
  const CloudError* e = find_error(h, "HealthCheckType: \"ELBB\" is not a valid value");
  ASSERT_NE(e, nullptr) << all(h);
  EXPECT_NE(e->message.find("did you mean ELB?"), std::string::npos);
  auto tp = read(with(kBase, "      MaxSize: 3\n", "      MaxSize: 3\n      TerminationPolicies: [NewestInstanse]\n"));
  EXPECT_NE(find_error(tp, "\"NewestInstanse\" is not a termination policy (did you mean NewestInstance?)"), nullptr)
      << all(tp);
  const std::string hook = kBase + "  H:\n    Type: AWS::AutoScaling::LifecycleHook\n    Properties:\n"
                                   "      AutoScalingGroupName: !Ref G\n"
                                   "      LifecycleTransition: autoscaling:EC2_INSTANCE_TERMINATING\n";
  auto ok = read(hook);
  ASSERT_TRUE(ok.ok) << all(ok);
  EXPECT_EQ(ok.spec.hooks[0].asg, "G");
  auto hb = read(hook + "      HeartbeatTimeout: 10\n");
  EXPECT_NE(find_error(hb, "HeartbeatTimeout: must be between 30 and 7200, got 10"), nullptr) << all(hb);
  auto tr = read(with(hook, "EC2_INSTANCE_TERMINATING", "EC2_INSTANCE_TERMINATE"));
  EXPECT_NE(find_error(tr, "LifecycleTransition: \"autoscaling:EC2_INSTANCE_TERMINATE\" is not a valid value"), nullptr)
      << all(tr);
  auto to = read(with(hook, "!Ref G", "nobody"));
  EXPECT_NE(find_error(to, "\"nobody\" is not an Auto Scaling group of this template"), nullptr) << all(to);
}

TEST(Cfn, YamlShapeErrors) {
  auto tag = read(with(kBase, "[!Ref Sn]", "[!Reff Sn]"));
  const CloudError* e = find_error(tag, "unknown YAML tag !Reff");
  ASSERT_NE(e, nullptr) << all(tag);
  EXPECT_NE(e->message.find("did you mean !Ref?"), std::string::npos);
  auto dup = read(with(kBase, "      MaxSize: 3\n", "      MaxSize: 3\n      MaxSize: 4\n"));
  EXPECT_NE(find_error(dup, "duplicate key \"MaxSize\""), nullptr) << all(dup);
  auto sel = read(with(kBase, "AvailabilityZone: us-east-1a", "AvailabilityZone: !Select [5, !GetAZs \"\"]"));
  EXPECT_NE(find_error(sel, "Fn::Select cannot select nonexistent value at index 5"), nullptr) << all(sel);
  auto imp = read(with(kBase, "VpcId: vpc-1", "VpcId: !ImportValue shared-vpc"));
  EXPECT_NE(find_error(imp, "Fn::ImportValue is not supported by raftlab"), nullptr) << all(imp);
  auto nul = read(with(kBase, "VpcId: vpc-1", "VpcId:"));
  EXPECT_NE(find_error(nul, "'null' values are not allowed in templates"), nullptr) << all(nul);
  auto top = read("Resource:\n  R: {Type: AWS::IAM::Role}\n");
  EXPECT_NE(find_error(top, "unknown top-level section \"Resource\" (did you mean Resources?)"), nullptr) << all(top);
  auto empty = read("");
  EXPECT_NE(find_error(empty, "the template is empty"), nullptr) << all(empty);
  auto list = read("- a\n- b\n");
  EXPECT_NE(find_error(list, "the template must be a map"), nullptr) << all(list);
}

TEST(Cfn, SubJoinSplitAndPseudoParameters) {
  const std::string t = kBase + R"(  Out:
    Type: AWS::SSM::Parameter
    Properties:
      Value: x
Outputs:
  X:
    Value: y
)";
  auto r = read(with(t, "ImageId: ami-1",
                     "ImageId: !Join [\"\", !Split [\",\", !Sub \"${AWS::Partition},${AWS::URLSuffix},${!Keep}\"]]"));
  ASSERT_TRUE(r.ok) << all(r);
  EXPECT_EQ(r.spec.launch_templates[0].image_id, "awsamazonaws.com${Keep}");
  auto sid = read(with(kBase, "ImageId: ami-1", "ImageId: !Ref AWS::StackId"));
  ASSERT_TRUE(sid.ok) << all(sid);
  EXPECT_TRUE(starts_with(sid.spec.launch_templates[0].image_id, "arn:aws:cloudformation:us-east-1:123456789012:stack/raftlab/"));
  auto subvar = read(with(kBase, "ImageId: ami-1", "ImageId: !Sub [\"${A}-${AWS::Region}\", {A: !Ref Sn}]"));
  ASSERT_TRUE(subvar.ok) << all(subvar);
  EXPECT_TRUE(starts_with(subvar.spec.launch_templates[0].image_id, "subnet-"));
  auto subbad = read(with(kBase, "ImageId: ami-1", "ImageId: !Sub \"${Nope}\""));
  EXPECT_NE(find_error(subbad, "Fn::Sub: ${Nope} names no parameter, resource or variable"), nullptr) << all(subbad);
}

TEST(Cfn, UserDataForms) {
  auto b64 = read(with(kBase, "UserData: !Base64 \"#!/bin/bash\\necho hi\\n\"", "UserData: IyEvYmluL2Jhc2gKZWNobyBoaQo="));
  ASSERT_TRUE(b64.ok) << all(b64);
  EXPECT_EQ(b64.spec.launch_templates[0].user_data, "#!/bin/bash\necho hi\n");
  auto raw = read(with(kBase, "UserData: !Base64 \"#!/bin/bash\\necho hi\\n\"", "UserData: \"#!/bin/bash\""));
  const CloudError* e = find_error(raw, "UserData must be base64-encoded");
  ASSERT_NE(e, nullptr) << all(raw);
  EXPECT_NE(e->fix.find("Base64"), std::string::npos);
}

TEST(Cfn, ApplicationLoadBalancerIsNotModelled) {
  const std::string t = kBase + R"(  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: [!Ref Sn]
  L:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Alb
      Port: 80
      Protocol: HTTP
      DefaultActions: [{Type: fixed-response}]
)";
  auto r = read(t);
  ASSERT_TRUE(r.ok) << all(r);
  EXPECT_TRUE(r.spec.load_balancers.empty());
  EXPECT_TRUE(r.spec.listeners.empty());
  ASSERT_EQ(r.spec.not_modelled.size(), 2u);
  EXPECT_EQ(r.spec.not_modelled[0].logical_id, "Alb");
  EXPECT_EQ(r.spec.not_modelled[1].logical_id, "L");
  bool warned = false;
  for (const std::string& w : r.spec.warnings) warned = warned || w.find("Application Load Balancer") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(Cfn, ListParameterSubnets) {
  const std::string t = "Parameters:\n  SubnetIds:\n    Type: List<AWS::EC2::Subnet::Id>\n" +
                        with(kBase, "[!Ref Sn]", "!Ref SubnetIds");
  auto r = read(t, {{"SubnetIds", "subnet-aaa, subnet-bbb"}});
  ASSERT_TRUE(r.ok) << all(r);
  EXPECT_EQ(r.spec.asgs[0].subnets, (std::vector<std::string>{"subnet-aaa", "subnet-bbb"}));
}

TEST(Cfn, ConditionErrors) {
  const std::string t = "Conditions:\n  A: !Equals [x, x]\n" +
                        with(kBase, "ImageId: ami-1", "ImageId: !If [B, ami-2, ami-3]");
  auto r = read(t);
  const CloudError* e = find_error(r, "the condition B is not declared in Conditions");
  ASSERT_NE(e, nullptr) << all(r);
  auto cyc = read("Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\n" + kBase);
  EXPECT_NE(find_error(cyc, "depends on itself"), nullptr) << all(cyc);
  auto res = read("Conditions:\n  A: !Equals [!Ref Sn, x]\n" + kBase);
  EXPECT_NE(find_error(res, "Conditions can reference only parameters"), nullptr) << all(res);
}

TEST(Cfn, NeverThrowsOnMangledInput) {
  const std::string base = slurp("tests/cloud/data/etcd-asg.yaml");
  ASSERT_FALSE(base.empty());
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  const std::string junk = "{}[]:-!&*'\"\n\t #|>%@`,?";
  for (int i = 0; i < 300; ++i) {
    std::string t = base;
    for (int k = 0; k < 1 + i % 5; ++k) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const std::size_t at = x % t.size();
      t[at] = junk[(x >> 32) % junk.size()];
    }
    TemplateResult r;
    EXPECT_NO_THROW(r = read_template(t, "m.yaml", kToken));
    if (!r.ok) {
      EXPECT_FALSE(r.errors.empty());
    }
    EXPECT_LE(r.errors.size(), 51u);
  }
}

}  // namespace
}  // namespace raftlab::cloud
