// sim/cloud/aws_cli.h — the `aws` command lines operators paste (AWS CLI v2), parsed into
// typed calls with the CLI's own argument rules and error wording, and the CLI's output
// (JSON as `aws` prints it, `--output text|table`, a `--query` JMESPath subset) for the
// describe calls, built from views the cloud runtime fills.
//
//   auto c = cloud::parse_aws({"aws", "autoscaling", "update-auto-scaling-group",
//                              "--auto-scaling-group-name", "etcd", "--min-size", "1"});
//   c.ok() && c.value().op == cloud::AwsOp::kUpdateAutoScalingGroup && *c.value().min_size == 1
//
// Must never: touch the simulator or I/O; accept an option the real CLI would refuse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/etcd/wording.h"  // etcd::Result / etcd::Error

namespace raftlab::cloud {

enum class AwsOp {
  // autoscaling
  kUpdateAutoScalingGroup,
  kSetDesiredCapacity,
  kTerminateInstanceInAutoScalingGroup,
  kCompleteLifecycleAction,
  kRecordLifecycleActionHeartbeat,
  kDescribeAutoScalingGroups,
  kDescribeAutoScalingInstances,
  kSetInstanceHealth,
  kDescribeScalingActivities,
  // ec2
  kDescribeInstances,
  kTerminateInstances,
  kStopInstances,
  kStartInstances,
  kRebootInstances,
  // elbv2
  kDescribeTargetHealth,
};

// Which release's client-side wording `message` carries. The CLI v2 changed it twice
// (aws/aws-cli v2 branch: awscli/argparser.py, commits 7514322f2 and cda3e42fe, both first in
// 2.31.0): up to 2.30.x "aws: error: ..." and "Invalid choice, valid choices are:"; from 2.31.0
// "aws: [ERROR]: ..." and "Found invalid choice 'x'". 2.34.0 added `--output off` and
// `--cli-error-format`, accepted only with kBracketed.
enum class AwsCliWording { kClassic, kBracketed };

// The API operation's name as AWS errors print it ("UpdateAutoScalingGroup").
[[nodiscard]] const char* aws_operation_name(AwsOp op);

struct AwsFilter {
  std::string name;                  // "tag:aws:autoscaling:groupName", "instance-state-name"
  std::vector<std::string> values;
};

struct AwsCall {
  AwsOp op = AwsOp::kDescribeAutoScalingGroups;
  std::string service;                       // "autoscaling" | "ec2" | "elbv2"
  std::string asg;                           // --auto-scaling-group-name
  std::vector<std::string> asg_names;        // --auto-scaling-group-names
  std::optional<int> min_size, max_size, desired;
  std::optional<std::string> health_check_type;
  std::optional<std::int64_t> health_check_grace_s;
  std::optional<std::int64_t> default_cooldown_s;
  std::vector<std::string> termination_policies;
  std::optional<bool> honor_cooldown;        // set-desired-capacity
  std::optional<bool> should_decrement;      // terminate-instance-in-auto-scaling-group (required)
  std::optional<bool> should_respect_grace;  // set-instance-health
  std::string health_status;                 // "Healthy" | "Unhealthy"
  std::vector<std::string> instance_ids;     // --instance-id / --instance-ids
  std::string hook;                          // --lifecycle-hook-name
  std::string action_result;                 // CONTINUE | ABANDON
  std::string action_token;
  std::vector<AwsFilter> filters;            // ec2 --filters
  std::string target_group_arn;              // elbv2 --target-group-arn
  std::string query;                         // --query (JMESPath subset), "" = none
  std::string output = "json";               // --output json | text | table | yaml
  std::string region, profile;               // accepted; region is checked against the cloud's
  std::vector<std::string> ignored;          // accepted options with no effect here (--no-cli-pager...)
  // ---- additions ----
  std::string command_line_op;               // "update-auto-scaling-group" as typed (after abbreviation)
  AwsCliWording wording = AwsCliWording::kClassic;  // the wording the call was parsed with
};

// argv[0] must be "aws". Errors use the CLI's wording in `message` (e.g. "aws: error: the
// following arguments are required: --auto-scaling-group-name") and say what to write in `fix`.
[[nodiscard]] etcd::Result<AwsCall> parse_aws(const std::vector<std::string>& argv);

// ---- additions (docs/cloud-aws-cli.md) ----

[[nodiscard]] etcd::Result<AwsCall> parse_aws(const std::vector<std::string>& argv, AwsCliWording wording);

// Values AWS checks server-side (the CLI sends them as typed): --lifecycle-action-result,
// --health-status, --health-check-type, --termination-policies, instance-ID shape for ec2. The
// runtime calls this before acting; the error's message is an aws_error(...) line.
[[nodiscard]] std::optional<etcd::Error> check_server_side_values(const AwsCall& call);

// Whether `op` is an operation the real CLI offers under `service` (aws_cli_names.cc; for
// autoscaling, ec2 and elbv2 only).
[[nodiscard]] bool aws_real_operation(const std::string& service, const std::string& op);

namespace detail {
// Python difflib.get_close_matches(word, candidates, n=3, cutoff) (Ratcliff/Obershelp ratio),
// which the CLI uses for "maybe you meant" (awscli/argparser.py).
[[nodiscard]] std::vector<std::string> close_matches(const std::string& word, const std::vector<std::string>& candidates,
                                                     double cutoff);
// Every real operation name of the service (aws_cli_names.cc), sorted.
[[nodiscard]] std::vector<std::string> real_operations(const std::string& service);
}  // namespace detail

// EC2's instance-ID shape: "i-" then 8 or 17 lowercase hex digits.
[[nodiscard]] bool ec2_instance_id_well_formed(const std::string& id);

// Server-side error messages (the part after "operation: "), each with its source in the .cc.
// UpdateAutoScalingGroup: "Desired capacity:5 must be between the specified min size:1 and max size:3"
[[nodiscard]] std::string asg_update_desired_out_of_range(int desired, int min_size, int max_size);
// SetDesiredCapacity: "New SetDesiredCapacity value 5 is above max value 3 for the AutoScalingGroup."
// (or "... is below min value 1 ...")
[[nodiscard]] std::string asg_set_desired_out_of_range(int desired, int min_size, int max_size);
// UpdateAutoScalingGroup: "Max bound, 1, must be greater than or equal to min bound, 3"
[[nodiscard]] std::string asg_min_above_max(int min_size, int max_size);
// "AutoScalingGroup name not found - ..." (wording differs per operation; see the .cc)
[[nodiscard]] std::string asg_not_found(AwsOp op, const std::string& asg);
// TerminateInstanceInAutoScalingGroup / SetInstanceHealth with an instance no group manages.
[[nodiscard]] std::string asg_instance_not_managed(const std::string& instance_id);
// CompleteLifecycleAction / RecordLifecycleActionHeartbeat with nothing pending.
[[nodiscard]] std::string no_active_lifecycle_action(const std::string& instance_id, const std::string& token);
// ec2 InvalidInstanceID.NotFound: "The instance ID 'i-1' does not exist" /
// "The instance IDs 'i-1, i-2' do not exist"
[[nodiscard]] std::string ec2_instance_not_found(const std::vector<std::string>& ids);
// ec2 InvalidInstanceID.Malformed: "Invalid id: \"i-xyz\""
[[nodiscard]] std::string ec2_instance_id_malformed(const std::string& id);
// Whole lines, code included ("An error occurred (ValidationError) when calling ...").
[[nodiscard]] std::string aws_validation_error(AwsOp op, const std::string& message);

// "An error occurred (ValidationError) when calling the UpdateAutoScalingGroup operation: ..."
[[nodiscard]] std::string aws_error(const std::string& code, AwsOp op, const std::string& message);

// ---- views for output (filled by the runtime) ----

struct AsgInstanceView {
  std::string instance_id, instance_type, az;
  std::string lifecycle_state;   // "Pending", "Pending:Wait", "InService", "Terminating:Wait", ...
  std::string health_status;     // "Healthy" | "Unhealthy"
  std::string launch_template_id, launch_template_name, launch_template_version;
  bool protected_from_scale_in = false;
};

struct AsgView {
  std::string name, arn;
  std::string launch_template_id, launch_template_name, launch_template_version;
  int min_size = 0, max_size = 0, desired = 0;
  std::int64_t default_cooldown_s = 300;
  std::vector<std::string> azs;
  std::vector<std::string> target_group_arns;
  std::string health_check_type;
  std::int64_t health_check_grace_s = 0;
  std::vector<AsgInstanceView> instances;
  std::string created_time;      // ISO 8601 ("2025-01-01T00:00:00.000000+00:00")
  std::string vpc_zone_identifier;   // subnets joined with ","
  std::vector<std::string> termination_policies;
  std::vector<std::pair<std::string, std::string>> tags;
};

struct Ec2InstanceView {
  std::string instance_id, image_id, instance_type, az, subnet_id, vpc_id;
  std::string private_ip, private_dns;
  std::string state;             // "pending" | "running" | "shutting-down" | "terminated" | "stopping" | "stopped"
  int state_code = 0;            // 0 pending, 16 running, 32 shutting-down, 48 terminated, 64 stopping, 80 stopped
  std::string launch_time;       // ISO 8601
  std::vector<std::pair<std::string, std::string>> tags;
  std::string reservation_id, owner_id;
};

struct TargetHealthView {
  std::string instance_id;
  int port = 0;
  std::string state;             // "initial" | "healthy" | "unhealthy" | "draining" | "unused"
  std::string reason, description;  // AWS's reason codes ("Elb.InitialHealthChecking", ...)
};

struct AsgInstanceDetail {       // describe-auto-scaling-instances
  AsgInstanceView instance;
  std::string asg;
};

// The documents the API returns, shaped as the CLI prints them (key names and order).
[[nodiscard]] nlohmann::ordered_json describe_asgs_doc(const std::vector<AsgView>& asgs);
[[nodiscard]] nlohmann::ordered_json describe_asg_instances_doc(const std::vector<AsgInstanceDetail>& xs);
[[nodiscard]] nlohmann::ordered_json describe_instances_doc(const std::vector<Ec2InstanceView>& xs);
[[nodiscard]] nlohmann::ordered_json describe_target_health_doc(const std::vector<TargetHealthView>& xs);
// terminate/stop/start-instances: {"TerminatingInstances": [{CurrentState, InstanceId, PreviousState}]}
struct StateChange {
  std::string instance_id, previous, current;
  int previous_code = 0, current_code = 0;
};
[[nodiscard]] nlohmann::ordered_json state_changes_doc(const std::string& key, const std::vector<StateChange>& xs);
// terminate-instance-in-auto-scaling-group / set-desired-capacity...: the Activity document.
[[nodiscard]] nlohmann::ordered_json activity_doc(const std::string& activity_id, const std::string& asg,
                                                  const std::string& description, const std::string& cause,
                                                  const std::string& start_time, const std::string& status);

// describe-scaling-activities
struct ActivityView {
  std::string activity_id, asg, description, cause, start_time, end_time;  // end_time "" = absent
  std::string status_code;       // "Successful", "InProgress", "WaitingForELBConnectionDraining", ...
  std::string status_message;    // "" = absent
  int progress = 0;
  std::string details;           // JSON text, e.g. "{\"Subnet ID\":\"subnet-1\",\"Availability Zone\":\"us-east-1a\"}"
  std::string asg_arn;           // "" = absent
};
[[nodiscard]] nlohmann::ordered_json describe_scaling_activities_doc(const std::vector<ActivityView>& xs);

// Applies `query` (when non-empty) and renders for `output` exactly as the CLI prints it
// (json: 4-space indent; text: tab-separated rows; table: the CLI's boxed table; yaml).
// A query the subset cannot evaluate is an error in the CLI's wording
// ("Bad value for --query ...").
[[nodiscard]] etcd::Result<std::string> render_output(const nlohmann::ordered_json& doc, const std::string& query,
                                                      const std::string& output);
// The same with the table title the CLI prints for `op` (its API name, "DescribeAutoScalingGroups");
// the three-argument form prints tables without a title row.
[[nodiscard]] etcd::Result<std::string> render_output(const nlohmann::ordered_json& doc, const std::string& query,
                                                      const std::string& output, AwsOp op);

// The --query subset alone (aws_cli_query.cc): check that `query` compiles / evaluate it.
[[nodiscard]] std::optional<etcd::Error> check_query(const std::string& query);
[[nodiscard]] etcd::Result<nlohmann::ordered_json> apply_query(const nlohmann::ordered_json& doc,
                                                              const std::string& query);

}  // namespace raftlab::cloud
