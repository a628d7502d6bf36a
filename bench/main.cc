// bench/main.cc — entry point of raftlab_bench (Google Benchmark).
//
// The suites live next to this file: event_loop_bench.cc (the bare queue baseline) and
// scenario_bench.cc (scenario (a) to its first leader; steady replication). Run them
// through `make bench` (scripts/bench.sh), which pins one core and keeps medians.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
