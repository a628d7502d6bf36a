// sim/etcd/member_persist.cc — the member's WAL writes: written at once into the page
// cache, durable when their fsync completes (MemberFaults::fsync_latency; at once when
// it is 0; a write that etcd does not fsync waits for the next one that does), and what
// a crash keeps or loses. Records `append` (each entry when
// durable), `hard_state` (a new durable hard state) and `data_loss` (docs/trace-format.md).
#include <fmt/format.h>

#include "sim/etcd/member.h"

namespace raftlab::etcd {

using sim::Ev;
using sim::TraceEvent;

sim::Duration Member::fsync_latency() const { return host_.faults ? host_.faults->fsync_latency : sim::Duration{0}; }

bool Member::write_ready(raft::Ready& rd, bool* must_sync) {
  // etcd's WAL.Save (wal/wal.go): nothing to write ("short cut, do not call sync") when
  // the hard state is empty and there are no entries; otherwise it writes the records and
  // fsyncs only if raft.MustSync: new entries, or a new term or vote. A commit-only hard
  // state stays in the page cache until the next fsync. A snapshot is saved with an fsync
  // (Storage.SaveSnap).
  *must_sync = false;
  if (!rd.snapshot && !rd.hard_state && rd.entries.empty()) return true;
  *must_sync = rd.snapshot || !rd.entries.empty() ||
               (rd.hard_state &&
                (rd.hard_state->term != data_->hard_state.term || rd.hard_state->vote != data_->hard_state.vote));
  // Built in place (an Unsynced is ~200 bytes). One write is in flight at a time: a write
  // that fsyncs is made durable by sync_write() before the next Ready is taken, so what is
  // still pending here can only be commit-only hard states; this write joins them (one
  // fsync makes the whole file durable).
  Unsynced& u = unsynced_ ? *unsynced_ : unsynced_.emplace();
  if (rd.snapshot) {
    // A leader's snapshot replaces the whole WAL (etcd saves the snap file first).
    u.snapshot_replaced = true;
    u.old_snapshot = data_->snapshot;
    u.old_log.assign(data_->log.begin(), data_->log.end());
    data_->snapshot = *rd.snapshot;
    data_->log.clear();
  }
  if (rd.hard_state) {
    if (!u.hs_changed) u.old_hs = data_->hard_state;  // the last durable one
    u.hs_changed = true;
    u.hs = *rd.hard_state;
    data_->hard_state = *rd.hard_state;
  }
  if (!rd.entries.empty()) {
    const raft::LogIndex first = rd.entries.front().index;
    const raft::LogIndex offset = data_->snapshot.index + 1;
    if (first < offset || first > offset + data_->log.size()) {
      unsynced_.reset();
      fatal("raft: persisted log would have a gap", fmt::format("first={} have={}", first, data_->log.size()));
      return false;
    }
    const auto keep = static_cast<std::size_t>(first - offset);
    if (keep < data_->log.size() && host_.trace->on()) {
      // raftLog.findConflict (raft/log.go, v3.4.23 and v3.5.18): the first new entry whose
      // term differs from the one this log holds at its index, logged when that index is
      // already in the log — a deposed leader's or a stale follower's entries overwritten.
      for (const auto& e : rd.entries) {
        const raft::LogIndex i = e.index;
        if (i - offset >= data_->log.size()) break;
        const raft::Term existing = data_->log[static_cast<std::size_t>(i - offset)].term();
        if (existing != e.term) {
          log("info", fmt::format("found conflict at index {} [existing term: {}, conflicting term: {}]", i, existing, e.term));
          break;
        }
      }
    }
    if (!u.snapshot_replaced && keep < data_->log.size())
      u.overwritten.assign(data_->log.begin() + static_cast<std::ptrdiff_t>(keep), data_->log.end());
    data_->log.resize(keep);
    u.first = first;
    u.last = rd.entries.back().index;
    if (srv_bootstrap_labels_) label_srv_bootstrap(rd.entries);
    for (auto& e : rd.entries) data_->log.emplace_back(std::move(e));
  }
  data_->writes++;
  return true;
}

void Member::sync_write() {
  if (!unsynced_) return;
  const Unsynced& u = *unsynced_;
  if (host_.trace->on()) {
    if (u.first != 0) {
      const raft::LogIndex offset = data_->snapshot.index + 1;
      for (raft::LogIndex i = u.first; i <= u.last; ++i) {
        if (i < offset || i - offset >= data_->log.size()) break;
        const raft::StoredEntry& e = data_->log[static_cast<std::size_t>(i - offset)];
        TraceEvent& t = add_event(Ev::Append);
        t.term = e.term();
        t.index = i;
        t.a = sim::entry_digest(e.type() == raft::EntryType::ConfChange, entry_label_hash(e.data()));
      }
    }
    if (u.hs_changed) {
      TraceEvent& t = add_event(Ev::HardState);
      t.term = u.hs.term;
      t.peer = u.hs.vote;
      t.index = u.hs.commit;
    }
  }
  unsynced_.reset();
}

void Member::crash(bool lose_unsynced) {
  if (phase_ == Phase::Stopped) return;
  if (lose_unsynced && unsynced_) {
    const Unsynced u = std::move(*unsynced_);
    unsynced_.reset();
    if (u.snapshot_replaced) {
      data_->snapshot = u.old_snapshot;
      data_->log.assign(u.old_log.begin(), u.old_log.end());
    } else if (u.first != 0) {
      const raft::LogIndex offset = data_->snapshot.index + 1;
      data_->log.resize(static_cast<std::size_t>(u.first - offset));
      for (const auto& e : u.overwritten) data_->log.push_back(e);
    }
    if (u.hs_changed) data_->hard_state = u.old_hs;
    if (host_.trace->on() && (u.first != 0 || u.hs_changed || u.snapshot_replaced)) {
      TraceEvent t = event(Ev::DataLoss);
      t.index = data_->snapshot.index + data_->log.size();
      t.a = "unsynced";
      std::string what;
      if (u.first != 0) what = fmt::format("entries {}..{} not fsynced", u.first, u.last);
      if (u.hs_changed)
        what += fmt::format("{}hard state term={} vote={} commit={} not fsynced", what.empty() ? "" : "; ", u.hs.term,
                            sim::hex_id(u.hs.vote), u.hs.commit);
      if (u.snapshot_replaced) what += fmt::format("{}snapshot not fsynced", what.empty() ? "" : "; ");
      t.b = what;
      host_.trace->record(std::move(t));
    }
  }
  // Otherwise the OS still writes what etcd wrote: it is durable.
  sync_write();
  stop("killed");
}

// An SRV bootstrap's own ConfChange entries (indexes 1..n, made locally by every member
// from its own initial cluster) carry the member as etcd's startNode marshals it, with
// the names srv.GetCluster gave: its own name for itself, "0", "1", ... for the others.
// So two members' entries at one index differ in those names only, as in etcd, and the
// apply is the same (the node ID and peer URLs; the names are replaced when each member
// publishes). The trace digest of these entries is taken without the name, so the log
// checkers compare what the entries do (docs/etcd-behaviour.md, "Discovery").
void Member::label_srv_bootstrap(const std::vector<raft::Entry>& entries) {
  srv_bootstrap_labels_ = false;
  for (const raft::Entry& e : entries) {
    if (e.term != 1 || e.type != raft::EntryType::ConfChange || e.index > members_.size()) continue;
    raft::ConfChange cc;
    std::string_view ctx;
    sim::MemberRecord m;
    std::uint64_t* memo = e.data.memo64();
    if (memo == nullptr || !raft::decode_conf_change_header(e.data.view(), &cc, &ctx) || !decode_member(ctx, &m)) continue;
    std::string label = "srv-bootstrap:" + std::to_string(cc.node_id);
    for (const auto& u : m.peer_urls) (label += ' ') += u;
    memo[3] = sim::label_hash(label);
  }
}

}  // namespace raftlab::etcd
