// sim/discovery.h — what an etcd member may ask at bootstrap besides its peers: the
// scenario's DNS (A and SRV records, for --discovery-srv) and discovery services (for
// --discovery): the subset of etcd's v2 keys API that etcd's v2discovery client uses.
//
//   BootstrapServices s;  s.dns.a["etcd1.example.com"] = "10.0.1.11";
//   DiscoveryService& d = s.add_service(host, "10.0.0.9", 2379);
//   d.set_size("/v2/keys/discovery/6c007a", "5");
//   auto r = d.create("/v2/keys/discovery/6c007a/8e9e05c52164694d", "etcd1=http://10.0.1.11:2380");
//
// A discovery service is a process on a declared World host: it listens on its port (so
// a lost host, a partition or a stopped service is a fault a member sees), and its keys
// survive the host's loss (it is an etcd cluster with its own data, or discovery.etcd.io).
// The records and tokens are the scenario's; sim/cloud may fill the DNS table from
// Route 53 records (Cloud::install_route53: the zone's simple A and SRV records). Must never: draw random numbers, read
// a clock, or know etcd's bootstrap rules (sim/etcd/discovery.h has those).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace raftlab::sim {

// One SRV answer (RFC 2782); etcd uses target and port only.
struct SrvRecord {
  std::string target;  // a DNS name, without the trailing dot
  int port = 0;
};

struct DnsTable {
  // Lower-case names (no trailing dot) -> IPv4 address.
  std::map<std::string, std::string> a;
  // "_etcd-server._tcp.example.com" -> its records, in the order the scenario lists them
  // (a resolver's order; etcd keeps it).
  std::map<std::string, std::vector<SrvRecord>> srv;

  // An IPv4 literal is itself; a name is its A record; nullopt: "no such host".
  [[nodiscard]] std::optional<std::string> resolve(std::string_view host) const;
  // net.LookupSRV(service, "tcp", domain): null when the name has no SRV records.
  [[nodiscard]] const std::vector<SrvRecord>* lookup_srv(std::string_view service, std::string_view domain) const;
};

// A key of a discovery token (etcd v2 client.Node): "<token>/<member id hex>".
struct DiscoveryNode {
  std::string key;
  std::string value;  // the member's "name=peer-url,..." (its InitialPeerURLsMap)
  std::uint64_t created_index = 0;
};

class DiscoveryService {
 public:
  DiscoveryService(int host, std::string ip, int port) : host_(host), ip_(std::move(ip)), port_(port) {}

  int host() const { return host_; }
  int port() const { return port_; }
  // "http://IP:PORT": the URL prefix a --discovery URL names this service by.
  std::string base_url() const { return "http://" + ip_ + ":" + std::to_string(port_); }

  // The token's `_config/size` value as written (a string: etcd stores values as text).
  void set_size(const std::string& token, std::string size) { tokens_[token].size = std::move(size); }
  // GET <token>/_config/size; nullopt: 100 "Key not found".
  [[nodiscard]] std::optional<std::string> size(const std::string& token) const;
  // GET <token>: the registered members (not _config), and the etcd index of the answer.
  struct Listing {
    std::vector<DiscoveryNode> nodes;  // in creation order
    std::uint64_t index = 0;
  };
  [[nodiscard]] Listing list(const std::string& token) const;
  // PUT <key>?prevExist=false: the node's created index, or nullopt (105 "Key already exists").
  std::optional<std::uint64_t> create(const std::string& token, const std::string& member_key, std::string value);
  // Watch <token> recursively: `fn` is called for each node created after now, until it
  // returns false (the watcher is done) or the watcher is cancelled.
  int watch(const std::string& token, std::function<bool(const DiscoveryNode&)> fn);
  void cancel_watch(int id);

 private:
  struct Token {
    std::optional<std::string> size;
    std::vector<DiscoveryNode> nodes;
  };
  struct Watcher {
    std::string token;
    std::function<bool(const DiscoveryNode&)> fn;
  };
  int host_;
  std::string ip_;
  int port_;
  std::map<std::string, Token> tokens_;
  std::uint64_t index_ = 1;  // the service's etcd index (a fresh etcd answers 1)
  std::map<int, Watcher> watchers_;
  int next_watch_ = 1;
};

// What a World offers its members at bootstrap. Owned by the World; filled by
// sim/deploy from the scenario before any member starts.
struct BootstrapServices {
  DnsTable dns;
  std::vector<std::unique_ptr<DiscoveryService>> services;

  DiscoveryService& add_service(int host, std::string ip, int port) {
    services.push_back(std::make_unique<DiscoveryService>(host, std::move(ip), port));
    return *services.back();
  }
  // The service whose host:port a URL's authority names (after resolving a name), or null.
  [[nodiscard]] DiscoveryService* service_for(std::string_view host, int port) const;
};

}  // namespace raftlab::sim
