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
  std::uint32_t max_entries_per_msg = 64;
  std::uint32_t max_inflight_msgs = 256;
  // Planted bugs (raft/bugs.h) for proving the fault lab's checkers; none in any real
  // configuration.
  BugSet bugs = 0;
};

}  // namespace raft
