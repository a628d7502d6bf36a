// sim/cloud/asg.cc — Amazon EC2 Auto Scaling groups: keeping the number of active
// instances at the desired capacity (launching into the AZ with the fewest, terminating by
// AZ balance and then the termination policies), lifecycle hooks (Pending:Wait /
// Terminating:Wait with a heartbeat timeout and a default result, and the scenario's
// handler that stands for the Lambda or SSM document that completes them), deregistration
// from target groups before a termination's wait, and EC2/ELB health checks that take an
// unhealthy instance out of service and replace it.
//
// The order of a scale-in follows "How lifecycle hooks work" (EC2 Auto Scaling User
// Guide): Terminating -> deregistered from the load balancer, draining for the target
// group's deregistration delay -> Terminating:Wait (hook) -> Terminating:Proceed -> EC2
// shutting-down -> terminated. Sources for every default: docs/cloud.md.
//
// Must never: draw a random choice from a stream another component uses, or terminate
// more instances than the difference between active and desired capacity.
#include <algorithm>

#include <fmt/format.h>

#include "sim/cloud/cloud.h"
#include "sim/cloud/instance_shell.h"

namespace raftlab::cloud {

namespace {

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// Active: counts toward the desired capacity (launching or in service).
bool is_active(const Instance& in) {
  return in.healthy && (starts_with(in.lifecycle, "Pending") || in.lifecycle == "InService");
}

}  // namespace

std::vector<Instance*> Cloud::active_of(const AsgState& g) const {
  std::vector<Instance*> out;
  for (const auto& in : instances_)
    if (in->asg == g.name && is_active(*in)) out.push_back(in.get());
  return out;
}

const LifecycleHook* Cloud::hook_of(const AsgState& g, Transition t) const {
  for (const LifecycleHook& h : cfg_->spec.hooks) {
    if (h.transition != t) continue;
    if (h.asg == g.spec->logical_id || h.asg == g.name) return &h;
  }
  return nullptr;
}

Activity& Cloud::activity(const AsgState& g, const std::string& description, const std::string& cause) {
  Activity a;
  sim::Prng& r = prng("asg/activity-id");
  const std::uint64_t x = r.next(), y = r.next();
  a.id = fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", x >> 32, (x >> 16) & 0xFFFF, 0x4000 | (x & 0x0FFF),
                     0x8000 | ((y >> 48) & 0x3FFF), y & 0xFFFFFFFFFFFFULL);
  a.asg = g.name;
  a.description = description;
  a.cause = cause;
  a.start_ns = world().now().ns;
  activities_.push_back(std::move(a));
  return activities_.back();
}

void Cloud::reconcile(AsgState& g, const std::string& cause) {
  std::vector<Instance*> active = active_of(g);
  const int n = static_cast<int>(active.size());
  const std::string at = "At " + iso_time(world().now().ns, false) + " ";
  if (n < g.desired) {
    for (int k = n; k < g.desired; ++k) {
      // Launch into the AZ with the fewest active instances (AZ rebalancing keeps the
      // group even); ties go to the first subnet in VPCZoneIdentifier order. An AZ in an
      // outage is skipped (the launch there fails and the group tries another zone).
      const Subnet* best = nullptr;
      int best_count = 0;
      for (const Subnet* s : g.subnets) {
        if (down_azs_.count(s->az)) continue;
        int count = 0;
        for (const Instance* in : active_of(g)) count += in->az == s->az;
        if (!best || count < best_count) {
          best = s;
          best_count = count;
        }
      }
      if (!best) {
        record(g.name, "scaling", "cannot launch: every Availability Zone of the group is down");
        return;
      }
      Instance& in = launch_instance(g, best);
      const std::string why =
          cause.empty() ? at + "an instance was started in response to a difference between desired and actual capacity, "
                               "increasing the capacity from " + std::to_string(k) + " to " + std::to_string(g.desired) + "."
                        : cause;
      Activity& a = activity(g, "Launching a new EC2 instance: " + in.id, why);
      a.details = fmt::format("{{\"Subnet ID\":\"{}\",\"Availability Zone\":\"{}\"}}", in.subnet_id, in.az);
      a.end_ns = world().now().ns;
    }
  } else if (n > g.desired) {
    for (int k = n; k > g.desired; --k) {
      Instance* victim = pick_for_termination(g, active);
      if (!victim) return;
      active.erase(std::find(active.begin(), active.end(), victim));
      const std::string why =
          (cause.empty() ? std::string() : cause + " ") + at +
          "an instance was taken out of service in response to a difference between desired and actual capacity, "
          "shrinking the capacity from " + std::to_string(k) + " to " + std::to_string(g.desired) + ". " + at +
          "instance " + victim->id + " was selected for termination.";
      activity(g, "Terminating EC2 instance: " + victim->id, why);
      start_termination(*victim, why);
    }
  }
}

Instance* Cloud::pick_for_termination(const AsgState& g, std::vector<Instance*> c) {
  if (c.empty()) return nullptr;
  // 1. AZ balance comes before any policy: the AZ with the most instances.
  std::map<std::string, int> per_az;
  for (const Instance* in : c) per_az[in->az]++;
  int most = 0;
  for (const auto& [az, k] : per_az) most = std::max(most, k);
  c.erase(std::remove_if(c.begin(), c.end(), [&](const Instance* in) { return per_az[in->az] != most; }), c.end());
  auto keep_best = [&c](auto key) {  // keeps the candidates with the largest key
    std::int64_t best = INT64_MIN;
    for (const Instance* in : c) best = std::max(best, key(*in));
    c.erase(std::remove_if(c.begin(), c.end(), [&](const Instance* in) { return key(*in) != best; }), c.end());
  };
  const std::int64_t now = world().now().ns;
  const std::int64_t hour = 3'600'000'000'000;
  auto apply = [&](const std::string& p) {
    if (c.size() <= 1) return;
    if (p == "OldestInstance") keep_best([](const Instance& in) { return -in.launched_ns; });
    else if (p == "NewestInstance") keep_best([](const Instance& in) { return in.launched_ns; });
    else if (p == "OldestLaunchTemplate" || p == "OldestLaunchConfiguration")
      keep_best([](const Instance& in) { return -static_cast<std::int64_t>(in.lt_version); });
    else if (p == "ClosestToNextInstanceHour")
      keep_best([&](const Instance& in) { return (now - in.launched_ns) % hour; });
    else if (p == "AllocationStrategy") {
      // On-Demand only here: every instance has the same price; nothing to choose.
    }
  };
  for (const std::string& p : g.policies) {
    if (p == "Default") {
      apply("OldestLaunchTemplate");
      apply("ClosestToNextInstanceHour");
    } else {
      apply(p);
    }
  }
  // Default's last steps run after any custom policy too.
  apply("OldestLaunchTemplate");
  apply("ClosestToNextInstanceHour");
  if (c.size() == 1) return c.front();
  return c[prng("asg/termination").uniform(c.size())];
}

void Cloud::start_termination(Instance& in, const std::string& cause) {
  (void)cause;
  in.lifecycle = "Terminating";
  record(in.id, "lifecycle", "Terminating");
  const std::int64_t delay = deregister_target(in);
  const std::string id = in.id;
  const std::uint64_t gen = in.gen;
  if (delay > 0) {
    record(in.id, "lifecycle", fmt::format("WaitingForELBConnectionDraining ({}s deregistration delay)", delay / 1'000'000'000));
    world().loop().after(sim::nanos(delay), [this, id, gen] { after_deregistration(id, gen); });
  } else {
    after_deregistration(id, gen);
  }
}

void Cloud::after_deregistration(const std::string& id, std::uint64_t gen) {
  Instance* p = instance(id);
  if (!p) return;
  Instance& in = *p;
  (void)gen;  // an instance that died while draining still finishes its termination
  if (in.ec2 == Instance::Ec2::kTerminated) {
    in.lifecycle = "Terminated";
    record(in.id, "lifecycle", "Terminated");
    return;
  }
  const AsgState* g = asg(in.asg);
  const LifecycleHook* h = g ? hook_of(*g, Transition::kTerminating) : nullptr;
  if (h && in.ec2 == Instance::Ec2::kRunning) {
    enter_wait(in, *h);
    return;
  }
  in.lifecycle = "Terminating:Proceed";
  record(in.id, "lifecycle", "Terminating:Proceed");
  begin_shutdown(in.id, "terminated by the Auto Scaling group");
}

void Cloud::enter_wait(Instance& in, const LifecycleHook& h) {
  const bool launching = h.transition == Transition::kLaunching;
  in.lifecycle = launching ? "Pending:Wait" : "Terminating:Wait";
  in.active_hook = h.name;
  sim::Prng& r = prng("asg/action-token");
  const std::uint64_t x = r.next(), y = r.next();
  in.action_token = fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", x >> 32, (x >> 16) & 0xFFFF,
                                0x4000 | (x & 0x0FFF), 0x8000 | ((y >> 48) & 0x3FFF), y & 0xFFFFFFFFFFFFULL);
  const std::uint64_t hg = ++in.hook_gen;
  record(in.id, "lifecycle",
         fmt::format("{} (hook {}, heartbeat timeout {}s, default result {})", in.lifecycle, h.name,
                     h.heartbeat_timeout_s, h.default_continue ? "CONTINUE" : "ABANDON"));
  const std::string id = in.id;
  const bool dflt = h.default_continue;
  world().loop().after(sim::seconds(h.heartbeat_timeout_s), [this, id, hg, dflt] {
    Instance* p = instance(id);
    if (!p || p->hook_gen != hg || p->active_hook.empty()) return;
    complete_hook(*p, dflt, std::string("heartbeat timeout: the default result ") + (dflt ? "CONTINUE" : "ABANDON"));
  });
  for (const HookHandler& hh : cfg_->handlers) {
    if (hh.hook != h.name && hh.hook != h.logical_id) continue;
    const HookHandler* hp = &hh;
    world().loop().after(sim::nanos(hh.delay_ns), [this, id, hg, hp] {
      Instance* p = instance(id);
      if (!p || p->hook_gen != hg || p->active_hook.empty()) return;
      if (p->impaired || p->ec2 != Instance::Ec2::kRunning || !world().net().host_up(p->host)) {
        record(id, "hook-handler", "cannot run: the instance does not answer (the SSM command times out)");
        return;
      }
      run_handler(*p, *hp);
    });
  }
}

void Cloud::run_handler(Instance& in, const HookHandler& h) {
  if (!in.shell) in.shell = std::make_unique<InstanceShell>(*this, in.id);
  const bool launching = starts_with(in.lifecycle, "Pending");
  // The lifecycle event's fields (EventBridge "EC2 Instance-terminate Lifecycle Action"
  // detail) as the handler's environment.
  std::map<std::string, std::string> env = {
      {"HOME", "/root"},
      {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
      {"LIFECYCLE_HOOK_NAME", in.active_hook},
      {"AUTO_SCALING_GROUP_NAME", in.asg},
      {"EC2_INSTANCE_ID", in.id},
      {"LIFECYCLE_ACTION_TOKEN", in.action_token},
      {"LIFECYCLE_TRANSITION", launching ? "autoscaling:EC2_INSTANCE_LAUNCHING" : "autoscaling:EC2_INSTANCE_TERMINATING"},
      {"AWS_REGION", cfg_->spec.region},
  };
  record(in.id, "hook-handler", "runs the handler of hook " + in.active_hook + " on the instance");
  in.runs.push_back(std::make_unique<ScriptRun>(h.script, *in.shell, std::move(env)));
  const std::string id = in.id;
  const std::uint64_t gen = in.gen;
  in.runs.back()->start([this, id, gen](int code) {
    Instance* p = instance(id);
    if (!p || p->gen != gen) return;
    record(id, "hook-handler", code == 0 ? "finished (status 0)" : fmt::format("FAILED with status {}", code));
  });
}

void Cloud::complete_hook(Instance& in, bool proceed, const std::string& how) {
  const std::string hook = in.active_hook;
  in.active_hook.clear();
  ++in.hook_gen;
  record(in.id, "lifecycle", fmt::format("hook {} completed: {} ({})", hook, proceed ? "CONTINUE" : "ABANDON", how));
  if (in.lifecycle == "Pending:Wait") {
    if (proceed) {
      in.lifecycle = "Pending:Proceed";
      proceed_launch(in);
      return;
    }
    // ABANDON at launch: the instance is terminated and the group launches another.
    in.healthy = false;
    start_termination(in, "the launch lifecycle action was abandoned");
    if (AsgState* g = find_asg(in.asg)) reconcile(*g, "");
    return;
  }
  if (in.lifecycle == "Terminating:Wait") {
    in.lifecycle = "Terminating:Proceed";
    record(in.id, "lifecycle", "Terminating:Proceed");
    begin_shutdown(in.id, "terminated by the Auto Scaling group");
  }
}

void Cloud::proceed_launch(Instance& in) {
  // Registered with the group's target groups before it is InService (the load
  // balancer starts its health checks then); the health check grace period starts now.
  register_target(in);
  in.lifecycle = "InService";
  in.in_service_ns = world().now().ns;
  record(in.id, "lifecycle", "InService");
}

void Cloud::mark_unhealthy(Instance& in, const std::string& why) {
  if (!in.healthy) return;
  in.healthy = false;
  record(in.id, "health", "Unhealthy: " + why);
  AsgState* g = find_asg(in.asg);
  if (!g) return;
  const std::string at = "At " + iso_time(world().now().ns, false) + " ";
  const std::string cause = at + "an instance was taken out of service in response to " + why + ".";
  activity(*g, "Terminating EC2 instance: " + in.id, cause);
  start_termination(in, cause);
  reconcile(*g, "");
}

void Cloud::health_tick() {
  const std::int64_t now = world().now().ns;
  for (AsgState& g : asgs_) {
    // By index: a replacement launched below appends to instances_.
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      Instance& in = *instances_[i];
      if (in.asg != g.name || in.lifecycle != "InService" || !in.healthy) continue;
      // An instance that is no longer running is replaced at once; status checks and
      // the load balancer's checks count only after the grace period.
      if (in.ec2 != Instance::Ec2::kRunning) {
        mark_unhealthy(in, "an EC2 health check indicating it has been terminated or stopped");
        continue;
      }
      const bool grace_over = now - in.in_service_ns >= g.grace_ns;
      if (!grace_over) continue;
      // EC2 runs status checks every minute: the failure shows once one has run.
      if (in.impaired && now - in.impaired_ns >= cfg_->timings.status_check_ns) {
        mark_unhealthy(in, "an EC2 instance status checks failure");
        continue;
      }
      if (g.health_type == "ELB") {
        for (const std::string& tg : g.target_groups) {
          TargetGroupState* st = tg_by_logical(tg);
          if (!st) continue;
          for (const Target& t : st->targets) {
            if (t.instance == in.id && t.state == "unhealthy") {
              mark_unhealthy(in, "an ELB system health check failure");
              break;
            }
          }
          if (!in.healthy) break;
        }
      }
    }
  }
  world().loop().after(sim::nanos(cfg_->timings.health_poll_ns), [this] { health_tick(); });
}

}  // namespace raftlab::cloud
