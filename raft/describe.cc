// raft/describe.cc — names, the ConfChange codec, describe(Message), assert_fail.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "raft/assert.h"
#include "raft/message.h"
#include "raft/types.h"

namespace raft {

const char* role_name(Role r) {
  switch (r) {
    case Role::Follower: return "Follower";
    case Role::PreCandidate: return "PreCandidate";
    case Role::Candidate: return "Candidate";
    case Role::Leader: return "Leader";
  }
  return "?";
}

const char* message_type_name(MessageType t) {
  switch (t) {
    case MessageType::MsgHup: return "MsgHup";
    case MessageType::MsgBeat: return "MsgBeat";
    case MessageType::MsgProp: return "MsgProp";
    case MessageType::MsgApp: return "MsgApp";
    case MessageType::MsgAppResp: return "MsgAppResp";
    case MessageType::MsgVote: return "MsgVote";
    case MessageType::MsgVoteResp: return "MsgVoteResp";
    case MessageType::MsgPreVote: return "MsgPreVote";
    case MessageType::MsgPreVoteResp: return "MsgPreVoteResp";
    case MessageType::MsgHeartbeat: return "MsgHeartbeat";
    case MessageType::MsgHeartbeatResp: return "MsgHeartbeatResp";
    case MessageType::MsgTimeoutNow: return "MsgTimeoutNow";
    case MessageType::MsgSnap: return "MsgSnap";
  }
  return "?";
}

// Layout: 1 byte type ('A' add, 'R' remove), 8 bytes node id little-endian, context.
namespace {
constexpr std::size_t kConfChangeHeader = 9;
void write_conf_change(ConfChangeType type, NodeId node_id, std::string_view context, char* out) {
  out[0] = type == ConfChangeType::AddNode ? 'A' : 'R';
  for (int i = 0; i < 8; ++i) out[1 + i] = static_cast<char>((node_id >> (8 * i)) & 0xff);
  if (!context.empty()) std::memcpy(out + kConfChangeHeader, context.data(), context.size());
}
}  // namespace

std::string encode_conf_change(const ConfChange& cc) {
  std::string out(kConfChangeHeader + cc.context.size(), '\0');
  write_conf_change(cc.type, cc.node_id, cc.context, out.data());
  return out;
}

Payload encode_conf_change_payload(ConfChangeType type, NodeId node_id, std::string_view context) {
  return Payload::build(kConfChangeHeader + context.size(),
                        [&](char* out) { write_conf_change(type, node_id, context, out); });
}

bool decode_conf_change_header(std::string_view data, ConfChange* out, std::string_view* context) {
  if (data.size() < kConfChangeHeader || (data[0] != 'A' && data[0] != 'R')) return false;
  out->type = data[0] == 'A' ? ConfChangeType::AddNode : ConfChangeType::RemoveNode;
  out->node_id = 0;
  for (int i = 0; i < 8; ++i) {
    out->node_id |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[1 + i])) << (8 * i);
  }
  *context = data.substr(kConfChangeHeader);
  return true;
}

bool decode_conf_change(std::string_view data, ConfChange* out) {
  std::string_view context;
  if (!decode_conf_change_header(data, out, &context)) return false;
  out->context = std::string(context);
  return true;
}

// etcd DescribeMessage, without entry payloads:
//   1->2 MsgApp Term:2 Log:2/5 Commit:5 Entries:[2/6 2/7]
//   2->1 MsgAppResp Term:2 Log:0/5 Rejected (Hint: 3)
std::string describe(const Message& m) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%llu->%llu %s Term:%llu Log:%llu/%llu", detail::ull(m.from),
                detail::ull(m.to), message_type_name(m.type), detail::ull(m.term),
                detail::ull(m.log_term), detail::ull(m.index));
  std::string s = buf;
  if (m.reject) {
    std::snprintf(buf, sizeof buf, " Rejected (Hint: %llu)", detail::ull(m.reject_hint));
    s += buf;
  }
  if (m.commit != 0) {
    std::snprintf(buf, sizeof buf, " Commit:%llu", detail::ull(m.commit));
    s += buf;
  }
  if (!m.entries.empty()) {
    s += " Entries:[";
    for (std::size_t i = 0; i < m.entries.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%s%llu/%llu", i == 0 ? "" : " ",
                    detail::ull(m.entries[i].term), detail::ull(m.entries[i].index));
      s += buf;
    }
    s += "]";
  }
  if (m.snapshot) {
    std::snprintf(buf, sizeof buf, " Snapshot:%llu/%llu", detail::ull(m.snapshot->term),
                  detail::ull(m.snapshot->index));
    s += buf;
  }
  return s;
}

namespace detail {

void assert_fail(const char* file, int line, const char* cond, const char* fmt, ...) {
  std::fprintf(stderr, "raft: assertion failed at %s:%d: %s: ", file, line, cond);
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "\n");
  std::abort();
}

}  // namespace detail
}  // namespace raft
