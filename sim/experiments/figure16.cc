// sim/experiments/figure16.cc — one Figure 16 trial: five raft::Nodes in Continuous
// election timing on an EventLoop, a LogCabin-like host per node (see figure16.h).
#include "sim/experiments/figure16.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "raft/node.h"
#include "sim/event_loop.h"
#include "sim/prng.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace raftlab::experiments {

std::string Fig16Range::label() const { return fmt::format("{}-{} ms", lo_ms, hi_ms); }

namespace {

using raft::MessageType;
using raft::NodeId;
using raft::Role;

class Trial {
 public:
  Trial(const Fig16Model& m, const Fig16Range& r, std::uint64_t seed)
      : m_(m),
        lo_ns_(r.lo_ms * 1'000'000),
        hi_ns_(r.hi_ms * 1'000'000),
        hb_(sim::nanos(std::max<std::int64_t>(1, lo_ns_ / 2))),
        root_(seed),
        net_(root_.derive("fig16/net")),
        disk_(root_.derive("fig16/disk")),
        crash_(root_.derive("fig16/crash")),
        timer_(root_.derive("fig16/timer")) {
    const auto n = static_cast<std::size_t>(m_.servers);
    servers_.resize(n + 1);  // 1-based
    fifo_.assign((n + 1) * (n + 1), sim::Time{});
    std::vector<NodeId> peers;
    for (NodeId id = 1; id <= n; ++id) peers.push_back(id);
    for (NodeId id = 1; id <= n; ++id) {
      raft::Config c;
      c.id = id;
      c.election_ticks = 2;  // the leader's tick is its heartbeat; CheckQuorum and PreVote off (the paper)
      c.heartbeat_ticks = 1;
      c.pre_vote = false;
      c.check_quorum = false;
      c.seed = root_.derive(fmt::format("fig16/raft/{}", id)).next();
      c.election_timing = raft::ElectionTiming::Continuous;
      c.election_timeout_min = static_cast<std::uint64_t>(lo_ns_);
      c.election_timeout_max = static_cast<std::uint64_t>(hi_ns_);
      Server& s = servers_[id];
      s.node = std::make_unique<raft::Node>(c, raft::Storage{});
      s.node->bootstrap(peers);
    }
    for (NodeId id = 1; id <= n; ++id) {
      after_input(id);
      // Each server's heartbeat ticker starts at its own phase.
      const std::int64_t phase = crash_.between(0, hb_.ns - 1);
      loop_.after(sim::nanos(phase), [this, id] { tick(id); });
    }
    // The cluster starts with a leader (server 1 campaigns at once), as the benchmark's did.
    servers_[1].node->campaign();
    after_input(1);
    loop_.after(m_.warm_up, [this] { arm(); });
  }

  Fig16Trial run() {
    Fig16Trial t;
    const sim::Time limit = m_.warm_up + sim::seconds(120) + m_.give_up;
    while (!done_ && loop_.now() < limit) {
      if (crashed_ && loop_.now() >= crash_at_ + m_.give_up) break;
      const sim::Time until = crashed_ ? std::min(limit, crash_at_ + m_.give_up) : limit;
      loop_.run_until(until, 256);
    }
    if (done_) t.downtime_ns = (done_at_ - crash_at_).ns;
    std::uint64_t top = 0;
    for (NodeId id = 1; id < servers_.size(); ++id) top = std::max(top, servers_[id].node->term());
    t.terms = crashed_ ? top - crash_term_ : 0;
    t.events = loop_.events_fired();
    return t;
  }

 private:
  struct Server {
    std::unique_ptr<raft::Node> node;
    bool up = true;
    bool saving = false;  // one durable write at a time
    raft::Term synced_term = 0;
    NodeId synced_vote = 0;
    std::uint64_t timer_generation = 0;  // the one last armed (0: none yet)
  };

  // Every input to a node is followed by its Readies and a look at its election timer.
  void after_input(NodeId id) {
    process_ready(id);
    Server& s = servers_[id];
    if (!s.up) return;
    const raft::ElectionTimer t = s.node->election_timer();
    if (!t.running || t.generation == s.timer_generation) return;
    s.timer_generation = t.generation;
    const std::int64_t jitter = m_.timer_jitter.ns > 0 ? timer_.between(0, m_.timer_jitter.ns) : 0;
    const std::uint64_t gen = t.generation;
    loop_.after(sim::nanos(static_cast<std::int64_t>(t.timeout) + jitter), [this, id, gen] {
      if (!servers_[id].up) return;
      servers_[id].node->election_timeout(gen);
      after_input(id);
    });
  }

  void tick(NodeId id) {
    Server& s = servers_[id];
    if (!s.up) return;
    s.node->tick();
    after_input(id);
    // The leader's tick has just broadcast its heartbeats: the moment to schedule a crash.
    if (phase_ == Phase::Entry && id == leader_ && s.node->role() == Role::Leader &&
        s.node->commit_index() >= entry_index_) {
      phase_ = Phase::CrashScheduled;
      const std::int64_t offset = crash_.between(0, hb_.ns - 1);  // within the heartbeat interval
      loop_.after(sim::nanos(offset), [this] { crash(); });
    } else if (phase_ == Phase::Entry && id == leader_ && s.node->role() != Role::Leader) {
      phase_ = Phase::WarmUp;  // it lost leadership before the entry committed: try again
      loop_.after(hb_, [this] { arm(); });
    }
    loop_.after(hb_, [this, id] { tick(id); });
  }

  // The leader appends one entry that reaches only the eligible followers.
  void arm() {
    if (phase_ != Phase::WarmUp) return;
    NodeId leader = 0;
    for (NodeId id = 1; id < servers_.size(); ++id) {
      const raft::Node& n = *servers_[id].node;
      if (n.role() == Role::Leader && (leader == 0 || n.term() > servers_[leader].node->term())) leader = id;
    }
    if (leader == 0) {
      loop_.after(hb_, [this] { arm(); });
      return;
    }
    std::vector<NodeId> followers;
    for (NodeId id = 1; id < servers_.size(); ++id)
      if (id != leader) followers.push_back(id);
    // `ineligible` of them, drawn: partial Fisher-Yates from the crash stream.
    lagging_.clear();
    for (int k = 0; k < m_.ineligible && k < static_cast<int>(followers.size()); ++k) {
      const std::size_t j = k + crash_.uniform(followers.size() - static_cast<std::size_t>(k));
      std::swap(followers[static_cast<std::size_t>(k)], followers[j]);
      lagging_.insert(followers[static_cast<std::size_t>(k)]);
    }
    leader_ = leader;
    raft::Node& n = *servers_[leader].node;
    entry_index_ = n.last_index() + 1;
    n.propose(raft::Payload("fig16"));
    after_input(leader);
    phase_ = Phase::Entry;
  }

  void crash() {
    Server& s = servers_[leader_];
    if (s.node->role() != Role::Leader) {  // deposed meanwhile: start over
      phase_ = Phase::WarmUp;
      arm();
      return;
    }
    s.up = false;
    crashed_ = true;
    crash_at_ = loop_.now();
    crash_term_ = s.node->term();
    phase_ = Phase::Crashed;
  }

  // Ready: persist -> send -> apply -> advance (raft/ready.h) for every role, as LogCabin
  // did (its writes were synchronous, under its lock, before any RPC went out), unless
  // the model lets the leader send first (etcd) or the candidate overlap its own write.
  // A Ready's write costs one durable write per LogCabin storage operation
  // (Fig16Model::writes_per_*).
  void process_ready(NodeId id) {
    Server& s = servers_[id];
    while (s.up && !s.saving && s.node->has_ready()) {
      raft::Ready rd = s.node->ready();
      const bool leader = s.node->role() == Role::Leader;
      bool votes_only = !rd.messages.empty();
      for (const auto& msg : rd.messages) votes_only = votes_only && msg.type == MessageType::MsgVote;
      const bool send_first = (leader && m_.leader_sends_first) || (votes_only && !m_.candidate_writes_first);
      if (send_first) send_all(id, rd.messages);
      for (const auto& e : rd.committed_entries) {
        raft::ConfChange cc;
        if (e.type == raft::EntryType::ConfChange && raft::decode_conf_change(e.data.view(), &cc))
          s.node->apply_conf_change(cc);
      }
      int writes = m_.writes_per_entry * static_cast<int>(rd.entries.size());
      if (rd.hard_state) {
        const bool term = rd.hard_state->term != s.synced_term;
        const bool vote = rd.hard_state->vote != s.synced_vote && rd.hard_state->vote != 0;
        if (term && vote && rd.hard_state->vote == id) {
          writes += 1;  // a candidate's new term and self-vote: one metadata update
        } else {
          writes += term ? 1 : 0;  // stepDown(newTerm)
          writes += vote ? 1 : 0;  // the vote granted
        }
      }
      if (writes == 0) {
        if (!send_first) send_all(id, rd.messages);
        s.node->advance(rd);
        continue;
      }
      s.saving = true;
      std::int64_t w = 0;
      for (int k = 0; k < writes; ++k)
        w += write_ns();
      auto held = std::make_shared<raft::Ready>(std::move(rd));
      loop_.after(sim::nanos(w), [this, id, held, send_first] {
        Server& sv = servers_[id];
        if (!sv.up) return;
        sv.saving = false;
        if (held->hard_state) {
          sv.synced_term = held->hard_state->term;
          sv.synced_vote = held->hard_state->vote;
        }
        if (!send_first) send_all(id, held->messages);
        sv.node->advance(*held);
        after_input(id);
      });
      return;
    }
  }

  std::int64_t write_ns() {
    std::int64_t w = m_.disk_write.ns + (m_.disk_jitter.ns > 0 ? disk_.between(0, m_.disk_jitter.ns) : 0);
    if (m_.disk_slow_ppm > 0 && disk_.chance(static_cast<std::uint64_t>(m_.disk_slow_ppm), 1'000'000))
      w += disk_.between(0, m_.disk_slow_extra.ns);
    return w;
  }

  void send_all(NodeId from, std::vector<raft::Message>& msgs) {
    for (auto& msg : msgs) send(from, std::move(msg));
  }

  void send(NodeId from, raft::Message&& msg) {
    const NodeId to = msg.to;
    // The leader's last entry never reaches the followers chosen to lag.
    if (from == leader_ && lagging_.count(to) && msg.type == MessageType::MsgApp && !msg.entries.empty() &&
        phase_ != Phase::WarmUp)
      return;
    const std::int64_t lat = net_.between(m_.latency_min.ns, m_.latency_max.ns);
    sim::Time& last = fifo_[from * servers_.size() + to];  // FIFO per pair, like TCP
    sim::Time at = loop_.now() + sim::nanos(lat);
    if (at < last) at = last;
    last = at;
    loop_.at(at, [this, to, m = std::move(msg)]() mutable { deliver(to, m); });
  }

  void deliver(NodeId to, const raft::Message& m) {
    Server& s = servers_[to];
    if (!s.up) return;
    if (crashed_ && !done_ && (m.type == MessageType::MsgApp || m.type == MessageType::MsgHeartbeat) &&
        m.term > crash_term_) {
      auto& heard = heard_[{m.from, m.term}];
      heard.insert(to);
      std::size_t live_others = 0;
      for (NodeId id = 1; id < servers_.size(); ++id) live_others += servers_[id].up && id != m.from;
      if (heard.size() == live_others) {
        done_ = true;
        done_at_ = loop_.now();
      }
    }
    s.node->step(m);
    after_input(to);
  }

  enum class Phase : std::uint8_t { WarmUp, Entry, CrashScheduled, Crashed };

  const Fig16Model& m_;
  std::int64_t lo_ns_, hi_ns_;
  sim::Duration hb_;
  sim::Prng root_, net_, disk_, crash_, timer_;
  sim::EventLoop loop_;
  std::vector<Server> servers_;
  std::vector<sim::Time> fifo_;
  Phase phase_ = Phase::WarmUp;
  NodeId leader_ = 0;
  raft::LogIndex entry_index_ = 0;
  std::set<NodeId> lagging_;
  bool crashed_ = false, done_ = false;
  sim::Time crash_at_{}, done_at_{};
  raft::Term crash_term_ = 0;
  std::map<std::pair<NodeId, raft::Term>, std::set<NodeId>> heard_;
};

}  // namespace

Fig16Trial run_fig16_trial(const Fig16Model& m, const Fig16Range& r, std::uint64_t seed) {
  Trial t(m, r, seed);
  Fig16Trial out = t.run();
  out.seed = seed;
  return out;
}

std::vector<Fig16Trial> run_fig16(const Fig16Model& m, const Fig16Range& r, std::uint64_t first_seed,
                                  std::uint64_t trials) {
  std::vector<Fig16Trial> out;
  out.reserve(trials);
  for (std::uint64_t i = 0; i < trials; ++i) out.push_back(run_fig16_trial(m, r, first_seed + i));
  return out;
}

Fig16Stats summarize(const std::vector<Fig16Trial>& t, const Fig16Model& m) {
  Fig16Stats s;
  s.n = t.size();
  s.gave_up_ms = static_cast<double>(m.give_up.ns) / 1e6;
  if (t.empty()) return s;
  std::vector<double> ms;
  double sum = 0, terms = 0;
  std::uint64_t over = 0;
  for (const auto& x : t) {
    terms += static_cast<double>(x.terms);
    if (x.downtime_ns < 0) {
      ++s.gave_up;
      over += s.gave_up_ms >= 10'000.0;  // gave up after 10 s or more: over 10 s
      ms.push_back(INFINITY);
      continue;
    }
    const double v = static_cast<double>(x.downtime_ns) / 1e6;
    ms.push_back(v);
    sum += v;
    over += v > 10'000.0;
  }
  std::sort(ms.begin(), ms.end());
  const auto q = [&](double p) {
    const auto n = static_cast<double>(ms.size());
    std::size_t i = static_cast<std::size_t>(std::ceil(p * n));
    i = i == 0 ? 0 : i - 1;
    const double v = ms[std::min(i, ms.size() - 1)];
    return std::isinf(v) ? s.gave_up_ms : v;
  };
  s.min = q(0);
  s.p50 = q(0.5);
  s.p90 = q(0.9);
  s.p99 = q(0.99);
  s.max = q(1.0);
  s.mean = s.n > s.gave_up ? sum / static_cast<double>(s.n - s.gave_up) : s.gave_up_ms;
  s.over_10s = static_cast<double>(over) / static_cast<double>(s.n);
  s.mean_terms = terms / static_cast<double>(s.n);
  return s;
}

}  // namespace raftlab::experiments
