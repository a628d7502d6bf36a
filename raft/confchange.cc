// raft/confchange.cc — single-server membership changes (Raft thesis §4.1, etcd
// ConfChange v1). A change takes effect when the host applies its committed entry.
//
// Re-application: bootstrap and restart already fold committed conf entries into conf_
// (so a restarted single-node cluster can campaign before the host applies anything),
// and the host then receives those entries again in committed_entries. ready() queues
// the index of every conf entry it hands out; apply_conf_change pops that index and
// skips entries at or below conf_index_, so the configuration never passes through a
// stale intermediate state. A call outside that flow (queue empty) is applied as is;
// adding a present voter or removing an absent one is a no-op either way.
#include <algorithm>

#include "raft/raft.h"

namespace raft {

void Node::Impl::add_voter(NodeId node) {
  auto& v = conf_.voters;
  const auto it = std::lower_bound(v.begin(), v.end(), node);
  if (it != v.end() && *it == node) return;
  const auto pos = it - v.begin();
  v.insert(it, node);
  Progress pr(node, max_inflight_msgs_);
  pr.next = log_.last_index() + 1;
  pr.match = node == id_ ? log_.stable() : 0;
  pr.recent_active = true;  // Give a new member one CheckQuorum round to answer.
  prs_.insert(prs_.begin() + pos, std::move(pr));
  RAFT_ASSERT(prs_.size() == v.size(), "progress/voter mismatch");
}

void Node::Impl::remove_voter(NodeId node) {
  auto& v = conf_.voters;
  const auto it = std::lower_bound(v.begin(), v.end(), node);
  if (it == v.end() || *it != node) return;
  prs_.erase(prs_.begin() + (it - v.begin()));
  v.erase(it);
  RAFT_ASSERT(prs_.size() == v.size(), "progress/voter mismatch");
}

const ConfState& Node::Impl::apply_conf_change(const ConfChange& cc) {
  RAFT_ASSERT(cc.node_id != kNone, "conf change for node 0");
  if (conf_apply_head_ < conf_apply_queue_.size()) {
    const LogIndex index = conf_apply_queue_[conf_apply_head_++];
    if (index <= conf_index_) return conf_;  // Already reflected in conf_.
    conf_index_ = index;
  }
  if (cc.type == ConfChangeType::AddNode) {
    add_voter(cc.node_id);
  } else {
    remove_voter(cc.node_id);
  }
  if (role_ == Role::Leader) {
    if (progress(id_) == nullptr) {
      // The leader removed itself. etcd (StepDownOnRemoval) steps down; the remaining
      // voters elect a leader among themselves after an election timeout.
      become_follower(term_, kNone);
    } else if (maybe_commit()) {
      bcast_append();  // A smaller quorum may commit more now.
    }
  }
  return conf_;
}

void Node::Impl::reset_conf(const ConfState& cs) {
  conf_.voters.clear();
  prs_.clear();
  for (NodeId v : cs.voters) add_voter(v);
}

void Node::Impl::restore_conf_from_log() {
  for (LogIndex i = log_.first_index(); i <= log_.committed(); ++i) {
    if (log_.type_at(i) != EntryType::ConfChange) continue;
    const Entry e = log_.at(i);
    ConfChange cc;
    std::string_view context;  // not needed here: no copy
    RAFT_ASSERT(decode_conf_change_header(e.data, &cc, &context), "undecodable conf change at index %llu",
                detail::ull(i));
    if (cc.type == ConfChangeType::AddNode) {
      add_voter(cc.node_id);
    } else {
      remove_voter(cc.node_id);
    }
    conf_index_ = i;
  }
}

}  // namespace raft
