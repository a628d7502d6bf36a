// Pipelined client batches (World::etcdctl_batch, wire.h ClientBatch): one packet of
// puts and gets to a member, proposed as one MsgProp before one Ready; every request gets
// its own reply and trace events; every member applies every put; a follower forwards the
// batch's proposal to the leader; runs are deterministic; a batch to a member that is
// down times out request by request.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/deploy.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

using sim::Ev;

std::string member(const std::string& name, const std::string& ip) {
  return fmt::format(
      R"({{"name": "{0}", "host": "{0}", "flags": "etcd --name {0} --data-dir /var/lib/{0} --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://{1}:2379 --listen-peer-urls http://0.0.0.0:2380 --initial-advertise-peer-urls http://{1}:2380 --initial-cluster n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380,n3=http://10.0.0.3:2380 --initial-cluster-state new --initial-cluster-token tok"}})",
      name, ip);
}

std::unique_ptr<sim::Deployment> cluster(std::uint64_t seed = 1) {
  const std::string text = fmt::format(
      R"({{"name": "t", "description": "d",
        "hosts": [{{"name": "n1", "ip": "10.0.0.1"}}, {{"name": "n2", "ip": "10.0.0.2"}}, {{"name": "n3", "ip": "10.0.0.3"}}],
        "members": [{}, {}, {}], "timeline": [{{"at": "0s", "start": ["n1", "n2", "n3"]}}], "duration": "60s"}})",
      member("n1", "10.0.0.1"), member("n2", "10.0.0.2"), member("n3", "10.0.0.3"));
  auto lr = scenario::load_string(text, "inline.json");
  EXPECT_TRUE(lr.ok()) << (lr.errors.empty() ? "" : scenario::format(lr.errors.front()));
  if (!lr.ok()) return nullptr;
  sim::RunOptions o;
  o.seed = seed;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, o, &errors);
  EXPECT_TRUE(d) << (errors.empty() ? "" : scenario::format(errors.front()));
  return d;
}

std::string leader_url(sim::World& w) {
  for (const auto& m : w.members())
    if (m.running && m.role == raft::Role::Leader) return m.client_url;
  return "";
}

std::string follower_url(sim::World& w) {
  for (const auto& m : w.members())
    if (m.running && m.role != raft::Role::Leader) return m.client_url;
  return "";
}

struct Outcome {
  std::vector<sim::ClientResult> results;
  std::size_t calls = 0;
};

// `n` puts k<i> = v<i> and then a get of k0, as one batch to `endpoint`.
std::shared_ptr<Outcome> send_batch(sim::World& w, const std::string& endpoint, int n) {
  std::vector<sim::ClientRequest> reqs;
  for (int i = 0; i < n; ++i) {
    sim::ClientRequest r;
    r.kind = sim::ClientOpKind::Put;
    r.key = fmt::format("k{}", i);
    r.value = fmt::format("v{}", i);
    reqs.push_back(r);
  }
  sim::ClientRequest get;
  get.kind = sim::ClientOpKind::Get;
  get.key = "k0";
  reqs.push_back(get);
  auto out = std::make_shared<Outcome>();
  out->results.resize(reqs.size());
  w.etcdctl_batch(std::move(reqs), endpoint, [out](std::size_t i, const sim::ClientResult& r) {
    out->results[i] = r;
    ++out->calls;
  });
  return out;
}

// A three-member cluster run for 3 s (a leader elected and every member serving).
class ClientBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    d = cluster();
    if (d) d->world().run_until(sim::seconds(3));
  }
  std::unique_ptr<sim::Deployment> d;
  sim::World& w_ref() { return d->world(); }
};

TEST_F(ClientBatchTest, EveryRequestIsAnsweredAndEveryMemberAppliesEveryPut) {
  ASSERT_TRUE(d);
  sim::World& w = w_ref();
  const std::string leader = leader_url(w);
  ASSERT_FALSE(leader.empty());
  const std::uint64_t applied0 = w.members().front().applied;
  auto out = send_batch(w, leader, 100);
  w.run_until(sim::seconds(4));
  ASSERT_EQ(out->calls, 101u);
  std::map<std::uint64_t, int> revisions;
  for (int i = 0; i < 100; ++i) {
    const auto& r = out->results[static_cast<std::size_t>(i)];
    EXPECT_TRUE(r.ok) << i << ": " << r.error;
    ++revisions[r.reply.revision];
  }
  EXPECT_EQ(revisions.size(), 100u) << "each put its own revision";
  const auto& g = out->results[100];
  EXPECT_TRUE(g.ok) << g.error;
  EXPECT_TRUE(g.reply.found);
  EXPECT_EQ(g.reply.value, "v0");
  for (const auto& m : w.members()) EXPECT_EQ(m.applied, applied0 + 101) << m.name;
  // The trace has a client_call and a client_done for every request.
  int calls = 0, dones = 0;
  for (const auto& e : w.trace().events()) {
    calls += e.kind == Ev::ClientCall;
    dones += e.kind == Ev::ClientDone && e.a == "ok";
  }
  EXPECT_EQ(calls, 101);
  EXPECT_EQ(dones, 101);
}

TEST_F(ClientBatchTest, OneProposalOneBroadcast) {
  ASSERT_TRUE(d);
  sim::World& w = w_ref();
  const std::string leader = leader_url(w);
  ASSERT_FALSE(leader.empty());
  const std::uint64_t sent0 = w.net().packets_sent();
  auto out = send_batch(w, leader, 60);
  w.run_until(w.now() + sim::millis(50));
  ASSERT_EQ(out->calls, 61u);
  // One request packet; per follower at most a couple of appends and answers, and the
  // commit index carried on; replies in one or two packets — not 61 of everything.
  EXPECT_LT(w.net().packets_sent() - sent0, 20u);
}

TEST_F(ClientBatchTest, AFollowerForwardsTheBatchToTheLeader) {
  ASSERT_TRUE(d);
  sim::World& w = w_ref();
  const std::string follower = follower_url(w);
  ASSERT_FALSE(follower.empty());
  auto out = send_batch(w, follower, 10);
  w.run_until(sim::seconds(4));
  ASSERT_EQ(out->calls, 11u);
  for (const auto& r : out->results) EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(out->results[10].reply.value, "v0");
}

TEST_F(ClientBatchTest, BadRequestsAreRefusedOneByOne) {
  ASSERT_TRUE(d);
  sim::World& w = w_ref();
  std::vector<sim::ClientRequest> reqs(3);
  reqs[0].kind = sim::ClientOpKind::Put;  // no key
  reqs[1].kind = sim::ClientOpKind::Put;
  reqs[1].key = "a";
  reqs[1].value = "1";
  reqs[2].kind = sim::ClientOpKind::MemberList;
  std::vector<sim::ClientResult> res(3);
  w.etcdctl_batch(std::move(reqs), leader_url(w), [&res](std::size_t i, const sim::ClientResult& r) { res[i] = r; });
  w.run_until(sim::seconds(4));
  EXPECT_EQ(res[0].error, "etcdserver: key is not provided");
  EXPECT_TRUE(res[1].ok) << res[1].error;
  EXPECT_FALSE(res[2].ok);
  EXPECT_NE(res[2].error.find("puts and linearizable gets only"), std::string::npos) << res[2].error;
}

TEST_F(ClientBatchTest, ABatchToADownMemberTimesOutRequestByRequest) {
  ASSERT_TRUE(d);
  sim::World& w = w_ref();
  const int c = w.container_index("n2");
  w.crash(c, false);
  auto out = send_batch(w, "n2", 5);
  w.run_until(w.now() + sim::seconds(6));
  ASSERT_EQ(out->calls, 6u);
  for (const auto& r : out->results) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, "context deadline exceeded");
  }
}

TEST(ClientBatch, SameSeedSameTrace) {
  std::string hashes[2];
  for (auto& h : hashes) {
    auto d = cluster(7);
    ASSERT_TRUE(d);
    sim::World& w = d->world();
    w.run_until(sim::seconds(3));
    auto out = send_batch(w, leader_url(w), 50);
    w.run_until(sim::seconds(5));
    ASSERT_EQ(out->calls, 51u);
    h = w.trace().sha256();
  }
  EXPECT_EQ(hashes[0], hashes[1]);
}

}  // namespace
}  // namespace raftlab
