// bootstrap.h — what etcd decides at start-up from its config and its data dir,
// and the membership checks of runtime reconfiguration.
//
//   BootstrapInput in{cfg};                 // empty data dir, no peers answering
//   Decision d = decide_bootstrap(in);      // d.kind == BootstrapKind::new_cluster
//
// Sources (etcd v3.5.18): server/etcdmain/etcd.go startEtcdOrProxyV2 and
// identifyDataDirOrDie; server/embed/etcd.go StartEtcd (PeerURLsMapAndToken only
// when the member is not initialized); server/etcdserver/server.go NewServer's
// three cases (!haveWAL && !NewCluster, !haveWAL && NewCluster, haveWAL);
// server/config/config.go VerifyBootstrap / VerifyJoinExisting /
// advertiseMatchesCluster; membership/cluster.go NewClusterFromURLsMap,
// ValidateClusterAndAssignIDs, IsReadyToAddVotingMember,
// IsReadyToRemoveVotingMember; cluster_util.go isMemberBootstrapped and
// GetClusterFromRemotePeers; server.go mayAddMember / mayRemoveMember.
//
// Host names in URLs are compared as text, except after an SRV bootstrap, where
// the scenario's DNS table resolves them first (as etcd's URLStringsEqual does).
// Discovery (--discovery, --discovery-srv): sim/etcd/discovery.h.
//
// Must never: contact anything (remote answers are inputs), read the clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/discovery.h"
#include "sim/etcd/config.h"
#include "sim/etcd/wording.h"

namespace raftlab::etcd {

struct MemberInfo {
  uint64_t id = 0;
  std::string name;                    // "" until the member has published its attributes
  std::vector<std::string> peer_urls;  // sorted (types.NewURLs sorts)
  std::vector<std::string> client_urls;  // published with the name when the member starts
  bool is_learner = false;
};

// What the data dir holds. etcd only distinguishes "has member/ (WAL)" from not.
struct DataDirState {
  bool has_wal = false;
  uint64_t member_id = 0;   // from the WAL metadata; valid when has_wal
  uint64_t cluster_id = 0;  // from the WAL metadata; valid when has_wal
  std::vector<MemberInfo> members;  // membership recovered from the WAL/snapshot
  // Other entries directly under the data dir (e.g. Bitnami's new_member_envs);
  // etcd warns "found invalid file under data directory" for each.
  std::vector<std::string> other_entries;
};

// The answer of the first peer that answered GET /members (X-Etcd-Cluster-ID).
struct RemoteCluster {
  uint64_t cluster_id = 0;
  std::vector<MemberInfo> members;
};

struct BootstrapInput {
  EtcdConfig config;
  DataDirState data_dir;
  // nullopt: no remote peer answered (all down / unreachable).
  std::optional<RemoteCluster> remote;
};

// The initial cluster found through discovery before the decision (--discovery: the
// token's registrations, once `size` registered; --discovery-srv: the SRV records), or
// the error that ended the search (sim/etcd/discovery.h).
struct Discovered {
  std::vector<InitialClusterEntry> entries;
  std::vector<LogLine> log;            // lines written while finding it (SRV)
  std::optional<std::string> error;    // SRV: the error startEtcd fails with
  const sim::DnsTable* dns = nullptr;  // SRV: URLs compare after resolving (URLStringsEqual)
};

enum class BootstrapKind { restart_from_wal, new_cluster, join_existing, fatal, unsupported };

struct Decision {
  BootstrapKind kind = BootstrapKind::fatal;
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  std::vector<MemberInfo> members;  // initial membership, sorted by ID
  std::vector<LogLine> log;
  std::optional<Error> error;  // set for fatal / unsupported; message in etcd's words
};

Decision decide_bootstrap(const BootstrapInput& in);
// The same without building a BootstrapInput (no copy of the configuration).
// `discovered`: required without a WAL when --discovery (state new) or --discovery-srv
// is set, and then what the member found (sim/etcd/member_discovery.cc).
Decision decide_bootstrap(const EtcdConfig& config, const DataDirState& data_dir,
                          const std::optional<RemoteCluster>& remote, const Discovered* discovered = nullptr);

std::string to_string(BootstrapKind k);

// ---- runtime membership checks ---------------------------------------------

// IsReadyToAddVotingMember over the current voting members (`started` = has a name, as
// membership.Member.IsStarted(): len(Name) != 0).
bool is_ready_to_add_voting_member(const std::vector<MemberInfo>& voting_members);
// IsReadyToRemoveVotingMember.
bool is_ready_to_remove_voting_member(const std::vector<MemberInfo>& voting_members, uint64_t id);

struct ReconfigCheckInput {
  bool strict_reconfig_check = true;
  std::vector<MemberInfo> members;  // all members (voting and learners)
  std::vector<uint64_t> removed_ids;
  uint64_t local_id = 0;
  // Peers the local member has been connected to for the last HealthInterval (5s)
  // (rafthttp ActiveSince); the local member counts as connected.
  std::vector<uint64_t> connected_since_health_interval;
};

// EtcdServer.AddMember checks then ValidateConfigurationChange, with the client
// visible error (rpctypes) on refusal.
std::optional<Error> check_member_add(const ReconfigCheckInput& in, const MemberInfo& new_member);
std::optional<Error> check_member_remove(const ReconfigCheckInput& in, uint64_t id);

}  // namespace raftlab::etcd
