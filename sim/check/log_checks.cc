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
  std::string_view digest;
  std::optional<std::uint64_t> prev_term;  // term at index-1 (unknown: log starts there)
  std::string_view who;
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

std::vector<Violation> check_log_matching(const std::vector<sim::TraceEvent>& events, CheckerStats* stats) {
  std::vector<Violation> out;
  Names names;
  std::vector<DurableLog> logs;
  // (cluster, index, term) -> first holder. By induction on the index, equal digests and
  // equal predecessor terms at every (index, term) mean equal prefixes: an entry's
  // predecessor cannot change while the entry stays (overwriting it drops the suffix).
  // A hash map: only looked up (one try_emplace per `append`, ~21k per reference trace).
  std::unordered_map<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>, FirstHolder, TripleHash> first;
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>> reported;
  std::uint64_t checked = 0;
  auto log_of = [&](const sim::TraceEvent& e) -> DurableLog& {
    const std::size_t id = names.id(e.who);
    if (id >= logs.size()) logs.resize(id + 1);
    return logs[id];
  };
  for (const sim::TraceEvent& e : events) {
    if (e.kind == sim::Ev::DataLoss) {
      log_of(e).truncate(e.index);
      continue;
    }
    std::uint64_t snap_index = 0, snap_term = 0;
    if (detail::snapshot_install(e, &snap_index, &snap_term)) {
      log_of(e).restore(snap_index, snap_term);
      continue;
    }
    if (e.kind != sim::Ev::Append) continue;
    DurableLog& log = log_of(e);
    log.append(e);
    ++checked;
    std::optional<std::uint64_t> prev_term;
    if (e.index <= 1) {
      prev_term = 0;
    } else if (const LogEntry* p = log.at(e.index - 1)) {
      prev_term = p->term;
    }
    auto [it, fresh] = first.try_emplace({e.cluster_id, e.index, e.term}, FirstHolder{e.a, prev_term, e.who, e.at.ns});
    FirstHolder& was = it->second;
    if (fresh) continue;
    if (!was.prev_term && prev_term) was.prev_term = prev_term;  // learn it from a fuller log
    const bool same_entry = was.digest == e.a;
    const bool same_prefix = !was.prev_term || !prev_term || *was.prev_term == *prev_term;
    if (same_entry && same_prefix) continue;
    if (!reported.insert({e.cluster_id, e.index, e.term}).second) continue;
    Violation v;
    v.checker = "log_matching";
    v.at_ns = e.at.ns;
    v.cluster_id = e.cluster_id;
    v.members = {std::string(was.who), e.who};
    v.evidence = fmt::format(
        "cluster {} index {} term {}: {} holds {} {} (since {}), but {} holds {} {} "
        "(Figure 3 Log Matching: same index and term => identical logs up to it)",
        sim::hex_id(e.cluster_id), e.index, e.term, was.who, was.digest, prev_text(was.prev_term),
        at_text(was.at_ns), e.who, e.a, prev_text(prev_term));
    out.push_back(std::move(v));
  }
  if (stats) {
    stats->name = "log_matching";
    stats->checked = checked;
    stats->violations = out.size();
    if (checked == 0) stats->note = "no append events in the trace";
  }
  return out;
}

namespace {

struct Committed {
  bool known = false;
  std::uint64_t term = 0;           // the entry's
  std::string_view digest;
  std::string_view who;             // first applier
  std::int64_t at_ns = 0;
  std::uint64_t term_bound = 0;     // highest term the cluster had reached when applied
};

struct ClusterState {
  std::uint64_t max_term = 0;
  std::set<std::string_view> members;
  std::vector<Committed> committed;  // [index]: first apply
};

}  // namespace

std::vector<Violation> check_leader_completeness(const std::vector<sim::TraceEvent>& events,
                                                 CheckerStats* stats) {
  constexpr std::uint64_t kMaxIndex = 1u << 24;  // bound for hostile traces
  std::vector<Violation> out;
  Names names;
  std::vector<DurableLog> logs;
  std::vector<std::vector<LogEntry>> applied;  // who -> [index] -> entry applied
  std::map<std::uint64_t, ClusterState> clusters;
  struct Loss {
    std::string_view who;
    std::uint64_t index;
    std::int64_t at_ns;
  };
  std::vector<Loss> losses;
  std::set<std::tuple<std::uint64_t, std::uint64_t, std::string_view>> judged;  // (cluster, term, who)
  std::uint64_t checked = 0, excused = 0;
  bool any_append = false;
  ClusterState* last = nullptr;
  std::uint64_t last_id = 0;
  auto cluster = [&](std::uint64_t id) -> ClusterState& {
    if (!last || last_id != id) {
      last = &clusters[id];
      last_id = id;
    }
    return *last;
  };
  auto member = [&](const sim::TraceEvent& e) {
    const std::size_t id = names.id(e.who);
    if (id >= logs.size()) {
      logs.resize(id + 1);
      applied.resize(id + 1);
    }
    return id;
  };
  for (const sim::TraceEvent& e : events) {
    const bool has_cluster = e.cluster_id != 0 &&
        (e.kind == sim::Ev::Role || e.kind == sim::Ev::Apply || e.kind == sim::Ev::Append ||
         e.kind == sim::Ev::HardState || e.kind == sim::Ev::Vote || e.kind == sim::Ev::Bootstrap);
    if (has_cluster) {
      ClusterState& c = cluster(e.cluster_id);
      c.max_term = std::max(c.max_term, e.term);
      if (e.kind == sim::Ev::Role || e.kind == sim::Ev::Bootstrap) c.members.insert(e.who);
    }
    std::uint64_t snap_index = 0, snap_term = 0;
    if (detail::snapshot_install(e, &snap_index, &snap_term)) {
      logs[member(e)].restore(snap_index, snap_term);
      continue;
    }
    switch (e.kind) {
      case sim::Ev::Append:
        any_append = true;
        logs[member(e)].append(e);
        break;
      case sim::Ev::DataLoss: {
        const std::size_t m = member(e);
        logs[m].truncate(e.index);
        if (e.index < applied[m].size()) applied[m].resize(e.index + 1);
        losses.push_back(Loss{e.who, e.index, e.at.ns});
        break;
      }
      case sim::Ev::Apply: {
        if (e.index >= kMaxIndex) break;
        auto& mine = applied[member(e)];
        if (e.index >= mine.size()) mine.resize(e.index + 1);
        mine[e.index] = LogEntry{e.term, e.a, true};
        ClusterState& c = cluster(e.cluster_id);
        if (e.index >= c.committed.size()) c.committed.resize(e.index + 1);
        Committed& k = c.committed[e.index];
        if (!k.known) k = Committed{true, e.term, e.a, e.who, e.at.ns, c.max_term};
        break;
      }
      case sim::Ev::Role: {
        if (e.a != "Leader" || !any_append) break;
        if (!judged.insert({e.cluster_id, e.term, e.who}).second) break;  // same election again
        const std::size_t m = member(e);
        const DurableLog& log = logs[m];
        const auto& mine = applied[m];
        ClusterState& cs = cluster(e.cluster_id);
        const std::size_t quorum = cs.members.size() / 2 + 1;
        const std::uint64_t first = log.first_index();
        for (std::uint64_t index = 1; index < cs.committed.size(); ++index) {
          const Committed& c = cs.committed[index];
          if (!c.known || c.term_bound >= e.term) continue;  // possibly committed in this term or later
          ++checked;
          const LogEntry* have = log.at(index);
          const LogEntry* ap = index < mine.size() && mine[index].known ? &mine[index] : nullptr;
          const bool holds = (have && have->term == c.term && have->digest == c.digest) ||
                             (ap && ap->term == c.term && ap->digest == c.digest);
          // A compacted prefix (snapshot) is not in the rebuilt log: indexes below the
          // first entry the leader's log is known to hold are not judged.
          const bool compacted = !ap && ((!have && first != 0 && index < first) || (have && have->snapshot));
          if (holds || compacted) continue;
          std::set<std::string_view> lost;
          for (const Loss& l : losses)
            if (l.at_ns >= c.at_ns && l.index < index) lost.insert(l.who);
          if (lost.size() >= quorum) {
            ++excused;
            continue;
          }
          Violation v;
          v.checker = "leader_completeness";
          v.at_ns = e.at.ns;
          v.cluster_id = e.cluster_id;
          v.members = {std::string(c.who), e.who};
          v.evidence = fmt::format(
              "cluster {}: {} became leader of term {} without index {} (term {} {}), which {} applied at {} "
              "when the cluster's highest term was {}; its log holds {} (Figure 3 Leader Completeness, §5.4.1)",
              sim::hex_id(e.cluster_id), e.who, e.term, index, c.term, c.digest, c.who, at_text(c.at_ns),
              c.term_bound,
              have ? fmt::format("term {} {} there", have->term, have->digest) : std::string("nothing there"));
          out.push_back(std::move(v));
          break;  // one violation per election is enough evidence
        }
        break;
      }
      default:
        break;
    }
  }
  if (stats) {
    stats->name = "leader_completeness";
    stats->checked = checked;
    stats->violations = out.size();
    stats->excused = excused;
    if (!any_append) stats->note = "no append events in the trace";
  }
  return out;
}

std::vector<Violation> check_vote_safety(const std::vector<sim::TraceEvent>& events, CheckerStats* stats) {
  std::vector<Violation> out;
  struct Grant {
    std::uint64_t candidate;
    std::int64_t at_ns;
  };
  std::map<std::tuple<std::uint64_t, std::string, std::uint64_t>, Grant> granted;  // (cluster, who, term)
  std::map<std::string, std::int64_t> last_loss;                                   // who -> time
  std::uint64_t checked = 0, excused = 0;
  for (const sim::TraceEvent& e : events) {
    if (e.kind == sim::Ev::DataLoss) last_loss[e.who] = e.at.ns;
    if (e.kind != sim::Ev::Vote || e.a != "vote") continue;
    ++checked;
    auto [it, fresh] = granted.try_emplace({e.cluster_id, e.who, e.term}, Grant{e.peer, e.at.ns});
    if (fresh || it->second.candidate == e.peer) continue;
    auto loss = last_loss.find(e.who);
    if (loss != last_loss.end() && loss->second >= it->second.at_ns) {
      ++excused;  // its hard state was lost in between: a real etcd member would be too
      it->second = Grant{e.peer, e.at.ns};
      continue;
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
    out.push_back(std::move(v));
    it->second = Grant{e.peer, e.at.ns};
  }
  if (stats) {
    stats->name = "vote_safety";
    stats->checked = checked;
    stats->violations = out.size();
    stats->excused = excused;
    if (checked == 0) stats->note = "no vote events in the trace";
  }
  return out;
}

}  // namespace raftlab::check
