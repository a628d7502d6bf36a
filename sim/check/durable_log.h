// sim/check/durable_log.h — private to sim/check: a member's durable log rebuilt from
// `append` and `data_loss` events, and small interning helpers. Digests are views into
// the trace's events, which outlive every checker call (no copies per event).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/trace.h"

namespace raftlab::check::detail {

struct LogEntry {
  std::uint64_t term = 0;
  std::string_view digest;
  bool known = false;     // false: a gap (entries before a log that starts later, compaction)
  bool snapshot = false;  // the last entry of an installed snapshot: term known, content not
};

class DurableLog {
 public:
  std::uint64_t cluster_id = 0;

  // `append`: the entry is durable; everything the WAL held beyond its index is gone.
  void append(const sim::TraceEvent& e) {
    if (cluster_id != e.cluster_id) {  // a new incarnation in another cluster
      clear();
      cluster_id = e.cluster_id;
    }
    if (e.index == 0) return;
    if (entries_.empty() || e.index < base_ || e.index > base_ + entries_.size() + kMaxGap) {
      // First entry, or one far outside what we hold (a log that starts at a snapshot):
      // start over from it rather than allocate a gap.
      base_ = e.index;
      entries_.clear();
    }
    entries_.resize(e.index - base_);  // drop the suffix (or open a gap of unknowns)
    entries_.push_back(LogEntry{e.term, e.a, true});
  }
  // A snapshot up to (index, term) replaced the log (a follower installing the leader's).
  void restore(std::uint64_t index, std::uint64_t term) {
    entries_.clear();
    base_ = index;
    entries_.push_back(LogEntry{term, {}, true, true});
  }
  // `data_loss`: the WAL holds entries up to `index` only.
  void truncate(std::uint64_t index) {
    if (index + 1 <= base_) {
      entries_.clear();
    } else if (index - base_ + 1 < entries_.size()) {
      entries_.resize(index - base_ + 1);
    }
  }
  const LogEntry* at(std::uint64_t index) const {
    if (index < base_ || index - base_ >= entries_.size()) return nullptr;
    const LogEntry& x = entries_[index - base_];
    return x.known ? &x : nullptr;
  }
  bool empty() const { return entries_.empty(); }
  // The first index this log is known to hold (0 when empty).
  std::uint64_t first_index() const {
    for (std::size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].known) return base_ + i;
    return 0;
  }
  void clear() {
    entries_.clear();
    base_ = 1;
  }

 private:
  static constexpr std::uint64_t kMaxGap = 1 << 16;
  std::uint64_t base_ = 1;  // index of entries_[0]
  std::vector<LogEntry> entries_;
};

// A member installing a leader's snapshot: the trace has no event of its own for it, but
// etcd's log line (`log`, b "applying snapshot", c "... incoming-leader-snapshot-index=N
// incoming-leader-snapshot-term=T") names it. True and (index, term) when `e` is one.
inline bool snapshot_install(const sim::TraceEvent& e, std::uint64_t* index, std::uint64_t* term) {
  if (e.kind != sim::Ev::Log || e.b != "applying snapshot") return false;
  auto field = [&](std::string_view key, std::uint64_t* out) {
    const std::size_t at = e.c.find(key);
    if (at == std::string::npos) return false;
    std::uint64_t v = 0;
    std::size_t i = at + key.size();
    if (i >= e.c.size() || e.c[i] < '0' || e.c[i] > '9') return false;
    for (; i < e.c.size() && e.c[i] >= '0' && e.c[i] <= '9' && v < (std::uint64_t{1} << 60); ++i)
      v = v * 10 + static_cast<std::uint64_t>(e.c[i] - '0');
    *out = v;
    return true;
  };
  return field("incoming-leader-snapshot-index=", index) && field("incoming-leader-snapshot-term=", term);
}

// Small dense ids for trace `who` names. A trace names a handful of members and is asked
// once per append/apply/data_loss event: names of up to 16 bytes are compared as two
// 64-bit words (no hashing, no memcmp call); longer ones, and traces with many names, go
// through the hash map.
class Names {
 public:
  std::size_t id(std::string_view who) {
    if (who.size() <= 16 && names_.size() <= kLinear) {
      const Short k = pack(who);
      for (std::size_t i = 0; i < shorts_.size(); ++i)
        if (shorts_[i] == k) return i;
    }
    auto [it, fresh] = ids_.try_emplace(who, names_.size());
    if (fresh) {
      names_.push_back(who);
      shorts_.push_back(who.size() <= 16 ? pack(who) : Short{});
    }
    return it->second;
  }
  std::string_view name(std::size_t id) const { return names_[id]; }
  std::size_t size() const { return names_.size(); }

 private:
  struct Short {
    std::uint64_t len = ~std::uint64_t{0}, w0 = 0, w1 = 0;  // len ~0: not a short name
    bool operator==(const Short&) const = default;
  };
  static Short pack(std::string_view s) {
    Short k;
    k.len = s.size();
    char buf[16] = {};
    std::memcpy(buf, s.data(), s.size());
    std::memcpy(&k.w0, buf, 8);
    std::memcpy(&k.w1, buf + 8, 8);
    return k;
  }
  static constexpr std::size_t kLinear = 16;
  std::unordered_map<std::string_view, std::size_t> ids_;
  std::vector<std::string_view> names_;
  std::vector<Short> shorts_;  // [id]: names_[id] packed
};

}  // namespace raftlab::check::detail
