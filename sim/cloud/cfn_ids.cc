// sim/cloud/cfn_ids.cc — what Ref and Fn::GetAtt give for each resource: physical ids,
// generated names, ARNs and DNS names, all derived from the stack name and logical ID
// (FNV-1a, sim/prng.h) so that a template reads the same on every run.
//
// Sources: each type's "Return values" section in the CloudFormation Template Reference
// (aws-resource-ec2-launchtemplate: Ref = the id, LatestVersionNumber, DefaultVersionNumber,
// LaunchTemplateId; aws-resource-ec2-subnet: Ref = the id, AvailabilityZone, CidrBlock,
// SubnetId, VpcId, NetworkAclAssociationId; aws-resource-ec2-vpc: Ref = the id, CidrBlock,
// DefaultNetworkAcl, DefaultSecurityGroup, VpcId; aws-resource-elasticloadbalancingv2-
// targetgroup: Ref = the ARN, TargetGroupArn, TargetGroupFullName, TargetGroupName;
// ...-loadbalancer: Ref = the ARN, DNSName, LoadBalancerArn, LoadBalancerFullName,
// LoadBalancerName; ...-listener: Ref = the ARN, ListenerArn; aws-resource-autoscaling-
// autoscalinggroup and -lifecyclehook: Ref = the name). Names a load balancer or target
// group has at most 32 characters (the Name property's documented limit).
//
// The target group ARN and the ASG's generated name use the formulas sim/cloud/cloud.cc
// uses, so Ref in the template and the runtime's describe output agree.
//
// Must never: draw randomness, or recurse past Ctx::nesting's bound.
#include <array>
#include <cstdio>
#include <string>

#include "sim/cloud/cfn_internal.h"
#include "sim/prng.h"

namespace raftlab::cloud::cfn {
namespace {

constexpr std::string_view kLaunchTemplate = "AWS::EC2::LaunchTemplate";
constexpr std::string_view kSubnet = "AWS::EC2::Subnet";
constexpr std::string_view kVpc = "AWS::EC2::VPC";
constexpr std::string_view kAsg = "AWS::AutoScaling::AutoScalingGroup";
constexpr std::string_view kHook = "AWS::AutoScaling::LifecycleHook";
constexpr std::string_view kTargetGroup = "AWS::ElasticLoadBalancingV2::TargetGroup";
constexpr std::string_view kLoadBalancer = "AWS::ElasticLoadBalancingV2::LoadBalancer";
constexpr std::string_view kListener = "AWS::ElasticLoadBalancingV2::Listener";

struct AttrTable {
  std::string_view type;
  std::array<std::string_view, 5> attrs;
};
constexpr std::array<AttrTable, 8> kAttrs{{
    {kLaunchTemplate, {"LaunchTemplateId", "LatestVersionNumber", "DefaultVersionNumber"}},
    {kSubnet, {"SubnetId", "AvailabilityZone", "CidrBlock", "VpcId", "NetworkAclAssociationId"}},
    {kVpc, {"VpcId", "CidrBlock", "DefaultSecurityGroup", "DefaultNetworkAcl"}},
    {kAsg, {}},
    {kHook, {}},
    {kTargetGroup, {"TargetGroupArn", "TargetGroupName", "TargetGroupFullName"}},
    {kLoadBalancer, {"LoadBalancerArn", "DNSName", "LoadBalancerName", "LoadBalancerFullName"}},
    {kListener, {"ListenerArn"}},
}};

// Id prefixes of common types raftlab does not model (their Ref is an id).
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kIdPrefixes{{
    {"AWS::EC2::SecurityGroup", "sg-"},
    {"AWS::EC2::InternetGateway", "igw-"},
    {"AWS::EC2::RouteTable", "rtb-"},
    {"AWS::EC2::NatGateway", "nat-"},
    {"AWS::EC2::NetworkAcl", "acl-"},
    {"AWS::EC2::Instance", "i-"},
}};

std::string hex16(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Evaluates Properties.<key> of a resource when written; nullopt when absent or not a string.
std::optional<std::string> prop(Ctx& c, const ResourceInfo& r, std::string_view key, const std::string& path) {
  const Value* props = r.decl ? r.decl->get("Properties") : nullptr;
  const Value* v = props ? props->get(key) : nullptr;
  if (!v) return std::nullopt;
  const std::string pp = "Resources." + r.logical_id + ".Properties." + std::string(key);
  Value e = eval(c, *v, pp);
  if (e.kind == Value::Kind::kNoValue || e.kind == Value::Kind::kBad) return std::nullopt;
  if (!e.is_string()) {
    c.error(e.pos, pp, std::string(key) + " must be a string, got " + describe(e));
    return std::nullopt;
  }
  (void)path;
  return e.str;
}

void compute(Ctx& c, ResourceInfo& r, const std::string& path) {
  const std::string& L = r.logical_id;
  const std::string base = c.stack() + "/" + L;
  auto put = [&](std::string_view k, std::string v) { r.attrs[std::string(k)] = Value::string(std::move(v), r.pos); };
  const std::string arn_head = "arn:aws:elasticloadbalancing:" + c.region() + ":" + std::string(kAccountId) + ":";
  if (r.type == kLaunchTemplate) {
    r.name = prop(c, r, "LaunchTemplateName", path).value_or(L);
    r.ref = "lt-" + hex_digits(base + "/lt", 17);
    put("LaunchTemplateId", r.ref);
    put("LatestVersionNumber", "1");  // raftlab creates version 1 only
    put("DefaultVersionNumber", "1");
  } else if (r.type == kSubnet) {
    r.ref = "subnet-" + hex_digits(base + "/subnet", 17);
    r.name = r.ref;
    put("SubnetId", r.ref);
    put("AvailabilityZone", prop(c, r, "AvailabilityZone", path).value_or(c.region() + "a"));
    if (auto cidr = prop(c, r, "CidrBlock", path)) put("CidrBlock", *cidr);
    if (auto vpc = prop(c, r, "VpcId", path)) put("VpcId", *vpc);
    put("NetworkAclAssociationId", "aclassoc-" + hex_digits(base + "/aclassoc", 17));
  } else if (r.type == kVpc) {
    r.ref = "vpc-" + hex_digits(base + "/vpc", 17);
    r.name = r.ref;
    put("VpcId", r.ref);
    if (auto cidr = prop(c, r, "CidrBlock", path)) put("CidrBlock", *cidr);
    put("DefaultSecurityGroup", "sg-" + hex_digits(base + "/sg", 17));
    put("DefaultNetworkAcl", "acl-" + hex_digits(base + "/acl", 17));
  } else if (r.type == kTargetGroup) {
    r.name = prop(c, r, "Name", path).value_or(generated_name(c, L, 32));
    const std::string h = hex16(sim::label_hash(base));  // as sim/cloud/cloud.cc
    r.ref = arn_head + "targetgroup/" + r.name + "/" + h;
    put("TargetGroupArn", r.ref);
    put("TargetGroupName", r.name);
    put("TargetGroupFullName", "targetgroup/" + r.name + "/" + h);
  } else if (r.type == kLoadBalancer) {
    r.name = prop(c, r, "Name", path).value_or(generated_name(c, L, 32));
    const std::string type = prop(c, r, "Type", path).value_or("application");
    const std::string kind = type == "network" ? "net" : type == "gateway" ? "gwy" : "app";
    const std::string h = hex16(sim::label_hash(base + "/lb"));
    r.ref = arn_head + "loadbalancer/" + kind + "/" + r.name + "/" + h;
    put("LoadBalancerArn", r.ref);
    put("LoadBalancerName", r.name);
    put("LoadBalancerFullName", kind + "/" + r.name + "/" + h);
    if (kind == "app") {  // ALB: "[internal-]name-<digits>.<region>.elb.amazonaws.com"
      const bool internal = prop(c, r, "Scheme", path).value_or("internet-facing") == "internal";
      put("DNSName", (internal ? "internal-" : "") + r.name + "-" +
                         std::to_string(sim::label_hash(base + "/dns") % 10000000000ULL) + "." + c.region() +
                         ".elb.amazonaws.com");
    } else {  // NLB / GWLB: "name-<16 hex>.elb.<region>.amazonaws.com"
      put("DNSName", r.name + "-" + h + ".elb." + c.region() + ".amazonaws.com");
    }
  } else if (r.type == kListener) {
    const std::string lb = prop(c, r, "LoadBalancerArn", path).value_or("");
    const std::size_t at = lb.find(":loadbalancer/");
    const std::string tail = at == std::string::npos ? "net/unknown/" + hex16(sim::label_hash(base + "/lbx"))
                                                     : lb.substr(at + 14);
    r.ref = arn_head + "listener/" + tail + "/" + hex16(sim::label_hash(base + "/listener"));
    r.name = r.ref;
    put("ListenerArn", r.ref);
  } else if (r.type == kAsg) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%012llX",
                  static_cast<unsigned long long>(sim::label_hash(base) & 0xFFFFFFFFFFFFULL));
    r.name = prop(c, r, "AutoScalingGroupName", path).value_or(c.stack() + "-" + L + "-" + buf);
    r.ref = r.name;
  } else if (r.type == kHook) {
    r.name = prop(c, r, "LifecycleHookName", path).value_or(L);
    r.ref = r.name;
  } else {
    std::string prefix;
    for (const auto& [t, pre] : kIdPrefixes)
      if (t == r.type) prefix = pre;
    r.ref = prefix.empty() ? generated_name(c, L, 64) : prefix + hex_digits(base + "/id", 17);
    r.name = r.ref;
  }
}

}  // namespace

std::string hex_digits(const std::string& label, std::size_t n) {
  std::string out;
  for (std::uint64_t i = 0; out.size() < n; ++i) out += hex16(sim::label_hash(label + "#" + std::to_string(i)));
  return out.substr(0, n);
}

std::string generated_name(const Ctx& c, const std::string& logical, std::size_t max_len) {
  std::string suffix = hex_digits(c.stack() + "/" + logical + "/name", 12);
  for (char& ch : suffix) ch = static_cast<char>(ch >= 'a' && ch <= 'f' ? ch - 'a' + 'A' : ch);
  const std::size_t room = max_len > 14 ? max_len - 14 : 0;  // two '-' and the suffix
  std::string stack = c.stack(), lid = logical;
  if (stack.size() + lid.size() > room) {
    const std::size_t s = std::min(stack.size(), std::max(room / 2, room > lid.size() ? room - lid.size() : 0));
    stack = stack.substr(0, s);
    lid = lid.substr(0, room - s);
  }
  return stack + "-" + lid + "-" + suffix;
}

bool is_modelled_type(std::string_view type) {
  for (const AttrTable& t : kAttrs)
    if (t.type == type) return true;
  return false;
}

std::vector<std::string> supported_attributes(std::string_view type) {
  std::vector<std::string> out;
  for (const AttrTable& t : kAttrs)
    if (t.type == type)
      for (std::string_view a : t.attrs)
        if (!a.empty()) out.emplace_back(a);
  return out;
}

ResourceInfo* resolve_resource(Ctx& c, const std::string& logical, Pos p, const std::string& path) {
  auto it = c.resources.find(logical);
  if (it == c.resources.end()) return nullptr;
  ResourceInfo& r = it->second;
  if (!r.active) {
    c.error(p, path, logical + " is not created: its Condition is false",
            "guard the reference with Fn::If [ThatCondition, !Ref " + logical + ", !Ref AWS::NoValue]");
    return nullptr;
  }
  if (r.state == 2) return &r;
  if (r.state == 1) {
    c.error(p, path, "circular dependency: " + logical + " refers back to itself through its name properties",
            "break the cycle (give one of the resources a literal name)");
    return nullptr;
  }
  if (c.nesting > kDepthMax) {
    c.error(p, path, "references nested deeper than " + std::to_string(kDepthMax) + " levels");
    return nullptr;
  }
  ++c.nesting;
  r.state = 1;
  compute(c, r, path);
  r.state = 2;
  --c.nesting;
  return &r;
}

std::optional<std::string> find_resource(Ctx& c, std::string_view type, const std::string& value, bool by_name) {
  for (const std::string& id : c.resource_order) {
    ResourceInfo& r = c.resources.at(id);
    if (r.type != type || !r.active) continue;
    if (!resolve_resource(c, id, r.pos, "Resources." + id)) continue;
    if ((by_name ? r.name : r.ref) == value) return id;
  }
  return std::nullopt;
}

}  // namespace raftlab::cloud::cfn
