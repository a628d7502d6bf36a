// What `raftlab run` and `status` print for a person (tools/cli.cc): faults with their
// notes, a terminated instance called so, a note once, the endpoints an etcdctl command
// asked, one member list for members that agree, names and IDs in --json, aligned
// columns, colour only when asked or on a terminal, the shell's '!' warning only where
// it matters; and the Jepsen-style overrides (sim/scenario/overrides.h).
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
using test::cli;
using test::CliRun;

// Three bare etcd members, m1 and m2 on host A, m3 on host B.
std::string three(const std::string& extra_timeline, const std::string& extra_top = "") {
  auto member = [](int i, const std::string& ip, int port) {
    return fmt::format(
        R"({{"name": "m{0}", "host": "{1}", "flags": "etcd --name m{0} --listen-client-urls http://0.0.0.0:{2} --advertise-client-urls http://{3}:{2} --listen-peer-urls http://0.0.0.0:{4} --initial-advertise-peer-urls http://{3}:{4} --initial-cluster m1=http://10.0.0.1:2380,m2=http://10.0.0.1:3380,m3=http://10.0.0.2:2380 --initial-cluster-state new --initial-cluster-token t"}})",
        i, ip == "10.0.0.1" ? "A" : "B", port, ip, port + 1);
  };
  return "{\n\"name\": \"out\", \"description\": \"three members\", \"duration\": \"20s\",\n"
         "\"hosts\": [{\"name\": \"A\", \"ip\": \"10.0.0.1\"}, {\"name\": \"B\", \"ip\": \"10.0.0.2\"}],\n"
         "\"members\": [" +
         member(1, "10.0.0.1", 2379) + ",\n" + member(2, "10.0.0.1", 3379) + ",\n" + member(3, "10.0.0.2", 2379) +
         "],\n\"timeline\": [{\"at\": \"0s\", \"start\": [\"m1\", \"m2\", \"m3\"]}" + extra_timeline + "],\n" + extra_top +
         "\"expect\": [{\"at\": \"15s\", \"clusters\": 1}]\n}\n";
}

class CliOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("raftlab_out_{}_{}", ::getpid(), ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / (name + ".json");
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  static size_t count(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
    return n;
  }
  fs::path dir_;
};

TEST_F(CliOutput, FaultsAreShownWithTheirNotesAndATerminateIsNoRemoval) {
  const std::string f = write("faults", three("", R"("faults": [{"at": "5s", "kind": "terminate", "target": "m3", "note": "instance lost with its disk"}],
)"));
  const CliRun r = cli({"run", f});
  ASSERT_NE(r.rc, tools::kExitBadInput) << r.err;
  EXPECT_NE(r.out.find("fault terminate: m3 instance terminated, data dir gone — instance lost with its disk"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("m3       terminated"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("m3       removed"), std::string::npos) << "reads like `member remove`:\n" << r.out;
}

TEST_F(CliOutput, ANoteOnlyEntryIsShownOnce) {
  const std::string f = write("note", three(R"(, {"at": "3s", "note": "the operator looks at the dashboards"})"));
  const CliRun r = cli({"run", f});
  ASSERT_EQ(r.rc, tools::kExitOk) << r.err << r.out;
  EXPECT_EQ(count(r.out, "the operator looks at the dashboards"), 1u) << r.out;
}

// A member that joins later applies the cluster's old membership entries: that is it
// catching up, not the cluster adding members now (the forced-restart recovery's etcd4).
TEST_F(CliOutput, AJoinerReplayingOldMembershipEntriesIsSaidSo) {
  const CliRun r = cli({"run", std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/membership/force-new-cluster-recovery.json"});
  ASSERT_NE(r.rc, tools::kExitBadInput) << r.err;
  EXPECT_NE(r.out.find("etcd4    replays cluster f4315b06e025f54b's entry 2 (from before it joined): added member "
                       "ae9843936a7cf003"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("removed member ae9843936a7cf003 (entry 9, etcd1 applies it first)"), std::string::npos) << r.out;
  // The replayed add is not shown as the cluster adding the member at 28 s.
  EXPECT_EQ(r.out.find("28.416s  cluster f4315b06e025f54b added member ae9843936a7cf003"), std::string::npos) << r.out;
}

TEST_F(CliOutput, AnEtcdctlCommandIsShownWithTheEndpointsItAsked) {
  const std::string f = write("ctl", three(R"(, {"at": "6s", "etcdctl": "member list", "endpoints": ["m2", "m1"]})"));
  const CliRun r = cli({"run", f});
  ASSERT_EQ(r.rc, tools::kExitOk) << r.err << r.out;
  EXPECT_NE(r.out.find("$ etcdctl --endpoints=http://10.0.0.1:3379,http://10.0.0.1:2379 member list"), std::string::npos)
      << r.out;
}

TEST_F(CliOutput, StatusPrintsOneMemberListForMembersThatAgree) {
  const std::string f = write("status", three(""));
  const CliRun r = cli({"status", f, "--at", "10s"});
  ASSERT_EQ(r.rc, tools::kExitOk) << r.err << r.out;
  EXPECT_EQ(count(r.out, "member list -w table"), 1u) << r.out;
  EXPECT_NE(r.out.find("# asked m1; m2, m3 print the same list"), std::string::npos) << r.out;
  const CliRun j = cli({"status", f, "--at", "10s", "-w", "json"});
  ASSERT_EQ(j.rc, tools::kExitOk) << j.err;
  EXPECT_EQ(count(j.out, "\"asked\""), 3u) << "JSON keeps one list per member:\n" << j.out;
  EXPECT_TRUE(nlohmann::json::accept(j.out)) << "stdout is JSON alone:\n" << j.out;
  EXPECT_NE(j.err.find("seed="), std::string::npos) << j.err;
}

TEST_F(CliOutput, RunJsonNamesMembersByNameAndById) {
  const std::string f = write("json", three(""));
  const CliRun r = cli({"run", f, "--json"});
  ASSERT_EQ(r.rc, tools::kExitOk) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& c = j.at("final").at("clusters").at(0);
  ASSERT_EQ(c.at("voters").size(), 3u);
  std::vector<std::string> names = c.at("voter_names");
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"m1", "m2", "m3"}));
  ASSERT_EQ(c.at("running_ids").size(), c.at("running").size());
  ASSERT_EQ(c.at("leader_ids").size(), 1u);
  // The leader's ID is one of the voters' IDs, at the position of its name.
  const std::string leader = c.at("leaders").at(0), leader_id = c.at("leader_ids").at(0);
  bool found = false;
  for (size_t i = 0; i < c.at("voters").size(); ++i)
    found = found || (c.at("voter_names").at(i) == leader && c.at("voters").at(i) == leader_id);
  EXPECT_TRUE(found) << c.dump();
}

TEST_F(CliOutput, MembersTableStaysAlignedWithAPreCandidate) {
  // Host B goes, then host A's m2: m1 alone pre-votes and stays a pre-candidate.
  const std::string f = write("precandidate", three(R"(, {"at": "6s", "kill_host": "B"}, {"at": "6s", "stop": ["m2"]})"));
  const CliRun r = cli({"run", f});
  ASSERT_NE(r.rc, tools::kExitBadInput) << r.err;
  const size_t table = r.out.find("  NAME ");
  ASSERT_NE(table, std::string::npos) << r.out;
  std::vector<std::string> rows;
  size_t at = table;
  for (int i = 0; i < 4; ++i) {
    const size_t end = r.out.find('\n', at);
    rows.push_back(r.out.substr(at, end - at));
    at = end + 1;
  }
  ASSERT_NE(r.out.find("pre-candidate"), std::string::npos) << r.out;
  const size_t term_end = rows[0].find("TERM") + 4;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_GT(rows[i].size(), term_end) << rows[i];
    EXPECT_NE(rows[i][term_end - 1], ' ') << "TERM is right-aligned under its header:\n" << rows[0] << "\n" << rows[i];
    EXPECT_EQ(rows[i][term_end], ' ') << rows[0] << "\n" << rows[i];
  }
}

TEST_F(CliOutput, ColourOnlyWhenAskedOrOnATerminal) {
  const std::string f = write("colour", three(""));
  const CliRun always = cli({"run", f, "--color", "always"});
  ASSERT_EQ(always.rc, tools::kExitOk) << always.err;
  EXPECT_NE(always.out.find("\x1b[32mPASS\x1b[0m"), std::string::npos) << always.out;
  EXPECT_NE(always.out.find("\x1b[1;32mleader"), std::string::npos) << always.out;
  for (const char* mode : {"never", "auto"}) {  // auto: the output is no terminal here
    const CliRun r = cli({"run", f, "--color", mode});
    EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << mode << ":\n" << r.out;
  }
  const CliRun json = cli({"run", f, "--json", "--color", "always"});
  EXPECT_EQ(json.out.find("\x1b["), std::string::npos) << "JSON is never coloured";
  EXPECT_EQ(cli({"run", f, "--color", "sometimes"}).rc, tools::kExitBadInput);
}

// A Bitnami container whose docker line holds a '!' inside double quotes.
std::string bitnami(const std::string& env) {
  return std::string(R"({
  "name": "bang",
  "description": "a docker line with a '!'",
  "hosts": [{"name": "A", "ip": "10.0.0.1"}],
  "members": [
    {"name": "etcd1", "host": "A", "docker": "docker run -d -p 2379:2379 -p 2380:2380 -e ETCD_NAME=etcd1 -e ALLOW_NONE_AUTHENTICATION=yes )") +
         env + R"( -e ETCD_ADVERTISE_CLIENT_URLS=http://10.0.0.1:2379 -e ETCD_INITIAL_ADVERTISE_PEER_URLS=http://10.0.0.1:2380 -e ETCD_LISTEN_PEER_URLS=http://0.0.0.0:2380 -e ETCD_LISTEN_CLIENT_URLS=http://0.0.0.0:2379 -e ETCD_INITIAL_CLUSTER=etcd1=http://10.0.0.1:2380 bitnami/etcd:3.5.18"}
  ],
  "timeline": [{"at": "0s", "start": ["etcd1"]}],
  "expect": [{"at": "10s", "leaders": 1}]
}
)";
}

TEST_F(CliOutput, HistoryExpansionWarningOnlyWhereItMattersWithLineAndColumn) {
  // The password is not modelled: nothing to say.
  CliRun r = cli({"run", write("password", bitnami(R"(-e ETCD_ROOT_PASSWORD=\"1234qwer!!\")"))});
  ASSERT_EQ(r.rc, tools::kExitOk) << r.err << r.out;
  EXPECT_EQ(r.out.find("history expansion"), std::string::npos) << r.out;
  // A token the model reads: said, at the '!' of the file.
  const std::string text = bitnami(R"(-e ETCD_INITIAL_CLUSTER_TOKEN=\"tok!en\")");
  r = cli({"run", write("token", text)});
  ASSERT_NE(r.rc, tools::kExitBadInput) << r.err;
  const size_t bang = text.find("tok!en") + 3;
  const size_t line_start = text.rfind('\n', bang) + 1;
  const size_t line = static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<long>(bang), '\n')) + 1;
  const std::string want = fmt::format("etcd1 (line {}, column {}): '!':", line, bang - line_start + 1);
  EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  EXPECT_EQ(count(r.out, "history expansion"), 1u) << r.out;
}

TEST_F(CliOutput, OverridesChangeTheRunWithoutEditingTheFile) {
  const std::string f = write("over", three(""));
  CliRun r = cli({"run", f, "--nemesis", "crash", "--time-limit", "40s"});
  ASSERT_NE(r.rc, tools::kExitBadInput) << r.err;
  EXPECT_NE(r.out.find("fault crash: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Members at 40s"), std::string::npos) << r.out;
  r = cli({"run", f, "--rate", "20", "--json"});
  ASSERT_NE(r.rc, tools::kExitBadInput) << r.err;
  // Bad values: exit 2, the flag and the fix.
  struct Bad {
    std::vector<std::string> args;
    std::string want;
  };
  for (const Bad& b : std::vector<Bad>{{{"--nemesis", "crsh"}, "--nemesis: \"crsh\" is not a fault kind (did you mean \"crash\"?)"},
                                      {{"--nemesis", "crash,crash"}, "listed twice"},
                                      {{"--time-limit", "10s"}, "before the timeline entry or expectation at 15s"},
                                      {{"--time-limit", "ten"}, "--time-limit: malformed duration"},
                                      {{"--rate", "0"}, "--rate: \"0\" is not a rate"},
                                      {{"--rate", "fast"}, "--rate: \"fast\" is not a rate"}}) {
    std::vector<std::string> args = {"run", f};
    args.insert(args.end(), b.args.begin(), b.args.end());
    const CliRun x = cli(args);
    EXPECT_EQ(x.rc, tools::kExitBadInput) << b.want;
    EXPECT_NE(x.err.find(b.want), std::string::npos) << b.want << "\n" << x.err;
  }
  // The file itself is unchanged, and a run without the flags has no faults.
  r = cli({"run", f});
  EXPECT_EQ(r.out.find("  fault crash"), std::string::npos) << r.out;
}

TEST_F(CliOutput, FuzzWarnsWithoutFaultsOrClientsAndCanLeaveFailureTracesOut) {
  std::string text = three("");
  text.replace(text.find("\"clusters\": 1"), 13, "\"clusters\": 2");  // fails in every seed
  const std::string f = write("nofaults", text);
  const fs::path out = dir_ / "fuzz-out";
  const CliRun r = cli({"fuzz", f, "--seeds", "1", "--jobs", "1", "--out", out.string(), "--failure-trace", "no", "-q"});
  EXPECT_EQ(r.rc, tools::kExitExpectationFailed) << r.err << r.out;
  EXPECT_NE(r.err.find("warning: " + f + " has no faults"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(out / "seed-1.json"));
  EXPECT_TRUE(fs::exists(out / "seed-1.txt"));
  EXPECT_FALSE(fs::exists(out / "seed-1.trace.jsonl"));
  // With a nemesis from the command line: no warning.
  const CliRun n = cli({"fuzz", f, "--seeds", "1", "--jobs", "1", "--out", (dir_ / "o2").string(), "--nemesis", "crash", "-q"});
  EXPECT_EQ(n.err.find("has no faults"), std::string::npos) << n.err;
  EXPECT_TRUE(fs::exists(dir_ / "o2" / "seed-1.trace.jsonl"));
}

}  // namespace
}  // namespace raftlab
