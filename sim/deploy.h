// sim/deploy.h — turns a loaded Scenario into a World: hosts, containers (from docker
// run lines, etcd flags or ETCD_* env, through the image's entrypoint when it is
// Bitnami's), the timeline, and the expectation probes; then runs it and reports.
//
// Must never: print, exit, or read files other than through the loader; errors in the
// scenario's etcd/docker configuration come back as scenario::LoadError (exit code 2).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/extension.h"
#include "sim/scenario/scenario.h"
#include "sim/world.h"

namespace raftlab::nemesis {
class Runner;
struct SpareHooks;
}

namespace raftlab::sim {

struct ExpectResult {
  std::int64_t at_ns = 0;
  std::string what;      // "clusters", "leaders", "put", ...
  std::string expected;
  std::string actual;
  bool passed = false;
  std::string path;      // "$.expect[2]"
  std::string note;
};

class SpecCache;

// A member whose etcd refuses its configuration at start-up (etcd's flag parsing,
// embed.Config.Validate, or a listener it cannot create): etcd exits with `error`, and
// the run reports it as a configuration error (sim/deploy_config_errors.cc).
struct ConfigError {
  std::string member;
  std::string path;      // "$.members[0].flags"
  std::string flag;      // "--election-timeout"
  std::string error;     // etcd's own text
  std::string fix;
  bool expected = false;  // the member's "expect_config_error" names this flag
};

struct RunOptions {
  std::optional<std::uint64_t> seed;       // overrides the scenario's
  TraceLevel trace_level = TraceLevel::Default;
  std::optional<std::int64_t> stop_at_ns;  // run only until here (status --at)
  // Memoised container definitions and entrypoint decisions, shared by many runs of one
  // scenario (seed sweeps, benchmarks). Results are identical with or without it.
  std::shared_ptr<SpecCache> cache;
  // Planted bugs (raft/bugs.h bits) in every member; 0 = the correct code. A run with
  // any says so first: a warning and a trace note "PLANTED BUG ACTIVE: <names>".
  std::uint32_t planted_bugs = 0;
  // Compute RunResult::trace_sha256 (JSONL + SHA-256 of the whole trace). The fault lab
  // turns it off for seeds whose hash nobody reads (it hashes failures itself).
  bool hash_trace = true;
  // A streaming trace (sim/trace.h, TraceStream; issue 24/26): every event is encoded as
  // it is recorded, fed to the hash (hash_trace) and written to trace_sink, and only the
  // events trace_keep accepts stay in memory (World::trace().events()), so a run's memory
  // grows with what its readers need, not with its length. Both null: the whole trace is
  // held (the default). The hash is the same either way.
  TraceSink* trace_sink = nullptr;
  bool (*trace_keep)(const TraceEvent&) = nullptr;
  TraceObserver* trace_observer = nullptr;  // shown every event as it is streamed (the lab's checkers)
  // The layer above sim/ that carries out a scenario's cloud part (sim/cloud's
  // cloud::extension_factory()); empty: such a scenario is refused (exit 2).
  ExtensionFactory extension;
  // Virtual instants (ns, any order) at which to take what `status --at T` would read:
  // the run stops at each (World::run_until, no event is added, the trace is unchanged)
  // and copies every member's view into RunResult::status_samples. For `raftlab report`.
  std::vector<std::int64_t> status_samples_ns;
  // At most this many simulation events (EventLoop::events_fired, RunResult::events);
  // 0: no limit. A run that would need more stops at the last event within it: the
  // result says so (RunResult::stopped), is not a pass, and its trace ends there (a
  // trace held whole grows ~200 bytes per event: results/RELIABILITY.md).
  std::uint64_t max_events = 0;
};

// Every member's view at one instant, as `raftlab status --at` reads it.
struct StatusSample {
  std::int64_t at_ns = 0;
  std::vector<MemberView> members;
  std::vector<std::string> endpoints;  // World::endpoint_url of each member, same order
};

// What is worth computing once per scenario rather than once per run: parsing each
// member's `docker run` line / flags in a given shell environment (with the warnings
// that produced), and the entrypoint's decision for a given start context. Pure
// memoisation of deterministic functions. Not thread-safe: one cache per thread.
class SpecCache {
 public:
  struct Entry {
    ContainerSpec spec;
    std::vector<std::string> warnings;
    std::map<std::string, std::string> host_env;  // the shell it was expanded in
    std::string config_text;
  };
  // key: member name + configuration's JSON path. Invariant: one scenario per cache.
  std::map<std::string, std::vector<Entry>> specs;
};

struct RunResult {
  std::string scenario;
  std::uint64_t seed = 0;
  bool passed = true;
  std::vector<ExpectResult> expectations;
  std::vector<ClusterView> clusters;     // at the end of the run
  std::vector<MemberView> members;       // at the end of the run
  std::vector<std::string> warnings;     // unset shell variables, docker/etcd warnings
  // Members whose etcd refuses its configuration, and members whose expected refusal did
  // not happen (flag "" and error saying so). Any unexpected one makes passed false.
  std::vector<ConfigError> config_errors;
  std::string trace_sha256;
  std::uint64_t events = 0;
  std::int64_t end_ns = 0;
  std::vector<StatusSample> status_samples;  // RunOptions::status_samples_ns, in time order
  // Set when RunOptions::max_events stopped the run (end_ns is then where it stopped):
  // "the run reached --max-events N at 12.345s ...; K expectation(s) after it not judged".
  std::string stopped;
};

class Deployment {
 public:
  // Validates every member's configuration; errors name the file, path and fix.
  static std::unique_ptr<Deployment> build(const scenario::Scenario& s, const RunOptions& opts,
                                           std::vector<scenario::LoadError>* errors);
  // The same without copying the scenario (many runs of one scenario share it).
  static std::unique_ptr<Deployment> build(std::shared_ptr<const scenario::Scenario> s, const RunOptions& opts,
                                           std::vector<scenario::LoadError>* errors);
  ~Deployment();
  RunResult run();
  World& world() { return *world_; }
  const scenario::Scenario& scenario() const { return s_; }
  const RunOptions& options() const { return opts_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  // For an Extension: an expectation result (returns its slot; an `actual` of
  // "(pending)" is waited for at the end of the run, up to 6 s), completed later with
  // complete_result; a warning for the run's result (once per text).
  std::size_t add_result(ExpectResult r);
  void complete_result(std::size_t slot, std::string actual, bool passed);
  void add_warning(const std::string& text);
  Extension* extension() { return ext_.get(); }

 private:
  Deployment(std::shared_ptr<const scenario::Scenario> s, const RunOptions& opts);
  // The scenario's DNS records and discovery services into the World (sim/discovery.h).
  void install_discovery();
  bool add_members(std::vector<scenario::LoadError>* errors);
  // The load-time endpoint check (sim/deploy_endpoints.cc): the client ports a member's
  // definition serves from outside its host (add_members calls it), and the check of
  // every URL the timeline's etcdctl dials against them, the scenario's DNS names and
  // what the extension serves.
  void note_client_ports(const scenario::Member& m, const ContainerSpec& spec, const Launch& l);
  bool check_endpoints(std::vector<scenario::LoadError>* errors);
  void schedule_timeline();
  void schedule_expectations();
  void apply(const scenario::TimelineEntry& t);
  void probe(const scenario::Expectation& e, size_t index);
  // The host `kill_host`/`restore_host` "leader" means now (notes why in the timeline);
  // "" when there is none.
  std::string leader_host(bool kill);
  nemesis::SpareHooks spare_hooks();  // member_add faults launch spares through these
  std::optional<ContainerSpec> make_spec(const scenario::Member& m, const scenario::MemberConfig& cfg,
                                         std::vector<scenario::LoadError>* errors, bool record_warnings);
  std::optional<ContainerSpec> make_spec_uncached(const scenario::Member& m, const scenario::MemberConfig& cfg,
                                                  std::vector<scenario::LoadError>* errors,
                                                  std::vector<std::string>* warnings);

  std::shared_ptr<const scenario::Scenario> sp_;
  const scenario::Scenario& s_;  // Invariant: *sp_
  RunOptions opts_;
  std::unique_ptr<World> world_;
  std::map<std::string, std::map<std::string, std::string>> host_env_;  // host -> shell env
  std::vector<std::string> warnings_;
  std::vector<ExpectResult> results_;
  std::vector<std::optional<ExpectResult>> pending_;  // async probes (put/get) by slot
  std::unique_ptr<nemesis::Runner> runner_;           // faults and clients (sim/nemesis)
  std::unique_ptr<Extension> ext_;                    // the cloud layer, when the scenario has one
  std::vector<ConfigError> config_errors_;            // found by add_members
  struct ServedPort {
    HostIndex host = 0;
    int port = 0;
    std::string url, what;  // "http://10.101.99.100:2379", "etcd1"
  };
  std::vector<ServedPort> served_;      // members' client ports, by note_client_ports
  std::set<HostIndex> any_port_hosts_;  // hosts where a member's ports are known only at its start
  // Who led at each `leader_changed_since` time, by expectation index (an empty list:
  // no leader then).
  struct LeaderThen {
    std::string name;
    std::uint64_t cluster_id = 0, term = 0;
  };
  std::map<size_t, std::vector<LeaderThen>> leaders_at_;
  std::string leader_killed_host_;  // the host the latest kill_host "leader" struck
};

// One container to define from an argv: `docker run ...` (docker = true) or an etcd
// command line ("etcd --name ..." or its arguments), in a shell environment. Used for the
// scenario's members and by layers above sim/ (a cloud instance's user data).
struct ContainerInput {
  std::string name;                                // the container's handle in the World
  HostIndex host = 0;
  std::vector<std::string> argv;                   // after shell expansion
  const std::map<std::string, std::string>* env = nullptr;  // the shell's (never null)
  bool docker = true;
  std::optional<std::string> etcd_version;         // the scenario's etcd_version
};
struct ContainerProblem {
  std::string message, fix;                        // set when container_from_argv fails
  std::vector<std::string> warnings;               // docker's/etcd's warnings either way
};
std::optional<ContainerSpec> container_from_argv(const ContainerInput& in, ContainerProblem* problem);

// The configuration error a launch shows, if any: a Fail naming an etcd flag, or an Exec
// whose listen URL etcd cannot listen on (port out of 1..65535 or missing).
std::optional<ConfigError> config_error_of(const Launch& l);
// Matches found errors with the members' "expect_config_error" into r (config_errors,
// warnings, passed).
void judge_config_errors(const scenario::Scenario& s, std::vector<ConfigError> found, RunResult* r);

// Fills a MemberConfig from argv + environment of an etcd process (flags win over
// ETCD_* env, etcd's defaults otherwise). Returns etcd's error text on failure.
struct EtcdLaunch {
  bool ok = false;
  etcd::MemberConfig cfg;
  std::string error;
  std::string error_flag;  // the flag etcd names in `error` ("--heartbeat-interval"; "" if none)
  std::string error_fix;
  std::string data_dir;
  std::vector<std::pair<std::string, std::string>> logs;
};
EtcdLaunch etcd_from_args(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                          const std::string& version);
// `l` with etcd's config from argv + env appended (its logs kept), or turned into a
// Fail carrying etcd's error text.
Launch exec_etcd_with(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                      const std::string& version, Launch l);
// The shell's history-expansion warning for member `member`'s configuration `mc`
// (sim/deploy_history.cc): false when the '!' cannot change the outcome (drop it);
// otherwise *warning becomes "MEMBER (line L, column C): '!': ..." with the place in the
// scenario file. Any other warning: true, unchanged.
bool history_warning_at(const scenario::Scenario& s, const scenario::MemberConfig& mc, const std::string& member,
                        std::string* warning);

// A launcher for a plain etcd process/image: no entrypoint logic.
Launcher etcd_launcher(std::vector<std::string> args, std::map<std::string, std::string> env, std::string version);

}  // namespace raftlab::sim
