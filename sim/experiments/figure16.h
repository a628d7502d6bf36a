// sim/experiments/figure16.h — the Raft paper's Figure 16 (extended version §9.3; the
// dissertation's chapter 9, "benchmark results on LAN cluster"): crash the leader of five
// servers, time until a new leader, 1,000 trials per election-timeout range.
//
// The cluster is five raft::Node (the same Raft core the etcd members use) in the
// Continuous election timing (raft/config.h: uniform timeouts, the paper's timer rules),
// hosted on a sim::EventLoop by a small LogCabin-like server: a network with one-way
// latency, a disk whose durable write takes `disk_write`, heartbeats every half of the
// minimum election timeout. Not the etcd member model: the paper measured LogCabin, and
// etcd's bootstrap, ticker and PreVote are not part of the experiment (docs/experiments.md).
//
// One trial (seed S): the servers start, one is elected, it appends one entry that
// reaches two followers only (the other two are not eligible to become leader, as in the
// paper's benchmark), then, at a uniformly random instant of the heartbeat interval
// after a heartbeat broadcast, it crashes. The downtime is from the crash until every
// other live server has received an AppendEntries/heartbeat from one new leader.
//
// Determinism: everything a trial draws comes from sim::Prng(S) streams ("fig16/net",
// "fig16/disk", "fig16/crash", "fig16/timer", each node's raft seed from "fig16/raft/<i>"),
// so a trial is a pure function of (model, range, S), whatever else runs.
//
// Must never: read the wall clock, use threads, or share state between trials.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/time.h"

namespace raftlab::experiments {

// The modelled setup: LogCabin as the paper's benchmark ran it (2013: SimpleFileLog,
// every storage operation a file write with two fsyncs, all of them synchronous before
// any RPC goes out) on a LAN. docs/experiments.md derives the defaults from the paper's
// figure and LogCabin's code.
struct Fig16Model {
  int servers = 5;
  sim::Duration latency_min = sim::micros(100);  // one-way, uniform per message
  sim::Duration latency_max = sim::micros(200);
  sim::Duration disk_write = sim::micros(500);   // one durable write (write + fsync file + fsync dir)
  sim::Duration disk_jitter = sim::micros(4000);  // + uniform [0, jitter] per write
  // A slow write now and then (an fsync behind the SSD's housekeeping): with this chance
  // (parts per million) a write takes another uniform [0, disk_slow_extra].
  std::int64_t disk_slow_ppm = 50'000;
  sim::Duration disk_slow_extra = sim::millis(10);
  // Durable writes per storage operation: a term or vote change is one metadata update
  // (a candidate's new term and self-vote together are one; a voter adopting a newer
  // term and then voting makes two); an appended entry is its file plus a metadata update.
  int writes_per_entry = 2;
  // The candidate persists its term and vote before sending RequestVote (raft/ready.h's
  // persist-then-send; LogCabin's startNewElection). false: sent at once, its own write
  // overlapped (the optimisation the dissertation's election-time analysis assumes).
  bool candidate_writes_first = true;
  // The leader sends before its own write (etcd, raft thesis §10.2.1). LogCabin 2013 wrote
  // the new leader's no-op entry first.
  bool leader_sends_first = false;
  int ineligible = 2;  // followers without the leader's last entry
  // Extra delay on every election-timer expiry, uniform [0, jitter] (the timer thread's
  // wake-up); 0: exact.
  sim::Duration timer_jitter = sim::micros(90);
  sim::Duration give_up = sim::seconds(600);  // after the crash: no leader by then = "> give_up"
  sim::Duration warm_up = sim::seconds(1);    // before the entry and the crash
};

struct Fig16Range {
  std::int64_t lo_ms = 150, hi_ms = 300;
  [[nodiscard]] std::string label() const;  // "150-300 ms"
};

struct Fig16Trial {
  std::uint64_t seed = 0;
  std::int64_t downtime_ns = -1;  // -1: no leader within give_up
  std::uint64_t terms = 0;        // elections (terms) begun after the crash; 1 = no split vote
  std::uint64_t events = 0;
};

[[nodiscard]] Fig16Trial run_fig16_trial(const Fig16Model& m, const Fig16Range& r, std::uint64_t seed);
// Trials first_seed .. first_seed + trials - 1, in seed order.
[[nodiscard]] std::vector<Fig16Trial> run_fig16(const Fig16Model& m, const Fig16Range& r, std::uint64_t first_seed,
                                                std::uint64_t trials);

// Nearest-rank quantiles of the downtimes in ms (a trial that gave up counts as +inf:
// such quantiles are reported as gave_up_ms).
struct Fig16Stats {
  std::uint64_t n = 0, gave_up = 0;
  double gave_up_ms = 0;  // Fig16Model::give_up
  double min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;  // mean over trials that elected
  double over_10s = 0;    // fraction of trials above 10 s (one that gave up counts if give_up >= 10 s)
  double mean_terms = 0;
};
[[nodiscard]] Fig16Stats summarize(const std::vector<Fig16Trial>& t, const Fig16Model& m);

// The paper's numbers, per range: read from the figure's data in the dissertation's
// source (github.com/ongardie/dissertation, leaderelection/benchmarks-randomness.svg and
// benchmarks-scale.svg, the same LogCabin benchmark as the paper's Figure 16: its text
// quotes the same 287 ms, 513 ms, 35 ms and 152 ms), each plotted step of the CDF being
// one trial. `cdf` holds the downtime (ms) at quantiles 0, 0.5%, ..., 100%.
struct PaperFig16 {
  const char* panel;  // "top" (randomness) or "bottom" (scale)
  Fig16Range range;
  std::uint64_t n;
  double min, p50, p90, p99, max, mean, over_10s;
  std::vector<double> cdf;  // 201 points
};
[[nodiscard]] const std::vector<PaperFig16>& paper_figure16();
// What the paper's text says (§9.3), for the file's notes.
inline constexpr const char* kPaperText =
    "no randomness: consistently longer than 10 s; 150-155 ms: median 287 ms; 150-200 ms: worst of 1,000 "
    "trials 513 ms; 12-24 ms: 35 ms on average, longest 152 ms";

}  // namespace raftlab::experiments
