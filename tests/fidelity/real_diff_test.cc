// `raftlab diff` against the real etcd on this machine (Debian etcd-server/etcd-client,
// installed by scripts/deps.sh): a small differential subset of the shipped scenarios —
// one bootstrap scenario and one membership scenario — must AGREE with the simulation.
// The full table is `make fidelity` (results/FIDELITY.md).
//
// These tests FAIL, never skip, when etcd is missing: fidelity is part of `make test`.
// Each run uses its own 127.0.N.x addresses (N from the PID) so concurrent test runs on
// one machine do not collide on ports.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

namespace {

struct Ran {
  int code = -1;
  std::string out;
};

Ran raftlab(const std::string& args) {
  const std::string cmd = fmt::format("{}/tools/raftlab {} 2>&1", RAFTLAB_BINARY_DIR, args);
  Ran r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

int loopback_net() { return 1 + static_cast<int>(::getpid() % 250); }

std::string scenario(const std::string& rel) { return std::string(RAFTLAB_SOURCE_DIR) + "/" + rel; }

TEST(RealEtcd, IsInstalled) {
  ASSERT_EQ(::access("/usr/bin/etcd", X_OK), 0)
      << "real etcd is missing: run scripts/deps.sh (Debian packages etcd-server and etcd-client)";
  ASSERT_EQ(::access("/usr/bin/etcdctl", X_OK), 0) << "etcdctl is missing: apt-get install etcd-client";
}

// One test, two scenarios in sequence: the real processes of two diffs never overlap.
TEST(RealEtcd, BootstrapAndMembershipScenariosAgree) {
  for (const char* f : {"scenarios/bitnami-2host/every-node-leader.json", "scenarios/membership/join-existing-without-add.json"}) {
    const Ran r = raftlab(fmt::format("diff {} --time-scale 0.5 --loopback-net {}", scenario(f), loopback_net()));
    EXPECT_EQ(r.code, 0) << f << "\n" << r.out;
    EXPECT_NE(r.out.find("Result: AGREE"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("compared with etcd 3.4"), std::string::npos) << r.out;
  }
}

TEST(RealEtcd, JsonReportNamesVersionsAndLoopbackHosts) {
  const Ran r = raftlab(fmt::format("diff {} --time-scale 0.5 --json --loopback-net {}",
                                    scenario("scenarios/membership/join-new-into-running.json"), loopback_net()));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"agree\": true"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"scenario_version\": \"3.5.18\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(fmt::format("\"loopback\": \"127.0.{}.12\"", loopback_net())), std::string::npos) << r.out;
  // etcd4's own cluster: two cluster IDs, and etcd4 logs the rejection on both sides.
  EXPECT_NE(r.out.find("cluster-id-mismatch"), std::string::npos) << r.out;
}

TEST(RealEtcd, ExitCodes) {
  // 3: no usable etcd at the given path (never installs when --real-etcd is given).
  Ran r = raftlab(fmt::format("diff {} --real-etcd /nonexistent/etcd",
                              scenario("scenarios/membership/join-existing-without-add.json")));
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("etcd-server"), std::string::npos) << r.out;
  // 2: bad input — a missing file, a bad time scale.
  r = raftlab("diff /nonexistent/scenario.json");
  EXPECT_EQ(r.code, 2) << r.out;
  r = raftlab(fmt::format("diff {} --time-scale 0", scenario("scenarios/membership/join-existing-without-add.json")));
  EXPECT_EQ(r.code, 2) << r.out;
}

// ---- faults on the real side (tools/real/real_faults.cc) ----

std::string data(const std::string& f) { return scenario("tests/fidelity/data/" + f); }

// A crash of "leader" strikes the REAL leader (found with endpoint status at that
// instant) and restarts it after the fault; the comparison holds. Before the real side
// applied faults, the simulated crashed leader was compared with an untouched real one.
TEST(RealFaults, LeaderCrashIsAppliedOnTheRealSide) {
  const Ran r = raftlab(fmt::format("diff {} --time-scale 0.5 --json --loopback-net {}", data("leader-crash.json"), loopback_net()));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"verdict\": \"agree\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"applied\": true"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(crash) at 4s: SIGKILL e"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("started again"), std::string::npos) << r.out;
}

// A host partition is an iptables cut in the diff's private network namespace, and it
// really cuts: the put through the cut-off member fails on the real side too (it
// succeeded when the fault was not applied).
TEST(RealFaults, PartitionCutsTrafficOnTheRealSide) {
  const Ran r = raftlab(fmt::format("diff {} --json --loopback-net {}", data("partition.json"), loopback_net()));
  if (r.out.find("\"private_netns\": false") != std::string::npos || r.out.find("\"partitions\": \"iptables\"") == std::string::npos) {
    const auto p = r.out.find("\"partitions\": ");
    GTEST_SKIP() << "SKIPPED: no private network namespace / iptables here: "
                 << (p == std::string::npos ? r.out : r.out.substr(p, 200));
  }
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("iptables cuts e1|e2 e1|e3"), std::string::npos) << r.out;
  // put /k via e1 during the partition: an error on both sides.
  const auto put = r.out.find("\"what\": \"put /k via e1\"");
  ASSERT_NE(put, std::string::npos) << r.out;
  const std::string call = r.out.substr(put, 200);
  EXPECT_NE(call.find("\"real\": \"error\""), std::string::npos) << call;
  EXPECT_NE(call.find("\"verdict\": \"agree\""), std::string::npos) << call;
}

// A fault the real side cannot apply is refused by name, and everything after it is
// "not comparable" (exit 4), never "agree"; so is a partition without the namespace.
TEST(RealFaults, UnappliedFaultsAreNotComparable) {
  Ran r = raftlab(fmt::format("diff {} --time-scale 0.5 --loopback-net {}", data("refused-clock.json"), loopback_net()));
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_NE(r.out.find("fault $.faults[0] (clock) at 3s: not applied on the real side (a real process's clock rate"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("at 7s (not comparable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("at 2s (agree"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Result: NOT COMPARABLE"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Result: AGREE"), std::string::npos) << r.out;
  r = raftlab(fmt::format("diff {} --time-scale 0.5 --no-netns --row --loopback-net {}", data("partition.json"), loopback_net()));
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_NE(r.out.find("| not comparable |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(partition) at 4s: not applied on the real side (--no-netns"), std::string::npos) << r.out;
}

// Discovery on the real side (tools/real/real_services.h): a real etcd --enable-v2 holds the
// token, its size set through the v2 keys API; the members bootstrap one cluster through it
// with the member and cluster IDs the simulation computes. Before, the real side started no
// discovery service and the row said "not comparable" (the members waited forever).
TEST(RealDiscovery, DiscoveryBootstrapAgrees) {
  const Ran r = raftlab(fmt::format("diff {} --time-scale 0.5 --json --loopback-net {}", data("discovery-bootstrap.json"),
                                    loopback_net()));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("\"verdict\": \"agree\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"verdict\": \"not comparable\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("discovery service on host disco: real etcd --enable-v2 on http://127.0."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"real_outcome\": \"3 up, 1 cluster(s), 1 leader(s)\""), std::string::npos) << r.out;
}

// A full token: the proxy fallback is a running etcd on both sides (the simulation side
// counted it as not running before), the exit fallback is not; both log discovery-full.
TEST(RealDiscovery, FullTokenFallbacksAgree) {
  const Ran r = raftlab(fmt::format("diff {} --time-scale 0.5 --row --loopback-net {}", data("discovery-full-token.json"),
                                    loopback_net()));
  EXPECT_EQ(r.code, 0) << r.out;
  const std::string want = "2 up, 1 cluster(s), 1 leader(s); e2: discovery-full, e3: discovery-full";
  EXPECT_NE(r.out.find("| " + want + " | " + want + " | agree |"), std::string::npos) << r.out;
}

// DNS SRV on the real side: dnsmasq in the diff's namespace serves the A and SRV records
// (here the --discovery-srv-name variant) and the members resolve through it. etcd 3.4
// never uses http records, so both sides refuse the same way; the class
// srv-lookup-failed ("error querying DNS SRV records") shows the advertised DNS names
// resolved first. Before, the diff refused the scenario (exit 2: a DNS name in a URL).
TEST(RealDiscovery, SrvBootstrapAgrees) {
  const Ran r = raftlab(fmt::format("diff {} --time-scale 0.5 --json --loopback-net {}", data("srv-name-bootstrap.json"),
                                    loopback_net()));
  if (r.out.find("\"private_netns\": false") != std::string::npos) {
    GTEST_SKIP() << "SKIPPED: no private network namespace here (the DNS server needs its own resolv.conf): " << r.out;
  }
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("DNS: dnsmasq on 127.0."), std::string::npos) << r.out;
  const std::string want = "0 up, 0 cluster(s), 0 leader(s); e1: srv-lookup-failed, e2: srv-lookup-failed, e3: srv-lookup-failed";
  EXPECT_NE(r.out.find("\"real_outcome\": \"" + want + "\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"sim_outcome\": \"" + want + "\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"verdict\": \"differ\""), std::string::npos) << r.out;
}

}  // namespace
