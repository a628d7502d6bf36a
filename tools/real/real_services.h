// tools/real/real_services.h — `raftlab diff`'s real bootstrap services: what a scenario's
// `discovery_services` and `dns` stand for, run for real beside the real members
// (docs/fidelity.md, "Discovery and DNS on the real side").
//  * a discovery service is a real etcd with `--enable-v2` on its host's loopback address
//    and port, each token's size set through the v2 keys API (`ETCDCTL_API=2 etcdctl set
//    <token without /v2/keys>/_config/size N`): v2discovery's client asks for
//    `<scheme://host:port><token>/...` (newDiscovery keeps the URL's path as the token and
//    uses the keys API with an empty prefix), so the scenario's --discovery URL works as
//    written;
//  * the DNS is dnsmasq on 127.0.<net>.253:53 inside the diff's private namespace, with
//    the A records as `--host-record` and each SRV record as `--srv-host` (priority = its
//    place in the scenario's list, so Go's LookupSRV returns them in the scenario's order,
//    which is the order the simulation keeps); the members resolve through it because the
//    namespace's /etc/resolv.conf is a bind mount naming it (netns.h).
//
//   RealServices svc(loopback_scenario, map, etcd, etcdctl, tmpdir, log);
//   std::string resolv = svc.dns_resolv_conf(ns_possible);   // before make_private_ns
//   svc.start(ns.ok());                    // in the namespace (set_child_namespaces first)
//   svc.host_down("disco"); svc.host_up("disco");            // a fault on its host
//   svc.shutdown();
//
// Must never: bind or contact anything but 127.0.x.y; start a process it does not register;
// wait without a bound.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "sim/scenario/scenario.h"
#include "tools/real/loopback.h"
#include "tools/real/process.h"

namespace raftlab::real::diffing {

// The dnsmasq arguments for a scenario's DNS table (A names already on loopback addresses),
// without the program; pure, for tests.
std::vector<std::string> dnsmasq_args(const scenario::Dns& dns, const std::string& listen_ip, const std::string& log_file);
// The v2 keys API key of a token's size ("/v2/keys/discovery/x" -> "/discovery/x/_config/size");
// "" when the token is not under /v2/keys/ (a real etcd serves nothing else).
std::string size_key(const std::string& token);

class RealServices {
 public:
  RealServices(const scenario::Scenario& s, const LoopbackMap& map, std::string etcd, std::string etcdctl, std::string root,
               std::ostream& log)
      : s_(s), map_(map), etcd_(std::move(etcd)), etcdctl_(std::move(etcdctl)), root_(std::move(root)), log_(log) {}
  ~RealServices() { shutdown(); }

  // The resolv.conf to bind-mount in the namespace ("" = the scenario has no DNS, or
  // there will be no namespace). Written now: the mount is made when the namespace is.
  std::string dns_resolv_conf(bool namespace_possible, int net);
  // Starts dnsmasq (when in_namespace) and every discovery service; throws Broken when a
  // program is missing or does not come up. What cannot be run is in not_applied.
  void start(bool in_namespace);
  // A lost host stops its discovery service (SIGKILL, as the machine dies; its data dir
  // stays: the keys survive, as the simulation's service keeps them); its return restarts it.
  void host_down(const std::string& host);
  void host_up(const std::string& host);
  bool serves_host(const std::string& host) const;
  void shutdown();

  // (time, "what: why") the diff calls "not comparable" from then on.
  std::vector<std::pair<std::int64_t, std::string>> not_applied;
  std::vector<std::string> notes;

 private:
  struct Disco {
    const scenario::DiscoveryServiceSpec* spec = nullptr;
    std::string ip, name, data_dir, log_path;
    int peer_port = 0;
    pid_t pid = -1;
  };
  void start_disco(Disco& d, bool first);
  void start_dns();

  const scenario::Scenario& s_;
  const LoopbackMap& map_;
  std::string etcd_, etcdctl_, root_;
  std::ostream& log_;
  std::string dns_ip_;
  pid_t dns_pid_ = -1;
  std::vector<Disco> discos_;
};

}  // namespace raftlab::real::diffing
