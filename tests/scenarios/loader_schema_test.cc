// Scenario schema: a complete valid file loads into the typed form; each kind of mistake
// yields one precise error naming the path, the problem and the fix.
#include "sim/scenario/loader.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace raftlab::scenario {
namespace {

// Five Bitnami members on two hosts, as in the operators' document, plus every action
// and assertion kind.
constexpr const char* kGood = R"jsonc({
  "name": "every-node-leader",
  "description": "Members started one by one with state new each form their own cluster.",
  "seed": 7,
  "etcd_version": "3.5.18",
  "network": {
    "intra_host_latency": {"min": "50us", "max": "200us"},
    "inter_host_latency": {"min": "300us", "max": "1ms"},
  },
  "hosts": [
    {"name": "A", "ip": "10.101.99.100", "env": {"ETCD_INITIAL_CLUSTER": "etcd1=http://10.101.99.100:2380"}},
    {"name": "B", "ip": "10.101.99.101"},
  ],
  "members": [
    {"name": "etcd1", "host": "A", "docker": [
      "docker run -d \\",
      "  -p 2379:2379 -p 2380:2380 \\",
      "  -e ETCD_NAME=etcd1 \\",
      "  bitnami/etcd:3.5.18"]},
    {"name": "etcd2", "host": "A", "docker": "docker run -d -p 3379:2379 -p 3380:2380 -e ETCD_NAME=etcd2 bitnami/etcd:3.5.18"},
    {"name": "etcd3", "host": "B", "flags": "etcd --name etcd3 --initial-cluster-state new"},
    {"name": "etcd4", "host": "B", "args": ["--name", "etcd4"]},
    {"name": "etcd5", "host": "B", "env": {"ETCD_NAME": "etcd5"}},
  ],
  "timeline": [
    {"at": "5s", "start": ["etcd3", "etcd4", "etcd5"]},
    {"at": "0s", "start": ["etcd1", "etcd2"], "note": "server A first"},
    {"at": "20s", "etcdctl": "endpoint status --cluster -w table", "endpoints": ["etcd1", "http://10.101.99.101:2379"]},
    {"at": "20s", "note": "same time: keeps file order"},
    {"at": "21s", "partition": [["A"], ["B"]]},
    {"at": "22s", "heal": true},
    {"at": "23s", "kill_host": "B"},
    {"at": "24s", "restore_host": "B"},
    {"at": "25s", "shell": {"host": "A", "export": {"ETCD_INITIAL_CLUSTER_STATE": "existing"}, "unset": ["X"]}},
    {"at": "26s", "run": {"member": "etcd1", "flags": "etcd --name etcd1", "wipe_data": true}},
    {"at": "27s", "run": {"member": "etcd2"}},
    {"at": "28s", "stop": "etcd3"},
    {"at": "29s", "kill": ["etcd4"]},
    {"at": "1m", "restart": ["etcd5"]},
  ],
  "expect": [
    {"at": "15s", "clusters": 5, "leaders": 5, "quorum": false, "running": 5, "note": "why"},
    {"at": "16s", "put": {"via": "etcd1", "key": "/k", "value": "v"},
                  "get": {"via": "etcd3", "key": "/k", "found": false}},
    {"at": "17s", "members": {"etcd1": ["etcd1", "etcd2", ""]}, "leader_on_host": "B",
                  "get": {"via": "etcd1", "key": "/k", "value": "v"}},
    {"at": "18s", "get": {"via": "etcd2", "key": "/gone", "value": null},
                  "put": {"via": "etcd2", "key": "/x", "value": "", "succeeds": false}},
  ],
})jsonc";

Scenario load_ok(std::string_view text) {
  LoadResult r = load_string(text, "good.json");
  for (const LoadError& e : r.errors) ADD_FAILURE() << format(e);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r.scenario : Scenario{};
}

TEST(Loader, LoadsACompleteScenario) {
  const Scenario s = load_ok(kGood);
  EXPECT_EQ(s.name, "every-node-leader");
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.etcd_version, "3.5.18");
  ASSERT_TRUE(s.network.inter_host_latency.has_value());
  EXPECT_EQ(s.network.inter_host_latency->min_ns, 300'000);
  EXPECT_EQ(s.network.inter_host_latency->max_ns, 1'000'000);
  ASSERT_EQ(s.hosts.size(), 2u);
  EXPECT_EQ(s.hosts[0].env.at("ETCD_INITIAL_CLUSTER"), "etcd1=http://10.101.99.100:2380");
  ASSERT_EQ(s.members.size(), 5u);
  EXPECT_EQ(s.members[0].config.kind, ConfigKind::kDocker);
  EXPECT_EQ(s.members[0].config.text,
            "docker run -d \\\n  -p 2379:2379 -p 2380:2380 \\\n  -e ETCD_NAME=etcd1 \\\n  bitnami/etcd:3.5.18");
  EXPECT_EQ(s.members[0].config.path, "$.members[0].docker");
  EXPECT_EQ(s.members[2].config.kind, ConfigKind::kFlags);
  EXPECT_EQ(s.members[3].config.args, (std::vector<std::string>{"--name", "etcd4"}));
  EXPECT_EQ(s.members[4].config.env.at("ETCD_NAME"), "etcd5");
  EXPECT_EQ(s.find_member("etcd4")->host, "B");
  EXPECT_EQ(s.find_host("B")->ip, "10.101.99.101");
  EXPECT_EQ(s.find_member("nope"), nullptr);
  // Default duration: last event (1m) + 10s.
  EXPECT_FALSE(s.duration_from_file);
  EXPECT_EQ(s.duration_ns, 70'000'000'000);
}

TEST(Loader, TimelineIsStablySortedAndTyped) {
  const Scenario s = load_ok(kGood);
  ASSERT_EQ(s.timeline.size(), 14u);
  EXPECT_EQ(s.timeline[0].at_ns, 0);
  EXPECT_EQ(s.timeline[0].note, "server A first");
  EXPECT_EQ(s.timeline[0].file_index, 1u);
  EXPECT_EQ(s.timeline[0].path, "$.timeline[1]");
  const auto& start = std::get<ProcessAction>(s.timeline[0].action);
  EXPECT_EQ(start.op, ProcessOp::kStart);
  EXPECT_EQ(start.members, (std::vector<std::string>{"etcd1", "etcd2"}));
  // Two entries at 20s keep file order.
  const auto& ctl = std::get<EtcdctlAction>(s.timeline[2].action);
  EXPECT_EQ(ctl.command, "endpoint status --cluster -w table");
  ASSERT_EQ(ctl.endpoints.size(), 2u);
  EXPECT_EQ(ctl.endpoints[0].member, "etcd1");
  EXPECT_EQ(ctl.endpoints[1].url, "http://10.101.99.101:2379");
  EXPECT_EQ(std::get<NoteAction>(s.timeline[3].action).text, "same time: keeps file order");
  EXPECT_EQ(std::get<PartitionAction>(s.timeline[4].action).groups.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<HealAction>(s.timeline[5].action));
  EXPECT_EQ(std::get<HostAction>(s.timeline[6].action).op, HostOp::kKill);
  EXPECT_EQ(std::get<HostAction>(s.timeline[7].action).op, HostOp::kRestore);
  const auto& shell = std::get<ShellAction>(s.timeline[8].action);
  EXPECT_EQ(shell.exports.at("ETCD_INITIAL_CLUSTER_STATE"), "existing");
  EXPECT_EQ(shell.unset, std::vector<std::string>{"X"});
  const auto& run = std::get<RunAction>(s.timeline[9].action);
  EXPECT_TRUE(run.wipe_data);
  ASSERT_TRUE(run.config.has_value());
  EXPECT_EQ(run.config->kind, ConfigKind::kFlags);
  EXPECT_EQ(run.config->path, "$.timeline[9].run.flags");
  EXPECT_FALSE(std::get<RunAction>(s.timeline[10].action).config.has_value());
  EXPECT_EQ(std::get<ProcessAction>(s.timeline[11].action).members, std::vector<std::string>{"etcd3"});
  EXPECT_EQ(std::get<ProcessAction>(s.timeline[13].action).op, ProcessOp::kRestart);
}

TEST(Loader, ExpectationsAreTyped) {
  const Scenario s = load_ok(kGood);
  ASSERT_EQ(s.expect.size(), 4u);
  EXPECT_EQ(s.expect[0].clusters, 5);
  EXPECT_EQ(s.expect[0].quorum, false);
  EXPECT_EQ(s.expect[0].running, 5);
  ASSERT_TRUE(s.expect[1].put && s.expect[1].get);
  EXPECT_TRUE(s.expect[1].put->succeeds);
  EXPECT_FALSE(s.expect[1].get->found);
  EXPECT_EQ(s.expect[2].members.at("etcd1"), (std::vector<std::string>{"etcd1", "etcd2", ""}));
  EXPECT_EQ(s.expect[2].leader_on_host, "B");
  EXPECT_EQ(s.expect[2].get->value, "v");
  EXPECT_FALSE(s.expect[3].get->found);
  EXPECT_FALSE(s.expect[3].put->succeeds);
  EXPECT_EQ(s.expect[3].put->path, "$.expect[3].put");
}

TEST(Loader, ErrorAtGivesLaterStagesFilePositions) {
  const Scenario s = load_ok(kGood);
  const LoadError e = s.error_at("$.members[1].docker", "port 2379 on host A is taken by etcd1", "publish another port");
  EXPECT_EQ(e.line, 20);
  EXPECT_EQ(format(e), "good.json:20:36: $.members[1].docker: port 2379 on host A is taken by etcd1 \xE2\x80\x94 publish another port");
}

// ---- one mistake at a time, on a minimal valid base ----

std::string base(const std::string& extra_members = "", const std::string& timeline = "[]",
                 const std::string& expect = "[]") {
  return R"({"name": "t", "description": "d",
  "hosts": [{"name": "A", "ip": "10.0.0.1"}, {"name": "B", "ip": "10.0.0.2"}],
  "members": [{"name": "etcd1", "host": "A", "flags": "etcd"})" + extra_members + R"(],
  "timeline": )" + timeline + R"(, "expect": )" + expect + "}";
}

std::vector<std::string> errors_of(const std::string& text) {
  LoadResult r = load_string(text, "x.json");
  EXPECT_FALSE(r.ok()) << text;
  std::vector<std::string> out;
  for (const LoadError& e : r.errors) out.push_back(format(e));
  return out;
}

std::string only_error(const std::string& text) {
  const auto errors = errors_of(text);
  EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  return errors.empty() ? "" : errors[0];
}

TEST(LoaderErrors, BaseIsValid) { load_ok(base()); }

TEST(LoaderErrors, UnknownKeySuggestsTheClosestAllowedKey) {
  EXPECT_EQ(only_error(base(R"(, {"name": "etcd2", "hots": "A", "host": "A", "flags": "etcd"})")),
            "x.json:3:82: $.members[1].hots: unknown key \"hots\" \xE2\x80\x94 did you mean \"host\"?");
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "strat": ["etcd1"]}])")).find("did you mean \"start\"?"),
            std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "leader": 1}])")).find("did you mean \"leaders\"?"),
            std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "zzz": 1, "leaders": 1}])")).find("allowed keys here: at, note"),
            std::string::npos);
  EXPECT_NE(only_error(base(R"(, {"name": "etcd2", "host": "A", "flags": "etcd", "client_port": 2379})"))
                .find("ports are read from the member's own config"),
            std::string::npos);
}

TEST(LoaderErrors, MemberOnUnknownHost) {
  EXPECT_EQ(only_error(base(R"(, {"name": "etcd6", "host": "C", "flags": "etcd"})")),
            "x.json:3:82: $.members[1].host: member \"etcd6\" is on host \"C\" but hosts are A, B \xE2\x80\x94 "
            "add {\"name\": \"C\", \"ip\": ...} to $.hosts or fix the host");
}

TEST(LoaderErrors, DuplicatesAndInvalidNames) {
  EXPECT_NE(only_error(base(R"(, {"name": "etcd1", "host": "A", "flags": "etcd"})")).find("duplicate member name \"etcd1\""),
            std::string::npos);
  const auto dup_host = errors_of(R"({"name": "t", "description": "d",
    "hosts": [{"name": "A", "ip": "10.0.0.1"}, {"name": "A", "ip": "10.0.0.1"}],
    "members": [{"name": "e", "host": "A", "flags": "etcd"}]})");
  ASSERT_EQ(dup_host.size(), 2u);
  EXPECT_NE(dup_host[0].find("duplicate host name \"A\""), std::string::npos);
  EXPECT_NE(dup_host[1].find("both have ip 10.0.0.1"), std::string::npos);
  EXPECT_NE(only_error(R"({"name": "Bad Name", "description": "d", "hosts": [{"name": "A", "ip": "10.0.0.1"}],
    "members": [{"name": "e", "host": "A", "flags": "etcd"}]})").find("invalid scenario name"),
            std::string::npos);
}

TEST(LoaderErrors, InvalidIpv4) {
  for (const char* ip : {"10.0.0", "10.0.0.256", "10.0.0.01", "a.b.c.d", "10.0.0.1.2", "10..0.1", ""}) {
    const std::string text = std::string(R"({"name": "t", "description": "d", "hosts": [{"name": "A", "ip": ")") + ip +
                             R"("}], "members": [{"name": "e", "host": "A", "flags": "etcd"}]})";
    const auto errors = errors_of(text);
    ASSERT_EQ(errors.size(), 1u) << ip;
    EXPECT_TRUE(errors[0].find("is not an IPv4 address") != std::string::npos ||
                errors[0].find("must not be empty") != std::string::npos)
        << errors[0];
  }
}

TEST(LoaderErrors, MemberConfigMustBeExactlyOne) {
  EXPECT_NE(only_error(base(R"(, {"name": "e2", "host": "A"})")).find("member \"e2\" has no configuration"),
            std::string::npos);
  EXPECT_NE(only_error(base(R"(, {"name": "e2", "host": "A", "flags": "etcd", "env": {}})"))
                .find("member \"e2\" has both \"flags\" and \"env\""),
            std::string::npos);
  EXPECT_NE(only_error(base(R"(, {"name": "e2", "host": "A", "docker": "etcd --name x"})")).find("does not look like a docker"),
            std::string::npos);
  EXPECT_NE(only_error(base(R"(, {"name": "e2", "host": "A", "env": {"ETCD_NAME": 3}})")).find("write it in quotes: \"3\""),
            std::string::npos);
}

TEST(LoaderErrors, WrongTypesNameWhatWasFound) {
  EXPECT_NE(only_error(R"({"name": "t", "description": 5, "hosts": [{"name": "A", "ip": "10.0.0.1"}],
    "members": [{"name": "e", "host": "A", "flags": "etcd"}]})").find("$.description: expected a string, got an integer"),
            std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "leaders": "5"}])")).find("write the number without quotes"),
            std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "quorum": "yes"}])")).find("expected true or false"),
            std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": 5, "start": "etcd1"}])")).find("write \"5s\" for seconds"),
            std::string::npos);
  EXPECT_NE(only_error(R"([1, 2])").find("must be a JSON object"), std::string::npos);
}

TEST(LoaderErrors, MissingRequiredFields) {
  const auto errors = errors_of(R"({"hosts": [{"name": "A", "ip": "10.0.0.1"}], "members": [{"name": "e", "host": "A", "flags": "etcd"}]})");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("missing required key \"name\""), std::string::npos);
  EXPECT_NE(errors[1].find("missing required key \"description\""), std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"start": "etcd1"}])")).find("$.timeline[0]: missing required key \"at\""),
            std::string::npos);
}

TEST(LoaderErrors, TimelineReferencesAreChecked) {
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "start": ["etcd1", "ectd2"]}])"))
                .find("$.timeline[0].start[1]: unknown member \"ectd2\": members are etcd1"),
            std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "start": ["etcd"]}])")).find("did you mean \"etcd1\"?"), std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "kill_host": "C"}])")).find("unknown host \"C\": hosts are A, B"),
            std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "start": ["etcd1", "etcd1"]}])")).find("listed twice"), std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "partition": [["A"], ["A", "B"]]}])")).find("is in two groups"),
            std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "run": {"member": "etcd9", "flags": "etcd"}}])")).find("unknown member \"etcd9\""),
            std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "etcdctl": "put a b", "endpoints": ["etcd2"]}])")).find("unknown member"),
            std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "etcdctl": "put a b", "endpoints": ["http://x"]}])")).find("invalid endpoint URL"),
            std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "shell": {"host": "A"}}])")).find("shell changes nothing"), std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "heal": false}])")).find("\"heal\" must be true"), std::string::npos);
}

TEST(LoaderErrors, TimelineEntryNeedsExactlyOneAction) {
  EXPECT_NE(only_error(base("", R"([{"at": "1s"}])")).find("timeline entry has no action"), std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "start": "etcd1", "kill_host": "A"}])"))
                .find("timeline entry has 2 actions (start, kill_host)"),
            std::string::npos);
  EXPECT_NE(only_error(base("", R"([{"at": "1s", "start": "etcd1", "endpoints": ["etcd1"]}])"))
                .find("\"endpoints\" belongs to an \"etcdctl\" entry"),
            std::string::npos);
}

TEST(LoaderErrors, DurationsAreChecked) {
  EXPECT_NE(only_error(base("", R"([{"at": "5 sec", "start": "etcd1"}])"))
                .find("$.timeline[0].at: malformed duration \"5 sec\" \xE2\x80\x94 write a number followed by a unit"),
            std::string::npos);
  const std::string late = R"({"name": "t", "description": "d", "duration": "10s",
    "hosts": [{"name": "A", "ip": "10.0.0.1"}], "members": [{"name": "e", "host": "A", "flags": "etcd"}],
    "timeline": [{"at": "11s", "start": "e"}]})";
  EXPECT_NE(only_error(late).find("timeline entry at 11s is after the end of the run (duration 10s)"), std::string::npos);
  EXPECT_NE(only_error(R"({"name": "t", "description": "d", "network": {"inter_host_latency": {"min": "2ms", "max": "1ms"}},
    "hosts": [{"name": "A", "ip": "10.0.0.1"}], "members": [{"name": "e", "host": "A", "flags": "etcd"}]})")
                .find("min 2ms is greater than max 1ms"),
            std::string::npos);
}

TEST(LoaderErrors, ExpectationsAreChecked) {
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "note": "n"}])")).find("expectation asserts nothing"), std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "get": {"via": "etcd1", "key": "/k"}}])"))
                .find("\"get\" does not say what to expect"),
            std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "get": {"via": "etcd1", "key": "/k", "value": "v", "found": false}}])"))
                .find("contradicts"),
            std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "leader_on_host": "Z"}])")).find("unknown host \"Z\""), std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "members": {"etcd7": ["a"]}}])")).find("unknown member \"etcd7\""),
            std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "leaders": -1}])")).find("expected a whole number"), std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "put": {"via": "etcd1", "key": "/k"}}])")).find("missing required key \"value\""),
            std::string::npos);
}

// Leader-relative host actions and expectations (scenarios/README.md): "leader" as a host
// to kill/restore or a host_down target, and the keys leader_not_on_host,
// leader_changed_since, term_at_least.
TEST(Loader, LeaderRelativeActionsAndExpectationsAreTyped) {
  const Scenario s = load_ok(base("", R"([{"at": "1s", "start": "etcd1"}, {"at": "5s", "kill_host": "leader"},
                                          {"at": "9s", "restore_host": "leader"}])",
                                  R"([{"at": "8s", "leader_not_on_host": "B", "leader_changed_since": "4500ms",
                                       "term_at_least": 3}])"));
  ASSERT_EQ(s.timeline.size(), 3u);
  const auto& kill = std::get<HostAction>(s.timeline[1].action);
  EXPECT_EQ(kill.op, HostOp::kKill);
  EXPECT_EQ(kill.host, kLeaderHost);
  EXPECT_EQ(std::get<HostAction>(s.timeline[2].action).op, HostOp::kRestore);
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_EQ(s.expect[0].leader_not_on_host, "B");
  EXPECT_EQ(s.expect[0].leader_changed_since, 4'500'000'000);
  EXPECT_EQ(s.expect[0].term_at_least, 3);
  const Scenario f = load_ok(R"({"name": "t", "description": "d", "hosts": [{"name": "A", "ip": "10.0.0.1"}],
    "members": [{"name": "etcd1", "host": "A", "flags": "etcd"}], "timeline": [{"at": "0s", "start": "etcd1"}],
    "faults": [{"at": "2s", "kind": "host_down", "target": "leader", "duration": "1s"}]})");
  ASSERT_EQ(f.faults.size(), 1u);
  EXPECT_EQ(f.faults[0].target, kLeaderTarget);
}

TEST(LoaderErrors, LeaderRelativeKeysAreChecked) {
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "leader_not_on_host": "Z"}])")).find("unknown host \"Z\""),
            std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "5s", "leader_changed_since": "5s", "leaders": 1}])"))
                .find("$.expect[0].leader_changed_since: leader_changed_since must be earlier than the expectation's \"at\""),
            std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "5s", "leader_changed_since": "soon"}])")).find("malformed duration"),
            std::string::npos);
  EXPECT_NE(only_error(base("", "[]", R"([{"at": "1s", "term_at_least": -1}])")).find("expected a whole number"),
            std::string::npos);
  // A host named "leader" makes "leader" ambiguous: refused, as a member so named is for crash.
  const std::string named = R"({"name": "t", "description": "d", "hosts": [{"name": "leader", "ip": "10.0.0.1"}],
    "members": [{"name": "etcd1", "host": "leader", "flags": "etcd"}], )";
  EXPECT_NE(only_error(named + R"("timeline": [{"at": "1s", "kill_host": "leader"}]})")
                .find("$.timeline[0].kill_host: \"leader\" here means the host of whichever member leads, and a host is "
                      "also named \"leader\" \xE2\x80\x94 rename that host"),
            std::string::npos);
  EXPECT_NE(only_error(named + R"("faults": [{"at": "1s", "kind": "host_down", "target": "leader", "duration": "1s"}]})")
                .find("$.faults[0].target: \"leader\" here means the host of whichever member leads"),
            std::string::npos);
}

TEST(LoaderErrors, ReportsManyErrorsCappedAtTwenty) {
  std::string timeline = "[";
  for (int i = 0; i < 30; ++i) timeline += std::string(i ? "," : "") + R"({"at": "1s", "start": "nope"})";
  timeline += "]";
  LoadResult r = load_string(base("", timeline), "x.json");
  EXPECT_EQ(r.errors.size(), kMaxLoadErrors);
  EXPECT_TRUE(r.truncated);
}

TEST(LoaderErrors, MissingFileIsAnError) {
  LoadResult r = load_file("/nonexistent/raftlab/x.json");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(format(r.errors[0]).find("cannot open the file"), std::string::npos);
  LoadResult dir = load_file("/tmp");
  ASSERT_EQ(dir.errors.size(), 1u);
  EXPECT_NE(format(dir.errors[0]).find("is a directory"), std::string::npos);
}

TEST(EditDistance, DamerauOsa) {
  EXPECT_EQ(edit_distance("hots", "host"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(closest_match("hots", {"name", "host", "docker"}), "host");
  EXPECT_EQ(closest_match("dock", {"name", "host", "docker"}), "docker");  // prefix
  EXPECT_EQ(closest_match("x", {"at", "note"}), "");
}

}  // namespace
}  // namespace raftlab::scenario
