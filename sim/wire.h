// sim/wire.h — what travels over the simulated network between etcd members and
// clients: raft messages in an etcd peer envelope (with the sender's cluster ID, as
// rafthttp's X-Etcd-Cluster-ID header), peer errors, the peer `/members` query used by
// `--initial-cluster-state existing`, and client (etcdctl) requests and replies.
// Plain values only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "raft/message.h"
#include "sim/time.h"

namespace raftlab::sim {

struct MemberRecord {
  std::uint64_t id = 0;
  std::string name;  // empty until the member has started and published (etcd: "unstarted")
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;
  bool is_learner = false;
  bool operator==(const MemberRecord&) const = default;
};

struct RaftEnvelope {
  std::uint64_t cluster_id = 0;   // sender's cluster ID
  std::uint64_t from_member = 0;  // sender's member ID
  raft::Message msg;
};

// A peer refused our stream/message (rafthttp answers 412 Precondition Failed for a
// cluster ID mismatch and 410 Gone to a removed member).
struct PeerError {
  enum class Kind : std::uint8_t { ClusterIdMismatch, RemovedMember } kind = Kind::ClusterIdMismatch;
  std::uint64_t remote_member = 0;   // who answered
  std::uint64_t remote_cluster = 0;  // the answering member's cluster ID
};

struct MembersQuery { std::uint64_t req = 0; };
struct MembersReply {
  std::uint64_t req = 0;
  std::uint64_t cluster_id = 0;
  // The answering member's list, shared (immutable): a member answers every query with
  // the same list until its membership changes. Never null in a sent reply.
  std::shared_ptr<const std::vector<MemberRecord>> members;
};

// Auth: an auth request (etcd's Auth* RPCs and Authenticate; auth_op and auth_args).
enum class ClientOpKind : std::uint8_t { Put, Get, MemberAdd, MemberRemove, MemberList, Status, Auth };

struct ClientRequest {
  std::uint64_t req = 0;
  ClientOpKind kind = ClientOpKind::Put;
  std::string key, value;
  std::vector<std::string> peer_urls;  // member add
  std::uint64_t member_id = 0;         // member remove
  bool serializable = false;           // get --consistency=s
  bool prefix = false;                 // get --prefix (serializable only: a watcher's read of its member)
  // The user the client authenticated as (its token's user; "" = no token), and for
  // ClientOpKind::Auth the request (sim/etcd/auth.h AuthOp's name) and its arguments.
  std::string user;
  std::string auth_op;
  std::vector<std::string> auth_args;
  bool linearizable_list = false;      // member list: clientv3 v3.5's MemberListRequest{Linearizable: true}
  // The client's deadline (gRPC's grpc-timeout: the server's request context ends with it).
  // A member stops waiting for the request at this instant or at its ReqTimeout, whichever
  // comes first. The largest Time = no deadline.
  Time deadline{INT64_MAX};
};

// One key of a prefix range (etcd's mvccpb.KeyValue, the fields a watcher reads).
struct RangeKv {
  std::string key, value;
  std::uint64_t mod_revision = 0;
  std::uint64_t create_revision = 0, version = 0;  // etcdctl -w json prints them
};

struct StatusInfo {
  std::uint64_t member_id = 0, cluster_id = 0, leader = 0;
  std::string version;
  std::uint64_t db_size = 0, raft_term = 0, raft_index = 0, raft_applied_index = 0;
  bool is_learner = false;
  std::vector<std::string> errors;
};

struct ClientReply {
  std::uint64_t req = 0;
  bool ok = false;
  std::string error;                  // etcd's wording, e.g. "etcdserver: request timed out"
  std::uint64_t cluster_id = 0, member_id = 0, revision = 0;
  std::uint64_t raft_term = 0;  // the response header's raft_term (EtcdServer.Term(), the last applied entry's)
  std::uint64_t header_member = 0;  // member add/remove: the answering member (member_id is the added/removed one)
  bool found = false;
  std::string value;
  std::uint64_t create_revision = 0, mod_revision = 0, version = 0;  // a found key's (get)
  std::vector<MemberRecord> members;  // member add/list
  bool auth_enabled = false;          // auth status
  std::uint64_t auth_revision = 0;    // auth status
  // endpoint status only, else null: shared and never changed once made, so the reply
  // every put and get sends (and each Packet, a variant over it) stays small to move.
  std::shared_ptr<const StatusInfo> status;
  // get --prefix only, else null: the keys in key order (etcd's range order).
  std::shared_ptr<const std::vector<RangeKv>> kvs;
};

// Pipelined client requests (puts and linearizable gets) that arrive together on one
// connection, as a gRPC client's concurrent calls over one HTTP/2 connection do
// (World::etcdctl_batch): the member proposes all of them before one Ready, as etcd's
// raft loop batches the proposals queued while it was busy. Replies to a batch's
// requests applied in one Ready come back as one ClientReplyBatch (a single one as a
// ClientReply).
struct ClientBatch {
  std::vector<ClientRequest> reqs;
};
struct ClientReplyBatch {
  std::vector<ClientReply> replies;
};

struct Packet {
  std::variant<RaftEnvelope, PeerError, MembersQuery, MembersReply, ClientRequest, ClientReply, ClientBatch,
               ClientReplyBatch>
      body;
  int reply_to = -1;  // endpoint that expects a reply (requests), -1 otherwise
};

std::string describe(const Packet& p);

}  // namespace raftlab::sim
