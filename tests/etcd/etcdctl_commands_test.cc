// etcdctl as an operator types it (issue 23 item 6): argument checks with etcdctl 3.5's
// wording and exit codes (ctlv3/command/*_command.go, pkg/cobrautl: 1 ExitError,
// 4 ExitBadFeature, 128 ExitBadArgs), the `%16x` padding of member add/remove, the
// client-side peer-URL check (types.NewURLs), `-w json` as encoding/json prints the gRPC
// responses, `endpoint health`, `--cluster` and `--command-timeout`. The expected strings
// were printed by a real etcdctl 3.4.23 on this machine (docs/etcd-behaviour.md).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "sim/deploy.h"
#include "sim/etcdctl.h"
#include "sim/etcdctl_format.h"
#include "sim/scenario/loader.h"
#include "tests/common/etcdctl_world.h"

namespace raftlab {
namespace {

using sim::parse_etcdctl;

TEST(EtcdctlParse, MemberRemoveTakesOnlyAHexId) {
  auto c = parse_etcdctl("member remove etcd2");
  EXPECT_EQ(c.error, "bad member ID arg (strconv.ParseUint: parsing \"etcd2\": invalid syntax), expecting ID in Hex");
  EXPECT_EQ(c.exit_code, 128);
  EXPECT_FALSE(c.not_modelled);
  c = parse_etcdctl("member remove 8c2e8ef98ca79bf2");
  EXPECT_TRUE(c.error.empty()) << c.error;
  EXPECT_EQ(c.req.member_id, 0x8c2e8ef98ca79bf2ULL);
  EXPECT_EQ(parse_etcdctl("member remove").error, "member ID is not provided");
  EXPECT_EQ(parse_etcdctl("member remove 1ffffffffffffffff").exit_code, 128);
}

TEST(EtcdctlParse, PeerUrlsAreCheckedByTheClientBeforeSending) {
  auto err = [](const std::string& urls) { return parse_etcdctl("member add x --peer-urls=" + urls); };
  EXPECT_EQ(err("foo").error, "URL scheme must be http, https, unix, or unixs: foo");
  EXPECT_EQ(err("foo").exit_code, 1);
  EXPECT_EQ(err("http://1.2.3.4").error, "URL address does not have the form \"host:port\": http://1.2.3.4");
  EXPECT_EQ(err("http://1.2.3.4:1/p").error, "URL must not contain a path: http://1.2.3.4:1/p");
  EXPECT_EQ(err("http://a:2380,").error, "URL scheme must be http, https, unix, or unixs: ");
  EXPECT_EQ(err("").error, "member peer urls not provided");
  EXPECT_EQ(err("").exit_code, 128);
  EXPECT_TRUE(err("http://10.0.0.1:2380,https://[::1]:2380").error.empty());
  EXPECT_EQ(parse_etcdctl("member add").error, "member name not provided");
  EXPECT_EQ(parse_etcdctl("member add x http://10.0.0.1:2380").error,
            "too many arguments, did you mean --peer-urls=http://10.0.0.1:2380");
}

TEST(EtcdctlParse, OutputFormatsAreHonouredOrRefusedNeverIgnored) {
  EXPECT_EQ(parse_etcdctl("member list -w yaml").error, "unsupported output format");
  EXPECT_EQ(parse_etcdctl("member list -w yaml").exit_code, 4);
  EXPECT_TRUE(parse_etcdctl("member list -w fields").not_modelled);
  EXPECT_TRUE(parse_etcdctl("member list --write-out=json").error.empty());
  EXPECT_EQ(parse_etcdctl("member list -wjson").write_out, "json");
  EXPECT_EQ(parse_etcdctl("member list -w").error, "flag needs an argument: 'w' in -w");
}

TEST(EtcdctlParse, CommandsTheModelLacksAreRefusedByName) {
  auto c = parse_etcdctl("del a");
  EXPECT_TRUE(c.not_modelled);
  EXPECT_EQ(c.error, "etcdctl del a is not modelled by raftlab");
  EXPECT_TRUE(parse_etcdctl("move-leader 12").not_modelled);
  EXPECT_TRUE(parse_etcdctl("get a --rev=3").not_modelled);
  EXPECT_TRUE(parse_etcdctl("get a --prefix").not_modelled);  // linearizable range
  EXPECT_TRUE(parse_etcdctl("get a --prefix --consistency=s").error.empty());
  c = parse_etcdctl("gte a");
  EXPECT_FALSE(c.not_modelled);
  EXPECT_EQ(c.error, "unknown command \"gte\" for \"etcdctl\"\n\nDid you mean this?\n\tget");
  EXPECT_EQ(parse_etcdctl("get -x k").error, "unknown shorthand flag: 'x' in -x");
  EXPECT_EQ(parse_etcdctl("get k --consistency=q").error, "unknown consistency flag \"q\"");
  EXPECT_EQ(parse_etcdctl("get k --consistency=q").exit_code, 4);
  EXPECT_EQ(parse_etcdctl("put k").error, "put command needs 1 argument and input from stdin or 2 arguments");
}

TEST(EtcdctlParse, CommandTimeoutIsAGoDuration) {
  EXPECT_EQ(parse_etcdctl("get k --command-timeout=1500ms").command_timeout, sim::millis(1500));
  EXPECT_EQ(parse_etcdctl("--command-timeout 2m get k").command_timeout, sim::seconds(120));
  EXPECT_EQ(parse_etcdctl("get k").command_timeout, sim::seconds(5));
  EXPECT_EQ(parse_etcdctl("--command-timeout=abc get k").error,
            "invalid argument \"abc\" for \"--command-timeout\" flag: time: invalid duration \"abc\"");
}

TEST(EtcdctlFormat, GoDurationStringMatchesTimeDurationString) {
  EXPECT_EQ(sim::go_duration_string(0), "0s");
  EXPECT_EQ(sim::go_duration_string(850), "850ns");
  EXPECT_EQ(sim::go_duration_string(1'351'135), "1.351135ms");
  EXPECT_EQ(sim::go_duration_string(12'500), "12.5\xC2\xB5s");
  EXPECT_EQ(sim::go_duration_string(2'000'000'000), "2s");
  EXPECT_EQ(sim::go_duration_string(61'500'000'000), "1m1.5s");
  EXPECT_EQ(sim::go_duration_string(3'600'000'000'000), "1h0m0s");
}

// Printed by etcdctl 3.4.23 against a one-member etcd 3.4.23 here.
TEST(EtcdctlJson, MemberListAndAddAreEncodingJsonOfTheResponse) {
  const etcdctl::ResponseHeader h{324952591200643719ULL, 3319814642761637952ULL, 0, 2};
  const etcdctl::MemberRow e1{3319814642761637952ULL, true, "e1", {"http://127.0.0.1:23800"}, {"http://127.0.0.1:23790"}, false};
  const etcdctl::MemberRow unstarted{4407963245797384833ULL, false, "", {"http://127.0.0.1:23805"}, {}, false};
  EXPECT_EQ(etcdctl::json_member_list(h, {e1}),
            R"({"header":{"cluster_id":324952591200643719,"member_id":3319814642761637952,"raft_term":2},"members":[{"ID":3319814642761637952,"name":"e1","peerURLs":["http://127.0.0.1:23800"],"clientURLs":["http://127.0.0.1:23790"]}]})"
            "\n");
  EXPECT_EQ(etcdctl::json_member_add(h, unstarted, {e1, unstarted}),
            R"({"header":{"cluster_id":324952591200643719,"member_id":3319814642761637952,"raft_term":2},"member":{"ID":4407963245797384833,"peerURLs":["http://127.0.0.1:23805"]},"members":[{"ID":3319814642761637952,"name":"e1","peerURLs":["http://127.0.0.1:23800"],"clientURLs":["http://127.0.0.1:23790"]},{"ID":4407963245797384833,"peerURLs":["http://127.0.0.1:23805"]}]})"
            "\n");
}

TEST(EtcdctlJson, GetPutStatusAndHealth) {
  const etcdctl::ResponseHeader h{324952591200643719ULL, 3319814642761637952ULL, 3, 2};
  EXPECT_EQ(etcdctl::json_get(h, {{"a", "1", 2, 2, 1}}, false),
            R"({"header":{"cluster_id":324952591200643719,"member_id":3319814642761637952,"revision":3,"raft_term":2},"kvs":[{"key":"YQ==","create_revision":2,"mod_revision":2,"version":1,"value":"MQ=="}],"count":1})"
            "\n");
  EXPECT_EQ(etcdctl::json_get(h, {}, false),
            R"({"header":{"cluster_id":324952591200643719,"member_id":3319814642761637952,"revision":3,"raft_term":2}})"
            "\n");
  EXPECT_EQ(etcdctl::json_put({324952591200643719ULL, 3319814642761637952ULL, 4, 2}),
            R"({"header":{"cluster_id":324952591200643719,"member_id":3319814642761637952,"revision":4,"raft_term":2}})"
            "\n");
  etcdctl::EndpointStatusRow s;
  s.endpoint = "http://127.0.0.1:23790";
  s.id = 3319814642761637952ULL;
  s.version = "3.4.23";
  s.db_size_bytes = 20480;
  s.is_leader = true;
  s.leader_id = s.id;
  s.raft_term = 2;
  s.raft_index = 7;
  s.raft_applied_index = 7;
  // Real etcd adds "dbSizeInUse" (not modelled, left out).
  EXPECT_EQ(etcdctl::json_endpoint_status({{s, {324952591200643719ULL, 3319814642761637952ULL, 4, 2}}}),
            R"([{"Endpoint":"http://127.0.0.1:23790","Status":{"header":{"cluster_id":324952591200643719,"member_id":3319814642761637952,"revision":4,"raft_term":2},"version":"3.4.23","dbSize":20480,"leader":3319814642761637952,"raftIndex":7,"raftTerm":2,"raftAppliedIndex":7}}])"
            "\n");
  EXPECT_EQ(etcdctl::json_endpoint_health({{"http://127.0.0.1:23790", true, "1.520146ms", ""}}),
            R"([{"endpoint":"http://127.0.0.1:23790","health":true,"took":"1.520146ms"}])"
            "\n");
  EXPECT_EQ(etcdctl::endpoint_health_table({{"http://127.0.0.1:23790", true, "1.166671ms", ""}}),
            "+------------------------+--------+------------+-------+\n"
            "|        ENDPOINT        | HEALTH |    TOOK    | ERROR |\n"
            "+------------------------+--------+------------+-------+\n"
            "| http://127.0.0.1:23790 |   true | 1.166671ms |       |\n"
            "+------------------------+--------+------------+-------+\n");
  EXPECT_EQ(etcdctl::go_json_string("<a&b>"), R"("\u003ca\u0026b\u003e")");
}

// The commands against the 5-member static bootstrap, run from the operator's machine.
using Ran = test::EtcdctlRan;

std::vector<Ran> run_at_15s(const std::vector<std::string>& commands) {
  std::vector<std::vector<std::string>> argvs;
  for (const auto& c : commands) {
    std::vector<std::string> words;
    std::string cur;
    for (char ch : c + " ") {
      if (ch != ' ') { cur += ch; continue; }
      if (!cur.empty()) words.push_back(cur);
      cur.clear();
    }
    argvs.push_back(words);
  }
  return test::etcdctl_on_static_bootstrap(argvs, {"etcd1"});
}

// The cluster runs with auth on (its etcd1 enables it at ~3 s, Bitnami's RBAC step): the
// operator passes the root credentials, as the reference deployment's own commands do.
TEST(EtcdctlRun, AgainstTheFiveMemberCluster) {
  const auto ran = run_at_15s({
      "--user=root:1234qwer!! --endpoints=http://10.101.99.100:2379 endpoint health --cluster",
      "--user=root:1234qwer!! --endpoints=http://10.101.99.100:2379 endpoint status --cluster -w json",
      "--user=root:1234qwer!! --endpoints=http://10.101.99.100:2379 put k v -w json",
      "--user=root:1234qwer!! --endpoints=http://10.101.99.100:2379 member list -w json",
      "--user=root:1234qwer!! --endpoints=http://10.101.99.100:2379 member remove etcd2",
      "--user=root:1234qwer!! --endpoints=http://10.101.99.100:2379 put k2 v2 -w table",
      "--user=root:1234qwer!! --endpoints=http://10.101.99.100:2379 member add etcd6 --peer-urls=http://10.101.99.101:5380",
      "--endpoints=http://10.101.99.199:2379 --command-timeout=1s endpoint health",
  });
  ASSERT_EQ(ran.size(), 8u);
  // endpoint health --cluster: the five members' client URLs, healthy lines on stdout.
  EXPECT_EQ(ran[0].exit_code, 0) << ran[0].err;
  size_t healthy = 0;
  for (size_t at = ran[0].out.find("is healthy: successfully committed proposal: took = "); at != std::string::npos;
       at = ran[0].out.find("is healthy", at + 1))
    ++healthy;
  EXPECT_EQ(healthy, 5u) << ran[0].out;
  // endpoint status --cluster -w json: an array of five statuses, one leader among them.
  EXPECT_EQ(ran[1].exit_code, 0);
  auto st = nlohmann::json::parse(ran[1].out);
  ASSERT_EQ(st.size(), 5u);
  std::set<std::uint64_t> leaders;
  for (const auto& e : st) leaders.insert(e["Status"]["leader"].get<std::uint64_t>());
  EXPECT_EQ(leaders.size(), 1u);
  EXPECT_FALSE(st[0]["Status"].contains("isLearner"));  // omitempty
  // put -w json: the header with the new revision.
  auto put = nlohmann::json::parse(ran[2].out);
  EXPECT_GT(put["header"]["revision"].get<std::uint64_t>(), 1u);
  EXPECT_EQ(put.size(), 1u);
  auto ml = nlohmann::json::parse(ran[3].out);
  EXPECT_EQ(ml["members"].size(), 5u);
  EXPECT_EQ(ml["header"].count("revision"), 0u);
  // A name where etcdctl wants a hex ID: refused before any request, exit 128.
  EXPECT_EQ(ran[4].exit_code, 128);
  EXPECT_EQ(ran[4].err,
            "Error: bad member ID arg (strconv.ParseUint: parsing \"etcd2\": invalid syntax), expecting ID in Hex\n");
  // -w table for a put: the put is carried out, then the printer refuses (exit 4).
  EXPECT_EQ(ran[5].exit_code, 4);
  EXPECT_EQ(ran[5].err, "Error: table not supported as output format\n");
  // member add prints IDs with "%16x": 16 columns, space-padded.
  ASSERT_EQ(ran[6].exit_code, 0) << ran[6].err;
  const std::string first = ran[6].out.substr(0, ran[6].out.find('\n'));
  EXPECT_EQ(first.size(), std::string("Member ").size() + 16 + std::string(" added to cluster ").size() + 16) << first;
  // An endpoint nobody serves: unhealthy after --command-timeout, on stderr, exit 1.
  EXPECT_EQ(ran[7].exit_code, 1);
  EXPECT_EQ(ran[7].err,
            "http://10.101.99.199:2379 is unhealthy: failed to commit proposal: context deadline exceeded\n"
            "Error: unhealthy cluster\n");
  EXPECT_EQ(ran[7].out, "");
}

}  // namespace
}  // namespace raftlab

namespace raftlab {
namespace {

// A stopped member's endpoint is its own advertised client URL, not the host's 2379 —
// which on a host with two members is the *other* member (a client "dialling etcd2"
// reached etcd1). scale-in-without-remove: etcd2 (host A, client port 3379) stops at 8 s.
TEST(EtcdctlRun, StoppedMembersKeepTheirOwnClientPort) {
  auto lr = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/membership/scale-in-without-remove.json");
  ASSERT_TRUE(lr.ok());
  sim::RunOptions opt;
  opt.stop_at_ns = 17'000'000'000;  // the status call times out after 5 s
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, opt, &errors);
  ASSERT_TRUE(d);
  std::string before, after;
  Ran status;
  sim::World& w = d->world();
  w.loop().at(sim::nanos(5'000'000'000), [&] { before = w.endpoint_url("etcd2"); });
  w.loop().at(sim::nanos(10'000'000'000), [&] {
    after = w.endpoint_url("etcd2");
    sim::run_etcdctl_argv(w, {"etcdctl", "endpoint", "status"}, {"etcd2"}, sim::EtcdctlRun{},
                          [&status](int code, const std::string& o, const std::string& e) { status = Ran{code, o, e}; });
  });
  d->run();
  EXPECT_EQ(before, "http://10.101.99.100:3379");
  EXPECT_EQ(after, "http://10.101.99.100:3379");
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_EQ(status.out, "");  // not etcd1's row
  EXPECT_EQ(status.err.rfind("Failed to get the status of endpoint http://10.101.99.100:3379 (", 0), 0u) << status.err;
}

}  // namespace
}  // namespace raftlab
