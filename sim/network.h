// sim/network.h — hosts, network namespaces, listeners and message delivery.
//
// A process lives in a network namespace (its host's, or a docker container's own).
// It listens on ports; a docker `-p host:container` mapping publishes a container
// port on the host's IP. Dialing a URL resolves to a listener at delivery time:
// `localhost`/`127.0.0.1`/`0.0.0.0` means the sender's own namespace; a host IP means
// that host's published ports. Nobody listening => the packet is dropped and recorded.
// Delivery is FIFO per (sender, destination) pair, like a TCP stream, with latency drawn
// from the network's own PRNG stream. Must never: deliver across a partition or to a
// host that is down.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/event_loop.h"
#include "sim/prng.h"
#include "sim/trace.h"
#include "sim/wire.h"

namespace raftlab::sim {

using HostIndex = int;
using NetnsIndex = int;
using EndpointId = int;  // a receiving process (member) in the world

struct LatencyRange {
  Duration min = micros(50);
  Duration max = micros(200);
};

struct NetworkOptions {
  LatencyRange intra_host{micros(50), micros(200)};
  LatencyRange inter_host{micros(300), millis(1)};
};

// Who is sending: the sender's namespace and host, plus a label for the trace.
struct Origin {
  NetnsIndex netns = -1;
  HostIndex host = -1;
  std::string who;
  EndpointId endpoint = -1;  // -1 for clients
};

// A nemesis rule on member-to-member traffic (sim/nemesis). Members are named by their
// container (Origin::who of the sender; name_endpoint() for the receiver). Clients'
// traffic is never affected.
struct NetFault {
  enum class Kind : std::uint8_t {
    Block,      // dropped at delivery: groups (by host or member) or one-way from -> to
    Loss,       // lost at send with probability ppm
    Duplicate,  // delivered a second time, later, with probability ppm
    Reorder,    // delayed by up to `delay`, outside the stream's FIFO order, with probability ppm
    Delay,      // delayed by `delay` more (FIFO kept)
  } kind = Kind::Block;
  // Block by groups: group_of_host (indexed by host) or group_of_member (names; unnamed: 0).
  bool by_groups = false, by_host = false;
  std::vector<int> group_of_host;
  std::map<std::string, int> group_of_member;
  // Otherwise: from -> to (empty: every member).
  std::vector<std::string> from, to;
  std::int64_t ppm = 0;
  Duration delay{0};
};

class Network {
 public:
  using Receiver = std::function<void(const Packet&)>;
  // A requester's: the reply is its own (delivered once), so it may move out of it.
  using EndpointReceiver = std::function<void(Packet&)>;

  Network(EventLoop& loop, Trace& trace, Prng prng, NetworkOptions opts);

  HostIndex add_host(std::string name, std::string ip);
  NetnsIndex add_netns(HostIndex host);  // a fresh namespace (docker bridge container)
  NetnsIndex host_netns(HostIndex host) const { return hosts_[static_cast<size_t>(host)].netns; }
  // The host whose IP is `ip`, or whose DNS name it is (add_dns_name).
  std::optional<HostIndex> host_by_ip(std::string_view ip) const;
  // A DNS name that resolves to host `h` (a load balancer's name, sim/cloud). Names are
  // looked up exactly (lower-case, as DNS answers them); a later call for the same name
  // points it elsewhere.
  void add_dns_name(std::string name, HostIndex h);
  const std::string& host_name(HostIndex h) const { return hosts_[static_cast<size_t>(h)].name; }
  const std::string& host_ip(HostIndex h) const { return hosts_[static_cast<size_t>(h)].ip; }
  std::size_t host_count() const { return hosts_.size(); }

  // Binds `port` in `netns`. If `publish_port` is set, that port on the host's IP
  // forwards to it (docker -p). Returns an error text (Linux/docker wording) on conflict.
  std::optional<std::string> listen(NetnsIndex netns, int port, bool any_address,
                                    std::optional<int> publish_port, EndpointId ep,
                                    Receiver rx);
  void unlisten_all(EndpointId ep);

  // Connection-oriented replies: a requester registers where replies reach it.
  void register_endpoint(EndpointId ep, Origin where, EndpointReceiver rx);
  void unregister_endpoint(EndpointId ep);
  // As unregister_endpoint, for an endpoint whose id is never registered again (a client
  // call's): its reply ordering state goes too, so a long run does not grow per request.
  void close_endpoint(EndpointId ep);
  // Requesters the network keeps reply-ordering state for (tests: closed ones are gone).
  std::size_t reply_state_count() const;
  // Endpoints the network holds an entry for (registered, or unregistered and kept).
  std::size_t endpoint_count() const { return endpoints_.size(); }
  // Sends `p` back to endpoint `to` over the same path rules (host up, no partition).
  void reply(const Origin& from, EndpointId to, Packet p);

  // Sends to http(s)://HOST:PORT. The URL is resolved at delivery time.
  void send(const Origin& from, const std::string& url, Packet&& p);
  // A sender's handle on its FIFO stream to one URL (a member keeps one per peer): send()
  // with it skips looking the stream up per packet. One Link serves one (from.who, url)
  // pair; a caller whose url changes starts a fresh Link.
  struct Link {
    std::uint32_t stream = UINT32_MAX;  // index into the network's streams (unset: looked up once)
  };
  void send(const Origin& from, const std::string& url, Packet&& p, Link* link);
  // Whether a process at `from` could reach `url` right now (listener up, path open).
  bool reachable(const Origin& from, const std::string& url) const;
  // Why not: "" when reachable, else "connection refused", "no route to host",
  // "malformed address" or "i/o timeout (...)" (host down, partitioned, a nemesis rule).
  std::string why_unreachable(const Origin& from, const std::string& url) const;
  // The same, remembered in `memo` (owned by the caller, one per (from, url) pair): the
  // answer is recomputed only when the network's reachability epoch has moved — hosts,
  // namespaces, listeners, partitions, host up/down, nemesis rules or endpoint names
  // changed — so a member checking its peers on every tick costs a comparison.
  struct ReachMemo {
    std::uint64_t epoch = 0;  // 0: never computed (epochs start at 1)
    bool ok = false;
  };
  bool reachable(const Origin& from, const std::string& url, ReachMemo* memo) const {
    if (memo->epoch != epoch_) {
      memo->ok = reachable(from, url);
      memo->epoch = epoch_;
    }
    return memo->ok;
  }
  // Bumped by every change that can change a reachable() answer.
  std::uint64_t epoch() const { return epoch_; }
  // The endpoint that would receive a packet sent to `url` right now, if any.
  std::optional<EndpointId> resolve_endpoint(const Origin& from, const std::string& url) const;

  void set_host_up(HostIndex h, bool up);
  bool host_up(HostIndex h) const { return hosts_[static_cast<size_t>(h)].up; }
  // Hosts in different groups cannot talk; hosts not named are in group 0.
  void partition(const std::vector<std::vector<HostIndex>>& groups);
  void heal();
  bool connected(HostIndex a, HostIndex b) const;

  // Nemesis rules (see NetFault). add_fault returns an id for remove_fault. Random draws
  // for them come from `prng` (set_fault_prng), never from the latency stream.
  int add_fault(NetFault f);
  void remove_fault(int id);
  void set_fault_prng(Prng prng) { fprng_ = prng; }
  void name_endpoint(EndpointId ep, std::string who) {
    ep_who_[ep] = std::move(who);
    ++epoch_;
  }
  bool has_faults() const { return !faults_.empty(); }

  std::uint64_t packets_sent() const { return sent_; }
  std::uint64_t packets_dropped() const { return dropped_; }

 private:
  struct Host { std::string name, ip; NetnsIndex netns; bool up = true; int group = 0; };
  struct Listener { EndpointId ep; Receiver rx; };
  // `why` is always a string literal (no allocation per failed lookup).
  struct Target { bool ok = false; const Listener* l = nullptr; HostIndex host = -1; std::string_view why; };
  // A FIFO stream from one sender to one url, with the url split once (send() is the
  // simulator's hottest path). Invariant: lives in fifo_ for the whole run (never
  // erased), so `url` and `host` stay valid and a pending delivery may point to it.
  // A URL split into host and port, and the host looked up (`host` views into the
  // url_cache_ key; hosts are only appended, so the lookup is redone when their count
  // changed). Shared by every stream to that URL and by resolve().
  struct ParsedUrl {
    bool ok = false;
    std::string_view host;
    int port = 0;
    std::optional<HostIndex> ip_host;
    std::size_t hosts_seen = SIZE_MAX;
  };
  struct Stream {
    Time last{};                       // latest delivery scheduled on this stream
    const std::string* url = nullptr;  // the fifo_ key
    ParsedUrl* parsed = nullptr;       // *url split, in url_cache_ (nodes never move)
    // deliver()'s resolve_split answer for a sender at (memo_netns, memo_host), valid
    // while the network's epoch is memo_epoch (0: none yet).
    std::uint64_t memo_epoch = 0;
    NetnsIndex memo_netns = -1;
    HostIndex memo_host = -1;
    Target memo;
    std::uint32_t index = 0;           // in streams_
  };
  // A packet on its way (send() to deliver()): kept in a slab so the delivery event
  // carries only a slot number (no allocation and no Packet copy per event). The slab
  // is a deque (elements never move), so a packet is delivered where it was parked
  // while the receiver parks more; its slot is freed after the delivery, and the dead
  // packet is destroyed when the slot is reused (or with the network).
  struct InFlight {
    Origin from;
    Stream* sp = nullptr;
    Packet p;
  };
  std::uint32_t park(const Origin& from, Stream* sp, Packet&& p);
  void deliver_parked(std::uint32_t slot);
  // A reply parked by reply() (sp null), delivered to endpoint `to` if it is still there.
  void deliver_parked_reply(std::uint32_t slot, EndpointId to);
  Target resolve(const Origin& from, const std::string& url) const;
  // resolve() after split_url; `ip_host` is host_by_ip(host).
  Target resolve_split(const Origin& from, std::string_view host, int port,
                       std::optional<HostIndex> ip_host) const;
  Stream& stream(const std::string& from, const std::string& url);
  ParsedUrl& parsed(std::string_view url) const;
  std::optional<HostIndex> ip_host(ParsedUrl& u) const;
  std::optional<HostIndex> stream_ip_host(Stream& s) const { return ip_host(*s.parsed); }
  Duration latency(HostIndex a, HostIndex b);
  // Delivery time on a FIFO stream whose clock is `last`: never before an earlier packet
  // of the same stream.
  Time fifo_time(Time& last, Duration lat);
  void drop(const Origin& from, const std::string& to, std::string_view why, const Packet& p);
  // Delivery of a packet sent on stream `sp` (resolved now).
  void deliver(const Origin& from, Stream* sp, const Packet& p);
  // The member name of endpoint `ep`, or null.
  const std::string* who_of(EndpointId ep) const;
  static bool matches(const std::vector<std::string>& set, const std::string& who);
  // Whether a Block rule stops member traffic from `from` to endpoint `to` on `to_host`.
  bool blocked(const Origin& from, EndpointId to, HostIndex to_host) const;

  EventLoop& loop_;
  Trace& trace_;
  Prng prng_;
  NetworkOptions opts_;
  std::vector<Host> hosts_;
  std::map<std::string, HostIndex, std::less<>> dns_;
  std::size_t names_ = 0;  // hosts added + DNS names set: a cached URL lookup is redone when it moves
  std::vector<HostIndex> netns_host_;
  std::map<std::pair<NetnsIndex, int>, Listener> bound_;           // (netns, port)
  std::map<std::pair<NetnsIndex, int>, bool> bound_any_;           // bound on 0.0.0.0?
  std::map<std::pair<HostIndex, int>, std::pair<NetnsIndex, int>> published_;  // host port -> (netns, port)
  // A requester's endpoint: where replies reach it and, per sender, when the last reply
  // was delivered (FIFO per connection). An unregistered endpoint keeps that clock (it may
  // be registered again, a restarted member); a closed one is erased.
  struct Endpoint {
    Origin where;
    EndpointReceiver rx;  // empty while unregistered
    std::vector<std::pair<std::string, Time>> reply_last;  // by sender; usually one
  };
  std::map<EndpointId, Endpoint> endpoints_;
  // The endpoint whose receiver is running (deliver_parked_reply), and whether it was
  // unregistered, closed or registered again meanwhile: the running receiver is replaced
  // or destroyed only after it returns.
  EndpointId delivering_ = -1;
  bool delivering_gone_ = false, delivering_closed_ = false, delivering_new_rx_ = false;
  EndpointReceiver delivering_rx_;
  // Looked up, never iterated: a hash map cannot leak its order into a run. The
  // transparent hash finds a std::string key from a string_view without building one.
  // Names and URLs are short (~20 bytes): a word-at-a-time multiply-xorshift hashes one
  // in a few instructions where std::hash's byte-oriented Murmur takes ~90. Its values
  // only place keys in buckets (these maps are never iterated), so no run depends on them.
  struct StrHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const {
      std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
      const char* p = s.data();
      std::size_t n = s.size();
      auto mix = [&h](std::uint64_t w) {
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
      };
      for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        mix(w);
      }
      if (n > 0 && s.size() >= 8) {  // the last 8 bytes, overlapping the ones mixed in
        std::uint64_t w;
        std::memcpy(&w, s.data() + s.size() - 8, 8);
        mix(w);
      } else if (n > 0) {
        std::uint64_t w = 0;
        for (std::size_t i = 0; i < n; ++i) w |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
        mix(w);
      }
      return static_cast<std::size_t>(h * 0xC4CEB9FE1A85EC53ULL);
    }
  };
  template <class V>
  using StrMap = std::unordered_map<std::string, V, StrHash, std::equal_to<>>;
  StrMap<StrMap<Stream>> fifo_;                                      // sender -> url -> stream
  std::vector<Stream*> streams_;  // by Stream::index (Links name them)
  std::deque<InFlight> inflight_;
  std::vector<std::uint32_t> inflight_free_;
  // url -> its split and host lookup: one per URL, for resolve() and every stream.
  mutable StrMap<ParsedUrl> url_cache_;
  std::uint64_t sent_ = 0, dropped_ = 0;
  std::uint64_t epoch_ = 1;  // see epoch()
  std::map<int, NetFault> faults_;  // by id: applied in the order they were added
  int next_fault_ = 1;
  Prng fprng_{0};
  std::map<EndpointId, std::string> ep_who_;
};

// Splits "http://10.0.0.1:2380" into host and port. False if malformed.
bool split_url(const std::string& url, std::string* host, int* port);
// The same without copying: `host` views into `url`.
bool split_url(std::string_view url, std::string_view* host, int* port);

}  // namespace raftlab::sim
