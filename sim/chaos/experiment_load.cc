// sim/chaos/experiment_load.cc — reading an experiment file (experiment.h): JSON with
// comments, every key checked (did-you-mean), every name checked against the scenario
// (members, gateways, the probes an alarm watches, the alarms a stop condition names).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sim/chaos/experiment.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/jsonc.h"
#include "sim/scenario/loader.h"

namespace raftlab::chaos {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kSec = 1'000'000'000;
constexpr std::size_t kMaxProbes = 64;
constexpr std::size_t kMaxAlarms = 16;

struct Ctx {
  std::string file;
  const std::map<std::string, scenario::TextPos>& positions;
  std::vector<scenario::LoadError>* errors;
  void err(const std::string& path, std::string message, std::string fix) const {
    errors->push_back(scenario::load_error_at(file, positions, path, std::move(message), std::move(fix)));
  }
  void keys(const json& o, const std::string& path, const std::vector<std::string>& allowed) const {
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
      const std::string near = scenario::closest_match(it.key(), allowed);
      err(scenario::child_path(path, it.key()), fmt::format("unknown key \"{}\"", it.key()),
          near.empty() ? fmt::format("the keys here are {}", fmt::join(allowed, ", ")) : fmt::format("did you mean \"{}\"?", near));
    }
  }
  // A duration ("30s", "5m"); false (with an error) when malformed.
  bool duration(const json& o, const std::string& path, const char* key, std::int64_t* out, std::int64_t min_ns) const {
    if (!o.contains(key)) return true;
    const std::string p = scenario::child_path(path, key);
    if (!o.at(key).is_string()) {
      err(p, fmt::format("\"{}\" must be a duration string", key), "write e.g. \"30s\", \"5m\", \"1m30s\"");
      return false;
    }
    const auto d = scenario::parse_duration(o.at(key).get<std::string>());
    if (!d.ok) {
      err(p, d.message, d.fix);
      return false;
    }
    if (d.ns < min_ns) {
      err(p, fmt::format("\"{}\" is shorter than {}", key, scenario::format_duration(min_ns)),
          fmt::format("give at least {}", scenario::format_duration(min_ns)));
      return false;
    }
    *out = d.ns;
    return true;
  }
};

bool is_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

// The gateways of the scenario's cloud part ($.cloud.apisix.gateways[].name).
std::vector<std::string> gateway_names(const scenario::Scenario& s) {
  std::vector<std::string> out;
  if (!s.cloud || !s.cloud->is_object() || !s.cloud->contains("apisix")) return out;
  const json& a = s.cloud->at("apisix");
  if (!a.is_object() || !a.contains("gateways") || !a.at("gateways").is_array()) return out;
  for (const auto& g : a.at("gateways"))
    if (g.is_object() && g.contains("name") && g.at("name").is_string()) out.push_back(g.at("name").get<std::string>());
  return out;
}

void parse_probe(const Ctx& c, const json& v, const std::string& path, const scenario::Scenario& s, Experiment* x) {
  if (!v.is_object()) return c.err(path, "a probe must be an object", "write {\"name\": \"writes\", \"put\": {\"via\": \"http://etcd-nlb:2379\"}}");
  static const std::vector<std::string> kinds = {"put", "put_get", "leaders", "clusters", "quorum", "route"};
  std::vector<std::string> allowed = kinds;
  allowed.insert(allowed.begin(), "name");
  c.keys(v, path, allowed);
  Probe p;
  p.json_path = path;
  if (!v.contains("name") || !v.at("name").is_string() || v.at("name").get<std::string>().empty()) {
    c.err(path, "a probe needs a \"name\"", "add \"name\": \"writes\" (alarms and the report use it)");
  } else {
    p.name = v.at("name").get<std::string>();
    for (const Probe& q : x->probes)
      if (q.name == p.name) c.err(scenario::child_path(path, "name"), fmt::format("two probes are named \"{}\"", p.name), "give each its own name");
  }
  std::vector<std::string> present;
  for (const auto& k : kinds)
    if (v.contains(k)) present.push_back(k);
  if (present.size() != 1) {
    c.err(path, present.empty() ? "a probe says nothing to check" : fmt::format("a probe checks one thing, this one {}", fmt::join(present, " and ")),
          "give exactly one of put, put_get, leaders, clusters, quorum, route");
    return;
  }
  p.kind = present.front();
  const std::string kp = scenario::child_path(path, p.kind);
  const json& b = v.at(p.kind);
  std::vector<std::string> members;
  for (const auto& m : s.members) members.push_back(m.name);
  if (p.kind == "put" || p.kind == "put_get") {
    const json* via = b.is_object() && b.contains("via") ? &b.at("via") : &b;
    const std::string vp = b.is_object() ? scenario::child_path(kp, "via") : kp;
    if (b.is_object()) c.keys(b, kp, {"via"});
    if (via->is_string()) p.via.push_back(via->get<std::string>());
    else if (via->is_array() && !via->empty() && via->size() <= 16)
      for (const auto& u : *via)
        if (u.is_string()) p.via.push_back(u.get<std::string>());
    if (p.via.empty() || (via->is_array() && p.via.size() != via->size()))
      return c.err(kp, fmt::format("{} needs \"via\": a member, a URL, or a list of up to 16", p.kind),
                   "write {\"via\": \"http://etcd-nlb:2379\"} or {\"via\": [\"etcd1\", \"etcd3\"]}");
    for (const std::string& u : p.via) {
      if (is_url(u)) {
        const std::string rest = u.substr(u.find("//") + 2);
        const std::size_t colon = rest.rfind(':');
        if (colon == std::string::npos || colon == 0 || rest.substr(colon + 1).empty() ||
            rest.substr(colon + 1).find_first_not_of("0123456789") != std::string::npos || rest.size() - colon > 6)
          c.err(vp, fmt::format("\"{}\" is not http://HOST:PORT", u), "write e.g. \"http://etcd-nlb:2379\"");
      } else if (std::find(members.begin(), members.end(), u) == members.end()) {
        const std::string near = scenario::closest_match(u, members);
        c.err(vp, fmt::format("no member named \"{}\" in the scenario", u),
              near.empty() ? (members.empty() ? "give a URL (the load balancer's DNS name, e.g. http://etcd-nlb:2379): this scenario's members come from its cloud part"
                                              : fmt::format("the members are {}; or give a URL", fmt::join(members, ", ")))
                           : fmt::format("did you mean \"{}\"?", near));
      }
    }
  } else if (p.kind == "leaders" || p.kind == "clusters") {
    if (!b.is_number_unsigned() || b.get<std::uint64_t>() < 1 || b.get<std::uint64_t>() > 1000)
      return c.err(kp, fmt::format("{} is the most allowed: a whole number >= 1", p.kind),
                   p.kind == "leaders" ? "write \"leaders\": 1 (at most one leader per cluster)" : "write \"clusters\": 1 (one cluster)");
    p.at_most = b.get<std::uint64_t>();
  } else if (p.kind == "quorum") {
    if (!b.is_boolean() || !b.get<bool>()) return c.err(kp, "quorum is true (every cluster has a leader followed by a majority)", "write \"quorum\": true");
  } else if (p.kind == "route") {
    if (!b.is_object()) return c.err(kp, "route is an object", "write {\"gateway\": \"gw1\", \"path\": \"/hello\", \"status\": 200}");
    c.keys(b, kp, {"gateway", "path", "method", "status"});
    if (b.contains("gateway") && b.at("gateway").is_string()) p.gateway = b.at("gateway").get<std::string>();
    if (b.contains("path") && b.at("path").is_string()) p.path = b.at("path").get<std::string>();
    if (b.contains("method") && b.at("method").is_string()) p.method = b.at("method").get<std::string>();
    if (b.contains("status") && b.at("status").is_number_integer()) p.status = b.at("status").get<int>();
    const auto gws = gateway_names(s);
    if (p.gateway.empty() || std::find(gws.begin(), gws.end(), p.gateway) == gws.end()) {
      const std::string near = scenario::closest_match(p.gateway, gws);
      c.err(scenario::child_path(kp, "gateway"), fmt::format("no APISIX gateway named \"{}\" in the scenario", p.gateway),
            gws.empty() ? "the scenario has no $.cloud.apisix.gateways: add them, or drop this probe"
                        : near.empty() ? fmt::format("the gateways are {}", fmt::join(gws, ", ")) : fmt::format("did you mean \"{}\"?", near));
    }
    if (p.path.empty() || p.path[0] != '/') c.err(scenario::child_path(kp, "path"), "route needs \"path\": the request path", "write \"path\": \"/hello\"");
    if (p.status < 100 || p.status > 599) c.err(scenario::child_path(kp, "status"), "status is an HTTP status code", "write 200");
  }
  x->probes.push_back(std::move(p));
}

// The longest startAfter chain of the template's actions (an upper bound of how long it runs).
std::int64_t chain_ns(const cloud::fis::Template& t, std::int64_t reboot_ns) {
  std::map<std::string, std::int64_t> finish;
  std::int64_t most = 0;
  for (const std::string& n : t.order) {
    const auto& a = t.actions.at(n);
    std::int64_t s = 0;
    for (const auto& d : a.start_after) s = std::max(s, finish[d]);
    std::int64_t len = std::max(a.duration_ns, a.start_after_duration_ns);
    if (a.action_id == "aws:ec2:reboot-instances") len = reboot_ns;
    finish[n] = s + len;
    most = std::max(most, finish[n]);
  }
  return most;
}

}  // namespace

std::optional<Experiment> load_experiment_text(const std::string& text, const std::string& path,
                                               std::vector<scenario::LoadError>* errors) {
  const std::size_t before = errors->size();
  scenario::JsoncDocument doc = scenario::parse_jsonc(text);
  for (const auto& e : doc.errors) {
    scenario::LoadError le;
    le.file = path;
    le.path = e.path;
    le.message = e.message;
    le.fix = e.fix;
    le.line = e.pos.line;
    le.column = e.pos.column;
    errors->push_back(std::move(le));
  }
  if (!doc.errors.empty()) return std::nullopt;
  const Ctx c{path, doc.positions, errors};
  const json& j = doc.value;
  if (!j.is_object()) {
    c.err("$", "an experiment file is a JSON object", "see scenarios/experiments/ for examples");
    return std::nullopt;
  }
  c.keys(j, "$", {"name", "description", "scenario", "start", "start_jitter", "template", "steady_state", "hypothesis", "alarms", "seeds"});
  Experiment x;
  x.file = path;
  if (j.contains("name") && j.at("name").is_string()) x.name = j.at("name").get<std::string>();
  else c.err("$", "an experiment needs a \"name\"", "add \"name\": \"asg-terminate-40-percent\"");
  if (j.contains("description") && j.at("description").is_string()) x.description = j.at("description").get<std::string>();
  // The scenario.
  if (!j.contains("scenario")) {
    c.err("$", "an experiment needs a \"scenario\"", "add \"scenario\": \"../aws-asg/02-discovery-one-cluster.json\" (relative to this file) or an inline scenario object");
    return std::nullopt;
  }
  const fs::path dir = fs::path(path).parent_path();
  scenario::LoadResult lr;
  if (j.at("scenario").is_string()) {
    x.scenario_label = j.at("scenario").get<std::string>();
    const fs::path sp = dir / x.scenario_label;
    std::error_code ec;
    if (!fs::is_regular_file(sp, ec)) {
      c.err("$.scenario", fmt::format("no scenario file {}", sp.string()), "give the path relative to the experiment file");
      return std::nullopt;
    }
    lr = scenario::load_file(sp.string());
  } else if (j.at("scenario").is_object()) {
    x.scenario_label = "(inline)";
    lr = scenario::load_string(j.at("scenario").dump(), path + " $.scenario");
    if (lr.ok()) scenario::read_attachments(lr, path);
  } else {
    c.err("$.scenario", "scenario is a path or an object", "write \"scenario\": \"../lab/quorum-2host.json\"");
    return std::nullopt;
  }
  if (!lr.ok()) {
    for (auto& e : lr.errors) errors->push_back(std::move(e));
    return std::nullopt;
  }
  scenario::Scenario s = std::move(*lr.scenario);
  // The template.
  if (!j.contains("template")) {
    c.err("$", "an experiment needs a \"template\": the AWS FIS experiment template",
          "paste the output of `aws fis get-experiment-template --id EXT...` as \"template\"");
  } else if (auto t = cloud::fis::parse_template(j.at("template"), "$.template", path, doc.positions, errors)) {
    x.fis = std::move(*t);
    cloud::fis::check_against(x.fis, s, path, doc.positions, errors);
  }
  // Timing.
  if (!j.contains("start")) c.err("$", "an experiment needs \"start\": when FIS starts it", "add \"start\": \"5m\" (once the deployment has settled)");
  c.duration(j, "$", "start", &x.start_ns, 0);
  c.duration(j, "$", "start_jitter", &x.start_jitter_ns, 0);
  if (x.start_ns > scenario::kMaxDurationNs / 2) c.err("$.start", "start is later than 12h", "start the experiment earlier");
  // Steady state.
  if (!j.contains("steady_state") || !j.at("steady_state").is_object()) {
    c.err(j.contains("steady_state") ? "$.steady_state" : "$", "an experiment needs \"steady_state\": the probes that define it",
          "add \"steady_state\": {\"interval\": \"1s\", \"probes\": [{\"name\": \"writes\", \"put\": {\"via\": \"http://etcd-nlb:2379\"}}]}");
  } else {
    const json& ss = j.at("steady_state");
    c.keys(ss, "$.steady_state", {"interval", "baseline", "probes"});
    c.duration(ss, "$.steady_state", "interval", &x.interval_ns, 100'000'000);
    c.duration(ss, "$.steady_state", "baseline", &x.baseline_ns, 0);
    if (!ss.contains("probes") || !ss.at("probes").is_array() || ss.at("probes").empty() || ss.at("probes").size() > kMaxProbes) {
      c.err("$.steady_state", fmt::format("the steady state needs 1 to {} probes", kMaxProbes), "add \"probes\": [{\"name\": ..., \"put\": {...}}]");
    } else {
      for (std::size_t i = 0; i < ss.at("probes").size(); ++i)
        parse_probe(c, ss.at("probes")[i], scenario::index_path("$.steady_state.probes", i), s, &x);
    }
  }
  // Hypothesis.
  if (j.contains("hypothesis")) {
    const json& h = j.at("hypothesis");
    if (!h.is_object()) {
      c.err("$.hypothesis", "hypothesis is an object", "write {\"recovers_within\": \"30s\"}");
    } else {
      c.keys(h, "$.hypothesis", {"recovers_within", "holds_during", "stays"});
      c.duration(h, "$.hypothesis", "recovers_within", &x.recover_within_ns, 0);
      c.duration(h, "$.hypothesis", "stays", &x.stays_ns, x.interval_ns);
      if (h.contains("holds_during")) {
        if (!h.at("holds_during").is_boolean()) c.err("$.hypothesis.holds_during", "holds_during is true or false", "write false");
        else x.holds_during = h.at("holds_during").get<bool>();
      }
    }
  }
  // Alarms.
  if (j.contains("alarms")) {
    const json& as = j.at("alarms");
    if (!as.is_array() || as.size() > kMaxAlarms) {
      c.err("$.alarms", fmt::format("alarms is a list of at most {}", kMaxAlarms), "write [{\"arn\": ..., \"probe\": ..., \"datapoints\": 3}]");
    } else {
      for (std::size_t i = 0; i < as.size(); ++i) {
        const std::string p = scenario::index_path("$.alarms", i);
        const json& a = as[i];
        if (!a.is_object()) {
          c.err(p, "an alarm is an object", "write {\"arn\": \"arn:aws:cloudwatch:...:alarm:NAME\", \"probe\": \"writes\"}");
          continue;
        }
        c.keys(a, p, {"arn", "probe", "datapoints"});
        Alarm al;
        al.json_path = p;
        if (a.contains("arn") && a.at("arn").is_string()) al.arn = a.at("arn").get<std::string>();
        if (al.arn.rfind("arn:aws:cloudwatch:", 0) != 0)
          c.err(p, "an alarm needs \"arn\": arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME", "the stop condition's value names it");
        if (a.contains("probe") && a.at("probe").is_string()) al.probe = a.at("probe").get<std::string>();
        std::vector<std::string> names;
        for (const Probe& pr : x.probes) names.push_back(pr.name);
        if (std::find(names.begin(), names.end(), al.probe) == names.end()) {
          const std::string near = scenario::closest_match(al.probe, names);
          c.err(scenario::child_path(p, "probe"), fmt::format("no probe named \"{}\"", al.probe),
                near.empty() ? fmt::format("the probes are {}", fmt::join(names, ", ")) : fmt::format("did you mean \"{}\"?", near));
        }
        if (a.contains("datapoints")) {
          if (!a.at("datapoints").is_number_unsigned() || a.at("datapoints").get<std::uint64_t>() < 1 || a.at("datapoints").get<std::uint64_t>() > 100)
            c.err(scenario::child_path(p, "datapoints"), "datapoints is a whole number from 1 to 100", "write 3 (ALARM after 3 failed probes in a row)");
          else al.datapoints = a.at("datapoints").get<std::uint64_t>();
        }
        x.alarms.push_back(std::move(al));
      }
    }
  }
  for (std::size_t i = 0; i < x.fis.stop_conditions.size(); ++i) {
    const auto& sc = x.fis.stop_conditions[i];
    if (sc.source != "aws:cloudwatch:alarm") continue;
    bool found = false;
    for (const Alarm& a : x.alarms) found = found || a.arn == sc.value;
    if (!found)
      c.err(fmt::format("$.template.stopConditions[{}].value", i), fmt::format("the stop condition's alarm {} is not defined", sc.value),
            "add it under \"alarms\": [{\"arn\": \"" + sc.value + "\", \"probe\": \"<a probe name>\", \"datapoints\": 3}]");
  }
  if (j.contains("seeds")) {
    if (!j.at("seeds").is_number_unsigned() || j.at("seeds").get<std::uint64_t>() < 1 || j.at("seeds").get<std::uint64_t>() > lab::kMaxSeeds)
      c.err("$.seeds", fmt::format("seeds is a whole number from 1 to {}", lab::kMaxSeeds), "write e.g. 50");
    else x.seeds = j.at("seeds").get<std::uint64_t>();
  }
  if (errors->size() != before) return std::nullopt;
  // The run: long enough for the longest action chain, the recovery and the settling.
  x.end_ns = x.start_ns + x.start_jitter_ns + chain_ns(x.fis, 30 * kSec) + x.recover_within_ns + x.stays_ns + 10 * kSec;
  if (x.end_ns > scenario::kMaxDurationNs) {
    c.err("$", "the experiment runs longer than 24h of virtual time", "shorten the start, the actions' durations or the hypothesis' windows");
    return std::nullopt;
  }
  s.duration_ns = std::max(s.duration_ns, x.end_ns);
  // The steady state is judged, not the scenario's own expectations.
  s.expect.clear();
  x.scenario = std::make_shared<const scenario::Scenario>(std::move(s));
  return x;
}

std::optional<Experiment> load_experiment(const std::string& path, std::vector<scenario::LoadError>* errors) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    scenario::LoadError e;
    e.file = path;
    e.message = "no such file";
    e.fix = "give the path of an experiment file (scenarios/experiments/*.json)";
    errors->push_back(std::move(e));
    return std::nullopt;
  }
  if (fs::file_size(path, ec) > (1u << 20)) {
    scenario::LoadError e;
    e.file = path;
    e.message = "the file is larger than 1 MiB";
    e.fix = "an experiment file is a few KB of JSON";
    errors->push_back(std::move(e));
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return load_experiment_text(ss.str(), path, errors);
}

}  // namespace raftlab::chaos
