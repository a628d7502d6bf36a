// tests/raft/node_test.cc — the Node API contract: bootstrap, Ready ordering (persist
// before send, apply once), advance, describe().
#include <gtest/gtest.h>

#include "raft/prng.h"
#include "tests/raft/cluster.h"

namespace raft::test {
namespace {

Config cfg_for(NodeId id) {
  Config c;
  c.id = id;
  return c;
}

TEST(Node, BootstrapHandsOutConfEntriesToPersistAndApply) {
  Node n(cfg_for(1), Storage{});
  n.bootstrap({1, 2, 3}, {"m1", "m2", "m3"});
  EXPECT_EQ(n.conf_state().voters, (std::vector<NodeId>{1, 2, 3}));
  Ready rd = n.ready();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(*rd.hard_state, (HardState{1, kNone, 3}));
  ASSERT_EQ(rd.entries.size(), 3u);
  EXPECT_EQ(rd.committed_entries, rd.entries);
  ConfChange cc;
  ASSERT_TRUE(decode_conf_change(rd.entries[1].data, &cc));
  EXPECT_EQ(cc, (ConfChange{ConfChangeType::AddNode, 2, "m2"}));
  for (const Entry& e : rd.committed_entries) {
    ASSERT_TRUE(decode_conf_change(e.data, &cc));
    EXPECT_EQ(n.apply_conf_change(cc).voters, (std::vector<NodeId>{1, 2, 3}));
  }
  n.advance(rd);
  EXPECT_EQ(n.status().applied, 3u);
  EXPECT_FALSE(n.has_ready());
}

// Node::recycle only hands storage back: a node whose spent Readies are recycled hands
// out exactly the Readies of one whose are not, and reuses the vectors' storage.
TEST(Node, RecycledReadiesChangeNothingButReuseStorage) {
  Node a(cfg_for(1), Storage{}), b(cfg_for(1), Storage{});
  for (Node* n : {&a, &b}) {
    n->bootstrap({1, 2, 3}, {"m1", "m2", "m3"});
    n->campaign();
  }
  bool reused = false;
  std::vector<Message> asked;  // vote requests a sent, answered below
  auto round = [&](const char* what) {
    while (a.has_ready() || b.has_ready()) {
      ASSERT_EQ(a.has_ready(), b.has_ready()) << what;
      Ready ra = a.ready(), rb = b.ready();
      if (ra.committed_entries.capacity() > 0 && ra.committed_entries.empty()) reused = true;
      EXPECT_EQ(ra.soft_state, rb.soft_state) << what;
      EXPECT_EQ(ra.hard_state, rb.hard_state) << what;
      EXPECT_EQ(ra.entries, rb.entries) << what;
      EXPECT_EQ(ra.committed_entries, rb.committed_entries) << what;
      EXPECT_EQ(ra.messages, rb.messages) << what;
      for (const Message& m : ra.messages) {
        if (m.type == MessageType::MsgPreVote || m.type == MessageType::MsgVote) asked.push_back(m);
      }
      for (const Entry& e : ra.committed_entries) {
        ConfChange cc;
        if (e.type == EntryType::ConfChange && decode_conf_change(e.data, &cc)) {
          a.apply_conf_change(cc);
          b.apply_conf_change(cc);
        }
      }
      a.advance(ra);
      b.advance(rb);
      a.recycle(std::move(ra));
    }
  };
  round("campaign");
  for (int i = 0; i < 10 && a.role() != Role::Leader; ++i) {
    const std::vector<Message> requests = std::exchange(asked, {});
    for (const Message& m : requests) {
      const Message grant{.type = m.type == MessageType::MsgPreVote ? MessageType::MsgPreVoteResp
                                                                     : MessageType::MsgVoteResp,
                          .from = m.to, .to = 1, .term = m.term};
      a.step(grant);
      b.step(grant);
      round("votes");
    }
  }
  ASSERT_EQ(a.role(), Role::Leader);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(a.propose(label("v", static_cast<std::uint64_t>(i))), b.propose(label("v", static_cast<std::uint64_t>(i))));
    round("propose");
    for (NodeId from : {2, 3}) {
      const Message ack{.type = MessageType::MsgAppResp, .from = from, .to = 1, .term = a.term(),
                        .index = a.last_index()};
      a.step(ack);
      b.step(ack);
      round("ack");
    }
  }
  EXPECT_EQ(a.commit_index(), b.commit_index());
  EXPECT_EQ(a.status().applied, a.last_index());
  EXPECT_TRUE(reused);
}

TEST(Node, VoteGrantAndPersistedVoteShareOneReady) {
  Node n(cfg_for(2), Storage{HardState{1, kNone, 3}, make_log({1, 1, 1}, 3)});
  n.step(Message{.type = MessageType::MsgVote, .from = 1, .to = 2, .term = 2, .index = 3,
                 .log_term = 1});
  ASSERT_TRUE(n.has_ready());
  Ready rd = n.ready();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(*rd.hard_state, (HardState{2, 1, 3}));
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(describe(rd.messages[0]), "2->1 MsgVoteResp Term:2 Log:0/0");
}

TEST(Node, CandidateVoteAndRequestsShareOneReady) {
  Config c = cfg_for(1);
  c.pre_vote = false;
  Node n(c, Storage{HardState{1, kNone, 3}, make_log({1, 1, 1}, 3)});
  n.campaign();
  Ready rd = n.ready();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(*rd.hard_state, (HardState{2, 1, 3}));
  ASSERT_TRUE(rd.soft_state.has_value());
  EXPECT_EQ(rd.soft_state->role, Role::Candidate);
  ASSERT_EQ(rd.messages.size(), 2u);
  EXPECT_EQ(describe(rd.messages[0]), "1->2 MsgVote Term:2 Log:1/3");
  EXPECT_EQ(describe(rd.messages[1]), "1->3 MsgVote Term:2 Log:1/3");
}

TEST(Node, LeaderEntriesAndMsgAppShareOneReadyAndCommitAfterAdvance) {
  Config c = cfg_for(1);
  c.pre_vote = false;
  Node n(c, Storage{HardState{1, kNone, 3}, make_log({1, 1, 1}, 3)});
  n.campaign();
  n.advance(n.ready());
  n.step(Message{.type = MessageType::MsgVoteResp, .from = 2, .to = 1, .term = 2});
  ASSERT_EQ(n.role(), Role::Leader);
  Ready rd = n.ready();
  ASSERT_EQ(rd.entries.size(), 1u);  // The empty entry at index 4...
  EXPECT_EQ(rd.entries[0].index, 4u);
  ASSERT_EQ(rd.messages.size(), 2u);  // ...and the MsgApps that carry it.
  EXPECT_EQ(describe(rd.messages[0]), "1->2 MsgApp Term:2 Log:1/3 Commit:3 Entries:[2/4]");
  n.advance(rd);
  // Node 2 acknowledges: 4 is on a quorum (the leader's copy is durable since advance).
  n.step(Message{.type = MessageType::MsgAppResp, .from = 2, .to = 1, .term = 2, .index = 4});
  EXPECT_EQ(n.commit_index(), 4u);
  rd = n.ready();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries[0].index, 4u);
  n.advance(rd);
  EXPECT_FALSE(n.has_ready() && !n.ready().committed_entries.empty());  // Applied once.
}

TEST(Node, LeaderCountsOwnEntryOnlyAfterAdvance) {
  Node n(cfg_for(1), Storage{});
  n.bootstrap({1});
  n.advance(n.ready());
  n.campaign();
  ASSERT_EQ(n.role(), Role::Leader);
  EXPECT_EQ(n.commit_index(), 1u);  // The empty entry 2 is not durable yet.
  Ready rd = n.ready();
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_TRUE(rd.committed_entries.empty());
  EXPECT_FALSE(n.has_ready());  // Nothing new while a Ready is outstanding.
  n.advance(rd);
  EXPECT_EQ(n.commit_index(), 2u);
  rd = n.ready();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  n.advance(rd);
}

TEST(Node, DescribeIsStable) {
  Message m{.type = MessageType::MsgApp, .from = 1, .to = 2, .term = 2, .index = 5,
            .log_term = 2, .commit = 5};
  m.entries = {Entry{2, 6, EntryType::Normal, "a"}, Entry{2, 7, EntryType::Normal, "b"}};
  EXPECT_EQ(describe(m), "1->2 MsgApp Term:2 Log:2/5 Commit:5 Entries:[2/6 2/7]");
  EXPECT_EQ(describe(Message{.type = MessageType::MsgVote, .from = 1, .to = 2, .term = 1,
                             .index = 2, .log_term = 1}),
            "1->2 MsgVote Term:1 Log:1/2");
}

TEST(Node, ConfChangeCodecRoundTrips) {
  const ConfChange cc{ConfChangeType::RemoveNode, 0x8e9e05c52164694dULL, "{\"name\":\"n1\"}"};
  ConfChange out;
  ASSERT_TRUE(decode_conf_change(encode_conf_change(cc), &out));
  EXPECT_EQ(out, cc);
  EXPECT_FALSE(decode_conf_change("", &out));
  EXPECT_FALSE(decode_conf_change("X12345678", &out));
}

TEST(Node, ConfChangePayloadHasTheEncodedBytes) {
  // Node::bootstrap writes its ConfChange entries with encode_conf_change_payload: the
  // same bytes as encode_conf_change, for both types, with and without a context.
  for (const ConfChange& cc : {ConfChange{ConfChangeType::AddNode, 0x8e9e05c52164694dULL, "{\"name\":\"n1\"}"},
                               ConfChange{ConfChangeType::RemoveNode, 1, ""},
                               ConfChange{ConfChangeType::AddNode, ~0ULL, std::string(300, 'x')}}) {
    const Payload p = encode_conf_change_payload(cc.type, cc.node_id, cc.context);
    EXPECT_EQ(p.view(), encode_conf_change(cc));
    ConfChange out;
    ASSERT_TRUE(decode_conf_change(p.view(), &out));
    EXPECT_EQ(out, cc);
    // The header decode: type and ID, the context as a view into the payload's bytes.
    ConfChange head;
    std::string_view context;
    ASSERT_TRUE(decode_conf_change_header(p.view(), &head, &context));
    EXPECT_EQ(head.type, cc.type);
    EXPECT_EQ(head.node_id, cc.node_id);
    EXPECT_TRUE(head.context.empty());
    EXPECT_EQ(context, cc.context);
    EXPECT_EQ(context.data(), p.data() + 9);
  }
  ConfChange bad;
  std::string_view ctx;
  EXPECT_FALSE(decode_conf_change_header("A1234567", &bad, &ctx));  // shorter than the header
  // A bootstrapped node's log holds exactly those entries.
  Node n(cfg_for(2), Storage{});
  n.bootstrap({1, 2}, {"ctx-1", "ctx-2"});
  Ready rd = n.ready();
  ASSERT_EQ(rd.entries.size(), 2u);
  EXPECT_EQ(rd.entries[1].type, EntryType::ConfChange);
  EXPECT_EQ(rd.entries[1].data.view(), encode_conf_change(ConfChange{ConfChangeType::AddNode, 2, "ctx-2"}));
}

TEST(Prng, UniformIsInRangeAndDeterministic) {
  Prng a(42);
  Prng b(42);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t v = a.uniform(7);
    ASSERT_LT(v, 7u);
    ASSERT_EQ(v, b.uniform(7));
  }
  EXPECT_NE(Prng(1).next(), Prng(2).next());
}

}  // namespace
}  // namespace raft::test
