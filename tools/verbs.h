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

#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace raftlab::tools {

using VerbRun = std::function<int(std::ostream& out, std::ostream& err)>;

struct VerbSet {
  std::vector<std::pair<CLI::App*, VerbRun>> verbs;
  void add(CLI::App* sub, VerbRun run) { verbs.emplace_back(sub, std::move(run)); }
};

// A check for unsigned options (seeds, counts): CLI11 would otherwise read "-1" into a
// std::uint64_t as 2^64-1 and run with it. Only decimal digits pass.
inline const CLI::Validator kWholeNumber(
    [](std::string& s) -> std::string {
      if (!s.empty() && s.size() <= 20 && s.find_first_not_of("0123456789") == std::string::npos) return {};
      return "expected a whole number >= 0 (digits only), got \"" + s + "\"";
    },
    "N");

// tools/lab_cli.cc: fuzz, shrink, replay, orders, merge (the fault-injection lab).
void add_lab_verbs(CLI::App& app, VerbSet& v);
// tools/bench_cli.cc: bench W1..W5 (raftlab's side of the peer benchmarks).
void add_bench_verbs(CLI::App& app, VerbSet& v);
// tools/diff_cli.cc: diff (simulation vs real etcd).
void add_diff_verbs(CLI::App& app, VerbSet& v);
// tools/report/report_cli.cc: report (the HTML page of a run).
void add_report_verbs(CLI::App& app, VerbSet& v);

}  // namespace raftlab::tools
