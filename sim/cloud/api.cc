// sim/cloud/api.cc — the AWS API as the CLI reaches it: one entry (Cloud::call) for the
// timeline's `aws` lines and for scripts on instances. Server-side validation uses AWS's
// own wording (aws_cli.cc has each message's source); output is the CLI's (JSON, text,
// table, --query) through render_output. A failed call is exit status 254 with the
// CLI's "An error occurred (Code) when calling the Op operation: ..." line on stderr, as
// AWS CLI v2 reports service errors ("Return codes", AWS CLI User Guide).
//
// Must never: change state on a call that fails validation (AWS validates first).
#include <algorithm>

#include <fmt/format.h>

#include "sim/cloud/cloud.h"

namespace raftlab::cloud {

namespace {
constexpr int kServiceError = 254;  // AWS CLI v2: the service returned an error
using OJson = nlohmann::ordered_json;

ApiResult fail(const std::string& code, AwsOp op, const std::string& message) {
  ApiResult r;
  r.exit_code = kServiceError;
  r.err = aws_error(code, op, message) + "\n";
  return r;
}

const char* state_name(Instance::Ec2 s) {
  switch (s) {
    case Instance::Ec2::kPending: return "pending";
    case Instance::Ec2::kRunning: return "running";
    case Instance::Ec2::kShuttingDown: return "shutting-down";
    case Instance::Ec2::kTerminated: return "terminated";
    case Instance::Ec2::kStopped: return "stopped";
  }
  return "pending";
}
int state_code(Instance::Ec2 s) {
  switch (s) {
    case Instance::Ec2::kPending: return 0;
    case Instance::Ec2::kRunning: return 16;
    case Instance::Ec2::kShuttingDown: return 32;
    case Instance::Ec2::kTerminated: return 48;
    case Instance::Ec2::kStopped: return 80;
  }
  return 0;
}
}  // namespace

std::string iso_time(std::int64_t ns, bool micros) {
  // Days since 2025-01-01 to a civil date (Howard Hinnant's days_from_civil, inverted).
  const std::int64_t secs = ns / 1'000'000'000;
  const std::int64_t days = secs / 86400 + 20089;  // 1970-01-01 -> 2025-01-01 is 20089 days
  const std::int64_t sod = secs % 86400;
  std::int64_t z = days + 719468;
  const std::int64_t era = z / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  if (micros)
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00", y, m, d, sod / 3600, sod / 60 % 60, sod % 60,
                       ns / 1000 % 1'000'000);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, sod / 3600, sod / 60 % 60, sod % 60);
}

AsgInstanceView Cloud::asg_instance_view(const Instance& in) const {
  AsgInstanceView v;
  v.instance_id = in.id;
  const AsgState* g = asg(in.asg);
  v.instance_type = g && g->lt ? g->lt->instance_type : "t3.micro";
  v.az = in.az;
  v.lifecycle_state = in.lifecycle;
  v.health_status = in.healthy ? "Healthy" : "Unhealthy";
  if (g && g->lt) {
    v.launch_template_id = fmt::format("lt-{:017x}", sim::label_hash(g->lt->logical_id) & 0x1FFFFFFFFFFFFFFFULL);
    v.launch_template_name = g->lt->name.empty() ? g->lt->logical_id : g->lt->name;
  }
  v.launch_template_version = std::to_string(in.lt_version);
  return v;
}

AsgView Cloud::asg_view(const AsgState& g) const {
  AsgView v;
  v.name = g.name;
  v.arn = g.arn;
  if (g.lt) {
    v.launch_template_id = fmt::format("lt-{:017x}", sim::label_hash(g.lt->logical_id) & 0x1FFFFFFFFFFFFFFFULL);
    v.launch_template_name = g.lt->name.empty() ? g.lt->logical_id : g.lt->name;
  }
  v.launch_template_version = g.spec->launch_template_version.empty() ? "$Default" : g.spec->launch_template_version;
  v.min_size = g.min;
  v.max_size = g.max;
  v.desired = g.desired;
  v.default_cooldown_s = g.spec->default_cooldown_s;
  v.azs = g.azs;
  std::sort(v.azs.begin(), v.azs.end());
  v.azs.erase(std::unique(v.azs.begin(), v.azs.end()), v.azs.end());
  for (const std::string& tg : g.target_groups) {
    auto it = tgs_.find(tg);
    if (it != tgs_.end()) v.target_group_arns.push_back(it->second.arn);
  }
  v.health_check_type = g.health_type;
  v.health_check_grace_s = g.grace_ns / 1'000'000'000;
  for (const auto& in : instances_)
    if (in->asg == g.name && in->lifecycle != "Terminated") v.instances.push_back(asg_instance_view(*in));
  v.created_time = iso_time(g.created_ns, true);
  std::vector<std::string> ids;
  for (const Subnet* s : g.subnets) ids.push_back(s->id);
  v.vpc_zone_identifier = fmt::format("{}", fmt::join(ids, ","));
  v.termination_policies = g.policies;
  for (const Tag& t : g.spec->tags) v.tags.emplace_back(t.key, t.value);
  return v;
}

Ec2InstanceView Cloud::ec2_view(const Instance& in) const {
  Ec2InstanceView v;
  v.instance_id = in.id;
  const AsgState* g = asg(in.asg);
  v.image_id = g && g->lt && !g->lt->image_id.empty() && g->lt->image_id.rfind("ami-", 0) == 0
                   ? g->lt->image_id
                   : fmt::format("ami-{:017x}", sim::label_hash("ami") & 0x1FFFFFFFFFFFFFFFULL);
  v.instance_type = g && g->lt ? g->lt->instance_type : "t3.micro";
  v.az = in.az;
  v.subnet_id = in.subnet_id;
  v.vpc_id = fmt::format("vpc-{:017x}", sim::label_hash(cfg_->spec.stack_name + "/vpc") & 0x1FFFFFFFFFFFFFFFULL);
  if (in.ec2 != Instance::Ec2::kTerminated) {
    v.private_ip = in.ip;
    std::string d = in.ip;
    std::replace(d.begin(), d.end(), '.', '-');
    v.private_dns = "ip-" + d + "." + (cfg_->spec.region == "us-east-1" ? std::string("ec2.internal")
                                                                         : cfg_->spec.region + ".compute.internal");
  }
  v.state = state_name(in.ec2);
  v.state_code = state_code(in.ec2);
  v.launch_time = iso_time(in.launched_ns, true);
  if (g && g->lt)
    for (const Tag& t : g->lt->tags) v.tags.emplace_back(t.key, t.value);
  if (g) {
    for (const Tag& t : g->spec->tags)
      if (t.propagate_at_launch) v.tags.emplace_back(t.key, t.value);
    v.tags.emplace_back("aws:autoscaling:groupName", g->name);
  }
  v.reservation_id = fmt::format("r-{:017x}", sim::label_hash("r/" + in.id) & 0x1FFFFFFFFFFFFFFFULL);
  v.owner_id = "123456789012";
  return v;
}

ApiResult Cloud::render(const AwsCall& c, const OJson& doc) {
  ApiResult r;
  auto out = render_output(doc, c.query, c.output, c.op);
  if (!out.ok()) {
    r.exit_code = 255;
    r.err = out.error().message + "\n";
    return r;
  }
  r.out = out.value();
  return r;
}

ApiResult Cloud::api_update_asg(const AwsCall& c) {
  AsgState* g = find_asg(c.asg);
  if (!g) return fail("ValidationError", c.op, asg_not_found(c.op, c.asg));
  const int min = c.min_size.value_or(g->min), max = c.max_size.value_or(g->max);
  if (min > max) return fail("ValidationError", c.op, asg_min_above_max(min, max));
  int desired = g->desired;
  if (c.desired) {
    desired = *c.desired;
    if (desired < min || desired > max)
      return fail("ValidationError", c.op, asg_update_desired_out_of_range(desired, min, max));
  } else {
    // A new MaxSize below (MinSize above) the current size is an implicit
    // SetDesiredCapacity to it (UpdateAutoScalingGroup API reference).
    desired = std::clamp(desired, min, max);
  }
  const int before = g->desired;
  g->min = min;
  g->max = max;
  g->desired = desired;
  if (c.health_check_type) g->health_type = *c.health_check_type;
  if (c.health_check_grace_s) g->grace_ns = *c.health_check_grace_s * 1'000'000'000;
  if (!c.termination_policies.empty()) g->policies = c.termination_policies;
  record(g->name, "scaling", fmt::format("UpdateAutoScalingGroup: min {}, max {}, desired {} (was {})", min, max, desired, before));
  const std::string cause =
      before == desired ? ""
                        : fmt::format("At {} a user request update of AutoScalingGroup constraints to min: {}, max: {}, "
                                      "desired: {} changing the desired capacity from {} to {}.",
                                      iso_time(world().now().ns, false), min, max, desired, before, desired);
  reconcile(*g, cause);
  return ApiResult{};
}

ApiResult Cloud::api_set_desired(const AwsCall& c) {
  AsgState* g = find_asg(c.asg);
  if (!g) return fail("ValidationError", c.op, asg_not_found(c.op, c.asg));
  const int desired = c.desired.value_or(g->desired);
  if (desired < g->min || desired > g->max)
    return fail("ValidationError", c.op, asg_set_desired_out_of_range(desired, g->min, g->max));
  const int before = g->desired;
  g->desired = desired;
  record(g->name, "scaling", fmt::format("SetDesiredCapacity: {} (was {})", desired, before));
  reconcile(*g, before == desired ? ""
                                  : fmt::format("At {} a user request explicitly set group desired capacity changing "
                                                "the desired capacity from {} to {}.",
                                                iso_time(world().now().ns, false), before, desired));
  return ApiResult{};
}

ApiResult Cloud::api_terminate_in_asg(const AwsCall& c) {
  const std::string id = c.instance_ids.empty() ? "" : c.instance_ids.front();
  Instance* in = instance(id);
  AsgState* g = in ? find_asg(in->asg) : nullptr;
  if (!in || !g || in->lifecycle == "Terminated" || in->ec2 == Instance::Ec2::kTerminated)
    return fail("ValidationError", c.op, asg_instance_not_managed(id));
  const bool decrement = c.should_decrement.value_or(false);
  if (decrement && g->desired - 1 < g->min)
    return fail("ValidationError", c.op,
                fmt::format("Currently, desiredSize equals minSize ({}). Terminating instance without replacement "
                            "will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag "
                            "to false or lower group's min size.",
                            g->min));
  const std::string at = "At " + iso_time(world().now().ns, false) + " ";
  std::string cause = at + "instance " + in->id + " was taken out of service in response to a user request";
  if (decrement) {
    cause += ", shrinking the capacity from " + std::to_string(g->desired) + " to " + std::to_string(g->desired - 1);
    g->desired -= 1;
  }
  cause += ".";
  Activity& a = activity(*g, "Terminating EC2 instance: " + in->id, cause);
  a.status = "InProgress";
  const OJson doc = activity_doc(a.id, g->name, a.description, a.cause, iso_time(a.start_ns, true), "InProgress");
  if (in->lifecycle.rfind("Pending", 0) == 0 || in->lifecycle == "InService") start_termination(*in, cause);
  reconcile(*g, "");
  return render(c, doc);
}

ApiResult Cloud::api_complete_lifecycle(const AwsCall& c, bool heartbeat) {
  Instance* in = nullptr;
  const std::string want = c.instance_ids.empty() ? "" : c.instance_ids.front();
  for (auto& p : instances_) {
    if (p->active_hook.empty() || p->asg != c.asg) continue;
    if (p->active_hook != c.hook) continue;
    if (!want.empty() && p->id != want) continue;
    if (!c.action_token.empty() && p->action_token != c.action_token) continue;
    in = p.get();
  }
  if (!find_asg(c.asg)) return fail("ValidationError", c.op, asg_not_found(c.op, c.asg));
  if (!in) return fail("ValidationError", c.op, no_active_lifecycle_action(want, c.action_token));
  if (heartbeat) {
    // A heartbeat restarts the timeout (up to 100 times the timeout or 48 h; not checked).
    const AsgState* g = asg(in->asg);
    const bool launching = in->lifecycle == "Pending:Wait";
    const LifecycleHook* h = g ? hook_of(*g, launching ? Transition::kLaunching : Transition::kTerminating) : nullptr;
    if (h) {
      const std::uint64_t hg = ++in->hook_gen;
      const std::string id = in->id;
      const bool dflt = h->default_continue;
      record(in->id, "lifecycle", "heartbeat recorded: the timeout restarts");
      world().loop().after(sim::seconds(h->heartbeat_timeout_s), [this, id, hg, dflt] {
        Instance* p = instance(id);
        if (!p || p->hook_gen != hg || p->active_hook.empty()) return;
        complete_hook(*p, dflt, std::string("heartbeat timeout: the default result ") + (dflt ? "CONTINUE" : "ABANDON"));
      });
    }
    return ApiResult{};
  }
  complete_hook(*in, c.action_result == "CONTINUE", "complete-lifecycle-action");
  return ApiResult{};
}

ApiResult Cloud::api_set_health(const AwsCall& c) {
  const std::string id = c.instance_ids.empty() ? "" : c.instance_ids.front();
  Instance* in = instance(id);
  if (!in || !find_asg(in->asg) || in->lifecycle == "Terminated")
    return fail("ValidationError", c.op, asg_instance_not_managed(id));
  if (c.health_status == "Unhealthy") {
    const AsgState* g = asg(in->asg);
    const bool in_grace = g && in->in_service_ns >= 0 && world().now().ns - in->in_service_ns < g->grace_ns;
    if (c.should_respect_grace.value_or(false) && in_grace) return ApiResult{};
    if (in->lifecycle == "InService") mark_unhealthy(*in, "a user request (SetInstanceHealth)");
    else in->healthy = false;
  } else {
    in->healthy = true;
  }
  return ApiResult{};
}

ApiResult Cloud::api_terminate_instances(const AwsCall& c) {
  std::vector<std::string> missing;
  for (const std::string& id : c.instance_ids)
    if (!instance(id)) missing.push_back(id);
  if (!missing.empty()) return fail("InvalidInstanceID.NotFound", c.op, ec2_instance_not_found(missing));
  std::vector<StateChange> xs;
  for (const std::string& id : c.instance_ids) {
    Instance& in = *instance(id);
    StateChange s;
    s.instance_id = id;
    s.previous = state_name(in.ec2);
    s.previous_code = state_code(in.ec2);
    begin_shutdown(id, "TerminateInstances: a user request");
    s.current = state_name(in.ec2);
    s.current_code = state_code(in.ec2);
    xs.push_back(s);
  }
  return render(c, state_changes_doc("TerminatingInstances", xs));
}

ApiResult Cloud::api_describe(const AwsCall& c) {
  switch (c.op) {
    case AwsOp::kDescribeAutoScalingGroups: {
      std::vector<AsgView> xs;
      for (const AsgState& g : asgs_) {
        if (!c.asg_names.empty() && std::find(c.asg_names.begin(), c.asg_names.end(), g.name) == c.asg_names.end())
          continue;
        xs.push_back(asg_view(g));
      }
      return render(c, describe_asgs_doc(xs));
    }
    case AwsOp::kDescribeAutoScalingInstances: {
      std::vector<AsgInstanceDetail> xs;
      for (const auto& in : instances_) {
        if (in->asg.empty() || in->lifecycle == "Terminated") continue;
        if (!c.instance_ids.empty() &&
            std::find(c.instance_ids.begin(), c.instance_ids.end(), in->id) == c.instance_ids.end())
          continue;
        xs.push_back(AsgInstanceDetail{asg_instance_view(*in), in->asg});
      }
      return render(c, describe_asg_instances_doc(xs));
    }
    case AwsOp::kDescribeScalingActivities: {
      std::vector<ActivityView> xs;
      for (auto it = activities_.rbegin(); it != activities_.rend(); ++it) {  // newest first
        if (!c.asg.empty() && it->asg != c.asg) continue;
        ActivityView v;
        v.activity_id = it->id;
        v.asg = it->asg;
        v.description = it->description;
        v.cause = it->cause;
        v.start_time = iso_time(it->start_ns, true);
        if (it->end_ns >= 0) v.end_time = iso_time(it->end_ns, true);
        v.status_code = it->status;
        v.progress = it->status == "Successful" ? 100 : 0;
        v.details = it->details.empty() ? "{}" : it->details;
        xs.push_back(v);
      }
      return render(c, describe_scaling_activities_doc(xs));
    }
    case AwsOp::kDescribeInstances: {
      std::vector<std::string> missing;
      for (const std::string& id : c.instance_ids)
        if (!instance(id)) missing.push_back(id);
      if (!missing.empty()) return fail("InvalidInstanceID.NotFound", c.op, ec2_instance_not_found(missing));
      std::vector<Ec2InstanceView> xs;
      const std::int64_t now = world().now().ns;
      for (const auto& in : instances_) {
        // A terminated instance stays visible for about an hour (EC2 User Guide,
        // "Terminate Amazon EC2 instances"): scripts that do not filter on state see it.
        if (in->ec2 == Instance::Ec2::kTerminated && now - in->terminated_ns > 3'600'000'000'000) continue;
        if (!c.instance_ids.empty() &&
            std::find(c.instance_ids.begin(), c.instance_ids.end(), in->id) == c.instance_ids.end())
          continue;
        Ec2InstanceView v = ec2_view(*in);
        bool keep = true;
        for (const AwsFilter& f : c.filters) {
          auto any = [&](const std::string& x) { return std::find(f.values.begin(), f.values.end(), x) != f.values.end(); };
          if (f.name == "instance-state-name") keep = keep && any(v.state);
          else if (f.name == "instance-id") keep = keep && any(v.instance_id);
          else if (f.name == "private-ip-address") keep = keep && any(v.private_ip);
          else if (f.name == "availability-zone") keep = keep && any(v.az);
          else if (f.name == "subnet-id") keep = keep && any(v.subnet_id);
          else if (f.name.rfind("tag:", 0) == 0) {
            bool hit = false;
            for (const auto& [k, val] : v.tags) hit = hit || (k == f.name.substr(4) && any(val));
            keep = keep && hit;
          } else if (f.name == "tag-key") {
            bool hit = false;
            for (const auto& [k, val] : v.tags) hit = hit || any(k);
            keep = keep && hit;
          }
        }
        if (keep) xs.push_back(std::move(v));
      }
      return render(c, describe_instances_doc(xs));
    }
    case AwsOp::kDescribeTargetHealth: {
      const TargetGroupState* tg = nullptr;
      for (const auto& [id, st] : tgs_)
        if (st.arn == c.target_group_arn) tg = &st;
      if (!tg)
        return fail("TargetGroupNotFound", c.op, "One or more target groups not found");
      std::vector<TargetHealthView> xs;
      for (const Target& t : tg->targets) {
        TargetHealthView v;
        v.instance_id = t.instance;
        v.port = tg->spec->port;
        v.state = t.state;
        if (t.state == "initial") {
          v.reason = "Elb.InitialHealthChecking";
          v.description = "Initial health checking in progress";
        } else if (t.state == "unhealthy") {
          v.reason = "Target.FailedHealthChecks";
          v.description = "Health checks failed";
        } else if (t.state == "draining") {
          v.reason = "Target.DeregistrationInProgress";
          v.description = "Target deregistration is in progress";
        }
        xs.push_back(v);
      }
      return render(c, describe_target_health_doc(xs));
    }
    default:
      break;
  }
  return ApiResult{};
}

ApiResult Cloud::call(const AwsCall& c, const std::string& from_instance) {
  (void)from_instance;
  if (auto bad = check_server_side_values(c)) {
    ApiResult r;
    r.exit_code = kServiceError;
    r.err = bad->message + "\n";
    return r;
  }
  if (!c.region.empty() && c.region != cfg_->spec.region) {
    // Another region has none of this stack's resources.
    switch (c.op) {
      case AwsOp::kDescribeAutoScalingGroups: return render(c, describe_asgs_doc({}));
      case AwsOp::kDescribeInstances:
        if (c.instance_ids.empty()) return render(c, describe_instances_doc({}));
        return fail("InvalidInstanceID.NotFound", c.op, ec2_instance_not_found(c.instance_ids));
      default: return fail("ValidationError", c.op, asg_not_found(c.op, c.asg));
    }
  }
  switch (c.op) {
    case AwsOp::kUpdateAutoScalingGroup: return api_update_asg(c);
    case AwsOp::kSetDesiredCapacity: return api_set_desired(c);
    case AwsOp::kTerminateInstanceInAutoScalingGroup: return api_terminate_in_asg(c);
    case AwsOp::kCompleteLifecycleAction: return api_complete_lifecycle(c, false);
    case AwsOp::kRecordLifecycleActionHeartbeat: return api_complete_lifecycle(c, true);
    case AwsOp::kSetInstanceHealth: return api_set_health(c);
    case AwsOp::kTerminateInstances: return api_terminate_instances(c);
    case AwsOp::kStopInstances:
    case AwsOp::kStartInstances:
    case AwsOp::kRebootInstances: {
      // Refused when the scenario is loaded (extension_factory); a script's call says so.
      ApiResult r;
      r.exit_code = 255;
      r.err = std::string("raftlab: aws ec2 ") + aws_operation_name(c.op) +
              " is not modelled (use terminate-instances, or the scenario's \"ec2\" fault action)\n";
      return r;
    }
    default: return api_describe(c);
  }
}

}  // namespace raftlab::cloud
