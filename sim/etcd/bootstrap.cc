// bootstrap.cc — etcd's start-up decision and reconfiguration checks (see bootstrap.h).
#include "sim/etcd/bootstrap.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <set>

#include "sim/etcd/discovery.h"
#include "sim/etcd/ids.h"

namespace raftlab::etcd {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// types.URLsMap: name -> sorted URLs (std::map iterates by name, as String() sorts).
using UrlsMap = std::map<std::string, std::vector<std::string>>;

UrlsMap urls_map(const std::vector<InitialClusterEntry>& entries) {
  UrlsMap m;
  for (const auto& e : entries) m[e.name].push_back(e.url);
  for (auto& [name, urls] : m) std::sort(urls.begin(), urls.end());
  return m;
}

// URLsMap.String(): "name=url" pairs sorted.
std::string urls_map_string(const UrlsMap& m) {
  std::vector<std::string> pairs;
  for (const auto& [name, urls] : m)
    for (const auto& u : urls) pairs.push_back(name + "=" + u);
  std::sort(pairs.begin(), pairs.end());
  return join(pairs, ",");
}

bool has_duplicate_url(const UrlsMap& m) {
  std::set<std::string> seen;
  for (const auto& [name, urls] : m)
    for (const auto& u : urls)
      if (!seen.insert(u).second) return true;
  return false;
}

// netutil.URLStringsEqual without DNS: equal text after sorting. Returns the error
// etcd would carry ("" when equal).
std::string urls_equal_error(std::vector<std::string> a, std::vector<std::string> b) {
  if (a.size() != b.size()) return go_format(wording::kURLsLenMismatch, {go_quote_list(a), go_quote_list(b)});
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return go_format(wording::kResolvedURLsMismatch, {a[i], b[i]});
  return "";
}

// fmt "%+v" of *membership.Member (3.5 layout).
std::string member_plus_v(const MemberInfo& m) {
  return "&{ID:" + format_id(m.id) + " RaftAttributes:{PeerURLs:[" + join(m.peer_urls, " ") +
         "] IsLearner:" + (m.is_learner ? "true" : "false") + "} Attributes:{Name:" + m.name + " ClientURLs:[" +
         join(m.client_urls, " ") + "]}}";
}

// RaftCluster.String() (members sorted by ID here; etcd iterates a Go map).
std::string cluster_string(const RemoteCluster& rc) {
  std::vector<MemberInfo> ms = rc.members;
  std::sort(ms.begin(), ms.end(), [](const MemberInfo& x, const MemberInfo& y) { return x.id < y.id; });
  std::vector<std::string> parts;
  for (const auto& m : ms) parts.push_back(member_plus_v(m));
  return "{ClusterID:" + format_id(rc.cluster_id) + " Members:[" + join(parts, " ") + "] RemovedMemberIDs:[]}";
}

// The inputs by reference: the decision runs at every member start and must not copy
// the configuration.
struct InputView {
  const EtcdConfig& config;
  const DataDirState& data_dir;
  const std::optional<RemoteCluster>& remote;
  const Discovered* discovered;
};

Decision fatal(Decision d, const std::string& field, const std::string& message, const std::string& fix) {
  d.kind = BootstrapKind::fatal;
  // etcdmain/etcd.go: startEtcd's error is logged as a warning, then (not being a
  // discovery or "--initial-cluster ... include" error) fatally as "discovery failed".
  d.log.push_back(LogLine{"warn", std::string(wording::kFailedToStartEtcd), {{"error", message}}});
  d.log.push_back(LogLine{"fatal", "discovery failed", {{"error", message}}});
  d.error = Error{field, message, fix};
  return d;
}

// NewClusterFromURLsMap: one member per name, IDs from sorted URLs + token.
Result<std::vector<MemberInfo>> cluster_from_urls_map(const UrlsMap& m, const std::string& token) {
  std::vector<MemberInfo> out;
  std::set<uint64_t> ids;
  for (const auto& [name, urls] : m) {
    MemberInfo mi{compute_member_id(urls, token), name, urls, {}, false};
    if (!ids.insert(mi.id).second)
      return Error{"--initial-cluster", go_format(wording::kMemberIdenticalID, {member_plus_v(mi)}), "give every member distinct peer URLs"};
    out.push_back(mi);
  }
  std::sort(out.begin(), out.end(), [](const MemberInfo& a, const MemberInfo& b) { return a.id < b.id; });
  return out;
}

// server/config/config.go advertiseMatchesCluster.
// A URL with its host resolved through the scenario's DNS (netutil.resolveTCPAddrs).
std::string resolved_url(const std::string& url, const sim::DnsTable& dns) {
  const size_t p = url.find("://");
  if (p == std::string::npos) return url;
  const size_t colon = url.rfind(':');
  if (colon == std::string::npos || colon <= p) return url;
  const auto ip = dns.resolve(url.substr(p + 3, colon - p - 3));
  return ip ? url.substr(0, p + 3) + *ip + url.substr(colon) : url;
}

std::optional<std::string> advertise_matches_cluster(const EtcdConfig& c, const UrlsMap& m, const sim::DnsTable* dns) {
  std::vector<std::string> urls = m.at(c.name);
  std::vector<std::string> apurls = c.initial_advertise_peer_urls;
  std::sort(apurls.begin(), apurls.end());
  if (dns != nullptr) {
    std::vector<std::string> a, b;
    for (const auto& u : urls) a.push_back(resolved_url(u, *dns));
    for (const auto& u : apurls) b.push_back(resolved_url(u, *dns));
    if (urls_equal_error(a, b).empty()) return std::nullopt;
  }
  const std::string err = urls_equal_error(apurls, urls);
  if (err.empty()) return std::nullopt;
  std::set<std::string> init_set(urls.begin(), urls.end()), ap_set(apurls.begin(), apurls.end());
  std::vector<std::string> missing;
  for (const auto& u : init_set)
    if (!ap_set.count(u)) missing.push_back(c.name + "=" + u);
  if (!missing.empty())
    return go_format(wording::kInitialClusterMissingFromAdvertise, {join(missing, ","), join(apurls, ","), err});
  for (const auto& u : ap_set)
    if (!init_set.count(u)) missing.push_back(u);
  UrlsMap self{{c.name, apurls}};
  if (!missing.empty())
    return go_format(wording::kAdvertiseMissingFromInitialCluster, {join(missing, ","), urls_map_string(self)});
  return go_format(wording::kFailedToResolveAdvertise, {join(apurls, ","), urls_map_string(self), err});
}

Decision restart(const InputView& in, Decision d) {
  const EtcdConfig& c = in.config;
  if (!c.discovery.empty() || !c.discovery_srv.empty())
    d.log.push_back(LogLine{"warn", std::string(wording::kDiscoveryIgnoredHaveWAL), {{"wal-dir", c.data_dir + "/member/wal"}}});
  d.kind = BootstrapKind::restart_from_wal;
  d.member_id = in.data_dir.member_id;
  d.cluster_id = in.data_dir.cluster_id;
  d.members = in.data_dir.members;
  if (c.force_new_cluster) {
    // restartAsStandaloneNode: every other member is removed from the conf state. The WAL
    // rewrite and its log lines ("discarding uncommitted WAL entries", "forcing restart
    // member" with the new commit index) depend on the WAL's entries: the member does
    // them (sim/etcd/standalone.h, member_bootstrap.cc).
    d.members.erase(std::remove_if(d.members.begin(), d.members.end(),
                                   [&](const MemberInfo& m) { return m.id != d.member_id; }),
                    d.members.end());
  } else {
    d.log.push_back(LogLine{"info", std::string(wording::kRestartingLocalMember),
                            {{"cluster-id", format_id(d.cluster_id)}, {"local-member-id", format_id(d.member_id)}}});
  }
  return d;
}

Decision join_existing(const InputView& in, const UrlsMap& m, Decision d) {
  const EtcdConfig& c = in.config;
  // VerifyJoinExisting
  if (!m.count(c.name))
    return fatal(d, "--name", go_format(wording::kLocalNameNotFound, {c.name}),
                 "add " + c.name + "=<its peer URL> to --initial-cluster (ETCD_INITIAL_CLUSTER), as printed by `etcdctl member add`");
  if (has_duplicate_url(m))
    return fatal(d, "--initial-cluster", go_format(wording::kInitialClusterDuplicateURL, {urls_map_string(m)}), "list each peer URL once");
  if (!c.discovery.empty())
    return fatal(d, "--discovery", std::string(wording::kDiscoveryWithExisting), "remove --discovery when joining an existing cluster");
  auto local = cluster_from_urls_map(m, c.initial_cluster_token);
  if (!local.ok()) return fatal(d, local.error().field, local.error().message, local.error().fix);
  const bool has_remote_urls = m.size() > 1;
  const std::string fetch_fix =
      "start the existing members first and list their peer URLs in --initial-cluster; "
      "--initial-cluster-state=existing only joins a running cluster";
  if (!has_remote_urls || !in.remote)
    return fatal(d, "--initial-cluster-state",
                 go_format(wording::kCannotFetchClusterInfo, {std::string(wording::kCouldNotRetrieveCluster)}), fetch_fix);
  if (in.remote->members.empty())
    return fatal(d, "--initial-cluster-state", go_format(wording::kCannotFetchClusterInfo, {std::string(wording::kNoRemoteMembers)}),
                 fetch_fix);
  // ValidateClusterAndAssignIDs
  std::vector<MemberInfo> lms = local.value();
  const auto& ems = in.remote->members;
  const std::string validate_fix =
      "--initial-cluster must list exactly the running cluster's members (see `etcdctl member list`) plus this one, "
      "after `etcdctl member add`";
  if (ems.size() != lms.size())
    return fatal(d, "--initial-cluster",
                 go_format(wording::kErrorValidatingPeerURLs, {cluster_string(*in.remote), std::string(wording::kMemberCountUnequal)}),
                 validate_fix);
  std::vector<bool> assigned(lms.size(), false);
  for (const auto& em : ems) {
    std::string last_err = "<nil>";
    bool ok = false;
    for (size_t j = 0; j < lms.size(); ++j) {
      const std::string e = urls_equal_error(em.peer_urls, lms[j].peer_urls);
      if (e.empty()) {
        lms[j].id = em.id;
        assigned[j] = true;
        ok = true;
        break;
      }
      last_err = e;
    }
    if (!ok) {
      const std::string inner = go_format(wording::kPeerURLsNoMatch, {format_id(em.id), "[" + join(em.peer_urls, " ") + "]", last_err});
      return fatal(d, "--initial-cluster", go_format(wording::kErrorValidatingPeerURLs, {cluster_string(*in.remote), inner}),
                   validate_fix);
    }
  }
  const auto self = std::find_if(lms.begin(), lms.end(), [&](const MemberInfo& x) { return x.name == c.name; });
  assert(self != lms.end());
  d.kind = BootstrapKind::join_existing;
  d.member_id = self->id;
  d.cluster_id = in.remote->cluster_id;
  d.members = ems;
  d.log.push_back(LogLine{"info", std::string(wording::kStartingLocalMember),
                          {{"local-member-id", format_id(d.member_id)}, {"cluster-id", format_id(d.cluster_id)}}});
  return d;
}

// `token`: --initial-cluster-token, or the discovery URL (PeerURLsMapAndToken). With
// --discovery, VerifyBootstrap ran on the member's own entry before JoinCluster (it
// always passes) and the cluster found is only checked for duplicate URLs.
Decision new_cluster(const InputView& in, const UrlsMap& m, Decision d, const std::string& token, bool durl) {
  const EtcdConfig& c = in.config;
  if (durl) {
    if (has_duplicate_url(m))
      return fatal(d, "--discovery", go_format(wording::kDiscoveryDuplicateURL, {urls_map_string(m)}),
                   "use a fresh discovery token: two registrations of this one share a peer URL");
  } else {
    // VerifyBootstrap
    if (!m.count(c.name))
      return fatal(d, "--name", go_format(wording::kLocalNameNotFound, {c.name}),
                   "make --name (ETCD_NAME) one of the names in --initial-cluster (ETCD_INITIAL_CLUSTER)");
    if (auto err = advertise_matches_cluster(c, m, in.discovered ? in.discovered->dns : nullptr))
      return fatal(d, "--initial-advertise-peer-urls", *err,
                   "make --initial-advertise-peer-urls equal the URL(s) given for " + c.name + " in --initial-cluster");
    if (has_duplicate_url(m))
      return fatal(d, "--initial-cluster", go_format(wording::kInitialClusterDuplicateURL, {urls_map_string(m)}), "list each peer URL once");
  }
  if (!m.count(c.name))
    return fatal(d, "--discovery", go_format(wording::kLocalNameNotFound, {c.name}),
                 "the token's registrations do not name this member: use a fresh discovery token");
  auto cl = cluster_from_urls_map(m, token);
  if (!cl.ok()) return fatal(d, cl.error().field, cl.error().message, cl.error().fix);
  const auto self = std::find_if(cl.value().begin(), cl.value().end(), [&](const MemberInfo& x) { return x.name == c.name; });
  assert(self != cl.value().end());
  // isMemberBootstrapped: a peer already lists this ID with client URLs.
  if (in.remote) {
    for (const auto& rm : in.remote->members) {
      if (rm.id == self->id && !rm.client_urls.empty())
        return fatal(d, "--initial-cluster-state", go_format(wording::kAlreadyBootstrapped, {format_id(self->id)}),
                     "this member's data dir was lost after it joined: remove it (`etcdctl member remove " + format_id(self->id) +
                         "`), `etcdctl member add` it again and start it with --initial-cluster-state=existing");
    }
  }
  std::vector<uint64_t> ids;
  for (const auto& mi : cl.value()) ids.push_back(mi.id);
  d.kind = BootstrapKind::new_cluster;
  d.member_id = self->id;
  d.cluster_id = compute_cluster_id(ids);
  d.members = cl.value();
  d.log.push_back(LogLine{"info", std::string(wording::kStartingLocalMember),
                          {{"local-member-id", format_id(d.member_id)}, {"cluster-id", format_id(d.cluster_id)}}});
  return d;
}

}  // namespace

std::string to_string(BootstrapKind k) {
  switch (k) {
    case BootstrapKind::restart_from_wal: return "restart_from_wal";
    case BootstrapKind::new_cluster: return "new_cluster";
    case BootstrapKind::join_existing: return "join_existing";
    case BootstrapKind::fatal: return "fatal";
    case BootstrapKind::unsupported: return "unsupported";
  }
  return "fatal";
}

Decision decide_bootstrap(const BootstrapInput& input) {
  return decide_bootstrap(input.config, input.data_dir, input.remote);
}

Decision decide_bootstrap(const EtcdConfig& config, const DataDirState& data_dir,
                          const std::optional<RemoteCluster>& remote, const Discovered* discovered) {
  const InputView in{config, data_dir, remote, discovered};
  const EtcdConfig& c = in.config;
  Decision d;
  for (const auto& name : in.data_dir.other_entries)
    d.log.push_back(LogLine{"warn", std::string(wording::kInvalidFileUnderDataDir), {{"filename", name}, {"data-dir", c.data_dir}}});
  if (in.data_dir.has_wal) {
    d.log.push_back(LogLine{"info", std::string(wording::kServerAlreadyInitialized), {{"data-dir", c.data_dir}, {"dir-type", "member"}}});
    return restart(in, d);
  }
  if (!c.discovery.empty()) {
    // PeerURLsMapAndToken: the member's own entry, and the discovery URL as the token.
    UrlsMap self{{c.name, c.initial_advertise_peer_urls}};
    std::sort(self[c.name].begin(), self[c.name].end());
    if (!c.is_new_cluster()) return join_existing(in, self, d);
    assert(in.discovered != nullptr);
    return new_cluster(in, urls_map(in.discovered->entries), d, c.discovery, true);
  }
  if (!c.discovery_srv.empty()) {
    assert(in.discovered != nullptr);
    for (const LogLine& l : in.discovered->log) d.log.push_back(l);
    if (in.discovered->error)
      return fatal(d, "--discovery-srv", *in.discovered->error,
                   "publish an _etcd-server._tcp." + c.discovery_srv + " SRV record for every member, with targets "
                   "that resolve to the member's --initial-advertise-peer-urls");
    const UrlsMap m = urls_map(in.discovered->entries);
    if (!c.is_new_cluster()) return join_existing(in, m, d);
    return new_cluster(in, m, d, c.initial_cluster_token, false);
  }
  // embed.StartEtcd: PeerURLsMapAndToken (static case: types.NewURLsMap).
  if (c.initial_cluster_error)
    return fatal(d, "--initial-cluster", go_format(wording::kErrorSettingUpInitialCluster, {*c.initial_cluster_error}),
                 "write --initial-cluster as name=http://IP:port pairs separated by commas");
  const UrlsMap m = urls_map(c.initial_cluster_entries);
  if (!c.is_new_cluster()) return join_existing(in, m, d);
  if (m.empty())
    return fatal(d, "--initial-cluster", std::string(wording::kInitialClusterUnset), "set --initial-cluster");
  return new_cluster(in, m, d, c.initial_cluster_token, false);
}

bool is_ready_to_add_voting_member(const std::vector<MemberInfo>& voting_members) {
  int nmembers = 1, nstarted = 0;
  for (const auto& m : voting_members) {
    // membership.Member.IsStarted(): len(m.Name) != 0 (the member has published).
    if (!m.name.empty()) ++nstarted;
    ++nmembers;
  }
  if (nstarted == 1 && nmembers == 2) return true;  // adding to a 1-member cluster
  return nstarted >= nmembers / 2 + 1;
}

bool is_ready_to_remove_voting_member(const std::vector<MemberInfo>& voting_members, uint64_t id) {
  int nmembers = 0, nstarted = 0;
  for (const auto& m : voting_members) {
    if (m.id == id) continue;
    if (!m.name.empty()) ++nstarted;  // IsStarted(): the member has a name
    ++nmembers;
  }
  return nstarted >= nmembers / 2 + 1;
}

namespace {

std::vector<MemberInfo> voting(const std::vector<MemberInfo>& ms) {
  std::vector<MemberInfo> v;
  for (const auto& m : ms)
    if (!m.is_learner) v.push_back(m);
  return v;
}

bool connected(const ReconfigCheckInput& in, uint64_t id) {
  return id == in.local_id || std::find(in.connected_since_health_interval.begin(), in.connected_since_health_interval.end(), id) !=
                                  in.connected_since_health_interval.end();
}

Error reconfig_error(std::string_view msg, std::string fix) { return Error{"member", std::string(msg), std::move(fix)}; }

}  // namespace

std::optional<Error> check_member_add(const ReconfigCheckInput& in, const MemberInfo& nm) {
  const auto v = voting(in.members);
  if (in.strict_reconfig_check) {
    if (!nm.is_learner && !is_ready_to_add_voting_member(v))
      return reconfig_error(wording::kErrNotEnoughStartedMembers,
                            "start the members that are down first (a quorum of the enlarged cluster must be started), or add it as a learner");
    for (const auto& m : v)
      if (!connected(in, m.id))
        return reconfig_error(wording::kErrUnhealthy, "wait until the member you ask is connected to every voting member for 5s");
  }
  // ValidateConfigurationChange at apply time.
  if (std::find(in.removed_ids.begin(), in.removed_ids.end(), nm.id) != in.removed_ids.end())
    return reconfig_error(wording::kErrMemberNotFound, "this ID was removed before; an ID is never reused");
  std::set<std::string> urls;
  for (const auto& m : in.members) {
    if (m.id == nm.id) return reconfig_error(wording::kErrMemberExist, "the member is already in the cluster");
    urls.insert(m.peer_urls.begin(), m.peer_urls.end());
  }
  for (const auto& u : nm.peer_urls)
    if (urls.count(u))
      return reconfig_error(wording::kErrPeerURLExist,
                            "a member with peer URL " + u + " already exists: `etcdctl member remove` it first (or it is already added)");
  return std::nullopt;
}

std::optional<Error> check_member_remove(const ReconfigCheckInput& in, uint64_t id) {
  const auto it = std::find_if(in.members.begin(), in.members.end(), [&](const MemberInfo& m) { return m.id == id; });
  const bool is_learner = it != in.members.end() && it->is_learner;
  if (in.strict_reconfig_check && !is_learner) {
    const auto v = voting(in.members);
    if (!is_ready_to_remove_voting_member(v, id))
      return reconfig_error(wording::kErrNotEnoughStartedMembers, "start the members that are down first; removing this one would lose quorum");
    const bool downed = id != in.local_id && !connected(in, id);
    if (!downed) {
      int active = 0;
      for (const auto& m : v)
        if (connected(in, m.id)) ++active;
      const int n = static_cast<int>(v.size());
      if (active - 1 < 1 + (n - 1) / 2)
        return reconfig_error(wording::kErrUnhealthy, "reconnect the members first: removing this active member would break the active quorum");
    }
  }
  if (std::find(in.removed_ids.begin(), in.removed_ids.end(), id) != in.removed_ids.end() || it == in.members.end())
    return reconfig_error(wording::kErrMemberNotFound, "check the ID with `etcdctl member list`");
  return std::nullopt;
}

}  // namespace raftlab::etcd
