// tools/report/root_cause_gateways.cc — what the APISIX gateways saw of a route, in words,
// from the trace's gateway events (sim/cloud/apisix.cc: "watch connection to M via LB",
// "watch event: new KEY (revision N, from M via LB)", "loaded N keys from M", "Admin API
// answered CODE"), the Admin API's etcd calls (client_call put/get of the route key) and
// the members' applies of them (which member, which cluster, stored or read the key):
//  * which gateway wrote which route when, and into which cluster (only that one, when
//    several run: the every-node-leader split behind a load balancer);
//  * for every gateway, when its watch delivered the route — or that it never did — and
//    the member and cluster its watch connection was on meanwhile;
//  * the Admin API reads of the route that answered 404, and where they landed.
//
// Must never: look at World or Cloud objects (only the trace and RunResult), know scenario
// names, or depend on unordered iteration.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sim/etcd/ids.h"
#include "tools/report/root_cause.h"

namespace raftlab::tools::report {

namespace {

using sim::Ev;

bool starts(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// "5.2s", "25s", "0.175s": a duration in words for "... later".
std::string later(std::int64_t ns) { return seconds_text(ns) + " later"; }

struct Facts {
  std::vector<std::string> gateways;
  std::map<std::string, std::string> prefix;  // gateway -> its etcd prefix
  // member -> (when, cluster) of each bootstrap
  std::map<std::string, std::vector<std::pair<std::int64_t, std::uint64_t>>> boots;
  std::map<std::string, std::string> by_url;  // client URL -> member
  struct Conn { std::int64_t at; std::string member; };
  std::map<std::string, std::vector<Conn>> conns;  // gateway -> its watch connections
  struct Got { std::int64_t at; std::string key, member; std::size_t loaded = 0; bool load = false; };
  std::map<std::string, std::vector<Got>> got;     // gateway -> keys its watch delivered
  std::vector<RouteRead> reads;
  std::vector<RouteStory> writes;
};

std::uint64_t cluster_of(const Facts& f, const std::string& member, std::int64_t at) {
  auto it = f.boots.find(member);
  if (it == f.boots.end()) return 0;
  std::uint64_t c = 0;
  for (const auto& [t, cl] : it->second)
    if (t <= at) c = cl;
  return c;
}

// "i-0abc via etcd-nlb" -> "i-0abc"; a member's URL -> the member.
std::string member_of_label(const Facts& f, const std::string& label) {
  const auto via = label.find(" via ");
  const std::string first = via == std::string::npos ? label : label.substr(0, via);
  auto u = f.by_url.find(first);
  return u == f.by_url.end() ? first : u->second;
}

Facts gather(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r) {
  Facts f;
  for (const auto& m : r.members)
    if (!m.client_url.empty()) f.by_url[m.client_url] = m.name;
  struct Call { std::int64_t at = -1; std::string key; std::string member; std::uint64_t cluster = 0; };
  Call put, get;  // the Admin API's pending etcd calls
  for (const auto& e : events) {
    if (e.kind == Ev::Bootstrap) f.boots[e.who].push_back({e.at.ns, e.cluster_id});
    if (e.kind == Ev::ClientCall && e.peer == 0 && (e.a == "put" || e.a == "get") &&
        e.b.find("/routes/") != std::string::npos) {
      Call& c = e.a == "put" ? put : get;
      c = Call{e.at.ns, e.b, "", 0};
    }
    if (e.kind == Ev::Apply) {
      for (Call* c : {&put, &get})
        if (c->at >= 0 && c->member.empty() && e.at.ns >= c->at &&
            e.b == (c == &put ? "put " : "read ") + c->key) {
          c->member = e.who;
          c->cluster = e.cluster_id;
        }
    }
    if (e.kind != Ev::Cloud || e.a != "gateway") continue;
    const std::string& g = e.who;
    const std::string& b = e.b;
    if (starts(b, "APISIX up at ")) {
      if (std::find(f.gateways.begin(), f.gateways.end(), g) == f.gateways.end()) f.gateways.push_back(g);
      const auto p = b.rfind(", prefix ");
      if (p != std::string::npos) f.prefix[g] = b.substr(p + 9);
    } else if (starts(b, "watch connection to ")) {
      f.conns[g].push_back({e.at.ns, member_of_label(f, b.substr(20))});
    } else if (starts(b, "watch event: ")) {
      // "watch event: new KEY (revision N, from LABEL)"
      const auto k0 = b.find(' ', 13);
      const auto k1 = b.find(" (revision ");
      const auto from = b.find(", from ");
      if (k0 == std::string::npos || k1 == std::string::npos || from == std::string::npos) continue;
      Facts::Got x;
      x.at = e.at.ns;
      x.key = b.substr(k0 + 1, k1 - k0 - 1);
      x.member = member_of_label(f, b.substr(from + 7, b.size() - from - 8));
      f.got[g].push_back(x);
    } else if (starts(b, "loaded ")) {
      // "loaded N keys from LABEL (revision R)"
      const auto from = b.find(" keys from ");
      const auto rev = b.rfind(" (revision ");
      if (from == std::string::npos || rev == std::string::npos || rev < from) continue;
      Facts::Got x;
      x.at = e.at.ns;
      x.load = true;
      x.loaded = static_cast<std::size_t>(std::stoull("0" + b.substr(7, from - 7)));
      x.member = member_of_label(f, b.substr(from + 11, rev - from - 11));
      f.got[g].push_back(x);
    } else if (starts(b, "Admin API answered ")) {
      const int code = std::atoi(b.c_str() + 19);
      if (put.at >= 0 && !put.member.empty() && (code == 200 || code == 201)) {
        RouteStory w;
        w.at = e.at.ns;
        w.call_at = put.at;
        w.writer = g;
        w.key = put.key;
        w.member = put.member;
        w.cluster = put.cluster;
        f.writes.push_back(w);
      } else if (put.at < 0 && get.at >= 0) {
        f.reads.push_back({e.at.ns, g, get.key, code, get.member, get.cluster});
      }
      put = Call{};
      get = Call{};
    }
  }
  return f;
}

std::string where(const Facts& f, const std::string& member, std::int64_t at) {
  const std::uint64_t c = cluster_of(f, member, at);
  return c == 0 ? member : fmt::format("{} (cluster {})", member, etcd::format_id(c));
}

// Clusters running at `at` (a member's last bootstrap before `at`, not exited since).
std::set<std::uint64_t> clusters_at(const std::vector<sim::TraceEvent>& events, std::int64_t at) {
  std::map<std::string, std::uint64_t> cur;
  for (const auto& e : events) {
    if (e.at.ns > at) break;
    if (e.kind == Ev::Bootstrap) cur[e.who] = e.cluster_id;
    if (e.kind == Ev::ProcExit) cur.erase(e.who);
  }
  std::set<std::uint64_t> out;
  for (const auto& [m, c] : cur) out.insert(c);
  return out;
}

}  // namespace

std::vector<RouteStory> route_stories(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r) {
  Facts f = gather(events, r);
  for (RouteStory& w : f.writes) {
    w.clusters_running = clusters_at(events, w.at).size();
    for (const std::string& g : f.gateways) {
      GatewaySaw s;
      s.gateway = g;
      for (const auto& x : f.got[g]) {
        if (x.at < w.call_at) continue;
        const bool delivers = x.load ? x.loaded > 0 && cluster_of(f, x.member, x.at) == w.cluster : x.key == w.key;
        if (delivers) {
          s.got_at = x.at;
          s.got_from = x.member;
          break;
        }
      }
      const std::int64_t until = s.got_at >= 0 ? s.got_at : r.end_ns;
      for (const auto& c : f.conns[g]) {
        if (c.at <= w.at) s.watch_at_write = c.member;
        else if (c.at <= until && (s.watch_after.empty() || s.watch_after.back() != c.member))
          s.watch_after.push_back(c.member);
      }
      if (!s.watch_at_write.empty()) s.cluster_at_write = cluster_of(f, s.watch_at_write, w.at);
      for (const auto& rd : f.reads)
        if (rd.gateway == g && rd.key == w.key && rd.at > w.at) s.reads.push_back(rd);
      w.gateways.push_back(s);
    }
  }
  // Words: what each gateway saw, one line each.
  for (RouteStory& w : f.writes) {
    for (GatewaySaw& s : w.gateways) {
      const std::string at_write =
          s.watch_at_write.empty() ? "it had no watch connection" : "its watch connection was on " + where(f, s.watch_at_write, w.at);
      const bool other = s.cluster_at_write != 0 && s.cluster_at_write != w.cluster;
      if (s.got_at >= 0) {
        const bool moved = !s.watch_after.empty();
        s.words = fmt::format("{} got the route at {} ({}) through its watch on {}{}", s.gateway, seconds_text(s.got_at),
                              later(s.got_at - w.at), where(f, s.got_from, s.got_at),
                              other || moved ? fmt::format(": when the route was written {}{}, and the watch reached the "
                                                           "route's cluster only when its connection moved",
                                                           at_write, other ? ", a different cluster" : "")
                                             : "");
      } else {
        std::vector<std::string> after;
        for (const auto& m : s.watch_after) after.push_back(where(f, m, w.at));
        s.words = fmt::format("{} never got the route: when it was written {}{}{} — never on a member of cluster {}",
                              s.gateway, at_write, other ? ", a different cluster" : "",
                              after.empty() ? ", and it stayed there" : ", and after that on " + and_list(after),
                              etcd::format_id(w.cluster));
      }
      for (const auto& rd : s.reads) {
        if (rd.code != 404 && rd.code != 200) continue;
        const bool held = rd.cluster == w.cluster;
        if (rd.code == 200 && !(other || s.got_at < 0)) continue;  // a healthy read says nothing
        s.read_words.push_back(fmt::format(
            "{}'s Admin API GET of {} at {} answered {}: that request's own connection landed on {}{}", s.gateway, rd.key,
            seconds_text(rd.at), rd.code, rd.member.empty() ? "no member" : where(f, rd.member, rd.at),
            held ? ", the route's cluster" : ", which does not hold the route"));
      }
    }
  }
  return f.writes;
}

void gateway_findings(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r, const std::string& file,
                      std::vector<Finding>& out) {
  // A delivery later than this is a miss, not the watch's normal delay (its poll and a
  // round trip: well under a second in the model).
  constexpr std::int64_t kLate = 5'000'000'000;
  for (const RouteStory& w : route_stories(events, r)) {
    std::vector<std::string> missed, clauses;
    for (const GatewaySaw& s : w.gateways) {
      if (s.got_at < 0) {
        missed.push_back(s.gateway);
        clauses.push_back("did not reach " + s.gateway);
      } else if (s.got_at - w.at > kLate) {
        missed.push_back(s.gateway);
        clauses.push_back(fmt::format("did not reach {} until {} ({})", s.gateway, seconds_text(s.got_at),
                                      later(s.got_at - w.at)));
      }
    }
    // The Admin API reads etcd anew on every request: a 404 for a written route is a miss
    // too, even on a gateway whose watch holds it.
    std::vector<std::string> read_misses;
    for (const GatewaySaw& s : w.gateways) {
      std::vector<std::string> at;
      for (const auto& rd : s.reads)
        if (rd.code == 404) at.push_back(seconds_text(rd.at));
      if (!at.empty()) read_misses.push_back(fmt::format("{}'s Admin API answered 404 for it at {}", s.gateway, and_list(at)));
    }
    const std::string stored =
        w.clusters_running > 1
            ? fmt::format("went into cluster {} only ({}), one of {} clusters behind the same endpoint",
                          etcd::format_id(w.cluster), w.member, w.clusters_running)
            : fmt::format("was committed in cluster {}, the only one", etcd::format_id(w.cluster));
    Finding x;
    x.at_ns = w.at;
    x.members = missed.empty() ? std::vector<std::string>{} : missed;
    for (const GatewaySaw& s : w.gateways) {
      x.because.push_back(s.words);
      x.because.insert(x.because.end(), s.read_words.begin(), s.read_words.end());
    }
    if (!missed.empty() || !read_misses.empty()) {
      bool elsewhere = false;
      for (const GatewaySaw& s : w.gateways)
        if (std::find(missed.begin(), missed.end(), s.gateway) != missed.end())
          elsewhere = elsewhere || (s.cluster_at_write != 0 && s.cluster_at_write != w.cluster);
      x.kind = "route-missing-on-gateway";
      std::string what = clauses.empty() ? "" : "it " + and_list(clauses);
      if (!read_misses.empty()) what += (what.empty() ? "" : "; ") + and_list(read_misses);
      x.headline = fmt::format("The route {} written through {} at {} {}; {}{}", w.key, w.writer, seconds_text(w.at),
                               stored, what,
                               elsewhere ? (missed.size() == 1
                                                ? fmt::format(": the watch connection of {} was on a member of another "
                                                              "cluster", missed[0])
                                                : fmt::format(": the watch connections of {} were on members of other "
                                                              "clusters", and_list(missed)))
                                         : !read_misses.empty() ? ": each Admin API request opens its own connection, "
                                                                 "and it landed on a member of another cluster"
                                                               : "");
      x.fix = w.clusters_running > 1
                  ? "make the members one cluster (the finding above): a gateway serves only what the cluster its "
                    "watch connection happens to land on holds, and each Admin API request lands anew"
                  : "find why the watch did not deliver it (the gateway's watch lines in the timeline)";
      x.check = fmt::format("raftlab run {} (the gateways' watch lines in the timeline); on the gateways: repeat "
                            "`curl http://$GW:9180/apisix/admin/routes/...` on each and compare the answers",
                            file);
    } else {
      std::vector<std::string> when;
      for (const GatewaySaw& s : w.gateways) when.push_back(fmt::format("{} at {}", s.gateway, seconds_text(s.got_at)));
      x.kind = "route-reached-every-gateway";
      x.members.clear();
      for (const GatewaySaw& s : w.gateways) x.members.push_back(s.gateway);
      x.headline = fmt::format("The route {} written through {} at {} {}, and every gateway's watch delivered it: {}",
                               w.key, w.writer, seconds_text(w.at), stored, and_list(when));
      x.check = fmt::format("raftlab run {} (the gateways' watch lines)", file);
    }
    out.push_back(x);
  }
}

}  // namespace raftlab::tools::report
