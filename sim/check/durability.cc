// sim/check/durability.cc — no acknowledged put is lost while a quorum's data survives.
//
// An acknowledged put P (client_call put k=v, client_done ok at t_ack) is lost when, after
// t_ack:
//   1. a member applies at P's log index (the entry whose `apply` reads "put k", value v)
//      an entry other than P's; or
//   2. no member ever applies P's entry (the trace carries apply payloads, yet none is P);
//   3. a successful linearizable get of k, called after t_ack, reads "absent", or reads a
//      value whose every put was acknowledged before P was called (P overwrote it).
// Rule 3 is skipped when the trace has several clusters (a read cannot be attributed).
// Each is excused when data_loss events since t_ack removed P's index (or, for reads,
// anything) from a majority of the members the cluster has had: then no quorum's data
// survived. Values written by the lab's workload are unique; with repeated values rule 3
// only fires when every put of the value read is older than P.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "sim/check/lab.h"

namespace raftlab::check {

namespace {


// Strings are views into the trace's events (they outlive the call).
struct AckedPut {
  std::uint64_t id = 0;
  std::string_view key, value;
  std::int64_t call_ns = 0, ack_ns = 0;
  std::string_view endpoint;
  // Its log entry, from the first `apply` that carries it.
  bool placed = false;
  std::uint64_t cluster_id = 0, index = 0, term = 0;
  std::string_view digest, first_applier;
};

struct Loss {
  std::string_view who;
  std::uint64_t index;
  std::int64_t at_ns;
};

// Hash keys for the per-event lookups (an `apply` looks its (key, value) and its
// (cluster, index) up: ~40k lookups per reference trace; ordered maps of string_views
// spent most of this checker's time comparing strings). Only looked up, never iterated
// where the order could reach the output.
struct PairHash {
  std::size_t operator()(const std::pair<std::string_view, std::string_view>& p) const {
    const std::size_t a = std::hash<std::string_view>{}(p.first), b = std::hash<std::string_view>{}(p.second);
    return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  }
  std::size_t operator()(const std::pair<std::uint64_t, std::uint64_t>& p) const {
    return std::hash<std::uint64_t>{}(p.first * 0x9e3779b97f4a7c15ULL ^ p.second);
  }
};

}  // namespace

std::vector<Violation> check_durability(const std::vector<sim::TraceEvent>& events, CheckerStats* stats) {
  std::vector<Violation> out;
  // Pass 1: acknowledged puts, and where each one landed in the log.
  std::unordered_map<std::uint64_t, AckedPut> calls;  // request number -> put (acked or not yet)
  std::vector<AckedPut> acked;
  std::unordered_map<std::pair<std::string_view, std::string_view>, std::vector<std::size_t>, PairHash>
      by_kv;  // (key, value) -> acked
  std::unordered_map<std::string_view, std::vector<std::pair<std::int64_t, std::int64_t>>>
      puts_of_value;  // value -> (call, ack|never)
  std::unordered_map<std::string_view, std::vector<std::size_t>> by_key;  // key -> acked puts, in ack order
  std::map<std::uint64_t, std::set<std::string_view>> members;
  bool apply_payloads = false;
  for (const sim::TraceEvent& e : events) {
    if (e.cluster_id != 0 && (e.kind == sim::Ev::Role || e.kind == sim::Ev::Bootstrap))
      members[e.cluster_id].insert(e.who);
    if (e.kind == sim::Ev::ClientCall && e.a == "put") {
      AckedPut p;
      p.id = e.index;
      p.key = e.b;
      p.value = e.c;
      p.call_ns = e.at.ns;
      p.endpoint = e.who;
      calls[e.index] = std::move(p);
    } else if (e.kind == sim::Ev::ClientDone) {
      auto it = calls.find(e.index);
      if (it == calls.end()) continue;
      AckedPut p = std::move(it->second);
      calls.erase(it);
      puts_of_value[p.value].emplace_back(p.call_ns, e.a == "ok" ? e.at.ns : kNever);
      if (e.a != "ok") continue;
      p.ack_ns = e.at.ns;
      by_kv[{p.key, p.value}].push_back(acked.size());
      by_key[p.key].push_back(acked.size());
      acked.push_back(std::move(p));
    } else if (e.kind == sim::Ev::Apply && e.b.rfind("put ", 0) == 0) {
      apply_payloads = true;
    }
  }
  for (auto& [id, p] : calls) puts_of_value[p.value].emplace_back(p.call_ns, kNever);  // never returned
  // client_done does not name the cluster that answered: with several clusters in the
  // trace (split brain), rule 3 has no single history to judge.
  const std::size_t clusters = members.size();
  std::size_t max_members = 1;
  for (const auto& [c, m] : members) max_members = std::max(max_members, m.size());
  auto quorum_of = [&](std::uint64_t cluster) {
    auto it = members.find(cluster);
    return (it == members.end() ? max_members : it->second.size()) / 2 + 1;
  };
  std::vector<Loss> losses;
  auto lost_quorum = [&](std::int64_t since, std::uint64_t index, std::uint64_t cluster) {
    std::set<std::string_view> who;
    for (const Loss& l : losses)
      if (l.at_ns >= since && l.index < index) who.insert(l.who);
    return who.size() >= quorum_of(cluster);
  };
  auto report = [&](std::int64_t at, std::uint64_t cluster, std::vector<std::string> ms, std::string ev) {
    Violation v;
    v.checker = "durability";
    v.at_ns = at;
    v.cluster_id = cluster;
    v.members = std::move(ms);
    v.evidence = std::move(ev);
    out.push_back(std::move(v));
  };
  std::set<std::size_t> reported;  // acked put index: one violation each
  std::uint64_t excused = 0;
  // Pass 2: applies and reads in time order.
  std::unordered_map<std::pair<std::uint64_t, std::uint64_t>, std::vector<std::size_t>, PairHash>
      at_index;  // (cluster, index) -> acked puts
  std::unordered_map<std::uint64_t, std::pair<std::string_view, std::int64_t>> get_calls;  // request -> (key, call)
  // Per key: ack times of its acked puts (ascending) and, for each prefix, the put called last.
  struct KeyAcks {
    std::vector<std::int64_t> ack_ns;
    std::vector<std::size_t> latest_called;
  };
  std::unordered_map<std::string_view, KeyAcks> latest_before;
  for (const auto& [key, list] : by_key) {
    KeyAcks& ka = latest_before[key];
    for (std::size_t i : list) {
      ka.ack_ns.push_back(acked[i].ack_ns);
      const bool later = ka.latest_called.empty() || acked[i].call_ns > acked[ka.latest_called.back()].call_ns;
      ka.latest_called.push_back(later ? i : ka.latest_called.back());
    }
  }
  for (const sim::TraceEvent& e : events) {
    switch (e.kind) {
      case sim::Ev::DataLoss:
        losses.push_back(Loss{e.who, e.index, e.at.ns});
        break;
      case sim::Ev::Apply: {
        if (e.b.rfind("put ", 0) == 0) {
          auto it = by_kv.find({std::string_view(e.b).substr(4), std::string_view(e.c)});
          if (it != by_kv.end()) {
            for (std::size_t i : it->second) {
              AckedPut& p = acked[i];
              if (p.placed) continue;
              p.placed = true;
              p.cluster_id = e.cluster_id;
              p.index = e.index;
              p.term = e.term;
              p.digest = e.a;
              p.first_applier = e.who;
              at_index[{e.cluster_id, e.index}].push_back(i);
            }
          }
        }
        auto it = at_index.find({e.cluster_id, e.index});
        if (it == at_index.end()) break;
        for (std::size_t i : it->second) {
          const AckedPut& p = acked[i];
          if (e.at.ns < p.ack_ns || (e.term == p.term && e.a == p.digest) || reported.count(i)) continue;
          if (lost_quorum(p.ack_ns, p.index, p.cluster_id)) {
            ++excused;
            reported.insert(i);
            continue;
          }
          reported.insert(i);
          report(e.at.ns, e.cluster_id, {std::string(p.first_applier), e.who},
                 fmt::format("cluster {}: put {}={} (request {}) was acknowledged at {} as index {} term {} ({} "
                             "applied it), but {} applied term {} {} at that index at {}",
                             sim::hex_id(e.cluster_id), p.key, p.value, p.id, at_text(p.ack_ns), p.index, p.term,
                             p.first_applier, e.who, e.term, e.a, at_text(e.at.ns)));
        }
        break;
      }
      case sim::Ev::ClientCall:
        if (e.a == "get") get_calls[e.index] = {e.b, e.at.ns};
        break;
      case sim::Ev::ClientDone: {
        if (clusters > 1) break;  // a read is not attributable to one of several clusters
        auto g = get_calls.find(e.index);
        if (g == get_calls.end()) break;
        const auto [key, call_ns] = g->second;
        get_calls.erase(g);
        if (e.a != "ok") break;
        const bool found = e.b == "found";
        // Of the puts of this key acknowledged before the get was called, the one called
        // last is the hardest to overwrite legitimately: if any of them is contradicted,
        // it is (a later-called put needs an even older value to be ruled out).
        auto bk = latest_before.find(key);
        if (bk == latest_before.end()) break;
        const KeyAcks& ka = bk->second;
        const std::size_t n = static_cast<std::size_t>(
            std::lower_bound(ka.ack_ns.begin(), ka.ack_ns.end(), call_ns) - ka.ack_ns.begin());
        if (n == 0) break;
        const std::size_t i = ka.latest_called[n - 1];
        const AckedPut& p = acked[i];
        if (reported.count(i)) break;
        bool contradicts = !found;
        if (found && e.c != p.value) {
          // Only if every put of the value read finished before P began.
          contradicts = true;
          auto pv = puts_of_value.find(e.c);
          if (pv != puts_of_value.end())
            for (const auto& [c, r] : pv->second) contradicts = contradicts && r < p.call_ns;
        }
        if (!contradicts) break;
        reported.insert(i);
        if (lost_quorum(p.ack_ns, p.placed ? p.index : ~std::uint64_t{0}, p.cluster_id)) {
          ++excused;
          break;
        }
        report(e.at.ns, p.cluster_id, {std::string(p.endpoint), e.who},
               fmt::format("put {}={} (request {}) was acknowledged at {}, but a linearizable get of {} "
                           "(request {}) called at {} read {} at {}",
                           p.key, p.value, p.id, at_text(p.ack_ns), key, e.index, at_text(call_ns),
                           found ? fmt::format("{:?}, an older value", e.c) : std::string("absent"),
                           at_text(e.at.ns)));
        break;
      }
      default:
        break;
    }
  }
  // Rule 2: acknowledged but never applied anywhere.
  if (apply_payloads) {
    for (std::size_t i = 0; i < acked.size(); ++i) {
      const AckedPut& p = acked[i];
      if (p.placed || reported.count(i)) continue;
      if (lost_quorum(p.ack_ns, ~std::uint64_t{0}, 0)) {
        ++excused;
        continue;
      }
      report(p.ack_ns, 0, {std::string(p.endpoint)},
             fmt::format("put {}={} (request {}) was acknowledged at {} but no member ever applied it", p.key,
                         p.value, p.id, at_text(p.ack_ns)));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Violation& a, const Violation& b) { return a.at_ns < b.at_ns; });
  if (stats) {
    stats->name = "durability";
    stats->checked = acked.size();
    stats->violations = out.size();
    stats->excused = excused;
    if (acked.empty()) stats->note = "no acknowledged puts";
    else if (clusters > 1) stats->note = fmt::format("{} clusters in the trace: reads not judged", clusters);
    else if (!apply_payloads) stats->note = "apply events carry no put payloads: reads only";
  }
  return out;
}

}  // namespace raftlab::check
