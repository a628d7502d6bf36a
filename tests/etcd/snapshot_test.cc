// etcd snapshots and raft log compaction inside the world (etcd v3.5 triggerSnapshot /
// snapshot / applySnapshot): --snapshot-count triggers a snapshot, the raft log keeps
// --experimental-snapshot-catchup-entries entries, a member that was down catches up
// through the leader's snapshot, and a restart recovers its KV from snapshot + WAL.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/deploy.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

using sim::Ev;

std::string member(const std::string& name, const std::string& ip, const std::string& extra) {
  return fmt::format(
      R"({{"name": "{0}", "host": "{0}", "flags": "etcd --name {0} --data-dir /var/lib/{0} --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://{1}:2379 --listen-peer-urls http://0.0.0.0:2380 --initial-advertise-peer-urls http://{1}:2380 --initial-cluster n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380,n3=http://10.0.0.3:2380 --initial-cluster-state new --initial-cluster-token tok {2}"}})",
      name, ip, extra);
}

std::unique_ptr<sim::Deployment> cluster(const std::string& extra) {
  const std::string text = fmt::format(
      R"({{"name": "t", "description": "d",
        "hosts": [{{"name": "n1", "ip": "10.0.0.1"}}, {{"name": "n2", "ip": "10.0.0.2"}}, {{"name": "n3", "ip": "10.0.0.3"}}],
        "members": [{}, {}, {}], "timeline": [{{"at": "0s", "start": ["n1", "n2", "n3"]}}], "duration": "60s"}})",
      member("n1", "10.0.0.1", extra), member("n2", "10.0.0.2", extra), member("n3", "10.0.0.3", extra));
  auto lr = scenario::load_string(text, "inline.json");
  EXPECT_TRUE(lr.ok()) << (lr.errors.empty() ? "" : scenario::format(lr.errors.front()));
  if (!lr.ok()) return nullptr;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, sim::RunOptions{}, &errors);
  EXPECT_TRUE(d) << (errors.empty() ? "" : scenario::format(errors.front()));
  return d;
}

// `n` puts through `endpoint`, one after the other; returns how many succeeded.
int put_chain(sim::World& w, const std::string& endpoint, const std::string& prefix, int n) {
  auto ok = std::make_shared<int>(0);
  auto left = std::make_shared<int>(n);
  auto issue = std::make_shared<std::function<void()>>();
  *issue = [&w, endpoint, prefix, ok, left, issue] {
    if (*left == 0) return;
    sim::ClientRequest req;
    req.kind = sim::ClientOpKind::Put;
    req.key = fmt::format("{}{}", prefix, *left);
    req.value = fmt::format("v{}", *left);
    --*left;
    w.etcdctl(std::move(req), {endpoint}, [ok, issue](const sim::ClientResult& r) {
      if (r.ok) ++*ok;
      (*issue)();
    });
  };
  (*issue)();
  w.run_until(w.now() + sim::seconds(20));
  *issue = nullptr;  // break the cycle
  return *ok;
}

// A serializable get (answered from that member's own KV).
std::string local_get(sim::World& w, const std::string& endpoint, const std::string& key) {
  auto out = std::make_shared<std::string>("<no answer>");
  sim::ClientRequest req;
  req.kind = sim::ClientOpKind::Get;
  req.key = key;
  req.serializable = true;
  w.etcdctl(std::move(req), {endpoint}, [out](const sim::ClientResult& r) {
    *out = !r.ok ? fmt::format("error: {}", r.error) : r.reply.found ? r.reply.value : "<absent>";
  });
  w.run_until(w.now() + sim::seconds(1));
  return *out;
}

int count_logs(const sim::Trace& t, const std::string& who, const std::string& msg) {
  int n = 0;
  for (const auto& e : t.events())
    if (e.kind == Ev::Log && e.who == who && e.b == msg) ++n;
  return n;
}

TEST(EtcdSnapshot, SnapshotCountTriggersSnapshotsAndCompaction) {
  auto d = cluster("--snapshot-count 20 --experimental-snapshot-catchup-entries 5");
  ASSERT_TRUE(d);
  sim::World& w = d->world();
  w.run_until(sim::seconds(3));
  ASSERT_EQ(put_chain(w, "http://10.0.0.1:2379", "k", 100), 100);
  for (const char* n : {"n1", "n2", "n3"}) {
    // ~108 applied entries, a snapshot each time 20 more than the last were applied.
    EXPECT_EQ(count_logs(w.trace(), n, "triggering snapshot"), 5) << n;
    EXPECT_EQ(count_logs(w.trace(), n, "saved snapshot"), 5) << n;
    EXPECT_EQ(count_logs(w.trace(), n, "compacted Raft logs"), 5) << n;
  }
  EXPECT_EQ(local_get(w, "http://10.0.0.2:2379", "k1"), "v1");
}

TEST(EtcdSnapshot, DefaultSnapshotCountNeverTriggersInShortRuns) {
  auto d = cluster("");
  ASSERT_TRUE(d);
  sim::World& w = d->world();
  w.run_until(sim::seconds(3));
  ASSERT_EQ(put_chain(w, "http://10.0.0.1:2379", "k", 50), 50);
  EXPECT_EQ(count_logs(w.trace(), "n1", "triggering snapshot"), 0);
}

TEST(EtcdSnapshot, MemberThatWasDownCatchesUpThroughTheLeadersSnapshot) {
  auto d = cluster("--snapshot-count 20 --experimental-snapshot-catchup-entries 5");
  ASSERT_TRUE(d);
  sim::World& w = d->world();
  w.run_until(sim::seconds(3));
  ASSERT_EQ(put_chain(w, "http://10.0.0.1:2379", "a", 10), 10);
  const int n3 = w.container_index("n3");
  w.stop(n3);
  // Long enough for n1 and n2 to elect a leader if n3 led (an election timeout and more): a
  // put forwarded to a stopped leader is lost and times out at the client, as in etcd.
  w.run_until(w.now() + sim::seconds(3));
  // Whoever leads now (n1 or n2) compacts far past n3's log.
  ASSERT_EQ(put_chain(w, "http://10.0.0.1:2379", "b", 100), 100);
  w.start(n3);
  w.run_until(w.now() + sim::seconds(5));
  EXPECT_EQ(count_logs(w.trace(), "n3", "applied snapshot"), 1);
  EXPECT_EQ(local_get(w, "http://10.0.0.3:2379", "b1"), "v1");    // from the snapshot
  EXPECT_EQ(local_get(w, "http://10.0.0.3:2379", "a10"), "v10");  // written before it went down
  // And it keeps replicating afterwards.
  ASSERT_EQ(put_chain(w, "http://10.0.0.1:2379", "c", 3), 3);
  EXPECT_EQ(local_get(w, "http://10.0.0.3:2379", "c1"), "v1");
}

TEST(EtcdSnapshot, RestartRecoversFromSnapshotAndWalTail) {
  auto d = cluster("--snapshot-count 20 --experimental-snapshot-catchup-entries 5");
  ASSERT_TRUE(d);
  sim::World& w = d->world();
  w.run_until(sim::seconds(3));
  ASSERT_EQ(put_chain(w, "http://10.0.0.1:2379", "k", 50), 50);
  // Every member stops, then starts again from its data dir (snapshot + WAL after it).
  for (const char* n : {"n1", "n2", "n3"}) w.stop(w.container_index(n));
  w.run_until(w.now() + sim::seconds(1));
  for (const char* n : {"n1", "n2", "n3"}) w.start(w.container_index(n));
  w.run_until(w.now() + sim::seconds(5));
  for (const char* url : {"http://10.0.0.1:2379", "http://10.0.0.2:2379", "http://10.0.0.3:2379"}) {
    EXPECT_EQ(local_get(w, url, "k50"), "v50") << url;  // early: only in the snapshot
    EXPECT_EQ(local_get(w, url, "k1"), "v1") << url;    // late: in the WAL tail
  }
  ASSERT_EQ(put_chain(w, "http://10.0.0.2:2379", "after", 5), 5);
  EXPECT_EQ(local_get(w, "http://10.0.0.3:2379", "after1"), "v1");
}

}  // namespace
}  // namespace raftlab
