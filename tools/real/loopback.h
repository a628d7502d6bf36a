// tools/real/loopback.h — the pure half of `raftlab diff`'s real-etcd driver: how a
// scenario is moved onto loopback addresses, how a member's etcd command line (after the
// docker line / Bitnami entrypoint model) becomes a real `etcd` argv + environment on this
// machine, how etcd's zap log lines are classified, and how `etcdctl -w json` output is read.
//
//   LoopbackMap map = make_loopback_map(s);           // host A 10.101.99.100 -> 127.0.0.11
//   scenario::Scenario ls = loopback_scenario(s, map, "3.4.23");
//   Place p{.host_lo = "127.0.0.11", .own_netns = true, .published = {{2379, 3379}}, ...};
//   auto cmd = real_etcd_command("/usr/bin/etcd", args, env, p);   // Result<RealCommand>
//   LogClass c = classify_log(parse_zap_line(line));
//
// Must never: start processes, touch files, or produce a URL whose host is not a
// loopback address (real_etcd_command fails instead).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/etcd/docker.h"
#include "sim/etcd/wording.h"
#include "sim/scenario/scenario.h"

namespace raftlab::real {

// Scenario host IP -> its own loopback address (host i -> 127.0.<net>.(11+i)). 127.0.0.1 is
// never used: inside a container it means the container itself. `net` (0..255) lets
// concurrent diffs on one machine (parallel test runs) use disjoint addresses.
struct LoopbackMap {
  std::vector<std::pair<std::string, std::string>> ips;  // scenario ip -> 127.0.0.x, in host order
  std::map<std::string, std::string> by_host;            // host name -> 127.0.0.x
};
etcd::Result<LoopbackMap> make_loopback_map(const scenario::Scenario& s, int net = 0);

// Every occurrence of a scenario host IP in `text` (not inside a longer dotted number)
// replaced by its loopback address.
std::string replace_ips(const std::string& text, const LoopbackMap& map);

// The scenario with every host IP replaced (hosts, shell env, member configs, `run`
// configs, `shell` exports, etcdctl commands and endpoints, expectation URLs) and
// etcd_version set to `version`: the simulation `diff` compares with. Member and cluster
// IDs derive from peer URLs, so both sides must use the same (loopback) URLs.
scenario::Scenario loopback_scenario(const scenario::Scenario& s, const LoopbackMap& map, const std::string& version);

// Where one etcd process runs on this machine.
struct Place {
  std::string host_lo;              // the scenario host's loopback address
  bool own_netns = false;           // docker bridge: listen ports are container ports, -p maps them
  std::map<int, int> published;     // container port -> host port
  std::vector<etcd::VolumeMount> volumes;  // docker -v (container path -> host path)
  std::string host_root;            // <tmp>/hosts/<host>: the host's file system
  std::string container_root;       // <tmp>/containers/<member>.<n>: a container's own file system
  std::string cwd;                  // working directory (relative data dirs)
  // Names of the scenario's DNS A records (lower case), each resolving to a loopback
  // address: an advertised URL may name one (the real side serves them, real_services.h).
  std::set<std::string> dns_names;
};

struct RealCommand {
  std::vector<std::string> argv;           // argv[0] = the etcd binary
  std::map<std::string, std::string> env;  // the complete environment
  std::string cwd;
  std::string data_dir;                    // the real data dir (absolute)
  std::string client_url;                  // first listen client URL (127.0.0.x:port)
  std::vector<std::string> peer_urls;      // listen peer URLs
};

// A URL of a listen flag (listen=true) or an advertised / initial-cluster URL, moved onto
// the place's loopback address. Error text says why it cannot be mapped.
etcd::Result<std::string> rewrite_url(const std::string& url, bool listen, const Place& p);
// A path inside the process's file system (container or host) -> the real path.
std::string map_path(const std::string& path, const Place& p);

// etcd's argv (without the program) and environment, as the model decided them, turned
// into a real command: URL flags/ETCD_* values moved to loopback, data dirs into the temp
// tree, --logger=zap to stderr added (as ETCD_LOGGER/ETCD_LOG_OUTPUTS unless set).
etcd::Result<RealCommand> real_etcd_command(const std::string& etcd_path, const std::vector<std::string>& args,
                                            const std::map<std::string, std::string>& env, const Place& p);

// ---- logs ----
struct LogLine {
  bool json = false;      // a zap JSON line (capnslog text lines and others are kept as msg)
  std::string level, msg;
  std::string detail;     // every other field as text ("error=...; cluster-id=...")
  std::map<std::string, std::string> fields;  // string fields
};
LogLine parse_zap_line(const std::string& line);

// The error classes `diff` compares ("" = none). Each is a substring family of etcd's own
// words (see docs/fidelity.md for the table and sources).
std::string classify_log(const std::string& level, const std::string& msg, const std::string& detail);
// Every class `classify_log` can return, for docs and tests.
std::vector<std::string> log_classes();

// ---- etcdctl -w json ----
struct EndpointStatus {
  std::string endpoint;
  std::uint64_t cluster_id = 0, member_id = 0, leader = 0, raft_term = 0, raft_index = 0;
};
std::optional<std::vector<EndpointStatus>> parse_endpoint_status_json(const std::string& text);

struct ListedMember {
  std::uint64_t id = 0;
  std::string name;
  std::vector<std::string> peer_urls, client_urls;
  bool is_learner = false;
};
struct MemberList {
  std::uint64_t cluster_id = 0, member_id = 0;
  std::vector<ListedMember> members;
};
std::optional<MemberList> parse_member_list_json(const std::string& text);

// `etcdctl get -w json`: nullopt = unparsable; {false,""} = absent; {true, value}.
std::optional<std::pair<bool, std::string>> parse_get_json(const std::string& text, const std::string& key);

// `etcdctl member add` output: the ETCD_* lines it prints.
std::map<std::string, std::string> parse_member_add_env(const std::string& stdout_text);

}  // namespace raftlab::real
