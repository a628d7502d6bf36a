// `raftlab run` on bad input (tools/cli.h): exit code 2, and stderr that lets an
// operator fix the file without reading our code — it names the file, the JSON path of
// the mistake and the fix. Exit 1 is kept for "the scenario ran and an expectation
// failed", exit 0 for "every expectation holds".
//
// Each bad scenario is a valid base scenario with exactly one mistake edited in, so the
// message can only come from that mistake (the bases are checked to exit 0).
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/common/cli_run.h"
#include "tools/cli.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;

// One bare etcd on host A, configured by flags; elects itself.
const char* const kFlagsBase = R"({
  "name": "cli-flags-base",
  "description": "One bare etcd configured by flags.",
  "hosts": [{"name": "A", "ip": "10.0.0.1"}],
  "members": [
    {"name": "etcd1", "host": "A", "flags": "etcd --name etcd1 --initial-advertise-peer-urls http://10.0.0.1:2380 --listen-peer-urls http://10.0.0.1:2380 --listen-client-urls http://10.0.0.1:2379 --advertise-client-urls http://10.0.0.1:2379 --initial-cluster etcd1=http://10.0.0.1:2380"}
  ],
  "timeline": [{"at": "0s", "start": ["etcd1"]}],
  "expect": [{"at": "5s", "leaders": 1, "clusters": 1}]
}
)";

// Two bitnami/etcd containers on host A publishing different host ports.
const char* const kDockerBase = R"({
  "name": "cli-docker-base",
  "description": "Two Bitnami containers on one host.",
  "hosts": [{"name": "A", "ip": "10.0.0.1"}],
  "members": [
    {"name": "etcd1", "host": "A", "docker": "docker run -d -p 2379:2379 -p 2380:2380 -e ETCD_NAME=etcd1 -e ALLOW_NONE_AUTHENTICATION=yes -e ETCD_ADVERTISE_CLIENT_URLS=http://10.0.0.1:2379 -e ETCD_INITIAL_ADVERTISE_PEER_URLS=http://10.0.0.1:2380 -e ETCD_LISTEN_PEER_URLS=http://0.0.0.0:2380 -e ETCD_LISTEN_CLIENT_URLS=http://0.0.0.0:2379 -e ETCD_INITIAL_CLUSTER=etcd1=http://10.0.0.1:2380,etcd2=http://10.0.0.1:3380 bitnami/etcd:3.5.18"},
    {"name": "etcd2", "host": "A", "docker": "docker run -d -p 3379:2379 -p 3380:2380 -e ETCD_NAME=etcd2 -e ALLOW_NONE_AUTHENTICATION=yes -e ETCD_ADVERTISE_CLIENT_URLS=http://10.0.0.1:3379 -e ETCD_INITIAL_ADVERTISE_PEER_URLS=http://10.0.0.1:3380 -e ETCD_LISTEN_PEER_URLS=http://0.0.0.0:2380 -e ETCD_LISTEN_CLIENT_URLS=http://0.0.0.0:2379 -e ETCD_INITIAL_CLUSTER=etcd1=http://10.0.0.1:2380,etcd2=http://10.0.0.1:3380 bitnami/etcd:3.5.18"}
  ],
  "timeline": [{"at": "0s", "start": ["etcd1", "etcd2"]}],
  "expect": [{"at": "10s", "leaders": 1, "clusters": 1}]
}
)";

using test::CliRun;
using test::cli;

class CliBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("raftlab_cli_{}_{}", ::getpid(), ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Writes `base` with `from` replaced by `to` (which must occur in base) as NAME.json.
  std::string write(const std::string& name, std::string text, const std::string& from = "",
                    const std::string& to = "") {
    if (!from.empty()) {
      const size_t at = text.find(from);
      EXPECT_NE(at, std::string::npos) << "test bug: \"" << from << "\" is not in the base scenario";
      if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    const fs::path p = dir_ / (name + ".json");
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  // Exit 2; stderr names the file (as `FILE:LINE:COL:`), the JSON path, the problem and
  // the fix.
  static void expect_bad_input(const CliRun& r, const std::string& file, const std::vector<std::string>& wanted) {
    EXPECT_EQ(r.rc, tools::kExitBadInput) << "stdout:\n" << r.out << "stderr:\n" << r.err;
    EXPECT_EQ(r.err.rfind(file + ":", 0), 0u) << "stderr should start with the file name " << file << ":\n" << r.err;
    for (const std::string& w : wanted) EXPECT_NE(r.err.find(w), std::string::npos) << "want: " << w << "\nstderr:\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << "nothing ran, so nothing belongs on stdout:\n" << r.out;
  }

  fs::path dir_;
};

TEST_F(CliBadInput, TheBaseScenariosAreValid) {
  const CliRun flags = cli({"run", write("flags", kFlagsBase)});
  EXPECT_EQ(flags.rc, tools::kExitOk) << flags.err << flags.out;
  const CliRun docker = cli({"run", write("docker", kDockerBase)});
  EXPECT_EQ(docker.rc, tools::kExitOk) << docker.err << docker.out;
}

// A negative or non-numeric seed or count is refused (CLI11 alone would read "-1" into a
// std::uint64_t as 2^64-1 and run with it), naming the option and the value.
TEST_F(CliBadInput, NegativeSeedsAndCountsAreRefused) {
  const std::string f = write("flags", kFlagsBase);
  const std::vector<std::vector<std::string>> cases = {
      {"run", f, "--seed", "-1"},
      {"run", f, "--seed", "3x"},
      {"status", f, "--at", "1s", "--seed", "-1"},
      {"replay", f, "--seed", "-1"},
      {"fuzz", f, "--seeds", "-3"},
      {"fuzz", f, "--seeds", "2", "--first-seed", "-1"},
      {"fuzz", f, "--seeds", "2", "--jobs", "-2"},
      {"orders", f, "--jobs", "-1"},
      {"bench", "W2", "--first-seed", "-1"},
  };
  for (const auto& args : cases) {
    const CliRun r = cli(args);
    const std::string& value = args.back();
    EXPECT_EQ(r.rc, tools::kExitBadInput) << ::testing::PrintToString(args) << r.out << r.err;
    EXPECT_NE(r.err.find(args[args.size() - 2] + ": expected a whole number >= 0"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("got \"" + value + "\""), std::string::npos) << r.err;
  }
  EXPECT_EQ(cli({"run", f, "--seed", "18446744073709551615"}).rc, tools::kExitOk);  // the largest seed is fine
}

TEST_F(CliBadInput, UnknownKeySuggestsTheKeyMeant) {
  const std::string f = write("unknown_key", kFlagsBase, R"("host": "A", "flags")", R"("hots": "A", "flags")");
  expect_bad_input(cli({"run", f}), f, {"$.members[0].hots", "unknown key \"hots\"", "did you mean \"host\"?"});
}

TEST_F(CliBadInput, MalformedDuration) {
  const std::string f = write("bad_duration", kFlagsBase, R"("at": "5s")", R"("at": "5 seconds")");
  expect_bad_input(cli({"run", f}), f, {"$.expect[0].at", "malformed duration \"5 seconds\"", "e.g. \"5s\""});
}

TEST_F(CliBadInput, MemberOnUnknownHost) {
  const std::string f = write("unknown_host", kFlagsBase, R"("host": "A", "flags")", R"("host": "Z", "flags")");
  expect_bad_input(cli({"run", f}), f, {"$.members[0].host", "host \"Z\"", "add {\"name\": \"Z\""});
}

TEST_F(CliBadInput, DuplicateMemberNames) {
  const std::string f = write("duplicate_member", kDockerBase, R"({"name": "etcd2", "host": "A")",
                              R"({"name": "etcd1", "host": "A")");
  expect_bad_input(cli({"run", f}), f, {"$.members[1].name", "duplicate member name \"etcd1\"", "give each member its own name"});
}

TEST_F(CliBadInput, TwoContainersPublishingOneHostPort) {
  const std::string f = write("duplicate_port", kDockerBase, "-p 3379:2379", "-p 2379:2379");
  expect_bad_input(cli({"run", f}), f,
                   {"$.members[1].docker", "members \"etcd1\" and \"etcd2\" both use port 2379 on host A",
                    "give each member on one host its own ports"});
}

// An etcdctl endpoint nothing in the scenario serves would only time out at run time: it
// is refused at load time with the endpoints that are served.
TEST_F(CliBadInput, EtcdctlEndpointNothingServesIsRefusedWithWhatIsServed) {
  const std::string start = R"({"at": "0s", "start": ["etcd1", "etcd2"]})";
  auto with_ctl = [&](const std::string& name, const std::string& ctl) {
    return write(name, kDockerBase, start, start + ", " + ctl);
  };
  // A load balancer's name in a scenario that has none.
  std::string f = with_ctl("no_nlb", R"({"at": "5s", "etcdctl": "member list", "endpoints": ["etcd1", "http://etcd-nlb:2379"]})");
  expect_bad_input(cli({"run", f}), f,
                   {"$.timeline[1].endpoints[1]", "etcdctl endpoint http://etcd-nlb:2379",
                    "etcd-nlb is no host's IP ($.hosts), no name in $.dns and no load balancer's name",
                    "http://10.0.0.1:2379 (etcd1 (-p 2379:2379))", "http://10.0.0.1:3379 (etcd2 (-p 3379:2379))"});
  // A typo'd port on a known host (2380 is a peer port, not a client port).
  f = with_ctl("typo_port", R"({"at": "5s", "etcdctl": "endpoint status", "endpoints": "http://10.0.0.1:2380"})");
  expect_bad_input(cli({"run", f}), f, {"$.timeline[1].endpoints", "nothing serves port 2380 on 10.0.0.1 (A)"});
  // The same in the command's own --endpoints flag.
  f = with_ctl("inline_flag", R"({"at": "5s", "etcdctl": "--endpoints=http://10.0.0.1:3397 member list"})");
  expect_bad_input(cli({"run", f}), f, {"$.timeline[1].etcdctl", "nothing serves port 3397 on 10.0.0.1 (A)"});
  // The operator's loopback is no member's.
  f = with_ctl("loopback", R"({"at": "5s", "etcdctl": "member list", "endpoints": ["http://127.0.0.1:2379"]})");
  expect_bad_input(cli({"run", f}), f, {"$.timeline[1].endpoints[0]", "outside every host"});
  // What is served loads and runs.
  f = with_ctl("served", R"({"at": "5s", "etcdctl": "member list", "endpoints": ["http://10.0.0.1:3379", "http://10.0.0.1:2379"]})");
  const CliRun ok = cli({"run", f});
  EXPECT_EQ(ok.rc, tools::kExitOk) << ok.err << ok.out;
}

// A bare etcd's client port is its listen URL on the host's address.
TEST_F(CliBadInput, EtcdctlEndpointOfABareEtcdIsItsListenUrl) {
  const std::string start = R"({"at": "0s", "start": ["etcd1"]})";
  std::string f = write("bare_typo", kFlagsBase, start,
                        start + R"(, {"at": "3s", "etcdctl": "put k v", "endpoints": ["http://10.0.0.1:2479"]})");
  expect_bad_input(cli({"run", f}), f,
                   {"$.timeline[1].endpoints[0]", "nothing serves port 2479 on 10.0.0.1 (A)", "http://10.0.0.1:2379 (etcd1)"});
  f = write("bare_ok", kFlagsBase, start, start + R"(, {"at": "3s", "etcdctl": "put k v", "endpoints": ["http://10.0.0.1:2379"]})");
  const CliRun ok = cli({"run", f});
  EXPECT_EQ(ok.rc, tools::kExitOk) << ok.err << ok.out;
}

TEST_F(CliBadInput, DockerRunLineWithAnUnterminatedQuote) {
  const std::string f = write("unterminated_quote", kDockerBase, "-e ETCD_NAME=etcd2", R"(-e ETCD_NAME=\"etcd2)");
  expect_bad_input(cli({"run", f}), f,
                   {"$.members[1].docker", "unexpected EOF while looking for matching", "close the double quote"});
}

TEST_F(CliBadInput, DockerRunLineWithAnUnknownOption) {
  const std::string f = write("docker_typo", kDockerBase, "docker run -d -p 3379", "docker run -d --restrat always -p 3379");
  expect_bad_input(cli({"run", f}), f, {"$.members[1].docker", "unknown flag: --restrat", "did you mean --restart?"});
}

TEST_F(CliBadInput, UnknownEtcdFlagInAFlagsMember) {
  const std::string f = write("etcd_flag_typo", kFlagsBase, "--initial-cluster etcd1", "--initial-clustr etcd1");
  expect_bad_input(cli({"run", f}), f,
                   {"$.members[0].flags", "flag provided but not defined: -initial-clustr",
                    "did you mean --initial-cluster?"});
}

TEST_F(CliBadInput, NonexistentScenarioFile) {
  const std::string f = (dir_ / "no-such-scenario.json").string();
  const CliRun r = cli({"run", f});
  EXPECT_EQ(r.rc, tools::kExitBadInput);
  EXPECT_EQ(r.err.rfind(f + ":", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("cannot open the file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("check the path"), std::string::npos) << r.err;
}

TEST_F(CliBadInput, RunWithoutAFile) {
  const CliRun r = cli({"run"});
  EXPECT_EQ(r.rc, tools::kExitBadInput);
  EXPECT_NE(r.err.find("scenario is required"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: raftlab run SCENARIO"), std::string::npos) << r.err;
}

TEST_F(CliBadInput, UnknownSubcommandIsNamed) {
  const CliRun r = cli({"bogus"});
  EXPECT_EQ(r.rc, tools::kExitBadInput);
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << "stderr should name the unknown command:\n" << r.err;
  EXPECT_NE(r.err.find("usage: raftlab run SCENARIO"), std::string::npos) << r.err;
}

TEST_F(CliBadInput, NonNumericSeed) {
  const CliRun r = cli({"run", write("flags", kFlagsBase), "--seed", "abc"});
  EXPECT_EQ(r.rc, tools::kExitBadInput);
  EXPECT_NE(r.err.find("--seed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("abc"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: raftlab run SCENARIO"), std::string::npos) << r.err;
}

TEST_F(CliBadInput, AFailedExpectationExitsOneAndNamesIt) {
  const std::string f = write("wrong_expectation", kFlagsBase, R"("leaders": 1)", R"("leaders": 2)");
  const CliRun r = cli({"run", f});
  EXPECT_EQ(r.rc, tools::kExitExpectationFailed) << r.err;
  EXPECT_NE(r.out.find("FAIL  at     5s  leaders = 2  (actual: 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS  at     5s  clusters = 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Result: FAIL (1/2 expectations hold)"), std::string::npos) << r.out;

  const CliRun j = cli({"run", f, "--json"});
  EXPECT_EQ(j.rc, tools::kExitExpectationFailed);
  EXPECT_NE(j.out.find("\"passed\": false"), std::string::npos) << j.out;
}

}  // namespace
}  // namespace raftlab
