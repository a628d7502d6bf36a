// bitnami.h — what the Bitnami etcd image (bitnami/etcd:3.5.x, debian-12) does
// between `docker run` and exec'ing etcd.
//
//   BitnamiInput in;  in.container_env = container_env(run);  in.command = run.command;
//   BitnamiPlan plan = plan_bitnami_start(in);
//   if (plan.outcome == BitnamiOutcome::exec_etcd)
//     parse_etcd_config(plan.etcd_args, plan.etcd_env);
//
// Sources: bitnami/containers bitnami/etcd/3.5/debian-12/rootfs/opt/bitnami/scripts/
// etcd/entrypoint.sh (accc995), etcd/run.sh (ab3ce6d), etcd-env.sh (417913f),
// libetcd.sh (6b9f461; 1aff4e2 has the same logic under other function names),
// and etcd/setup.sh (3.5/debian-11 14c6863 — the debian-12 copy is not in the
// index; 3.7/debian-12 435962e is identical). Shared helpers: libfs.sh
// is_mounted_dir_empty, libvalidations.sh is_boolean_yes, libos.sh retry_while
// (12 tries x 5 s). docs/etcd-behaviour.md quotes the lines each rule comes from.
//
// Everything the scripts learn by running etcdctl (which talks to the default
// endpoint 127.0.0.1:2379 unless ETCDCTL_ENDPOINTS is set, because the non-K8s
// path passes no --endpoints) arrives as BitnamiProbes answers, so this stays pure.
//
// Must never: run anything, read files, read the clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/etcd/wording.h"

namespace raftlab::etcd {

// What is under ETCD_DATA_DIR (/bitnami/etcd/data) when the container starts.
struct BitnamiDataDir {
  bool has_wal = false;                 // member/ exists (etcd will restart from it)
  std::vector<std::string> entries;     // every entry directly under the data dir
  bool empty() const { return entries.empty() && !has_wal; }
};

// is_node_still_a_member: the first matching line of the trial etcd's log.
enum class TrialOutcome {
  stream_established,   // "established TCP streaming connection with remote peer"
  member_removed,       // "the member has been permanently removed from the cluster"
  member_id_mismatch,   // "ignored streaming request; ID mismatch"
  cluster_id_mismatch,  // "\"error\":\"cluster ID mismatch\""
  none_yet,             // no such line (yet): the script keeps tailing the log
};

struct BitnamiProbes {
  // is_new_etcd_cluster: `etcdctl endpoint status --cluster` succeeded.
  bool endpoint_status_ok = false;
  // get_member_id: `etcdctl member list | grep -w $ETCD_INITIAL_ADVERTISE_PEER_URLS`
  // gave this ID (hex); nullopt when the command failed or no line matched.
  std::optional<std::string> listed_member_id;
  TrialOutcome trial = TrialOutcome::stream_established;
  // add_new_member / add_self_to_cluster: `etcdctl member add` succeeded and printed
  // these ETCD_* lines (ETCD_NAME, ETCD_INITIAL_CLUSTER, ...).
  bool member_add_ok = false;
  std::map<std::string, std::string> member_add_env;
  // etcd_configure_rbac: `etcdctl member list` answered within retry_while's 12 tries.
  bool rbac_member_list_ok = true;
  bool auth_already_enabled = false;
  // The caller runs etcd_configure_rbac's etcdctl calls itself, against the background
  // etcd, with the script's timing (sim/world_bitnami.cc): the plan then stops the step
  // after "Starting etcd in background" and marks where (BitnamiPlan::rbac_log_index);
  // rbac_member_list_ok and auth_already_enabled are not read.
  bool rbac_in_world = false;
  // Every etcd the scripts start dies at once (its data dir is not accessible): the trial
  // run never logs a matching line, the RBAC run never answers, and etcd_stop finds nothing
  // to stop.
  bool etcd_dies = false;
};

struct BitnamiInput {
  std::map<std::string, std::string> container_env;  // from docker -e (image ENV not needed)
  std::vector<std::string> command;  // argv after the image; empty = image CMD (run.sh)
  BitnamiDataDir data_dir;
  // new_member_envs from an earlier `member add` (file in the data dir), if present.
  std::optional<std::map<std::string, std::string>> new_member_envs;
  BitnamiProbes probes;
};

enum class BitnamiActionKind {
  start_etcd_background,  // etcd started with the current env (trial or RBAC run)
  stop_etcd,
  etcdctl,                // detail = the etcdctl argv as the script runs it
  remove_data_dir,        // rm -rf "$ETCD_DATA_DIR"
  write_new_member_envs,
  exec_etcd,
  exit_failure,
  blocked,                // the script waits forever (detail says on what)
};

struct BitnamiAction {
  BitnamiActionKind kind;
  std::string detail;
  std::map<std::string, std::string> env;  // for start_etcd_background / exec_etcd
};

enum class BitnamiOutcome { exec_etcd, exit_failure, blocked };

struct BitnamiPlan {
  BitnamiOutcome outcome = BitnamiOutcome::exec_etcd;
  bool ran_setup = false;  // entrypoint ran setup.sh (only for the default run.sh command)
  std::vector<LogLine> log;
  std::vector<BitnamiAction> actions;
  std::map<std::string, std::string> etcd_env;  // environment of the exec'd etcd
  std::vector<std::string> etcd_args;           // argv[1..] of the exec'd etcd
  std::optional<Error> error;                   // why the container exits
  std::vector<std::string> initial_members;     // ETCD_INITIAL_CLUSTER split as the script does
  // How long the scripts spend before exec'ing etcd, where the model times it: the RBAC
  // step whose `retry_while "etcdctl member list"` never succeeds (etcd_start_bg's
  // `sleep 3`, then 12 tries, each etcdctl's 2 s --dial-timeout plus retry_while's 5 s sleep).
  std::int64_t script_wait_ms = 0;
  // probes.rbac_in_world and the RBAC step ran with a background etcd that starts: the
  // caller carries out the step; `log` lines from this index on come after it.
  bool rbac_in_world = false;
  std::size_t rbac_log_index = 0;
};

// True when the image is a Bitnami etcd image ("bitnami/etcd", "docker.io/bitnami/etcd", ...).
bool is_bitnami_etcd_image(const std::string& image_repo);

// etcd-env.sh applied to the container env (the defaults every process in the
// container inherits).
std::map<std::string, std::string> bitnami_env_defaults(const std::map<std::string, std::string>& container_env);

BitnamiPlan plan_bitnami_start(const BitnamiInput& in);

}  // namespace raftlab::etcd
