// sim/etcd/member_snapshot.cc — etcd's snapshots and raft log compaction for a member
// (etcd v3.5 server/etcdserver/server.go: triggerSnapshot, snapshot, applySnapshot):
//
//   - after applying, when applied - last snapshot index > --snapshot-count, snapshot
//     the state machine at the applied index (KV + membership + applied index) into the
//     data dir (snap/*.snap) and drop the WAL up to it;
//   - compact the in-memory raft log, keeping SnapshotCatchUpEntries (5,000) entries
//     before the snapshot for slow followers;
//   - a follower handed a leader's snapshot (Ready::snapshot) replaces its state.
// The encoding: sim/etcd/byte_codec.h (length-prefixed fields, little-endian integers).
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "sim/etcd/byte_codec.h"
#include "sim/etcd/entry_codec.h"
#include "sim/etcd/member.h"

namespace raftlab::etcd {

namespace {

constexpr std::uint64_t kSnapshotCatchUpEntries = 5000;  // etcd DefaultSnapshotCatchUpEntries
constexpr std::uint64_t kDefaultSnapshotCount = 100000;   // etcd DefaultSnapshotCount

}  // namespace

std::string Member::encode_state() const {
  std::string out;
  put_u64(&out, applied_);
  put_u64(&out, revision_);
  put_u64(&out, kv_bytes_);
  put_u64(&out, kv_.size());
  // In key order (kv_ is a hash map): the snapshot's bytes never depend on hashing.
  std::vector<const std::pair<const std::string, KeyValue>*> sorted;
  sorted.reserve(kv_.size());
  for (const auto& kv : kv_) sorted.push_back(&kv);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* kv : sorted) {
    const auto& [k, v] = *kv;
    put_str(&out, k);
    put_str(&out, v.value);
    put_u64(&out, v.create_rev);
    put_u64(&out, v.mod_rev);
    put_u64(&out, v.version);
  }
  put_u64(&out, members_.size());
  for (const auto& [id, m] : members_) put_str(&out, encode_member(m));
  put_u64(&out, removed_.size());
  for (std::uint64_t id : removed_) put_u64(&out, id);
  // The auth store, only once it holds something (a snapshot without auth keeps its bytes).
  if (!auth_.empty()) put_str(&out, auth_.encode());
  return out;
}

bool Member::restore_state(const raft::Snapshot& snap) {
  ByteReader r{snap.data};
  const std::uint64_t applied = r.u64();
  const std::uint64_t revision = r.u64();
  const std::uint64_t kv_bytes = r.u64();
  decltype(kv_) kv;
  for (std::uint64_t n = r.u64(); r.ok && n > 0; --n) {
    std::string k = r.str();
    KeyValue v;
    v.value = r.str();
    v.create_rev = r.u64();
    v.mod_rev = r.u64();
    v.version = r.u64();
    kv.emplace(std::move(k), std::move(v));
  }
  std::map<std::uint64_t, sim::MemberRecord> members;
  for (std::uint64_t n = r.u64(); r.ok && n > 0; --n) {
    sim::MemberRecord m;
    if (!decode_member(r.str(), &m)) return false;
    members[m.id] = std::move(m);
  }
  std::set<std::uint64_t> removed;
  for (std::uint64_t n = r.u64(); r.ok && n > 0; --n) removed.insert(r.u64());
  AuthStore auth;
  if (r.ok && r.pos < snap.data.size() && !auth.decode(r.str())) return false;
  if (!r.ok || r.pos != snap.data.size() || applied != snap.index) return false;
  applied_ = applied;
  revision_ = revision;
  kv_bytes_ = kv_bytes;
  kv_ = std::move(kv);
  members_ = std::move(members);
  ++members_version_;
  removed_ = std::move(removed);
  auth_ = std::move(auth);
  for (std::uint64_t id : removed_) connected_since_.erase(id);
  return true;
}

std::uint64_t Member::snapshot_count() const {
  // etcd: a snapshot count of 0 is replaced by the default (NewServer).
  const std::uint64_t n = cfg_->source ? cfg_->source->snapshot_count : kDefaultSnapshotCount;
  return n == 0 ? kDefaultSnapshotCount : n;
}

void Member::maybe_snapshot() {
  if (phase_ != Phase::Running || applied_ - snapshot_index_ <= snapshot_count()) return;
  const std::uint64_t snapi = applied_;
  if (host_.trace->on()) {
    log("info", "triggering snapshot",
        fmt::format("local-member-id={} local-member-applied-index={} local-member-snapshot-index={} "
                    "local-member-snapshot-count={}",
                    sim::hex_id(member_id_), snapi, snapshot_index_, snapshot_count()));
  }
  node_->create_snapshot(snapi, encode_state());
  // SaveSnap + Release: the data dir holds the snapshot and the WAL after it. SaveSnap
  // ends with the WAL's fsync (WAL.SaveSnapshot), so what was written before it (a
  // commit-only hard state) is durable too.
  sync_write();
  const raft::Snapshot& snap = *node_->snapshot();
  const std::uint64_t drop = std::min<std::uint64_t>(snap.index - data_->snapshot.index, data_->log.size());
  data_->log.erase(data_->log.begin(), data_->log.begin() + static_cast<std::ptrdiff_t>(drop));
  data_->snapshot = snap;
  snapshot_index_ = snapi;
  // Keep some entries in memory for slow followers (etcd compacti); etcd replaces a
  // catch-up count of 0 by the default.
  std::uint64_t catchup = cfg_->source ? cfg_->source->snapshot_catchup_entries : kSnapshotCatchUpEntries;
  if (catchup == 0) catchup = kSnapshotCatchUpEntries;
  const std::uint64_t compacti = snapi > catchup ? snapi - catchup : 1;
  if (compacti >= node_->first_index()) node_->compact(compacti);
  if (host_.trace->on()) {
    log("info", "saved snapshot", fmt::format("snapshot-index={}", snapi));
    log("info", "compacted Raft logs", fmt::format("compact-index={}", compacti));
  }
}

void Member::apply_snapshot(const raft::Snapshot& snap) {
  if (host_.trace->on()) {
    log("info", "applying snapshot",
        fmt::format("current-snapshot-index={} current-applied-index={} incoming-leader-snapshot-index={} "
                    "incoming-leader-snapshot-term={}",
                    snapshot_index_, applied_, snap.index, snap.term));
  }
  if (!restore_state(snap)) {
    fatal("failed to restore snapshot", fmt::format("snapshot-index={}", snap.index));
    return;
  }
  snapshot_index_ = snap.index;
  if (host_.trace->on()) {
    log("info", "applied snapshot",
        fmt::format("current-snapshot-index={} current-applied-index={}", snapshot_index_, applied_));
  }
}

}  // namespace raftlab::etcd
