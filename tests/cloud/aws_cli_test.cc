// tests/cloud/aws_cli_test.cc — sim/cloud/aws_cli.h: operators' aws lines parse with the CLI's
// rules and wording; documents keep the CLI's key order; --query and the output formats.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/cloud/aws_cli.h"

namespace raftlab::cloud {
namespace {

using Args = std::vector<std::string>;

AwsCall ok(const Args& a) {
  auto r = parse_aws(a);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message + " | fix: " + r.error().fix);
  return r.ok() ? r.value() : AwsCall{};
}
etcd::Error bad(const Args& a, AwsCliWording w = AwsCliWording::kClassic) {
  auto r = parse_aws(a, w);
  EXPECT_FALSE(r.ok());
  return r.ok() ? etcd::Error{} : r.error();
}

TEST(AwsParse, RunbookLines) {
  auto c = ok({"aws", "autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "etcd-asg",
               "--profile", "prod"});
  EXPECT_EQ(c.op, AwsOp::kDescribeAutoScalingGroups);
  EXPECT_EQ(c.asg_names, (Args{"etcd-asg"}));
  EXPECT_EQ(c.profile, "prod");
  c = ok({"aws", "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "etcd", "--min-size", "1",
          "--max-size", "1", "--desired-capacity", "1", "--profile", "prod"});
  EXPECT_EQ(c.op, AwsOp::kUpdateAutoScalingGroup);
  EXPECT_EQ(c.asg, "etcd");
  EXPECT_EQ(*c.min_size, 1);
  EXPECT_EQ(*c.max_size, 1);
  EXPECT_EQ(*c.desired, 1);
}

TEST(AwsParse, GlobalsAnywhereEqualsFormAndLists) {
  auto c = ok({"aws", "--region", "us-east-1", "ec2", "describe-instances", "--instance-ids", "i-1", "i-2",
               "--output=text", "--query", "Reservations[].Instances[].InstanceId", "--no-cli-pager"});
  EXPECT_EQ(c.region, "us-east-1");
  EXPECT_EQ(c.output, "text");
  EXPECT_EQ(c.instance_ids, (Args{"i-1", "i-2"}));
  EXPECT_EQ(c.ignored, (Args{"--no-cli-pager"}));
  c = ok({"aws", "autoscaling", "set-desired-capacity", "--auto-scaling-group-name=etcd", "--desired-capacity=-0",
          "--no-honor-cooldown"});
  EXPECT_EQ(*c.desired, 0);
  EXPECT_EQ(c.honor_cooldown, false);
  // argparse abbreviations: --desired is --desired-capacity, --reg is --region.
  c = ok({"aws", "autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "etcd", "--desired", "3", "--reg", "eu-west-1"});
  EXPECT_EQ(*c.desired, 3);
  EXPECT_EQ(c.region, "eu-west-1");
}

TEST(AwsParse, FiltersShorthand) {
  auto c = ok({"aws", "ec2", "describe-instances", "--filters", "Name=tag:aws:autoscaling:groupName,Values=etcd",
               "Name=instance-state-name,Values=running,pending"});
  ASSERT_EQ(c.filters.size(), 2u);
  EXPECT_EQ(c.filters[0].name, "tag:aws:autoscaling:groupName");
  EXPECT_EQ(c.filters[0].values, (Args{"etcd"}));
  EXPECT_EQ(c.filters[1].values, (Args{"running", "pending"}));
  c = ok({"aws", "ec2", "describe-instances", "--filters", R"([{"Name":"vpc-id","Values":["vpc-1"]}])"});
  ASSERT_EQ(c.filters.size(), 1u);
  EXPECT_EQ(c.filters[0].name, "vpc-id");
  auto e = bad({"aws", "ec2", "describe-instances", "--filters", "Nmae=vpc-id,Values=x"});
  EXPECT_EQ(e.message, "Parameter validation failed:\nUnknown parameter in Filters[0]: \"Nmae\", must be one of: Name, Values");
}

TEST(AwsParse, MissingRequired) {
  auto e = bad({"aws", "autoscaling", "set-desired-capacity", "--desired-capacity", "2"});
  EXPECT_EQ(e.message, "aws: error: the following arguments are required: --auto-scaling-group-name");
  EXPECT_EQ(e.field, "--auto-scaling-group-name");
  e = bad({"aws", "autoscaling", "set-desired-capacity"}, AwsCliWording::kBracketed);
  EXPECT_EQ(e.message,
            "aws: [ERROR]: the following arguments are required: --auto-scaling-group-name, --desired-capacity");
  e = bad({"aws", "ec2", "terminate-instances"});
  EXPECT_EQ(e.message, "aws: error: the following arguments are required: --instance-ids");
}

TEST(AwsParse, MissingBooleanPair) {
  auto e = bad({"aws", "autoscaling", "terminate-instance-in-auto-scaling-group", "--instance-id", "i-0abc"});
  EXPECT_EQ(e.message, "Parameter validation failed:\nMissing required parameter in input: \"ShouldDecrementDesiredCapacity\"");
  EXPECT_NE(e.fix.find("--no-should-decrement-desired-capacity"), std::string::npos);
  auto c = ok({"aws", "autoscaling", "terminate-instance-in-auto-scaling-group", "--instance-id", "i-0abc",
               "--no-should-decrement-desired-capacity"});
  EXPECT_EQ(c.should_decrement, false);
  EXPECT_EQ(c.instance_ids, (Args{"i-0abc"}));
}

TEST(AwsParse, BadIntAndMissingValue) {
  auto e = bad({"aws", "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "etcd", "--min-size", "abc"});
  EXPECT_EQ(e.message, "invalid literal for int() with base 10: 'abc'");
  EXPECT_EQ(e.field, "--min-size");
  e = bad({"aws", "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "etcd", "--min-size", "1.5"},
          AwsCliWording::kBracketed);
  EXPECT_EQ(e.message, "aws: [ERROR]: invalid literal for int() with base 10: '1.5'");
  e = bad({"aws", "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "etcd", "--min-size"});
  EXPECT_EQ(e.message, "aws: error: argument --min-size: expected one argument");
  e = bad({"aws", "ec2", "terminate-instances", "--instance-ids", "--dry-run"});
  EXPECT_EQ(e.message, "aws: error: argument --instance-ids: expected at least one argument");
  e = bad({"aws", "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "", "--min-size", "1"});
  EXPECT_EQ(e.message, "Parameter validation failed:\nInvalid length for parameter AutoScalingGroupName, value: 0, valid min length: 1");
}

TEST(AwsParse, UnknownOptionWithSuggestion) {
  auto e = bad({"aws", "autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "etcd", "--desired-capacity",
                "2", "--honour-cooldown"});
  EXPECT_EQ(e.message, "Unknown options: --honour-cooldown");
  EXPECT_NE(e.fix.find("did you mean --honor-cooldown?"), std::string::npos) << e.fix;
  e = bad({"aws", "autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "etcd", "--desired-capacity", "2",
           "--honor-cooldown", "true"});
  EXPECT_EQ(e.message, "Unknown options: true");
}

TEST(AwsParse, RealButNotModelledRefusedByName) {
  for (const std::string opt : {"--max-instance-lifetime", "--new-instances-protected-from-scale-in",
                                "--no-new-instances-protected-from-scale-in", "--mixed-instances-policy"}) {
    Args a = {"aws", "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "etcd", opt};
    if (opt.find("protected") == std::string::npos) a.push_back("x");
    auto e = bad(a);
    EXPECT_EQ(e.field, opt);
    EXPECT_NE(e.message.find(opt + " is a real option of aws autoscaling update-auto-scaling-group that raftlab does not model"),
              std::string::npos) << e.message;
  }
  auto e = bad({"aws", "ec2", "terminate-instances", "--instance-ids", "i-1", "--dry-run"});
  EXPECT_EQ(e.field, "--dry-run");
  e = bad({"aws", "--endpoint-url", "http://localhost:4566", "ec2", "describe-instances"});
  EXPECT_EQ(e.field, "--endpoint-url");
  e = bad({"aws", "autoscaling", "describe-auto-scaling-groups", "--max-items", "1"});
  EXPECT_EQ(e.field, "--max-items");
  e = bad({"aws", "autoscaling", "describe-lifecycle-hooks", "--auto-scaling-group-name", "etcd"});
  EXPECT_EQ(e.message, "raftlab: aws autoscaling describe-lifecycle-hooks is a real AWS CLI operation that raftlab does not model");
  e = bad({"aws", "s3", "ls"});
  EXPECT_NE(e.message.find("real AWS CLI command"), std::string::npos);
}

TEST(AwsParse, InvalidChoice) {
  auto e = bad({"aws", "autoscalling", "describe-auto-scaling-groups"}, AwsCliWording::kBracketed);
  EXPECT_EQ(e.message, "aws: [ERROR]: argument command: Found invalid choice 'autoscalling'\n\nMaybe you meant:\n\n  * autoscaling");
  e = bad({"aws", "autoscaling", "describe-auto-scaling-group"});
  EXPECT_EQ(e.message.rfind("aws: error: argument operation: Invalid choice, valid choices are:\n", 0), 0u) << e.message;
  EXPECT_NE(e.message.find("Invalid choice: 'describe-auto-scaling-group', maybe you meant:\n\n  * describe-auto-scaling-groups"),
            std::string::npos) << e.message;
  EXPECT_NE(e.fix.find("set-desired-capacity"), std::string::npos);
  // difflib ratio("jsno", "json") is 0.75 < 0.8: no suggestion, as in the CLI.
  e = bad({"aws", "ec2", "describe-instances", "--output", "jsno"}, AwsCliWording::kBracketed);
  EXPECT_EQ(e.message, "aws: [ERROR]: argument --output: Found invalid choice 'jsno'\n");
  e = bad({"aws", "ec2", "describe-instances", "--output", "jsonn"}, AwsCliWording::kBracketed);
  EXPECT_EQ(e.message, "aws: [ERROR]: argument --output: Found invalid choice 'jsonn'\n\nMaybe you meant:\n\n  * json");
}

TEST(AwsParse, BadQueryAtParseTime) {
  auto e = bad({"aws", "ec2", "describe-instances", "--query", "Reservations[0"});
  EXPECT_EQ(e.message.rfind("Bad value for --query Reservations[0: ", 0), 0u) << e.message;
  e = bad({"aws", "ec2", "describe-instances", "--query", "sort_by(@, &x) | abs(@)"});
  EXPECT_NE(e.message.find("abs() is real JMESPath but not in raftlab's --query subset"), std::string::npos) << e.message;
}

TEST(AwsParse, HostileInputBounded) {
  EXPECT_FALSE(parse_aws({"ls"}).ok());
  EXPECT_FALSE(parse_aws({}).ok());
  Args many = {"aws", "ec2", "terminate-instances", "--instance-ids"};
  for (int i = 0; i < 1200; ++i) many.push_back("i-" + std::to_string(i));
  EXPECT_FALSE(parse_aws(many).ok());
  EXPECT_FALSE(parse_aws({"aws", "ec2", "describe-instances", "--query", std::string(5000, '[')}).ok());
  EXPECT_FALSE(parse_aws({"aws", "autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "a",
                          "--desired-capacity", "99999999999999999999"}).ok());
}

std::vector<AsgView> sample_asgs() {
  AsgView g;
  g.name = "etcd";
  g.arn = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/etcd";
  g.launch_template_id = "lt-0abc";
  g.launch_template_name = "etcd-lt";
  g.launch_template_version = "1";
  g.min_size = 3; g.max_size = 5; g.desired = 3;
  g.azs = {"us-east-1a"};
  g.health_check_type = "EC2";
  for (int i = 1; i <= 3; ++i) {
    AsgInstanceView x;
    x.instance_id = "i-" + std::to_string(i);
    x.instance_type = "t3.micro";
    x.az = "us-east-1a";
    x.lifecycle_state = i == 3 ? "Pending" : "InService";
    x.health_status = "Healthy";
    x.launch_template_id = "lt-0abc"; x.launch_template_name = "etcd-lt"; x.launch_template_version = "1";
    g.instances.push_back(x);
  }
  g.created_time = "2025-01-01T00:00:00.000000+00:00";
  g.vpc_zone_identifier = "subnet-1";
  return {g};
}

std::vector<std::string> keys(const nlohmann::ordered_json& o) {
  std::vector<std::string> k;
  for (const auto& [name, v] : o.items()) { (void)v; k.push_back(name); }
  return k;
}

TEST(AwsDocs, AsgKeyOrder) {
  auto d = describe_asgs_doc(sample_asgs());
  const auto& g = d["AutoScalingGroups"][0];
  EXPECT_EQ(keys(g), (Args{"AutoScalingGroupName", "AutoScalingGroupARN", "LaunchTemplate", "MinSize", "MaxSize",
                           "DesiredCapacity", "DefaultCooldown", "AvailabilityZones", "LoadBalancerNames",
                           "TargetGroupARNs", "HealthCheckType", "HealthCheckGracePeriod", "Instances", "CreatedTime",
                           "SuspendedProcesses", "VPCZoneIdentifier", "EnabledMetrics", "Tags", "TerminationPolicies",
                           "NewInstancesProtectedFromScaleIn"}));
  EXPECT_EQ(keys(g["Instances"][0]), (Args{"InstanceId", "InstanceType", "AvailabilityZone", "LifecycleState",
                                           "HealthStatus", "LaunchTemplate", "ProtectedFromScaleIn"}));
  EXPECT_EQ(keys(g["LaunchTemplate"]), (Args{"LaunchTemplateId", "LaunchTemplateName", "Version"}));
}

TEST(AwsDocs, InstancesAndStateChanges) {
  Ec2InstanceView i;
  i.instance_id = "i-0abc"; i.image_id = "ami-1"; i.instance_type = "t3.micro"; i.az = "us-east-1a";
  i.subnet_id = "subnet-1"; i.vpc_id = "vpc-1"; i.private_ip = "10.0.1.10"; i.private_dns = "ip-10-0-1-10.ec2.internal";
  i.state = "running"; i.state_code = 16; i.launch_time = "2025-01-01T00:00:00+00:00"; i.reservation_id = "r-1";
  i.owner_id = "123456789012"; i.tags = {{"aws:autoscaling:groupName", "etcd"}};
  auto d = describe_instances_doc({i});
  EXPECT_EQ(keys(d["Reservations"][0]), (Args{"ReservationId", "OwnerId", "Groups", "Instances"}));
  auto r = render_output(d, "Reservations[].Instances[].NetworkInterfaces[].PrivateIpAddress", "text");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), "10.0.1.10\n");
  const auto& inst = d["Reservations"][0]["Instances"][0];
  EXPECT_EQ(inst["State"]["Name"], "running");
  EXPECT_EQ(inst["PrivateIpAddress"], "10.0.1.10");
  auto s = state_changes_doc("TerminatingInstances", {{"i-0abc", "running", "shutting-down", 16, 32}});
  EXPECT_EQ(keys(s["TerminatingInstances"][0]), (Args{"InstanceId", "CurrentState", "PreviousState"}));
  EXPECT_EQ(s["TerminatingInstances"][0]["CurrentState"]["Code"], 32);
}

TEST(AwsQuery, EtcdAwsClusterStyle) {
  auto d = describe_asgs_doc(sample_asgs());
  auto r = render_output(d, "AutoScalingGroups[0].Instances[*].InstanceId", "text");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), "i-1\ti-2\ti-3\n");
  r = render_output(d, "AutoScalingGroups[0].Instances[?LifecycleState=='InService'].InstanceId", "json");
  EXPECT_EQ(r.value(), "[\n    \"i-1\",\n    \"i-2\"\n]\n");
  r = render_output(d, "AutoScalingGroups[0].Instances[-1].InstanceId", "text");
  EXPECT_EQ(r.value(), "i-3\n");
  r = render_output(d, "length(AutoScalingGroups[0].Instances[?LifecycleState!='InService'])", "text");
  EXPECT_EQ(r.value(), "1\n");
  r = render_output(d, "AutoScalingGroups[].Instances[].[InstanceId, AvailabilityZone]", "text");
  EXPECT_EQ(r.value(), "i-1\tus-east-1a\ni-2\tus-east-1a\ni-3\tus-east-1a\n");
  r = render_output(d, "AutoScalingGroups[0].{name: AutoScalingGroupName, want: DesiredCapacity}", "json");
  EXPECT_EQ(r.value(), "{\n    \"name\": \"etcd\",\n    \"want\": 3\n}\n");
  r = render_output(d, "AutoScalingGroups[?DesiredCapacity==`3`].AutoScalingGroupName | [0]", "text");
  EXPECT_EQ(r.value(), "etcd\n");
  r = render_output(d, "AutoScalingGroups[0].Instances[?LifecycleState=='InService' && HealthStatus=='Healthy'] | length(@)", "text");
  EXPECT_EQ(r.value(), "2\n");
  r = render_output(d, "AutoScalingGroups[0].Nope", "json");
  EXPECT_EQ(r.value(), "null\n");
  r = render_output(d, "length(AutoScalingGroups[0].MinSize)", "json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("In function length(), invalid type for value: 3", 0), 0u) << r.error().message;
}

TEST(AwsOutput, JsonIndentAndNonAscii) {
  nlohmann::ordered_json d = {{"B", 1}, {"A", {{"x", "é"}}}, {"E", nlohmann::ordered_json::array()}};
  auto r = render_output(d, "", "json");
  EXPECT_EQ(r.value(), "{\n    \"B\": 1,\n    \"A\": {\n        \"x\": \"é\"\n    },\n    \"E\": []\n}\n");
  EXPECT_EQ(render_output(nlohmann::ordered_json::object(), "", "json").value(), "");
}

TEST(AwsOutput, TextNestedSortedAndUppercased) {
  auto d = describe_asgs_doc(sample_asgs());
  auto r = render_output(d, "", "text");
  ASSERT_TRUE(r.ok());
  const std::string& t = r.value();
  EXPECT_NE(t.find("INSTANCES\tus-east-1a\tHealthy\ti-1\tt3.micro\tInService\tFalse\n"), std::string::npos) << t;
  EXPECT_NE(t.find("AVAILABILITYZONES\tus-east-1a\n"), std::string::npos) << t;
  EXPECT_EQ(t.rfind("AUTOSCALINGGROUPS\tarn:aws:autoscaling", 0), 0u) << t;
  EXPECT_NE(t.find("LAUNCHTEMPLATE\tlt-0abc\tetcd-lt\t1\n"), std::string::npos);
}

TEST(AwsOutput, Table) {
  nlohmann::ordered_json d = {{"Instances", {{{"InstanceId", "i-1"}, {"State", "running"}},
                                              {{"InstanceId", "i-22"}, {"State", "stopped"}}}}};
  auto r = render_output(d, "", "table", AwsOp::kDescribeInstances);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(),
            // Widths worked by hand from awscli/table.py: columns 10+4 and 7+4, borders, indent 1.
            "-----------------------------\n"
            "|     DescribeInstances     |\n"
            "+---------------------------+\n"
            "||        Instances        ||\n"
            "|+-------------+-----------+|\n"
            "|| InstanceId  |   State   ||\n"
            "|+-------------+-----------+|\n"
            "||  i-1        |  running  ||\n"
            "||  i-22       |  stopped  ||\n"
            "|+-------------+-----------+|\n")
      << r.value();
}

TEST(AwsOutput, YamlBasic) {
  nlohmann::ordered_json d = {{"Ids", {"i-1", "i-2"}}, {"N", 2}};
  EXPECT_EQ(render_output(d, "", "yaml").value(), "Ids:\n- i-1\n- i-2\nN: 2\n");
}

TEST(AwsErrors, Wording) {
  EXPECT_EQ(aws_validation_error(AwsOp::kUpdateAutoScalingGroup, asg_update_desired_out_of_range(5, 1, 3)),
            "An error occurred (ValidationError) when calling the UpdateAutoScalingGroup operation: Desired capacity:5 "
            "must be between the specified min size:1 and max size:3");
  EXPECT_EQ(asg_set_desired_out_of_range(5, 1, 3), "New SetDesiredCapacity value 5 is above max value 3 for the AutoScalingGroup.");
  EXPECT_EQ(asg_min_above_max(3, 1), "Max bound, 1, must be greater than or equal to min bound, 3");
  EXPECT_EQ(no_active_lifecycle_action("i-0abc", ""), "No active Lifecycle Action found with instance ID i-0abc");
  EXPECT_EQ(ec2_instance_not_found({"i-1", "i-2"}), "The instance IDs 'i-1, i-2' do not exist");
  EXPECT_TRUE(ec2_instance_id_well_formed("i-0123456789abcdef0"));
  EXPECT_FALSE(ec2_instance_id_well_formed("i-xyz"));
  auto c = ok({"aws", "autoscaling", "complete-lifecycle-action", "--lifecycle-hook-name", "h", "--auto-scaling-group-name",
               "etcd", "--lifecycle-action-result", "continue", "--instance-id", "i-1"});
  auto e = check_server_side_values(c);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->field, "--lifecycle-action-result");
}

}  // namespace
}  // namespace raftlab::cloud
