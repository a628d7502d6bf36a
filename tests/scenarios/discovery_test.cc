// Discovery bootstrap through the whole stack (issue 27): the scenario's `dns` and
// `discovery_services`, bad input (exit 2 at load or build, naming the path and the fix),
// and the failures etcd's v2discovery client meets — each with etcd's wording in the
// member's log (docs/etcd-behaviour.md §5b).
#include <gtest/gtest.h>

#include <string>

#include "sim/deploy.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

// Three bare etcd members on three hosts and a discovery service on "disco".
std::string scenario(const std::string& token_spec, const std::string& extra_flags = "", const std::string& more = "",
                     const std::string& durl = "http://10.0.0.9:2379/v2/keys/discovery/t1") {
  std::string members;
  for (int i = 1; i <= 3; ++i) {
    const std::string n = "etcd" + std::to_string(i), ip = "10.0.2.1" + std::to_string(i);
    members += std::string(i > 1 ? "," : "") + R"({"name": ")" + n + R"(", "host": "H)" + std::to_string(i) +
               R"(", "flags": "etcd --name )" + n + " --discovery " + durl + " --initial-advertise-peer-urls http://" + ip +
               ":2380 --listen-peer-urls http://" + ip + ":2380 --listen-client-urls http://" + ip +
               ":2379 --advertise-client-urls http://" + ip + ":2379" + extra_flags + R"("})";
  }
  return R"({"name": "d", "description": "d", "duration": "40s",
    "hosts": [{"name": "disco", "ip": "10.0.0.9"}, {"name": "H1", "ip": "10.0.2.11"}, {"name": "H2", "ip": "10.0.2.12"},
              {"name": "H3", "ip": "10.0.2.13"}],
    "discovery_services": [{"host": "disco", "port": 2379, "tokens": {"/v2/keys/discovery/t1": )" +
         token_spec + R"(}}],
    "members": [)" + members + R"(],
    "timeline": [{"at": "0s", "start": ["etcd1", "etcd2", "etcd3"]})" + more + R"(]})";
}

struct Ran {
  sim::RunResult r;
  std::vector<std::string> logs;  // "who level msg fields"
};

Ran run(const std::string& text) {
  auto l = scenario::load_string(text, "d.json");
  EXPECT_TRUE(l.ok()) << (l.errors.empty() ? "" : scenario::format(l.errors[0]));
  Ran out;
  if (!l.ok()) return out;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*l.scenario, sim::RunOptions{}, &errors);
  EXPECT_NE(d, nullptr) << (errors.empty() ? "" : scenario::format(errors[0]));
  if (!d) return out;
  out.r = d->run();
  for (const auto& e : d->world().trace().events())
    if (e.kind == sim::Ev::Log) out.logs.push_back(e.who + " " + e.a + " " + e.b + " " + e.c);
  return out;
}

bool logged(const Ran& x, const std::string& who, const std::string& words) {
  for (const auto& l : x.logs)
    if (l.rfind(who + " ", 0) == 0 && l.find(words) != std::string::npos) return true;
  return false;
}

std::size_t running(const Ran& x) {
  std::size_t n = 0;
  for (const auto& m : x.r.members) n += m.running;
  return n;
}

TEST(Discovery, ThreeMembersFormOneClusterThroughTheirToken) {
  const Ran x = run(scenario(R"({"size": 3})"));
  EXPECT_EQ(running(x), 3u);
  std::set<std::uint64_t> clusters;
  for (const auto& m : x.r.members) clusters.insert(m.cluster_id);
  EXPECT_EQ(clusters.size(), 1u);
  EXPECT_TRUE(logged(x, "etcd1", "found all needed peers from discovery server"));
}

TEST(Discovery, ATokenOfSizeFourWaitsForever) {
  const Ran x = run(scenario(R"({"size": 4})"));
  EXPECT_EQ(running(x), 0u);
  EXPECT_TRUE(logged(x, "etcd3", "found peers from discovery server; waiting for more"));
  EXPECT_TRUE(logged(x, "etcd3", "needed-peers=1"));
}

TEST(Discovery, SizeMissingOrBadFailsWithEtcdsWords) {
  const Ran none = run(scenario("{}"));
  EXPECT_EQ(running(none), 0u);
  EXPECT_TRUE(logged(none, "etcd1", "failed to join discovery cluster (100: Key not found (/discovery/t1) [1])"));
  EXPECT_TRUE(logged(none, "etcd1", "failed to bootstrap; discovery token was already used"));
  const Ran bad = run(scenario(R"({"size": "three"})"));
  EXPECT_TRUE(logged(bad, "etcd1", "failed to join discovery cluster (discovery: size key is bad)"));
}

TEST(Discovery, ServiceHostDownTimesOutAfterFiveSecondsAndExits) {
  const Ran x = run(scenario(R"({"size": 3})", "", R"(, {"at": "0s", "kill_host": "disco"})"));
  EXPECT_EQ(running(x), 0u);
  EXPECT_TRUE(logged(x, "etcd1", "failed to join discovery cluster (context deadline exceeded)"));
}

TEST(Discovery, NothingListeningIsRetriedWithBackoff) {
  // The URL names host H1's address, where no discovery service listens: connection refused,
  // a ClusterError, retried after 2 s, 4 s, 8 s, ...
  const Ran x = run(scenario(R"({"size": 3})", "", "", "http://10.0.2.11:4001/v2/keys/discovery/t1"));
  EXPECT_EQ(running(x), 0u);
  EXPECT_TRUE(logged(x, "etcd2", "failed to get from discovery server"));
  EXPECT_TRUE(logged(x, "etcd2", "connect: connection refused"));
  EXPECT_TRUE(logged(x, "etcd2", "retry connecting to discovery service url=http://10.0.2.11:4001 reason=cluster status check backoff=2s"));
  EXPECT_TRUE(logged(x, "etcd2", "backoff=16s"));
}

TEST(Discovery, ExistingStateWithDiscoveryIsRefused) {
  const Ran x = run(scenario(R"({"size": 3})", " --initial-cluster-state existing"));
  EXPECT_TRUE(logged(x, "etcd1", "discovery URL should not be set when joining existing initial cluster"));
}

TEST(Discovery, ExplicitInitialClusterConflicts) {
  // embed.Config.Validate: ErrConflictBootstrapFlags, a configuration etcd refuses at start.
  const Ran x = run(scenario(R"({"size": 3})", " --initial-cluster etcd1=http://10.0.2.11:2380"));
  ASSERT_FALSE(x.r.config_errors.empty());
  EXPECT_EQ(x.r.config_errors[0].member, "etcd1");
  EXPECT_NE(x.r.config_errors[0].error.find("multiple discovery or bootstrap flags are set"), std::string::npos)
      << x.r.config_errors[0].error;
  EXPECT_FALSE(x.r.passed);
}

// ---- bad input: exit 2 before the run, with the path and the fix.

std::vector<scenario::LoadError> build_errors(const std::string& text) {
  auto l = scenario::load_string(text, "d.json");
  if (!l.ok()) return l.errors;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*l.scenario, sim::RunOptions{}, &errors);
  EXPECT_EQ(d, nullptr);
  return errors;
}

TEST(DiscoveryInput, MalformedDiscoveryUrlIsRefusedWithTheMembersPath) {
  for (const std::string url : {"10.0.0.9:2379/v2/keys/discovery/t1", "http://10.0.0.9:2379", "http://10.0.0.9:99999/x",
                                "ftp://10.0.0.9/x"}) {
    const auto e = build_errors(scenario(R"({"size": 3})", "", "", url));
    ASSERT_FALSE(e.empty()) << url;
    EXPECT_EQ(e[0].path, "$.members[0].flags") << url;
    EXPECT_NE(e[0].message.find("--discovery"), std::string::npos) << e[0].message;
    EXPECT_NE(e[0].fix.find("--discovery=http://"), std::string::npos) << e[0].fix;
  }
}

TEST(DiscoveryInput, SrvDomainMustBeADomain) {
  std::string s = scenario(R"({"size": 3})");
  const std::string from = "--discovery http://10.0.0.9:2379/v2/keys/discovery/t1";
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from)) s.replace(p, from.size(), "--discovery-srv http://example.com/");
  const auto e = build_errors(s);
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e[0].path, "$.members[0].flags");
  EXPECT_NE(e[0].message.find("is not a DNS domain"), std::string::npos) << e[0].message;
}

TEST(DiscoveryInput, LoaderChecksDnsAndServices) {
  struct Case {
    const char* body;
    const char* path;
  } cases[] = {
      {R"("dns": {"a": {"bad_name": "10.0.0.1"}})", "$.dns.a.bad_name"},
      {R"("dns": {"a": {"etcd1.example.com": "10.0.0"}})", "$.dns.a[\"etcd1.example.com\"]"},
      {R"("dns": {"srv": {"etcd-server.example.com": ["a.example.com:2380"]}})", "$.dns.srv[\"etcd-server.example.com\"]"},
      {R"("dns": {"srv": {"_etcd-server._tcp.example.com": ["a.example.com"]}})", "$.dns.srv[\"_etcd-server._tcp.example.com\"][0]"},
      {R"("dns": {"txt": {}})", "$.dns.txt"},
      {R"("discovery_services": [{"host": "nowhere", "tokens": {}}])", "$.discovery_services[0].host"},
      {R"("discovery_services": [{"host": "A", "port": 0, "tokens": {}}])", "$.discovery_services[0].port"},
      {R"("discovery_services": [{"host": "A", "tokens": {"no-slash": {"size": 3}}}])", "$.discovery_services[0].tokens[\"no-slash\"]"},
      {R"("discovery_services": [{"host": "A", "tokens": {"/t": {"size": -1}}}])", "$.discovery_services[0].tokens[\"/t\"].size"},
      {R"("discovery_services": {"host": "A"})", "$.discovery_services"},
  };
  for (const Case& c : cases) {
    const std::string text = std::string(R"({"name": "d", "description": "d", "hosts": [{"name": "A", "ip": "10.0.0.1"}],
      "members": [{"name": "etcd1", "host": "A", "flags": "etcd"}], )") + c.body + "}";
    auto l = scenario::load_string(text, "d.json");
    ASSERT_FALSE(l.ok()) << c.body;
    EXPECT_EQ(l.errors[0].path, c.path) << c.body << " -> " << scenario::format(l.errors[0]);
    EXPECT_FALSE(l.errors[0].fix.empty()) << c.body;
  }
}

}  // namespace
}  // namespace raftlab
