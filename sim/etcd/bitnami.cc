// bitnami.cc — the Bitnami etcd image's start-up scripts as a pure plan (see bitnami.h).
#include "sim/etcd/bitnami.h"

#include <algorithm>
#include <cctype>

namespace raftlab::etcd {
namespace {

using Env = std::map<std::string, std::string>;

std::string get(const Env& env, const std::string& k) {
  auto it = env.find(k);
  return it == env.end() ? "" : it->second;
}

// libvalidations.sh is_boolean_yes: nocasematch, 1 | yes | true.
bool is_boolean_yes(const std::string& v) {
  std::string l = v;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  return l == "1" || l == "yes" || l == "true";
}

// `read -r -a initial_members <<<"$(tr ',;' ' ' <<<"$ETCD_INITIAL_CLUSTER")"`
std::vector<std::string> split_members(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',' || c == ';' || c == ' ' || c == '\t' || c == '\n') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

class Planner {
 public:
  explicit Planner(const BitnamiInput& in) : in_(in), env_(bitnami_env_defaults(in.container_env)) {}
  BitnamiPlan run();

 private:
  void info(std::string m) { plan_.log.push_back(LogLine{"info", std::move(m), {}}); }
  void warn(std::string m) { plan_.log.push_back(LogLine{"warn", std::move(m), {}}); }
  void error(std::string m) { plan_.log.push_back(LogLine{"error", std::move(m), {}}); }
  void debug(std::string m) { plan_.log.push_back(LogLine{"debug", std::move(m), {}}); }
  void act(BitnamiActionKind k, std::string detail, Env env = {}) {
    plan_.actions.push_back(BitnamiAction{k, std::move(detail), std::move(env)});
  }
  std::string auth_flags() const {
    const std::string pw = get(env_, "ETCD_ROOT_PASSWORD");
    return pw.empty() ? "" : " --user root:" + pw;
  }
  BitnamiPlan fail(Error e) {
    plan_.outcome = BitnamiOutcome::exit_failure;
    plan_.error = std::move(e);
    act(BitnamiActionKind::exit_failure, plan_.error->message);
    return plan_;
  }
  BitnamiPlan block(std::string why) {
    plan_.outcome = BitnamiOutcome::blocked;
    act(BitnamiActionKind::blocked, std::move(why));
    return plan_;
  }
  // get_member_id
  std::optional<std::string> get_member_id() {
    act(BitnamiActionKind::etcdctl, "etcdctl" + auth_flags() + " member list");
    if (!in_.probes.listed_member_id) {
      info(std::string(wording::kBitnamiNoMemberID));
      return std::nullopt;
    }
    info(go_format(wording::kBitnamiMemberID, {*in_.probes.listed_member_id}));
    return in_.probes.listed_member_id;
  }
  void remove_old_member_if_exist() {
    if (auto id = get_member_id()) {
      info(go_format(wording::kBitnamiRemovingOldMember, {*id}));
      act(BitnamiActionKind::etcdctl, "etcdctl member remove " + *id + auth_flags());
    }
  }
  bool setup();           // false = stopped (plan outcome set)
  bool initialize();      // etcd_initialize
  bool configure_rbac();  // etcd_configure_rbac
  void load_new_member_envs(const Env& file) {
    for (const auto& [k, v] : file) env_[k] = v;
  }

  const BitnamiInput& in_;
  Env env_;
  BitnamiPlan plan_;
  std::optional<Env> new_member_envs_;
};

bool Planner::setup() {
  // setup.sh: etcd_validate
  info(std::string(wording::kBitnamiValidating));
  bool bad = false;
  Error err;
  if (is_boolean_yes(get(env_, "ALLOW_NONE_AUTHENTICATION"))) {
    warn(go_format(wording::kBitnamiAllowNoneWarn, {get(env_, "ALLOW_NONE_AUTHENTICATION")}));
  } else if (get(env_, "ETCD_ROOT_PASSWORD").empty()) {
    error(std::string(wording::kBitnamiNoRootPassword));
    err = Error{"ETCD_ROOT_PASSWORD", std::string(wording::kBitnamiNoRootPassword),
                "add -e ETCD_ROOT_PASSWORD=<password>, or -e ALLOW_NONE_AUTHENTICATION=yes for a cluster without auth"};
    bad = true;
  }
  if (is_boolean_yes(get(env_, "ETCD_START_FROM_SNAPSHOT"))) {
    // The model has no snapshot files, so the check always fails.
    const std::string msg =
        "You are trying to initialize etcd from a snapshot, but no snapshot was found. Set the environment variable "
        "ETCD_INIT_SNAPSHOT_FILENAME with the snapshot filename and mount it at '" +
        get(env_, "ETCD_INIT_SNAPSHOTS_DIR") + "' directory.";
    error(msg);
    if (!bad) err = Error{"ETCD_START_FROM_SNAPSHOT", msg, "snapshot restore is not modelled; remove ETCD_START_FROM_SNAPSHOT"};
    bad = true;
  }
  if (bad) {
    fail(err);
    return false;
  }
  for (const auto& [k, v] : env_) {
    if (k.rfind("ETCD_CFG_", 0) == 0 && !v.empty()) {
      fail(Error{k, "ETCD_CFG_* variables make the image write etcd.yaml and start etcd with --config-file, "
                    "which ignores all other flags and ETCD_* variables; this model does not read config files",
                 "use the plain ETCD_* variables instead of ETCD_CFG_*"});
      return false;
    }
  }
  return initialize();
}

bool Planner::configure_rbac() {
  info(std::string(wording::kBitnamiStartingBackground));
  act(BitnamiActionKind::start_etcd_background, "etcd (setup: configure RBAC)", env_);
  act(BitnamiActionKind::etcdctl, "etcdctl member list (retry_while: up to 12 tries, 5 s apart)");
  if (in_.probes.rbac_in_world && !in_.probes.etcd_dies) {
    // The caller runs the step against the background etcd (member list, auth status,
    // user add, grant-role, auth enable, etcd_stop) with the script's timing.
    plan_.rbac_in_world = true;
    plan_.rbac_log_index = plan_.log.size();
    return true;
  }
  if (in_.probes.etcd_dies || !in_.probes.rbac_member_list_ok) {
    // retry_while gives up; the `if` has no else: no log line, auth stays off.
    plan_.script_wait_ms += 3000 + 12 * (2000 + 5000);
    if (in_.probes.etcd_dies) return true;  // etcd_stop: `! is_etcd_running && return`, silently
  } else {
    act(BitnamiActionKind::etcdctl, "etcdctl auth status");
    if (in_.probes.auth_already_enabled) {
      info(std::string(wording::kBitnamiAuthAlreadyEnabled));
    } else {
      info(std::string(wording::kBitnamiEnablingAuth));
      act(BitnamiActionKind::etcdctl, "etcdctl user add root --interactive=false");
      act(BitnamiActionKind::etcdctl, "etcdctl user grant-role root root");
      act(BitnamiActionKind::etcdctl, "etcdctl auth enable");
    }
  }
  info(std::string(wording::kBitnamiStoppingEtcd));
  act(BitnamiActionKind::stop_etcd, "etcd_stop (setup)");
  return true;
}

bool Planner::initialize() {
  info(std::string(wording::kBitnamiInitializing));
  info(std::string(wording::kBitnamiGeneratingConfig));
  const std::vector<std::string> members = split_members(get(env_, "ETCD_INITIAL_CLUSTER"));
  plan_.initial_members = members;
  const std::string my_peer = get(env_, "ETCD_INITIAL_ADVERTISE_PEER_URLS");
  if (in_.data_dir.empty()) {
    info(std::string(wording::kBitnamiNoData));
    if (members.size() > 1) {
      act(BitnamiActionKind::etcdctl, "etcdctl endpoint status --cluster" + auth_flags());
      if (!in_.probes.endpoint_status_ok) {
        info(std::string(wording::kBitnamiBootstrappingNew));
      } else {
        remove_old_member_if_exist();
        info(std::string(wording::kBitnamiAddingNewMember));
        // add_self_to_cluster: outside K8s is_healthy_etcd_cluster is always true
        // (no endpoints, 0 < (0+1)/2 is false) and ETCD_ACTIVE_ENDPOINTS stays empty.
        if (get_member_id()) {
          info(std::string(wording::kBitnamiNodeAlreadyInCluster));
        } else {
          act(BitnamiActionKind::etcdctl, "etcdctl member add " + get(env_, "ETCD_NAME") + auth_flags() +
                                              " --endpoints= --peer-urls=" + my_peer);
          if (!in_.probes.member_add_ok) {
            warn(std::string(wording::kBitnamiFailedAddSelf));
            return block("add_self_to_cluster retries `etcdctl member add` every 10 s forever (outside Kubernetes it "
                         "passes an empty --endpoints=, so the call cannot succeed)"),
                   false;
          }
          act(BitnamiActionKind::write_new_member_envs, get(env_, "ETCD_NEW_MEMBERS_ENV_FILE"));
          new_member_envs_ = in_.probes.member_add_env;
        }
        info(std::string(wording::kBitnamiLoadingEnvVars));
        if (new_member_envs_) load_new_member_envs(*new_member_envs_);
        else if (in_.new_member_envs) load_new_member_envs(*in_.new_member_envs);
      }
    }
  } else {
    info(std::string(wording::kBitnamiDetectedData));
    if (members.size() > 1) {
      (void)get_member_id();
      // is_healthy_etcd_cluster: outside K8s there are no endpoints to count, so it
      // always reports healthy.
      info(std::string(wording::kBitnamiClusterHealthy));
      act(BitnamiActionKind::start_etcd_background, "etcd (setup: is_node_still_a_member trial run)", env_);
      bool still_member = true;
      switch (in_.probes.trial) {
        case TrialOutcome::none_yet:
          if (in_.probes.etcd_dies)
            return block("is_node_still_a_member tails the trial etcd's log for a line that never comes: that etcd "
                         "died at once on its data dir"),
                   false;
          return block("is_node_still_a_member tails the trial etcd's log until a peer stream is established or an "
                       "ID mismatch is logged; meanwhile that trial etcd keeps running"),
                 false;
        case TrialOutcome::stream_established:
          info(std::string(wording::kBitnamiStoppingEtcd));
          act(BitnamiActionKind::stop_etcd, "etcd_stop (trial run)");
          info(std::string(wording::kBitnamiStillMember));
          break;
        case TrialOutcome::member_removed:
        case TrialOutcome::member_id_mismatch:
          info(std::string(wording::kBitnamiStoppingEtcd));
          act(BitnamiActionKind::stop_etcd, "etcd_stop (trial run)");
          info(std::string(wording::kBitnamiRemoteMemberIDDiffers));
          still_member = false;
          break;
        case TrialOutcome::cluster_id_mismatch:
          info(std::string(wording::kBitnamiStoppingEtcd));
          act(BitnamiActionKind::stop_etcd, "etcd_stop (trial run)");
          info(std::string(wording::kBitnamiRemoteClusterIDDiffers));
          still_member = false;
          break;
      }
      if (!still_member) {
        act(BitnamiActionKind::remove_data_dir, get(env_, "ETCD_DATA_DIR"));
        remove_old_member_if_exist();
        info(std::string(wording::kBitnamiAddingNewMember));
        act(BitnamiActionKind::etcdctl, "etcdctl member add " + get(env_, "ETCD_NAME") + auth_flags() + " --peer-urls=" + my_peer);
        act(BitnamiActionKind::write_new_member_envs, get(env_, "ETCD_NEW_MEMBERS_ENV_FILE"));
        if (!in_.probes.member_add_ok) {
          // `etcdctl member add ... | grep "^ETCD_" > file` fails under pipefail+errexit:
          // setup.sh exits, leaving an empty new_member_envs in a data dir without a WAL.
          fail(Error{"ETCD_INITIAL_CLUSTER",
                     "etcdctl member add failed during setup (no etcd answers on the default endpoint 127.0.0.1:2379); "
                     "setup.sh exits and the data dir has been deleted",
                     "remove the stale member with `etcdctl member remove`, then `etcdctl member add` it and start it with "
                     "ETCD_INITIAL_CLUSTER_STATE=existing"});
          return false;
        }
        new_member_envs_ = in_.probes.member_add_env;
      }
      env_["ETCD_INITIAL_CLUSTER_STATE"] = "existing";
    }
  }
  // RBAC, for new and existing deployments.
  const std::string pw = get(env_, "ETCD_ROOT_PASSWORD");
  if (members.size() > 1) {
    if (!pw.empty() && members[0].find(my_peer) != std::string::npos) {
      configure_rbac();
    } else {
      debug(go_format(wording::kBitnamiSkippingRBAC, {get(env_, "ETCD_NAME")}));
    }
  } else if (!pw.empty()) {
    configure_rbac();
  }
  return true;
}

BitnamiPlan Planner::run() {
  const bool default_cmd = in_.command.empty() || in_.command[0] == "/opt/bitnami/scripts/etcd/run.sh";
  if (default_cmd) {
    plan_.ran_setup = true;
    info(std::string(wording::kBitnamiSetupStart));
    if (!setup()) return plan_;
    info(std::string(wording::kBitnamiSetupFinished));
    // run.sh
    env_.erase("ETCD_ROOT_PASSWORD");
    if (new_member_envs_) load_new_member_envs(*new_member_envs_);
    else if (in_.new_member_envs) load_new_member_envs(*in_.new_member_envs);
    info(std::string(wording::kBitnamiStartingEtcd));
    plan_.etcd_args.assign(in_.command.size() > 1 ? in_.command.begin() + 1 : in_.command.end(), in_.command.end());
  } else {
    // entrypoint.sh: `exec "$@"` with etcd-env.sh's exports but no setup/validation,
    // and ETCD_ROOT_PASSWORD is NOT unset (run.sh is what unsets it).
    const std::string& bin = in_.command[0];
    if (bin != "etcd" && bin != "/opt/bitnami/etcd/bin/etcd" && bin != "/usr/local/bin/etcd") {
      plan_.outcome = BitnamiOutcome::exit_failure;
      plan_.error = Error{"command", "the container runs '" + bin + "', not etcd", "drop the command to use the image's default"};
      act(BitnamiActionKind::exit_failure, plan_.error->message);
      return plan_;
    }
    plan_.etcd_args.assign(in_.command.begin() + 1, in_.command.end());
  }
  plan_.etcd_env = env_;
  act(BitnamiActionKind::exec_etcd, "etcd", env_);
  plan_.outcome = BitnamiOutcome::exec_etcd;
  return plan_;
}

}  // namespace

bool is_bitnami_etcd_image(const std::string& image_repo) {
  return image_repo == "bitnami/etcd" || image_repo == "docker.io/bitnami/etcd" ||
         image_repo == "registry-1.docker.io/bitnami/etcd" || image_repo == "public.ecr.aws/bitnami/etcd";
}

std::map<std::string, std::string> bitnami_env_defaults(const std::map<std::string, std::string>& container_env) {
  Env e = container_env;
  // `export X="${X:-default}"`: the default applies when X is unset OR empty.
  auto dflt = [&](const char* k, const std::string& v) {
    if (get(e, k).empty()) e[k] = v;
  };
  // Constants (always overwritten, whatever -e said).
  e["BITNAMI_ROOT_DIR"] = "/opt/bitnami";
  e["BITNAMI_VOLUME_DIR"] = "/bitnami";
  dflt("MODULE", "etcd");
  dflt("BITNAMI_DEBUG", "false");
  e["ETCD_BASE_DIR"] = "/opt/bitnami/etcd";
  e["ETCD_VOLUME_DIR"] = "/bitnami/etcd";
  e["ETCD_BIN_DIR"] = "/opt/bitnami/etcd/bin";
  e["ETCD_DATA_DIR"] = "/bitnami/etcd/data";
  e["ETCD_CONF_DIR"] = "/opt/bitnami/etcd/conf";
  e["ETCD_DEFAULT_CONF_DIR"] = "/opt/bitnami/etcd/conf.default";
  e["ETCD_TMP_DIR"] = "/opt/bitnami/etcd/tmp";
  e["ETCD_CONF_FILE"] = "/opt/bitnami/etcd/conf/etcd.yaml";
  dflt("ETCD_SNAPSHOTS_DIR", "/snapshots");
  dflt("ETCD_SNAPSHOT_HISTORY_LIMIT", "1");
  dflt("ETCD_INIT_SNAPSHOTS_DIR", "/init-snapshot");
  e["ETCD_NEW_MEMBERS_ENV_FILE"] = "/bitnami/etcd/data/new_member_envs";
  e["ETCD_DAEMON_USER"] = "etcd";
  e["ETCD_DAEMON_GROUP"] = "etcd";
  dflt("ALLOW_NONE_AUTHENTICATION", "no");
  e["ETCD_ROOT_PASSWORD"] = get(e, "ETCD_ROOT_PASSWORD");
  e["ETCD_CLUSTER_DOMAIN"] = get(e, "ETCD_CLUSTER_DOMAIN");
  dflt("ETCD_START_FROM_SNAPSHOT", "no");
  dflt("ETCD_DISASTER_RECOVERY", "no");
  dflt("ETCD_ON_K8S", "no");
  e["ETCD_INIT_SNAPSHOT_FILENAME"] = get(e, "ETCD_INIT_SNAPSHOT_FILENAME");
  dflt("ETCDCTL_API", "3");
  e["ETCD_NAME"] = get(e, "ETCD_NAME");
  dflt("ETCD_LOG_LEVEL", "info");
  dflt("ETCD_LISTEN_CLIENT_URLS", "http://0.0.0.0:2379");
  dflt("ETCD_ADVERTISE_CLIENT_URLS", "http://127.0.0.1:2379");
  for (const char* k : {"ETCD_INITIAL_CLUSTER", "ETCD_INITIAL_CLUSTER_STATE", "ETCD_LISTEN_PEER_URLS",
                        "ETCD_INITIAL_ADVERTISE_PEER_URLS", "ETCD_INITIAL_CLUSTER_TOKEN", "ETCD_CERT_FILE", "ETCD_KEY_FILE",
                        "ETCD_TRUSTED_CA_FILE"})
    e[k] = get(e, k);
  dflt("ETCD_AUTO_TLS", "false");
  dflt("ETCD_CLIENT_CERT_AUTH", "false");
  dflt("ETCD_PEER_AUTO_TLS", "false");
  return e;
}

BitnamiPlan plan_bitnami_start(const BitnamiInput& in) {
  Planner p(in);
  return p.run();
}

}  // namespace raftlab::etcd
