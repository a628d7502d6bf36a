// sim/etcd/standalone.cc — restartAsStandaloneNode's WAL rewrite (see standalone.h).
#include "sim/etcd/standalone.h"

#include <set>
#include <string_view>

#include "sim/etcd/entry_codec.h"
#include "sim/wire.h"

namespace raftlab::etcd {

StandaloneRewrite standalone_rewrite(const raft::Snapshot& snapshot, const std::deque<raft::StoredEntry>& log,
                                     const raft::HardState& hs, std::uint64_t self) {
  StandaloneRewrite out;
  const raft::LogIndex first = snapshot.index + 1;
  // restartAsStandaloneNode: "discard the previously uncommitted entries" (ent.Index > st.Commit).
  out.keep = log.size();
  for (std::size_t i = 0; i < log.size(); ++i) {
    if (first + i > hs.commit) {
      out.keep = i;
      out.discarded = log.size() - i;
      out.first_discarded = first + i;
      break;
    }
  }
  // getIDs: snap.Metadata.ConfState.Voters, then the kept entries' ConfChanges in order.
  std::set<std::uint64_t> ids(snapshot.conf.voters.begin(), snapshot.conf.voters.end());
  for (std::size_t i = 0; i < out.keep; ++i) {
    if (log[i].type() != raft::EntryType::ConfChange) continue;
    raft::ConfChange cc;
    std::string_view context;
    if (!raft::decode_conf_change_header(log[i].data(), &cc, &context)) continue;
    if (cc.type == raft::ConfChangeType::AddNode) ids.insert(cc.node_id); else ids.erase(cc.node_id);
  }
  out.ids.assign(ids.begin(), ids.end());  // sort.Sort(sids)
  // createConfigChangeEnts(ids, self, st.Term, st.Commit): next := index + 1.
  raft::LogIndex next = hs.commit + 1;
  if (!ids.count(self)) {
    // "NB: always add self first, then remove other nodes. Raft will panic if the set of
    // voters ever becomes empty." The context is membership.Member{ID: self, PeerURLs:
    // ["http://localhost:2380"]}.
    sim::MemberRecord m;
    m.id = self;
    m.peer_urls = {"http://localhost:2380"};
    out.appended.push_back(raft::Entry{hs.term, next++, raft::EntryType::ConfChange,
                                       raft::encode_conf_change_payload(raft::ConfChangeType::AddNode, self,
                                                                        encode_member(m))});
  }
  for (const std::uint64_t id : out.ids) {
    if (id == self) continue;
    out.appended.push_back(raft::Entry{hs.term, next++, raft::EntryType::ConfChange,
                                       raft::encode_conf_change_payload(raft::ConfChangeType::RemoveNode, id, {})});
  }
  // "force commit newly appended entries": if len(ents) != 0 { st.Commit = last index }.
  out.commit = hs.commit;
  if (!out.appended.empty()) {
    out.commit = next - 1;
  } else if (out.keep > 0) {
    out.commit = first + out.keep - 1;
  }
  return out;
}

}  // namespace raftlab::etcd
