// sim/etcd/discovery.h — etcd's bootstrap through discovery, as pure rules:
//  * --discovery URL (v2discovery, etcd v3.4.27 etcdserver/api/v2discovery/discovery.go
//    and v3.5.18 server/etcdserver/api/v2discovery/discovery.go, the same logic): the
//    URL's path is the token; `checkCluster` reads `<token>/_config/size` and the token's
//    registrations (sorted by created index) and finds the member's place among the first
//    `size`; `nodesToCluster` turns `size` registrations into the initial cluster.
//    The member side (requests, retries, the watch) is sim/etcd/member_discovery.cc.
//  * --discovery-srv DOMAIN (+ --discovery-srv-name): embed/config.go
//    GetDNSClusterNames and PeerURLsMapAndToken, client/pkg/srv/srv.go GetCluster.
//
//   SrvResult r = srv_cluster(cfg, dns);   // r.entries: the initial cluster; r.error: etcd's
//
// Must never: contact anything (the DNS table and the service's answers are inputs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/discovery.h"
#include "sim/etcd/config.h"
#include "sim/etcd/wording.h"

namespace raftlab::etcd {

namespace wording {
// v2discovery/discovery.go var block (v3.4.27 and v3.5.18 alike).
inline constexpr std::string_view kErrBadSizeKey = "discovery: size key is bad";
inline constexpr std::string_view kErrSizeNotFound = "discovery: size key not found";
inline constexpr std::string_view kErrDuplicateID = "discovery: found duplicate id";
inline constexpr std::string_view kErrDuplicateName = "discovery: found duplicate name";
inline constexpr std::string_view kErrFullCluster = "discovery: cluster is full";
// client/v2 keys.go Error.Error() ("%v: %v (%v) [%v]") of v2 store error 100
// (server/etcdserver/api/v2error EcodeKeyNotFound "Key not found").
inline constexpr std::string_view kKeyNotFound = "100: Key not found (%s) [%s]";
// etcdserver/errors.go DiscoveryError.Error(): "failed to %s discovery cluster (%v)".
inline constexpr std::string_view kDiscoveryErrorFormat = "failed to %s discovery cluster (%v)";
// server.go NewServer after JoinCluster.
inline constexpr std::string_view kDiscoveryDuplicateURL = "discovery cluster %s has duplicate url";
// client/v2/cluster_error.go ClusterError.Error() with client.go ErrClusterUnavailable.
inline constexpr std::string_view kClusterUnavailable = "client: etcd cluster is unavailable or misconfigured";
// Go's context.DeadlineExceeded (client.DefaultRequestTimeout = 5s ran out).
inline constexpr std::string_view kDeadlineExceeded = "context deadline exceeded";
// v2discovery logAndBackoffForRetry / checkCluster / waitNodes messages.
inline constexpr std::string_view kRetryConnecting = "retry connecting to discovery service";
inline constexpr std::string_view kFailedToGetFromDiscovery = "failed to get from discovery server";
inline constexpr std::string_view kFoundSelf = "found self from discovery server";
inline constexpr std::string_view kFoundPeer = "found peer from discovery server";
inline constexpr std::string_view kWaitingForMore = "found peers from discovery server; waiting for more";
inline constexpr std::string_view kFoundAllPeers = "found all needed peers from discovery server";
// etcdmain/etcd.go startEtcdOrProxyV2 on a DiscoveryError.
inline constexpr std::string_view kRegisteredWithDiscovery = "member has been registered with discovery service";
inline constexpr std::string_view kNoValidClusterConfig = "but could not find valid cluster configuration";
inline constexpr std::string_view kCheckDataDir = "check data dir if previous bootstrap succeeded";
inline constexpr std::string_view kOrUseNewToken = "or use a new discovery token if previous bootstrap failed";
inline constexpr std::string_view kDuplicatedNameRegistered = "member with duplicated name has already been registered";
inline constexpr std::string_view kCurlTokenURL = "cURL the discovery token URL for details";
inline constexpr std::string_view kTokenAlreadyUsed = "failed to bootstrap; discovery token was already used";
inline constexpr std::string_view kDoNotReuseToken = "do not reuse discovery token; generate a new one to bootstrap a cluster";
inline constexpr std::string_view kFallingBackToProxy = "discovery cluster is full, falling back to proxy";
inline constexpr std::string_view kProxyStarting = "v2 API proxy starting";
// embed/config.go GetDNSClusterNames / PeerURLsMapAndToken, client/pkg/srv/srv.go.
inline constexpr std::string_view kGetClusterSslSrv = "get cluster for etcd-server-ssl SRV";
inline constexpr std::string_view kGetClusterSrv = "get cluster for etcd-server SRV";
inline constexpr std::string_view kFailedToResolveSrv = "failed to resolve during SRV discovery";
inline constexpr std::string_view kGotBootstrapFromDns = "got bootstrap from DNS for etcd-server";
inline constexpr std::string_view kCannotFindInSrv = "cannot find local etcd member %q in SRV records";
inline constexpr std::string_view kErrorQueryingSrv = "error querying DNS SRV records for _%s %s";
inline constexpr std::string_view kSrvSchemeMismatch = "bootstrap at %s from DNS for %s has scheme mismatch with expected peer %s";
}  // namespace wording

// A --discovery URL split as v2discovery.newDiscovery does (url.Parse; the path is the
// token, the rest the endpoint).
struct DiscoveryUrl {
  std::string scheme, host;
  int port = 0;
  std::string token;  // u.Path, e.g. "/v2/keys/discovery/6c007a14875d53d9bf0ef5a6fc0257c8"
  std::string endpoint() const { return scheme + "://" + host + ":" + std::to_string(port); }
};
// The URL, or an error for the scenario's author (exit 2 before the run): raftlab needs
// scheme://host[:port]/token to know which declared service a member talks to.
Result<DiscoveryUrl> parse_discovery_url(const std::string& durl);
// --discovery-srv must be a DNS domain (letters, digits, '-', dots; no scheme, port or path).
std::optional<Error> check_srv_domain(const std::string& domain, const char* flag);

// The member's InitialPeerURLsMap.String() as it registers it: "name=url,..." sorted.
std::string self_registration(const EtcdConfig& c);

// checkCluster's verdict over the token's registrations (sorted by created index):
// `full` when `size` members registered before this one.
struct ClusterCheck {
  std::vector<sim::DiscoveryNode> nodes;  // nodes[:size] when full
  bool full = false;
};
ClusterCheck check_cluster(std::vector<sim::DiscoveryNode> nodes, std::uint64_t size, const std::string& self_key);

// strconv.ParseUint(value, 10, 0); nullopt: ErrBadSizeKey.
std::optional<std::uint64_t> parse_size(const std::string& value);

// nodesToCluster: the registrations' values joined by ","; the error when two share a name.
struct ClusterText {
  std::string text;
  std::vector<InitialClusterEntry> entries;
  std::optional<std::string> error;  // kErrDuplicateName, or a types.NewURLsMap error
};
ClusterText nodes_to_cluster(const std::vector<sim::DiscoveryNode>& nodes, std::uint64_t size);

// The SRV bootstrap: what PeerURLsMapAndToken returns for --discovery-srv, with the log
// lines GetDNSClusterNames and PeerURLsMapAndToken write.
struct SrvResult {
  std::vector<InitialClusterEntry> entries;  // "name=scheme://target:port" as found
  std::vector<LogLine> log;
  std::optional<std::string> error;          // etcd's error text (startEtcd fails with it)
};
SrvResult srv_cluster(const EtcdConfig& c, const sim::DnsTable& dns);

}  // namespace raftlab::etcd
