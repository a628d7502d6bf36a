// raft/election.cc — ticks, campaigns, vote counting and role transitions (Raft paper
// §5.2, thesis §9.6 PreVote, etcd raft.go become*/campaign/poll).
#include "raft/raft.h"

#include <algorithm>

namespace raft {

using detail::ull;

bool Node::Impl::promotable() const {
  return std::binary_search(conf_.voters.begin(), conf_.voters.end(), id_);
}

bool Node::Impl::has_unapplied_conf_change() const {
  // Conf entries beyond both what was applied and what conf_ already reflects.
  const LogIndex from = std::max(log_.applied(), conf_index_) + 1;
  for (LogIndex i = from; i <= log_.last_index(); ++i) {
    if (log_.type_at(i) == EntryType::ConfChange) return true;
  }
  return false;
}

void Node::Impl::reset_randomized_election_timeout() {
  if (continuous_) return;  // the host-run timer restarts on its own rules (restart_election_timer)
  const auto e = static_cast<std::uint64_t>(election_ticks_);
  randomized_election_timeout_ = election_ticks_ + static_cast<int>(prng_.uniform(e));
}

void Node::Impl::restart_election_timer() {
  ++timer_generation_;
  timer_timeout_ = timeout_min_ + prng_.uniform(timeout_max_ - timeout_min_ + 1);
  timer_running_ = true;
}

void Node::Impl::stop_election_timer() {
  ++timer_generation_;
  timer_running_ = false;
}

void Node::Impl::tick_election() {
  ++election_elapsed_;
  if (continuous_) return;  // elections come from the host's timer (Node::election_timeout)
  if (promotable() && election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    step(Message{.type = MessageType::MsgHup, .from = id_});
  }
}

void Node::Impl::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= election_ticks_) {
    election_elapsed_ = 0;
    if (check_quorum_) {
      // CheckQuorum (thesis §6.2): a leader that has not heard from a quorum within an
      // election timeout steps down, so clients can find the real leader.
      if (!quorum_active()) {
        become_follower(term_, kNone);
        return;
      }
      for (Progress& pr : prs_) {
        if (pr.id != id_) pr.recent_active = false;
      }
    }
  }
  if (role_ != Role::Leader) return;
  if (heartbeat_elapsed_ >= heartbeat_ticks_) {
    heartbeat_elapsed_ = 0;
    step(Message{.type = MessageType::MsgBeat, .from = id_});
  }
}

void Node::Impl::hup(CampaignType t) {
  if (role_ == Role::Leader) return;  // Already leading.
  if (!promotable()) return;          // Not a voter (removed, or not yet added).
  // A committed conf change we have not applied could change who may vote; etcd
  // refuses to campaign until it is applied.
  if (log_.committed() > log_.applied()) {
    for (LogIndex i = std::max(log_.applied(), conf_index_) + 1; i <= log_.committed(); ++i) {
      if (log_.type_at(i) == EntryType::ConfChange) return;
    }
  }
  campaign(t);
}

void Node::Impl::campaign(CampaignType t) {
  RAFT_ASSERT(promotable(), "node %llu campaigning without being a voter", ull(id_));
  MessageType vote_type = MessageType::MsgVote;
  Term term = 0;
  if (t == CampaignType::PreElection) {
    become_pre_candidate();
    vote_type = MessageType::MsgPreVote;
    term = term_ + 1;  // Ask for the term we would use, without bumping our own.
  } else {
    become_candidate();
    term = term_;
  }
  if (poll(id_, true) == VoteResult::Won) {
    // Single-voter cluster: our own vote is a quorum.
    if (t == CampaignType::PreElection) {
      campaign(CampaignType::Election);
    } else {
      become_leader();
    }
    return;
  }
  for (NodeId voter : conf_.voters) {
    if (voter == id_) continue;
    send(Message{.type = vote_type, .to = voter, .term = term, .index = log_.last_index(),
                 .log_term = log_.last_term()});
  }
}

VoteResult Node::Impl::poll(NodeId from, bool granted) {
  bool seen = false;
  for (const auto& v : votes_) seen = seen || v.first == from;
  if (!seen) votes_.emplace_back(from, granted);  // A voter's first answer counts.
  std::size_t yes = 0;
  std::size_t no = 0;
  for (const auto& [node, g] : votes_) {
    if (!std::binary_search(conf_.voters.begin(), conf_.voters.end(), node)) continue;
    (g ? yes : no) += 1;
  }
  if (yes >= quorum()) return VoteResult::Won;
  if (no > conf_.voters.size() - quorum()) return VoteResult::Lost;
  return VoteResult::Pending;
}

void Node::Impl::step_candidate(const Message& m) {
  const MessageType my_resp = role_ == Role::PreCandidate ? MessageType::MsgPreVoteResp
                                                          : MessageType::MsgVoteResp;
  switch (m.type) {
    case MessageType::MsgProp:
      return;  // No leader to forward to: dropped.
    case MessageType::MsgApp:
      // §5.2: a candidate that hears from a leader of its term (or newer) steps down.
      become_follower(m.term, m.from);
      if (continuous_) restart_election_timer();
      handle_append_entries(m);
      return;
    case MessageType::MsgHeartbeat:
      become_follower(m.term, m.from);
      if (continuous_) restart_election_timer();
      handle_heartbeat(m);
      return;
    case MessageType::MsgSnap:
      become_follower(m.term, m.from);
      if (continuous_) restart_election_timer();
      handle_snapshot(m);
      return;
    default:
      break;
  }
  if (m.type != my_resp) return;  // Stale answers to an earlier (pre-)campaign.
  switch (poll(m.from, !m.reject)) {
    case VoteResult::Won:
      if (role_ == Role::PreCandidate) {
        campaign(CampaignType::Election);
      } else {
        become_leader();
        bcast_append();
      }
      return;
    case VoteResult::Lost:
      // Keep the term (a pre-candidate never bumped it); wait for a leader or timeout.
      become_follower(term_, kNone);
      return;
    case VoteResult::Pending:
      return;
  }
}

void Node::Impl::step_follower(const Message& m) {
  switch (m.type) {
    case MessageType::MsgProp:
      if (lead_ == kNone) return;  // Dropped: nobody to forward to.
      {
        Message fwd = m;
        fwd.to = lead_;
        fwd.term = 0;
        send(std::move(fwd));  // etcd default (DisableProposalForwarding = false).
      }
      propose_result_ = ProposeResult::Ok;
      return;
    case MessageType::MsgApp:
      heard_from_leader_or_voted();
      lead_ = m.from;
      handle_append_entries(m);
      return;
    case MessageType::MsgHeartbeat:
      heard_from_leader_or_voted();
      lead_ = m.from;
      handle_heartbeat(m);
      return;
    case MessageType::MsgSnap:
      heard_from_leader_or_voted();
      lead_ = m.from;
      handle_snapshot(m);
      return;
    case MessageType::MsgTimeoutNow:
      // Leadership transfer: the leader asks us to campaign now, skipping PreVote.
      hup(CampaignType::Transfer);
      return;
    default:
      return;
  }
}

void Node::Impl::reset(Term term) {
  if (term_ != term) {
    RAFT_ASSERT(term > term_, "term going back from %llu to %llu", ull(term_), ull(term));
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_election_timeout();
  votes_.clear();
  for (Progress& pr : prs_) {
    pr = Progress(pr.id, max_inflight_msgs_);
    pr.next = log_.last_index() + 1;
    if (pr.id == id_) pr.match = log_.stable();  // Only durable entries count (self-ack).
  }
  pending_conf_index_ = 0;
}

void Node::Impl::become_follower(Term term, NodeId lead) {
  step_fn_ = &Impl::step_follower;
  tick_fn_ = &Impl::tick_election;
  reset(term);
  lead_ = lead;
  role_ = Role::Follower;
  // Continuous timing: a follower keeps the timer it had (adopting a newer term does not
  // restart it, Figure 2); a leader stepping down (or a node starting) starts one.
  if (continuous_ && !timer_running_) restart_election_timer();
}

void Node::Impl::become_pre_candidate() {
  RAFT_ASSERT(role_ != Role::Leader, "invalid transition leader -> pre-candidate (node %llu)",
              ull(id_));
  // Changes handlers and state only: no new term, no vote (thesis §9.6).
  step_fn_ = &Impl::step_candidate;
  tick_fn_ = &Impl::tick_election;
  votes_.clear();
  lead_ = kNone;
  role_ = Role::PreCandidate;
}

void Node::Impl::become_candidate() {
  RAFT_ASSERT(role_ != Role::Leader, "invalid transition leader -> candidate (node %llu)",
              ull(id_));
  step_fn_ = &Impl::step_candidate;
  tick_fn_ = &Impl::tick_election;
  reset(term_ + 1);
  vote_ = id_;  // Persisted in the Ready that also carries the MsgVotes.
  role_ = Role::Candidate;
  if (continuous_) restart_election_timer();  // "On conversion to candidate ... reset election timer"
}

void Node::Impl::become_leader() {
  RAFT_ASSERT(role_ == Role::Candidate, "invalid transition %s -> leader (node %llu)",
              role_name(role_), ull(id_));
  step_fn_ = &Impl::step_leader;
  tick_fn_ = &Impl::tick_heartbeat;
  reset(term_);
  lead_ = id_;
  role_ = Role::Leader;
  if (continuous_) stop_election_timer();
  Progress* self = progress(id_);
  RAFT_ASSERT(self != nullptr, "leader %llu not in its own configuration", ull(id_));
  self->become_replicate();
  self->match = log_.stable();
  self->next = log_.last_index() + 1;
  for (Progress& pr : prs_) pr.recent_active = true;  // Grace period for CheckQuorum.
  // Conservatively treat every entry in our log as a possible pending conf change
  // (etcd): a new one waits until all of them are applied.
  pending_conf_index_ = log_.last_index();
  // §5.4.2 / §8: commit entries of earlier terms by appending one of our own.
  log_.append(Entry{term_, log_.last_index() + 1, EntryType::Normal, {}});
}

}  // namespace raft
