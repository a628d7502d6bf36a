// raft/progress.cc — see raft/progress.h. Mirrors etcd raft/tracker/{progress,inflights}.go.
#include "raft/progress.h"

#include <algorithm>

#include "raft/assert.h"

namespace raft {

using detail::ull;

void Inflights::add(LogIndex last) {
  RAFT_ASSERT(!full(), "inflights full (capacity %u)", capacity_);
  if (buf_.size() < capacity_) buf_.resize(capacity_);
  buf_[(start_ + count_) % capacity_] = last;
  ++count_;
}

void Inflights::free_le(LogIndex to) {
  while (count_ > 0 && buf_[start_] <= to) {  // Bounded by count_.
    start_ = (start_ + 1) % capacity_;
    --count_;
  }
  if (count_ == 0) start_ = 0;
}

void Inflights::free_first_one() {
  if (count_ == 0) return;
  start_ = (start_ + 1) % capacity_;
  --count_;
}

void Progress::become_probe() {
  next = state == ProgressState::Snapshot ? std::max(match + 1, pending_snapshot + 1) : match + 1;
  state = ProgressState::Probe;
  pending_snapshot = 0;
  probe_sent = false;
  inflights.reset();
}

void Progress::become_replicate() {
  state = ProgressState::Replicate;
  next = match + 1;
  probe_sent = false;
  pending_snapshot = 0;
  inflights.reset();
}

void Progress::become_snapshot(LogIndex snapshot_index) {
  state = ProgressState::Snapshot;
  pending_snapshot = snapshot_index;
  probe_sent = false;
  inflights.reset();
}

bool Progress::maybe_update(LogIndex n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, n + 1);
  RAFT_ASSERT(match < next, "progress %llu: match %llu next %llu", ull(id), ull(match), ull(next));
  return updated;
}

bool Progress::maybe_decr_to(LogIndex rejected, LogIndex match_hint) {
  if (state == ProgressState::Replicate) {
    // Stale if the rejected index is at or below what we already know matches.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // Probe: only the answer to the one outstanding probe (prev == next-1) counts.
  if (next - 1 != rejected) return false;
  next = std::max(std::min(rejected, match_hint + 1), match + 1);
  probe_sent = false;
  return true;
}

void Progress::sent_entries(std::size_t n) {
  if (state == ProgressState::Replicate) {
    if (n == 0) return;
    const LogIndex last = next + n - 1;
    next = last + 1;  // Optimistic: assume it arrives.
    inflights.add(last);
  } else {
    probe_sent = true;
  }
}

}  // namespace raft
