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
#include <optional>
#include <string>
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

struct Host {
  std::string name;  // Invariant: unique, [A-Za-z0-9._-]+
  std::string ip;    // Invariant: unique dotted-quad IPv4
  // The host's shell environment (exported variables), visible to `docker run -e NAME`
  // without a value, `--env-file`-less shells and bare etcd binaries started there.
  std::map<std::string, std::string> env;
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
struct HostAction {
  HostOp op = HostOp::kKill;
  std::string host;  // Invariant: known host
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

using Action = std::variant<ProcessAction, HostAction, RunAction, ShellAction, EtcdctlAction,
                            PartitionAction, HealAction, NoteAction>;

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
  std::string path;
};

// found == false: the key must be absent. found && value: it must hold exactly value.
// found && !value: it must exist with any value.
struct GetExpect {
  Endpoint via;
  std::string key;
  std::optional<std::string> value;
  bool found = true;
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
  std::string note;
  size_t file_index = 0;
  std::string path;  // "$.expect[0]"
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
  std::map<std::string, TextPos> positions;  // JSON path -> place in the file

  [[nodiscard]] const Host* find_host(const std::string& host_name) const;
  [[nodiscard]] const Member* find_member(const std::string& member_name) const;
  // A LoadError for `path` in this scenario's file, with line/column filled in, for the
  // checks that need parsed etcd configs (e.g. two members on one host using one port).
  [[nodiscard]] LoadError error_at(const std::string& path, std::string message, std::string fix = {}) const;
};

}  // namespace raftlab::scenario
