// sim/cloud/cfn.cc — read_template (cfn.h): the template's sections in CloudFormation's
// order — Parameters, Mappings, Conditions, Resources (each resource's Condition, then its
// Properties evaluated and read) — and the error bookkeeping every part shares.
//
// Sources: CloudFormation User Guide, "Template anatomy" (the top-level sections),
// "Resources" (Type, Properties, DependsOn, Condition, DeletionPolicy, UpdateReplacePolicy,
// UpdatePolicy, CreationPolicy, Metadata; logical IDs are alphanumeric, A-Za-z0-9),
// "CloudFormation quotas" (500 resources per template).
//
// Must never: throw (an unexpected exception becomes an error), stop at the first error
// (they are collected, at most kErrorsMax), or read anything but `text`.
#include <algorithm>
#include <array>
#include <cctype>
#include <exception>
#include <string>

#include "sim/cloud/cfn.h"
#include "sim/cloud/cfn_internal.h"

namespace raftlab::cloud {
namespace cfn {

void Ctx::error(Pos p, const std::string& path, std::string message, std::string fix) {
  CloudError e{where(p, path), std::move(message), std::move(fix)};
  for (const CloudError& x : errors_)
    if (x.where == e.where && x.message == e.message) return;
  if (errors_.size() >= kErrorsMax) {
    if (!capped_) errors_.push_back(CloudError{file_, "more than " + std::to_string(kErrorsMax) + " errors; stopped", ""});
    capped_ = true;
    return;
  }
  errors_.push_back(std::move(e));
}

void Ctx::warn(std::string w) {
  auto& ws = spec_->warnings;
  if (std::find(ws.begin(), ws.end(), w) == ws.end() && ws.size() < kErrorsMax * 4) ws.push_back(std::move(w));
}

std::string Ctx::where(Pos p, const std::string& path) const {
  std::string out = file_;
  if (p.line > 0) out += ":" + std::to_string(p.line) + ":" + std::to_string(p.col);
  if (!path.empty()) out += " " + path;
  return out;
}

bool Ctx::charge(std::size_t bytes, Pos p, const std::string& path) {
  expanded_ += bytes;
  if (expanded_ <= kExpandedMax) return true;
  error(p, path, "the template expands to more than " + std::to_string(kExpandedMax >> 20) + " MiB of text",
        "reduce repeated Fn::Sub / Fn::Join of large values");
  return false;
}

namespace {

constexpr std::array<std::string_view, 10> kSections{"AWSTemplateFormatVersion", "Description", "Metadata",
                                                     "Parameters", "Rules", "Mappings", "Conditions", "Transform",
                                                     "Resources", "Outputs"};
constexpr std::array<std::string_view, 9> kResourceKeys{"Condition", "CreationPolicy", "DeletionPolicy",
                                                        "DependsOn", "Metadata", "Properties", "Type",
                                                        "UpdatePolicy", "UpdateReplacePolicy"};
constexpr std::array<std::string_view, 4> kDeletion{"Delete", "Retain", "RetainExceptOnCreate", "Snapshot"};
// Read in this order so that each cross-reference finds what it names already in the spec.
constexpr std::array<std::string_view, 10> kReadOrder{
    "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::LaunchTemplate", "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::AutoScaling::AutoScalingGroup",
    "AWS::AutoScaling::LifecycleHook", "AWS::ElasticLoadBalancingV2::Listener", "AWS::Route53::HealthCheck",
    "AWS::Route53::RecordSet"};

bool alphanumeric(const std::string& s) {
  return !s.empty() && s.size() <= 255 &&
         std::all_of(s.begin(), s.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) != 0; });
}

void declare_resources(Ctx& c, const Value& res) {
  for (std::size_t i = 0; i < res.keys.size(); ++i) {
    const std::string& id = res.keys[i];
    const std::string path = "Resources." + id;
    const Pos kp = res.key_pos[i];
    if (!alphanumeric(id)) {
      c.error(kp, path, "the logical ID \"" + id + "\" must be alphanumeric (A-Za-z0-9)", "rename it, e.g. EtcdAsg");
      continue;
    }
    const Value& r = res.items[i];
    const Obj o(c, &r, path, kResourceKeys, "a resource");
    if (!o.ok()) continue;
    auto type = o.str("Type", true);
    if (!type) continue;
    if (type->rfind("AWS::", 0) != 0 && type->rfind("Custom::", 0) != 0 && *type != "AWS::CloudFormation::CustomResource") {
      o.error("Type", "\"" + *type + "\" is not a resource type (AWS::Service::Resource)",
              "write e.g. Type: AWS::AutoScaling::AutoScalingGroup");
      continue;
    }
    ResourceInfo info;
    info.logical_id = id;
    info.type = *type;
    info.decl = &r;
    info.pos = kp;
    c.resources[id] = info;
    c.resource_order.push_back(id);
  }
}

void check_attributes(Ctx& c, ResourceInfo& r) {
  const std::string path = "Resources." + r.logical_id;
  const Obj o(c, r.decl, path, kResourceKeys, "a resource");
  if (const Value* cond = r.decl->get("Condition")) {
    if (!cond->is_string())
      c.error(cond->pos, path + ".Condition", "Condition must be a condition's name, got " + describe(*cond));
    else
      r.active = condition_holds(c, cond->str, cond->pos, path + ".Condition");
  }
  if (const Value* d = r.decl->get("DependsOn")) {
    std::vector<const Value*> names;
    if (d->is_list())
      for (const Value& x : d->items) names.push_back(&x);
    else
      names.push_back(d);
    for (const Value* n : names) {
      if (!n->is_string()) {
        c.error(n->pos, path + ".DependsOn", "DependsOn takes logical IDs, got " + describe(*n));
      } else if (!c.resources.count(n->str)) {
        std::vector<std::string_view> ids(c.resource_order.begin(), c.resource_order.end());
        c.error(n->pos, path + ".DependsOn",
                "Unresolved resource dependencies [" + n->str + "] in the Resources block of the template" +
                    did_you_mean(n->str, ids),
                "name a resource of this template");
      }
    }
  }
  (void)o.one_of("DeletionPolicy", kDeletion);
  (void)o.one_of("UpdateReplacePolicy", kDeletion);
}

void read_all(Ctx& c, const std::string& text, const std::map<std::string, std::string>& parameters) {
  auto root = parse_tree(c, text);
  if (!root) return;
  for (std::size_t i = 0; i < root->keys.size(); ++i) {
    const std::string& k = root->keys[i];
    if (std::find(kSections.begin(), kSections.end(), k) == kSections.end())
      c.error(root->key_pos[i], k, "unknown top-level section \"" + k + "\"" + did_you_mean(k, kSections),
              "sections: " + join_names(kSections));
  }
  if (const Value* v = root->get("AWSTemplateFormatVersion"); v && !(v->is_string() && v->str == "2010-09-09"))
    c.error(v->pos, "AWSTemplateFormatVersion", "AWSTemplateFormatVersion must be \"2010-09-09\", got " + describe(*v),
            "write AWSTemplateFormatVersion: \"2010-09-09\" (the only version)");
  if (const Value* v = root->get("Transform"))
    c.error(v->pos, "Transform", "transforms (macros, AWS::Serverless, AWS::LanguageExtensions) are not run by raftlab",
            "deploy the processed template instead (aws cloudformation get-template --template-stage Processed)");
  read_parameters(c, root->get("Parameters"), parameters);
  if (const Value* m = root->get("Mappings")) {
    if (m->is_map())
      c.mappings = m;
    else
      c.error(m->pos, "Mappings", "Mappings must be a map, got " + describe(*m));
  }
  declare_conditions(c, root->get("Conditions"));

  const Value* res = root->get("Resources");
  if (!res || !res->is_map() || res->keys.empty()) {
    c.error(res ? res->pos : Pos{1, 1}, "Resources",
            res ? "Resources must be a map of at least one resource, got " + describe(*res)
                : "the template has no Resources section",
            "add Resources: with e.g. an AWS::AutoScaling::AutoScalingGroup");
    return;
  }
  if (res->keys.size() > kResourcesMax) {
    c.error(res->pos, "Resources", "the template has " + std::to_string(res->keys.size()) + " resources, more than " +
                                       std::to_string(kResourcesMax),
            "CloudFormation allows 500 per template: split it into stacks");
    return;
  }
  declare_resources(c, *res);
  for (const auto& kv : c.condition_decls) (void)condition_holds(c, kv.first, kv.second->pos, "Conditions." + kv.first);
  for (const std::string& id : c.resource_order) check_attributes(c, c.resources.at(id));

  for (std::string_view type : kReadOrder) {
    for (const std::string& id : c.resource_order) {
      const ResourceInfo& r = c.resources.at(id);
      if (r.type != type || !r.active) continue;
      const std::string path = "Resources." + id + ".Properties";
      if (!resolve_resource(c, id, r.pos, "Resources." + id)) continue;
      const Value* props = r.decl->get("Properties");
      std::optional<Value> evaluated;
      if (props) evaluated = eval(c, *props, path);
      const Value* p = evaluated && evaluated->kind != Value::Kind::kNoValue ? &*evaluated : nullptr;
      if (!p) {
        static const Value kEmpty = [] {
          Value v;
          v.kind = Value::Kind::kMap;
          return v;
        }();
        p = &kEmpty;
      }
      read_resource(c, r, p, path);
    }
  }
  for (const std::string& id : c.resource_order) {
    const ResourceInfo& r = c.resources.at(id);
    if (!r.active || is_modelled_type(r.type)) continue;
    c.spec().not_modelled.push_back(NotModelled{id, r.type, c.where(r.pos, "Resources." + id)});
  }
}

}  // namespace
}  // namespace cfn

TemplateResult read_template(const std::string& text, const std::string& file,
                             const std::map<std::string, std::string>& parameters, const std::string& stack_name,
                             const std::string& region) {
  TemplateResult out;
  out.spec.region = region;
  out.spec.stack_name = stack_name;
  cfn::Ctx c(file, stack_name, region, &out.spec);
  try {
    cfn::read_all(c, text, parameters);
  } catch (const std::exception& e) {
    c.error(cfn::Pos{}, "", std::string("internal error while reading the template: ") + e.what(),
            "report this template to the raftlab maintainers");
  }
  out.errors = c.take_errors();
  out.ok = out.errors.empty();
  return out;
}

}  // namespace raftlab::cloud
