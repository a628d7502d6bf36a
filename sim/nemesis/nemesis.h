// sim/nemesis/nemesis.h — the fault lab's nemesis: draws a scenario's fault budget into
// an explicit schedule for one seed, writes a (materialized, possibly shrunk) scenario
// back as a standalone file, and carries out faults and the client workload in a World.
//
// Determinism: the schedule for seed S is drawn up front from its own stream
// (sim::Prng(S).derive("nemesis")); each client draws from Prng(S).derive("client/<n>");
// packet-level faults (loss, duplication, reordering) from the World's
// "nemesis/net" stream. So a scenario with a budget and its materialized form run with
// the same seed give byte-identical traces, and adding faults never shifts the draws of
// the network, the members or the clients.
//
// Usage (what "fuzz"'s shrink/replay build on):
//
//   scenario::LoadResult r = scenario::load_file(path);
//   scenario::Scenario m = nemesis::materialize(*r.scenario, seed);  // budget -> m.faults
//   // shrink: edit m.faults (drop entries, shorten duration_ns), m.clients->max_ops /
//   // count / end_ns, m.duration_ns, m.timeline, m.expect; then
//   std::string text = nemesis::write_scenario(m, "// shrunk from seed 42\n");
//   // text loads again (scenario::load_string) and replays with the same trace hash.
//
// sim/deploy calls materialize() itself when a scenario still has a budget, and
// install() to schedule the faults and the clients; callers rarely need Runner.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/prng.h"
#include "sim/scenario/scenario.h"

namespace raftlab::sim {
class World;
}

namespace raftlab::nemesis {

// `s` with its nemesis budget drawn for `seed` into explicit `faults` (appended after
// any explicit faults already there, the whole list stably sorted by time), the budget
// removed, `seed` set to `seed`, has_schedule set. A scenario without a budget comes
// back unchanged except for the seed. Running the result with `seed` gives the same
// trace as running `s` with `seed`.
[[nodiscard]] scenario::Scenario materialize(const scenario::Scenario& s, std::uint64_t seed);

// The schedule alone (what materialize appends), for tests and tools.
[[nodiscard]] std::vector<scenario::Fault> draw(const scenario::Scenario& s, std::uint64_t seed);

// A standalone scenario file (JSON, loadable by scenario::load_string) for `s`: name,
// description, etcd_version, network, hosts and members exactly as in the source
// document; seed, duration, fsync_latency, timeline, expect, faults and clients from
// `s` (so shrinking edits are kept); no nemesis budget. `header` (comment lines, each
// starting with "//") is written first. Precondition: s.source is set (the loader sets it).
[[nodiscard]] std::string write_scenario(const scenario::Scenario& s, const std::string& header = "");

// When a fault is over: at_ns + duration_ns (terminate/member_remove without a duration,
// member_add of a spare that never starts: at_ns).
[[nodiscard]] std::int64_t fault_end_ns(const scenario::Fault& f);
// When `quiet` is recorded: the end of the last fault (0 when there is none).
[[nodiscard]] std::int64_t quiet_at_ns(const scenario::Scenario& s);
// One line describing a fault, as the trace's `fault` event `b` says it.
[[nodiscard]] std::string describe(const scenario::Fault& f);

// How a member_add fault launches a spare (sim/deploy provides them: it owns the
// members' definitions and the hosts' shells).
struct SpareHooks {
  struct Identity {
    std::string name;                    // its etcd --name
    std::vector<std::string> peer_urls;  // its --initial-advertise-peer-urls
  };
  // What `etcdctl member add NAME --peer-urls=URLS` needs, read from the spare's
  // definition; an error text when the definition does not give them.
  std::function<std::optional<Identity>(const std::string& member, std::string* error)> identity;
  // `docker run` / start the spare now: its definition expanded in its host's shell with
  // `exports` exported (ETCD_INITIAL_CLUSTER and ETCD_INITIAL_CLUSTER_STATE as `member
  // add` printed them), as an operator's or an ASG launch template's script does before
  // starting the new member.
  std::function<void(const std::string& member, const std::map<std::string, std::string>& exports)> start;
};

// Carries out a materialized scenario's faults and client workload in `w`: schedules
// every fault start/end, `quiet`, and the clients. Lives as long as the World runs.
class Runner {
 public:
  Runner(sim::World& w, std::shared_ptr<const scenario::Scenario> s);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;
  // Before install(); without them a member_add fault records "not added".
  void set_spare_hooks(SpareHooks hooks);
  void install();
  // Client operations issued / completed so far (diagnostics, tests).
  std::uint64_t ops_issued() const;
  std::uint64_t ops_done() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace raftlab::nemesis
