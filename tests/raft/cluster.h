// tests/raft/cluster.h — an in-test network of raft::Nodes (like etcd's `network` in
// raft_test.go). Messages are delivered synchronously in FIFO order; filters drop them.
//
// Every Ready is carried out exactly as raft/ready.h demands (persist -> send -> apply
// -> advance), and each outgoing message is checked against the persisted state at the
// moment it is "sent" — so every test also checks the durability ordering contract.
// Election safety (one leader per term) and state machine safety (the same entry at the
// same applied index everywhere) are checked after every delivery.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "raft/node.h"
#include "raft/prng.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace raft::test {

struct Member {
  std::unique_ptr<Node> node;
  Storage disk;                 // What the host persisted.
  std::vector<Entry> applied;   // Entries applied, in order (index i at applied[i-1]).
  ConfState conf;               // Last ConfState returned by apply_conf_change (or restored).
  bool up = true;
  int snapshots_restored = 0;   // Ready::snapshot handed to this member.
};

struct ClusterOptions {
  bool pre_vote = true;
  bool check_quorum = false;
  int election_ticks = 10;
  std::uint32_t max_entries_per_msg = 64;
  std::uint32_t max_inflight_msgs = 256;
  std::uint64_t max_size_per_msg = Config::kNoSizeLimit;
  std::uint64_t (*entry_bytes)(const Entry&) = nullptr;
  std::uint64_t seed = 1;
};

class Cluster {
 public:
  // Nodes 1..n, bootstrapped as one new cluster.
  explicit Cluster(std::size_t n, ClusterOptions opts = {}) : opts_(opts), rng_(opts.seed) {
    std::vector<NodeId> peers;
    for (NodeId id = 1; id <= n; ++id) peers.push_back(id);
    for (NodeId id : peers) {
      add(id, Storage{});
      node(id).bootstrap(peers);
    }
    process_all();
  }
  // Cluster whose members are restored from the given storages (no bootstrap).
  Cluster(const std::map<NodeId, Storage>& storages, ClusterOptions opts)
      : opts_(opts), rng_(opts.seed) {
    for (const auto& [id, s] : storages) add(id, s);
    process_all();
  }

  Config config(NodeId id) const {
    Config c;
    c.id = id;
    c.election_ticks = opts_.election_ticks;
    c.heartbeat_ticks = 1;
    c.seed = opts_.seed * 1000 + id;
    c.pre_vote = opts_.pre_vote;
    c.check_quorum = opts_.check_quorum;
    c.max_entries_per_msg = opts_.max_entries_per_msg;
    c.max_inflight_msgs = opts_.max_inflight_msgs;
    c.max_size_per_msg = opts_.max_size_per_msg;
    c.entry_bytes = opts_.entry_bytes;
    return c;
  }

  // Adds a member with the given storage (empty: a fresh node joining, or to bootstrap).
  Node& add(NodeId id, Storage s) {
    Member& m = members_[id];
    m.disk = s;
    m.applied.clear();
    m.node = std::make_unique<Node>(config(id), std::move(s));
    m.up = true;
    return *m.node;
  }
  // Crash and restart from what was persisted.
  // The applied history is kept: re-applied entries are checked against it.
  void restart(NodeId id) {
    std::vector<Entry> applied = members_.at(id).applied;
    add(id, members_.at(id).disk);
    members_.at(id).applied = std::move(applied);
  }

  Node& node(NodeId id) { return *members_.at(id).node; }
  Member& member(NodeId id) { return members_.at(id); }
  std::vector<NodeId> ids() const {
    std::vector<NodeId> out;
    for (const auto& [id, m] : members_) out.push_back(id);
    return out;
  }

  // Faults.
  void isolate(NodeId id) { isolated_.insert(id); }
  void cut(NodeId a, NodeId b) { cuts_.insert({std::min(a, b), std::max(a, b)}); }
  void heal() {
    isolated_.clear();
    cuts_.clear();
    drop_per_mille_ = 0;
    filter_ = nullptr;
  }
  void set_drop_per_mille(std::uint64_t p) { drop_per_mille_ = p; }
  void set_filter(std::function<bool(const Message&)> drop) { filter_ = std::move(drop); }

  // Local inputs, each followed by handing out the node's Ready.
  void campaign(NodeId id) { node(id).campaign(); process(id); }
  ProposeResult propose(NodeId id, std::string data) {
    ProposeResult r = node(id).propose(std::move(data));
    process(id);
    return r;
  }
  void tick(NodeId id) { node(id).tick(); process(id); }
  void tick_all() {
    for (auto& [id, m] : members_) {
      if (m.up) tick(id);
    }
  }
  // Injects a message as if it came from the network.
  void send(const Message& m) { queue_.push_back(m); }

  // Delivers queued messages (and those they cause) until the network is quiet.
  void stabilize() {
    process_all();
    for (int steps = 0; !queue_.empty(); ++steps) {
      ASSERT_LT(steps, 1'000'000) << "cluster did not stabilize";
      deliver_one();
    }
  }
  // Ticks every node `n` times, stabilizing after each round.
  void run_ticks(int n) {
    for (int i = 0; i < n; ++i) {
      tick_all();
      stabilize();
    }
  }

  NodeId leader() const {
    NodeId found = kNone;
    Term best = 0;
    for (const auto& [id, m] : members_) {
      if (m.up && m.node->role() == Role::Leader && m.node->term() >= best) {
        found = id;
        best = m.node->term();
      }
    }
    return found;
  }

  const std::vector<Message>& sent() const { return sent_; }
  void clear_sent() { sent_.clear(); }

  // Handles every pending Ready of node `id`, exactly as raft/ready.h prescribes.
  void process(NodeId id) {
    Member& m = members_.at(id);
    for (int i = 0; m.node->has_ready(); ++i) {
      ASSERT_LT(i, 1000);
      Ready rd = m.node->ready();
      // 1. Persist (a snapshot replaces the whole stored log).
      if (rd.snapshot) {
        ASSERT_GT(rd.snapshot->index, m.disk.snapshot.index) << "older snapshot handed out";
        m.disk.snapshot = *rd.snapshot;
        m.disk.entries.clear();
      }
      if (rd.hard_state) m.disk.hard_state = *rd.hard_state;
      if (!rd.entries.empty()) {
        const LogIndex first = rd.entries.front().index;
        const LogIndex offset = m.disk.snapshot.index + 1;
        ASSERT_GE(first, offset) << "entry handed out below the snapshot";
        ASSERT_LE(first, offset + m.disk.entries.size()) << "gap in persisted log";
        m.disk.entries.resize(first - offset);
        m.disk.entries.insert(m.disk.entries.end(), rd.entries.begin(), rd.entries.end());
      }
      // 2. Send, checking each message against what is durable now.
      for (const Message& msg : rd.messages) {
        check_durable_before_send(m, msg);
        sent_.push_back(msg);
        queue_.push_back(msg);
      }
      // 3. Apply: restore from the snapshot first. Its "state machine" is the entries
      // applied up to its index, as every member applied them (state machine safety).
      if (rd.snapshot) {
        ASSERT_GT(rd.snapshot->index, m.applied.size()) << "snapshot below applied";
        while (m.applied.size() < rd.snapshot->index) {
          auto it = applied_.find(m.applied.size() + 1);
          ASSERT_NE(it, applied_.end()) << "snapshot covers an entry nobody applied";
          m.applied.push_back(it->second);
        }
        m.conf = rd.snapshot->conf;
        ++m.snapshots_restored;
      }
      for (const Entry& e : rd.committed_entries) {
        ASSERT_LE(e.index, disk_last(m)) << "applying an entry not yet persisted";
        ASSERT_GT(e.index, m.disk.snapshot.index) << "applying an entry below the snapshot";
        ASSERT_EQ(m.disk.entries[e.index - m.disk.snapshot.index - 1], e);
        if (e.type == EntryType::ConfChange) {
          ConfChange cc;
          ASSERT_TRUE(decode_conf_change(e.data, &cc));
          m.conf = m.node->apply_conf_change(cc);
        }
        if (e.index <= m.applied.size()) {
          ASSERT_EQ(m.applied[e.index - 1], e) << "re-applied entry differs after restart";
        } else {
          ASSERT_EQ(e.index, m.applied.size() + 1) << "applied out of order";
          m.applied.push_back(e);
        }
        check_state_machine_safety(e);
      }
      // 4. Advance.
      m.node->advance(rd);
    }
    check_election_safety();
  }
  void process_all() {
    for (auto& [id, m] : members_) process(id);
  }

  // What the etcd server does: snapshot the state machine at the applied index, then
  // compact the in-memory log and the stored log to `keep` entries before it.
  void snapshot_and_compact(NodeId id, LogIndex keep) {
    Member& m = members_.at(id);
    const LogIndex applied = m.applied.size();
    m.node->create_snapshot(applied, "state@" + std::to_string(applied));
    const LogIndex compact_to = applied > keep ? applied - keep : 0;
    if (compact_to > 0) m.node->compact(compact_to);
    // The stored snapshot; the WAL keeps only what follows it.
    const Snapshot& snap = *m.node->snapshot();
    const LogIndex drop = snap.index - m.disk.snapshot.index;
    m.disk.entries.erase(m.disk.entries.begin(), m.disk.entries.begin() + static_cast<std::ptrdiff_t>(drop));
    m.disk.snapshot = snap;
  }
  static LogIndex disk_last(const Member& m) { return m.disk.snapshot.index + m.disk.entries.size(); }

 private:
  void deliver_one() {
    Message msg = queue_.front();
    queue_.pop_front();
    if (dropped(msg)) return;
    auto it = members_.find(msg.to);
    if (it == members_.end() || !it->second.up) return;
    it->second.node->step(msg);
    process(msg.to);
  }

  bool dropped(const Message& m) {
    if (isolated_.count(m.from) || isolated_.count(m.to)) return true;
    if (cuts_.count({std::min(m.from, m.to), std::max(m.from, m.to)})) return true;
    if (filter_ && filter_(m)) return true;
    return drop_per_mille_ > 0 && rng_.uniform(1000) < drop_per_mille_;
  }

  static void check_durable_before_send(const Member& m, const Message& msg) {
    const HardState& hs = m.disk.hard_state;
    switch (msg.type) {
      case MessageType::MsgVote:
        EXPECT_EQ(hs.term, msg.term) << describe(msg);
        EXPECT_EQ(hs.vote, msg.from) << "vote for self not persisted: " << describe(msg);
        break;
      case MessageType::MsgVoteResp:
        if (!msg.reject) {
          EXPECT_EQ(hs.term, msg.term) << describe(msg);
          EXPECT_EQ(hs.vote, msg.to) << "vote not persisted before grant: " << describe(msg);
        }
        break;
      case MessageType::MsgAppResp:
        if (!msg.reject) {
          EXPECT_LE(msg.index, disk_last(m)) << "ack before persist: " << describe(msg);
        }
        break;
      case MessageType::MsgApp:
        EXPECT_LE(msg.index + msg.entries.size(), disk_last(m)) << describe(msg);
        break;
      default:
        break;
    }
    if (msg.term != 0 && msg.type != MessageType::MsgPreVote &&
        msg.type != MessageType::MsgPreVoteResp) {
      EXPECT_EQ(hs.term, msg.term) << "term not persisted: " << describe(msg);
    }
  }

  void check_election_safety() {
    for (const auto& [id, m] : members_) {
      if (m.node->role() != Role::Leader) continue;
      auto [it, inserted] = leaders_.emplace(m.node->term(), id);
      ASSERT_EQ(it->second, id) << "two leaders in term " << m.node->term();
    }
  }

  void check_state_machine_safety(const Entry& e) {
    auto [it, inserted] = applied_.emplace(e.index, e);
    ASSERT_EQ(it->second, e) << "different entries applied at index " << e.index;
  }

  ClusterOptions opts_;
  Prng rng_;
  std::map<NodeId, Member> members_;
  std::deque<Message> queue_;
  std::vector<Message> sent_;
  std::set<NodeId> isolated_;
  std::set<std::pair<NodeId, NodeId>> cuts_;
  std::uint64_t drop_per_mille_ = 0;
  std::function<bool(const Message&)> filter_;
  std::map<Term, NodeId> leaders_;
  std::map<LogIndex, Entry> applied_;
};

// "e7": built with append, because GCC 12 warns falsely (-Wrestrict) on "e" + string.
inline std::string label(const char* prefix, std::uint64_t n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

// Helpers to write logs compactly: terms of entries 1..n; the first `voters` entries
// are the bootstrap AddNode entries (term 1), so the cluster knows its configuration.
inline std::vector<Entry> make_log(const std::vector<Term>& terms, std::size_t voters) {
  std::vector<Entry> out;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    Entry e{terms[i], i + 1, EntryType::Normal, label("e", i + 1)};
    if (i < voters) {
      e.type = EntryType::ConfChange;
      e.data = encode_conf_change(ConfChange{ConfChangeType::AddNode, i + 1, ""});
    }
    out.push_back(std::move(e));
  }
  return out;
}

inline std::vector<Term> terms_of(const std::vector<Entry>& log) {
  std::vector<Term> out;
  for (const Entry& e : log) out.push_back(e.term);
  return out;
}

}  // namespace raft::test
