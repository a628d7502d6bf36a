#include "sim/lab/shrink.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/nemesis/nemesis.h"
#include "sim/scenario/duration.h"

namespace raftlab::lab {

std::vector<std::size_t> ddmin(std::size_t n, const std::function<bool(const std::vector<std::size_t>&)>& fails,
                               const std::function<bool()>& budget) {
  std::vector<std::size_t> cur(n);
  for (std::size_t i = 0; i < n; ++i) cur[i] = i;
  if (n == 0) return cur;
  if (budget() && fails({})) return {};
  std::size_t parts = 2;
  while (cur.size() >= 2 && budget()) {
    parts = std::min(parts, cur.size());
    const std::size_t len = cur.size();
    auto chunk = [&](std::size_t k) {
      const std::size_t b = len * k / parts, e = len * (k + 1) / parts;
      return std::vector<std::size_t>(cur.begin() + static_cast<std::ptrdiff_t>(b), cur.begin() + static_cast<std::ptrdiff_t>(e));
    };
    bool reduced = false;
    for (std::size_t k = 0; k < parts && budget(); ++k) {  // reduce to a subset
      auto c = chunk(k);
      if (fails(c)) {
        cur = std::move(c);
        parts = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && parts > 2) {
      for (std::size_t k = 0; k < parts && budget(); ++k) {  // reduce to a complement
        const std::size_t b = len * k / parts, e = len * (k + 1) / parts;
        std::vector<std::size_t> comp;
        for (std::size_t i = 0; i < len; ++i)
          if (i < b || i >= e) comp.push_back(cur[i]);
        if (fails(comp)) {
          cur = std::move(comp);
          parts = std::max<std::size_t>(parts - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (parts >= cur.size()) break;  // 1-minimal
      parts = std::min(cur.size(), parts * 2);
    }
  }
  if (cur.size() == 1 && budget() && fails({})) return {};
  return cur;
}

namespace {

template <class T>
std::vector<T> pick(const std::vector<T>& v, const std::vector<std::size_t>& idx) {
  std::vector<T> out;
  out.reserve(idx.size());
  for (std::size_t i : idx) out.push_back(v[i]);
  return out;
}

std::string fault_text(const scenario::Fault& f) {
  return fmt::format("{} at {}", nemesis::describe(f), time_text((f.at_ns)));
}

// Client operations a run issued (ClientCall events of the workload's clients, peer >= 1)
// plus the expectation probes.
std::size_t client_ops(const scenario::Scenario& s, const SeedResult& r) {
  return static_cast<std::size_t>(r.client_calls) + s.expect.size();
}

std::int64_t max_ops_per_client(const SeedResult& r) { return static_cast<std::int64_t>(r.max_client_calls); }

std::int64_t last_action_ns(const scenario::Scenario& s) {
  std::int64_t t = 0;
  for (const auto& f : s.faults) t = std::max(t, nemesis::fault_end_ns(f));
  if (s.clients) t = std::max(t, s.clients->end_ns);
  for (const auto& e : s.timeline) t = std::max(t, e.at_ns);
  for (const auto& e : s.expect) t = std::max(t, e.at_ns);
  return t;
}

std::string action_text(const scenario::TimelineEntry& e) {
  const std::string at = time_text((e.at_ns));
  return std::visit(
      [&](const auto& a) -> std::string {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, scenario::ProcessAction>) {
          static const char* kOps[] = {"start", "stop", "kill", "restart"};
          return fmt::format("{} {} at {}", kOps[static_cast<int>(a.op)], fmt::join(a.members, ","), at);
        } else if constexpr (std::is_same_v<A, scenario::HostAction>) {
          return fmt::format("{} {} at {}", a.op == scenario::HostOp::kKill ? "kill_host" : "restore_host", a.host, at);
        } else if constexpr (std::is_same_v<A, scenario::RunAction>) {
          return fmt::format("run {} at {}", a.member, at);
        } else if constexpr (std::is_same_v<A, scenario::ShellAction>) {
          return fmt::format("shell on {} at {}", a.host, at);
        } else if constexpr (std::is_same_v<A, scenario::EtcdctlAction>) {
          return fmt::format("etcdctl {} at {}", a.command, at);
        } else if constexpr (std::is_same_v<A, scenario::PartitionAction>) {
          return fmt::format("partition at {}", at);
        } else if constexpr (std::is_same_v<A, scenario::HealAction>) {
          return fmt::format("heal at {}", at);
        } else if constexpr (std::is_same_v<A, scenario::ExtAction>) {
          return fmt::format("{} at {}", a.key, at);
        } else {
          return fmt::format("note at {}", at);
        }
      },
      e.action);
}

}  // namespace

bool shrink(const std::shared_ptr<const scenario::Scenario>& s, const ShrinkOptions& o, ShrinkReport* rep,
            std::string* error) {
  ShrinkReport& r = *rep;
  r.first_result = run_one_isolated(s, o.seed, o.settings);
  r.runs = 1;
  if (!r.first_result.error.empty()) {
    *error = r.first_result.error;
    return false;
  }
  if (r.first_result.ok) {
    *error = fmt::format("seed {} does not fail any checker — nothing to shrink (replay it to see)", o.seed);
    return false;
  }
  // Default: the checker of the first violation (checkers report in a fixed order, the
  // Raft safety properties first).
  r.checker = o.checker.empty() ? r.first_result.violations.front().checker : o.checker;
  if (std::find(r.first_result.checkers.begin(), r.first_result.checkers.end(), r.checker) == r.first_result.checkers.end()) {
    *error = fmt::format("seed {} does not fail checker \"{}\" (it fails: {}) — pass one of those to --checker", o.seed,
                         r.checker, fmt::join(r.first_result.checkers, ", "));
    return false;
  }
  auto budget = [&] { return r.runs < o.max_runs; };
  SeedResult last = r.first_result;
  // A candidate that passes is not hashed (nobody reads its hash; failing ones still are).
  RunSettings candidate_settings = o.settings;
  candidate_settings.hash_every_seed = false;
  auto fails = [&](const scenario::Scenario& cand) {
    ++r.runs;
    auto sp = std::make_shared<const scenario::Scenario>(cand);
    SeedResult res = run_one_isolated(sp, o.seed, candidate_settings);
    const bool f = res.error.empty() &&
                   std::find(res.checkers.begin(), res.checkers.end(), r.checker) != res.checkers.end();
    if (f) last = std::move(res);
    if (o.on_run) o.on_run(r.runs, o.max_runs, cand.faults.size(), cand.timeline.size());
    return f;
  };
  scenario::Scenario cur = *s;
  r.timeline_before = cur.timeline.size();
  r.duration_before = cur.duration_ns;
  r.clients_before = client_ops(cur, r.first_result);
  r.faults_before = cur.faults.size();

  // One ddmin phase over a list field of the scenario: keeps the smallest sublist that
  // still fails; records what it removed (`text` names an element; null: only counts).
  auto shrink_list = [&](auto member, const char* step, const char* unit, auto text) {
    const auto all = cur.*member;
    auto keep = ddmin(
        all.size(),
        [&](const std::vector<std::size_t>& idx) {
          scenario::Scenario c = cur;
          c.*member = pick(all, idx);
          return fails(c);
        },
        budget);
    if (keep.size() >= all.size()) return;
    std::vector<std::string> gone;
    for (std::size_t i = 0, k = 0; i < all.size(); ++i) {
      if (k < keep.size() && keep[k] == i) { ++k; continue; }
      if constexpr (!std::is_same_v<decltype(text), std::nullptr_t>) gone.push_back(text(all[i]));
    }
    cur.*member = pick(all, keep);
    std::string detail = fmt::format("{} of {}{}", all.size() - keep.size(), all.size(), unit);
    if (!gone.empty()) detail += fmt::format(": {}", fmt::join(gone, "; "));
    r.steps.push_back({step, detail});
  };

  // Phase: the explicit fault schedule.
  shrink_list(&scenario::Scenario::faults, "faults", "", [](const auto& f) { return fault_text(f); });
  // Phase: shorter faults (each duration halved while it still fails, down to 10 ms).
  for (std::size_t i = 0; i < cur.faults.size() && budget(); ++i) {
    const std::int64_t before = cur.faults[i].duration_ns;
    while (cur.faults[i].duration_ns >= 20'000'000 && budget()) {
      scenario::Scenario c = cur;
      c.faults[i].duration_ns /= 2;
      if (!fails(c)) break;
      cur = std::move(c);
    }
    if (cur.faults[i].duration_ns < before)
      r.steps.push_back({"durations", fmt::format("{}: {} -> {}", fault_text(cur.faults[i]), time_text((before)),
                                                   time_text((cur.faults[i].duration_ns)))});
  }
  // Phase: fewer clients, fewer operations each, a shorter client window.
  if (cur.clients && cur.clients->count > 0) {
    const auto before = *cur.clients;
    auto try_clients = [&](auto edit) {
      scenario::Scenario c = cur;
      edit(*c.clients);
      if (!fails(c)) return false;
      cur = std::move(c);
      return true;
    };
    // Fewest clients (binary search on count).
    std::int64_t lo = 0, hi = cur.clients->count;  // hi fails
    while (hi - lo > 1 && budget()) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (try_clients([&](scenario::ClientWorkload& w) { w.count = mid; })) hi = mid; else lo = mid;
    }
    if (hi < before.count && cur.clients->count != hi) try_clients([&](scenario::ClientWorkload& w) { w.count = hi; });
    // Fewest operations per client: from what each issued at most (trace), down.
    std::int64_t ops_hi = cur.clients->max_ops > 0 ? cur.clients->max_ops : max_ops_per_client(last);
    if (ops_hi > 0 && (cur.clients->max_ops == 0 ? try_clients([&](scenario::ClientWorkload& w) { w.max_ops = ops_hi; }) : true)) {
      std::int64_t olo = 0;
      while (ops_hi - olo > 1 && budget()) {
        const std::int64_t mid = olo + (ops_hi - olo) / 2;
        if (try_clients([&](scenario::ClientWorkload& w) { w.max_ops = mid; })) ops_hi = mid; else olo = mid;
      }
      if (cur.clients->max_ops != ops_hi) try_clients([&](scenario::ClientWorkload& w) { w.max_ops = ops_hi; });
    }
    // The window's end as early as it can be (100 ms steps).
    std::int64_t elo = cur.clients->start_ns, ehi = cur.clients->end_ns;
    while (ehi - elo > 100'000'000 && budget()) {
      const std::int64_t mid = elo + (ehi - elo) / 2;
      if (try_clients([&](scenario::ClientWorkload& w) { w.end_ns = mid; })) ehi = mid; else elo = mid;
    }
    const auto& now = *cur.clients;
    if (now.count != before.count || now.max_ops != before.max_ops || now.end_ns != before.end_ns)
      r.steps.push_back({"clients", fmt::format("clients {} -> {}, operations per client {} -> {}, window end {} -> {}",
                                                 before.count, now.count, before.max_ops ? std::to_string(before.max_ops) : "unlimited",
                                                 now.max_ops ? std::to_string(now.max_ops) : "unlimited",
                                                 time_text((before.end_ns)),
                                                 time_text((now.end_ns)))});
  }

  // Phase: timeline actions.
  shrink_list(&scenario::Scenario::timeline, "timeline", " actions", [](const auto& t) { return action_text(t); });
  // Phase: expectation probes (client puts/gets the scenario makes).
  shrink_list(&scenario::Scenario::expect, "probes", " expectation probes", nullptr);
  // Phase: run length (binary search down to 100 ms).
  {
    std::int64_t lo = last_action_ns(cur), hi = cur.duration_ns;
    const std::int64_t before = hi;
    while (hi - lo > 100'000'000 && budget()) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      scenario::Scenario c = cur;
      c.duration_ns = mid;
      if (fails(c)) hi = mid; else lo = mid;
    }
    if (hi < before) {
      cur.duration_ns = hi;
      r.steps.push_back({"run length", fmt::format("{} -> {}", time_text((before)),
                                                    time_text((hi)))});
    }
  }
  // The final candidate, run once more so the recorded hash is exactly its own.
  r.minimal = std::make_shared<const scenario::Scenario>(cur);
  r.final_result = run_one_isolated(r.minimal, o.seed, o.settings);
  ++r.runs;
  r.budget_exhausted = !budget();
  r.timeline_after = cur.timeline.size();
  r.duration_after = cur.duration_ns;
  r.clients_after = client_ops(cur, r.final_result);
  r.faults_after = cur.faults.size();
  return true;
}

std::string shrink_text(const ShrinkReport& r) {
  std::string o = fmt::format("shrinking for checker {} ({} runs{})\n", r.checker, r.runs,
                              r.budget_exhausted ? ", run budget exhausted: the result is smaller but may not be minimal" : "");
  if (r.steps.empty()) o += "  nothing could be removed: the input is already minimal\n";
  for (const auto& s : r.steps) o += fmt::format("  removed ({}): {}\n", s.phase, s.removed);
  o += fmt::format("faults {} -> {}, timeline actions {} -> {}, {}run length {} -> {}\n", r.faults_before, r.faults_after,
                   r.timeline_before, r.timeline_after,
                   r.checker == "crash" ? "" : fmt::format("client operations {} -> {}, ", r.clients_before, r.clients_after),
                   time_text((r.duration_before)), time_text((r.duration_after)));
  o += verdict_text(r.final_result);
  return o;
}

}  // namespace raftlab::lab
