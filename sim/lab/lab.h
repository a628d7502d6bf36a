// sim/lab/lab.h — the fault lab's drivers: run one seed of a scenario (nemesis schedule,
// run, every checker on the trace), sweep many seeds in parallel (worker processes by
// default, so a run that aborts — raft's invariant checks abort, as etcd panics — is a
// "crash" failure of its seed; or a thread pool in this process; either way each run is
// single-threaded and deterministic, one SpecCache per worker), shard a sweep, and merge
// shards.
//
// Results per seed depend only on (scenario, seed, planted bugs, trace level): never on
// the number of threads, the shard or the order in which seeds finish. Output is ordered
// by seed.
//
// Must never: let a worker share mutable state with another run (each worker owns its
// SpecCache; results come back to the caller, which alone orders and prints them); print
// (callers print).
//
//   lab::FuzzOptions o; o.seeds = 1000; o.jobs = 2;
//   lab::FuzzReport r = lab::fuzz(scenario, file_text, o, on_progress, on_seed);
#pragma once

#include <atomic>
#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/check/election_safety.h"
#include "sim/deploy.h"
#include "sim/scenario/scenario.h"

namespace raftlab::lab {

// Hard bounds on user input (bad input beyond them is exit 2, not a long wait).
inline constexpr std::uint64_t kMaxSeeds = 100'000'000;
inline constexpr unsigned kMaxJobs = 256;
inline constexpr std::uint64_t kMaxShards = 1'000'000;

// Which seeds a sweep runs: [first_seed, first_seed + seeds), and of those, with a shard
// K/M (1 <= K <= M), only the seeds with seed % M == K - 1 (interleaved, so every shard
// gets the same mix of seeds; the M shards together are exactly the whole range).
struct SeedSet {
  std::uint64_t first_seed = 1;
  std::uint64_t seeds = 0;
  std::uint64_t shard_k = 1, shard_m = 1;
  [[nodiscard]] bool contains(std::uint64_t seed) const {
    return seed >= first_seed && seed - first_seed < seeds && seed % shard_m == shard_k - 1;
  }
  [[nodiscard]] std::vector<std::uint64_t> list() const;
  [[nodiscard]] std::string shard_text() const;  // "K/M"
};

// What one run is made of besides the scenario and the seed.
struct RunSettings {
  sim::TraceLevel trace_level = sim::TraceLevel::Default;
  std::vector<std::string> planted_bugs;  // names from raft/bugs.h
  // Limits of one run in a worker/child process (a planted bug can make a run loop or
  // grow without end): beyond them the run is killed and its seed is a "crash" failure
  // saying which limit. 0 = no limit.
  unsigned seed_timeout_s = 120;   // wall-clock seconds per seed
  std::uint64_t max_rss_mb = 4096; // resident memory of the process running it
  // sim::RunOptions::max_events (0 = none): a run that reaches it stops there, is judged
  // on its trace so far and fails checker "max_events" saying where it stopped.
  std::uint64_t max_events = 0;
  // Hash every seed's trace (SeedResult::trace_sha256). false: only failing seeds are
  // hashed (their failure files and replay need it); a passing seed's hash is read only
  // by `fuzz --json` lines, and JSONL + SHA-256 of ~90k events is ~8% of a seed.
  bool hash_every_seed = true;
  // Also compute SeedResult::trace_fp (trace_fingerprint) for every seed: ~1/10 of the
  // hash's cost, enough for `merge` to see that two shards ran a seed differently.
  bool fingerprint = false;
  // Stream the trace (sim::RunOptions::trace_keep = checkers_read): the hash is taken as
  // events are recorded and only what the checkers read stays in memory. A seed that
  // fails is run again with its whole trace (same seed, same run) for its failure file.
  // Ignored with `fingerprint` (it reads every event). `raftlab fuzz` sets it.
  bool stream_trace = false;
  // The layer above sim/ that runs a scenario's cloud part (the tool passes
  // cloud::extension_factory()); empty: such scenarios are refused, exit 2.
  sim::ExtensionFactory extension;
};

// One seed's verdict.
struct SeedResult {
  std::uint64_t seed = 0;
  bool ok = true;                            // no checker found a violation (and the run was built)
  std::string trace_sha256;                  // "" for a passing seed without hash_every_seed
  std::string trace_fp;                      // %016x of trace_fingerprint ("" unless asked for)
  std::uint64_t events = 0;
  std::int64_t end_ns = 0;
  std::vector<check::Violation> violations;  // as the checkers report them
  std::vector<std::string> checkers;         // distinct failing checkers, sorted
  std::string error;                         // the run could not be built (bad scenario), or its files not written
  bool output_failed = false;                // error is about writing the failure files (full disk, ...)
  std::string failure_file;                  // where the failure was written ("" if none)
  std::string checker_summary;               // one line per checker (check::LabReport::summary)
  std::uint64_t client_calls = 0;            // put/get client calls in the trace
  std::uint64_t max_client_calls = 0;        // ... by the busiest client (trace `peer`)
  // A sweep with FuzzOptions::run_seed: what that driver returns for the seed (its own
  // JSON, carried from the worker process as text); "" for `raftlab fuzz`.
  std::string payload;
};

// The scenario with this seed's explicit schedule (the nemesis' draw), ready to run.
std::shared_ptr<const scenario::Scenario> materialize(const std::shared_ptr<const scenario::Scenario>& base,
                                                      std::uint64_t seed);

// A 64-bit fingerprint of a trace's events (not of their JSONL text): every field of
// every event in order (time, kind, the ids and numbers, each string with its length),
// mixed word by word with an invertible step (xor, multiply by an odd constant, rotate),
// so any single changed field changes it. Not cryptographic, not the trace_sha256 of the
// JSONL: a cheap determinism check between runs of one build (`fuzz --hash fp64`,
// `merge`, `replay --expect-hash`). Same events => same value on every machine.
std::uint64_t trace_fingerprint(const std::vector<sim::TraceEvent>& events);
std::string fingerprint_hex(std::uint64_t fp);  // %016x

// Whether sim/check's checkers (check_all) or run_one read this event: what a streaming
// seed keeps in memory. LabStream.CheckersJudgeTheKeptEventsAsTheWholeTrace requires the
// same verdicts either way.
bool checkers_read(const sim::TraceEvent& e);

// Every checker on one trace (sim/check's single entry point, check::check_all); the
// per-checker verdict lines in *summary when given.
std::vector<check::Violation> judge(const std::vector<sim::TraceEvent>& events, std::string* summary = nullptr);

// The planted bugs this build can switch on (raft/bugs.h names), sorted.
std::vector<std::string> planted_bug_names();
// (name, what it breaks) for each, in raft/bugs.h order.
std::vector<std::pair<std::string, std::string>> planted_bugs();
// Their bit set (sim::RunOptions::planted_bugs); unknown names are ignored (validate first).
std::uint32_t planted_bug_set(const std::vector<std::string>& names);

// Whether the scenario builds (configuration errors in *errors), without running it.
bool build_check(const std::shared_ptr<const scenario::Scenario>& s, const sim::RunOptions& ro,
                 std::vector<scenario::LoadError>* errors);

// Runs one (already materialized) scenario at `seed`. `cache` may be null. When `world`
// is non-null the deployment is kept there (to write its trace).
SeedResult run_one(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seed, const RunSettings& settings,
                   const std::shared_ptr<sim::SpecCache>& cache, std::unique_ptr<sim::Deployment>* keep = nullptr);

// run_one in a child process (fork): a run that aborts comes back as a failure of checker
// "crash" whose evidence is what the process printed (raft's assertion message). Writes
// the trace to trace_path when it is not empty. Call from a single-threaded process.
SeedResult run_one_isolated(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seed,
                            const RunSettings& settings, const std::string& trace_path = "");

// The header line every failure / shrunk file starts with: a `//` comment holding one
// JSON object (seed, trace_sha256, checkers, planted_bugs, trace_level, scenario) that
// `replay` and `shrink` read back. The scenario loader ignores comments.
struct FailureHeader {
  std::uint64_t seed = 0;
  std::string trace_sha256;
  std::vector<std::string> checkers;
  std::vector<std::string> planted_bugs;
  std::string trace_level = "default";
  std::string scenario;  // the swept scenario's name
  std::string note;      // "fuzz" or "shrink: ..."
};
std::string header_line(const FailureHeader& h);
// Reads the header from a file's text; nullopt when the file has none.
std::optional<FailureHeader> read_header(const std::string& text, std::string* error);

// The scenario file text with its explicit schedule (nemesis' writer), header first.
std::string failure_file_text(const scenario::Scenario& s, const FailureHeader& h);

// What a SIGINT/SIGTERM handler may touch (it only sets these; the sweep reads them):
// the number of such signals received and the last one. See FuzzOptions::stop.
struct StopRequest {
  volatile std::sig_atomic_t count = 0;
  volatile std::sig_atomic_t signal = 0;
};

struct FuzzOptions {
  SeedSet set;
  unsigned jobs = 1;
  // Worker processes instead of threads: a run that aborts (raft's invariant checks abort,
  // as etcd panics) is recorded as a "crash" failure of its seed and the sweep goes on.
  bool isolate = true;
  RunSettings settings;
  std::string out_dir;  // "" = write no files
  // Write each failure's .trace.jsonl beside its .json and .txt (`fuzz --failure-trace
  // no`: not; `raftlab replay` writes the same trace again from the .json). Sizes per
  // failure: docs/fault-lab.md.
  bool write_failure_trace = true;
  // Set by the caller's signal handler (or null). Once count >= 1 no new seed starts and
  // the sweep ends when the seeds in flight have finished (their results and failure
  // files complete); at count >= 2 worker processes are killed at once and the files of
  // the seeds they were running are removed. In worker processes the handler, inherited
  // through fork, sets their own copy, read only between seeds: a run itself never looks.
  const StopRequest* stop = nullptr;
  // Another driver's seed instead of materialize + run_one + check_all (`raftlab
  // experiment`, sim/chaos): called in the worker with the seed and the worker's cache;
  // everything else (processes, order, shards, signals, crash and limit handling) is the
  // sweep's. Must be a pure function of the seed. Failure files are not written for it.
  std::function<SeedResult(std::uint64_t seed, const std::shared_ptr<sim::SpecCache>& cache)> run_seed;
};

struct FuzzReport {
  std::string scenario;
  SeedSet set;
  unsigned jobs = 1;
  std::uint64_t seeds_run = 0;
  std::uint64_t failures = 0;
  std::vector<std::pair<std::string, std::uint64_t>> failures_by_checker;  // sorted by name
  std::vector<std::uint64_t> failed_seeds;                                 // ascending
  std::uint64_t build_errors = 0;
  std::uint64_t output_errors = 0;  // seeds whose failure files could not be written
  // The sweep was stopped by a signal (FuzzOptions::stop) before every seed ran:
  // seeds_run counts only the seeds that completed; first_seed_not_run is the smallest
  // seed of the set that did not (a later one may have completed).
  int interrupted_by = 0;  // the signal, 0: not interrupted
  bool dropped_in_flight = false;  // a second signal: the seeds in flight were dropped
  std::uint64_t first_seed_not_run = 0;
  double wall_s = 0;
  double seeds_per_s = 0;
  double per_core = 0;  // seeds_per_s / jobs
  bool merged = false;  // from `merge`: wall_s is the shards' total, seeds_per_s per shard-second
};

struct Progress {
  std::uint64_t done = 0, total = 0, failures = 0;
  double elapsed_s = 0;
  // Set in the one call made when the sweep first sees FuzzOptions::stop (and again when
  // it drops the seeds in flight): the signal, and how many seeds are still running.
  int stopping_signal = 0;
  bool dropping = false;
  unsigned in_flight = 0;
};

// Runs the sweep. on_seed is called on the calling thread, in seed order, once per seed;
// on_progress about every `progress_every_s` seconds of wall time and once at the end.
FuzzReport fuzz(const std::shared_ptr<const scenario::Scenario>& base, const FuzzOptions& o,
                const std::function<void(const SeedResult&)>& on_seed,
                const std::function<void(const Progress&)>& on_progress, double progress_every_s = 0.25);

// JSON Lines: one object per seed, then one summary object ("summary": true).
nlohmann::ordered_json seed_json(const SeedResult& r);
nlohmann::ordered_json summary_json(const FuzzReport& r);
std::string summary_text(const FuzzReport& r);
// One seed's verdict for people: each violation, or "no checker found a violation".
std::string verdict_text(const SeedResult& r);

// "SIGINT", "SIGTERM", ... (the lab's messages).
std::string signal_name(int sig);

// "5.761s": virtual times in the lab's messages (millisecond precision).
std::string time_text(std::int64_t ns);

// ---- merge ----
struct MergeReport {
  FuzzReport total;                           // wall_s = sum of shards' wall time
  std::vector<std::uint64_t> overlapping;     // seeds reported more than once
  std::vector<std::uint64_t> conflicting;     // ... with different results
  std::vector<std::uint64_t> missing;         // in the range, reported by no shard (capped)
  std::uint64_t missing_count = 0;
  std::vector<std::string> problems;          // readable, one per line
  [[nodiscard]] bool complete() const { return problems.empty(); }
};
// Each input is the text of one `fuzz --json` output; names label errors. Bad lines are
// errors (returned in *error with file:line), not silently skipped.
std::optional<MergeReport> merge(const std::vector<std::pair<std::string, std::string>>& inputs, std::string* error);

}  // namespace raftlab::lab
