// sim/etcd/member.cc — lifecycle of an etcd member process: listeners, bootstrap,
// starting raft, stopping. See member.h.
#include "sim/etcd/member.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/etcd/entry_codec.h"
#include "sim/etcd/ids.h"
#include "sim/etcd/wording.h"

namespace raftlab::etcd {

using sim::Ev;
using sim::TraceEvent;

Member::Member(MemberHost host, std::shared_ptr<const MemberConfig> cfg, DataDir* data, sim::Prng prng)
    : host_(std::move(host)), cfg_(std::move(cfg)), data_(data), prng_(prng) {}

Member::~Member() = default;

std::uint64_t Member::leader() const { return node_ && phase_ == Phase::Running ? node_->leader() : 0; }
std::uint64_t Member::term() const { return node_ ? node_->term() : 0; }

std::vector<std::uint64_t> Member::voters() const {
  std::vector<std::uint64_t> v;
  if (node_) v = node_->conf_state().voters;
  return v;
}

void Member::stamp(sim::TraceEvent& e, sim::Ev kind) const {
  e.at = host_.loop->now();
  e.kind = kind;
  e.who = host_.origin.who;
  e.member_id = member_id_;
  e.cluster_id = cluster_id_;
}

sim::TraceEvent Member::event(sim::Ev kind) const {
  TraceEvent e;
  stamp(e, kind);
  return e;
}

sim::TraceEvent& Member::add_event(sim::Ev kind) {
  TraceEvent& e = host_.trace->add();
  stamp(e, kind);
  return e;
}

void Member::log(const char* level, const std::string& msg, const std::string& fields) {
  if (!host_.trace->on()) return;
  TraceEvent e = event(Ev::Log);
  e.a = level;
  e.b = msg;
  e.c = fields;
  host_.trace->record(std::move(e));
}

void Member::fatal(const std::string& msg, const std::string& error) {
  if (phase_ == Phase::Stopped) return;
  log("fatal", msg, error.empty() ? "" : "error=" + error);
  exit_process(error.empty() ? msg : msg + ": " + error);
}

void Member::exit_process(const std::string& error) {
  if (phase_ == Phase::Stopped) return;
  fatal_error_ = error;
  stop("fatal");
  // Report asynchronously: the caller may be deep inside this member's own stack.
  auto cb = host_.on_exit;
  const std::string err = fatal_error_;
  if (cb) host_.loop->after(sim::Duration{0}, [cb, err] { cb(err); });
}

void Member::start() {
  phase_ = Phase::Bootstrapping;
  if (host_.trace->on())
    log("info", "starting an etcd server",
      fmt::format("etcd-version={} name={} data-dir-has-wal={} initial-cluster-state={} initial-cluster-token={}",
                  cfg_->version, cfg_->name, data_->has_wal, cfg_->state_new ? "new" : "existing", cfg_->token));
  // etcdmain identifyDataDirOrDie reads the data dir before anything listens.
  if (!host_.data_dir_error.empty() && host_.data_dir_fatal_msg == "failed to list data directory") {
    log("fatal", host_.data_dir_fatal_msg, "dir=" + cfg_->source->data_dir + " error=" + host_.data_dir_error);
    exit_process(host_.data_dir_fatal_msg + ": " + host_.data_dir_error);
    return;
  }
  // A process needs time before it serves: etcd 3.4.23 here took 106–147 ms from exec to
  // "serving peer traffic" (embed.StartEtcd: listeners, the WAL and backend, NewServer,
  // then serving), recorded by scripts/stagger_real.sh's runs (docs/etcd-behaviour.md §11).
  // Until then nothing answers on its ports (a connection is refused, where the real
  // kernel would hold it in the listen backlog) and it asks no peer anything.
  const std::uint64_t gen = generation_;
  host_.loop->after(sim::millis(prng_.between(90, 130)), [this, gen] {
    if (gen != generation_ || phase_ != Phase::Bootstrapping) return;
    bind_listeners();
    if (phase_ != Phase::Bootstrapping) return;
    // embed.StartEtcd parses --auto-compaction-retention once the listeners are up (and
    // before NewServer touches the data dir); etcdmain warns, then dies "discovery failed".
    if (cfg_->source && cfg_->source->compaction_retention_error) {
      const std::string& e = *cfg_->source->compaction_retention_error;
      if (host_.trace->on()) log("warn", std::string(wording::kFailedToStartEtcd), "error=" + e);
      fatal("discovery failed", e);
      return;
    }
    // embed.StartEtcd -> etcdserver.NewServer: fileutil.TouchDirAll(data-dir) once the
    // listeners are up; etcdmain warns "failed to start etcd", then dies "discovery failed".
    if (!host_.data_dir_warning.empty() && host_.trace->on()) log("warn", "check file permission", "error=" + host_.data_dir_warning);
    if (!host_.data_dir_error.empty()) {
      if (host_.trace->on()) log("warn", std::string(wording::kFailedToStartEtcd), "error=" + host_.data_dir_error);
      fatal(host_.data_dir_fatal_msg, host_.data_dir_error);
      return;
    }
    host_.net->register_endpoint(host_.origin.endpoint, host_.origin,
                                 [this](sim::Packet& p) { on_reply_packet(p); });
    begin_bootstrap();
  });
}

void Member::stop(const std::string& reason) {
  if (phase_ == Phase::Stopped) return;
  (void)reason;
  sync_write();  // an orderly exit (or the OS after a process crash) completes the write
  ++generation_;
  phase_ = Phase::Stopped;
  host_.net->unlisten_all(host_.origin.endpoint);
  // A start takes a new endpoint (World::start_context), so this one's reply state goes.
  host_.net->close_endpoint(host_.origin.endpoint);
  waiters_.clear();  // clients see their connection drop and time out
  early_clients_.clear();
  queries_.clear();
  if (disc_ && disc_->svc && disc_->watch) disc_->svc->cancel_watch(disc_->watch);  // its connection closes
  disc_.reset();
}

void Member::bind_listeners() {
  auto bind_all = [&](const std::vector<std::string>& urls, bool peer) {
    for (const auto& url : urls) {
      std::string_view h;  // a view into the configuration's URL
      int port = 0;
      if (!sim::split_url(std::string_view(url), &h, &port)) {
        fatal(std::string(wording::kFailedToStartEtcd), fmt::format("invalid listen URL {}", url));
        return;
      }
      bool any = h.empty() || h == "0.0.0.0" || h == "[::]" || h == "::";
      const bool loop = h == "localhost" || h == "127.0.0.1" || h == "[::1]";
      if (!any && !loop) {
        // A specific IP: only the host's own IP exists in the host namespace; inside a
        // docker bridge container the host's IP is not assignable.
        if (host_.own_netns || h != host_.host_ip) {
          fatal(std::string(wording::kFailedToStartEtcd),
                fmt::format("listen tcp {}:{}: bind: cannot assign requested address", h, port));
          return;
        }
        any = true;
      }
      std::optional<int> publish;
      if (host_.own_netns) {
        auto it = host_.published.find(port);
        if (it != host_.published.end()) publish = it->second;
      }
      auto rx = peer ? sim::Network::Receiver([this](const sim::Packet& p) { on_peer_packet(p); })
                     : sim::Network::Receiver([this](const sim::Packet& p) { on_client_packet(p); });
      auto err = host_.net->listen(host_.origin.netns, port, any, publish, host_.origin.endpoint, std::move(rx));
      if (err) {
        fatal(std::string(wording::kFailedToStartEtcd), fmt::format("listen tcp {}:{}: {}", h, port, *err));
        return;
      }
    }
  };
  bind_all(cfg_->listen_peer_urls, true);
  if (phase_ != Phase::Bootstrapping) return;
  bind_all(cfg_->listen_client_urls, false);
}

void Member::query_peers(const std::vector<const std::string*>& urls, sim::Duration timeout,
                         std::function<void(const sim::MembersReply*)> done) {
  // getClusterFromRemotePeers: ask each URL; the first member that answers wins. A URL
  // that refuses the connection fails at once; one that never answers costs the timeout.
  struct State {
    std::function<void(const sim::MembersReply*)> done;
    bool finished = false;
    int outstanding = 0;
  };
  auto st = std::make_shared<State>();
  st->done = std::move(done);
  const std::uint64_t gen = generation_;
  for (const std::string* u : urls) {
    const std::string& url = *u;
    if (!host_.net->reachable(host_.origin, url)) continue;
    const std::uint64_t q = next_query_++;
    ++st->outstanding;
    queries_[q] = [st](const sim::MembersReply& r) {
      if (st->finished) return;
      st->finished = true;
      st->done(&r);
    };
    sim::Packet p;
    p.body = sim::MembersQuery{q};
    p.reply_to = host_.origin.endpoint;
    host_.net->send(host_.origin, url, std::move(p));
  }
  if (st->outstanding == 0) {
    host_.loop->after(sim::Duration{0}, [this, st, gen] {
      if (gen != generation_ || st->finished) return;
      st->finished = true;
      st->done(nullptr);
    });
    return;
  }
  host_.loop->after(timeout, [this, st, gen] {
    if (gen != generation_ || st->finished) return;
    st->finished = true;
    st->done(nullptr);
  });
}

void Member::start_raft(raft::Storage storage, bool bootstrap_new, const std::vector<sim::MemberRecord>& initial,
                        const std::vector<std::string>* contexts) {
  raft::Config rc;
  rc.id = member_id_;
  rc.heartbeat_ticks = 1;
  rc.election_ticks = std::max(1, cfg_->election_ms / std::max(1, cfg_->heartbeat_ms));
  rc.seed = prng_.next();
  rc.pre_vote = cfg_->pre_vote;
  rc.check_quorum = true;  // etcd's raft config always sets CheckQuorum
  rc.max_inflight_msgs = 512;  // server/etcdserver/raft.go maxInflightMsgs = 4096 / 8
  // server/etcdserver/raft.go maxSizePerMsg = 1 MiB; entries counted with their
  // declared-size values (entry_codec.h). docs/etcd-behaviour.md §9.
  rc.max_size_per_msg = 1024 * 1024;
  rc.entry_bytes = &entry_bytes;
  rc.bugs = host_.planted_bugs;
  node_ = std::make_unique<raft::Node>(rc, std::move(storage));
  // Proposal IDs: etcd's request IDs (pkg/idutil NewGenerator, seeded in NewServer with
  // time.Now()) start at the start time in milliseconds << 8, so a restarted member never
  // reuses an ID of an earlier incarnation whose entries it may still apply (it would
  // answer a new request with an old entry's result). A fresh member has nothing in the
  // log and starts at 1.
  if (!bootstrap_new && initial.empty())
    next_proposal_ = 1 + ((static_cast<std::uint64_t>(host_.loop->now().ns) / 1'000'000) << 8);
  for (const auto& m : initial) members_[m.id] = m;
  ++members_version_;
  if (bootstrap_new) {
    // The memo's contexts are `initial`'s; members_ holds exactly those here (a new
    // process), which the size check confirms cheaply.
    if (contexts != nullptr && contexts->size() != members_.size()) contexts = nullptr;
    std::vector<raft::NodeId> ids;
    std::vector<std::string> ctx;
    ids.reserve(members_.size());
    for (const auto& [id, m] : members_) {  // ascending member ID, as etcd's MemberIDs()
      ids.push_back(id);
      if (contexts == nullptr) ctx.push_back(encode_member(m));
    }
    node_->bootstrap(ids, contexts != nullptr ? *contexts : ctx);
    srv_bootstrap_labels_ = discovered_ && discovered_->dns != nullptr;
  }
  data_->has_wal = true;
  data_->member_id = member_id_;
  data_->cluster_id = cluster_id_;
  phase_ = Phase::Running;
  if (host_.trace->on()) {
    TraceEvent e = event(Ev::Bootstrap);
    e.a = bootstrap_new ? "new" : (initial.empty() ? "restart" : "existing");
    // The membership it starts from: the initial cluster (new), the fetched cluster
    // (existing); a restart takes it from its WAL.
    std::vector<std::string> ms;
    for (const auto& m : initial)
      for (const auto& u : m.peer_urls) ms.push_back((m.name.empty() ? sim::hex_id(m.id) : m.name) + "=" + u);
    e.index = initial.size();
    e.c = join(ms, ",");
    // What the operator configured, for the deployment-level checker (one token and one
    // intended member set must form one cluster, docs/checkers.md "single_cluster"):
    // the token, and whether --initial-cluster was given at all (etcd otherwise makes
    // "<name>=<advertised peer URLs>" of it: a one-member cluster nobody asked for).
    const EtcdConfig* src = cfg_->source.get();
    // Through discovery, the initial cluster is what the member found, and --discovery's
    // URL is the token (PeerURLsMapAndToken).
    const bool given = src == nullptr || src->set_by_flag.count("initial-cluster") != 0 ||
                       src->set_by_env.count("initial-cluster") != 0 || discovered_.has_value();
    const bool durl = src != nullptr && !src->discovery.empty() && discovered_.has_value();
    e.b = "token=" + (durl ? src->discovery : cfg_->token) + (given ? "" : " initial-cluster=default");
    host_.trace->record(std::move(e));
  }
  // The first tick lands at a random phase of the heartbeat interval: members started
  // together are not in lockstep (their tickers start when their processes do).
  schedule_tick(sim::micros(prng_.between(1, cfg_->heartbeat_ms * 1000)));
  process_ready();
  adjust_ticks_probe(0);
  prober_sync();
  if (phase_ == Phase::Running) start_publish_attempt();  // EtcdServer.Start: goAttach(publish)
}

}  // namespace raftlab::etcd
