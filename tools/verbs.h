// tools/verbs.h — subcommands defined in their own files. Each `add_*_verbs` adds its
// subcommands (CLI11) to the app and registers what runs when one is parsed; run_cli
// (tools/cli.cc) calls them all, so a new verb never edits cli.cc's parsing code.
//
//   void add_bench_verbs(CLI::App& app, VerbSet& v) {
//     auto opts = std::make_shared<BenchOptions>();
//     auto* b = app.add_subcommand("bench", "...");
//     b->add_option("workload", opts->workload)->required();
//     v.add(b, [opts](std::ostream& out, std::ostream& err) { return run_bench(*opts, out, err); });
//   }
//
// Must never: let an exception escape a VerbRun (run_cli catches, but verbs should say
// what failed in the user's terms and return kExitBadInput / kExitInternal themselves).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "sim/scenario/overrides.h"

namespace raftlab::tools {

// --nemesis KINDS, --time-limit T, --rate R (sim/scenario/overrides.h) on a verb that
// runs a scenario (run, fuzz); *o is filled when the command line is parsed.
inline void add_override_options(CLI::App* sub, scenario::Overrides* o) {
  sub->add_option_function<std::string>(
      "--nemesis", [o](const std::string& v) { o->nemesis = v; },
      "Fault kinds for the nemesis, comma-separated (crash,partition,...; \"none\": no faults), replacing the file's "
      "(a file without a nemesis gets one; docs/fault-lab.md \"Overrides\")");
  sub->add_option_function<std::string>(
      "--time-limit", [o](const std::string& v) { o->time_limit = v; },
      "How long the run lasts (the file's \"duration\", e.g. 60s); the nemesis and the clients end by then");
  sub->add_option_function<std::string>(
      "--rate", [o](const std::string& v) { o->rate = v; },
      "Client operations per second, all clients together (the clients' think time; a file without clients gets 3)");
}

using VerbRun = std::function<int(std::ostream& out, std::ostream& err)>;

struct VerbSet {
  std::vector<std::pair<CLI::App*, VerbRun>> verbs;
  void add(CLI::App* sub, VerbRun run) { verbs.emplace_back(sub, std::move(run)); }
};

// A check for unsigned options (seeds, counts): CLI11 would otherwise read "-1" into a
// std::uint64_t as 2^64-1 and run with it, and clamp 18446744073709551616 (2^64) and
// larger to 2^64-1 (issue 24). Only decimal digits up to 18446744073709551615 pass.
inline bool whole_number_fits_u64(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return false;
  const size_t lead = std::min(s.find_first_not_of('0'), s.size() - 1);  // "000" -> "0"
  const std::string digits = s.substr(lead);
  static const std::string kMax = "18446744073709551615";
  return digits.size() < kMax.size() || (digits.size() == kMax.size() && digits <= kMax);
}
inline const CLI::Validator kWholeNumber(
    [](std::string& s) -> std::string {
      if (whole_number_fits_u64(s)) return {};
      if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos)
        return "\"" + s + "\" is larger than 18446744073709551615 (2^64-1), the largest seed or count";
      return "expected a whole number >= 0 (digits only), got \"" + s + "\"";
    },
    "N");

// --max-events N (sim::RunOptions::max_events): a whole number >= 1.
inline const CLI::Validator kEventLimit(
    [](std::string& s) -> std::string {
      if (!whole_number_fits_u64(s)) return kWholeNumber(s);
      if (s.find_first_not_of('0') == std::string::npos)
        return "--max-events must be at least 1 (leave it out for no limit)";
      return {};
    },
    "N");

// The seeds a sweep of S..S+N-1 runs, with --shard K/M those with seed % M == K-1 (for
// the progress lines of fuzz and experiment; tools/lab_cli.cc).
std::uint64_t sweep_seed_count(std::uint64_t first_seed, std::uint64_t seeds, std::uint64_t shard_k, std::uint64_t shard_m);

// tools/lab_cli.cc: fuzz, shrink, replay, orders, merge (the fault-injection lab).
void add_lab_verbs(CLI::App& app, VerbSet& v);
// tools/bench_cli.cc: bench W1..W5 (raftlab's side of the peer benchmarks).
void add_bench_verbs(CLI::App& app, VerbSet& v);
// tools/diff_cli.cc: diff (simulation vs real etcd).
void add_diff_verbs(CLI::App& app, VerbSet& v);
// tools/report/report_cli.cc: report (the HTML page of a run).
void add_report_verbs(CLI::App& app, VerbSet& v);
// tools/experiments_cli.cc: figure16, quorum-table (sim/experiments; docs/experiments.md).
void add_experiment_verbs(CLI::App& app, VerbSet& v);
// tools/chaos_cli.cc: experiment (sim/chaos: FIS templates, steady state, hypothesis).
void add_chaos_verbs(CLI::App& app, VerbSet& v);

}  // namespace raftlab::tools
