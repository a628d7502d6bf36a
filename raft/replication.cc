// raft/replication.cc — log replication (Raft paper §5.3, §5.4.2): the leader's handler,
// MsgApp / heartbeat sending, follower-side AppendEntries, and the commit rule.
#include "raft/raft.h"

#include <algorithm>
#include <array>

namespace raft {

using detail::ull;

Progress* Node::Impl::progress(NodeId node) {
  for (Progress& pr : prs_) {
    if (pr.id == node) return &pr;
  }
  return nullptr;
}
const Progress* Node::Impl::progress(NodeId node) const {
  return const_cast<Impl*>(this)->progress(node);
}

void Node::Impl::step_leader(const Message& m) {
  switch (m.type) {
    case MessageType::MsgBeat:
      bcast_heartbeat();
      return;
    case MessageType::MsgProp:
      leader_propose(m);
      return;
    default:
      break;
  }
  // Everything else is an answer from a peer; ignore nodes outside the configuration.
  Progress* pr = progress(m.from);
  if (pr == nullptr || m.from == id_) return;
  switch (m.type) {
    case MessageType::MsgAppResp:
      pr->recent_active = true;
      handle_append_resp(m, pr);
      return;
    case MessageType::MsgHeartbeatResp:
      pr->recent_active = true;
      pr->probe_sent = false;
      // A full window may be full of lost messages; free one slot so we keep probing.
      if (pr->state == ProgressState::Replicate && pr->inflights.full()) {
        pr->inflights.free_first_one();
      }
      // The follower is alive but has not acknowledged the snapshot: it was lost (etcd
      // learns this from the transport, ReportSnapshot). Probe after it; a rejection
      // leads back to a snapshot if still needed.
      if (pr->state == ProgressState::Snapshot) pr->become_probe();
      if (pr->match < log_.last_index()) maybe_send_append(pr, true);
      return;
    default:
      return;  // Vote answers after winning, MsgTimeoutNow, ...: nothing to do.
  }
}

void Node::Impl::leader_propose(const Message& m) {
  RAFT_ASSERT(!m.entries.empty(), "MsgProp from %llu without entries", ull(m.from));
  if (progress(id_) == nullptr) return;  // Removed from the configuration: drop.
  LogIndex index = log_.last_index();
  for (const Entry& src : m.entries) {
    Entry e = src;
    e.term = term_;
    e.index = ++index;
    if (e.type == EntryType::ConfChange) {
      if (pending_conf_index_ > log_.applied()) {
        // A forwarded conf change raced another one: neutralise it as etcd does, by
        // turning it into an empty normal entry (the single-server rule, thesis §4.1).
        e.type = EntryType::Normal;
        e.data.clear();
      } else {
        pending_conf_index_ = e.index;
      }
    }
    log_.append(std::move(e));
  }
  propose_result_ = ProposeResult::Ok;
  bcast_append();
}

void Node::Impl::handle_append_resp(const Message& m, Progress* pr) {
  if (m.reject) {
    // Fast backtracking (etcd findConflictByTerm): the follower told us its last index
    // (reject_hint) whose term is <= our prev term, and that term. Skip every entry of
    // ours with a larger term in one step.
    LogIndex next_probe = m.reject_hint;
    if (m.hint_term > 0) next_probe = log_.find_conflict_by_term(m.reject_hint, m.hint_term).first;
    if (pr->maybe_decr_to(m.index, next_probe)) {
      if (pr->state == ProgressState::Replicate) pr->become_probe();
      maybe_send_append(pr, true);
    }
    return;
  }
  const bool was_paused = pr->is_paused();
  if (!pr->maybe_update(m.index)) return;  // Stale or duplicate acknowledgement.
  if (pr->state == ProgressState::Probe) {
    pr->become_replicate();
  } else if (pr->state == ProgressState::Snapshot) {
    // Recovered from needing a snapshot (etcd: via probe, which accounts for it).
    if (pr->match >= pr->pending_snapshot) {
      pr->become_probe();
      pr->become_replicate();
    }
  } else {
    pr->inflights.free_le(m.index);
  }
  if (maybe_commit()) {
    bcast_append();  // Tell everyone the new commit index.
  } else if (was_paused) {
    maybe_send_append(pr, true);
  }
  // Stream what is left, within the inflight window.
  for (int i = 0; i < static_cast<int>(max_inflight_msgs_) && maybe_send_append(pr, false); ++i) {
  }
}

bool Node::Impl::maybe_send_append(Progress* pr, bool send_if_empty) {
  if (pr->is_paused()) return false;
  if (pr->next < log_.first_index()) {
    // The entries this follower needs were compacted away: send the latest snapshot
    // (etcd sendSnapshot), unless the follower has not been heard from lately.
    if (!pr->recent_active) return false;
    RAFT_ASSERT(snapshot_ != nullptr, "log compacted to %llu without a snapshot",
                ull(log_.first_index() - 1));
    pr->become_snapshot(snapshot_->index);
    send(Message{.type = MessageType::MsgSnap, .to = pr->id, .snapshot = snapshot_});
    return true;
  }
  // Built where send() would put it (the hottest message: no move of it and its entries).
  RAFT_ASSERT(pr->id != id_ && pr->id != kNone, "node %llu sending MsgApp to %llu", ull(id_), ull(pr->id));
  Message& m = msgs_.emplace_back();
  m.type = MessageType::MsgApp;
  m.from = id_;
  m.to = pr->id;
  m.term = term_;
  m.index = pr->next - 1;
  m.log_term = log_.term(m.index);
  // etcd raftLog.entries(next, maxMsgSize): bytes limit a message (at least one entry);
  // raftlab's count cap as well (raft/config.h).
  log_.slice(pr->next, log_.last_index(), max_entries_per_msg_, max_size_per_msg_, entry_bytes_, &m.entries);
  if (m.entries.empty() && !send_if_empty) {
    msgs_.pop_back();
    return false;
  }
  m.commit = log_.committed();
  pr->sent_entries(m.entries.size());
  return true;
}

void Node::Impl::send_heartbeat(const Progress& pr) {
  // A follower's log may not yet hold our commit index; never let it commit past what
  // it is known to match (etcd: min(match, committed)).
  send(Message{.type = MessageType::MsgHeartbeat, .to = pr.id,
               .commit = std::min(pr.match, log_.committed())});
}

void Node::Impl::bcast_append() {
  for (Progress& pr : prs_) {
    if (pr.id != id_) maybe_send_append(&pr, true);
  }
}

void Node::Impl::bcast_heartbeat() {
  for (const Progress& pr : prs_) {
    if (pr.id != id_) send_heartbeat(pr);
  }
}

bool Node::Impl::maybe_commit() {
  // The largest index replicated on a quorum: sort the voters' match indexes
  // descending and take the quorum-th. Voter sets are tiny; a fixed array avoids heap.
  constexpr std::size_t kMaxFast = 16;
  std::array<LogIndex, kMaxFast> fast{};
  std::vector<LogIndex> slow;
  LogIndex* matches = fast.data();
  const std::size_t n = prs_.size();
  if (n == 0) return false;
  if (n > kMaxFast) {
    slow.resize(n);
    matches = slow.data();
  }
  for (std::size_t i = 0; i < n; ++i) matches[i] = prs_[i].match;
  std::sort(matches, matches + n, [](LogIndex a, LogIndex b) { return a > b; });
  const LogIndex quorum_match = matches[quorum() - 1];
  // Figure 8 / §5.4.2: only an entry of the current term is committed by counting
  // replicas; earlier entries are committed indirectly, by the Log Matching Property.
  // (The commit check comes first: below it, the term may be compacted away.)
  if (quorum_match <= log_.committed()) return false;
  const bool current_term = log_.term(quorum_match) == term_ ||
                            has_bug(bugs_, Bug::CommitOldTerm);  // PLANTED BUG (raft/bugs.h)
  if (!current_term) return false;
  log_.commit_to(quorum_match);
  return true;
}

bool Node::Impl::quorum_active() const {
  std::size_t active = 0;
  for (const Progress& pr : prs_) {
    if (pr.id == id_ || pr.recent_active) ++active;
  }
  return active >= quorum();
}

void Node::Impl::self_ack() {
  Progress* self = progress(id_);
  if (self == nullptr) return;
  if (self->maybe_update(log_.stable()) && maybe_commit()) bcast_append();
}

void Node::Impl::handle_append_entries(const Message& m) {
  if (m.index < log_.committed()) {
    // Everything up to our commit index matches the leader's log already.
    send(Message{.type = MessageType::MsgAppResp, .to = m.from, .index = log_.committed()});
    return;
  }
  LogIndex last_new = 0;
  if (log_.maybe_append(m.index, m.log_term, m.commit, m.entries, &last_new)) {
    send(Message{.type = MessageType::MsgAppResp, .to = m.from, .index = last_new});
    return;
  }
  // §5.3: reject; hint the leader at our last index whose term is <= its prev term, so
  // it can skip a whole conflicting term per round trip.
  const auto [hint_index, hint_term] =
      log_.find_conflict_by_term(std::min(m.index, log_.last_index()), m.log_term);
  send(Message{.type = MessageType::MsgAppResp, .to = m.from, .index = m.index, .reject = true,
               .reject_hint = hint_index, .hint_term = hint_term});
}

void Node::Impl::handle_snapshot(const Message& m) {
  if (m.snapshot == nullptr) return;  // Malformed: nothing to install.
  const Snapshot& s = *m.snapshot;
  // etcd raft.restore: an old snapshot, one we are not part of, or one whose last entry
  // we already hold (then only commit moves) is not installed.
  const bool member = std::binary_search(s.conf.voters.begin(), s.conf.voters.end(), id_);
  if (s.index <= log_.committed() || !member) {
    send(Message{.type = MessageType::MsgAppResp, .to = m.from, .index = log_.committed()});
    return;
  }
  if (log_.match_term(s.index, s.term)) {
    log_.commit_to(s.index);
    send(Message{.type = MessageType::MsgAppResp, .to = m.from, .index = log_.committed()});
    return;
  }
  log_.restore(s.index, s.term);
  snapshot_ = m.snapshot;
  pending_snapshot_ = true;
  reset_conf(s.conf);
  conf_index_ = s.index;
  send(Message{.type = MessageType::MsgAppResp, .to = m.from, .index = log_.last_index()});
}

void Node::Impl::handle_heartbeat(const Message& m) {
  // A planted bug (raft/bugs.h) can make a leader's idea of our log stale; keep the run
  // going (real etcd would panic) so the checkers judge the trace.
  log_.commit_to(bugs_ != 0 ? std::min(m.commit, log_.last_index()) : m.commit);
  send(Message{.type = MessageType::MsgHeartbeatResp, .to = m.from});
}

}  // namespace raft
