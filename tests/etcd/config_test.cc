// etcd flag / ETCD_* env parsing (server/etcdmain/config.go, pkg/flags/flag.go,
// server/embed/config.go).
#include <gtest/gtest.h>

#include "sim/etcd/config.h"

namespace raftlab::etcd {
namespace {

bool has_log(const ParsedConfig& p, const std::string& msg, const std::string& field_value = "") {
  for (const auto& l : p.log) {
    if (l.msg != msg) continue;
    if (field_value.empty()) return true;
    for (const auto& f : l.fields)
      if (f.second == field_value) return true;
  }
  return false;
}

TEST(EtcdConfig, Defaults) {
  auto r = parse_etcd_config({}, {});
  ASSERT_TRUE(r.ok());
  const EtcdConfig& c = r.value().config;
  EXPECT_EQ(c.name, "default");
  EXPECT_EQ(c.data_dir, "default.etcd");
  EXPECT_EQ(c.initial_cluster, "default=http://localhost:2380");
  EXPECT_EQ(c.initial_cluster_state, "new");
  EXPECT_EQ(c.initial_cluster_token, "etcd-cluster");
  EXPECT_EQ(c.heartbeat_interval_ms, 100u);
  EXPECT_EQ(c.election_timeout_ms, 1000u);
  EXPECT_TRUE(c.strict_reconfig_check);
  EXPECT_TRUE(c.pre_vote);
  EXPECT_EQ(c.snapshot_count, 100000u);
  EXPECT_TRUE(has_log(r.value(), "'data-dir' was empty; using default"));
  auto r34 = parse_etcd_config({}, {}, ParseOptions{EtcdVersion::v3_4, std::nullopt});
  ASSERT_TRUE(r34.ok());
  EXPECT_FALSE(r34.value().config.pre_vote);
}

// embed.Config.UpdateDefaultClusterFromName: only the name given.
TEST(EtcdConfig, InitialClusterDerivedFromNameAndAdvertiseUrl) {
  auto r = parse_etcd_config({"--name", "etcd1", "-initial-advertise-peer-urls=http://10.101.99.100:2380"}, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().config.initial_cluster, "etcd1=http://10.101.99.100:2380");
  ASSERT_EQ(r.value().config.initial_cluster_entries.size(), 1u);
  EXPECT_EQ(r.value().config.data_dir, "etcd1.etcd");
}

TEST(EtcdConfig, EnvUsedAndEmptyEnvIgnored) {
  std::map<std::string, std::string> env{{"ETCD_NAME", "etcd3"},
                                         {"ETCD_INITIAL_CLUSTER", ""},
                                         {"ETCD_INITIAL_ADVERTISE_PEER_URLS", "http://10.101.99.101:2380"},
                                         {"ETCD_LISTEN_CLIENT_URLS", "http://0.0.0.0:2379"},
                                         {"ETCD_ADVERTISE_CLIENT_URLS", "http://10.101.99.101:2379"},
                                         {"ETCD_VOLUME_DIR", "/bitnami/etcd"}};
  auto r = parse_etcd_config({}, env);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().config.name, "etcd3");
  // Empty ETCD_INITIAL_CLUSTER is skipped, so the name-derived one-member cluster applies.
  EXPECT_EQ(r.value().config.initial_cluster, "etcd3=http://10.101.99.101:2380");
  EXPECT_TRUE(has_log(r.value(), "recognized and used environment variable", "ETCD_NAME"));
  EXPECT_TRUE(has_log(r.value(), "unrecognized environment variable", "ETCD_INITIAL_CLUSTER="));
  EXPECT_TRUE(has_log(r.value(), "unrecognized environment variable", "ETCD_VOLUME_DIR=/bitnami/etcd"));
}

TEST(EtcdConfig, FlagAndEnvBothSetIsFatal) {
  auto r = parse_etcd_config({"--name=a"}, {{"ETCD_NAME", "b"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "ETCD_NAME");
  EXPECT_EQ(r.error().message,
            "conflicting environment variable is shadowed by corresponding command-line flag (either unset environment "
            "variable or disable flag))");
}

TEST(EtcdConfig, UnknownFlagDidYouMean) {
  auto r = parse_etcd_config({"--initial-cluster-stat", "new"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "flag provided but not defined: -initial-cluster-stat");
  EXPECT_EQ(r.error().fix, "did you mean --initial-cluster-state?");
}

TEST(EtcdConfig, FlagSyntaxErrors) {
  EXPECT_EQ(parse_etcd_config({"--name"}, {}).error().message, "flag needs an argument: -name");
  EXPECT_EQ(parse_etcd_config({"--heartbeat-interval=abc"}, {}).error().message,
            "invalid value \"abc\" for flag -heartbeat-interval: parse error");
  EXPECT_EQ(parse_etcd_config({"--pre-vote", "false"}, {}).error().message, "'false' is not a valid flag");
  EXPECT_EQ(parse_etcd_config({"--initial-cluster-state=old"}, {}).error().message,
            "invalid value \"old\" for flag -initial-cluster-state: invalid value");
  EXPECT_EQ(parse_etcd_config({}, {{"ETCD_INITIAL_CLUSTER_STATE", "old"}}).error().message,
            "invalid value \"old\" for ETCD_INITIAL_CLUSTER_STATE: invalid value");
  EXPECT_EQ(parse_etcd_config({"---x"}, {}).error().message, "bad flag syntax: ---x");
}

// setupLogging, the first step of embed.Config.Validate, panics on a level it does not
// know; 3.4.23 and 3.5.18 differ in the words and in what they accept (recorded with the
// real etcd 3.4.23 here: `panic: unknown level "loud"`, exit status 2).
TEST(EtcdConfig, LogLevelPanicsInEtcdsWordsPerVersion) {
  ParseOptions v34;
  v34.version = EtcdVersion::v3_4;
  auto r = parse_etcd_config({"--log-level=loud"}, {}, v34);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "panic: unknown level \"loud\"");
  EXPECT_EQ(r.error().field, "--log-level");
  EXPECT_FALSE(parse_etcd_config({"--log-level=INFO"}, {}, v34).ok());  // 3.4: exact names only
  EXPECT_FALSE(parse_etcd_config({"--log-level="}, {}, v34).ok());
  EXPECT_TRUE(parse_etcd_config({"--log-level=dpanic"}, {}, v34).ok());
  r = parse_etcd_config({}, {{"ETCD_LOG_LEVEL", "loud"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "panic: unrecognized level: \"loud\"");
  EXPECT_TRUE(parse_etcd_config({"--log-level=INFO"}, {}).ok());  // 3.5: zapcore retries lower-cased
  EXPECT_TRUE(parse_etcd_config({"--log-level=Warn"}, {}).ok());
  EXPECT_TRUE(parse_etcd_config({"--log-level="}, {}).ok());  // "" is info
  // A panic, not a Validate error: no "failed to verify flags" line is logged first.
  EXPECT_TRUE(parse_etcd_config({"--log-level=debug"}, {}).ok());
}

// parseCompactionRetention: a non-negative integer, else a Go duration; the error is kept
// for the member, which reports it once its listeners are up (embed.StartEtcd).
TEST(EtcdConfig, CompactionRetentionIsAnIntegerOrAGoDuration) {
  auto err = [](const std::string& v) {
    auto r = parse_etcd_config({"--auto-compaction-retention=" + v}, {});
    EXPECT_TRUE(r.ok()) << v;  // the flag itself is a string: parsing passes
    return r.ok() ? r.value().config.compaction_retention_error.value_or("") : std::string("?");
  };
  EXPECT_EQ(err("1"), "");
  EXPECT_EQ(err("0"), "");
  EXPECT_EQ(err(""), "");
  EXPECT_EQ(err("30m"), "");
  EXPECT_EQ(err("1h30m"), "");
  EXPECT_EQ(err("1.5h"), "");
  EXPECT_EQ(err("x"), "error parsing CompactionRetention: time: invalid duration \"x\"");
  EXPECT_EQ(err("-1"), "error parsing CompactionRetention: time: missing unit in duration \"-1\"");
  EXPECT_EQ(err("5y"), "error parsing CompactionRetention: time: unknown unit \"y\" in duration \"5y\"");
  EXPECT_EQ(err("99999999999999999999"), "error parsing CompactionRetention: time: invalid duration \"99999999999999999999\"");
  EXPECT_EQ(err("3000000h"), "error parsing CompactionRetention: time: invalid duration \"3000000h\"");
  EXPECT_EQ(err(".h"), "error parsing CompactionRetention: time: invalid duration \".h\"");
}

TEST(EtcdConfig, ElectionTimeoutRule) {
  auto r = parse_etcd_config({"--heartbeat-interval=300", "--election-timeout=1000"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "--election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[300ms]");
  EXPECT_EQ(r.error().field, "--election-timeout");
}

TEST(EtcdConfig, UrlErrors) {
  EXPECT_EQ(parse_etcd_config({"--listen-peer-urls=10.0.0.1:2380"}, {}).error().message,
            "invalid value \"10.0.0.1:2380\" for flag -listen-peer-urls: parse \"10.0.0.1:2380\": first path segment in URL "
            "cannot contain colon");
  EXPECT_EQ(parse_etcd_config({"--listen-peer-urls=http://etcd1:2380"}, {}).error().message,
            "expected IP in URL for binding (http://etcd1:2380)");
  EXPECT_EQ(parse_etcd_config({"--initial-advertise-peer-urls=http://10.0.0.1:2380/"}, {}).error().message,
            "invalid value \"http://10.0.0.1:2380/\" for flag -initial-advertise-peer-urls: URL must not contain a path: "
            "http://10.0.0.1:2380/");
  EXPECT_EQ(parse_etcd_config({"--listen-client-urls=http://0.0.0.0:2379"}, {}).error().message,
            "--advertise-client-urls is required when --listen-client-urls is set explicitly");
}

TEST(EtcdConfig, DiscoveryClearsDefaultInitialClusterAndConflicts) {
  auto r = parse_etcd_config({"--discovery=https://discovery.etcd.io/abc"}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().config.initial_cluster, "");
  auto c = parse_etcd_config({"--discovery=https://d/x", "--initial-cluster=a=http://1.1.1.1:2380"}, {});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message,
            "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", \"discovery\" or \"discovery-srv\"");
}

TEST(EtcdConfig, InitialClusterKeepsOrderAndRepeatedNames) {
  auto r = parse_initial_cluster("b=http://2.2.2.2:2380,a=http://1.1.1.1:2380,a=http://1.1.1.2:2380");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value().size(), 3u);
  EXPECT_EQ(r.value()[0].name, "b");
  EXPECT_EQ(r.value()[2].url, "http://1.1.1.2:2380");
  auto bad = parse_etcd_config({"--initial-cluster=a=localhost:2380"}, {});
  ASSERT_TRUE(bad.ok());  // reported only when etcd bootstraps (PeerURLsMapAndToken)
  EXPECT_EQ(*bad.value().config.initial_cluster_error, "URL scheme must be http, https, unix, or unixs: localhost:2380");
}

TEST(EtcdConfig, DefaultHostReplacesAdvertiseWhenListeningOnAllInterfaces) {
  ParseOptions o;
  o.default_host = "172.17.0.2";
  auto r = parse_etcd_config({"--name=n1", "--listen-peer-urls=http://0.0.0.0:2380"}, {}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().config.initial_advertise_peer_urls[0], "http://172.17.0.2:2380");
  EXPECT_EQ(r.value().config.initial_cluster, "n1=http://172.17.0.2:2380");
}

}  // namespace
}  // namespace raftlab::etcd
