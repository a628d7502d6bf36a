// sim/check/durable_log.h — private to sim/check: a member's durable log rebuilt from
// `append` and `data_loss` events, and small interning helpers. The checkers consume the
// trace event by event (issue 24: a streamed trace does not keep its events), so nothing
// here points into an event: names are owned once, digests packed into 16 bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/trace.h"

namespace raftlab::check::detail {

// An entry digest (`apply`/`append` a) without its text: the trace's "normal:%016x" and
// "conf:%016x" (sim::entry_digest) packed as (kind, hash); any other text (hand-written
// traces) interned in the checker's DigestPool. Equal digests of one pool compare equal.
struct Digest {
  std::uint64_t hash = 0;
  std::uint32_t kind = 0;  // 0: "", 1: normal, 2: conf, 3 + i: the pool's text i
  bool operator==(const Digest&) const = default;
};

class DigestPool {
 public:
  Digest of(std::string_view s) {
    if (s.empty()) return {};
    if (s.size() == 23 && s.substr(0, 7) == "normal:") {
      if (std::uint64_t h = 0; hex16(s.substr(7), &h)) return {h, 1};
    } else if (s.size() == 21 && s.substr(0, 5) == "conf:") {
      if (std::uint64_t h = 0; hex16(s.substr(5), &h)) return {h, 2};
    }
    auto [it, fresh] = ids_.try_emplace(std::string(s), static_cast<std::uint32_t>(texts_.size()));
    if (fresh) texts_.push_back(&it->first);
    return {0, 3 + it->second};
  }
  std::string text(const Digest& d) const {
    if (d.kind == 0) return {};
    if (d.kind >= 3) return *texts_[d.kind - 3];
    return sim::entry_digest(d.kind == 2, d.hash);
  }

 private:
  // Exactly 16 lowercase hex digits (what entry_digest prints), so text(of(s)) == s.
  static bool hex16(std::string_view s, std::uint64_t* out) {
    std::uint64_t v = 0;
    for (char c : s) {
      if (c >= '0' && c <= '9') v = v << 4 | static_cast<std::uint64_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v = v << 4 | static_cast<std::uint64_t>(c - 'a' + 10);
      else return false;
    }
    *out = v;
    return true;
  }
  std::unordered_map<std::string, std::uint32_t> ids_;  // node-based: keys stay put
  std::vector<const std::string*> texts_;
};

struct LogEntry {
  std::uint64_t term = 0;
  Digest digest;
  bool known = false;     // false: a gap (entries before a log that starts later, compaction)
  bool snapshot = false;  // the last entry of an installed snapshot: term known, content not
};

class DurableLog {
 public:
  std::uint64_t cluster_id = 0;

  // `append`: the entry is durable; everything the WAL held beyond its index is gone.
  void append(const sim::TraceEvent& e, Digest digest) {
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
    entries_.push_back(LogEntry{e.term, digest, true});
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

// Small dense ids for trace `who` names, each name owned once. A trace names a handful of
// members and is asked once per append/apply/data_loss event: names of up to 16 bytes are
// compared as two 64-bit words (no hashing, no memcmp call); longer ones, and traces with
// many names, go through the hash map.
class Names {
 public:
  std::size_t id(std::string_view who) {
    if (who.size() <= 16 && names_.size() <= kLinear) {
      const Short k = pack(who);
      for (std::size_t i = 0; i < shorts_.size(); ++i)
        if (shorts_[i] == k) return i;
    }
    if (auto it = ids_.find(who); it != ids_.end()) return it->second;
    owned_.emplace_back(who);  // a deque: earlier names (the map's keys) stay put
    const std::string_view mine = owned_.back();
    ids_.emplace(mine, names_.size());
    names_.push_back(mine);
    shorts_.push_back(who.size() <= 16 ? pack(who) : Short{});
    return names_.size() - 1;
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
  std::deque<std::string> owned_;
  std::unordered_map<std::string_view, std::size_t> ids_;
  std::vector<std::string_view> names_;
  std::vector<Short> shorts_;  // [id]: names_[id] packed
};

}  // namespace raftlab::check::detail
