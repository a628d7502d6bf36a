// sim/cloud/fis_run.cc — one FIS experiment inside a run (fis.h: Runner). The order of
// events follows the FIS user guide:
//   - "AWS FIS identifies all targets at the start of the experiment, before starting any
//     of the actions ... uses the target resources that it selects for the entire
//     experiment. If no targets are found, the experiment fails."
//   - COUNT(n) / PERCENT(n): "chosen from the identified targets at random".
//   - an action without startAfter "runs at the start of the experiment"; one with
//     startAfter starts when every action it names has completed.
//   - the experiment ends when every action has completed (`completed`) or a stop
//     condition's alarm is in ALARM (`stopped`: running actions stop, pending ones are
//     cancelled).
// Every step is a trace event (Ev::Cloud, who "fis"), so the report and checkers read it.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "sim/cloud/cloud.h"
#include "sim/cloud/fis.h"
#include "sim/deploy.h"

namespace raftlab::cloud::fis {

struct Runner::Impl {
  sim::Deployment& d;
  Template t;
  RunnerOptions o;
  Outcome& out;
  Cloud* cloud = nullptr;
  std::map<std::string, std::size_t> index;                 // action name -> out.actions slot
  std::map<std::string, std::function<void()>> rollback;    // running actions' undo
  bool over = false;

  Impl(sim::Deployment& dep, const Template& tt, RunnerOptions oo, Outcome& o2)
      : d(dep), t(tt), o(std::move(oo)), out(o2) {
    cloud = dynamic_cast<Cloud*>(d.extension());
    for (const std::string& n : t.order) {
      ActionOutcome a;
      a.name = n;
      a.action_id = t.actions.at(n).action_id;
      index[n] = out.actions.size();
      out.actions.push_back(std::move(a));
    }
  }

  sim::World& w() { return d.world(); }
  std::int64_t now() { return w().now().ns; }

  void record(const std::string& what, const std::string& detail) {
    sim::Trace& tr = w().trace();
    if (!tr.on()) return;
    sim::TraceEvent e;
    e.at = w().now();
    e.kind = sim::Ev::Cloud;
    e.who = "fis";
    e.a = what;
    e.b = detail;
    tr.record(std::move(e));
  }

  sim::HostIndex host_index(const std::string& name) {
    for (std::size_t h = 0; h < w().net().host_count(); ++h)
      if (w().net().host_name(static_cast<sim::HostIndex>(h)) == name) return static_cast<sim::HostIndex>(h);
    return -1;
  }

  // The identified resources of a target, in a fixed order (launch order, file order).
  std::vector<std::string> identify(const Target& tg) {
    std::vector<std::string> found;
    auto filter_ok = [&](const std::string& path, const std::string& value) {
      for (const Filter& f : tg.filters)
        if (f.path == path && std::find(f.values.begin(), f.values.end(), value) == f.values.end()) return false;
      return true;
    };
    auto has_state_filter = [&] {
      for (const Filter& f : tg.filters)
        if (f.path == "State.Name") return true;
      return false;
    };
    if (tg.resource_type == kInstance && cloud) {
      for (const auto& in : cloud->instances()) {
        const std::string state = in->ec2 == Instance::Ec2::kPending        ? "pending"
                                  : in->ec2 == Instance::Ec2::kRunning      ? "running"
                                  : in->ec2 == Instance::Ec2::kStopped      ? "stopped"
                                  : in->ec2 == Instance::Ec2::kShuttingDown ? "shutting-down"
                                                                            : "terminated";
        // Without a State.Name filter, instances that are gone or going are not
        // resources any more (describe-instances would still list them for an hour).
        if (!has_state_filter() && state != "running" && state != "pending" && state != "stopped") continue;
        if (!filter_ok("State.Name", state) || !filter_ok("Placement.AvailabilityZone", in->az) ||
            !filter_ok("SubnetId", in->subnet_id) || !filter_ok("InstanceId", in->id) || !filter_ok("PrivateIpAddress", in->ip))
          continue;
        if (!tg.arns.empty()) {
          bool hit = false;
          for (const std::string& a : tg.arns) hit = hit || (a.size() > in->id.size() && a.compare(a.size() - in->id.size() - 1, std::string::npos, "/" + in->id) == 0);
          if (!hit) continue;
        }
        bool tags_ok = true;
        const auto tags = cloud->instance_tags(*in);
        for (const auto& [k, v] : tg.tags) {
          bool hit = false;
          for (const auto& [tk, tv] : tags) hit = hit || (tk == k && tv == v);
          tags_ok = tags_ok && hit;
        }
        if (tags_ok) found.push_back(in->id);
      }
    } else if (tg.resource_type == kSubnet && cloud) {
      for (const Subnet& s : cloud->config().spec.subnets) {
        if (!filter_ok("AvailabilityZone", s.az) || !filter_ok("SubnetId", s.id)) continue;
        bool ok = true;
        if (!tg.arns.empty()) {
          ok = false;
          for (const std::string& a : tg.arns) ok = ok || (a.size() > s.id.size() && a.compare(a.size() - s.id.size() - 1, std::string::npos, "/" + s.id) == 0);
        }
        for (const auto& [k, v] : tg.tags) {
          // CloudFormation tags what it creates with aws:cloudformation:logical-id.
          if (k == "aws:cloudformation:logical-id") ok = ok && v == s.logical_id;
          else if (k == "aws:cloudformation:stack-name") ok = ok && v == cloud->config().spec.stack_name;
          else ok = false;
        }
        if (ok) found.push_back(s.id);
      }
    } else if (tg.resource_type == kHost) {
      for (const auto& h : d.scenario().hosts) {
        auto it = tg.tags.find("Name");
        if (it == tg.tags.end() || it->second == h.name) found.push_back(h.name);
      }
    } else if (tg.resource_type == kMember) {
      for (const auto& m : d.scenario().members) {
        if (m.spare) continue;
        bool ok = true;
        if (auto it = tg.tags.find("Name"); it != tg.tags.end()) ok = ok && it->second == m.name;
        if (auto it = tg.tags.find("host"); it != tg.tags.end()) ok = ok && it->second == m.host;
        if (ok) found.push_back(m.name);
      }
    }
    return found;
  }

  // COUNT / PERCENT: a random subset (partial Fisher-Yates on the target's own stream),
  // kept in identification order.
  std::vector<std::string> select(const Target& tg, std::vector<std::string> found) {
    std::size_t k = found.size();
    if (tg.mode == Selection::Count) k = std::min<std::size_t>(found.size(), tg.n);
    if (tg.mode == Selection::Percent) {
      // Not stated in the FIS guide: raftlab rounds down and takes at least one
      // (PERCENT(40) of 3 instances is 1, of 5 is 2). docs/experiments.md.
      k = static_cast<std::size_t>(found.size() * tg.n / 100);
      if (k == 0 && !found.empty()) k = 1;
    }
    if (k == found.size()) return found;
    sim::Prng p = cloud ? cloud->prng("fis/select/" + tg.name) : sim::Prng(w().seed()).derive("fis/select/" + tg.name);
    std::vector<std::size_t> idx(found.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    for (std::size_t i = 0; i < k; ++i) std::swap(idx[i], idx[i + p.uniform(idx.size() - i)]);
    std::vector<std::size_t> chosen(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k));
    std::sort(chosen.begin(), chosen.end());
    std::vector<std::string> out_v;
    for (std::size_t i : chosen) out_v.push_back(found[i]);
    return out_v;
  }

  void begin() {
    out.state = "initiating";
    out.start_ns = now();
    record("experiment", "initiating: " + t.description);
    for (const auto& [name, tg] : t.targets) {
      // Only targets an action uses are resolved.
      bool used = false;
      for (const auto& [an, a] : t.actions)
        for (const auto& [k, v] : a.targets) used = used || v == name;
      if (!used) continue;
      std::vector<std::string> found = identify(tg);
      if (found.empty() && t.skip_empty_targets) {
        out.resolved[name] = {};
        record("target", name + ": no resources (emptyTargetResolutionMode skip)");
        for (auto& a : out.actions)
          for (const auto& [k, v] : t.actions.at(a.name).targets)
            if (v == name) a.state = "skipped";
        continue;
      }
      if (found.empty()) {
        out.state = "failed";
        out.reason = fmt::format("target \"{}\" identified no resources (FIS: if no targets are found, the experiment fails)", name);
        out.end_ns = now();
        for (auto& a : out.actions) a.state = "cancelled";
        record("experiment", "failed: " + out.reason);
        over = true;
        return;
      }
      out.resolved[name] = select(tg, std::move(found));
      record("target", fmt::format("{}: {}", name, fmt::join(out.resolved[name], ", ")));
    }
    out.state = "running";
    record("experiment", "running");
    start_ready();
  }

  bool deps_done(const Action& a) {
    for (const std::string& dep : a.start_after) {
      const std::string& st = out.actions[index.at(dep)].state;
      if (st != "completed" && st != "skipped") return false;
    }
    return true;
  }

  void start_ready() {
    if (over) return;
    for (const std::string& n : t.order) {
      ActionOutcome& ao = out.actions[index.at(n)];
      if (ao.state == "pending" && deps_done(t.actions.at(n))) start(n);
    }
    bool all = true;
    for (const auto& a : out.actions) all = all && (a.state == "completed" || a.state == "skipped");
    if (all && !over) {
      over = true;
      out.state = "completed";
      out.end_ns = now();
      record("experiment", "completed");
    }
  }

  void mark_fault(std::int64_t start, std::int64_t end) {
    if (out.fault_start_ns < 0 || start < out.fault_start_ns) out.fault_start_ns = start;
    out.fault_end_ns = std::max(out.fault_end_ns, end);
  }

  void complete(const std::string& n) {
    ActionOutcome& ao = out.actions[index.at(n)];
    if (ao.state != "running") return;
    ao.state = "completed";
    ao.end_ns = now();
    rollback.erase(n);
    if (ao.action_id != "aws:fis:wait") {
      mark_fault(ao.start_ns, ao.end_ns);
      record("fault-end", n);
    }
    record("action", n + ": completed");
    start_ready();
  }

  // Runs `f` after `ns`, unless the action is no longer running by then.
  void after(const std::string& n, std::int64_t ns, std::function<void()> f) {
    w().loop().after(sim::nanos(ns), [this, n, f = std::move(f)] {
      if (out.actions[index.at(n)].state == "running") f();
    });
  }

  void start(const std::string& n) {
    const Action& a = t.actions.at(n);
    ActionOutcome& ao = out.actions[index.at(n)];
    ao.state = "running";
    ao.start_ns = now();
    std::vector<std::string> res;
    for (const auto& [k, tname] : a.targets) res = out.resolved[tname];
    ao.resources = res;
    record("action", fmt::format("{}: running ({}{}{})", n, a.action_id, res.empty() ? "" : " on ", fmt::join(res, ", ")));
    if (a.action_id != "aws:fis:wait") record("fault-start", n);
    const std::string& id = a.action_id;
    if (id == "aws:fis:wait") {
      after(n, a.duration_ns, [this, n] { complete(n); });
    } else if (id == "aws:ec2:terminate-instances") {
      for (const auto& r : res) cloud->fis_terminate(r);
      complete(n);
    } else if (id == "aws:ec2:reboot-instances") {
      for (const auto& r : res) cloud->fis_reboot(r, o.reboot_ns);
      complete(n);
    } else if (id == "aws:ec2:stop-instances") {
      for (const auto& r : res) cloud->fis_stop(r);
      if (a.start_after_duration_ns > 0) {
        auto undo = [this, res] {
          for (const auto& r : res) cloud->fis_start(r);
        };
        rollback[n] = undo;
        after(n, a.start_after_duration_ns, [this, n, undo] {
          undo();
          complete(n);
        });
      } else {
        complete(n);
      }
    } else if (id == "aws:network:disrupt-connectivity" || id == "raftlab:network:partition") {
      std::vector<sim::HostIndex> cut;
      if (id == "raftlab:network:partition") {
        for (const auto& r : res) cut.push_back(host_index(r));
      } else {
        for (const auto& in : cloud->instances())
          if (std::find(res.begin(), res.end(), in->subnet_id) != res.end() && in->ec2 == Instance::Ec2::kRunning)
            cut.push_back(in->host);
      }
      std::sort(cut.begin(), cut.end());
      w().partition({cut});
      record("action", fmt::format("{}: {} host(s) cut off", n, cut.size()));
      auto undo = [this] { w().heal(); };
      rollback[n] = undo;
      after(n, a.duration_ns, [this, n, undo] {
        undo();
        complete(n);
      });
    } else if (id == "raftlab:host:kill") {
      for (const auto& r : res)
        if (sim::HostIndex h = host_index(r); h >= 0 && w().net().host_up(h)) w().kill_host(h);
      auto undo = [this, res] {
        for (const auto& r : res)
          if (sim::HostIndex h = host_index(r); h >= 0 && !w().net().host_up(h)) w().restore_host(h);
      };
      if (a.duration_ns > 0) {
        rollback[n] = undo;
        after(n, a.duration_ns, [this, n, undo] {
          undo();
          complete(n);
        });
      } else {
        complete(n);
      }
    } else if (id == "raftlab:container:stop") {
      for (const auto& r : res)
        if (int c = w().container_index(r); c >= 0 && w().wanted(c)) w().stop(c);
      auto undo = [this, res] {
        for (const auto& r : res)
          if (int c = w().container_index(r); c >= 0 && !w().wanted(c)) w().start(c);
      };
      if (a.duration_ns > 0) {
        rollback[n] = undo;
        after(n, a.duration_ns, [this, n, undo] {
          undo();
          complete(n);
        });
      } else {
        complete(n);
      }
    }
  }

  void stop(const std::string& arn) {
    if (over || out.state != "running") return;
    over = true;
    out.state = "stopped";
    out.reason = "stop condition " + arn + " in ALARM";
    out.end_ns = now();
    record("experiment", "stopping: " + out.reason);
    for (auto& ao : out.actions) {
      if (ao.state == "pending") {
        ao.state = "cancelled";
        record("action", ao.name + ": cancelled");
      } else if (ao.state == "running") {
        ao.state = "stopped";
        ao.end_ns = now();
        if (auto it = rollback.find(ao.name); it != rollback.end()) it->second();
        if (ao.action_id != "aws:fis:wait") {
          mark_fault(ao.start_ns, ao.end_ns);
          record("fault-end", ao.name);
        }
        record("action", ao.name + ": stopped");
      }
    }
    rollback.clear();
    record("experiment", "stopped");
  }
};

Runner::Runner(sim::Deployment& d, const Template& t, RunnerOptions o) {
  impl_ = std::make_unique<Impl>(d, t, std::move(o), out_);
  Impl* p = impl_.get();
  d.world().loop().at(sim::nanos(p->o.start_ns), [p] { p->begin(); });
}

Runner::~Runner() = default;

void Runner::check_stop_conditions() {
  if (!impl_->o.alarm_in_alarm) return;
  for (const StopCondition& s : impl_->t.stop_conditions)
    if (s.source == "aws:cloudwatch:alarm" && impl_->o.alarm_in_alarm(s.value)) return impl_->stop(s.value);
}

}  // namespace raftlab::cloud::fis
