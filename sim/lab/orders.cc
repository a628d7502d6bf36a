#include "sim/lab/orders.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "sim/check/trace_checks.h"
#include "sim/deploy.h"
#include "sim/scenario/duration.h"

namespace raftlab::lab {

const char* gap_name(GapClass g) {
  switch (g) {
    case GapClass::kTogether: return "together";
    case GapClass::kWithin: return "within";
    case GapClass::kBeyond: return "beyond";
    case GapClass::kMissing: return "missing";
  }
  return "?";
}

namespace {

const scenario::ProcessAction* as_start(const scenario::TimelineEntry& t) {
  const auto* p = std::get_if<scenario::ProcessAction>(&t.action);
  return p && p->op == scenario::ProcessOp::kStart ? p : nullptr;
}

std::string secs(std::int64_t ns) {
  if (ns < 0) return "-";
  return fmt::format("{}.{:03}s", ns / 1'000'000'000, (ns / 1'000'000) % 1000);
}

}  // namespace

std::vector<std::string> started_members(const scenario::Scenario& s, std::int64_t* t0_ns) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::int64_t t0 = -1;
  for (const auto& t : s.timeline) {
    const auto* p = as_start(t);
    if (!p) continue;
    for (const auto& m : p->members)
      if (seen.insert(m).second) {
        out.push_back(m);
        if (t0 < 0) t0 = t.at_ns;
      }
  }
  // Members in file order (the order the user declared them).
  std::vector<std::string> ordered;
  for (const auto& m : s.members)
    if (seen.count(m.name)) ordered.push_back(m.name);
  if (t0_ns) *t0_ns = t0 < 0 ? 0 : t0;
  return ordered;
}

scenario::Scenario with_start_order(const scenario::Scenario& s, const std::vector<std::string>& order, GapClass gap,
                                    const OrdersOptions& o) {
  std::int64_t t0 = 0;
  const std::vector<std::string> members = started_members(s, &t0);
  scenario::Scenario out = s;
  out.expect.clear();
  out.timeline.clear();
  std::set<std::string> replaced(members.begin(), members.end());
  std::set<std::string> first_done;
  size_t first_start_index = 0;
  bool have_first = false;
  for (const auto& t : s.timeline) {
    const auto* p = as_start(t);
    if (!p) {
      out.timeline.push_back(t);
      continue;
    }
    scenario::TimelineEntry e = t;
    auto& pa = std::get<scenario::ProcessAction>(e.action);
    pa.members.clear();
    for (const auto& m : p->members) {
      if (replaced.count(m) && first_done.insert(m).second) {
        if (!have_first) first_start_index = t.file_index, have_first = true;
        continue;  // this member's first start: replaced below
      }
      pa.members.push_back(m);
    }
    if (!pa.members.empty()) out.timeline.push_back(std::move(e));
  }
  const std::int64_t step = gap == GapClass::kWithin ? o.election_timeout_ns / 2
                            : gap == GapClass::kBeyond ? 2 * o.election_timeout_ns
                                                       : 0;
  const size_t n = gap == GapClass::kMissing && !order.empty() ? order.size() - 1 : order.size();
  std::int64_t last = t0;
  if (step == 0) {
    scenario::TimelineEntry e;
    e.at_ns = t0;
    e.action = scenario::ProcessAction{scenario::ProcessOp::kStart, std::vector<std::string>(order.begin(), order.begin() + n)};
    e.file_index = first_start_index;
    e.path = "$.timeline (orders)";
    if (n > 0) out.timeline.push_back(std::move(e));
  } else {
    for (size_t k = 0; k < n; ++k) {
      scenario::TimelineEntry e;
      e.at_ns = t0 + static_cast<std::int64_t>(k) * step;
      e.action = scenario::ProcessAction{scenario::ProcessOp::kStart, {order[k]}};
      e.file_index = first_start_index;
      e.path = "$.timeline (orders)";
      last = e.at_ns;
      out.timeline.push_back(std::move(e));
    }
  }
  // Sorted by time; ties keep the file order, the rewritten starts where the first was.
  std::stable_sort(out.timeline.begin(), out.timeline.end(), [](const auto& a, const auto& b) {
    if (a.at_ns != b.at_ns) return a.at_ns < b.at_ns;
    return a.file_index < b.file_index;
  });
  out.duration_ns = std::max(out.duration_ns, last + o.settle_ns);
  return out;
}

std::optional<OrdersReport> run_orders(const scenario::Scenario& s, const OrdersOptions& o, std::string* error) {
  OrdersReport rep;
  rep.scenario = s.name;
  rep.members = started_members(s, &rep.t0_ns);
  rep.election_timeout_ns = o.election_timeout_ns;
  if (rep.members.empty()) {
    *error = "the scenario's timeline starts no member — orders rewrites the `start` entries; add {\"at\": \"0s\", \"start\": [...]}";
    return std::nullopt;
  }
  if (rep.members.size() > 8) {
    *error = fmt::format("{} members start: {}! orders is too many (at most 8 members)", rep.members.size(), rep.members.size());
    return std::nullopt;
  }
  // Every (class, order) pair, orders as permutations of the file order.
  struct Job {
    GapClass gap;
    std::vector<std::string> order;
  };
  std::vector<Job> jobs;
  for (GapClass g : o.classes) {
    std::vector<size_t> idx(rep.members.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    do {
      Job j{g, {}};
      for (size_t i : idx) j.order.push_back(rep.members[i]);
      jobs.push_back(std::move(j));
    } while (std::next_permutation(idx.begin(), idx.end()));
  }
  rep.runs.resize(jobs.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    auto cache = std::make_shared<sim::SpecCache>();
    for (size_t i = next++; i < jobs.size(); i = next++) {
      OrderOutcome& out = rep.runs[i];
      out.gap = jobs[i].gap;
      out.order = jobs[i].order;
      auto sc = std::make_shared<const scenario::Scenario>(with_start_order(s, jobs[i].order, jobs[i].gap, o));
      sim::RunOptions ro;
      ro.cache = cache;
      std::vector<scenario::LoadError> errs;
      try {
        auto d = sim::Deployment::build(sc, ro, &errs);
        if (!d) {
          out.error = errs.empty() ? "could not build" : scenario::format(errs.front());
          continue;
        }
        const sim::RunResult r = d->run();
        out.clusters = r.clusters.size();
        out.quorum = !r.clusters.empty();
        for (const auto& c : r.clusters) {
          out.leaders += c.leaders.size();
          out.quorum = out.quorum && c.quorum;
        }
        const auto& ev = d->world().trace().events();
        for (const auto& fl : check::first_leaders(ev))
          if (out.first_leader_ns < 0 || fl.at_ns - rep.t0_ns < out.first_leader_ns) out.first_leader_ns = fl.at_ns - rep.t0_ns;
        out.cluster_ids_seen = check::clusters_seen(ev).size();
      } catch (const std::exception& e) {
        out.error = std::string("internal error: ") + e.what();
      }
    }
  };
  std::vector<std::thread> pool;
  const unsigned nj = std::max(1u, std::min<unsigned>(o.jobs, static_cast<unsigned>(jobs.size())));
  for (unsigned j = 0; j < nj; ++j) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  for (const auto& r : rep.runs)
    if (!r.error.empty()) {
      *error = r.error;
      return std::nullopt;
    }
  // Group identical outcomes within each class.
  std::map<std::tuple<int, size_t, size_t, bool, size_t>, size_t> where;
  for (size_t i = 0; i < rep.runs.size(); ++i) {
    const auto& r = rep.runs[i];
    const auto key = std::make_tuple(static_cast<int>(r.gap), r.clusters, r.leaders, r.quorum, r.cluster_ids_seen);
    auto it = where.find(key);
    if (it == where.end()) {
      it = where.emplace(key, rep.groups.size()).first;
      OrderGroup g;
      g.gap = r.gap;
      g.clusters = r.clusters;
      g.leaders = r.leaders;
      g.quorum = r.quorum;
      g.cluster_ids_seen = r.cluster_ids_seen;
      rep.groups.push_back(g);
    }
    OrderGroup& g = rep.groups[it->second];
    g.runs.push_back(i);
    if (r.first_leader_ns < 0) {
      ++g.never_led;
    } else {
      if (g.first_leader_min < 0 || r.first_leader_ns < g.first_leader_min) g.first_leader_min = r.first_leader_ns;
      g.first_leader_max = std::max(g.first_leader_max, r.first_leader_ns);
    }
  }
  return rep;
}

namespace {

std::string order_text(const OrderOutcome& r) {
  std::string s = fmt::format("{}", fmt::join(r.order, ","));
  if (r.gap == GapClass::kMissing) s = fmt::format("{} (never: {})", fmt::join(r.order.begin(), r.order.end() - 1, ","), r.order.back());
  return s;
}

// What the orders of a group have in common, for a short description of large groups.
std::size_t class_size(const OrdersReport& rep, GapClass gap) {
  std::size_t n = 0;
  for (const auto& r : rep.runs) n += r.gap == gap ? 1 : 0;
  return n;
}

std::string common_pattern(const OrdersReport& rep, const OrderGroup& g) {
  if (g.runs.size() == 1) return order_text(rep.runs[g.runs.front()]);
  if (g.runs.size() == class_size(rep, g.gap)) return "every order";
  const auto& first = rep.runs[g.runs.front()];
  if (first.gap == GapClass::kMissing) {
    std::set<std::string> missing;
    for (size_t i : g.runs) missing.insert(rep.runs[i].order.back());
    return fmt::format("never started: {}", fmt::join(missing, " | "));
  }
  std::set<std::string> firsts;
  for (size_t i : g.runs) firsts.insert(rep.runs[i].order.front());
  std::set<std::string> lasts;
  for (size_t i : g.runs) lasts.insert(rep.runs[i].order.back());
  return fmt::format("first: {}; last: {}", fmt::join(firsts, " | "), fmt::join(lasts, " | "));
}

}  // namespace

std::string orders_table(const OrdersReport& rep) {
  std::string o;
  const size_t per_class = rep.runs.empty() ? 0 : [&] {
    size_t n = 0;
    for (const auto& r : rep.runs) n += r.gap == rep.runs.front().gap ? 1 : 0;
    return n;
  }();
  o += fmt::format("scenario {}: {} members started ({}), {} orders × {} gap classes = {} runs\n", rep.scenario,
                   rep.members.size(), fmt::join(rep.members, ", "), per_class,
                   per_class ? rep.runs.size() / per_class : 0, rep.runs.size());
  o += fmt::format("starts from T0={}; election timeout E={}: together = all at T0; within = {} apart; beyond = {} apart; "
                   "missing = the order's last member never starts\n"
                   "CLUSTERS/LEADERS/QUORUM at the end of the run; SEEN = cluster IDs bootstrapped during the run "
                   "(SPLIT when more than one); FIRST LEADER after T0\n\n",
                   secs(rep.t0_ns), secs(rep.election_timeout_ns), secs(rep.election_timeout_ns / 2),
                   secs(2 * rep.election_timeout_ns));
  o += fmt::format("{:<9} {:>6}  {:>8} {:>7} {:>6} {:>4} {:>5}  {:<17}  {}\n", "GAP", "ORDERS", "CLUSTERS", "LEADERS",
                   "QUORUM", "SEEN", "SPLIT", "FIRST LEADER", "WHICH ORDERS");
  for (const auto& g : rep.groups) {
    const std::string fl = g.first_leader_min < 0 ? "never"
                           : g.first_leader_min == g.first_leader_max ? secs(g.first_leader_min)
                                                                      : secs(g.first_leader_min) + "–" + secs(g.first_leader_max);
    const bool split = g.clusters > 1 || g.cluster_ids_seen > 1;
    o += fmt::format("{:<9} {:>6}  {:>8} {:>7} {:>6} {:>4} {:>5}  {:<17}  {}\n", gap_name(g.gap), g.runs.size(), g.clusters,
                     g.leaders, g.quorum ? "yes" : "NO", g.cluster_ids_seen, split ? "SPLIT" : "no",
                     fl + (g.never_led && g.first_leader_min >= 0 ? fmt::format(" ({} never)", g.never_led) : ""),
                     common_pattern(rep, g));
  }
  // The splits, spelled out.
  std::vector<const OrderGroup*> splits;
  for (const auto& g : rep.groups)
    if (g.clusters > 1 || g.cluster_ids_seen > 1) splits.push_back(&g);
  if (splits.empty()) {
    o += "\nNo order or gap gives a split: every run ends with at most one cluster.\n";
  } else {
    o += "\nSplits (more than one cluster):\n";
    for (const OrderGroup* g : splits) {
      o += fmt::format("  {} ({} orders, {} clusters):", gap_name(g->gap), g->runs.size(), std::max(g->clusters, g->cluster_ids_seen));
      if (g->runs.size() == class_size(rep, g->gap)) {
        o += " every order\n";
        continue;
      }
      const size_t show = std::min<size_t>(g->runs.size(), 6);
      for (size_t k = 0; k < show; ++k) o += "\n    " + order_text(rep.runs[g->runs[k]]);
      if (g->runs.size() > show) o += fmt::format("\n    ... and {} more", g->runs.size() - show);
      o += "\n";
    }
  }
  return o;
}

nlohmann::ordered_json orders_json(const OrdersReport& rep) {
  nlohmann::ordered_json j;
  j["scenario"] = rep.scenario;
  j["members"] = rep.members;
  j["t0"] = secs(rep.t0_ns);
  j["election_timeout"] = secs(rep.election_timeout_ns);
  auto& gs = j["groups"] = nlohmann::ordered_json::array();
  for (const auto& g : rep.groups) {
    nlohmann::ordered_json x;
    x["gap"] = gap_name(g.gap);
    x["orders"] = g.runs.size();
    x["clusters"] = g.clusters;
    x["leaders"] = g.leaders;
    x["quorum"] = g.quorum;
    x["split"] = g.clusters > 1 || g.cluster_ids_seen > 1;
    x["first_leader_min"] = g.first_leader_min < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(secs(g.first_leader_min));
    x["first_leader_max"] = g.first_leader_max < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(secs(g.first_leader_max));
    x["never_led"] = g.never_led;
    gs.push_back(std::move(x));
  }
  auto& rs = j["runs"] = nlohmann::ordered_json::array();
  for (const auto& r : rep.runs) {
    nlohmann::ordered_json x;
    x["gap"] = gap_name(r.gap);
    x["order"] = r.order;
    x["clusters"] = r.clusters;
    x["leaders"] = r.leaders;
    x["quorum"] = r.quorum;
    x["clusters_seen"] = r.cluster_ids_seen;
    x["first_leader"] = r.first_leader_ns < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(secs(r.first_leader_ns));
    rs.push_back(std::move(x));
  }
  return j;
}

}  // namespace raftlab::lab
