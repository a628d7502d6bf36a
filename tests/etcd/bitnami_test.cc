// The Bitnami etcd image's start-up scripts (libetcd.sh etcd_validate /
// etcd_initialize, run.sh, entrypoint.sh) as plans.
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/etcd/bitnami.h"
#include "sim/etcd/bootstrap.h"
#include "sim/etcd/config.h"

namespace raftlab::etcd {
namespace {

const char* kFull =
    "etcd1=http://10.101.99.100:2380,etcd2=http://10.101.99.100:3380,etcd3=http://10.101.99.101:2380,"
    "etcd4=http://10.101.99.101:3380,etcd5=http://10.101.99.101:4380";

std::map<std::string, std::string> reference_env(const std::string& name, const std::string& ip, int port_base,
                                                 const std::string& cluster) {
  return {{"ETCD_NAME", name},
          {"ETCD_LISTEN_CLIENT_URLS", "http://0.0.0.0:2379"},
          {"ETCD_ADVERTISE_CLIENT_URLS", "http://" + ip + ":" + std::to_string(port_base + 379)},
          {"ETCD_LISTEN_PEER_URLS", "http://0.0.0.0:2380"},
          {"ETCD_INITIAL_ADVERTISE_PEER_URLS", "http://" + ip + ":" + std::to_string(port_base + 380)},
          {"ETCD_INITIAL_CLUSTER", cluster},
          {"ETCD_INITIAL_CLUSTER_STATE", "new"},
          {"ETCD_INITIAL_CLUSTER_TOKEN", "etcd-cluster-1"},
          {"ETCD_ROOT_PASSWORD", "1234qwer!!"}};
}

bool logged(const BitnamiPlan& p, const std::string& msg) {
  return std::any_of(p.log.begin(), p.log.end(), [&](const LogLine& l) { return l.msg == msg; });
}
int count(const BitnamiPlan& p, BitnamiActionKind k) {
  return static_cast<int>(std::count_if(p.actions.begin(), p.actions.end(), [&](const BitnamiAction& a) { return a.kind == k; }));
}

TEST(Bitnami, NoPasswordAndNoAllowNoneAuthenticationFails) {
  BitnamiInput in;
  in.container_env = {{"ETCD_NAME", "etcd1"}};
  BitnamiPlan p = plan_bitnami_start(in);
  EXPECT_EQ(p.outcome, BitnamiOutcome::exit_failure);
  ASSERT_TRUE(p.error.has_value());
  EXPECT_EQ(p.error->message,
            "The ETCD_ROOT_PASSWORD environment variable is empty or not set. Set the environment variable "
            "ALLOW_NONE_AUTHENTICATION=yes to allow a blank password. This is only recommended for development environments.");
  EXPECT_EQ(p.error->field, "ETCD_ROOT_PASSWORD");
}

TEST(Bitnami, AllowNoneAuthenticationWarnsAndSkipsRbac) {
  BitnamiInput in;
  in.container_env = {{"ALLOW_NONE_AUTHENTICATION", "yes"}};
  BitnamiPlan p = plan_bitnami_start(in);
  EXPECT_EQ(p.outcome, BitnamiOutcome::exec_etcd);
  EXPECT_TRUE(logged(p, "You set the environment variable ALLOW_NONE_AUTHENTICATION=yes. For safety reasons, do not use "
                        "this flag in a production environment."));
  EXPECT_EQ(count(p, BitnamiActionKind::start_etcd_background), 0);
  EXPECT_EQ(p.etcd_env.at("ETCD_DATA_DIR"), "/bitnami/etcd/data");
  EXPECT_EQ(p.etcd_env.at("ETCD_ADVERTISE_CLIENT_URLS"), "http://127.0.0.1:2379");
}

// Server A of document 001 with ETCD_INITIAL_CLUSTER unset on the host: the
// container gets ETCD_INITIAL_CLUSTER="" -> 0 initial members -> no new/existing
// check; with a root password it starts etcd in the background to enable auth,
// then execs etcd, which bootstraps a one-member cluster of its own.
TEST(Bitnami, EmptyInitialClusterFirstStart) {
  BitnamiInput in;
  in.container_env = reference_env("etcd1", "10.101.99.100", 2000, "");
  BitnamiPlan p = plan_bitnami_start(in);
  ASSERT_EQ(p.outcome, BitnamiOutcome::exec_etcd);
  EXPECT_TRUE(p.initial_members.empty());
  EXPECT_TRUE(logged(p, "There is no data from previous deployments"));
  EXPECT_FALSE(logged(p, "Bootstrapping a new cluster"));
  EXPECT_TRUE(logged(p, "Starting etcd in background"));
  EXPECT_TRUE(logged(p, "Enabling etcd authentication"));
  EXPECT_EQ(p.etcd_env.count("ETCD_ROOT_PASSWORD"), 0u);  // run.sh unsets it
  auto cfg = parse_etcd_config(p.etcd_args, p.etcd_env);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg.value().config.initial_cluster, "etcd1=http://10.101.99.100:2380");
  Decision d = decide_bootstrap(BootstrapInput{cfg.value().config, {}, std::nullopt});
  EXPECT_EQ(d.kind, BootstrapKind::new_cluster);
  EXPECT_EQ(d.members.size(), 1u);
}

TEST(Bitnami, FullInitialClusterFirstStartBootstrapsNew) {
  BitnamiInput in;
  in.container_env = reference_env("etcd3", "10.101.99.101", 2000, kFull);
  BitnamiPlan p = plan_bitnami_start(in);
  ASSERT_EQ(p.outcome, BitnamiOutcome::exec_etcd);
  EXPECT_EQ(p.initial_members.size(), 5u);
  EXPECT_TRUE(logged(p, "Bootstrapping a new cluster"));
  // Only the member whose peer URL is in the first initial-cluster entry configures RBAC.
  EXPECT_TRUE(logged(p, "Skipping RBAC configuration in member etcd3"));
  EXPECT_EQ(p.etcd_env.at("ETCD_INITIAL_CLUSTER_STATE"), "new");
  BitnamiInput in1;
  in1.container_env = reference_env("etcd1", "10.101.99.100", 2000, kFull);
  BitnamiPlan p1 = plan_bitnami_start(in1);
  EXPECT_TRUE(logged(p1, "Starting etcd in background"));
}

// Restart with a data dir: setup runs a trial etcd, and when a peer stream comes
// up the member stays; ETCD_INITIAL_CLUSTER_STATE becomes "existing".
TEST(Bitnami, RestartWithDataKeepsMemberAndSwitchesToExisting) {
  BitnamiInput in;
  in.container_env = reference_env("etcd4", "10.101.99.101", 3000, kFull);
  in.data_dir.has_wal = true;
  in.data_dir.entries = {"member"};
  BitnamiPlan p = plan_bitnami_start(in);
  ASSERT_EQ(p.outcome, BitnamiOutcome::exec_etcd);
  EXPECT_TRUE(logged(p, "Detected data from previous deployments"));
  EXPECT_TRUE(logged(p, "Cluster is healthy"));
  EXPECT_TRUE(logged(p, "The member is still part of the cluster"));
  EXPECT_EQ(count(p, BitnamiActionKind::remove_data_dir), 0);
  EXPECT_EQ(p.etcd_env.at("ETCD_INITIAL_CLUSTER_STATE"), "existing");
}

TEST(Bitnami, RestartWithDataNoPeerBlocks) {
  BitnamiInput in;
  in.container_env = reference_env("etcd4", "10.101.99.101", 3000, kFull);
  in.data_dir.has_wal = true;
  in.data_dir.entries = {"member"};
  in.probes.trial = TrialOutcome::none_yet;
  BitnamiPlan p = plan_bitnami_start(in);
  EXPECT_EQ(p.outcome, BitnamiOutcome::blocked);
}

TEST(Bitnami, RestartWithClusterIdMismatchDeletesDataThenFailsMemberAdd) {
  BitnamiInput in;
  in.container_env = reference_env("etcd1", "10.101.99.100", 2000, kFull);
  in.data_dir.has_wal = true;
  in.data_dir.entries = {"member"};
  in.probes.trial = TrialOutcome::cluster_id_mismatch;
  BitnamiPlan p = plan_bitnami_start(in);
  EXPECT_TRUE(logged(p, "The remote cluster ID is different from the local cluster ID"));
  EXPECT_EQ(count(p, BitnamiActionKind::remove_data_dir), 1);
  EXPECT_EQ(p.outcome, BitnamiOutcome::exit_failure);
}

TEST(Bitnami, CustomCommandSkipsSetupAndKeepsPassword) {
  BitnamiInput in;
  in.container_env = {{"ETCD_ROOT_PASSWORD", "pw"}};
  in.command = {"etcd", "--name", "x"};
  BitnamiPlan p = plan_bitnami_start(in);
  ASSERT_EQ(p.outcome, BitnamiOutcome::exec_etcd);
  EXPECT_FALSE(p.ran_setup);
  EXPECT_EQ(p.etcd_args, (std::vector<std::string>{"--name", "x"}));
  EXPECT_EQ(p.etcd_env.at("ETCD_ROOT_PASSWORD"), "pw");
}

TEST(Bitnami, UserDataDirIsOverridden) {
  auto env = bitnami_env_defaults({{"ETCD_DATA_DIR", "/data"}, {"ETCD_LISTEN_CLIENT_URLS", ""}});
  EXPECT_EQ(env.at("ETCD_DATA_DIR"), "/bitnami/etcd/data");
  EXPECT_EQ(env.at("ETCD_LISTEN_CLIENT_URLS"), "http://0.0.0.0:2379");
  EXPECT_EQ(env.at("ETCD_INITIAL_CLUSTER_STATE"), "");
}

}  // namespace
}  // namespace raftlab::etcd
