// sim/check/durability_stream.cc — the durability checker (durability.cc's rules) fed one
// event at a time, for a streamed trace (issue 24): it keeps the acknowledged puts, the
// first log placement of each put payload and the data losses, never the events.
//
// durability.cc judges a whole trace in two passes; three of its inputs come from the
// end of the trace, and are handled so that the verdict is the same:
//   - the quorum that excuses a loss is from the cluster's final membership: each
//     would-be violation keeps how many members had lost data, compared at finish();
//   - rule 3 is skipped when the trace ends with several clusters, and
//   - rule 3 needs every put of the value read, including puts called later.
// For the last two, when the verdict could differ (rule 3 found something and a second
// cluster appeared, or a value a rule-3 finding read is put again later) the checker says
// it is not exact (LabChecker::exact()): the fault lab then judges that seed on its whole
// trace (sim/lab run_one). Values written by the lab's workload are unique, and a split
// into clusters is judged whole anyway, so this does not happen in the lab's sweeps.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "sim/check/checker.h"
#include "sim/check/durable_log.h"
#include "sim/check/lab.h"

namespace raftlab::check {

namespace {

struct AckedPut {
  std::uint64_t id = 0;
  std::string key, value;
  std::int64_t call_ns = 0, ack_ns = 0;
  std::string endpoint;
  bool placed = false;
  std::uint64_t cluster_id = 0, index = 0, term = 0;
  detail::Digest digest;
  std::uint32_t first_applier = 0;  // Names id
};

struct Placement {
  std::uint64_t cluster_id = 0, index = 0, term = 0;
  detail::Digest digest;
  std::uint32_t who = 0;
};

struct KvHash {
  std::size_t operator()(const std::pair<std::string, std::string>& p) const {
    const std::size_t a = std::hash<std::string>{}(p.first), b = std::hash<std::string>{}(p.second);
    return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  }
  std::size_t operator()(const std::pair<std::uint64_t, std::uint64_t>& p) const {
    return std::hash<std::uint64_t>{}(p.first * 0x9e3779b97f4a7c15ULL ^ p.second);
  }
};

class DurabilityStream final : public detail::StreamingDurability {
 public:
  void on(const sim::TraceEvent& e) override;
  std::vector<Violation> finish(CheckerStats* stats) override;
  bool exact() const override {
    return !future_put_of_read_value_ && !(rule3_findings_ > 0 && members_.size() > 1);
  }

 private:
  // A would-be violation; excused at finish() if `lost` members reach the quorum of
  // `quorum_cluster` (0: the largest cluster), which is only known at the end.
  struct Finding {
    std::int64_t at_ns;
    std::uint64_t cluster_id;
    std::vector<std::string> members;
    std::string evidence;
    std::size_t lost;
    std::uint64_t quorum_cluster;
  };
  struct Loss {
    std::uint32_t who;
    std::uint64_t index;
    std::int64_t at_ns;
  };
  struct RecentApply {  // applies at the current instant (an ack at that instant judges them)
    std::uint64_t cluster_id, index, term;
    detail::Digest digest;
    std::uint32_t who;
  };
  std::size_t lost_since(std::int64_t since, std::uint64_t index) const {
    std::set<std::uint32_t> who;
    for (const Loss& l : losses_)
      if (l.at_ns >= since && l.index < index) who.insert(l.who);
    return who.size();
  }
  void place(std::size_t i, const Placement& at);
  void judge_apply(std::size_t i, std::int64_t at_ns, std::uint64_t cluster_id, std::uint64_t term,
                   const detail::Digest& digest, std::uint32_t who);
  void ack(const sim::TraceEvent& e);
  void read(const sim::TraceEvent& e);

  detail::Names names_;
  detail::DigestPool pool_;
  std::map<std::uint64_t, std::set<std::string>> members_;
  std::unordered_map<std::uint64_t, AckedPut> calls_;  // request number -> put not yet done
  std::vector<AckedPut> acked_;
  // Puts of a value: the latest return among those done (kNever: one failed), and how
  // many are in flight (rule 3: "every put of the value read finished before P began").
  struct ValuePuts {
    std::int64_t max_ret = -1;
    std::uint32_t in_flight = 0;
  };
  std::unordered_map<std::string, ValuePuts> value_puts_;
  std::unordered_map<std::pair<std::string, std::string>, Placement, KvHash> first_apply_;  // (key, value)
  std::unordered_map<std::pair<std::string, std::string>, std::vector<std::size_t>, KvHash> unplaced_;
  std::unordered_map<std::pair<std::uint64_t, std::uint64_t>, std::vector<std::size_t>, KvHash> at_index_;
  struct KeyAcks {
    std::vector<std::int64_t> ack_ns;
    std::vector<std::size_t> latest_called;
  };
  std::unordered_map<std::string, KeyAcks> latest_before_;
  std::unordered_map<std::uint64_t, std::pair<std::string, std::int64_t>> get_calls_;  // request -> (key, call)
  std::vector<Loss> losses_;
  std::vector<RecentApply> recent_;
  std::int64_t recent_at_ = -1;
  std::set<std::size_t> reported_;
  std::vector<Finding> findings_;
  std::unordered_set<std::string> rule3_values_;  // values rule-3 findings read as "older"
  std::uint64_t rule3_findings_ = 0;
  bool future_put_of_read_value_ = false;
  bool apply_payloads_ = false;
};

void DurabilityStream::place(std::size_t i, const Placement& at) {
  AckedPut& p = acked_[i];
  p.placed = true;
  p.cluster_id = at.cluster_id;
  p.index = at.index;
  p.term = at.term;
  p.digest = at.digest;
  p.first_applier = at.who;
  at_index_[{at.cluster_id, at.index}].push_back(i);
}

// Rule 1: a member applied, at or after P's ack, another entry at P's index.
void DurabilityStream::judge_apply(std::size_t i, std::int64_t at_ns, std::uint64_t cluster_id, std::uint64_t term,
                                   const detail::Digest& digest, std::uint32_t who) {
  const AckedPut& p = acked_[i];
  if (at_ns < p.ack_ns || (term == p.term && digest == p.digest) || reported_.count(i)) return;
  reported_.insert(i);
  findings_.push_back(Finding{
      at_ns, cluster_id, {std::string(names_.name(p.first_applier)), std::string(names_.name(who))},
      fmt::format("cluster {}: put {}={} (request {}) was acknowledged at {} as index {} term {} ({} "
                  "applied it), but {} applied term {} {} at that index at {}",
                  sim::hex_id(cluster_id), p.key, p.value, p.id, at_text(p.ack_ns), p.index, p.term,
                  names_.name(p.first_applier), names_.name(who), term, pool_.text(digest), at_text(at_ns)),
      lost_since(p.ack_ns, p.index), p.cluster_id});
}

void DurabilityStream::on(const sim::TraceEvent& e) {
  if (e.cluster_id != 0 && (e.kind == sim::Ev::Role || e.kind == sim::Ev::Bootstrap)) {
    auto& m = members_[e.cluster_id];
    if (!m.count(e.who)) m.insert(e.who);
  }
  switch (e.kind) {
    case sim::Ev::DataLoss:
      losses_.push_back(Loss{static_cast<std::uint32_t>(names_.id(e.who)), e.index, e.at.ns});
      break;
    case sim::Ev::Apply: {
      const std::uint32_t who = static_cast<std::uint32_t>(names_.id(e.who));
      const detail::Digest digest = pool_.of(e.a);
      if (e.b.rfind("put ", 0) == 0) {
        apply_payloads_ = true;
        std::pair<std::string, std::string> kv{e.b.substr(4), e.c};
        const Placement here{e.cluster_id, e.index, e.term, digest, who};
        first_apply_.try_emplace(kv, here);
        if (auto u = unplaced_.find(kv); u != unplaced_.end()) {
          for (std::size_t i : u->second) place(i, here);
          unplaced_.erase(u);
        }
      }
      if (recent_at_ != e.at.ns) {
        recent_.clear();
        recent_at_ = e.at.ns;
      }
      recent_.push_back(RecentApply{e.cluster_id, e.index, e.term, digest, who});
      auto it = at_index_.find({e.cluster_id, e.index});
      if (it == at_index_.end()) break;
      for (std::size_t i : it->second) judge_apply(i, e.at.ns, e.cluster_id, e.term, digest, who);
      break;
    }
    case sim::Ev::ClientCall:
      if (e.a == "put") {
        AckedPut p;
        p.id = e.index;
        p.key = e.b;
        p.value = e.c;
        p.call_ns = e.at.ns;
        p.endpoint = e.who;
        ++value_puts_[e.c].in_flight;
        if (rule3_values_.count(e.c)) future_put_of_read_value_ = true;
        calls_[e.index] = std::move(p);
      } else if (e.a == "get") {
        get_calls_[e.index] = {e.b, e.at.ns};
      }
      break;
    case sim::Ev::ClientDone:
      if (calls_.count(e.index)) ack(e);
      else read(e);
      break;
    default:
      break;
  }
}

void DurabilityStream::ack(const sim::TraceEvent& e) {
  auto it = calls_.find(e.index);
  AckedPut p = std::move(it->second);
  calls_.erase(it);
  ValuePuts& vp = value_puts_[p.value];
  --vp.in_flight;
  vp.max_ret = std::max(vp.max_ret, e.a == "ok" ? e.at.ns : kNever);
  if (e.a != "ok") return;
  p.ack_ns = e.at.ns;
  const std::size_t i = acked_.size();
  KeyAcks& ka = latest_before_[p.key];
  ka.ack_ns.push_back(p.ack_ns);
  const bool later = ka.latest_called.empty() || p.call_ns > acked_[ka.latest_called.back()].call_ns;
  ka.latest_called.push_back(later ? i : ka.latest_called.back());
  std::pair<std::string, std::string> kv{p.key, p.value};
  acked_.push_back(std::move(p));
  if (auto f = first_apply_.find(kv); f != first_apply_.end()) {
    place(i, f->second);
    // Applies at this very instant, recorded before the ack, are at or after it.
    if (recent_at_ == e.at.ns)
      for (const RecentApply& r : recent_)
        if (r.cluster_id == acked_[i].cluster_id && r.index == acked_[i].index)
          judge_apply(i, e.at.ns, r.cluster_id, r.term, r.digest, r.who);
  } else {
    unplaced_[std::move(kv)].push_back(i);
  }
}

// Rule 3: a linearizable get called after P's ack reads absent or a value P overwrote.
void DurabilityStream::read(const sim::TraceEvent& e) {
  auto g = get_calls_.find(e.index);
  if (g == get_calls_.end()) return;
  const auto [key, call_ns] = std::move(g->second);
  get_calls_.erase(g);
  if (e.a != "ok") return;
  const bool found = e.b == "found";
  // Of the puts of this key acknowledged before the get was called, the one called last
  // is the hardest to overwrite legitimately (durability.cc).
  auto bk = latest_before_.find(key);
  if (bk == latest_before_.end()) return;
  const KeyAcks& ka = bk->second;
  const std::size_t n = static_cast<std::size_t>(
      std::lower_bound(ka.ack_ns.begin(), ka.ack_ns.end(), call_ns) - ka.ack_ns.begin());
  if (n == 0) return;
  const std::size_t i = ka.latest_called[n - 1];
  const AckedPut& p = acked_[i];
  if (reported_.count(i)) return;
  bool contradicts = !found;
  if (found && e.c != p.value) {
    contradicts = true;
    if (auto pv = value_puts_.find(e.c); pv != value_puts_.end())
      contradicts = pv->second.in_flight == 0 && pv->second.max_ret < p.call_ns;
    if (contradicts) rule3_values_.insert(e.c);  // a later put of it would have said otherwise
  }
  if (!contradicts) return;
  ++rule3_findings_;
  reported_.insert(i);
  findings_.push_back(Finding{
      e.at.ns, p.cluster_id, {p.endpoint, e.who},
      fmt::format("put {}={} (request {}) was acknowledged at {}, but a linearizable get of {} "
                  "(request {}) called at {} read {} at {}",
                  p.key, p.value, p.id, at_text(p.ack_ns), key, e.index, at_text(call_ns),
                  found ? fmt::format("{:?}, an older value", e.c) : std::string("absent"), at_text(e.at.ns)),
      lost_since(p.ack_ns, p.placed ? p.index : ~std::uint64_t{0}), p.cluster_id});
}

std::vector<Violation> DurabilityStream::finish(CheckerStats* stats) {
  const std::size_t clusters = members_.size();
  std::size_t max_members = 1;
  for (const auto& [c, m] : members_) max_members = std::max(max_members, m.size());
  auto quorum_of = [&](std::uint64_t cluster) {
    auto it = members_.find(cluster);
    return (it == members_.end() ? max_members : it->second.size()) / 2 + 1;
  };
  std::vector<Violation> out;
  std::uint64_t excused = 0;
  for (Finding& f : findings_) {
    if (f.lost >= quorum_of(f.quorum_cluster)) {
      ++excused;
      continue;
    }
    Violation v;
    v.checker = "durability";
    v.at_ns = f.at_ns;
    v.cluster_id = f.cluster_id;
    v.members = std::move(f.members);
    v.evidence = std::move(f.evidence);
    out.push_back(std::move(v));
  }
  // Rule 2: acknowledged but never applied anywhere.
  if (apply_payloads_) {
    for (std::size_t i = 0; i < acked_.size(); ++i) {
      const AckedPut& p = acked_[i];
      if (p.placed || reported_.count(i)) continue;
      if (lost_since(p.ack_ns, ~std::uint64_t{0}) >= quorum_of(0)) {
        ++excused;
        continue;
      }
      Violation v;
      v.checker = "durability";
      v.at_ns = p.ack_ns;
      v.members = {p.endpoint};
      v.evidence = fmt::format("put {}={} (request {}) was acknowledged at {} but no member ever applied it", p.key,
                               p.value, p.id, at_text(p.ack_ns));
      out.push_back(std::move(v));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Violation& a, const Violation& b) { return a.at_ns < b.at_ns; });
  if (stats) {
    stats->name = "durability";
    stats->checked = acked_.size();
    stats->violations = out.size();
    stats->excused = excused;
    if (acked_.empty()) stats->note = "no acknowledged puts";
    else if (clusters > 1) stats->note = fmt::format("{} clusters in the trace: reads not judged", clusters);
    else if (!apply_payloads_) stats->note = "apply events carry no put payloads: reads only";
  }
  return out;
}

}  // namespace

std::unique_ptr<detail::StreamingDurability> detail::make_durability_stream() {
  return std::make_unique<DurabilityStream>();
}

}  // namespace raftlab::check
