// raft/config.h — construction-time options of a Raft node.
//
// Must never: carry time units other than ticks; the caller decides what a tick is.
#pragma once

#include <cstdint>

#include "raft/bugs.h"
#include "raft/types.h"

namespace raft {

struct Config {
  NodeId id = kNone;
  // A follower that hears nothing for a randomized timeout in
  // [election_ticks, 2*election_ticks) starts an election (etcd: electionElapsed vs
  // randomizedElectionTimeout).
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  // Seed of the node's own PRNG (election timeout randomization). Same seed, same
  // sequence of timeouts, on every platform.
  std::uint64_t seed = 1;
  bool pre_vote = true;       // etcd 3.5 default on; etcd 3.4 default off
  bool check_quorum = false;  // etcd server sets CheckQuorum true
  // Max entries in one MsgApp and max un-acknowledged MsgApp in flight per follower.
  // (etcd has no entry-count cap; raftlab keeps one as a bound on the copies a message
  // holds. With small entries it is the limit that binds; see max_size_per_msg.)
  std::uint32_t max_entries_per_msg = 64;
  std::uint32_t max_inflight_msgs = 256;
  // etcd raft's MaxSizePerMsg: the entries of one MsgApp add up to at most this many
  // bytes (each counted by `entry_bytes`), except that a message always carries at least
  // one entry, however large (etcd raft limitSize). 0: one entry per message;
  // kNoSizeLimit (the default): bytes never limit a message. The etcd server sets 1 MiB
  // (server/etcdserver/raft.go maxSizePerMsg; docs/etcd-behaviour.md §9).
  static constexpr std::uint64_t kNoSizeLimit = ~std::uint64_t{0};
  std::uint64_t max_size_per_msg = kNoSizeLimit;
  // The bytes an entry counts for against max_size_per_msg (etcd: pb.Entry.Size(), the
  // entry's protobuf size). nullptr: raft::entry_size (log.h). A host whose entries
  // stand for more bytes than they hold (raftlab's declared-size client values) passes
  // its own; it must be a pure function of the entry.
  std::uint64_t (*entry_bytes)(const Entry&) = nullptr;
  // Planted bugs (raft/bugs.h) for proving the fault lab's checkers; none in any real
  // configuration.
  BugSet bugs = 0;
};

}  // namespace raft
