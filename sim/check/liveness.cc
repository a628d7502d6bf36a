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
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sim/check/lab.h"

namespace raftlab::check {

namespace {

std::string at_text(std::int64_t ns) { return sim::format_duration(sim::nanos(ns)); }

struct MemberState {
  bool running = false;
  std::uint64_t cluster_id = 0;
  bool leader = false;
};

}  // namespace

std::vector<Violation> check_liveness(const std::vector<sim::TraceEvent>& events, const CheckOptions& opts,
                                      CheckerStats* stats) {
  std::vector<Violation> out;
  CheckerStats local;
  CheckerStats& st = stats ? *stats : local;
  st.name = "liveness";
  std::size_t quiet = events.size();
  for (std::size_t i = 0; i < events.size(); ++i)
    if (events[i].kind == sim::Ev::Quiet) quiet = i;
  if (quiet == events.size()) {
    st.note = "no quiet event: not judged";
    return out;
  }
  std::map<std::string, MemberState> ms;
  auto update = [&](const sim::TraceEvent& e) {
    switch (e.kind) {
      case sim::Ev::ProcStart: ms[e.who].running = true; break;
      case sim::Ev::ProcExit: ms[e.who].running = false; ms[e.who].leader = false; break;
      case sim::Ev::Bootstrap: ms[e.who].cluster_id = e.cluster_id; break;
      case sim::Ev::Role:
        ms[e.who].cluster_id = e.cluster_id;
        ms[e.who].leader = e.a == "Leader";
        break;
      default: break;
    }
  };
  for (std::size_t i = 0; i < quiet; ++i) update(events[i]);
  const std::int64_t q = events[quiet].at.ns;
  const std::int64_t deadline = q + opts.liveness_bound_ns;
  std::map<std::uint64_t, std::int64_t> leader_at;  // cluster -> first instant with a leader (or -1)
  for (const auto& [who, m] : ms)
    if (m.running && m.cluster_id != 0) leader_at.emplace(m.cluster_id, -1);
  auto look = [&](std::int64_t t) {
    for (const auto& [who, m] : ms) {
      if (!m.running || !m.leader) continue;
      auto it = leader_at.find(m.cluster_id);
      if (it != leader_at.end() && it->second < 0) it->second = t;
    }
  };
  look(q);
  std::set<std::uint64_t> puts_after;  // request numbers of puts called at/after q
  std::int64_t put_ok_at = -1;
  std::int64_t end_ns = q;
  for (std::size_t i = quiet; i < events.size(); ++i) {
    const sim::TraceEvent& e = events[i];
    if (e.kind == sim::Ev::Expect) continue;  // verdicts appended after the run
    end_ns = std::max(end_ns, e.at.ns);
    if (e.at.ns > deadline) break;
    update(e);
    look(e.at.ns);
    if (e.kind == sim::Ev::ClientCall && e.a == "put") puts_after.insert(e.index);
    if (e.kind == sim::Ev::ClientDone && e.a == "ok" && puts_after.count(e.index) && put_ok_at < 0)
      put_ok_at = e.at.ns;
  }
  const bool complete = end_ns > deadline;
  std::vector<std::string> missing;
  for (const auto& [cluster, t] : leader_at) {
    ++st.checked;
    if (t < 0) missing.push_back(fmt::format("no leader in cluster {}", sim::hex_id(cluster)));
  }
  if (!puts_after.empty()) {
    ++st.checked;
    if (put_ok_at < 0) missing.push_back(fmt::format("none of the {} puts called since quiet succeeded", puts_after.size()));
  } else {
    st.note = "no put called after quiet: only leaders judged";
  }
  if (missing.empty()) return out;
  if (!complete) {
    st.unknown = true;
    st.note = fmt::format("trace ends at {}, before quiet + bound ({}): {}", at_text(end_ns), at_text(deadline),
                          missing.front());
    return out;
  }
  Violation v;
  v.checker = "liveness";
  v.at_ns = deadline;
  v.cluster_id = leader_at.empty() ? 0 : leader_at.begin()->first;
  for (const auto& [who, m] : ms)
    if (m.running) v.members.push_back(who);
  std::string what;
  for (const std::string& m : missing) what += (what.empty() ? "" : "; ") + m;
  v.evidence = fmt::format("quiet at {}, bound {}: by {} {} (running: {})", at_text(q),
                           at_text(opts.liveness_bound_ns), at_text(deadline), what, fmt::join(v.members, ","));
  out.push_back(std::move(v));
  st.violations = out.size();
  return out;
}

}  // namespace raftlab::check
