// End-to-end etcd member behaviour inside the world, asserted on the recorded trace:
// the story each test tells is named after the etcd rule it proves.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/deploy.h"
#include "sim/etcd/ids.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

using sim::Ev;

struct Ran {
  std::unique_ptr<sim::Deployment> d;
  sim::RunResult r;
};

Ran run_text(const std::string& text) {
  auto lr = scenario::load_string(text, "inline.json");
  EXPECT_TRUE(lr.ok()) << (lr.errors.empty() ? "" : scenario::format(lr.errors.front()));
  std::vector<scenario::LoadError> errors;
  Ran out;
  out.d = sim::Deployment::build(*lr.scenario, sim::RunOptions{}, &errors);
  EXPECT_TRUE(out.d) << (errors.empty() ? "" : scenario::format(errors.front()));
  if (out.d) out.r = out.d->run();
  return out;
}

std::string bare(const std::string& name, const std::string& ip, int client, int peer, const std::string& cluster,
                 const std::string& state) {
  return fmt::format(
      R"({{"name": "{0}", "host": "{0}", "flags": "etcd --name {0} --data-dir /var/lib/{0} --listen-client-urls http://0.0.0.0:{2} --advertise-client-urls http://{1}:{2} --listen-peer-urls http://0.0.0.0:{3} --initial-advertise-peer-urls http://{1}:{3} --initial-cluster {4} --initial-cluster-state {5} --initial-cluster-token tok"}})",
      name, ip, client, peer, cluster, state);
}

std::string three_hosts() {
  return R"("hosts": [{"name": "n1", "ip": "10.0.0.1"}, {"name": "n2", "ip": "10.0.0.2"}, {"name": "n3", "ip": "10.0.0.3"}])";
}

const char* kCluster3 = "n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380,n3=http://10.0.0.3:2380";

std::vector<sim::TraceEvent> of_kind(const sim::Trace& t, Ev k) {
  std::vector<sim::TraceEvent> out;
  for (const auto& e : t.events())
    if (e.kind == k) out.push_back(e);
  return out;
}

// Every start of a member takes a new reply endpoint; its stop closes the old one, so a
// member that restarts over and over does not grow the network's endpoint table.
TEST(MemberBehaviour, RestartsDoNotAccumulateEndpoints) {
  auto endpoints_after = [](int restarts) {
    std::string timeline = R"({"at": "0s", "start": ["n1", "n2", "n3"]})";
    for (int i = 0; i < restarts; ++i) timeline += fmt::format(R"(, {{"at": "{}s", "restart": ["n1"]}})", 3 + 2 * i);
    const Ran r = run_text(fmt::format(R"({{"name": "t", "description": "restarts", {}, "members": [{}, {}, {}], "timeline": [{}], "duration": "{}s"}})",
                                       three_hosts(), bare("n1", "10.0.0.1", 2379, 2380, kCluster3, "new"),
                                       bare("n2", "10.0.0.2", 2379, 2380, kCluster3, "new"),
                                       bare("n3", "10.0.0.3", 2379, 2380, kCluster3, "new"), timeline, 4 + 2 * restarts));
    EXPECT_TRUE(r.d);
    return r.d ? r.d->world().net().endpoint_count() : std::size_t{0};
  };
  const std::size_t once = endpoints_after(1);
  EXPECT_GT(once, 0u);
  EXPECT_EQ(endpoints_after(6), once);
}

// etcd derives member IDs from peer URLs + token and the cluster ID from the member IDs
// (membership.NewMember / genID): the IDs raftlab prints are the IDs etcd prints.
TEST(MemberBehaviour, StaticBootstrapPrintsEtcdsIds) {
  auto ran = run_text(fmt::format(R"({{"name": "t", "description": "d", {}, "members": [{}, {}, {}],
    "timeline": [{{"at": "0s", "start": ["n1", "n2", "n3"]}}], "duration": "5s"}})",
                                  three_hosts(), bare("n1", "10.0.0.1", 2379, 2380, kCluster3, "new"),
                                  bare("n2", "10.0.0.2", 2379, 2380, kCluster3, "new"),
                                  bare("n3", "10.0.0.3", 2379, 2380, kCluster3, "new")));
  std::vector<std::uint64_t> ids;
  for (const auto& e : of_kind(ran.d->world().trace(), Ev::Bootstrap)) {
    EXPECT_EQ(e.a, "new");
    const std::string url = fmt::format("http://10.0.0.{}:2380", e.who.substr(1));
    EXPECT_EQ(e.member_id, etcd::compute_member_id({url}, "tok")) << e.who;
    ids.push_back(e.member_id);
  }
  ASSERT_EQ(ids.size(), 3u);
  for (const auto& e : of_kind(ran.d->world().trace(), Ev::Bootstrap))
    EXPECT_EQ(e.cluster_id, etcd::compute_cluster_id(ids));
  ASSERT_EQ(ran.r.clusters.size(), 1u);
  EXPECT_EQ(ran.r.clusters[0].leaders.size(), 1u);
}

// rafthttp rejects a peer message whose X-Etcd-Cluster-ID differs (412), and both
// sides log it: the reference deployment as document 001 writes it.
TEST(MemberBehaviour, ClusterIdMismatchIsRejectedAndLogged) {
  auto ran = run_text([] {
    std::string s;
    std::ifstream f(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/as-written.json");
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }());
  const auto rejects = of_kind(ran.d->world().trace(), Ev::Reject);
  ASSERT_FALSE(rejects.empty());
  bool etcd1 = false;
  for (const auto& e : rejects) {
    EXPECT_EQ(e.a, "cluster ID mismatch");
    EXPECT_NE(sim::hex_id(e.cluster_id), e.b);  // local vs remote cluster ID
    EXPECT_FALSE(e.b.empty());
    etcd1 = etcd1 || e.who == "etcd1";
  }
  EXPECT_TRUE(etcd1);
  bool receiver_log = false, sender_log = false;
  for (const auto& e : of_kind(ran.d->world().trace(), Ev::Log)) {
    receiver_log = receiver_log || e.b == "request cluster ID mismatch";
    sender_log = sender_log || e.b == "request sent was ignored by remote peer due to cluster ID mismatch";
  }
  EXPECT_TRUE(receiver_log);
  EXPECT_TRUE(sender_log);
}

// --initial-cluster-state existing without `member add`: the running cluster has 2
// members, the joiner lists 3: ValidateClusterAndAssignIDs refuses ("member count is
// unequal") and etcd exits.
TEST(MemberBehaviour, JoinExistingWithoutMemberAddFails) {
  const std::string two = "n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380";
  auto ran = run_text(fmt::format(R"({{"name": "t", "description": "d", {}, "members": [{}, {}, {}],
    "timeline": [{{"at": "0s", "start": ["n1", "n2"]}}, {{"at": "5s", "start": ["n3"]}}], "duration": "10s"}})",
                                  three_hosts(), bare("n1", "10.0.0.1", 2379, 2380, two, "new"),
                                  bare("n2", "10.0.0.2", 2379, 2380, two, "new"),
                                  bare("n3", "10.0.0.3", 2379, 2380, kCluster3, "existing")));
  bool exited = false;
  for (const auto& e : of_kind(ran.d->world().trace(), Ev::ProcExit)) {
    if (e.who != "n3") continue;
    exited = true;
    EXPECT_NE(e.b.find("member count is unequal"), std::string::npos) << e.b;
    EXPECT_EQ(e.b.rfind("discovery failed: error validating peerURLs", 0), 0u) << e.b;
  }
  EXPECT_TRUE(exited);
}

// A member whose data dir was lost after the cluster formed, restarted with state `new`:
// its peers already list it as started, so etcd refuses (isMemberBootstrapped).
TEST(MemberBehaviour, NewBootstrapOfAnAlreadyStartedMemberIsRefused) {
  auto ran = run_text(fmt::format(R"({{"name": "t", "description": "d", {}, "members": [{}, {}, {}],
    "timeline": [{{"at": "0s", "start": ["n1", "n2", "n3"]}}, {{"at": "5s", "run": {{"member": "n3", "wipe_data": true}}}}],
    "duration": "10s"}})",
                                  three_hosts(), bare("n1", "10.0.0.1", 2379, 2380, kCluster3, "new"),
                                  bare("n2", "10.0.0.2", 2379, 2380, kCluster3, "new"),
                                  bare("n3", "10.0.0.3", 2379, 2380, kCluster3, "new")));
  const std::string id = etcd::format_id(etcd::compute_member_id({"http://10.0.0.3:2380"}, "tok"));
  bool refused = false;
  for (const auto& e : of_kind(ran.d->world().trace(), Ev::ProcExit))
    if (e.who == "n3" && e.b == "discovery failed: member " + id + " has already been bootstrapped") refused = true;
  EXPECT_TRUE(refused);
}

// Bitnami's etcd_validate: no ETCD_ROOT_PASSWORD and no ALLOW_NONE_AUTHENTICATION is an
// error; under --restart unless-stopped Docker restarts it with a doubling back-off.
TEST(MemberBehaviour, BitnamiWithoutPasswordExitsAndDockerBacksOff) {
  auto ran = run_text(R"({"name": "t", "description": "d", "hosts": [{"name": "A", "ip": "10.0.0.1"}],
    "members": [{"name": "e1", "host": "A", "docker": "docker run -d --restart unless-stopped -e ETCD_NAME=e1 bitnami/etcd:3.5.18"}],
    "timeline": [{"at": "0s", "start": ["e1"]}], "duration": "3s"})");
  std::vector<std::int64_t> starts;
  for (const auto& e : ran.d->world().trace().events()) {
    if (e.kind == Ev::ProcStart) starts.push_back(e.at.ns);
    if (e.kind == Ev::ProcExit) {
      EXPECT_EQ(e.b, "The ETCD_ROOT_PASSWORD environment variable is empty or not set. Set the environment variable "
                     "ALLOW_NONE_AUTHENTICATION=yes to allow a blank password. This is only recommended for development "
                     "environments.");
    }
  }
  ASSERT_GE(starts.size(), 4u);
  EXPECT_EQ(starts[1] - starts[0], 100'000'000);  // 100 ms
  EXPECT_EQ(starts[2] - starts[1], 200'000'000);  // then doubling
  EXPECT_EQ(starts[3] - starts[2], 400'000'000);
  EXPECT_TRUE(ran.r.clusters.empty());
}

// Docker refuses to start a container whose published host port another running
// container holds ("port is already allocated"); the first keeps running.
TEST(MemberBehaviour, PublishedPortConflictAtRunTime) {
  auto ran = run_text(R"({"name": "t", "description": "d", "hosts": [{"name": "A", "ip": "10.0.0.1"}],
    "members": [{"name": "e1", "host": "A", "docker": "docker run -d -p 2379:2379 -e ALLOW_NONE_AUTHENTICATION=yes -e ETCD_NAME=e1 bitnami/etcd:3.5.18"},
                {"name": "e2", "host": "A", "docker": "docker run -d -p 3379:2379 -e ALLOW_NONE_AUTHENTICATION=yes -e ETCD_NAME=e2 bitnami/etcd:3.5.18"}],
    "timeline": [{"at": "0s", "start": ["e1"]},
                 {"at": "2s", "run": {"member": "e2", "docker": "docker run -d -p 2379:2379 -e ALLOW_NONE_AUTHENTICATION=yes -e ETCD_NAME=e2 bitnami/etcd:3.5.18"}}],
    "duration": "4s"})");
  bool refused = false;
  for (const auto& e : of_kind(ran.d->world().trace(), Ev::ProcExit)) {
    if (e.who == "e2" && e.a == "refused") {
      refused = true;
      EXPECT_NE(e.b.find("Bind for 0.0.0.0:2379 failed: port is already allocated"), std::string::npos) << e.b;
    }
  }
  EXPECT_TRUE(refused);
  ASSERT_EQ(ran.r.clusters.size(), 1u);
  EXPECT_EQ(ran.r.clusters[0].running, std::vector<std::string>{"e1"});
}

// etcd's strict reconfiguration check: a 3-member cluster with one member down cannot
// add a 4th voter.
TEST(MemberBehaviour, StrictReconfigRefusesAddWhileAVoterIsUnreachable) {
  auto ran = run_text(fmt::format(R"({{"name": "t", "description": "d", {}, "members": [{}, {}, {}],
    "timeline": [{{"at": "0s", "start": ["n1", "n2", "n3"]}}, {{"at": "5s", "stop": ["n3"]}},
                 {{"at": "6s", "etcdctl": "member add n4 --peer-urls=http://10.0.0.4:2380", "endpoints": ["n1"]}}],
    "duration": "10s"}})",
                                  three_hosts(), bare("n1", "10.0.0.1", 2379, 2380, kCluster3, "new"),
                                  bare("n2", "10.0.0.2", 2379, 2380, kCluster3, "new"),
                                  bare("n3", "10.0.0.3", 2379, 2380, kCluster3, "new")));
  // A stopped member keeps its name, so IsReadyToAddVotingMember counts it as started
  // (3 of 4); it is the connectivity check (isConnectedFullySince) that refuses.
  bool refused = false;
  for (const auto& e : of_kind(ran.d->world().trace(), Ev::Note))
    refused = refused || e.a.find("Error: etcdserver: unhealthy cluster") != std::string::npos;
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace raftlab
