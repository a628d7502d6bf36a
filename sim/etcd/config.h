// config.h — etcd's server configuration from command-line flags and ETCD_* env,
// with etcd's defaults, precedence, validation and wording.
//
//   auto r = parse_etcd_config({"--name", "etcd1", "--initial-cluster-state=new"}, env, {});
//   if (!r.ok()) print(r.error().message);            // e.g. flag provided but not defined: -nmae
//   const EtcdConfig& c = r.value().config;            // c.initial_cluster == "etcd1=http://localhost:2380"
//
// Order of operations, as etcd v3.5.18 does it (server/etcdmain/config.go
// newConfig/parse/configFromCmdLine, pkg/flags/flag.go SetFlagsFromEnv,
// server/embed/config.go Validate, server/etcdmain/etcd.go startEtcdOrProxyV2):
//  1. Go flag parsing of argv: `-flag`, `--flag`, `-flag=v`, `-flag v` (not for
//     booleans), `--` ends flags; the first non-flag word stops parsing and then
//     fails with "'%s' is not a valid flag".
//  2. --config-file / ETCD_CONFIG_FILE would replace everything (not modelled: error).
//  3. ETCD_<FLAG> env for every flag NOT given on the command line; empty values are
//     skipped; a flag given on the command line whose env var also exists is fatal;
//     every other ETCD_* variable is warned about as unrecognized.
//  4. listen-client-urls set without advertise-client-urls clears the advertise
//     default; discovery/discovery-srv without initial-cluster clears the default
//     initial cluster; then Validate().
//  5. UpdateDefaultClusterFromName: when --name is not "default" and initial-cluster
//     was left at its default, initial-cluster becomes name=<each advertise peer URL>
//     (this is how a member started without --initial-cluster bootstraps itself as a
//     one-member cluster). An empty data-dir becomes "<name>.etcd".
//
// Must never: read the real environment, files, DNS or the clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/etcd/wording.h"

namespace raftlab::etcd {

enum class EtcdVersion { v3_4, v3_5 };

struct InitialClusterEntry {
  std::string name;
  std::string url;  // canonical URL text
};

struct EtcdConfig {
  EtcdVersion version = EtcdVersion::v3_5;
  std::string name = "default";
  std::string data_dir;  // Invariant after parse: non-empty ("<name>.etcd" by default)
  std::string wal_dir;
  std::vector<std::string> listen_peer_urls{"http://localhost:2380"};
  std::vector<std::string> listen_client_urls{"http://localhost:2379"};
  std::vector<std::string> initial_advertise_peer_urls{"http://localhost:2380"};
  std::vector<std::string> advertise_client_urls{"http://localhost:2379"};
  // The initial-cluster string as etcd holds it after defaulting.
  std::string initial_cluster = "default=http://localhost:2380";
  // Parsed initial cluster in the order written (a name may repeat for several
  // URLs). Empty when initial_cluster is empty or failed to parse.
  std::vector<InitialClusterEntry> initial_cluster_entries;
  // PeerURLsMapAndToken's parse error for initial_cluster (etcd only reports it when
  // it bootstraps, i.e. without a WAL), already in etcd's wording.
  std::optional<std::string> initial_cluster_error;
  // embed.StartEtcd's parseCompactionRetention error for --auto-compaction-retention
  // ("error parsing CompactionRetention: time: invalid duration ..."): etcd reports it
  // after its listeners are up, so the member fails then, not at parse time.
  std::optional<std::string> compaction_retention_error;
  std::string initial_cluster_state = "new";
  std::string initial_cluster_token = "etcd-cluster";
  uint64_t heartbeat_interval_ms = 100;
  uint64_t election_timeout_ms = 1000;
  bool initial_election_tick_advance = true;
  bool strict_reconfig_check = true;
  bool pre_vote = true;  // 3.5 default; 3.4 default is false
  uint64_t snapshot_count = 100000;
  uint64_t snapshot_catchup_entries = 5000;  // --experimental-snapshot-catchup-entries
  std::string discovery;
  std::string discovery_srv;
  std::string discovery_srv_name;
  std::string discovery_proxy;
  bool force_new_cluster = false;
  std::string log_level = "info";
  std::string auth_token = "simple";
  // Every flag's effective value as text, by flag name (including unmodelled ones).
  std::map<std::string, std::string> values;
  std::set<std::string> set_by_flag;  // flag names given on the command line
  std::set<std::string> set_by_env;   // flag names taken from ETCD_* env

  bool is_new_cluster() const { return initial_cluster_state == "new"; }
  // election ticks as etcd computes them: ElectionMs / TickMs.
  uint64_t election_ticks() const { return election_timeout_ms / heartbeat_interval_ms; }
};

struct ParseOptions {
  EtcdVersion version = EtcdVersion::v3_5;
  // The host etcd would detect as its default route address (netutil
  // GetDefaultHost). nullopt models a failed detection. Used only when advertise
  // URLs are at their defaults and the listen URL is 0.0.0.0.
  std::optional<std::string> default_host;
};

struct ParsedConfig {
  EtcdConfig config;
  std::vector<LogLine> log;  // what etcd logs while parsing, in order
};

// args: etcd's argv WITHOUT argv[0]. env: the process environment.
Result<ParsedConfig> parse_etcd_config(const std::vector<std::string>& args,
                                       const std::map<std::string, std::string>& env,
                                       const ParseOptions& options = {});

// types.NewURLs on a comma-separated list; error text is etcd's. Used for every
// *-urls flag and for each initial-cluster entry.
Result<std::vector<std::string>> parse_urls(const std::string& comma_separated);

// types.NewURLsMap + (order-preserving) entries. Error text is etcd's.
Result<std::vector<InitialClusterEntry>> parse_initial_cluster(const std::string& s);

// pkg/flags FlagToEnv: "initial-cluster" -> "ETCD_INITIAL_CLUSTER".
std::string flag_to_env(const std::string& flag_name);

// All flag names etcd (3.5) registers, for did-you-mean and tests.
std::vector<std::string> etcd_flag_names();

}  // namespace raftlab::etcd
