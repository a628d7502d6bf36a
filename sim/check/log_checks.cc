// sim/check/log_checks.cc — Log Matching, Leader Completeness and vote safety, from the
// durable logs and votes the trace records (append, data_loss, vote, role, apply).
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "sim/check/checker.h"
#include "sim/check/durable_log.h"
#include "sim/check/lab.h"

namespace raftlab::check {

namespace {

using detail::DurableLog;
using detail::LogEntry;
using detail::Names;


// Who first held (index, term) and what: the reference the Log Matching check compares
// every later holder against.
struct FirstHolder {
  detail::Digest digest;
  std::optional<std::uint64_t> prev_term;  // term at index-1 (unknown: log starts there)
  std::uint32_t who = 0;  // Names id
  std::int64_t at_ns = 0;
};

struct TripleHash {
  std::size_t operator()(const std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>& k) const {
    std::uint64_t h = std::get<0>(k) * 0x9e3779b97f4a7c15ULL;
    h = (h ^ std::get<1>(k)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ std::get<2>(k)) * 0x94d049bb133111ebULL;
    return static_cast<std::size_t>(h ^ (h >> 31));
  }
};

std::string prev_text(const std::optional<std::uint64_t>& t) {
  return t ? fmt::format("after a term-{} entry", *t) : std::string("with no earlier entry known");
}

}  // namespace

namespace {

class LogMatching final : public detail::Checker {
 public:
  void on(const sim::TraceEvent& e) override {
    if (e.kind == sim::Ev::DataLoss) {
      log_of(e).truncate(e.index);
      return;
    }
    std::uint64_t snap_index = 0, snap_term = 0;
    if (detail::snapshot_install(e, &snap_index, &snap_term)) {
      log_of(e).restore(snap_index, snap_term);
      return;
    }
    if (e.kind != sim::Ev::Append) return;
    DurableLog& log = log_of(e);
    const detail::Digest digest = pool_.of(e.a);
    log.append(e, digest);
    ++checked_;
    std::optional<std::uint64_t> prev_term;
    if (e.index <= 1) {
      prev_term = 0;
    } else if (const LogEntry* p = log.at(e.index - 1)) {
      prev_term = p->term;
    }
    const std::uint32_t who = static_cast<std::uint32_t>(names_.id(e.who));
    auto [it, fresh] = first_.try_emplace({e.cluster_id, e.index, e.term}, FirstHolder{digest, prev_term, who, e.at.ns});
    FirstHolder& was = it->second;
    if (fresh) return;
    if (!was.prev_term && prev_term) was.prev_term = prev_term;  // learn it from a fuller log
    const bool same_entry = was.digest == digest;
    const bool same_prefix = !was.prev_term || !prev_term || *was.prev_term == *prev_term;
    if (same_entry && same_prefix) return;
    if (!reported_.insert({e.cluster_id, e.index, e.term}).second) return;
    const std::string was_who(names_.name(was.who));
    Violation v;
    v.checker = "log_matching";
    v.at_ns = e.at.ns;
    v.cluster_id = e.cluster_id;
    v.members = {was_who, e.who};
    v.evidence = fmt::format(
        "cluster {} index {} term {}: {} holds {} {} (since {}), but {} holds {} {} "
        "(Figure 3 Log Matching: same index and term => identical logs up to it)",
        sim::hex_id(e.cluster_id), e.index, e.term, was_who, pool_.text(was.digest), prev_text(was.prev_term),
        at_text(was.at_ns), e.who, e.a, prev_text(prev_term));
    out_.push_back(std::move(v));
  }
  std::vector<Violation> finish(CheckerStats* stats) override {
    if (stats) {
      stats->name = "log_matching";
      stats->checked = checked_;
      stats->violations = out_.size();
      if (checked_ == 0) stats->note = "no append events in the trace";
    }
    return std::move(out_);
  }

 private:
  DurableLog& log_of(const sim::TraceEvent& e) {
    const std::size_t id = names_.id(e.who);
    if (id >= logs_.size()) logs_.resize(id + 1);
    return logs_[id];
  }
  std::vector<Violation> out_;
  Names names_;
  detail::DigestPool pool_;
  std::vector<DurableLog> logs_;
  // (cluster, index, term) -> first holder. By induction on the index, equal digests and
  // equal predecessor terms at every (index, term) mean equal prefixes: an entry's
  // predecessor cannot change while the entry stays (overwriting it drops the suffix).
  // A hash map: only looked up (one try_emplace per `append`, ~21k per reference trace).
  std::unordered_map<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>, FirstHolder, TripleHash> first_;
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> reported_;
  std::uint64_t checked_ = 0;
};

}  // namespace

std::unique_ptr<detail::Checker> detail::make_log_matching() { return std::make_unique<LogMatching>(); }

std::vector<Violation> check_log_matching(const std::vector<sim::TraceEvent>& events, CheckerStats* stats) {
  LogMatching c;
  return detail::run(c, events, stats);
}

namespace {

struct Committed {
  bool known = false;
  std::uint64_t term = 0;           // the entry's
  detail::Digest digest;
  std::uint32_t who = 0;            // first applier (Names id)
  std::int64_t at_ns = 0;
  std::uint64_t term_bound = 0;     // highest term the cluster had reached when applied
};

struct ClusterState {
  std::uint64_t max_term = 0;
  std::set<std::size_t> members;     // Names ids
  std::vector<Committed> committed;  // [index]: first apply
};

constexpr std::uint64_t kMaxIndex = 1u << 24;  // bound for hostile traces

class LeaderCompleteness final : public detail::Checker {
 public:
  void on(const sim::TraceEvent& e) override {
    const bool has_cluster = e.cluster_id != 0 &&
        (e.kind == sim::Ev::Role || e.kind == sim::Ev::Apply || e.kind == sim::Ev::Append ||
         e.kind == sim::Ev::HardState || e.kind == sim::Ev::Vote || e.kind == sim::Ev::Bootstrap);
    if (has_cluster) {
      ClusterState& c = cluster(e.cluster_id);
      c.max_term = std::max(c.max_term, e.term);
      if (e.kind == sim::Ev::Role || e.kind == sim::Ev::Bootstrap) c.members.insert(names_.id(e.who));
    }
    std::uint64_t snap_index = 0, snap_term = 0;
    if (detail::snapshot_install(e, &snap_index, &snap_term)) {
      logs_[member(e)].restore(snap_index, snap_term);
      return;
    }
    switch (e.kind) {
      case sim::Ev::Append:
        any_append_ = true;
        logs_[member(e)].append(e, pool_.of(e.a));
        break;
      case sim::Ev::DataLoss: {
        const std::size_t m = member(e);
        logs_[m].truncate(e.index);
        if (e.index < applied_[m].size()) applied_[m].resize(e.index + 1);
        losses_.push_back(Loss{m, e.index, e.at.ns});
        break;
      }
      case sim::Ev::Apply: {
        if (e.index >= kMaxIndex) break;
        const std::size_t m = member(e);
        auto& mine = applied_[m];
        if (e.index >= mine.size()) mine.resize(e.index + 1);
        const detail::Digest digest = pool_.of(e.a);
        mine[e.index] = LogEntry{e.term, digest, true};
        ClusterState& c = cluster(e.cluster_id);
        if (e.index >= c.committed.size()) c.committed.resize(e.index + 1);
        Committed& k = c.committed[e.index];
        if (!k.known) k = Committed{true, e.term, digest, static_cast<std::uint32_t>(m), e.at.ns, c.max_term};
        break;
      }
      case sim::Ev::Role:
        if (e.a == "Leader" && any_append_) judge(e);
        break;
      default:
        break;
    }
  }
  std::vector<Violation> finish(CheckerStats* stats) override {
    if (stats) {
      stats->name = "leader_completeness";
      stats->checked = checked_;
      stats->violations = out_.size();
      stats->excused = excused_;
      if (!any_append_) stats->note = "no append events in the trace";
    }
    return std::move(out_);
  }

 private:
  struct Loss {
    std::size_t who;
    std::uint64_t index;
    std::int64_t at_ns;
  };
  ClusterState& cluster(std::uint64_t id) {
    if (!last_ || last_id_ != id) {
      last_ = &clusters_[id];
      last_id_ = id;
    }
    return *last_;
  }
  std::size_t member(const sim::TraceEvent& e) {
    const std::size_t id = names_.id(e.who);
    if (id >= logs_.size()) {
      logs_.resize(id + 1);
      applied_.resize(id + 1);
    }
    return id;
  }
  void judge(const sim::TraceEvent& e) {
    const std::size_t m = member(e);
    if (!judged_.insert({e.cluster_id, e.term, m}).second) return;  // same election again
    const DurableLog& log = logs_[m];
    const auto& mine = applied_[m];
    ClusterState& cs = cluster(e.cluster_id);
    const std::size_t quorum = cs.members.size() / 2 + 1;
    const std::uint64_t first = log.first_index();
    for (std::uint64_t index = 1; index < cs.committed.size(); ++index) {
      const Committed& c = cs.committed[index];
      if (!c.known || c.term_bound >= e.term) continue;  // possibly committed in this term or later
      ++checked_;
      const LogEntry* have = log.at(index);
      const LogEntry* ap = index < mine.size() && mine[index].known ? &mine[index] : nullptr;
      const bool holds = (have && have->term == c.term && have->digest == c.digest) ||
                         (ap && ap->term == c.term && ap->digest == c.digest);
      // A compacted prefix (snapshot) is not in the rebuilt log: indexes below the
      // first entry the leader's log is known to hold are not judged.
      const bool compacted = !ap && ((!have && first != 0 && index < first) || (have && have->snapshot));
      if (holds || compacted) continue;
      std::set<std::size_t> lost;
      for (const Loss& l : losses_)
        if (l.at_ns >= c.at_ns && l.index < index) lost.insert(l.who);
      if (lost.size() >= quorum) {
        ++excused_;
        continue;
      }
      const std::string who(names_.name(c.who));
      Violation v;
      v.checker = "leader_completeness";
      v.at_ns = e.at.ns;
      v.cluster_id = e.cluster_id;
      v.members = {who, e.who};
      v.evidence = fmt::format(
          "cluster {}: {} became leader of term {} without index {} (term {} {}), which {} applied at {} "
          "when the cluster's highest term was {}; its log holds {} (Figure 3 Leader Completeness, §5.4.1)",
          sim::hex_id(e.cluster_id), e.who, e.term, index, c.term, pool_.text(c.digest), who, at_text(c.at_ns),
          c.term_bound,
          have ? fmt::format("term {} {} there", have->term, pool_.text(have->digest)) : std::string("nothing there"));
      out_.push_back(std::move(v));
      break;  // one violation per election is enough evidence
    }
  }

  std::vector<Violation> out_;
  Names names_;
  detail::DigestPool pool_;
  std::vector<DurableLog> logs_;
  std::vector<std::vector<LogEntry>> applied_;  // who -> [index] -> entry applied
  std::map<std::uint64_t, ClusterState> clusters_;
  std::vector<Loss> losses_;
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::size_t>> judged_;  // (cluster, term, who)
  std::uint64_t checked_ = 0, excused_ = 0;
  bool any_append_ = false;
  ClusterState* last_ = nullptr;
  std::uint64_t last_id_ = 0;
};

class VoteSafety final : public detail::Checker {
 public:
  void on(const sim::TraceEvent& e) override {
    if (e.kind == sim::Ev::DataLoss) last_loss_[e.who] = e.at.ns;
    if (e.kind != sim::Ev::Vote || e.a != "vote") return;
    ++checked_;
    auto [it, fresh] = granted_.try_emplace({e.cluster_id, e.who, e.term}, Grant{e.peer, e.at.ns});
    if (fresh || it->second.candidate == e.peer) return;
    auto loss = last_loss_.find(e.who);
    if (loss != last_loss_.end() && loss->second >= it->second.at_ns) {
      ++excused_;  // its hard state was lost in between: a real etcd member would be too
      it->second = Grant{e.peer, e.at.ns};
      return;
    }
    Violation v;
    v.checker = "vote_safety";
    v.at_ns = e.at.ns;
    v.cluster_id = e.cluster_id;
    v.members = {e.who};
    v.evidence = fmt::format(
        "cluster {}: {} voted twice in term {}: for {} at {}, then for {} at {} "
        "(Figure 2: votedFor is durable, one vote per term)",
        sim::hex_id(e.cluster_id), e.who, e.term, sim::hex_id(it->second.candidate), at_text(it->second.at_ns),
        sim::hex_id(e.peer), at_text(e.at.ns));
    out_.push_back(std::move(v));
    it->second = Grant{e.peer, e.at.ns};
  }
  std::vector<Violation> finish(CheckerStats* stats) override {
    if (stats) {
      stats->name = "vote_safety";
      stats->checked = checked_;
      stats->violations = out_.size();
      stats->excused = excused_;
      if (checked_ == 0) stats->note = "no vote events in the trace";
    }
    return std::move(out_);
  }

 private:
  struct Grant {
    std::uint64_t candidate;
    std::int64_t at_ns;
  };
  std::vector<Violation> out_;
  std::map<std::tuple<std::uint64_t, std::string, std::uint64_t>, Grant> granted_;  // (cluster, who, term)
  std::map<std::string, std::int64_t> last_loss_;                                   // who -> time
  std::uint64_t checked_ = 0, excused_ = 0;
};

}  // namespace

std::unique_ptr<detail::Checker> detail::make_leader_completeness() { return std::make_unique<LeaderCompleteness>(); }
std::unique_ptr<detail::Checker> detail::make_vote_safety() { return std::make_unique<VoteSafety>(); }

std::vector<Violation> check_leader_completeness(const std::vector<sim::TraceEvent>& events, CheckerStats* stats) {
  LeaderCompleteness c;
  return detail::run(c, events, stats);
}

std::vector<Violation> check_vote_safety(const std::vector<sim::TraceEvent>& events, CheckerStats* stats) {
  VoteSafety c;
  return detail::run(c, events, stats);
}

}  // namespace raftlab::check
