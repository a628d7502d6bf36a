// raft/message.h — messages exchanged between Raft nodes, and the local inputs that
// travel through Node::step (MsgHup, MsgBeat, MsgProp), mirroring etcd's raftpb.
//
// Must never: include sim/ or etcd code. Messages are plain values.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "raft/types.h"

namespace raft {

enum class MessageType : std::uint8_t {
  MsgHup,             // local: start an election (campaign)
  MsgBeat,            // local: leader sends heartbeats
  MsgProp,            // proposal; followers forward it to the leader (etcd behaviour)
  MsgApp,             // AppendEntries
  MsgAppResp,
  MsgVote,            // RequestVote
  MsgVoteResp,
  MsgPreVote,         // PreVote (Raft thesis §9.6)
  MsgPreVoteResp,
  MsgHeartbeat,
  MsgHeartbeatResp,
  MsgTimeoutNow,      // leadership transfer
  MsgSnap,            // InstallSnapshot: the leader's latest snapshot (the follower's next
                      // entry was compacted away)
};
const char* message_type_name(MessageType t);

struct Message {
  MessageType type = MessageType::MsgApp;
  NodeId from = kNone;
  NodeId to = kNone;
  Term term = 0;          // 0 for local messages (and MsgProp)
  LogIndex index = 0;     // MsgApp: prev log index; MsgVote: last log index; resp: see docs
  Term log_term = 0;      // MsgApp: prev log term; MsgVote: last log term
  LogIndex commit = 0;    // MsgApp / MsgHeartbeat: leader commit
  bool reject = false;    // responses
  LogIndex reject_hint = 0;  // MsgAppResp reject: follower's last index (conflict backtracking)
  Term hint_term = 0;        // MsgAppResp reject: term at reject_hint (fast backtracking)
  std::vector<Entry> entries;
  // MsgSnap: the snapshot, shared (immutable) rather than copied with the message.
  std::shared_ptr<const Snapshot> snapshot;
  bool operator==(const Message&) const = default;
};

// One-line, stable description used by golden tests and traces:
//   "1->2 MsgVote Term:1 Log:1/2"
std::string describe(const Message& m);

}  // namespace raft
