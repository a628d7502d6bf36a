// tools/report/root_cause_recovery.cc — the story of a `--force-new-cluster` recovery in
// words, from the trace: which member etcd restarted as a one-member cluster (its own log
// line "forcing restart member", etcd's restartAsStandaloneNode), that it kept its member
// ID, cluster ID and data (the restart bootstrap's IDs; the commit index it kept), which
// members the forced restart removed and how they had left (stopped without `member
// remove`, which had cost the quorum), when it led again, and which members then joined
// through `member add` + state existing — with the step-downs while an added member had
// not started yet.
//
// Must never: look at World or member objects (only the trace and RunResult), know
// scenario names, or depend on unordered iteration.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sim/etcd/ids.h"
#include "tools/report/root_cause.h"

namespace raftlab::tools::report {

namespace {

using sim::Ev;

// "cluster-id=... commit-index=10" -> "10" ("" when absent).
std::string field(const std::string& fields, const std::string& key) {
  const auto p = fields.find(key + "=");
  if (p == std::string::npos) return "";
  const auto s = p + key.size() + 1;
  return fields.substr(s, fields.find(' ', s) == std::string::npos ? std::string::npos : fields.find(' ', s) - s);
}

struct Forced {
  std::int64_t at = 0;       // etcd's "forcing restart member" line
  std::int64_t started = 0;  // the container's start before it (what the operator did, and when)
  std::string who;
  std::uint64_t member = 0, cluster = 0;
  std::string commit_index;
};

void one_recovery(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r, const std::string& file,
                  const Forced& fc, std::vector<Finding>& out) {
  std::vector<std::string> order;
  for (const auto& m : r.members) order.push_back(m.name);
  auto scenario_order = [&](std::vector<std::string> v) {
    std::stable_sort(v.begin(), v.end(), [&](const std::string& a, const std::string& b) {
      const auto ia = std::find(order.begin(), order.end(), a) - order.begin();
      const auto ib = std::find(order.begin(), order.end(), b) - order.begin();
      return ia < ib;
    });
    return v;
  };
  std::map<std::uint64_t, std::string> name_of;  // member ID -> name, from the bootstraps
  for (const auto& e : events)
    if (e.kind == Ev::Bootstrap && !name_of.count(e.member_id)) name_of[e.member_id] = e.who;
  auto name = [&](std::uint64_t id) { return name_of.count(id) ? name_of[id] : etcd::format_id(id); };

  // Before: the members the forced restart removed, when each last stopped, and when the
  // forced member last lost its leadership.
  std::vector<std::string> removed;
  std::map<std::string, std::int64_t> stopped_at;
  std::int64_t lead_lost = -1, led_before = -1;
  bool ever_removed_before = false;
  for (const auto& e : events) {
    if (e.at.ns > fc.at) break;
    if (e.kind == Ev::ProcExit) stopped_at[e.who] = e.at.ns;
    if (e.kind == Ev::ProcStart) stopped_at.erase(e.who);
    if (e.kind == Ev::Member && e.a == "remove" && e.who == fc.who && e.at.ns == fc.at) removed.push_back(name(e.peer));
    if (e.kind == Ev::Member && e.a == "remove" && e.at.ns < fc.at) ever_removed_before = true;
    if (e.kind == Ev::Role && e.who == fc.who) {
      if (e.a == "Leader") {
        led_before = e.at.ns;
        lead_lost = -1;
      } else if (led_before >= 0 && lead_lost < 0) {
        lead_lost = e.at.ns;
      }
    }
  }
  removed = scenario_order(removed);
  std::vector<std::string> stopped;
  std::int64_t last_stop = -1;
  for (const auto& n : removed)
    if (stopped_at.count(n) && n != fc.who) {
      stopped.push_back(n);
      last_stop = std::max(last_stop, stopped_at[n]);
    }

  // After: the first leadership, the member adds it applied and who joined with them,
  // and the step-downs between an add and its member's start.
  std::int64_t led_again = -1;
  std::uint64_t led_term = 0;
  struct Add { std::int64_t at; std::uint64_t id; std::string urls, who; std::int64_t joined = -1; };
  std::vector<Add> adds;
  std::vector<std::pair<std::int64_t, std::int64_t>> step_downs;
  std::int64_t down_from = -1;
  for (const auto& e : events) {
    if (e.at.ns < fc.at) continue;
    if (e.kind == Ev::Role && e.who == fc.who && e.cluster_id == fc.cluster) {
      if (e.a == "Leader") {
        if (led_again < 0) {
          led_again = e.at.ns;
          led_term = e.term;
        } else if (down_from >= 0) {
          step_downs.push_back({down_from, e.at.ns});
        }
        down_from = -1;
      } else if (led_again >= 0 && down_from < 0) {
        down_from = e.at.ns;
      }
    }
    if (e.kind == Ev::Member && e.a == "add" && e.who == fc.who && e.at.ns > fc.at)
      adds.push_back({e.at.ns, e.peer, e.b, "", -1});
    if (e.kind == Ev::Bootstrap && e.a == "existing" && e.cluster_id == fc.cluster)
      for (auto& a : adds)
        if (a.id == e.member_id && a.joined < 0) {
          a.who = e.who;
          a.joined = e.at.ns;
        }
  }

  Finding x;
  x.kind = "force-new-cluster";
  x.at_ns = fc.started;
  x.members = {fc.who};
  std::vector<std::string> joined;
  for (const auto& a : adds)
    if (a.joined >= 0) joined.push_back(a.who);
  x.headline = fmt::format(
      "{} was restarted with --force-new-cluster at {}: a one-member cluster with the same cluster ID {} and the same "
      "data{}{}",
      fc.who, seconds_text(fc.started), etcd::format_id(fc.cluster),
      removed.empty() ? "" : fmt::format(", without {}", and_list(removed)),
      joined.empty() ? "" : fmt::format("; {} then joined through `member add`", and_list(joined)));
  const std::size_t voters = removed.size() + 1;
  if (!stopped.empty())
    x.because.push_back(fmt::format(
        "{} stopped (last at {}){}: {} was 1 of {} voters, below the quorum of {}{}", and_list(stopped),
        seconds_text(last_stop), ever_removed_before ? "" : " without `member remove`", fc.who, voters,
        voters / 2 + 1,
        lead_lost >= 0 ? fmt::format(" — no leader from {} to the forced restart", seconds_text(lead_lost)) : ""));
  x.because.push_back(fmt::format(
      "{} at {}: etcd logged \"forcing restart member\" (restartAsStandaloneNode): it kept its data dir — member {}, "
      "cluster {}{} — and committed the removal of every other member ({}), leaving itself the only voter",
      fc.who, seconds_text(fc.at), etcd::format_id(fc.member), etcd::format_id(fc.cluster),
      fc.commit_index.empty() ? "" : ", commit index " + fc.commit_index, and_list(removed)));
  // The data it kept, seen by a client: a key written before the forced restart and
  // read back after it with the value written.
  std::string seen;
  {
    std::map<std::pair<std::string, std::uint64_t>, const sim::TraceEvent*> calls;  // (endpoint, op) -> call
    std::map<std::string, std::pair<std::int64_t, std::string>> written;            // key -> (when, value)
    for (const auto& e : events) {
      if (e.kind == Ev::ClientCall) calls[{e.who, e.index}] = &e;
      if (e.kind != Ev::ClientDone || e.a != "ok" || !seen.empty()) continue;
      auto it = calls.find({e.who, e.index});
      if (it == calls.end()) continue;
      const sim::TraceEvent& c = *it->second;
      if (c.a == "put" && e.at.ns < fc.at) written[c.b] = {e.at.ns, c.c};
      if ((c.a == "get" || c.a == "get-s") && c.at.ns > fc.at && e.b == "found" && written.count(c.b) &&
          written[c.b].second == e.c)
        seen = fmt::format("the key {} written at {} was read back at {} (\"{}\"): the forced restart kept the data", c.b,
                           seconds_text(written[c.b].first), seconds_text(e.at.ns), e.c);
    }
  }
  if (led_again >= 0)
    x.because.push_back(fmt::format("{} elected itself at {} (term {}), a quorum of one: it serves reads and writes again",
                                    fc.who, seconds_text(led_again), led_term));
  if (!seen.empty()) x.because.push_back(seen);
  std::size_t now_voters = 1;
  for (const auto& a : adds) {
    ++now_voters;
    if (a.joined < 0) {
      x.because.push_back(fmt::format("member {} ({}) was added at {} but never started", etcd::format_id(a.id), a.urls,
                                      seconds_text(a.at)));
      continue;
    }
    std::string gap;
    for (const auto& [d0, d1] : step_downs)
      if (d0 > a.at && d0 < a.joined)
        gap = fmt::format("; {} stepped down from {} to {}, since {} of {} voters ran until {} started", fc.who,
                          seconds_text(d0), seconds_text(d1), now_voters - 1, now_voters, a.who);
    x.because.push_back(fmt::format("`member add` {} at {}, {} joined at {} with state existing: {} voters{}",
                                    a.urls, seconds_text(a.at), a.who, seconds_text(a.joined), now_voters, gap));
  }
  x.fix = fmt::format(
      "keep --force-new-cluster for this one restart: drop it from {}'s flags before its next start (every forced "
      "restart removes all the other members again, those added since too), and grow back one `member add` at a time, "
      "each new member with state existing and an empty data dir",
      fc.who);
  const std::int64_t settled = adds.empty() || adds.back().joined < 0 ? std::max(led_again, fc.at) : adds.back().joined;
  x.check = fmt::format("raftlab status {} --at {} (one IS LEADER true; `member list` shows {})", file,
                        seconds_text((settled / 1'000'000'000 + 2) * 1'000'000'000), and_list(scenario_order([&] {
                          std::vector<std::string> v{fc.who};
                          v.insert(v.end(), joined.begin(), joined.end());
                          return v;
                        }())));
  out.push_back(x);
}

}  // namespace

void recovery_findings(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r, const std::string& file,
                       std::vector<Finding>& out) {
  std::vector<Forced> forced;
  std::map<std::string, std::int64_t> started;  // container -> its last start (the operator's restart)
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (e.kind == Ev::ProcStart) started[e.who] = e.at.ns;
    if (e.kind != Ev::Log || e.b != "forcing restart member") continue;
    Forced f;
    f.at = e.at.ns;
    // When the container was started: etcd logs the line ~0.1 s later, after its start-up.
    f.started = started.count(e.who) ? started.at(e.who) : e.at.ns;
    f.who = e.who;
    f.member = e.member_id;
    f.cluster = e.cluster_id;
    f.commit_index = field(e.c, "commit-index");
    forced.push_back(f);
  }
  for (const auto& f : forced) one_recovery(events, r, file, f, out);
}

}  // namespace raftlab::tools::report
