#include "sim/world.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/etcd/entry_codec.h"

namespace raftlab::sim {

World::World(WorldOptions opts)
    : opts_(opts),
      trace_(opts.trace_level),
      root_(opts.seed),
      net_(loop_, trace_, root_.derive("network"), opts.network) {
  net_.set_fault_prng(root_.derive("nemesis/net"));
}

World::~World() = default;

HostIndex World::add_host(const std::string& name, const std::string& ip) { return net_.add_host(name, ip); }

int World::add_container(ContainerSpec spec) {
  Container c;
  c.spec = std::move(spec);
  c.faults = std::make_unique<etcd::MemberFaults>();
  c.faults->fsync_latency = opts_.fsync_latency;
  // Deployments have a handful of containers: start with room for 8, not 1, 2, 4 (each
  // growth moves every spec's strings).
  if (containers_.empty()) containers_.reserve(8);
  containers_.push_back(std::move(c));
  return static_cast<int>(containers_.size() - 1);
}

int World::container_index(const std::string& name) const {
  for (size_t i = 0; i < containers_.size(); ++i)
    if (containers_[i].spec.name == name) return static_cast<int>(i);
  return -1;
}

void World::proc_event(Ev kind, const std::string& who, const std::string& a, const std::string& b) {
  if (!trace_.on()) return;
  TraceEvent e;
  e.at = loop_.now();
  e.kind = kind;
  e.who = who;
  e.a = a;
  e.b = b;
  trace_.record(std::move(e));
}

void World::note(const std::string& text) { proc_event(Ev::Note, "", text); }

etcd::DataDir* World::data_dir(int c) {
  Container& k = containers_[static_cast<size_t>(c)];
  if (k.data != nullptr) return k.data;
  const std::string key = k.spec.volume_key.empty()
                              ? "anon:" + k.spec.name + "#" + std::to_string(k.instance)
                              : "vol:" + net_.host_name(k.spec.host) + ":" + k.spec.volume_key;
  auto& slot = data_dirs_[key];
  if (!slot) slot = std::make_unique<etcd::DataDir>();
  k.data = slot.get();  // data_dirs_ never erases: the pointer stays valid
  return k.data;
}

const etcd::Member* World::serving_member_at(HostIndex from_host, const std::string& url) const {
  Origin from;
  from.host = from_host;
  from.netns = from_host >= 0 ? net_.host_netns(from_host) : -1;
  from.who = "probe";
  auto ep = net_.resolve_endpoint(from, url);
  if (!ep) return nullptr;
  for (const auto& m : graveyard_)
    if (m->serving() && m->endpoint() == *ep) return m.get();
  return nullptr;
}

Origin World::client_origin(const std::string& who) {
  Origin o;
  o.netns = -1;
  o.host = -1;
  o.who = who;
  return o;
}

StartContext World::start_context(int c) {
  StartContext ctx;
  ctx.want_logs = trace_.on();
  const etcd::DataDir* d = data_dir(c);
  ctx.data_has_wal = d->has_wal;
  ctx.wal_member_id = d->member_id;
  ctx.wal_cluster_id = d->cluster_id;
  // The closures capture only (this, c): small enough for std::function to hold without
  // allocating; the origin is built when an entrypoint actually asks.
  auto member_at = [this, c](const std::string& url) -> const etcd::Member* {
    const Container& k = containers_[static_cast<size_t>(c)];
    Origin from;
    from.host = k.spec.host;
    from.netns = -1;  // the entrypoint's etcdctl dials host addresses, not its own loopback
    from.who = k.spec.name;
    auto ep = net_.resolve_endpoint(from, url);
    if (!ep) return nullptr;
    for (const auto& m : graveyard_)
      if (m->serving() && m->endpoint() == *ep) return m.get();
    return nullptr;
  };
  ctx.endpoint_healthy = [member_at](const std::string& url) {
    const etcd::Member* m = member_at(url);
    return m && m->leader() != 0;
  };
  ctx.member_list = [member_at](const std::string& url) -> std::optional<std::vector<MemberRecord>> {
    const etcd::Member* m = member_at(url);
    if (!m) return std::nullopt;
    std::vector<MemberRecord> out;
    for (const auto& [id, rec] : m->members()) out.push_back(rec);
    return out;
  };
  ctx.new_member_envs = d->bitnami_new_member_envs;
  ctx.etcd_start_error = data_dir_problem(c).error;
  ctx.trial_outcome = [this, c](const TrialIdentity& flags) { return trial_outcome(c, flags); };
  return ctx;
}

void World::start(int c) {
  Container& k = containers_[static_cast<size_t>(c)];
  k.wanted = true;
  if (k.up) return;
  k.backoff = Duration{0};
  launch(c);
}

void World::launch(int c) {
  Container& k = containers_[static_cast<size_t>(c)];
  if (k.up) return;
  if (!net_.host_up(k.spec.host)) return;  // the host's docker daemon is down with it
  // docker refuses to start a container whose published host port is taken.
  for (size_t i = 0; i < containers_.size(); ++i) {
    const Container& o = containers_[i];
    if (static_cast<int>(i) == c || !o.up || o.spec.host != k.spec.host) continue;
    for (const auto& [cp, hp] : k.spec.published) {
      for (const auto& [ocp, ohp] : o.spec.published) {
        (void)cp;
        (void)ocp;
        if (hp == ohp) {
          const std::string err = fmt::format(
              "docker: Error response from daemon: driver failed programming external connectivity on "
              "endpoint {}: Bind for 0.0.0.0:{} failed: port is already allocated.",
              k.spec.name, hp);
          k.last_error = err;
          proc_event(Ev::ProcExit, k.spec.name, "refused", err);
          k.wanted = false;
          return;
        }
      }
    }
  }
  k.up = true;
  k.ever_started = true;
  k.gen++;
  k.started_at = loop_.now();
  k.last_error.clear();
  proc_event(Ev::ProcStart, k.spec.name, k.spec.image);
  Launch l = k.spec.launch(start_context(c));
  launch_decided(c, k.gen, std::move(l));
}

namespace {
// The configuration an Exec launch runs: shared as the launcher handed it, or moved out.
std::shared_ptr<const etcd::MemberConfig> take_config(Launch&& l) {
  if (l.shared_cfg) return std::move(l.shared_cfg);
  return std::make_shared<const etcd::MemberConfig>(std::move(l.cfg));
}
}  // namespace

void World::launch_decided(int c, std::uint64_t gen, Launch l) {
  Container& k = containers_[static_cast<size_t>(c)];
  if (gen != k.gen || !k.up) return;
  for (const auto& [level, line] : l.logs) {
    if (!trace_.on()) break;
    TraceEvent e;
    e.at = loop_.now();
    e.kind = Ev::Log;
    e.who = k.spec.name;
    e.a = level;
    e.b = line;
    trace_.record(std::move(e));
  }
  if (l.wipe_data) *data_dir(c) = etcd::DataDir{};
  if (l.new_member_envs) data_dir(c)->bitnami_new_member_envs = l.new_member_envs;
  switch (l.kind) {
    case Launch::Kind::Block:
      // The entrypoint waits forever; an etcd it started may keep running meanwhile.
      if (l.block_etcd) exec_etcd(c, take_config(std::move(l)));
      return;
    case Launch::Kind::Fail:
      on_exit(c, gen, l.error);
      return;
    case Launch::Kind::MemberAddThenExec: {
      ClientRequest req;
      req.kind = ClientOpKind::MemberAdd;
      req.peer_urls = l.add_peer_urls;
      req.key = l.add_name;
      auto after = l.after_add;
      etcdctl(std::move(req), l.add_endpoints, [this, c, gen, after](const ClientResult& r) {
        Container& kk = containers_[static_cast<size_t>(c)];
        if (gen != kk.gen || !kk.up) return;
        ClientReply reply = r.reply;
        reply.ok = r.ok;
        if (!r.ok) reply.error = r.error;
        launch_decided(c, gen, after(reply));
      });
      return;
    }
    case Launch::Kind::Exec:
      if (l.exec_delay.ns > 0) {
        const Duration delay = l.exec_delay;
        auto cfg = take_config(std::move(l));
        loop_.after(delay, [this, c, gen, cfg] {
          Container& kk = containers_[static_cast<size_t>(c)];
          if (gen != kk.gen || !kk.up) return;
          exec_etcd(c, cfg);
        });
        return;
      }
      if (l.rbac) {
        Launch::BitnamiRbac rbac = std::move(*l.rbac);
        exec_etcd(c, take_config(std::move(l)));
        run_bitnami_rbac(c, gen, std::move(rbac));
        return;
      }
      exec_etcd(c, take_config(std::move(l)));
      return;
  }
}

void World::container_log(int c, const std::string& level, const std::string& line) {
  if (!trace_.on()) return;
  TraceEvent e;
  e.at = loop_.now();
  e.kind = Ev::Log;
  e.who = containers_[static_cast<size_t>(c)].spec.name;
  e.a = level;
  e.b = line;
  trace_.record(std::move(e));
}

void World::exec_etcd(int c, std::shared_ptr<const etcd::MemberConfig> cfg) {
  Container& k = containers_[static_cast<size_t>(c)];
  etcd::MemberHost h;
  h.loop = &loop_;
  h.net = &net_;
  h.trace = &trace_;
  h.origin.netns = k.spec.own_netns ? net_.add_netns(k.spec.host) : net_.host_netns(k.spec.host);
  k.exec_netns = h.origin.netns;
  h.origin.host = k.spec.host;
  h.origin.who = k.spec.name;
  h.origin.endpoint = next_endpoint_++;
  h.own_netns = k.spec.own_netns;
  h.published = k.spec.published;
  h.host_ip = net_.host_ip(k.spec.host);
  h.planted_bugs = opts_.planted_bugs;
  h.faults = k.faults.get();
  h.services = &services_;
  const DataDirProblem dp = data_dir_problem(c);
  h.data_dir_fatal_msg = dp.fatal_msg;
  h.data_dir_error = dp.error;
  h.data_dir_warning = dp.warning;
  if (dp.error.empty() && k.spec.access.modelled) {
    etcd::DataDir* d = data_dir(c);
    if (!d->made && !k.spec.access.bind && !k.spec.access.image_data) {
      d->made = true;  // TouchDirAll's MkdirAll: 0700, the process's user
      d->made_uid = k.spec.access.uid;
      d->made_gid = k.spec.access.gid;
    } else if (!d->made && k.spec.access.bind && !host_dirs_.count({k.spec.host, k.spec.access.host_path}) &&
               k.spec.access.host_path != k.spec.access.host_root) {
      d->made = true;
      d->made_uid = k.spec.access.uid;
      d->made_gid = k.spec.access.gid;
    }
  }
  net_.name_endpoint(h.origin.endpoint, k.spec.name);
  const std::uint64_t gen = k.gen;
  h.on_exit = [this, c, gen](const std::string& error) { on_exit(c, gen, error); };
  if (role_watch_) h.on_role = [this, c](raft::Role role, std::uint64_t term) { role_watch_(c, role, term); };
  // Each process instance gets its own stream, derived from the container name and a
  // start counter, so one member's draws never shift another's.
  Prng prng = root_.derive("member/" + k.spec.name + "/" + std::to_string(k.restarts + 1000 * k.instance));
  auto m = std::make_unique<etcd::Member>(std::move(h), std::move(cfg), data_dir(c), prng);
  k.member = m.get();
  if (!k.member->config().advertise_client_urls.empty()) k.last_client_url = k.member->config().advertise_client_urls.front();
  graveyard_.push_back(std::move(m));
  k.member->start();
}

void World::on_exit(int c, std::uint64_t gen, const std::string& error) {
  Container& k = containers_[static_cast<size_t>(c)];
  if (gen != k.gen || !k.up) return;
  if (k.member) k.member->stop("exited");
  k.member = nullptr;
  k.up = false;
  k.gen++;
  k.last_error = error;
  proc_event(Ev::ProcExit, k.spec.name, "exited", error);
  const auto policy = k.spec.restart;
  const bool again = k.wanted && (policy == RestartPolicy::Always || policy == RestartPolicy::UnlessStopped ||
                                  (policy == RestartPolicy::OnFailure &&
                                   (k.spec.restart_max == 0 || k.restarts < k.spec.restart_max)));
  if (!again) return;
  // Docker's restart manager: the delay starts at 100 ms and doubles up to 1 minute;
  // it resets once a container has run for 10 seconds.
  if (loop_.now() - k.started_at >= seconds(10) || k.backoff.ns == 0)
    k.backoff = millis(100);
  else
    k.backoff = std::min(k.backoff * 2, seconds(60));
  k.restarts++;
  const std::uint64_t g = k.gen;
  loop_.after(k.backoff, [this, c, g] {
    Container& kk = containers_[static_cast<size_t>(c)];
    if (kk.gen != g || !kk.wanted) return;
    launch(c);
  });
}

void World::terminate(int c, const std::string& reason) {
  Container& k = containers_[static_cast<size_t>(c)];
  k.gen++;
  if (!k.up) return;
  if (k.member) k.member->stop(reason);
  k.member = nullptr;
  k.up = false;
  proc_event(Ev::ProcExit, k.spec.name, reason);
}

void World::stop(int c) {
  containers_[static_cast<size_t>(c)].wanted = false;
  terminate(c, "stopped");
}

void World::kill(int c) {
  Container& k = containers_[static_cast<size_t>(c)];
  if (!k.up) return;
  const std::uint64_t g = k.gen;
  // A crash is an exit with an error: the restart policy decides what happens next.
  on_exit(c, g, "killed");
}

void World::restart(int c) {
  terminate(c, "restarting");
  containers_[static_cast<size_t>(c)].wanted = true;
  containers_[static_cast<size_t>(c)].backoff = Duration{0};
  launch(c);
}

void World::replace(int c, ContainerSpec spec, bool wipe_data) {
  Container& k = containers_[static_cast<size_t>(c)];
  terminate(c, "removed");
  spec.name = k.spec.name;
  k.spec = std::move(spec);
  k.instance++;  // docker rm + run: a new container, a new anonymous volume
  k.data = nullptr;
  k.restarts = 0;
  if (wipe_data) *data_dir(c) = etcd::DataDir{};
  k.wanted = true;
  k.backoff = Duration{0};
  launch(c);
}

void World::respec(int c, ContainerSpec spec) {
  Container& k = containers_[static_cast<size_t>(c)];
  spec.name = k.spec.name;
  k.spec = std::move(spec);
  k.data = nullptr;
}

void World::kill_host(HostIndex h) {
  proc_event(Ev::HostDown, net_.host_name(h), "");
  for (size_t i = 0; i < containers_.size(); ++i) {
    if (containers_[i].spec.host != h) continue;
    // A power loss: what was not fsynced is gone.
    if (containers_[i].up && containers_[i].member) containers_[i].member->crash(true);
    terminate(static_cast<int>(i), "host down");
  }
  net_.set_host_up(h, false);
}

void World::restore_host(HostIndex h) {
  net_.set_host_up(h, true);
  proc_event(Ev::HostUp, net_.host_name(h), "");
  // At boot the docker daemon restarts containers whose policy is always/unless-stopped.
  for (size_t i = 0; i < containers_.size(); ++i) {
    Container& k = containers_[i];
    if (k.spec.host != h || !k.wanted) continue;
    if (k.spec.restart == RestartPolicy::Always || k.spec.restart == RestartPolicy::UnlessStopped) {
      k.backoff = Duration{0};
      launch(static_cast<int>(i));
    } else {
      k.wanted = false;
    }
  }
}

void World::crash(int c, bool lose_unsynced) {
  Container& k = containers_[static_cast<size_t>(c)];
  k.wanted = false;  // the nemesis holds it down; docker's restart policy does not act
  if (!k.up) return;
  if (k.member) k.member->crash(lose_unsynced);
  terminate(c, "killed");
}

void World::terminate_instance(int c, const std::string& reason) {
  Container& k = containers_[static_cast<size_t>(c)];
  k.wanted = false;
  if (k.up && k.member) k.member->crash(true);
  terminate(c, reason);
  etcd::DataDir* d = data_dir(c);
  const std::uint64_t held = d->snapshot.index + d->log.size();
  *d = etcd::DataDir{};
  k.instance++;  // a new instance gets a new anonymous volume
  k.data = nullptr;
  if (trace_.on()) {
    TraceEvent e;
    e.at = loop_.now();
    e.kind = Ev::DataLoss;
    e.who = k.spec.name;
    e.index = 0;
    e.a = "wiped";
    e.b = fmt::format("instance terminated: data dir with {} log entries gone", held);
    trace_.record(std::move(e));
  }
}

void World::set_tick_rate(int c, std::int64_t ppm) {
  containers_[static_cast<size_t>(c)].faults->tick_rate_ppm = ppm;
}

void World::set_fsync_latency(int c, std::optional<Duration> latency) {
  containers_[static_cast<size_t>(c)].faults->fsync_latency = latency.value_or(opts_.fsync_latency);
}

std::uint64_t World::member_id_of(int c) {
  const Container& k = containers_[static_cast<size_t>(c)];
  if (k.member && k.member->id() != 0) return k.member->id();
  return data_dir(c)->member_id;
}

void World::partition(const std::vector<std::vector<HostIndex>>& groups) {
  std::string d;
  for (const auto& g : groups) {
    d += "[";
    for (size_t i = 0; i < g.size(); ++i) d += (i ? "," : "") + net_.host_name(g[i]);
    d += "]";
  }
  proc_event(Ev::Partition, "", d);
  net_.partition(groups);
}

void World::heal() {
  proc_event(Ev::Heal, "", "");
  net_.heal();
}

std::string World::endpoint_url(const std::string& name_or_url) const {
  if (name_or_url.find("://") != std::string::npos) return name_or_url;
  int c = container_index(name_or_url);
  if (c < 0) return name_or_url;
  const Container& k = containers_[static_cast<size_t>(c)];
  if (k.member && !k.member->config().advertise_client_urls.empty())
    return k.member->config().advertise_client_urls.front();
  // Stopped: the URL its last process advertised (its own client port, not 2379).
  if (!k.last_client_url.empty()) return k.last_client_url;
  // Never run: the first published client port on the host, as an operator would dial.
  for (const auto& [cp, hp] : k.spec.published)
    if (cp == 2379) return fmt::format("http://{}:{}", net_.host_ip(k.spec.host), hp);
  return fmt::format("http://{}:2379", net_.host_ip(k.spec.host));
}

// The trace's client_call / client_done events of etcdctl and etcdctl_batch.
void World::trace_client_call(const ClientRequest& req, const std::string& endpoint, std::uint64_t client) {
  if (!trace_.on()) return;
  TraceEvent& e = trace_.add();  // built in place; nothing below records
  e.at = loop_.now();
  e.kind = Ev::ClientCall;
  e.who = endpoint;
  e.index = req.req;
  e.peer = client;
  switch (req.kind) {
    case ClientOpKind::Put: e.a = "put"; e.b = req.key; e.c = req.value; break;
    case ClientOpKind::Get: e.a = req.serializable ? "get-s" : "get"; e.b = req.key; break;
    case ClientOpKind::MemberAdd: e.a = "member-add"; e.b = fmt::format("{}", fmt::join(req.peer_urls, ",")); break;
    case ClientOpKind::MemberRemove: e.a = "member-remove"; e.b = hex_id(req.member_id); break;
    case ClientOpKind::MemberList: e.a = "member-list"; break;
    case ClientOpKind::Status: e.a = "status"; break;
    // The op and the user it names, never a password.
    case ClientOpKind::Auth: e.a = "auth"; e.b = req.auth_op; if (!req.auth_args.empty()) e.c = req.auth_args.front(); break;
  }
}

void World::trace_client_done(const ClientResult& r, ClientOpKind kind, std::uint64_t client) {
  if (!trace_.on()) return;
  TraceEvent& e = trace_.add();  // built in place; nothing below records
  e.at = loop_.now();
  e.kind = Ev::ClientDone;
  e.who = r.endpoint;
  e.index = r.reply.req;
  e.a = r.ok ? "ok" : "error";
  if (!r.ok) {
    e.b = r.error;
  } else if (kind == ClientOpKind::Get) {
    e.b = r.reply.found ? "found" : "absent";
    if (r.reply.found) e.c = r.reply.value;
  } else if (kind == ClientOpKind::Put) {
    e.b = fmt::format("revision={}", r.reply.revision);
  }
  e.peer = client;
}

void World::etcdctl(ClientRequest req, const std::vector<std::string>& endpoints,
                    std::function<void(const ClientResult&)> done, Duration timeout, std::uint64_t client,
                    HostIndex from_host) {
  Origin o = client_origin("etcdctl");
  if (from_host >= 0) {
    o.host = from_host;
    o.netns = net_.host_netns(from_host);
  }
  etcdctl_at(std::move(req), endpoints, std::move(done), timeout, client, std::move(o));
}

void World::etcdctl_at(ClientRequest req, const std::vector<std::string>& endpoints,
                       std::function<void(const ClientResult&)> done, Duration timeout, std::uint64_t client,
                       Origin o) {
  struct Call {
    std::function<void(const ClientResult&)> done;
    bool finished = false;
    int ep = -1;
    std::string endpoint;
    ClientOpKind kind = ClientOpKind::Put;
    std::uint64_t client = 0;
  };
  auto call = std::make_shared<Call>();
  call->kind = req.kind;
  call->client = client;
  call->done = std::move(done);
  req.req = next_req_++;
  req.deadline = loop_.now() + timeout;
  const int ep = next_endpoint_++;
  call->ep = ep;
  o.endpoint = ep;
  auto finish = [this, call](ClientResult r) {
    if (call->finished) return;
    call->finished = true;
    net_.close_endpoint(call->ep);
    r.endpoint = std::move(call->endpoint);  // finished: the call needs it no more
    trace_client_done(r, call->kind, call->client);
    call->done(r);
  };
  const std::uint64_t rid = req.req;
  net_.register_endpoint(ep, o, [finish, rid](Packet& p) {
    auto* rep = std::get_if<ClientReply>(&p.body);
    if (!rep || rep->req != rid) return;
    ClientResult r;
    r.ok = rep->ok;
    r.error = rep->error;
    r.reply = std::move(*rep);  // the reply packet is ours alone
    finish(std::move(r));
  });
  bool reachable = false;
  for (const auto& e : endpoints) {
    std::string url = endpoint_url(e);
    if (net_.reachable(o, url)) {
      call->endpoint = std::move(url);
      reachable = true;
      break;
    }
  }
  if (!reachable && !endpoints.empty()) call->endpoint = endpoint_url(endpoints.front());
  trace_client_call(req, call->endpoint, client);
  if (reachable) {
    Packet p;
    p.body = std::move(req);  // not read below
    p.reply_to = ep;
    net_.send(o, call->endpoint, std::move(p));
  }
  loop_.after(timeout, [finish, call, rid] {
    if (call->finished) return;  // finish would ignore it
    ClientResult r;
    r.ok = false;
    r.error = "context deadline exceeded";
    r.reply.req = rid;
    finish(r);
  });
}

void World::etcdctl_batch(std::vector<ClientRequest> reqs, const std::string& endpoint,
                          std::function<void(std::size_t i, const ClientResult&)> done, Duration timeout,
                          std::uint64_t client) {
  if (reqs.empty()) return;
  struct Batch {
    std::function<void(std::size_t, const ClientResult&)> done;
    std::vector<ClientOpKind> kinds;
    std::vector<bool> finished;
    std::size_t open = 0;
    std::uint64_t first_req = 0;
    int ep = -1;
    std::string endpoint;
    std::uint64_t client = 0;
  };
  auto b = std::make_shared<Batch>();
  b->done = std::move(done);
  b->client = client;
  b->first_req = next_req_;
  for (auto& r : reqs) {
    r.req = next_req_++;
    r.deadline = loop_.now() + timeout;
    b->kinds.push_back(r.kind);
  }
  b->finished.assign(reqs.size(), false);
  b->open = reqs.size();
  const int ep = next_endpoint_++;
  b->ep = ep;
  Origin o = client_origin("etcdctl");
  o.endpoint = ep;
  b->endpoint = endpoint_url(endpoint);
  auto finish = [this, b](ClientResult r) {
    const std::uint64_t i = r.reply.req - b->first_req;
    if (r.reply.req < b->first_req || i >= b->finished.size() || b->finished[i]) return;
    b->finished[i] = true;
    if (--b->open == 0) net_.close_endpoint(b->ep);
    r.endpoint = b->endpoint;
    trace_client_done(r, b->kinds[i], b->client);
    b->done(i, r);
  };
  net_.register_endpoint(ep, o, [finish](Packet& p) {
    auto one = [&finish](ClientReply& rep) {
      ClientResult r;
      r.ok = rep.ok;
      r.error = rep.error;
      r.reply = std::move(rep);  // the reply packet is ours alone
      finish(std::move(r));
    };
    if (auto* rep = std::get_if<ClientReply>(&p.body)) {
      one(*rep);
    } else if (auto* all = std::get_if<ClientReplyBatch>(&p.body)) {
      for (auto& each : all->replies) one(each);
    }
  });
  for (const auto& r : reqs) trace_client_call(r, b->endpoint, client);
  const std::uint64_t first = b->first_req, n = reqs.size();
  if (net_.reachable(o, b->endpoint)) {
    Packet p;
    p.body = ClientBatch{std::move(reqs)};
    p.reply_to = ep;
    net_.send(o, b->endpoint, std::move(p));
  }
  loop_.after(timeout, [finish, b, first, n] {
    if (b->open == 0) return;  // every request answered: finish would ignore each
    for (std::uint64_t k = 0; k < n; ++k) {
      ClientResult r;
      r.ok = false;
      r.error = "context deadline exceeded";
      r.reply.req = first + k;
      finish(r);
    }
  });
}

void World::run_until(Time t) { loop_.run_until(t); }

std::size_t World::leader_count() const {
  std::size_t n = 0;
  for (const auto& k : containers_)
    if (k.member && k.member->serving() && k.member->role() == raft::Role::Leader) ++n;
  return n;
}

std::size_t World::applied_count(std::uint64_t index) const {
  std::size_t n = 0;
  for (const auto& k : containers_)
    if (k.member && k.member->serving() && k.member->applied() >= index) ++n;
  return n;
}

std::vector<MemberView> World::members() const {
  std::vector<MemberView> out;
  for (const auto& k : containers_) {
    MemberView v;
    v.name = k.spec.name;
    v.host = net_.host_name(k.spec.host);
    const etcd::Member* m = k.member;
    if (m) {
      v.member_id = m->id();
      v.cluster_id = m->cluster_id();
      v.running = m->serving();
      v.ready = m->ready();
      v.state = m->serving() ? "running" : m->proxy() ? "v2 proxy (not a member)" : "bootstrapping";
      if (m->serving()) {
        v.role = m->role();
        v.leader = m->leader();
        v.term = m->term();
        v.applied = m->applied();
        v.status = m->status();
        v.commit = v.status.raft_index;
        for (const auto& [id, rec] : m->members()) v.members.push_back(rec);
        v.voters = m->voters();
      }
      if (!m->config().advertise_client_urls.empty()) v.client_url = m->config().advertise_client_urls.front();
    } else if (k.up) {
      v.state = "starting";
    } else if (!k.ever_started) {
      v.state = "never started";
    } else if (!k.last_error.empty()) {
      v.state = "exited: " + k.last_error;
    } else {
      v.state = "stopped";
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<ClusterView> World::clusters() const {
  std::map<std::uint64_t, ClusterView> by_id;
  std::map<std::uint64_t, std::uint64_t> best_applied;
  const auto views = members();
  for (const auto& v : views) {
    if (!v.running) continue;
    auto& cv = by_id[v.cluster_id];
    cv.cluster_id = v.cluster_id;
    cv.running.push_back(v.name);
    if (v.role == raft::Role::Leader) cv.leaders.push_back(v.name);
    if (!best_applied.count(v.cluster_id) || v.applied > best_applied[v.cluster_id]) {
      best_applied[v.cluster_id] = v.applied;
      cv.voters = v.voters;
    }
  }
  std::vector<ClusterView> out;
  for (auto& [id, cv] : by_id) {
    // Quorum: some leader that a majority of the voters (running, in this cluster, and
    // reachable from it) follow.
    for (const auto& lname : cv.leaders) {
      const MemberView* leader = nullptr;
      for (const auto& v : views)
        if (v.name == lname) leader = &v;
      if (!leader) continue;
      const int lc = container_index(lname);
      size_t support = 0;
      for (std::uint64_t voter : leader->voters) {
        for (size_t i = 0; i < views.size(); ++i) {
          const auto& v = views[i];
          if (!v.running || v.member_id != voter || v.cluster_id != id) continue;
          if (!net_.connected(containers_[i].spec.host, containers_[static_cast<size_t>(lc)].spec.host)) continue;
          if (v.leader == leader->member_id) ++support;
        }
      }
      if (!leader->voters.empty() && support * 2 > leader->voters.size()) cv.quorum = true;
    }
    out.push_back(std::move(cv));
  }
  return out;
}

}  // namespace raftlab::sim
