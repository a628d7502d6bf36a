// sim/deploy_bitnami.cc — runs the Bitnami etcd image's start-up plan
// (sim/etcd/bitnami.h, a pure function of its inputs) inside the world: the answers its
// etcdctl calls would get are read from the world at container start, a `member add`
// against a live endpoint is really performed, and what etcd finally runs with is
// parsed like any other etcd command line.
//
// Collapsed on purpose: when the scripts start etcd in the background (RBAC setup,
// the is_node_still_a_member trial) and later exec etcd with the same data dir and
// configuration, the simulation runs one continuous etcd process. The background run
// and the final one are the same member with the same data; only a sub-second restart
// is elided. The RBAC step itself runs in the world (sim/world_bitnami.cc). When that background etcd
// cannot start (its data dir is not accessible, World::data_dir_problem), the RBAC step's
// retry window is spent before the exec (Launch::exec_delay).
#include <memory>

#include <fmt/format.h>

#include "sim/deploy.h"
#include "sim/deploy_bitnami.h"
#include "sim/etcd/bitnami.h"
#include "sim/etcd/entry_codec.h"
#include "sim/etcd/ids.h"

namespace raftlab::sim {

namespace {

std::vector<std::pair<std::string, std::string>> log_lines(const std::vector<etcd::LogLine>& log) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& l : log) {
    if (l.level == "debug") continue;
    std::string line = "bitnami: " + l.msg;
    for (const auto& [k, v] : l.fields) line += " " + k + "=" + v;
    out.emplace_back(l.level, line);
  }
  return out;
}

std::string get(const std::map<std::string, std::string>& env, const std::string& k) {
  auto it = env.find(k);
  return it == env.end() ? "" : it->second;
}

// The endpoint the scripts' etcdctl talks to: ETCDCTL_ENDPOINTS, else etcdctl's
// default 127.0.0.1:2379 — inside the container, where etcd is not running yet.
std::vector<std::string> etcdctl_endpoints(const std::map<std::string, std::string>& env) {
  const std::string e = get(env, "ETCDCTL_ENDPOINTS");
  if (e.empty()) return {"http://127.0.0.1:2379"};
  std::vector<std::string> out;
  for (auto u : etcd::split(e, ',')) {
    if (u.find("://") == std::string::npos) u = "http://" + u;
    out.push_back(u);
  }
  return out;
}

// Computed once per container definition: the image's environment defaults, the
// endpoints its etcdctl calls use, and the decisions already taken for a given set of
// probe answers (the plan is a pure function of them).
struct BitnamiMemo;
Launch plan_and_launch(const std::string& version, const StartContext& ctx, const etcd::BitnamiInput& in,
                       bool after_member_add, const std::shared_ptr<BitnamiMemo>& memo);

struct BitnamiMemo {
  // The container definition, held once: launchers are copied with every ContainerSpec.
  etcd::DockerRun dr;
  std::map<std::string, std::string> cenv;
  std::string version;
  std::map<std::string, std::string> env;
  std::vector<std::string> eps;
  struct Entry {
    Launch launch;  // without its log lines (kept apart: copied only if the trace wants them)
    std::vector<std::pair<std::string, std::string>> logs;
  };
  std::map<std::string, Entry> launches;
  std::optional<TrialIdentity> trial_identity;  // computed on first need
};

// The identity a trial etcd without a WAL bootstraps with: etcd's own computation from
// --initial-cluster and --initial-cluster-token (membership.NewClusterFromURLsMap), with
// the environment the scripts start it with (the container's, before new_member_envs).
const TrialIdentity& trial_identity(BitnamiMemo& memo) {
  if (memo.trial_identity) return *memo.trial_identity;
  TrialIdentity t;
  const auto e = etcd_from_args({}, memo.env, memo.version);
  if (e.ok) {
    std::map<std::string, std::vector<std::string>> by_name;
    for (const auto& [name, url] : e.cfg.initial_cluster) by_name[name].push_back(url);
    std::vector<std::uint64_t> ids;
    for (const auto& [name, urls] : by_name) {
      const std::uint64_t id = etcd::compute_member_id(urls, e.cfg.token);
      ids.push_back(id);
      t.peers[id] = urls;
      if (name == e.cfg.name) t.member_id = id;
    }
    t.known = t.member_id != 0;
    t.cluster_id = etcd::compute_cluster_id(ids);
    t.state_new = e.cfg.state_new;
  }
  memo.trial_identity = t;
  return *memo.trial_identity;
}

std::string memo_key(const etcd::BitnamiInput& in) {
  std::string k = in.data_dir.has_wal ? "w" : "-";
  k += in.new_member_envs ? 'f' : '-';  // an empty new_member_envs file still makes the dir non-empty
  if (in.new_member_envs)
    for (const auto& [a, b] : *in.new_member_envs) k += '\x1d' + a + '=' + b;
  k += '\x1e';
  k += in.probes.endpoint_status_ok ? 'h' : '-';
  k += in.probes.listed_member_id.value_or("-");
  k += static_cast<char>('0' + static_cast<int>(in.probes.trial));
  k += in.probes.etcd_dies ? 'x' : '-';
  return k;
}

Launch decide(const etcd::DockerRun& dr, const std::map<std::string, std::string>& cenv, const std::string& version,
              const StartContext& ctx, std::optional<ClientReply> member_add_reply,
              const std::shared_ptr<BitnamiMemo>& memo) {
  etcd::BitnamiInput in;
  in.container_env = cenv;
  in.command = dr.command;
  in.data_dir.has_wal = ctx.data_has_wal;
  if (ctx.data_has_wal) in.data_dir.entries.push_back("member");
  if (ctx.new_member_envs) in.data_dir.entries.push_back("new_member_envs");
  in.new_member_envs = ctx.new_member_envs;
  const auto& env = memo->env;
  const auto& eps = memo->eps;
  const std::string my_peer = get(env, "ETCD_INITIAL_ADVERTISE_PEER_URLS");
  // etcdctl endpoint status --cluster / member list against the scripts' endpoint.
  for (const auto& ep : eps) {
    if (ctx.endpoint_healthy(ep)) in.probes.endpoint_status_ok = true;
    if (auto list = ctx.member_list(ep)) {
      for (const auto& m : *list)
        for (const auto& u : m.peer_urls)
          if (!my_peer.empty() && u == my_peer && !in.probes.listed_member_id)
            in.probes.listed_member_id = etcd::format_id(m.id);
    }
  }
  // The trial runs only with data present; without a WAL it bootstraps from its flags.
  in.probes.etcd_dies = !ctx.etcd_start_error.empty();
  in.probes.rbac_in_world = true;  // World::run_bitnami_rbac carries out etcd_configure_rbac
  const bool has_data = (ctx.data_has_wal || ctx.new_member_envs.has_value()) && !in.probes.etcd_dies;
  const std::string trial = has_data ? ctx.trial_outcome(ctx.data_has_wal ? TrialIdentity{} : trial_identity(*memo))
                                     : std::string("none");
  in.probes.trial = trial == "stream"        ? etcd::TrialOutcome::stream_established
                    : trial == "mismatch"    ? etcd::TrialOutcome::cluster_id_mismatch
                    : trial == "removed"     ? etcd::TrialOutcome::member_removed
                    : trial == "id_mismatch" ? etcd::TrialOutcome::member_id_mismatch
                                             : etcd::TrialOutcome::none_yet;
  if (member_add_reply) {
    in.probes.member_add_ok = member_add_reply->ok;
    if (member_add_reply->ok) {
      // The ETCD_* lines etcdctl member add prints (ctlv3 member.go).
      std::vector<std::string> conf;
      for (const auto& m : member_add_reply->members) {
        const std::string n = m.id == member_add_reply->member_id ? get(env, "ETCD_NAME") : m.name;
        for (const auto& u : m.peer_urls) conf.push_back(n + "=" + u);
      }
      in.probes.member_add_env = {{"ETCD_NAME", get(env, "ETCD_NAME")},
                                  {"ETCD_INITIAL_CLUSTER", etcd::join(conf, ",")},
                                  {"ETCD_INITIAL_ADVERTISE_PEER_URLS", my_peer},
                                  {"ETCD_INITIAL_CLUSTER_STATE", "existing"}};
    }
  }
  const std::string key = member_add_reply ? std::string() : memo_key(in);
  auto from_memo = [&ctx](const BitnamiMemo::Entry& e) {
    Launch l = e.launch;
    if (ctx.want_logs) l.logs = e.logs;
    return l;
  };
  if (!key.empty()) {
    auto hit = memo->launches.find(key);
    if (hit != memo->launches.end()) return from_memo(hit->second);
  }
  Launch l = plan_and_launch(version, ctx, in, member_add_reply.has_value(), memo);
  // A pending `member add` carries a continuation bound to this start: never reused.
  if (key.empty() || l.kind == Launch::Kind::MemberAddThenExec) return l;
  BitnamiMemo::Entry e;
  e.logs = std::move(l.logs);
  l.logs.clear();
  e.launch = std::move(l);
  return from_memo(memo->launches.emplace(key, std::move(e)).first->second);
}

Launch plan_and_launch(const std::string& version, const StartContext& ctx, const etcd::BitnamiInput& in,
                       bool after_member_add, const std::shared_ptr<BitnamiMemo>& memo) {
  const auto& env = memo->env;
  const auto& eps = memo->eps;
  const std::string my_peer = get(env, "ETCD_INITIAL_ADVERTISE_PEER_URLS");
  const etcd::BitnamiPlan plan = etcd::plan_bitnami_start(in);

  Launch l;
  if (plan.rbac_in_world) {
    // The lines up to "Starting etcd in background" now; the rest once the world has run
    // the RBAC step (World::run_bitnami_rbac).
    const auto cut = plan.log.begin() + static_cast<std::ptrdiff_t>(plan.rbac_log_index);
    l.logs = log_lines({plan.log.begin(), cut});
    Launch::BitnamiRbac rbac;
    rbac.root_password = get(env, "ETCD_ROOT_PASSWORD");
    rbac.endpoints = eps;
    rbac.logs_after = log_lines({cut, plan.log.end()});
    l.rbac = std::move(rbac);
  } else {
    l.logs = log_lines(plan.log);
  }
  // A `member add` the plan wants: perform it for real when its endpoint answers.
  bool wants_add = false;
  for (const auto& a : plan.actions)
    if (a.kind == etcd::BitnamiActionKind::etcdctl && a.detail.find("member add") != std::string::npos) wants_add = true;
  if (wants_add && !after_member_add) {
    bool reachable = false;
    for (const auto& ep : eps) reachable = reachable || ctx.member_list(ep).has_value();
    const bool empty_endpoints = [&] {
      for (const auto& a : plan.actions)
        if (a.detail.find("--endpoints= ") != std::string::npos) return true;
      return false;
    }();
    if (reachable && !empty_endpoints) {
      Launch add;
      add.kind = Launch::Kind::MemberAddThenExec;
      add.logs = {{"info", "bitnami: etcdctl member add " + get(env, "ETCD_NAME") + " --peer-urls=" + my_peer}};
      add.add_endpoints = eps;
      add.add_peer_urls = etcd::split(my_peer, ',');
      add.add_name = get(env, "ETCD_NAME");
      add.after_add = [ctx, memo](const ClientReply& r) {
        return decide(memo->dr, memo->cenv, memo->version, ctx, r, memo);
      };
      return add;
    }
  }
  for (const auto& a : plan.actions) {
    if (a.kind == etcd::BitnamiActionKind::remove_data_dir) l.wipe_data = true;
    // `etcdctl member add ... | grep "^ETCD_" > file`: the shell creates the file before
    // the pipeline fails, so a failed add leaves an EMPTY new_member_envs behind, and the
    // next start finds "data from previous deployments" (libetcd.sh add_new_member).
    if (a.kind == etcd::BitnamiActionKind::write_new_member_envs)
      l.new_member_envs = in.probes.member_add_ok ? in.probes.member_add_env : std::map<std::string, std::string>{};
  }
  switch (plan.outcome) {
    case etcd::BitnamiOutcome::exit_failure:
      l.kind = Launch::Kind::Fail;
      l.error = plan.error ? plan.error->message : "setup failed";
      return l;
    case etcd::BitnamiOutcome::blocked: {
      // The script waits forever; an etcd it started in the background keeps running.
      const etcd::BitnamiAction* bg = nullptr;
      std::string why;
      for (const auto& a : plan.actions) {
        if (a.kind == etcd::BitnamiActionKind::start_etcd_background) bg = &a;
        if (a.kind == etcd::BitnamiActionKind::stop_etcd) bg = nullptr;
        if (a.kind == etcd::BitnamiActionKind::blocked) why = a.detail;
      }
      l.logs.emplace_back("warn", "bitnami: setup is blocked: " + why);
      if (!bg || in.probes.etcd_dies) {
        l.kind = Launch::Kind::Block;
        return l;
      }
      l = exec_etcd_with({}, bg->env, version, l);
      if (l.kind == Launch::Kind::Exec) {
        l.kind = Launch::Kind::Block;
        l.block_etcd = true;
      }
      return l;
    }
    case etcd::BitnamiOutcome::exec_etcd: {
      Launch x = exec_etcd_with(plan.etcd_args, plan.etcd_env, version, l);
      if (x.kind == Launch::Kind::Exec) x.exec_delay = millis(plan.script_wait_ms);
      if (x.kind != Launch::Kind::Exec) x.rbac.reset();
      return x;
    }
  }
  return l;
}

}  // namespace

Launcher make_bitnami_launcher(const etcd::DockerRun& dr, const std::map<std::string, std::string>& cenv,
                               const std::string& version) {
  auto memo = std::make_shared<BitnamiMemo>();
  memo->dr = dr;
  memo->cenv = cenv;
  memo->version = version;
  memo->env = etcd::bitnami_env_defaults(cenv);
  memo->eps = etcdctl_endpoints(memo->env);
  return [memo](const StartContext& ctx) {
    return decide(memo->dr, memo->cenv, memo->version, ctx, std::nullopt, memo);
  };
}

std::string bitnami_data_dir(const std::map<std::string, std::string>& cenv) {
  const auto env = etcd::bitnami_env_defaults(cenv);
  const std::string d = get(env, "ETCD_DATA_DIR");
  return d.empty() ? "/bitnami/etcd/data" : d;
}

}  // namespace raftlab::sim
