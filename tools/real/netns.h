// tools/real/netns.h — the private network + mount namespace a `raftlab diff` run puts its
// real processes in (root only): its own loopback device (every 127.0.N.x address is
// local there, nothing outside can reach it or be reached), its own iptables tables (the
// partitions of tools/real/netcut.h) and, optionally, its own /etc/resolv.conf (a
// bind mount naming the diff's DNS server, tools/real/dns.h).
//
//   PrivateNs ns = make_private_ns(tmpdir + "/resolv.conf");   // "" = keep /etc/resolv.conf
//   if (!ns.ok()) say(ns.why_not);          // not root, no unshare: run without it
//   set_child_namespaces(ns.net_fd, ns.mnt_fd);
//   ... ; close_private_ns(ns);
//
// Must never: change the namespaces of the calling process (a short-lived child creates
// them; the caller only holds their fds).
#pragma once

#include <string>

namespace raftlab::real {

struct PrivateNs {
  int net_fd = -1, mnt_fd = -1;
  std::string why_not;  // set when the namespaces could not be made
  bool ok() const { return net_fd >= 0 && mnt_fd >= 0; }
};

// resolv_conf: a file bind-mounted over /etc/resolv.conf inside the namespace ("": none).
PrivateNs make_private_ns(const std::string& resolv_conf);
void close_private_ns(PrivateNs& ns);

}  // namespace raftlab::real
