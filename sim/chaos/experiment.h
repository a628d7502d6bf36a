// sim/chaos/experiment.h — `raftlab experiment`: a chaos experiment as the operators
// write it (reference 002: steady state, hypothesis, fault, stop condition, observation,
// conclusion), over many seeds. An experiment file (JSON with comments,
// docs/experiments.md "FIS experiments") names a scenario, pastes an AWS FIS experiment
// template (sim/cloud/fis.h), and writes the steady state as probes at an interval, the
// hypothesis, and the CloudWatch alarms its stop conditions name.
//
//   std::vector<scenario::LoadError> errs;
//   auto x = chaos::load_experiment("scenarios/experiments/asg-terminate-40.json", &errs);
//   chaos::SeedVerdict v = chaos::run_seed(*x, 7);           // one seed
//   lab::FuzzOptions o = chaos::sweep_options(x, seeds...);  // many, through sim/lab's sweep
//
// One seed: the scenario is built (with the cloud layer when it has a cloud part), the FIS
// runner starts at a time drawn from the seed ("chaos/start"), the probes run every
// interval, each result a trace event (Ev::Cloud, who "steady-state"); the verdict is
// computed from the trace alone (judge()), never from the objects of the run.
//
// Layering: above sim/ (World, Deployment, sim/lab's sweep) and sim/cloud (FIS, the
// extension); nothing below depends on it.
// Must never: draw from a stream another component uses; read the wall clock in a run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/cloud/fis.h"
#include "sim/lab/lab.h"
#include "sim/scenario/scenario.h"

namespace raftlab::chaos {

// One steady-state probe.
struct Probe {
  std::string name, kind;   // kind: put | put_get | leaders | clusters | quorum | route
  std::vector<std::string> via;  // put, put_get: member names or URLs (the NLB's DNS name), as etcdctl --endpoints
  std::uint64_t at_most = 1;  // leaders (per cluster), clusters
  std::string gateway, method = "GET", path;  // route
  int status = 200;                           // route: the answer wanted
  std::string json_path;                      // where it is in the file
};

// A CloudWatch alarm on a probe's metric (1 per failed probe, 0 per passing one):
// ALARM once `datapoints` probe results in a row failed, OK again at the next pass.
struct Alarm {
  std::string arn, probe, json_path;
  std::uint64_t datapoints = 3;
};

struct Experiment {
  std::string file, name, description;
  std::shared_ptr<const scenario::Scenario> scenario;
  std::string scenario_label;    // the path as written, or "(inline)"
  cloud::fis::Template fis;
  std::int64_t start_ns = 0, start_jitter_ns = 0;  // the experiment starts at start + U[0, jitter]
  std::int64_t interval_ns = 1'000'000'000;        // probes every interval
  std::int64_t baseline_ns = 30'000'000'000;       // probes start this long before the experiment
  std::vector<Probe> probes;
  std::int64_t recover_within_ns = 30'000'000'000;  // hypothesis: steady state back within this after the fault ends
  bool holds_during = false;                        // ... and it holds during the fault too
  std::int64_t stays_ns = 30'000'000'000;           // recovered = holds for this long (until the observation ends)
  std::vector<Alarm> alarms;
  std::uint64_t seeds = 20;                         // default --seeds
  std::int64_t end_ns = 0;                          // the run's end (derived)
};

// Reads and checks an experiment file; nullopt with every error (file:line:col, JSON
// path, fix). The scenario is loaded (and checked) from its path relative to the file.
std::optional<Experiment> load_experiment(const std::string& path, std::vector<scenario::LoadError>* errors);
std::optional<Experiment> load_experiment_text(const std::string& text, const std::string& path,
                                               std::vector<scenario::LoadError>* errors);

// A window where the steady state did not hold.
struct Window {
  std::int64_t from_ns = 0, to_ns = 0;  // to: the first passing probe after it (or the observation's end)
  std::string probes;                   // which failed, comma-separated
};

struct SeedVerdict {
  std::uint64_t seed = 0;
  std::string verdict;           // "as expected" | "anomaly" | "failed" (FIS experiment failed)
  std::string why;               // for people
  std::string experiment_state;  // FIS: completed | stopped | failed
  std::string experiment_reason;
  std::int64_t start_ns = -1, fault_start_ns = -1, fault_end_ns = -1;
  std::int64_t recovery_ns = -1;  // from the fault's end until the steady state was back to stay; -1 never
  bool baseline_ok = true;        // the steady state held before the fault
  std::vector<Window> unavailable;
  std::vector<std::string> targets;           // "etcdInstances: i-..., i-..."
  std::vector<std::string> safety_checkers;   // sim/check checkers that fired (not the hypothesis)
  std::uint64_t probes_run = 0, probes_failed = 0;
  std::string error;                          // the run could not be built
};

// One seed, start to end.
SeedVerdict run_seed(const Experiment& x, std::uint64_t seed, const std::shared_ptr<sim::SpecCache>& cache = nullptr,
                     std::vector<sim::TraceEvent>* trace = nullptr);
// The verdict from a finished run's trace (what run_seed uses).
SeedVerdict judge(const Experiment& x, std::uint64_t seed, const std::vector<sim::TraceEvent>& events);

nlohmann::ordered_json verdict_json(const SeedVerdict& v);
SeedVerdict verdict_from_json(const nlohmann::json& j);

// lab::fuzz options that run this experiment's seeds (the SeedResult payload is
// verdict_json; ok = "as expected").
lab::FuzzOptions sweep_options(std::shared_ptr<const Experiment> x);

// The whole sweep's numbers.
struct Summary {
  std::uint64_t seeds = 0, as_expected = 0, anomalies = 0, failed = 0, stopped = 0, safety = 0;
  double anomaly_rate = 0, ci_low = 0, ci_high = 0;  // anomalies / seeds, Wilson 95%
  std::uint64_t recovered = 0, never_recovered = 0;
  double ttr_p50_s = -1, ttr_p99_s = -1, ttr_max_s = -1;  // over the seeds that recovered
  double unavail_p50_s = -1, unavail_max_s = -1;          // total unavailable time per seed
  std::uint64_t windows = 0;
  std::vector<std::uint64_t> anomaly_seeds;
};
Summary summarize(const std::vector<SeedVerdict>& vs);
// Wilson score interval for k successes in n trials at z = 1.96.
std::pair<double, double> wilson95(std::uint64_t k, std::uint64_t n);

}  // namespace raftlab::chaos
