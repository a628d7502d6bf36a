// sim/etcd/member_client.cc — the client-facing API of a member: KV put/get through
// raft, member add/remove/list with etcd's checks, and endpoint status.
#include <algorithm>

#include <fmt/format.h>

#include "raft/bugs.h"
#include "sim/etcd/bootstrap.h"
#include "sim/etcd/entry_codec.h"
#include "sim/etcd/ids.h"
#include "sim/etcd/member.h"

namespace raftlab::etcd {

namespace {
// etcd's request timeout: 5s + 2 * election timeout (EtcdServer ReqTimeout).
sim::Duration request_timeout(const MemberConfig& c) { return sim::seconds(5) + sim::millis(2 * c.election_ms); }
// When a member stops waiting for a request that arrives now: processInternalRaftRequestOnce
// waits under context.WithTimeout(ctx, ReqTimeout()), and ctx (the gRPC request's) ends at the
// client's deadline; raft's node.Propose blocks while no leader is known until ctx ends
// (v3.4.23 etcdserver/v3_server.go and raft/node.go; v3.5.18 server/etcdserver/v3_server.go).
sim::Time wait_deadline(sim::Time now, const MemberConfig& c, const sim::ClientRequest& r) {
  return std::min(now + request_timeout(c), r.deadline);
}
// Unix seconds of virtual t=0 (2025-01-01T00:00:00Z): etcd's `member add` mixes
// time.Now().Unix() into the new member's ID; the simulation uses virtual time instead.
constexpr std::int64_t kVirtualEpochUnix = 1735689600;
}  // namespace

void Member::client_reply(int to, sim::ClientReply r) {
  if (to < 0) return;
  sim::Packet p;
  p.body = std::move(r);
  host_.net->reply(host_.origin, to, std::move(p));
}

void Member::client_propose(int to, const sim::ClientRequest& r, std::string data) {
  Waiter& w = add_waiter(to, r, std::move(data), false);
  w.proposed = node_->propose(w.data) == raft::ProposeResult::Ok;
  process_ready();
}

Member::Waiter& Member::add_waiter(int to, const sim::ClientRequest& r, std::string data, bool batched) {
  const std::uint64_t id = next_proposal_++;
  Waiter w;
  w.reply_to = to;
  w.req = r.req;
  w.kind = r.kind;
  w.member_id = r.member_id;
  w.deadline = wait_deadline(host_.loop->now(), *cfg_, r);
  w.data = data.empty() ? encode_kv_entry(r.kind == sim::ClientOpKind::Put ? Request::Kind::Put : Request::Kind::Read,
                                           own_id_text(), member_id_, id, r.key, r.value)
                        : raft::Payload(data);
  w.batched = batched;
  // Proposal ids only grow: the new waiter goes at the map's end (the hint makes that O(1)).
  return waiters_.insert_or_assign(waiters_.end(), id, std::move(w))->second;
}

void Member::propose_auth(int to, const sim::ClientRequest& r, const std::string& op, std::vector<std::string> args) {
  AuthEntry a;
  a.proposer = member_id_;
  a.proposal = next_proposal_;  // add_waiter takes this id
  a.requester = r.user;
  a.op = op;
  a.args = std::move(args);
  client_propose(to, r, encode_auth_entry(a));
}

void Member::on_client_batch(const sim::Packet& p, const sim::ClientBatch& b) {
  const int to = p.reply_to;
  // The batch's waiters by address (std::map nodes stay put; nothing here erases one).
  std::vector<Waiter*> added;
  std::vector<raft::Payload> data;  // shared with the waiters: no copy of the bytes
  added.reserve(b.reqs.size());
  data.reserve(b.reqs.size());
  auto propose_request = [&](int reply_to, const sim::ClientRequest& r, std::string d, bool batched) {
    added.push_back(&add_waiter(reply_to, r, std::move(d), batched));
    data.push_back(added.back()->data);
  };
  for (const sim::ClientRequest& r : b.reqs) {
    sim::ClientReply rep;
    rep.req = r.req;
    if (r.kind == sim::ClientOpKind::Put) {
      if (r.key.empty()) {
        rep.error = "etcdserver: key is not provided";
      } else if (r.key.find('\x1f') != std::string::npos || r.value.find('\x1f') != std::string::npos) {
        rep.error = "etcdserver: invalid key or value";
      } else {
        propose_request(to, r, {}, true);
        continue;
      }
    } else if (r.kind == sim::ClientOpKind::Get && !r.serializable) {
      propose_request(to, r, {}, true);
      continue;
    } else {
      rep.error = "raftlab: a client batch carries puts and linearizable gets only";
    }
    client_reply(to, std::move(rep));
  }
  // One MsgProp for the whole batch: appended together, one broadcast to the followers.
  if (!data.empty()) {
    const bool ok = node_->propose_many(std::move(data)) == raft::ProposeResult::Ok;
    for (Waiter* w : added) w->proposed = ok;
  }
  process_ready();
}

void Member::flush_batch_replies() {
  for (auto& [to, replies] : batch_replies_) {
    if (replies.size() == 1) {
      client_reply(to, std::move(replies.front()));
      continue;
    }
    sim::Packet p;
    p.body = sim::ClientReplyBatch{std::move(replies)};
    host_.net->reply(host_.origin, to, std::move(p));
  }
  batch_replies_.clear();
}

void Member::retry_pending_proposals() {
  bool proposed = false;
  for (auto& [id, w] : waiters_) {
    if (w.proposed || w.data.empty()) continue;
    w.proposed = node_->propose(w.data) == raft::ProposeResult::Ok;
    proposed = proposed || w.proposed;
  }
  // A refused proposal changes nothing in the node, so without a new one there is no new
  // Ready (the tick's own was taken just before).
  if (proposed) process_ready();
}

void Member::expire_waiters() {
  const sim::Time now = host_.loop->now();
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.deadline <= now) {
      sim::ClientReply r;
      r.req = it->second.req;
      r.ok = false;
      r.error = "etcdserver: request timed out";
      client_reply(it->second.reply_to, std::move(r));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
}

sim::StatusInfo Member::status() const {
  sim::StatusInfo s;
  s.member_id = member_id_;
  s.cluster_id = cluster_id_;
  s.version = cfg_->version;
  s.leader = node_ ? node_->leader() : 0;
  // maintenanceServer.Status: RaftTerm = ms.rg.Term() = EtcdServer.Term(), the term of the
  // last *applied* entry (EtcdServer.apply calls setTerm(e.Term); nothing else does), not
  // raft's current term: a leaderless member's campaigns do not move it. The same in
  // v3.4.23 (etcdserver/api/v3rpc/maintenance.go) and v3.5.18 (server/etcdserver/api/
  // v3rpc/maintenance.go); the response header's raft_term is the same value (header.go).
  s.raft_term = applied_term_;
  s.raft_index = node_ ? node_->commit_index() : 0;
  s.raft_applied_index = applied_;
  // bbolt starts at 20 kB (5 pages); data grows it page by page.
  s.db_size = 20480 + ((kv_bytes_ + 4095) / 4096) * 4096;
  if (s.leader == 0) s.errors.push_back("etcdserver: no leader");
  return s;
}

void Member::on_client_packet(const sim::Packet& p) {
  const auto* r = std::get_if<sim::ClientRequest>(&p.body);
  const auto* batch = r ? nullptr : std::get_if<sim::ClientBatch>(&p.body);
  if (!r && !batch) return;
  // embed/serve.go: client connections are accepted but not served before ReadyNotify;
  // they wait (bounded) and are served once this member has published itself.
  if (!ready()) {
    if (phase_ != Phase::Stopped && early_clients_.size() < kEarlyClientsMax) early_clients_.push_back(p);
    return;
  }
  if (batch) return on_client_batch(p, *batch);
  const int to = p.reply_to;
  auto fail = [&](const std::string& error) {
    sim::ClientReply rep;
    rep.req = r->req;
    rep.error = error;
    client_reply(to, std::move(rep));
  };
  if (!entry_safe(r->user)) return fail("etcdserver: invalid auth token");
  switch (r->kind) {
    case sim::ClientOpKind::Put:
      if (r->key.empty()) return fail("etcdserver: key is not provided");
      if (r->key.find('\x1f') != std::string::npos || r->value.find('\x1f') != std::string::npos)
        return fail("etcdserver: invalid key or value");
      // Made with a token: the header's user goes with the entry (checked at apply).
      if (!r->user.empty()) return propose_auth(to, *r, "put", {r->key, r->value});
      return client_propose(to, *r, {});
    case sim::ClientOpKind::Auth: {
      for (const auto& x : r->auth_args)
        if (!entry_safe(x)) return fail("etcdserver: invalid auth management");
      if (!parse_auth_op(r->auth_op)) return fail("raftlab: unknown auth request " + r->auth_op);
      return propose_auth(to, *r, r->auth_op, r->auth_args);
    }
    case sim::ClientOpKind::Get: {
      // PLANTED BUG read-without-leadership (raft/bugs.h): a member that believes it is
      // leader answers a linearizable get from its own state, without going through raft.
      const bool planted_local_read = raft::has_bug(host_.planted_bugs, raft::Bug::ReadWithoutLeadership) &&
                                      node_ && node_->role() == raft::Role::Leader;
      if (r->serializable || planted_local_read) {
        // v3_server.go Range: IsRangePermitted before a serializable read is served.
        if (const std::string err = auth_.check_range(r->user, r->key, r->prefix); !err.empty()) return fail(err);
        sim::ClientReply rep;
        rep.req = r->req;
        rep.ok = true;
        rep.member_id = member_id_;
        rep.cluster_id = cluster_id_;
        rep.revision = revision_;
        rep.raft_term = applied_term_;
        if (r->prefix) {
          // A range over [key, key+1): collected, then sorted (kv_ is a hash map; its
          // order must not reach the reply).
          auto out = std::make_shared<std::vector<sim::RangeKv>>();
          for (const auto& [k, v] : kv_)
            if (k.compare(0, r->key.size(), r->key) == 0)
              out->push_back(sim::RangeKv{k, v.value, v.mod_rev, v.create_rev, v.version});
          std::sort(out->begin(), out->end(), [](const sim::RangeKv& a, const sim::RangeKv& b) { return a.key < b.key; });
          rep.found = !out->empty();
          rep.kvs = std::move(out);
          return client_reply(to, std::move(rep));
        }
        auto kv = kv_.find(r->key);
        rep.found = kv != kv_.end();
        if (rep.found) {
          rep.value = kv->second.value;
          rep.create_revision = kv->second.create_rev;
          rep.mod_revision = kv->second.mod_rev;
          rep.version = kv->second.version;
        }
        return client_reply(to, std::move(rep));
      }
      // Linearizable read: ordered through the log (same guarantee as ReadIndex).
      if (!r->user.empty()) return propose_auth(to, *r, "get", {r->key});
      return client_propose(to, *r, {});
    }
    case sim::ClientOpKind::MemberAdd:
    case sim::ClientOpKind::MemberRemove:
      // checkMembershipOperationPermission: IsAdminPermitted on the serving member.
      if (const std::string err = auth_.check_admin(r->user); !err.empty()) return fail(err);
      return r->kind == sim::ClientOpKind::MemberAdd ? handle_member_add(to, *r) : handle_member_remove(to, *r);
    case sim::ClientOpKind::MemberList: {
      // clientv3 v3.5's linearizable MemberList: answered once a read through raft is done
      // (linearizableReadNotify), so only with a quorum. No permission check (recorded).
      if (r->linearizable_list) return propose_auth(to, *r, "member-list", {});
      sim::ClientReply rep;
      rep.req = r->req;
      rep.ok = true;
      rep.cluster_id = cluster_id_;
      rep.member_id = member_id_;
      rep.raft_term = applied_term_;
      for (const auto& [id, m] : members_) rep.members.push_back(m);
      return client_reply(to, std::move(rep));
    }
    case sim::ClientOpKind::Status: {
      sim::ClientReply rep;
      rep.req = r->req;
      rep.ok = true;
      rep.cluster_id = cluster_id_;
      rep.member_id = member_id_;
      rep.revision = revision_;
      rep.raft_term = applied_term_;
      rep.status = std::make_shared<const sim::StatusInfo>(status());
      return client_reply(to, std::move(rep));
    }
  }
}

ReconfigCheckInput Member::reconfig_input() const {
  ReconfigCheckInput in;
  in.strict_reconfig_check = cfg_->strict_reconfig_check;
  for (const auto& [id, m] : members_) in.members.push_back(MemberInfo{m.id, m.name, m.peer_urls, m.client_urls, m.is_learner});
  in.removed_ids.assign(removed_.begin(), removed_.end());
  in.local_id = member_id_;
  // rafthttp ActiveSince <= now - HealthInterval (5 s): connected for the last 5 seconds.
  const sim::Time since = host_.loop->now() - sim::seconds(5);
  for (const auto& [id, t] : connected_since_)
    if (t <= since) in.connected_since_health_interval.push_back(id);
  return in;
}

void Member::handle_member_add(int to, const sim::ClientRequest& r) {
  const sim::Time now = host_.loop->now();
  const std::int64_t unix_now = kVirtualEpochUnix + now.ns / 1000000000LL;
  MemberInfo nm;
  nm.id = member_add_id(r.peer_urls, unix_now);
  nm.peer_urls = r.peer_urls;
  std::sort(nm.peer_urls.begin(), nm.peer_urls.end());
  if (auto err = check_member_add(reconfig_input(), nm)) {
    log("warn", "rejecting member add request", "error=" + err->message);
    sim::ClientReply rep;
    rep.req = r.req;
    rep.error = err->message;
    client_reply(to, std::move(rep));
    return;
  }
  sim::MemberRecord rec;
  rec.id = nm.id;
  rec.peer_urls = nm.peer_urls;
  raft::ConfChange cc;
  cc.type = raft::ConfChangeType::AddNode;
  cc.node_id = nm.id;
  cc.context = encode_member(rec);
  const std::uint64_t id = next_proposal_++;
  Waiter w;
  w.reply_to = to;
  w.req = r.req;
  w.kind = r.kind;
  w.member_id = r.member_id;
  w.deadline = wait_deadline(now, *cfg_, r);
  w.added_member = nm.id;
  w.proposed = node_->propose_conf_change(cc) == raft::ProposeResult::Ok;
  waiters_[id] = std::move(w);
  process_ready();
}

void Member::handle_member_remove(int to, const sim::ClientRequest& r) {
  if (auto err = check_member_remove(reconfig_input(), r.member_id)) {
    log("warn", "rejecting member remove request", "error=" + err->message);
    sim::ClientReply rep;
    rep.req = r.req;
    rep.error = err->message;
    client_reply(to, std::move(rep));
    return;
  }
  raft::ConfChange cc;
  cc.type = raft::ConfChangeType::RemoveNode;
  cc.node_id = r.member_id;
  const std::uint64_t id = next_proposal_++;
  Waiter w;
  w.reply_to = to;
  w.req = r.req;
  w.kind = r.kind;
  w.member_id = r.member_id;
  w.deadline = wait_deadline(host_.loop->now(), *cfg_, r);
  w.proposed = node_->propose_conf_change(cc) == raft::ProposeResult::Ok;
  waiters_[id] = std::move(w);
  process_ready();
}

bool Member::connected_to_all_voters_since(sim::Time since) const {
  for (const auto& [id, m] : members_) {
    if (id == member_id_ || m.is_learner) continue;
    auto it = connected_since_.find(id);
    if (it == connected_since_.end() || it->second > since) return false;
  }
  return true;
}

}  // namespace raftlab::etcd
