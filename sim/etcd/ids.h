// ids.h — etcd member and cluster IDs, derived exactly as etcd derives them.
//
//   uint64_t id = compute_member_id({"http://localhost:2380"}, "etcd-cluster");
//   format_id(id) == "8e9e05c52164694d"
//   format_id(compute_cluster_id({id})) == "cdf818194e3a8c32"
//
// Sources (etcd v3.5.18):
//  * membership/member.go computeMemberId: SHA-1 over the peer URLs sorted and
//    joined with "", then the cluster token, then (member add only) the decimal
//    Unix seconds of time.Now(); the ID is the first 8 digest bytes big-endian.
//  * membership/cluster.go genID: SHA-1 over the member IDs in ascending order,
//    each 8 bytes big-endian; first 8 digest bytes big-endian.
//  * v3rpc/member.go MemberAdd: NewMember("", urls, "", &now) — the cluster token is
//    NOT part of a runtime-added member's ID, only the peer URLs and the time.
//  * client/pkg/types/id.go ID.String: strconv.FormatUint(id, 16) (lowercase, no
//    zero padding).
//
// Must never: read the wall clock (the caller passes virtual seconds), fail.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace raftlab::etcd {

// membership.computeMemberId. `unix_seconds` is nullopt for bootstrap members
// (NewClusterFromURLsMap passes now=nil).
uint64_t compute_member_id(const std::vector<std::string>& peer_urls, std::string_view cluster_token,
                           std::optional<int64_t> unix_seconds = std::nullopt);

// ID of a member created by `etcdctl member add` at virtual time `unix_seconds`
// (v3rpc MemberAdd: empty name, empty cluster token, time.Now()).
uint64_t member_add_id(const std::vector<std::string>& peer_urls, int64_t unix_seconds);

// membership.(*RaftCluster).genID over the given member IDs (order irrelevant:
// MemberIDs() sorts them).
uint64_t compute_cluster_id(std::vector<uint64_t> member_ids);

// types.ID.String(): lowercase hex, no padding.
std::string format_id(uint64_t id);
// types.IDFromString: base-16 parse; nullopt on error.
std::optional<uint64_t> parse_id(std::string_view hex);

}  // namespace raftlab::etcd
