// sim/cloud/cfn_resources.cc — one reader per modelled resource type: the documented
// properties (all accepted, the ones the spec holds read and checked) into a CloudSpec.
//
// Sources (CloudFormation Template Reference, one page per type and property type):
//  aws-resource-ec2-launchtemplate, aws-properties-ec2-launchtemplate-launchtemplatedata,
//    ...-metadataoptions (HttpTokens optional|required, HttpEndpoint enabled|disabled,
//    HttpPutResponseHopLimit 1-64, default 1);
//  aws-resource-autoscaling-autoscalinggroup (MinSize/MaxSize/DesiredCapacity strings,
//    HealthCheckType, HealthCheckGracePeriod default 0, Cooldown default 300,
//    TerminationPolicies), ...-launchtemplatespecification (the ID or the name, not both;
//    Version required), ...-lifecyclehookspecification;
//  aws-resource-autoscaling-lifecyclehook (HeartbeatTimeout 30-7200, default 3600;
//    DefaultResult ABANDON (default) | CONTINUE);
//  aws-resource-elasticloadbalancingv2-targetgroup and the ELB API Reference
//    CreateTargetGroup (interval 30 s; timeout 6 s for HTTP, 10 s for TCP/TLS/HTTPS target
//    groups; healthy 5, unhealthy 2; matcher 200 for HTTP target groups, 200-399 for
//    HTTP checks of NLB target groups; deregistration_delay.timeout_seconds default 300, 0-3600);
//  aws-resource-elasticloadbalancingv2-loadbalancer (Type default application, Scheme default
//    internet-facing, load_balancing.cross_zone.enabled default false for NLBs);
//  aws-resource-elasticloadbalancingv2-listener, aws-resource-ec2-subnet, aws-resource-ec2-vpc.
//  AWS API messages kept verbatim: "Max bound, N, must be greater than or equal to min
//  bound, M" and "Desired capacity:N must be between the specified min size:M and max size:X"
//  (Amazon EC2 Auto Scaling CreateAutoScalingGroup ValidationError).
//
// Must never: keep a physical id where the spec wants a logical ID (cross-references are
// resolved here), or accept a property the type does not document.
#include <algorithm>
#include <array>
#include <string>

#include "sim/cloud/cfn_internal.h"

namespace raftlab::cloud::cfn {
namespace {

constexpr std::array<std::string_view, 4> kLtProps{"LaunchTemplateData", "LaunchTemplateName", "TagSpecifications",
                                                   "VersionDescription"};
constexpr std::array<std::string_view, 32> kLtData{
    "BlockDeviceMappings",     "CapacityReservationSpecification",
    "CpuOptions",              "CreditSpecification",
    "DisableApiStop",          "DisableApiTermination",
    "EbsOptimized",            "ElasticGpuSpecifications",
    "ElasticInferenceAccelerators", "EnclaveOptions",
    "HibernationOptions",      "IamInstanceProfile",
    "ImageId",                 "InstanceInitiatedShutdownBehavior",
    "InstanceMarketOptions",   "InstanceRequirements",
    "InstanceType",            "KernelId",
    "KeyName",                 "LicenseSpecifications",
    "MaintenanceOptions",      "MetadataOptions",
    "Monitoring",              "NetworkInterfaces",
    "NetworkPerformanceOptions", "Placement",
    "PrivateDnsNameOptions",   "RamDiskId",
    "SecurityGroupIds",        "SecurityGroups",
    "TagSpecifications",       "UserData"};
constexpr std::array<std::string_view, 5> kMetadata{"HttpEndpoint", "HttpProtocolIpv6", "HttpPutResponseHopLimit",
                                                    "HttpTokens", "InstanceMetadataTags"};
constexpr std::array<std::string_view, 2> kTagSpec{"ResourceType", "Tags"};
constexpr std::array<std::string_view, 36> kAsgProps{
    "AutoScalingGroupName", "AvailabilityZoneDistribution", "AvailabilityZoneImpairmentPolicy",
    "AvailabilityZones",    "CapacityRebalance",            "CapacityReservationSpecification",
    "Context",              "Cooldown",                     "DefaultInstanceWarmup",
    "DeletionProtection",   "DesiredCapacity",              "DesiredCapacityType",
    "HealthCheckGracePeriod", "HealthCheckType",            "InstanceId",
    "InstanceMaintenancePolicy", "LaunchConfigurationName", "LaunchTemplate",
    "LifecycleHookSpecificationList", "LoadBalancerNames",  "MaxInstanceLifetime",
    "MaxSize",              "MetricsCollection",            "MinSize",
    "MixedInstancesPolicy", "NewInstancesProtectedFromScaleIn", "NotificationConfiguration",
    "NotificationConfigurations", "PlacementGroup",         "ServiceLinkedRoleARN",
    "SkipZonalShiftValidation", "Tags",                     "TargetGroupARNs",
    "TerminationPolicies",  "TrafficSources",               "VPCZoneIdentifier"};
constexpr std::array<std::string_view, 15> kAsgRead{
    "AutoScalingGroupName", "AvailabilityZones", "Cooldown", "DesiredCapacity", "HealthCheckGracePeriod",
    "HealthCheckType", "LaunchTemplate", "LifecycleHookSpecificationList", "MaxSize", "MinSize",
    "MixedInstancesPolicy", "Tags", "TargetGroupARNs", "TerminationPolicies", "VPCZoneIdentifier"};
constexpr std::array<std::string_view, 3> kLtSpec{"LaunchTemplateId", "LaunchTemplateName", "Version"};
constexpr std::array<std::string_view, 2> kMixed{"InstancesDistribution", "LaunchTemplate"};
constexpr std::array<std::string_view, 2> kMixedLt{"LaunchTemplateSpecification", "Overrides"};
constexpr std::array<std::string_view, 7> kHookSpec{"DefaultResult",        "HeartbeatTimeout",
                                                    "LifecycleHookName",    "LifecycleTransition",
                                                    "NotificationMetadata", "NotificationTargetARN", "RoleARN"};
constexpr std::array<std::string_view, 8> kHookProps{"AutoScalingGroupName", "DefaultResult",
                                                     "HeartbeatTimeout",     "LifecycleHookName",
                                                     "LifecycleTransition",  "NotificationMetadata",
                                                     "NotificationTargetARN", "RoleARN"};
constexpr std::array<std::string_view, 2> kTransitions{"autoscaling:EC2_INSTANCE_LAUNCHING",
                                                       "autoscaling:EC2_INSTANCE_TERMINATING"};
constexpr std::array<std::string_view, 2> kResults{"ABANDON", "CONTINUE"};
constexpr std::array<std::string_view, 7> kTermination{"Default",          "AllocationStrategy",
                                                       "OldestLaunchTemplate", "OldestLaunchConfiguration",
                                                       "ClosestToNextInstanceHour", "NewestInstance",
                                                       "OldestInstance"};
constexpr std::array<std::string_view, 19> kTgProps{
    "HealthCheckEnabled", "HealthCheckIntervalSeconds", "HealthCheckPath", "HealthCheckPort",
    "HealthCheckProtocol", "HealthCheckTimeoutSeconds", "HealthyThresholdCount", "IpAddressType",
    "Matcher", "Name", "Port", "Protocol", "ProtocolVersion", "Tags", "TargetGroupAttributes",
    "TargetType", "Targets", "UnhealthyThresholdCount", "VpcId"};
constexpr std::array<std::string_view, 7> kTgProtocols{"TCP", "TLS", "UDP", "TCP_UDP", "HTTP", "HTTPS", "GENEVE"};
constexpr std::array<std::string_view, 3> kHcProtocols{"TCP", "HTTP", "HTTPS"};
constexpr std::array<std::string_view, 4> kTargetTypes{"instance", "ip", "lambda", "alb"};
constexpr std::array<std::string_view, 2> kMatcher{"GrpcCode", "HttpCode"};
constexpr std::array<std::string_view, 2> kKeyValue{"Key", "Value"};
constexpr std::array<std::string_view, 14> kLbPropsAll{
    "EnableCapacityReservationProvisionStatus", "EnablePrefixForIpv6SourceNat",
    "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "IpAddressType", "Ipv4IpamPoolId",
    "LoadBalancerAttributes", "MinimumLoadBalancerCapacity", "Name", "Scheme", "SecurityGroups",
    "SubnetMappings", "Subnets", "Tags", "Type"};
constexpr std::array<std::string_view, 3> kLbTypes{"application", "network", "gateway"};
constexpr std::array<std::string_view, 2> kSchemes{"internet-facing", "internal"};
constexpr std::array<std::string_view, 5> kSubnetMapping{"AllocationId", "IPv6Address", "PrivateIPv4Address",
                                                         "SourceNatIpv6Prefix", "SubnetId"};
constexpr std::array<std::string_view, 9> kListenerProps{"AlpnPolicy",   "Certificates",         "DefaultActions",
                                                         "ListenerAttributes", "LoadBalancerArn", "MutualAuthentication",
                                                         "Port",         "Protocol",             "SslPolicy"};
constexpr std::array<std::string_view, 9> kAction{"AuthenticateCognitoConfig", "AuthenticateOidcConfig",
                                                  "FixedResponseConfig",       "ForwardConfig",
                                                  "JwtValidationConfig",       "Order",
                                                  "RedirectConfig",            "TargetGroupArn", "Type"};
constexpr std::array<std::string_view, 2> kForward{"TargetGroupStickinessConfig", "TargetGroups"};
constexpr std::array<std::string_view, 2> kTgTuple{"TargetGroupArn", "Weight"};
constexpr std::array<std::string_view, 4> kNlbListenerProtocols{"TCP", "TLS", "UDP", "TCP_UDP"};
constexpr std::array<std::string_view, 19> kSubnetProps{
    "AssignIpv6AddressOnCreation", "AvailabilityZone", "AvailabilityZoneId", "BlockPublicAccessStates",
    "CidrBlock", "EnableDns64", "EnableLniAtDeviceIndex", "Ipv4IpamPoolId", "Ipv4NetmaskLength",
    "Ipv6CidrBlock", "Ipv6CidrBlocks", "Ipv6IpamPoolId", "Ipv6Native", "Ipv6NetmaskLength",
    "MapPublicIpOnLaunch", "OutpostArn", "PrivateDnsNameOptionsOnLaunch", "Tags", "VpcId"};
constexpr std::array<std::string_view, 7> kVpcProps{"CidrBlock", "EnableDnsHostnames", "EnableDnsSupport",
                                                    "InstanceTenancy", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "Tags"};
constexpr std::array<std::string_view, 2> kHcResourceProps{"HealthCheckConfig", "HealthCheckTags"};
constexpr std::array<std::string_view, 16> kHcConfig{
    "AlarmIdentifier", "ChildHealthChecks", "EnableSNI", "FailureThreshold", "FullyQualifiedDomainName",
    "HealthThreshold", "IPAddress", "InsufficientDataHealthStatus", "Inverted", "MeasureLatency", "Port",
    "Regions", "RequestInterval", "ResourcePath", "RoutingControlArn", "Type"};
constexpr std::array<std::string_view, 4> kR53Types{"HTTP", "HTTPS", "TCP", "HTTP_STR_MATCH"};
constexpr std::array<std::string_view, 17> kRecordProps{
    "AliasTarget", "CidrRoutingConfig", "Comment", "Failover", "GeoLocation", "GeoProximityLocation",
    "HealthCheckId", "HostedZoneId", "HostedZoneName", "MultiValueAnswer", "Name", "Region", "ResourceRecords",
    "SetIdentifier", "TTL", "Type", "Weight"};
constexpr std::int64_t kIntMax = 2147483647;

std::string logical_list(Ctx& c, std::string_view type) {
  std::string out;
  for (const std::string& id : c.resource_order)
    if (c.resources.at(id).type == type) out += (out.empty() ? "" : ", ") + id;
  return out.empty() ? "(none in this template)" : out;
}

// A reference by id/ARN (or by name) to another resource of the template -> its logical ID.
std::optional<std::string> cross_ref(const Obj& o, std::string_view key, const std::string& value, std::string_view type,
                                     bool by_name, const std::string& what) {
  if (auto id = find_resource(o.ctx(), type, value, by_name)) return id;
  o.error(key, "\"" + value + "\" is not " + what + " of this template",
          "refer to one with !Ref (" + std::string(type) + " here: " + logical_list(o.ctx(), type) + ")");
  return std::nullopt;
}

std::optional<std::string> decode_base64(const std::string& in) {
  std::string s;
  for (char ch : in)
    if (ch != '\n' && ch != '\r' && ch != ' ' && ch != '\t') s += ch;
  if (s.empty() || s.size() % 4 != 0) return std::nullopt;
  auto val = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 4) {
    int v[4];
    for (int k = 0; k < 4; ++k) {
      const char ch = s[i + static_cast<std::size_t>(k)];
      v[k] = ch == '=' && i + 4 == s.size() && k >= 2 ? 0 : val(ch);
      if (v[k] < 0) return std::nullopt;
    }
    const unsigned n = (unsigned(v[0]) << 18) | (unsigned(v[1]) << 12) | (unsigned(v[2]) << 6) | unsigned(v[3]);
    out += static_cast<char>((n >> 16) & 0xFF);
    if (s[i + 2] != '=') out += static_cast<char>((n >> 8) & 0xFF);
    if (s[i + 3] != '=') out += static_cast<char>(n & 0xFF);
  }
  return out;
}

void read_launch_template(Ctx& c, const ResourceInfo& r, const Value* props, const std::string& path) {
  Obj o(c, props, path, kLtProps, "AWS::EC2::LaunchTemplate");
  LaunchTemplate lt;
  lt.logical_id = r.logical_id;
  lt.name = r.name;
  lt.path = c.where(r.pos, "Resources." + r.logical_id);
  if (!o.has("LaunchTemplateData")) {
    c.error(r.pos, path + ".LaunchTemplateData", "LaunchTemplateData is required for AWS::EC2::LaunchTemplate",
            "add LaunchTemplateData: {ImageId: ..., InstanceType: ..., UserData: ...}");
  }
  for (const Obj& t : o.objs("TagSpecifications", kTagSpec, "a launch template tag specification")) {
    static constexpr std::array<std::string_view, 1> kLtOnly{"launch-template"};
    (void)t.one_of("ResourceType", kLtOnly, true);
    (void)read_tags(t, "Tags", false);
  }
  const Obj d = o.obj("LaunchTemplateData", kLtData, "LaunchTemplateData");
  if (auto s = d.str("ImageId")) lt.image_id = *s;
  if (auto s = d.str("InstanceType")) lt.instance_type = *s;
  if (auto s = d.str("KeyName")) lt.key_name = *s;
  if (const Value* u = d.get("UserData")) {
    lt.user_data_path = c.where(u->pos, d.path("UserData"));
    if (auto s = d.str("UserData")) {
      if (u->base64) {
        lt.user_data = *s;
      } else if (auto plain = decode_base64(*s)) {
        lt.user_data = *plain;
      } else {
        d.error("UserData", "UserData must be base64-encoded, and this string is not base64",
                "wrap the script: UserData: !Base64 |  (or Fn::Base64: !Sub | ...)");
      }
    }
  }
  const Obj m = d.obj("MetadataOptions", kMetadata, "MetadataOptions");
  static constexpr std::array<std::string_view, 2> kTokens{"optional", "required"};
  static constexpr std::array<std::string_view, 2> kEndpoint{"enabled", "disabled"};
  if (auto t = m.one_of("HttpTokens", kTokens)) lt.imds_v2_required = *t == "required";
  if (auto e = m.one_of("HttpEndpoint", kEndpoint)) lt.imds_enabled = *e == "enabled";
  if (auto h = m.integer("HttpPutResponseHopLimit", 1, 64)) lt.imds_hop_limit = static_cast<int>(*h);
  static constexpr std::array<std::string_view, 4> kResourceTypes{"instance", "volume", "network-interface",
                                                                  "spot-instances-request"};
  for (const Obj& t : d.objs("TagSpecifications", kTagSpec, "a tag specification")) {
    auto rt = t.one_of("ResourceType", kResourceTypes, true);
    auto tags = read_tags(t, "Tags", false);
    if (rt && *rt == "instance") lt.tags.insert(lt.tags.end(), tags.begin(), tags.end());
  }
  c.spec().launch_templates.push_back(std::move(lt));
}

void read_hook_fields(const Obj& h, LifecycleHook& hook) {
  if (auto t = h.one_of("LifecycleTransition", kTransitions, true))
    hook.transition = *t == kTransitions[0] ? Transition::kLaunching : Transition::kTerminating;
  if (auto t = h.integer("HeartbeatTimeout", 30, 7200)) hook.heartbeat_timeout_s = *t;
  if (auto d = h.one_of("DefaultResult", kResults)) hook.default_continue = *d == "CONTINUE";
  (void)h.str("NotificationTargetARN");
  (void)h.str("RoleARN");
  (void)h.str("NotificationMetadata");
}

void read_asg(Ctx& c, const ResourceInfo& r, const Value* props, const std::string& path) {
  const Obj o(c, props, path, kAsgProps, "AWS::AutoScaling::AutoScalingGroup");
  AutoScalingGroup g;
  g.logical_id = r.logical_id;
  g.name = r.name;
  g.path = c.where(r.pos, "Resources." + r.logical_id);
  auto min = o.integer("MinSize", 0, kIntMax, true), max = o.integer("MaxSize", 0, kIntMax, true);
  auto desired = o.integer("DesiredCapacity", 0, kIntMax);
  if (min) g.min_size = static_cast<int>(*min);
  if (max) g.max_size = static_cast<int>(*max);
  if (desired) g.desired = static_cast<int>(*desired);
  if (min && max && *min > *max)
    o.error("MaxSize", "Max bound, " + std::to_string(*max) + ", must be greater than or equal to min bound, " +
                           std::to_string(*min),
            "make MinSize <= MaxSize");
  else if (min && max && desired && (*desired < *min || *desired > *max))
    o.error("DesiredCapacity", "Desired capacity:" + std::to_string(*desired) +
                                   " must be between the specified min size:" + std::to_string(*min) +
                                   " and max size:" + std::to_string(*max),
            "make MinSize <= DesiredCapacity <= MaxSize");

  // The launch template: LaunchTemplate, or MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.
  Obj spec = o.obj("LaunchTemplate", kLtSpec, "a LaunchTemplateSpecification");
  std::string spec_key = "LaunchTemplate";
  if (!spec.ok() && o.has("MixedInstancesPolicy")) {
    const Obj mix = o.obj("MixedInstancesPolicy", kMixed, "a MixedInstancesPolicy");
    const Obj mlt = mix.obj("LaunchTemplate", kMixedLt, "a MixedInstancesPolicy LaunchTemplate");
    spec = mlt.obj("LaunchTemplateSpecification", kLtSpec, "a LaunchTemplateSpecification");
    spec_key = "MixedInstancesPolicy";
    c.warn(path + ": MixedInstancesPolicy is read for its launch template only (overrides and the instances "
                  "distribution are not modelled)");
  }
  if (spec.ok()) {
    auto id = spec.str("LaunchTemplateId"), name = spec.str("LaunchTemplateName");
    if (id && name) {
      spec.error("LaunchTemplateId", "give the LaunchTemplateId or the LaunchTemplateName, not both",
                 "keep LaunchTemplateId: !Ref YourLaunchTemplate");
    } else if (id) {
      if (auto l = cross_ref(spec, "LaunchTemplateId", *id, "AWS::EC2::LaunchTemplate", false, "a launch template"))
        g.launch_template = *l;
    } else if (name) {
      if (auto l = cross_ref(spec, "LaunchTemplateName", *name, "AWS::EC2::LaunchTemplate", true, "a launch template"))
        g.launch_template = *l;
    } else if (!spec.has("LaunchTemplateId") && !spec.has("LaunchTemplateName")) {
      spec.error("", "a LaunchTemplateSpecification needs LaunchTemplateId or LaunchTemplateName",
                 "add LaunchTemplateId: !Ref YourLaunchTemplate");
    }
    if (auto v = spec.str("Version", true)) g.launch_template_version = *v;
  } else if (!o.has("LaunchTemplate") && !o.has("MixedInstancesPolicy")) {
    if (o.has("LaunchConfigurationName"))
      o.error("LaunchConfigurationName", "launch configurations are not modelled by raftlab",
              "use an AWS::EC2::LaunchTemplate and LaunchTemplate: {LaunchTemplateId: !Ref ..., Version: ...}");
    else if (o.has("InstanceId"))
      o.error("InstanceId", "creating a group from an instance is not modelled by raftlab", "use a LaunchTemplate");
    else
      c.error(r.pos, path + ".LaunchTemplate", "the group has no launch template",
              "add LaunchTemplate: {LaunchTemplateId: !Ref YourLaunchTemplate, Version: !GetAtt "
              "YourLaunchTemplate.LatestVersionNumber}");
  }

  if (auto subnets = o.strings("VPCZoneIdentifier")) {
    for (const std::string& s : *subnets)
      g.subnets.push_back(find_resource(c, "AWS::EC2::Subnet", s, false).value_or(s));
  }
  if (auto azs = o.strings("AvailabilityZones")) g.azs = *azs;
  if (!o.has("VPCZoneIdentifier") && !o.has("AvailabilityZones"))
    c.error(r.pos, path + ".VPCZoneIdentifier", "the group has neither VPCZoneIdentifier nor AvailabilityZones",
            "add VPCZoneIdentifier: [!Ref SubnetA, !Ref SubnetB]");
  static constexpr std::array<std::string_view, 4> kHealthTypes{"EC2", "ELB", "VPC_LATTICE", "EBS"};
  if (auto t = o.one_of("HealthCheckType", kHealthTypes)) {
    if (*t == "EC2" || *t == "ELB")
      g.health_check_type = *t;
    else
      o.error("HealthCheckType", *t + " health checks are not modelled by raftlab", "use EC2 or ELB");
  }
  if (auto s = o.integer("HealthCheckGracePeriod", 0, kIntMax)) g.health_check_grace_s = *s;
  if (auto s = o.integer("Cooldown", 0, kIntMax)) g.default_cooldown_s = *s;
  if (auto tgs = o.strings("TargetGroupARNs")) {
    for (const std::string& a : *tgs)
      if (auto l = cross_ref(o, "TargetGroupARNs", a, "AWS::ElasticLoadBalancingV2::TargetGroup", false,
                             "a target group"))
        g.target_groups.push_back(*l);
  }
  if (auto tp = o.strings("TerminationPolicies")) {
    g.termination_policies.clear();
    for (const std::string& p : *tp) {
      if (std::find(kTermination.begin(), kTermination.end(), p) != kTermination.end()) {
        g.termination_policies.push_back(p);
      } else {
        o.error("TerminationPolicies", "\"" + p + "\" is not a termination policy" + did_you_mean(p, kTermination),
                p.rfind("arn:", 0) == 0 ? "custom (Lambda) termination policies are not modelled by raftlab"
                                        : "valid: " + join_names(kTermination));
      }
    }
    if (g.termination_policies.empty()) g.termination_policies.push_back("Default");
  }
  g.tags = read_tags(o, "Tags", true);
  for (const Obj& h : o.objs("LifecycleHookSpecificationList", kHookSpec, "a LifecycleHookSpecification")) {
    if (!h.ok()) continue;
    LifecycleHook hook;
    hook.asg = r.logical_id;
    hook.path = c.where(h.pos(), h.path());
    if (auto n = h.str("LifecycleHookName", true)) hook.name = *n;
    read_hook_fields(h, hook);
    c.spec().hooks.push_back(std::move(hook));
  }
  std::string list;
  for (const std::string& k : o.keys_except(kAsgRead))
    if (std::find(kAsgProps.begin(), kAsgProps.end(), k) != kAsgProps.end()) list += (list.empty() ? "" : ", ") + k;
  if (!list.empty()) {
    c.warn(path + ": " + list + " accepted but not modelled");
  }
  c.spec().asgs.push_back(std::move(g));
}

void read_hook(Ctx& c, const ResourceInfo& r, const Value* props, const std::string& path) {
  const Obj o(c, props, path, kHookProps, "AWS::AutoScaling::LifecycleHook");
  LifecycleHook hook;
  hook.logical_id = r.logical_id;
  hook.name = r.name;
  hook.path = c.where(r.pos, "Resources." + r.logical_id);
  if (auto a = o.str("AutoScalingGroupName", true))
    if (auto l = cross_ref(o, "AutoScalingGroupName", *a, "AWS::AutoScaling::AutoScalingGroup", true,
                           "an Auto Scaling group"))
      hook.asg = *l;
  read_hook_fields(o, hook);
  c.spec().hooks.push_back(std::move(hook));
}

void read_target_group(Ctx& c, const ResourceInfo& r, const Value* props, const std::string& path) {
  const Obj o(c, props, path, kTgProps, "AWS::ElasticLoadBalancingV2::TargetGroup");
  TargetGroup tg;
  tg.logical_id = r.logical_id;
  tg.name = r.name;
  tg.path = c.where(r.pos, "Resources." + r.logical_id);
  if (tg.name.size() > 32) o.error("Name", "a target group name has at most 32 characters", "shorten it");
  if (auto t = o.one_of("TargetType", kTargetTypes)) tg.target_type = *t;
  const bool lambda = tg.target_type == "lambda";
  if (auto p = o.one_of("Protocol", kTgProtocols, !lambda)) tg.protocol = *p;
  if (auto p = o.integer("Port", 1, 65535, !lambda)) tg.port = static_cast<int>(*p);
  (void)o.str("VpcId");
  const bool http_tg = tg.protocol == "HTTP" || tg.protocol == "HTTPS";
  HealthCheck& h = tg.health;
  h.protocol = http_tg ? "HTTP" : "TCP";
  if (auto p = o.one_of("HealthCheckProtocol", kHcProtocols)) h.protocol = *p;
  if (http_tg && h.protocol == "TCP")
    o.error("HealthCheckProtocol", "TCP health checks are not supported for " + tg.protocol + " target groups",
            "use HTTP or HTTPS");
  h.interval_s = tg.protocol == "GENEVE" ? 10 : 30;
  h.timeout_s = tg.protocol == "HTTP" ? 6 : tg.protocol == "GENEVE" ? 5 : 10;
  h.matcher = http_tg ? "200" : "200-399";
  if (auto s = o.integer("HealthCheckIntervalSeconds", 5, 300)) h.interval_s = *s;
  if (auto s = o.integer("HealthCheckTimeoutSeconds", 2, 120)) h.timeout_s = *s;
  if (auto s = o.integer("HealthyThresholdCount", 2, 10)) h.healthy_threshold = static_cast<int>(*s);
  if (auto s = o.integer("UnhealthyThresholdCount", 2, 10)) h.unhealthy_threshold = static_cast<int>(*s);
  if (auto s = o.str("HealthCheckPath")) h.path = *s;
  if (auto s = o.str("HealthCheckPort")) {
    if (*s != "traffic-port") (void)o.integer("HealthCheckPort", 1, 65535);
    h.port = *s;
  }
  if (auto e = o.boolean("HealthCheckEnabled"); e && !*e && !lambda)
    o.error("HealthCheckEnabled", "health checks cannot be disabled for a target group of type " + tg.target_type,
            "remove HealthCheckEnabled");
  const Obj m = o.obj("Matcher", kMatcher, "a Matcher");
  if (auto s = m.str("HttpCode")) h.matcher = *s;
  for (const Obj& a : o.objs("TargetGroupAttributes", kKeyValue, "a target group attribute")) {
    auto k = a.str("Key", true);
    if (k && *k == "deregistration_delay.timeout_seconds") {
      if (auto v = a.integer("Value", 0, 3600)) tg.deregistration_delay_s = *v;
    } else {
      (void)a.str("Value", true);
    }
  }
  if (o.has("Targets"))
    c.warn(path + ".Targets: targets registered in the template are not modelled (the ASG registers its instances)");
  (void)read_tags(o, "Tags", false);
  c.spec().target_groups.push_back(std::move(tg));
}

void read_r53_health_check(Ctx& c, const ResourceInfo& r, const Value* props, const std::string& path) {
  const Obj o(c, props, path, kHcResourceProps, "AWS::Route53::HealthCheck");
  Route53HealthCheck h;
  h.logical_id = r.logical_id;
  h.path = c.where(r.pos, "Resources." + r.logical_id);
  const Obj k = o.obj("HealthCheckConfig", kHcConfig, "a HealthCheckConfig");
  if (!o.has("HealthCheckConfig")) o.error("HealthCheckConfig", "HealthCheckConfig is required", "add Type, IPAddress, Port");
  if (auto t = k.one_of("Type", kR53Types, true)) h.type = *t == "TCP" ? "TCP" : "HTTP";
  if (auto ip = k.str("IPAddress", true)) h.ip = *ip;
  h.port = h.type == "TCP" ? 0 : 80;
  if (auto p = k.integer("Port", 1, 65535, h.type == "TCP")) h.port = static_cast<int>(*p);
  if (auto p = k.str("ResourcePath")) h.resource_path = *p;
  if (auto i = k.integer("RequestInterval", 10, 30)) {
    if (*i != 10 && *i != 30) k.error("RequestInterval", "RequestInterval is 10 or 30", "write 10 or 30");
    h.interval_s = *i;
  }
  if (auto f = k.integer("FailureThreshold", 1, 10)) h.failure_threshold = static_cast<int>(*f);
  c.spec().health_checks.push_back(std::move(h));
}

void read_r53_record(Ctx& c, const ResourceInfo& r, const Value* props, const std::string& path) {
  const Obj o(c, props, path, kRecordProps, "AWS::Route53::RecordSet");
  Route53Record rec;
  rec.logical_id = r.logical_id;
  rec.path = c.where(r.pos, "Resources." + r.logical_id);
  if (auto n = o.str("Name", true)) rec.name = n->empty() || n->back() == '.' ? *n : *n + ".";
  if (auto t = o.str("Type", true)) {
    if (*t != "A" && *t != "SRV")
      o.error("Type", "only A and SRV records are modelled",
              "Type: A with ResourceRecords of IPv4 addresses, or Type: SRV with \"priority weight port target\"");
    else rec.type = *t;
  }
  if (!o.has("HostedZoneName") && !o.has("HostedZoneId"))
    o.error("HostedZoneName", "a record set needs HostedZoneName or HostedZoneId", "add HostedZoneName: example.com.");
  (void)o.str("HostedZoneName");
  (void)o.str("HostedZoneId");
  (void)o.str("Comment");
  if (auto s = o.str("SetIdentifier")) rec.set_identifier = *s;
  if (auto w = o.integer("Weight", 0, 255)) rec.weight = *w;
  if (rec.weight >= 0 && rec.set_identifier.empty())
    o.error("SetIdentifier", "a weighted record needs a SetIdentifier", "add SetIdentifier: gw1");
  if (auto t = o.integer("TTL", 0, kIntMax)) rec.ttl = *t;
  if (auto v = o.strings("ResourceRecords")) rec.values = *v;
  if (rec.values.empty()) o.error("ResourceRecords", "no ResourceRecords", "list the gateway addresses");
  if (rec.type == "SRV") {
    // Route 53's SRV value format: "priority weight port domain-name" (Route 53 Developer
    // Guide, "Supported DNS record types", SRV record type).
    for (const std::string& v : rec.values) {
      std::vector<std::string> f;
      std::string cur;
      for (char ch : v) {
        if (ch == ' ') { if (!cur.empty()) f.push_back(cur); cur.clear(); }
        else cur += ch;
      }
      if (!cur.empty()) f.push_back(cur);
      bool ok = f.size() == 4;
      for (std::size_t i = 0; ok && i < 3; ++i) {
        ok = !f[i].empty() && f[i].size() <= 5 && std::all_of(f[i].begin(), f[i].end(), [](char d) { return d >= '0' && d <= '9'; }) &&
             std::stoi(f[i]) <= 65535;
      }
      if (!ok)
        o.error("ResourceRecords", "SRV value \"" + v + "\" is not \"priority weight port domain-name\"",
                "write e.g. \"0 0 2380 etcd1.example.com\" (each number 0-65535)");
    }
    if (rec.weight >= 0 || o.has("HealthCheckId"))
      o.error(rec.weight >= 0 ? "Weight" : "HealthCheckId", "weighted or health-checked SRV record sets are not modelled",
              "use a simple SRV record set (no SetIdentifier, Weight or HealthCheckId)");
  }
  if (auto h = o.str("HealthCheckId")) {
    if (auto l = cross_ref(o, "HealthCheckId", *h, "AWS::Route53::HealthCheck", false, "a health check"))
      rec.health_check = *l;
  }
  for (const char* k : {"AliasTarget", "Failover", "GeoLocation", "GeoProximityLocation", "Region", "MultiValueAnswer",
                        "CidrRoutingConfig"})
    if (o.has(k)) o.error(k, std::string(k) + " routing is not modelled", "raftlab models simple and weighted A records and simple SRV records");
  c.spec().records.push_back(std::move(rec));
}

void not_modelled(Ctx& c, const ResourceInfo& r, const std::string& why) {
  c.spec().not_modelled.push_back(NotModelled{r.logical_id, r.type, c.where(r.pos, "Resources." + r.logical_id)});
  c.warn("Resources." + r.logical_id + ": " + why);
}

void read_load_balancer(Ctx& c, const ResourceInfo& r, const Value* props, const std::string& path) {
  const Obj o(c, props, path, kLbPropsAll, "AWS::ElasticLoadBalancingV2::LoadBalancer");
  const std::string type = o.one_of("Type", kLbTypes).value_or("application");
  if (type != "network") {
    not_modelled(c, r, (o.has("Type") ? "Type " + type : "no Type (AWS's default: application)") +
                           ": an " + (type == "gateway" ? "Gateway" : "Application") +
                           " Load Balancer is not modelled (raftlab models Network Load Balancers: Type: network)");
    return;
  }
  LoadBalancer lb;
  lb.logical_id = r.logical_id;
  lb.name = r.name;
  lb.type = type;
  lb.path = c.where(r.pos, "Resources." + r.logical_id);
  if (lb.name.size() > 32) o.error("Name", "a load balancer name has at most 32 characters", "shorten it");
  if (lb.name.rfind("internal-", 0) == 0) o.error("Name", "a load balancer name must not begin with \"internal-\"");
  if (auto s = o.one_of("Scheme", kSchemes)) lb.scheme = *s;
  static constexpr std::array<std::string_view, 3> kIpTypes{"ipv4", "dualstack", "dualstack-without-public-ipv4"};
  (void)o.one_of("IpAddressType", kIpTypes);
  if (auto subnets = o.strings("Subnets"))
    for (const std::string& s : *subnets) lb.subnets.push_back(find_resource(c, "AWS::EC2::Subnet", s, false).value_or(s));
  for (const Obj& m : o.objs("SubnetMappings", kSubnetMapping, "a SubnetMapping"))
    if (auto s = m.str("SubnetId", true)) lb.subnets.push_back(find_resource(c, "AWS::EC2::Subnet", *s, false).value_or(*s));
  if (!o.has("Subnets") && !o.has("SubnetMappings"))
    c.error(r.pos, path + ".Subnets", "the load balancer has neither Subnets nor SubnetMappings",
            "add Subnets: [!Ref SubnetA, !Ref SubnetB]");
  for (const Obj& a : o.objs("LoadBalancerAttributes", kKeyValue, "a load balancer attribute")) {
    auto k = a.str("Key", true);
    if (k && *k == "load_balancing.cross_zone.enabled") {
      if (auto v = a.boolean("Value")) lb.cross_zone = *v;
    } else {
      (void)a.str("Value", true);
    }
  }
  (void)o.strings("SecurityGroups");
  (void)read_tags(o, "Tags", false);
  const ResourceInfo& info = c.resources.at(r.logical_id);
  if (auto it = info.attrs.find("DNSName"); it != info.attrs.end()) lb.dns_name = it->second.str;
  c.spec().load_balancers.push_back(std::move(lb));
}

void read_listener(Ctx& c, const ResourceInfo& r, const Value* props, const std::string& path) {
  const Obj o(c, props, path, kListenerProps, "AWS::ElasticLoadBalancingV2::Listener");
  Listener l;
  l.logical_id = r.logical_id;
  l.path = c.where(r.pos, "Resources." + r.logical_id);
  if (auto a = o.str("LoadBalancerArn", true)) {
    auto lb = cross_ref(o, "LoadBalancerArn", *a, "AWS::ElasticLoadBalancingV2::LoadBalancer", false, "a load balancer");
    if (!lb) return;
    const auto& lbs = c.spec().load_balancers;
    if (std::none_of(lbs.begin(), lbs.end(), [&](const LoadBalancer& x) { return x.logical_id == *lb; })) {
      not_modelled(c, r, "a listener of " + *lb + ", which is not modelled");
      return;
    }
    l.load_balancer = *lb;
  }
  if (auto p = o.integer("Port", 1, 65535, true)) l.port = static_cast<int>(*p);
  if (auto p = o.one_of("Protocol", kNlbListenerProtocols)) l.protocol = *p;
  std::vector<Obj> actions = o.objs("DefaultActions", kAction, "an action");
  if (!o.has("DefaultActions"))
    c.error(r.pos, path + ".DefaultActions", "DefaultActions is required for a listener",
            "add DefaultActions: [{Type: forward, TargetGroupArn: !Ref YourTargetGroup}]");
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const Obj& a = actions[i];
    static constexpr std::array<std::string_view, 1> kForwardOnly{"forward"};
    auto t = a.str("Type", true);
    if (!t) continue;
    if (*t != "forward") {
      a.error("Type", "a Network Load Balancer listener's action must be forward, got \"" + *t + "\"" +
                          did_you_mean(*t, kForwardOnly),
              "write Type: forward");
      continue;
    }
    std::optional<std::string> arn = a.str("TargetGroupArn");
    std::string key = "TargetGroupArn";
    const Obj f = a.obj("ForwardConfig", kForward, "a ForwardConfig");
    std::vector<Obj> tuples = f.objs("TargetGroups", kTgTuple, "a target group tuple");
    if (!arn && !tuples.empty()) {
      arn = tuples[0].str("TargetGroupArn", true);
      if (tuples.size() > 1)
        c.warn(f.path() + ": weighted forwarding to " + std::to_string(tuples.size()) +
               " target groups is not modelled; raftlab forwards to the first");
      if (!arn) continue;
      const Obj& t0 = tuples[0];
      if (auto tg = cross_ref(t0, "TargetGroupArn", *arn, "AWS::ElasticLoadBalancingV2::TargetGroup", false,
                              "a target group"))
        l.target_group = *tg;
      continue;
    }
    if (!arn) {
      a.error("", "a forward action needs TargetGroupArn or ForwardConfig.TargetGroups",
              "add TargetGroupArn: !Ref YourTargetGroup");
      continue;
    }
    if (auto tg = cross_ref(a, key, *arn, "AWS::ElasticLoadBalancingV2::TargetGroup", false, "a target group"))
      l.target_group = *tg;
  }
  c.spec().listeners.push_back(std::move(l));
}

void read_subnet(Ctx& c, const ResourceInfo& r, const Value* props, const std::string& path) {
  const Obj o(c, props, path, kSubnetProps, "AWS::EC2::Subnet");
  Subnet s;
  s.id = r.ref;
  s.logical_id = r.logical_id;
  s.path = c.where(r.pos, "Resources." + r.logical_id);
  (void)o.str("VpcId", true);
  if (auto az = o.str("AvailabilityZone")) {
    s.az = *az;
  } else {
    s.az = c.region() + "a";
    if (!o.has("AvailabilityZoneId"))
      c.warn(path + ": no AvailabilityZone (AWS picks one); raftlab uses " + s.az);
  }
  if (auto cidr = o.str("CidrBlock", !o.has("Ipv4IpamPoolId") && !o.has("Ipv6Native"))) s.cidr = *cidr;
  (void)o.boolean("MapPublicIpOnLaunch");
  (void)read_tags(o, "Tags", false);
  c.spec().subnets.push_back(std::move(s));
}

}  // namespace

void read_resource(Ctx& c, const ResourceInfo& r, const Value* props, const std::string& path) {
  const std::string& t = r.type;
  if (t == "AWS::EC2::LaunchTemplate") return read_launch_template(c, r, props, path);
  if (t == "AWS::AutoScaling::AutoScalingGroup") return read_asg(c, r, props, path);
  if (t == "AWS::AutoScaling::LifecycleHook") return read_hook(c, r, props, path);
  if (t == "AWS::ElasticLoadBalancingV2::TargetGroup") return read_target_group(c, r, props, path);
  if (t == "AWS::ElasticLoadBalancingV2::LoadBalancer") return read_load_balancer(c, r, props, path);
  if (t == "AWS::ElasticLoadBalancingV2::Listener") return read_listener(c, r, props, path);
  if (t == "AWS::EC2::Subnet") return read_subnet(c, r, props, path);
  if (t == "AWS::Route53::HealthCheck") return read_r53_health_check(c, r, props, path);
  if (t == "AWS::Route53::RecordSet") return read_r53_record(c, r, props, path);
  if (t == "AWS::EC2::VPC") {
    const Obj o(c, props, path, kVpcProps, "AWS::EC2::VPC");
    (void)o.str("CidrBlock", !o.has("Ipv4IpamPoolId"));
    (void)read_tags(o, "Tags", false);
  }
}

}  // namespace raftlab::cloud::cfn
