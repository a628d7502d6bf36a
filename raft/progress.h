// raft/progress.h — what a leader knows about one follower's log (etcd tracker.Progress).
//
//   Probe:     next is a guess; send one MsgApp, then pause until a response (or a
//              heartbeat response) arrives — each round trip moves `next` back.
//   Replicate: the follower is known to match up to `match`; stream MsgApps
//              optimistically, at most `max_inflight` un-acknowledged at a time.
//   Snapshot:  the entries the follower needs were compacted away; a MsgSnap is out
//              (pending_snapshot = its index) and nothing else is sent until the
//              follower acknowledges it, or a heartbeat response says the follower is
//              alive without having it (then Probe again from pending_snapshot + 1).
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

enum class ProgressState : std::uint8_t { Probe, Replicate, Snapshot };

struct Progress {
  Progress(NodeId node_id, std::uint32_t max_inflight) : id(node_id), inflights(max_inflight) {}

  NodeId id;
  LogIndex match = 0;  // Invariant: match < next.
  LogIndex next = 1;
  ProgressState state = ProgressState::Probe;
  bool probe_sent = false;     // Probe: one MsgApp out, wait for its answer.
  bool recent_active = false;  // CheckQuorum: heard from since the last check.
  LogIndex pending_snapshot = 0;  // Snapshot state: index of the snapshot sent.
  Inflights inflights;

  bool is_paused() const {
    switch (state) {
      case ProgressState::Probe: return probe_sent;
      case ProgressState::Replicate: return inflights.full();
      case ProgressState::Snapshot: return true;
    }
    return true;
  }
  // From Snapshot state, probing resumes after the snapshot (etcd BecomeProbe).
  void become_probe();
  void become_replicate();
  void become_snapshot(LogIndex snapshot_index);
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
