// sim/world_data_dir.cc — what an etcd started in a container finds in its data dir:
// the peers a Bitnami trial etcd meets (World::trial_outcome, libetcd.sh
// is_node_still_a_member) and whether it may use the directory at all
// (World::data_dir_problem: docker --user, -v ... :ro, hosts' dirs; etcd's
// identifyDataDirOrDie and fileutil.TouchDirAll). docs/etcd-behaviour.md §7, §7d.
#include <algorithm>

#include "sim/etcd/entry_codec.h"
#include "sim/world.h"

namespace raftlab::sim {

std::string World::trial_outcome(int c, const TrialIdentity& flags) {
  const etcd::DataDir* d = data_dir(c);
  // The peers the trial etcd dials and who it says it is (X-Server-From, X-Etcd-Cluster-ID).
  std::map<std::uint64_t, std::vector<std::string>> peers;
  std::uint64_t my_id = 0, my_cluster = 0;
  bool adopt_remote = false;  // --initial-cluster-state=existing without a WAL: it takes the peers' cluster ID
  if (d->has_wal) {
    // The members the WAL knows (its conf changes): the peers a restarted etcd dials.
    for (const auto& e : d->log) {
      if (e.type() != raft::EntryType::ConfChange) continue;
      raft::ConfChange cc;
      if (!raft::decode_conf_change(e.data(), &cc)) continue;
      if (cc.type == raft::ConfChangeType::RemoveNode) {
        peers.erase(cc.node_id);
        continue;
      }
      MemberRecord m;
      if (etcd::decode_member(cc.context, &m)) peers[cc.node_id] = m.peer_urls;
    }
    my_id = d->member_id;
    my_cluster = d->cluster_id;
  } else if (flags.known) {
    // No WAL (only Bitnami's new_member_envs): the trial bootstraps from its flags.
    peers = flags.peers;
    my_id = flags.member_id;
    my_cluster = flags.cluster_id;
    adopt_remote = !flags.state_new;
  } else {
    return "none";
  }
  std::vector<std::string> my_urls;
  if (auto it = peers.find(my_id); it != peers.end()) my_urls = it->second;
  peers.erase(my_id);
  const Container& k = containers_[static_cast<size_t>(c)];
  Origin from;
  from.host = k.spec.host;
  from.netns = -1;
  from.who = k.spec.name;
  // Every peer answers within the trial's first moments; libetcd.sh stops etcd at the first
  // matching line and then greps the whole log: "permanently removed" / "ID mismatch"
  // first, then "cluster ID mismatch", else the member is intact.
  bool removed = false, id_mismatch = false, mismatch = false, stream = false;
  for (const auto& [id, urls] : peers) {
    if (urls.empty()) continue;
    auto ep = net_.resolve_endpoint(from, urls.front());
    if (!ep) continue;
    for (const auto& m : graveyard_) {
      if (!m->serving() || m->endpoint() != *ep) continue;
      if (adopt_remote) {
        // It joined the peers' cluster if they list its ID (else it exits: no such line).
        if (m->members().count(my_id) && m->id() == id) stream = true;
        continue;
      }
      if (m->cluster_id() != my_cluster) {
        mismatch = true;  // 412: "request sent was ignored by remote peer due to cluster ID mismatch"
      } else if (m->is_removed(my_id)) {
        removed = true;  // 410: "the member has been permanently removed from the cluster"
      } else if (m->id() == id && m->members().count(my_id)) {
        stream = true;   // "established TCP streaming connection with remote peer"
      } else if (m->id() == id) {
        // The peer knows another member at one of its URLs: it dials the trial with that
        // ID in X-Raft-To and the trial logs "ignored streaming request; ID mismatch".
        for (const auto& [mid, rec] : m->members())
          for (const auto& u : rec.peer_urls)
            if (mid != my_id && std::find(my_urls.begin(), my_urls.end(), u) != my_urls.end()) id_mismatch = true;
      }
    }
  }
  if (removed || id_mismatch) return removed ? "removed" : "id_mismatch";
  if (mismatch) return "mismatch";
  return stream ? "stream" : "none";
}

namespace {

// May uid:gid do `want` (4 r, 2 w, 1 x) in a directory with these bits? Root may do
// anything a mount allows (CAP_DAC_OVERRIDE).
bool permits(const DirPerm& p, std::uint32_t uid, std::uint32_t gid, std::uint32_t want) {
  if (uid == 0) return true;
  const std::uint32_t bits = uid == p.uid ? (p.mode >> 6) & 7u : gid == p.gid ? (p.mode >> 3) & 7u : p.mode & 7u;
  return (bits & want) == want;
}

// Go's os.FileMode.String() of a directory: "drwxrwxr-x".
std::string dir_mode_string(std::uint32_t mode) {
  std::string out = "d";
  const char* rwx = "rwx";
  for (int i = 8; i >= 0; --i) out += (mode >> i) & 1u ? rwx[(8 - i) % 3] : '-';
  return out;
}

std::string parent_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

World::DataDirProblem World::data_dir_problem(int c) {
  const Container& k = containers_[static_cast<size_t>(c)];
  const DataDirAccess& a = k.spec.access;
  DataDirProblem out;
  if (!a.modelled) return out;
  const etcd::DataDir* d = data_dir(c);
  // An undeclared bind source: prepared for the container's user by the operator.
  const DirPerm prepared{a.uid, a.gid, 0700};
  std::optional<DirPerm> existing;
  DirPerm parent = prepared;
  if (d->made) {
    existing = DirPerm{d->made_uid, d->made_gid, 0700};
  } else if (a.bind) {
    auto declared = [&](const std::string& p) -> std::optional<DirPerm> {
      auto it = host_dirs_.find({k.spec.host, p});
      if (it != host_dirs_.end()) return it->second;
      return std::nullopt;
    };
    existing = declared(a.host_path);
    if (!existing && a.host_path == a.host_root) existing = prepared;
    if (!existing) parent = declared(parent_of(a.host_path)).value_or(prepared);
  } else {
    existing = a.image_data;
    parent = a.image_parent;
  }
  const std::string& dir = a.path;
  if (existing) {
    // etcdmain identifyDataDirOrDie: os.ReadDir, fatal on anything but "not exist".
    if (!permits(*existing, a.uid, a.gid, 5)) {
      out.fatal_msg = "failed to list data directory";
      out.error = "open " + dir + ": permission denied";
      return out;
    }
    // fileutil.TouchDirAll: CheckDirPermission only warns, then IsDirWriteable writes .touch.
    if ((existing->mode & 0777) != 0700)
      out.warning = "directory \"" + dir + "\" exist, but the permission is \"" + dir_mode_string(existing->mode) +
                    "\". The recommended permission is \"-rwx------\" to prevent possible unprivileged access to the data";
    if (a.read_only) out.error = "open " + dir + "/.touch: read-only file system";
    else if (!permits(*existing, a.uid, a.gid, 3)) out.error = "open " + dir + "/.touch: permission denied";
  } else {
    // os.MkdirAll(dir, 0700) in the directory above it.
    if (a.read_only) out.error = "mkdir " + dir + ": read-only file system";
    else if (!permits(parent, a.uid, a.gid, 3)) out.error = "mkdir " + dir + ": permission denied";
  }
  if (!out.error.empty()) {
    out.fatal_msg = "discovery failed";
    out.error = "cannot access data directory: " + out.error;
  }
  return out;
}

}  // namespace raftlab::sim
