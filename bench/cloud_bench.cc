// bench/cloud_bench.cc — speed of the cloud layer (sim/cloud):
//
//   BM_AsgStory   scenarios/aws-asg/05-fix-hook-and-stepwise.json: the CloudFormation stack
//                 (three instances booting, discovery through the AWS API, one cluster),
//                 then scale-in 3 -> 2 -> 1 with the terminating hook and scale-out 1 -> 2 -> 3,
//                 built fresh for each iteration (a new seed each time) and run until
//                 Arg(0) simulated minutes (10: the first ten minutes of the story, through
//                 the 3 -> 2 step; 20: all of it). items/s = stories per CPU second; the
//                 `ms_per_story` counter is its inverse.
//   BM_AsgLab     scenarios/aws-asg/lab-asg-instance-faults.json, the cloud fault lab: 40
//                 simulated minutes with instance failures and three clients through the NLB.
//
// Every iteration builds the Deployment from the loaded scenario (the template, user data
// and handlers are parsed per build, as `raftlab fuzz` does per seed). Trace Off unless
// Arg(1) says 1. Must never: assert on time.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <unistd.h>

#include "sim/cloud/cloud.h"
#include "sim/deploy.h"
#include "sim/scenario/loader.h"

namespace raftlab::cloud {
namespace {

std::shared_ptr<const scenario::Scenario> load(const std::string& rel) {
  std::string path = rel;
  if (access(path.c_str(), R_OK) != 0) {
    char exe[4096];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
      std::string dir(exe, static_cast<size_t>(n));
      path = dir.substr(0, dir.rfind('/')) + "/../../" + rel;
    }
  }
  scenario::LoadResult r = scenario::load_file(path);
  if (!r.ok()) return nullptr;
  return std::make_shared<const scenario::Scenario>(std::move(*r.scenario));
}

void run_story(benchmark::State& state, const std::shared_ptr<const scenario::Scenario>& s, std::int64_t stop_ns,
               bool trace) {
  if (!s) {
    state.SkipWithError("cannot load the scenario (run from the repository root)");
    return;
  }
  std::uint64_t runs = 0, events = 0;
  std::int64_t sim_ns = 0;
  for (auto _ : state) {
    sim::RunOptions o;
    o.seed = 1 + runs % 64;
    o.trace_level = trace ? sim::TraceLevel::Default : sim::TraceLevel::Off;
    o.hash_trace = trace;
    if (stop_ns > 0) o.stop_at_ns = stop_ns;
    o.extension = extension_factory();
    std::vector<scenario::LoadError> errors;
    auto d = sim::Deployment::build(s, o, &errors);
    if (!d) {
      state.SkipWithError("the scenario does not build");
      return;
    }
    const sim::RunResult r = d->run();
    ++runs;
    events += r.events;
    sim_ns += r.end_ns;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(runs));
  state.counters["events"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["sim_s"] = benchmark::Counter(static_cast<double>(sim_ns) / 1e9, benchmark::Counter::kIsRate);
  state.counters["ms_per_story"] =
      benchmark::Counter(static_cast<double>(runs) / 1000.0, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_AsgStory(benchmark::State& state) {
  static const auto s = load("scenarios/aws-asg/05-fix-hook-and-stepwise.json");
  run_story(state, s, state.range(0) * 60'000'000'000LL, state.range(1) != 0);
}
BENCHMARK(BM_AsgStory)->ArgNames({"minutes", "trace"})->Args({10, 0})->Args({10, 1})->Args({20, 0})->Iterations(64);

void BM_AsgLab(benchmark::State& state) {
  static const auto s = load("scenarios/aws-asg/lab-asg-instance-faults.json");
  run_story(state, s, 0, false);
}
BENCHMARK(BM_AsgLab)->Iterations(32);

}  // namespace
}  // namespace raftlab::cloud
