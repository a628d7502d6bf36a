// bench/event_loop_bench.cc — the bare event-loop baseline: how many events per second
// the queue itself sustains when every callback does nothing, so the scenario
// benchmarks' events/second can be read against it (the gap is the simulated work).
//
// Deterministic: each iteration schedules the same batch of instants (a fixed Prng seed)
// and fires them all. Must never: time anything but the loop.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "sim/event_loop.h"
#include "sim/prng.h"

namespace raftlab::sim {
namespace {

// Arg(0): events per batch. A batch is scheduled up front (at random instants within
// 1 s of virtual time, like timers and packet deliveries) and then run to empty, so the
// heap holds up to that many events — the scenario's queue holds a few dozen to a few
// thousand (etcdctl timeouts pile up during steady replication).
void BM_EventLoopNoop(benchmark::State& state) {
  const auto batch = static_cast<std::uint64_t>(state.range(0));
  // The same instants every iteration: the work does not depend on the iteration count.
  std::vector<std::int64_t> offsets_ns;
  Prng prng(42);
  for (std::uint64_t i = 0; i < batch; ++i) offsets_ns.push_back(prng.between(0, 1000000000));
  EventLoop loop;
  std::uint64_t fired = 0;
  for (auto _ : state) {
    const Time base = loop.now();
    for (std::int64_t off : offsets_ns) loop.at(base + nanos(off), [] {});
    loop.run_until(base + seconds(1));
    fired += batch;
  }
  if (loop.events_fired() != fired) state.SkipWithError("event count mismatch");
  state.SetItemsProcessed(static_cast<std::int64_t>(fired));
  state.counters["events"] = benchmark::Counter(static_cast<double>(fired), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EventLoopNoop)->Arg(64)->Arg(4096);

// A self-sustaining queue of `depth` timers: each no-op-sized callback re-arms itself
// with a fresh delay, the steady state of a simulator (pop one, push one).
void BM_EventLoopRearm(benchmark::State& state) {
  const auto depth = static_cast<std::uint64_t>(state.range(0));
  constexpr std::uint64_t kEventsPerIteration = 1024;
  EventLoop loop;
  Prng prng(7);
  struct Rearm {
    EventLoop* loop;
    Prng* prng;
    void operator()() const { loop->after(nanos(prng->between(1000, 1000000)), Rearm{loop, prng}); }
  };
  for (std::uint64_t i = 0; i < depth; ++i) loop.after(nanos(prng.between(1000, 1000000)), Rearm{&loop, &prng});
  const Time far = seconds(1000000);
  for (auto _ : state) loop.run_until(far, kEventsPerIteration);
  const auto fired = static_cast<double>(loop.events_fired());
  state.SetItemsProcessed(static_cast<std::int64_t>(loop.events_fired()));
  state.counters["events"] = benchmark::Counter(fired, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EventLoopRearm)->Arg(64);

}  // namespace
}  // namespace raftlab::sim
