// raft/node.h — a pure Raft state machine, the way etcd's RawNode presents one.
//
// Inputs: tick(), step(Message), propose(data), propose_conf_change(cc), campaign().
// Output: a Ready batch (see raft/ready.h for the persist -> send -> apply contract),
// acknowledged with advance().
//
// Must never: do I/O, read a clock, use threads or globals, or include sim/. All
// randomness comes from Config::seed. Programmer errors (broken invariants) abort with
// a message, also in Release builds; operating errors are returned as values.
//
// Usage:
//   raft::Node n(cfg, raft::Storage{});      // empty storage
//   n.bootstrap({1, 2, 3});                  // new cluster: conf entries 1..3 at term 1
//   n.tick();
//   if (n.has_ready()) { raft::Ready rd = n.ready(); /* persist, send, apply */ n.advance(rd); }
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "raft/config.h"
#include "raft/message.h"
#include "raft/ready.h"
#include "raft/types.h"

namespace raft {

// What a restarting node finds on its stable storage (snapshot + WAL). Empty for a
// fresh node.
struct Storage {
  HardState hard_state;
  std::vector<Entry> entries;  // contiguous from snapshot.index + 1
  Snapshot snapshot;           // empty (index 0) if none was taken or received
};

enum class ProposeResult : std::uint8_t {
  Ok,
  Dropped,            // no leader known, or leadership transfer in progress (ErrProposalDropped)
  ConfChangePending,  // a conf change is already pending (single-server rule)
};

struct Status {
  NodeId id = kNone;
  Role role = Role::Follower;
  NodeId leader = kNone;
  HardState hard_state;
  LogIndex applied = 0;
  LogIndex last_index = 0;
  ConfState conf;
};

// The election timer of a node in Config::ElectionTiming::Continuous: the host arms it for
// `timeout` units from the moment `generation` first appears, and calls
// Node::election_timeout(generation) when it runs out. A new generation replaces every
// earlier one (the host may leave old timers pending: their calls are ignored).
struct ElectionTimer {
  std::uint64_t generation = 0;
  std::uint64_t timeout = 0;  // in [election_timeout_min, election_timeout_max]
  bool running = false;       // false for a leader (and always in Ticks timing)
};

class Node {
 public:
  Node(const Config& cfg, Storage storage);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // New cluster (etcd StartNode with peers): appends one ConfChange AddNode entry per
  // peer at term 1, indexes 1..n, marks them committed and applies them to the
  // configuration. `contexts[i]` (optional) becomes the ConfChange context of peers[i].
  // Precondition: storage empty.
  void bootstrap(const std::vector<NodeId>& peers,
                 const std::vector<std::string>& contexts = {});

  void tick();
  void campaign();  // MsgHup
  // Continuous timing only (aborts otherwise). The timer as it stands now: check it after
  // every call into the node (any input may restart it).
  ElectionTimer election_timer() const;
  // The timer of `generation` ran out. If it is still the current one and the node is not
  // leader, the timer restarts and the node campaigns (if it is a voter), as a tick that
  // reaches the randomized timeout does in Ticks timing. A stale generation: nothing.
  void election_timeout(std::uint64_t generation);
  // Local or remote input. Messages with a stale term or from an unknown node are
  // handled by the Raft rules, never trusted blindly.
  void step(const Message& m);
  ProposeResult propose(Payload data);
  // Several normal entries in one MsgProp (etcd raft: Step of a MsgProp with many
  // entries): appended together, one broadcast. Precondition: not empty.
  ProposeResult propose_many(std::vector<Payload> data);
  ProposeResult propose_conf_change(const ConfChange& cc);
  // Called by the host when it applies a ConfChange entry. Returns the new ConfState
  // (the node's own: valid until its configuration next changes; copy it to keep it).
  const ConfState& apply_conf_change(const ConfChange& cc);

  // Log compaction (etcd: MemoryStorage.CreateSnapshot + Compact). The host snapshots
  // its state machine at an applied `index` (conf state: the configuration as of that
  // index, which must not have changed since), then may discard log entries up to any
  // index at or below the latest snapshot. A follower whose next entry was discarded
  // gets the snapshot (MsgSnap) and hands it back in Ready::snapshot.
  // Preconditions: create_snapshot: latest snapshot index < index <= applied, no conf
  // change applied after index; compact: index <= latest snapshot index.
  void create_snapshot(LogIndex index, std::string data);
  void compact(LogIndex index);
  // The latest snapshot, or null.
  const std::shared_ptr<const Snapshot>& snapshot() const;
  LogIndex first_index() const;

  bool has_ready() const;
  Ready ready();
  void advance(const Ready& rd);
  // Optional, after advance(): gives a spent Ready's vectors back, so the next Ready
  // reuses their storage instead of allocating (a member handles a Ready per message).
  // Their contents are dropped; nothing else about the node changes.
  void recycle(Ready&& rd);

  Status status() const;
  NodeId id() const;
  NodeId leader() const;
  Role role() const { return *role_; }  // inline: hosts ask after every event
  Term term() const;
  LogIndex commit_index() const;
  LogIndex last_index() const;
  const ConfState& conf_state() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  const Role* role_;  // &impl_->role_ (a Node never moves)
};

}  // namespace raft
