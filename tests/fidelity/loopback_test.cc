// The pure pieces of `raftlab diff`'s real-etcd driver (tools/real/loopback.h): moving a
// scenario onto loopback addresses, docker line / Bitnami model -> real etcd argv + env,
// classifying etcd's zap log lines, reading etcdctl's JSON. No etcd needed.
#include <gtest/gtest.h>

#include <algorithm>

#include <set>
#include <string>
#include <vector>

#include "sim/etcd/bitnami.h"
#include "sim/etcd/docker.h"
#include "sim/etcd/shell.h"
#include "sim/scenario/loader.h"
#include "tools/real/loopback.h"
#include "tools/real/netcut.h"
#include "tools/real/real_services.h"

namespace raftlab::real {
namespace {

Place container_place() {
  Place p;
  p.host_lo = "127.0.0.11";
  p.own_netns = true;
  p.published = {{2379, 3379}, {2380, 3380}};
  p.volumes = {etcd::VolumeMount{"/shared/etcd/data/etcd2", "/bitnami/etcd", false}};
  p.host_root = "/tmp/x/hosts/A";
  p.container_root = "/tmp/x/containers/etcd2.0";
  p.cwd = "/tmp/x/containers/etcd2.0/cwd";
  return p;
}

TEST(Loopback, ReplaceIpsOnlyWholeAddresses) {
  LoopbackMap m;
  m.ips = {{"10.0.0.1", "127.0.0.11"}, {"10.0.0.10", "127.0.0.12"}};
  EXPECT_EQ(replace_ips("http://10.0.0.1:2380,http://10.0.0.10:2380", m), "http://127.0.0.11:2380,http://127.0.0.12:2380");
  EXPECT_EQ(replace_ips("110.0.0.1 10.0.0.100 10.0.0.1.5", m), "110.0.0.1 10.0.0.100 10.0.0.1.5");
  EXPECT_EQ(replace_ips("a=10.0.0.1", m), "a=127.0.0.11");
}

TEST(Loopback, ScenarioRewrittenEverywhereWithTheRealVersion) {
  auto r = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/grow-one-at-a-time.json");
  ASSERT_TRUE(r.ok());
  auto m = make_loopback_map(*r.scenario);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.value().by_host.at("A"), "127.0.0.11");
  EXPECT_EQ(m.value().by_host.at("B"), "127.0.0.12");
  const scenario::Scenario s = loopback_scenario(*r.scenario, m.value(), "3.4.23");
  EXPECT_EQ(s.etcd_version.value_or(""), "3.4.23");
  EXPECT_EQ(s.hosts[0].ip, "127.0.0.11");
  EXPECT_EQ(s.hosts[0].env.at("ETCD_INITIAL_CLUSTER"), "etcd1=http://127.0.0.11:2380");
  EXPECT_EQ(s.members[0].config.text.find("10.101.99."), std::string::npos);
  bool saw_add = false;
  for (const auto& t : s.timeline) {
    if (auto* a = std::get_if<scenario::EtcdctlAction>(&t.action)) {
      EXPECT_EQ(a->command.find("10.101.99."), std::string::npos) << a->command;
      saw_add = saw_add || a->command.find("member add etcd2 --peer-urls=http://127.0.0.11:3380") != std::string::npos;
    }
    if (auto* sh = std::get_if<scenario::ShellAction>(&t.action)) {
      for (const auto& [k, v] : sh->exports) {
        EXPECT_EQ(v.find("10.101.99."), std::string::npos);
      }
    }
  }
  EXPECT_TRUE(saw_add);
}

TEST(Loopback, ListenUrlsFollowDockerPublishedPorts) {
  const Place p = container_place();
  EXPECT_EQ(rewrite_url("http://0.0.0.0:2379", true, p).value(), "http://127.0.0.11:3379");
  EXPECT_EQ(rewrite_url("http://0.0.0.0:2380", true, p).value(), "http://127.0.0.11:3380");
  // Advertised URLs keep their (host) port: they are already the host's address.
  EXPECT_EQ(rewrite_url("http://127.0.0.11:3380", false, p).value(), "http://127.0.0.11:3380");
  // A port the container does not publish cannot be given a private one on loopback.
  EXPECT_FALSE(rewrite_url("http://0.0.0.0:4001", true, p).ok());
  // Nothing but loopback, ever.
  EXPECT_FALSE(rewrite_url("http://10.1.2.3:2380", false, p).ok());
  EXPECT_FALSE(rewrite_url("http://etcd1:2380", false, p).ok());
  EXPECT_FALSE(rewrite_url("http://192.168.1.1:2380", true, p).ok());
  Place bare = p;
  bare.own_netns = false;
  EXPECT_EQ(rewrite_url("http://0.0.0.0:2379", true, bare).value(), "http://127.0.0.11:2379");
}

TEST(Loopback, PathsLandInTheTempTree) {
  const Place p = container_place();
  EXPECT_EQ(map_path("/bitnami/etcd/data", p), "/tmp/x/hosts/A/fs/shared/etcd/data/etcd2/data");
  EXPECT_EQ(map_path("/var/lib/etcd", p), "/tmp/x/containers/etcd2.0/var/lib/etcd");
  EXPECT_EQ(map_path("etcd2.etcd", p), "/tmp/x/containers/etcd2.0/cwd/etcd2.etcd");
  Place bare = p;
  bare.own_netns = false;
  EXPECT_EQ(map_path("/var/lib/etcd/etcd1", bare), "/tmp/x/hosts/A/fs/var/lib/etcd/etcd1");
}

TEST(Loopback, FlagsRewrittenInBothSpellings) {
  Place p = container_place();
  p.own_netns = false;
  auto c = real_etcd_command("/usr/bin/etcd",
                             {"--name", "etcd1", "--listen-peer-urls=http://0.0.0.0:2380", "-listen-client-urls",
                              "http://127.0.0.11:2379", "--initial-cluster",
                              "etcd1=http://127.0.0.11:2380,etcd2=http://127.0.0.12:2380", "--data-dir", "/var/lib/etcd",
                              "--heartbeat-interval", "100"},
                             {}, p);
  ASSERT_TRUE(c.ok()) << c.error().message;
  const std::vector<std::string> want{"/usr/bin/etcd", "--name", "etcd1", "--listen-peer-urls=http://127.0.0.11:2380",
                                      "-listen-client-urls", "http://127.0.0.11:2379", "--initial-cluster",
                                      "etcd1=http://127.0.0.11:2380,etcd2=http://127.0.0.12:2380", "--data-dir",
                                      "/tmp/x/hosts/A/fs/var/lib/etcd", "--heartbeat-interval", "100"};
  EXPECT_EQ(c.value().argv, want);
  EXPECT_EQ(c.value().env.at("ETCD_LOGGER"), "zap");
  EXPECT_EQ(c.value().data_dir, "/tmp/x/hosts/A/fs/var/lib/etcd");
  EXPECT_EQ(c.value().client_url, "http://127.0.0.11:2379");
  // A config file would hide the configuration from diff.
  EXPECT_FALSE(real_etcd_command("/usr/bin/etcd", {}, {{"ETCD_CONFIG_FILE", "/etc/etcd.yml"}}, p).ok());
  // The user's own logger choice is kept.
  auto z = real_etcd_command("/usr/bin/etcd", {"--logger", "capnslog"}, {}, p);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z.value().env.count("ETCD_LOGGER"), 0u);
}

// The whole chain for a Bitnami container: docker line (shell-expanded) -> the model's
// entrypoint decision -> the etcd environment -> a real command on 127.0.0.11.
TEST(Loopback, DockerLineThroughTheBitnamiModelBecomesARealCommand) {
  const std::map<std::string, std::string> host_env{
      {"ETCD_INITIAL_CLUSTER", "etcd1=http://127.0.0.11:2380,etcd2=http://127.0.0.11:3380"}};
  const std::string line =
      "docker run -d --restart unless-stopped -p 3379:2379 -p 3380:2380 -v /shared/etcd/data/etcd2:/bitnami/etcd "
      "-e ETCD_NAME=etcd2 -e ETCD_LISTEN_CLIENT_URLS=http://0.0.0.0:2379 -e ETCD_ADVERTISE_CLIENT_URLS=http://127.0.0.11:3379 "
      "-e ETCD_LISTEN_PEER_URLS=http://0.0.0.0:2380 -e ETCD_INITIAL_ADVERTISE_PEER_URLS=http://127.0.0.11:3380 "
      "-e ETCD_INITIAL_CLUSTER=\"$ETCD_INITIAL_CLUSTER\" -e ETCD_INITIAL_CLUSTER_STATE=new "
      "-e ETCD_INITIAL_CLUSTER_TOKEN=etcd-cluster-1 -e ALLOW_NONE_AUTHENTICATION=yes bitnami/etcd:3.5.18";
  auto words = etcd::shell_split(line, host_env);
  ASSERT_TRUE(words.ok());
  auto dr = etcd::parse_docker_run(words.value().argv, host_env);
  ASSERT_TRUE(dr.ok());
  etcd::BitnamiInput in;
  in.container_env = etcd::container_env(dr.value());
  in.command = dr.value().command;
  const etcd::BitnamiPlan plan = etcd::plan_bitnami_start(in);
  ASSERT_EQ(plan.outcome, etcd::BitnamiOutcome::exec_etcd);
  const auto c = real_etcd_command("/usr/bin/etcd", plan.etcd_args, plan.etcd_env, container_place());
  ASSERT_TRUE(c.ok()) << c.error().message;
  const auto& env = c.value().env;
  EXPECT_EQ(env.at("ETCD_LISTEN_CLIENT_URLS"), "http://127.0.0.11:3379");
  EXPECT_EQ(env.at("ETCD_LISTEN_PEER_URLS"), "http://127.0.0.11:3380");
  EXPECT_EQ(env.at("ETCD_INITIAL_CLUSTER"), "etcd1=http://127.0.0.11:2380,etcd2=http://127.0.0.11:3380");
  EXPECT_EQ(env.at("ETCD_DATA_DIR"), "/tmp/x/hosts/A/fs/shared/etcd/data/etcd2/data");
  EXPECT_EQ(c.value().argv, std::vector<std::string>{"/usr/bin/etcd"});
  EXPECT_EQ(c.value().client_url, "http://127.0.0.11:3379");
}

// Lines as etcd 3.4.23 (Debian) printed them with --logger=zap in a real run.
TEST(Loopback, ZapLinesClassified) {
  const std::string fatal =
      R"({"level":"fatal","ts":"2026-11-22T06:33:38.090Z","caller":"etcdmain/etcd.go:271","msg":"discovery failed","error":"error validating peerURLs {ClusterID:c8f07fa781c22ab2 Members:[]}: member count is unequal"})";
  LogLine l = parse_zap_line(fatal);
  EXPECT_TRUE(l.json);
  EXPECT_EQ(l.level, "fatal");
  EXPECT_EQ(l.msg, "discovery failed");
  EXPECT_EQ(classify_log(l.level, l.msg, l.detail), "member-count-unequal");
  const std::string start =
      R"({"level":"info","ts":"2026-11-22T06:17:36.684Z","caller":"etcdserver/raft.go:536","msg":"starting local member","local-member-id":"54e31805acfe9917","cluster-id":"6786699a457ca1e"})";
  l = parse_zap_line(start);
  EXPECT_EQ(l.fields.at("local-member-id"), "54e31805acfe9917");
  EXPECT_EQ(l.fields.at("cluster-id"), "6786699a457ca1e");
  EXPECT_EQ(classify_log(l.level, l.msg, l.detail), "");
  EXPECT_EQ(classify_log("warn", "request cluster ID mismatch", "remote-peer-cluster-id=1"), "cluster-id-mismatch");
  EXPECT_EQ(classify_log("warn", "rejecting member add request; not enough healthy members",
                         "error=etcdserver: re-configuration failed due to not enough started members"),
            "add-refused-not-enough-started");
  EXPECT_EQ(classify_log("error", "Error: etcdserver: unhealthy cluster", ""), "add-refused-unhealthy");
  EXPECT_EQ(classify_log("fatal", "couldn't find local name \"etcd9\" in the initial cluster configuration", ""),
            "name-not-in-initial-cluster");
  EXPECT_EQ(classify_log("fatal", "member 8e9e05c52164694d has already been bootstrapped", ""), "already-bootstrapped");
  // Routine lines are not errors, even when they mention a class's words at info level.
  EXPECT_EQ(classify_log("info", "cluster ID mismatch", ""), "");
  EXPECT_EQ(classify_log("warn", "established TCP streaming connection with remote peer", ""), "");
  // capnslog text lines are read too.
  l = parse_zap_line("2026-11-22 06:17:36.679869 C | etcdmain: couldn't find local name \"x\" in the initial cluster");
  EXPECT_FALSE(l.json);
  EXPECT_EQ(l.level, "fatal");
  // Discovery and SRV bootstrap failures, in etcd 3.4.23's words.
  EXPECT_EQ(classify_log("fatal", "discovery failed",
                         "error=error setting up initial cluster: error querying DNS SRV records for _etcd-server-ssl "
                         "lookup _etcd-server-ssl._tcp.example.com on 127.0.0.253:53: no such host"),
            "srv-lookup-failed");
  EXPECT_EQ(classify_log("warn", "failed to bootstrap; discovery token was already used", "error=discovery: cluster is full"),
            "discovery-full");
  EXPECT_EQ(classify_log("fatal", "discovery failed", "error=discovery: found duplicate id"), "discovery-duplicate-id");
  EXPECT_EQ(classify_log("fatal", "discovery failed", "error=cannot find local etcd member \"etcd5\" in SRV records"),
            "srv-member-not-found");
  EXPECT_EQ(log_classes().size(), 17u);
}

// Output of etcdctl 3.4.23 -w json in a real run.
TEST(Loopback, EtcdctlJsonRead) {
  const auto st = parse_endpoint_status_json(
      R"([{"Endpoint":"http://127.0.0.11:2379","Status":{"header":{"cluster_id":466235371506092574,"member_id":6116759131555535127,"revision":1,"raft_term":2},"version":"3.4.23","dbSize":20480,"leader":6116759131555535127,"raftIndex":4,"raftTerm":2,"raftAppliedIndex":4,"dbSizeInUse":16384}}])");
  ASSERT_TRUE(st && st->size() == 1);
  EXPECT_EQ((*st)[0].cluster_id, 0x6786699a457ca1eULL);
  EXPECT_EQ((*st)[0].member_id, 0x54e31805acfe9917ULL);
  EXPECT_EQ((*st)[0].leader, (*st)[0].member_id);
  EXPECT_EQ((*st)[0].raft_term, 2u);
  const auto ml = parse_member_list_json(
      R"({"header":{"cluster_id":466235371506092574,"member_id":6116759131555535127,"raft_term":2},"members":[{"ID":6116759131555535127,"name":"etcd1","peerURLs":["http://127.0.0.11:2380"],"clientURLs":["http://127.0.0.11:2379"]},{"ID":17,"peerURLs":["http://127.0.0.11:3380"]}]})");
  ASSERT_TRUE(ml && ml->members.size() == 2);
  EXPECT_EQ(ml->members[0].name, "etcd1");
  EXPECT_EQ(ml->members[1].name, "");  // unstarted
  EXPECT_EQ(ml->members[1].peer_urls[0], "http://127.0.0.11:3380");
  const auto g = parse_get_json(
      R"({"header":{"cluster_id":1},"kvs":[{"key":"aw==","create_revision":2,"mod_revision":2,"version":1,"value":"dg=="}],"count":1})", "k");
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->first);
  EXPECT_EQ(g->second, "v");
  const auto none = parse_get_json(R"({"header":{"cluster_id":1}})", "k");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->first);
  EXPECT_FALSE(parse_endpoint_status_json("Error: context deadline exceeded"));
  const auto add = parse_member_add_env(
      "Member ed4943b1adf9c5b0 added to cluster 8e1a79173f1ecca\n\nETCD_NAME=\"etcd2\"\n"
      "ETCD_INITIAL_CLUSTER=\"etcd1=http://127.0.0.11:2380,etcd2=http://127.0.0.11:3380\"\nETCD_INITIAL_CLUSTER_STATE=\"existing\"\n");
  EXPECT_EQ(add.at("ETCD_NAME"), "etcd2");
  EXPECT_EQ(add.at("ETCD_INITIAL_CLUSTER_STATE"), "existing");
}

// A cut between two members drops both directions of each one's own connections to the
// other's peer listeners (connmark = the member that opened the connection); the other
// members' traffic and uncut pairs get no rule; heal removes only its owner's cuts.
TEST(NetCut, CutRulesCoverBothDirectionsOfEachMembersConnections) {
  NetCut nc("/usr/sbin/iptables-restore", "/tmp", {"e1", "e2", "e3"});
  EXPECT_EQ(nc.gid_of("e1"), NetCut::kGidBase + 1);
  EXPECT_EQ(nc.gid_of("e3"), NetCut::kGidBase + 3);
  EXPECT_EQ(nc.gid_of("nobody"), 0u);
  nc.set_peer_addrs("e1", {{"127.0.0.11", 2380}});
  nc.set_peer_addrs("e2", {{"127.0.0.12", 2380}});
  nc.set_peer_addrs("e3", {{"127.0.0.13", 2380}});
  nc.cut("f0", "e2", "e1");
  const std::vector<std::string> want{
      "-A RAFTLAB-CUT -p tcp -m connmark --mark 1 -d 127.0.0.12 --dport 2380 -j DROP",
      "-A RAFTLAB-CUT -p tcp -m connmark --mark 1 -s 127.0.0.12 --sport 2380 -j DROP",
      "-A RAFTLAB-CUT -p tcp -m connmark --mark 2 -d 127.0.0.11 --dport 2380 -j DROP",
      "-A RAFTLAB-CUT -p tcp -m connmark --mark 2 -s 127.0.0.11 --sport 2380 -j DROP"};
  EXPECT_EQ(nc.rules(), want);
  EXPECT_EQ(nc.cut_pairs(), (std::set<std::string>{"e1|e2"}));
  nc.cut("f1", "e1", "e3");
  EXPECT_EQ(nc.rules().size(), 8u);
  nc.heal("f0");
  EXPECT_EQ(nc.cut_pairs(), (std::set<std::string>{"e1|e3"}));
  nc.heal("");
  EXPECT_TRUE(nc.rules().empty());
}

}  // namespace
}  // namespace raftlab::real

namespace raftlab::real {
namespace {

// The real side's DNS and discovery service (real_services.h): an advertised URL may name
// a DNS record (served by dnsmasq there), never another name; dnsmasq gets the records with
// the scenario's SRV order as priorities; a token's size key is its path below /v2/keys.
TEST(RealServices, DnsNamesRecordsAndSizeKeys) {
  Place p;
  p.host_lo = "127.0.0.11";
  p.dns_names = {"etcd1.example.com"};
  EXPECT_EQ(rewrite_url("http://etcd1.example.com:2380", false, p).value(), "http://etcd1.example.com:2380");
  EXPECT_EQ(rewrite_url("http://ETCD1.example.com:2380", false, p).value(), "http://ETCD1.example.com:2380");
  EXPECT_FALSE(rewrite_url("http://etcd9.example.com:2380", false, p).ok());
  EXPECT_FALSE(rewrite_url("http://etcd1.example.com:2380", true, p).ok());  // never a listen address

  scenario::Dns dns;
  dns.a = {{"etcd1.example.com", "127.0.0.11"}, {"etcd2.example.com", "10.9.9.9"}};
  dns.srv["_etcd-server._tcp.example.com"] = {{"etcd2.example.com", 2380}, {"etcd1.example.com", 2381}};
  const auto args = diffing::dnsmasq_args(dns, "127.0.0.253", "/tmp/x.log");
  auto has = [&](const std::string& a) { return std::find(args.begin(), args.end(), a) != args.end(); };
  EXPECT_TRUE(has("--listen-address=127.0.0.253"));
  EXPECT_TRUE(has("--no-resolv"));
  EXPECT_TRUE(has("--host-record=etcd1.example.com,127.0.0.11"));
  EXPECT_FALSE(has("--host-record=etcd2.example.com,10.9.9.9"));  // not a loopback address: never served
  EXPECT_TRUE(has("--srv-host=_etcd-server._tcp.example.com,etcd2.example.com,2380,0,0"));
  EXPECT_TRUE(has("--srv-host=_etcd-server._tcp.example.com,etcd1.example.com,2381,1,0"));
  EXPECT_TRUE(has("--local=/example.com/"));

  EXPECT_EQ(diffing::size_key("/v2/keys/discovery/6c007a"), "/discovery/6c007a/_config/size");
  EXPECT_EQ(diffing::size_key("/6c007a"), "");
  EXPECT_EQ(diffing::size_key("/v2/keys/"), "");
}

}  // namespace
}  // namespace raftlab::real
