// raft/types.h — the vocabulary of the Raft core: ids, terms, indexes, log entries,
// hard state and membership configuration.
//
// Must never: include anything from sim/, read a clock, do I/O, or hold global state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "raft/assert.h"
#include "raft/payload.h"

namespace raft {

// Aliases rather than wrapper types: they cross every API and are compared and
// incremented constantly; the names (not the types) carry the meaning. A member ID is
// etcd's 64-bit member ID. 0 means "none" for NodeId, as in etcd (raft.None).
using NodeId = std::uint64_t;
using Term = std::uint64_t;
using LogIndex = std::uint64_t;
inline constexpr NodeId kNone = 0;

enum class EntryType : std::uint8_t { Normal, ConfChange };

enum class ConfChangeType : std::uint8_t { AddNode, RemoveNode };

// A single-server membership change (Raft thesis §4.1; etcd's ConfChange v1).
// `context` is opaque to raft: etcd puts the JSON-encoded member there.
struct ConfChange {
  ConfChangeType type = ConfChangeType::AddNode;
  NodeId node_id = kNone;
  std::string context;
  bool operator==(const ConfChange&) const = default;
};

// One log entry. For EntryType::ConfChange, `data` is encode_conf_change(cc). The bytes
// are shared, not copied, when the entry is (raft/payload.h).
struct Entry {
  Term term = 0;
  LogIndex index = 0;
  EntryType type = EntryType::Normal;
  Payload data;
  bool operator==(const Entry&) const = default;
};

// An entry as a log keeps it where the index follows from the position (RaftLog, an etcd
// member's WAL): 16 bytes instead of Entry's 32, the term and the type sharing one word.
// A log holds one per index for as long as the index is not compacted; with five members
// each keeping a raft log and a WAL, those words are most of a long run's memory.
// Invariant: term < 2^56 (a term grows by one per election).
class StoredEntry {
 public:
  StoredEntry() = default;
  explicit StoredEntry(const Entry& e) : term_type_(pack(e.term, e.type)), data_(e.data) {}
  explicit StoredEntry(Entry&& e) : term_type_(pack(e.term, e.type)), data_(std::move(e.data)) {}

  Term term() const { return term_type_ >> 8; }
  EntryType type() const { return static_cast<EntryType>(term_type_ & 0xff); }
  const Payload& data() const { return data_; }
  // The entry itself, at the index its position gives it.
  Entry entry(LogIndex index) const { return Entry{term(), index, type(), data_}; }
  void fill(LogIndex index, Entry* out) const {
    out->term = term();
    out->index = index;
    out->type = type();
    out->data = data_;
  }

 private:
  static std::uint64_t pack(Term t, EntryType type) {
    RAFT_ASSERT(t < (std::uint64_t{1} << 56), "term %llu too large to store", detail::ull(t));
    return t << 8 | static_cast<std::uint8_t>(type);
  }
  std::uint64_t term_type_ = 0;
  Payload data_;
};
static_assert(sizeof(StoredEntry) == 16);

// The state that must be on stable storage before any message that depends on it
// leaves the node (Raft paper Figure 2, "Persistent state on all servers").
struct HardState {
  Term term = 0;
  NodeId vote = kNone;
  LogIndex commit = 0;
  bool operator==(const HardState&) const = default;
  bool empty() const { return term == 0 && vote == kNone && commit == 0; }
};

// Voting membership. Invariant: `voters` is sorted ascending and has no duplicates.
struct ConfState {
  std::vector<NodeId> voters;
  bool operator==(const ConfState&) const = default;
};

// A snapshot of the host's state machine at `index` (etcd raftpb.Snapshot): the log up to
// and including `index` (whose term is `term`) may be discarded once it exists.
// `conf` is the voting membership as of `index`; `data` is opaque to raft (etcd: the
// KV store and membership). index == 0 means "no snapshot".
struct Snapshot {
  LogIndex index = 0;
  Term term = 0;
  ConfState conf;
  std::string data;
  bool empty() const { return index == 0; }
  bool operator==(const Snapshot&) const = default;
};

enum class Role : std::uint8_t { Follower, PreCandidate, Candidate, Leader };
const char* role_name(Role r);

// Serialise / parse a ConfChange into an entry's data (stable, platform-independent).
std::string encode_conf_change(const ConfChange& cc);
// The same bytes written straight into an entry's payload (no ConfChange, no string).
Payload encode_conf_change_payload(ConfChangeType type, NodeId node_id, std::string_view context);
bool decode_conf_change(std::string_view data, ConfChange* out);
// The same, leaving out->context untouched and `context` a view into `data` (no copy).
bool decode_conf_change_header(std::string_view data, ConfChange* out, std::string_view* context);

}  // namespace raft
