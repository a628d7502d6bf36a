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
  // 2: a partition cannot be reproduced on loopback; the message names the timeline entry.
  const std::string f = fmt::format("/tmp/raftlab-fidelity-partition-{}.json", ::getpid());
  {
    std::ofstream o(f);
    o << R"({"name": "p", "description": "d", "hosts": [{"name": "A", "ip": "10.0.0.1"}, {"name": "B", "ip": "10.0.0.2"}],
      "members": [{"name": "e1", "host": "A", "flags": "etcd --name e1"}],
      "timeline": [{"at": "0s", "start": "e1"}, {"at": "1s", "partition": [["A"], ["B"]]}]})";
  }
  r = raftlab("diff " + f);
  std::remove(f.c_str());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("$.timeline[1]"), std::string::npos) << r.out;
}

}  // namespace
