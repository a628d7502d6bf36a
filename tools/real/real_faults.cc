// tools/real/real_faults.cc — RealRun: the scenario's faults (explicit, or drawn from its
// nemesis budget for its seed) carried out on real etcd, the way sim/nemesis/runner.cc
// carries them out in the simulation (docs/fidelity.md, "Faults on the real side"):
//
//   crash (a member or "leader")   SIGKILL, held down, started again at the end
//   host_down (a host or "leader") SIGKILL of its members, started again at the end
//   terminate                      SIGKILL, data dir wiped, a fresh instance at the end
//   member_remove                  real `etcdctl member remove <id>` through the others
//   partition, isolate             iptables cuts in the private namespace (netcut.h)
//
// Everything else is refused by name (FaultResult.applied = false): a TCP connection
// cannot lose one direction only (one_way), packet loss/duplication/reordering/delay,
// clock rates, fsync latency, member_add of a spare, faults that wait for the next
// leader change, and a crash that loses unsynced writes (a SIGKILL loses nothing etcd
// fsynced; the page cache survives).
#include <fmt/format.h>

#include "sim/etcd/ids.h"
#include "tools/real/real_run.h"

namespace raftlab::real::diffing {

void RealRun::hold(Container& c) {
  if (c.holds++ == 0) c.was_wanted = c.wanted;
}

bool RealRun::release(Container& c) {
  if (c.holds == 0) return false;
  return --c.holds == 0 && c.was_wanted;
}

std::string RealRun::partition_refusal() const {
  if (services_ && !s_.discovery_services.empty())
    return "a partition while the scenario has a discovery service: iptables cuts only the members' traffic, so "
           "the service would stay reachable from every side";
  return "";
}

void RealRun::kill_host_members(const std::string& host) {
  if (services_) services_->host_down(host);
  for (auto& [n, c] : cs_) {
    if (c.m->host != host) continue;
    kill_pid(c.pid);
    c.pid = -1;
    c.restart_at = -1;
  }
}

void RealRun::sync_cuts() {
  if (!netcut_) return;
  std::string why;
  if (!netcut_->sync(&why)) throw Broken{"iptables: " + why};
}

std::vector<std::string> RealRun::members_on_hosts(const std::vector<std::string>& hosts) const {
  std::vector<std::string> out;
  for (const auto& m : s_.members)
    for (const auto& h : hosts)
      if (m.host == h) out.push_back(m.name);
  return out;
}

// Members of different groups (the members of no group form one more) cannot talk.
void RealRun::cut_groups(const std::string& owner, const std::vector<std::vector<std::string>>& member_groups) {
  std::map<std::string, int> group;
  for (const auto& m : s_.members) group[m.name] = 0;
  for (std::size_t g = 0; g < member_groups.size(); ++g)
    for (const auto& n : member_groups[g]) group[n] = static_cast<int>(g + 1);
  for (const auto& [a, ga] : group)
    for (const auto& [b, gb] : group)
      if (a < b && ga != gb) netcut_->cut(owner, a, b);
  sync_cuts();
}

std::string RealRun::real_leader(std::uint64_t* term) {
  *term = 0;
  std::vector<std::string> up;
  std::vector<std::vector<std::string>> cmds;
  for (const auto& m : s_.members) {
    const Container& c = cs_.at(m.name);
    if (c.pid <= 0 || !c.has_cmd) continue;
    up.push_back(m.name);
    cmds.push_back(ctl(c.cmd.client_url, {"endpoint", "status", "-w", "json"}, 2));
  }
  const auto res = run_capture_all(cmds, &ctl_env_, 3500);
  std::string leader;
  for (std::size_t i = 0; i < up.size(); ++i) {
    if (res[i].exit_code != 0) continue;
    const auto st = parse_endpoint_status_json(res[i].out);
    if (!st || st->empty()) continue;
    const auto& e = (*st)[0];
    if (e.leader == 0 || e.leader != e.member_id) continue;
    if (leader.empty() || e.raft_term > *term) {
      leader = up[i];
      *term = e.raft_term;
    }
  }
  return leader;
}

RealRun::FaultResult RealRun::fault_begin(std::size_t i, const scenario::Fault& f) {
  using scenario::FaultKind;
  const std::string kind = scenario::fault_kind_name(f.kind);
  const std::string label = fmt::format("fault {} ({}) at {}", f.path.empty() ? std::to_string(i) : f.path, kind,
                                        secs(f.at_ns));
  FaultResult r;
  auto refuse = [&](const std::string& why) {
    r.applied = false;
    r.text = label + ": not applied on the real side (" + why + ")";
    note(r.text);
    return r;
  };
  const bool leader_target = f.target == scenario::kLeaderTarget;
  switch (f.kind) {
    case FaultKind::kOneWay:
      return refuse("a TCP connection cannot lose one direction only: dropping a->b packets with iptables cuts b->a too");
    case FaultKind::kLoss:
    case FaultKind::kDuplicate:
    case FaultKind::kReorder:
    case FaultKind::kDelay:
      return refuse("per-packet loss, duplication, reordering and delay between members are not reproduced (no netem here)");
    case FaultKind::kClock:
      return refuse("a real process's clock rate cannot be changed");
    case FaultKind::kSlowFsync:
      return refuse("a real disk's fsync latency cannot be set");
    case FaultKind::kMemberAdd:
      return refuse("member_add of a spare is not carried out on the real side");
    default:
      break;
  }
  if (f.after_leader_change) return refuse("a fault that waits for the next leader change is not carried out on the real side");
  if (f.kind == FaultKind::kCrash && f.lose_unsynced)
    return refuse("lose_unsynced: a SIGKILL loses nothing etcd fsynced and the page cache survives it");
  if ((f.kind == FaultKind::kPartition || f.kind == FaultKind::kIsolate) && !netcut_) return refuse(netcut_why_not_);
  if (f.kind == FaultKind::kPartition || f.kind == FaultKind::kIsolate)
    if (const std::string why = partition_refusal(); !why.empty()) return refuse(why);

  // The member (or host) it strikes; "leader": whoever leads on the real side now.
  std::string target = f.target;
  std::string why;
  if (leader_target) {
    std::uint64_t term = 0;
    const std::string leader = real_leader(&term);
    if (leader.empty()) {
      r.text = label + ": no real leader: nothing done";
      note(r.text);
      struck_[i] = "";
      return r;
    }
    why = fmt::format(" ({} led at term {})", leader, term);
    target = f.kind == FaultKind::kHostDown ? cs_.at(leader).m->host : leader;
  }
  struck_[i] = target;
  r.struck = target;
  switch (f.kind) {
    case FaultKind::kCrash: {
      Container& c = cs_.at(target);
      hold(c);
      c.wanted = false;
      c.restart_at = -1;
      kill_pid(c.pid);
      c.pid = -1;
      r.text = label + ": SIGKILL " + target + why;
      break;
    }
    case FaultKind::kHostDown:
      for (auto& [n, c] : cs_)
        if (c.m->host == target) hold(c);
      down_.insert(target);
      kill_host_members(target);
      r.text = label + ": host " + target + " down: SIGKILL of its members" + why;
      break;
    case FaultKind::kTerminate: {
      Container& c = cs_.at(target);
      hold(c);
      c.wanted = false;
      c.restart_at = -1;
      kill_pid(c.pid);
      c.pid = -1;
      std::error_code ec;
      if (c.has_cmd) fs::remove_all(c.cmd.data_dir, ec);
      ++c.instance;  // a new instance gets a new container file system / anonymous volume
      r.text = label + ": SIGKILL " + target + ", its data dir removed";
      break;
    }
    case FaultKind::kIsolate: {
      std::vector<std::vector<std::string>> g{{target}};
      cut_groups(f.path + "#" + std::to_string(i), g);
      r.text = label + ": " + target + " cut off from every other member with iptables" + why;
      break;
    }
    case FaultKind::kPartition: {
      std::vector<std::vector<std::string>> groups;
      for (const auto& g : f.groups) groups.push_back(f.host_groups ? members_on_hosts(g) : g);
      cut_groups(f.path + "#" + std::to_string(i), groups);
      r.text = label + ": iptables cuts " + fmt::format("{}", fmt::join(netcut_->cut_pairs(), " "));
      break;
    }
    case FaultKind::kMemberRemove: {
      const Container& c = cs_.at(target);
      std::uint64_t id = c.log_member;
      if (id == 0) {
        r.text = label + ": not removed: " + target + " never ran";
        break;
      }
      std::vector<std::string> eps;
      for (const auto& m : s_.members)
        if (m.name != target && cs_.at(m.name).has_cmd) eps.push_back(cs_.at(m.name).cmd.client_url);
      const Captured cr = run_capture({etcdctl_, "--command-timeout=5s", "--dial-timeout=2s",
                                       "--endpoints=" + fmt::format("{}", fmt::join(eps, ",")), "member", "remove",
                                       etcd::format_id(id)},
                                      &ctl_env_, 8000);
      r.text = label + ": etcdctl member remove " + etcd::format_id(id) + " -> " +
               (cr.exit_code == 0 ? std::string("removed") : "refused: " + cr.err);
      break;
    }
    default:
      break;
  }
  note(r.text);
  return r;
}

void RealRun::fault_end(std::size_t i, const scenario::Fault& f) {
  using scenario::FaultKind;
  const auto it = struck_.find(i);
  if (it == struck_.end() || it->second.empty()) return;  // refused, or nothing done
  const std::string target = it->second;
  switch (f.kind) {
    case FaultKind::kCrash: {
      Container& c = cs_.at(target);
      if (release(c) && !host_down(c)) {
        c.wanted = true;
        c.backoff = 100;
        launch(c);
      }
      note(fmt::format("fault {} ends: {} started again", f.path, target));
      return;
    }
    case FaultKind::kHostDown:
      down_.erase(target);
      if (services_) services_->host_up(target);
      for (auto& [n, c] : cs_) {
        if (c.m->host != target || !release(c)) continue;
        c.wanted = true;
        c.backoff = 100;
        launch(c);
      }
      note(fmt::format("fault {} ends: host {} back, its members started again", f.path, target));
      return;
    case FaultKind::kTerminate: {
      if (f.duration_ns == 0) return;  // permanent
      Container& c = cs_.at(target);
      if (release(c) && !host_down(c)) {
        c.wanted = true;
        c.backoff = 100;
        c.restarts = 0;
        launch(c);  // a fresh instance of the same definition on an empty data dir
      }
      note(fmt::format("fault {} ends: a fresh instance of {} started", f.path, target));
      return;
    }
    case FaultKind::kIsolate:
    case FaultKind::kPartition:
      netcut_->heal(f.path + "#" + std::to_string(i));
      sync_cuts();
      note(fmt::format("fault {} ends: its iptables cuts removed", f.path));
      return;
    default:
      return;
  }
}

}  // namespace raftlab::real::diffing
