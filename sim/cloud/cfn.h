// sim/cloud/cfn.h — reads an AWS CloudFormation template as operators write it, JSON or
// YAML (with the short-form intrinsics !Ref, !Sub, !GetAtt, !Base64, !Join, !Select,
// !GetAZs, !If-free subset), into a CloudSpec.
//
//   auto r = cloud::read_template(text, "etcd.yaml", {{"KeyName", "ops"}});
//   if (!r.ok) for (auto& e : r.errors) std::cerr << cloud::format(e) << '\n';
//   r.spec.asgs[0].min_size == 3; r.spec.launch_templates[0].user_data starts "#!/bin/bash"
//
// Resource types read: AWS::EC2::LaunchTemplate, AWS::AutoScaling::AutoScalingGroup,
// AWS::AutoScaling::LifecycleHook, AWS::ElasticLoadBalancingV2::{LoadBalancer,TargetGroup,
// Listener}, AWS::EC2::Subnet (and AWS::EC2::VPC, ignored). Any other type is listed once in
// spec.not_modelled. An unknown property of a read type, a wrong value type, a !Ref to
// nothing, or a parameter without a value is an error naming the file, line, the
// resource's logical ID and the property, with the fix.
//
// Must never: read files (the caller passes the text), or grow without bound on hostile
// input (nesting, sizes and counts are capped).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sim/cloud/spec.h"

namespace raftlab::cloud {

struct TemplateResult {
  bool ok = false;
  CloudSpec spec;
  std::vector<CloudError> errors;
};

// `parameters` override the template's Parameters defaults (as `aws cloudformation deploy
// --parameter-overrides K=V`). `stack_name` and `region` feed AWS::StackName / AWS::Region
// and the generated names.
[[nodiscard]] TemplateResult read_template(const std::string& text, const std::string& file,
                                           const std::map<std::string, std::string>& parameters,
                                           const std::string& stack_name = "raftlab",
                                           const std::string& region = "us-east-1");

}  // namespace raftlab::cloud
