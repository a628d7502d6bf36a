#include "sim/check/election_safety.h"

#include "sim/check/checker.h"
#include "sim/check/lab.h"

#include <map>
#include <set>
#include <tuple>
#include <utility>

#include <fmt/format.h>

namespace raftlab::check {

std::string at_text(std::int64_t ns) {
  std::string sign;
  if (ns < 0) { sign = "-"; ns = -ns; }
  const std::int64_t whole = ns / 1'000'000'000, frac = ns % 1'000'000'000;
  if (frac == 0) return fmt::format("{}{}s", sign, whole);
  std::string f = fmt::format("{:09d}", frac);
  while (f.back() == '0') f.pop_back();
  return fmt::format("{}{}.{}s", sign, whole, f);
}

namespace {

// Who reported Leader, and when — the evidence for one side of a violation.
struct LeaderSighting {
  std::uint64_t member_id = 0;
  std::string who;
  std::int64_t at_ns = 0;
};

bool is_leader_event(const sim::TraceEvent& e) { return e.kind == sim::Ev::Role && e.a == "Leader"; }


}  // namespace

std::string describe(const Violation& v) {
  return fmt::format("{} at {}: {}", v.checker, at_text(v.at_ns), v.evidence);
}

namespace {

class ElectionSafety final : public detail::Checker {
 public:
  void on(const sim::TraceEvent& e) override {
    if (!is_leader_event(e)) return;
    elections_.insert({e.cluster_id, e.term, e.member_id});
    const auto key = std::make_pair(e.cluster_id, e.term);
    auto [it, first] = leader_of_.try_emplace(key, LeaderSighting{e.member_id, e.who, e.at.ns});
    if (first || it->second.member_id == e.member_id) return;  // same leader again: one election
    if (!reported_.insert({e.cluster_id, e.term, e.member_id}).second) return;
    const LeaderSighting& was = it->second;
    Violation v;
    v.checker = "election_safety";
    v.at_ns = e.at.ns;
    v.cluster_id = e.cluster_id;
    v.members = {was.who, e.who};
    v.evidence = fmt::format(
        "cluster {} term {} has two leaders: {} (member {}) became leader at {}, then {} (member {}) at {} "
        "(Raft §5.2: at most one leader per term)",
        sim::hex_id(e.cluster_id), e.term, was.who, sim::hex_id(was.member_id), at_text(was.at_ns), e.who,
        sim::hex_id(e.member_id), at_text(e.at.ns));
    out_.push_back(std::move(v));
  }
  std::vector<Violation> finish(CheckerStats* stats) override {
    if (stats) {
      stats->name = "election_safety";
      stats->checked = elections_.size();
      stats->violations = out_.size();
    }
    return std::move(out_);
  }

 private:
  std::vector<Violation> out_;
  // (cluster, term) -> the first leader seen; ordered map so output order is stable.
  std::map<std::pair<std::uint64_t, std::uint64_t>, LeaderSighting> leader_of_;
  // Extra leaders already reported, so a member that logs Leader again in the same term
  // does not repeat the violation.
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> reported_;
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> elections_;  // (cluster, term, member)
};

}  // namespace

std::unique_ptr<detail::Checker> detail::make_election_safety() { return std::make_unique<ElectionSafety>(); }

std::vector<Violation> check_election_safety(const std::vector<sim::TraceEvent>& events) {
  ElectionSafety c;
  return detail::run(c, events, nullptr);
}

std::vector<FirstLeader> first_leaders(const std::vector<sim::TraceEvent>& events) {
  std::map<std::uint64_t, FirstLeader> by_cluster;
  for (const sim::TraceEvent& e : events) {
    if (!is_leader_event(e)) continue;
    // try_emplace keeps the earliest: the trace is recorded in time order.
    by_cluster.try_emplace(e.cluster_id, FirstLeader{e.cluster_id, e.at.ns, e.who, e.member_id, e.term});
  }
  std::vector<FirstLeader> out;
  out.reserve(by_cluster.size());
  for (auto& [id, fl] : by_cluster) out.push_back(std::move(fl));
  return out;
}

}  // namespace raftlab::check
