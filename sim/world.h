// sim/world.h — one simulated deployment: virtual clock, event queue, root PRNG,
// network, hosts, containers/processes with their data dirs, etcdctl clients, and the
// trace. Everything that happens in a run happens through a World.
//
// Must never: read the wall clock, use threads, or iterate anything whose order could
// change between runs (all containers are ordered maps/vectors).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/discovery.h"
#include "sim/etcd/member.h"
#include "sim/event_loop.h"
#include "sim/network.h"
#include "sim/prng.h"
#include "sim/trace.h"
#include "sim/wire.h"

namespace raftlab::sim {

// What an image's entrypoint decides when a container starts (see sim/deploy.h).
struct Launch {
  // Exec: run etcd with `cfg`. Fail: the entrypoint exits with `error`. Block: the
  // entrypoint waits forever (if `block_etcd` is set, an etcd it started keeps running).
  enum class Kind : std::uint8_t { Exec, Fail, MemberAddThenExec, Block } kind = Kind::Exec;
  bool block_etcd = false;
  etcd::MemberConfig cfg;                                    // Exec (unless shared_cfg)
  // Exec: the configuration shared instead of copied (a launcher that hands the same one
  // to every start); when set, `cfg` is empty and config() reads this.
  std::shared_ptr<const etcd::MemberConfig> shared_cfg;
  const etcd::MemberConfig& config() const { return shared_cfg ? *shared_cfg : cfg; }
  std::vector<std::pair<std::string, std::string>> logs;     // (level, line) before exec
  std::string error;                                         // Fail: what the entrypoint prints
  // Fail because etcd refused its own configuration at start-up (flag parsing or
  // embed.Config.Validate): the flag ("--election-timeout") and etcd's fix. Deployment
  // reports these in the verdict as configuration errors (sim/deploy_config_errors.cc).
  std::string config_flag, config_fix;
  // MemberAddThenExec: `etcdctl member add` against these endpoints, then decide again.
  std::vector<std::string> add_endpoints;
  std::vector<std::string> add_peer_urls;
  std::string add_name;
  std::function<Launch(const ClientReply& reply)> after_add;
  bool wipe_data = false;  // remove the data dir before exec (Bitnami re-join)
  // Exec: the entrypoint's scripts run this long before exec'ing etcd (Bitnami's RBAC
  // retry window when its background etcd cannot start).
  Duration exec_delay{0};
  // Bitnami keeps `etcdctl member add`'s ETCD_* lines in a file in the data dir.
  std::optional<std::map<std::string, std::string>> new_member_envs;
  // Exec with Bitnami's etcd_configure_rbac: etcd starts at once as the script's
  // background etcd and the world runs the script's etcdctl calls against it, with its
  // retry_while timing (World::run_bitnami_rbac, sim/world_bitnami.cc); `logs_after` are
  // the setup's lines after the step. The exec that follows is the same process (the
  // sub-second restart is elided, sim/deploy_bitnami.cc).
  struct BitnamiRbac {
    std::string root_password;
    std::vector<std::string> endpoints;  // the scripts' etcdctl endpoints (127.0.0.1:2379 in the container)
    std::vector<std::pair<std::string, std::string>> logs_after;
  };
  std::optional<BitnamiRbac> rbac;
};

// Who a Bitnami is_node_still_a_member trial etcd is when its data dir has no WAL (a
// data dir holding only new_member_envs): it bootstraps from its flags, so its member
// and cluster IDs and its peers come from --initial-cluster/-token (sim/deploy_bitnami.cc).
struct TrialIdentity {
  bool known = false;  // false: the launcher could not derive one (the trial does nothing)
  bool state_new = true;
  std::uint64_t member_id = 0, cluster_id = 0;
  std::map<std::uint64_t, std::vector<std::string>> peers;  // initial members, by ID
};

// What an entrypoint may look at when it runs: the data dir, and (like the etcdctl
// calls in Bitnami's scripts) the cluster behind some endpoints.
struct StartContext {
  bool want_logs = true;  // false when the trace is off: launchers may skip their log lines
  bool data_has_wal = false;
  std::uint64_t wal_member_id = 0, wal_cluster_id = 0;
  // The probes default to "nothing answers" (a context built from the definition alone,
  // e.g. Deployment's port check of a `--network host` Bitnami container): a launcher may
  // call any of them, so none may be left empty (issue 24: an empty one threw
  // bad_function_call). World::start_context sets all three.
  // `etcdctl endpoint health`-like: true when the endpoint answers and its cluster has a leader.
  std::function<bool(const std::string& client_url)> endpoint_healthy = [](const std::string&) { return false; };
  // `etcdctl member list` against an endpoint; nullopt if it does not answer.
  std::function<std::optional<std::vector<MemberRecord>>(const std::string& client_url)> member_list =
      [](const std::string&) -> std::optional<std::vector<MemberRecord>> { return std::nullopt; };
  // Bitnami's is_node_still_a_member runs etcd from the data dir and greps its log
  // (World::trial_outcome): "stream" (a peer of its own cluster connects), "mismatch"
  // (a peer answers with another cluster ID), "removed" (a peer rejects it as removed),
  // "id_mismatch" (a peer dials it under another member ID), or "none" (no such line).
  // Without a WAL the trial bootstraps from its flags: `flags` says who it then is.
  std::function<std::string(const TrialIdentity& flags)> trial_outcome = [](const TrialIdentity&) {
    return std::string("none");
  };
  std::optional<std::map<std::string, std::string>> new_member_envs;  // file in the data dir
  // Non-empty: any etcd this container starts dies at once on its data dir (etcd's
  // "cannot access data directory: ..." / "failed to list data directory", as
  // World::data_dir_problem decides), so an entrypoint's background etcd never answers.
  std::string etcd_start_error;
};

using Launcher = std::function<Launch(const StartContext&)>;

// A directory's POSIX owner and permission bits.
struct DirPerm {
  std::uint32_t uid = 0, gid = 0;
  std::uint32_t mode = 0755;
};

// How a container's etcd reaches its data dir (docker --user and -v), for etcd's start-up
// checks (etcdmain identifyDataDirOrDie, etcdserver NewServer's fileutil.TouchDirAll):
// World::data_dir_problem. Filled by container_from_argv (sim/deploy.cc).
struct DataDirAccess {
  bool modelled = false;           // false: no check (a bare etcd process on the host)
  std::uint32_t uid = 0, gid = 0;  // the container's user: --user, else the image's USER
  std::string path;                // the data dir inside the container (etcd's error text)
  bool read_only = false;          // the mount holding it is :ro
  // A bind mount: the data dir's path on the host and the bind source (hosts' `dirs`).
  bool bind = false;
  std::string host_path, host_root;
  // Otherwise (image filesystem, named or anonymous volume: docker copies the image's
  // content and ownership into a new volume): the data dir as the image has it, if it
  // does, and the directory etcd would create it in.
  std::optional<DirPerm> image_data;
  DirPerm image_parent;
};

enum class RestartPolicy : std::uint8_t { No, Always, UnlessStopped, OnFailure };

struct ContainerSpec {
  std::string name;        // the scenario's handle (container name)
  HostIndex host = 0;
  bool own_netns = false;  // docker bridge network: its own namespace, ports via -p
  std::map<int, int> published;  // container port -> host port
  RestartPolicy restart = RestartPolicy::No;
  int restart_max = 0;           // on-failure:N (0 = unlimited)
  std::string volume_key;        // "" = data lives and dies with the container
  std::string image;             // "bitnami/etcd:3.5.18" or "etcd"
  Launcher launch;               // computes the etcd config at each start
  DataDirAccess access;          // who may write the data dir (docker --user, -v)
};

struct WorldOptions {
  std::uint64_t seed = 1;
  TraceLevel trace_level = TraceLevel::Default;
  NetworkOptions network;
  Duration fsync_latency{0};  // every member's WAL fsync (scenario "fsync_latency")
  std::uint32_t planted_bugs = 0;  // raft/bugs.h bits given to every member (tests, fuzz)
};

// A member as `etcdctl endpoint status` + `member list` would describe it.
struct MemberView {
  std::string name;        // container
  std::string host;
  bool running = false;    // etcd process up, raft running
  bool ready = false;      // serving clients (etcd's ReadyNotify: published through raft)
  std::string state;       // "running" | "stopped" | "exited: <error>" | "bootstrapping" | "never started"
  std::uint64_t member_id = 0, cluster_id = 0, leader = 0, term = 0;
  std::uint64_t commit = 0, applied = 0;
  raft::Role role = raft::Role::Follower;
  std::vector<MemberRecord> members;
  std::vector<std::uint64_t> voters;
  StatusInfo status;
  std::string client_url;  // first advertised client URL
};

struct ClusterView {
  std::uint64_t cluster_id = 0;
  std::vector<std::string> running;  // container names serving in this cluster
  std::vector<std::uint64_t> voters; // voting members (from the most advanced member's view)
  std::vector<std::string> leaders;  // running members that report themselves leader
  bool quorum = false;               // a majority of voters running and mutually reachable with a leader
};

struct ClientResult {
  bool ok = false;
  std::string error;   // etcd / etcdctl wording
  std::string endpoint;
  ClientReply reply;
};

class World {
 public:
  explicit World(WorldOptions opts);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  HostIndex add_host(const std::string& name, const std::string& ip);
  // A directory on a host as the scenario declares it (hosts[].dirs). An undeclared bind
  // source counts as prepared for the container's user (scenarios/README.md).
  void set_host_dir(HostIndex h, const std::string& path, DirPerm p) { host_dirs_[{h, path}] = p; }
  int add_container(ContainerSpec spec);  // created, not started
  int container_index(const std::string& name) const;  // -1 if unknown
  const ContainerSpec& container(int c) const { return containers_[static_cast<size_t>(c)].spec; }
  std::size_t container_count() const { return containers_.size(); }

  // Timeline actions.
  void start(int c);
  void stop(int c);     // docker stop: not restarted by the policy
  void kill(int c);     // crash: the restart policy applies
  void restart(int c);  // docker restart
  void replace(int c, ContainerSpec spec, bool wipe_data);  // docker rm + docker run
  // The definition of a container that has never run (its `docker run` line is expanded
  // in the host's shell when it is first started, not when the scenario is loaded).
  void respec(int c, ContainerSpec spec);
  bool ever_started(int c) const { return containers_[static_cast<size_t>(c)].ever_started; }
  void kill_host(HostIndex h);
  void restore_host(HostIndex h);
  void partition(const std::vector<std::vector<HostIndex>>& groups);
  void heal();

  // Fault primitives (the nemesis, sim/nemesis, drives them and records fault/fault_end).
  // crash: the process dies and is NOT restarted by its policy (the caller starts it
  // again); lose_unsynced: like a power loss, its WAL write whose fsync had not
  // completed is lost (`data_loss`). kill_host is a power loss for every member there.
  void crash(int c, bool lose_unsynced);
  // The instance is terminated with its data dir (`data_loss` "wiped"); it stays gone
  // until start()/replace(). `reason`: its `proc_exit` (a nemesis `terminate`:
  // "terminated", the instance is gone; `docker rm` from an instance's script: "removed").
  void terminate_instance(int c, const std::string& reason = "removed");
  void set_tick_rate(int c, std::int64_t ppm);                  // 1'000'000 = normal
  void set_fsync_latency(int c, std::optional<Duration> latency);  // nullopt: the scenario's
  bool wanted(int c) const { return containers_[static_cast<size_t>(c)].wanted; }
  bool up(int c) const { return containers_[static_cast<size_t>(c)].up; }
  // The member ID the container runs as (or last ran as, from its data dir); 0 if none.
  std::uint64_t member_id_of(int c);
  void note(const std::string& text);
  // Called whenever a member process's raft role or term changes (container, new role,
  // term), from inside that member's Ready handling: act later (loop().after(0)), not in
  // the callback. Set before the members start (the fault lab's leader-targeted faults).
  void watch_roles(std::function<void(int c, raft::Role role, std::uint64_t term)> f) { role_watch_ = std::move(f); }

  // etcdctl: tries the endpoints in order (clientv3 balancer); fails with
  // "context deadline exceeded" after `timeout` (etcdctl --command-timeout, 5s).
  // `client` numbers the caller in the trace (0: the timeline's etcdctl; the fault lab's
  // workload clients count from 1) so a history checker can tell concurrent clients apart.
  // `from_host`: the host the client runs on (-1: outside every host, the operator's
  // machine); a host's client is cut off with it (host down, partitions).
  void etcdctl(ClientRequest req, const std::vector<std::string>& endpoints,
               std::function<void(const ClientResult&)> done, Duration timeout = seconds(5),
               std::uint64_t client = 0, HostIndex from_host = -1);
  // Pipelined puts and linearizable gets to one endpoint (a member name or URL), sent as
  // one packet (wire.h ClientBatch) as a gRPC client's concurrent calls share one
  // connection; `done(i, result)` once for each request i, as its reply arrives (or with
  // "context deadline exceeded" after `timeout`). The trace records each request's
  // client_call / client_done as etcdctl does. Benchmarks (W3) use it.
  void etcdctl_batch(std::vector<ClientRequest> reqs, const std::string& endpoint,
                     std::function<void(std::size_t i, const ClientResult&)> done, Duration timeout = seconds(5),
                     std::uint64_t client = 0);

  void run_until(Time t);
  Time now() const { return loop_.now(); }

  std::vector<MemberView> members() const;
  // Cheap (no allocation): how many running members currently believe they lead.
  std::size_t leader_count() const;
  // Cheap (no allocation): how many members are running raft and have applied at least
  // `index` (a fresh cluster of n members has bootstrapped once each applied index n:
  // its n ConfChange entries). The W1 benchmark's phase split uses it.
  std::size_t applied_count(std::uint64_t index) const;
  std::vector<ClusterView> clusters() const;
  // Resolves a member name to its first advertised client URL; URLs pass through.
  std::string endpoint_url(const std::string& name_or_url) const;

  // A fresh endpoint id for a receiver outside the members (a load balancer's listener).
  EndpointId new_endpoint() { return next_endpoint_++; }
  // The etcd process serving `url` as seen from `from_host` (-1: from outside), if one
  // is up and serving: what a health check or a script's probe reaches.
  const etcd::Member* serving_member_at(HostIndex from_host, const std::string& url) const;

  EventLoop& loop() { return loop_; }
  Network& net() { return net_; }
  Trace& trace() { return trace_; }
  const Trace& trace() const { return trace_; }
  std::uint64_t seed() const { return opts_.seed; }
  // The DNS records and discovery services members may ask at bootstrap (sim/discovery.h).
  BootstrapServices& bootstrap_services() { return services_; }

 private:
  struct Container {
    ContainerSpec spec;
    int instance = 0;           // bumps on replace (new container, new anonymous volume)
    bool wanted = false;        // started and not stopped by the user
    bool up = false;            // process running (bootstrapping or serving)
    int restarts = 0;
    Duration backoff{0};
    Time started_at{};
    std::uint64_t gen = 0;      // bumps on every start/stop, cancels stale timers
    etcd::Member* member = nullptr;
    std::string last_error;
    std::string last_client_url;  // the first advertised client URL of its last member process
    bool ever_started = false;
    std::unique_ptr<etcd::MemberFaults> faults;  // shared with its member processes
    // data_dir()'s answer for the current spec and instance (null: look it up again).
    // Reset wherever the spec or the instance changes.
    etcd::DataDir* data = nullptr;
    NetnsIndex exec_netns = -1;  // the network namespace of its current etcd process
  };
  std::function<void(int c, raft::Role role, std::uint64_t term)> role_watch_;
  void trace_client_call(const ClientRequest& req, const std::string& endpoint, std::uint64_t client);
  void trace_client_done(const ClientResult& r, ClientOpKind kind, std::uint64_t client);
  void launch(int c);
  void launch_decided(int c, std::uint64_t gen, Launch l);
  void exec_etcd(int c, std::shared_ptr<const etcd::MemberConfig> cfg);
  void on_exit(int c, std::uint64_t gen, const std::string& error);
  void terminate(int c, const std::string& reason);
  etcd::DataDir* data_dir(int c);
  StartContext start_context(int c);
  std::string trial_outcome(int c, const TrialIdentity& flags);
  // etcd's verdict on the data dir at start: {fatal msg, error, warning}; empty error = fine.
  struct DataDirProblem {
    std::string fatal_msg, error, warning;
  };
  DataDirProblem data_dir_problem(int c);
  Origin client_origin(const std::string& who);
  // World::etcdctl from a given origin (a network namespace inside a container).
  void etcdctl_at(ClientRequest req, const std::vector<std::string>& endpoints,
                  std::function<void(const ClientResult&)> done, Duration timeout, std::uint64_t client, Origin o);
  // Bitnami's etcd_configure_rbac against container c's own etcd (sim/world_bitnami.cc).
  void run_bitnami_rbac(int c, std::uint64_t gen, Launch::BitnamiRbac rbac);
  void container_log(int c, const std::string& level, const std::string& line);
  void proc_event(Ev kind, const std::string& who, const std::string& a, const std::string& b = "");

  WorldOptions opts_;
  EventLoop loop_;
  Trace trace_;
  Prng root_;
  Network net_;
  BootstrapServices services_;
  std::vector<Container> containers_;
  std::map<std::string, std::unique_ptr<etcd::DataDir>> data_dirs_;
  std::map<std::pair<HostIndex, std::string>, DirPerm> host_dirs_;
  std::vector<std::unique_ptr<etcd::Member>> graveyard_;  // every member instance ever run
  int next_endpoint_ = 1;
  std::uint64_t next_req_ = 1;
};

}  // namespace raftlab::sim
