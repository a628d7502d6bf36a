// sim/etcd/standalone.h — etcd's --force-new-cluster restart (restartAsStandaloneNode) as a
// pure rewrite of a member's WAL: which entries stay, which ConfChange entries are appended
// and what the new commit index is. The member (member_bootstrap.cc) writes the result to
// its data dir and starts raft from it, as etcd does; raft/ is not involved.
//
// Source: etcd v3.5.18 server/etcdserver/raft.go restartAsStandaloneNode, getIDs,
// createConfigChangeEnts (identical in v3.4.23 etcdserver/raft.go).
//
// Must never: do I/O, read a clock, or keep state (a function of its inputs).
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "raft/types.h"

namespace raftlab::etcd {

struct StandaloneRewrite {
  // WAL entries kept: those at or below the stored commit index ("discard the previously
  // uncommitted entries"); `discarded` entries after them are dropped.
  std::size_t keep = 0;
  std::size_t discarded = 0;
  raft::LogIndex first_discarded = 0;  // index of the first discarded entry (0: none)
  // getIDs: the snapshot's voters plus every AddNode, minus every RemoveNode, of the kept
  // entries; ascending.
  std::vector<std::uint64_t> ids;
  // createConfigChangeEnts: AddNode self first when self is not in `ids` (context: a member
  // with peer URL http://localhost:2380), then RemoveNode for every other ID, ascending; at
  // the stored term, indexes commit+1.. .
  std::vector<raft::Entry> appended;
  raft::LogIndex commit = 0;  // "force commit newly appended entries": the last entry's index
};

// `log` starts at snapshot.index + 1 (the DataDir layout).
StandaloneRewrite standalone_rewrite(const raft::Snapshot& snapshot, const std::deque<raft::StoredEntry>& log,
                                     const raft::HardState& hs, std::uint64_t self);

}  // namespace raftlab::etcd
