// tests/check/traced_cluster.h — raft::Nodes in a test network that record the trace the
// simulator's members record (role, hard_state, append, vote, apply, client calls), so
// the sim/check checkers can judge a hand-driven Raft run — with or without a planted
// bug (raft/bugs.h).
//
// Unlike tests/raft/cluster.h it asserts nothing about safety itself: judging is the
// checkers' job. Every Ready is carried out as raft/ready.h says (persist, send, apply).
// Member N is traced as "mN"; each delivery or tick advances virtual time by 1 ms.
//
//   TracedCluster c(3, raft::bug_bit(raft::Bug::CommitOldTerm));
//   c.campaign(1);
//   c.put(1, "k", "v");
//   LabReport r = check_all(c.events());
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "raft/node.h"
#include "sim/trace.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace raftlab::check::test {

class TracedCluster {
 public:
  static constexpr std::uint64_t kClusterId = 0xc1;

  struct Options {
    bool pre_vote = false;
    bool check_quorum = false;
    std::uint32_t max_entries_per_msg = 64;
  };

  // Nodes 1..n bootstrapped as one new cluster.
  TracedCluster(std::size_t n, raft::BugSet bugs, Options o) : bugs_(bugs), opts_(o) {
    std::vector<raft::NodeId> peers;
    for (raft::NodeId id = 1; id <= n; ++id) peers.push_back(id);
    for (raft::NodeId id : peers) {
      start(id, raft::Storage{});
      node(id).bootstrap(peers);
    }
    for (raft::NodeId id : peers) process(id);
  }
  TracedCluster(std::size_t n, raft::BugSet bugs) : TracedCluster(n, bugs, Options{}) {}
  // Nodes restored from the given storages (a state prepared by the test).
  TracedCluster(const std::map<raft::NodeId, raft::Storage>& disks, raft::BugSet bugs, Options o)
      : bugs_(bugs), opts_(o) {
    for (const auto& [id, s] : disks) {
      // The prepared logs are durable: record them as appended.
      for (const raft::Entry& e : s.entries) record_append(id, e);
      start(id, s);
    }
    for (const auto& [id, s] : disks) process(id);
  }

  raft::Node& node(raft::NodeId id) { return *members_.at(id).node; }
  const std::vector<sim::TraceEvent>& events() const { return events_; }

  // --- faults
  void isolate(raft::NodeId id) { isolated_.insert(id); }
  void heal() {
    isolated_.clear();
    drop_ = nullptr;
  }
  void drop_if(std::function<bool(const raft::Message&)> f) { drop_ = std::move(f); }
  // The process dies: queued messages to and from it are lost; its disk stays.
  void crash(raft::NodeId id) {
    members_.at(id).up = false;
    std::deque<raft::Message> keep;
    for (raft::Message& m : queue_)
      if (m.from != id && m.to != id) keep.push_back(std::move(m));
    queue_.swap(keep);
    event(sim::Ev::ProcExit, id).a = "killed";
  }
  void restart(raft::NodeId id) { start(id, members_.at(id).disk); }

  // --- inputs
  void campaign(raft::NodeId id) {
    node(id).campaign();
    process(id);
    stabilize();
  }
  void tick_all(int n) {
    for (int i = 0; i < n; ++i) {
      for (auto& [id, m] : members_)
        if (m.up) {
          m.node->tick();
          process(id);
        }
      stabilize();
    }
  }
  // A client put through node `id`, acknowledged when `id` applies it (as etcd does).
  void put(raft::NodeId id, const std::string& key, const std::string& value) {
    const std::uint64_t req = ++next_req_;
    sim::TraceEvent& c = event(sim::Ev::ClientCall, id);
    c.who = "http://m" + std::to_string(id) + ":2379";
    c.index = req;
    c.peer = 1;
    c.a = "put";
    c.b = key;
    c.c = value;
    pending_puts_[key + "=" + value] = {id, req};
    node(id).propose(key + "=" + value);
    process(id);
    stabilize();
  }
  void stabilize() {
    for (int steps = 0; !queue_.empty() && steps < 100000; ++steps) {
      raft::Message m = queue_.front();
      queue_.pop_front();
      if (isolated_.count(m.from) || isolated_.count(m.to) || (drop_ && drop_(m))) continue;
      auto it = members_.find(m.to);
      if (it == members_.end() || !it->second.up) continue;
      now_ms_ += 1;
      it->second.node->step(m);
      process(m.to);
    }
  }

  // Log of `terms` at indexes 1..n whose first `voters` entries add voters 1..voters.
  static std::vector<raft::Entry> make_log(const std::vector<raft::Term>& terms, std::size_t voters) {
    std::vector<raft::Entry> out;
    for (std::size_t i = 0; i < terms.size(); ++i) {
      raft::Entry e{terms[i], i + 1, raft::EntryType::Normal, "e" + std::to_string(i + 1) + "t" + std::to_string(terms[i])};
      if (i < voters) {
        e.type = raft::EntryType::ConfChange;
        e.data = raft::encode_conf_change(raft::ConfChange{raft::ConfChangeType::AddNode, i + 1, ""});
      }
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  struct Member {
    std::unique_ptr<raft::Node> node;
    raft::Storage disk;
    bool up = false;
    raft::Role role = raft::Role::Follower;
    raft::Term term = 0;
    raft::NodeId lead = raft::kNone;
    std::map<std::string, std::string> kv;
  };

  void start(raft::NodeId id, raft::Storage s) {
    Member& m = members_[id];
    raft::Config c;
    c.id = id;
    c.election_ticks = 10;
    c.heartbeat_ticks = 1;
    c.seed = id;
    c.pre_vote = opts_.pre_vote;
    c.check_quorum = opts_.check_quorum;
    c.max_entries_per_msg = opts_.max_entries_per_msg;
    c.bugs = bugs_;
    m.disk = s;
    m.node = std::make_unique<raft::Node>(c, std::move(s));
    m.up = true;
    m.role = raft::Role::Follower;
    m.term = m.node->term();
    m.lead = raft::kNone;
    event(sim::Ev::ProcStart, id).a = "etcd";
  }

  sim::TraceEvent& event(sim::Ev kind, raft::NodeId id) {
    sim::TraceEvent e;
    e.at = sim::millis(now_ms_);
    e.kind = kind;
    e.who = "m" + std::to_string(id);
    e.member_id = id;
    e.cluster_id = kClusterId;
    events_.push_back(std::move(e));
    return events_.back();
  }
  static std::string digest(const raft::Entry& e) {
    return (e.type == raft::EntryType::ConfChange ? "conf:" : "normal:") + e.data.str();
  }
  void record_append(raft::NodeId id, const raft::Entry& e) {
    sim::TraceEvent& a = event(sim::Ev::Append, id);
    a.term = e.term;
    a.index = e.index;
    a.a = digest(e);
  }

  void process(raft::NodeId id) {
    Member& m = members_.at(id);
    for (int i = 0; m.up && m.node->has_ready() && i < 1000; ++i) {
      raft::Ready rd = m.node->ready();
      // 1. Persist (and trace what became durable).
      if (rd.hard_state) {
        m.disk.hard_state = *rd.hard_state;
        sim::TraceEvent& h = event(sim::Ev::HardState, id);
        h.term = rd.hard_state->term;
        h.peer = rd.hard_state->vote;
        h.index = rd.hard_state->commit;
      }
      if (!rd.entries.empty()) {
        const raft::LogIndex first = rd.entries.front().index;
        m.disk.entries.resize(first - 1);
        for (const raft::Entry& e : rd.entries) {
          m.disk.entries.push_back(e);
          record_append(id, e);
        }
      }
      // Role, term or leader changed.
      const raft::Role role = m.node->role();
      const raft::Term term = m.node->term();
      const raft::NodeId lead = m.node->leader();
      if (role != m.role || term != m.term || lead != m.lead) {
        m.role = role;
        m.term = term;
        m.lead = lead;
        sim::TraceEvent& r = event(sim::Ev::Role, id);
        r.term = term;
        r.a = raft::role_name(role);
        r.peer = lead;
      }
      // 2. Send.
      for (const raft::Message& msg : rd.messages) {
        if ((msg.type == raft::MessageType::MsgVoteResp || msg.type == raft::MessageType::MsgPreVoteResp) &&
            !msg.reject) {
          sim::TraceEvent& v = event(sim::Ev::Vote, id);
          v.term = msg.term;
          v.peer = msg.to;
          v.a = msg.type == raft::MessageType::MsgVoteResp ? "vote" : "prevote";
        }
        queue_.push_back(msg);
      }
      // 3. Apply.
      for (const raft::Entry& e : rd.committed_entries) {
        if (e.type == raft::EntryType::ConfChange) {
          raft::ConfChange cc;
          if (raft::decode_conf_change(e.data, &cc)) m.node->apply_conf_change(cc);
        }
        sim::TraceEvent& a = event(sim::Ev::Apply, id);
        a.term = e.term;
        a.index = e.index;
        a.a = digest(e);
        const std::string data = e.data.str();
        const auto eq = data.find('=');
        if (e.type == raft::EntryType::Normal && eq != std::string::npos) {
          a.b = "put " + data.substr(0, eq);
          a.c = data.substr(eq + 1);
          m.kv[data.substr(0, eq)] = data.substr(eq + 1);
          auto p = pending_puts_.find(data);
          if (p != pending_puts_.end() && p->second.first == id) {
            sim::TraceEvent& d = event(sim::Ev::ClientDone, id);
            d.who = "http://m" + std::to_string(id) + ":2379";
            d.index = p->second.second;
            d.a = "ok";
            d.b = "revision=" + std::to_string(e.index);
            pending_puts_.erase(p);
          }
        }
      }
      m.node->advance(rd);
    }
  }

  raft::BugSet bugs_;
  Options opts_;
  std::map<raft::NodeId, Member> members_;
  std::deque<raft::Message> queue_;
  std::set<raft::NodeId> isolated_;
  std::function<bool(const raft::Message&)> drop_;
  std::vector<sim::TraceEvent> events_;
  std::int64_t now_ms_ = 0;
  std::uint64_t next_req_ = 0;
  std::map<std::string, std::pair<raft::NodeId, std::uint64_t>> pending_puts_;  // "k=v" -> (node, request)
};

}  // namespace raftlab::check::test
