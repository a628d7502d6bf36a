// sim/etcd/member.h — one etcd server process, as etcd 3.4/3.5 behaves, inside the
// simulated world: listeners, the bootstrap decision, the raft loop (persist -> send ->
// apply, the one place that carries out raft::Ready's contract), the peer transport
// with cluster-ID checks, membership (add/remove/publish, strict reconfiguration), a
// small KV store with revisions, and what `endpoint status` / `member list` report.
//
// Must never: read the wall clock, iterate an unordered container, or keep state
// across a restart other than what is in its DataDir (the WAL).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "raft/node.h"
#include "sim/etcd/auth.h"
#include "sim/etcd/bootstrap.h"
#include "sim/etcd/config.h"
#include "sim/etcd/entry_codec.h"
#include "sim/event_loop.h"
#include "sim/network.h"
#include "sim/prng.h"
#include "sim/trace.h"
#include "sim/wire.h"

namespace raftlab::etcd {

// A bootstrap decision with what starting raft from it needs, all pure functions of the
// decision: its members as records, and (for a new cluster) each one's encoded ConfChange
// context in ascending member ID, the order of etcd's MemberIDs().
struct BootstrapMemo {
  Decision d;
  std::vector<sim::MemberRecord> records;
  std::vector<std::string> contexts;
};

// The etcd configuration a member runs with, after flags / ETCD_* env / the Bitnami
// entrypoint have been resolved (see sim/etcd/config.h for parsing).
struct MemberConfig {
  std::string name = "default";
  std::vector<std::string> listen_peer_urls{"http://localhost:2380"};
  std::vector<std::string> listen_client_urls{"http://localhost:2379"};
  std::vector<std::string> advertise_client_urls{"http://localhost:2379"};
  std::vector<std::string> initial_advertise_peer_urls{"http://localhost:2380"};
  std::vector<std::pair<std::string, std::string>> initial_cluster{{"default", "http://localhost:2380"}};
  bool state_new = true;  // --initial-cluster-state new|existing
  std::string token = "etcd-cluster";
  int heartbeat_ms = 100;
  int election_ms = 1000;
  bool pre_vote = true;  // etcd 3.5 default; 3.4 default false
  bool strict_reconfig_check = true;
  bool initial_election_tick_advance = true;
  std::string version = "3.5.18";
  // The full parsed configuration (flags + ETCD_* env), as the bootstrap decision and
  // error wording need it; shared, never copied per start. Invariant: consistent with
  // the fields above; never null once the member starts.
  std::shared_ptr<const EtcdConfig> source = std::make_shared<const EtcdConfig>();
  // Bootstrap decisions already taken for this configuration, by data-dir state and
  // peers' answers: decide_bootstrap is a pure function of them, and a seed sweep starts
  // the same member with the same inputs thousands of times. Shared with copies.
  std::shared_ptr<std::map<std::string, BootstrapMemo>> bootstrap_memo =
      std::make_shared<std::map<std::string, BootstrapMemo>>();
};

// The member's data dir (WAL + member metadata). Owned by the world; survives process
// restarts; gone with an instance or a wiped volume.
struct DataDir {
  // The directory itself was made by etcd (fileutil.TouchDirAll: mode 0700, owned by the
  // process's uid:gid); a wipe (rm -rf) clears it with everything else.
  bool made = false;
  std::uint32_t made_uid = 0, made_gid = 0;
  bool has_wal = false;
  std::uint64_t member_id = 0;
  std::uint64_t cluster_id = 0;
  raft::HardState hard_state;
  // etcd's snap/*.snap: the state machine (KV, membership, applied index) at
  // snapshot.index, taken every --snapshot-count applied entries or received from a
  // leader (sim/etcd/member_snapshot.cc). Empty (index 0) until then.
  raft::Snapshot snapshot;
  // The WAL: contiguous from snapshot.index + 1 (log[k] is index snapshot.index + 1 + k).
  // A deque: appended at the back, cut at the front by snapshots, never copied to grow
  // (a W3 run's peak RSS 64 -> 57 MiB); of StoredEntry, 16 bytes an entry, not 32.
  std::deque<raft::StoredEntry> log;
  std::uint64_t writes = 0;      // number of persisted Ready batches (diagnostics)
  // Bitnami's $ETCD_DATA_DIR/new_member_envs (written after its own `member add`).
  std::optional<std::map<std::string, std::string>> bitnami_new_member_envs;
};

// Faults the world injects into one container's processes (the nemesis); survives
// restarts. Owned by the world; a member only reads it.
struct MemberFaults {
  std::int64_t tick_rate_ppm = 1'000'000;  // ticker speed: 2'000'000 = twice as fast
  sim::Duration fsync_latency{0};         // how long each WAL save's fsync takes
};

// What the world gives a member process.
struct MemberHost {
  sim::EventLoop* loop = nullptr;
  sim::Network* net = nullptr;
  sim::Trace* trace = nullptr;
  sim::Origin origin;                 // netns/host/trace label, endpoint id
  bool own_netns = false;             // docker bridge network
  std::map<int, int> published;       // container port -> host port (docker -p)
  std::string host_ip;
  std::uint32_t planted_bugs = 0;     // raft/bugs.h bits (tests and fuzz only; 0 = correct code)
  const MemberFaults* faults = nullptr;  // null: no faults (instant fsync, true ticker)
  // The scenario's DNS and discovery services (--discovery, --discovery-srv); null: none.
  const sim::BootstrapServices* services = nullptr;
  // The data dir as etcd finds it at start (sim::World::data_dir_problem): a non-empty
  // error is fatal, with data_dir_fatal_msg as etcd's message; a warning is logged.
  std::string data_dir_fatal_msg, data_dir_error, data_dir_warning;
  // Called once when the process exits by itself (fatal error, removed member).
  std::function<void(const std::string& error)> on_exit;
  // Called (if set) whenever raft's role or term changes, after the Ready that changed it
  // was handled: the fault lab strikes a leader the moment it is elected.
  std::function<void(raft::Role role, std::uint64_t term)> on_role;
};

enum class Phase : std::uint8_t { Init, Bootstrapping, Running, Stopped };

class Member {
 public:
  // `cfg` is never null; members started from one launcher share it.
  Member(MemberHost host, std::shared_ptr<const MemberConfig> cfg, DataDir* data, sim::Prng prng);
  ~Member();
  Member(const Member&) = delete;
  Member& operator=(const Member&) = delete;

  void start();
  // A stop keeps what was written (the OS writes its page cache).
  void stop(const std::string& reason);
  // The process dies (SIGKILL, or power loss with lose_unsynced): what was written and
  // not fsynced yet (the write whose fsync is in flight, and any commit-only hard state
  // before it) is kept (the OS still writes its page cache) or, with lose_unsynced,
  // rolled back and recorded as `data_loss`.
  void crash(bool lose_unsynced);

  Phase phase() const { return phase_; }
  // --discovery-fallback=proxy took over after "cluster is full": a v2 proxy, not a member.
  bool proxy() const { return proxy_; }
  bool serving() const { return phase_ == Phase::Running; }
  // etcd serves clients only after ReadyNotify, i.e. once its own publish (name and
  // client URLs, through raft) has been applied: that needs a leader and a quorum.
  bool ready() const { return phase_ == Phase::Running && published_; }
  std::uint64_t id() const { return member_id_; }
  int endpoint() const { return host_.origin.endpoint; }
  std::uint64_t cluster_id() const { return cluster_id_; }
  const MemberConfig& config() const { return *cfg_; }
  raft::Role role() const { return node_ && phase_ == Phase::Running ? node_->role() : raft::Role::Follower; }
  std::uint64_t leader() const;
  std::uint64_t term() const;
  std::uint64_t applied() const { return applied_; }
  const std::map<std::uint64_t, sim::MemberRecord>& members() const { return members_; }
  // rafthttp's IsIDRemoved: a stream from this ID is answered 410 Gone.
  bool is_removed(std::uint64_t id) const { return removed_.count(id) != 0; }
  const AuthStore& auth() const { return auth_; }
  std::vector<std::uint64_t> voters() const;
  sim::StatusInfo status() const;
  const std::string& fatal_error() const { return fatal_error_; }
  // When this member last heard from each peer (for strict reconfig "connected" checks).
  bool connected_to_all_voters_since(sim::Time since) const;

 private:
  // Bootstrap (sim/etcd/member_bootstrap.cc).
  void bind_listeners();
  void begin_bootstrap();
  void query_peers(const std::vector<const std::string*>& urls, sim::Duration timeout,
                   std::function<void(const sim::MembersReply*)> done);  // null: no answer
  void decide(const sim::MembersReply* remote);  // null: no peer answered (or none asked)
  // `contexts`: encode_member of `initial` in ascending ID (new cluster only), or null to encode them here.
  void start_raft(raft::Storage storage, bool bootstrap_new, const std::vector<sim::MemberRecord>& initial,
                  const std::vector<std::string>* contexts = nullptr);
  void fatal(const std::string& msg, const std::string& error);
  // The process exits (status 1) with `error`, having logged what it logs itself.
  void exit_process(const std::string& error);

  // Discovery (sim/etcd/member_discovery.cc): --discovery's JoinCluster, --discovery-srv's
  // records; `discovered_` is what decide() passes to decide_bootstrap.
  struct DiscoveryRun {
    sim::DiscoveryService* svc = nullptr;  // null: nothing serves the URL's host:port
    std::string endpoint, token, host;     // the URL without its path; the path; its host
    int port = 0;
    std::string self_key;                  // token + "/" + the member's ID in hex
    std::uint64_t retries = 0;             // logAndBackoffForRetry's count
    std::uint64_t size = 0;
    std::vector<sim::DiscoveryNode> all;   // waitNodes: the registrations found so far
    int watch = 0;                         // the service's watcher id (0: none)
  };
  struct DiscoveryAnswer {
    enum class Status : std::uint8_t { kOk, kRefused, kTimeout } status = Status::kOk;
    std::string error;  // kRefused: the dial error
    std::optional<std::string> size;
    sim::DiscoveryService::Listing listing;
    std::optional<std::uint64_t> created;
  };
  enum class DiscoveryFailure : std::uint8_t { kOther, kDuplicateId, kDuplicateName, kFullCluster };
  void begin_discovery();
  void discovery_call(std::function<void(sim::DiscoveryService&, DiscoveryAnswer&)> op,
                      std::function<void(const DiscoveryAnswer&)> done);
  void discovery_check_cluster(bool registered);
  void discovery_retry(bool registered, const char* reason);
  void discovery_create_self();
  void discovery_wait_nodes(std::vector<sim::DiscoveryNode> nodes, std::uint64_t index);
  void discovery_got_node(const sim::DiscoveryNode& n);
  void discovery_finish();
  void discovery_failed(const std::string& err, DiscoveryFailure kind);
  void resolve_srv();
  std::unique_ptr<DiscoveryRun> disc_;
  std::optional<Discovered> discovered_;
  bool proxy_ = false;  // --discovery-fallback=proxy took over: a v2 proxy, never a member
  bool srv_bootstrap_labels_ = false;  // the next persisted entries are an SRV bootstrap's own
  void label_srv_bootstrap(const std::vector<raft::Entry>& entries);  // member_persist.cc
  // --force-new-cluster: rewrites the WAL as restartAsStandaloneNode (sim/etcd/standalone.h).
  void force_standalone();
  raft::LogIndex standalone_commit_ = 0;  // the commit index raft restarts with after it (0: none)

  // Raft loop (sim/etcd/member_raft.cc).
  void schedule_tick(sim::Duration delay);
  void on_tick();
  void adjust_ticks_probe(int attempt);
  void process_ready();
  void send_raft(raft::Message&& m);
  void apply_entry(const raft::Entry& e);
  void apply_conf_change(const raft::Entry& e);
  void apply_normal(const raft::Entry& e);
  void finish_conf_waiter(std::uint64_t node_id, bool add);
  void on_peer_packet(const sim::Packet& p);
  void on_reply_packet(const sim::Packet& p);
  void maybe_publish();
  // etcd's publish loop (EtcdServer.publish, v3.4.23 etcdserver/server.go, v3.5.18
  // server/etcdserver/server.go): one attempt waits up to ReqTimeout() (5 s + 2 × the
  // election timeout) for its entry to be applied; its proposal goes out once a leader is
  // known (node.Propose blocks until then) and is not repeated within the attempt. A
  // deadline that passes logs "failed to publish local member to cluster through raft"
  // with parseProposeCtxErr's error, and the next attempt starts at once.
  void start_publish_attempt();
  void publish_deadline(std::uint64_t attempt);
  std::string propose_timeout_error(sim::Time start) const;  // parseProposeCtxErr
  sim::Duration req_timeout() const;
  // rafthttp's prober (probing_status.go monitorProbingStatus): per peer in the transport,
  // a health check 5 s after it was added, then every 5 s while unhealthy (logging
  // "prober detected unhealthy status" for its two round trippers) or 30 s while healthy.
  void prober_sync();   // peers follow members_ (AddPeer / RemovePeer)
  void prober_check();  // the checks that are due
  void note_role_change();
  sim::Duration tick_interval() const;

  // Persistence (sim/etcd/member_persist.cc): a Ready's snapshot, hard state and entries
  // are written at once (the page cache) and become durable when their fsync completes
  // (MemberFaults::fsync_latency later; at once when it is 0). As etcd's WAL.Save, only a
  // write with a snapshot, entries or a new term or vote is fsynced (raft.MustSync); a
  // commit-only hard state becomes durable with the next fsync. One fsync is in flight at
  // a time: no new Ready is taken before the previous one is durable and advanced.
  struct Unsynced {
    // User-provided: clang (14, 16: the fuzz build) does not see a nested struct with default
    // member initializers as default-constructible for std::optional::emplace().
    Unsynced() {}  // NOLINT(modernize-use-equals-default)
    bool snapshot_replaced = false;
    raft::Snapshot old_snapshot;
    // snapshot_replaced: the whole WAL before (a vector: an empty deque allocates, and an
    // Unsynced is made for every Ready that writes).
    std::vector<raft::StoredEntry> old_log;
    bool hs_changed = false;
    raft::HardState old_hs, hs;
    raft::LogIndex first = 0, last = 0;      // entries written (first == 0: none)
    std::vector<raft::StoredEntry> overwritten;  // the suffix from `first` they replaced
  };
  // Persists rd's hard state, snapshot and entries (the entries are moved into the data
  // dir: nothing after this reads rd.entries; Node::advance does not).
  // *must_sync: whether etcd fsyncs this write (raft.MustSync, or a snapshot).
  bool write_ready(raft::Ready& rd, bool* must_sync);
  void sync_write();  // an fsync completed: what was written is durable (append/hard_state)
  // synced: the write was fsynced (sync_write); false leaves it in the page cache.
  void finish_ready(raft::Ready& rd, bool leader, bool synced);
  // Moves each message into its packet (the Ready's messages are spent).
  void send_messages(std::vector<raft::Message>& msgs);
  sim::Duration fsync_latency() const;

  // Snapshots and compaction (sim/etcd/member_snapshot.cc).
  std::uint64_t snapshot_count() const;
  void maybe_snapshot();
  void apply_snapshot(const raft::Snapshot& snap);
  std::string encode_state() const;
  bool restore_state(const raft::Snapshot& snap);

  // Client API (sim/etcd/member_client.cc).
  void on_client_packet(const sim::Packet& p);
  void client_reply(int to, sim::ClientReply r);
  void client_propose(int to, const sim::ClientRequest& r, std::string data);
  // A waiter for a put or linearizable get (its entry data encoded unless given);
  // `batched`: its reply joins the Ready's ClientReplyBatch. Returns its proposal id.
  struct Waiter;
  Waiter& add_waiter(int to, const sim::ClientRequest& r, std::string data, bool batched);
  // A pipelined batch (wire.h ClientBatch): every request proposed, then one Ready.
  void on_client_batch(const sim::Packet& p, const sim::ClientBatch& b);
  // Sends the replies to batched requests that this Ready's applies produced: one
  // packet per client endpoint (a ClientReplyBatch, or a ClientReply for one).
  void flush_batch_replies();
  // apply_normal's parts: a put into the KV store; the reply to the waiter of a proposal
  // this member made (a Read's value looked up at apply time).
  void apply_put(std::string_view key, std::size_t key_hash, std::string_view value);
  void answer_waiter(std::uint64_t proposer, std::uint64_t proposal, bool read, std::string_view key);
  void answer_waiter_error(std::uint64_t proposal, const std::string& error);
  // An auth entry (entry_codec.h AuthEntry): an auth request, or a request made with a token.
  void apply_auth(const raft::Entry& e);
  // A request whose entry is an AuthEntry (`op`, `args`, the request's user).
  void propose_auth(int to, const sim::ClientRequest& r, const std::string& op, std::vector<std::string> args);
  std::uint64_t id_text_of_ = 0;  // member_id_ whose decimal text id_text_ holds
  std::string id_text_;
  const std::string& own_id_text();  // std::to_string(member_id_), kept
  void handle_member_add(int to, const sim::ClientRequest& r);
  void handle_member_remove(int to, const sim::ClientRequest& r);
  ReconfigCheckInput reconfig_input() const;
  void retry_pending_proposals();
  void expire_waiters();

  void log(const char* level, const std::string& msg, const std::string& fields = "");
  // A trace event stamped with now, this container and this member's IDs.
  void stamp(sim::TraceEvent& e, sim::Ev kind) const;  // time, kind, who, member and cluster IDs
  sim::TraceEvent event(sim::Ev kind) const;
  // event(kind) built in place in the trace (Trace::add; precondition: the trace is on).
  sim::TraceEvent& add_event(sim::Ev kind);
  std::string peer_url_of(std::uint64_t id) const;

  MemberHost host_;
  std::shared_ptr<const MemberConfig> cfg_;
  DataDir* data_;
  sim::Prng prng_;
  Phase phase_ = Phase::Init;
  std::uint64_t generation_ = 0;  // bumps on stop; stale timers check it
  std::unique_ptr<raft::Node> node_;
  std::uint64_t member_id_ = 0, cluster_id_ = 0;
  std::string fatal_error_;

  // Membership as applied from the log. Ordered maps: iteration is deterministic.
  std::map<std::uint64_t, sim::MemberRecord> members_;
  std::set<std::uint64_t> removed_;
  bool published_ = false;
  sim::Time publish_start_{-1};   // the current attempt's start (-1: none yet)
  std::uint64_t publish_attempt_ = 0;  // attempts started; the deadline timer checks it
  bool publish_proposed_ = false; // this attempt's proposal went to raft
  sim::Time lead_elected_at_{-1}; // leadElectedTime: when this member last saw a new leader
  struct ProbeState {
    sim::Time added;       // AddPeer: the prober's first probe is 4 s later
    sim::Time next_check;  // monitorProbingStatus's next wake-up
  };
  std::map<std::uint64_t, ProbeState> prober_;
  sim::Time prober_next_{INT64_MAX};  // the earliest next_check
  std::uint64_t prober_members_version_ = UINT64_MAX;

  // KV state machine.
  struct KeyValue { std::string value; std::uint64_t create_rev = 0, mod_rev = 0, version = 0; };
  // The KV store: looked up by string_view (transparent), never iterated except by the
  // snapshot encoder, which sorts the keys (no hash order can reach a trace or a byte).
  // A key with its kv_key_hash already known (from the entry's memo).
  struct HashedKey {
    std::string_view key;
    std::size_t hash;
    friend bool operator==(const HashedKey& a, const std::string& b) { return a.key == b; }
    friend bool operator==(const std::string& a, const HashedKey& b) { return a == b.key; }
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return kv_key_hash(s); }
    std::size_t operator()(const HashedKey& k) const { return k.hash; }
  };
  std::unordered_map<std::string, KeyValue, KeyHash, std::equal_to<>> kv_;
  std::uint64_t revision_ = 1;  // etcd starts at revision 1
  // Users, roles and the enabled flag as applied from the log (sim/etcd/auth.h).
  AuthStore auth_;
  std::uint64_t applied_ = 0;
  std::uint64_t applied_term_ = 0;  // term of the last applied entry (EtcdServer.Term())
  // Entries up to here were applied before this process started (restart from the WAL):
  // etcd skips them via its consistent index, so re-applying them here must not log or
  // trace membership changes a second time.
  std::uint64_t replayed_until_ = 0;
  std::uint64_t kv_bytes_ = 0;
  std::uint64_t snapshot_index_ = 0;  // etcd ep.snapi: index of the latest snapshot

  // Proposals waiting for their entry to be applied here.
  struct Waiter {
    int reply_to = -1;
    // Of the client's request, what the reply needs (not its key and value: those are in
    // `data`, and a batch holds thousands of waiters).
    std::uint64_t req = 0;  // ClientRequest::req
    sim::ClientOpKind kind = sim::ClientOpKind::Put;
    std::uint64_t member_id = 0;  // member remove
    raft::Payload data;     // entry data to (re)propose while no leader is known (shared with the entry)
    bool proposed = false;
    sim::Time deadline;
    std::uint64_t added_member = 0;
    bool batched = false;   // came in a ClientBatch: replied with the Ready's other replies
  };
  std::map<int, std::vector<sim::ClientReply>> batch_replies_;  // endpoint -> replies (flush_batch_replies)
  std::size_t applying_entries_ = 1;  // committed entries of the Ready being applied (answer_waiter)
  std::map<std::uint64_t, Waiter> waiters_;  // by proposal id
  // Client requests that arrived before ReadyNotify: the connection is accepted and the
  // request is served once etcd starts serving (if the client is still waiting).
  std::vector<sim::Packet> early_clients_;
  static constexpr std::size_t kEarlyClientsMax = 1024;
  std::uint64_t next_proposal_ = 1;

  // Peer liveness and bootstrap queries.
  std::map<std::uint64_t, sim::Time> last_heard_;
  std::map<std::uint64_t, sim::Time> connected_since_;
  // Bumped whenever members_ changes. on_tick's peer-liveness pass is a pure function of
  // (members_, the network's epoch) and idempotent, so it is skipped while neither moved.
  std::uint64_t members_version_ = 0;
  std::uint64_t liveness_members_version_ = UINT64_MAX;
  std::uint64_t liveness_net_epoch_ = 0;  // network epochs start at 1
  // members_ as the list a GET /members answer carries, rebuilt when members_version_ moved.
  std::shared_ptr<const std::vector<sim::MemberRecord>> members_list_;
  std::uint64_t members_list_version_ = 0;
  // Per peer: the URL last used, the network's remembered reachable() answer (on_tick
  // asks for every peer on every tick; the answer changes only with the network's epoch)
  // and the FIFO stream raft messages to it go on.
  struct PeerReach {
    std::string url;
    sim::Network::ReachMemo memo;
    sim::Network::Link link;
  };
  std::map<std::uint64_t, PeerReach> peer_reach_;
  // send_raft's route to each peer it sent to (its first peer URL and its PeerReach),
  // valid while members_version_ is the route's `version`: scanned per message (a handful
  // of peers) instead of two map lookups and a URL comparison; a stale one is looked up
  // again. Both maps' nodes never move.
  struct Route {
    std::uint64_t id;
    std::uint64_t version;
    const std::string* url;
    PeerReach* reach;
  };
  std::vector<Route> routes_;
  // The Ready whose WAL save is waiting for its fsync (while saving_).
  std::optional<raft::Ready> pending_ready_;
  PeerReach& peer(std::uint64_t id, const std::string& url);
  bool peer_reachable(std::uint64_t id, const std::string& url);
  std::set<std::uint64_t> mismatch_logged_;
  std::uint64_t next_query_ = 1;
  std::map<std::uint64_t, std::function<void(const sim::MembersReply&)>> queries_;
  std::optional<Unsynced> unsynced_;  // the write in the page cache, not yet fsynced
  bool saving_ = false;               // a Ready waits for its fsync (no new Ready meanwhile)
  raft::SoftState last_soft_;
  std::uint64_t last_term_logged_ = 0;
  int ticks_ = 0;
};

}  // namespace raftlab::etcd
