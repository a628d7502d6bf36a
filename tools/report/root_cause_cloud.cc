// tools/report/root_cause_cloud.cc — the root cause of a cloud run (sim/cloud) in words,
// from the trace's Cloud events (instances, lifecycle, faults, cloud-init lines) and the
// members' bootstrap and membership events:
//  * instances the group terminated (or that failed) whose members were never removed and
//    are still voters of a cluster that runs: what that does to the quorum, and the fix
//    (a terminating lifecycle hook that removes the member first, one step at a time), or,
//    when the quorum is already lost, that discovery cannot repair it;
//  * user data that failed: the line and its error, and that the group does not notice;
//  * a split made by user data without peers: the fix is a discovery bootstrap, not a
//    static --initial-cluster (the group's instances get new IDs and IPs at each launch).
//
// Must never: look at World or Cloud objects (only the trace and RunResult), know scenario
// names, or depend on unordered iteration.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sim/etcd/ids.h"
#include "tools/report/root_cause.h"

namespace raftlab::tools::report {

namespace {

std::string secs_of(std::int64_t ns) {
  std::string s = fmt::format("{:.3f}", static_cast<double>(ns) / 1e9);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s + "s";
}

std::string joined(const std::vector<std::string>& v) {
  if (v.size() <= 1) return v.empty() ? "" : v[0];
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i == 0 ? "" : i + 1 == v.size() ? " and " : ", ") + v[i];
  return out;
}

}  // namespace

bool is_cloud_run(const std::vector<sim::TraceEvent>& events) {
  return std::any_of(events.begin(), events.end(), [](const sim::TraceEvent& e) { return e.kind == sim::Ev::Cloud; });
}

void cloud_findings(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r, const std::string& file,
                    std::vector<Finding>& out) {
  if (!is_cloud_run(events)) return;
  struct Inst {
    std::int64_t terminated = -1, failed = -1;
    bool scaled_in = false;
    std::uint64_t member = 0, cluster = 0;
    std::string last_line;          // the last cloud-init line before a failure
    std::int64_t user_data_failed = -1;
    std::string failed_line;
  };
  std::map<std::string, Inst> inst;
  std::vector<std::string> order;
  std::set<std::uint64_t> removed;
  for (const auto& e : events) {
    if (e.kind == sim::Ev::Member && e.a == "remove") removed.insert(e.peer);
    if (e.kind == sim::Ev::Bootstrap) {
      auto it = inst.find(e.who);
      if (it != inst.end()) {
        it->second.member = e.member_id;
        it->second.cluster = e.cluster_id;
      }
    }
    if (e.kind != sim::Ev::Cloud) continue;
    if (e.a == "launch") {
      inst[e.who];
      order.push_back(e.who);
      continue;
    }
    auto it = inst.find(e.who);
    if (it == inst.end()) continue;
    Inst& in = it->second;
    if (e.a == "ec2-state" && e.b.rfind("terminated", 0) == 0) in.terminated = e.at.ns;
    if (e.a == "ec2-fault" && in.failed < 0) in.failed = e.at.ns;
    if (e.a == "lifecycle" && e.b.rfind("Terminating:Proceed", 0) == 0 && in.failed < 0) in.scaled_in = true;
    if (e.a == "cloud-init") {
      if (e.b.find("FAILED") != std::string::npos && in.user_data_failed < 0) {
        in.user_data_failed = e.at.ns;
        in.failed_line = in.last_line;
      } else if (e.b.rfind("line ", 0) == 0) {
        in.last_line = e.b;
      }
    }
  }
  // Clusters that still run at the end, by ID.
  std::map<std::uint64_t, const sim::ClusterView*> running;
  for (const auto& c : r.clusters) running[c.cluster_id] = &c;

  // Gone instances whose members are still voters of a running cluster.
  std::map<std::uint64_t, std::vector<std::string>> gone_scaled, gone_failed;
  std::int64_t at_scaled = -1, at_failed = -1;
  for (const std::string& id : order) {
    const Inst& in = inst[id];
    if ((in.terminated < 0 && in.failed < 0) || in.member == 0 || removed.count(in.member)) continue;
    auto c = running.find(in.cluster);
    if (c == running.end()) continue;
    const auto& voters = c->second->voters;
    if (std::find(voters.begin(), voters.end(), in.member) == voters.end()) continue;
    if (in.scaled_in) {
      gone_scaled[in.cluster].push_back(id);
      if (at_scaled < 0) at_scaled = in.terminated;
    } else {
      gone_failed[in.cluster].push_back(id);
      if (at_failed < 0) at_failed = in.failed >= 0 ? in.failed : in.terminated;
    }
  }
  auto quorum_text = [](const sim::ClusterView& c, size_t gone) {
    const size_t voters = c.voters.size();
    return fmt::format("cluster {} still lists {} voters, {} of them on instances that are gone: {} run{}, and a quorum "
                       "needs {}{}",
                       etcd::format_id(c.cluster_id), voters, gone, c.running.size(), c.running.size() == 1 ? "s" : "",
                       voters / 2 + 1, c.quorum ? "" : " — no leader, no writes");
  };
  for (const auto& [cid, ids] : gone_scaled) {
    const sim::ClusterView& c = *running[cid];
    Finding x;
    x.kind = "asg-terminated-without-remove";
    x.at_ns = at_scaled;
    x.members = ids;
    x.headline = fmt::format("The Auto Scaling group terminated {} without `etcdctl member remove`: {} {} still a voter",
                             joined(ids), ids.size() > 1 ? "each" : "it", ids.size() > 1 ? "is" : "is");
    x.because = {quorum_text(c, ids.size())};
    for (const std::string& id : ids)
      x.because.push_back(fmt::format("{}: member {} terminated at {} by the group (scale-in), never removed", id,
                                      etcd::format_id(inst[id].member), secs_of(inst[id].terminated)));
    x.fix = "add a terminating lifecycle hook (AWS::AutoScaling::LifecycleHook, autoscaling:EC2_INSTANCE_TERMINATING) "
            "whose handler runs `etcdctl member remove` of the instance's own member and then `aws autoscaling "
            "complete-lifecycle-action`; change the capacity one instance at a time so a quorum commits each removal "
            "(the pattern of scenarios/aws-asg/05-fix-hook-and-stepwise.json)";
    x.check = fmt::format("raftlab run {} (expect quorum = true after each step)", file);
    out.push_back(x);
  }
  for (const auto& [cid, ids] : gone_failed) {
    const sim::ClusterView& c = *running[cid];
    Finding x;
    x.kind = c.quorum ? "instance-lost-still-voter" : "instance-loss-quorum";
    x.at_ns = at_failed;
    x.members = ids;
    x.headline = c.quorum ? fmt::format("{} failed and {} still a voter: the cluster runs with less room for the next failure",
                                        joined(ids), ids.size() > 1 ? "are" : "is")
                          : fmt::format("{} failed together and took the quorum with {}: the survivors cannot elect a "
                                        "leader or change the membership",
                                        joined(ids), ids.size() > 1 ? "them" : "it");
    x.because = {quorum_text(c, ids.size())};
    x.fix = c.quorum ? "let the replacement remove the dead member before it joins (discovery user data: "
                       "scenarios/aws-asg/06b-instance-dies-discovery.json)"
                     : "a lost quorum is not repaired by discovery (removing a member needs the quorum): restore the "
                       "survivor with --force-new-cluster or from a snapshot, and spread the members so one failure "
                       "domain holds fewer than half of them (three members over three AZs: "
                       "scenarios/aws-asg/07b-az-outage-three-azs.json)";
    x.check = fmt::format("raftlab run {}", file);
    out.push_back(x);
  }
  // User data that failed.
  std::vector<std::string> failed;
  std::vector<std::string> lines;
  std::int64_t at_ud = -1;
  for (const std::string& id : order) {
    const Inst& in = inst[id];
    if (in.user_data_failed < 0) continue;
    failed.push_back(id);
    if (at_ud < 0) at_ud = in.user_data_failed;
    lines.push_back(fmt::format("{} at {}: {}", id, secs_of(in.user_data_failed),
                                in.failed_line.empty() ? "(no output)" : in.failed_line));
  }
  if (!failed.empty()) {
    Finding x;
    x.kind = "user-data-failed";
    x.at_ns = at_ud;
    x.members = failed;
    x.headline = fmt::format("The user data failed on {}: {} InService but run{} no etcd, and the group does not notice "
                             "(its EC2 health check sees the instance, not etcd)",
                             joined(failed), failed.size() > 1 ? "they are" : "it is", failed.size() > 1 ? "" : "s");
    x.because = lines;
    x.fix = "read the failing line above; cloud-init runs user data once and never retries it";
    x.check = fmt::format("raftlab run {} (the cloud-init lines of the timeline)", file);
    out.push_back(x);
  }
}

// A split made by user data: the static fix does not apply to instances that change.
void cloud_adjust_split_fix(const std::vector<sim::TraceEvent>& events, const std::string& file,
                            std::vector<Finding>& findings) {
  if (!is_cloud_run(events)) return;
  for (Finding& x : findings) {
    if (x.kind != "different-initial-cluster" && x.kind != "empty-initial-cluster") continue;
    x.fix = "the group's instances get new IDs and IPs at every launch, so no --initial-cluster can be written in "
            "advance: let the user data discover its peers (list the group's instances with `aws autoscaling "
            "describe-auto-scaling-groups` and `aws ec2 describe-instances`; join an answering cluster with `etcdctl "
            "member add` and state existing, or bootstrap state new with every instance of the group), as "
            "scenarios/aws-asg/02-discovery-one-cluster.json does";
    x.check = fmt::format("raftlab run {} with the discovery bootstrap (expect clusters = 1); on AWS: etcdctl "
                          "--endpoints=<nlb>:2379 member list shows every instance",
                          file);
  }
}

}  // namespace raftlab::tools::report
