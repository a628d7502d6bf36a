// raft/progress.h — what a leader knows about one follower's log (etcd tracker.Progress).
//
//   Probe:     next is a guess; send one MsgApp, then pause until a response (or a
//              heartbeat response) arrives — each round trip moves `next` back.
//   Replicate: the follower is known to match up to `match`; stream MsgApps
//              optimistically, at most `max_inflight` un-acknowledged at a time.
//
// Must never: let match move backwards, or let next fall to or below match.
#pragma once

#include <cstdint>
#include <vector>

#include "raft/types.h"

namespace raft {

// Ring buffer of the last index carried by each in-flight MsgApp.
class Inflights {
 public:
  explicit Inflights(std::uint32_t capacity) : capacity_(capacity) {}
  bool full() const { return count_ == capacity_; }
  std::uint32_t count() const { return count_; }
  void add(LogIndex last);
  void free_le(LogIndex to);  // An ack up to `to` frees every message ending at or before it.
  void free_first_one();
  void reset() { start_ = count_ = 0; }

 private:
  std::uint32_t capacity_;
  std::uint32_t start_ = 0;
  std::uint32_t count_ = 0;
  std::vector<LogIndex> buf_;  // Grown lazily to capacity_: most followers never need it.
};

enum class ProgressState : std::uint8_t { Probe, Replicate };

struct Progress {
  Progress(NodeId node_id, std::uint32_t max_inflight) : id(node_id), inflights(max_inflight) {}

  NodeId id;
  LogIndex match = 0;  // Invariant: match < next.
  LogIndex next = 1;
  ProgressState state = ProgressState::Probe;
  bool probe_sent = false;     // Probe: one MsgApp out, wait for its answer.
  bool recent_active = false;  // CheckQuorum: heard from since the last check.
  Inflights inflights;

  bool is_paused() const {
    return state == ProgressState::Probe ? probe_sent : inflights.full();
  }
  void become_probe();
  void become_replicate();
  // A successful MsgAppResp for index n. Returns true if match advanced.
  bool maybe_update(LogIndex n);
  // A rejected MsgApp whose prev index was `rejected`; `match_hint` is the leader-side
  // guess (findConflictByTerm) of the follower's last matching index. Returns false if
  // the rejection is stale.
  bool maybe_decr_to(LogIndex rejected, LogIndex match_hint);
  // Bookkeeping after sending a MsgApp carrying `n` entries starting at `next`.
  void sent_entries(std::size_t n);
};

}  // namespace raft
