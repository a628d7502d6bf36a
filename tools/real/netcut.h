// tools/real/netcut.h — partitions between real etcd members inside the diff's private
// network namespace (netns.h), with iptables.
//
// Every member's etcd runs with its own group id (spawn's gid); a mangle rule marks every
// connection a member opens (conntrack mark = member number), so both directions of each
// TCP connection are known to belong to it — etcd does not bind a source address, every
// peer connection comes from 127.0.0.1. A cut between members a and b drops, in the
// filter table's RAFTLAB-CUT chain, every packet of a's connections to b's peer listen
// addresses (both directions) and of b's connections to a's. Other processes (etcdctl,
// the operator) are never cut: their connections carry no mark.
//
//   NetCut nc("/usr/sbin/iptables-restore", tmpdir, {"etcd1", "etcd2", "etcd3"});
//   if (!nc.setup(&why)) ...;
//   spawn(argv, env, cwd, log, &err, nc.gid_of("etcd1"));
//   nc.set_peer_addrs("etcd1", {{"127.0.0.11", 2380}});
//   nc.cut("$.faults[0]", "etcd1", "etcd2"); nc.sync(&why);   // ... nc.heal("$.faults[0]");
//
// Must never: touch a namespace other than the private one (its callers run it there).
#pragma once

#include <sys/types.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace raftlab::real {

class NetCut {
 public:
  static constexpr gid_t kGidBase = 61000;  // member i runs with gid 61000 + i + 1

  NetCut(std::string iptables_restore, std::string dir, std::vector<std::string> members);
  // Installs the marking rules and the empty RAFTLAB-CUT chain; false + *why when iptables fails.
  bool setup(std::string* why);
  gid_t gid_of(const std::string& member) const;
  // Where a member's etcd listens for peers now (set at every start).
  void set_peer_addrs(const std::string& member, std::vector<std::pair<std::string, int>> addrs);
  // A cut between a and b (both directions), installed on behalf of `owner`.
  void cut(const std::string& owner, const std::string& a, const std::string& b);
  // Removes `owner`'s cuts ("" = every cut).
  void heal(const std::string& owner);
  // Makes the chain match the cuts (one atomic iptables-restore); false + *why on failure.
  bool sync(std::string* why);
  // The member pairs cut now, "a|b" (a < b).
  std::set<std::string> cut_pairs() const;
  // The filter rules sync() would install (tests).
  std::vector<std::string> rules() const;

 private:
  std::string restore_, dir_;
  std::vector<std::string> members_;
  std::map<std::string, std::vector<std::pair<std::string, int>>> addrs_;
  std::set<std::tuple<std::string, std::string, std::string>> cuts_;  // owner, a, b (a < b)
  int mark_of(const std::string& member) const;
};

}  // namespace raftlab::real
