// sim/etcd/member_bootstrap.cc — runs etcd's bootstrap decision (sim/etcd/bootstrap.h,
// a pure function) inside the simulation: it supplies the data dir state and, when the
// decision needs it, what the listed peers answer to GET /members:
//   WAL present              -> no peers asked; restart from the WAL
//   no WAL, state "existing" -> GetClusterFromRemotePeers (10 s per etcd's timeout)
//   no WAL, state "new"      -> isMemberBootstrapped asks peers (1 s, BootstrapTimeout)
// A refusal is fatal: the process logs etcd's words and exits 1.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "sim/etcd/bootstrap.h"
#include "sim/etcd/entry_codec.h"
#include "sim/etcd/ids.h"
#include "sim/etcd/member.h"
#include "sim/etcd/standalone.h"
#include "sim/etcd/wording.h"

namespace raftlab::etcd {

namespace {
std::string fields_text(const LogLine& l) {
  std::string out;
  for (const auto& [k, v] : l.fields) {
    if (!out.empty()) out += ' ';
    out += k + "=" + v;
  }
  return out;
}

sim::MemberRecord to_record(const MemberInfo& m) {
  return sim::MemberRecord{m.id, m.name, m.peer_urls, m.client_urls, m.is_learner};
}
MemberInfo to_info(const sim::MemberRecord& m) { return MemberInfo{m.id, m.name, m.peer_urls, m.client_urls, m.is_learner}; }
}  // namespace

void Member::begin_bootstrap() {
  discovered_.reset();
  if (data_->has_wal) {
    decide(nullptr);
    return;
  }
  const EtcdConfig& src = *cfg_->source;
  if (!src.discovery.empty() && src.is_new_cluster()) {
    // NewServer: VerifyBootstrap and isMemberBootstrapped over the member's own entry
    // (no peers to ask), then v2discovery.JoinCluster (member_discovery.cc).
    begin_discovery();
    return;
  }
  std::vector<const std::string*> remote_urls;  // into the configuration or discovered_, which outlive the call
  if (!src.discovery_srv.empty()) {
    resolve_srv();  // PeerURLsMapAndToken: the SRV records are the initial cluster
    if (discovered_->error) {
      decide(nullptr);
      return;
    }
    for (const auto& e : discovered_->entries)
      if (e.name != cfg_->name) remote_urls.push_back(&e.url);
  } else {
    remote_urls.reserve(cfg_->initial_cluster.size());
    for (const auto& [name, url] : cfg_->initial_cluster)
      if (name != cfg_->name) remote_urls.push_back(&url);
  }
  if (remote_urls.empty()) {
    decide(nullptr);
    return;
  }
  const sim::Duration timeout = cfg_->state_new ? sim::seconds(1) : sim::seconds(10);
  query_peers(remote_urls, timeout, [this](const sim::MembersReply* r) { decide(r); });
}

void Member::decide(const sim::MembersReply* remote) {
  if (phase_ != Phase::Bootstrapping) return;
  DataDirState dd;
  dd.has_wal = data_->has_wal;
  dd.member_id = data_->member_id;
  dd.cluster_id = data_->cluster_id;
  // Memo key: everything decide_bootstrap reads besides the (fixed) configuration (the
  // peers' answer as decide_bootstrap will see it: to_info keeps every field).
  std::string key;
  key.reserve(64);
  auto add_u64 = [&key](std::uint64_t v) {
    key.append(reinterpret_cast<const char*>(&v), sizeof v);  // fixed width: unambiguous
  };
  key += dd.has_wal ? 'w' : '-';
  add_u64(dd.member_id);
  add_u64(dd.cluster_id);
  if (remote) {
    key += '|';
    add_u64(remote->cluster_id);
    for (const auto& m : *remote->members) {
      add_u64(m.id);
      key += m.is_learner ? 'l' : 'v';
      key += m.name;
      key += '\x1f';
      for (const auto& u : m.peer_urls) (key += u) += '\x1e';
      key += '\x1d';
      for (const auto& u : m.client_urls) (key += u) += '\x1e';
      key += '\x1c';
    }
  }
  if (discovered_) {
    key += '|';
    for (const auto& e : discovered_->entries) ((key += e.name) += '=') += e.url + '\x1e';
    if (discovered_->error) key += *discovered_->error;
  }
  auto memo = cfg_->bootstrap_memo->find(key);
  if (memo == cfg_->bootstrap_memo->end()) {
    std::optional<RemoteCluster> rc;  // built only when the decision is not memoised
    if (remote) {
      rc.emplace();
      rc->cluster_id = remote->cluster_id;
      for (const auto& m : *remote->members) rc->members.push_back(to_info(m));
    }
    BootstrapMemo bm;
    bm.d = decide_bootstrap(*cfg_->source, dd, rc, discovered_ ? &*discovered_ : nullptr);
    for (const auto& m : bm.d.members) bm.records.push_back(to_record(m));
    if (bm.d.kind == BootstrapKind::new_cluster) {
      // As start_raft would encode them: its member map, ascending ID (a later record
      // with the same ID replaces an earlier one).
      std::map<std::uint64_t, const sim::MemberRecord*> by_id;
      for (const auto& r : bm.records) by_id[r.id] = &r;
      for (const auto& [id, r] : by_id) bm.contexts.push_back(encode_member(*r));
    }
    memo = cfg_->bootstrap_memo->emplace(key, std::move(bm)).first;
  }
  const BootstrapMemo& bm = memo->second;
  const Decision& d = bm.d;
  for (const auto& l : d.log) {
    if (l.level == "fatal" || !host_.trace->on()) continue;  // fatal: logged by fatal() below, once
    log(l.level.c_str(), l.msg, fields_text(l));
  }
  switch (d.kind) {
    case BootstrapKind::fatal:
    case BootstrapKind::unsupported:
      fatal("discovery failed", d.error ? d.error->message : "bootstrap refused");
      return;
    case BootstrapKind::restart_from_wal: {
      member_id_ = d.member_id;
      cluster_id_ = d.cluster_id;
      if (cfg_->source->force_new_cluster) force_standalone();
      raft::Storage s;
      s.hard_state = data_->hard_state;
      s.hard_state.commit = std::max(s.hard_state.commit, standalone_commit_);
      s.entries.reserve(data_->log.size());
      for (const raft::StoredEntry& e : data_->log) s.entries.push_back(e.entry(data_->snapshot.index + 1 + s.entries.size()));
      replayed_until_ = data_->hard_state.commit;
      if (!data_->snapshot.empty()) {
        // etcd restarts from its latest snapshot, then replays the WAL after it.
        if (!restore_state(data_->snapshot)) {
          fatal("failed to recover v3 backend from snapshot", "");
          return;
        }
        snapshot_index_ = data_->snapshot.index;
        s.snapshot = data_->snapshot;
      }
      start_raft(std::move(s), false, {});
      return;
    }
    case BootstrapKind::new_cluster:
    case BootstrapKind::join_existing: {
      member_id_ = d.member_id;
      cluster_id_ = d.cluster_id;
      start_raft(raft::Storage{}, d.kind == BootstrapKind::new_cluster, bm.records,
                 d.kind == BootstrapKind::new_cluster ? &bm.contexts : nullptr);
      return;
    }
  }
}

// --force-new-cluster (etcd server/etcdserver/raft.go restartAsStandaloneNode, v3.4.23 and
// v3.5.18 alike): the uncommitted WAL entries are discarded, ConfChange entries removing
// every other member (adding self first if missing) are appended and saved to the WAL
// (`w.Save(raftpb.HardState{}, toAppEnts)`: entries only, the stored hard state is kept),
// and raft restarts with its commit index at the last of them, so its configuration is
// this member alone. Same member ID, cluster ID and data. The conf changes are applied
// like any committed entry: "removed member" per removed peer.
void Member::force_standalone() {
  const StandaloneRewrite rw = standalone_rewrite(data_->snapshot, data_->log, data_->hard_state, member_id_);
  if (rw.discarded > 0 && host_.trace->on())
    log("info", "discarding uncommitted WAL entries",
        fmt::format("entry-index={} commit-index-from-wal={} number-of-discarded-entries={}", rw.first_discarded,
                    data_->hard_state.commit, rw.discarded));
  data_->log.resize(rw.keep);
  for (const raft::Entry& e : rw.appended) data_->log.emplace_back(e);
  standalone_commit_ = rw.commit;
  if (host_.trace->on()) {
    log("info", std::string(wording::kForcingRestartMember),
        fmt::format("cluster-id={} local-member-id={} commit-index={}", format_id(cluster_id_), format_id(member_id_),
                    rw.commit));
    for (const raft::Entry& e : rw.appended) {  // saved and fsynced (WAL.Save with entries)
      sim::TraceEvent& t = add_event(sim::Ev::Append);
      t.term = e.term;
      t.index = e.index;
      t.a = sim::entry_digest(true, entry_label_hash(e.data));
    }
  }
}

}  // namespace raftlab::etcd
