// sim/cloud/nlb.cc — Network Load Balancers: each is a host of the World reachable by its
// DNS name (and by its Name, for scenarios), listening on its listeners' ports. Every new
// TCP connection (a client's request endpoint: each etcdctl call opens one) is a flow:
// the DNS answer picks one of the balancer's AZ nodes, the node picks one healthy target
// in its AZ (all AZs with cross-zone load balancing), and the flow stays with it. With no
// healthy target the balancer fails open to every registered target. Target groups check
// their targets as AWS does (TCP connect, or HTTP GET with the matcher) every interval,
// with the healthy/unhealthy thresholds; a deregistered target drains for the
// deregistration delay and then leaves the group.
//
// Sources (Elastic Load Balancing, Network Load Balancers guide): "Health checks for
// Network Load Balancer target groups", "Target group attributes" (deregistration delay,
// 300 s), "Cross-zone load balancing" (off by default for NLB), "Routing algorithm" (flow
// hash per connection). docs/cloud.md lists the defaults and what is not modelled.
//
// Must never: route a new flow to a draining target while a healthy one exists, or let
// the flow table grow without bound (flows idle for 350 s, the NLB TCP idle timeout, go).
#include <algorithm>

#include <fmt/format.h>

#include "sim/cloud/cloud.h"

namespace raftlab::cloud {

namespace {
constexpr std::int64_t kIdleTimeoutNs = 350'000'000'000;  // NLB TCP idle timeout
constexpr std::size_t kFlowsMax = 4096;                     // prune above this many
}  // namespace

TargetGroupState* Cloud::tg_by_logical(const std::string& id) {
  auto it = tgs_.find(id);
  if (it != tgs_.end()) return &it->second;
  for (auto& [k, st] : tgs_)
    if (st.spec->name == id || st.arn == id) return &st;
  return nullptr;
}

void Cloud::install_load_balancers() {
  const CloudSpec& spec = cfg_->spec;
  for (const LoadBalancer& lb : spec.load_balancers) {
    LoadBalancerState st;
    st.spec = &lb;
    st.dns_name = lb.dns_name;
    for (const std::string& sn : lb.subnets) {
      for (const Subnet& s : spec.subnets) {
        if (s.id != sn && s.logical_id != sn) continue;
        if (std::find(st.azs.begin(), st.azs.end(), s.az) == st.azs.end()) st.azs.push_back(s.az);
      }
    }
    // One host stands for the balancer's nodes; its address is drawn in its first subnet.
    std::string ip;
    for (const Subnet& s : spec.subnets)
      if (!lb.subnets.empty() && (s.id == lb.subnets.front() || s.logical_id == lb.subnets.front())) ip = allocate_ip(s);
    if (ip.empty()) ip = "10.255.0." + std::to_string(10 + lbs_.size());
    const std::string name = lb.name.empty() ? lb.logical_id : lb.name;
    st.host = world().add_host("nlb/" + name, ip);
    std::string lower = st.dns_name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (!lower.empty()) world().net().add_dns_name(lower, st.host);
    world().net().add_dns_name(name, st.host);
    for (const Listener& l : spec.listeners) {
      if (l.load_balancer != lb.logical_id) continue;
      st.listeners[l.port] = l.target_group;
      const std::string lid = lb.logical_id;
      const int port = l.port;
      const sim::EndpointId ep = world().new_endpoint();
      auto err = world().net().listen(world().net().host_netns(st.host), l.port, true, std::nullopt, ep,
                                      [this, lid, port](const sim::Packet& p) { forward(lid, port, p); });
      if (err) d_.add_warning("load balancer " + name + ": listener on " + std::to_string(port) + ": " + *err);
    }
    record(name, "nlb", fmt::format("active: {} ({}), AZs {}, cross-zone {}", st.dns_name, ip,
                                    fmt::join(st.azs, ","), lb.cross_zone ? "on" : "off"));
    lbs_[lb.logical_id] = std::move(st);
  }
}

std::vector<sim::Extension::ServedUrl> Cloud::served_urls() const {
  std::vector<ServedUrl> out;
  for (const auto& [id, st] : lbs_) {
    const std::string name = st.spec->name.empty() ? st.spec->logical_id : st.spec->name;
    std::string lower = st.dns_name;  // as DNS answers it (install_load_balancers)
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    for (const auto& [port, tg] : st.listeners) {
      (void)tg;
      out.push_back({fmt::format("http://{}:{}", name, port), "load balancer " + name});
      if (!lower.empty() && lower != name)
        out.push_back({fmt::format("http://{}:{}", lower, port), "load balancer " + name});
    }
  }
  return out;
}

const Target* Cloud::pick_target(LoadBalancerState& lb, TargetGroupState& tg_ref) {
  TargetGroupState* tg = &tg_ref;
  // A new connection: the client resolved the balancer's name to one AZ node (DNS
  // answers only nodes whose AZ has a healthy target, when some AZ has one).
  auto healthy_in = [&](const std::string& az) {
    std::vector<const Target*> out;
    for (const Target& t : tg->targets) {
      const Instance* in = instance(t.instance);
      if (t.state == "healthy" && in && (az.empty() || in->az == az)) out.push_back(&t);
    }
    return out;
  };
  std::vector<const Target*> cands;
  if (lb.spec->cross_zone) {
    cands = healthy_in("");
  } else {
    std::vector<std::string> zones;
    for (const std::string& az : lb.azs)
      if (!healthy_in(az).empty()) zones.push_back(az);
    if (!zones.empty()) cands = healthy_in(zones[prng("nlb/dns").uniform(zones.size())]);
  }
  if (cands.empty()) {
    // Fail open: no healthy target, so every registered target gets traffic.
    for (const Target& t : tg->targets)
      if (t.state != "draining") cands.push_back(&t);
  }
  if (cands.empty()) return nullptr;
  ++lb.flows_chosen;
  return cands[prng("nlb/flow").uniform(cands.size())];
}

void Cloud::forward(const std::string& lb_id, int port, const sim::Packet& p) {
  LoadBalancerState& lb = lbs_.at(lb_id);
  if (p.reply_to < 0) return;
  const std::int64_t now = world().now().ns;
  auto lit = lb.listeners.find(port);
  if (lit == lb.listeners.end()) return;
  TargetGroupState* tg = tg_by_logical(lit->second);
  if (!tg) return;
  const std::string* target = nullptr;
  auto fit = lb.flows.find(p.reply_to);
  if (fit != lb.flows.end()) {
    for (const Target& t : tg->targets)
      if (t.instance == fit->second.instance) target = &t.instance;  // draining targets keep their flows
  }
  if (!target) {
    if (lb.flows.size() > kFlowsMax) {
      for (auto it = lb.flows.begin(); it != lb.flows.end();)
        it = now - it->second.last_ns > kIdleTimeoutNs ? lb.flows.erase(it) : std::next(it);
    }
    const Target* pick = pick_target(lb, *tg);
    if (!pick) {
      record(lb.spec->name.empty() ? lb_id : lb.spec->name, "nlb", "no registered target: the connection is reset");
      return;
    }
    lb.flows[p.reply_to] = LoadBalancerState::Flow{pick->instance, now};
    target = &pick->instance;
  } else {
    fit->second.last_ns = now;
  }
  const Instance* in = instance(*target);
  if (!in) return;
  const int target_port = tg->spec->port > 0 ? tg->spec->port : port;
  sim::Origin o;
  o.host = lb.host;
  o.netns = world().net().host_netns(lb.host);
  o.who = "nlb";
  sim::Packet copy = p;
  world().net().send(o, fmt::format("http://{}:{}", in->ip, target_port), std::move(copy));
}

void Cloud::register_target(Instance& in) {
  const AsgState* g = asg(in.asg);
  if (!g) return;
  for (const std::string& id : g->target_groups) {
    TargetGroupState* tg = tg_by_logical(id);
    if (!tg) continue;
    Target t;
    t.instance = in.id;
    t.registered_ns = world().now().ns;
    t.gen = ++target_gen_;
    tg->targets.push_back(t);
    in.target_groups.push_back(id);
    record(tg->spec->name.empty() ? id : tg->spec->name, "target", in.id + " registered: initial");
    // The first check comes within one interval of the registration.
    const std::int64_t interval = tg->spec->health.interval_s * 1'000'000'000;
    schedule_health_check(id, in.id, t.gen, prng("nlb/health-offset").between(1'000'000'000, interval));
  }
}

std::int64_t Cloud::deregister_target(Instance& in) {
  std::int64_t longest = 0;
  for (const std::string& id : in.target_groups) {
    TargetGroupState* tg = tg_by_logical(id);
    if (!tg) continue;
    for (Target& t : tg->targets) {
      if (t.instance != in.id || t.state == "draining") continue;
      const std::int64_t delay = tg->spec->deregistration_delay_s * 1'000'000'000;
      t.state = "draining";
      t.drain_until_ns = world().now().ns + delay;
      t.gen = ++target_gen_;  // its health checks stop
      longest = std::max(longest, delay);
      record(tg->spec->name.empty() ? id : tg->spec->name, "target", in.id + " draining");
      const std::string iid = in.id, tid = id;
      world().loop().after(sim::nanos(delay), [this, iid, tid] {
        TargetGroupState* g = tg_by_logical(tid);
        if (!g) return;
        auto it = std::find_if(g->targets.begin(), g->targets.end(),
                               [&](const Target& x) { return x.instance == iid && x.state == "draining"; });
        if (it == g->targets.end()) return;
        g->targets.erase(it);
        record(g->spec->name.empty() ? tid : g->spec->name, "target", iid + " deregistered");
      });
    }
  }
  in.target_groups.clear();
  return longest;
}

void Cloud::schedule_health_check(const std::string& tg, const std::string& instance, std::uint64_t gen,
                                  std::int64_t after_ns) {
  world().loop().after(sim::nanos(after_ns), [this, tg, instance, gen] { health_check(tg, instance, gen); });
}

void Cloud::health_check(const std::string& tg_id, const std::string& iid, std::uint64_t gen) {
  TargetGroupState* tg = tg_by_logical(tg_id);
  if (!tg) return;
  auto it = std::find_if(tg->targets.begin(), tg->targets.end(),
                         [&](const Target& t) { return t.instance == iid && t.gen == gen; });
  if (it == tg->targets.end()) return;  // deregistered meanwhile
  Target& t = *it;
  const HealthCheck& hc = tg->spec->health;
  const Instance* in = instance(iid);
  const int port = hc.port == "traffic-port" ? tg->spec->port : std::atoi(hc.port.c_str());
  const std::string url = fmt::format("http://{}:{}", in ? in->ip : "0.0.0.0", port);
  // The check comes from the balancer's nodes.
  const LoadBalancerState* from = lbs_.empty() ? nullptr : &lbs_.begin()->second;
  for (const auto& [id, lb] : lbs_)
    for (const auto& [p, tgid] : lb.listeners)
      if (tgid == tg_id) from = &lb;
  sim::Origin o;
  o.host = from ? from->host : -1;
  o.netns = from ? world().net().host_netns(from->host) : -1;
  o.who = "nlb-health";
  bool pass = false;
  if (in && in->ec2 == Instance::Ec2::kRunning && !in->impaired) {
    if (hc.protocol == "TCP") {
      // A TCP check sees only that something accepts the connection: an etcd without a
      // leader, or in a cluster of its own, passes.
      pass = world().net().reachable(o, url);
    } else {
      // HTTP(S) GET hc.path: etcd's /health answers 200 {"health":"true"} only with a
      // leader (etcdserver/api/etcdhttp: checkHealth); other paths 404 (/version 200).
      const etcd::Member* m = world().serving_member_at(o.host, url);
      if (m) {
        int code = 404;
        if (hc.path == "/health" || hc.path == "/readyz" || hc.path == "/livez")
          code = m->leader() != 0 ? 200 : 503;
        else if (hc.path == "/version" || hc.path == "/metrics")
          code = 200;
        pass = code >= 200 && code < 400;  // the 200-399 matcher default; finer matchers: docs/cloud.md
      }
    }
  }
  const std::string before = t.state;
  if (pass) {
    t.fails = 0;
    ++t.passes;
    if (t.state != "healthy" && t.passes >= hc.healthy_threshold) t.state = "healthy";
  } else {
    t.passes = 0;
    ++t.fails;
    if (t.state != "unhealthy" && t.fails >= hc.unhealthy_threshold) t.state = "unhealthy";
  }
  if (t.state != before)
    record(tg->spec->name.empty() ? tg_id : tg->spec->name, "target", fmt::format("{} {} -> {}", iid, before, t.state));
  schedule_health_check(tg_id, iid, gen, hc.interval_s * 1'000'000'000);
}

}  // namespace raftlab::cloud
