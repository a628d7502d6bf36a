// tools/lab_cli.cc — the fault lab's verbs: fuzz, shrink, replay, orders, merge
// (drivers in sim/lab/; user guide in docs/fault-lab.md).
//
// Exit codes: 0 no failure (replay: no violation and the hash matches), 1 failures found
// (replay: a violation or a different hash; merge: shards incomplete/overlapping),
// 2 bad input, 3 internal error.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "sim/cloud/cloud.h"
#include "sim/check/election_safety.h"
#include "sim/lab/lab.h"
#include "sim/lab/atomic_file.h"
#include "sim/lab/orders.h"
#include "sim/lab/shrink.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/input_file.h"
#include "tools/cli.h"
#include "tools/progress.h"
#include "tools/verbs.h"

namespace raftlab::tools {

namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxInputBytes = 1ULL << 30;  // merge inputs

// Regular files only, never blocking (sim/scenario/input_file.h).
bool read_text(const std::string& path, std::string* text, std::uintmax_t max_bytes, std::string* why) {
  scenario::InputFile f = scenario::read_input_file(path, static_cast<std::size_t>(max_bytes));
  if (!f.ok()) {
    *why = f.too_large ? fmt::format("\"{}\" is more than the {} bytes this command reads", path, max_bytes)
                       : fmt::format("\"{}\": {} — {}", path, f.error, f.fix);
    return false;
  }
  *text = std::move(f.text);
  return true;
}

std::shared_ptr<const scenario::Scenario> load_scenario(const std::string& file, std::ostream& err,
                                                        const scenario::Overrides& over = {}) {
  scenario::LoadResult lr = scenario::load_file_with(file, over);
  if (!lr.ok()) {
    for (const auto& e : lr.errors) err << scenario::format(e) << "\n";
    if (lr.truncated) err << "(more errors not shown)\n";
    return nullptr;
  }
  return std::make_shared<const scenario::Scenario>(std::move(*lr.scenario));
}

bool parse_shard(const std::string& s, lab::SeedSet* set, std::string* why) {
  unsigned long long k = 0, m = 0;
  char tail = 0;
  if (std::sscanf(s.c_str(), "%llu/%llu%c", &k, &m, &tail) != 2 || m == 0 || k == 0 || k > m || m > lab::kMaxShards) {
    *why = fmt::format("--shard \"{}\": write K/M with 1 <= K <= M <= {}, e.g. --shard 3/8", s, lab::kMaxShards);
    return false;
  }
  set->shard_k = k;
  set->shard_m = m;
  return true;
}

bool valid_bugs(const std::vector<std::string>& bugs, std::string* why) {
  const auto known = lab::planted_bug_names();
  for (const auto& b : bugs) {
    if (std::find(known.begin(), known.end(), b) != known.end()) continue;
    const std::string near = scenario::closest_match(b, known);
    *why = fmt::format("--plant-bug \"{}\" is not a planted bug{} — known: {}", b,
                       near.empty() ? "" : " (did you mean \"" + near + "\"?)",
                       known.empty() ? "(none in this build)" : fmt::format("{}", fmt::join(known, ", ")));
    return false;
  }
  return true;
}

unsigned default_jobs() { return std::max(1u, std::thread::hardware_concurrency()); }

// ---- fuzz ----

struct FuzzArgs {
  std::string scenario;
  std::uint64_t seeds = 0;
  bool seeds_given = false;
  std::uint64_t first_seed = 1;
  unsigned jobs = 0;
  std::string shard;
  std::string out = "fuzz-out";
  bool json = false;
  std::string hash = "sha256";
  std::vector<std::string> bugs;
  std::string trace_level = "default";
  ProgressFlags progress;  // --progress, --quiet
  bool list_bugs = false;
  unsigned seed_timeout_s = 120;
  std::uint64_t max_rss_mb = 4096;
  std::uint64_t max_events = 0;
  scenario::Overrides over;  // --nemesis, --time-limit, --rate
  std::string failure_trace = "yes";
};

// SIGINT/SIGTERM during a sweep: the handler only counts (lab::FuzzOptions::stop); the
// sweep finishes the seeds in flight (again: drops them) and the summary of what
// completed is printed. Installed for the sweep only, the previous handlers restored.
lab::StopRequest g_fuzz_stop;

void on_fuzz_signal(int sig) {
  g_fuzz_stop.signal = sig;
  g_fuzz_stop.count = g_fuzz_stop.count + 1;
}

class FuzzSignals {
 public:
  FuzzSignals() {
    g_fuzz_stop.count = 0;
    g_fuzz_stop.signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_fuzz_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < 2; ++i) ::sigaction(kSignals[i], &sa, &old_[i]);
  }
  ~FuzzSignals() {
    for (size_t i = 0; i < 2; ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
  }
  FuzzSignals(const FuzzSignals&) = delete;
  FuzzSignals& operator=(const FuzzSignals&) = delete;

 private:
  static constexpr int kSignals[2] = {SIGINT, SIGTERM};
  struct sigaction old_[2] {};
};

int run_fuzz(const FuzzArgs& a, std::ostream& out, std::ostream& err) {
  lab::FuzzOptions o;
  std::string why;
  if (a.list_bugs) {
    for (const auto& [name, what] : lab::planted_bugs()) out << fmt::format("{:<26} {}\n", name, what);
    return kExitOk;
  }
  if (a.scenario.empty()) {
    err << "raftlab fuzz: give a scenario file, e.g. raftlab fuzz scenarios/lab/reference.json --seeds 1000\n";
    return kExitBadInput;
  }
  if (!a.seeds_given) {
    err << fmt::format("raftlab fuzz: --seeds N is required (1..{}), e.g. raftlab fuzz {} --seeds 100\n", lab::kMaxSeeds,
                       a.scenario);
    return kExitBadInput;
  }
  if (a.seeds == 0 || a.seeds > lab::kMaxSeeds) {
    err << fmt::format("raftlab fuzz: --seeds {}: give 1..{} seeds\n", a.seeds, lab::kMaxSeeds);
    return kExitBadInput;
  }
  if (a.first_seed > UINT64_MAX - a.seeds) {
    err << "raftlab fuzz: --first-seed + --seeds overflows 64 bits: choose a smaller --first-seed\n";
    return kExitBadInput;
  }
  o.set.first_seed = a.first_seed;
  o.set.seeds = a.seeds;
  if (!a.shard.empty() && !parse_shard(a.shard, &o.set, &why)) {
    err << "raftlab fuzz: " << why << "\n";
    return kExitBadInput;
  }
  o.jobs = a.jobs ? a.jobs : default_jobs();
  if (o.jobs > lab::kMaxJobs) {
    err << fmt::format("raftlab fuzz: --jobs {}: at most {}\n", o.jobs, lab::kMaxJobs);
    return kExitBadInput;
  }
  if (!valid_bugs(a.bugs, &why)) {
    err << "raftlab fuzz: " << why << "\n";
    return kExitBadInput;
  }
  o.settings.planted_bugs = a.bugs;
  o.settings.extension = cloud::extension_factory();
  o.settings.seed_timeout_s = a.seed_timeout_s;
  o.settings.max_rss_mb = a.max_rss_mb;
  o.settings.max_events = a.max_events;
  o.settings.trace_level = a.trace_level == "full" ? sim::TraceLevel::Full : sim::TraceLevel::Default;
  // Only --json prints a passing seed's trace hash; failures are always hashed. With
  // --hash fp64 passing seeds get the cheap fingerprint instead (every seed gets one);
  // with --hash none they get no hash at all, as without --json (the sweep's verdicts).
  o.settings.hash_every_seed = a.json && a.hash == "sha256";
  o.settings.fingerprint = a.json && a.hash == "fp64";
  o.out_dir = a.out;
  o.write_failure_trace = a.failure_trace == "yes";
  auto s = load_scenario(a.scenario, err, a.over);
  if (!s) return kExitBadInput;
  // Nothing for the seeds to vary but timing: say so (the sweep still runs).
  const bool cloud_nemesis = s->cloud && s->cloud->is_object() && s->cloud->contains("nemesis");
  if (!s->nemesis && s->faults.empty() && !s->clients && !cloud_nemesis)
    err << fmt::format("raftlab fuzz: warning: {} has no faults (no \"nemesis\" budget, no \"faults\") and no "
                       "\"clients\": the seeds differ only in timing draws and the checkers see only the timeline's "
                       "own calls; add a \"nemesis\" (scenarios/README.md, \"Nemesis\") or give --nemesis KINDS\n",
                       a.scenario);
  // The first seed is built before the sweep so a scenario the engine rejects is exit 2
  // with its message, not N identical errors.
  {
    std::vector<scenario::LoadError> errors;
    sim::RunOptions ro;
    ro.seed = o.set.first_seed;
    ro.extension = o.settings.extension;
    if (!lab::build_check(lab::materialize(s, o.set.first_seed), ro, &errors)) {
      for (const auto& e : errors) err << scenario::format(e) << "\n";
      return kExitBadInput;
    }
  }
  if (!o.out_dir.empty()) {
    // Also a regular file anywhere above it (--out file/sub), checked before any seed runs.
    if (std::string problem = lab::output_dir_problem(o.out_dir); !problem.empty()) {
      err << "raftlab fuzz: --out " << problem << "\n";
      return kExitBadInput;
    }
  }

  // The bar (tools/progress.h): on a terminal, or every 5 s with --progress; never on stdout.
  ProgressLine bar(err, a.progress, "raftlab fuzz");
  auto progress = [&](const lab::Progress& p) {
    if (p.stopping_signal) {
      // Said even with --quiet: the user asked the sweep to stop and waits for it.
      bar.clear();
      err << fmt::format(fmt::runtime(p.dropping ? "raftlab fuzz: {} again — dropping the {} seed(s) in flight\n"
                                    : "raftlab fuzz: {} — finishing the {} seed(s) in flight, then the summary "
                                      "(send it again to drop them)\n"),
                         lab::signal_name(p.stopping_signal), p.in_flight);
      return;
    }
    if (!bar.on() || (!bar.mode().tty && p.done >= p.total)) return;
    const double rate = p.elapsed_s > 0 ? static_cast<double>(p.done) / p.elapsed_s : 0;
    const double eta = rate > 0 ? static_cast<double>(p.total - p.done) / rate : -1;
    const double frac = p.total ? static_cast<double>(p.done) / static_cast<double>(p.total) : 1;
    const int width = 30;
    const int fill = static_cast<int>(frac * width);
    bar.update(bar.mode().tty ? fmt::format("[{}{}] {:5.1f}% {}/{} seeds  {:.0f} seeds/s  ETA {}  failures {}",
                                            std::string(fill, '#'), std::string(width - fill, '.'), 100 * frac, p.done,
                                            p.total, rate, eta_text(eta), p.failures)
                              : fmt::format("{}/{} seeds ({:.1f}%), {:.0f} seeds/s, ETA {}, {} failures", p.done, p.total,
                                            100 * frac, rate, eta_text(eta), p.failures),
               true);
  };
  auto on_seed = [&](const lab::SeedResult& r) {
    if (a.json) {
      auto j = lab::seed_json(r);
      // --hash none: a passing seed's line carries no hash (none was computed).
      if (a.hash == "none" && r.trace_sha256.empty()) j.erase("trace_sha256");
      out << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
      return;
    }
    if (r.ok) return;
    bar.clear();
    if (!r.error.empty()) {
      out << fmt::format("ERROR seed {}: {}\n", r.seed, r.error);
      return;
    }
    out << fmt::format("FAIL seed {}: {} ({} violation(s)){}\n", r.seed, fmt::join(r.checkers, ", "), r.violations.size(),
                       r.failure_file.empty() ? "" : " -> " + r.failure_file);
    out << "  " << check::describe(r.violations.front()) << "\n";
  };
  o.stop = &g_fuzz_stop;
  // A first line, so a log shows the sweep started (lab::fuzz reports after an interval).
  bar.update(fmt::format("0/{} seeds, starting on {} job(s)", sweep_seed_count(o.set.first_seed, o.set.seeds, o.set.shard_k, o.set.shard_m), o.jobs), true);
  lab::FuzzReport rep;
  {
    const FuzzSignals signals;
    rep = lab::fuzz(s, o, on_seed, progress, bar.mode().interval_s());
  }
  bar.done();
  if (a.json) out << lab::summary_json(rep).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  else out << lab::summary_text(rep);
  out << std::flush;
  // The shell's convention for a command ended by a signal.
  if (rep.interrupted_by) return 128 + rep.interrupted_by;
  if (rep.build_errors || rep.output_errors) return kExitInternal;
  return rep.failures ? kExitExpectationFailed : kExitOk;
}

// ---- replay ----

struct ReplayArgs {
  std::string file;
  std::string expect_hash;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> bugs;
  bool bugs_given = false;
  bool without_bugs = false;
  std::string trace_out;
  bool json = false;
  std::uint64_t max_events = 0;
};

int run_replay(const ReplayArgs& a, std::ostream& out, std::ostream& err) {
  std::string text, why;
  if (!read_text(a.file, &text, 1 << 20, &why)) {
    err << "raftlab replay: " << why << "\n";
    return kExitBadInput;
  }
  auto header = lab::read_header(text, &why);
  if (!header && !why.empty()) {
    err << fmt::format("raftlab replay: {}:{} — fix the `// raftlab-lab {{...}}` line or delete it\n", a.file, why);
    return kExitBadInput;
  }
  auto s = load_scenario(a.file, err);
  if (!s) return kExitBadInput;
  lab::RunSettings settings;
  settings.extension = cloud::extension_factory();
  if (header) {
    settings.planted_bugs = header->planted_bugs;
    settings.trace_level = header->trace_level == "full" ? sim::TraceLevel::Full : sim::TraceLevel::Default;
  }
  if (a.bugs_given) settings.planted_bugs = a.bugs;
  if (a.without_bugs) {
    if (a.bugs_given) {
      err << "raftlab replay: --without-bugs and --plant-bug contradict each other — keep one\n";
      return kExitBadInput;
    }
    settings.planted_bugs.clear();
  }
  // The recorded hash is the planted run's: with other bugs it is not expected to match.
  const bool same_bugs = !header || settings.planted_bugs == header->planted_bugs;
  if (!valid_bugs(settings.planted_bugs, &why)) {
    err << "raftlab replay: " << why << "\n";
    return kExitBadInput;
  }
  const std::uint64_t seed = a.seed ? *a.seed : header ? header->seed : s->seed;
  const std::string expect = !a.expect_hash.empty()            ? a.expect_hash
                             : header && !a.seed && same_bugs ? header->trace_sha256
                                                               : "";
  // A 16-digit --expect-hash is a `fuzz --hash fp64` fingerprint, compared with trace_fp.
  const bool expect_fp = expect.size() == 16;
  settings.fingerprint = true;
  settings.max_events = a.max_events;
  if (!a.trace_out.empty())
    if (std::string problem = lab::output_file_problem(a.trace_out); !problem.empty()) {
      err << "raftlab replay: --trace: " << problem << "\n";
      return kExitBadInput;
    }
  // In a child process: a run that aborts (raft's assertion) is reported, not fatal.
  const lab::SeedResult r = lab::run_one_isolated(lab::materialize(s, seed), seed, settings, a.trace_out);
  if (!r.error.empty()) {
    err << "raftlab replay: " << r.error << "\n";
    // The trace could not be written (full disk): not the input's fault.
    return r.error.rfind("cannot write the trace", 0) == 0 ? kExitInternal : kExitBadInput;
  }
  const bool hash_ok = expect.empty() || expect == (expect_fp ? r.trace_fp : r.trace_sha256);
  if (a.json) {
    auto j = lab::seed_json(r);
    j["file"] = a.file;
    j["planted_bugs"] = settings.planted_bugs;
    j["expected_sha256"] = expect;
    j["reproduced"] = hash_ok;
    out << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    out << fmt::format("replay {} seed={}{}\n", a.file, seed,
                       settings.planted_bugs.empty() ? "" : fmt::format(" planted_bugs={}", fmt::join(settings.planted_bugs, ",")));
    if (r.trace_sha256.empty()) out << "trace: none (the run's process died before it ended)\n";
    else out << fmt::format("trace_sha256={} events={} trace_fp={}\n", r.trace_sha256, r.events, r.trace_fp);
    if (!expect.empty())
      out << (hash_ok ? "reproduced: the trace hash matches the recorded one\n"
                      : fmt::format("DIFFERENT: expected {}={}\n", expect_fp ? "trace_fp" : "trace_sha256", expect));
    out << lab::verdict_text(r);
    if (!r.checker_summary.empty()) out << "checkers:\n" << r.checker_summary;
  }
  return (r.ok && hash_ok) ? kExitOk : kExitExpectationFailed;
}

// ---- shrink ----

struct ShrinkArgs {
  std::string file;
  std::string checker;
  std::string out;
  unsigned max_runs = 2000;
  bool json = false;
  ProgressFlags progress;  // --progress, --quiet
};

int run_shrink(const ShrinkArgs& a, std::ostream& out, std::ostream& err) {
  std::string text, why;
  if (!read_text(a.file, &text, 1 << 20, &why)) {
    err << "raftlab shrink: " << why << "\n";
    return kExitBadInput;
  }
  auto header = lab::read_header(text, &why);
  if (!header && !why.empty()) {
    err << fmt::format("raftlab shrink: {}:{}\n", a.file, why);
    return kExitBadInput;
  }
  auto s = load_scenario(a.file, err);
  if (!s) return kExitBadInput;
  lab::ShrinkOptions o;
  o.settings.extension = cloud::extension_factory();
  o.seed = header ? header->seed : s->seed;
  if (header) {
    o.settings.planted_bugs = header->planted_bugs;
    o.settings.trace_level = header->trace_level == "full" ? sim::TraceLevel::Full : sim::TraceLevel::Default;
  }
  if (!valid_bugs(o.settings.planted_bugs, &why)) {
    err << "raftlab shrink: " << why << "\n";
    return kExitBadInput;
  }
  o.checker = a.checker;
  o.max_runs = a.max_runs;
  const std::string dest = !a.out.empty() ? a.out
                                          : (fs::path(a.file).parent_path() /
                                             (fs::path(a.file).stem().string() + ".min.json")).string();
  // Before the (long) shrink: a path that cannot be written is bad input.
  if (std::string problem = lab::output_file_problem(dest); !problem.empty()) {
    err << "raftlab shrink: --out: " << problem << "\n";
    return kExitBadInput;
  }
  ProgressLine progress(err, a.progress, "raftlab shrink");
  o.on_run = [&progress](unsigned runs, unsigned max_runs, std::size_t faults, std::size_t timeline) {
    progress.update(fmt::format("{} of at most {} runs; trying {} fault(s), {} timeline entries", runs, max_runs, faults,
                                timeline));
  };
  lab::ShrinkReport rep;
  const bool shrunk = lab::shrink(lab::materialize(s, o.seed), o, &rep, &why);
  progress.done();
  if (!shrunk) {
    err << "raftlab shrink: " << a.file << ": " << why << "\n";
    return kExitBadInput;
  }
  lab::FailureHeader h;
  h.seed = o.seed;
  h.trace_sha256 = rep.final_result.trace_sha256;
  h.checkers = rep.final_result.checkers;
  h.planted_bugs = o.settings.planted_bugs;
  h.trace_level = o.settings.trace_level == sim::TraceLevel::Full ? "full" : "default";
  h.scenario = header && !header->scenario.empty() ? header->scenario : s->name;
  h.note = fmt::format("shrink of {} for {}", fs::path(a.file).filename().string(), rep.checker);
  {
    if (std::string failed = lab::write_file_atomic(dest, lab::failure_file_text(*rep.minimal, h)); !failed.empty()) {
      err << fmt::format("raftlab shrink: {} — pass --out FILE in a writable directory with free space\n", failed);
      return kExitInternal;
    }
  }
  if (a.json) {
    nlohmann::ordered_json j;
    j["file"] = dest;
    j["checker"] = rep.checker;
    j["seed"] = o.seed;
    j["trace_sha256"] = h.trace_sha256;
    j["runs"] = rep.runs;
    j["budget_exhausted"] = rep.budget_exhausted;
    j["faults_before"] = rep.faults_before;
    j["faults_after"] = rep.faults_after;
    j["timeline_before"] = rep.timeline_before;
    j["timeline_after"] = rep.timeline_after;
    j["client_ops_before"] = rep.clients_before;
    j["client_ops_after"] = rep.clients_after;
    j["duration_before"] = lab::time_text(rep.duration_before);
    j["duration_after"] = lab::time_text(rep.duration_after);
    auto& st = j["removed"] = nlohmann::ordered_json::array();
    for (const auto& s2 : rep.steps) st.push_back({{"phase", s2.phase}, {"removed", s2.removed}});
    j["still_fails"] = rep.final_result.checkers;
    out << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    out << lab::shrink_text(rep);
    out << fmt::format("wrote {} (trace_sha256={}); replay: raftlab replay {}\n", dest, h.trace_sha256, dest);
  }
  return kExitExpectationFailed;  // the minimal file still fails, by construction
}

// ---- orders ----

struct OrdersArgs {
  std::string file;
  bool json = false;
  unsigned jobs = 0;
  std::string election_timeout;
  std::vector<std::string> gaps;
  ProgressFlags progress;  // --progress, --quiet
};

int run_orders_verb(const OrdersArgs& a, std::ostream& out, std::ostream& err) {
  auto s = load_scenario(a.file, err);
  if (!s) return kExitBadInput;
  lab::OrdersOptions o;
  o.jobs = a.jobs ? a.jobs : default_jobs();
  if (o.jobs > lab::kMaxJobs) {
    err << fmt::format("raftlab orders: --jobs {}: at most {}\n", o.jobs, lab::kMaxJobs);
    return kExitBadInput;
  }
  if (!a.election_timeout.empty()) {
    auto d = scenario::parse_duration(a.election_timeout);
    if (!d.ok || d.ns <= 0 || d.ns > 3'600'000'000'000LL) {
      err << fmt::format("raftlab orders: --election-timeout {}: {}\n", a.election_timeout,
                         d.ok ? "give a positive duration up to 1h, e.g. 1s or 500ms" : d.error());
      return kExitBadInput;
    }
    o.election_timeout_ns = d.ns;
  }
  if (!a.gaps.empty()) {
    o.classes.clear();
    for (const auto& g : a.gaps)
      o.classes.push_back(g == "together" ? lab::GapClass::kTogether
                          : g == "within" ? lab::GapClass::kWithin
                          : g == "beyond" ? lab::GapClass::kBeyond
                                          : lab::GapClass::kMissing);
  }
  std::string why;
  std::optional<lab::OrdersReport> rep;
  {
    // lab::run_orders reports nothing while it runs: a line with the time so far.
    ProgressLine line(err, a.progress, "raftlab orders");
    Heartbeat beat(line, [&](double secs) {
      return fmt::format("running every start order x {} gap class(es) on {} thread(s): {}", o.classes.size(), o.jobs,
                         eta_text(secs));
    });
    rep = lab::run_orders(*s, o, &why);
  }
  if (!rep) {
    err << "raftlab orders: " << a.file << ": " << why << "\n";
    return kExitBadInput;
  }
  if (a.json) out << lab::orders_json(*rep).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  else out << lab::orders_table(*rep);
  return kExitOk;
}

// ---- merge ----

struct MergeArgs {
  std::vector<std::string> files;
  bool json = false;
};

int run_merge(const MergeArgs& a, std::ostream& out, std::ostream& err) {
  if (a.files.size() > 100'000) {
    err << "raftlab merge: more than 100,000 files\n";
    return kExitBadInput;
  }
  std::vector<std::pair<std::string, std::string>> inputs;
  std::uintmax_t total = 0;
  for (const auto& f : a.files) {
    std::string text, why;
    if (!read_text(f, &text, kMaxInputBytes, &why)) {
      err << "raftlab merge: " << why << "\n";
      return kExitBadInput;
    }
    total += text.size();
    if (total > 4 * kMaxInputBytes) {
      err << "raftlab merge: more than 4 GiB of input\n";
      return kExitBadInput;
    }
    inputs.emplace_back(f, std::move(text));
  }
  std::string why;
  auto m = lab::merge(inputs, &why);
  if (!m) {
    err << "raftlab merge: " << why << "\n";
    return kExitBadInput;
  }
  if (a.json) {
    auto j = lab::summary_json(m->total);
    j["shards"] = a.files.size();
    j["complete"] = m->complete();
    j["missing"] = m->missing_count;
    j["overlapping"] = m->overlapping.size();
    j["conflicting"] = m->conflicting.size();
    j["problems"] = m->problems;
    out << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    out << fmt::format("merged {} shard file(s)\n", a.files.size());
    out << lab::summary_text(m->total);
    for (const auto& p : m->problems) out << "PROBLEM: " << p << "\n";
    if (m->complete()) out << "complete: every seed of the sweep reported exactly once\n";
  }
  if (!m->complete()) return kExitExpectationFailed;
  return m->total.failures ? kExitExpectationFailed : kExitOk;
}

}  // namespace

std::uint64_t sweep_seed_count(std::uint64_t first_seed, std::uint64_t seeds, std::uint64_t shard_k, std::uint64_t shard_m) {
  if (shard_m <= 1) return seeds;
  const std::uint64_t r = shard_k - 1;
  auto below = [&](std::uint64_t x) { return x / shard_m + (x % shard_m > r ? 1 : 0); };  // s in [0, x), s % M == K-1
  return below(first_seed + seeds) - below(first_seed);
}

void add_lab_verbs(CLI::App& app, VerbSet& v) {
  {
    auto a = std::make_shared<FuzzArgs>();
    auto* f = app.add_subcommand("fuzz", "Run many seeds of a scenario (nemesis faults), judge each trace with every checker");
    f->add_option("scenario", a->scenario, "Scenario file (with a nemesis budget, or explicit faults)");
    auto* seeds = f->add_option("--seeds", a->seeds,
                                fmt::format("REQUIRED (but with --list-bugs): number of seeds to run, 1..{}", lab::kMaxSeeds))
                      ->check(kWholeNumber);
    f->add_flag("--list-bugs", a->list_bugs, "List the planted bugs (names for --plant-bug) and exit");
    f->add_option("--first-seed", a->first_seed, "First seed (default 1): seeds S..S+N-1")->check(kWholeNumber);
    f->add_option("--jobs,-j", a->jobs, "Worker processes (default: all cores)")->check(kWholeNumber);
    f->add_option("--shard", a->shard, "K/M: run only the seeds with seed % M == K-1 (for sweeps over many machines)");
    f->add_option("--out", a->out, "Directory for failure files (default fuzz-out)");
    f->add_flag("--json", a->json, "JSON Lines: one object per seed, in seed order, then a summary object");
    f->add_option("--hash", a->hash,
                  "--json: each seed's trace_sha256 (sha256, default), or, cheaper, a 64-bit trace_fp (fp64), or no "
                  "hash for a passing seed (none: verdicts only); failing seeds keep their trace_sha256 in every mode")
        ->check(CLI::IsMember({"sha256", "fp64", "none"}));
    f->add_option("--plant-bug", a->bugs, "Run with this planted bug in raft/ (repeatable; see docs/fault-lab.md)");
    f->add_option("--trace-level", a->trace_level, "Trace detail the checkers read: default or full")
        ->check(CLI::IsMember({"default", "full"}));
    add_progress_flags(f, &a->progress);
    f->add_option("--seed-timeout", a->seed_timeout_s, "Kill a run after this many wall-clock seconds: a 'crash' failure (default 120, 0 = none)")
        ->check(CLI::Range(0u, 86400u));
    f->add_option("--max-rss", a->max_rss_mb, "Kill a run whose process exceeds this many MiB: a 'crash' failure (default 4096, 0 = none)")
        ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 30));
    f->add_option("--max-events", a->max_events,
                  "Stop a run after N simulation events: a 'max_events' failure saying where (default: no limit)")
        ->check(kEventLimit);
    add_override_options(f, &a->over);
    f->add_option("--failure-trace", a->failure_trace,
                  "yes (default): each failure's trace as seed-N.trace.jsonl beside seed-N.json; no: not (replay "
                  "--trace writes it again; sizes in docs/fault-lab.md)")
        ->check(CLI::IsMember({"yes", "no"}));
    v.add(f, [a, seeds](std::ostream& out, std::ostream& err) {
      a->seeds_given = seeds->count() > 0;
      return run_fuzz(*a, out, err);
    });
  }
  {
    auto a = std::make_shared<ShrinkArgs>();
    auto* s = app.add_subcommand("shrink", "Reduce a failure file to a minimal one that still fails the same checker");
    s->add_option("failure", a->file, "A failure file written by `raftlab fuzz`")->required();
    s->add_option("--checker", a->checker, "Keep this checker failing (default: the file's first failing checker)");
    s->add_option("--out", a->out, "Where to write the minimal file (default: FAILURE.min.json next to it)");
    s->add_option("--max-runs", a->max_runs, "Give up after this many runs (default 2000)")->check(CLI::Range(1, 1000000));
    s->add_flag("--json", a->json, "Print one JSON object (sizes before/after, what was removed)");
    add_progress_flags(s, &a->progress);
    v.add(s, [a](std::ostream& out, std::ostream& err) { return run_shrink(*a, out, err); });
  }
  {
    auto a = std::make_shared<ReplayArgs>();
    auto* r = app.add_subcommand("replay", "Re-run a failure (or any scenario) exactly: trace hash and checker verdicts");
    r->add_option("file", a->file, "Failure file (or scenario)")->required();
    // A value that is no hash at all is bad input (exit 2), not a failed replay (issue 24).
    r->add_option("--expect-hash", a->expect_hash, "Exit 1 unless the trace's SHA-256 is this, or its trace_fp when 16 hex digits (default: the file's header)")
        ->check(CLI::Validator(
            [](std::string& h) -> std::string {
              const bool hex = !h.empty() && h.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
              if (hex && (h.size() == 64 || h.size() == 16)) {
                for (char& c : h) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
                return {};
              }
              return "\"" + h + "\" is not a trace hash: give the 64 hex digits of a trace_sha256 or the 16 of a "
                     "`fuzz --hash fp64` trace_fp";
            },
            "HASH"));
    auto* seed = r->add_option("--seed", a->seed, "Seed (default: the file's header, else the scenario's)")
                      ->check(kWholeNumber);
    (void)seed;
    auto* bug = r->add_option("--plant-bug", a->bugs, "Planted bug(s) (default: the file's header)");
    r->add_flag("--without-bugs", a->without_bugs, "Run the correct code on the same schedule (ignore the header's planted bugs)");
    r->add_option("--trace", a->trace_out, "Write the trace as JSON Lines to FILE");
    r->add_option("--max-events", a->max_events, "Stop the run after N simulation events (as fuzz --max-events)")
        ->check(kEventLimit);
    r->add_flag("--json", a->json, "Print one JSON object");
    v.add(r, [a, bug](std::ostream& out, std::ostream& err) {
      a->bugs_given = bug->count() > 0;
      return run_replay(*a, out, err);
    });
  }
  {
    auto a = std::make_shared<OrdersArgs>();
    auto* o = app.add_subcommand("orders", "Every start order of the members × start-gap classes: a table of outcomes");
    o->add_option("scenario", a->file, "Scenario file (its members' first `start` entries are rewritten)")->required();
    o->add_flag("--json", a->json, "Print one JSON object (groups and every run)");
    o->add_option("--jobs,-j", a->jobs, "Worker threads (default: all cores)")->check(kWholeNumber);
    o->add_option("--election-timeout", a->election_timeout, "E for the gap classes (default 1s, etcd's default)");
    o->add_option("--gaps", a->gaps, "Only these classes: together, within, beyond, missing")
        ->check(CLI::IsMember({"together", "within", "beyond", "missing"}));
    add_progress_flags(o, &a->progress);
    v.add(o, [a](std::ostream& out, std::ostream& err) { return run_orders_verb(*a, out, err); });
  }
  {
    auto a = std::make_shared<MergeArgs>();
    auto* m = app.add_subcommand("merge", "Combine `fuzz --json` shard outputs into one summary; find missing/overlapping seeds");
    m->add_option("files", a->files, "JSON Lines files written by `raftlab fuzz --shard K/M --json`")->required();
    m->add_flag("--json", a->json, "Print one JSON object");
    v.add(m, [a](std::ostream& out, std::ostream& err) { return run_merge(*a, out, err); });
  }
}

}  // namespace raftlab::tools
