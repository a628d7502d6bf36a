#include "sim/wire.h"

#include <fmt/format.h>

namespace raftlab::sim {

namespace {
const char* op_name(ClientOpKind k) {
  switch (k) {
    case ClientOpKind::Put: return "put";
    case ClientOpKind::Get: return "get";
    case ClientOpKind::MemberAdd: return "member add";
    case ClientOpKind::MemberRemove: return "member remove";
    case ClientOpKind::MemberList: return "member list";
    case ClientOpKind::Status: return "endpoint status";
    case ClientOpKind::Auth: return "auth";
  }
  return "?";
}
}  // namespace

std::string describe(const Packet& p) {
  struct V {
    std::string operator()(const RaftEnvelope& e) const {
      return fmt::format("{} cluster:{:x}", raft::describe(e.msg), e.cluster_id);
    }
    std::string operator()(const PeerError& e) const {
      return e.kind == PeerError::Kind::ClusterIdMismatch
                 ? fmt::format("412 cluster ID mismatch (remote {:x} in cluster {:x})", e.remote_member,
                               e.remote_cluster)
                 : fmt::format("410 member removed (remote {:x})", e.remote_member);
    }
    std::string operator()(const MembersQuery& q) const { return fmt::format("GET /members req:{}", q.req); }
    std::string operator()(const MembersReply& r) const {
      return fmt::format("members reply req:{} cluster:{:x} n:{}", r.req, r.cluster_id, r.members ? r.members->size() : 0);
    }
    std::string operator()(const ClientRequest& r) const {
      return fmt::format("client {} req:{} {}", op_name(r.kind), r.req, r.key);
    }
    std::string operator()(const ClientReply& r) const {
      return fmt::format("client reply req:{} {}", r.req, r.ok ? "ok" : r.error);
    }
    std::string operator()(const ClientBatch& b) const {
      return fmt::format("client batch n:{} req:{}..", b.reqs.size(), b.reqs.empty() ? 0 : b.reqs.front().req);
    }
    std::string operator()(const ClientReplyBatch& b) const {
      return fmt::format("client reply batch n:{} req:{}..", b.replies.size(),
                         b.replies.empty() ? 0 : b.replies.front().req);
    }
  };
  return std::visit(V{}, p.body);
}

}  // namespace raftlab::sim
