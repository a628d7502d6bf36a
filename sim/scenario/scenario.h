// Scenario: the typed form of a scenario file (see scenarios/README.md for the format).
//
// Plain data only: the loader (loader.h) fills it and checks every name it can check
// without understanding etcd configuration; sim/etcd parses the raw member configs
// (docker run line, flags, args, ETCD_* env) later. Every element remembers its JSON
// path ("$.members[2].docker") so later stages can point errors at the user's file via
// Scenario::error_at(). Nothing here touches the simulator, clocks or I/O.
//
//   LoadResult r = load_file("scenarios/bitnami-2host/every-node-leader.json");
//   if (!r.ok()) { for (auto& e : r.errors) std::cerr << format(e) << '\n'; return 2; }
//   const Scenario& s = *r.scenario;
//   for (const TimelineEntry& t : s.timeline) std::visit(handler, t.action);
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/scenario/jsonc.h"

namespace raftlab::scenario {

// One problem in a scenario file. `path` is a JSON path ("$.members[2].host"); line and
// column are 1-based (0 = unknown). `fix` says what to write instead (may be empty).
struct LoadError {
  std::string file;
  std::string path;
  std::string message;
  std::string fix;
  int line = 0;
  int column = 0;
};

// The error at JSON path `path` of `file`, with its line and column from `positions` (the
// loader's, an experiment file's or an FIS template's; 0:0 when the path has none).
[[nodiscard]] LoadError load_error_at(const std::string& file, const std::map<std::string, TextPos>& positions,
                                      const std::string& path, std::string message, std::string fix = {});

// `file:line:col: $.path: message — fix` (parts that are empty are left out).
[[nodiscard]] std::string format(const LoadError& error);

// Min/max one-way latency; the network draws uniformly in [min_ns, max_ns].
// Invariant: 0 <= min_ns <= max_ns.
struct LatencyRange {
  int64_t min_ns = 0;
  int64_t max_ns = 0;
  std::string path;
};

struct Network {
  std::optional<LatencyRange> intra_host_latency;  // between members on one host
  std::optional<LatencyRange> inter_host_latency;  // between hosts
  std::string path;                                // "$.network" ("" if absent)
};

struct HostDir {
  std::uint32_t uid = 0, gid = 0;  // "owner": "uid:gid"
  std::uint32_t mode = 0755;       // "mode": octal permission bits
};

struct Host {
  std::string name;  // Invariant: unique, [A-Za-z0-9._-]+
  std::string ip;    // Invariant: unique dotted-quad IPv4
  // The host's shell environment (exported variables), visible to `docker run -e NAME`
  // without a value, `--env-file`-less shells and bare etcd binaries started there.
  std::map<std::string, std::string> env;
  // Directories on the host whose owner and mode the scenario states (docker bind
  // sources, data dirs below them), by absolute path without a trailing '/'.
  std::map<std::string, HostDir> dirs;
  std::string path;  // "$.hosts[0]"
};

// How a member (or a `run` replacement) is configured. Exactly the raw text the user
// wrote; nothing is parsed here.
enum class ConfigKind { kDocker, kFlags, kArgs, kEnv };

struct MemberConfig {
  ConfigKind kind = ConfigKind::kDocker;
  // kDocker: the whole `docker run ...` command (array form joined with "\n", so
  // backslash-newline continuations survive exactly as pasted).
  // kFlags: an etcd command line, "etcd --name x --initial-cluster ..." (leading
  // "etcd" optional). Shell-style quoting is the parser's business.
  std::string text;
  std::vector<std::string> args;              // kArgs: argv without the program name
  std::map<std::string, std::string> env;     // kEnv: ETCD_* variables of a bare etcd
  std::string path;                           // "$.members[2].docker"
};

struct Member {
  std::string name;  // the scenario's handle (container name). Invariant: unique.
  std::string host;  // Invariant: names an entry of Scenario::hosts
  MemberConfig config;
  // A spare (an ASG launch template): never started by the timeline; a `member_add`
  // fault runs `etcdctl member add` for it and starts it with what that printed.
  bool spare = false;
  // The flag etcd is expected to refuse at start-up ("--election-timeout"; "" = none): the
  // member's configuration error then does not fail the run, and its absence does.
  std::string expect_config_error;
  std::string path;  // "$.members[2]"
};

// An endpoint given by a scenario: a member handle or a literal URL.
// Invariant: exactly one of member / url is non-empty.
struct Endpoint {
  std::string member;
  std::string url;  // "http://10.101.99.100:2379"
};

// ---- timeline actions (one per entry) ----

enum class ProcessOp { kStart, kStop, kKill, kRestart };
// start: run the member's container/process; stop: graceful (SIGTERM); kill: SIGKILL;
// restart: stop then start with the same definition and data.
struct ProcessAction {
  ProcessOp op = ProcessOp::kStart;
  std::vector<std::string> members;  // Invariant: non-empty, known, no repeats
};

enum class HostOp { kKill, kRestore };
// kill_host "leader": the host of the member that leads when the action runs (the running
// leader at the highest term; none, or several at that term, and nothing happens: the
// timeline says why); restore_host "leader": the host the latest kill_host "leader"
// struck. The loader refuses a host named "leader" when "leader" is used.
inline constexpr const char* kLeaderHost = "leader";
struct HostAction {
  HostOp op = HostOp::kKill;
  std::string host;  // Invariant: known host, or kLeaderHost
};

// Replace a member's definition: a new container with the same name. Its data survives
// if the new definition mounts the same volume / data dir, unless wipe_data.
struct RunAction {
  std::string member;                 // Invariant: known member
  std::optional<MemberConfig> config; // absent: re-create from the current definition
  bool wipe_data = false;
};

// Change a host's shell environment (affects later starts there).
struct ShellAction {
  std::string host;
  std::map<std::string, std::string> exports;
  std::vector<std::string> unset;
};

// An etcdctl command run from outside the cluster, e.g. "member add etcd4
// --peer-urls=http://10.101.99.101:3380" or "endpoint status -w table".
struct EtcdctlAction {
  std::string command;
  std::vector<Endpoint> endpoints;  // empty: etcdctl's default / the command's flags
};

// Split hosts into groups that can talk only within their group. Hosts named in no
// group form one more group together. A new partition replaces the previous one.
struct PartitionAction {
  std::vector<std::vector<std::string>> groups;  // Invariant: each host at most once
};

struct HealAction {};  // remove every partition

struct NoteAction {
  std::string text;
};

// An action a layer above sim/ carries out (the cloud layer's `aws` lines, sim/cloud):
// the loader checks only that the key is one of kExtensionActionKeys and keeps the value
// as written; the layer that owns the key validates it when the deployment is built
// (sim/extension.h), with errors at `path`.
struct ExtAction {
  std::string key;       // "aws"
  nlohmann::json value;  // as written (a string or an array of lines)
};
inline constexpr const char* kExtensionActionKeys[] = {"aws", "ec2", "curl", "dig"};

using Action = std::variant<ProcessAction, HostAction, RunAction, ShellAction, EtcdctlAction,
                            PartitionAction, HealAction, NoteAction, ExtAction>;

struct TimelineEntry {
  int64_t at_ns = 0;
  Action action;
  std::string note;        // optional free text shown next to the action
  size_t file_index = 0;   // position in the file's timeline array (ties keep this order)
  std::string path;        // "$.timeline[3]"
};

// ---- expectations ----

struct PutExpect {
  Endpoint via;
  std::string key;
  std::string value;
  bool succeeds = true;
  // --user NAME:PASSWORD for the probe's client ("" = none): it authenticates first, as
  // etcdctl does (sim/etcdctl.h etcdctl_as).
  std::string user, password;
  std::string path;
};

// found == false: the key must be absent. found && value: it must hold exactly value.
// found && !value: it must exist with any value.
struct GetExpect {
  Endpoint via;
  std::string key;
  std::optional<std::string> value;
  bool found = true;
  std::string user, password;  // as PutExpect's
  std::string path;
};

// Every assertion is optional; Invariant: at least one is set. To add one: a field here,
// a key in the loader's table, a line in scenarios/README.md.
struct Expectation {
  int64_t at_ns = 0;
  std::optional<int64_t> clusters;       // number of distinct cluster IDs among running members
  std::optional<int64_t> leaders;        // members that believe they are leader
  std::optional<int64_t> running;        // member processes running
  std::optional<bool> quorum;            // whether a quorum of the cluster is up and connected
  std::optional<PutExpect> put;
  std::optional<GetExpect> get;
  // member handle -> names in the member list as that member reports it (etcd --name
  // values, "" for an unstarted member), order-insensitive.
  std::map<std::string, std::vector<std::string>> members;
  std::optional<std::string> leader_on_host;  // some leader runs on this host
  std::optional<std::string> leader_not_on_host;  // no running leader on this host (also: no leader at all)
  // Some leader now leads at a higher term than any leader of its cluster at this earlier
  // time (a probe then records who led): an election has completed since.
  // Invariant: earlier than at_ns.
  std::optional<int64_t> leader_changed_since;
  std::optional<int64_t> term_at_least;  // the highest raft term of a running member is >= N
  // Assertions a layer above sim/ judges (the cloud layer's "asg", "targets"; see
  // kExtensionExpectKeys), kept as written and validated when the deployment is built.
  std::map<std::string, nlohmann::json> ext;
  std::string note;
  size_t file_index = 0;
  std::string path;  // "$.expect[0]"
};

// ---- the fault lab (scenarios/README.md, "Faults", "Nemesis", "Clients") ----

// A fault the nemesis injects. Names in files: fault_kind_name().
enum class FaultKind {
  kCrash,         // a member's process is killed and restarted after `duration`
  kHostDown,      // a host dies (power loss: unsynced writes of its members are lost) and returns
  kTerminate,     // a member's instance is gone with its data dir (stays gone; see README)
  kPartition,     // host groups or member groups cannot talk for `duration`
  kOneWay,        // packets from `from` to `to` are dropped (the other direction flows)
  kLoss,          // packets between from/to are lost with `probability`
  kDuplicate,     // ... delivered twice with `probability`
  kReorder,       // ... delayed by up to `delay` outside their stream's FIFO order
  kDelay,         // ... delayed by `delay` more (FIFO kept): a latency spike
  kClock,         // a member's ticker runs at `rate` times its configured speed
  kSlowFsync,     // a member's fsync takes `latency`
  kMemberRemove,  // `etcdctl member remove` of a member through the others
  kMemberAdd,     // `etcdctl member add` of a spare through the others, then (maybe) its start
  kIsolate,       // a member cut off from every other member (peer traffic both ways) for `duration`
};
inline constexpr int kFaultKinds = 14;

// A crash or isolate whose target is this word strikes whichever member leads when it
// begins (or, with after_leader_change, the member the next election makes leader).
inline constexpr const char* kLeaderTarget = "leader";
[[nodiscard]] const char* fault_kind_name(FaultKind k);  // "crash", "host_down", ...
[[nodiscard]] std::optional<FaultKind> fault_kind_from_name(std::string_view name);

inline constexpr int64_t kPpm = 1'000'000;  // probabilities and rates are parts per million

// One explicit fault. Which fields matter depends on the kind (README table); the
// others keep their defaults and are not written back.
struct Fault {
  int64_t at_ns = 0;
  FaultKind kind = FaultKind::kCrash;
  // crash/terminate/clock/slow_fsync/member_remove/member_add/isolate: one member
  // (member_add: a spare; crash/isolate: or kLeaderTarget); host_down: one host.
  std::string target;
  // 0: terminate and member_remove are permanent / instantaneous; member_add: the spare
  // is never started (otherwise it starts `duration` after the fault begins).
  int64_t duration_ns = 0;
  bool lose_unsynced = false;                      // crash
  // partition: groups of hosts (hosts_level) or of members; the rest form one more group.
  std::vector<std::vector<std::string>> groups;
  bool host_groups = true;
  // one_way (required) / loss / duplicate / reorder / delay (empty: every member).
  std::vector<std::string> from, to;
  int64_t probability_ppm = 0;  // loss / duplicate / reorder
  int64_t delay_ns = 0;         // reorder (max extra), delay (extra), slow_fsync (fsync latency)
  int64_t rate_ppm = kPpm;      // clock: 2'000'000 = ticks twice as fast
  // member_add: the add waits (at most kLeaderChangeWaitNs) for the next leader change.
  // crash/isolate: the fault strikes `lag_ns` after the next leader change (a target of
  // kLeaderTarget: the new leader) and lasts until at + duration; no leader change by
  // then: it does nothing.
  bool after_leader_change = false;
  int64_t lag_ns = 0;           // crash/isolate with after_leader_change
  std::string note;             // free text, in the trace's `fault` event and the timeline
  std::string path;             // "$.faults[3]" ("" for drawn faults)
};

// How long a member_add with after_leader_change waits for a new leader before it adds
// anyway.
inline constexpr int64_t kLeaderChangeWaitNs = 10'000'000'000;

// When a fault is over: at + duration; a member_add that waits for a leader change lasts
// at least the wait.
[[nodiscard]] inline int64_t fault_end_ns(const Fault& f) {
  const int64_t d = f.kind == FaultKind::kMemberAdd && f.after_leader_change && f.duration_ns < kLeaderChangeWaitNs
                        ? kLeaderChangeWaitNs
                        : f.duration_ns;
  return f.at_ns + d;
}

// The random fault budget; materialize() (sim/nemesis/nemesis.h) draws it per seed.
struct NemesisBudget {
  std::vector<FaultKind> kinds;     // Invariant: non-empty, no repeats
  int64_t start_ns = 0;             // window: faults start in [start, end) and end by `end`
  int64_t end_ns = 0;
  int64_t mean_gap_ns = 0;          // gap between fault starts: uniform in [0, 2 * mean]
  int64_t min_duration_ns = 0;
  int64_t max_duration_ns = 0;
  int64_t max_down = 1;             // members unavailable at once (crash, host_down, terminate, member_remove,
                                    // member_add until the spare starts)
  int64_t max_faults = 1000;
  int64_t max_terminations = 1;
  int64_t lose_unsynced_ppm = kPpm / 2;        // chance a crash loses unsynced writes
  int64_t loss_ppm = 200'000, duplicate_ppm = 200'000, reorder_ppm = 200'000;
  int64_t reorder_delay_ns = 20'000'000;       // 20ms
  int64_t delay_ns = 200'000'000;              // 200ms
  std::vector<int64_t> clock_rates_ppm{kPpm / 2, 2 * kPpm};
  int64_t fsync_latency_ns = 100'000'000;      // slow fsync: 100ms
  // Leader-targeted faults (etcd's functional tester's *_LEADER cases): the chance a
  // drawn crash or isolate targets the leader; half of those strike after the next
  // leader change, lag drawn in [0, leader_lag_max].
  int64_t leader_ppm = 0;
  int64_t leader_lag_max_ns = 5'000'000;       // 5ms
  std::string path;  // "$.nemesis"
};

// A Jepsen-style workload: `count` clients, each with one operation in flight.
struct ClientWorkload {
  int64_t count = 0;
  int64_t start_ns = 0, end_ns = 0;       // ops are issued in [start, end)
  int64_t min_think_ns = 0, max_think_ns = 0;  // pause after an op completes
  int64_t keys = 1;                       // keys "k0".."k<keys-1>"
  int64_t read_ppm = kPpm / 2;            // chance an op is a get
  int64_t serializable_ppm = 0;           // chance a get is serializable (-s)
  int64_t timeout_ns = 0;                 // per-op deadline
  int64_t max_ops = 0;                    // per client; 0 = unlimited
  // Every put's value stands for this many bytes (a declared-size value, "c1-5#NB",
  // sim/etcd/entry_codec.h: counted by raft's MsgApp byte limit, never materialized);
  // 0 = short values ("c1-5").
  int64_t value_bytes = 0;
  std::vector<std::string> endpoints;     // members the clients dial (empty: all)
  // "user": "NAME:PASSWORD": every client holds a token for NAME (authenticated before its
  // first op; that Authenticate is not modelled per op). "" = no credentials.
  std::string user, password;
  std::string path;                       // "$.clients"
};

// Expectation keys judged by a layer above sim/ (sim/cloud): an ASG's counts, a target
// group's healthy targets.
inline constexpr const char* kExtensionExpectKeys[] = {"asg", "targets", "route", "routes", "dig"};

// The scenario's DNS ("dns", scenarios/README.md "Discovery"): A records (a name -> an
// IPv4 address; a declared host's address makes the name dialable) and SRV records
// ("_etcd-server._tcp.example.com" -> targets, in the order written).
struct SrvTarget {
  std::string target;  // a DNS name
  int port = 0;
};
struct Dns {
  std::map<std::string, std::string> a;                     // lower-case name -> IPv4
  std::map<std::string, std::vector<SrvTarget>> srv;        // lower-case service name -> records
  std::string path;                                         // "$.dns"
};

// A discovery service on a declared host ("discovery_services"): the v2 keys API that
// etcd's --discovery client uses, with the tokens it holds.
struct DiscoveryToken {
  std::string token;                // the URL path, e.g. "/v2/keys/discovery/6c007a"
  std::optional<std::string> size;  // `_config/size` as text; nullopt: never set
};
struct DiscoveryServiceSpec {
  std::string host;  // Invariant: a known host
  int port = 2379;
  std::vector<DiscoveryToken> tokens;
  std::string path;
};

struct Scenario {
  std::string file;          // label used in errors
  std::string name;          // Invariant: [a-z0-9-]+
  std::string description;
  uint64_t seed = 1;
  int64_t duration_ns = 0;   // end of the run. Invariant: >= every timeline/expect time
  bool duration_from_file = false;  // false: derived (last time + 10s)
  std::optional<std::string> etcd_version;
  Network network;
  std::vector<Host> hosts;
  std::vector<Member> members;
  std::vector<TimelineEntry> timeline;  // sorted by at_ns, ties in file order
  std::vector<Expectation> expect;      // sorted by at_ns, ties in file order
  int64_t fsync_latency_ns = 0;         // every member's fsync (0: instantaneous)
  // The fault lab. `faults` is sorted by at_ns (ties in file order). has_schedule: the
  // file has "faults" or "nemesis" (then `quiet` is recorded when the last fault ends).
  std::vector<Fault> faults;
  std::optional<NemesisBudget> nemesis;
  std::optional<ClientWorkload> clients;
  bool has_schedule = false;
  // The parsed document (comments dropped), kept for the scenario writer
  // (nemesis::write_scenario) so hosts/members are written back exactly.
  std::shared_ptr<const nlohmann::json> source;
  std::map<std::string, TextPos> positions;  // JSON path -> place in the file
  // The simulated AWS account ("cloud", scenarios/README.md), as written; sim/cloud reads
  // it. Files it names (a CloudFormation template) are read by the loader, never later:
  // `attachments` maps the name as written to the file's text.
  std::optional<Dns> dns;
  std::vector<DiscoveryServiceSpec> discovery_services;
  std::optional<nlohmann::json> cloud;
  std::map<std::string, std::string> attachments;

  [[nodiscard]] const Host* find_host(const std::string& host_name) const;
  [[nodiscard]] const Member* find_member(const std::string& member_name) const;
  // A LoadError for `path` in this scenario's file, with line/column filled in, for the
  // checks that need parsed etcd configs (e.g. two members on one host using one port).
  [[nodiscard]] LoadError error_at(const std::string& path, std::string message, std::string fix = {}) const;
};

}  // namespace raftlab::scenario
