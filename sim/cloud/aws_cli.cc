// sim/cloud/aws_cli.cc — operation names and AWS's server-side error lines for the calls
// aws_cli.h models (parsing: aws_cli_parse.cc; output: aws_cli_output.cc; --query:
// aws_cli_query.cc; real operation names: aws_cli_names.cc).
//
// Every message below is AWS's own text as operators have captured it; the source of each is
// in its comment. botocore prints a ClientError as
// "An error occurred (%s) when calling the %s operation: %s" (botocore/exceptions.py ClientError).
//
// Must never: invent AWS wording without saying so (raftlab's own texts start "raftlab:").
#include <string>
#include <vector>

#include "sim/cloud/aws_cli.h"

namespace raftlab::cloud {

const char* aws_operation_name(AwsOp op) {
  switch (op) {
    case AwsOp::kUpdateAutoScalingGroup: return "UpdateAutoScalingGroup";
    case AwsOp::kSetDesiredCapacity: return "SetDesiredCapacity";
    case AwsOp::kTerminateInstanceInAutoScalingGroup: return "TerminateInstanceInAutoScalingGroup";
    case AwsOp::kCompleteLifecycleAction: return "CompleteLifecycleAction";
    case AwsOp::kRecordLifecycleActionHeartbeat: return "RecordLifecycleActionHeartbeat";
    case AwsOp::kDescribeAutoScalingGroups: return "DescribeAutoScalingGroups";
    case AwsOp::kDescribeAutoScalingInstances: return "DescribeAutoScalingInstances";
    case AwsOp::kSetInstanceHealth: return "SetInstanceHealth";
    case AwsOp::kDescribeScalingActivities: return "DescribeScalingActivities";
    case AwsOp::kDescribeInstances: return "DescribeInstances";
    case AwsOp::kTerminateInstances: return "TerminateInstances";
    case AwsOp::kStopInstances: return "StopInstances";
    case AwsOp::kStartInstances: return "StartInstances";
    case AwsOp::kRebootInstances: return "RebootInstances";
    case AwsOp::kDescribeTargetHealth: return "DescribeTargetHealth";
  }
  return "Unknown";
}

std::string aws_error(const std::string& code, AwsOp op, const std::string& message) {
  return "An error occurred (" + code + ") when calling the " + aws_operation_name(op) + " operation: " + message;
}

std::string aws_validation_error(AwsOp op, const std::string& message) { return aws_error("ValidationError", op, message); }

// CloudFormation and the API both relay it: "Desired capacity:2 must be between the specified
// min size:4 and max size:10" (convox/praxis#258, an UPDATE_FAILED event quoting the API).
std::string asg_update_desired_out_of_range(int desired, int min_size, int max_size) {
  return "Desired capacity:" + std::to_string(desired) + " must be between the specified min size:" +
         std::to_string(min_size) + " and max size:" + std::to_string(max_size);
}

// "An error occurred (ValidationError) when calling the SetDesiredCapacity operation: New
// SetDesiredCapacity value 2 is above max value 1 for the AutoScalingGroup." (captured log in a
// public runbook); the below-min form mirrors it.
std::string asg_set_desired_out_of_range(int desired, int min_size, int max_size) {
  if (desired > max_size)
    return "New SetDesiredCapacity value " + std::to_string(desired) + " is above max value " + std::to_string(max_size) +
           " for the AutoScalingGroup.";
  return "New SetDesiredCapacity value " + std::to_string(desired) + " is below min value " + std::to_string(min_size) +
         " for the AutoScalingGroup.";
}

// "An error occurred (ValidationError) when calling the UpdateAutoScalingGroup operation: Max
// bound, 3, must be greater than or equal to min bound, 5" (quoted in public scripts that parse it).
std::string asg_min_above_max(int min_size, int max_size) {
  return "Max bound, " + std::to_string(max_size) + ", must be greater than or equal to min bound, " +
         std::to_string(min_size);
}

// UpdateAutoScalingGroup: "AutoScalingGroup name not found - AutoScalingGroup aws-example-mp-0 not
// found" (cluster-api-provider-aws event logs); SetDesiredCapacity and the lifecycle calls:
// "AutoScalingGroup name not found - null" (CloudTrail records, fog's and ex_aws's fixtures).
std::string asg_not_found(AwsOp op, const std::string& asg) {
  if (op == AwsOp::kUpdateAutoScalingGroup) return "AutoScalingGroup name not found - AutoScalingGroup " + asg + " not found";
  return "AutoScalingGroup name not found - null";
}

// "Instance Id not found - No managed instance found for instance ID: i-0abc" (XML fixtures and
// idempotency checks in public ASG clients).
std::string asg_instance_not_managed(const std::string& instance_id) {
  return "Instance Id not found - No managed instance found for instance ID: " + instance_id;
}

// "No active Lifecycle Action found with instance ID i-08406e13ee788fc10" / "... with token T"
// (ValidationError; matched by lifecycle handlers in public code).
std::string no_active_lifecycle_action(const std::string& instance_id, const std::string& token) {
  if (!token.empty()) return "No active Lifecycle Action found with token " + token;
  return "No active Lifecycle Action found with instance ID " + instance_id;
}

// InvalidInstanceID.NotFound: "The instance ID 'i-…' does not exist"; several: "The instance IDs
// 'i-1, i-2' do not exist" (EC2 API error codes reference, captured CLI output).
std::string ec2_instance_not_found(const std::vector<std::string>& ids) {
  if (ids.size() == 1) return "The instance ID '" + ids[0] + "' does not exist";
  std::string joined;
  for (const auto& i : ids) joined += (joined.empty() ? "" : ", ") + i;
  return "The instance IDs '" + joined + "' do not exist";
}

// InvalidInstanceID.Malformed: 'Invalid id: "i-01265b7abcdefghij"' (captured CLI output).
std::string ec2_instance_id_malformed(const std::string& id) { return "Invalid id: \"" + id + "\""; }

bool ec2_instance_id_well_formed(const std::string& id) {
  if (id.size() != 10 && id.size() != 19) return false;
  if (id.rfind("i-", 0) != 0) return false;
  for (std::size_t i = 2; i < id.size(); ++i)
    if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return false;
  return true;
}

std::optional<etcd::Error> check_server_side_values(const AwsCall& c) {
  auto bad = [&](const std::string& field, const std::string& value, const std::string& allowed) {
    return etcd::Error{field,
                       "raftlab: AWS refuses " + field + " " + value + " server-side (ValidationError from " +
                           aws_operation_name(c.op) + "); AWS's exact text is not recorded here",
                       "write one of " + allowed};
  };
  if (c.op == AwsOp::kCompleteLifecycleAction && c.action_result != "CONTINUE" && c.action_result != "ABANDON")
    return bad("--lifecycle-action-result", c.action_result, "CONTINUE, ABANDON");  // API reference: CONTINUE | ABANDON
  if (c.op == AwsOp::kSetInstanceHealth && c.health_status != "Healthy" && c.health_status != "Unhealthy")
    return bad("--health-status", c.health_status, "Healthy, Unhealthy");  // API reference SetInstanceHealth
  if (c.health_check_type) {
    const auto& t = *c.health_check_type;  // API reference: EC2 | ELB | VPC_LATTICE | EBS
    if (t != "EC2" && t != "ELB" && t != "VPC_LATTICE" && t != "EBS") return bad("--health-check-type", t, "EC2, ELB, VPC_LATTICE, EBS");
  }
  for (const auto& p : c.termination_policies) {
    // User guide "Configure termination policies": the predefined names (a Lambda ARN is also
    // allowed by AWS; raftlab does not model custom policies).
    static const char* kPolicies[] = {"Default", "AllocationStrategy", "OldestLaunchTemplate", "OldestLaunchConfiguration",
                                      "ClosestToNextInstanceHour", "NewestInstance", "OldestInstance"};
    bool ok = false;
    for (const char* k : kPolicies) ok = ok || p == k;
    if (!ok)
      return bad("--termination-policies", p,
                 "Default, AllocationStrategy, OldestLaunchTemplate, OldestLaunchConfiguration, "
                 "ClosestToNextInstanceHour, NewestInstance, OldestInstance");
  }
  if (c.service == "ec2")
    for (const auto& id : c.instance_ids)
      if (!ec2_instance_id_well_formed(id))
        return etcd::Error{"--instance-ids", aws_error("InvalidInstanceID.Malformed", c.op, ec2_instance_id_malformed(id)),
                           "an instance ID is i- followed by 8 or 17 hex digits, e.g. i-0abc1234def567890"};
  return std::nullopt;
}

}  // namespace raftlab::cloud
