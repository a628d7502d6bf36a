// sim/cloud/fis.cc — reading and checking an AWS FIS experiment template (fis.h). The
// rules, each from the FIS user guide / API reference (docs/experiments.md cites them):
// a target has exactly one resourceType, resourceArns or resourceTags (not both; at most
// 5 ARNs), selectionMode ALL (the default) / COUNT(n) / PERCENT(n); an action's actionId
// is one FIS defines, its targets key is the action's resource key ("Instances",
// "Subnets"), its startAfter names other actions of the template (no cycle); a stop
// condition's source is "none" or "aws:cloudwatch:alarm" with the alarm's ARN.
#include "sim/cloud/fis.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "sim/scenario/loader.h"

namespace raftlab::cloud::fis {

using nlohmann::json;

namespace {

constexpr std::int64_t kSec = 1'000'000'000;
constexpr std::int64_t kMaxActionNs = 12 * 3600 * kSec;  // FIS quota: an action runs at most 12 hours

// One action FIS defines that raftlab models.
struct ActionSpec {
  const char* id;
  const char* target_key;     // "" = no targets
  const char* resource_type;
  std::vector<const char*> required, optional;
  bool raftlab = false;
};

const std::vector<ActionSpec>& catalogue() {
  static const std::vector<ActionSpec> k = {
      {"aws:ec2:terminate-instances", "Instances", kInstance, {}, {}},
      {"aws:ec2:stop-instances", "Instances", kInstance, {}, {"startInstancesAfterDuration", "completeIfInstancesTerminated"}},
      {"aws:ec2:reboot-instances", "Instances", kInstance, {}, {}},
      {"aws:network:disrupt-connectivity", "Subnets", kSubnet, {"duration"}, {"scope"}},
      {"aws:fis:wait", "", "", {"duration"}, {}},
      {"raftlab:host:kill", "Hosts", kHost, {}, {"duration"}, true},
      {"raftlab:container:stop", "Members", kMember, {}, {"duration"}, true},
      {"raftlab:network:partition", "Hosts", kHost, {"duration"}, {}, true},
  };
  return k;
}

// Real FIS actions raftlab does not model: refused by name rather than "unknown".
const std::set<std::string>& known_unmodelled() {
  static const std::set<std::string> k = {
      "aws:ec2:send-spot-instance-interruptions", "aws:ec2:asg-insufficient-instance-capacity-error",
      "aws:ec2:api-insufficient-instance-capacity-error", "aws:ssm:send-command", "aws:ssm:start-automation-execution",
      "aws:ec2:api-internal-error", "aws:ec2:api-throttle-error", "aws:ec2:api-unavailable-error",
      "aws:fis:inject-api-internal-error", "aws:fis:inject-api-throttle-error", "aws:fis:inject-api-unavailable-error",
      "aws:network:route-table-disrupt-cross-region-connectivity", "aws:network:transit-gateway-disrupt-cross-region-connectivity",
      "aws:eks:pod-network-latency", "aws:eks:terminate-nodegroup-instances", "aws:ecs:stop-task", "aws:rds:reboot-db-instances",
      "aws:rds:failover-db-cluster", "aws:ebs:pause-volume-io", "aws:cloudwatch:assert-alarm-state", "aws:arc:start-zonal-autoshift",
  };
  return k;
}

const std::vector<std::string> kResourceTypes = {kInstance, kSubnet, kHost, kMember};
const std::vector<std::string> kScopes = {"all"};
const std::vector<std::string> kAllScopes = {"all", "availability-zone", "dynamodb", "prefix-list", "s3", "s3-express",
                                             "route-53-resolver"};

struct Ctx {
  const std::string& file;
  const std::map<std::string, scenario::TextPos>& positions;
  std::vector<scenario::LoadError>* errors;
  void err(const std::string& path, std::string message, std::string fix) const {
    errors->push_back(scenario::load_error_at(file, positions, path, std::move(message), std::move(fix)));
  }
};

// Unknown keys with a did-you-mean.
void check_keys(const Ctx& c, const json& o, const std::string& path, const std::vector<std::string>& allowed) {
  for (auto it = o.begin(); it != o.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
    const std::string near = scenario::closest_match(it.key(), allowed);
    c.err(scenario::child_path(path, it.key()), fmt::format("unknown key \"{}\"", it.key()),
          near.empty() ? fmt::format("the keys here are {}", fmt::join(allowed, ", "))
                       : fmt::format("did you mean \"{}\"?", near));
  }
}

std::optional<std::string> string_at(const Ctx& c, const json& o, const std::string& path, const char* key,
                                     bool required) {
  const std::string p = scenario::child_path(path, key);
  if (!o.contains(key)) {
    if (required) c.err(path, fmt::format("\"{}\" is missing", key), fmt::format("add \"{}\": \"...\"", key));
    return std::nullopt;
  }
  if (!o.at(key).is_string()) {
    c.err(p, fmt::format("\"{}\" must be a string", key), "write it in double quotes, as AWS prints it");
    return std::nullopt;
  }
  return o.at(key).get<std::string>();
}

// "ALL", "COUNT(n)", "PERCENT(n)".
bool parse_selection(const Ctx& c, const std::string& s, const std::string& path, Target* t) {
  auto number_in = [&](const std::string& prefix) -> std::optional<std::uint64_t> {
    if (s.rfind(prefix + "(", 0) != 0 || s.back() != ')') return std::nullopt;
    const std::string digits = s.substr(prefix.size() + 1, s.size() - prefix.size() - 2);
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::stoull(digits);
  };
  if (s == "ALL") {
    t->mode = Selection::All;
    return true;
  }
  if (auto n = number_in("COUNT")) {
    if (*n < 1) {
      c.err(path, fmt::format("selectionMode \"{}\" selects no resource", s),
            "COUNT(n) needs n >= 1 (e.g. COUNT(1)); to act on every identified resource write \"ALL\"");
      return false;
    }
    t->mode = Selection::Count;
    t->n = *n;
    return true;
  }
  if (auto n = number_in("PERCENT")) {
    if (*n < 1 || *n > 100) {
      c.err(path, fmt::format("selectionMode \"{}\" is not a percentage of the identified resources", s),
            "PERCENT(n) needs 1 <= n <= 100 (e.g. PERCENT(40)); \"ALL\" is every resource");
      return false;
    }
    t->mode = Selection::Percent;
    t->n = *n;
    return true;
  }
  c.err(path, fmt::format("selectionMode \"{}\" is not one FIS knows", s),
        "write \"ALL\", \"COUNT(n)\" or \"PERCENT(n)\" (upper case, no spaces), e.g. \"PERCENT(40)\"");
  return false;
}

void parse_target(const Ctx& c, const std::string& name, const json& v, const std::string& path, Template* out) {
  if (!v.is_object()) return c.err(path, "a target must be an object", "write {\"resourceType\": ..., \"resourceTags\": {...}, \"selectionMode\": \"ALL\"}");
  check_keys(c, v, path, {"resourceType", "resourceArns", "resourceTags", "filters", "selectionMode", "parameters"});
  Target t;
  t.name = name;
  t.path = path;
  const auto type = string_at(c, v, path, "resourceType", true);
  if (type) {
    if (std::find(kResourceTypes.begin(), kResourceTypes.end(), *type) == kResourceTypes.end()) {
      const std::string near = scenario::closest_match(*type, kResourceTypes);
      c.err(scenario::child_path(path, "resourceType"), fmt::format("resourceType \"{}\" is not modelled", *type),
            fmt::format("raftlab resolves {}{}", fmt::join(kResourceTypes, ", "),
                        near.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", near)));
    } else {
      t.resource_type = *type;
    }
  }
  if (v.contains("resourceArns")) {
    const json& a = v.at("resourceArns");
    const std::string p = scenario::child_path(path, "resourceArns");
    if (!a.is_array() || a.empty() || a.size() > 5) {
      c.err(p, "resourceArns must be a list of 1 to 5 ARNs", "list the resources' ARNs, or use resourceTags instead");
    } else {
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_string()) c.err(scenario::index_path(p, i), "an ARN must be a string", "write \"arn:aws:ec2:...\"");
        else t.arns.push_back(a[i].get<std::string>());
      }
    }
  }
  if (v.contains("resourceTags")) {
    const json& a = v.at("resourceTags");
    const std::string p = scenario::child_path(path, "resourceTags");
    if (!a.is_object() || a.empty() || a.size() > 50) {
      c.err(p, "resourceTags must be an object of 1 to 50 tags", "write {\"key\": \"value\"}");
    } else {
      for (auto it = a.begin(); it != a.end(); ++it) {
        if (!it.value().is_string()) c.err(scenario::child_path(p, it.key()), "a tag value must be a string", "write it in quotes");
        else t.tags[it.key()] = it.value().get<std::string>();
      }
    }
  }
  if (v.contains("resourceArns") && v.contains("resourceTags"))
    c.err(path, "a target has both resourceArns and resourceTags",
          "FIS takes one or the other (CreateExperimentTemplateTargetInput: \"You cannot specify both ARNs and tags\")");
  else if (!v.contains("resourceArns") && !v.contains("resourceTags"))
    c.err(path, "a target names no resources",
          "add \"resourceTags\": {...} or \"resourceArns\": [...] (FIS: \"You must specify at least one ARN or at least one resource tag\")");
  if (v.contains("filters")) {
    const json& f = v.at("filters");
    const std::string p = scenario::child_path(path, "filters");
    if (!f.is_array()) {
      c.err(p, "filters must be a list", "write [{\"path\": \"State.Name\", \"values\": [\"running\"]}]");
    } else {
      for (size_t i = 0; i < f.size(); ++i) {
        const std::string fp = scenario::index_path(p, i);
        if (!f[i].is_object()) {
          c.err(fp, "a filter must be an object", "write {\"path\": ..., \"values\": [...]}");
          continue;
        }
        check_keys(c, f[i], fp, {"path", "values"});
        Filter x;
        if (auto s = string_at(c, f[i], fp, "path", true)) x.path = *s;
        if (!f[i].contains("values") || !f[i].at("values").is_array() || f[i].at("values").empty()) {
          c.err(fp, "a filter needs \"values\": a non-empty list of strings", "e.g. \"values\": [\"running\"]");
        } else {
          for (const auto& s : f[i].at("values"))
            if (s.is_string()) x.values.push_back(s.get<std::string>());
            else c.err(scenario::child_path(fp, "values"), "filter values are strings", "write them in quotes");
        }
        static const std::vector<std::string> kInstancePaths = {"State.Name", "Placement.AvailabilityZone", "SubnetId",
                                                                "InstanceId", "PrivateIpAddress"};
        static const std::vector<std::string> kSubnetPaths = {"AvailabilityZone", "SubnetId"};
        const auto& paths = t.resource_type == kSubnet ? kSubnetPaths : kInstancePaths;
        if (!x.path.empty() && (t.resource_type == kInstance || t.resource_type == kSubnet) &&
            std::find(paths.begin(), paths.end(), x.path) == paths.end())
          c.err(scenario::child_path(fp, "path"), fmt::format("filter path \"{}\" is not modelled for {}", x.path, t.resource_type),
                fmt::format("raftlab filters on {}", fmt::join(paths, ", ")));
        if (!x.path.empty() && (t.resource_type == kHost || t.resource_type == kMember))
          c.err(scenario::child_path(fp, "path"), "raftlab:host / raftlab:member targets take no filters",
                "select them with resourceTags {\"Name\": ...} (members also {\"host\": ...})");
        t.filters.push_back(std::move(x));
      }
    }
  }
  if (v.contains("parameters")) c.err(scenario::child_path(path, "parameters"), "target parameters are not modelled",
                                      "they identify EKS/ECS resources; select instances with resourceTags and filters");
  const auto sel = string_at(c, v, path, "selectionMode", false);
  if (sel) parse_selection(c, *sel, scenario::child_path(path, "selectionMode"), &t);
  if (t.resource_type == kInstance || t.resource_type == kSubnet) out->needs_cloud = true;
  out->targets[name] = std::move(t);
}

void parse_action(const Ctx& c, const std::string& name, const json& v, const std::string& path, Template* out) {
  if (!v.is_object()) return c.err(path, "an action must be an object", "write {\"actionId\": ..., \"targets\": {...}}");
  check_keys(c, v, path, {"actionId", "description", "parameters", "targets", "startAfter"});
  Action a;
  a.name = name;
  a.path = path;
  const auto id = string_at(c, v, path, "actionId", true);
  if (!id) return;
  a.action_id = *id;
  if (auto d = string_at(c, v, path, "description", false)) a.description = *d;
  const ActionSpec* spec = nullptr;
  for (const auto& s : catalogue())
    if (a.action_id == s.id) spec = &s;
  const std::string idp = scenario::child_path(path, "actionId");
  if (!spec) {
    std::vector<std::string> ids;
    for (const auto& s : catalogue()) ids.push_back(s.id);
    if (known_unmodelled().count(a.action_id))
      return c.err(idp, fmt::format("FIS action \"{}\" is not modelled by raftlab", a.action_id),
                   fmt::format("the modelled actions are {}", fmt::join(ids, ", ")));
    const std::string near = scenario::closest_match(a.action_id, ids);
    return c.err(idp, fmt::format("unknown actionId \"{}\"", a.action_id),
                 near.empty() ? fmt::format("the actions raftlab models are {}", fmt::join(ids, ", "))
                              : fmt::format("did you mean \"{}\"?", near));
  }
  if (spec->raftlab) out->raftlab_kinds = true;
  // Parameters: a string map (FIS: "String to string map").
  const std::string pp = scenario::child_path(path, "parameters");
  if (v.contains("parameters")) {
    const json& ps = v.at("parameters");
    if (!ps.is_object()) {
      c.err(pp, "parameters must be an object of strings", "write {\"duration\": \"PT5M\"}");
    } else {
      std::vector<std::string> allowed;
      for (const char* k : spec->required) allowed.emplace_back(k);
      for (const char* k : spec->optional) allowed.emplace_back(k);
      check_keys(c, ps, pp, allowed);
      for (auto it = ps.begin(); it != ps.end(); ++it) {
        if (!it.value().is_string()) c.err(scenario::child_path(pp, it.key()), "a parameter value must be a string",
                                           "FIS parameters are strings: write \"PT5M\", \"true\"");
        else a.parameters[it.key()] = it.value().get<std::string>();
      }
    }
  }
  for (const char* k : spec->required)
    if (!a.parameters.count(k))
      c.err(v.contains("parameters") ? pp : path, fmt::format("{} needs the parameter \"{}\"", a.action_id, k),
            fmt::format("add \"parameters\": {{\"{}\": \"PT5M\"}} (ISO 8601)", k));
  auto duration_param = [&](const char* key, std::int64_t* dst) {
    auto it = a.parameters.find(key);
    if (it == a.parameters.end()) return;
    auto ns = parse_iso_duration(it->second);
    if (!ns || *ns <= 0 || *ns > kMaxActionNs)
      c.err(scenario::child_path(pp, key), fmt::format("{} \"{}\" is not an ISO 8601 duration from 1 s to 12 h", key, it->second),
            "write e.g. \"PT30S\", \"PT5M\", \"PT1H\" (FIS actions run at most 12 hours)");
    else *dst = *ns;
  };
  duration_param("duration", &a.duration_ns);
  duration_param("startInstancesAfterDuration", &a.start_after_duration_ns);
  if (auto it = a.parameters.find("completeIfInstancesTerminated"); it != a.parameters.end() &&
                                                                     it->second != "true" && it->second != "false")
    c.err(scenario::child_path(pp, "completeIfInstancesTerminated"), "completeIfInstancesTerminated is \"true\" or \"false\"", "write \"true\"");
  if (auto it = a.parameters.find("scope"); it != a.parameters.end()) {
    a.scope = it->second;
    const std::string sp = scenario::child_path(pp, "scope");
    if (std::find(kAllScopes.begin(), kAllScopes.end(), a.scope) == kAllScopes.end())
      c.err(sp, fmt::format("scope \"{}\" is not one of disrupt-connectivity's", a.scope), fmt::format("FIS scopes: {}", fmt::join(kAllScopes, ", ")));
    else if (std::find(kScopes.begin(), kScopes.end(), a.scope) == kScopes.end())
      c.err(sp, fmt::format("scope \"{}\" is not modelled (nothing in a raftlab run talks to that service)", a.scope),
            "use \"all\" (every flow in and out of the subnets); raftlab partitions whole hosts, so per-AZ flow rules are not modelled");
  }
  // Targets: {"Instances": "name"}.
  const std::string tp = scenario::child_path(path, "targets");
  if (v.contains("targets")) {
    const json& ts = v.at("targets");
    if (!ts.is_object()) {
      c.err(tp, "targets must be an object", fmt::format("write {{\"{}\": \"<target name>\"}}", spec->target_key));
    } else if (std::string(spec->target_key).empty()) {
      if (!ts.empty()) c.err(tp, fmt::format("{} takes no targets", a.action_id), "remove \"targets\"");
    } else {
      check_keys(c, ts, tp, {spec->target_key});
      for (auto it = ts.begin(); it != ts.end(); ++it)
        if (!it.value().is_string()) c.err(scenario::child_path(tp, it.key()), "a target reference is a target's name", "write it in quotes");
        else a.targets[it.key()] = it.value().get<std::string>();
    }
  }
  if (!std::string(spec->target_key).empty() && !a.targets.count(spec->target_key) &&
      !(v.contains("targets") && v.at("targets").is_object() && !v.at("targets").empty()))
    c.err(path, fmt::format("{} needs a target", a.action_id),
          fmt::format("add \"targets\": {{\"{}\": \"<a name under $.targets>\"}}", spec->target_key));
  for (const auto& [key, tname] : a.targets) {
    auto it = out->targets.find(tname);
    const std::string kp = scenario::child_path(tp, key);
    if (it == out->targets.end()) {
      std::vector<std::string> names;
      for (const auto& [n, t] : out->targets) names.push_back(n);
      const std::string near = scenario::closest_match(tname, names);
      c.err(kp, fmt::format("no target named \"{}\"", tname),
            names.empty() ? "define it under \"targets\"" : near.empty() ? fmt::format("the targets are {}", fmt::join(names, ", "))
                                                                          : fmt::format("did you mean \"{}\"?", near));
    } else if (!it->second.resource_type.empty() && it->second.resource_type != spec->resource_type) {
      c.err(kp, fmt::format("{} acts on {} but target \"{}\" is {}", a.action_id, spec->resource_type, tname, it->second.resource_type),
            fmt::format("point it at a target with \"resourceType\": \"{}\"", spec->resource_type));
    }
  }
  if (v.contains("startAfter")) {
    const json& s = v.at("startAfter");
    const std::string sp = scenario::child_path(path, "startAfter");
    if (!s.is_array()) c.err(sp, "startAfter must be a list of action names", "write [\"otherAction\"]");
    else
      for (size_t i = 0; i < s.size(); ++i)
        if (!s[i].is_string()) c.err(scenario::index_path(sp, i), "startAfter names actions", "write the action's name in quotes");
        else a.start_after.push_back(s[i].get<std::string>());
  }
  out->actions[name] = std::move(a);
}

// startAfter: every name an action of the template; no cycle. Kahn's order, ties by name.
void order_actions(const Ctx& c, Template* t) {
  std::vector<std::string> names;
  for (const auto& [n, a] : t->actions) names.push_back(n);
  bool ok = true;
  for (const auto& [n, a] : t->actions)
    for (size_t i = 0; i < a.start_after.size(); ++i) {
      const std::string& dep = a.start_after[i];
      const std::string p = scenario::index_path(scenario::child_path(a.path, "startAfter"), i);
      if (dep == n) {
        c.err(p, fmt::format("action \"{}\" starts after itself", n), "remove it from its own startAfter");
        ok = false;
      } else if (!t->actions.count(dep)) {
        const std::string near = scenario::closest_match(dep, names);
        c.err(p, fmt::format("startAfter names \"{}\", which is not an action of this template", dep),
              near.empty() ? fmt::format("the actions are {}", fmt::join(names, ", ")) : fmt::format("did you mean \"{}\"?", near));
        ok = false;
      }
    }
  if (!ok) return;
  std::map<std::string, int> indeg;
  for (const auto& [n, a] : t->actions) indeg[n] = static_cast<int>(std::set<std::string>(a.start_after.begin(), a.start_after.end()).size());
  std::set<std::string> ready;
  for (const auto& [n, d] : indeg)
    if (d == 0) ready.insert(n);
  while (!ready.empty()) {
    const std::string n = *ready.begin();
    ready.erase(ready.begin());
    t->order.push_back(n);
    for (const auto& [m, a] : t->actions) {
      const std::set<std::string> deps(a.start_after.begin(), a.start_after.end());
      if (deps.count(n) && --indeg[m] == 0) ready.insert(m);
    }
  }
  if (t->order.size() != t->actions.size()) {
    std::vector<std::string> cyc;
    for (const auto& [n, d] : indeg)
      if (d > 0) cyc.push_back(n);
    c.err(t->actions.at(cyc.front()).path + ".startAfter",
          fmt::format("startAfter makes a cycle among {}", fmt::join(cyc, ", ")),
          "FIS starts an action after the ones it names have completed: one of them must not wait for the others");
    t->order.clear();
  }
}

}  // namespace

std::optional<std::int64_t> parse_iso_duration(const std::string& s) {
  if (s.size() < 3 || s.size() > 32 || s[0] != 'P') return std::nullopt;
  std::int64_t total = 0;
  bool in_time = false, any = false;
  std::string num;
  for (size_t i = 1; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == 'T') {
      if (in_time || !num.empty()) return std::nullopt;
      in_time = true;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(ch)) || ch == '.') {
      num += ch;
      continue;
    }
    if (num.empty() || num.size() > 12) return std::nullopt;
    const std::size_t dot = num.find('.');
    if (dot != std::string::npos && (ch != 'S' || num.find('.', dot + 1) != std::string::npos || dot + 1 == num.size() || dot == 0))
      return std::nullopt;
    const std::int64_t whole = std::stoll(num.substr(0, dot));
    std::int64_t frac_ns = 0;
    if (dot != std::string::npos) {
      std::string f = num.substr(dot + 1).substr(0, 9);
      while (f.size() < 9) f += '0';
      frac_ns = std::stoll(f);
    }
    std::int64_t unit = 0;
    if (!in_time && ch == 'D') unit = 86400 * kSec;
    else if (in_time && ch == 'H') unit = 3600 * kSec;
    else if (in_time && ch == 'M') unit = 60 * kSec;
    else if (in_time && ch == 'S') unit = kSec;
    else return std::nullopt;
    if (whole > 400 * 86400) return std::nullopt;
    total += whole * unit + frac_ns;
    num.clear();
    any = true;
  }
  if (!num.empty() || !any) return std::nullopt;
  return total;
}

std::string iso_duration_text(std::int64_t ns) {
  std::string out = "PT";
  std::int64_t s = ns / kSec;
  const std::int64_t frac = ns % kSec;
  if (s >= 3600) out += fmt::format("{}H", s / 3600), s %= 3600;
  if (s >= 60) out += fmt::format("{}M", s / 60), s %= 60;
  if (s > 0 || frac > 0 || out == "PT") {
    if (frac == 0) out += fmt::format("{}S", s);
    else {
      std::string f = fmt::format("{:09d}", frac);
      while (!f.empty() && f.back() == '0') f.pop_back();
      out += fmt::format("{}.{}S", s, f);
    }
  }
  return out;
}

std::optional<Template> parse_template(const json& j0, const std::string& path0, const std::string& file,
                                       const std::map<std::string, scenario::TextPos>& positions,
                                       std::vector<scenario::LoadError>* errors) {
  const Ctx c{file, positions, errors};
  const std::size_t before = errors->size();
  const json* j = &j0;
  std::string path = path0;
  if (j->is_object() && j->contains("experimentTemplate")) {  // get-experiment-template's output
    check_keys(c, *j, path, {"experimentTemplate"});
    path = scenario::child_path(path, "experimentTemplate");
    j = &j->at("experimentTemplate");
  }
  if (!j->is_object()) {
    c.err(path, "an experiment template must be an object", "paste the JSON of `aws fis get-experiment-template --id EXT...`");
    return std::nullopt;
  }
  // What get-experiment-template prints besides the template's own fields is accepted
  // and ignored (id, arn, times, options, ...).
  check_keys(c, *j, path,
             {"description", "targets", "actions", "stopConditions", "roleArn", "tags", "id", "arn", "creationTime",
              "lastUpdateTime", "logConfiguration", "experimentOptions", "experimentReportConfiguration",
              "targetAccountConfigurationsCount", "clientToken"});
  Template t;
  if (auto d = string_at(c, *j, path, "description", true)) t.description = *d;
  if (auto r = string_at(c, *j, path, "roleArn", true)) t.role_arn = *r;
  if (j->contains("tags")) {
    const json& tg = j->at("tags");
    if (!tg.is_object()) c.err(scenario::child_path(path, "tags"), "tags must be an object of strings", "write {\"Name\": \"...\"}");
    else
      for (auto it = tg.begin(); it != tg.end(); ++it)
        if (it.value().is_string()) t.tags[it.key()] = it.value().get<std::string>();
  }
  if (j->contains("experimentOptions")) {
    const json& eo = j->at("experimentOptions");
    const std::string ep = scenario::child_path(path, "experimentOptions");
    if (!eo.is_object()) {
      c.err(ep, "experimentOptions must be an object", "write {\"emptyTargetResolutionMode\": \"fail\"}");
    } else {
      check_keys(c, eo, ep, {"accountTargeting", "emptyTargetResolutionMode", "actionsMode"});
      if (eo.contains("emptyTargetResolutionMode")) {
        const json& m = eo.at("emptyTargetResolutionMode");
        if (!m.is_string() || (m != "fail" && m != "skip"))
          c.err(scenario::child_path(ep, "emptyTargetResolutionMode"), "emptyTargetResolutionMode is \"fail\" or \"skip\"", "write \"fail\" (the default)");
        else t.skip_empty_targets = m == "skip";
      }
      if (eo.contains("accountTargeting") && eo.at("accountTargeting") != "single-account")
        c.err(scenario::child_path(ep, "accountTargeting"), "only single-account experiments are modelled", "write \"single-account\"");
      if (eo.contains("actionsMode") && eo.at("actionsMode") != "run-all")
        c.err(scenario::child_path(ep, "actionsMode"), "only actionsMode \"run-all\" is modelled (\"skip-all\" injects nothing)", "write \"run-all\"");
    }
  }
  const std::string tp = scenario::child_path(path, "targets");
  if (j->contains("targets")) {
    const json& ts = j->at("targets");
    if (!ts.is_object()) c.err(tp, "targets must be an object of named targets", "write {\"etcdInstances\": {...}}");
    else
      for (auto it = ts.begin(); it != ts.end(); ++it) parse_target(c, it.key(), it.value(), scenario::child_path(tp, it.key()), &t);
  }
  const std::string ap = scenario::child_path(path, "actions");
  if (!j->contains("actions") || !j->at("actions").is_object() || j->at("actions").empty()) {
    c.err(j->contains("actions") ? ap : path, "a template needs at least one action",
          "add \"actions\": {\"terminate\": {\"actionId\": \"aws:ec2:terminate-instances\", \"targets\": {\"Instances\": \"...\"}}}");
  } else {
    const json& as = j->at("actions");
    for (auto it = as.begin(); it != as.end(); ++it) parse_action(c, it.key(), it.value(), scenario::child_path(ap, it.key()), &t);
  }
  const std::string sp = scenario::child_path(path, "stopConditions");
  if (!j->contains("stopConditions") || !j->at("stopConditions").is_array() || j->at("stopConditions").empty()) {
    c.err(j->contains("stopConditions") ? sp : path, "a template needs stopConditions",
          "FIS requires at least one: write [{\"source\": \"none\"}] or a CloudWatch alarm [{\"source\": \"aws:cloudwatch:alarm\", \"value\": \"arn:aws:cloudwatch:...:alarm:...\"}]");
  } else {
    const json& sc = j->at("stopConditions");
    for (size_t i = 0; i < sc.size(); ++i) {
      const std::string p = scenario::index_path(sp, i);
      if (!sc[i].is_object()) {
        c.err(p, "a stop condition must be an object", "write {\"source\": \"none\"}");
        continue;
      }
      check_keys(c, sc[i], p, {"source", "value"});
      StopCondition s;
      if (auto v = string_at(c, sc[i], p, "source", true)) s.source = *v;
      if (auto v = string_at(c, sc[i], p, "value", false)) s.value = *v;
      if (!s.source.empty() && s.source != "none" && s.source != "aws:cloudwatch:alarm")
        c.err(scenario::child_path(p, "source"), fmt::format("stop condition source \"{}\" is not one FIS knows", s.source),
              "write \"none\" or \"aws:cloudwatch:alarm\"");
      if (s.source == "aws:cloudwatch:alarm" && (s.value.size() < 20 || s.value.rfind("arn:aws:cloudwatch:", 0) != 0))
        c.err(p, "an aws:cloudwatch:alarm stop condition needs \"value\": the alarm's ARN",
              "write \"value\": \"arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME\" (and define that alarm under the experiment's \"alarms\")");
      if (s.source == "none" && !s.value.empty())
        c.err(scenario::child_path(p, "value"), "a \"none\" stop condition has no value", "remove \"value\"");
      t.stop_conditions.push_back(std::move(s));
    }
    if (sc.size() > 5) c.err(sp, "more than 5 stop conditions", "FIS takes at most 5 per template");
  }
  if (t.needs_cloud && t.raftlab_kinds)
    c.err(path, "the template mixes AWS resource types with raftlab:* actions",
          "use aws:ec2 actions on a scenario with a cloud part, raftlab:* ones on a plain deployment");
  if (errors->size() == before) order_actions(c, &t);
  if (errors->size() != before) return std::nullopt;
  return t;
}

void check_against(const Template& t, const scenario::Scenario& s, const std::string& file,
                   const std::map<std::string, scenario::TextPos>& positions,
                   std::vector<scenario::LoadError>* errors) {
  const Ctx c{file, positions, errors};
  const bool cloud = s.cloud.has_value();
  if (t.needs_cloud && !cloud)
    c.err("$.template", "the template targets EC2 resources but the scenario has no cloud part",
          "run it against a scenario with \"cloud\" (scenarios/aws-asg), or use raftlab:host / raftlab:member targets");
  for (const auto& [name, tg] : t.targets) {
    if (tg.resource_type != kHost && tg.resource_type != kMember) continue;
    if (!tg.arns.empty()) {
      c.err(tg.path + ".resourceArns", "raftlab:host / raftlab:member targets have no ARNs",
            "select them with \"resourceTags\": {\"Name\": \"A\"}");
      continue;
    }
    std::vector<std::string> names;
    std::size_t hits = 0;
    for (const auto& [k, v] : tg.tags)
      if (k != "Name" && !(tg.resource_type == kMember && k == "host"))
        c.err(scenario::child_path(tg.path + ".resourceTags", k), fmt::format("tag \"{}\" is not one raftlab gives {}", k, tg.resource_type),
              tg.resource_type == kHost ? "hosts have the tag Name (the host's name)" : "members have the tags Name and host");
    if (tg.resource_type == kHost) {
      for (const auto& h : s.hosts) {
        names.push_back(h.name);
        auto it = tg.tags.find("Name");
        if (it == tg.tags.end() || it->second == h.name) ++hits;
      }
    } else {
      for (const auto& m : s.members) {
        names.push_back(m.name);
        bool ok = true;
        if (auto it = tg.tags.find("Name"); it != tg.tags.end()) ok = ok && it->second == m.name;
        if (auto it = tg.tags.find("host"); it != tg.tags.end()) ok = ok && it->second == m.host;
        if (ok) ++hits;
      }
    }
    if (hits == 0)
      c.err(tg.path + ".resourceTags", fmt::format("target \"{}\" selects nothing in this scenario", name),
            fmt::format("FIS fails an experiment whose target resolves to no resources; the {} here are {}",
                        tg.resource_type == kHost ? "hosts" : "members", fmt::join(names, ", ")));
  }
}

}  // namespace raftlab::cloud::fis
