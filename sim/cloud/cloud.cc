// sim/cloud/cloud.cc — the Cloud extension's frame: construction from the scenario's
// cloud part, installation in the World (load balancers, target groups, the ASGs' first
// scaling activity at t=0, the health poller), the timeline's `aws` lines, the cloud
// expectations ("asg", "targets"), and the trace of cloud events.
//
// Must never: change a member or a container except through the World's primitives.
#include "sim/cloud/cloud.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/etcd/shell.h"
#include "sim/scenario/duration.h"

namespace raftlab::cloud {

using nlohmann::json;

const std::set<std::string>& external_commands() {
  // What cloud-init's root shell on Amazon Linux can run that the model carries out
  // (instance_shell.cc): the container and etcd tools, the AWS CLI, curl to other hosts,
  // and host set-up commands that are assumed to succeed (docs/cloud.md, "User data").
  static const std::set<std::string> k = {"docker",    "etcd",  "etcdctl", "aws",       "curl",    "wget",
                                          "yum",       "dnf",   "apt-get", "apt",       "systemctl", "service",
                                          "amazon-linux-extras", "usermod", "hostnamectl", "logger", "hostname",
                                          "nohup", "sync", "chkconfig", "timedatectl"};
  return k;
}

Cloud::Cloud(sim::Deployment& d, std::shared_ptr<const CloudConfig> cfg) : d_(d), cfg_(std::move(cfg)) {}
Cloud::~Cloud() = default;

sim::Prng& Cloud::prng(const std::string& purpose) {
  auto it = prngs_.find(purpose);
  if (it == prngs_.end()) {
    // A child of the run's seed per purpose: adding a cloud draw never shifts another's.
    sim::Prng root(world().seed());
    it = prngs_.emplace(purpose, root.derive("cloud/" + purpose)).first;
  }
  return it->second;
}

void Cloud::record(const std::string& who, const std::string& what, const std::string& detail) {
  sim::Trace& t = world().trace();
  if (!t.on()) return;
  sim::TraceEvent e;
  e.at = world().now();
  e.kind = sim::Ev::Cloud;
  e.who = who;
  e.a = what;
  e.b = detail;
  t.record(std::move(e));
}

Instance* Cloud::instance(const std::string& id) {
  for (auto& in : instances_)
    if (in->id == id) return in.get();
  return nullptr;
}

const AsgState* Cloud::asg(const std::string& name_or_logical) const {
  for (const AsgState& g : asgs_)
    if (g.name == name_or_logical || g.spec->logical_id == name_or_logical) return &g;
  return nullptr;
}

AsgState* Cloud::find_asg(const std::string& name) {
  for (AsgState& g : asgs_)
    if (g.name == name) return &g;
  return nullptr;
}

void Cloud::install() {
  const CloudSpec& spec = cfg_->spec;
  for (const TargetGroup& tg : spec.target_groups) {
    TargetGroupState st;
    st.spec = &tg;
    st.arn = fmt::format("arn:aws:elasticloadbalancing:{}:123456789012:targetgroup/{}/{:016x}", spec.region,
                         tg.name.empty() ? tg.logical_id : tg.name, sim::label_hash(spec.stack_name + "/" + tg.logical_id));
    tgs_[tg.logical_id] = std::move(st);
  }
  for (const NotModelled& n : spec.not_modelled)
    d_.add_warning(fmt::format("{}: {} ({}) is read but not modelled (docs/cloud.md)", n.path, n.logical_id, n.type));
  for (const std::string& w : spec.warnings) d_.add_warning(w);
  install_load_balancers();
  for (const AutoScalingGroup& a : spec.asgs) {
    AsgState g;
    g.spec = &a;
    g.name = a.name.empty()
                 ? fmt::format("{}-{}-{:012X}", spec.stack_name, a.logical_id,
                               sim::label_hash(spec.stack_name + "/" + a.logical_id) & 0xFFFFFFFFFFFFULL)
                 : a.name;
    g.arn = fmt::format("arn:aws:autoscaling:{}:123456789012:autoScalingGroup:{:08x}-0000-4000-8000-{:012x}:"
                        "autoScalingGroupName/{}",
                        spec.region, sim::label_hash(g.name) & 0xFFFFFFFFULL, sim::label_hash(g.name) >> 16, g.name);
    g.min = a.min_size;
    g.max = a.max_size;
    g.desired = a.desired.value_or(a.min_size);
    for (const std::string& sn : a.subnets) {
      for (const Subnet& s : spec.subnets) {
        if (s.id != sn && s.logical_id != sn) continue;
        g.azs.push_back(s.az);
        g.subnets.push_back(&s);
        break;
      }
    }
    g.health_type = a.health_check_type;
    g.grace_ns = a.health_check_grace_s * 1'000'000'000;
    g.policies = a.termination_policies;
    g.target_groups = a.target_groups;
    for (const LaunchTemplate& lt : spec.launch_templates)
      if (lt.logical_id == a.launch_template || lt.name == a.launch_template) g.lt = &lt;
    asgs_.push_back(std::move(g));
  }
  // The stack's creation: each group's first scaling activity at t=0, then the health
  // poller (Amazon EC2 Auto Scaling checks its instances periodically).
  world().loop().at(sim::Time{0}, [this] {
    for (AsgState& g : asgs_) {
      record(g.name, "scaling", fmt::format("group created by CloudFormation: min {}, max {}, desired {}", g.min, g.max,
                                            g.desired));
      reconcile(g, "an instance was started in response to a difference between desired and actual capacity, "
                   "increasing the capacity from 0 to " + std::to_string(g.desired));
    }
  });
  world().loop().after(sim::nanos(cfg_->timings.health_poll_ns), [this] { health_tick(); });
  if (cfg_->nemesis.on) schedule_nemesis();
  install_gateways();
  install_route53();
}

bool Cloud::healed() const {
  for (const AsgState& g : asgs_) {
    int in_service = 0;
    for (const auto& in : instances_) {
      if (in->asg != g.name) continue;
      // An instance terminated or failed outside the group is still InService until the
      // group's next health check: not healed.
      if (in->lifecycle == "InService" && in->healthy && !in->impaired && in->ec2 == Instance::Ec2::kRunning) ++in_service;
      else if (in->lifecycle != "Terminated") return false;  // launching, leaving, or not yet noticed
    }
    if (in_service != g.desired) return false;
    for (const std::string& tg : g.target_groups) {
      auto it = tgs_.find(tg);
      if (it == tgs_.end()) continue;
      int healthy = 0;
      for (const Target& t : it->second.targets) healthy += t.state == "healthy";
      if (healthy != g.desired) return false;
    }
  }
  return true;
}

void Cloud::schedule_nemesis() {
  // The whole schedule is drawn at once from its own stream: fault k's time and kind do
  // not depend on what happened before it (a fault that finds the system still healing is
  // skipped and says so).
  const CloudNemesis& n = cfg_->nemesis;
  sim::Prng& r = prng("nemesis");
  std::int64_t at = n.start_ns;
  for (std::int64_t k = 0; k < n.max_faults; ++k) {
    at += r.between(0, 2 * n.mean_gap_ns);
    if (at >= n.end_ns) break;
    const std::string kind = n.kinds[r.uniform(n.kinds.size())];
    const std::int64_t duration = r.between(n.min_duration_ns, n.max_duration_ns);
    const std::uint64_t pick = r.next();
    world().loop().at(sim::nanos(at), [this, kind, duration, pick, k] {
      if (!healed()) {
        record("nemesis", "ec2-fault", fmt::format("fault {} ({}) skipped: the group is still healing", k + 1, kind));
        return;
      }
      std::vector<Instance*> live;
      for (auto& in : instances_)
        if (in->ec2 == Instance::Ec2::kRunning && !in->impaired && in->lifecycle == "InService") live.push_back(in.get());
      if (live.empty()) return;
      record("nemesis", "ec2-fault", fmt::format("fault {}: {}", k + 1, kind));
      nlohmann::json v;
      if (kind == "instance_fail") v["fail"] = live[pick % live.size()]->id;
      else if (kind == "leader_fail") v["fail"] = "leader";
      else if (kind == "instance_terminate") v["terminate"] = live[pick % live.size()]->id;
      else {
        std::vector<std::string> azs;
        for (const Subnet& s : cfg_->spec.subnets)
          if (std::find(azs.begin(), azs.end(), s.az) == azs.end()) azs.push_back(s.az);
        const std::string az = azs[pick % azs.size()];
        v["fail_az"] = az;
        world().loop().after(sim::nanos(duration), [this, az] {
          nlohmann::json back;
          back["restore_az"] = az;
          apply_ec2(scenario::TimelineEntry{}, back);
        });
      }
      apply_ec2(scenario::TimelineEntry{}, v);
    });
  }
}

void Cloud::apply(const scenario::TimelineEntry& t, const scenario::ExtAction& a) {
  if (a.key == "ec2") return apply_ec2(t, a.value);
  if (a.key == "dig") return run_dig(a.value);
  if (a.key == "curl") {
    auto c = parse_curl_line(a.value, cfg_->env);
    std::string shown;
    if (a.value.is_string()) {
      shown = a.value.get<std::string>();
    } else {
      for (const auto& l : a.value) shown += (shown.empty() ? "" : "\n") + l.get<std::string>();
    }
    if (c.ok()) run_curl(c.value(), shown);
    return;
  }
  if (a.key != "aws") return;
  auto c = parse_aws_line(a.value, cfg_->env);
  std::string shown = a.value.is_string() ? a.value.get<std::string>() : a.value.dump();
  if (!c.ok()) {  // build() checked every line; only a shell environment change could get here
    world().note(fmt::format("$ {}\n{}", shown, c.error().message));
    return;
  }
  ApiResult r = call(c.value(), "");
  std::string out = r.exit_code == 0 ? r.out : r.err;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  world().note(fmt::format("$ {}{}", shown, out.empty() ? "" : "\n" + out));
}

// "oldest" / "newest" (by launch), "#N" (the N-th instance launched, from 1), "leader"
// (the instance whose etcd leads), or an instance ID; only instances still running.
Instance* Cloud::select_instance(const std::string& sel) {
  std::vector<Instance*> live;
  for (auto& in : instances_)
    if (in->ec2 == Instance::Ec2::kRunning && !in->impaired) live.push_back(in.get());
  if (sel.size() > 1 && sel[0] == '#') {
    const long n = std::atol(sel.c_str() + 1);
    return n >= 1 && static_cast<size_t>(n) <= instances_.size() ? instances_[static_cast<size_t>(n - 1)].get() : nullptr;
  }
  if (live.empty()) return nullptr;
  if (sel == "oldest") return live.front();
  if (sel == "newest") return live.back();
  if (sel == "leader") {
    for (const sim::MemberView& m : world().members()) {
      if (!m.running || m.role != raft::Role::Leader) continue;
      for (Instance* in : live)
        if (world().net().host_name(in->host) == m.host) return in;
    }
    return nullptr;
  }
  return instance(sel);
}

// {"fail": SELECTOR}: the instance's hardware fails (host down, status checks impaired);
// {"terminate": SELECTOR}: it is terminated outside the group (a Spot reclaim, a person);
// {"fail_az": "us-east-1a"} / {"restore_az": ...}: every instance there fails, and the
// group cannot launch there until it is restored.
void Cloud::apply_ec2(const scenario::TimelineEntry& t, const json& v) {
  (void)t;
  auto fail_one = [this](Instance& in, const std::string& why) {
    in.impaired = true;
    in.impaired_ns = world().now().ns;
    record(in.id, "ec2-fault", why + ": the instance stops answering; EC2 status checks fail");
    if (world().net().host_up(in.host)) world().kill_host(in.host);
  };
  if (v.contains("fail") && gateway(v.at("fail").get<std::string>())) {
    Gateway& g = *gateway(v.at("fail").get<std::string>());
    g.down = true;
    record(g.name, "ec2-fault", "hardware failure: the gateway stops answering");
    if (world().net().host_up(g.host)) world().kill_host(g.host);
  } else if (v.contains("restore") && gateway(v.at("restore").get<std::string>())) {
    Gateway& g = *gateway(v.at("restore").get<std::string>());
    if (!g.down) return;
    g.down = false;
    world().restore_host(g.host);
    // APISIX starts again: empty memory, a full read first.
    g.kvs.clear();
    g.loaded = false;
    g.conn_url.clear();
    record(g.name, "ec2-fault", "restored: APISIX starts again");
    for (std::size_t i = 0; i < gateways_.size(); ++i)
      if (&gateways_[i] == &g) gateway_schedule(i, cfg_->timings.boot_ns);
  } else if (v.contains("fail")) {
    const std::string sel = v.at("fail").get<std::string>();
    Instance* in = select_instance(sel);
    if (!in) return world().note("ec2 fail " + sel + ": no such running instance");
    fail_one(*in, "hardware failure");
  } else if (v.contains("terminate")) {
    const std::string sel = v.at("terminate").get<std::string>();
    Instance* in = select_instance(sel);
    if (!in) return world().note("ec2 terminate " + sel + ": no such running instance");
    begin_shutdown(in->id, "terminated outside the group");
  } else if (v.contains("fail_az")) {
    const std::string az = v.at("fail_az").get<std::string>();
    down_azs_.insert(az);
    record(az, "ec2-fault", "Availability Zone outage");
    for (auto& in : instances_)
      if (in->az == az && in->ec2 == Instance::Ec2::kRunning && !in->impaired) fail_one(*in, "AZ outage");
  } else if (v.contains("restore_az")) {
    const std::string az = v.at("restore_az").get<std::string>();
    down_azs_.erase(az);
    record(az, "ec2-fault", "Availability Zone restored");
    for (AsgState& g : asgs_) reconcile(g, "");
  }
}

namespace {
std::string count_text(std::int64_t n) { return std::to_string(n); }
}  // namespace

// "asg": {"name": "EtcdAsg", "in_service": 3, "desired": 3, "instances": 3, "healthy": 3}
void Cloud::probe_asg(const scenario::Expectation& e, const json& v) {
  const std::string p = e.path + ".asg";
  std::string name = v.contains("name") ? v.at("name").get<std::string>() : asgs_.front().name;
  const AsgState* g = asg(name);
  auto add = [&](const std::string& what, std::int64_t want, std::int64_t got) {
    sim::ExpectResult r;
    r.at_ns = e.at_ns;
    r.what = what;
    r.expected = count_text(want);
    r.actual = count_text(got);
    r.passed = want == got;
    r.path = p;
    r.note = e.note;
    d_.add_result(std::move(r));
  };
  std::int64_t in_service = 0, instances = 0, healthy = 0;
  for (const auto& in : instances_) {
    if (in->asg != g->name || in->lifecycle == "Terminated") continue;
    ++instances;
    if (in->lifecycle == "InService") ++in_service;
    if (in->healthy && in->lifecycle == "InService") ++healthy;
  }
  const std::string label = "ASG " + g->name;
  if (v.contains("in_service")) add(label + " in service", v.at("in_service").get<std::int64_t>(), in_service);
  if (v.contains("desired")) add(label + " desired capacity", v.at("desired").get<std::int64_t>(), g->desired);
  if (v.contains("instances")) add(label + " instances", v.at("instances").get<std::int64_t>(), instances);
  if (v.contains("healthy")) add(label + " healthy in service", v.at("healthy").get<std::int64_t>(), healthy);
}

// "targets": {"group": "EtcdTargets", "healthy": 3}
void Cloud::probe_targets(const scenario::Expectation& e, const json& v) {
  const std::string p = e.path + ".targets";
  std::string name = v.contains("group") ? v.at("group").get<std::string>() : tgs_.begin()->first;
  const TargetGroupState* tg = nullptr;
  for (const auto& [id, st] : tgs_)
    if (id == name || st.spec->name == name) tg = &st;
  std::int64_t healthy = 0, registered = 0;
  for (const Target& t : tg->targets) {
    if (t.state == "healthy") ++healthy;
    if (t.state != "draining") ++registered;
  }
  auto add = [&](const std::string& what, std::int64_t want, std::int64_t got) {
    sim::ExpectResult r;
    r.at_ns = e.at_ns;
    r.what = what;
    r.expected = count_text(want);
    r.actual = count_text(got);
    r.passed = want == got;
    r.path = p;
    r.note = e.note;
    d_.add_result(std::move(r));
  };
  const std::string label = "target group " + (tg->spec->name.empty() ? tg->spec->logical_id : tg->spec->name);
  if (v.contains("healthy")) add(label + " healthy targets", v.at("healthy").get<std::int64_t>(), healthy);
  if (v.contains("registered")) add(label + " registered targets", v.at("registered").get<std::int64_t>(), registered);
}

void Cloud::probe(const scenario::Expectation& e) {
  auto it = e.ext.find("asg");
  if (it != e.ext.end()) probe_asg(e, it->second);
  it = e.ext.find("targets");
  if (it != e.ext.end()) probe_targets(e, it->second);
  it = e.ext.find("route");
  if (it != e.ext.end()) probe_route(e, it->second);
  it = e.ext.find("routes");
  if (it != e.ext.end()) probe_routes(e, it->second);
  it = e.ext.find("dig");
  if (it != e.ext.end()) probe_dig(e, it->second);
}

void Cloud::finish(sim::RunResult& r) { (void)r; }

const std::string& Cloud::lb_host_ip(const std::string& lb) const {
  static const std::string none;
  auto it = lbs_.find(lb);
  if (it == lbs_.end() || it->second.host < 0) return none;
  return const_cast<Cloud*>(this)->world().net().host_ip(it->second.host);
}

namespace {

const std::vector<std::string> kAsgExpectKeys = {"name", "in_service", "desired", "instances", "healthy"};
const std::vector<std::string> kTargetExpectKeys = {"group", "healthy", "registered"};

// "route": {"gateway", "path", "method"?, "status"?, "body_contains"?}; "routes": {"gateway", "count"}.
void check_gateway_expectation(const scenario::Scenario& s, const CloudConfig& cfg, const std::string& key,
                               const json& v, const std::string& p, std::vector<scenario::LoadError>* errors) {
  auto err = [&](const std::string& path, std::string m, std::string fix = {}) {
    errors->push_back(s.error_at(path, std::move(m), std::move(fix)));
  };
  const std::vector<std::string> keys = key == "route" ? std::vector<std::string>{"gateway", "path", "method", "status", "body_contains"}
                                                       : std::vector<std::string>{"gateway", "count"};
  if (!v.is_object()) return err(p, "expected an object", key == "route" ? "write e.g. {\"gateway\": \"gw2\", \"path\": \"/ip\", \"status\": 200}"
                                                                         : "write e.g. {\"gateway\": \"gw1\", \"count\": 1}");
  for (const auto& [k, x] : v.items()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      const std::string guess = etcd::closest_match(k, keys);
      err(p + "." + k, "unknown key \"" + k + "\"", guess.empty() ? "known: " + fmt::format("{}", fmt::join(keys, ", ")) : "did you mean \"" + guess + "\"?");
    } else if ((k == "status" || k == "count") && (!x.is_number_integer() || x.get<std::int64_t>() < 0 || x.get<std::int64_t>() > 10000)) {
      err(p + "." + k, k == "status" ? "expected an HTTP status such as 200" : "expected a count from 0 to 10000");
    } else if (k != "status" && k != "count" && !x.is_string()) {
      err(p + "." + k, "expected a string");
    }
  }
  if (!cfg.apisix.on) return err(p, "the scenario has no APISIX gateways", "add $.cloud.apisix");
  if (!v.contains("gateway") || !v.at("gateway").is_string()) return err(p, "say which gateway: \"gateway\": \"gw1\"");
  const std::string g = v.at("gateway").get<std::string>();
  std::vector<std::string> names;
  for (const auto& gw : cfg.apisix.gateways) names.push_back(gw.name);
  if (std::find(names.begin(), names.end(), g) == names.end())
    err(p + ".gateway", "no gateway \"" + g + "\"", "gateways: " + fmt::format("{}", fmt::join(names, ", ")));
  if (key == "route" && (!v.contains("path") || !v.at("path").is_string() || v.at("path").get<std::string>().rfind("/", 0) != 0))
    err(p + ".path", "a route expectation needs \"path\": \"/...\"");
  if (key == "route" && !v.contains("status") && !v.contains("body_contains")) err(p, "asserts nothing", "add \"status\": 200");
  if (key == "routes" && !v.contains("count")) err(p, "asserts nothing", "add \"count\": 1");
}

// Checks the "asg"/"targets" assertions against the spec (names, keys, counts).
void check_expectations(const scenario::Scenario& s, const CloudConfig& cfg, std::vector<scenario::LoadError>* errors) {
  auto err = [&](const std::string& path, std::string m, std::string fix = {}) {
    errors->push_back(s.error_at(path, std::move(m), std::move(fix)));
  };
  for (const scenario::Expectation& e : s.expect) {
    for (const auto& [key, v] : e.ext) {
      const std::string p = e.path + "." + key;
      if (key == "dig") {
        const bool ok = v.is_object() && v.contains("name") && v.at("name").is_string() && v.contains("queries") &&
                        v.at("queries").is_number_integer() && v.at("queries").get<std::int64_t>() >= 1 &&
                        v.at("queries").get<std::int64_t>() <= 10000 && v.contains("answers") && v.at("answers").is_array() &&
                        v.size() == 3;
        if (!ok)
          errors->push_back(s.error_at(p, "expected {\"name\": NAME, \"queries\": 1..10000, \"answers\": [addresses]}",
                                       "write e.g. {\"name\": \"gw.example.com\", \"queries\": 20, \"answers\": [\"43.203.226.152\"]}"));
        else if (cfg.spec.records.empty())
          errors->push_back(s.error_at(p, "the template has no AWS::Route53::RecordSet"));
        continue;
      }
      if (key == "route" || key == "routes") {
        check_gateway_expectation(s, cfg, key, v, p, errors);
        continue;
      }
      const auto& keys = key == "asg" ? kAsgExpectKeys : kTargetExpectKeys;
      if (!v.is_object()) {
        err(p, "expected an object", key == "asg" ? "write e.g. {\"in_service\": 3}" : "write e.g. {\"healthy\": 3}");
        continue;
      }
      bool any = false;
      for (const auto& [k, x] : v.items()) {
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
          const std::string guess = etcd::closest_match(k, keys);
          err(p + "." + k, "unknown key \"" + k + "\"",
              guess.empty() ? "known: " + fmt::format("{}", fmt::join(keys, ", ")) : "did you mean \"" + guess + "\"?");
          continue;
        }
        if (k == "name" || k == "group") {
          if (!x.is_string()) err(p + "." + k, "expected a name");
          continue;
        }
        any = true;
        if (!x.is_number_integer() || x.get<std::int64_t>() < 0 || x.get<std::int64_t>() > 10000)
          err(p + "." + k, "expected a count from 0 to 10000");
      }
      if (!any) err(p, "asserts nothing", "add e.g. \"in_service\": 3");
      if (key == "asg") {
        if (cfg.spec.asgs.empty()) err(p, "the template has no Auto Scaling Group");
        if (v.contains("name") && v.at("name").is_string()) {
          const std::string n = v.at("name").get<std::string>();
          std::vector<std::string> names;
          bool found = false;
          for (const auto& g : cfg.spec.asgs) {
            names.push_back(g.logical_id);
            found = found || g.logical_id == n || g.name == n;
          }
          if (!found) err(p + ".name", "no Auto Scaling Group \"" + n + "\" in the template",
                          "groups: " + fmt::format("{}", fmt::join(names, ", ")));
        } else if (cfg.spec.asgs.size() > 1) {
          err(p, "the template has several Auto Scaling Groups", "say which: \"name\": \"...\"");
        }
      } else {
        if (cfg.spec.target_groups.empty()) err(p, "the template has no target group");
        if (v.contains("group") && v.at("group").is_string()) {
          const std::string n = v.at("group").get<std::string>();
          bool found = false;
          for (const auto& t : cfg.spec.target_groups) found = found || t.logical_id == n || t.name == n;
          if (!found) err(p + ".group", "no target group \"" + n + "\" in the template");
        } else if (cfg.spec.target_groups.size() > 1) {
          err(p, "the template has several target groups", "say which: \"group\": \"...\"");
        }
      }
    }
  }
}


void check_ec2_action(const scenario::Scenario& s, const CloudConfig& cfg, const scenario::TimelineEntry& t,
                      const json& v, std::vector<scenario::LoadError>* errors) {
  const std::string p = t.path + ".ec2";
  static const std::vector<std::string> kKeys = {"fail", "terminate", "fail_az", "restore_az", "restore"};
  if (!v.is_object() || v.size() != 1) {
    errors->push_back(s.error_at(p, "expected an object with one of fail, terminate, fail_az, restore_az",
                                 "write e.g. {\"fail\": \"oldest\"}"));
    return;
  }
  const std::string k = v.begin().key();
  if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end()) {
    const std::string guess = etcd::closest_match(k, kKeys);
    errors->push_back(s.error_at(p + "." + k, "unknown key \"" + k + "\"",
                                 guess.empty() ? "known: fail, terminate, fail_az, restore_az"
                                               : "did you mean \"" + guess + "\"?"));
    return;
  }
  if (!v.begin().value().is_string()) {
    errors->push_back(s.error_at(p + "." + k, "expected a string"));
    return;
  }
  const std::string x = v.begin().value().get<std::string>();
  if (k == "fail_az" || k == "restore_az") {
    bool known = false;
    std::vector<std::string> azs;
    for (const Subnet& sn : cfg.spec.subnets) {
      azs.push_back(sn.az);
      known = known || sn.az == x;
    }
    if (!known)
      errors->push_back(s.error_at(p + "." + k, "no subnet of the stack is in Availability Zone \"" + x + "\"",
                                   "zones: " + fmt::format("{}", fmt::join(azs, ", "))));
    return;
  }
  bool gw = false;
  for (const auto& g : cfg.apisix.gateways) gw = gw || g.name == x;
  if (k == "restore" && !gw) {
    errors->push_back(s.error_at(p + "." + k, "\"" + x + "\" is no APISIX gateway", "restore names a gateway that failed"));
    return;
  }
  const bool ok = gw || x == "oldest" || x == "newest" || x == "leader" ||
                  (x.size() > 1 && x[0] == '#' && x.find_first_not_of("0123456789", 1) == std::string::npos &&
                   x.size() <= 6) ||
                  ec2_instance_id_well_formed(x);
  if (!ok)
    errors->push_back(s.error_at(p + "." + k, "\"" + x + "\" selects no instance",
                                 "write \"oldest\", \"newest\", \"leader\", \"#N\" (the N-th launched) or an instance ID"));
}


sim::ExtensionFactory extension_factory_impl() {
  return [](sim::Deployment& d, std::vector<scenario::LoadError>* errors) -> std::unique_ptr<sim::Extension> {
    const scenario::Scenario& s = d.scenario();
    const size_t before = errors->size();
    auto cfg = read_cloud_config(s, errors);
    if (!cfg) return nullptr;
    check_expectations(s, *cfg, errors);
    for (const scenario::TimelineEntry& t : s.timeline) {
      const auto* a = std::get_if<scenario::ExtAction>(&t.action);
      if (!a) continue;
      if (a->key == "ec2") {
        check_ec2_action(s, *cfg, t, a->value, errors);
        continue;
      }
      if (a->key == "dig") {
        std::vector<std::string> argv;
        if (a->value.is_string()) {
          auto w = etcd::shell_split(a->value.get<std::string>(), cfg->env);
          if (w.ok()) argv = w.value().argv;
        }
        if (argv.size() < 2 || argv[0] != "dig")
          errors->push_back(s.error_at(t.path + ".dig", "expected a dig command line", "write e.g. \"dig gw.example.com\""));
        else if (cfg->spec.records.empty())
          errors->push_back(s.error_at(t.path + ".dig", "the template has no AWS::Route53::RecordSet to answer it"));
        continue;
      }
      if (a->key == "curl") {
        auto c = parse_curl_line(a->value, cfg->env);
        if (!c.ok()) {
          errors->push_back(s.error_at(t.path + ".curl", c.error().message, c.error().fix));
          continue;
        }
        std::vector<std::string> names;
        bool known = false;
        for (const auto& gw : cfg->apisix.gateways) {
          names.push_back(gw.name);
          known = known || gw.name == c.value().host || (!gw.ip.empty() && gw.ip == c.value().host);
        }
        if (!known)
          errors->push_back(s.error_at(t.path + ".curl", "curl to \"" + c.value().host + "\": no APISIX gateway of that name",
                                       names.empty() ? std::string("add $.cloud.apisix with its gateways")
                                                     : "gateways: " + fmt::format("{}", fmt::join(names, ", ")) +
                                                           " (set a shell variable in $.cloud.env, e.g. \"GW1\": \"gw1\")"));
        else if (c.value().port == cfg->apisix.config.admin_port && c.value().method != "PUT" && c.value().method != "GET")
          errors->push_back(s.error_at(t.path + ".curl", "Admin API method " + c.value().method + " is not modelled",
                                       "PUT or GET /apisix/admin/routes/ID"));
        continue;
      }
      if (a->key != "aws") continue;
      auto c = parse_aws_line(a->value, cfg->env);
      if (!c.ok()) {
        errors->push_back(s.error_at(t.path + ".aws", c.error().message, c.error().fix));
        continue;
      }
      const AwsOp op = c.value().op;
      if (op == AwsOp::kStopInstances || op == AwsOp::kStartInstances || op == AwsOp::kRebootInstances)
        errors->push_back(s.error_at(t.path + ".aws", std::string("aws ec2 ") + aws_operation_name(op) + " is not modelled",
                                     "use \"aws ec2 terminate-instances\", or {\"ec2\": {\"fail\": \"oldest\"}} for a "
                                     "failed instance"));
      if (!c.value().region.empty() && c.value().region != cfg->spec.region)
        d.add_warning(fmt::format("{}.aws: --region {} is not the stack's region {}: the call sees no resources", t.path,
                                  c.value().region, cfg->spec.region));
    }
    if (errors->size() != before) return nullptr;
    auto cloud = std::make_unique<Cloud>(d, cfg);
    cloud->install();
    return cloud;
  };
}

}  // namespace

sim::ExtensionFactory extension_factory() { return extension_factory_impl(); }

}  // namespace raftlab::cloud
