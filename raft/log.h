// raft/log.h — the Raft log of one node: a contiguous vector of entries (StoredEntry: the
// index is the position, 16 bytes each) plus the indexes that track how far the host has
// taken it (persisted, committed, applied).
//
//   0 < applied <= applying <= committed <= last          (apply pipeline)
//   stable <= handed <= last                              (persist pipeline)
//
// `handed` is the last index given to the host in Ready::entries; `stable` the last one
// the host acknowledged with advance().
//
// Compaction: entries up to `first_index() - 1` may be discarded (compact(), after the
// host took a snapshot that covers them) or replaced by a leader's snapshot (restore()).
// The term of the entry just before the first one is kept (`prev_term_`, etcd's dummy
// entry), so a MsgApp whose prev index is exactly there can still be matched.
//
//   first_index() - 1 <= applied        (never discard what the host has not applied)
//
// Must never: let committed move backwards, or truncate at or below committed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "raft/assert.h"
#include "raft/types.h"

namespace raft {

// The bytes `e` takes in a MsgApp: the protobuf size of etcd's raftpb.Entry (Term, Index
// and Type always encoded as varints with a one-byte tag; Data, when not empty, as tag,
// varint length and the bytes). What etcd raft's limitSize sums.
std::uint64_t entry_size(const Entry& e);

class RaftLog {
 public:
  // `restored` comes from stable storage: contiguous from snap_index + 1 (1 without a
  // snapshot), all persisted; entries up to snap_index are in the snapshot (term
  // snap_term) and count as committed and applied.
  explicit RaftLog(std::vector<Entry> restored, LogIndex snap_index = 0, Term snap_term = 0);

  LogIndex first_index() const { return offset_; }
  LogIndex last_index() const { return offset_ + entries_.size() - 1; }
  Term last_term() const { return term(last_index()); }
  // Term of entry `i`, for i in [first_index() - 1, last_index()]; the entry before
  // the first one is the compaction point (term 0 at index 0).
  Term term(LogIndex i) const {
    RAFT_ASSERT(i + 1 >= offset_ && i <= last_index(), "term(%llu) outside [%llu, %llu]",
                detail::ull(i), detail::ull(offset_ - 1), detail::ull(last_index()));
    return i + 1 == offset_ ? prev_term_ : entries_[i - offset_].term();
  }
  bool match_term(LogIndex i, Term t) const { return i <= last_index() && term(i) == t; }
  Entry at(LogIndex i) const { return stored(i).entry(i); }
  EntryType type_at(LogIndex i) const { return stored(i).type(); }

  // §5.4.1: a log with a later last term, or the same last term and at least as long,
  // is at least as up-to-date.
  bool is_up_to_date(LogIndex last, Term t) const {
    return t > last_term() || (t == last_term() && last >= last_index());
  }

  // First index in `ents` whose term disagrees with ours (or that we lack); 0 if none.
  LogIndex find_conflict(const std::vector<Entry>& ents) const;
  // etcd findConflictByTerm: the largest index <= `index` whose term is <= `t`, and that
  // term. Lets a leader skip a whole term of mismatching entries per round trip. Below
  // the compaction point the term is unknown: (first compacted-away index, 0).
  std::pair<LogIndex, Term> find_conflict_by_term(LogIndex index, Term t) const;

  // Follower side of AppendEntries (§5.3). Returns false when (index, log_term) does
  // not match; otherwise appends what is new, truncating a conflicting suffix, advances
  // commit to min(commit, last new index) and stores that index in *last_new.
  bool maybe_append(LogIndex index, Term log_term, LogIndex commit,
                    const std::vector<Entry>& ents, LogIndex* last_new);
  // Leader side: entries already carry their term and index (last_index()+1 ...).
  void append(Entry e);

  void commit_to(LogIndex i);
  // Discards entries up to and including `i` (first_index()-1 <= i <= applied).
  void compact(LogIndex i);
  // Replaces the whole log by a snapshot at (`index`, `t`): every index up to it counts
  // as committed, persisted and handed out (the Ready carrying the snapshot is the
  // host's copy). Precondition: index > committed.
  void restore(LogIndex index, Term t);
  // Copies entries [lo, hi] (at most `max_count`) to `out`.
  void slice(LogIndex lo, LogIndex hi, std::size_t max_count, std::vector<Entry>* out) const;
  // The same, also stopping before the entry that would take the copied entries' total
  // `bytes` (each entry counted by `bytes`, nullptr = entry_size) beyond `max_bytes`; the
  // first entry is always copied (etcd raft limitSize). max_bytes == ~0: no byte limit.
  void slice(LogIndex lo, LogIndex hi, std::size_t max_count, std::uint64_t max_bytes,
             std::uint64_t (*bytes)(const Entry&), std::vector<Entry>* out) const;

  LogIndex committed() const { return committed_; }
  LogIndex applied() const { return applied_; }
  LogIndex applying() const { return applying_; }
  LogIndex stable() const { return stable_; }
  LogIndex handed() const { return handed_; }
  void set_committed_unchecked(LogIndex i) { committed_ = i; }  // bootstrap / restore only
  void hand_out_to(LogIndex i);                                 // Ready::entries given
  void stable_to(LogIndex i);                                   // advance(): persisted
  void applying_to(LogIndex i);                                 // Ready::committed_entries
  void applied_to(LogIndex i);                                  // advance(): applied

 private:
  void truncate_and_append(const std::vector<Entry>& ents, std::size_t from);
  const StoredEntry& stored(LogIndex i) const {
    RAFT_ASSERT(i >= offset_ && i <= last_index(), "at(%llu)", detail::ull(i));
    return entries_[i - offset_];
  }

  LogIndex offset_ = 1;  // Invariant: index of entries_[0].
  Term prev_term_ = 0;   // Term of entry offset_ - 1 (0 for index 0).
  std::vector<StoredEntry> entries_;
  LogIndex committed_ = 0;
  LogIndex applying_ = 0;
  LogIndex applied_ = 0;
  LogIndex handed_ = 0;
  LogIndex stable_ = 0;
};

}  // namespace raft
