// sim/etcd/member_discovery.cc — a member bootstrapping through discovery:
//  * --discovery (no WAL, state new): v2discovery.JoinCluster as etcd v3.4/v3.5 run it
//    (server/etcdserver/api/v2discovery/discovery.go): checkCluster (GET
//    <token>/_config/size, GET <token>; "cluster is full" before registering), createSelf
//    (PUT <token>/<id> with prevExist=false; "found duplicate id" if it exists),
//    checkCluster again, waitNodes (a recursive watch until `size` registered), then
//    nodesToCluster. A ClusterError (connection refused, no such host) is retried after
//    logAndBackoffForRetry's 2^min(retries,8) s; a request that gets no answer within
//    client.DefaultRequestTimeout (5 s: the service's host is down or cut off) fails with
//    "context deadline exceeded". The failures end as etcdmain/etcd.go
//    startEtcdOrProxyV2 ends them: its warnings, exit 1; ErrFullCluster with
//    --discovery-fallback=proxy (the default) turns the process into a v2 proxy.
//  * --discovery-srv: srv_cluster (sim/etcd/discovery.h) over the scenario's DNS.
// Simplifications (docs/etcd-behaviour.md §Discovery): a request reaches the service 1 ms
// after it is sent and its answer comes back 1 ms later (fixed: no draw from the network's
// stream); reachability is judged when a request is sent; a watch event that finds the
// path to the member cut is lost (etcd would wait on a dead connection too); the v2 proxy
// serves no v3 requests (they time out at the client) and is not modelled further.
#include <algorithm>

#include <fmt/format.h>

#include "sim/etcd/discovery.h"
#include "sim/etcd/ids.h"
#include "sim/etcd/member.h"

namespace raftlab::etcd {
namespace {

constexpr sim::Duration kOneWay = sim::millis(1);
constexpr sim::Duration kRequestTimeout = sim::seconds(5);  // client.DefaultRequestTimeout
constexpr std::uint64_t kMaxExponentialRetries = 8;         // maxExpoentialRetries

std::string base(const std::string& key) { return key.substr(key.rfind('/') + 1); }  // path.Base

std::string cluster_error(const std::string& dial_error) {
  // ClusterError.Error(): ErrClusterUnavailable then "; error #i: <err>\n" per endpoint.
  return std::string(wording::kClusterUnavailable) + "; error #0: " + dial_error + "\n";
}

}  // namespace

void Member::begin_discovery() {
  const auto url = parse_discovery_url(cfg_->source->discovery);
  if (!url.ok()) {  // the deployment refuses these before the run (exit 2)
    fatal("discovery failed", url.error().message);
    return;
  }
  disc_ = std::make_unique<DiscoveryRun>();
  DiscoveryRun& r = *disc_;
  r.endpoint = url.value().endpoint();
  r.token = url.value().token;
  r.host = url.value().host;
  r.port = url.value().port;
  r.svc = host_.services ? host_.services->service_for(r.host, r.port) : nullptr;
  // The member's ID as NewClusterFromURLsMap gives it: its own peer URLs, the URL as token.
  std::vector<std::string> urls = cfg_->source->initial_advertise_peer_urls;
  std::sort(urls.begin(), urls.end());
  r.self_key = r.token + "/" + format_id(compute_member_id(urls, cfg_->source->discovery));
  discovery_check_cluster(false);
}

void Member::discovery_call(std::function<void(sim::DiscoveryService&, DiscoveryAnswer&)> op,
                            std::function<void(const DiscoveryAnswer&)> done) {
  const std::uint64_t gen = generation_;
  DiscoveryRun& r = *disc_;
  DiscoveryAnswer a;
  // Where the dial ends: a name nobody resolves and a host that refuses come back at once
  // (a ClusterError); a host that is down, cut off or absent never answers.
  const auto ip = host_.services ? host_.services->dns.resolve(r.host) : std::optional<std::string>(r.host);
  const auto h = ip ? host_.net->host_by_ip(*ip) : std::nullopt;
  if (!ip) {
    a.status = DiscoveryAnswer::Status::kRefused;
    a.error = "dial tcp: lookup " + r.host + ": no such host";
  } else if (!h || !host_.net->host_up(*h) || !host_.net->connected(host_.origin.host, *h)) {
    a.status = DiscoveryAnswer::Status::kTimeout;
  } else if (r.svc == nullptr) {
    a.status = DiscoveryAnswer::Status::kRefused;
    a.error = fmt::format("dial tcp {}:{}: connect: connection refused", *ip, r.port);
  }
  if (a.status != DiscoveryAnswer::Status::kOk) {
    const sim::Duration wait = a.status == DiscoveryAnswer::Status::kTimeout ? kRequestTimeout : sim::millis(2);
    host_.loop->after(wait, [this, gen, a, done] {
      if (gen == generation_ && disc_) done(a);
    });
    return;
  }
  host_.loop->after(kOneWay, [this, gen, op, done] {
    if (gen != generation_ || !disc_) return;
    DiscoveryAnswer at;
    op(*disc_->svc, at);  // the service's state when the request arrives
    host_.loop->after(kOneWay, [this, gen, at, done] {
      if (gen == generation_ && disc_) done(at);
    });
  });
}

void Member::discovery_check_cluster(bool registered) {
  const std::string token = disc_->token;
  discovery_call([token](sim::DiscoveryService& s, DiscoveryAnswer& a) {
    a.size = s.size(token);
    a.listing.index = s.list(token).index;
  },
                 [this, registered](const DiscoveryAnswer& a) {
    DiscoveryRun& r = *disc_;
    if (a.status == DiscoveryAnswer::Status::kTimeout) return discovery_failed(std::string(wording::kDeadlineExceeded), DiscoveryFailure::kOther);
    if (a.status == DiscoveryAnswer::Status::kRefused) {
      if (host_.trace->on())
        log("warn", std::string(wording::kFailedToGetFromDiscovery),
            fmt::format("discovery-url={} path={}/_config/size error={} err-detail=error #0: {}", r.endpoint, r.token,
                        cluster_error(a.error), a.error));
      return discovery_retry(registered, "cluster status check");
    }
    // checkCluster tests `err.(*client.Error)`, but the v2 client returns client.Error by
    // value, so ErrSizeNotFound is never returned: the key-not-found error passes through
    // as the v2 store wrote it (checked against etcd 3.4.23, results/FIDELITY.md). Its
    // cause is the first missing key: the token itself (nobody registers without a size).
    if (!a.size) {
      const std::string cause = r.token.rfind("/v2/keys/", 0) == 0 ? r.token.substr(8) : r.token;
      return discovery_failed(go_format(wording::kKeyNotFound, {cause, std::to_string(a.listing.index)}),
                              DiscoveryFailure::kOther);
    }
    const auto size = parse_size(*a.size);
    if (!size) return discovery_failed(std::string(wording::kErrBadSizeKey), DiscoveryFailure::kOther);
    r.size = *size;
    const std::string tok = r.token;
    discovery_call([tok](sim::DiscoveryService& s, DiscoveryAnswer& b) { b.listing = s.list(tok); },
                   [this, registered](const DiscoveryAnswer& b) {
      DiscoveryRun& rr = *disc_;
      if (b.status == DiscoveryAnswer::Status::kTimeout) return discovery_failed(std::string(wording::kDeadlineExceeded), DiscoveryFailure::kOther);
      if (b.status == DiscoveryAnswer::Status::kRefused) {
        if (host_.trace->on())
          log("warn", std::string(wording::kFailedToGetFromDiscovery),
              fmt::format("discovery-url={} path={} error={} err-detail=error #0: {}", rr.endpoint, rr.token,
                          cluster_error(b.error), b.error));
        return discovery_retry(registered, "cluster status check");
      }
      ClusterCheck c = check_cluster(b.listing.nodes, rr.size, rr.self_key);
      if (c.full) return discovery_failed(std::string(wording::kErrFullCluster), DiscoveryFailure::kFullCluster);
      if (!registered) return discovery_create_self();
      discovery_wait_nodes(std::move(c.nodes), b.listing.index);
    });
  });
}

void Member::discovery_retry(bool registered, const char* reason) {
  DiscoveryRun& r = *disc_;
  ++r.retries;  // nRetries is math.MaxUint32: in a run, it never gives up
  const std::uint64_t backoff_s = std::uint64_t{1} << std::min(r.retries, kMaxExponentialRetries);
  if (host_.trace->on())
    log("info", std::string(wording::kRetryConnecting), fmt::format("url={} reason={} backoff={}s", r.endpoint, reason, backoff_s));
  const std::uint64_t gen = generation_;
  host_.loop->after(sim::seconds(static_cast<std::int64_t>(backoff_s)), [this, gen, registered] {
    if (gen == generation_ && disc_) discovery_check_cluster(registered);
  });
}

void Member::discovery_create_self() {
  const std::string token = disc_->token, key = base(disc_->self_key), value = self_registration(*cfg_->source);
  discovery_call([token, key, value](sim::DiscoveryService& s, DiscoveryAnswer& a) { a.created = s.create(token, key, value); },
                 [this](const DiscoveryAnswer& a) {
    if (a.status == DiscoveryAnswer::Status::kTimeout) return discovery_failed(std::string(wording::kDeadlineExceeded), DiscoveryFailure::kOther);
    // createSelf returns a ClusterError as it is (no retry).
    if (a.status == DiscoveryAnswer::Status::kRefused) return discovery_failed(cluster_error(a.error), DiscoveryFailure::kOther);
    if (!a.created) return discovery_failed(std::string(wording::kErrDuplicateID), DiscoveryFailure::kDuplicateId);
    discovery_check_cluster(true);  // createSelf's own watch returns at once: its key exists
  });
}

void Member::discovery_wait_nodes(std::vector<sim::DiscoveryNode> nodes, std::uint64_t index) {
  DiscoveryRun& r = *disc_;
  if (nodes.size() > r.size) nodes.resize(r.size);
  r.all = std::move(nodes);
  if (host_.trace->on())
    for (const sim::DiscoveryNode& n : r.all) {
      if (n.key == r.self_key) log("info", std::string(wording::kFoundSelf), fmt::format("discovery-url={} self={}", r.endpoint, base(n.key)));
      else log("info", std::string(wording::kFoundPeer), fmt::format("discovery-url={} peer={}", r.endpoint, base(n.key)));
    }
  if (r.all.size() >= r.size) return discovery_finish();
  if (host_.trace->on())
    log("info", std::string(wording::kWaitingForMore),
        fmt::format("discovery-url={} found-peers={} needed-peers={}", r.endpoint, r.all.size(), r.size - r.all.size()));
  // Watch from index + 1: nodes created since the listing come first.
  const std::uint64_t gen = generation_;
  const int from_host = host_.origin.host;
  const int svc_host = r.svc->host();
  r.watch = r.svc->watch(r.token, [this, gen, from_host, svc_host](const sim::DiscoveryNode& n) {
    if (gen != generation_ || !disc_) return false;
    // The event travels to the member; a cut path loses it.
    if (!host_.net->host_up(svc_host) || !host_.net->connected(from_host, svc_host)) return true;
    host_.loop->after(kOneWay, [this, gen, n] {
      if (gen == generation_ && disc_) discovery_got_node(n);
    });
    return true;
  });
  for (const sim::DiscoveryNode& n : r.svc->list(r.token).nodes)
    if (n.created_index > index) {
      host_.loop->after(kOneWay, [this, gen, n] {
        if (gen == generation_ && disc_) discovery_got_node(n);
      });
    }
}

void Member::discovery_got_node(const sim::DiscoveryNode& n) {
  DiscoveryRun& r = *disc_;
  if (r.all.size() >= r.size) return;
  for (const sim::DiscoveryNode& x : r.all)
    if (x.key == n.key) return;  // delivered twice (listing and watch)
  if (host_.trace->on()) log("info", std::string(wording::kFoundPeer), fmt::format("discovery-url={} peer={}", r.endpoint, n.value));
  r.all.push_back(n);
  if (r.all.size() < r.size) {
    if (host_.trace->on())
      log("info", std::string(wording::kWaitingForMore),
          fmt::format("discovery-url={} found-peers={} needed-peers={}", r.endpoint, r.all.size(), r.size - r.all.size()));
    return;
  }
  discovery_finish();
}

void Member::discovery_finish() {
  DiscoveryRun& r = *disc_;
  if (r.watch) r.svc->cancel_watch(r.watch);
  r.watch = 0;
  if (host_.trace->on())
    log("info", std::string(wording::kFoundAllPeers), fmt::format("discovery-url={} found-peers={}", r.endpoint, r.all.size()));
  ClusterText ct = nodes_to_cluster(r.all, r.size);
  if (ct.error) {
    const DiscoveryFailure kind = *ct.error == wording::kErrDuplicateName ? DiscoveryFailure::kDuplicateName : DiscoveryFailure::kOther;
    return discovery_failed(*ct.error, kind);
  }
  Discovered d;
  d.entries = std::move(ct.entries);
  discovered_ = std::move(d);
  disc_.reset();
  decide(nullptr);
}

void Member::discovery_failed(const std::string& err, DiscoveryFailure kind) {
  const std::string text = go_format(wording::kDiscoveryErrorFormat, {"join", err});
  const std::string durl = cfg_->source->discovery;
  const auto fb = cfg_->source->values.find("discovery-fallback");
  const bool proxy_fallback = fb == cfg_->source->values.end() || fb->second == "proxy";
  if (disc_ && disc_->watch) disc_->svc->cancel_watch(disc_->watch);
  disc_.reset();
  const bool on = host_.trace->on();
  if (kind == DiscoveryFailure::kFullCluster) {
    if (proxy_fallback) {
      if (on) {
        log("warn", std::string(wording::kFallingBackToProxy), "fallback-proxy=proxy error=" + text);
        log("info", std::string(wording::kProxyStarting));
      }
      proxy_ = true;  // stays up, never a member (phase Bootstrapping: not serving v3)
      return;
    }
  } else if (on) {
    log("warn", std::string(wording::kFailedToStartEtcd), "error=" + text);
  }
  if (on) {
    switch (kind) {
      case DiscoveryFailure::kDuplicateId:
        log("warn", std::string(wording::kRegisteredWithDiscovery),
            fmt::format("name={} discovery-token={} error={}", cfg_->name, durl, err));
        log("warn", std::string(wording::kNoValidClusterConfig), "data-dir=" + cfg_->source->data_dir);
        log("warn", std::string(wording::kCheckDataDir));
        log("warn", std::string(wording::kOrUseNewToken));
        break;
      case DiscoveryFailure::kDuplicateName:
        log("warn", std::string(wording::kDuplicatedNameRegistered), fmt::format("discovery-token={} error={}", durl, err));
        log("warn", std::string(wording::kCurlTokenURL));
        log("warn", std::string(wording::kDoNotReuseToken));
        break;
      default:
        log("warn", std::string(wording::kTokenAlreadyUsed), fmt::format("discovery-token={} error={}", durl, text));
        log("warn", std::string(wording::kDoNotReuseToken));
        break;
    }
  }
  exit_process(text);
}

void Member::resolve_srv() {
  static const sim::DnsTable kNoDns;
  const sim::DnsTable& dns = host_.services ? host_.services->dns : kNoDns;
  SrvResult r = srv_cluster(*cfg_->source, dns);
  Discovered d;
  d.entries = std::move(r.entries);
  d.log = std::move(r.log);
  d.error = std::move(r.error);
  d.dns = &dns;
  discovered_ = std::move(d);
}

}  // namespace raftlab::etcd
