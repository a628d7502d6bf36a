// Bootstrap decisions (server/etcdserver/server.go NewServer, server/config/config.go)
// and strict reconfiguration checks (membership/cluster.go, server.go).
#include <gtest/gtest.h>

#include "sim/etcd/bootstrap.h"
#include "sim/etcd/ids.h"

namespace raftlab::etcd {
namespace {

const char* kFull =
    "etcd1=http://10.101.99.100:2380,etcd2=http://10.101.99.100:3380,etcd3=http://10.101.99.101:2380,"
    "etcd4=http://10.101.99.101:3380,etcd5=http://10.101.99.101:4380";

EtcdConfig config_for(const std::string& name, const std::string& peer, const std::string& cluster,
                      const std::string& state = "new") {
  std::map<std::string, std::string> env{{"ETCD_NAME", name},
                                         {"ETCD_INITIAL_ADVERTISE_PEER_URLS", peer},
                                         {"ETCD_INITIAL_CLUSTER", cluster},
                                         {"ETCD_INITIAL_CLUSTER_STATE", state},
                                         {"ETCD_INITIAL_CLUSTER_TOKEN", "etcd-cluster-1"}};
  auto r = parse_etcd_config({}, env);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.value().config;
}

TEST(Bootstrap, StaticNewClusterIdsAreTheSameOnEveryMember) {
  BootstrapInput in{config_for("etcd3", "http://10.101.99.101:2380", kFull), {}, std::nullopt};
  Decision d = decide_bootstrap(in);
  ASSERT_EQ(d.kind, BootstrapKind::new_cluster) << (d.error ? d.error->message : "");
  EXPECT_EQ(format_id(d.member_id), "cad3edcff7f613c0");
  EXPECT_EQ(format_id(d.cluster_id), "e7023675c9b07108");
  EXPECT_EQ(d.members.size(), 5u);
}

// Server A without $ETCD_INITIAL_CLUSTER: etcd1 bootstraps a one-member cluster.
TEST(Bootstrap, EmptyInitialClusterMakesOneMemberCluster) {
  BootstrapInput in{config_for("etcd1", "http://10.101.99.100:2380", ""), {}, std::nullopt};
  Decision d = decide_bootstrap(in);
  ASSERT_EQ(d.kind, BootstrapKind::new_cluster);
  EXPECT_EQ(d.members.size(), 1u);
  EXPECT_EQ(format_id(d.member_id), "d45a2ea382c4eed");
  EXPECT_EQ(format_id(d.cluster_id), "8e1a79173f1ecca");
}

TEST(Bootstrap, NameMissingFromInitialCluster) {
  BootstrapInput in{config_for("etcd6", "http://10.101.99.102:2380", kFull), {}, std::nullopt};
  Decision d = decide_bootstrap(in);
  ASSERT_EQ(d.kind, BootstrapKind::fatal);
  EXPECT_EQ(d.error->message, "couldn't find local name \"etcd6\" in the initial cluster configuration");
}

TEST(Bootstrap, AdvertiseMismatch) {
  BootstrapInput in{config_for("etcd2", "http://10.101.99.100:2380", kFull), {}, std::nullopt};
  Decision d = decide_bootstrap(in);
  ASSERT_EQ(d.kind, BootstrapKind::fatal);
  EXPECT_EQ(d.error->message,
            "--initial-cluster has etcd2=http://10.101.99.100:3380 but missing from "
            "--initial-advertise-peer-urls=http://10.101.99.100:2380 (resolved urls: \"http://10.101.99.100:2380\" != "
            "\"http://10.101.99.100:3380\")");
}

TEST(Bootstrap, DuplicateUrl) {
  BootstrapInput in{config_for("a", "http://1.1.1.1:2380", "a=http://1.1.1.1:2380,b=http://1.1.1.1:2380"), {}, std::nullopt};
  Decision d = decide_bootstrap(in);
  ASSERT_EQ(d.kind, BootstrapKind::fatal);
  EXPECT_EQ(d.error->message, "initial cluster a=http://1.1.1.1:2380,b=http://1.1.1.1:2380 has duplicate url");
}

TEST(Bootstrap, RestartWithWalIgnoresInitialClusterFlags) {
  BootstrapInput in{config_for("etcd1", "http://10.101.99.100:2380", "garbage-not-parsed"), {}, std::nullopt};
  in.data_dir.has_wal = true;
  in.data_dir.member_id = 0xd45a2ea382c4eedULL;
  in.data_dir.cluster_id = 0x8e1a79173f1eccaULL;
  in.data_dir.other_entries = {"new_member_envs"};
  Decision d = decide_bootstrap(in);
  ASSERT_EQ(d.kind, BootstrapKind::restart_from_wal);
  EXPECT_EQ(format_id(d.cluster_id), "8e1a79173f1ecca");
  EXPECT_EQ(d.log[0].msg, "found invalid file under data directory");
  EXPECT_EQ(d.log[1].msg, "server has been already initialized");
  EXPECT_EQ(d.log.back().msg, "restarting local member");
}

TEST(Bootstrap, AlreadyBootstrappedMember) {
  BootstrapInput in{config_for("etcd3", "http://10.101.99.101:2380", kFull), {}, std::nullopt};
  const uint64_t id = compute_member_id({"http://10.101.99.101:2380"}, "etcd-cluster-1");
  in.remote = RemoteCluster{0xe7023675c9b07108ULL, {MemberInfo{id, "etcd3", {"http://10.101.99.101:2380"}, {"http://10.101.99.101:2379"}, false}}};
  Decision d = decide_bootstrap(in);
  ASSERT_EQ(d.kind, BootstrapKind::fatal);
  EXPECT_EQ(d.error->message, "member cad3edcff7f613c0 has already been bootstrapped");
}

TEST(Bootstrap, ExistingNeedsRemoteCluster) {
  BootstrapInput in{config_for("etcd3", "http://10.101.99.101:2380", kFull, "existing"), {}, std::nullopt};
  Decision d = decide_bootstrap(in);
  ASSERT_EQ(d.kind, BootstrapKind::fatal);
  EXPECT_EQ(d.error->message, "cannot fetch cluster info from peer urls: could not retrieve cluster information from the given URLs");
}

TEST(Bootstrap, ExistingJoinTakesRemoteIds) {
  const std::string cluster = "etcd1=http://10.0.0.1:2380,new=http://10.0.0.2:2380";
  BootstrapInput in{config_for("new", "http://10.0.0.2:2380", cluster, "existing"), {}, std::nullopt};
  const uint64_t added = member_add_id({"http://10.0.0.2:2380"}, 1000);
  in.remote = RemoteCluster{0x1234, {MemberInfo{7, "etcd1", {"http://10.0.0.1:2380"}, {"http://10.0.0.1:2379"}, false},
                                     MemberInfo{added, "", {"http://10.0.0.2:2380"}, {}, false}}};
  Decision d = decide_bootstrap(in);
  ASSERT_EQ(d.kind, BootstrapKind::join_existing) << (d.error ? d.error->message : "");
  EXPECT_EQ(d.member_id, added);
  EXPECT_EQ(d.cluster_id, 0x1234u);
  in.remote->members.pop_back();
  Decision bad = decide_bootstrap(in);
  ASSERT_EQ(bad.kind, BootstrapKind::fatal);
  EXPECT_NE(bad.error->message.find("member count is unequal"), std::string::npos);
  EXPECT_EQ(bad.error->message.rfind("error validating peerURLs {ClusterID:1234 Members:[&{ID:7 ", 0), 0u);
}

MemberInfo m(uint64_t id, bool started, bool learner = false) {
  // Started == has published its name (membership.Member.IsStarted).
  std::string name;
  if (started) name = std::string(1, 'm').append(std::to_string(id));
  return MemberInfo{id, name, {"http://10.0.0." + std::to_string(id) + ":2380"},
                    started ? std::vector<std::string>{"c"} : std::vector<std::string>{}, learner};
}

TEST(Reconfig, StrictAddNeedsStartedQuorum) {
  EXPECT_TRUE(is_ready_to_add_voting_member({m(1, true)}));                   // 1 -> 2 special case
  EXPECT_FALSE(is_ready_to_add_voting_member({m(1, true), m(2, false)}));      // 1 of 3 started
  EXPECT_FALSE(is_ready_to_add_voting_member({m(1, true), m(2, true), m(3, false)}));  // 2 started, 4 after: needs 3
  EXPECT_TRUE(is_ready_to_add_voting_member({m(1, true), m(2, true), m(3, true)}));
  ReconfigCheckInput in{true, {m(1, true), m(2, false), m(3, false)}, {}, 1, {}};
  auto e = check_member_add(in, m(4, false));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message, "etcdserver: re-configuration failed due to not enough started members");
  in.strict_reconfig_check = false;
  EXPECT_FALSE(check_member_add(in, m(4, false)).has_value());
  EXPECT_EQ(check_member_add(in, m(2, false))->message, "etcdserver: member ID already exist");
  MemberInfo dup = m(9, false);
  dup.peer_urls = {"http://10.0.0.1:2380"};
  EXPECT_EQ(check_member_add(in, dup)->message, "etcdserver: Peer URLs already exists");
}

TEST(Reconfig, StrictAddNeedsConnectivity) {
  ReconfigCheckInput in{true, {m(1, true), m(2, true), m(3, true)}, {}, 1, {2}};
  EXPECT_EQ(check_member_add(in, m(4, false))->message, "etcdserver: unhealthy cluster");
  in.connected_since_health_interval = {2, 3};
  EXPECT_FALSE(check_member_add(in, m(4, false)).has_value());
}

TEST(Reconfig, Remove) {
  ReconfigCheckInput in{true, {m(1, true), m(2, true), m(3, false)}, {}, 1, {2}};
  EXPECT_EQ(check_member_remove(in, 2)->message, "etcdserver: re-configuration failed due to not enough started members");
  EXPECT_FALSE(check_member_remove(in, 3).has_value());  // a downed member is safe to remove
  EXPECT_EQ(check_member_remove(in, 42)->message, "etcdserver: member not found");
}

}  // namespace
}  // namespace raftlab::etcd
