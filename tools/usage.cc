#include "tools/usage.h"

#include <sstream>

namespace raftlab::tools {

namespace {

// One entry per verb: its usage lines (without "usage: ") — the order of `raftlab --help`.
const std::vector<std::pair<std::string, std::vector<std::string>>>& usage_lines() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> k = {
      {"run",
       {"raftlab run SCENARIO [--seed N] [--json] [--trace FILE [--trace-format jsonl|chrome]] "
        "[--trace-level off|default|full] [--html FILE] [--nemesis KINDS] [--time-limit T] [--rate R] "
        "[--color auto|always|never]"}},
      {"report", {"raftlab report SCENARIO [-o report.html] [--seed N]"}},
      {"status", {"raftlab status SCENARIO --at T [-w table|json] [--seed N]"}},
      {"compare", {"raftlab compare BROKEN_SCENARIO FIXED_SCENARIO"}},
      {"fuzz",
       {"raftlab fuzz SCENARIO --seeds N [--first-seed S] [--jobs J] [--shard K/M] [--out DIR] [--json [--hash fp64|none]] "
        "[--plant-bug NAME] [--nemesis KINDS] [--time-limit T] [--rate R] [--trace-level default|full] [--failure-trace yes|no]",
        "raftlab fuzz --list-bugs"}},
      {"shrink", {"raftlab shrink FAILURE.json [--checker NAME] [--out FILE] [--max-runs N] [--json]"}},
      {"replay", {"raftlab replay FILE [--expect-hash H] [--seed N] [--without-bugs] [--trace FILE] [--json]"}},
      {"orders", {"raftlab orders SCENARIO [--json] [--gaps CLASS...] [--election-timeout E]"}},
      {"merge", {"raftlab merge SHARD.jsonl... [--json]"}},
      {"diff", {"raftlab diff SCENARIO [--real-etcd PATH] [--time-scale X] [--json] [--keep]"}},
      {"bench", {"raftlab bench W1|W2|W3|W4|W5 [--seeds N] [--voters N] [--entries N] [--trace-level off|default] [--json]"}},
      {"experiment", {"raftlab experiment FILE [--seeds N] [--seed S [-v]] [--jobs J] [-o REPORT.md] [--json]"}},
      {"figure16", {"raftlab figure16 [--trials N] [--blocks B] [--out FILE] [--svg-dir DIR]"}},
      {"quorum-table", {"raftlab quorum-table [SCENARIO] [--seeds N] [--asg-seeds N] [--out FILE] [--svg-dir DIR]"}},
  };
  return k;
}

}  // namespace

const std::vector<std::pair<std::string, std::vector<std::string>>>& verb_examples() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> k = {
      {"run",
       {"raftlab run scenarios/bitnami-2host/every-node-leader.json              # timeline, clusters, expectations",
        "raftlab run scenarios/bitnami-2host/static-bootstrap.json --seed 7 --json | jq .final",
        "raftlab run scenarios/bitnami-2host/staggered-start.json --trace out.jsonl  # the whole typed trace",
        "raftlab run scenarios/lab/small.json --nemesis crash,partition --time-limit 40s  # other faults, same file"}},
      {"report", {"raftlab report scenarios/bitnami-2host/every-node-leader.json -o every-node-leader.html"}},
      {"status",
       {"raftlab status scenarios/bitnami-2host/every-node-leader.json --at 10s     # etcdctl's tables at t=10s",
        "raftlab status scenarios/bitnami-2host/static-bootstrap.json --at 10s -w json | jq .endpoints"}},
      {"compare",
       {"raftlab compare scenarios/bitnami-2host/every-node-leader.json scenarios/bitnami-2host/static-bootstrap.json"}},
      {"fuzz",
       {"raftlab fuzz scenarios/lab/reference.json --seeds 100                     # correct code: 0 failures",
        "raftlab fuzz scenarios/lab/reference.json --seeds 20 --plant-bug apply-before-commit --out failures",
        "raftlab fuzz scenarios/lab/small.json --seeds 200 --nemesis crash,host_down --rate 2  # Jepsen-style overrides",
        "raftlab fuzz scenarios/lab/reference.json --seeds 1000 --shard 1/2 --json > shard1.jsonl"}},
      {"shrink", {"raftlab shrink failures/seed-N.json                          # -> failures/seed-N.min.json"}},
      {"replay",
       {"raftlab replay failures/seed-N.min.json                      # same trace hash, same violation",
        "raftlab replay failures/seed-N.min.json --without-bugs       # same schedule, correct code"}},
      {"orders", {"raftlab orders scenarios/bitnami-2host/as-written.json        # every start order x start gaps"}},
      {"merge", {"raftlab merge shard1.jsonl shard2.jsonl                   # the shards of one fuzz sweep"}},
      {"diff", {"raftlab diff scenarios/membership/join-new-into-running.json   # simulation vs real etcd"}},
      {"bench", {"raftlab bench W1 --seeds 1000                              # elections per second"}},
      {"experiment",
       {"raftlab experiment scenarios/experiments/2host-lose-host-a.json --seeds 200 --jobs 2",
        "raftlab experiment scenarios/experiments/2host-lose-host-a.json --seed 4 -v   # one seed's timeline"}},
      {"figure16", {"raftlab figure16 --trials 100 --out /tmp/FIGURE16.md --svg-dir /tmp"}},
      {"quorum-table", {"raftlab quorum-table --seeds 5 --asg-seeds 0 --out /tmp/QUORUM.md --svg-dir /tmp"}},
  };
  return k;
}

std::string usage_text() {
  std::string o;
  bool first = true;
  for (const auto& [verb, lines] : usage_lines()) {
    for (const auto& l : lines) {
      o += (first ? "usage: " : "       ") + l + "\n";
      first = false;
    }
  }
  return o + "Every verb takes --color auto|always|never (auto: colour only on a terminal, none with NO_COLOR set).\n"
             "Long verbs (fuzz, shrink, orders, diff, experiment, figure16, quorum-table) draw a progress line on\n"
             "stderr when it is a terminal, or every 5 s with --progress; --quiet turns it off.\n"
             "Run `raftlab --help` or `raftlab VERB --help` (with examples) for more.\n";
}

std::string verb_usage(const std::string& verb) {
  for (const auto& [v, lines] : usage_lines()) {
    if (v != verb) continue;
    std::string o;
    for (size_t i = 0; i < lines.size(); ++i) o += (i == 0 ? "usage: " : "       ") + lines[i] + "\n";
    return o + "Run `raftlab " + verb + " --help` for every option and examples.\n";
  }
  return usage_text();
}

void add_examples(CLI::App& app) {
  for (const auto& [verb, lines] : verb_examples()) {
    CLI::App* sub = nullptr;
    try {
      sub = app.get_subcommand(verb);
    } catch (const CLI::OptionNotFound&) {
      continue;  // a verb this build does not have
    }
    std::string footer = "\nExamples (from the repository's root, with build/tools on PATH):\n";
    for (const auto& l : lines) footer += "  " + l + "\n";
    sub->footer(footer);
  }
}

}  // namespace raftlab::tools
