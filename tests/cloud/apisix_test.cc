// tests/cloud/apisix_test.cc — APISIX on the simulated cloud: config.yaml and curl lines
// refused with the line and the fix (exit-2 bad input), and the every-node-leader split seen
// from the gateways (over seeds, both outcomes happen: the route reaches gateway 2 or not).
#include <gtest/gtest.h>

#include "sim/cloud/apisix.h"
#include "sim/cloud/cfn.h"
#include "sim/cloud/cloud.h"
#include "sim/deploy.h"
#include "sim/scenario/loader.h"

namespace raftlab::cloud {
namespace {

std::string read_template_for_test(const std::string& text) {
  auto r = read_template(text, "t.yaml", {});
  std::string out;
  for (const auto& e : r.errors) out += format(e) + "\n";
  return out;
}

TEST(ApisixConfig, ReadsTheDeploymentSectionsAndRefusesUnknownKeysWithTheLine) {
  auto ok = parse_apisix_config(
      "deployment:\n  etcd:\n    host: [\"http://etcd-nlb:2379\"]\n    prefix: /apisix\n    watch_timeout: 40\n"
      "  admin:\n    admin_key:\n      - {name: admin, key: \"12345\", role: admin}\nnginx_config: {}\n",
      "config.yaml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok.value().etcd_hosts, std::vector<std::string>{"http://etcd-nlb:2379"});
  EXPECT_EQ(ok.value().watch_timeout_s, 40);
  EXPECT_EQ(ok.value().timeout_s, 30) << "APISIX's default";
  ASSERT_EQ(ok.value().admin_keys.size(), 1u);
  EXPECT_EQ(ok.value().not_modelled, std::vector<std::string>{"nginx_config"});

  auto bad = parse_apisix_config("deployment:\n  etcd:\n    hots: [\"http://x:2379\"]\n", "config.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("config.yaml:3:5 deployment.etcd.hots: unknown key"), std::string::npos)
      << bad.error().message;
  EXPECT_EQ(bad.error().fix, "did you mean \"host\"?");

  auto old = parse_apisix_config("etcd:\n  host: [\"http://x:2379\"]\n", "c.yaml");
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.error().message.find("APISIX 2.x layout"), std::string::npos);
  auto tls = parse_apisix_config("deployment:\n  etcd:\n    host: [\"https://x:2379\"]\n", "c.yaml");
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.error().fix.find("TLS"), std::string::npos);
}

TEST(ApisixCurl, ParsesTheOperatorsLineAndRefusesWhatItCannotCarryOut) {
  auto c = parse_curl({"curl", "-i", "-X", "PUT", "http://gw1:9180/apisix/admin/routes/1", "-H", "X-API-KEY: 12345", "-d",
                       "{\"uri\": \"/ip\"}"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c.value().method, "PUT");
  EXPECT_EQ(c.value().host, "gw1");
  EXPECT_EQ(c.value().port, 9180);
  EXPECT_EQ(c.value().path, "/apisix/admin/routes/1");
  EXPECT_EQ(c.value().headers.at("x-api-key"), "12345");
  EXPECT_TRUE(c.value().include_headers);

  auto notjson = parse_curl({"curl", "-X", "PUT", "http://gw1:9180/apisix/admin/routes/1", "-d", "{uri: /ip"});
  ASSERT_FALSE(notjson.ok());
  EXPECT_NE(notjson.error().message.find("not a JSON object"), std::string::npos);
  auto opt = parse_curl({"curl", "--retry", "3", "http://gw1:9080/ip"});
  ASSERT_FALSE(opt.ok());
  EXPECT_NE(opt.error().message.find("--retry"), std::string::npos);
  auto nourl = parse_curl({"curl", "-i"});
  ASSERT_FALSE(nourl.ok());
  EXPECT_EQ(nourl.error().message, "curl: no URL specified!");
  auto port = parse_curl({"curl", "http://gw1:99999/ip"});
  ASSERT_FALSE(port.ok());
}

// A scenario's curl line to a host that is no gateway, and a bad config key, are load errors.
TEST(ApisixScenario, BadCurlLinesAndConfigAreErrorsNamingThePath) {
  const std::string dir = RAFTLAB_SOURCE_DIR "/scenarios/apisix/";
  auto lr = scenario::load_file(dir + "01-route-sync-healthy.json");
  ASSERT_TRUE(lr.ok());
  scenario::Scenario s = *lr.scenario;
  auto& t = s.timeline.front();
  std::get<scenario::ExtAction>(t.action).value = "curl http://$GW_INST_3:9080/ip";
  sim::RunOptions o;
  o.extension = extension_factory();
  std::vector<scenario::LoadError> errors;
  EXPECT_EQ(sim::Deployment::build(s, o, &errors), nullptr);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.front().path, t.path + ".curl");
  EXPECT_NE(errors.front().message.find("$GW_INST_3 is not set"), std::string::npos) << errors.front().message;

  s = *lr.scenario;
  (*s.cloud)["apisix"].erase("config");
  (*s.cloud)["apisix"]["config_text"] = "deployment:\n  etcd:\n    host: [\"http://etcd-nlb:2379\"]\n    prefx: /apisix\n";
  errors.clear();
  EXPECT_EQ(sim::Deployment::build(s, o, &errors), nullptr);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(scenario::format(errors.front()).find("deployment.etcd.prefx"), std::string::npos) << scenario::format(errors.front());
  EXPECT_NE(scenario::format(errors.front()).find("did you mean \"prefix\"?"), std::string::npos);
}

// On the every-node-leader split, whether gateway 2 serves the route 30 s after it was
// written through gateway 1 depends on where the connections landed: over 40 seeds both
// outcomes occur; on the healthy cluster it always does.
TEST(ApisixScenario, SplitMakesGatewayTwoMissTheRouteOnSomeSeedsAndTheHealthyClusterNever) {
  const std::string dir = RAFTLAB_SOURCE_DIR "/scenarios/apisix/";
  auto served = [&](const std::string& file, std::uint64_t seed) {
    auto lr = scenario::load_file(dir + file);
    EXPECT_TRUE(lr.ok());
    scenario::Scenario s = *lr.scenario;
    scenario::Expectation e;
    e.at_ns = 330'000'000'000;
    e.path = "$.expect[99]";
    e.ext["route"] = {{"gateway", "gw2"}, {"path", "/ip"}, {"status", 200}};
    s.expect.push_back(e);
    sim::RunOptions o;
    o.seed = seed;
    o.extension = extension_factory();
    std::vector<scenario::LoadError> errors;
    auto d = sim::Deployment::build(s, o, &errors);
    EXPECT_TRUE(d);
    if (!d) return false;
    const auto r = d->run();
    for (const auto& x : r.expectations)
      if (x.path == "$.expect[99].route") return x.passed;
    ADD_FAILURE() << "the route expectation was not judged";
    return false;
  };
  int split_served = 0, healthy_served = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    split_served += served("02-route-split-every-node-leader.json", seed);
    healthy_served += served("01-route-sync-healthy.json", seed);
  }
  EXPECT_EQ(healthy_served, 40);
  EXPECT_GT(split_served, 0);
  EXPECT_LT(split_served, 40);
}

// A dig line without records to answer it, and a weighted record without SetIdentifier.
TEST(Route53, DigNeedsRecordsAndWeightedRecordsNeedASetIdentifier) {
  const std::string dir = RAFTLAB_SOURCE_DIR "/scenarios/apisix/";
  auto lr = scenario::load_file(dir + "01-route-sync-healthy.json");
  ASSERT_TRUE(lr.ok());
  scenario::Scenario s = *lr.scenario;
  std::get<scenario::ExtAction>(s.timeline.front().action) = scenario::ExtAction{"dig", "dig gw.dwoong.com"};
  sim::RunOptions o;
  o.extension = extension_factory();
  std::vector<scenario::LoadError> errors;
  EXPECT_EQ(sim::Deployment::build(s, o, &errors), nullptr);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.front().message.find("no AWS::Route53::RecordSet"), std::string::npos) << errors.front().message;

  auto r = read_template_for_test(
      "Resources:\n  R: {Type: AWS::Route53::RecordSet, Properties: {HostedZoneName: x.com., Name: gw.x.com, Type: A,"
      " Weight: 10, ResourceRecords: [1.2.3.4]}}\n");
  EXPECT_NE(r.find("SetIdentifier"), std::string::npos) << r;
}

// SRV record sets: Route 53's "priority weight port domain-name" values; anything else is
// refused with the format, and a weighted SRV set is not modelled.
TEST(Route53, SrvRecordValuesAreCheckedAndWeightedSrvSetsRefused) {
  const std::string ok = read_template_for_test(
      "Resources:\n  S: {Type: AWS::Route53::RecordSet, Properties: {HostedZoneName: x.com., Name: _etcd-server._tcp.x.com,"
      " Type: SRV, ResourceRecords: [\"0 0 2380 etcd1.x.com\"]}}\n");
  EXPECT_EQ(ok, "") << ok;
  for (const char* bad : {"0 0 etcd1.x.com", "0 0 70000 etcd1.x.com", "a b c d", "0 0 2380 etcd1.x.com extra"}) {
    const std::string r = read_template_for_test(
        std::string("Resources:\n  S: {Type: AWS::Route53::RecordSet, Properties: {HostedZoneName: x.com., Name: s.x.com,"
                    " Type: SRV, ResourceRecords: [\"") + bad + "\"]}}\n");
    EXPECT_NE(r.find("is not \"priority weight port domain-name\""), std::string::npos) << bad << ": " << r;
  }
  const std::string w = read_template_for_test(
      "Resources:\n  S: {Type: AWS::Route53::RecordSet, Properties: {HostedZoneName: x.com., Name: s.x.com, Type: SRV,"
      " SetIdentifier: a, Weight: 1, ResourceRecords: [\"0 0 2380 e.x.com\"]}}\n");
  EXPECT_NE(w.find("weighted or health-checked SRV record sets are not modelled"), std::string::npos) << w;
  const std::string t = read_template_for_test(
      "Resources:\n  S: {Type: AWS::Route53::RecordSet, Properties: {HostedZoneName: x.com., Name: s.x.com, Type: TXT,"
      " ResourceRecords: [\"v\"]}}\n");
  EXPECT_NE(t.find("only A and SRV records are modelled"), std::string::npos) << t;
}

// The zone's records are the DNS a --discovery-srv member resolves through: the three members
// of discovery/srv-route53.json find each other from Route 53 alone and form one cluster;
// the root cause says where their initial cluster came from.
TEST(Route53, SrvRecordsFillTheDnsTableMembersBootstrapFrom) {
  auto lr = scenario::load_file(RAFTLAB_SOURCE_DIR "/scenarios/discovery/srv-route53.json");
  ASSERT_TRUE(lr.ok());
  EXPECT_FALSE(lr.scenario->dns.has_value()) << "the scenario has no dns table of its own";
  sim::RunOptions o;
  o.extension = extension_factory();
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, o, &errors);
  ASSERT_TRUE(d) << (errors.empty() ? "" : scenario::format(errors.front()));
  const sim::RunResult r = d->run();
  EXPECT_TRUE(r.passed);
  int srv = 0;
  for (const auto& e : d->world().trace().events())
    if (e.kind == sim::Ev::Log && e.b == "got bootstrap from DNS for etcd-server") ++srv;
  EXPECT_EQ(srv, 9) << "three members, three records each";

  // A record in both the zone and the scenario's dns table is refused at load time.
  scenario::Scenario s = *lr.scenario;
  s.dns = scenario::Dns{};
  s.dns->a["etcd1.etcd.internal"] = "10.0.1.11";
  s.dns->path = "$.dns";
  errors.clear();
  EXPECT_EQ(sim::Deployment::build(s, o, &errors), nullptr);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.front().message.find("is in both the scenario's dns table and the template's Route 53 record Etcd1A"),
            std::string::npos)
      << errors.front().message;
}

}  // namespace
}  // namespace raftlab::cloud
