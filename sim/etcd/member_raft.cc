// sim/etcd/member_raft.cc — the raft loop of a member: ticks, the Ready contract
// (persist -> send -> apply -> advance), the peer transport and applying entries.
#include <memory>

#include <fmt/format.h>

#include "sim/etcd/entry_codec.h"
#include "sim/etcd/member.h"
#include "sim/etcd/wording.h"

namespace raftlab::etcd {

using sim::Ev;
using sim::TraceEvent;

void Member::schedule_tick(sim::Duration delay) {
  const std::uint64_t gen = generation_;
  host_.loop->after(delay, [this, gen] {
    if (gen != generation_ || phase_ != Phase::Running) return;
    on_tick();
  });
}

Member::PeerReach& Member::peer(std::uint64_t id, const std::string& url) {
  PeerReach& r = peer_reach_[id];
  if (r.url != url) {
    r.url = url;
    r.memo = {};
    r.link = {};
  }
  return r;
}

bool Member::peer_reachable(std::uint64_t id, const std::string& url) {
  return host_.net->reachable(host_.origin, url, &peer(id, url).memo);
}

void Member::on_tick() {
  ++ticks_;
  // Peer liveness as etcd's transport sees it: a stream to a peer is "active" while the
  // peer is reachable; ActiveSince is when it last became reachable.
  const sim::Time now = host_.loop->now();
  const std::uint64_t net_epoch = host_.net->epoch();
  if (net_epoch != liveness_net_epoch_ || members_version_ != liveness_members_version_) {
    for (const auto& [id, m] : members_) {
      if (id == member_id_ || m.peer_urls.empty()) continue;
      if (peer_reachable(id, m.peer_urls.front())) {
        connected_since_.try_emplace(id, now);
      } else {
        connected_since_.erase(id);
      }
    }
    liveness_net_epoch_ = net_epoch;
    liveness_members_version_ = members_version_;
  }
  node_->tick();
  process_ready();
  // A request whose wait has ended (its client's deadline or ReqTimeout) is dropped before
  // the waiting ones are proposed again: its context has ended, so node.Propose returns.
  expire_waiters();
  retry_pending_proposals();
  maybe_publish();
  prober_sync();
  prober_check();
  if (phase_ == Phase::Running) schedule_tick(tick_interval());
}

// etcd's adjustTicks (server.go): a single-member cluster fast-forwards its election
// clock by electionTicks-1; a multi-member one, once more than one peer connection is
// active (checked every 50 ms for up to 5 s), by electionTicks-2.
void Member::adjust_ticks_probe(int attempt) {
  const std::uint64_t gen = generation_;
  const int election_ticks = cfg_->election_ms / cfg_->heartbeat_ms;
  if (members_.size() <= 1 && attempt == 0) {
    for (int i = 0; i < election_ticks - 1; ++i) node_->tick();
    process_ready();
    return;
  }
  if (!cfg_->initial_election_tick_advance || attempt >= 100) return;
  host_.loop->after(sim::millis(50), [this, gen, attempt, election_ticks] {
    if (gen != generation_ || phase_ != Phase::Running) return;
    int active = 0;
    for (const auto& [id, m] : members_) {
      if (id != member_id_ && !m.peer_urls.empty() && peer_reachable(id, m.peer_urls.front()))
        ++active;
    }
    if (active > 1) {
      for (int i = 0; i < election_ticks - 2; ++i) node_->tick();
      process_ready();
      return;
    }
    adjust_ticks_probe(attempt + 1);
  });
}

void Member::process_ready() {
  // Bounded: a Ready loop that never drains would be a raft bug. While a write waits
  // for its fsync no new Ready is taken (raft::Node hands none out before advance()).
  for (int rounds = 0; rounds < 64 && phase_ == Phase::Running && !saving_ && node_->has_ready(); ++rounds) {
    raft::Ready rd = node_->ready();
    const bool leader = node_->role() == raft::Role::Leader;
    if (rd.soft_state || rd.hard_state) note_role_change();
    // etcd v3.5 etcdserver/raft.go (raftNode.start, the `case rd := <-r.Ready()` arm):
    //   - committed entries go to the apply loop (r.applyc) first; applying does not
    //     wait for this Ready's WAL write (since v3.5.5 it does when the committed
    //     entries overlap this Ready's new entries, shouldWaitWALSync, etcd issue 14370:
    //     a one-member cluster; raft::Node never hands such a Ready out, because a
    //     leader counts its own entries only after advance());
    //   - `if islead { r.transport.Send(r.processMessages(rd.Messages)) }` BEFORE
    //     r.storage.Save(rd.HardState, rd.Entries): "the leader can write to its disk in
    //     parallel with replicating to the followers and them writing to their disks"
    //     (raft thesis 10.2.1). The leader counts its own entries toward commit only
    //     after advance() (raft::Node), i.e. once they are durable;
    //   - a follower or candidate saves first and sends only after Save returned (its
    //     MsgAppResp / MsgVoteResp promise durable state);
    //   - then r.Advance().
    // Save returns when the WAL's fsync completed (MemberFaults::fsync_latency here), or
    // at once when it does not fsync (raft.MustSync false: no new entries, term or vote).
    if (leader) send_messages(rd.messages);
    bool must_sync = false;
    if (!write_ready(rd, &must_sync)) return;
    // Apply (a leader's snapshot first).
    if (rd.snapshot) {
      apply_snapshot(*rd.snapshot);
      if (phase_ != Phase::Running) return;
    }
    applying_entries_ = rd.committed_entries.size();
    for (const auto& e : rd.committed_entries) {
      apply_entry(e);
      if (phase_ != Phase::Running) return;
    }
    if (!batch_replies_.empty()) flush_batch_replies();
    const sim::Duration lat = fsync_latency();
    if (!must_sync || lat.ns <= 0) {
      finish_ready(rd, leader, must_sync);
      continue;
    }
    saving_ = true;
    pending_ready_ = std::move(rd);  // one save at a time (saving_)
    const std::uint64_t gen = generation_;
    host_.loop->after(lat, [this, gen, leader] {
      if (gen != generation_ || phase_ != Phase::Running) return;
      saving_ = false;
      raft::Ready done = std::move(*pending_ready_);
      pending_ready_.reset();
      finish_ready(done, leader, true);
      process_ready();
    });
    return;
  }
}

void Member::finish_ready(raft::Ready& rd, bool leader, bool synced) {
  if (synced) sync_write();
  if (!leader) send_messages(rd.messages);
  node_->advance(rd);
  node_->recycle(std::move(rd));  // its vectors' storage serves the next Ready
  maybe_snapshot();
}

void Member::send_messages(std::vector<raft::Message>& msgs) {
  for (auto& m : msgs) {
    if ((m.type == raft::MessageType::MsgVoteResp || m.type == raft::MessageType::MsgPreVoteResp) && !m.reject &&
        host_.trace->on()) {
      TraceEvent e = event(Ev::Vote);
      e.term = m.term;
      e.peer = m.to;
      e.a = m.type == raft::MessageType::MsgVoteResp ? "vote" : "prevote";
      host_.trace->record(std::move(e));
    }
    send_raft(std::move(m));
  }
}

sim::Duration Member::tick_interval() const {
  const std::int64_t base = static_cast<std::int64_t>(cfg_->heartbeat_ms) * 1'000'000;
  if (!host_.faults || host_.faults->tick_rate_ppm == 1'000'000 || host_.faults->tick_rate_ppm <= 0)
    return sim::nanos(base);
  return sim::nanos(std::max<std::int64_t>(1, base * 1'000'000 / host_.faults->tick_rate_ppm));
}

std::string Member::peer_url_of(std::uint64_t id) const {
  auto it = members_.find(id);
  if (it == members_.end() || it->second.peer_urls.empty()) return {};
  return it->second.peer_urls.front();
}

void Member::send_raft(raft::Message&& m) {
  Route* r = nullptr;
  for (Route& x : routes_) {
    if (x.id == m.to) {
      r = &x;
      break;
    }
  }
  if (r == nullptr || r->version != members_version_) {
    const auto it = members_.find(m.to);
    // etcd: "ignored message send request; unknown remote peer target"
    if (it == members_.end() || it->second.peer_urls.empty()) return;
    const std::string& url = it->second.peer_urls.front();
    if (r == nullptr) r = &routes_.emplace_back();
    *r = Route{m.to, members_version_, &url, &peer(m.to, url)};
  }
  sim::Packet p{decltype(sim::Packet::body)(std::in_place_type<sim::RaftEnvelope>, cluster_id_, member_id_, std::move(m)),
                host_.origin.endpoint};
  host_.net->send(host_.origin, *r->url, std::move(p), &r->reach->link);
}

void Member::note_role_change() {
  raft::SoftState now{node_->leader(), node_->role()};
  const std::uint64_t term = node_->term();
  if (now == last_soft_ && term == last_term_logged_) return;
  // raftNode's updateLeadership(newLeader): leadElectedTime, read by parseProposeCtxErr.
  if (now.leader != 0 && now.leader != last_soft_.leader) lead_elected_at_ = host_.loop->now();
  if (host_.on_role) host_.on_role(now.role, term);
  if (!host_.trace->on()) {
    last_soft_ = now;
    last_term_logged_ = term;
    return;
  }
  const std::string me = sim::hex_id(member_id_);
  if (now.role != last_soft_.role || term != last_term_logged_) {
    // raft.go becomeFollower / becomePreCandidate / becomeCandidate / becomeLeader:
    // "%x became follower at term %d" (lower case; "pre-candidate").
    const char* r = now.role == raft::Role::Leader         ? "leader"
                    : now.role == raft::Role::Candidate    ? "candidate"
                    : now.role == raft::Role::PreCandidate ? "pre-candidate"
                                                           : "follower";
    log("info", fmt::format("{} became {} at term {}", me, r, term));
  }
  if (now.leader != last_soft_.leader) {
    if (now.leader != 0 && last_soft_.leader == 0)
      log("info", fmt::format("raft.node: {} elected leader {} at term {}", me, sim::hex_id(now.leader), term));
    else if (now.leader != 0)
      log("info", fmt::format("raft.node: {} changed leader from {} to {} at term {}", me,
                              sim::hex_id(last_soft_.leader), sim::hex_id(now.leader), term));
    else
      log("info", fmt::format("raft.node: {} lost leader {} at term {}", me, sim::hex_id(last_soft_.leader), term));
  }
  if (host_.trace->on()) {
    TraceEvent e = event(Ev::Role);
    e.term = term;
    e.a = raft::role_name(now.role);
    e.peer = now.leader;
    host_.trace->record(std::move(e));
  }
  last_soft_ = now;
  last_term_logged_ = term;
}

void Member::apply_entry(const raft::Entry& e) {
  applied_ = e.index;
  // EtcdServer.apply: s.setAppliedIndex(e.Index); s.setTerm(e.Term) for every entry
  // (v3.4.23 etcdserver/server.go, v3.5.18 server/etcdserver/server.go).
  applied_term_ = e.term;
  if (e.type == raft::EntryType::ConfChange) {
    apply_conf_change(e);
  } else {
    apply_normal(e);
  }
  if (host_.trace->on()) {
    TraceEvent& t = add_event(Ev::Apply);  // nothing below records before it is filled
    t.term = e.term;
    t.index = e.index;
    // A digest of the entry so checkers can compare what members applied at an index.
    t.a = sim::entry_digest(e.type == raft::EntryType::ConfChange, entry_label_hash(e.data));
    if (e.type != raft::EntryType::ConfChange) {
      // What the entry does, so a durability checker can find acknowledged writes.
      KvRequestView v;
      if (decode_kv_entry(e.data, &v)) {  // puts and reads: views, from the memo
        const std::string_view verb = v.kind == Request::Kind::Put ? "put " : "read ";
        t.b.reserve(verb.size() + v.key.size());
        t.b.append(verb).append(v.key);
        if (v.kind == Request::Kind::Put) t.c.assign(v.value);
      } else if (AuthEntry a; decode_auth_entry(e.data.view(), &a)) {
        // What the request does (a put made with a token is still a put for the checkers),
        // never a password.
        if (a.op == "put" && a.args.size() == 2) {
          t.b = "put " + a.args[0];
          t.c = a.args[1];
        } else if (a.op == "get" && !a.args.empty()) {
          t.b = "read " + a.args[0];
        } else {
          t.b = "auth " + a.op;
        }
      } else {
        const Request r = decode_request(e.data);
        switch (r.kind) {
          case Request::Kind::Put: t.b = "put " + r.key; t.c = r.value; break;
          case Request::Kind::Read: t.b = "read " + r.key; break;
          case Request::Kind::Publish: t.b = "publish"; break;
          case Request::Kind::Noop: t.b = "noop"; break;
        }
      }
    }
  }
}

void Member::apply_conf_change(const raft::Entry& e) {
  raft::ConfChange cc;  // its context stays empty: raft does not read it, members_ takes the view
  std::string_view context;
  if (!raft::decode_conf_change_header(e.data, &cc, &context)) {
    fatal("raft: undecodable conf change", fmt::format("index={}", e.index));
    return;
  }
  const std::string cid = host_.trace->on() ? sim::hex_id(cluster_id_) : std::string();  // log lines only
  if (cc.type == raft::ConfChangeType::AddNode) {
    // A member already known (every bootstrap AddNode on every member: the initial
    // cluster is known before raft starts) needs no decoding.
    if (!removed_.count(cc.node_id) && !members_.count(cc.node_id)) {
      sim::MemberRecord& m = members_[cc.node_id];
      ++members_version_;
      if (!decode_member(context, &m)) m.id = cc.node_id;
      if (e.index > replayed_until_ && host_.trace->on()) log("info", "added member",
          fmt::format("cluster-id={} local-member-id={} added-peer-id={} added-peer-peer-urls=[{}]", cid,
                      sim::hex_id(member_id_), sim::hex_id(cc.node_id), join(m.peer_urls, ",")));
      if (host_.trace->on() && e.index > replayed_until_) {
        TraceEvent t = event(Ev::Member);
        t.index = e.index;
        t.a = "add";
        t.peer = cc.node_id;
        t.b = join(m.peer_urls, ",");
        host_.trace->record(std::move(t));
      }
    }
    node_->apply_conf_change(cc);
    finish_conf_waiter(cc.node_id, /*add=*/true);
    return;
  }
  // RemoveNode.
  const bool existed = members_.erase(cc.node_id) > 0;
  ++members_version_;
  removed_.insert(cc.node_id);
  connected_since_.erase(cc.node_id);
  node_->apply_conf_change(cc);
  if (existed && e.index > replayed_until_ && host_.trace->on()) {
    log("info", "removed member",
        fmt::format("cluster-id={} local-member-id={} removed-remote-peer-id={}", cid, sim::hex_id(member_id_),
                    sim::hex_id(cc.node_id)));
    TraceEvent t = event(Ev::Member);
    t.index = e.index;
    t.a = "remove";
    t.peer = cc.node_id;
    host_.trace->record(std::move(t));
  }
  finish_conf_waiter(cc.node_id, /*add=*/false);
  if (cc.node_id == member_id_) {
    // etcd: applyConfChange returns shouldStop; the server stops with this error.
    fatal("the member has been permanently removed from the cluster", "");
  }
}

// A `member add` / `member remove` through this member completes when its conf change
// applies here: the client gets the membership as it is now.
void Member::finish_conf_waiter(std::uint64_t node_id, bool add) {
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    const Waiter& w = it->second;
    const bool match =
        add ? w.added_member == node_id : (w.kind == sim::ClientOpKind::MemberRemove && w.member_id == node_id);
    if (!match) continue;
    sim::ClientReply r;
    r.req = w.req;
    r.ok = true;
    r.cluster_id = cluster_id_;
    r.member_id = node_id;
    r.header_member = member_id_;
    r.raft_term = applied_term_;
    for (const auto& [id, rec] : members_) r.members.push_back(rec);
    client_reply(w.reply_to, std::move(r));
    waiters_.erase(it);
    return;
  }
}

void Member::apply_put(std::string_view key, std::size_t key_hash, std::string_view value) {
  ++revision_;
  auto it = kv_.find(HashedKey{key, key_hash});
  if (it == kv_.end()) it = kv_.emplace(std::string(key), KeyValue{}).first;
  KeyValue& kv = it->second;
  if (kv.version == 0) {
    kv.create_rev = revision_;
    kv_bytes_ += key.size();
  } else {
    kv_bytes_ -= kv.value.size();
  }
  kv.mod_rev = revision_;
  kv.version++;
  kv.value.assign(value);
  kv_bytes_ += value.size();
}

const std::string& Member::own_id_text() {
  if (id_text_of_ != member_id_ || id_text_.empty()) {
    id_text_ = std::to_string(member_id_);
    id_text_of_ = member_id_;
  }
  return id_text_;
}

void Member::apply_normal(const raft::Entry& e) {
  // Puts and reads (nearly every entry, applied on every member): decoded as views.
  KvRequestView v;
  if (decode_kv_entry(e.data, &v)) {
    if (auth_.enabled()) [[unlikely]] {
      // Made without a token while this member's store has auth on: authApplierV3.Put
      // (IsPutPermitted) and the range check refuse it with ErrUserEmpty; nothing is written.
      if (v.proposer_id == member_id_) answer_waiter_error(v.proposal_id, auth_error::kUserEmpty);
      return;
    }
    if (v.kind == Request::Kind::Put) apply_put(v.key, v.key_hash, v.value);
    // Ours when its digits stand for our ID (as decode_request reads them).
    if (v.proposer_id != member_id_) return;
    return answer_waiter(member_id_, v.proposal_id, v.kind == Request::Kind::Read, v.key);
  }
  if (e.data.view().size() > 1 && e.data.view()[0] == 'U') return apply_auth(e);
  Request r = decode_request(e.data);
  switch (r.kind) {
    case Request::Kind::Noop:
      return;
    case Request::Kind::Put:
    case Request::Kind::Read:
      break;  // decode_kv_request took every well-formed one
    case Request::Kind::Publish: {
      auto it = members_.find(r.member.id);
      if (it != members_.end()) {
        ++members_version_;
        it->second.name = r.member.name;
        it->second.client_urls = r.member.client_urls;
        if (host_.trace->on() && e.index > replayed_until_) {
          TraceEvent t = event(Ev::Member);
          t.index = e.index;
          t.a = "publish";
          t.peer = r.member.id;
          t.b = r.member.name;
          host_.trace->record(std::move(t));
        }
      }
      if (r.member.id == member_id_ && !published_ && e.index > replayed_until_) {
        published_ = true;
        log("info", "published local member to cluster through raft",
            fmt::format("local-member-id={} local-member-attributes={{Name:{} ClientURLs:[{}]}} cluster-id={}",
                        sim::hex_id(member_id_), r.member.name, join(r.member.client_urls, " "),
                        sim::hex_id(cluster_id_)));
        log("info", "ready to serve client requests");
        // Serve the requests that waited for ReadyNotify, in arrival order (after this
        // apply completes: they may propose).
        if (!early_clients_.empty()) {
          auto waiting = std::make_shared<std::vector<sim::Packet>>(std::move(early_clients_));
          early_clients_.clear();
          const std::uint64_t gen = generation_;
          host_.loop->after(sim::Duration{0}, [this, waiting, gen] {
            if (gen != generation_) return;
            for (const auto& pk : *waiting) on_client_packet(pk);
          });
        }
      }
      break;
    }
  }
  answer_waiter(r.proposer, r.proposal, false, {});
}

void Member::apply_auth(const raft::Entry& e) {
  AuthEntry a;
  if (!decode_auth_entry(e.data.view(), &a)) return;
  const bool ours = a.proposer == member_id_;
  auto arg = [&a](std::size_t i) -> const std::string& {
    static const std::string kEmpty;
    return i < a.args.size() ? a.args[i] : kEmpty;
  };
  if (a.op == "put") {
    // authApplierV3.Put: IsPutPermitted with the header's user, on every member.
    const std::string err = auth_.check_put(a.requester, arg(0));
    if (err.empty()) apply_put(arg(0), kv_key_hash(arg(0)), arg(1));
    if (!ours) return;
    if (!err.empty()) return answer_waiter_error(a.proposal, err);
    return answer_waiter(member_id_, a.proposal, false, {});
  }
  if (a.op == "get") {
    if (!ours) return;
    // The serving member's IsRangePermitted after its linearizable read.
    const std::string err = auth_.check_range(a.requester, arg(0), false);
    if (!err.empty()) return answer_waiter_error(a.proposal, err);
    return answer_waiter(member_id_, a.proposal, true, arg(0));
  }
  if (a.op == "member-list") {
    if (!ours) return;
    auto w = waiters_.find(a.proposal);
    if (w == waiters_.end()) return;
    sim::ClientReply rep;
    rep.req = w->second.req;
    rep.ok = true;
    rep.cluster_id = cluster_id_;
    rep.member_id = member_id_;
    rep.raft_term = applied_term_;
    for (const auto& [id, m] : members_) rep.members.push_back(m);
    client_reply(w->second.reply_to, std::move(rep));
    waiters_.erase(w);
    return;
  }
  const auto op = parse_auth_op(a.op);
  if (!op) return;
  const bool was_enabled = auth_.enabled();
  const AuthResult res = auth_.apply(AuthRequest{*op, a.requester, a.args});
  if (auth_.enabled() != was_enabled && e.index > replayed_until_ && host_.trace->on())
    log("info", auth_.enabled() ? "enabled authentication" : "disabled authentication");
  if (!ours) return;
  if (!res.error.empty()) return answer_waiter_error(a.proposal, res.error);
  auto w = waiters_.find(a.proposal);
  if (w == waiters_.end()) return;
  sim::ClientReply rep;
  rep.req = w->second.req;
  rep.ok = true;
  rep.cluster_id = cluster_id_;
  rep.member_id = member_id_;
  rep.revision = revision_;
  rep.raft_term = applied_term_;
  rep.auth_enabled = res.enabled;
  rep.auth_revision = res.revision;
  client_reply(w->second.reply_to, std::move(rep));
  waiters_.erase(w);
}

void Member::answer_waiter_error(std::uint64_t proposal, const std::string& error) {
  auto w = waiters_.find(proposal);
  if (w == waiters_.end()) return;
  sim::ClientReply rep;
  rep.req = w->second.req;
  rep.ok = false;
  rep.error = error;
  if (w->second.batched) batch_replies_[w->second.reply_to].push_back(std::move(rep));
  else client_reply(w->second.reply_to, std::move(rep));
  waiters_.erase(w);
}

void Member::answer_waiter(std::uint64_t proposer, std::uint64_t proposal, bool read, std::string_view key) {
  if (proposer != member_id_) return;
  auto w = waiters_.find(proposal);
  if (w == waiters_.end()) return;
  // A batched request's reply is built in place in its batch (room for every entry this
  // Ready applies, so the batch never moves its replies to grow).
  sim::ClientReply single;
  sim::ClientReply* rep = &single;
  if (w->second.batched) {
    std::vector<sim::ClientReply>& batch = batch_replies_[w->second.reply_to];
    if (batch.empty()) batch.reserve(std::min<std::size_t>(applying_entries_, 1024));
    rep = &batch.emplace_back();
  }
  rep->req = w->second.req;
  rep->ok = true;
  rep->cluster_id = cluster_id_;
  rep->member_id = member_id_;
  rep->revision = revision_;
  rep->raft_term = applied_term_;
  if (read) {
    auto kv = kv_.find(key);
    rep->found = kv != kv_.end();
    if (rep->found) {
      rep->value = kv->second.value;
      rep->create_revision = kv->second.create_rev;
      rep->mod_revision = kv->second.mod_rev;
      rep->version = kv->second.version;
    }
  }
  if (!w->second.batched) client_reply(w->second.reply_to, std::move(single));
  waiters_.erase(w);
}

sim::Duration Member::req_timeout() const {
  // ServerConfig.ReqTimeout (v3.4.23 etcdserver/config.go; v3.5.18 server/config/config.go):
  // "5s for queue waiting, computation and disk IO delay + 2 * election timeout".
  return sim::seconds(5) + sim::millis(2 * static_cast<std::int64_t>(cfg_->election_ms));
}

namespace {
// Go's time.Duration.String for the whole and fractional seconds etcd's timeouts take.
std::string go_seconds(sim::Duration d) {
  const std::int64_t ns = d.ns;
  if (ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
  std::string frac = fmt::format("{:09d}", ns % 1'000'000'000);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return fmt::format("{}.{}s", ns / 1'000'000'000, frac);
}
}  // namespace

void Member::start_publish_attempt() {
  publish_start_ = host_.loop->now();
  publish_proposed_ = false;
  const std::uint64_t attempt = ++publish_attempt_;
  const std::uint64_t gen = generation_;
  host_.loop->after(req_timeout(), [this, gen, attempt] {
    if (gen != generation_ || phase_ != Phase::Running) return;
    publish_deadline(attempt);
  });
  maybe_publish();
}

std::string Member::propose_timeout_error(sim::Time start) const {
  // EtcdServer.parseProposeCtxErr for context.DeadlineExceeded (v3.4.23 etcdserver/
  // v3_server.go; the same in v3.5.18 server/etcdserver/v3_server.go).
  if (lead_elected_at_.ns >= 0) {
    const sim::Time prev_lead_lost = lead_elected_at_ - sim::millis(2 * static_cast<std::int64_t>(cfg_->election_ms));
    if (start > prev_lead_lost && start < lead_elected_at_)
      return "etcdserver: request timed out, possibly due to previous leader failure";
  }
  const std::uint64_t lead = node_ ? node_->leader() : 0;
  auto active_before = [&](std::uint64_t id) {
    auto it = connected_since_.find(id);
    return it != connected_since_.end() && it->second < start;
  };
  if (lead != 0 && lead == member_id_) {
    // isConnectedToQuorumSince: itself and the peers active since before `start`.
    std::size_t n = 0;
    for (const auto& [id, m] : members_)
      if (id == member_id_ || active_before(id)) ++n;
    if (n < members_.size() / 2 + 1) return "etcdserver: request timed out, possibly due to connection lost";
  } else if (lead != 0 && !active_before(lead)) {
    return "etcdserver: request timed out, possibly due to connection lost";
  }
  return "etcdserver: request timed out";
}

void Member::publish_deadline(std::uint64_t attempt) {
  if (published_ || attempt != publish_attempt_) return;
  std::vector<std::string> urls = cfg_->advertise_client_urls;
  log("warn", "failed to publish local member to cluster through raft",
      fmt::format("local-member-id={} local-member-attributes={{Name:{} ClientURLs:[{}]}} request-path=/0/members/{}/attributes "
                  "publish-timeout={} error={}",
                  sim::hex_id(member_id_), cfg_->name, join(urls, " "), sim::hex_id(member_id_), go_seconds(req_timeout()),
                  propose_timeout_error(publish_start_)));
  start_publish_attempt();  // the loop goes straight on to its next attempt
}

void Member::maybe_publish() {
  // node.Propose blocks while raft knows no leader (node.run reads propc only then); once
  // handed over, the proposal is raft's: a lost one (dropped forward, overwritten entry)
  // is only noticed when the attempt's deadline passes.
  if (published_ || publish_proposed_ || publish_start_.ns < 0 || node_->leader() == 0) return;
  publish_proposed_ = true;
  Request r;
  r.kind = Request::Kind::Publish;
  r.proposer = member_id_;
  r.proposal = 0;
  r.member.id = member_id_;
  r.member.name = cfg_->name;
  r.member.client_urls = cfg_->advertise_client_urls;
  (void)node_->propose(encode_request(r));
  process_ready();
}

void Member::prober_sync() {
  // Transport.AddPeer / RemovePeer follow the membership: every member but itself, from
  // when it appears (the initial or recovered cluster at NewServer, an applied add).
  if (prober_members_version_ == members_version_) return;
  prober_members_version_ = members_version_;
  const sim::Time now = host_.loop->now();
  for (auto it = prober_.begin(); it != prober_.end();) {
    if (!members_.count(it->first)) it = prober_.erase(it);
    else ++it;
  }
  for (const auto& [id, m] : members_) {
    if (id == member_id_ || m.peer_urls.empty()) continue;
    // statusErrorInterval: the first check is 5 s after the peer was added.
    prober_.try_emplace(id, ProbeState{now, now + sim::seconds(5)});
  }
  prober_next_ = sim::Time{INT64_MAX};
  for (const auto& [id, p] : prober_) prober_next_ = std::min(prober_next_, p.next_check);
}

void Member::prober_check() {
  const sim::Time now = host_.loop->now();
  if (now < prober_next_) return;
  prober_next_ = sim::Time{INT64_MAX};
  for (auto& [id, p] : prober_) {
    if (now >= p.next_check) {
      // probing.Prober probes every proberInterval (ConnReadTimeout − 1 s = 4 s) from AddPeer;
      // Health() is the last probe's result. Simplification: the peer counts as healthy when
      // it has been reachable since that probe's instant (a loss within the last 4 s is seen
      // at once).
      const sim::Duration since_add = now - p.added;
      const sim::Time last_probe = p.added + sim::seconds(4) * (since_add.ns / sim::seconds(4).ns);
      auto c = connected_since_.find(id);
      const bool probed = since_add >= sim::seconds(4);
      const bool healthy = probed && c != connected_since_.end() && c->second <= last_probe;
      if (!healthy) {
        auto m = members_.find(id);
        const std::string url = m != members_.end() && !m->second.peer_urls.empty() ? m->second.peer_urls.front() : "";
        std::string_view host;
        int port = 0;
        std::string addr = url;
        if (sim::split_url(std::string_view(url), &host, &port)) addr = fmt::format("{}:{}", host, port);
        const std::string why = host_.net->why_unreachable(host_.origin, url);
        // Go's net.Dial errors: "connect: connection refused", "i/o timeout", "connect: no route to host".
        const std::string err = why.rfind("i/o timeout", 0) == 0 ? fmt::format("dial tcp {}: i/o timeout", addr)
                                : why == "no route to host"      ? fmt::format("dial tcp {}: connect: no route to host", addr)
                                                                 : fmt::format("dial tcp {}: connect: connection refused", addr);
        // Transport.AddPeer adds the snapshot (pipeline) prober first, then the stream's.
        for (const char* rt : {"ROUND_TRIPPER_SNAPSHOT", "ROUND_TRIPPER_RAFT_MESSAGE"})
          log("warn", "prober detected unhealthy status",
              fmt::format("round-tripper-name={} remote-peer-id={} rtt=0s error={}", rt, sim::hex_id(id), err));
        p.next_check = now + sim::seconds(5);   // statusErrorInterval
      } else {
        p.next_check = now + sim::seconds(30);  // statusMonitoringInterval
      }
    }
    prober_next_ = std::min(prober_next_, p.next_check);
  }
}

void Member::on_peer_packet(const sim::Packet& p) {
  if (phase_ != Phase::Running) return;  // peer handler not serving yet: no answer
  if (const auto* q = std::get_if<sim::MembersQuery>(&p.body)) {
    sim::Packet out;
    sim::MembersReply rep;
    rep.req = q->req;
    rep.cluster_id = cluster_id_;
    if (!members_list_ || members_list_version_ != members_version_) {
      auto list = std::make_shared<std::vector<sim::MemberRecord>>();
      list->reserve(members_.size());
      for (const auto& [id, m] : members_) list->push_back(m);
      members_list_ = std::move(list);
      members_list_version_ = members_version_;
    }
    rep.members = members_list_;
    out.body = std::move(rep);
    host_.net->reply(host_.origin, p.reply_to, std::move(out));
    return;
  }
  const auto* env = std::get_if<sim::RaftEnvelope>(&p.body);
  if (!env) return;
  const sim::Time now = host_.loop->now();
  if (env->cluster_id != cluster_id_) {
    // rafthttp checkClusterCompatibilityFromHeader: 412 Precondition Failed.
    if (mismatch_logged_.insert(env->from_member).second) {
      log("warn", "request cluster ID mismatch",
          fmt::format("local-member-id={} local-member-cluster-id={} remote-peer-id={} remote-peer-cluster-id={}",
                      sim::hex_id(member_id_), sim::hex_id(cluster_id_), sim::hex_id(env->from_member),
                      sim::hex_id(env->cluster_id)));
    }
    if (host_.trace->on()) {
      TraceEvent t = event(Ev::Reject);
      t.peer = env->from_member;
      t.b = sim::hex_id(env->cluster_id);  // the remote cluster ID, as etcd prints it
      t.a = "cluster ID mismatch";
      host_.trace->record(std::move(t));
    }
    sim::Packet out;
    out.body = sim::PeerError{sim::PeerError::Kind::ClusterIdMismatch, member_id_, cluster_id_};
    host_.net->reply(host_.origin, p.reply_to, std::move(out));
    return;
  }
  if (env->msg.to != member_id_) {
    // rafthttp checks X-Raft-To: a message for another member ID is refused.
    if (mismatch_logged_.insert(env->from_member ^ 0x4000000000000000ULL).second) {
      log("warn", std::string(wording::kIgnoredStreamingIDMismatch),
          fmt::format("local-member-id={} remote-peer-id-stream-handler={} remote-peer-id-from={}",
                      sim::hex_id(member_id_), sim::hex_id(env->msg.to), sim::hex_id(env->from_member)));
    }
    return;
  }
  if (removed_.count(env->from_member)) {
    // rafthttp: 410 Gone to a member that was removed from the cluster.
    sim::Packet out;
    out.body = sim::PeerError{sim::PeerError::Kind::RemovedMember, member_id_, cluster_id_};
    host_.net->reply(host_.origin, p.reply_to, std::move(out));
    return;
  }
  last_heard_[env->from_member] = now;
  node_->step(env->msg);
  process_ready();
}

void Member::on_reply_packet(const sim::Packet& p) {
  if (phase_ == Phase::Stopped) return;
  if (const auto* rep = std::get_if<sim::MembersReply>(&p.body)) {
    auto it = queries_.find(rep->req);
    if (it != queries_.end()) {
      auto cb = std::move(it->second);
      queries_.erase(it);
      cb(*rep);
    }
    return;
  }
  const auto* err = std::get_if<sim::PeerError>(&p.body);
  if (!err || phase_ != Phase::Running) return;
  if (err->kind == sim::PeerError::Kind::ClusterIdMismatch) {
    if (mismatch_logged_.insert(err->remote_member ^ 0x8000000000000000ULL).second) {
      log("warn", "request sent was ignored by remote peer due to cluster ID mismatch",
          fmt::format("remote-peer-id={} remote-peer-cluster-id={} local-member-id={} local-member-cluster-id={}",
                      sim::hex_id(err->remote_member), sim::hex_id(err->remote_cluster), sim::hex_id(member_id_),
                      sim::hex_id(cluster_id_)));
    }
    return;
  }
  // 410 Gone: this member was removed; etcd stops the server.
  fatal("the member has been permanently removed from the cluster", "");
}

}  // namespace raftlab::etcd
