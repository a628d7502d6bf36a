// tools/quorum_asg_report.cc — the ASG rows of results/QUORUM.md (quorum_asg_report.h).
#include "tools/quorum_asg_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "sim/cloud/cloud.h"
#include "sim/experiments/quorum_asg.h"
#include "sim/scenario/loader.h"
#include "tools/progress.h"
#include "tools/svg_plot.h"

namespace raftlab::tools {

namespace {
using namespace raftlab::experiments;

std::string pct(std::uint64_t a, std::uint64_t b) { return b ? fmt::format("{:.0f}%", 100.0 * static_cast<double>(a) / static_cast<double>(b)) : "–"; }
std::string ms(double v) { return v < 0 ? "–" : fmt::format("{:.0f}", v); }

std::string failing_names(const AsgRow& r) {
  std::set<std::string> names;
  for (const auto& x : r.runs) names.insert(x.failed_checkers.begin(), x.failed_checkers.end());
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string row_md(const std::string& size, const AsgRow& r) {
  return fmt::format("| {} | {} | {} | {} | {} ({}/{}) | {} ({}/{}) | {}/{} | {} / {} | {} ({} excused) | {} / {} / {} | {} |", size, r.loss.label,
                     asg_timing_name(r.timing), r.n, pct(r.quorum_kept, r.n), r.quorum_kept, r.n, pct(r.writes_available, r.n),
                     r.writes_available, r.n, r.new_leader, r.leader_lost, ms(r.ttl_p50_ms), ms(r.ttl_p99_ms), r.acked_lost,
                     r.acked_lost_excused, r.readback_missing, r.readback_failed, r.readback, r.checker_failures == 0 ? "all pass" : fmt::format("{} runs fail: {}", r.checker_failures, failing_names(r)));
}

std::size_t lost_count(const AsgRow& r) {
  return r.loss.sampled_k >= 0 ? static_cast<std::size_t>(r.loss.sampled_k) : r.loss.instances.size();
}
}  // namespace

AsgSection asg_quorum_section(const std::string& scenario_path, std::uint64_t seeds, std::uint64_t first_seed,
                              ProgressLine* progress) {
  AsgSection out;
  auto loaded = scenario::load_file(scenario_path);
  if (!loaded.ok()) {
    out.error = scenario::format(loaded.errors.front());
    return out;
  }
  if (!loaded.scenario->cloud || !loaded.scenario->cloud->is_object()) {
    out.error = scenario_path + ": the ASG rows need an aws-asg scenario (a \"cloud\" part), e.g. scenarios/aws-asg/02-discovery-one-cluster.json";
    return out;
  }
  std::string md = "## Auto Scaling groups of 3 and 5 instances\n\n";
  md += fmt::format(
      "The deployment is `{}` (the CloudFormation template scenarios/aws-asg/templates/etcd-asg.yaml with the discovery "
      "user data, one cluster across the group, an NLB in front) with its `GroupSize` parameter set to 3 and to 5. At 5 min "
      "(the group settled) k instances' hardware fails (the `ec2` action `fail`: host down, EC2 status checks impaired after "
      "60 s, then the group terminates and replaces them with new instances and empty disks, whose user data removes the dead "
      "members and adds themselves). Which instances: for 3, **every subset** of the launch order (#1..#3); for 5, **one "
      "subset of each size drawn per seed** (sampled: {} seeds per size). Timings: **at-once** — all k at 5 min; "
      "**during-replacement** — the first at 5 min, the others 100 s later, while the group replaces the first (one loss is "
      "the same at either timing and is run once). Measured from the last loss: quorum kept (one cluster with a quorum 10 s "
      "later), writes available (a put through the NLB, one every 500 ms, issued in those 10 s succeeded), new leader and its "
      "time, acknowledged writes lost (the durability checker over the whole run, 3 min after the loss), every checker. "
      "Seeds {}–{}.\n\n",
      scenario_path, seeds, first_seed, first_seed + seeds - 1);
  const char* head =
      "| group | lost | timing | runs | quorum kept | writes available | new leader (of runs that lost it) | time to new "
      "leader p50 / p99 (ms) | acked writes lost (durability checker) | read back at the end: missing / unreadable / acked | checkers |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n";
  md += head;
  BarChart bc;
  bc.title = "ASG: P(writes through the NLB within 10 s of the loss)";
  bc.y = Axis{"runs with a successful put", 0, 1, false, {}};
  for (int k = 0; k <= 10; k += 2) bc.y.ticks.emplace_back(k / 10.0, fmt::format("{}%", k * 10));
  bc.series = {"ASG of 3, at-once", "ASG of 3, during-replacement", "ASG of 5, at-once", "ASG of 5, during-replacement"};
  for (std::size_t i = 0; i < bc.series.size(); ++i) bc.colors.push_back(palette(i));
  std::map<std::size_t, std::vector<double>> bars;  // k lost -> value per series
  std::map<std::size_t, std::map<std::size_t, std::pair<std::uint64_t, std::uint64_t>>> pooled;  // k -> series -> (ok, n)
  std::uint64_t acked_lost = 0, acked = 0, excused = 0, failing = 0, rb = 0, rb_missing = 0, rb_failed = 0;
  for (int size : {3, 5}) {
    scenario::Scenario s = *loaded.scenario;
    (*s.cloud)["parameters"]["GroupSize"] = std::to_string(size);
    auto sp = std::make_shared<const scenario::Scenario>(std::move(s));
    AsgQuorumOptions o;
    o.group_size = size;
    o.seeds = seeds;
    o.first_seed = first_seed;
    o.extension = cloud::extension_factory();
    const auto rows = run_asg_table(sp, o, [&](std::uint64_t done, std::uint64_t total) {
      if (progress != nullptr) progress->update(fmt::format("ASG of {}: {}/{} runs", size, done, total));
    });
    for (const auto& r : rows) {
      for (const auto& x : r.runs)
        if (!x.error.empty()) {
          out.error = fmt::format("ASG of {}, {} seed {}: {}", size, r.loss.label, x.seed, x.error);
          return out;
        }
      out.runs += r.n;
      acked_lost += r.acked_lost;
      acked += r.acked_checked;
      excused += r.acked_lost_excused;
      failing += r.checker_failures;
      rb += r.readback;
      rb_missing += r.readback_missing;
      rb_failed += r.readback_failed;
      md += row_md(fmt::format("{}", size), r) + "\n";
      const std::size_t series = (size == 3 ? 0 : 2) + (r.timing == AsgTiming::AtOnce ? 0 : 1);
      auto& p = pooled[lost_count(r)][series];
      p.first += r.writes_available;
      p.second += r.n;
    }
  }
  for (const auto& [k, per] : pooled) {
    BarGroup g{fmt::format("{} lost", k), std::vector<double>(4, NAN)};
    for (const auto& [series, p] : per) g.values[series] = p.second ? static_cast<double>(p.first) / static_cast<double>(p.second) : NAN;
    bc.groups.push_back(std::move(g));
  }
  bc.notes = {fmt::format("{} with GroupSize 3 and 5; {} seeds per case.", scenario_path, seeds),
              "No bar: that count does not exist for the group (or one loss, run once as at-once)."};
  md += fmt::format(
      "\nOver all {} ASG runs: the durability checker finds **{}** acknowledged writes lost of {} checked ({} excused: lost "
      "with no quorum's data left, where Raft promises nothing); read back through the NLB 8 s before the end, **{}** of "
      "{} acknowledged writes are missing and {} unreadable (no quorum then). Checkers: {}. Acknowledged writes go "
      "missing only where every instance that held them is lost — all at once, or the rest while the first's replacement "
      "is still catching up: the disks go with the instances, the replacements' user data finds no member to join and "
      "bootstraps a new, empty cluster with the same token (the `single_cluster` checker), and the writes acknowledged "
      "before are missing from it. The durability checker, which compares what the members' own logs held, has no member "
      "left that held them: it cannot see this loss, the read-back does.\n\n![ASG: P(writes available)](quorum-asg.svg)\n\n",
      out.runs, acked_lost, acked, excused, rb_missing, rb, rb_failed,
      failing == 0 ? "every run passes every checker" : fmt::format("{} runs fail one", failing));
  out.md = md;
  out.svg = render_svg(bc);
  return out;
}

}  // namespace raftlab::tools
