// tools/real/real_run.cc — RealRun: lifecycle, observations, client calls, supervision,
// logs and the timeline's actions (see real_run.h).
#include "tools/real/real_run.h"

#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <variant>

#include <fmt/format.h>

#include "sim/etcd/ids.h"
#include "sim/etcd/shell.h"

namespace raftlab::real::diffing {

void RealRun::shutdown() {
  for (auto& [n, c] : cs_) {
    if (c.pid > 0) stop_pid(c.pid, 5000);
    c.pid = -1;
  }
}

void RealRun::wait_until(double t_ms) {
  while (now_ms() < t_ms) {
    supervise();
    sleep_ms(std::min(50.0, t_ms - now_ms()));
  }
  supervise();
}

void RealRun::apply(const scenario::TimelineEntry& t) {
  std::visit([&](const auto& a) { do_action(t, a); }, t.action);
}

Obs RealRun::observe() {
  supervise();
  Obs o;
  std::vector<std::string> up;
  for (auto& [n, c] : cs_) {
    MemberObs m;
    m.up = c.pid > 0;
    m.member_id = c.log_member;
    m.cluster_id = c.log_cluster;
    m.classes = c.classes;
    o[n] = m;
    if (m.up && c.has_cmd) up.push_back(n);
  }
  std::vector<std::vector<std::string>> cmds;
  for (const auto& n : up) cmds.push_back(ctl(cs_[n].cmd.client_url, {"endpoint", "status", "-w", "json"}, 2));
  auto res = run_capture_all(cmds, &ctl_env_, 3500);
  std::vector<std::string> serving;
  for (size_t i = 0; i < up.size(); ++i) {
    if (res[i].exit_code != 0) continue;
    auto st = parse_endpoint_status_json(res[i].out);
    if (!st || st->empty()) continue;
    auto& m = o[up[i]];
    m.serving = true;
    m.member_id = (*st)[0].member_id;
    m.cluster_id = (*st)[0].cluster_id;
    m.leader = (*st)[0].leader != 0 && (*st)[0].leader == (*st)[0].member_id;
    serving.push_back(up[i]);
  }
  cmds.clear();
  for (const auto& n : serving) cmds.push_back(ctl(cs_[n].cmd.client_url, {"member", "list", "-w", "json"}, 2));
  res = run_capture_all(cmds, &ctl_env_, 3500);
  for (size_t i = 0; i < serving.size(); ++i) {
    auto& m = o[serving[i]];
    auto l = res[i].exit_code == 0 ? parse_member_list_json(res[i].out) : std::nullopt;
    if (!l) {
      m.list = {"(member list failed)"};
      continue;
    }
    for (const auto& x : l->members) m.list.push_back(x.name + "@" + fmt::format("{}", fmt::join(x.peer_urls, ",")));
    std::sort(m.list.begin(), m.list.end());
  }
  return o;
}

ProbeOutcome RealRun::client(const std::string& via, const std::vector<std::string>& words, bool get, const std::string& key) {
  const Captured r = run_capture(ctl(endpoint(via), words, 5), &ctl_env_, 8000);
  ProbeOutcome p;
  if (r.exit_code != 0) {
    p.kind = "error";
    p.value = r.err.empty() ? "timed out" : r.err;
    p.cls = etcdctl_class(r.err);
    return p;
  }
  if (!get) {
    p.kind = "ok";
    p.value = r.out;
    return p;
  }
  auto g = parse_get_json(r.out, key);
  if (!g) {
    p.kind = "error";
    p.value = "unparsable etcdctl output: " + r.out;
  } else if (g->first) {
    p.kind = "value";
    p.value = g->second;
  } else {
    p.kind = "absent";
  }
  return p;
}

std::vector<std::string> RealRun::ctl(const std::string& endpoint, const std::vector<std::string>& words, int timeout_s) {
  std::vector<std::string> a{etcdctl_, "--endpoints=" + endpoint, fmt::format("--command-timeout={}s", timeout_s),
                             "--dial-timeout=2s"};
  a.insert(a.end(), words.begin(), words.end());
  return a;
}

std::string RealRun::endpoint(const std::string& name_or_url) {
  if (name_or_url.find("://") != std::string::npos) return name_or_url;
  auto it = sim_.endpoints.find(name_or_url);
  return it == sim_.endpoints.end() ? name_or_url : it->second;
}

void RealRun::supervise() {
  for (auto& [n, c] : cs_) {
    read_log(c);
    int st = 0;
    if (c.pid > 0 && reaped(c.pid, &st)) {
      c.pid = -1;
      read_log(c);
      schedule_restart(c, WIFEXITED(st) ? WEXITSTATUS(st) : 1);
    }
    if (c.pid < 0 && c.restart_at > 0 && now_ms() >= c.restart_at && c.wanted && !host_down(c)) launch(c);
  }
}

std::string RealRun::read_file_from(const std::string& path, std::uintmax_t from) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return "";
  f.seekg(static_cast<std::streamoff>(from));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void RealRun::read_log(Container& c) {
  std::error_code ec;
  const auto size = fs::file_size(c.log_path, ec);
  if (ec || size <= c.log_read) return;
  std::string text = read_file_from(c.log_path, c.log_read);
  c.log_read += text.size();
  text = c.partial + text;
  size_t start = 0;
  while (true) {
    const auto nl = text.find('\n', start);
    if (nl == std::string::npos) break;
    const LogLine l = parse_zap_line(text.substr(start, nl - start));
    start = nl + 1;
    if (auto cl = classify_log(l.level, l.msg, l.detail); !cl.empty()) c.classes.insert(cl);
    auto mid = l.fields.find("local-member-id");
    auto cid = l.fields.find("cluster-id");
    if (mid != l.fields.end() && cid != l.fields.end()) {
      if (auto a = etcd::parse_id(mid->second)) c.log_member = *a;
      if (auto b = etcd::parse_id(cid->second)) c.log_cluster = *b;
    }
  }
  c.partial = text.substr(start);
}

void RealRun::note(const std::string& s) {
  notes.push_back(s);
  log_ << "    real: " << s << "\n";
}

std::vector<Container*> RealRun::members_of(const std::vector<std::string>& names) {
  std::vector<Container*> out;
  for (const auto& n : names) out.push_back(&cs_.at(n));
  return out;
}

void RealRun::do_action(const scenario::TimelineEntry&, const scenario::ProcessAction& a) {
  for (auto* c : members_of(a.members)) {
    switch (a.op) {
      case scenario::ProcessOp::kStart:
        if (c->pid > 0 || host_down(*c)) break;
        c->wanted = true;
        c->backoff = 100;
        launch(*c);
        break;
      case scenario::ProcessOp::kStop:
        c->wanted = false;
        c->restart_at = -1;
        stop_pid(c->pid, 10000);
        c->pid = -1;
        break;
      case scenario::ProcessOp::kKill:
        kill_pid(c->pid);
        c->pid = -1;
        schedule_restart(*c, 137);
        break;
      case scenario::ProcessOp::kRestart:
        stop_pid(c->pid, 10000);
        c->pid = -1;
        if (!host_down(*c)) {
          c->wanted = true;
          launch(*c);
        }
        break;
    }
  }
}

void RealRun::do_action(const scenario::TimelineEntry&, const scenario::HostAction& a) {
  if (a.op == scenario::HostOp::kKill) {
    down_.insert(a.host);
    if (services_) services_->host_down(a.host);
    for (auto& [n, c] : cs_) {
      if (c.m->host != a.host) continue;
      kill_pid(c.pid);
      c.pid = -1;
      c.restart_at = -1;
    }
  } else {
    down_.erase(a.host);
    if (services_) services_->host_up(a.host);
    for (auto& [n, c] : cs_) {
      if (c.m->host != a.host || !c.wanted || c.pid > 0) continue;
      const auto pol = policy(c);
      if (pol == etcd::RestartPolicy::always || pol == etcd::RestartPolicy::unless_stopped) launch(c);
    }
  }
}

void RealRun::do_action(const scenario::TimelineEntry&, const scenario::RunAction& a) {
  Container& c = cs_.at(a.member);
  kill_pid(c.pid);  // docker rm -f
  c.pid = -1;
  if (a.wipe_data) {
    std::error_code ec;
    if (c.has_cmd) fs::remove_all(c.cmd.data_dir, ec);
  }
  ++c.instance;
  if (a.config) c.cfg = *a.config;
  c.expanded = false;
  c.wanted = true;
  c.backoff = 100;
  c.restarts = 0;
  if (!host_down(c)) launch(c);
}

void RealRun::do_action(const scenario::TimelineEntry&, const scenario::ShellAction& a) {
  for (const auto& [k, v] : a.exports) host_env_[a.host][k] = v;
  for (const auto& k : a.unset) host_env_[a.host].erase(k);
}

void RealRun::do_action(const scenario::TimelineEntry& t, const scenario::EtcdctlAction& a) {
  auto words = etcd::shell_split(a.command, {});
  if (!words.ok()) throw BadInput{t.path + ": " + words.error().message};
  std::vector<std::string> w = words.value().argv;
  if (!w.empty() && w[0] == "etcdctl") w.erase(w.begin());
  const bool state_changing = (w.size() >= 2 && w[0] == "member" && (w[1] == "add" || w[1] == "remove")) ||
                              (!w.empty() && (w[0] == "put" || w[0] == "del"));
  if (!state_changing) return;  // read-only commands (tables) are not compared
  std::vector<std::string> eps;
  for (const auto& e : a.endpoints) eps.push_back(endpoint(e.member.empty() ? e.url : e.member));
  std::string joined = eps.empty() ? "" : fmt::format("{}", fmt::join(eps, ","));
  std::vector<std::string> argv{etcdctl_, "--command-timeout=5s", "--dial-timeout=2s"};
  if (!joined.empty()) argv.push_back("--endpoints=" + joined);
  argv.insert(argv.end(), w.begin(), w.end());
  const Captured r = run_capture(argv, &ctl_env_, 8000);
  ProbeOutcome p;
  p.kind = r.exit_code == 0 ? "ok" : "error";
  p.value = r.exit_code == 0 ? r.out : r.err;
  if (r.exit_code != 0) p.cls = etcdctl_class(r.err);
  timeline_results[t.path] = p;
  log_ << fmt::format("    real: $ etcdctl {} -> {}\n", fmt::join(w, " "), r.exit_code == 0 ? "ok" : "Error: " + r.err);
}

void RealRun::do_action(const scenario::TimelineEntry& t, const scenario::PartitionAction& a) {
  const std::string refusal = netcut_ ? partition_refusal() : netcut_why_not_;
  if (!refusal.empty()) {
    not_applied.emplace_back(t.at_ns, t.path + ": partition: not applied on the real side (" + refusal + ")");
    note(not_applied.back().second);
    return;
  }
  std::vector<std::vector<std::string>> groups;
  for (const auto& g : a.groups) groups.push_back(members_on_hosts(g));
  cut_groups("timeline", groups);
  note(t.path + ": partition applied with iptables: cut " + fmt::format("{}", fmt::join(netcut_->cut_pairs(), " ")));
}

void RealRun::do_action(const scenario::TimelineEntry& t, const scenario::HealAction&) {
  if (!netcut_) {
    not_applied.emplace_back(t.at_ns, t.path + ": heal: not applied on the real side (" + netcut_why_not_ + ")");
    return;
  }
  netcut_->heal("timeline");
  sync_cuts();
  note(t.path + ": heal: the timeline's partitions removed");
}

void RealRun::do_action(const scenario::TimelineEntry& t, const scenario::ExtAction& a) {
  throw BadInput{t.path + ": diff runs etcd on loopback addresses; it cannot carry out \"" + a.key +
                 "\" actions (the simulated cloud has no real counterpart here)"};
}

}  // namespace raftlab::real::diffing
