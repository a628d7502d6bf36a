// raft/ready.h — the batch of work a Node hands to its host.
//
// Contract (etcd's RawNode.Ready): the host MUST, in this order,
//   1. persist `snapshot` (if set: it replaces the whole stored log, which continues
//      after snapshot->index), then `hard_state` (if set), and append `entries` to
//      stable storage;
//   2. only then send `messages`;
//   3. restore the state machine from `snapshot` (if set), then apply
//      `committed_entries` to it, in order (for ConfChange
//      entries, call Node::apply_conf_change);
//   4. call Node::advance(ready).
// sim/etcd/member carries it out for etcd; sim/experiments/figure16.cc for the Raft
// paper's Figure 16 (a LogCabin-like host).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "raft/message.h"
#include "raft/types.h"

namespace raft {

struct SoftState {
  NodeId leader = kNone;
  Role role = Role::Follower;
  bool operator==(const SoftState&) const = default;
};

struct Ready {
  std::optional<SoftState> soft_state;  // set when leader or role changed
  std::optional<HardState> hard_state;  // set when term/vote/commit changed
  // Set when a leader's snapshot was received (MsgSnap) and replaced the log.
  std::shared_ptr<const Snapshot> snapshot;
  std::vector<Entry> entries;           // to append to stable storage (may overwrite a suffix)
  std::vector<Entry> committed_entries; // to apply
  std::vector<Message> messages;        // to send after persisting
  bool empty() const {
    return !soft_state && !hard_state && !snapshot && entries.empty() && committed_entries.empty() &&
           messages.empty();
  }
};

}  // namespace raft
