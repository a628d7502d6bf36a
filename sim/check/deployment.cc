// sim/check/deployment.cc — the deployment-level checkers: what the operator meant, read
// from the trace. `single_cluster`: members configured as one cluster (one
// --initial-cluster-token, one intended member set) formed one cluster ID; `expectations`:
// the scenario's own expectations (the `expect` events the run appended) held.
//
// Must never: look at the World, etcd members or the scenario — only the trace (the
// `bootstrap` events' `b` carries the token and whether --initial-cluster was given,
// docs/trace-format.md).
#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sim/check/checker.h"
#include "sim/check/lab.h"

namespace raftlab::check {

namespace {

constexpr std::string_view kDefaultToken = "etcd-cluster";  // etcd's --initial-cluster-token default

// What single_cluster reads of one `bootstrap` event (copied: the event may be gone).
struct BootEvent {
  std::string who;
  std::uint64_t member_id = 0, cluster_id = 0;
  std::int64_t at_ns = 0;
};

struct Boot {
  BootEvent ev;
  std::string token;
  bool implicit = false;               // no --initial-cluster: etcd's one-member default
  std::set<std::string> urls;          // peer URLs of the membership it starts from
};

// "token=etcd-cluster-1 initial-cluster=default" -> token, implicit. A bootstrap recorded
// without `b` (a trace written before the field existed) has no token: not judged.
bool parse_boot(const sim::TraceEvent& e, Boot* out) {
  std::string_view b = e.b;
  if (b.rfind("token=", 0) != 0) return false;
  b.remove_prefix(6);
  const std::size_t sp = b.find(' ');
  out->token = std::string(b.substr(0, sp));
  out->implicit = sp != std::string_view::npos && b.substr(sp + 1) == "initial-cluster=default";
  std::string_view c = e.c;
  while (!c.empty()) {
    const std::size_t comma = c.find(',');
    std::string_view item = c.substr(0, comma);
    if (const std::size_t eq = item.find('='); eq != std::string_view::npos) out->urls.emplace(item.substr(eq + 1));
    if (comma == std::string_view::npos) break;
    c.remove_prefix(comma + 1);
  }
  out->ev = BootEvent{e.who, e.member_id, e.cluster_id, e.at.ns};
  return true;
}

std::size_t find_root(std::vector<std::size_t>& p, std::size_t i) {
  while (p[i] != i) i = p[i] = p[p[i]];
  return i;
}

}  // namespace

namespace {

class SingleCluster final : public detail::Checker {
 public:
  void on(const sim::TraceEvent& e) override {
    Boot b;
    if (e.kind == sim::Ev::Bootstrap && e.cluster_id != 0 && parse_boot(e, &b)) boots_.push_back(std::move(b));
  }
  std::vector<Violation> finish(CheckerStats* stats) override;

 private:
  std::vector<Boot> boots_;
};

std::vector<Violation> SingleCluster::finish(CheckerStats* stats) {
  CheckerStats local;
  CheckerStats& st = stats ? *stats : local;
  st.name = "single_cluster";
  std::vector<Boot>& boots = boots_;
  // Which bootstraps were meant to be one cluster: the same token — a token someone chose
  // names one cluster (that is what etcd's --initial-cluster-token is for) — or, under
  // etcd's default token "etcd-cluster" (which nobody chose, so it says nothing), the
  // same member (ID: its WAL) or memberships that name a peer URL in common. Two disjoint
  // member sets under the default token are two clusters: not a split.
  std::vector<std::size_t> parent(boots.size());
  std::iota(parent.begin(), parent.end(), std::size_t{0});
  for (std::size_t i = 0; i < boots.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      const Boot& x = boots[i];
      const Boot& y = boots[j];
      if (x.token != y.token) continue;
      bool linked = x.token != kDefaultToken || x.ev.member_id == y.ev.member_id;
      for (auto it = x.urls.begin(); !linked && it != x.urls.end(); ++it) linked = y.urls.count(*it) != 0;
      if (linked) parent[find_root(parent, i)] = find_root(parent, j);
    }
  std::map<std::size_t, std::vector<std::size_t>> groups;  // root -> bootstraps in trace order
  for (std::size_t i = 0; i < boots.size(); ++i) groups[find_root(parent, i)].push_back(i);
  std::vector<Violation> out;
  for (const auto& [root, members] : groups) {
    (void)root;
    ++st.checked;
    // Cluster IDs in the order they first appear, each with its first members.
    std::vector<std::pair<std::uint64_t, std::vector<std::string>>> ids;
    std::int64_t second_at = 0;
    bool any_implicit = false;
    std::set<std::string> who;
    for (std::size_t i : members) {
      const BootEvent& e = boots[i].ev;
      any_implicit = any_implicit || boots[i].implicit;
      who.insert(e.who);
      auto it = std::find_if(ids.begin(), ids.end(), [&](const auto& p) { return p.first == e.cluster_id; });
      if (it == ids.end()) {
        ids.push_back({e.cluster_id, {e.who}});
        if (ids.size() == 2) second_at = e.at_ns;
      } else if (std::find(it->second.begin(), it->second.end(), e.who) == it->second.end()) {
        it->second.push_back(e.who);
      }
    }
    if (ids.size() < 2) continue;
    Violation v;
    v.checker = "single_cluster";
    v.at_ns = second_at;
    v.cluster_id = ids[1].first;
    std::vector<std::string> parts;
    for (const auto& [id, names] : ids) {
      parts.push_back(fmt::format("{} ({})", sim::hex_id(id), fmt::join(names, ",")));
      for (const auto& n : names)
        if (std::find(v.members.begin(), v.members.end(), n) == v.members.end()) v.members.push_back(n);
    }
    v.evidence = fmt::format("{} clusters formed from one intended cluster token {}: {}", ids.size(),
                             boots[members.front()].token, fmt::join(parts, ", "));
    if (any_implicit)
      v.evidence += "; without --initial-cluster etcd bootstraps each member as a one-member cluster of itself";
    v.evidence += " (members sharing --initial-cluster-token and an intended member set must form one cluster)";
    out.push_back(std::move(v));
  }
  st.violations = out.size();
  if (boots.empty()) st.note = "no bootstrap recorded its token";
  return out;
}

class Expectations final : public detail::Checker {
 public:
  void on(const sim::TraceEvent& e) override {
    if (e.kind != sim::Ev::Expect) return;
    ++checked_;
    if (e.c == "pass") return;
    // The `expect` event: who = the expectation's JSON path ("$.expect[1]"; a trace
    // written before it carried one has only the verdict's number), a = "what =
    // expected", b = what the run saw.
    Violation v;
    v.checker = "expectations";
    v.at_ns = e.at.ns;
    const std::string which = e.who.empty() ? fmt::format("verdict {}", e.index + 1) : e.who;
    v.evidence = fmt::format("{} at {} failed: expected {}, the run saw {}", which, at_text(e.at.ns), e.a, e.b);
    out_.push_back(std::move(v));
  }
  std::vector<Violation> finish(CheckerStats* stats) override {
    CheckerStats local;
    CheckerStats& st = stats ? *stats : local;
    st.name = "expectations";
    st.checked = checked_;
    st.violations = out_.size();
    if (st.checked == 0) st.note = "the scenario has no expectations";
    return std::move(out_);
  }

 private:
  std::vector<Violation> out_;
  std::uint64_t checked_ = 0;
};

}  // namespace

std::unique_ptr<detail::Checker> detail::make_single_cluster() { return std::make_unique<SingleCluster>(); }
std::unique_ptr<detail::Checker> detail::make_expectations() { return std::make_unique<Expectations>(); }

std::vector<Violation> check_single_cluster(const std::vector<sim::TraceEvent>& events, CheckerStats* stats) {
  SingleCluster c;
  return detail::run(c, events, stats);
}

std::vector<Violation> check_expectations(const std::vector<sim::TraceEvent>& events, CheckerStats* stats) {
  Expectations c;
  return detail::run(c, events, stats);
}

}  // namespace raftlab::check
