// sim/deploy_expect.cc — a Deployment's expectations: each one scheduled at its time, probed
// against the World (clusters, leaders, quorum, members, put/get, leader-relative checks,
// the extension's own keys), and its result recorded; the run's warnings. Split out of
// deploy.cc, which builds the World and carries out the timeline.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sim/deploy.h"
#include "sim/etcd/ids.h"
#include "sim/etcdctl.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/loader.h"

namespace raftlab::sim {

void Deployment::schedule_expectations() {
  for (size_t i = 0; i < s_.expect.size(); ++i) {
    const scenario::Expectation* e = &s_.expect[i];
    world_->loop().at(nanos(e->at_ns), [this, e, i] { probe(*e, i); });
  }
}

namespace {
std::string bool_text(bool b) { return b ? "true" : "false"; }
}  // namespace

void Deployment::probe(const scenario::Expectation& e, size_t index) {
  World& w = *world_;
  const auto clusters = w.clusters();
  const auto members = w.members();
  auto add = [&](std::string what, std::string expected, std::string actual, bool passed) {
    ExpectResult r;
    r.at_ns = e.at_ns;
    r.what = std::move(what);
    r.expected = std::move(expected);
    r.actual = std::move(actual);
    r.passed = passed;
    r.path = e.path;
    r.note = e.note;
    results_.push_back(r);
  };
  if (e.clusters) {
    add("clusters", std::to_string(*e.clusters), std::to_string(clusters.size()),
        static_cast<std::int64_t>(clusters.size()) == *e.clusters);
  }
  if (e.leaders) {
    std::int64_t n = 0;
    for (const auto& m : members)
      if (m.running && m.role == raft::Role::Leader) ++n;
    add("leaders", std::to_string(*e.leaders), std::to_string(n), n == *e.leaders);
  }
  if (e.running) {
    std::int64_t n = 0;
    for (const auto& m : members)
      if (m.running) ++n;
    add("running", std::to_string(*e.running), std::to_string(n), n == *e.running);
  }
  if (e.quorum) {
    bool all = !clusters.empty();
    for (const auto& c : clusters) all = all && c.quorum;
    add("quorum", bool_text(*e.quorum), bool_text(all), all == *e.quorum);
  }
  if (e.leader_not_on_host) {
    std::string there;
    for (const auto& m : members)
      if (m.running && m.role == raft::Role::Leader && m.host == *e.leader_not_on_host) there = m.name;
    add("leader_not_on_host", *e.leader_not_on_host, there.empty() ? "no leader there" : there + " leads there",
        there.empty());
  }
  if (e.term_at_least) {
    std::uint64_t term = 0;
    std::string who;
    for (const auto& m : members)
      if (m.running && m.term > term) {
        term = m.term;
        who = m.name;
      }
    add("term_at_least", std::to_string(*e.term_at_least),
        term == 0 ? "no member running" : fmt::format("term {} ({})", term, who),
        static_cast<std::int64_t>(term) >= *e.term_at_least);
  }
  if (e.leader_changed_since) {
    // Changed = some leader now leads at a term above every term a leader of its cluster
    // held then: an election completed since (the same member re-elected at a higher term
    // counts; a deposed leader that still thinks it leads, at its old term, does not).
    // Terms are compared within a cluster only: two clusters' terms are unrelated.
    std::map<std::uint64_t, std::uint64_t> then_term;  // cluster ID -> highest leader term then
    std::vector<std::string> then;
    if (auto it = leaders_at_.find(index); it != leaders_at_.end())
      for (const LeaderThen& l : it->second) {
        then_term[l.cluster_id] = std::max(then_term[l.cluster_id], l.term);
        then.push_back(fmt::format("{} at term {}", l.name, l.term));
      }
    std::vector<std::string> now;
    bool changed = false;
    for (const auto& m : members)
      if (m.running && m.role == raft::Role::Leader) {
        now.push_back(fmt::format("{} at term {}", m.name, m.term));
        const auto t = then_term.find(m.cluster_id);
        changed = changed || t == then_term.end() || m.term > t->second;
      }
    const std::string since = scenario::format_duration(*e.leader_changed_since);
    add("leader_changed_since", since,
        fmt::format("{} (at {}: {})", now.empty() ? "no leader" : fmt::format("{}", fmt::join(now, ", ")), since,
                    then.empty() ? "no leader" : fmt::format("{}", fmt::join(then, ", "))),
        changed);
  }
  if (e.leader_on_host) {
    bool found = false;
    for (const auto& m : members)
      if (m.running && m.role == raft::Role::Leader && m.host == *e.leader_on_host) found = true;
    add("leader_on_host", *e.leader_on_host, found ? *e.leader_on_host : "no leader there", found);
  }
  for (const auto& [handle, names] : e.members) {
    std::vector<std::string> want = names, got;
    std::string state = "not running";
    for (const auto& m : members) {
      if (m.name != handle) continue;
      state = m.state;
      for (const auto& rec : m.members) got.push_back(rec.name);
    }
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    auto show = [](const std::vector<std::string>& v) {
      std::vector<std::string> q;
      for (const auto& s : v) q.push_back(s.empty() ? "(unstarted)" : s);
      return fmt::format("[{}]", fmt::join(q, ", "));  // one format call (GCC 12 -Wrestrict false positive on "[" + ...)
    };
    add("members of " + handle, show(want), state == "running" ? show(got) : state, want == got && state == "running");
  }
  if (!e.ext.empty() && ext_) ext_->probe(e);
  if (e.put) {
    const scenario::PutExpect p = *e.put;
    const size_t slot = results_.size();
    add("put " + p.key + " via " + (p.via.member.empty() ? p.via.url : p.via.member),
        p.succeeds ? "succeeds" : "fails", "(pending)", false);
    ClientRequest req;
    req.kind = ClientOpKind::Put;
    req.key = p.key;
    req.value = p.value;
    etcdctl_as(w, p.user, p.password, req, {p.via.member.empty() ? p.via.url : p.via.member},
               [this, slot, p](const ClientResult& r) {
      results_[slot].actual = r.ok ? fmt::format("OK (revision {})", r.reply.revision) : "Error: " + r.error;
      results_[slot].passed = r.ok == p.succeeds;
    });
  }
  if (e.get) {
    const scenario::GetExpect g = *e.get;
    const size_t slot = results_.size();
    std::string expected = !g.found ? "key not found" : (g.value ? "\"" + *g.value + "\"" : "key exists");
    add("get " + g.key + " via " + (g.via.member.empty() ? g.via.url : g.via.member), expected, "(pending)", false);
    ClientRequest req;
    req.kind = ClientOpKind::Get;
    req.key = g.key;
    etcdctl_as(w, g.user, g.password, req, {g.via.member.empty() ? g.via.url : g.via.member},
               [this, slot, g](const ClientResult& r) {
      if (!r.ok) {
        results_[slot].actual = "Error: " + r.error;
        results_[slot].passed = false;
        return;
      }
      results_[slot].actual = r.reply.found ? "\"" + r.reply.value + "\"" : "key not found";
      results_[slot].passed = !g.found ? !r.reply.found : (r.reply.found && (!g.value || r.reply.value == *g.value));
    });
  }
  (void)index;
}

std::size_t Deployment::add_result(ExpectResult r) {
  results_.push_back(std::move(r));
  return results_.size() - 1;
}

void Deployment::complete_result(std::size_t slot, std::string actual, bool passed) {
  if (slot >= results_.size()) return;
  results_[slot].actual = std::move(actual);
  results_[slot].passed = passed;
}

void Deployment::add_warning(const std::string& text) {
  if (std::find(warnings_.begin(), warnings_.end(), text) == warnings_.end()) warnings_.push_back(text);
}

}  // namespace raftlab::sim
