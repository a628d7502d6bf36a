// sim/experiments/quorum_asg.cc — the quorum table's ASG rows (see quorum_asg.h).
#include "sim/experiments/quorum_asg.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "sim/check/lab.h"
#include "sim/deploy.h"
#include "sim/prng.h"

namespace raftlab::experiments {

using sim::Ev;

namespace {
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSec = 1'000'000'000;
constexpr const char* kNlb = "http://etcd-nlb:2379";  // the template's load balancer (scenarios/aws-asg)

double quantile_ms(std::vector<std::int64_t> v, double q) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  i = i == 0 ? 0 : i - 1;
  return static_cast<double>(v[std::min(i, v.size() - 1)]) / 1e6;
}

// Each member's latest role and term from the trace; a process exit clears it.
struct Roles {
  std::map<std::string, std::pair<std::string, std::uint64_t>> role;
  void apply(const sim::TraceEvent& e) {
    if (e.kind == Ev::Role) role[e.who] = {e.a, e.term};
    else if (e.kind == Ev::ProcExit) role.erase(e.who);
  }
  std::pair<std::string, std::uint64_t> leader() const {
    std::string who;
    std::uint64_t term = 0;
    for (const auto& [m, rt] : role)
      if (rt.first == "Leader" && rt.second >= term) who = m, term = rt.second;
    return {who, term};
  }
};
}  // namespace

const char* asg_timing_name(AsgTiming t) {
  return t == AsgTiming::AtOnce ? "at-once" : "during-replacement";
}

std::vector<AsgCase> asg_loss_cases(int group_size) {
  std::vector<AsgCase> out;
  if (group_size <= 3) {
    const std::uint32_t n = static_cast<std::uint32_t>(group_size);
    std::vector<std::uint32_t> masks;
    for (std::uint32_t m = 0; m < (1u << n); ++m) masks.push_back(m);
    std::stable_sort(masks.begin(), masks.end(),
                     [](std::uint32_t a, std::uint32_t b) { return __builtin_popcount(a) < __builtin_popcount(b); });
    for (std::uint32_t m : masks) {
      AsgCase c;
      std::vector<std::string> names;
      for (std::uint32_t i = 0; i < n; ++i)
        if (m & (1u << i)) c.instances.push_back(static_cast<int>(i + 1)), names.push_back(fmt::format("#{}", i + 1));
      c.label = names.empty() ? "none" : fmt::format("{}", fmt::join(names, "+"));
      out.push_back(std::move(c));
    }
    return out;
  }
  for (int k = 0; k <= group_size; ++k) {
    AsgCase c;
    c.sampled_k = k;
    c.label = fmt::format("{} of {} (drawn per seed)", k, group_size);
    out.push_back(std::move(c));
  }
  return out;
}

AsgRun run_asg_case(const std::shared_ptr<const scenario::Scenario>& base, const AsgCase& c, AsgTiming t,
                    std::uint64_t seed, const AsgQuorumOptions& o) {
  AsgRun r;
  r.seed = seed;
  r.lost = c.instances;
  if (c.sampled_k >= 0) {
    sim::Prng p = sim::Prng(seed).derive("quorum/asg/subset");
    std::vector<int> idx;
    for (int i = 1; i <= o.group_size; ++i) idx.push_back(i);
    for (int i = 0; i < c.sampled_k; ++i)
      std::swap(idx[static_cast<std::size_t>(i)],
                idx[static_cast<std::size_t>(i) + p.uniform(idx.size() - static_cast<std::size_t>(i))]);
    r.lost.assign(idx.begin(), idx.begin() + c.sampled_k);
    std::sort(r.lost.begin(), r.lost.end());
  }
  scenario::Scenario s = *base;
  s.expect.clear();
  s.seed = seed;
  std::int64_t tf = o.at_ns;
  for (std::size_t i = 0; i < r.lost.size(); ++i) {
    scenario::TimelineEntry e;
    e.at_ns = (t == AsgTiming::DuringReplacement && i > 0) ? o.at_ns + o.replacement_gap_ns : o.at_ns;
    tf = std::max(tf, e.at_ns);
    e.action = scenario::ExtAction{"ec2", nlohmann::json{{"fail", fmt::format("#{}", r.lost[i])}}};
    e.note = "quorum table: instance #" + std::to_string(r.lost[i]) + " fails";
    e.file_index = 100'000 + i;
    e.path = "$.quorum_asg";
    s.timeline.push_back(std::move(e));
  }
  std::stable_sort(s.timeline.begin(), s.timeline.end(),
                   [](const scenario::TimelineEntry& a, const scenario::TimelineEntry& b) { return a.at_ns < b.at_ns; });
  r.fault_ns = tf;
  s.duration_ns = tf + o.window_ns + o.tail_ns;
  auto sp = std::make_shared<const scenario::Scenario>(std::move(s));
  sim::RunOptions ro;
  ro.seed = seed;
  ro.hash_trace = false;
  ro.extension = o.extension;
  std::vector<scenario::LoadError> errors;
  auto dep = sim::Deployment::build(sp, ro, &errors);
  if (!dep) {
    r.error = errors.empty() ? "the scenario does not build" : scenario::format(errors.front());
    return r;
  }
  sim::World& w = dep->world();
  // Writes through the NLB every 500 ms, client 1; outcomes by issue time.
  std::vector<std::pair<std::int64_t, bool>> writes;
  writes.reserve(2048);
  std::uint64_t n = 0;
  for (std::int64_t at = o.writes_from_ns; at <= sp->duration_ns - 6 * kSec; at += 500 * kMs, ++n) {
    w.loop().at(sim::nanos(at), [&w, &writes, at, n] {
      sim::ClientRequest req;
      req.kind = sim::ClientOpKind::Put;
      req.key = fmt::format("/quorum/asg/{}", n);
      req.value = fmt::format("v{}", n);
      const std::size_t slot = writes.size();
      writes.emplace_back(at, false);
      w.etcdctl(req, {kNlb}, [&writes, slot](const sim::ClientResult& cr) { writes[slot].second = cr.ok; },
                sim::seconds(5), 1);
    });
  }
  // The read-back: every acknowledged put's key, through the NLB.
  const std::int64_t readback_at = sp->duration_ns - o.readback_before_ns;
  std::vector<int> readback;  // 0 pending, 1 found, 2 missing, 3 failed
  w.loop().at(sim::nanos(readback_at), [&w, &writes, &readback] {
    std::vector<std::size_t> acked;
    for (std::size_t k = 0; k < writes.size(); ++k)
      if (writes[k].second) acked.push_back(k);
    readback.assign(acked.size(), 0);
    for (std::size_t j = 0; j < acked.size(); ++j) {
      sim::ClientRequest g;
      g.kind = sim::ClientOpKind::Get;
      g.key = fmt::format("/quorum/asg/{}", acked[j]);
      const std::string want = fmt::format("v{}", acked[j]);
      w.etcdctl(g, {kNlb}, [&readback, j, want](const sim::ClientResult& cr) {
        readback[j] = !cr.ok ? 3 : (cr.reply.found && cr.reply.value == want) ? 1 : 2;
      }, sim::seconds(5), 2);
    }
  });
  bool quorum = false;
  w.loop().at(sim::nanos(tf + o.window_ns), [&w, &quorum] {
    const auto cs = w.clusters();
    // One cluster with a quorum (a second cluster would be a split, not a kept quorum).
    quorum = cs.size() == 1 && cs.front().quorum;
  });
  dep->run();
  const auto& ev = w.trace().events();
  // Launch order -> instance IDs (the containers are named by instance ID).
  std::vector<std::string> launched;
  for (const auto& e : ev)
    if (e.kind == Ev::Cloud && e.a == "launch") launched.push_back(e.who);
  std::set<std::string> lost;
  for (int i : r.lost)
    if (static_cast<std::size_t>(i) <= launched.size()) lost.insert(launched[static_cast<std::size_t>(i - 1)]);
  const std::int64_t until = tf + o.window_ns;
  Roles roles;
  std::size_t i = 0;
  for (; i < ev.size() && ev[i].at.ns < tf; ++i) roles.apply(ev[i]);
  const auto [l0, term0] = roles.leader();
  bool kept = !l0.empty() && !lost.count(l0);
  for (std::size_t j = i; j < ev.size() && ev[j].at.ns <= until; ++j)
    if (ev[j].who == l0 && ((ev[j].kind == Ev::Role && ev[j].a != "Leader") || ev[j].kind == Ev::ProcExit)) kept = false;
  // With DuringReplacement, an earlier loss may already have taken the leader: what
  // counts is the leader just before the last loss.
  r.leader_lost = !kept;
  if (kept) {
    r.time_to_leader_ns = 0;
  } else {
    for (std::size_t j = i; j < ev.size() && ev[j].at.ns <= until; ++j)
      if (ev[j].kind == Ev::Role && ev[j].a == "Leader" && ev[j].term > term0 && !lost.count(ev[j].who)) {
        r.time_to_leader_ns = ev[j].at.ns - tf;
        break;
      }
  }
  r.quorum_kept = quorum;
  for (int x : readback) {
    ++r.readback;
    r.readback_missing += x == 2;
    r.readback_failed += x == 3 || x == 0;
  }
  for (const auto& [at, ok] : writes)
    if (ok && at >= tf && at < until) r.writes_available = true;
  const check::LabReport rep = check::check_all(ev);
  r.failed_checkers = rep.failed_checkers();
  for (const auto& st : rep.checkers)
    if (st.name == "durability") {
      r.acked_lost = st.violations;
      r.acked_lost_excused = st.excused;
      r.acked_checked = st.checked;
    }
  return r;
}

std::vector<AsgRow> run_asg_table(const std::shared_ptr<const scenario::Scenario>& base, const AsgQuorumOptions& o,
                                  const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  const auto cases = asg_loss_cases(o.group_size);
  std::vector<AsgRow> rows;
  const std::uint64_t total = cases.size() * o.timings.size() * o.seeds;
  std::uint64_t done = 0;
  for (const auto& c : cases) {
    for (AsgTiming t : o.timings) {
      // One loss is the same at either timing: run it once.
      if (t == AsgTiming::DuringReplacement && c.instances.size() <= 1 && c.sampled_k <= 1) {
        done += o.seeds;
        continue;
      }
      AsgRow row;
      row.loss = c;
      row.timing = t;
      std::vector<std::int64_t> ttl;
      for (std::uint64_t k = 0; k < o.seeds; ++k) {
        AsgRun x = run_asg_case(base, c, t, o.first_seed + k, o);
        ++row.n;
        row.quorum_kept += x.quorum_kept;
        row.writes_available += x.writes_available;
        row.acked_lost += x.acked_lost;
        row.acked_lost_excused += x.acked_lost_excused;
        row.acked_checked += x.acked_checked;
        row.readback += x.readback;
        row.readback_missing += x.readback_missing;
        row.readback_failed += x.readback_failed;
        row.checker_failures += !x.failed_checkers.empty() || !x.error.empty();
        if (x.leader_lost) {
          ++row.leader_lost;
          if (x.time_to_leader_ns >= 0) ++row.new_leader, ttl.push_back(x.time_to_leader_ns);
        }
        row.runs.push_back(std::move(x));
        if (progress) progress(++done, total);
      }
      row.ttl_p50_ms = quantile_ms(ttl, 0.5);
      row.ttl_p99_ms = quantile_ms(ttl, 0.99);
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace raftlab::experiments
