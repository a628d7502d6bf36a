// The simulated etcdctl against the real one (issue 23 item 6): the same command lines
// run through the real etcdctl (against a real one-member etcd on a loopback address) and
// through the model (against the simulated five-member static bootstrap). Compared:
// exit codes and `Error:` lines of every refusal, the key structure of every `-w json`
// output, and the `%16x` layout of `member add`. IDs, revisions and timings differ by
// nature and are not compared. Like the other RealEtcd tests, these FAIL when etcd is
// missing (scripts/deps.sh installs it).
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/deploy.h"
#include "sim/etcdctl.h"
#include "sim/scenario/loader.h"
#include "tests/common/etcdctl_world.h"
#include "tools/real/process.h"

namespace raftlab {
namespace {

struct Out {
  int exit_code = -1;
  std::string out, err;
};

// The first line of stderr that is etcdctl's own (not the client's zap JSON warnings).
std::string error_line(const std::string& err) {
  size_t at = 0;
  while (at < err.size()) {
    const size_t end = std::min(err.find('\n', at), err.size());
    const std::string line = err.substr(at, end - at);
    if (line.rfind("Error:", 0) == 0) return line;
    at = end + 1;
  }
  return "";
}

// Every object key path of a JSON value ("members[].peerURLs"), for shape comparison.
void key_paths(const nlohmann::json& j, const std::string& prefix, std::set<std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string p = prefix.empty() ? it.key() : prefix + "." + it.key();
      out.insert(p);
      key_paths(it.value(), p, out);
    }
  } else if (j.is_array()) {
    for (const auto& e : j) key_paths(e, prefix + "[]", out);
  }
}

std::set<std::string> shape(const std::string& text) {
  std::set<std::string> s;
  key_paths(nlohmann::json::parse(text), "", s);
  s.erase("[].Status.dbSizeInUse");  // not modelled (docs/etcd-behaviour.md)
  return s;
}

// The simulated side: each command from the operator's machine at 15 s + i ms.
std::vector<Out> simulated(const std::vector<std::vector<std::string>>& commands) {
  std::vector<std::vector<std::string>> argvs;
  for (const auto& c : commands) {
    // The simulated cluster has auth on (Bitnami's RBAC step); the real one here has none:
    // root's credentials make them answer alike (the real etcd ignores them: auth not enabled).
    argvs.push_back({"--endpoints=http://10.101.99.100:2379", "--user=root:1234qwer!!"});
    argvs.back().insert(argvs.back().end(), c.begin(), c.end());
  }
  std::vector<Out> out;
  for (const auto& r : test::etcdctl_on_static_bootstrap(argvs, {})) out.push_back(Out{r.exit_code, r.out, r.err});
  return out;
}

class RealEtcdctl : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access("/usr/bin/etcd", X_OK), 0) << "real etcd is missing: run scripts/deps.sh";
    real::install_signal_cleanup();
    const int net = 1 + static_cast<int>(::getpid() % 250);
    ip_ = fmt::format("127.0.{}.222", net);
    dir_ = fmt::format("/tmp/raftlab-etcdctl-real-{}", ::getpid());
    (void)std::system(fmt::format("rm -rf {} && mkdir -p {}", dir_, dir_).c_str());
    const std::string c = fmt::format("http://{}:2379", ip_), p = fmt::format("http://{}:2380", ip_);
    std::string error;
    pid_ = real::spawn({"/usr/bin/etcd", "--name", "e1", "--data-dir", dir_ + "/data", "--listen-client-urls", c,
                        "--advertise-client-urls", c, "--listen-peer-urls", p, "--initial-advertise-peer-urls", p,
                        "--initial-cluster", "e1=" + p},
                       {{"PATH", "/usr/bin:/bin"}}, dir_, dir_ + "/etcd.log", &error);
    ASSERT_GT(pid_, 0) << error;
    for (int i = 0; i < 100; ++i) {
      if (real_run({"endpoint", "health"}).exit_code == 0) return;
      real::sleep_ms(100);
    }
    FAIL() << "the real etcd did not become healthy in 10 s (" << dir_ << "/etcd.log)";
  }
  void TearDown() override {
    if (pid_ > 0) real::stop_pid(pid_, 5000);
    (void)std::system(fmt::format("rm -rf {}", dir_).c_str());
  }
  Out real_run(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/etcdctl", fmt::format("--endpoints=http://{}:2379", ip_)};
    argv.insert(argv.end(), args.begin(), args.end());
    const real::Env env = {{"ETCDCTL_API", "3"}, {"PATH", "/usr/bin:/bin"}};
    const real::Captured r = real::run_capture(argv, &env, 15000);
    return Out{r.exit_code, r.out, r.err};
  }
  std::string ip_, dir_;
  pid_t pid_ = -1;
};

TEST_F(RealEtcdctl, RefusalsHaveTheRealExitCodesAndErrorLines) {
  const std::vector<std::vector<std::string>> cases = {
      {"member", "remove", "etcd2"},
      {"member", "remove"},
      {"member", "add", "y", "--peer-urls=foo"},
      {"member", "add", "y", "--peer-urls=http://1.2.3.4"},
      {"member", "add", "y", "--peer-urls=http://1.2.3.4:1/p"},
      {"member", "add", "y", "--peer-urls="},
      {"member", "add", "y", "http://1.2.3.4:2380"},
      {"member", "add"},
      {"member", "list", "-w", "yaml"},
      {"put", "k"},
      {"get"},
      {"get", "k", "--consistency=q"},
      {"put", "k", "v", "-w", "table"},
      {"--command-timeout=abc", "get", "k"},
      {"gte", "k"},
  };
  const std::vector<Out> sim = simulated(cases);
  size_t agree = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Out real = real_run(cases[i]);
    std::string shown;
    for (const auto& a : cases[i]) shown += a + " ";
    EXPECT_EQ(sim[i].exit_code, real.exit_code) << shown << "\nreal: " << real.err << "\nsim: " << sim[i].err;
    EXPECT_EQ(error_line(sim[i].err), error_line(real.err)) << shown;
    agree += sim[i].exit_code == real.exit_code && error_line(sim[i].err) == error_line(real.err);
  }
  // A row for results/FIDELITY.md (scripts/fidelity.sh collects these lines).
  std::printf("FIDELITY-ROW | refused command lines: exit code and `Error:` line | %zu | %zu |\n", cases.size(), agree);
}

TEST_F(RealEtcdctl, JsonOutputsHaveTheRealShape) {
  const std::vector<std::vector<std::string>> cases = {
      {"put", "k", "v", "-w", "json"},
      {"get", "k", "-w", "json"},
      {"get", "missing", "-w", "json"},
      {"member", "list", "-w", "json"},
      {"endpoint", "status", "-w", "json"},
      {"endpoint", "health", "-w", "json"},
  };
  // The simulated side reads what it wrote: put k v first.
  std::vector<std::vector<std::string>> sim_cases = cases;
  const std::vector<Out> sim = simulated(sim_cases);
  size_t agree = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Out real = real_run(cases[i]);
    ASSERT_EQ(real.exit_code, 0) << real.err;
    ASSERT_EQ(sim[i].exit_code, 0) << sim[i].err;
    EXPECT_EQ(shape(sim[i].out), shape(real.out)) << cases[i][0] << "\nreal: " << real.out << "\nsim:  " << sim[i].out;
    agree += shape(sim[i].out) == shape(real.out);
  }
  std::printf("FIDELITY-ROW | `-w json` of put, get, get (missing key), member list, endpoint status, endpoint health: key structure | %zu | %zu |\n",
              cases.size(), agree);
}

TEST_F(RealEtcdctl, MemberAddPrintsSixteenColumnIds) {
  // Last: on a one-member real cluster the added (unstarted) voter takes the quorum away.
  const std::vector<std::vector<std::string>> add = {{"member", "add", "x", "--peer-urls=http://127.0.0.9:2380"}};
  const Out sim = simulated(add)[0];
  const Out real = real_run({"member", "add", "x", fmt::format("--peer-urls=http://{}:2390", ip_)});
  // "Member %16x added to cluster %16x\n\nETCD_NAME=\"x\"\n"
  auto layout_ok = [](const std::string& out) {
    const std::string a = "Member ", b = " added to cluster ", tail = "\n\nETCD_NAME=\"x\"\n";
    if (out.size() < a.size() + 16 + b.size() + 16 + tail.size()) return false;
    auto hex16 = [](const std::string& f) { return f.find_first_not_of(" 0123456789abcdef") == std::string::npos && f.back() != ' '; };
    return out.compare(0, a.size(), a) == 0 && hex16(out.substr(a.size(), 16)) &&
           out.compare(a.size() + 16, b.size(), b) == 0 && hex16(out.substr(a.size() + 16 + b.size(), 16)) &&
           out.compare(a.size() + 32 + b.size(), tail.size(), tail) == 0;
  };
  EXPECT_TRUE(layout_ok(real.out)) << real.out;
  EXPECT_TRUE(layout_ok(sim.out)) << sim.out;
  EXPECT_EQ(sim.exit_code, real.exit_code);
  std::printf("FIDELITY-ROW | `member add` output layout (`%%16x` IDs, the ETCD_* lines) | 1 | %d |\n",
              layout_ok(real.out) && layout_ok(sim.out) && sim.exit_code == real.exit_code ? 1 : 0);
}

}  // namespace
}  // namespace raftlab
