// tests/report/report_test.cc — raftlab report, the root cause in words, the Chrome
// trace export: a cause for every shipped scenario naming the right members and reason,
// the page's etcdctl tables equal to `raftlab status --at`, byte-identical pages,
// escaped hostile text, the Trace Event JSON's structure. (The rendered page is checked
// in headless Chromium by browser_test.sh.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/cloud/cloud.h"
#include "sim/etcd/ids.h"
#include "sim/scenario/loader.h"
#include "tests/common/cli_run.h"
#include "tests/scenarios/shipped.h"
#include "tools/cli.h"
#include "tools/report/report.h"
#include "tools/report/root_cause.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;
using test::cli;

struct Ran {
  sim::RunResult r;
  std::vector<sim::TraceEvent> events;
  std::string description;
};

Ran run_file(const std::string& rel, sim::RunOptions ro = {}) {
  ro.extension = cloud::extension_factory();  // scenarios/aws-asg need the cloud layer
  const std::string path = std::string(RAFTLAB_SOURCE_DIR) + "/" + rel;
  auto lr = scenario::load_file(path);
  EXPECT_TRUE(lr.ok()) << rel;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, ro, &errors);
  EXPECT_TRUE(d) << rel;
  Ran out;
  out.r = d->run();
  out.events = d->world().trace().events();
  out.description = lr.scenario->description;
  return out;
}

std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Want {
  std::string kind;                  // the first finding's kind
  std::vector<std::string> members;  // its members
  std::string words;                 // a phrase its headline or facts must hold
};

// The cause each shipped scenario must get. A scenario missing here fails the test.
const std::map<std::string, Want>& wanted() {
  static const std::map<std::string, Want> w = {
      // Discovery (issue 27): a bootstrap through a token or SRV records is one cluster;
      // a failing member's first finding is its exit, with etcd's discovery error.
      {"scenarios/discovery/discovery-bootstrap.json",
       {"one-cluster", {"etcd1", "etcd2", "etcd3", "etcd4", "etcd5"}, "bootstrapped it from the discovery token"}},
      {"scenarios/discovery/srv-route53.json",
       {"one-cluster", {"etcd1", "etcd2", "etcd3"}, "bootstrapped it from the DNS SRV records, which gave each the same peer URLs"}},
      {"scenarios/bitnami-2host/restart-after-split.json",
       {"empty-initial-cluster", {"etcd1", "etcd2"}, "not set in the shell of host A"}},
      {"scenarios/discovery/token-reused.json", {"exited", {"etcd2"}, "discovery: found duplicate id"}},
      {"scenarios/discovery/srv-bootstrap.json", {"one-cluster", {"etcd1", "etcd2", "etcd3"}, "http://etcd1.example.com:2380"}},
      {"scenarios/discovery/srv-missing-member.json",
       {"exited", {"etcd5"}, "cannot find local etcd member \"etcd5\" in SRV records"}},
      {"scenarios/discovery/asg-scale-out-discovery.json", {"exited", {"etcd5"}, "discovery: cluster is full"}},
      {"scenarios/bitnami-2host/every-node-leader.json",
       {"empty-initial-cluster", {"etcd1", "etcd2", "etcd3", "etcd4", "etcd5"}, "$ETCD_INITIAL_CLUSTER expanded to an empty string"}},
      {"scenarios/bitnami-2host/as-written.json",
       {"empty-initial-cluster", {"etcd1", "etcd2"}, "not set in the shell of host A"}},
      {"scenarios/bitnami-2host/restart-same-data.json",
       {"wal-wins", {"etcd1", "etcd2", "etcd3", "etcd4", "etcd5"}, "restarted from the WAL in its data dir"}},
      {"scenarios/bitnami-2host/static-bootstrap.json",
       {"one-cluster", {"etcd1", "etcd2", "etcd3", "etcd4", "etcd5"}, "from the same --initial-cluster"}},
      // Auth: one cluster, but requests without --user are refused: why, from the trace.
      {"scenarios/bitnami-2host/auth-refused.json",
       {"auth-refused", {"etcd1"}, "because ETCD_ROOT_PASSWORD is set"}},
      {"scenarios/bitnami-2host/staggered-start.json",
       {"one-cluster", {"etcd1", "etcd2", "etcd3", "etcd4", "etcd5"}, "etcd1 and etcd2 waited without a leader"}},
      {"scenarios/bitnami-2host/grow-one-at-a-time.json",
       {"grown-with-member-add", {"etcd1", "etcd2", "etcd3", "etcd4", "etcd5"}, "member add"}},
      {"scenarios/bitnami-2host/lose-host-b.json",
       {"host-loss-quorum", {"etcd3", "etcd4", "etcd5"}, "Host B held 3 of the 5 voters"}},
      {"scenarios/bitnami-2host/lose-host-a.json",
       {"one-cluster", {"etcd1", "etcd2", "etcd3", "etcd4", "etcd5"}, "from the same --initial-cluster"}},
      {"scenarios/membership/join-existing-without-add.json", {"join-without-add", {"etcd4"}, "member count is unequal"}},
      {"scenarios/membership/join-new-into-running.json",
       {"new-into-running", {"etcd4"}, "already ran cluster f4315b06e025f54b"}},
      {"scenarios/membership/strict-reconfig-second-add.json",
       {"add-refused", {"http://10.101.99.101:2380"}, "not enough started members"}},
      {"scenarios/membership/scale-in-without-remove.json",
       {"scale-in-without-remove", {"etcd2", "etcd3"}, "stopped but are still voters"}},
      {"scenarios/membership/force-new-cluster-recovery.json",
       {"force-new-cluster", {"etcd1"}, "a one-member cluster with the same cluster ID f4315b06e025f54b and the same data"}},
      {"scenarios/lab/reference.json",
       // The nemesis' `member add etcd6` (with root's credentials: auth is on) runs while the
       // leader is cut off; its Authenticate times out before the add is sent: the first finding.
       {"add-refused", {"etcd6"}, "context deadline exceeded"}},
      {"scenarios/lab/small.json", {"one-cluster", {"m1", "m2", "m3"}, "from the same --initial-cluster"}},
      {"scenarios/lab/quorum-2host.json",
       {"one-cluster", {"etcd1", "etcd2", "etcd3", "etcd4", "etcd5"}, "from the same --initial-cluster"}},
      // The cloud layer (root_cause_cloud.cc): instance IDs are seed 1's.
      {"scenarios/aws-asg/01-naive-every-instance-leader.json",
       {"different-initial-cluster", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10", "i-eb793ed71981b32bf"}, "names only some of the members"}},
      {"scenarios/aws-asg/02-discovery-one-cluster.json", {"one-cluster", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10", "i-eb793ed71981b32bf"}, "from the same --initial-cluster"}},
      {"scenarios/aws-asg/03-scale-in-3-to-1-no-hook.json",
       {"asg-terminated-without-remove", {"i-542f236fef5590c1d", "i-eb793ed71981b32bf"}, "terminated i-542f236fef5590c1d and i-eb793ed71981b32bf without `etcdctl member remove`"}},
      {"scenarios/aws-asg/04a-scale-out-1-to-3-naive.json",
       {"different-initial-cluster", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10", "i-eb793ed71981b32bf", "i-957630faab34710ab", "i-018c5c912e9011806"}, "names only some of the members"}},
      {"scenarios/aws-asg/04b-scale-out-1-to-3-discovery.json",
       {"asg-terminated-without-remove", {"i-542f236fef5590c1d", "i-eb793ed71981b32bf"}, "a quorum needs 2 — no leader, no writes"}},
      {"scenarios/aws-asg/05-fix-hook-and-stepwise.json",
       {"grown-with-member-add", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10", "i-eb793ed71981b32bf", "i-018c5c912e9011806", "i-957630faab34710ab"}, "joined one at a time"}},
      {"scenarios/aws-asg/05b-scale-out-two-at-once.json",
       {"add-refused", {"http://10.0.2.92:2380"}, "not enough started members"}},
      {"scenarios/aws-asg/06a-instance-dies-naive.json",
       {"different-initial-cluster", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10", "i-eb793ed71981b32bf", "i-018c5c912e9011806"}, "names only some of the members"}},
      {"scenarios/aws-asg/06b-instance-dies-discovery.json", {"grown-with-member-add", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10", "i-eb793ed71981b32bf", "i-018c5c912e9011806"}, "member add"}},
      {"scenarios/aws-asg/07a-az-outage-two-azs.json",
       {"instance-loss-quorum", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10"}, "took the quorum with them"}},
      {"scenarios/aws-asg/08-scale-out-discovery-token.json",
       {"exited", {"i-018c5c912e9011806"}, "discovery: cluster is full"}},
      {"scenarios/aws-asg/07b-az-outage-three-azs.json", {"grown-with-member-add", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10", "i-eb793ed71981b32bf", "i-018c5c912e9011806"}, "member add"}},
      {"scenarios/apisix/01-route-sync-healthy.json", {"one-cluster", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10", "i-eb793ed71981b32bf"}, "from the same --initial-cluster"}},
      {"scenarios/apisix/02-route-split-every-node-leader.json",
       {"different-initial-cluster", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10", "i-eb793ed71981b32bf"}, "names only some of the members"}},
      {"scenarios/apisix/03-route53-weighted.json", {"one-cluster", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10", "i-eb793ed71981b32bf"}, "from the same --initial-cluster"}},
      {"scenarios/apisix/04-asg-scale-in-from-the-gateways.json",
       {"asg-terminated-without-remove", {"i-542f236fef5590c1d", "i-eb793ed71981b32bf"}, "without `etcdctl member remove`"}},
      {"scenarios/aws-asg/lab-asg-instance-faults.json",
       {"grown-with-member-add", {"i-542f236fef5590c1d", "i-e79b40dfe94d32a10", "i-eb793ed71981b32bf", "i-018c5c912e9011806", "i-957630faab34710ab", "i-4b831ef294bdd52f3", "i-7916fd0cbebfc1254"}, "member add"}},
  };
  return w;
}

std::string all_text(const tools::report::Finding& f) {
  std::string s = f.headline;
  for (const auto& b : f.because) s += "\n" + b;
  return s;
}

TEST(RootCause, EveryShippedScenarioNamesItsMembersAndReason) {
  for (const auto& rel : testing::shipped_scenarios()) {
    SCOPED_TRACE(rel);
    auto it = wanted().find(rel);
    ASSERT_NE(it, wanted().end()) << "a shipped scenario without an expected root cause: add it to wanted()";
    Ran x = run_file(rel);
    const auto rc = tools::report::root_cause(x.events, x.r, rel);
    ASSERT_FALSE(rc.findings.empty());
    const auto& f = rc.findings[0];
    EXPECT_EQ(f.kind, it->second.kind) << tools::report::root_cause_text(rc);
    EXPECT_EQ(f.members, it->second.members) << tools::report::root_cause_text(rc);
    EXPECT_NE(all_text(f).find(it->second.words), std::string::npos) << tools::report::root_cause_text(rc);
    const bool problem = f.kind != "one-cluster" && f.kind != "grown-with-member-add" && f.kind != "force-new-cluster";
    EXPECT_EQ(rc.problem, problem);
    if (problem) {
      EXPECT_FALSE(f.fix.empty());
      EXPECT_NE(f.check.find("raftlab "), std::string::npos);
    }
  }
}

// A spent discovery token: the fix is `member add`, not "start it again" (which can never
// work with the same token), and the finding says why a token is for one bootstrap.
TEST(RootCause, SpentDiscoveryTokenSaysMemberAdd) {
  for (const char* rel : {"scenarios/aws-asg/08-scale-out-discovery-token.json", "scenarios/discovery/asg-scale-out-discovery.json"}) {
    SCOPED_TRACE(rel);
    Ran x = run_file(rel);
    const auto rc = tools::report::root_cause(x.events, x.r, rel);
    ASSERT_FALSE(rc.findings.empty());
    const auto& f = rc.findings[0];
    EXPECT_NE(f.fix.find("etcdctl member add"), std::string::npos) << f.fix;
    EXPECT_NE(all_text(f).find("bootstraps ONE cluster"), std::string::npos) << all_text(f);
  }
  Ran x = run_file("scenarios/discovery/token-reused.json");
  const auto rc = tools::report::root_cause(x.events, x.r, "f");
  ASSERT_FALSE(rc.findings.empty());
  EXPECT_NE(rc.findings[0].fix.find("use a new token"), std::string::npos) << rc.findings[0].fix;
}

TEST(RootCause, LoseHostAKeepsQuorumAndSaysSo) {
  Ran x = run_file("scenarios/bitnami-2host/lose-host-a.json");
  const auto rc = tools::report::root_cause(x.events, x.r, "f");
  bool found = false;
  for (const auto& f : rc.findings)
    if (f.kind == "host-loss-survived") {
      found = true;
      EXPECT_EQ(f.members, (std::vector<std::string>{"etcd1", "etcd2"}));
    }
  EXPECT_TRUE(found) << tools::report::root_cause_text(rc);
}

// Auth refusals in plain words, from the trace: the image's RBAC step turned auth on
// because ETCD_ROOT_PASSWORD is set, a request without --user is refused with etcd's text,
// the fix passes --user root:$ETCD_ROOT_PASSWORD; the password itself is never printed.
TEST(RootCause, AuthRefusalIsExplainedFromTheTrace) {
  const std::string rel = "scenarios/bitnami-2host/auth-refused.json";
  Ran x = run_file(rel);
  const auto rc = tools::report::root_cause(x.events, x.r, rel);
  ASSERT_GE(rc.findings.size(), 2u);
  EXPECT_TRUE(rc.problem);
  const auto& f = rc.findings[0];
  ASSERT_EQ(f.kind, "auth-refused") << tools::report::root_cause_text(rc);
  EXPECT_EQ(f.headline, "Authentication is on (the image's RBAC step on etcd1, because ETCD_ROOT_PASSWORD is set): "
                        "2 requests without --user were refused with \"etcdserver: user name is empty\"");
  const std::string facts = all_text(f);
  for (const char* want : {"3.004s etcd1: Bitnami's entrypoint runs its RBAC step (etcd_configure_rbac) when "
                           "ETCD_ROOT_PASSWORD is set",
                           "adds the user root", "`auth enable` answered at 3.007s",
                           "a request sent without --user carries none, so etcd cannot tell who asks",
                           "12s put /apisix/routes/1 through http://10.101.99.100:2379 without --user: refused",
                           "15s put /apisix/routes/2 through http://10.101.99.101:2379 without --user: refused",
                           "13s --user root with a wrong password", "authentication failed, invalid user ID or password",
                           "10s member list through http://10.101.99.100:2379 answered without credentials"})
    EXPECT_NE(facts.find(want), std::string::npos) << want << "\n" << facts;
  EXPECT_NE(f.fix.find("etcdctl --user root:$ETCD_ROOT_PASSWORD put /apisix/routes/1"), std::string::npos) << f.fix;
  EXPECT_EQ(rc.findings[1].kind, "one-cluster");
  const std::string text = tools::report::root_cause_text(rc);
  EXPECT_EQ(text.find("1234qwer"), std::string::npos) << text;  // never the password
  // The trace alone: the same finding from the events, with an empty RunResult.
  const auto from_trace = tools::report::root_cause(x.events, sim::RunResult{}, rel);
  bool found = false;
  for (const auto& g : from_trace.findings) found = found || (g.kind == "auth-refused" && g.headline == f.headline);
  EXPECT_TRUE(found) << tools::report::root_cause_text(from_trace);
  // A run with auth on and no refusal (every request passes --user) has no such finding.
  Ran ok = run_file("scenarios/bitnami-2host/static-bootstrap.json");
  for (const auto& g : tools::report::root_cause(ok.events, ok.r, "f").findings) EXPECT_NE(g.kind, "auth-refused");
  // The report page carries it (rendered with textContent: tools/report/html.cc).
  const std::string page = tools::report::report_json(x.events, x.r, {});
  EXPECT_NE(page.find("\"kind\":\"auth-refused\""), std::string::npos);
  EXPECT_NE(page.find("ETCD_ROOT_PASSWORD is set"), std::string::npos);
}

TEST(RootCause, RunPrintsItAndJsonCarriesIt) {
  auto t = cli({"run", std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/every-node-leader.json"});
  EXPECT_NE(t.out.find("Root cause:\n  * $ETCD_INITIAL_CLUSTER was not set"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("fix:   on hosts A and B: export ETCD_INITIAL_CLUSTER="), std::string::npos);
  auto j = cli({"run", std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/membership/join-new-into-running.json", "--json"});
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["root_cause"]["findings"][0]["kind"], "new-into-running");
  EXPECT_EQ(doc["root_cause"]["findings"][0]["members"], nlohmann::json::array({"etcd4"}));
  auto c = cli({"compare", std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/restart-same-data.json",
                std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/static-bootstrap.json"});
  EXPECT_NE(c.out.find("Why it went wrong\n  * The data dir wins"), std::string::npos) << c.out;
}

// The --force-new-cluster recovery's story, from the trace: the member forced, the members
// it removed and why the quorum was gone, the IDs and data it kept, the member that joined
// after `member add` — the same words in `run`, `--json`, `compare` and the report's data.
TEST(RootCause, ForceNewClusterRecoveryIsToldFromTheTrace) {
  const std::string rel = "scenarios/membership/force-new-cluster-recovery.json";
  Ran x = run_file(rel);
  const auto rc = tools::report::root_cause(x.events, x.r, rel);
  ASSERT_GE(rc.findings.size(), 2u);
  EXPECT_FALSE(rc.problem);
  const auto& f = rc.findings[0];
  ASSERT_EQ(f.kind, "force-new-cluster") << tools::report::root_cause_text(rc);
  EXPECT_EQ(f.headline, "etcd1 was restarted with --force-new-cluster at 18s: a one-member cluster with the same "
                        "cluster ID f4315b06e025f54b and the same data, without etcd2 and etcd3; etcd4 then joined "
                        "through `member add`");
  const std::string facts = all_text(f);
  for (const char* want : {"etcd2 and etcd3 stopped (last at 8s) without `member remove`: etcd1 was 1 of 3 voters, "
                           "below the quorum of 2",
                           "member d45a2ea382c4eed, cluster f4315b06e025f54b, commit index 10",
                           "removal of every other member (etcd2 and etcd3)", "elected itself at 18.611s (term 3)",
                           "the key /apisix/routes/1 written at 7.002s was read back at 24.001s (\"r1\")",
                           "etcd4 joined at 28.125s with state existing: 2 voters",
                           "stepped down from 27.611s to 29.214s, since 1 of 2 voters ran until etcd4 started"})
    EXPECT_NE(facts.find(want), std::string::npos) << want << "\n" << facts;
  EXPECT_NE(f.fix.find("drop it from etcd1's flags before its next start"), std::string::npos) << f.fix;
  EXPECT_NE(f.check.find("--at 30s"), std::string::npos) << f.check;
  EXPECT_EQ(rc.findings[1].kind, "grown-with-member-add");
  // The same in the CLI's outputs.
  const std::string file = std::string(RAFTLAB_SOURCE_DIR) + "/" + rel;
  auto t = cli({"run", file});
  EXPECT_NE(t.out.find("Root cause:\n  * etcd1 was restarted with --force-new-cluster at 18s"), std::string::npos) << t.out;
  auto j = nlohmann::json::parse(cli({"run", file, "--json"}).out);
  EXPECT_EQ(j["root_cause"]["findings"][0]["kind"], "force-new-cluster");
  EXPECT_EQ(j["root_cause"]["problem"], false);
  auto c = cli({"compare", std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/membership/scale-in-without-remove.json", file});
  EXPECT_NE(c.out.find("Why the fix works\n  * etcd1 was restarted with --force-new-cluster at 18s"), std::string::npos)
      << c.out;
  const std::string page = tools::report::report_json(x.events, x.r, {});
  EXPECT_NE(page.find("\"kind\":\"force-new-cluster\""), std::string::npos);
}

// Issue 21: what the gateways saw of the route, from the trace. Seed 1 of the split: the
// PUT through gw1 lands in cluster be78... (i-542f...); both watches are on i-e79b...
// (cluster e328...) until they move at 325 s; gw2's Admin API GETs land on i-eb79... twice.
TEST(RootCause, TheRouteReachesAGatewayOnlyWhereItsWatchIs) {
  const std::string rel = "scenarios/apisix/02-route-split-every-node-leader.json";
  Ran x = run_file(rel);
  const auto stories = tools::report::route_stories(x.events, x.r);
  ASSERT_EQ(stories.size(), 1u);
  const auto& w = stories[0];
  EXPECT_EQ(w.writer, "gw1");
  EXPECT_EQ(w.key, "/apisix/routes/1");
  EXPECT_EQ(w.member, "i-542f236fef5590c1d");
  EXPECT_EQ(etcd::format_id(w.cluster), "be7835a3fa90e0a7");
  EXPECT_EQ(w.clusters_running, 3u);
  ASSERT_EQ(w.gateways.size(), 2u);
  const auto& gw2 = w.gateways[1];
  EXPECT_EQ(gw2.gateway, "gw2");
  EXPECT_EQ(gw2.watch_at_write, "i-e79b40dfe94d32a10");
  EXPECT_EQ(etcd::format_id(gw2.cluster_at_write), "e3289d5a9ba13b87");
  EXPECT_EQ(gw2.got_from, "i-542f236fef5590c1d");
  EXPECT_EQ(tools::report::seconds_text(gw2.got_at), "325.048s");
  ASSERT_EQ(gw2.reads.size(), 3u);
  EXPECT_EQ(gw2.reads[0].code, 404);
  EXPECT_EQ(gw2.reads[0].member, "i-eb793ed71981b32bf");
  EXPECT_EQ(gw2.reads[1].code, 200);
  EXPECT_EQ(gw2.reads[1].member, "i-542f236fef5590c1d");
  const auto rc = tools::report::root_cause(x.events, x.r, rel);
  const tools::report::Finding* f = nullptr;
  for (const auto& y : rc.findings)
    if (y.kind == "route-missing-on-gateway") f = &y;
  ASSERT_NE(f, nullptr) << tools::report::root_cause_text(rc);
  EXPECT_EQ(f->members, (std::vector<std::string>{"gw1", "gw2"}));
  for (const char* want : {"The route /apisix/routes/1 written through gw1 at 300.004s went into cluster "
                           "be7835a3fa90e0a7 only (i-542f236fef5590c1d), one of 3 clusters",
                           "did not reach gw2 until 325.048s (25.044s later)",
                           "gw2's Admin API answered 404 for it at 320.002s and 332.002s",
                           "the watch connections of gw1 and gw2 were on members of other clusters"})
    EXPECT_NE(f->headline.find(want), std::string::npos) << want << "\n" << f->headline;
  EXPECT_NE(all_text(*f).find("gw2 got the route at 325.048s (25.044s later) through its watch on i-542f236fef5590c1d "
                              "(cluster be7835a3fa90e0a7): when the route was written its watch connection was on "
                              "i-e79b40dfe94d32a10 (cluster e3289d5a9ba13b87), a different cluster"),
            std::string::npos)
      << all_text(*f);
  EXPECT_NE(all_text(*f).find("that request's own connection landed on i-eb793ed71981b32bf (cluster 678822cb0361d473), "
                              "which does not hold the route"),
            std::string::npos);
  // The healthy cluster: one cluster, every watch delivers it at once, no problem.
  Ran h = run_file("scenarios/apisix/01-route-sync-healthy.json");
  const auto hc = tools::report::root_cause(h.events, h.r, "f");
  EXPECT_FALSE(hc.problem);
  bool reached = false;
  for (const auto& y : hc.findings)
    if (y.kind == "route-reached-every-gateway") {
      reached = true;
      EXPECT_NE(y.headline.find("the only one, and every gateway's watch delivered it: gw1 at 300.174s and gw2 at "
                                "300.168s"),
                std::string::npos)
          << y.headline;
    }
  EXPECT_TRUE(reached) << tools::report::root_cause_text(hc);
}

// Over seeds the words follow what each gateway's events say: a gateway that never got
// the route "did not reach" it, a late one "did not reach ... until", a 404 read is named.
TEST(RootCause, GatewayWordsAgreeWithTheStoryAtEverySeed) {
  const std::string rel = "scenarios/apisix/02-route-split-every-node-leader.json";
  std::set<std::string> kinds;
  for (std::uint64_t seed = 1; seed <= 24; ++seed) {
    SCOPED_TRACE(seed);
    sim::RunOptions ro;
    ro.seed = seed;
    Ran x = run_file(rel, ro);
    const auto stories = tools::report::route_stories(x.events, x.r);
    ASSERT_EQ(stories.size(), 1u);
    const auto rc = tools::report::root_cause(x.events, x.r, rel);
    const tools::report::Finding* f = nullptr;
    for (const auto& y : rc.findings)
      if (y.kind.rfind("route-", 0) == 0) f = &y;
    ASSERT_NE(f, nullptr);
    kinds.insert(f->kind);
    bool miss = false;
    for (const auto& g : stories[0].gateways) {
      const std::int64_t late = g.got_at < 0 ? -1 : g.got_at - stories[0].at;
      if (g.got_at < 0) {
        miss = true;
        const auto at = f->headline.find("did not reach " + g.gateway);
        ASSERT_NE(at, std::string::npos) << f->headline;
        EXPECT_NE(f->headline.substr(at + 14 + g.gateway.size(), 6), " until") << f->headline;
        EXPECT_NE(g.words.find("never got the route"), std::string::npos) << g.words;
      } else if (late > 5'000'000'000) {
        miss = true;
        EXPECT_NE(f->headline.find("did not reach " + g.gateway + " until " + tools::report::seconds_text(g.got_at)),
                  std::string::npos)
            << f->headline;
      } else {
        EXPECT_EQ(f->headline.find("did not reach " + g.gateway), std::string::npos) << f->headline;
      }
      for (const auto& rd : g.reads)
        if (rd.code == 404) {
          miss = true;
          EXPECT_NE(f->headline.find(g.gateway + "'s Admin API answered 404 for it at"), std::string::npos);
          EXPECT_NE(rd.cluster, stories[0].cluster);
        }
    }
    EXPECT_EQ(f->kind, miss ? "route-missing-on-gateway" : "route-reached-every-gateway");
  }
  EXPECT_TRUE(kinds.count("route-missing-on-gateway"));
}

// Issue 21's done-criterion: `compare` of the split against the healthy cluster, and
// against the split's own fixed variant, says in words that the route did not reach gw2
// and why, naming members and clusters.
TEST(Compare, TheRouteDidNotReachGatewayTwoAndWhy) {
  const std::string broken = std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/apisix/02-route-split-every-node-leader.json";
  for (const std::string& fixed : {std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/apisix/01-route-sync-healthy.json",
                                  std::string(RAFTLAB_SOURCE_DIR) + "/tests/report/data/apisix-02-fixed.json"}) {
    SCOPED_TRACE(fixed);
    auto c = cli({"compare", broken, fixed});
    ASSERT_EQ(c.rc, 0) << c.err;
    // Table rows, and the words (wrapped at 94 columns: compared without line breaks).
    EXPECT_NE(c.out.find("route written          | /apisix/routes/1 via gw1 at 300.004s:"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("gw2 got the route      | at 325.048s (25.044s later); at the"), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("gw2 Admin API GET      | 404 at 320.002s (on cluster"), std::string::npos) << c.out;
    std::string words;
    for (char ch : c.out.substr(c.out.find("Why it went wrong"))) words += ch == '\n' ? ' ' : ch;
    std::string flat;
    for (size_t i = 0; i < words.size(); ++i)
      if (!(words[i] == ' ' && !flat.empty() && flat.back() == ' ')) flat += words[i];
    for (const char* want :
         {"The route /apisix/routes/1 written through gw1 at 300.004s went into cluster be7835a3fa90e0a7 only "
          "(i-542f236fef5590c1d), one of 3 clusters behind the same endpoint",
          "did not reach gw2 until 325.048s", "were on members of other clusters",
          "when the route was written its watch connection was on i-e79b40dfe94d32a10 (cluster e3289d5a9ba13b87), a "
          "different cluster",
          "Why the fix works", "was committed in cluster f0a92874a40807fd, the only one, and every gateway's watch "
          "delivered it: gw1 at 300.174s and gw2 at 300.168s"})
      EXPECT_NE(flat.find(want), std::string::npos) << want << "\n" << flat;
  }
}

TEST(Report, StatusSamplesLeaveTheTraceAsItWasAndEqualStatusAt) {
  const std::string rel = "scenarios/bitnami-2host/staggered-start.json";
  Ran plain = run_file(rel);
  sim::RunOptions ro;
  ro.status_samples_ns = {2'000'000'000, 10'000'000'000, 3'500'000'000};
  Ran sampled = run_file(rel, ro);
  EXPECT_EQ(plain.r.trace_sha256, sampled.r.trace_sha256);
  ASSERT_EQ(sampled.r.status_samples.size(), 3u);
  for (const auto& s : sampled.r.status_samples) {
    const std::string at = std::to_string(s.at_ns / 1'000'000) + "ms";
    auto st = cli({"status", std::string(RAFTLAB_SOURCE_DIR) + "/" + rel, "--at", at});
    ASSERT_EQ(st.rc, 0) << st.err;
    const std::string tables = st.out.substr(st.out.find("\n\n") + 2);
    EXPECT_EQ(tools::status_tables(s.members, s.endpoints, s.at_ns, false), tables) << at;
  }
}

TEST(Report, SameInputSameBytesAndSelfContained) {
  const fs::path dir = fs::path(RAFTLAB_BINARY_DIR) / "report-test";
  fs::create_directories(dir);
  const std::string f = std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/as-written.json";
  ASSERT_EQ(cli({"report", f, "-o", (dir / "a.html").string()}).rc, 0);
  ASSERT_EQ(cli({"run", f, "--html", (dir / "b.html").string()}).rc, 0);
  const std::string a = read((dir / "a.html").string()), b = read((dir / "b.html").string());
  EXPECT_EQ(a, b);
  EXPECT_GT(a.size(), 10000u);
  for (const char* net : {"http-equiv=\"refresh\"", "src=\"http", "href=\"http", "<link", "@import", "fetch("})
    EXPECT_EQ(a.find(net), std::string::npos) << net;
  EXPECT_NE(a.find("<script type=\"application/json\" id=\"data\">"), std::string::npos);
}

TEST(Report, HostileTextStaysInsideTheJsonAsText) {
  const fs::path dir = fs::path(RAFTLAB_BINARY_DIR) / "report-test";
  fs::create_directories(dir);
  const std::string out = (dir / "hostile.html").string();
  ASSERT_EQ(cli({"report", std::string(RAFTLAB_SOURCE_DIR) + "/tests/report/data/hostile.json", "-o", out}).rc, 0);
  const std::string page = read(out);
  // Exactly the page's own two scripts and no injected element.
  size_t scripts = 0;
  for (size_t p = page.find("<script"); p != std::string::npos; p = page.find("<script", p + 1)) ++scripts;
  EXPECT_EQ(scripts, 2u);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<b>bold"), std::string::npos);
  EXPECT_EQ(page.find("\xE2\x80\xA8"), std::string::npos);
  const auto start = page.find("id=\"data\">") + 10;
  const auto end = page.find("</script>", start);
  auto doc = nlohmann::json::parse(page.substr(start, end - start));
  EXPECT_NE(doc["description"].get<std::string>().find("</script><img src=x onerror="), std::string::npos);
  EXPECT_NE(doc["description"].get<std::string>().find("\xE2\x80\xA8"), std::string::npos);
  EXPECT_EQ(tools::report::script_safe_json("\"<&>\xE2\x80\xA8\xE2\x80\xA9\""), "\"\\u003c\\u0026\\u003e\\u2028\\u2029\"");
}

TEST(Report, AFaultLabFailureFileMarksWhereTheCheckerFired) {
  const fs::path dir = fs::path(RAFTLAB_BINARY_DIR) / "report-test" / "failures";
  fs::remove_all(dir);
  auto fz = cli({"fuzz", std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/lab/small.json", "--seeds", "10", "--plant-bug",
                 "apply-before-commit", "--out", dir.string(), "--jobs", "1"});
  ASSERT_TRUE(fs::exists(dir / "seed-10.json")) << fz.out << fz.err;
  const std::string out = (dir / "seed-10.html").string();
  ASSERT_EQ(cli({"report", (dir / "seed-10.json").string(), "-o", out}).rc, 0);
  const std::string page = read(out);
  const auto start = page.find("id=\"data\">") + 10;
  auto doc = nlohmann::json::parse(page.substr(start, page.find("</script>", start) - start));
  EXPECT_EQ(doc["seed"], 10);
  EXPECT_EQ(doc["planted"], nlohmann::json::array({"apply-before-commit"}));
  ASSERT_FALSE(doc["violations"].empty());
  std::set<std::string> checkers;
  for (const auto& v : doc["violations"]) {
    checkers.insert(v["checker"].get<std::string>());
    EXPECT_GT(v["at"].get<std::int64_t>(), 0);
  }
  EXPECT_TRUE(checkers.count("state_machine_safety"));
}

TEST(ChromeTrace, TrackPerMemberRolesAsSlicesFlowsAndInstants) {
  const fs::path dir = fs::path(RAFTLAB_BINARY_DIR) / "report-test";
  fs::create_directories(dir);
  const std::string out = (dir / "lose-host-b.chrome.json").string();
  auto r = cli({"run", std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/lose-host-b.json", "--trace", out,
                "--trace-format", "chrome", "--trace-level", "full"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto doc = nlohmann::json::parse(read(out));
  ASSERT_TRUE(doc["traceEvents"].is_array());
  std::set<std::string> threads;
  std::map<std::string, int> phases;
  std::map<std::uint64_t, int> flow_balance;
  bool host_down = false, leader_slice = false;
  for (const auto& e : doc["traceEvents"]) {
    const std::string ph = e["ph"];
    phases[ph]++;
    EXPECT_EQ(e["pid"], 1);
    if (ph == "M" && e["name"] == "thread_name") threads.insert(e["args"]["name"].get<std::string>().substr(0, 5));
    if (ph == "X") {
      EXPECT_GE(e["dur"].get<double>(), 0.0);
      EXPECT_GE(e["ts"].get<double>(), 0.0);
      EXPECT_TRUE(e.contains("tid"));
      leader_slice = leader_slice || e["name"] == "Leader";
    }
    if (ph == "s") flow_balance[e["id"].get<std::uint64_t>()]++;
    if (ph == "f") {
      flow_balance[e["id"].get<std::uint64_t>()]--;
      EXPECT_EQ(e["bp"], "e");
    }
    if (ph == "i") {
      EXPECT_TRUE(e["s"] == "t" || e["s"] == "g");
      host_down = host_down || e["name"] == "host B down";
    }
  }
  for (const char* m : {"etcd1", "etcd2", "etcd3", "etcd4", "etcd5"}) EXPECT_TRUE(threads.count(m)) << m;
  EXPECT_TRUE(leader_slice);
  EXPECT_TRUE(host_down);
  EXPECT_GT(phases["s"], 100);
  EXPECT_EQ(phases["s"], phases["f"]);
  for (const auto& [id, n] : flow_balance) EXPECT_EQ(n, 0) << id;
}

// The cloud layer's events in the Chrome trace: an instant on the instance's own track, or
// on a track per cloud actor (the group, the load balancer, each gateway); exactly the
// events the HTML report shows.
TEST(ChromeTrace, CloudEventsAreInstantsOnInstanceAndActorTracks) {
  const std::string rel = "scenarios/apisix/02-route-split-every-node-leader.json";
  Ran x = run_file(rel);
  auto doc = nlohmann::json::parse(tools::report::chrome_trace_json(x.events, x.r));
  std::map<int, std::string> thread;
  for (const auto& e : doc["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name") thread[e["tid"].get<int>()] = e["args"]["name"];
  std::map<std::string, int> cloud_on;  // track name -> cloud instants
  int cloud = 0;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] != "i" || e["cat"].get<std::string>().rfind("cloud.", 0) != 0) continue;
    ++cloud;
    EXPECT_EQ(e["s"], "t");
    ASSERT_TRUE(thread.count(e["tid"].get<int>()));
    cloud_on[thread[e["tid"].get<int>()]]++;
  }
  for (const char* t : {"cloud: gw1", "cloud: gw2", "cloud: prod-etcd", "cloud: etcd-nlb", "i-542f236fef5590c1d"})
    EXPECT_GT(cloud_on[t], 0) << t;
  EXPECT_EQ(thread.begin()->second, "i-542f236fef5590c1d");  // an instance's track is named by its ID once
  auto page = nlohmann::json::parse(tools::report::report_json(x.events, x.r, {}));
  int in_page = 0;
  for (const auto& e : page["ev"]) in_page += e[2] == "cloud" ? 1 : 0;
  EXPECT_EQ(cloud, in_page);
  EXPECT_GT(cloud, 50);
}

}  // namespace
}  // namespace raftlab
