// raft/config.h — construction-time options of a Raft node.
//
// Must never: interpret time. Ticks (default) are the caller's; a continuous election
// timeout is a number in the caller's own unit, which raft only draws and hands back.
#pragma once

#include <cstdint>

#include "raft/bugs.h"
#include "raft/types.h"

namespace raft {

// How a follower's or candidate's election timeout is measured.
enum class ElectionTiming : std::uint8_t {
  // etcd (the default): the host calls tick(); the timeout is a whole number of ticks drawn
  // from [election_ticks, 2*election_ticks) whenever the node changes term or role
  // (becomeFollower/becomeCandidate's reset), and the count restarts on every message
  // from the leader and every vote granted.
  Ticks,
  // The Raft paper's (§5.2, §9.3; LogCabin): the timeout is drawn uniformly from
  // [election_timeout_min, election_timeout_max] (inclusive, in the host's time unit: raft
  // never interprets it) each time the timer restarts, and the host runs the timer
  // (Node::election_timer / election_timeout). The timer restarts as Figure 2 says: on
  // AppendEntries/heartbeat/snapshot from the current leader, on granting a vote, and on
  // becoming a candidate (and when a leader steps down) — not when the node merely adopts
  // a newer term, as etcd's reset() does. tick() still drives the leader (heartbeats,
  // CheckQuorum) and the CheckQuorum lease, which stay in ticks.
  Continuous,
};

struct Config {
  NodeId id = kNone;
  // A follower that hears nothing for a randomized timeout in
  // [election_ticks, 2*election_ticks) starts an election (etcd: electionElapsed vs
  // randomizedElectionTimeout).
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  // Ticks (etcd, the default) or Continuous (the paper's uniform timeouts; see above).
  ElectionTiming election_timing = ElectionTiming::Ticks;
  // Continuous only: the timeout's bounds, inclusive, 0 < min <= max (host's unit, e.g. ns).
  std::uint64_t election_timeout_min = 0;
  std::uint64_t election_timeout_max = 0;
  // Seed of the node's own PRNG (election timeout randomization, in either timing). Same
  // seed, same sequence of timeouts, on every platform.
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
