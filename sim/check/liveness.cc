// sim/check/liveness.cc — after the last fault heals, the cluster recovers in bounded time.
//
// From the last `quiet` event at time q (the nemesis' statement that every fault has
// healed and every wanted member is up and connected), within `liveness_bound_ns`:
//   - every cluster with a running member at q has a running member whose role is
//     Leader at some instant in [q, q + bound]; and
//   - some put called at or after q completes `ok` by q + bound (judged only when the
//     clients issued a put after q).
// A trace that ends before q + bound without meeting them is inconclusive (unknown), not
// a violation. Running = proc_start without a later proc_exit.
//
// The precondition — "when a quorum is up and connected" — is judged from the
// trace too: a cluster is judged only if, at q, its running members that have not been
// removed from it are a majority of its voters. Voters = the largest `bootstrap new`
// membership of the cluster, plus distinct members added (`member add`), minus distinct
// members removed (`member remove`); never fewer than the distinct member IDs seen in the
// cluster that were not removed. (Nemesis `member_remove` faults can shrink a five-member
// cluster to two voters; with one of those terminated there is no quorum to demand a
// leader from.)
#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "sim/check/checker.h"
#include "sim/check/lab.h"

namespace raftlab::check {

namespace {


struct MemberState {
  bool running = false;
  std::uint64_t cluster_id = 0;
  std::uint64_t member_id = 0;
  bool leader = false;
};

struct ClusterVoters {
  std::uint64_t bootstrap_new = 0;      // largest `bootstrap new` membership
  std::set<std::uint64_t> seen, added, removed;
  std::size_t voters() const {
    std::size_t n = bootstrap_new + added.size();
    n = n > removed.size() ? n - removed.size() : 0;
    std::size_t live_seen = 0;
    for (std::uint64_t id : seen)
      if (!removed.count(id)) ++live_seen;
    return std::max(n, live_seen);
  }
};

}  // namespace

namespace {

using Members = std::map<std::string, MemberState>;
using Voters = std::map<std::uint64_t, ClusterVoters>;

void update(Members& ms, Voters& cv, const sim::TraceEvent& e) {
  switch (e.kind) {
    case sim::Ev::ProcStart: ms[e.who].running = true; break;
    case sim::Ev::ProcExit: ms[e.who].running = false; ms[e.who].leader = false; break;
    case sim::Ev::Bootstrap:
      ms[e.who].cluster_id = e.cluster_id;
      ms[e.who].member_id = e.member_id;
      if (e.cluster_id) {
        ClusterVoters& c = cv[e.cluster_id];
        if (e.member_id) c.seen.insert(e.member_id);
        if (e.a == "new") c.bootstrap_new = std::max<std::uint64_t>(c.bootstrap_new, e.index);
      }
      break;
    case sim::Ev::Role:
      ms[e.who].cluster_id = e.cluster_id;
      ms[e.who].member_id = e.member_id;
      ms[e.who].leader = e.a == "Leader";
      if (e.cluster_id && e.member_id) cv[e.cluster_id].seen.insert(e.member_id);
      break;
    case sim::Ev::Member:
      if (e.cluster_id && e.peer) {
        if (e.a == "add") cv[e.cluster_id].added.insert(e.peer);
        if (e.a == "remove") cv[e.cluster_id].removed.insert(e.peer);
      }
      break;
    default: break;
  }
}

// The events before the last `quiet` only build the members' state; from a `quiet` on a
// judgement starts, on a copy of that state, and is started over by a later `quiet`
// (only the last one counts). A judgement reads the events up to its deadline.
class Liveness final : public detail::Checker {
 public:
  explicit Liveness(const CheckOptions& opts) : bound_ns_(opts.liveness_bound_ns) {}
  void on(const sim::TraceEvent& e) override {
    if (e.kind == sim::Ev::Quiet) start(e);
    if (j_) after_quiet(e);
    update(ms_, cv_, e);
  }
  std::vector<Violation> finish(CheckerStats* stats) override;

 private:
  struct Judgement {
    Members ms;
    Voters cv;
    std::int64_t q = 0, deadline = 0;
    std::map<std::uint64_t, std::int64_t> leader_at;  // cluster -> first instant with a leader (or -1)
    std::vector<std::string> no_quorum;
    std::uint64_t excused = 0;
    std::set<std::uint64_t> puts_after;  // request numbers of puts called at/after q
    std::int64_t put_ok_at = -1;
    std::int64_t end_ns = 0;
    std::size_t leaderless = 0;
    bool done = false;  // decided, or past the deadline: later events are not read
  };
  void start(const sim::TraceEvent& quiet);
  void after_quiet(const sim::TraceEvent& e);
  void look(Judgement& j, std::int64_t t) {
    for (const auto& [who, m] : j.ms) {
      if (!m.running || !m.leader) continue;
      auto it = j.leader_at.find(m.cluster_id);
      if (it != j.leader_at.end() && it->second < 0) it->second = t;
    }
    j.leaderless = 0;
    for (const auto& [c, at] : j.leader_at) j.leaderless += at < 0;
  }
  std::int64_t bound_ns_;
  Members ms_;
  Voters cv_;
  std::unique_ptr<Judgement> j_;  // since the last quiet
};

void Liveness::start(const sim::TraceEvent& quiet) {
  j_ = std::make_unique<Judgement>();
  Judgement& j = *j_;
  j.ms = ms_;
  j.cv = cv_;
  j.q = quiet.at.ns;
  j.deadline = j.q + bound_ns_;
  j.end_ns = j.q;
  std::map<std::uint64_t, std::size_t> live;  // cluster -> running, not removed members at q
  for (const auto& [who, m] : j.ms)
    if (m.running && m.cluster_id != 0 && !j.cv[m.cluster_id].removed.count(m.member_id)) ++live[m.cluster_id];
  for (const auto& [cluster, n] : live) {
    const std::size_t voters = j.cv[cluster].voters();
    if (n >= voters / 2 + 1) {
      j.leader_at.emplace(cluster, -1);
    } else {
      ++j.excused;
      j.no_quorum.push_back(fmt::format("cluster {}: {} of {} voters up", sim::hex_id(cluster), n, voters));
    }
  }
  if (j.leader_at.empty()) {
    j.done = true;
    return;
  }
  j.leaderless = j.leader_at.size();
  look(j, j.q);
}

// Leaders can only appear at the events update() acts on, so look() runs after those
// only; once every cluster has had a leader and a put has succeeded nothing later can
// change the verdict, and the judgement stops reading.
void Liveness::after_quiet(const sim::TraceEvent& e) {
  Judgement& j = *j_;
  if (j.done || e.kind == sim::Ev::Expect) return;  // verdicts appended after the run
  j.end_ns = std::max(j.end_ns, e.at.ns);
  if (e.at.ns > j.deadline) {
    j.done = true;
    return;
  }
  switch (e.kind) {
    case sim::Ev::ProcStart: case sim::Ev::ProcExit: case sim::Ev::Bootstrap: case sim::Ev::Role: case sim::Ev::Member:
      update(j.ms, j.cv, e);
      if (j.leaderless) look(j, e.at.ns);
      break;
    case sim::Ev::ClientCall:
      if (e.a == "put") j.puts_after.insert(e.index);
      break;
    case sim::Ev::ClientDone:
      if (j.put_ok_at < 0 && e.a == "ok" && j.puts_after.count(e.index)) j.put_ok_at = e.at.ns;
      break;
    default:
      break;
  }
  if (j.leaderless == 0 && j.put_ok_at >= 0) j.done = true;
}

std::vector<Violation> Liveness::finish(CheckerStats* stats) {
  std::vector<Violation> out;
  CheckerStats local;
  CheckerStats& st = stats ? *stats : local;
  st.name = "liveness";
  if (!j_) {
    st.note = "no quiet event: not judged";
    return out;
  }
  Judgement& j = *j_;
  st.excused += j.excused;
  if (j.leader_at.empty()) {
    st.note = j.no_quorum.empty() ? "no running cluster at quiet: not judged"
                                  : fmt::format("no quorum up at quiet ({}): not judged", fmt::join(j.no_quorum, "; "));
    return out;
  }
  const bool complete = j.end_ns > j.deadline;
  std::vector<std::string> missing;
  for (const auto& [cluster, t] : j.leader_at) {
    ++st.checked;
    if (t < 0) missing.push_back(fmt::format("no leader in cluster {}", sim::hex_id(cluster)));
  }
  if (!j.puts_after.empty()) {
    ++st.checked;
    if (j.put_ok_at < 0)
      missing.push_back(fmt::format("none of the {} puts called since quiet succeeded", j.puts_after.size()));
  } else {
    st.note = "no put called after quiet: only leaders judged";
  }
  if (missing.empty()) return out;
  if (!complete) {
    st.unknown = true;
    st.note = fmt::format("trace ends at {}, before quiet + bound ({}): {}", at_text(j.end_ns), at_text(j.deadline),
                          missing.front());
    return out;
  }
  Violation v;
  v.checker = "liveness";
  v.at_ns = j.deadline;
  v.cluster_id = j.leader_at.empty() ? 0 : j.leader_at.begin()->first;
  for (const auto& [who, m] : j.ms)
    if (m.running) v.members.push_back(who);
  std::string what;
  for (const std::string& m : missing) what += (what.empty() ? "" : "; ") + m;
  v.evidence = fmt::format("quiet at {}, bound {}: by {} {} (running: {})", at_text(j.q), at_text(bound_ns_),
                           at_text(j.deadline), what, fmt::join(v.members, ","));
  out.push_back(std::move(v));
  st.violations = out.size();
  return out;
}

}  // namespace

std::unique_ptr<detail::Checker> detail::make_liveness(const CheckOptions& opts) {
  return std::make_unique<Liveness>(opts);
}

std::vector<Violation> check_liveness(const std::vector<sim::TraceEvent>& events, const CheckOptions& opts,
                                      CheckerStats* stats) {
  Liveness c(opts);
  return detail::run(c, events, stats);
}

}  // namespace raftlab::check
