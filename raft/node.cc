// raft/node.cc — the public raft::Node API (etcd RawNode): construction, bootstrap,
// proposals, and the Ready / advance handshake.
#include "raft/node.h"

#include <algorithm>
#include <limits>

#include "raft/raft.h"

namespace raft {

using detail::ull;

Node::Impl::Impl(const Config& cfg, Storage storage)
    : id_(cfg.id),
      election_ticks_(cfg.election_ticks),
      heartbeat_ticks_(cfg.heartbeat_ticks),
      pre_vote_(cfg.pre_vote),
      check_quorum_(cfg.check_quorum),
      max_entries_per_msg_(cfg.max_entries_per_msg),
      max_inflight_msgs_(cfg.max_inflight_msgs),
      max_size_per_msg_(cfg.max_size_per_msg),
      entry_bytes_(cfg.entry_bytes),
      bugs_(cfg.bugs),
      continuous_(cfg.election_timing == ElectionTiming::Continuous),
      timeout_min_(cfg.election_timeout_min),
      timeout_max_(cfg.election_timeout_max),
      prng_(cfg.seed),
      log_(std::move(storage.entries), storage.snapshot.index, storage.snapshot.term) {
  RAFT_ASSERT(id_ != kNone, "Config::id must not be 0 (raft::kNone)");
  RAFT_ASSERT(heartbeat_ticks_ > 0, "heartbeat_ticks %d must be > 0", heartbeat_ticks_);
  RAFT_ASSERT(election_ticks_ > heartbeat_ticks_, "election_ticks %d must exceed heartbeat %d",
              election_ticks_, heartbeat_ticks_);
  RAFT_ASSERT(max_entries_per_msg_ > 0 && max_inflight_msgs_ > 0, "message limits must be > 0");
  RAFT_ASSERT(!continuous_ || (timeout_min_ > 0 && timeout_min_ <= timeout_max_ && timeout_max_ < ~std::uint64_t{0}),
              "continuous election timeout [%llu, %llu]: need 0 < min <= max < 2^64-1", ull(timeout_min_),
              ull(timeout_max_));
  const HardState& hs = storage.hard_state;
  RAFT_ASSERT(hs.commit <= log_.last_index(), "stored commit %llu beyond stored log %llu",
              ull(hs.commit), ull(log_.last_index()));
  term_ = hs.term;
  vote_ = hs.vote;
  if (!storage.snapshot.empty()) {
    reset_conf(storage.snapshot.conf);
    conf_index_ = storage.snapshot.index;
    snapshot_ = std::make_shared<const Snapshot>(std::move(storage.snapshot));
  }
  // A snapshot's entries are committed even if the stored commit index lags it.
  log_.set_committed_unchecked(std::max(hs.commit, log_.committed()));
  restore_conf_from_log();
  become_follower(term_, kNone);
  prev_hard_ = hs;
  prev_soft_ = SoftState{lead_, role_};
}

Node::Node(const Config& cfg, Storage storage)
    : impl_(std::make_unique<Impl>(cfg, std::move(storage))), role_(&impl_->role_) {}
Node::~Node() = default;

void Node::bootstrap(const std::vector<NodeId>& peers, const std::vector<std::string>& contexts) {
  Impl& r = *impl_;
  RAFT_ASSERT(r.log_.last_index() == 0 && r.term_ == 0, "bootstrap needs empty storage");
  RAFT_ASSERT(!peers.empty(), "bootstrap with no peers");
  RAFT_ASSERT(contexts.empty() || contexts.size() == peers.size(),
              "bootstrap: %zu contexts for %zu peers", contexts.size(), peers.size());
  // etcd RawNode.Bootstrap: term 1, one AddNode entry per peer, all committed and
  // applied to the configuration right away. They stay unstable (Ready::entries) and
  // are delivered again in committed_entries; re-applying them is a no-op.
  r.become_follower(1, kNone);
  r.conf_.voters.reserve(peers.size());
  r.prs_.reserve(peers.size());
  for (std::size_t i = 0; i < peers.size(); ++i) {
    const std::string_view context = contexts.empty() ? std::string_view() : std::string_view(contexts[i]);
    r.log_.append(Entry{1, i + 1, EntryType::ConfChange,
                        encode_conf_change_payload(ConfChangeType::AddNode, peers[i], context)});
    r.add_voter(peers[i]);
  }
  r.log_.set_committed_unchecked(peers.size());
  r.conf_index_ = peers.size();
}

void Node::tick() { (impl_.get()->*(impl_->tick_fn_))(); }

void Node::campaign() { impl_->step(Message{.type = MessageType::MsgHup, .from = impl_->id_}); }

ElectionTimer Node::election_timer() const {
  const Impl& r = *impl_;
  RAFT_ASSERT(r.continuous_, "election_timer() needs Config::election_timing = Continuous");
  return ElectionTimer{r.timer_generation_, r.timer_timeout_, r.timer_running_};
}

void Node::election_timeout(std::uint64_t generation) {
  Impl& r = *impl_;
  RAFT_ASSERT(r.continuous_, "election_timeout() needs Config::election_timing = Continuous");
  if (generation != r.timer_generation_ || !r.timer_running_) return;  // restarted or stopped since
  r.restart_election_timer();  // like tick_election's elapsed = 0 before MsgHup
  if (r.promotable()) r.step(Message{.type = MessageType::MsgHup, .from = r.id_});
}

void Node::step(const Message& m) {
  RAFT_ASSERT(m.to == impl_->id_ || m.type == MessageType::MsgHup ||
                  m.type == MessageType::MsgBeat,
              "message for %llu stepped into %llu", ull(m.to), ull(impl_->id_));
  impl_->step(m);
}

ProposeResult Node::propose(Payload data) {
  Message m{.type = MessageType::MsgProp, .from = impl_->id_};
  m.entries.push_back(Entry{.data = std::move(data)});
  impl_->propose_result_ = ProposeResult::Dropped;
  impl_->step(m);
  return impl_->propose_result_;
}

ProposeResult Node::propose_many(std::vector<Payload> data) {
  RAFT_ASSERT(!data.empty(), "propose_many without entries");
  Message m{.type = MessageType::MsgProp, .from = impl_->id_};
  m.entries.reserve(data.size());
  for (auto& d : data) m.entries.push_back(Entry{.data = std::move(d)});
  impl_->propose_result_ = ProposeResult::Dropped;
  impl_->step(m);
  return impl_->propose_result_;
}

ProposeResult Node::propose_conf_change(const ConfChange& cc) {
  Impl& r = *impl_;
  // Single-server rule (thesis §4.1): one change at a time. The leader knows its own
  // pending index; a follower looks for an unapplied conf entry in its own log, and the
  // leader re-checks (and neutralises) forwarded ones.
  if (r.role_ == Role::Leader ? r.pending_conf_index_ > r.log_.applied()
                              : r.has_unapplied_conf_change()) {
    return ProposeResult::ConfChangePending;
  }
  Message m{.type = MessageType::MsgProp, .from = r.id_};
  m.entries.push_back(Entry{.type = EntryType::ConfChange, .data = encode_conf_change(cc)});
  r.propose_result_ = ProposeResult::Dropped;
  r.step(m);
  return r.propose_result_;
}

const ConfState& Node::apply_conf_change(const ConfChange& cc) { return impl_->apply_conf_change(cc); }

void Node::create_snapshot(LogIndex index, std::string data) {
  Impl& r = *impl_;
  RAFT_ASSERT(index <= r.log_.applied(), "snapshot at %llu beyond applied %llu", ull(index),
              ull(r.log_.applied()));
  RAFT_ASSERT(!r.snapshot_ || index > r.snapshot_->index, "snapshot at %llu not after %llu",
              ull(index), ull(r.snapshot_->index));
  RAFT_ASSERT(index + 1 >= r.log_.first_index(), "snapshot at %llu: compacted", ull(index));
  RAFT_ASSERT(r.conf_index_ <= index, "snapshot at %llu: conf changed at %llu since", ull(index),
              ull(r.conf_index_));
  r.snapshot_ = std::make_shared<const Snapshot>(
      Snapshot{index, r.log_.term(index), r.conf_, std::move(data)});
}

void Node::compact(LogIndex index) {
  Impl& r = *impl_;
  RAFT_ASSERT(r.snapshot_ && index <= r.snapshot_->index,
              "compact(%llu) beyond the latest snapshot", ull(index));
  r.log_.compact(index);
}

const std::shared_ptr<const Snapshot>& Node::snapshot() const { return impl_->snapshot_; }
LogIndex Node::first_index() const { return impl_->log_.first_index(); }

bool Node::has_ready() const {
  const Impl& r = *impl_;
  // While a Ready is outstanding (persisting), nothing new is handed out: the host
  // finishes it with advance() first.
  if (r.ready_outstanding_) return false;
  return r.pending_snapshot_ || SoftState{r.lead_, r.role_} != r.prev_soft_ ||
         HardState{r.term_, r.vote_, r.log_.committed()} != r.prev_hard_ ||
         r.log_.last_index() > r.log_.handed() || r.log_.committed() > r.log_.applying() ||
         !r.msgs_.empty();
}

Ready Node::ready() {
  Impl& r = *impl_;
  RAFT_ASSERT(!r.ready_outstanding_, "ready() called again before advance()");
  Ready rd;
  const SoftState ss{r.lead_, r.role_};
  if (ss != r.prev_soft_) rd.soft_state = r.prev_soft_ = ss;
  const HardState hs{r.term_, r.vote_, r.log_.committed()};
  if (hs != r.prev_hard_) rd.hard_state = r.prev_hard_ = hs;
  if (r.pending_snapshot_) {
    rd.snapshot = r.snapshot_;
    r.pending_snapshot_ = false;
  }
  constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();
  rd.entries.swap(r.spare_entries_);  // empty, with whatever capacity was recycled
  rd.committed_entries.swap(r.spare_committed_);
  if (r.log_.last_index() > r.log_.handed()) {
    r.log_.slice(r.log_.handed() + 1, r.log_.last_index(), kAll, &rd.entries);
    r.log_.hand_out_to(r.log_.last_index());
  }
  // Every entry up to last_index() is now in this or an earlier Ready, and commit <=
  // last_index(), so committed entries are always ones handed out for persistence.
  if (r.log_.committed() > r.log_.applying()) {
    r.log_.slice(std::max(r.log_.applying(), r.early_applied_) + 1, r.log_.committed(), kAll,
                 &rd.committed_entries);
    for (const Entry& e : rd.committed_entries) {
      if (e.type == EntryType::ConfChange) r.conf_apply_queue_.push_back(e.index);
    }
    r.log_.applying_to(r.log_.committed());
  }
  if (has_bug(r.bugs_, Bug::ApplyBeforeCommit)) r.apply_early(&rd);
  rd.messages.swap(r.msgs_);
  r.ready_outstanding_ = true;
  r.ready_handed_ = r.log_.handed();
  r.ready_applying_ = r.log_.applying();
  return rd;
}

// PLANTED BUG apply-before-commit (raft/bugs.h): after the committed entries, hand out
// the uncommitted ones this or an earlier Ready asked the host to persist (so the host
// persists them before applying them), up to the first conf change.
void Node::Impl::apply_early(Ready* rd) {
  const LogIndex from = std::max(log_.applying(), early_applied_) + 1;
  for (LogIndex i = from; i <= log_.handed() && i >= log_.first_index(); ++i) {
    if (log_.type_at(i) == EntryType::ConfChange) break;
    rd->committed_entries.push_back(log_.at(i));
    early_applied_ = i;
  }
}

void Node::advance(const Ready& rd) {
  Impl& r = *impl_;
  RAFT_ASSERT(r.ready_outstanding_, "advance() without an outstanding ready()");
  RAFT_ASSERT(rd.committed_entries.empty() || rd.committed_entries.back().index == r.ready_applying_ ||
                  has_bug(r.bugs_, Bug::ApplyBeforeCommit),
              "advance() with a Ready that was not the last one handed out");
  r.ready_outstanding_ = false;
  r.log_.stable_to(r.ready_handed_);
  r.log_.applied_to(r.ready_applying_);
  // Conf entries the host did not apply are forgotten, not applied later out of order.
  r.conf_apply_queue_.clear();
  r.conf_apply_head_ = 0;
  // The leader's own entries count towards commit only now that they are durable.
  if (r.role_ == Role::Leader) r.self_ack();
}

void Node::recycle(Ready&& rd) {
  Impl& r = *impl_;
  // Keep a vector's storage unless it grew large (a catch-up Ready): memory stays bounded.
  constexpr std::size_t kKeepMax = 1024;
  auto keep = [](auto& spare, auto& v) {
    v.clear();
    if (v.capacity() <= kKeepMax && v.capacity() > spare.capacity()) spare.swap(v);
  };
  keep(r.spare_entries_, rd.entries);
  keep(r.spare_committed_, rd.committed_entries);
  if (r.msgs_.empty()) keep(r.msgs_, rd.messages);
}

Status Node::status() const {
  const Impl& r = *impl_;
  return Status{r.id_,      r.role_, r.lead_, HardState{r.term_, r.vote_, r.log_.committed()},
                r.log_.applied(), r.log_.last_index(), r.conf_};
}
NodeId Node::id() const { return impl_->id_; }
NodeId Node::leader() const { return impl_->lead_; }
Term Node::term() const { return impl_->term_; }
LogIndex Node::commit_index() const { return impl_->log_.committed(); }
LogIndex Node::last_index() const { return impl_->log_.last_index(); }
const ConfState& Node::conf_state() const { return impl_->conf_; }

}  // namespace raft
