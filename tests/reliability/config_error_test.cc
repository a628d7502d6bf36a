// Issue 24: an etcd configuration that real etcd refuses at start-up (its flag parsing,
// embed.Config.Validate, a listener it cannot create) still makes the member exit with
// etcd's own message, and ALSO fails the verdict (`raftlab run` exit 1) with a warning
// naming member, flag and etcd's text — unless the member declares
// `"expect_config_error": "--flag"` (scenarios/README.md). The run used to pass (exit 0).
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/common/cli_run.h"
#include "tools/cli.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;
using test::CliRun;
using test::cli;

const char* const kGood =
    "etcd --name etcd1 --initial-advertise-peer-urls http://10.0.0.1:2380 --listen-peer-urls http://10.0.0.1:2380 "
    "--listen-client-urls http://10.0.0.1:2379 --advertise-client-urls http://10.0.0.1:2379 "
    "--initial-cluster etcd1=http://10.0.0.1:2380";

std::string scenario(const std::string& key, const std::string& config, const std::string& extra = "",
                     bool expect_leader = false) {
  return fmt::format(R"({{
  "name": "cfg", "description": "one member", "duration": "4s",
  "hosts": [{{"name": "A", "ip": "10.0.0.1"}}],
  "members": [{{"name": "etcd1", "host": "A", "{}": {}{}}}],
  "timeline": [{{"at": "0s", "start": ["etcd1"]}}],
  "expect": [{}]
}})",
                     key, nlohmann::json(config).dump(), extra, expect_leader ? R"({"at": "3s", "leaders": 1})" : "");
}

class ConfigErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("raftlab_cfg_{}_{}", ::getpid(), ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& text) {
    const fs::path p = dir_ / fmt::format("s{}.json", n_++);
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  fs::path dir_;
  int n_ = 0;
};

struct Case {
  std::string edit_from, edit_to, flag, etcd_text;
};

// Each one: the flag etcd names, and etcd's own words (server/etcdmain/config.go and
// Go's flag package; server/embed/config.go Validate).
const std::vector<Case> kCases = {
    {"--listen-peer-urls http://10.0.0.1:2380", "--listen-peer-urls http://10.0.0.1:70000", "--listen-peer-urls",
     "invalid listen URL http://10.0.0.1:70000"},
    {"--listen-client-urls http://10.0.0.1:2379", "--listen-client-urls http://10.0.0.1:-1", "--listen-client-urls",
     "invalid port \":-1\" after host"},
    {"--name etcd1", "--name etcd1 --heartbeat-interval=abc", "--heartbeat-interval",
     "invalid value \"abc\" for flag -heartbeat-interval: parse error"},
    {"--name etcd1", "--name etcd1 --election-timeout=0", "--election-timeout", "--election-timeout must be >0"},
    {"--name etcd1", "--name etcd1 --heartbeat-interval 300 --election-timeout 1000", "--election-timeout",
     "should be at least as 5 times as --heartbeat-interval[300ms]"},
    {"--name etcd1", "--name etcd1 --initial-cluster-state maybe", "--initial-cluster-state",
     "invalid value \"maybe\" for flag -initial-cluster-state"},
    {"--name etcd1", "--name etcd1 --snapshot-count -1", "--snapshot-count",
     "invalid value \"-1\" for flag -snapshot-count: parse error"},
    // setupLogging panics (3.5: zapcore.Level.Set); embed.StartEtcd parseCompactionRetention.
    {"--name etcd1", "--name etcd1 --log-level=loud", "--log-level", "panic: unrecognized level: \"loud\""},
    {"--name etcd1", "--name etcd1 --auto-compaction-retention=x", "--auto-compaction-retention",
     "error parsing CompactionRetention: time: invalid duration \"x\""},
};

std::string edited(const Case& c) {
  std::string s = kGood;
  s.replace(s.find(c.edit_from), c.edit_from.size(), c.edit_to);
  return s;
}

TEST_F(ConfigErrors, TheGoodConfigurationPasses) {
  const CliRun r = cli({"run", write(scenario("flags", kGood, "", true))});
  EXPECT_EQ(r.rc, tools::kExitOk) << r.out << r.err;
}

TEST_F(ConfigErrors, RefusedFlagsFailTheVerdictNamingMemberFlagAndEtcdsText) {
  for (const Case& c : kCases) {
    const CliRun r = cli({"run", write(scenario("flags", edited(c)))});
    EXPECT_EQ(r.rc, tools::kExitExpectationFailed) << c.edit_to << "\n" << r.out << r.err;
    // The member still exits with etcd's message (the model is unchanged) ...
    EXPECT_NE(r.out.find("exited: "), std::string::npos) << c.edit_to << "\n" << r.out;
    // ... and the warning names member, flag and etcd's words.
    EXPECT_NE(r.out.find("etcd1: configuration error: etcd refuses " + c.flag), std::string::npos) << c.edit_to << "\n" << r.out;
    EXPECT_NE(r.out.find(c.etcd_text), std::string::npos) << c.edit_to << "\n" << r.out;
    EXPECT_NE(r.out.find("Result: FAIL"), std::string::npos) << r.out;
    const CliRun j = cli({"run", write(scenario("flags", edited(c))), "--json"});
    const auto doc = nlohmann::json::parse(j.out, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << j.out;
    EXPECT_FALSE(doc["passed"].get<bool>());
    ASSERT_EQ(doc["config_errors"].size(), 1u) << j.out;
    EXPECT_EQ(doc["config_errors"][0]["member"], "etcd1");
    EXPECT_EQ(doc["config_errors"][0]["flag"], c.flag);
    EXPECT_EQ(doc["config_errors"][0]["path"], "$.members[0].flags");
  }
}

// The same rules through a docker line (plain etcd image) and through Bitnami's ETCD_* env.
TEST_F(ConfigErrors, DockerAndBitnamiMembersToo) {
  const std::string quay =
      "docker run -d --name etcd1 --network host quay.io/coreos/etcd:v3.5.18 etcd --name etcd1 --election-timeout=0";
  CliRun r = cli({"run", write(scenario("docker", quay))});
  EXPECT_EQ(r.rc, tools::kExitExpectationFailed) << r.out << r.err;
  EXPECT_NE(r.out.find("etcd refuses --election-timeout"), std::string::npos) << r.out;
  const std::string bitnami =
      "docker run -d --name etcd1 -e ALLOW_NONE_AUTHENTICATION=yes -e ETCD_NAME=etcd1 -e ETCD_HEARTBEAT_INTERVAL=abc "
      "bitnami/etcd:3.5.18";
  r = cli({"run", write(scenario("docker", bitnami))});
  EXPECT_EQ(r.rc, tools::kExitExpectationFailed) << r.out << r.err;
  // etcd names the variable it read (pkg/flags SetFlagsFromEnv), and so does the verdict.
  EXPECT_NE(r.out.find("etcd refuses ETCD_HEARTBEAT_INTERVAL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("invalid value \"abc\" for ETCD_HEARTBEAT_INTERVAL"), std::string::npos) << r.out;
  // Declared as either spelling, it is expected.
  r = cli({"run", write(scenario("docker", bitnami, R"(, "expect_config_error": "--heartbeat-interval")"))});
  EXPECT_EQ(r.rc, tools::kExitOk) << r.out << r.err;
}

// A scenario that means it: "expect_config_error" names the flag; then the run passes.
// The wrong flag, or no error at all, fails it.
TEST_F(ConfigErrors, ExpectConfigErrorDeclaresTheIntendedFailure) {
  const Case& c = kCases[3];  // --election-timeout=0
  CliRun r = cli({"run", write(scenario("flags", edited(c), R"(, "expect_config_error": "--election-timeout")"))});
  EXPECT_EQ(r.rc, tools::kExitOk) << r.out << r.err;
  EXPECT_NE(r.out.find("configuration error (expected)"), std::string::npos) << r.out;
  r = cli({"run", write(scenario("flags", edited(c), R"(, "expect_config_error": "--heartbeat-interval")"))});
  EXPECT_EQ(r.rc, tools::kExitExpectationFailed) << r.out << r.err;
  EXPECT_NE(r.out.find("expected etcd to refuse --heartbeat-interval, but it refuses --election-timeout"), std::string::npos)
      << r.out;
  r = cli({"run", write(scenario("flags", kGood, R"(, "expect_config_error": "--election-timeout")", true))});
  EXPECT_EQ(r.rc, tools::kExitExpectationFailed) << r.out << r.err;
  EXPECT_NE(r.out.find("but it accepts this configuration"), std::string::npos) << r.out;
  // Not a flag name: bad input.
  r = cli({"run", write(scenario("flags", kGood, R"(, "expect_config_error": "election-timeout=0")"))});
  EXPECT_EQ(r.rc, tools::kExitBadInput) << r.out << r.err;
  EXPECT_NE(r.err.find("$.members[0].expect_config_error"), std::string::npos) << r.err;
}

// Go's flag package keeps the last of a repeated flag and etcd does not check: a
// repeated --name starts etcd with the last one (no configuration error).
TEST_F(ConfigErrors, ARepeatedNameIsWhatEtcdAcceptsTheLastWins) {
  std::string s = kGood;
  s.replace(s.find("--name etcd1"), 12, "--name other --name etcd1");
  const CliRun r = cli({"run", write(scenario("flags", s, "", true))});
  EXPECT_EQ(r.rc, tools::kExitOk) << r.out << r.err;
}

}  // namespace
}  // namespace raftlab
