// etcd's discovery rules as pure functions (sim/etcd/discovery.h): v2discovery's
// checkCluster / nodesToCluster, the URL split, and srv.GetCluster over a DNS table.
#include "sim/etcd/discovery.h"

#include <gtest/gtest.h>

namespace raftlab::etcd {
namespace {

std::vector<sim::DiscoveryNode> nodes(std::initializer_list<std::pair<const char*, std::uint64_t>> ks) {
  std::vector<sim::DiscoveryNode> out;
  for (const auto& [k, idx] : ks) out.push_back({std::string("/t/") + k, std::string(k) + "=http://" + k + ":2380", idx});
  return out;
}

TEST(DiscoveryRules, CheckClusterIsFullWhenSizeRegisteredBeforeSelf) {
  // Sorted by created index, not by the order the service listed them.
  const auto c = check_cluster(nodes({{"b", 3}, {"a", 2}, {"c", 4}}), 2, "/t/self");
  EXPECT_TRUE(c.full);
  ASSERT_EQ(c.nodes.size(), 2u);
  EXPECT_EQ(c.nodes[0].key, "/t/a");
  // Self within the first `size`: not full, even with more registrations after it.
  EXPECT_FALSE(check_cluster(nodes({{"a", 2}, {"self", 3}, {"c", 4}}), 2, "/t/self").full);
  // Fewer than size: not full.
  EXPECT_FALSE(check_cluster(nodes({{"a", 2}}), 3, "/t/self").full);
}

TEST(DiscoveryRules, ParseSizeIsStrconvParseUint) {
  EXPECT_EQ(parse_size("5"), std::optional<std::uint64_t>(5));
  EXPECT_EQ(parse_size("five"), std::nullopt);
  EXPECT_EQ(parse_size("-1"), std::nullopt);
  EXPECT_EQ(parse_size(""), std::nullopt);
  EXPECT_EQ(parse_size("99999999999999999999"), std::nullopt);  // overflows uint64
}

TEST(DiscoveryRules, NodesToClusterRefusesDuplicateNames) {
  auto ns = nodes({{"a", 2}, {"b", 3}});
  EXPECT_FALSE(nodes_to_cluster(ns, 2).error);
  EXPECT_EQ(nodes_to_cluster(ns, 2).text, "a=http://a:2380,b=http://b:2380");
  ns[1].value = "a=http://other:2380";
  EXPECT_EQ(nodes_to_cluster(ns, 2).error, std::optional<std::string>(std::string(wording::kErrDuplicateName)));
}

TEST(DiscoveryRules, DiscoveryUrlSplitsIntoEndpointAndToken) {
  auto u = parse_discovery_url("http://10.0.0.9:2379/v2/keys/discovery/6c007a");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.value().endpoint(), "http://10.0.0.9:2379");
  EXPECT_EQ(u.value().token, "/v2/keys/discovery/6c007a");
  auto pub = parse_discovery_url("https://discovery.etcd.io/3e86b59982e49066c5d813af1c2e2579");
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub.value().port, 443);
  EXPECT_FALSE(parse_discovery_url("discovery.etcd.io/abc").ok());
  EXPECT_FALSE(parse_discovery_url("http://10.0.0.9:2379/").ok());
  EXPECT_FALSE(parse_discovery_url("http://:2379/abc").ok());
  EXPECT_FALSE(check_srv_domain("example.com", "--discovery-srv"));
  EXPECT_TRUE(check_srv_domain("example.com:53", "--discovery-srv"));
  EXPECT_TRUE(check_srv_domain("localhost", "--discovery-srv"));
}

EtcdConfig member(const std::string& name, const std::string& peer_url) {
  EtcdConfig c;
  c.name = name;
  c.discovery_srv = "example.com";
  c.initial_advertise_peer_urls = {peer_url};
  return c;
}

sim::DnsTable dns() {
  sim::DnsTable d;
  for (int i = 1; i <= 3; ++i) d.a["etcd" + std::to_string(i) + ".example.com"] = "10.0.1.1" + std::to_string(i);
  d.srv["_etcd-server._tcp.example.com"] = {{"etcd1.example.com", 2380}, {"etcd2.example.com", 2380}, {"etcd3.example.com", 2380}};
  return d;
}

TEST(DiscoveryRules, SrvNamesItselfAndNumbersTheOthers) {
  // etcd2 advertises its IP: it still finds its record by the resolved address.
  const SrvResult r = srv_cluster(member("etcd2", "http://10.0.1.12:2380"), dns());
  ASSERT_FALSE(r.error) << *r.error;
  ASSERT_EQ(r.entries.size(), 3u);
  EXPECT_EQ(r.entries[0].name, "0");
  EXPECT_EQ(r.entries[0].url, "http://etcd1.example.com:2380");
  EXPECT_EQ(r.entries[1].name, "etcd2");
  EXPECT_EQ(r.entries[1].url, "http://etcd2.example.com:2380");  // the target's name, not the address
  EXPECT_EQ(r.entries[2].name, "1");
  // No _etcd-server-ssl records: a warning, not an error.
  bool warned = false;
  for (const auto& l : r.log) warned |= l.msg == wording::kFailedToResolveSrv && l.level == "warn";
  EXPECT_TRUE(warned);
}

TEST(DiscoveryRules, SrvWithoutTheMemberRefuses) {
  auto d = dns();
  d.a["etcd4.example.com"] = "10.0.1.14";
  const SrvResult r = srv_cluster(member("etcd4", "http://etcd4.example.com:2380"), d);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, "cannot find local etcd member \"etcd4\" in SRV records");
  // An advertised name that does not resolve fails before any SRV lookup (resolveTCPAddr).
  const SrvResult unresolved = srv_cluster(member("etcd1", "http://etcd1.example.com:2380"), sim::DnsTable{});
  ASSERT_TRUE(unresolved.error);
  EXPECT_NE(unresolved.error->find("lookup etcd1.example.com: no such host"), std::string::npos) << *unresolved.error;
  // No SRV records: the two lookups' errors combined.
  auto no_srv = dns();
  no_srv.srv.clear();
  const SrvResult none = srv_cluster(member("etcd1", "http://etcd1.example.com:2380"), no_srv);
  ASSERT_TRUE(none.error);
  EXPECT_NE(none.error->find("error querying DNS SRV records for _etcd-server-ssl"), std::string::npos) << *none.error;
  EXPECT_NE(none.error->find("; error querying DNS SRV records for _etcd-server lookup _etcd-server._tcp.example.com: no such host"),
            std::string::npos) << *none.error;
}

TEST(DiscoveryRules, SrvNameSuffixAndSchemeMismatch) {
  auto d = dns();
  d.srv["_etcd-server-ssl-prod._tcp.example.com"] = {{"etcd1.example.com", 2380}};
  EtcdConfig c = member("etcd1", "http://etcd1.example.com:2380");
  c.discovery_srv_name = "prod";
  const SrvResult r = srv_cluster(c, d);
  // The https record resolves to this member's http URL: a scheme mismatch, skipped.
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find("has scheme mismatch with expected peer http://etcd1.example.com:2380"), std::string::npos) << *r.error;
}

TEST(DiscoveryRules, Srv34UsesOnlyTheSslRecordsAndFailsWithoutThem) {
  // etcd 3.4's GetDNSClusterNames appends the http records only when their lookup FAILED
  // and returns the etcd-server-ssl error alone: with http-only records every 3.4 member
  // exits ("discovery failed"), as real etcd 3.4.23 does under `raftlab diff`.
  EtcdConfig c = member("etcd2", "http://10.0.1.12:2380");
  c.version = EtcdVersion::v3_4;
  const SrvResult r = srv_cluster(c, dns());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, "error querying DNS SRV records for _etcd-server-ssl lookup _etcd-server-ssl._tcp.example.com: no such host");
  EXPECT_TRUE(r.entries.empty());
  bool warned = false;
  for (const auto& l : r.log) warned |= l.msg == wording::kFailedToResolveSrv && l.level == "warn";
  EXPECT_TRUE(warned);
  // The same records with 3.5 bootstrap (SrvNamesItselfAndNumbersTheOthers).
  c.version = EtcdVersion::v3_5;
  EXPECT_FALSE(srv_cluster(c, dns()).error);
  // 3.4 with https records: those alone are the cluster (TLS itself is not modelled).
  auto d = dns();
  d.srv["_etcd-server-ssl._tcp.example.com"] = d.srv["_etcd-server._tcp.example.com"];
  EtcdConfig tls = member("etcd2", "https://10.0.1.12:2380");
  tls.version = EtcdVersion::v3_4;
  const SrvResult t = srv_cluster(tls, d);
  ASSERT_FALSE(t.error) << *t.error;
  ASSERT_EQ(t.entries.size(), 3u);
  EXPECT_EQ(t.entries[1].url, "https://etcd2.example.com:2380");
}

}  // namespace
}  // namespace raftlab::etcd
