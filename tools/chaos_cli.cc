// tools/chaos_cli.cc — `raftlab experiment FILE`: a chaos experiment (sim/chaos) over N
// seeds through the fault lab's sweep (sim/lab: --seeds, --jobs worker processes,
// --shard, SIGINT), a verdict per seed, the summary, and with -o a markdown report with an
// SVG plot of the recovery times (written all or nothing, sim/lab/atomic_file.h).
// `--seed S` runs one seed and prints its timeline: the replay of an anomaly.
//
// Exit: 0 every seed as expected; 1 some anomaly; 2 bad input; 3 internal error or an
// output that could not be written.
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "sim/chaos/experiment.h"
#include "sim/lab/atomic_file.h"
#include "tools/cli.h"
#include "tools/progress.h"
#include "tools/svg_plot.h"
#include "tools/verbs.h"

namespace raftlab::tools {
namespace {

namespace fs = std::filesystem;

struct ExperimentArgs {
  std::string file;
  std::uint64_t seeds = 0, first_seed = 1, seed = 0;
  unsigned jobs = 0;
  std::string shard, out;
  bool json = false, quiet = false, verbose = false;
  ProgressFlags progress;  // --progress (--quiet also turns the progress off)
};

lab::StopRequest g_exp_stop;
void on_exp_signal(int sig) {
  g_exp_stop.signal = sig;
  g_exp_stop.count = g_exp_stop.count + 1;
}
class ExpSignals {
 public:
  ExpSignals() {
    g_exp_stop.count = 0;
    g_exp_stop.signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_exp_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, &old_[0]);
    ::sigaction(SIGTERM, &sa, &old_[1]);
  }
  ~ExpSignals() {
    ::sigaction(SIGINT, &old_[0], nullptr);
    ::sigaction(SIGTERM, &old_[1], nullptr);
  }
  ExpSignals(const ExpSignals&) = delete;
  ExpSignals& operator=(const ExpSignals&) = delete;

 private:
  struct sigaction old_[2] {};
};

std::string secs(double s) { return s < 0 ? "–" : fmt::format("{:.1f} s", s); }
std::string at_text(std::int64_t ns) { return ns < 0 ? "–" : fmt::format("{:.3f}s", static_cast<double>(ns) / 1e9); }

std::string replay_command(const ExperimentArgs& a, std::uint64_t seed) {
  return fmt::format("raftlab experiment {} --seed {}", a.file, seed);
}

std::string summary_text(const chaos::Experiment& x, const chaos::Summary& s, const ExperimentArgs& a) {
  std::string o = fmt::format(
      "experiment {}: {} seeds: {} as expected, {} anomalies, {} failed experiments\n"
      "  anomaly rate {:.1f}% (95% CI {:.1f}%–{:.1f}%, Wilson)\n"
      "  time to recovery after the fault: p50 {}, p99 {}, max {} ({} recovered, {} never)\n"
      "  unavailability: {} windows; per seed p50 {}, max {}\n"
      "  FIS stopped {} experiments (stop conditions); safety checkers fired in {} seeds\n",
      x.name, s.seeds, s.as_expected, s.anomalies, s.failed, 100 * s.anomaly_rate, 100 * s.ci_low, 100 * s.ci_high,
      secs(s.ttr_p50_s), secs(s.ttr_p99_s), secs(s.ttr_max_s), s.recovered, s.never_recovered, s.windows,
      secs(s.unavail_p50_s), secs(s.unavail_max_s), s.stopped, s.safety);
  if (!s.anomaly_seeds.empty()) {
    std::vector<std::uint64_t> shown(s.anomaly_seeds.begin(), s.anomaly_seeds.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(20, s.anomaly_seeds.size())));
    o += fmt::format("  anomalies: seeds {}{}\n  replay one: {}\n", fmt::join(shown, ", "), s.anomaly_seeds.size() > 20 ? ", ..." : "",
                     replay_command(a, s.anomaly_seeds.front()));
  }
  return o;
}

std::string recovery_svg(const chaos::Experiment& x, const std::vector<chaos::SeedVerdict>& vs) {
  LineChart c;
  c.title = "Time to recovery after the fault (" + x.name + ")";
  std::vector<double> t;
  std::uint64_t faults = 0;
  for (const auto& v : vs) {
    if (v.fault_start_ns < 0 || !v.baseline_ok) continue;
    ++faults;
    if (v.recovery_ns >= 0) t.push_back(static_cast<double>(v.recovery_ns) / 1e9);
  }
  std::sort(t.begin(), t.end());
  const double hyp = static_cast<double>(x.recover_within_ns) / 1e9;
  double xmax = std::max(hyp * 1.5, t.empty() ? 1.0 : t.back() * 1.1);
  xmax = std::ceil(xmax / 5) * 5;
  c.x = Axis{"seconds from the end of the fault until the steady state held again", 0, xmax, false, {}};
  for (int i = 0; i <= 5; ++i) c.x.ticks.emplace_back(xmax * i / 5, fmt::format("{:.0f}", xmax * i / 5));
  c.y = Axis{"fraction of seeds recovered", 0, 1, false, {{0, "0"}, {0.25, "0.25"}, {0.5, "0.5"}, {0.75, "0.75"}, {1, "1"}}};
  Series s;
  s.label = fmt::format("{} seeds with a fault", faults);
  s.color = palette(0);
  s.points.emplace_back(0, 0);
  for (std::size_t i = 0; i < t.size(); ++i)
    s.points.emplace_back(t[i], faults ? static_cast<double>(i + 1) / static_cast<double>(faults) : 0);
  s.points.emplace_back(xmax, faults ? static_cast<double>(t.size()) / static_cast<double>(faults) : 0);
  c.series.push_back(std::move(s));
  Series h;
  h.label = fmt::format("hypothesis: within {:.0f} s", hyp);
  h.color = palette(1);
  h.dashed = true;
  h.step = false;
  h.points = {{hyp, 0}, {hyp, 1}};
  c.series.push_back(std::move(h));
  c.notes.push_back(fmt::format("{} of {} seeds never recovered within the observation", faults - t.size(), faults));
  return render_svg(c);
}

std::string report_md(const chaos::Experiment& x, const std::vector<chaos::SeedVerdict>& vs, const chaos::Summary& s,
                      const ExperimentArgs& a, const std::string& svg_name) {
  std::string o = fmt::format("# Experiment {}\n\n{}\n\n", x.name, x.description);
  o += fmt::format("- scenario: `{}`\n- FIS template: {}\n- start: {} (+ up to {} drawn per seed)\n", x.scenario_label,
                   x.fis.description, at_text(x.start_ns), at_text(x.start_jitter_ns));
  o += fmt::format("- steady state: every {} ", at_text(x.interval_ns));
  std::vector<std::string> ps;
  for (const auto& p : x.probes) ps.push_back(fmt::format("`{}` ({})", p.name, p.kind == "put" || p.kind == "put_get" ? p.kind + " via " + fmt::format("{}", fmt::join(p.via, ",")) : p.kind));
  o += fmt::format("{}\n", fmt::join(ps, ", "));
  o += fmt::format("- hypothesis: the steady state {}is back within {} after the fault ends\n", x.holds_during ? "holds during the fault and " : "",
                   at_text(x.recover_within_ns));
  o += fmt::format("- command: `raftlab experiment {} --seeds {} --first-seed {} -o {}`\n\n", a.file, s.seeds, a.first_seed, a.out);
  o += "## Conclusion\n\n```\n" + summary_text(x, s, a) + "```\n\n";
  o += fmt::format("![recovery times]({})\n\n", svg_name);
  o += "## Seeds\n\n| seed | verdict | why | targets | FIS | recovery | unavailable |\n|---|---|---|---|---|---|---|\n";
  for (const auto& v : vs) {
    double un = 0;
    for (const auto& w : v.unavailable) un += static_cast<double>(w.to_ns - w.from_ns) / 1e9;
    std::string why = v.why;
    for (auto& ch : why)
      if (ch == '|') ch = '/';
    o += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", v.seed, v.verdict, why, fmt::join(v.targets, "; "), v.experiment_state,
                     v.recovery_ns < 0 ? "–" : secs(static_cast<double>(v.recovery_ns) / 1e9), secs(un));
  }
  return o;
}

int run_experiment(const ExperimentArgs& a, std::ostream& out, std::ostream& err) {
  std::vector<scenario::LoadError> errors;
  auto loaded = chaos::load_experiment(a.file, &errors);
  if (!loaded) {
    for (const auto& e : errors) err << scenario::format(e) << "\n";
    return kExitBadInput;
  }
  auto x = std::make_shared<const chaos::Experiment>(std::move(*loaded));
  if (a.seed != 0) {
    // One seed, with its timeline.
    std::vector<sim::TraceEvent> trace;
    const chaos::SeedVerdict v = chaos::run_seed(*x, a.seed, nullptr, &trace);
    if (a.json) {
      out << chaos::verdict_json(v).dump() << "\n";
    } else {
      out << fmt::format("seed={} experiment {}\n", a.seed, x->name);
      for (const auto& e : trace) {
        if (e.kind != sim::Ev::Cloud) continue;
        if (e.who == "steady-state" && (!a.verbose || e.b == "pass")) continue;
        if (a.verbose || e.who == "fis" || e.who == "cloudwatch") out << fmt::format("  {:>10}  {} {}: {}\n", at_text(e.at.ns), e.who, e.a, e.b);
      }
      for (const auto& w : v.unavailable)
        out << fmt::format("  unavailable {} .. {} ({})\n", at_text(w.from_ns), at_text(w.to_ns), w.probes);
      out << fmt::format("seed {}: {} — {}\n", v.seed, v.verdict, v.why);
      if (!v.safety_checkers.empty()) out << fmt::format("  safety checkers that fired: {}\n", fmt::join(v.safety_checkers, ", "));
    }
    if (!v.error.empty()) return kExitBadInput;
    return v.verdict == "as expected" ? kExitOk : kExitExpectationFailed;
  }
  lab::FuzzOptions o = chaos::sweep_options(x);
  o.set.seeds = a.seeds ? a.seeds : x->seeds;
  o.set.first_seed = a.first_seed;
  if (o.set.seeds > lab::kMaxSeeds || a.first_seed > UINT64_MAX - o.set.seeds) {
    err << fmt::format("raftlab experiment: --seeds {}: give 1..{} seeds (and a --first-seed that does not overflow)\n", o.set.seeds, lab::kMaxSeeds);
    return kExitBadInput;
  }
  if (!a.shard.empty()) {
    unsigned long long k = 0, m = 0;
    char tail = 0;
    if (std::sscanf(a.shard.c_str(), "%llu/%llu%c", &k, &m, &tail) != 2 || k < 1 || k > m || m > lab::kMaxShards) {
      err << fmt::format("raftlab experiment: --shard \"{}\": write K/M with 1 <= K <= M <= {}, e.g. --shard 3/8\n", a.shard, lab::kMaxShards);
      return kExitBadInput;
    }
    o.set.shard_k = k;
    o.set.shard_m = m;
  }
  o.jobs = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  if (o.jobs > lab::kMaxJobs) {
    err << fmt::format("raftlab experiment: --jobs {}: at most {}\n", o.jobs, lab::kMaxJobs);
    return kExitBadInput;
  }
  std::string svg_path;
  if (!a.out.empty()) {
    const fs::path parent = fs::path(a.out).parent_path();
    std::string why;
    if (!parent.empty()) why = lab::make_output_dir(parent.string());
    if (why.empty()) why = lab::output_file_problem(a.out);
    if (!why.empty()) {
      err << "raftlab experiment: -o " << a.out << ": " << why << "\n";
      return kExitBadInput;
    }
    svg_path = (fs::path(a.out).parent_path() / (fs::path(a.out).stem().string() + "-recovery.svg")).string();
  }
  std::vector<chaos::SeedVerdict> vs;
  bool internal = false;
  ExpSignals signals;
  o.stop = &g_exp_stop;
  ProgressFlags pf = a.progress;
  pf.quiet = pf.quiet || a.quiet;
  ProgressLine bar(err, pf, "raftlab experiment");
  auto on_seed = [&](const lab::SeedResult& r) {
    chaos::SeedVerdict v;
    if (r.payload.empty()) {  // the worker died (crash or a limit): the sweep's verdict
      v.seed = r.seed;
      v.verdict = "failed";
      v.why = r.error.empty() ? "the run crashed" : r.error;
      internal = true;
    } else {
      v = chaos::verdict_from_json(nlohmann::json::parse(r.payload));
    }
    bar.clear();
    if (a.json) out << chaos::verdict_json(v).dump() << "\n";
    else if (!a.quiet) out << fmt::format("seed {}: {} — {}\n", v.seed, v.verdict, v.why) << std::flush;
    vs.push_back(std::move(v));
  };
  auto on_progress = [&](const lab::Progress& p) {
    if (p.stopping_signal) {
      bar.clear();
      err << fmt::format("raftlab experiment: {}: finishing the {} seed(s) in flight\n", lab::signal_name(p.stopping_signal), p.in_flight);
      return;
    }
    if (!bar.on() || (!bar.mode().tty && p.done >= p.total)) return;
    std::uint64_t bad = 0;
    for (const auto& v : vs) bad += v.verdict == "as expected" ? 0 : 1;
    const double rate = p.elapsed_s > 0 ? static_cast<double>(p.done) / p.elapsed_s : 0;
    const double eta = rate > 0 ? static_cast<double>(p.total - p.done) / rate : -1;
    bar.update(fmt::format("{}/{} seeds, {:.1f} seeds/s, ETA {}, {} not as expected", p.done, p.total, rate,
                           eta_text(eta), bad),
               true);
  };
  bar.update(fmt::format("0/{} seeds, starting on {} job(s)",
                         sweep_seed_count(o.set.first_seed, o.set.seeds, o.set.shard_k, o.set.shard_m), o.jobs),
             true);
  const lab::FuzzReport rep = lab::fuzz(x->scenario, o, on_seed, on_progress, bar.mode().tty ? 0.2 : 5.0);
  bar.done();
  const chaos::Summary s = chaos::summarize(vs);
  if (a.json) {
    nlohmann::ordered_json j;
    j["summary"] = true;
    j["experiment"] = x->name;
    j["seeds"] = s.seeds;
    j["as_expected"] = s.as_expected;
    j["anomalies"] = s.anomalies;
    j["failed"] = s.failed;
    j["anomaly_rate"] = s.anomaly_rate;
    j["ci95"] = {s.ci_low, s.ci_high};
    j["recovery_s"] = {{"p50", s.ttr_p50_s}, {"p99", s.ttr_p99_s}, {"max", s.ttr_max_s}, {"recovered", s.recovered}, {"never", s.never_recovered}};
    j["unavailable_s"] = {{"windows", s.windows}, {"p50_per_seed", s.unavail_p50_s}, {"max_per_seed", s.unavail_max_s}};
    j["stopped"] = s.stopped;
    j["anomaly_seeds"] = s.anomaly_seeds;
    if (!s.anomaly_seeds.empty()) j["replay"] = replay_command(a, s.anomaly_seeds.front());
    j["interrupted"] = rep.interrupted_by != 0;
    out << j.dump() << "\n";
  } else {
    out << summary_text(*x, s, a);
  }
  if (rep.interrupted_by) err << fmt::format("raftlab experiment: interrupted by {}: {} of the seeds ran\n", lab::signal_name(rep.interrupted_by), rep.seeds_run);
  if (!a.out.empty()) {
    const std::string svg_name = fs::path(svg_path).filename().string();
    std::string why = lab::write_file_atomic(svg_path, recovery_svg(*x, vs));
    if (why.empty()) why = lab::write_file_atomic(a.out, report_md(*x, vs, s, a, svg_name));
    if (!why.empty()) {
      err << "raftlab experiment: " << why << "\n";
      return kExitInternal;
    }
    if (!a.json) out << fmt::format("wrote {} and {}\n", a.out, svg_path);
  }
  if (internal) return kExitInternal;
  return s.anomalies + s.failed == 0 ? kExitOk : kExitExpectationFailed;
}

}  // namespace

void add_chaos_verbs(CLI::App& app, VerbSet& v) {
  auto a = std::make_shared<ExperimentArgs>();
  auto* e = app.add_subcommand("experiment", "Run a chaos experiment (scenario + AWS FIS template + steady state + hypothesis) over many seeds");
  e->add_option("file", a->file, "Experiment file (scenarios/experiments/*.json)")->required();
  e->add_option("--seeds", a->seeds, "Number of seeds (default: the file's \"seeds\")")->check(kWholeNumber);
  e->add_option("--first-seed", a->first_seed, "First seed (default 1)")->check(kWholeNumber);
  e->add_option("--seed", a->seed, "Run this one seed and print its timeline (the replay of an anomaly)")->check(kWholeNumber);
  e->add_option("--jobs,-j", a->jobs, "Worker processes (default: all cores)")->check(kWholeNumber);
  e->add_option("--shard", a->shard, "Run only shard K/M of the seeds (interleaved, as raftlab fuzz)");
  e->add_option("-o,--out", a->out, "Write a markdown report (and NAME-recovery.svg beside it)");
  e->add_flag("--json", a->json, "JSON Lines: one object per seed, then the summary");
  e->add_flag("--quiet,-q", a->quiet, "Only the summary (and no progress line)");
  add_progress_flags(e, &a->progress, false);
  e->add_flag("--verbose,-v", a->verbose, "With --seed: every cloud event and every failed probe, not only FIS's");
  v.add(e, [a, e](std::ostream& out, std::ostream& err) {
    if (e->count("--seeds") && a->seeds == 0) {
      err << "raftlab experiment: --seeds 0: give 1.." << lab::kMaxSeeds << " seeds\n";
      return kExitBadInput;
    }
    if (e->count("--seed") && a->seed == 0) {
      err << "raftlab experiment: --seed 0: seeds start at 1\n";
      return kExitBadInput;
    }
    return run_experiment(*a, out, err);
  });
}

}  // namespace raftlab::tools
