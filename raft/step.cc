// raft/step.cc — the single entry point for messages: term rules applied once (Raft
// paper Figure 2 "Rules for Servers", etcd raft.Step), vote requests, then dispatch to
// the current role's handler.
#include "raft/raft.h"

namespace raft {

namespace {

bool is_vote_request(MessageType t) {
  return t == MessageType::MsgVote || t == MessageType::MsgPreVote;
}
MessageType vote_resp_type(MessageType t) {
  return t == MessageType::MsgVote ? MessageType::MsgVoteResp : MessageType::MsgPreVoteResp;
}

}  // namespace

void Node::Impl::send(Message m) {
  RAFT_ASSERT(m.to != id_ && m.to != kNone, "node %llu sending %s to %llu", detail::ull(id_),
              message_type_name(m.type), detail::ull(m.to));
  m.from = id_;
  // Vote messages carry their term explicitly (a pre-vote asks for term+1; a grant
  // echoes the candidate's term). Proposals are term-less, as in etcd.
  if (m.type == MessageType::MsgVote || m.type == MessageType::MsgVoteResp ||
      m.type == MessageType::MsgPreVote || m.type == MessageType::MsgPreVoteResp) {
    RAFT_ASSERT(m.term != 0, "%s without a term", message_type_name(m.type));
  } else if (m.type != MessageType::MsgProp) {
    m.term = term_;
  }
  msgs_.push_back(std::move(m));
}

void Node::Impl::step(const Message& m) {
  if (m.term == 0) {
    // Local message (MsgHup, MsgBeat, MsgProp): no term rules.
  } else if (m.term > term_) {
    if (is_vote_request(m.type) && check_quorum_ && lead_ != kNone &&
        election_elapsed_ < election_ticks_) {
      // etcd's lease: with CheckQuorum we heard from a live leader within the minimum
      // election timeout, so a vote request is from a node that is partitioned or
      // disruptive. Ignore it without adopting its term (thesis §4.2.3).
      return;
    }
    if (role_ == Role::Leader && has_bug(bugs_, Bug::NoStepDown) && !is_vote_request(m.type)) {
      // PLANTED BUG no-step-down (raft/bugs.h): take the newer term but stay leader.
      term_ = m.term;
      vote_ = kNone;
    } else if (m.type == MessageType::MsgPreVote) {
      // A pre-vote asks "would you vote for me at term+1?" — never change our term.
    } else if (m.type == MessageType::MsgPreVoteResp && !m.reject) {
      // Grant of our own pre-vote at term+1: the pre-candidate keeps its term until it
      // has a quorum and campaigns for real.
    } else if (m.type == MessageType::MsgApp || m.type == MessageType::MsgHeartbeat ||
               m.type == MessageType::MsgSnap) {
      become_follower(m.term, m.from);  // Only a leader sends these at its term.
    } else {
      become_follower(m.term, kNone);  // §5.1: a newer term converts us to follower.
    }
  } else if (m.term < term_) {
    if ((check_quorum_ || pre_vote_) &&
        (m.type == MessageType::MsgApp || m.type == MessageType::MsgHeartbeat)) {
      // A stale leader, probably cut off from the cluster. With CheckQuorum/PreVote our
      // higher term might never reach it through votes, so answer with our term: it
      // steps down (etcd raft.go, "m.Term < r.Term").
      send(Message{.type = MessageType::MsgAppResp, .to = m.from});
    } else if (m.type == MessageType::MsgPreVote) {
      // Reject so the pre-candidate learns our term and does not wait forever.
      send(Message{.type = MessageType::MsgPreVoteResp, .to = m.from, .term = term_,
                   .reject = true});
    }
    return;  // Every other stale message is ignored.
  }

  switch (m.type) {
    case MessageType::MsgHup:
      hup(pre_vote_ ? CampaignType::PreElection : CampaignType::Election);
      return;
    case MessageType::MsgVote:
    case MessageType::MsgPreVote:
      handle_vote_request(m);
      return;
    default:
      (this->*step_fn_)(m);
      return;
  }
}

void Node::Impl::handle_vote_request(const Message& m) {
  // We can vote if: we already voted for this candidate (a retransmission); or we have
  // not voted and know no leader for this term; or it is a pre-vote for a future term.
  const bool can_vote = vote_ == m.from || (vote_ == kNone && lead_ == kNone) ||
                        (m.type == MessageType::MsgPreVote && m.term > term_);
  // §5.4.1: if the candidate's log is less complete than ours, it could lack committed
  // entries; we can't give it our vote.
  const bool log_ok = log_.is_up_to_date(m.index, m.log_term) ||
                      has_bug(bugs_, Bug::VoteWithoutLogCheck);  // PLANTED BUG (raft/bugs.h)
  if (can_vote && log_ok) {
    send(Message{.type = vote_resp_type(m.type), .to = m.from, .term = m.term});
    if (m.type == MessageType::MsgVote) {
      // Persisted (hard_state) in the same Ready as the grant, before it is sent.
      heard_from_leader_or_voted();
      // PLANTED BUG vote-not-persisted (raft/bugs.h): votedFor is never recorded, so the
      // hard state lacks it and a second candidate of this term gets our vote too.
      if (!has_bug(bugs_, Bug::VoteNotPersisted)) vote_ = m.from;
    }
  } else {
    send(Message{.type = vote_resp_type(m.type), .to = m.from, .term = term_, .reject = true});
  }
}

}  // namespace raft
