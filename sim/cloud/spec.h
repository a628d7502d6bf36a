// sim/cloud/spec.h — the typed description of a simulated AWS account: subnets in AZs,
// launch templates (with their user data), Auto Scaling Groups with lifecycle hooks,
// Network Load Balancers with target groups and listeners. Plain data, filled by the
// CloudFormation reader (cfn.h) and the scenario's "cloud" part; carried out by the
// cloud runtime (cloud.h).
//
// Every default below is AWS's own, with its source in docs/cloud.md.
// Must never: touch the simulator, clocks or I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace raftlab::cloud {

struct Tag {
  std::string key, value;
  bool propagate_at_launch = true;  // ASG tags only
};

struct Subnet {
  std::string id;          // "subnet-0a1b..." or the template's logical ID
  std::string az;          // "ap-northeast-2a"
  std::string cidr;        // "10.0.1.0/24"
  std::string logical_id;  // CloudFormation logical ID ("" when given by the scenario)
  std::string path;        // where it was written (file:$.Resources.SubnetA)
};

struct LaunchTemplate {
  std::string logical_id;        // CloudFormation logical ID
  std::string name;              // LaunchTemplateName (default: the logical ID)
  std::string image_id;          // ImageId (not interpreted)
  std::string instance_type = "t3.micro";
  std::string user_data;         // the decoded script (Fn::Base64 undone), as cloud-init gets it
  std::string user_data_path;    // where the UserData property was written
  std::vector<Tag> tags;          // LaunchTemplateData.TagSpecifications, ResourceType instance
  int version = 1;
  std::string path;
  std::string key_name;           // KeyName (not interpreted)
  // MetadataOptions (AWS::EC2::LaunchTemplate MetadataOptions): HttpTokens "required" =
  // IMDSv2 only; HttpEndpoint "disabled" = no IMDS at all; HttpPutResponseHopLimit 1..64.
  bool imds_v2_required = false;  // HttpTokens: optional unless written (the AMI may say otherwise)
  bool imds_enabled = true;       // HttpEndpoint: enabled
  int imds_hop_limit = 1;         // HttpPutResponseHopLimit: 1
};

enum class Transition { kLaunching, kTerminating };

struct LifecycleHook {
  std::string name;                      // LifecycleHookName (default: the logical ID)
  std::string logical_id;
  std::string asg;                       // AutoScalingGroupName / logical ID it refers to
  Transition transition = Transition::kLaunching;
  std::int64_t heartbeat_timeout_s = 3600;  // AWS default
  bool default_continue = false;            // DefaultResult: ABANDON (AWS default) or CONTINUE
  std::string path;
};

struct AutoScalingGroup {
  std::string logical_id;
  std::string name;                      // AutoScalingGroupName (default: "<stack>-<logical>-<suffix>")
  std::string launch_template;           // logical ID or name of a LaunchTemplate
  std::string launch_template_version;   // "$Latest", "$Default" or a number (as written)
  int min_size = 0, max_size = 0;
  std::optional<int> desired;            // absent: AWS uses min_size
  std::vector<std::string> subnets;      // VPCZoneIdentifier: subnet ids / logical IDs
  std::vector<std::string> azs;          // AvailabilityZones (when no subnets)
  std::string health_check_type = "EC2"; // EC2 | ELB
  std::int64_t health_check_grace_s = 0; // CloudFormation/API default 0 (console: 300)
  std::int64_t default_cooldown_s = 300;
  std::vector<std::string> target_groups;         // TargetGroupARNs: logical IDs
  std::vector<std::string> termination_policies{"Default"};
  std::vector<Tag> tags;
  std::string path;
};

struct HealthCheck {
  std::string protocol = "TCP";          // TCP | HTTP | HTTPS
  std::string port = "traffic-port";
  std::string path = "/";                // HTTP only
  std::int64_t interval_s = 30;
  std::int64_t timeout_s = 10;
  int healthy_threshold = 5;
  int unhealthy_threshold = 2;
  std::string matcher = "200-399";       // HTTP success codes
};

struct TargetGroup {
  std::string logical_id;
  std::string name;
  std::string protocol = "TCP";
  int port = 0;
  std::string target_type = "instance";
  HealthCheck health;
  std::int64_t deregistration_delay_s = 300;
  std::string path;
};

struct LoadBalancer {
  std::string logical_id;
  std::string name;
  std::string type = "network";
  std::string scheme = "internet-facing";
  std::vector<std::string> subnets;
  bool cross_zone = false;               // NLB default: off
  std::string dns_name;                  // "<name>-<hex>.elb.<region>.amazonaws.com"
  std::string path;
};

struct Listener {
  std::string logical_id;
  std::string load_balancer;             // logical ID
  int port = 0;
  std::string protocol = "TCP";
  std::string target_group;              // default forward action: logical ID
  std::string path;
};

// Route 53 (AWS::Route53::HealthCheck, AWS::Route53::RecordSet): weighted A records over
// fixed addresses, each with an optional health check.
struct Route53HealthCheck {
  std::string logical_id;
  std::string type = "HTTP";           // HTTP | TCP (HTTPS read as HTTP)
  std::string ip;                      // IPAddress
  int port = 80;
  std::string resource_path = "/";
  std::int64_t interval_s = 30;        // RequestInterval: 10 or 30 (default 30)
  int failure_threshold = 3;           // FailureThreshold 1..10 (default 3)
  std::string path;
};
struct Route53Record {
  std::string logical_id;
  std::string name;                    // "gw.dwoong.com." (a trailing dot added)
  std::string set_identifier;
  std::int64_t weight = -1;            // -1: not weighted
  std::int64_t ttl = 300;
  std::string type = "A";              // "A" or "SRV"
  std::vector<std::string> values;     // ResourceRecords (A: IPv4 addresses; SRV: "priority weight port target")
  std::string health_check;            // logical ID ("" none)
  std::string path;
};

// A warning for something read but not modelled (an IAM role, a security group...).
struct NotModelled {
  std::string logical_id;
  std::string type;
  std::string path;
};

struct CloudSpec {
  std::string region = "us-east-1";
  std::string stack_name = "raftlab";
  std::vector<Subnet> subnets;
  std::vector<LaunchTemplate> launch_templates;
  std::vector<AutoScalingGroup> asgs;
  std::vector<LifecycleHook> hooks;
  std::vector<TargetGroup> target_groups;
  std::vector<LoadBalancer> load_balancers;
  std::vector<Listener> listeners;
  std::vector<Route53HealthCheck> health_checks;
  std::vector<Route53Record> records;
  std::vector<NotModelled> not_modelled;
  std::vector<std::string> warnings;
};

// One problem in a cloud input (template, user data, aws line). `where` is a file and
// a place in it: "etcd.yaml:14:5 Resources.EtcdGroup.Properties.MinSize", "user data line 7".
struct CloudError {
  std::string where;
  std::string message;
  std::string fix;
};
[[nodiscard]] std::string format(const CloudError& e);

}  // namespace raftlab::cloud
