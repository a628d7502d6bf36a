// tools/real/real_launch.cc — RealRun: how a member's configuration becomes a real etcd
// process (bare flags/env, a docker run line, the Bitnami entrypoint as raftlab's model
// decides it) and Docker's restart policies (see real_run.h).
#include "tools/real/real_run.h"

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "sim/deploy_bitnami.h"
#include "sim/etcd/bitnami.h"
#include "sim/etcd/ids.h"
#include "sim/etcd/shell.h"

namespace raftlab::real::diffing {

Place RealRun::place(const Container& c) {
  Place p;
  p.host_lo = host_lo(c);
  p.own_netns = c.docker && c.dr.network != etcd::NetworkMode::host;
  if (c.docker) {
    for (const auto& pm : c.dr.ports)
      if (pm.host_port) p.published[pm.container_port] = pm.host_port;
    p.volumes = c.dr.volumes;
  }
  p.host_root = root_ + "/hosts/" + c.m->host;
  p.container_root = root_ + fmt::format("/containers/{}.{}", c.m->name, c.instance);
  p.cwd = c.docker ? p.container_root + "/cwd" : p.host_root + "/cwd";
  fs::create_directories(p.cwd);
  if (s_.dns)
    for (const auto& [name, ip] : s_.dns->a)
      if (ip.rfind("127.", 0) == 0) p.dns_names.insert(name);
  return p;
}

void RealRun::expand(Container& c) {
  const Env& henv = host_env_[c.m->host];
  c.docker = c.cfg.kind == scenario::ConfigKind::kDocker;
  c.bitnami = false;
  c.args.clear();
  c.env.clear();
  if (c.docker) {
    auto words = etcd::shell_split(c.cfg.text, henv);
    if (!words.ok()) throw BadInput{c.m->name + ": " + words.error().message};
    auto run = etcd::parse_docker_run(words.value().argv, henv);
    if (!run.ok()) throw BadInput{c.m->name + ": " + run.error().message};
    c.dr = run.value();
    c.cenv = etcd::container_env(c.dr);
    c.bitnami = etcd::is_bitnami_etcd_image(c.dr.image_repo);
    if (!c.bitnami) {
      c.args = c.dr.command;
      if (!c.args.empty() && (c.args[0] == "etcd" || (c.args[0].size() >= 5 && c.args[0].substr(c.args[0].size() - 5) == "/etcd")))
        c.args.erase(c.args.begin());
      c.env = c.cenv;
    }
  } else if (c.cfg.kind == scenario::ConfigKind::kFlags) {
    auto words = etcd::shell_split(c.cfg.text, henv);
    if (!words.ok()) throw BadInput{c.m->name + ": " + words.error().message};
    c.args = words.value().argv;
    if (!c.args.empty() && (c.args[0] == "etcd" || (c.args[0].size() >= 5 && c.args[0].substr(c.args[0].size() - 5) == "/etcd")))
      c.args.erase(c.args.begin());
    c.env = henv;
  } else if (c.cfg.kind == scenario::ConfigKind::kArgs) {
    c.args = c.cfg.args;
    c.env = henv;
  } else {
    c.env = henv;
    for (const auto& [k, v] : c.cfg.env) c.env[k] = v;
  }
  c.expanded = true;
}

bool RealRun::exec(Container& c, const std::vector<std::string>& args, const Env& env) {
  auto cmd = real_etcd_command(etcd_, args, env, place(c));
  if (!cmd.ok()) throw BadInput{c.m->name + ": " + cmd.error().message + " — " + cmd.error().fix};
  c.cmd = cmd.value();
  c.has_cmd = true;
  fs::create_directories(fs::path(c.cmd.data_dir).parent_path());
  std::string error;
  c.log_member = c.log_cluster = 0;
  read_log(c);
  c.pid = spawn(c.cmd.argv, c.cmd.env, c.cmd.cwd, c.log_path, &error, netcut_ ? netcut_->gid_of(c.m->name) : 0);
  if (c.pid < 0) throw Broken{"cannot start " + etcd_ + ": " + error};
  if (netcut_) {
    std::vector<std::pair<std::string, int>> addrs;
    for (const auto& u : c.cmd.peer_urls) {
      const auto scheme = u.find("://");
      const std::string hp = scheme == std::string::npos ? u : u.substr(scheme + 3);
      const auto colon = hp.rfind(':');
      if (colon == std::string::npos) continue;
      addrs.emplace_back(hp.substr(0, colon), std::atoi(hp.substr(colon + 1).c_str()));
    }
    netcut_->set_peer_addrs(c.m->name, addrs);
    if (!netcut_->cut_pairs().empty()) sync_cuts();
  }
  return true;
}

void RealRun::bitnami_launch(Container& c) {
  Place p = place(c);
  const Env benv = etcd::bitnami_env_defaults(c.cenv);
  const std::string dd = map_path(sim::bitnami_data_dir(c.cenv), p);
  etcd::BitnamiInput in;
  in.container_env = c.cenv;
  in.command = c.dr.command;
  std::error_code ec;
  if (fs::is_directory(dd, ec)) {
    for (const auto& e : fs::directory_iterator(dd, ec)) in.data_dir.entries.push_back(e.path().filename().string());
    in.data_dir.has_wal = fs::is_directory(dd + "/member", ec);
  }
  in.new_member_envs = read_envs(dd + "/new_member_envs");
  const bool has_endpoints = benv.count("ETCDCTL_ENDPOINTS") && !benv.at("ETCDCTL_ENDPOINTS").empty();
  if (has_endpoints) {
    const std::string eps = benv.at("ETCDCTL_ENDPOINTS");
    auto st = run_capture({etcdctl_, "--endpoints=" + eps, "--command-timeout=2s", "endpoint", "status", "--cluster"},
                          &ctl_env_, 4000);
    in.probes.endpoint_status_ok = st.exit_code == 0;
    auto ml = run_capture({etcdctl_, "--endpoints=" + eps, "--command-timeout=2s", "member", "list", "-w", "json"}, &ctl_env_, 4000);
    if (auto l = ml.exit_code == 0 ? parse_member_list_json(ml.out) : std::nullopt) {
      const std::string mine = benv.count("ETCD_INITIAL_ADVERTISE_PEER_URLS") ? benv.at("ETCD_INITIAL_ADVERTISE_PEER_URLS") : "";
      for (const auto& m : l->members)
        for (const auto& u : m.peer_urls)
          if (!mine.empty() && u == mine && !in.probes.listed_member_id) in.probes.listed_member_id = etcd::format_id(m.id);
    }
  }
  etcd::BitnamiPlan plan = etcd::plan_bitnami_start(in);
  auto has_action = [&](etcd::BitnamiActionKind k, const std::string& needle) -> const etcd::BitnamiAction* {
    for (const auto& a : plan.actions)
      if (a.kind == k && a.detail.find(needle) != std::string::npos) return &a;
    return nullptr;
  };
  // is_node_still_a_member: a real trial run of etcd, its log watched (bounded).
  if (const auto* trial = has_action(etcd::BitnamiActionKind::start_etcd_background, "trial")) {
    const Env tenv = trial->env;
    exec(c, {}, tenv);
    const std::uintmax_t from = c.log_read;
    const double end = now_ms() + 5000;
    etcd::TrialOutcome outcome = etcd::TrialOutcome::none_yet;
    while (now_ms() < end && outcome == etcd::TrialOutcome::none_yet) {
      sleep_ms(100);
      std::string text = read_file_from(c.log_path, from);
      if (text.find("established TCP streaming connection with remote peer") != std::string::npos)
        outcome = etcd::TrialOutcome::stream_established;
      else if (text.find("the member has been permanently removed from the cluster") != std::string::npos)
        outcome = etcd::TrialOutcome::member_removed;
      else if (text.find("cluster ID mismatch") != std::string::npos)
        outcome = etcd::TrialOutcome::cluster_id_mismatch;
      else if (text.find("ID mismatch") != std::string::npos)
        outcome = etcd::TrialOutcome::member_id_mismatch;
      int st = 0;
      if (reaped(c.pid, &st)) break;
    }
    in.probes.trial = outcome;
    plan = etcd::plan_bitnami_start(in);
    if (outcome == etcd::TrialOutcome::none_yet) {
      note(c.m->name + ": Bitnami is_node_still_a_member saw no peer stream within 5 s: the entrypoint keeps "
                       "waiting with the trial etcd running (as the model decides)");
      return;  // blocked, the trial etcd keeps running
    }
    stop_pid(c.pid, 10000);
    c.pid = -1;
  }
  if (has_action(etcd::BitnamiActionKind::etcdctl, "member add") && has_endpoints &&
      !has_action(etcd::BitnamiActionKind::etcdctl, "--endpoints= ")) {
    const std::string peer = benv.count("ETCD_INITIAL_ADVERTISE_PEER_URLS") ? benv.at("ETCD_INITIAL_ADVERTISE_PEER_URLS") : "";
    auto r = run_capture({etcdctl_, "--endpoints=" + benv.at("ETCDCTL_ENDPOINTS"), "--command-timeout=5s", "member", "add",
                          benv.count("ETCD_NAME") ? benv.at("ETCD_NAME") : "default", "--peer-urls=" + peer},
                         &ctl_env_, 8000);
    in.probes.member_add_ok = r.exit_code == 0;
    if (r.exit_code == 0) in.probes.member_add_env = parse_member_add_env(r.out);
    plan = etcd::plan_bitnami_start(in);
  }
  for (const auto& a : plan.actions) {
    if (a.kind == etcd::BitnamiActionKind::remove_data_dir) fs::remove_all(dd, ec);
    if (a.kind == etcd::BitnamiActionKind::write_new_member_envs && in.probes.member_add_ok)
      write_envs(dd + "/new_member_envs", in.probes.member_add_env);
  }
  switch (plan.outcome) {
    case etcd::BitnamiOutcome::exit_failure:
      c.last_error = plan.error ? plan.error->message : "setup failed";
      if (auto cl = classify_log("fatal", c.last_error, ""); !cl.empty()) c.classes.insert(cl);
      note(c.m->name + ": Bitnami entrypoint exits: " + c.last_error);
      schedule_restart(c, 1);
      return;
    case etcd::BitnamiOutcome::blocked: {
      const etcd::BitnamiAction* bg = nullptr;
      for (const auto& a : plan.actions) {
        if (a.kind == etcd::BitnamiActionKind::start_etcd_background) bg = &a;
        if (a.kind == etcd::BitnamiActionKind::stop_etcd) bg = nullptr;
      }
      note(c.m->name + ": Bitnami entrypoint blocks (model): " + (bg ? "its background etcd keeps running" : "no etcd"));
      if (bg) exec(c, {}, bg->env);
      return;
    }
    case etcd::BitnamiOutcome::exec_etcd:
      exec(c, plan.etcd_args, plan.etcd_env);
      return;
  }
}

void RealRun::launch(Container& c) {
  if (!c.expanded) expand(c);
  c.restart_at = -1;
  if (c.bitnami) bitnami_launch(c);
  else exec(c, c.args, c.env);
}

void RealRun::schedule_restart(Container& c, int exit_code) {
  const auto pol = policy(c);
  bool again = c.wanted && !host_down(c);
  if (pol == etcd::RestartPolicy::no) again = false;
  if (pol == etcd::RestartPolicy::on_failure)
    again = again && exit_code != 0 && (c.dr.restart_max_retries == 0 || c.restarts < c.dr.restart_max_retries);
  if (!again) return;
  c.restart_at = now_ms() + c.backoff;
  c.backoff = std::min(c.backoff * 2, 60000.0);
  ++c.restarts;
}

std::optional<Env> RealRun::read_envs(const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  Env e;
  std::string line;
  while (std::getline(f, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) e[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return e;
}

void RealRun::write_envs(const std::string& path, const Env& e) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream f(path);
  for (const auto& [k, v] : e) f << k << "=" << v << "\n";
}

}  // namespace raftlab::real::diffing
