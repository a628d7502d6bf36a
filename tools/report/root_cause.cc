#include "tools/report/root_cause.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "sim/etcd/discovery.h"
#include "sim/etcd/ids.h"
#include "sim/scenario/duration.h"

namespace raftlab::tools::report {

namespace {

using sim::Ev;
using sim::TraceEvent;

std::string secs(std::int64_t ns) { return seconds_text(ns); }
std::string id(std::uint64_t v) { return etcd::format_id(v); }

struct Boot {
  std::int64_t at = 0;
  std::string who, kind, membership;  // kind: new / existing / restart; membership: name=url,...
  std::uint64_t cluster = 0, member = 0, count = 0;
  bool split = false;                 // ran while more than one cluster ran
  size_t idx = 0;
};

std::vector<std::string> split_list(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

struct Facts {
  std::vector<std::string> order;            // members, scenario order
  std::map<std::string, std::string> host;   // member -> host
  std::map<std::string, std::string> url;    // member -> client URL
  std::vector<Boot> boots;
  // "$VAR is not set in host H's shell" warnings: member -> (var, host)
  std::map<std::string, std::pair<std::string, std::string>> unset_var;
  std::map<std::string, std::uint64_t> rejects;  // receiver -> count
  struct Exit { std::int64_t at; std::string who, reason, error; };
  std::vector<Exit> exits;
  // via_auth: the add was never sent; etcdctl's Authenticate (a raft proposal in etcd, so it
  // needs a quorum too) failed first; `member` is then the name the fault adds.
  struct AddFail { std::int64_t at; std::string member, error; bool via_auth = false; };
  std::vector<AddFail> add_failures;
  std::set<std::uint64_t> removed;               // member remove applied
  struct HostDown { std::int64_t at, up = -1; std::string host; std::vector<std::string> lost; std::uint64_t cluster = 0; };
  std::vector<HostDown> downs;
  // member -> last boot index it runs with (absent: not running) at the end
  std::map<std::string, size_t> running_end;
  // per cluster, intervals without a leader among running members: (from, to)
  std::vector<std::pair<std::int64_t, std::int64_t>> leaderless;  // of the largest cluster
  std::int64_t first_leader = -1;
  // member -> where its initial cluster came from when not from --initial-cluster: etcd's
  // own log lines "found all needed peers from discovery server" (--discovery) and "got
  // bootstrap from DNS for etcd-server" (--discovery-srv).
  std::map<std::string, std::string> via;
};

std::vector<std::string> in_order(const Facts& f, const std::set<std::string>& s) {
  std::vector<std::string> out;
  for (const auto& n : f.order)
    if (s.count(n)) out.push_back(n);
  for (const auto& n : s)
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  return out;
}

Facts gather(const std::vector<TraceEvent>& events, const sim::RunResult& r) {
  Facts f;
  for (const auto& m : r.members) {
    f.order.push_back(m.name);
    f.host[m.name] = m.host;
    f.url[m.name] = m.client_url;
  }
  // "etcd1 ($.members[0].docker): $ETCD_INITIAL_CLUSTER is not set in host A's shell: ..."
  // (no std::regex: GCC 12's <regex> trips -Wmaybe-uninitialized under the sanitizers).
  for (const auto& w : r.warnings) {
    const auto sp = w.find(" (");
    const auto var = w.find("): $");
    const auto mid = w.find(" is not set in host ", var == std::string::npos ? 0 : var);
    const auto end = w.find("'s shell", mid == std::string::npos ? 0 : mid);
    if (sp == std::string::npos || var == std::string::npos || mid == std::string::npos || end == std::string::npos)
      continue;
    f.unset_var[w.substr(0, sp)] = {w.substr(var + 4, mid - var - 4), w.substr(mid + 20, end - mid - 20)};
  }
  std::map<std::string, size_t> cur;  // running member -> boot index
  std::map<std::pair<std::string, std::uint64_t>, std::string> add_calls;  // (endpoint, op) -> member
  std::set<std::pair<std::string, std::uint64_t>> auth_calls;  // (endpoint, op) of Authenticate calls
  std::pair<std::int64_t, std::string> last_auth_error{-1, ""};  // (when, error) of the last failed one
  std::map<std::uint64_t, std::string> leader_of;  // cluster -> leader name ("" none)
  auto mark_split = [&] {
    std::set<std::uint64_t> clusters;
    for (const auto& [who, bi] : cur) clusters.insert(f.boots[bi].cluster);
    if (clusters.size() > 1)
      for (const auto& [who, bi] : cur) f.boots[bi].split = true;
  };
  std::int64_t last_t = -1;
  for (const auto& e : events) {
    if (e.at.ns != last_t) {
      mark_split();
      last_t = e.at.ns;
    }
    switch (e.kind) {
      case Ev::Bootstrap: {
        Boot b;
        b.at = e.at.ns;
        b.who = e.who;
        b.kind = e.a;
        b.membership = e.c;
        b.cluster = e.cluster_id;
        b.member = e.member_id;
        b.count = e.index;
        b.idx = f.boots.size();
        cur[e.who] = b.idx;
        f.boots.push_back(b);
        break;
      }
      case Ev::ProcExit:
        cur.erase(e.who);
        if (e.a == "exited" || e.a == "refused") f.exits.push_back({e.at.ns, e.who, e.a, e.b});
        break;
      case Ev::Reject: f.rejects[e.who]++; break;
      case Ev::Log:
        if (e.b == etcd::wording::kFoundAllPeers) {
          const auto p = e.c.find("discovery-url=");
          std::string url = p == std::string::npos ? "" : e.c.substr(p + 14);
          if (const auto sp = url.find(' '); sp != std::string::npos) url.resize(sp);
          f.via[e.who] = "the discovery token " + url;
        } else if (e.b == etcd::wording::kGotBootstrapFromDns) {
          f.via[e.who] = "the DNS SRV records";
        }
        break;
      case Ev::ClientCall:
        if (e.a == "member-add") add_calls[{e.who, e.index}] = e.b;
        if (e.a == "auth" && e.b == "authenticate") auth_calls.insert({e.who, e.index});
        break;
      case Ev::ClientDone: {
        auto it = add_calls.find({e.who, e.index});
        if (it != add_calls.end() && e.a == "error") f.add_failures.push_back({e.at.ns, it->second, e.b});
        if (auth_calls.count({e.who, e.index}) && e.a == "error") last_auth_error = {e.at.ns, e.b};
        break;
      }
      case Ev::FaultEnd:
        // A nemesis member add whose etcdctl failed while authenticating (no member-add call).
        if (e.a == "member_add" && e.b.rfind("failed: ", 0) == 0 && last_auth_error.first == e.at.ns)
          f.add_failures.push_back({e.at.ns, e.who, last_auth_error.second, true});
        break;
      case Ev::Member:
        if (e.a == "remove") f.removed.insert(e.peer);
        break;
      case Ev::HostDown: {
        Facts::HostDown d;
        d.at = e.at.ns;
        d.host = e.who;
        for (const auto& [who, bi] : cur)
          if (f.host[who] == e.who) {
            d.lost.push_back(who);
            d.cluster = f.boots[bi].cluster;
          }
        d.lost = in_order(f, std::set<std::string>(d.lost.begin(), d.lost.end()));
        f.downs.push_back(d);
        break;
      }
      case Ev::HostUp:
        for (auto& d : f.downs)
          if (d.host == e.who && d.up < 0) d.up = e.at.ns;
        break;
      case Ev::Role:
        if (e.a == "Leader" && f.first_leader < 0) f.first_leader = e.at.ns;
        break;
      default: break;
    }
  }
  mark_split();
  f.running_end = cur;
  return f;
}

// The membership every bootstrap together names, in scenario order: the value that
// would have made one cluster.
std::string union_membership(const Facts& f, const std::vector<const Boot*>& boots) {
  std::map<std::string, std::string> url_of;
  for (const Boot* b : boots)
    for (const auto& kv : split_list(b->membership, ',')) {
      const auto eq = kv.find('=');
      if (eq != std::string::npos) url_of.emplace(kv.substr(0, eq), kv.substr(eq + 1));
    }
  std::vector<std::string> parts;
  std::set<std::string> used;
  for (const auto& n : f.order)
    if (url_of.count(n)) {
      parts.push_back(n + "=" + url_of[n]);
      used.insert(n);
    }
  for (const auto& [n, u] : url_of)
    if (!used.count(n)) parts.push_back(n + "=" + u);
  return fmt::format("{}", fmt::join(parts, ","));
}

std::string endpoints(const Facts& f) {
  std::vector<std::string> eps;
  for (const auto& n : f.order)
    if (!f.url.at(n).empty()) eps.push_back(f.url.at(n));
  return fmt::format("{}", fmt::join(eps, ","));
}

bool names_member(const std::string& membership, const std::string& who) {
  for (const auto& kv : split_list(membership, ','))
    if (kv.rfind(who + "=", 0) == 0) return true;
  return false;
}

void split_findings(const Facts& f, const std::string& file, std::vector<Finding>& out) {
  std::vector<const Boot*> split;
  for (const auto& b : f.boots)
    if (b.split) split.push_back(&b);
  if (split.empty()) return;
  std::string full = union_membership(f, split);
  size_t full_n = split_list(full, ',').size();
  const std::string check = fmt::format(
      "raftlab run {} (expect clusters = 1); on the servers: etcdctl --endpoints={} endpoint status -w table "
      "shows one IS LEADER true and one cluster in `member list`",
      file, endpoints(f));

  // 1. A member restarted from its WAL while other clusters ran: the data dir wins.
  {
    std::set<std::string> who;
    std::vector<std::string> because;
    std::int64_t at = -1;
    for (const Boot* b : split) {
      if (b->kind != "restart") continue;
      who.insert(b->who);
      if (at < 0) at = b->at;
      std::string origin;
      for (const auto& o : f.boots)
        if (o.who == b->who && o.cluster == b->cluster && o.kind == "new" && o.at < b->at) {
          origin = fmt::format(", bootstrapped at {} from --initial-cluster={}", secs(o.at), o.membership);
          break;
        }
      because.push_back(fmt::format("{} at {}: restarted from the WAL in its data dir (cluster {}{}); etcd ignores "
                                    "--initial-cluster and --initial-cluster-state when the data dir holds a WAL",
                                    b->who, secs(b->at), id(b->cluster), origin));
    }
    if (!who.empty()) {
      Finding x;
      x.kind = "wal-wins";
      x.at_ns = at;
      x.members = in_order(f, who);
      x.headline = fmt::format("The data dir wins: {} restarted from data dirs that already held a WAL of their own "
                               "one-off clusters, so the corrected --initial-cluster was ignored",
                               and_list(x.members));
      x.because = because;
      x.fix = fmt::format("stop {}, delete their data dirs (the docker volumes' member/ directory), and start them again "
                          "with --initial-cluster={} and state new — or keep one cluster's data and join the others to "
                          "it with `etcdctl member add` + state existing",
                          and_list(x.members), full);
      x.check = check;
      out.push_back(x);
    }
  }
  // 2. Bootstrapped `new` naming members that already ran another cluster: new into a running cluster.
  std::set<size_t> explained;
  {
    std::set<std::string> who;
    std::vector<std::string> because;
    std::int64_t at = -1;
    for (const Boot* b : split) {
      if (b->kind != "new") continue;
      std::vector<std::string> running_elsewhere;
      std::uint64_t other = 0;
      for (const auto& o : f.boots)
        if (o.who != b->who && o.cluster != b->cluster && o.at + 1'000'000'000 <= b->at &&
            names_member(b->membership, o.who) && o.split)
          if (std::find(running_elsewhere.begin(), running_elsewhere.end(), o.who) == running_elsewhere.end()) {
            running_elsewhere.push_back(o.who);
            other = o.cluster;
          }
      if (running_elsewhere.empty()) continue;
      explained.insert(b->idx);
      who.insert(b->who);
      if (at < 0) at = b->at;
      const auto rj = f.rejects.count(b->who) ? f.rejects.at(b->who) : 0;
      because.push_back(fmt::format(
          "{} at {}: --initial-cluster-state new with --initial-cluster={} while {} already ran cluster {}: a new cluster "
          "{} is created, and its peers reject it on cluster ID ({} rejections)",
          b->who, secs(b->at), b->membership, and_list(running_elsewhere), id(other), id(b->cluster), rj +
          [&] {
            std::uint64_t n = 0;
            for (const auto& ow : running_elsewhere) n += f.rejects.count(ow) ? f.rejects.at(ow) : 0;
            return n;
          }()));
    }
    if (!who.empty()) {
      Finding x;
      x.kind = "new-into-running";
      x.at_ns = at;
      x.members = in_order(f, who);
      x.headline = fmt::format("State new into a running cluster: {} bootstrapped a cluster of its own instead of "
                               "joining the one that was running", and_list(x.members));
      x.because = because;
      x.fix = fmt::format("run `etcdctl member add {} --peer-urls=<its peer URL>` against the running cluster first, then "
                          "start {} with --initial-cluster-state existing and the ETCD_INITIAL_CLUSTER that member add "
                          "prints (and an empty data dir)",
                          x.members[0], and_list(x.members));
      x.check = check;
      out.push_back(x);
    }
  }
  // 3. Bootstrapped `new` from a value that came from an unset shell variable, or a
  //    value that differs from the others'. The whole list: what the others name together.
  {
    std::vector<const Boot*> rest;
    for (const Boot* b : split)
      if (!explained.count(b->idx)) rest.push_back(b);
    full = union_membership(f, rest);
    full_n = split_list(full, ',').size();
    std::map<std::pair<std::string, std::string>, std::set<std::string>> by_var;  // (var, host) -> members
    std::vector<std::string> because_empty, because_diff;
    std::set<std::string> diff_who;
    std::int64_t at_empty = -1, at_diff = -1;
    for (const Boot* b : split) {
      if (b->kind != "new" || explained.count(b->idx)) continue;
      auto uv = f.unset_var.find(b->who);
      const bool partial = split_list(b->membership, ',').size() < full_n;
      if (uv != f.unset_var.end() && partial) {
        by_var[uv->second].insert(b->who);
        if (at_empty < 0) at_empty = b->at;
        because_empty.push_back(fmt::format("{} (host {}) at {}: ${} expanded to an empty string, so etcd bootstrapped "
                                            "cluster {} from --initial-cluster={} (its own default: itself alone)",
                                            b->who, uv->second.second, secs(b->at), uv->second.first, id(b->cluster),
                                            b->membership));
      } else if (partial) {
        diff_who.insert(b->who);
        if (at_diff < 0) at_diff = b->at;
        because_diff.push_back(fmt::format("{} at {}: bootstrapped cluster {} from --initial-cluster={} ({} of {} members)",
                                           b->who, secs(b->at), id(b->cluster), b->membership,
                                           split_list(b->membership, ',').size(), full_n));
      }
    }
    // The members that did bootstrap from the whole list: facts, not causes.
    std::map<std::uint64_t, std::vector<std::string>> whole;
    for (const Boot* b : split)
      if (b->kind == "new" && !explained.count(b->idx) && split_list(b->membership, ',').size() >= full_n)
        whole[b->cluster].push_back(b->who);
    std::vector<std::string> whole_lines;
    for (const auto& [c, ws] : whole)
      whole_lines.push_back(fmt::format("{} bootstrapped cluster {} from the whole list ({} members): it needs {} of "
                                        "them for a quorum", and_list(in_order(f, {ws.begin(), ws.end()})), id(c),
                                        full_n, full_n / 2 + 1));
    if (!by_var.empty()) {
      Finding x;
      x.kind = "empty-initial-cluster";
      x.at_ns = at_empty;
      std::set<std::string> who;
      std::vector<std::string> hosts, vars;
      for (const auto& [vh, ws] : by_var) {
        who.insert(ws.begin(), ws.end());
        if (std::find(hosts.begin(), hosts.end(), vh.second) == hosts.end()) hosts.push_back(vh.second);
        if (std::find(vars.begin(), vars.end(), vh.first) == vars.end()) vars.push_back(vh.first);
      }
      x.members = in_order(f, who);
      x.headline = fmt::format("${} was not set in the shell of host{} {}: {} {}bootstrapped a one-member cluster and "
                               "elected itself leader",
                               vars[0], hosts.size() > 1 ? "s" : "", and_list(hosts), and_list(x.members),
                               x.members.size() > 1 ? "each " : "");
      x.because = because_empty;
      x.because.insert(x.because.end(), whole_lines.begin(), whole_lines.end());
      x.fix = fmt::format("on host{} {}: export {}='{}' before the docker run lines (or pass -e {}=... literally), "
                          "with empty data dirs",
                          hosts.size() > 1 ? "s" : "", and_list(hosts), vars[0], full, vars[0]);
      x.check = check;
      out.push_back(x);
    }
    if (!diff_who.empty()) {
      Finding x;
      x.kind = "different-initial-cluster";
      x.at_ns = at_diff;
      x.members = in_order(f, diff_who);
      x.headline = fmt::format("{} bootstrapped from an --initial-cluster that names only some of the members, so "
                               "they formed separate clusters", and_list(x.members));
      x.because = because_diff;
      x.because.insert(x.because.end(), whole_lines.begin(), whole_lines.end());
      x.fix = fmt::format("give every member the same --initial-cluster={} (and token), with empty data dirs", full);
      x.check = check;
      out.push_back(x);
    }
  }
}

void membership_findings(const Facts& f, const sim::RunResult& r, const std::string& file, std::vector<Finding>& out) {
  // A member that exited at start: etcd's own words say why.
  for (const auto& x0 : f.exits) {
    bool booted_later = false, removed = false;
    for (const auto& b : f.boots) {
      booted_later = booted_later || (b.who == x0.who && b.at > x0.at);
      removed = removed || (b.who == x0.who && f.removed.count(b.member));
    }
    if (booted_later || removed) continue;  // a removed member exits by design
    if (std::any_of(out.begin(), out.end(), [&](const Finding& g) {
          return g.at_ns == x0.at && std::find(g.members.begin(), g.members.end(), x0.who) != g.members.end();
        }))
      continue;
    Finding x;
    x.at_ns = x0.at;
    x.members = {x0.who};
    const bool unequal = x0.error.find("member count is unequal") != std::string::npos ||
                         x0.error.find("error validating peerURLs") != std::string::npos;
    std::string err = x0.error;
    if (err.size() > 160) err = err.substr(0, 60) + " … " + err.substr(err.size() - 60);
    if (unequal) {
      x.kind = "join-without-add";
      x.headline = fmt::format("{} started with --initial-cluster-state existing, but the running cluster has no member "
                               "for it (no `etcdctl member add`): etcd exits", x0.who);
      x.because = {fmt::format("{} at {}: {}", x0.who, secs(x0.at), err),
                   "with state existing, etcd compares its --initial-cluster with the cluster's member list: they must "
                   "match member for member"};
      x.fix = fmt::format("run `etcdctl member add {} --peer-urls=<its peer URL>` while the cluster has a quorum, then "
                          "start {} with the ETCD_INITIAL_CLUSTER it prints and state existing",
                          x0.who, x0.who);
    } else {
      x.kind = "exited";
      x.headline = fmt::format("{} {} at {}", x0.who, x0.reason == "refused" ? "was not started" : "exited", secs(x0.at));
      x.because = {fmt::format("{}: {}", x0.who, err)};
      x.fix = "fix what the error names, then start it again";
      // A discovery token is spent once `size` members registered (v2discovery
      // checkCluster / createSelf): starting again with it can never work.
      if (x0.error.find("discovery: cluster is full") != std::string::npos) {
        x.because.push_back("a discovery token bootstraps ONE cluster of `size` members and is then spent: a member "
                            "that registers after them finds the cluster full");
        x.fix = "grow the running cluster with `etcdctl member add <name> --peer-urls=<its peer URL>` from a member, "
                "then start the new one with the ETCD_INITIAL_CLUSTER it prints and state existing (on an Auto Scaling "
                "Group: a launching lifecycle hook or user data that does this); a new token would bootstrap a "
                "separate cluster";
      } else if (x0.error.find("discovery: found duplicate id") != std::string::npos) {
        x.because.push_back("its ID (from its peer URLs and the token) is already registered under the token: the "
                            "token was used by an earlier bootstrap");
        x.fix = "keep the data dir of a member that bootstrapped; to start a cluster over, use a new token (a new "
                "`_config/size`), never the old one";
      }
    }
    x.check = fmt::format("raftlab run {} (the member's row in `Members at`)", file);
    out.push_back(x);
  }
  // member add refused.
  for (const auto& a : f.add_failures) {
    Finding x;
    x.kind = "add-refused";
    x.at_ns = a.at;
    x.members = {a.member};
    x.headline = a.via_auth
                     ? fmt::format("`etcdctl --user=... member add {}` failed at {} before the add was sent: "
                                   "authenticating failed: {}",
                                   a.member, secs(a.at), a.error)
                     : fmt::format("`etcdctl member add --peer-urls={}` was refused at {}: {}", a.member, secs(a.at), a.error);
    if (a.error.find("not enough started members") != std::string::npos) {
      x.because = {"strict reconfiguration: after the add, a majority of the voters must be started; an added member "
                   "that has not started yet counts as not started"};
      x.fix = "start the member added before (with state existing) and wait until it is connected, then add the next one";
    } else if (a.error.find("unhealthy cluster") != std::string::npos) {
      x.because = {"etcd refuses a member add unless the leader is connected to a quorum of the voters after the "
                   "change; stopped voters that were never removed still count"};
      x.fix = "restore a quorum first (start the stopped voters again), or remove the dead voters while a quorum remains";
    } else if (a.via_auth) {
      x.because = {"with auth on, etcdctl authenticates before it sends anything, and etcd's Authenticate is a raft "
                   "proposal: without a leader and a quorum it times out like the add itself would"};
      x.fix = "restore a quorum (heal the partition, start the stopped voters), then add the member";
    } else {
      x.because = {a.error};
      x.fix = "fix what the error names";
    }
    x.check = fmt::format("raftlab run {} (the etcdctl output in the timeline)", file);
    out.push_back(x);
  }
  // Voters stopped for good without `member remove`, and no quorum at the end.
  {
    std::set<std::string> stopped;
    std::int64_t at = -1;
    for (const auto& m : r.members) {
      if (m.running) continue;
      // The last boot of this member: was it ever removed?
      const Boot* last = nullptr;
      for (const auto& b : f.boots)
        if (b.who == m.name) last = &b;
      if (last == nullptr || f.removed.count(last->member)) continue;
      if (m.state != "stopped") continue;
      stopped.insert(m.name);
    }
    bool no_quorum = false;
    for (const auto& c : r.clusters) no_quorum = no_quorum || !c.quorum;
    bool host_loss = false;
    for (const auto& d : f.downs) host_loss = host_loss || d.up < 0;
    if (!stopped.empty() && no_quorum && !host_loss) {
      for (const auto& x0 : f.boots) (void)x0;
      Finding x;
      x.kind = "scale-in-without-remove";
      x.members = in_order(f, stopped);
      std::vector<std::string> left;
      std::uint64_t voters = 0;
      for (const auto& c : r.clusters) {
        if (c.quorum) continue;
        left = c.running;
        voters = c.voters.size();
      }
      x.at_ns = at;
      x.headline = fmt::format("Scaled in without `member remove`: {} stopped but {} still voter{}, so {} of {} voters "
                               "run and a quorum needs {}", and_list(x.members), x.members.size() > 1 ? "are" : "is",
                               x.members.size() > 1 ? "s" : "", left.size(), voters, voters / 2 + 1);
      x.because = {fmt::format("the cluster still lists {} voters: {} running ({}), {} stopped and never removed ({})",
                               voters, left.size(), and_list(left), x.members.size(), and_list(x.members))};
      x.fix = fmt::format("remove each member before stopping it, one at a time while a quorum remains: `etcdctl "
                          "member remove <ID>` (IDs from `etcdctl member list`) for {}", and_list(x.members));
      x.check = fmt::format("raftlab run {} (expect quorum = true); on the servers: etcdctl member list -w table lists "
                            "only running members",
                            file);
      out.push_back(x);
    }
  }
}

void host_findings(const Facts& f, const sim::RunResult& r, const std::string& file, std::vector<Finding>& out) {
  for (const auto& d : f.downs) {
    if (d.lost.empty()) continue;
    std::uint64_t voters = 0;
    for (const auto& c : r.clusters)
      if (c.cluster_id == d.cluster) voters = c.voters.size();
    if (voters == 0)
      for (const auto& b : f.boots)
        if (b.cluster == d.cluster) voters = std::max(voters, b.count);
    const std::uint64_t lost = d.lost.size(), quorum = voters / 2 + 1;
    const std::uint64_t left = voters >= lost ? voters - lost : 0;
    Finding x;
    x.at_ns = d.at;
    x.members = d.lost;
    const std::string until = d.up >= 0 ? fmt::format("until host {} returned at {}", d.host, secs(d.up))
                                        : "to the end of the run";
    if (left < quorum) {
      x.kind = "host-loss-quorum";
      x.headline = fmt::format("Host {} held {} of the {} voters ({}): losing it left {}, below the quorum of {} — no "
                               "leader and no writes {}",
                               d.host, lost, voters, and_list(d.lost), left, quorum, until);
      x.fix = fmt::format("spread the {} members so that no host holds a majority (e.g. 2 + 2 + 1 on three hosts); "
                          "with two hosts, one of them always does",
                          voters);
    } else {
      x.kind = "host-loss-survived";
      x.headline = fmt::format("Host {} held {} of the {} voters ({}): {} remain, at least the quorum of {}, so the "
                               "cluster kept a leader {}",
                               d.host, lost, voters, and_list(d.lost), left, quorum, until);
    }
    x.because = {fmt::format("{}: host {} down; {} voters, quorum {} (a majority)", secs(d.at), d.host, voters, quorum)};
    x.check = fmt::format("raftlab status {} --at {} (who IS LEADER while host {} is down)", file,
                          secs(d.at + 5'000'000'000), d.host);
    out.push_back(x);
  }
}

void healthy_findings(const Facts& f, const std::string& file, std::vector<Finding>& out) {
  std::map<std::uint64_t, std::vector<const Boot*>> by_cluster;
  for (const auto& b : f.boots) by_cluster[b.cluster].push_back(&b);
  std::map<std::uint64_t, std::set<std::string>> running;
  for (const auto& [who, bi] : f.running_end) running[f.boots[bi].cluster].insert(who);
  if (running.empty()) {
    Finding x;
    x.kind = "no-cluster";
    x.headline = "No etcd member is running at the end of the run";
    x.check = fmt::format("raftlab run {}", file);
    out.push_back(x);
    return;
  }
  for (const auto& [c, who] : running) {
    Finding x;
    x.members = in_order(f, who);
    const auto& boots = by_cluster[c];
    std::vector<std::string> added;
    std::string first_value;
    std::int64_t first_at = -1;
    std::set<std::string> news;
    for (const Boot* b : boots) {
      if (b->kind == "existing") added.push_back(b->who);
      if (b->kind == "new") {
        news.insert(b->who);
        if (first_at < 0) first_at = b->at;
        if (first_value.empty()) first_value = b->membership;
      }
    }
    x.at_ns = first_at < 0 ? 0 : first_at;
    // The members of the cluster: those that bootstrapped or joined it (some may be down now).
    std::set<std::string> all(news.begin(), news.end());
    all.insert(added.begin(), added.end());
    x.members = in_order(f, all);
    if (!added.empty()) {
      x.kind = "grown-with-member-add";
      x.headline = fmt::format("One cluster {}: {} bootstrapped it and {} joined one at a time with `member add` + state "
                               "existing",
                               id(c), and_list(in_order(f, news)), and_list(added));
    } else {
      x.kind = "one-cluster";
      // Through discovery every member found its initial cluster in the same place.
      std::set<std::string> vias;
      for (const auto& n : news) vias.insert(f.via.count(n) ? f.via.at(n) : "");
      if (vias.size() == 1 && !vias.begin()->empty()) {
        // The peer URLs they found (an SRV bootstrap names the other members "0", "1", ...
        // until they publish, so the names differ from member to member; the URLs do not).
        std::vector<std::string> urls;
        for (const auto& kv : split_list(first_value, ','))
          urls.push_back(kv.substr(kv.find('=') == std::string::npos ? 0 : kv.find('=') + 1));
        std::sort(urls.begin(), urls.end());
        x.headline = fmt::format("One cluster {}: {} bootstrapped it from {}, which gave each the same peer URLs {}",
                                 id(c), and_list(in_order(f, news)), *vias.begin(), fmt::join(urls, ","));
      } else {
        x.headline = fmt::format("One cluster {}: {} bootstrapped it from the same --initial-cluster={}", id(c),
                                 and_list(in_order(f, news)), first_value);
      }
    }
    if (f.first_leader >= 0 && first_at >= 0 && f.first_leader - first_at > 1'500'000'000) {
      std::vector<std::string> early;
      for (const Boot* b : boots)
        if (b->kind == "new" && b->at < f.first_leader - 1'000'000'000) early.push_back(b->who);
      x.because.push_back(fmt::format("{} waited without a leader from {} to {}: a member of a new cluster waits until a "
                                      "quorum of the initial cluster has started — expected, not a failure",
                                      and_list(in_order(f, {early.begin(), early.end()})), secs(first_at),
                                      secs(f.first_leader)));
    }
    x.check = fmt::format("raftlab status {} --at <T> (one IS LEADER true)", file);
    out.push_back(x);
  }
}

}  // namespace

std::string and_list(const std::vector<std::string>& v) {
  if (v.empty()) return "none";
  if (v.size() == 1) return v[0];
  return fmt::format("{} and {}", fmt::join(v.begin(), v.end() - 1, ", "), v.back());
}

std::string seconds_text(std::int64_t ns) {
  const std::int64_t ms = (ns + 500'000) / 1'000'000;
  std::string frac = fmt::format("{:03}", ms % 1000);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return fmt::format("{}{}{}s", ms / 1000, frac.empty() ? "" : ".", frac);
}

RootCause root_cause(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r,
                     const std::string& scenario_file) {
  const Facts f = gather(events, r);
  RootCause rc;
  std::vector<Finding> problems;
  split_findings(f, scenario_file, problems);
  membership_findings(f, r, scenario_file, problems);
  // An instance's host going away is the cloud layer's story (terminations, failures),
  // told by cloud_findings; the two-host story of a host holding a majority is not it.
  if (is_cloud_run(events)) {
    cloud_findings(events, r, scenario_file, problems);
    gateway_findings(events, r, scenario_file, problems);
    cloud_adjust_split_fix(events, scenario_file, problems);
  } else {
    host_findings(f, r, scenario_file, problems);
  }
  auth_findings(events, scenario_file, problems);
  // The data dir winning is why a corrected configuration did not help: it comes first.
  std::stable_sort(problems.begin(), problems.end(), [](const Finding& a, const Finding& b) {
    auto rank = [](const Finding& x) {
      if (x.kind == "wal-wins") return 0;
      if (x.kind == "empty-initial-cluster" || x.kind == "different-initial-cluster" || x.kind == "new-into-running") return 1;
      // Refused requests explain the run's errors, after what split or broke the cluster.
      if (x.kind == "auth-refused") return 3;
      return x.kind == "host-loss-survived" || x.kind == "route-reached-every-gateway" ? 4 : 2;
    };
    return rank(a) != rank(b) ? rank(a) < rank(b) : a.at_ns < b.at_ns;
  });
  for (const auto& p : problems)
    rc.problem = rc.problem || (p.kind != "host-loss-survived" && p.kind != "route-reached-every-gateway");
  rc.findings = problems;
  std::vector<Finding> healthy;
  healthy_findings(f, scenario_file, healthy);
  // The healthy story: first when nothing is wrong; after the problems when the run ends
  // with one cluster (how it ended); left out when several clusters are left.
  // A --force-new-cluster recovery is how the run got to its end: before the healthy story.
  std::vector<Finding> recovery;
  recovery_findings(events, r, scenario_file, recovery);
  if (!rc.problem) {
    rc.findings.insert(rc.findings.begin(), healthy.begin(), healthy.end());
    rc.findings.insert(rc.findings.begin(), recovery.begin(), recovery.end());
  } else {
    rc.findings.insert(rc.findings.end(), recovery.begin(), recovery.end());
    if (healthy.size() == 1) rc.findings.push_back(healthy[0]);
  }
  return rc;
}

std::string root_cause_text(const RootCause& rc) {
  std::string o = "\nRoot cause:\n";
  for (size_t i = 0; i < rc.findings.size(); ++i) {
    const auto& x = rc.findings[i];
    o += fmt::format("  {} {}\n", i == 0 ? "*" : "-", x.headline);
    for (const auto& b : x.because) o += "      " + b + "\n";
    if (!x.fix.empty()) o += "    fix:   " + x.fix + "\n";
    if (!x.check.empty() && (i == 0 || !x.fix.empty())) o += "    check: " + x.check + "\n";
  }
  return o;
}

nlohmann::ordered_json root_cause_json(const RootCause& rc) {
  nlohmann::ordered_json j;
  j["problem"] = rc.problem;
  j["findings"] = nlohmann::ordered_json::array();
  for (const auto& x : rc.findings) {
    nlohmann::ordered_json f;
    f["kind"] = x.kind;
    f["at"] = secs(x.at_ns);
    f["members"] = x.members;
    f["headline"] = x.headline;
    f["because"] = x.because;
    f["fix"] = x.fix;
    f["check"] = x.check;
    j["findings"].push_back(f);
  }
  return j;
}

}  // namespace raftlab::tools::report
