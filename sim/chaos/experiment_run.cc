// sim/chaos/experiment_run.cc — one seed of an experiment (experiment.h): build the
// deployment, start the FIS runner at the seed's start time, probe the steady state every
// interval, evaluate the CloudWatch alarms on the probe results (a stop condition in
// ALARM stops the experiment), and judge the hypothesis from the trace.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sim/chaos/experiment.h"
#include "sim/cloud/cloud.h"
#include "sim/deploy.h"
#include "sim/prng.h"

namespace raftlab::chaos {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

constexpr std::int64_t kSec = 1'000'000'000;
constexpr const char* kWho = "steady-state";

// The probes of one run: scheduled on the World's loop before it runs.
class Prober {
 public:
  Prober(const Experiment& x, sim::Deployment& d, cloud::fis::Runner& runner) : x_(x), d_(d), runner_(runner) {
    cloud_ = dynamic_cast<cloud::Cloud*>(d.extension());
  }

  bool alarm(const std::string& arn) const {
    auto it = alarm_.find(arn);
    return it != alarm_.end() && it->second;
  }

  void schedule(std::int64_t from_ns, std::int64_t until_ns) {
    std::uint64_t n = 0;
    for (std::int64_t t = from_ns; t <= until_ns; t += x_.interval_ns, ++n) {
      d_.world().loop().at(sim::nanos(t), [this, t, n] {
        for (const Probe& p : x_.probes) run(p, t, n);
      });
    }
  }

 private:
  sim::World& w() { return d_.world(); }

  // A result: a trace event at the time it is known, index = when the probe started.
  void result(const Probe& p, std::int64_t at, bool pass, const std::string& why) {
    sim::Trace& tr = w().trace();
    sim::TraceEvent e;
    e.at = w().now();
    e.kind = sim::Ev::Cloud;
    e.who = kWho;
    e.a = p.name;
    e.b = pass ? "pass" : "fail: " + why;
    e.index = static_cast<std::uint64_t>(at);
    tr.record(std::move(e));
    // CloudWatch: the probe's metric, one datapoint per result.
    for (const Alarm& a : x_.alarms) {
      if (a.probe != p.name) continue;
      std::uint64_t& k = fails_[a.arn];
      k = pass ? 0 : k + 1;
      const bool now_alarm = k >= a.datapoints;
      if (now_alarm != alarm_[a.arn]) {
        alarm_[a.arn] = now_alarm;
        sim::TraceEvent ae;
        ae.at = w().now();
        ae.kind = sim::Ev::Cloud;
        ae.who = "cloudwatch";
        ae.a = "alarm";
        ae.b = fmt::format("{}: {}", a.arn, now_alarm ? "ALARM" : "OK");
        tr.record(std::move(ae));
      }
    }
    runner_.check_stop_conditions();
  }

  void run(const Probe& p, std::int64_t at, std::uint64_t n) {
    if (p.kind == "put" || p.kind == "put_get") {
      sim::ClientRequest req;
      req.kind = sim::ClientOpKind::Put;
      req.key = fmt::format("/raftlab/steady-state/{}/{}", p.name, n);
      req.value = fmt::format("v{}", n);
      // The probe holds the token of the scenario's clients (a cluster with auth on refuses
      // a request without one).
      const std::string user = x_.scenario && x_.scenario->clients ? x_.scenario->clients->user : std::string();
      req.user = user;
      const std::string key = req.key, value = req.value;
      const bool read_back = p.kind == "put_get";
      w().etcdctl(req, p.via, [this, &p, at, key, value, read_back, user](const sim::ClientResult& r) {
        if (!r.ok) return result(p, at, false, "put: " + r.error);
        if (!read_back) return result(p, at, true, "");
        sim::ClientRequest g;
        g.kind = sim::ClientOpKind::Get;
        g.key = key;
        g.user = user;
        w().etcdctl(g, p.via, [this, &p, at, value](const sim::ClientResult& gr) {
          if (!gr.ok) return result(p, at, false, "get: " + gr.error);
          if (!gr.reply.found) return result(p, at, false, "get: the key just written is not there");
          if (gr.reply.value != value) return result(p, at, false, "get: another value");
          result(p, at, true, "");
        });
      });
      return;
    }
    if (p.kind == "route") {
      const auto st = cloud_ ? cloud_->gateway_status(p.gateway, p.method, p.path) : std::nullopt;
      if (!st) return result(p, at, false, "no such gateway");
      if (*st == p.status) return result(p, at, true, "");
      return result(p, at, false, *st == 0 ? "the gateway does not answer" : fmt::format("HTTP {}", *st));
    }
    const auto cs = w().clusters();
    if (p.kind == "clusters") {
      if (cs.size() <= p.at_most) return result(p, at, true, "");
      return result(p, at, false, fmt::format("{} clusters", cs.size()));
    }
    if (p.kind == "leaders") {
      for (const auto& c : cs)
        if (c.leaders.size() > p.at_most)
          return result(p, at, false, fmt::format("{} leaders in cluster {:x}: {}", c.leaders.size(), c.cluster_id, fmt::join(c.leaders, ", ")));
      return result(p, at, true, "");
    }
    if (p.kind == "quorum") {
      if (cs.empty()) return result(p, at, false, "no cluster");
      for (const auto& c : cs)
        if (!c.quorum) return result(p, at, false, fmt::format("cluster {:x} has no quorum", c.cluster_id));
      return result(p, at, true, "");
    }
  }

  const Experiment& x_;
  sim::Deployment& d_;
  cloud::fis::Runner& runner_;
  cloud::Cloud* cloud_ = nullptr;
  std::map<std::string, std::uint64_t> fails_;
  std::map<std::string, bool> alarm_;
};

std::string ns_text(std::int64_t ns) { return fmt::format("{:.3f}s", static_cast<double>(ns) / 1e9); }

}  // namespace

SeedVerdict run_seed(const Experiment& x, std::uint64_t seed, const std::shared_ptr<sim::SpecCache>& cache,
                     std::vector<sim::TraceEvent>* trace) {
  sim::RunOptions ro;
  ro.seed = seed;
  ro.trace_level = sim::TraceLevel::Default;
  ro.cache = cache;
  ro.hash_trace = false;
  ro.extension = cloud::extension_factory();
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(x.scenario, ro, &errors);
  if (!d) {
    SeedVerdict v;
    v.seed = seed;
    v.verdict = "failed";
    v.error = errors.empty() ? "the scenario does not build" : scenario::format(errors.front());
    v.why = v.error;
    return v;
  }
  const std::int64_t start =
      x.start_ns + (x.start_jitter_ns > 0 ? sim::Prng(seed).derive("chaos/start").between(0, x.start_jitter_ns) : 0);
  cloud::fis::RunnerOptions fo;
  fo.start_ns = start;
  Prober* prober_ptr = nullptr;
  fo.alarm_in_alarm = [&prober_ptr](const std::string& arn) { return prober_ptr && prober_ptr->alarm(arn); };
  cloud::fis::Runner runner(*d, x.fis, fo);
  Prober prober(x, *d, runner);
  prober_ptr = &prober;
  // Probes from the baseline until 6 s before the end (a put's 5 s deadline fits).
  prober.schedule(std::max<std::int64_t>(x.interval_ns, start - x.baseline_ns), x.scenario->duration_ns - 6 * kSec);
  d->run();
  const auto& events = d->world().trace().events();
  SeedVerdict v = judge(x, seed, events);
  for (const auto& viol : lab::judge(events))
    if (viol.checker != "expectations" &&
        std::find(v.safety_checkers.begin(), v.safety_checkers.end(), viol.checker) == v.safety_checkers.end())
      v.safety_checkers.push_back(viol.checker);
  std::sort(v.safety_checkers.begin(), v.safety_checkers.end());
  if (trace) *trace = events;
  return v;
}

SeedVerdict judge(const Experiment& x, std::uint64_t seed, const std::vector<sim::TraceEvent>& events) {
  SeedVerdict v;
  v.seed = seed;
  // The experiment, from the runner's events.
  std::set<std::string> running_faults;
  for (const auto& e : events) {
    if (e.kind != sim::Ev::Cloud || e.who != "fis") continue;
    if (e.a == "experiment") {
      const std::string st = e.b.substr(0, e.b.find(':'));
      if (st == "initiating") v.start_ns = e.at.ns;
      if (st == "completed" || st == "stopped" || st == "failed") v.experiment_state = st;
      if (st == "failed" || st == "stopping") v.experiment_reason = e.b.substr(std::min(e.b.size(), e.b.find(':') + 2));
    } else if (e.a == "target") {
      v.targets.push_back(e.b);
    } else if (e.a == "fault-start") {
      if (v.fault_start_ns < 0) v.fault_start_ns = e.at.ns;
      running_faults.insert(e.b);
    } else if (e.a == "fault-end") {
      v.fault_end_ns = std::max(v.fault_end_ns, e.at.ns);
    }
  }
  if (v.experiment_state.empty()) v.experiment_state = "running";  // the run ended first (bounded by the derived end)
  // Probe results by probe start time: the steady state holds at t when every probe
  // started at t passed.
  std::map<std::int64_t, std::vector<std::pair<std::string, bool>>> at;
  for (const auto& e : events) {
    if (e.kind != sim::Ev::Cloud || e.who != kWho) continue;
    const bool pass = e.b == "pass";
    at[static_cast<std::int64_t>(e.index)].emplace_back(e.a, pass);
    ++v.probes_run;
    v.probes_failed += !pass;
  }
  // Unavailability windows: maximal runs of probe times where the steady state failed.
  std::int64_t last_fail = -1;
  Window cur;
  bool open = false;
  std::set<std::string> names;
  for (const auto& [t, rs] : at) {
    bool ok = true;
    std::set<std::string> failed;
    for (const auto& [n, pass] : rs)
      if (!pass) ok = false, failed.insert(n);
    if (!ok) {
      if (!open) cur = Window{t, t, ""}, names.clear(), open = true;
      names.insert(failed.begin(), failed.end());
      last_fail = t;
    } else if (open) {
      cur.to_ns = t;
      cur.probes = fmt::format("{}", fmt::join(names, ", "));
      v.unavailable.push_back(cur);
      open = false;
    }
  }
  if (open) {
    cur.to_ns = at.empty() ? cur.from_ns : at.rbegin()->first + x.interval_ns;
    cur.probes = fmt::format("{}", fmt::join(names, ", "));
    v.unavailable.push_back(cur);
  }
  // The verdict.
  if (v.experiment_state == "failed") {
    v.verdict = "failed";
    v.why = "the FIS experiment failed: " + v.experiment_reason;
    return v;
  }
  const std::int64_t fs = v.fault_start_ns, fe = v.fault_end_ns;
  for (const auto& w : v.unavailable)
    if (fs < 0 || w.from_ns < fs) v.baseline_ok = false;
  if (!v.baseline_ok) {
    v.verdict = "anomaly";
    const Window& w = v.unavailable.front();
    v.why = fmt::format("the steady state did not hold before the fault ({} failed at {})", w.probes, ns_text(w.from_ns));
    return v;
  }
  if (fs < 0) {
    v.verdict = "anomaly";
    v.why = "no fault was injected (every action was cancelled before it ran)";
    return v;
  }
  // Recovery: the first probe time >= the fault's end from which the steady state held at
  // every probe time to the end of the observation (which lasts `stays` at least: end_ns).
  const std::int64_t observe_end = fe + x.recover_within_ns + x.stays_ns;
  std::int64_t recovered_at = -1;
  if (last_fail < fe) {
    recovered_at = fe;
  } else {
    for (const auto& [t, rs] : at)
      if (t > last_fail) {
        recovered_at = t;
        break;
      }
  }
  const std::int64_t last_probe = at.empty() ? -1 : at.rbegin()->first;
  v.recovery_ns = recovered_at >= 0 ? recovered_at - fe : -1;
  bool failed_during = false;
  for (const auto& w : v.unavailable) failed_during = failed_during || (w.from_ns <= fe && w.to_ns > fs);
  if (x.holds_during && failed_during) {
    v.verdict = "anomaly";
    v.why = "the steady state failed during the fault";
  } else if (v.recovery_ns < 0) {
    v.verdict = "anomaly";
    v.why = fmt::format("the steady state did not come back (observed until {})", ns_text(std::min(observe_end, last_probe)));
  } else if (v.recovery_ns > x.recover_within_ns) {
    v.verdict = "anomaly";
    v.why = fmt::format("recovery took {} (the hypothesis allows {})", ns_text(v.recovery_ns), ns_text(x.recover_within_ns));
  } else {
    v.verdict = "as expected";
    v.why = v.recovery_ns == 0 ? "the steady state held throughout" : fmt::format("recovered {} after the fault", ns_text(v.recovery_ns));
  }
  if (v.experiment_state == "stopped") v.why += "; FIS stopped the experiment: " + v.experiment_reason;
  return v;
}

ordered_json verdict_json(const SeedVerdict& v) {
  ordered_json j;
  j["seed"] = v.seed;
  j["verdict"] = v.verdict;
  j["why"] = v.why;
  j["experiment"] = {{"state", v.experiment_state}, {"reason", v.experiment_reason}};
  j["start_ns"] = v.start_ns;
  j["fault_start_ns"] = v.fault_start_ns;
  j["fault_end_ns"] = v.fault_end_ns;
  j["recovery_ns"] = v.recovery_ns;
  j["baseline_ok"] = v.baseline_ok;
  auto& ws = j["unavailable"] = ordered_json::array();
  for (const auto& w : v.unavailable) ws.push_back({{"from_ns", w.from_ns}, {"to_ns", w.to_ns}, {"probes", w.probes}});
  j["targets"] = v.targets;
  j["safety_checkers"] = v.safety_checkers;
  j["probes_run"] = v.probes_run;
  j["probes_failed"] = v.probes_failed;
  if (!v.error.empty()) j["error"] = v.error;
  return j;
}

SeedVerdict verdict_from_json(const json& j) {
  SeedVerdict v;
  v.seed = j.at("seed").get<std::uint64_t>();
  v.verdict = j.at("verdict").get<std::string>();
  v.why = j.at("why").get<std::string>();
  v.experiment_state = j.at("experiment").at("state").get<std::string>();
  v.experiment_reason = j.at("experiment").at("reason").get<std::string>();
  v.start_ns = j.at("start_ns").get<std::int64_t>();
  v.fault_start_ns = j.at("fault_start_ns").get<std::int64_t>();
  v.fault_end_ns = j.at("fault_end_ns").get<std::int64_t>();
  v.recovery_ns = j.at("recovery_ns").get<std::int64_t>();
  v.baseline_ok = j.at("baseline_ok").get<bool>();
  for (const auto& w : j.at("unavailable"))
    v.unavailable.push_back(Window{w.at("from_ns").get<std::int64_t>(), w.at("to_ns").get<std::int64_t>(), w.at("probes").get<std::string>()});
  v.targets = j.at("targets").get<std::vector<std::string>>();
  v.safety_checkers = j.at("safety_checkers").get<std::vector<std::string>>();
  v.probes_run = j.at("probes_run").get<std::uint64_t>();
  v.probes_failed = j.at("probes_failed").get<std::uint64_t>();
  if (j.contains("error")) v.error = j.at("error").get<std::string>();
  return v;
}

lab::FuzzOptions sweep_options(std::shared_ptr<const Experiment> x) {
  lab::FuzzOptions o;
  o.set.seeds = x->seeds;
  o.run_seed = [x](std::uint64_t seed, const std::shared_ptr<sim::SpecCache>& cache) {
    const SeedVerdict v = run_seed(*x, seed, cache);
    lab::SeedResult r;
    r.seed = seed;
    r.ok = v.verdict == "as expected";
    if (!r.ok) r.checkers = {v.verdict == "failed" ? "experiment-failed" : "hypothesis"};
    r.error = v.error;
    r.payload = verdict_json(v).dump();
    return r;
  };
  return o;
}

}  // namespace raftlab::chaos
