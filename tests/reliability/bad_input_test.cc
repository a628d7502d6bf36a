// Issue 24's first list: every bad input is exit 2 with a message naming the file, the
// JSON path (or flag) and the fix — never an internal error (exit 3), never accepted
// silently (exit 0), never a hang. Each case is a valid base with one mistake in it.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/common/cli_run.h"
#include "tools/cli.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;
using test::CliRun;
using test::cli;

// One bare etcd (flags) that elects itself, with clients and a nemesis budget so that
// every numeric field the issue names is in it.
const char* const kBase = R"({
  "name": "rel-base",
  "description": "One bare etcd, clients and a nemesis budget.",
  "seed": 1,
  "duration": "6s",
  "hosts": [{"name": "A", "ip": "10.0.0.1"}],
  "members": [
    {"name": "etcd1", "host": "A", "flags": "etcd --name etcd1 --initial-advertise-peer-urls http://10.0.0.1:2380 --listen-peer-urls http://10.0.0.1:2380 --listen-client-urls http://10.0.0.1:2379 --advertise-client-urls http://10.0.0.1:2379 --initial-cluster etcd1=http://10.0.0.1:2380"}
  ],
  "timeline": [{"at": "0s", "start": ["etcd1"]}],
  "nemesis": {"kinds": ["delay"], "start": "2s", "end": "4s", "mean_gap": "1s", "min_duration": "200ms",
              "max_duration": "1s", "max_down": 1},
  "clients": {"count": 2, "start": "1s", "end": "5s", "think": {"min": "5ms", "max": "50ms"}, "keys": 3,
              "read_fraction": 0.5, "timeout": "1s"},
  "expect": [{"at": "5s", "leaders": 1, "clusters": 1}]
}
)";

// The same member as a Bitnami container.
const char* const kBitnami =
    "docker run -d --name etcd1 -p 2379:2379 -p 2380:2380 -e ALLOW_NONE_AUTHENTICATION=yes -e ETCD_NAME=etcd1 "
    "-e ETCD_ADVERTISE_CLIENT_URLS=http://10.0.0.1:2379 -e ETCD_INITIAL_ADVERTISE_PEER_URLS=http://10.0.0.1:2380 "
    "-e ETCD_LISTEN_PEER_URLS=http://0.0.0.0:2380 -e ETCD_LISTEN_CLIENT_URLS=http://0.0.0.0:2379 "
    "-e ETCD_INITIAL_CLUSTER=etcd1=http://10.0.0.1:2380 bitnami/etcd:3.5.18";

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("raftlab_rel_{}_{}", ::getpid(), ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, std::string text, const std::string& from = "",
                    const std::string& to = "") {
    if (!from.empty()) {
      const size_t at = text.find(from);
      EXPECT_NE(at, std::string::npos) << "test bug: \"" << from << "\" is not in the base";
      if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    const fs::path p = dir_ / (name + ".json");
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  static std::string docker_member(const std::string& line) {
    std::string base = kBase;
    const size_t a = base.find("\"flags\": \"");
    const size_t b = base.find("\"}", a);
    return base.substr(0, a) + "\"docker\": \"" + line + "\"}" + base.substr(b + 2);
  }
  static void expect_bad(const CliRun& r, const std::vector<std::string>& wanted, const std::string& what) {
    EXPECT_EQ(r.rc, tools::kExitBadInput) << what << "\nstdout:\n" << r.out << "stderr:\n" << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << what << "\n" << r.err;
    for (const auto& w : wanted) EXPECT_NE(r.err.find(w), std::string::npos) << what << "\nwant: " << w << "\nstderr:\n" << r.err;
  }
  fs::path dir_;
};

TEST_F(BadInput, TheBaseIsValid) {
  const CliRun r = cli({"run", write("base", kBase)});
  EXPECT_EQ(r.rc, tools::kExitOk) << r.err << r.out;
  const CliRun d = cli({"run", write("bitnami", docker_member(kBitnami))});
  EXPECT_EQ(d.rc, tools::kExitOk) << d.err << d.out;
}

// `--network host` on a Bitnami container: the deployment's port check built a start
// context without the trial-run probe and the entrypoint model called it
// (bad_function_call, exit 3). Every spelling docker accepts.
TEST_F(BadInput, NetworkHostRunsInsteadOfThrowing) {
  for (const std::string opt : {"--network host", "--net host", "--network=host", "--net=host"}) {
    std::string line = kBitnami;
    line.replace(line.find("-p 2379:2379 -p 2380:2380"), 25, opt);
    const CliRun r = cli({"run", write("nethost", docker_member(line))});
    EXPECT_EQ(r.rc, tools::kExitOk) << opt << "\n" << r.err << r.out;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << opt << r.err;
  }
}

// A number no double holds: exit 2 with line:column, the JSON path and a fix (it was
// "internal error while reading JSON ... number overflow" without a position).
TEST_F(BadInput, NumbersOutOfRangeNameLineColumnAndPath) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\"seed\": 1,", "\"seed\": 1e400,"},
      {"\"count\": 2", "\"count\": 1e400"},
      {"\"keys\": 3", "\"keys\": 1e400"},
      {"\"max_down\": 1", "\"max_down\": -1e400"},
      {"\"read_fraction\": 0.5", "\"read_fraction\": 1e400"},
      {"\"seed\": 1,", "\"seed\": " + std::string(400, '9') + ","},
  };
  const std::vector<std::string> paths = {"$.seed", "$.clients.count", "$.clients.keys", "$.nemesis.max_down",
                                          "$.clients.read_fraction", "$.seed"};
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string f = write("num", kBase, cases[i].first, cases[i].second);
    const CliRun r = cli({"run", f});
    expect_bad(r, {paths[i] + ":", "out of range", " — "}, cases[i].second);
    // file:line:column: with a real line.
    EXPECT_EQ(r.err.rfind(f + ":", 0), 0u) << r.err;
    EXPECT_EQ(r.err.find(f + ":0:"), std::string::npos) << r.err;
  }
}

// nlohmann reads a NUL byte as the end of the input: text after one was ignored (exit 0)
// and one inside a value read as "the text ends early".
TEST_F(BadInput, NulBytesAreRefusedWhereTheyAre) {
  const std::string after = write("after", std::string(kBase) + std::string(1, '\0') + " garbage {{{");
  expect_bad(cli({"run", after}), {"NUL byte", after + ":"}, "NUL after the JSON");
  std::string inside = kBase;
  inside.insert(inside.find("rel-base") + 3, 1, '\0');
  const std::string f = write("inside", inside);
  const CliRun r = cli({"run", f});
  expect_bad(r, {"NUL byte", f + ":2:"}, "NUL inside a string");
  EXPECT_EQ(r.err.find("ends early"), std::string::npos) << r.err;
}

// A FIFO blocked forever; any non-regular file is refused at once, naming what it is.
TEST_F(BadInput, NonRegularFilesAreRefusedWithoutBlocking) {
  const std::string fifo = (dir_ / "fifo.json").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const auto& verb : std::vector<std::vector<std::string>>{
           {"run", fifo}, {"replay", fifo}, {"shrink", fifo}, {"fuzz", fifo, "--seeds", "1"}}) {
    expect_bad(cli(verb), {"FIFO", "not a regular file"}, verb[0]);
  }
  expect_bad(cli({"run", "/dev/null"}), {"character device"}, "/dev/null");
  expect_bad(cli({"merge", "/dev/zero"}), {"character device"}, "merge /dev/zero");
}

// 2^64 and above were clamped to 2^64-1 by CLI11 and run.
TEST_F(BadInput, SeedsOfTwoToTheSixtyFourAreRefused) {
  const std::string f = write("base", kBase);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"run", f, "--seed", "18446744073709551616"},
           {"run", f, "--seed", "99999999999999999999"},
           {"run", f, "--seed", "123456789012345678901234"},
           {"status", f, "--at", "1s", "--seed", "18446744073709551616"},
           {"replay", f, "--seed", "18446744073709551616"},
           {"fuzz", f, "--seeds", "1", "--first-seed", "18446744073709551616"}}) {
    expect_bad(cli(args), {"--", "18446744073709551615"}, ::testing::PrintToString(args));
  }
  // The largest one is fine.
  EXPECT_EQ(cli({"run", f, "--seed", "18446744073709551615"}).rc, tools::kExitOk);
}

// A failure file whose header seed is 2^64 replayed seed 0 (nlohmann converted the double).
TEST_F(BadInput, FailureFileSeedOutOfRangeIsRefused) {
  for (const std::string seed : {"18446744073709551616", "-1", "1.5"}) {
    const std::string f = write("failure", "// raftlab-lab {\"seed\": " + seed + "}\n" + std::string(kBase));
    expect_bad(cli({"replay", f}), {"seed", "18446744073709551615", f}, seed);
  }
}

// --expect-hash zz was a failed replay (exit 1): it is no hash at all.
TEST_F(BadInput, ExpectHashThatIsNoHashIsBadInput) {
  const std::string f = write("base", kBase);
  for (const std::string& h : std::vector<std::string>{"zz", "abc", std::string(63, 'a'), std::string(64, 'g')})
    expect_bad(cli({"replay", f, "--expect-hash", h}), {"--expect-hash", "not a trace hash"}, h);
}

}  // namespace
}  // namespace raftlab
