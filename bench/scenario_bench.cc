// bench/scenario_bench.cc — speed of whole simulated deployments:
//
//   BM_FirstLeader    scenario (a), scenarios/bitnami-2host/static-bootstrap.json: build
//                     a fresh Deployment (a new seed each iteration) and run it until
//                     the first leader exists. items/s = runs of (a) per second.
//   BM_SteadyPuts     the same five members after their first leader: back-to-back
//                     `etcdctl put` through etcd1, one in flight, the next issued from the
//                     previous one's callback. items/s = puts per second.
//
// Every rate is per second of the benchmark thread's CPU time (Google Benchmark's
// default), which is wall time on an idle pinned core. Counters: `events` (event-loop
// events fired, a rate), `sim_s` (simulated seconds, a rate: simulated seconds per
// second), and per-run averages for reading the work itself.
//
// Deterministic simulated work: seeds come from a fixed sequence (1, 2, ..., kSeedCycle,
// then again), and iteration counts are fixed, so every repetition simulates the same
// runs. Must never: assert on time; a run that misses its leader is an error, not a skip.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include "sim/deploy.h"
#include "sim/scenario/loader.h"
#include "sim/world.h"

namespace raftlab::sim {
namespace {

constexpr const char* kScenarioRel = "scenarios/bitnami-2host/static-bootstrap.json";
constexpr std::uint64_t kSeedCycle = 64;

// The scenario file: $RAFTLAB_BENCH_SCENARIO, else relative to the working directory (the
// repository root under `make bench`), else relative to the binary (build/bench/).
std::string scenario_path() {
  if (const char* env = std::getenv("RAFTLAB_BENCH_SCENARIO")) return env;
  if (access(kScenarioRel, R_OK) == 0) return kScenarioRel;
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    const std::string p = dir + "/../../" + kScenarioRel;
    if (access(p.c_str(), R_OK) == 0) return p;
  }
  return kScenarioRel;
}

// Loaded once per process: loading is not what these benchmarks measure.
// Shared by every run (no copy per run), as a seed sweep shares it.
std::shared_ptr<const scenario::Scenario> shared_scenario() {
  static const std::shared_ptr<const scenario::Scenario> s = []() -> std::shared_ptr<const scenario::Scenario> {
    scenario::LoadResult r = scenario::load_file(scenario_path());
    if (!r.ok()) return nullptr;
    return std::make_shared<const scenario::Scenario>(std::move(*r.scenario));
  }();
  return s;
}
const scenario::Scenario* load_scenario() { return shared_scenario().get(); }

// One memo of container definitions and entrypoint decisions for all runs, as a seed
// sweep uses it (RunOptions::cache): parsing the docker lines once per scenario.
const std::shared_ptr<SpecCache>& spec_cache() {
  static const std::shared_ptr<SpecCache> c = std::make_shared<SpecCache>();
  return c;
}

bool has_leader(const World& w) { return w.leader_count() > 0; }

// How a run stops at its first leader. Roles change only inside events, so checking
// after every event would be exact; but World::clusters() builds a MemberView (strings,
// status, member lists) per container, ~2-3 us, dearer than a typical event. So the run
// advances in steps of virtual time and checks only after a step in which some event
// fired (nothing fired, nothing changed). With 1 ms steps the run stops < 1 ms of virtual
// time after the leader appears (message latencies here are 0.05-1 ms) at ~20 checks per
// run; the other step sizes are kept as variants to show the trade. The alternative,
// RunOptions::stop_at_ns with Deployment::run(), simulates a fixed span and hashes the
// trace; BM_FixedSpan measures it for comparison.
constexpr Duration kLeaderStep = millis(1);
constexpr Duration kLeaderLimit = seconds(10);  // far beyond any seed's first leader

struct RunStats {
  std::uint64_t events = 0;
  std::int64_t end_ns = 0;
  std::uint64_t checks = 0;
  bool leader = false;
};

// cached: the runs share the parsed scenario and a SpecCache, as a seed sweep does;
// otherwise every run copies the scenario and parses every docker line from scratch.
RunStats run_to_first_leader(const scenario::Scenario& s, std::uint64_t seed, TraceLevel level,
                             Duration step, bool cached) {
  RunOptions opts;
  opts.seed = seed;
  opts.trace_level = level;
  if (cached) opts.cache = spec_cache();
  std::vector<scenario::LoadError> errors;
  std::unique_ptr<Deployment> d =
      cached ? Deployment::build(shared_scenario(), opts, &errors) : Deployment::build(s, opts, &errors);
  RunStats out;
  if (!d) return out;
  World& w = d->world();
  std::uint64_t checked_at_events = w.loop().events_fired();
  while (w.now() < kLeaderLimit) {
    w.run_until(w.now() + step);
    // Nothing fired, nothing changed: the previous answer (no leader) still holds.
    if (w.loop().events_fired() == checked_at_events) continue;
    checked_at_events = w.loop().events_fired();
    ++out.checks;
    if (has_leader(w)) {
      out.leader = true;
      break;
    }
  }
  out.events = w.loop().events_fired();
  out.end_ns = w.now().ns;
  return out;
}

void report(benchmark::State& state, std::uint64_t items, std::uint64_t events, std::int64_t sim_ns) {
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
  state.counters["events"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["sim_s"] = benchmark::Counter(static_cast<double>(sim_ns) / 1e9, benchmark::Counter::kIsRate);
  state.counters["events_per_item"] =
      benchmark::Counter(static_cast<double>(events) / static_cast<double>(items ? items : 1));
  state.counters["sim_ms_per_item"] =
      benchmark::Counter(static_cast<double>(sim_ns) / 1e6 / static_cast<double>(items ? items : 1));
}

// Arg(0): trace level (0 Off, 1 Default). Arg(1): leader-check step in virtual us.
// Arg(2): 1 = runs share a SpecCache (a seed sweep), 0 = every run parses everything.
void BM_FirstLeader(benchmark::State& state) {
  const scenario::Scenario* s = load_scenario();
  if (!s) {
    state.SkipWithError("cannot load the scenario (set RAFTLAB_BENCH_SCENARIO)");
    return;
  }
  const TraceLevel level = state.range(0) == 0 ? TraceLevel::Off : TraceLevel::Default;
  const Duration step = micros(state.range(1));
  std::uint64_t runs = 0, events = 0, checks = 0;
  std::int64_t sim_ns = 0;
  for (auto _ : state) {
    const RunStats r = run_to_first_leader(*s, 1 + runs % kSeedCycle, level, step, state.range(2) != 0);
    if (!r.leader) {
      state.SkipWithError("a run found no leader");
      return;
    }
    ++runs;
    events += r.events;
    sim_ns += r.end_ns;
    checks += r.checks;
  }
  report(state, runs, events, sim_ns);
  state.counters["checks_per_run"] = benchmark::Counter(static_cast<double>(checks) / static_cast<double>(runs));
}
BENCHMARK(BM_FirstLeader)
    ->ArgNames({"trace", "step_us", "cache"})
    ->Args({0, kLeaderStep.ns / 1000, 1})
    ->Args({1, kLeaderStep.ns / 1000, 1})
    ->Args({0, kLeaderStep.ns / 1000, 0})
    ->Args({1, kLeaderStep.ns / 1000, 0})
    ->Args({0, 100, 1})
    ->Args({0, 10000, 1})
    ->Iterations(512);  // 8 passes over the 64 seeds: the same simulated work every repetition

// For comparison: the public path with a fixed stop, Deployment::run() with
// RunOptions::stop_at_ns = Arg(0) virtual ms (trace Off; run() still hashes the empty
// trace and builds the final cluster/member views).
void BM_FixedSpan(benchmark::State& state) {
  const scenario::Scenario* s = load_scenario();
  if (!s) {
    state.SkipWithError("cannot load the scenario (set RAFTLAB_BENCH_SCENARIO)");
    return;
  }
  std::uint64_t runs = 0, events = 0;
  std::int64_t sim_ns = 0;
  for (auto _ : state) {
    RunOptions opts;
    opts.seed = 1 + runs % kSeedCycle;
    opts.trace_level = TraceLevel::Off;
    opts.stop_at_ns = millis(state.range(0)).ns;
    opts.cache = spec_cache();
    std::vector<scenario::LoadError> errors;
    std::unique_ptr<Deployment> d = Deployment::build(shared_scenario(), opts, &errors);
    if (!d) {
      state.SkipWithError("the scenario does not build");
      return;
    }
    const RunResult r = d->run();
    ++runs;
    events += r.events;
    sim_ns += r.end_ns;
  }
  report(state, runs, events, sim_ns);
}
BENCHMARK(BM_FixedSpan)->ArgName("stop_ms")->Arg(2000)->Iterations(512);

// Back-to-back puts through etcd1: one in flight; the callback of each issues the next
// (what a client looping over `etcdctl put` does, minus the process start).
class PutChain {
 public:
  explicit PutChain(World* w) : w_(w) {}
  void issue() {
    ClientRequest req;
    req.kind = ClientOpKind::Put;
    req.key = "/bench/key-" + std::to_string(issued_ % 1024);  // 1024 keys, overwritten in turn
    req.value = "value-of-sixteen";
    ++issued_;
    w_->etcdctl(std::move(req), {"etcd1"}, [this](const ClientResult& r) {
      ++done_;
      if (!r.ok) ++failed_;
      issue();
    });
  }
  std::uint64_t done() const { return done_; }
  std::uint64_t failed() const { return failed_; }

 private:
  World* w_;
  std::uint64_t issued_ = 0, done_ = 0, failed_ = 0;
};

// Fires events one at a time until the chain completes one more put. Bounded: a put
// finishes (reply or etcdctl's 5 s deadline) well within kPutEventLimit events.
constexpr std::uint64_t kPutEventLimit = 1000000;
bool run_one_put(World& w, const PutChain& chain) {
  const std::uint64_t target = chain.done() + 1;
  for (std::uint64_t i = 0; i < kPutEventLimit && chain.done() < target; ++i)
    w.loop().run_until(w.now() + seconds(60), 1);
  return chain.done() >= target;
}

// Arg(0): trace level (0 Off, 1 Default). Each iteration is one put, so items/s is puts
// per second. The scenario keeps only its t=0 `start` (its later etcdctl calls and
// expectations would otherwise fire in the middle of the measured puts).
void BM_SteadyPuts(benchmark::State& state) {
  const scenario::Scenario* loaded = load_scenario();
  if (!loaded) {
    state.SkipWithError("cannot load the scenario (set RAFTLAB_BENCH_SCENARIO)");
    return;
  }
  scenario::Scenario s = *loaded;
  std::erase_if(s.timeline, [](const scenario::TimelineEntry& t) { return t.at_ns > 0; });
  s.expect.clear();
  RunOptions opts;
  opts.seed = 1;
  opts.trace_level = state.range(0) == 0 ? TraceLevel::Off : TraceLevel::Default;
  std::vector<scenario::LoadError> errors;
  std::unique_ptr<Deployment> d = Deployment::build(s, opts, &errors);
  if (!d) {
    state.SkipWithError("the scenario does not build");
    return;
  }
  World& w = d->world();
  while (w.now() < kLeaderLimit && !has_leader(w)) w.run_until(w.now() + kLeaderStep);
  // Warm-up (not timed): members answer clients only once published, so the first
  // puts may time out; wait for a first success, then start counting.
  PutChain chain(&w);
  chain.issue();
  for (int i = 0; i < 10; ++i) {
    const std::uint64_t failed = chain.failed();
    if (!run_one_put(w, chain) || chain.failed() == failed) break;
  }
  if (!has_leader(w) || chain.done() == chain.failed()) {
    state.SkipWithError("no leader, or no put succeeded during warm-up");
    return;
  }
  const std::uint64_t events0 = w.loop().events_fired(), failed0 = chain.failed(), done0 = chain.done();
  const std::int64_t t0_ns = w.now().ns;
  for (auto _ : state) {
    if (!run_one_put(w, chain)) {
      state.SkipWithError("a put did not finish");
      return;
    }
  }
  if (chain.failed() != failed0) state.SkipWithError("a measured put failed");
  report(state, chain.done() - done0, w.loop().events_fired() - events0, w.now().ns - t0_ns);
}
BENCHMARK(BM_SteadyPuts)->ArgName("trace")->Arg(0)->Arg(1)->Iterations(20000);

}  // namespace
}  // namespace raftlab::sim
