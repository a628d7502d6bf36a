// bench/check_bench.cc — speed of the linearizability checker (sim/check) on histories
// the size the fault lab produces:
//
//   BM_Linearizability/<clients>/<seconds>   a linearizable KV history of `clients`
//       closed-loop clients over `seconds` simulated seconds (3 keys, half reads, think
//       5-50 ms, latency 1-20 ms, 2% of puts time out and may or may not take effect),
//       generated from a real register so it is linearizable: the search has to find a
//       full linearization (the expensive verdict). items/s = ops checked per second.
//   BM_LinearizabilityViolation/<clients>/<seconds>   the same with one stale read
//       planted near the end: time to the verdict plus shrinking the evidence.
//   BM_CheckAllReference / BM_LinearizabilityReference   real traces: seeds 1..5 of
//       scenarios/lab/reference.json (five Bitnami members, 80 s, a nemesis, six
//       clients), simulated once; then every lab checker (check_all) / the
//       linearizability checker alone on their traces. items/s = client ops per second.
//
// Deterministic: a fixed generator seed, fixed scenario seeds. Run through `make bench`
// (medians of 5).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include <memory>

#include "sim/check/lab.h"
#include "sim/check/linearizability.h"
#include "sim/deploy.h"
#include "sim/prng.h"
#include "sim/scenario/loader.h"

namespace raftlab::check {
namespace {

constexpr std::int64_t kMs = 1'000'000;

// "k7": built with append, because GCC 12 warns falsely (-Wrestrict) on "k" + string.
std::string label(const char* prefix, std::uint64_t n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

KvHistory lab_history(int clients, int seconds, bool plant_stale_read) {
  sim::Prng rng(0x5eed + static_cast<std::uint64_t>(clients * 1000 + seconds));
  struct Planned {
    KvOp op;
    std::int64_t point;  // linearization point
    bool takes_effect = true;
  };
  std::vector<Planned> ops;
  const std::int64_t end = static_cast<std::int64_t>(seconds) * 1000 * kMs;
  std::uint64_t id = 0;
  for (int c = 1; c <= clients; ++c) {
    std::int64_t t = rng.between(0, 50) * kMs;
    while (t < end) {
      Planned p;
      p.op.id = ++id;
      p.op.client = static_cast<std::uint64_t>(c);
      p.op.key = label("k", rng.uniform(3));
      p.op.kind = rng.uniform(2) == 0 ? KvOp::Kind::Put : KvOp::Kind::Get;
      p.op.call_ns = t;
      const std::int64_t latency = rng.between(1 * kMs, 20 * kMs);
      p.point = t + rng.between(0, latency);
      p.op.ret_ns = t + latency;
      if (p.op.kind == KvOp::Kind::Put) {
        p.op.value = label("v", id);
        if (rng.uniform(50) == 0) {  // timed out: indeterminate
          p.op.ret_ns = kNever;
          p.takes_effect = rng.uniform(2) == 0;
        }
      }
      t = (p.op.ret_ns == kNever ? t + 1000 * kMs : p.op.ret_ns) + rng.between(5 * kMs, 50 * kMs);
      ops.push_back(std::move(p));
    }
  }
  std::vector<std::size_t> order(ops.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return ops[a].point < ops[b].point; });
  std::map<std::string, std::string> reg;
  for (std::size_t i : order) {
    KvOp& o = ops[i].op;
    if (o.kind == KvOp::Kind::Put) {
      if (ops[i].takes_effect) reg[o.key] = o.value;
    } else {
      auto it = reg.find(o.key);
      o.found = it != reg.end();
      o.value = o.found ? it->second : "";
    }
  }
  KvHistory h;
  for (auto& p : ops) h.ops.push_back(std::move(p.op));
  std::sort(h.ops.begin(), h.ops.end(), [](const KvOp& a, const KvOp& b) { return a.call_ns < b.call_ns; });
  if (plant_stale_read) {
    // The last get of k0 reads the first value ever written to k0.
    std::string first;
    for (const KvOp& o : h.ops)
      if (o.kind == KvOp::Kind::Put && o.key == "k0" && o.ret_ns != kNever) {
        first = o.value;
        break;
      }
    for (auto it = h.ops.rbegin(); it != h.ops.rend(); ++it)
      if (it->kind == KvOp::Kind::Get && it->key == "k0") {
        it->found = true;
        it->value = first;
        break;
      }
  }
  return h;
}

void BM_Linearizability(benchmark::State& state) {
  const KvHistory h = lab_history(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), false);
  std::uint64_t states = 0;
  for (auto _ : state) {
    const LinReport r = check_linearizability(h);
    if (r.result != LinResult::Ok) state.SkipWithError("generated history judged not linearizable");
    states = r.states;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * h.ops.size()));
  state.counters["ops"] = static_cast<double>(h.ops.size());
  state.counters["states"] = static_cast<double>(states);
}
BENCHMARK(BM_Linearizability)->Args({5, 10})->Args({5, 60})->Args({10, 60})->Unit(benchmark::kMillisecond);

void BM_LinearizabilityViolation(benchmark::State& state) {
  const KvHistory h = lab_history(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), true);
  std::size_t evidence = 0;
  for (auto _ : state) {
    const LinReport r = check_linearizability(h);
    if (r.result != LinResult::Violation) state.SkipWithError("planted stale read not found");
    evidence = r.evidence_ops.size();
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * h.ops.size()));
  state.counters["ops"] = static_cast<double>(h.ops.size());
  state.counters["evidence_ops"] = static_cast<double>(evidence);
}
BENCHMARK(BM_LinearizabilityViolation)->Args({5, 60})->Unit(benchmark::kMillisecond);

// The traces of seeds 1..5 of the reference lab scenario (simulated once per process).
const std::vector<std::vector<sim::TraceEvent>>& reference_traces() {
  static const std::vector<std::vector<sim::TraceEvent>> traces = [] {
    std::vector<std::vector<sim::TraceEvent>> out;
    // Relative to the working directory (the repository root under `make bench`), else
    // to the binary (BUILD/bench/).
    std::string path = "scenarios/lab/reference.json";
    if (access(path.c_str(), R_OK) != 0) {
      char exe[4096];
      const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
      if (n > 0) {
        std::string dir(exe, static_cast<std::size_t>(n));
        path = dir.substr(0, dir.rfind('/')) + "/../../scenarios/lab/reference.json";
      }
    }
    scenario::LoadResult lr = scenario::load_file(path);
    if (!lr.ok()) return out;
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      sim::RunOptions o;
      o.seed = seed;
      std::vector<scenario::LoadError> errors;
      auto d = sim::Deployment::build(*lr.scenario, o, &errors);
      if (!d) return out;
      d->run();
      out.push_back(d->world().trace().events());
    }
    return out;
  }();
  return traces;
}

void BM_CheckAllReference(benchmark::State& state) {
  const auto& traces = reference_traces();
  if (traces.empty()) return state.SkipWithError("scenarios/lab/reference.json not found");
  std::uint64_t ops = 0, events = 0;
  for (const auto& t : traces) {
    ops += kv_history(t).ops.size();
    events += t.size();
  }
  for (auto _ : state) {
    for (const auto& t : traces) {
      const LabReport r = check_all(t);
      if (!r.ok()) state.SkipWithError("a reference run failed a checker");
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ops));
  state.counters["runs"] = benchmark::Counter(static_cast<double>(state.iterations() * traces.size()),
                                              benchmark::Counter::kIsRate);
  state.counters["events_per_run"] = static_cast<double>(events) / static_cast<double>(traces.size());
  state.counters["ops_per_run"] = static_cast<double>(ops) / static_cast<double>(traces.size());
}
BENCHMARK(BM_CheckAllReference)->Unit(benchmark::kMillisecond);

void BM_LinearizabilityReference(benchmark::State& state) {
  const auto& traces = reference_traces();
  if (traces.empty()) return state.SkipWithError("scenarios/lab/reference.json not found");
  std::vector<KvHistory> hs;
  std::uint64_t ops = 0;
  for (const auto& t : traces) {
    hs.push_back(kv_history(t));
    ops += hs.back().ops.size();
  }
  for (auto _ : state)
    for (const KvHistory& h : hs) benchmark::DoNotOptimize(check_linearizability(h));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ops));
}
BENCHMARK(BM_LinearizabilityReference)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace raftlab::check
