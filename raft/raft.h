// raft/raft.h — private: the state behind raft::Node (etcd's `raft` struct).
//
// Split by protocol event: node.cc (public API, Ready/advance), step.cc (term rules and
// role dispatch), election.cc (ticks, campaigns, votes, become_*), replication.cc
// (MsgApp/heartbeats/commit), confchange.cc (membership), describe.cc (names, codecs).
//
// Roles swap handlers, as in etcd: become_*() set `step_fn_` and `tick_fn_`.
// Must never: do I/O, read a clock, use globals, or send a message to itself.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "raft/assert.h"
#include "raft/log.h"
#include "raft/node.h"
#include "raft/prng.h"
#include "raft/progress.h"

// Messages are built with designated initializers; every Message field has a default
// member initializer, so GCC's "missing initializer" warning is noise here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace raft {

enum class CampaignType : std::uint8_t { PreElection, Election, Transfer };
enum class VoteResult : std::uint8_t { Pending, Won, Lost };

struct Node::Impl {
  Impl(const Config& cfg, Storage storage);

  // --- step.cc
  void step(const Message& m);
  void send(Message m);
  void handle_vote_request(const Message& m);

  // --- election.cc
  void tick_election();
  void tick_heartbeat();
  void hup(CampaignType t);
  void campaign(CampaignType t);
  VoteResult poll(NodeId from, bool granted);
  void step_candidate(const Message& m);
  void step_follower(const Message& m);
  void reset(Term term);
  void become_follower(Term term, NodeId lead);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  bool promotable() const;
  bool has_unapplied_conf_change() const;
  void reset_randomized_election_timeout();
  // Continuous timing: draw a new timeout and start a new generation (running); stop.
  void restart_election_timer();
  void stop_election_timer();
  // An election timer restart the Raft paper's Figure 2 asks for (a message from the
  // current leader, a granted vote): Ticks clears the elapsed count, as etcd does;
  // Continuous also restarts the host's timer.
  void heard_from_leader_or_voted() {
    election_elapsed_ = 0;
    if (continuous_) restart_election_timer();
  }

  // --- replication.cc
  void step_leader(const Message& m);
  void leader_propose(const Message& m);
  void handle_append_resp(const Message& m, Progress* pr);
  void handle_append_entries(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_snapshot(const Message& m);
  bool maybe_send_append(Progress* pr, bool send_if_empty);
  void send_heartbeat(const Progress& pr);
  void bcast_append();
  void bcast_heartbeat();
  bool maybe_commit();
  bool quorum_active() const;
  void self_ack();

  // --- confchange.cc
  const ConfState& apply_conf_change(const ConfChange& cc);
  void restore_conf_from_log();
  void reset_conf(const ConfState& cs);
  void add_voter(NodeId id);
  void remove_voter(NodeId id);

  Progress* progress(NodeId node);
  const Progress* progress(NodeId node) const;
  std::size_t quorum() const { return conf_.voters.size() / 2 + 1; }

  // Configuration (immutable).
  NodeId id_;
  int election_ticks_;
  int heartbeat_ticks_;
  bool pre_vote_;
  bool check_quorum_;
  std::uint32_t max_entries_per_msg_;
  std::uint32_t max_inflight_msgs_;
  std::uint64_t max_size_per_msg_;
  std::uint64_t (*entry_bytes_)(const Entry&);
  BugSet bugs_;  // planted bugs (raft/bugs.h); 0 = the correct code
  bool continuous_;  // Config::election_timing == Continuous
  std::uint64_t timeout_min_, timeout_max_;
  Prng prng_;

  // Persistent state (Figure 2).
  Term term_ = 0;
  NodeId vote_ = kNone;
  RaftLog log_;
  // The latest snapshot (taken by the host or received from a leader); what a leader
  // sends to a follower whose next entry was compacted away. Null: none yet.
  std::shared_ptr<const Snapshot> snapshot_;
  bool pending_snapshot_ = false;  // A received snapshot waits to be handed out in Ready.

  // Volatile state.
  Role role_ = Role::Follower;
  NodeId lead_ = kNone;
  int election_elapsed_ = 0;   // Leader: ticks since the last CheckQuorum.
  int heartbeat_elapsed_ = 0;  // Leader only.
  int randomized_election_timeout_ = 0;  // Invariant: in [election_ticks_, 2*election_ticks_).
  // Continuous timing: the host-run timer (ElectionTimer). Invariant: running iff not
  // leader; timeout in [timeout_min_, timeout_max_].
  std::uint64_t timer_generation_ = 0, timer_timeout_ = 0;
  bool timer_running_ = false;
  // Invariant: conf_.voters sorted; prs_[i].id == conf_.voters[i].
  ConfState conf_;
  std::vector<Progress> prs_;
  std::vector<std::pair<NodeId, bool>> votes_;  // Tiny; linear search.
  // Leader: index of the last conf change proposed (etcd pendingConfIndex); a new one is
  // refused while this is beyond applied.
  LogIndex pending_conf_index_ = 0;
  // Index of the last conf change entry reflected in conf_. Re-applied entries at or
  // below it (restart, bootstrap) are no-ops; see confchange.cc.
  LogIndex conf_index_ = 0;
  std::vector<LogIndex> conf_apply_queue_;  // Conf entries handed out to apply, in order.
  std::size_t conf_apply_head_ = 0;
  ProposeResult propose_result_ = ProposeResult::Dropped;

  void (Impl::*step_fn_)(const Message&) = nullptr;
  void (Impl::*tick_fn_)() = nullptr;

  // Ready bookkeeping.
  std::vector<Message> msgs_;
  // Storage of spent Readies (Node::recycle), reused by the next ready().
  std::vector<Entry> spare_entries_, spare_committed_;
  SoftState prev_soft_;
  HardState prev_hard_;
  bool ready_outstanding_ = false;
  LogIndex ready_handed_ = 0;    // log_.handed() when the outstanding Ready was built.
  LogIndex ready_applying_ = 0;  // Last committed index in the outstanding Ready.
  // PLANTED BUG apply-before-commit (raft/bugs.h): the last entry handed out to apply
  // before it was committed; such entries are not handed out again.
  LogIndex early_applied_ = 0;
  void apply_early(Ready* rd);
};

}  // namespace raft
