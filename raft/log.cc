// raft/log.cc — see raft/log.h.
#include "raft/log.h"

#include <algorithm>

namespace raft {

using detail::ull;

RaftLog::RaftLog(std::vector<Entry> restored, LogIndex snap_index, Term snap_term)
    : offset_(snap_index + 1), prev_term_(snap_term) {
  RAFT_ASSERT(snap_index > 0 || snap_term == 0, "snapshot term %llu at index 0", ull(snap_term));
  entries_.reserve(restored.size());
  for (std::size_t i = 0; i < restored.size(); ++i) {
    RAFT_ASSERT(restored[i].index == offset_ + i, "restored log not contiguous at %zu", i);
    RAFT_ASSERT(restored[i].term >= (i == 0 ? prev_term_ : restored[i - 1].term),
                "restored log terms decrease at index %llu", ull(restored[i].index));
    entries_.emplace_back(std::move(restored[i]));
  }
  handed_ = stable_ = last_index();
  committed_ = applying_ = applied_ = snap_index;
}

LogIndex RaftLog::find_conflict(const std::vector<Entry>& ents) const {
  for (const Entry& e : ents) {
    if (!match_term(e.index, e.term)) return e.index;
  }
  return 0;
}

std::pair<LogIndex, Term> RaftLog::find_conflict_by_term(LogIndex index, Term t) const {
  index = std::min(index, last_index());
  for (; index + 1 >= offset_; --index) {  // Bounded by the log length.
    const Term our = term(index);
    if (our <= t) return {index, our};
    if (index == 0) break;
  }
  // Compacted away: the term is unknown, so assume a possible match there (etcd).
  return {index + 1 >= offset_ ? 0 : index, 0};
}

bool RaftLog::maybe_append(LogIndex index, Term log_term, LogIndex commit,
                           const std::vector<Entry>& ents, LogIndex* last_new) {
  if (!match_term(index, log_term)) return false;
  const LogIndex lastnewi = index + ents.size();
  const LogIndex ci = find_conflict(ents);
  if (ci != 0) {
    // §5.3: an existing entry conflicts with a new one — delete it and all that follow.
    // A committed entry can never conflict (Leader Completeness), so this is fatal.
    RAFT_ASSERT(ci > committed_, "conflict at %llu <= committed %llu", ull(ci), ull(committed_));
    RAFT_ASSERT(ci > index, "conflict %llu not after prev %llu", ull(ci), ull(index));
    truncate_and_append(ents, static_cast<std::size_t>(ci - (index + 1)));
  }
  commit_to(std::min(commit, lastnewi));
  *last_new = lastnewi;
  return true;
}

void RaftLog::truncate_and_append(const std::vector<Entry>& ents, std::size_t from) {
  const LogIndex first = ents[from].index;
  RAFT_ASSERT(first >= offset_ && first <= last_index() + 1, "append at %llu leaves a gap",
              ull(first));
  entries_.resize(static_cast<std::size_t>(first - offset_));
  for (std::size_t k = from; k < ents.size(); ++k) entries_.emplace_back(ents[k]);
  // Entries at or after `first` were replaced: whatever the host got before is stale.
  handed_ = std::min(handed_, first - 1);
  stable_ = std::min(stable_, first - 1);
}

void RaftLog::append(Entry e) {
  RAFT_ASSERT(e.index == last_index() + 1, "append index %llu after last %llu", ull(e.index),
              ull(last_index()));
  RAFT_ASSERT(e.term >= last_term(), "append term %llu below last term %llu", ull(e.term),
              ull(last_term()));
  entries_.emplace_back(std::move(e));
}

void RaftLog::commit_to(LogIndex i) {
  if (i <= committed_) return;  // Never decrease commit (a stale message may carry less).
  RAFT_ASSERT(i <= last_index(), "commit %llu beyond last %llu (log lost or corrupted?)", ull(i),
              ull(last_index()));
  committed_ = i;
}

void RaftLog::compact(LogIndex i) {
  if (i + 1 <= offset_) return;  // Already compacted that far.
  RAFT_ASSERT(i <= applied_, "compact(%llu) beyond applied %llu", ull(i), ull(applied_));
  prev_term_ = term(i);
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(i + 1 - offset_));
  offset_ = i + 1;
}

void RaftLog::restore(LogIndex index, Term t) {
  RAFT_ASSERT(index > committed_, "restore(%llu) at or below committed %llu", ull(index),
              ull(committed_));
  entries_.clear();
  offset_ = index + 1;
  prev_term_ = t;
  committed_ = handed_ = stable_ = applying_ = index;
  // applied_ moves when the host has restored the snapshot (advance).
}

void RaftLog::slice(LogIndex lo, LogIndex hi, std::size_t max_count,
                    std::vector<Entry>* out) const {
  if (lo > hi) return;
  RAFT_ASSERT(lo >= offset_ && hi <= last_index(), "slice [%llu, %llu]", ull(lo), ull(hi));
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(hi - lo + 1), max_count);
  const std::size_t base = out->size();
  out->resize(base + n);
  const StoredEntry* from = entries_.data() + (lo - offset_);
  for (std::size_t k = 0; k < n; ++k) from[k].fill(lo + k, &(*out)[base + k]);
}

namespace {
std::uint64_t varint_size(std::uint64_t v) {
  std::uint64_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
}  // namespace

std::uint64_t entry_size(const Entry& e) {
  std::uint64_t n = 3 + varint_size(e.term) + varint_size(e.index) +
                    varint_size(static_cast<std::uint64_t>(e.type));
  if (!e.data.empty()) n += 1 + varint_size(e.data.size()) + e.data.size();
  return n;
}

void RaftLog::slice(LogIndex lo, LogIndex hi, std::size_t max_count, std::uint64_t max_bytes,
                    std::uint64_t (*bytes)(const Entry&), std::vector<Entry>* out) const {
  if (max_bytes == ~std::uint64_t{0} || lo > hi) return slice(lo, hi, max_count, out);
  RAFT_ASSERT(lo >= offset_ && hi <= last_index(), "slice [%llu, %llu]", ull(lo), ull(hi));
  if (bytes == nullptr) bytes = &entry_size;
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(hi - lo + 1), max_count);
  std::uint64_t total = 0;
  const StoredEntry* from = entries_.data() + (lo - offset_);
  // Room for a typical message up front (a W3 MsgApp carries ~100 entries), not for all
  // n: under a byte limit a backlog of thousands may go out a few entries at a time.
  if (out->empty()) out->reserve(std::min<std::size_t>(n, 128));
  for (std::size_t k = 0; k < n; ++k) {
    from[k].fill(lo + k, &out->emplace_back());
    const std::uint64_t sz = bytes(out->back());
    // The first entry goes whatever its size; then stop before total + sz > max_bytes
    // (written without overflow).
    if (k > 0 && sz > max_bytes - std::min(total, max_bytes)) {
      out->pop_back();
      break;
    }
    total += sz;
  }
}

void RaftLog::hand_out_to(LogIndex i) {
  RAFT_ASSERT(i <= last_index() && i >= handed_, "hand_out_to %llu", ull(i));
  handed_ = i;
}

void RaftLog::stable_to(LogIndex i) {
  // `i` may have been truncated since it was handed out; handed_ was lowered then.
  stable_ = std::max(stable_, std::min(i, handed_));
}

void RaftLog::applying_to(LogIndex i) {
  RAFT_ASSERT(i >= applying_ && i <= committed_ && i <= handed_, "applying_to %llu", ull(i));
  applying_ = i;
}

void RaftLog::applied_to(LogIndex i) {
  RAFT_ASSERT(i >= applied_ && i <= applying_, "applied_to %llu (applied %llu applying %llu)",
              ull(i), ull(applied_), ull(applying_));
  applied_ = i;
}

}  // namespace raft
