// sim/cloud/cloud_config.cc — the scenario's "cloud" part (scenarios/README.md, "Cloud")
// read into a CloudConfig: the CloudFormation template (attached by the loader), its
// parameters, the operator's shell, the model's timings, lifecycle-hook handlers, and
// every launch template's user data parsed once (a line outside the subset is an error
// here, at load time, naming the template, the launch template and the line).
//
// Must never: read a file (Scenario::attachments has the template's text), or accept a
// key it does not know (did-you-mean, as the loader does).
#include <cctype>
#include <algorithm>

#include <fmt/format.h>

#include "sim/cloud/cfn.h"
#include "sim/cloud/cloud.h"
#include "sim/etcd/shell.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/loader.h"

namespace raftlab::cloud {

namespace {

using nlohmann::json;

const std::vector<std::string> kCloudKeys = {"template", "template_text", "parameters", "stack_name", "region",
                                             "env",      "timings",       "lifecycle_handlers", "subnets", "nemesis", "apisix"};
const std::vector<std::string> kApisixKeys = {"config", "config_text", "gateways", "sync_poll", "upstream_body"};
const std::vector<std::string> kGatewayKeys = {"name", "subnet", "ip"};
const std::vector<std::string> kNemesisKeys = {"kinds", "start", "end", "mean_gap", "min_duration", "max_duration",
                                               "max_faults"};
const std::vector<std::string> kTimingKeys = {"pending",     "boot",        "shutdown",       "image_pull",
                                              "api_latency", "health_poll", "package_install", "tcp_connect_timeout", "status_check"};
const std::vector<std::string> kHandlerKeys = {"hook", "run", "delay"};
const std::vector<std::string> kSubnetKeys = {"id", "az", "cidr"};

class Reader {
 public:
  Reader(const scenario::Scenario& s, std::vector<scenario::LoadError>* errors) : s_(s), errors_(errors) {}

  void error(const std::string& path, std::string message, std::string fix = {}) {
    errors_->push_back(s_.error_at(path, std::move(message), std::move(fix)));
  }

  bool keys(const json& v, const std::string& path, const std::vector<std::string>& known) {
    bool ok = true;
    for (const auto& [k, _] : v.items()) {
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      const std::string guess = etcd::closest_match(k, known);
      error(path + "." + k, "unknown key \"" + k + "\"",
            guess.empty() ? "known keys: " + fmt::format("{}", fmt::join(known, ", "))
                          : "did you mean \"" + guess + "\"?");
      ok = false;
    }
    return ok;
  }

  std::optional<std::string> str(const json& obj, const std::string& path, const char* key) {
    if (!obj.contains(key)) return std::nullopt;
    const json& v = obj.at(key);
    if (!v.is_string()) {
      error(path + "." + key, std::string("expected a string, got ") + v.type_name());
      return std::nullopt;
    }
    return v.get<std::string>();
  }

  // A string, or an array of lines joined with "\n" (as the scenario's docker lines).
  std::optional<std::string> text(const json& v, const std::string& path) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_array()) {
      std::string out;
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) {
          error(path + "[" + std::to_string(i) + "]", std::string("expected a line of text, got ") + v[i].type_name());
          return std::nullopt;
        }
        if (i) out += '\n';
        out += v[i].get<std::string>();
      }
      return out;
    }
    error(path, std::string("expected a script (a string or an array of lines), got ") + v.type_name());
    return std::nullopt;
  }

  std::map<std::string, std::string> string_map(const json& v, const std::string& path) {
    std::map<std::string, std::string> out;
    if (!v.is_object()) {
      error(path, std::string("expected an object of names to values, got ") + v.type_name(),
            "write e.g. {\"ASG_NAME\": \"etcd-asg\"}");
      return out;
    }
    for (const auto& [k, x] : v.items()) {
      if (x.is_string()) out[k] = x.get<std::string>();
      else if (x.is_number_integer()) out[k] = std::to_string(x.get<std::int64_t>());
      else error(path + "." + k, std::string("expected a string value, got ") + x.type_name());
    }
    return out;
  }

  void duration(const json& obj, const std::string& path, const char* key, std::int64_t* out) {
    if (!obj.contains(key)) return;
    const json& v = obj.at(key);
    const std::string p = path + "." + key;
    if (!v.is_string()) {
      error(p, std::string("expected a duration such as \"10s\", got ") + v.type_name());
      return;
    }
    auto d = scenario::parse_duration(v.get<std::string>());
    if (!d.ok) {
      error(p, d.message, d.fix);
      return;
    }
    *out = d.ns;
  }

  const scenario::Scenario& s_;
  std::vector<scenario::LoadError>* errors_;
};

// A script's errors say "<where> line N: ..."; the scenario's error names the JSON path
// of the part that holds it (the template for user data, the handler for hooks).
std::string script_where_fix(const etcd::Error& e) { return e.fix; }

}  // namespace

std::shared_ptr<const CloudConfig> read_cloud_config(const scenario::Scenario& s,
                                                     std::vector<scenario::LoadError>* errors) {
  const size_t before = errors->size();
  Reader r(s, errors);
  auto cfg = std::make_shared<CloudConfig>();
  if (!s.cloud || !s.cloud->is_object()) {
    r.error("$.cloud", "expected an object", "write e.g. {\"template\": \"templates/etcd-asg.yaml\"}");
    return nullptr;
  }
  const json& c = *s.cloud;
  const std::string P = "$.cloud";
  r.keys(c, P, kCloudKeys);
  const std::string region = r.str(c, P, "region").value_or("us-east-1");
  const std::string stack = r.str(c, P, "stack_name").value_or("raftlab");
  std::map<std::string, std::string> params;
  if (c.contains("parameters")) params = r.string_map(c.at("parameters"), P + ".parameters");
  if (c.contains("env")) cfg->env = r.string_map(c.at("env"), P + ".env");

  // The template: a file (attached by the loader) or inline text.
  std::string text, file;
  if (c.contains("template") && c.contains("template_text")) {
    r.error(P, "both \"template\" and \"template_text\" are given", "keep one");
  } else if (auto t = r.str(c, P, "template")) {
    auto it = s.attachments.find(*t);
    if (it == s.attachments.end()) {
      r.error(P + ".template", "the template " + *t + " was not read with the scenario",
              "load the scenario from its file (raftlab run FILE), not from a string");
    } else {
      text = it->second;
      file = *t;
    }
  } else if (c.contains("template_text")) {
    if (auto inline_text = r.text(c.at("template_text"), P + ".template_text")) {
      text = *inline_text;
      file = s.file + " $.cloud.template_text";
    }
  } else {
    r.error(P, "no CloudFormation template", "add \"template\": \"templates/etcd-asg.yaml\" (a path relative to this file)");
  }
  if (errors->size() != before) return nullptr;

  TemplateResult tr = read_template(text, file, params, stack, region);
  for (const CloudError& e : tr.errors) r.error(P + (c.contains("template") ? ".template" : ".template_text"), format(e));
  if (!tr.ok || errors->size() != before) return nullptr;
  cfg->spec = std::move(tr.spec);
  cfg->spec.region = region;
  cfg->spec.stack_name = stack;
  // Route 53's simple A and SRV records join the scenario's DNS table (Cloud::install_route53),
  // which members resolve --discovery-srv through: one name may come from one of the two.
  if (s.dns) {
    for (const Route53Record& rec : cfg->spec.records) {
      std::string name = rec.name;
      if (!name.empty() && name.back() == '.') name.pop_back();
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (s.dns->a.count(name) || s.dns->srv.count(name))
        r.error(s.dns->path, "\"" + name + "\" is in both the scenario's dns table and the template's Route 53 record " +
                                 rec.logical_id,
                "keep the record in one of the two");
    }
  }

  // Subnets the template names by parameter (VPCZoneIdentifier: !Ref SubnetIds) are
  // described here; a template's own AWS::EC2::Subnet resources need no entry.
  if (c.contains("subnets")) {
    const json& v = c.at("subnets");
    if (!v.is_array()) {
      r.error(P + ".subnets", "expected an array of subnets",
              "write e.g. [{\"id\": \"subnet-a\", \"az\": \"us-east-1a\", \"cidr\": \"10.0.1.0/24\"}]");
    } else {
      for (size_t i = 0; i < v.size(); ++i) {
        const std::string sp = P + ".subnets[" + std::to_string(i) + "]";
        if (!v[i].is_object()) {
          r.error(sp, "expected a subnet object");
          continue;
        }
        r.keys(v[i], sp, kSubnetKeys);
        Subnet sn;
        sn.id = r.str(v[i], sp, "id").value_or("");
        sn.az = r.str(v[i], sp, "az").value_or("");
        sn.cidr = r.str(v[i], sp, "cidr").value_or("");
        sn.path = sp;
        if (sn.id.empty() || sn.az.empty() || sn.cidr.empty()) {
          r.error(sp, "a subnet needs \"id\", \"az\" and \"cidr\"");
          continue;
        }
        cfg->spec.subnets.push_back(sn);
      }
    }
  }

  if (c.contains("timings")) {
    const json& t = c.at("timings");
    const std::string tp = P + ".timings";
    if (!t.is_object()) {
      r.error(tp, "expected an object of durations", "write e.g. {\"boot\": \"30s\"}");
    } else {
      r.keys(t, tp, kTimingKeys);
      CloudTimings& k = cfg->timings;
      r.duration(t, tp, "pending", &k.pending_ns);
      r.duration(t, tp, "boot", &k.boot_ns);
      r.duration(t, tp, "shutdown", &k.shutdown_ns);
      r.duration(t, tp, "image_pull", &k.image_pull_ns);
      r.duration(t, tp, "api_latency", &k.api_latency_ns);
      r.duration(t, tp, "health_poll", &k.health_poll_ns);
      r.duration(t, tp, "package_install", &k.package_install_ns);
      r.duration(t, tp, "tcp_connect_timeout", &k.tcp_connect_timeout_ns);
      r.duration(t, tp, "status_check", &k.status_check_ns);
      if (k.health_poll_ns < 1'000'000'000) r.error(tp + ".health_poll", "at least 1s", "write e.g. \"10s\"");
    }
  }

  // User data: parsed once per launch template.
  for (const LaunchTemplate& lt : cfg->spec.launch_templates) {
    if (lt.user_data.empty()) continue;
    auto sc = parse_script(lt.user_data, file + ": " + lt.logical_id + " UserData", external_commands());
    if (!sc.ok()) {
      r.error(P + (c.contains("template") ? ".template" : ".template_text"), sc.error().message,
              script_where_fix(sc.error()));
      continue;
    }
    cfg->user_data[lt.logical_id] = sc.value();
  }

  if (c.contains("lifecycle_handlers")) {
    const json& v = c.at("lifecycle_handlers");
    const std::string hp = P + ".lifecycle_handlers";
    if (!v.is_array()) {
      r.error(hp, "expected an array of handlers",
              "write e.g. [{\"hook\": \"etcd-terminate\", \"run\": [\"etcdctl member remove ...\"]}]");
    } else {
      for (size_t i = 0; i < v.size(); ++i) {
        const std::string ip = hp + "[" + std::to_string(i) + "]";
        if (!v[i].is_object()) {
          r.error(ip, "expected a handler object");
          continue;
        }
        r.keys(v[i], ip, kHandlerKeys);
        HookHandler h;
        h.path = ip;
        h.hook = r.str(v[i], ip, "hook").value_or("");
        bool known = false;
        std::vector<std::string> names;
        for (const LifecycleHook& lh : cfg->spec.hooks) {
          names.push_back(lh.name);
          known = known || lh.name == h.hook || lh.logical_id == h.hook;
        }
        if (!known) {
          const std::string guess = etcd::closest_match(h.hook, names);
          r.error(ip + ".hook", "no lifecycle hook \"" + h.hook + "\" in the template",
                  names.empty() ? "add an AWS::AutoScaling::LifecycleHook to the template"
                                : guess.empty() ? "hooks: " + fmt::format("{}", fmt::join(names, ", "))
                                                : "did you mean \"" + guess + "\"?");
          continue;
        }
        if (!v[i].contains("run")) {
          r.error(ip, "a handler needs \"run\": the script it runs on the instance");
          continue;
        }
        auto t = r.text(v[i].at("run"), ip + ".run");
        if (!t) continue;
        h.text = *t;
        r.duration(v[i], ip, "delay", &h.delay_ns);
        auto sc = parse_script(h.text, s.file + " " + ip + ".run", external_commands());
        if (!sc.ok()) {
          r.error(ip + ".run", sc.error().message, sc.error().fix);
          continue;
        }
        h.script = sc.value();
        cfg->handlers.push_back(std::move(h));
      }
    }
  }

  for (const Subnet& sn : cfg->spec.subnets) {
    if (!cidr_well_formed(sn.cidr))
      r.error(sn.path.empty() ? P : (sn.path.rfind("$.", 0) == 0 ? sn.path : P + ".template"),
              "subnet " + (sn.logical_id.empty() ? sn.id : sn.logical_id) + ": CIDR \"" + sn.cidr +
                  "\" is not an IPv4 block from /16 to /28",
              "write e.g. \"10.0.1.0/24\" (AWS allows subnet sizes /16 to /28)");
  }
  if (c.contains("nemesis")) {
    const json& v = c.at("nemesis");
    const std::string np = P + ".nemesis";
    CloudNemesis& n = cfg->nemesis;
    if (!v.is_object()) {
      r.error(np, "expected an object", "write e.g. {\"kinds\": [\"instance_fail\"], \"start\": \"6m\", \"end\": \"30m\"}");
    } else {
      r.keys(v, np, kNemesisKeys);
      n.on = true;
      if (!v.contains("kinds") || !v.at("kinds").is_array() || v.at("kinds").empty()) {
        r.error(np + ".kinds", "expected a non-empty list of fault kinds",
                "kinds: " + fmt::format("{}", fmt::join(kCloudNemesisKinds, ", ")));
      } else {
        for (size_t i = 0; i < v.at("kinds").size(); ++i) {
          const json& k = v.at("kinds")[i];
          const std::string kp = np + ".kinds[" + std::to_string(i) + "]";
          const std::string name = k.is_string() ? k.get<std::string>() : "";
          if (std::find(kCloudNemesisKinds.begin(), kCloudNemesisKinds.end(), name) == kCloudNemesisKinds.end()) {
            const std::string guess = etcd::closest_match(name, kCloudNemesisKinds);
            r.error(kp, "unknown cloud fault kind \"" + name + "\"",
                    guess.empty() ? "kinds: " + fmt::format("{}", fmt::join(kCloudNemesisKinds, ", "))
                                  : "did you mean \"" + guess + "\"?");
          } else if (std::find(n.kinds.begin(), n.kinds.end(), name) != n.kinds.end()) {
            r.error(kp, "\"" + name + "\" is listed twice", "list each kind once");
          } else {
            n.kinds.push_back(name);
          }
        }
      }
      r.duration(v, np, "start", &n.start_ns);
      n.end_ns = s.duration_ns;
      r.duration(v, np, "end", &n.end_ns);
      r.duration(v, np, "mean_gap", &n.mean_gap_ns);
      r.duration(v, np, "min_duration", &n.min_duration_ns);
      r.duration(v, np, "max_duration", &n.max_duration_ns);
      if (v.contains("max_faults")) {
        const json& m = v.at("max_faults");
        if (!m.is_number_integer() || m.get<std::int64_t>() < 1 || m.get<std::int64_t>() > 10000)
          r.error(np + ".max_faults", "expected a count from 1 to 10000");
        else
          n.max_faults = m.get<std::int64_t>();
      }
      if (n.end_ns <= n.start_ns) r.error(np + ".end", "the window ends before it starts", "make end later than start");
      if (n.mean_gap_ns < 1'000'000'000) r.error(np + ".mean_gap", "at least 1s", "write e.g. \"3m\"");
      if (n.max_duration_ns < n.min_duration_ns)
        r.error(np + ".max_duration", "shorter than min_duration", "make max_duration at least min_duration");
    }
  }
  if (c.contains("apisix")) {
    const json& v = c.at("apisix");
    const std::string ap = P + ".apisix";
    ApisixPart& a = cfg->apisix;
    if (!v.is_object()) {
      r.error(ap, "expected an object", "write e.g. {\"config\": \"apisix/config.yaml\", \"gateways\": [{\"name\": \"gw1\"}]}");
    } else {
      r.keys(v, ap, kApisixKeys);
      a.on = true;
      std::string ytext, yfile;
      if (auto f = r.str(v, ap, "config")) {
        auto it = s.attachments.find(*f);
        if (it == s.attachments.end()) {
          r.error(ap + ".config", "the config " + *f + " was not read with the scenario", "load the scenario from its file");
        } else {
          ytext = it->second;
          yfile = *f;
        }
      } else if (v.contains("config_text")) {
        if (auto t = r.text(v.at("config_text"), ap + ".config_text")) {
          ytext = *t;
          yfile = s.file + " $.cloud.apisix.config_text";
        }
      } else {
        r.error(ap, "no config.yaml", "add \"config\": \"apisix/config.yaml\" (relative to this file) or \"config_text\"");
      }
      if (!yfile.empty()) {
        auto parsed = parse_apisix_config(ytext, yfile);
        if (!parsed.ok()) r.error(ap + (v.contains("config") ? ".config" : ".config_text"), parsed.error().message, parsed.error().fix);
        else a.config = parsed.value();
      }
      if (!v.contains("gateways") || !v.at("gateways").is_array() || v.at("gateways").empty()) {
        r.error(ap + ".gateways", "expected a non-empty list of gateways", "write e.g. [{\"name\": \"gw1\", \"subnet\": \"SubnetA\"}]");
      } else {
        std::set<std::string> names;
        for (size_t i = 0; i < v.at("gateways").size(); ++i) {
          const json& g = v.at("gateways")[i];
          const std::string gp = ap + ".gateways[" + std::to_string(i) + "]";
          if (!g.is_object()) {
            r.error(gp, "expected an object");
            continue;
          }
          r.keys(g, gp, kGatewayKeys);
          ApisixPart::Gw gw;
          gw.name = r.str(g, gp, "name").value_or("");
          gw.subnet = r.str(g, gp, "subnet").value_or("");
          gw.ip = r.str(g, gp, "ip").value_or("");
          if (!gw.ip.empty()) {
            unsigned q[4];
            char tail = 0;
            if (std::sscanf(gw.ip.c_str(), "%u.%u.%u.%u%c", &q[0], &q[1], &q[2], &q[3], &tail) != 4 || q[0] > 255 ||
                q[1] > 255 || q[2] > 255 || q[3] > 255)
              r.error(gp + ".ip", "\"" + gw.ip + "\" is not an IPv4 address", "write e.g. \"43.203.226.152\"");
          }
          if (gw.name.empty() || gw.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
            r.error(gp + ".name", "a gateway needs a name of [a-z0-9-]", "write e.g. \"gw1\"");
          else if (!names.insert(gw.name).second)
            r.error(gp + ".name", "gateway \"" + gw.name + "\" is listed twice");
          if (!gw.subnet.empty()) {
            bool known = false;
            for (const Subnet& sn : cfg->spec.subnets) known = known || sn.id == gw.subnet || sn.logical_id == gw.subnet;
            if (!known) r.error(gp + ".subnet", "no subnet \"" + gw.subnet + "\"", "name a subnet of the template (its logical ID)");
          }
          a.gateways.push_back(gw);
        }
      }
      r.duration(v, ap, "sync_poll", &a.sync_poll_ns);
      if (a.sync_poll_ns < 10'000'000) r.error(ap + ".sync_poll", "at least 10ms", "write e.g. \"250ms\"");
      if (auto b = r.str(v, ap, "upstream_body")) a.upstream_body = *b;
    }
  }
  // Every ASG's subnets must be known now (the template's or the scenario's).
  for (const AutoScalingGroup& g : cfg->spec.asgs) {
    for (const std::string& sn : g.subnets) {
      const bool found = std::any_of(cfg->spec.subnets.begin(), cfg->spec.subnets.end(),
                                     [&](const Subnet& x) { return x.id == sn || x.logical_id == sn; });
      if (!found)
        r.error(P, "the Auto Scaling Group " + g.logical_id + " uses subnet " + sn + ", which is not described",
                "declare it in the template (AWS::EC2::Subnet) or add {\"id\": \"" + sn +
                    "\", \"az\": \"...\", \"cidr\": \"10.0.1.0/24\"} to $.cloud.subnets");
    }
  }
  if (errors->size() != before) return nullptr;
  return cfg;
}

etcd::Result<AwsCall> parse_aws_line(const nlohmann::json& v, const std::map<std::string, std::string>& env) {
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else {
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) return etcd::Error{"aws", "expected lines of text", ""};
      if (i) text += '\n';
      text += v[i].get<std::string>();
    }
  }
  auto words = etcd::shell_split(text, env);
  if (!words.ok()) return words.error();
  std::vector<std::string> argv = words.value().argv;
  if (argv.empty() || argv[0] != "aws") {
    return etcd::Error{"aws", "an \"aws\" action must be an aws command line",
                       "write it as pasted, e.g. \"aws autoscaling describe-auto-scaling-groups\""};
  }
  auto call = parse_aws(argv);
  if (!call.ok() && !words.value().unset_vars.empty()) {
    // The usual cause of a missing argument: a variable of the runbook that this
    // scenario's operator shell does not set.
    etcd::Error e = call.error();
    std::string names;
    for (const auto& u : words.value().unset_vars) names += (names.empty() ? "$" : ", $") + u;
    e.fix = names + " is not set in the operator's shell (it expanded to nothing): add it to $.cloud.env" +
            (e.fix.empty() ? "" : "; " + e.fix);
    return e;
  }
  return call;
}

etcd::Result<CurlRequest> parse_curl_line(const nlohmann::json& v, const std::map<std::string, std::string>& env) {
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else {
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) return etcd::Error{"curl", "expected lines of text", ""};
      if (i) text += '\n';
      text += v[i].get<std::string>();
    }
  }
  auto words = etcd::shell_split(text, env);
  if (!words.ok()) return words.error();
  auto c = parse_curl(words.value().argv);
  if (!words.value().unset_vars.empty()) {
    std::string names;
    for (const auto& u : words.value().unset_vars) names += (names.empty() ? "$" : ", $") + u;
    return etcd::Error{"curl", names + " is not set in the operator's shell (it expanded to nothing)",
                       "add it to $.cloud.env, e.g. \"GW1\": \"gw1\""};
  }
  return c;
}

}  // namespace raftlab::cloud
