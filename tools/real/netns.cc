// tools/real/netns.cc — see netns.h.
//
// A child unshares CLONE_NEWNET|CLONE_NEWNS, makes its mounts private (so the bind mount
// never reaches the machine's namespace), brings `lo` up (SIOCSIFFLAGS), bind-mounts the
// resolv.conf, reports through a pipe and waits; the parent opens /proc/<child>/ns/{net,mnt}
// (the namespaces live as long as those fds) and then kills and reaps the child.
#include "tools/real/netns.h"

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tools/real/process.h"

namespace raftlab::real {

namespace {

// 0 ok, else the step that failed (1 unshare, 2 mount private, 3 lo up, 4 bind resolv.conf).
int child_setup(const std::string& resolv) {
  if (::unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) return 1;
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 2;
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return 3;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0) return 3;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) return 3;
  ::close(s);
  if (!resolv.empty() && ::mount(resolv.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) return 4;
  return 0;
}

}  // namespace

PrivateNs make_private_ns(const std::string& resolv_conf) {
  PrivateNs ns;
  if (::geteuid() != 0) {
    ns.why_not = "not root: network namespaces and iptables need root";
    return ns;
  }
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    ns.why_not = std::string("pipe: ") + std::strerror(errno);
    return ns;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ns.why_not = std::string("fork: ") + std::strerror(errno);
    ::close(p[0]);
    ::close(p[1]);
    return ns;
  }
  if (pid == 0) {
    ::close(p[0]);
    const int rc = child_setup(resolv_conf);
    const char b = static_cast<char>('0' + rc);
    const int saved = errno;
    if (::write(p[1], &b, 1) != 1) ::_exit(1);
    if (rc != 0) {
      const char* e = std::strerror(saved);
      if (::write(p[1], e, std::strlen(e)) < 0) ::_exit(1);
      ::_exit(1);
    }
    ::close(p[1]);
    while (true) ::pause();  // killed by the parent once it holds the namespaces
  }
  register_child(pid);
  ::close(p[1]);
  pollfd pf{p[0], POLLIN, 0};
  char buf[256] = {};
  ssize_t n = 0;
  if (::poll(&pf, 1, 5000) == 1) n = ::read(p[0], buf, sizeof buf - 1);
  ::close(p[0]);
  if (n >= 1 && buf[0] == '0') {
    const std::string base = "/proc/" + std::to_string(pid) + "/ns/";
    ns.net_fd = ::open((base + "net").c_str(), O_RDONLY | O_CLOEXEC);
    ns.mnt_fd = ::open((base + "mnt").c_str(), O_RDONLY | O_CLOEXEC);
    if (!ns.ok()) ns.why_not = "cannot open " + base + "{net,mnt}: " + std::strerror(errno);
  } else {
    static const char* const steps[] = {"", "unshare(CLONE_NEWNET|CLONE_NEWNS)", "making mounts private",
                                        "bringing lo up", "bind-mounting resolv.conf"};
    const int step = n >= 1 ? buf[0] - '0' : 0;
    ns.why_not = (step >= 1 && step <= 4 ? std::string(steps[step]) : std::string("namespace setup")) + " failed" +
                 (n > 1 ? ": " + std::string(buf + 1) : std::string(" (no answer within 5 s)"));
  }
  kill_pid(pid);
  if (!ns.ok()) close_private_ns(ns);
  return ns;
}

void close_private_ns(PrivateNs& ns) {
  if (ns.net_fd >= 0) ::close(ns.net_fd);
  if (ns.mnt_fd >= 0) ::close(ns.mnt_fd);
  ns.net_fd = ns.mnt_fd = -1;
}

}  // namespace raftlab::real
