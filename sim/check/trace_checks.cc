#include "sim/check/trace_checks.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "sim/check/checker.h"
#include "sim/check/durable_log.h"
#include "sim/check/lab.h"

namespace raftlab::check {

namespace {

// What the first member to apply an index applied there (no views into the trace: its
// events may be gone, issue 24).
struct AppliedEntry {
  bool known = false;
  std::uint64_t term = 0;
  detail::Digest digest;
  std::uint32_t who = 0;  // Names id
  std::int64_t at_ns = 0;
};

// Indexes far beyond what a cluster has applied are kept in a map instead of growing the
// dense vector without bound (hostile or hand-written traces).
constexpr std::uint64_t kDenseIndexes = 1u << 22;

class StateMachineSafety final : public detail::Checker {
 public:
  void on(const sim::TraceEvent& e) override {
    if (e.kind != sim::Ev::Apply) return;
    ++applies_;
    if (!last_ || last_cluster_ != e.cluster_id) {
      last_ = &dense_[e.cluster_id];
      last_cluster_ = e.cluster_id;
    }
    std::vector<AppliedEntry>& d = *last_;
    if (e.index >= d.size() && e.index < kDenseIndexes && e.index < 2 * d.size() + 4096) {
      // Grow the dense part (moving what the sparse part held in the new range).
      const std::size_t from = d.size();
      d.resize(std::min<std::size_t>(kDenseIndexes, std::max<std::size_t>(e.index + 1, 2 * from)));
      auto it = sparse_.lower_bound({e.cluster_id, from});
      while (it != sparse_.end() && it->first.first == e.cluster_id && it->first.second < d.size()) {
        d[it->first.second] = it->second;
        it = sparse_.erase(it);
      }
    }
    AppliedEntry* slot = e.index < d.size() ? &d[e.index] : &sparse_[{e.cluster_id, e.index}];
    const detail::Digest digest = pool_.of(e.a);
    if (!slot->known) {
      *slot = AppliedEntry{true, e.term, digest, static_cast<std::uint32_t>(names_.id(e.who)), e.at.ns};
      return;
    }
    const AppliedEntry& was = *slot;
    if (was.term == e.term && was.digest == digest) return;
    const std::uint32_t who = static_cast<std::uint32_t>(names_.id(e.who));
    if (!reported_.insert({e.cluster_id, e.index, who}).second) return;
    const std::string was_who(names_.name(was.who));
    Violation v;
    v.checker = "state_machine_safety";
    v.at_ns = e.at.ns;
    v.cluster_id = e.cluster_id;
    v.members = {was_who, e.who};
    v.evidence = fmt::format(
        "cluster {} index {}: {} applied term {} entry {} at {}, but {} applied term {} entry {} at {} "
        "(Raft §5.4.3: no two members apply different entries at one index)",
        sim::hex_id(e.cluster_id), e.index, was_who, was.term, pool_.text(was.digest), at_text(was.at_ns), e.who,
        e.term, e.a, at_text(e.at.ns));
    out_.push_back(std::move(v));
  }
  std::vector<Violation> finish(CheckerStats* stats) override {
    if (stats) {
      stats->name = "state_machine_safety";
      stats->checked = applies_;
      stats->violations = out_.size();
    }
    return std::move(out_);
  }

 private:
  std::vector<Violation> out_;
  detail::Names names_;
  detail::DigestPool pool_;
  std::uint64_t applies_ = 0;
  // (cluster, index) -> the first apply: per cluster a vector indexed by log index (one
  // array access per `apply`, ~42k per reference trace), a map beyond kDenseIndexes.
  std::map<std::uint64_t, std::vector<AppliedEntry>> dense_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, AppliedEntry> sparse_;
  std::uint64_t last_cluster_ = 0;
  std::vector<AppliedEntry>* last_ = nullptr;
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint32_t>> reported_;  // (cluster, index, who)
};

}  // namespace

std::unique_ptr<detail::Checker> detail::make_state_machine_safety() {
  return std::make_unique<StateMachineSafety>();
}

std::vector<Violation> check_state_machine_safety(const std::vector<sim::TraceEvent>& events) {
  StateMachineSafety c;
  return detail::run(c, events, nullptr);
}

std::vector<std::uint64_t> clusters_seen(const std::vector<sim::TraceEvent>& events) {
  std::set<std::uint64_t> ids;
  std::uint64_t last = 0;  // consecutive events name the same cluster: skip the set
  for (const sim::TraceEvent& e : events) {
    const bool names_cluster = e.kind == sim::Ev::Bootstrap || e.kind == sim::Ev::Role || e.kind == sim::Ev::Apply;
    if (names_cluster && e.cluster_id != 0 && e.cluster_id != last) {
      ids.insert(e.cluster_id);
      last = e.cluster_id;
    }
  }
  return {ids.begin(), ids.end()};
}

std::string TraceReport::describe() const {
  std::string out;
  for (const Violation& v : violations) out.append(check::describe(v)).append("\n");
  return out;
}

TraceReport check_trace(const std::vector<sim::TraceEvent>& events) {
  TraceReport r;
  r.violations = check_election_safety(events);
  for (Violation& v : check_state_machine_safety(events)) r.violations.push_back(std::move(v));
  r.first_leaders = first_leaders(events);
  r.clusters = clusters_seen(events);
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> elections;
  for (const sim::TraceEvent& e : events) {
    if (e.kind == sim::Ev::Role && e.a == "Leader") elections.insert({e.cluster_id, e.term, e.member_id});
    if (e.kind == sim::Ev::Apply) ++r.applies;
  }
  r.leader_elections = elections.size();
  return r;
}

}  // namespace raftlab::check
