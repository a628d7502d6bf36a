#include "sim/network.h"

#include <algorithm>
#include <cstdlib>

namespace raftlab::sim {

bool split_url(std::string_view url, std::string_view* host, int* port) {
  std::string_view rest = url;
  const auto scheme = rest.find("://");
  if (scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
  const auto slash = rest.find('/');
  if (slash != std::string_view::npos) rest = rest.substr(0, slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= rest.size()) return false;
  const std::string_view p = rest.substr(colon + 1);
  if (p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  int v = 0;
  for (char c : p) v = v * 10 + (c - '0');  // at most 5 digits: no overflow
  if (v <= 0 || v > 65535) return false;
  *host = rest.substr(0, colon);
  *port = v;
  return true;
}

bool split_url(const std::string& url, std::string* host, int* port) {
  std::string_view h;
  if (!split_url(std::string_view(url), &h, port)) return false;
  host->assign(h);
  return true;
}

Network::Network(EventLoop& loop, Trace& trace, Prng prng, NetworkOptions opts)
    : loop_(loop), trace_(trace), prng_(prng), opts_(opts) {}

HostIndex Network::add_host(std::string name, std::string ip) {
  Host h{std::move(name), std::move(ip), -1, true, 0};
  ++epoch_;
  ++names_;
  hosts_.push_back(std::move(h));
  auto hi = static_cast<HostIndex>(hosts_.size() - 1);
  hosts_.back().netns = add_netns(hi);
  return hi;
}

NetnsIndex Network::add_netns(HostIndex host) {
  netns_host_.push_back(host);
  ++epoch_;
  return static_cast<NetnsIndex>(netns_host_.size() - 1);
}

std::optional<HostIndex> Network::host_by_ip(std::string_view ip) const {
  for (size_t i = 0; i < hosts_.size(); ++i)
    if (hosts_[i].ip == ip) return static_cast<HostIndex>(i);
  if (!dns_.empty()) {
    auto it = dns_.find(ip);
    if (it != dns_.end()) return it->second;
  }
  return std::nullopt;
}

void Network::add_dns_name(std::string name, HostIndex h) {
  dns_[std::move(name)] = h;
  ++names_;
  ++epoch_;
}

std::optional<std::string> Network::listen(NetnsIndex netns, int port, bool any_address,
                                           std::optional<int> publish_port, EndpointId ep,
                                           Receiver rx) {
  auto key = std::make_pair(netns, port);
  if (bound_.count(key)) return "bind: address already in use";
  HostIndex host = netns_host_[static_cast<size_t>(netns)];
  const bool host_ns = hosts_[static_cast<size_t>(host)].netns == netns;
  if (host_ns && any_address) {
    // A process in the host namespace binding 0.0.0.0 takes the host port.
    if (published_.count({host, port})) return "bind: address already in use";
  }
  if (publish_port && published_.count({host, *publish_port}))
    return "port is already allocated";
  ++epoch_;
  bound_[key] = Listener{ep, std::move(rx)};
  bound_any_[key] = any_address;
  if (host_ns && any_address) published_[{host, port}] = key;
  // docker-proxy forwards to the container's IP, which only a 0.0.0.0 bind answers.
  if (publish_port && any_address) published_[{host, *publish_port}] = key;
  return std::nullopt;
}

void Network::unlisten_all(EndpointId ep) {
  ++epoch_;
  for (auto it = bound_.begin(); it != bound_.end();) {
    if (it->second.ep == ep) {
      auto key = it->first;
      for (auto p = published_.begin(); p != published_.end();)
        p = (p->second == key) ? published_.erase(p) : std::next(p);
      bound_any_.erase(key);
      it = bound_.erase(it);
    } else {
      ++it;
    }
  }
}

void Network::register_endpoint(EndpointId ep, Origin where, EndpointReceiver rx) {
  Endpoint& e = endpoints_[ep];
  e.where = std::move(where);
  if (ep == delivering_) {  // its old receiver is running: swapped in when it returns
    delivering_rx_ = std::move(rx);
    delivering_gone_ = delivering_closed_ = false;
    delivering_new_rx_ = true;
    return;
  }
  e.rx = std::move(rx);
}
void Network::unregister_endpoint(EndpointId ep) {
  auto it = endpoints_.find(ep);
  if (it == endpoints_.end()) return;
  if (ep == delivering_) {
    delivering_gone_ = true;  // its receiver is running: dropped when it returns
    delivering_new_rx_ = false;
  } else {
    it->second.rx = nullptr;
  }
}
void Network::close_endpoint(EndpointId ep) {
  if (ep == delivering_) {
    delivering_gone_ = delivering_closed_ = true;
    delivering_new_rx_ = false;
    return;
  }
  endpoints_.erase(ep);
}
std::size_t Network::reply_state_count() const {
  std::size_t n = 0;
  for (const auto& [ep, e] : endpoints_) n += e.reply_last.empty() ? 0 : 1;
  return n;
}

void Network::set_host_up(HostIndex h, bool up) {
  hosts_[static_cast<size_t>(h)].up = up;
  ++epoch_;
}

void Network::partition(const std::vector<std::vector<HostIndex>>& groups) {
  ++epoch_;
  for (auto& h : hosts_) h.group = 0;
  int g = 1;
  for (const auto& grp : groups) {
    for (HostIndex h : grp) hosts_[static_cast<size_t>(h)].group = g;
    ++g;
  }
}

void Network::heal() {
  ++epoch_;
  for (auto& h : hosts_) h.group = 0;
}

bool Network::connected(HostIndex a, HostIndex b) const {
  // Clients sit outside the hosts: they reach every host that is up.
  if (a < 0 || b < 0)
    return (a < 0 || hosts_[static_cast<size_t>(a)].up) && (b < 0 || hosts_[static_cast<size_t>(b)].up);
  const Host& x = hosts_[static_cast<size_t>(a)];
  const Host& y = hosts_[static_cast<size_t>(b)];
  return x.up && y.up && (a == b || x.group == y.group);
}

Network::ParsedUrl& Network::parsed(std::string_view url) const {
  auto it = url_cache_.find(url);
  if (it == url_cache_.end()) {
    it = url_cache_.emplace(std::string(url), ParsedUrl{}).first;
    ParsedUrl& u = it->second;
    u.ok = split_url(std::string_view(it->first), &u.host, &u.port);  // views into the key
  }
  return it->second;
}

std::optional<HostIndex> Network::ip_host(ParsedUrl& u) const {
  if (u.hosts_seen != names_) {
    u.ip_host = host_by_ip(u.host);
    u.hosts_seen = names_;
  }
  return u.ip_host;
}

Network::Target Network::resolve(const Origin& from, const std::string& url) const {
  // reachable() runs for every peer on every member tick: each url is split and its host
  // looked up once (parsed()), not per call.
  ParsedUrl& u = parsed(url);
  if (!u.ok) {
    Target t;
    t.why = "malformed address";
    return t;
  }
  return resolve_split(from, u.host, u.port, ip_host(u));
}

Network::Target Network::resolve_split(const Origin& from, std::string_view host, int port,
                                       std::optional<HostIndex> ip_host) const {
  Target t;
  if (host == "localhost" || host == "127.0.0.1" || host == "0.0.0.0" || host == "[::1]") {
    if (from.netns < 0) {
      t.why = "connection refused";  // a client's own loopback has no etcd
      return t;
    }
    auto it = bound_.find({from.netns, port});
    if (it == bound_.end() && from.host >= 0 && hosts_[static_cast<size_t>(from.host)].netns == from.netns) {
      // In the host's own namespace, a port docker publishes (-p) answers on loopback
      // too: docker-proxy binds it on every host address (docs.docker.com, "Published
      // ports"), so `etcdctl` on the host reaches a containerised etcd at localhost.
      auto pub = published_.find({from.host, port});
      if (pub != published_.end()) it = bound_.find(pub->second);
    }
    if (it == bound_.end()) {
      t.why = "connection refused";
      return t;
    }
    t.ok = true;
    t.l = &it->second;
    t.host = from.host;
    return t;
  }
  const auto hi = ip_host;
  if (!hi) {
    t.why = "no route to host";
    return t;
  }
  t.host = *hi;
  if (!connected(from.host, *hi)) {
    const bool src_down = from.host >= 0 && !hosts_[static_cast<size_t>(from.host)].up;
    const bool dst_down = !hosts_[static_cast<size_t>(*hi)].up;
    t.why = (src_down || dst_down) ? "i/o timeout (host down)" : "i/o timeout (partitioned)";
    return t;
  }
  auto pub = published_.find({*hi, port});
  if (pub == published_.end()) {
    t.why = "connection refused";
    return t;
  }
  auto it = bound_.find(pub->second);
  if (it == bound_.end()) {
    t.why = "connection refused";
    return t;
  }
  t.ok = true;
  t.l = &it->second;
  return t;
}

bool Network::reachable(const Origin& from, const std::string& url) const {
  if (from.host >= 0 && !hosts_[static_cast<size_t>(from.host)].up) return false;
  const Target t = resolve(from, url);
  if (t.ok && !faults_.empty() && blocked(from, t.l->ep, t.host)) return false;
  return t.ok;
}

std::string Network::why_unreachable(const Origin& from, const std::string& url) const {
  if (from.host >= 0 && !hosts_[static_cast<size_t>(from.host)].up) return "i/o timeout (host down)";
  const Target t = resolve(from, url);
  if (!t.ok) return t.why.empty() ? std::string("connection refused") : std::string(t.why);
  if (!faults_.empty() && blocked(from, t.l->ep, t.host)) return "i/o timeout (nemesis)";
  return "";
}

std::optional<EndpointId> Network::resolve_endpoint(const Origin& from, const std::string& url) const {
  if (from.host >= 0 && !hosts_[static_cast<size_t>(from.host)].up) return std::nullopt;
  Target t = resolve(from, url);
  if (!t.ok) return std::nullopt;
  return t.l->ep;
}

Duration Network::latency(HostIndex a, HostIndex b) {
  const LatencyRange& r = (a >= 0 && a == b) ? opts_.intra_host : opts_.inter_host;
  return nanos(prng_.between(r.min.ns, r.max.ns));
}

Network::Stream& Network::stream(const std::string& from, const std::string& url) {
  auto by_sender = fifo_.find(std::string_view(from));
  if (by_sender == fifo_.end()) by_sender = fifo_.emplace(from, StrMap<Stream>{}).first;
  auto it = by_sender->second.find(std::string_view(url));
  if (it == by_sender->second.end()) {
    it = by_sender->second.emplace(url, Stream{}).first;
    Stream& st = it->second;
    st.url = &it->first;
    st.parsed = &parsed(url);
    st.index = static_cast<std::uint32_t>(streams_.size());
    streams_.push_back(&st);
  }
  return it->second;
}

Time Network::fifo_time(Time& last, Duration lat) {
  Time when = loop_.now() + lat;
  if (when < last) when = last;
  last = when;
  return when;
}

void Network::drop(const Origin& from, const std::string& to, std::string_view why, const Packet& p) {
  ++dropped_;
  if (trace_.on()) {
    TraceEvent e;
    e.at = loop_.now();
    e.kind = Ev::Drop;
    e.who = from.who;
    e.a = to;
    e.b = why;
    e.c = describe(p);
    trace_.record(std::move(e));
  }
}

int Network::add_fault(NetFault f) {
  const int id = next_fault_++;
  faults_.emplace(id, std::move(f));
  ++epoch_;
  return id;
}

void Network::remove_fault(int id) {
  faults_.erase(id);
  ++epoch_;
}

const std::string* Network::who_of(EndpointId ep) const {
  auto it = ep_who_.find(ep);
  return it == ep_who_.end() ? nullptr : &it->second;
}

bool Network::matches(const std::vector<std::string>& set, const std::string& who) {
  return set.empty() || std::find(set.begin(), set.end(), who) != set.end();
}

bool Network::blocked(const Origin& from, EndpointId to, HostIndex to_host) const {
  if (from.endpoint < 0 || from.host < 0) return false;  // clients are never cut off
  const std::string* dst = who_of(to);
  if (!dst) return false;
  for (const auto& [id, f] : faults_) {
    if (f.kind != NetFault::Kind::Block) continue;
    if (f.by_groups) {
      if (f.by_host) {
        auto g = [&](HostIndex h) {
          return h >= 0 && static_cast<std::size_t>(h) < f.group_of_host.size() ? f.group_of_host[static_cast<std::size_t>(h)] : 0;
        };
        if (g(from.host) != g(to_host)) return true;
      } else {
        auto g = [&](const std::string& w) {
          auto it = f.group_of_member.find(w);
          return it == f.group_of_member.end() ? 0 : it->second;
        };
        if (g(from.who) != g(*dst)) return true;
      }
    } else if (matches(f.from, from.who) && matches(f.to, *dst)) {
      return true;
    }
  }
  return false;
}

std::uint32_t Network::park(const Origin& from, Stream* sp, Packet&& p) {
  std::uint32_t slot;
  if (!inflight_free_.empty()) {
    slot = inflight_free_.back();
    inflight_free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(inflight_.size());
    inflight_.emplace_back();
  }
  InFlight& f = inflight_[slot];
  f.from = from;
  f.sp = sp;
  f.p = std::move(p);
  return slot;
}

void Network::deliver_parked(std::uint32_t slot) {
  // In place: the receiver may park more packets, which never moves this one (deque),
  // and this slot is not reused before it is freed below.
  InFlight& f = inflight_[slot];
  deliver(f.from, f.sp, f.p);
  inflight_free_.push_back(slot);
}

void Network::deliver(const Origin& from, Stream* sp, const Packet& p) {
  const std::string& to = *sp->url;
  // The target of this stream for this sender, recomputed only when the network changed.
  Target& t = sp->memo;
  if (sp->memo_epoch != epoch_ || sp->memo_netns != from.netns || sp->memo_host != from.host) {
    if (sp->parsed->ok) {
      t = resolve_split(from, sp->parsed->host, sp->parsed->port, stream_ip_host(*sp));
    } else {
      t = Target{};
      t.why = "malformed address";
    }
    sp->memo_epoch = epoch_;
    sp->memo_netns = from.netns;
    sp->memo_host = from.host;
  }
  if (!t.ok) {
    drop(from, to, t.why, p);
    return;
  }
  if (!faults_.empty() && blocked(from, t.l->ep, t.host)) {
    drop(from, to, "i/o timeout (partitioned)", p);
    return;
  }
  if (trace_.full()) {
    TraceEvent e;
    e.at = loop_.now();
    e.kind = Ev::Deliver;
    e.who = to;
    e.a = from.who;
    e.b = describe(p);
    trace_.record(std::move(e));
  }
  // Copy: the receiver may unbind itself (a member exiting) while it runs (and `t`
  // may be recomputed by a nested delivery).
  Receiver rx = t.l->rx;
  rx(p);
}

void Network::send(const Origin& from, const std::string& url, Packet&& p) {
  Link once;
  send(from, url, std::move(p), &once);
}

void Network::send(const Origin& from, const std::string& url, Packet&& p, Link* link) {
  ++sent_;
  // The stream keeps the url split and its host looked up (FIFO per (sender, url)).
  if (link->stream == UINT32_MAX) link->stream = stream(from.who, url).index;
  Stream& st = *streams_[link->stream];
  HostIndex dst_host = from.host;
  if (st.parsed->ok) {
    if (auto hi = stream_ip_host(st)) dst_host = *hi;
  }
  if (trace_.full()) {
    TraceEvent e;
    e.at = loop_.now();
    e.kind = Ev::Send;
    e.who = from.who;
    e.a = url;
    e.b = describe(p);
    trace_.record(std::move(e));
  }
  Stream* sp = &st;  // stable for the run: no copy of the url per packet
  const Duration lat = latency(from.host, dst_host);
  // Nemesis rules that act when a packet is sent (member-to-member traffic only).
  Duration extra{0}, unordered{0};
  bool duplicate = false;
  if (!faults_.empty() && from.endpoint >= 0 && from.host >= 0 && st.parsed->ok) {
    const Target t = resolve_split(from, st.parsed->host, st.parsed->port, stream_ip_host(st));
    const std::string* dst = t.ok ? who_of(t.l->ep) : nullptr;
    if (dst) {
      for (const auto& [id, f] : faults_) {
        if (f.kind == NetFault::Kind::Block || !matches(f.from, from.who) || !matches(f.to, *dst)) continue;
        switch (f.kind) {
          case NetFault::Kind::Loss:
            if (fprng_.chance(static_cast<std::uint64_t>(f.ppm), 1'000'000)) {
              drop(from, url, "lost (nemesis)", p);
              return;
            }
            break;
          case NetFault::Kind::Duplicate:
            if (fprng_.chance(static_cast<std::uint64_t>(f.ppm), 1'000'000)) duplicate = true;
            break;
          case NetFault::Kind::Reorder:
            if (fprng_.chance(static_cast<std::uint64_t>(f.ppm), 1'000'000))
              unordered = unordered + nanos(fprng_.between(0, f.delay.ns));
            break;
          case NetFault::Kind::Delay: extra = extra + f.delay; break;
          case NetFault::Kind::Block: break;
        }
      }
    }
  }
  Time when;
  if (unordered.ns > 0) {
    when = loop_.now() + lat + extra + unordered;  // overtaken by later packets: not FIFO
  } else {
    when = fifo_time(st.last, lat + extra);
  }
  if (duplicate) {
    // The copy arrives later than the original, by up to one more latency.
    const Time again = when + nanos(fprng_.between(1, std::max<std::int64_t>(1, lat.ns * 2)));
    const std::uint32_t copy = park(from, sp, Packet(p));
    loop_.at(again, [this, copy]() { deliver_parked(copy); });
  }
  const std::uint32_t slot = park(from, sp, std::move(p));
  loop_.at(when, [this, slot]() { deliver_parked(slot); });
}

void Network::reply(const Origin& from, EndpointId to, Packet p) {
  auto it = endpoints_.find(to);
  if (it == endpoints_.end() || !it->second.rx) return;
  Endpoint& dst = it->second;
  auto last = std::find_if(dst.reply_last.begin(), dst.reply_last.end(),
                           [&](const auto& s) { return s.first == from.who; });
  if (last == dst.reply_last.end()) {
    dst.reply_last.emplace_back(from.who, Time{});
    last = std::prev(dst.reply_last.end());
  }
  const Time when = fifo_time(last->second, latency(from.host, dst.where.host));
  // Parked like a sent packet (no closure holding the packet, no allocation per reply).
  const std::uint32_t slot = park(from, nullptr, std::move(p));
  loop_.at(when, [this, slot, to]() { deliver_parked_reply(slot, to); });
}
void Network::deliver_parked_reply(std::uint32_t slot, EndpointId to) {
  // In place, as deliver_parked: the receiver may park more packets (a deque never moves
  // this one), and the slot is freed only after it returns.
  InFlight& f = inflight_[slot];
  auto e = endpoints_.find(to);
  if (e != endpoints_.end() && e->second.rx) {  // else the requester is gone: the connection died with it
    if (!connected(f.from.host, e->second.where.host) ||
        (!faults_.empty() && blocked(f.from, to, e->second.where.host))) {
      drop(f.from, "endpoint/" + std::to_string(to), "i/o timeout", f.p);
    } else {
      // The receiver runs in place; if it unregisters or closes its own endpoint, that
      // takes effect when it returns (map nodes never move; other endpoints may go).
      delivering_ = to;
      delivering_gone_ = delivering_closed_ = delivering_new_rx_ = false;
      e->second.rx(f.p);
      delivering_ = -1;
      if (delivering_closed_) {
        endpoints_.erase(e);
      } else if (delivering_new_rx_) {
        e->second.rx = std::move(delivering_rx_);
        delivering_rx_ = nullptr;
      } else if (delivering_gone_) {
        e->second.rx = nullptr;
      }
    }
  }
  inflight_free_.push_back(slot);
}

}  // namespace raftlab::sim
