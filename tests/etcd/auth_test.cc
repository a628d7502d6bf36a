// etcd's authentication and RBAC (sim/etcd/auth.h) and the Bitnami image's RBAC step
// (sim/world_bitnami.cc): the store's checks in etcd's order with the client's error texts
// (v3.5.18 server/auth/store.go, api/v3rpc/rpctypes/error.go), the refusals and exit codes
// a real etcdctl 3.4.23 printed here (docs/etcd-behaviour.md §7e), auth replicated through
// the log and surviving a restart, and etcd_configure_rbac committing only with a quorum
// within retry_while's window.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/deploy.h"
#include "sim/etcd/auth.h"
#include "sim/etcdctl.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

using etcd::AuthOp;
using etcd::AuthRequest;
using etcd::AuthStore;
namespace ae = etcd::auth_error;

std::string apply(AuthStore& a, AuthOp op, std::vector<std::string> args, const std::string& as = "") {
  return a.apply(AuthRequest{op, as, std::move(args)}).error;
}

TEST(AuthStore, EnableNeedsTheRootUserWithTheRootRole) {
  AuthStore a;
  EXPECT_EQ(apply(a, AuthOp::AuthEnable, {}), ae::kRootUserNotExist);
  EXPECT_EQ(apply(a, AuthOp::UserAdd, {"root", "pw"}), "");
  EXPECT_EQ(apply(a, AuthOp::AuthEnable, {}), ae::kRootRoleNotExist);
  // The root role needs no role entry to be granted (UserGrantRole checks others only).
  EXPECT_EQ(apply(a, AuthOp::UserGrantRole, {"root", "root"}), "");
  EXPECT_EQ(apply(a, AuthOp::AuthEnable, {}), "");
  EXPECT_TRUE(a.enabled());
  // Enabled again by root: ignored, no error.
  EXPECT_EQ(apply(a, AuthOp::AuthEnable, {}, "root"), "");
}

TEST(AuthStore, ChecksFollowEtcdsOrderAndWording) {
  AuthStore a;
  EXPECT_EQ(apply(a, AuthOp::UserAdd, {"", "pw"}), ae::kUserEmpty);
  EXPECT_EQ(apply(a, AuthOp::RoleAdd, {""}), ae::kRoleEmpty);
  EXPECT_EQ(apply(a, AuthOp::UserAdd, {"root", "pw"}), "");
  EXPECT_EQ(apply(a, AuthOp::UserAdd, {"root", "pw"}), ae::kUserAlreadyExist);
  EXPECT_EQ(apply(a, AuthOp::UserGrantRole, {"root", "reader"}), ae::kRoleNotFound);
  EXPECT_EQ(apply(a, AuthOp::UserGrantRole, {"nobody", "root"}), ae::kUserNotFound);
  EXPECT_EQ(apply(a, AuthOp::RoleGrantPermission, {"reader", "read", "/a", ""}), ae::kRoleNotFound);
  // Off: everything is permitted, and a password check says so (the client then goes on without a token).
  EXPECT_EQ(a.check_put("", "k"), "");
  EXPECT_EQ(a.check_password("root", "pw"), ae::kAuthNotEnabled);
  EXPECT_EQ(apply(a, AuthOp::UserGrantRole, {"root", "root"}), "");
  EXPECT_EQ(apply(a, AuthOp::AuthEnable, {}), "");
  // On: no token is ErrUserEmpty for data and admin requests alike.
  EXPECT_EQ(a.check_put("", "k"), ae::kUserEmpty);
  EXPECT_EQ(a.check_range("", "k", false), ae::kUserEmpty);
  EXPECT_EQ(a.check_admin(""), ae::kUserEmpty);
  EXPECT_EQ(apply(a, AuthOp::UserAdd, {"bob", "pw"}), ae::kUserEmpty);
  EXPECT_EQ(apply(a, AuthOp::AuthStatus, {}), ae::kUserEmpty);  // admin-only in v3.5.18
  EXPECT_EQ(a.check_password("root", "bad"), ae::kAuthFailed);
  EXPECT_EQ(a.check_password("nobody", "pw"), ae::kAuthFailed);
  EXPECT_EQ(a.check_password("root", "pw"), "");
  EXPECT_EQ(apply(a, AuthOp::UserDelete, {"root"}, "root"), ae::kInvalidAuthMgmt);
  // A reader of /apisix/: reads under the prefix, nothing else, never writes.
  EXPECT_EQ(apply(a, AuthOp::UserAdd, {"bob", "pw"}, "root"), "");
  EXPECT_EQ(apply(a, AuthOp::RoleAdd, {"reader"}, "root"), "");
  EXPECT_EQ(apply(a, AuthOp::RoleAdd, {"reader"}, "root"), ae::kRoleAlreadyExist);
  EXPECT_EQ(apply(a, AuthOp::RoleGrantPermission, {"reader", "read", "/apisix/", "/apisix0"}, "root"), "");
  EXPECT_EQ(apply(a, AuthOp::UserGrantRole, {"bob", "reader"}, "root"), "");
  EXPECT_EQ(apply(a, AuthOp::UserAdd, {"eve", "pw"}, "bob"), ae::kPermissionDenied);
  EXPECT_EQ(a.check_range("bob", "/apisix/routes/1", false), "");
  EXPECT_EQ(a.check_range("bob", "/apisix/", true), "");
  EXPECT_EQ(a.check_range("bob", "/other", false), ae::kPermissionDenied);
  EXPECT_EQ(a.check_put("bob", "/apisix/routes/1"), ae::kPermissionDenied);
  EXPECT_EQ(a.check_put("root", "/anything"), "");
  EXPECT_EQ(apply(a, AuthOp::RoleGrantPermission, {"reader", "read", "b", "a"}, "root"), ae::kInvalidAuthMgmt);
}

TEST(AuthStore, SnapshotBytesRoundTrip) {
  AuthStore a;
  apply(a, AuthOp::UserAdd, {"root", "pw"});
  apply(a, AuthOp::UserGrantRole, {"root", "root"});
  apply(a, AuthOp::RoleAdd, {"reader"});
  apply(a, AuthOp::RoleGrantPermission, {"reader", "readwrite", "/a", std::string(1, '\0')});
  apply(a, AuthOp::AuthEnable, {});
  AuthStore b;
  ASSERT_TRUE(b.decode(a.encode()));
  EXPECT_EQ(b.encode(), a.encode());
  EXPECT_TRUE(b.enabled());
  EXPECT_EQ(b.check_password("root", "pw"), "");
  EXPECT_FALSE(b.decode("junk"));
}

// --- In the world: scenarios/bitnami-2host/static-bootstrap.json, whose etcd1 runs
// Bitnami's RBAC step (ETCD_ROOT_PASSWORD=1234qwer!!) at start.

struct Ran {
  int exit_code = -1;
  std::string out, err;
};

// Runs each command (argv without "etcdctl") 200 ms after the previous one from 15 s on,
// against etcd1's client URL; `before` may act on the world first (restarts).
std::vector<Ran> run_commands(const std::vector<std::vector<std::string>>& commands,
                              std::int64_t stop_ns = 40'000'000'000,
                              std::function<void(sim::Deployment&)> before = nullptr) {
  auto lr = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/static-bootstrap.json");
  EXPECT_TRUE(lr.ok());
  sim::RunOptions opt;
  opt.stop_at_ns = stop_ns;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, opt, &errors);
  EXPECT_TRUE(d);
  std::vector<Ran> ran(commands.size());
  if (!d) return ran;
  if (before) before(*d);
  sim::World& w = d->world();
  for (size_t i = 0; i < commands.size(); ++i) {
    w.loop().at(sim::nanos(15'000'000'000 + static_cast<std::int64_t>(i) * 200'000'000), [&w, &ran, &commands, i] {
      std::vector<std::string> argv = {"etcdctl"};
      argv.insert(argv.end(), commands[i].begin(), commands[i].end());
      sim::run_etcdctl_argv(w, argv, {"etcd1"}, sim::EtcdctlRun{},
                            [&ran, i](int code, const std::string& o, const std::string& e) { ran[i] = Ran{code, o, e}; });
    });
  }
  d->run();
  return ran;
}

const std::string kRoot = "--user=root:1234qwer!!";

TEST(AuthEtcdctl, RefusalsWithoutCredentialsAsRecorded) {
  const auto r = run_commands({{"put", "k", "v"},
                               {"get", "k"},
                               {"member", "list"},
                               {"endpoint", "status"},
                               {"endpoint", "health"},
                               {"user", "add", "bob:pw"},
                               {"member", "add", "x", "--peer-urls=http://10.0.0.9:2380"},
                               {"auth", "status"}});
  for (size_t i : {0u, 1u, 5u, 6u, 7u}) {
    EXPECT_EQ(r[i].exit_code, 1) << i;
    EXPECT_EQ(r[i].err, "Error: etcdserver: user name is empty\n") << i;
  }
  EXPECT_EQ(r[2].exit_code, 0) << r[2].err;  // member list still answers
  EXPECT_EQ(r[3].exit_code, 0) << r[3].err;  // endpoint status too
  EXPECT_EQ(r[4].exit_code, 1);
  EXPECT_EQ(r[4].err,
            "http://10.101.99.100:2379 is unhealthy: failed to commit proposal: etcdserver: user name is empty\n"
            "Error: unhealthy cluster\n");
}

TEST(AuthEtcdctl, BadCredentialsFailWhenTheClientIsMadeWithExit2) {
  const auto r = run_commands({{"--user", "root:bad", "put", "k", "v"},
                               {"--user=nobody:pw", "member", "list"},
                               {"--user", "root", "--password", "1234qwer!!", "put", "k", "v"},
                               {kRoot, "get", "k", "--print-value-only"},
                               {kRoot, "auth", "enable"},
                               {kRoot, "auth", "status"},
                               {"--user", "root", "get", "k"}});
  for (size_t i : {0u, 1u}) {
    EXPECT_EQ(r[i].exit_code, 2) << i;
    EXPECT_EQ(r[i].err, "Error: etcdserver: authentication failed, invalid user ID or password\n") << i;
  }
  EXPECT_EQ(r[2].exit_code, 0) << r[2].err;
  EXPECT_EQ(r[2].out, "OK\n");
  EXPECT_EQ(r[3].out, "v\n");
  EXPECT_EQ(r[4].out, "Authentication Enabled\n");
  EXPECT_EQ(r[5].out.rfind("Authentication Status: true\n", 0), 0u) << r[5].out;
  EXPECT_EQ(r[6].exit_code, 1);  // a name alone would ask on a terminal: refused by name
  EXPECT_NE(r[6].err.find("which raftlab does not model"), std::string::npos) << r[6].err;
}

TEST(AuthEtcdctl, RolesGiveAReaderItsPrefixOnly) {
  const auto r = run_commands({{kRoot, "user", "add", "bob", "--new-user-password=pw", "--interactive=false"},
                               {kRoot, "role", "add", "reader"},
                               {kRoot, "role", "grant-permission", "reader", "read", "/apisix/", "--prefix"},
                               {kRoot, "user", "grant-role", "bob", "reader"},
                               {kRoot, "put", "/apisix/routes/1", "r1"},
                               {"--user=bob:pw", "get", "/apisix/routes/1", "--print-value-only"},
                               {"--user=bob:pw", "put", "/apisix/routes/1", "r2"},
                               {"--user=bob:pw", "get", "/other"},
                               {"--user=bob:pw", "endpoint", "health"},
                               {kRoot, "user", "add", "bob:pw"},
                               {kRoot, "user", "grant-role", "bob", "writer"}});
  EXPECT_EQ(r[0].out, "User bob created\n") << r[0].err;
  EXPECT_EQ(r[1].out, "Role reader created\n") << r[1].err;
  EXPECT_EQ(r[2].out, "Role reader updated\n") << r[2].err;
  EXPECT_EQ(r[3].out, "Role reader is granted to user bob\n") << r[3].err;
  EXPECT_EQ(r[5].out, "r1\n") << r[5].err;
  EXPECT_EQ(r[6].err, "Error: etcdserver: permission denied\n");
  EXPECT_EQ(r[6].exit_code, 1);
  EXPECT_EQ(r[7].err, "Error: etcdserver: permission denied\n");
  // epHealthCommandFunc: permission denied counts as healthy (the proposal went through).
  EXPECT_EQ(r[8].exit_code, 0) << r[8].err;
  EXPECT_EQ(r[9].err, "Error: etcdserver: user name already exists\n");
  EXPECT_EQ(r[10].err, "Error: etcdserver: role name not found\n");
}

TEST(AuthEtcdctl, ArgumentChecksAsEtcdctl) {
  using sim::parse_etcdctl;
  EXPECT_EQ(parse_etcdctl("user add").error, "user add command requires user name as its argument");
  EXPECT_EQ(parse_etcdctl("user add").exit_code, 128);
  EXPECT_EQ(parse_etcdctl("user add :pw").error, "empty user name is not allowed");
  EXPECT_EQ(parse_etcdctl("user grant-role bob").error,
            "user grant command requires user name and role name as its argument");
  EXPECT_EQ(parse_etcdctl("role grant-permission r read").error,
            "role grant command requires role name, permission type, and key [endkey] as its argument");
  EXPECT_EQ(parse_etcdctl("role grant-permission r rw k").error, "invalid permission type: rw");
  EXPECT_EQ(parse_etcdctl("auth enable x").error, "auth enable command does not accept any arguments");
  EXPECT_TRUE(parse_etcdctl("user add bob").not_modelled);  // the password comes from a terminal
  EXPECT_TRUE(parse_etcdctl("user list").not_modelled);
  EXPECT_TRUE(parse_etcdctl("role revoke-permission r k").not_modelled);
  auto c = parse_etcdctl("--user root:a:b put k v");
  EXPECT_EQ(c.user, "root");
  EXPECT_EQ(c.password, "a:b");  // SplitN(..., ":", 2)
  c = parse_etcdctl("role grant-permission r readwrite /a --prefix");
  EXPECT_EQ(c.req.auth_args, (std::vector<std::string>{"r", "readwrite", "/a", "/b"}));
}

// Every member applies `auth enable` in log order; a member restarted from its data dir
// has it again (it is in the applied state, rebuilt from the WAL).
TEST(AuthReplication, EveryMemberAppliesItAndARestartKeepsIt) {
  auto lr = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/static-bootstrap.json");
  ASSERT_TRUE(lr.ok());
  sim::RunOptions opt;
  opt.stop_at_ns = 40'000'000'000;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, opt, &errors);
  ASSERT_TRUE(d);
  sim::World& w = d->world();
  const int c3 = w.container_index("etcd3");
  w.loop().at(sim::seconds(20), [&w, c3] { w.restart(c3); });
  std::vector<Ran> r(2);
  w.loop().at(sim::seconds(30), [&w, &r] {
    sim::run_etcdctl_argv(w, {"etcdctl", "put", "k", "v"}, {"etcd3"}, sim::EtcdctlRun{},
                          [&r](int code, const std::string& o, const std::string& e) { r[0] = Ran{code, o, e}; });
    sim::run_etcdctl_argv(w, {"etcdctl", kRoot, "put", "k", "v"}, {"etcd3"}, sim::EtcdctlRun{},
                          [&r](int code, const std::string& o, const std::string& e) { r[1] = Ran{code, o, e}; });
  });
  d->run();
  int enabled_logs = 0;
  for (const auto& e : w.trace().events())
    if (e.kind == sim::Ev::Log && e.b == "enabled authentication" && e.at < sim::seconds(20)) ++enabled_logs;
  EXPECT_EQ(enabled_logs, 5) << "every member applies auth enable";
  EXPECT_EQ(r[0].err, "Error: etcdserver: user name is empty\n");
  EXPECT_EQ(r[1].out, "OK\n") << r[1].err;
}

// The log lines and times of etcd1's RBAC step in a run of `text` (the static bootstrap
// with some members started later).
struct RbacTimes {
  std::int64_t enabled_ns = -1;  // "bitnami: Authentication Enabled"
  std::int64_t stopping_ns = -1;  // "bitnami: Stopping etcd"
  std::vector<std::int64_t> list_calls_ns;  // the script's member list tries
};

RbacTimes rbac_times(std::int64_t others_at_ns, std::int64_t stop_ns) {
  auto lr = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/bitnami-2host/static-bootstrap.json");
  EXPECT_TRUE(lr.ok());
  auto s = *lr.scenario;
  s.timeline.clear();
  sim::RunOptions opt;
  opt.stop_at_ns = stop_ns;
  std::vector<scenario::LoadError> errors;
  s.expect.clear();
  auto d = sim::Deployment::build(s, opt, &errors);
  EXPECT_TRUE(d);
  RbacTimes t;
  if (!d) return t;
  sim::World& w = d->world();
  w.loop().at(sim::nanos(0), [&w] { w.start(w.container_index("etcd1")); });
  if (others_at_ns >= 0)
    w.loop().at(sim::nanos(others_at_ns), [&w] {
      for (const char* n : {"etcd2", "etcd3"}) w.start(w.container_index(n));
    });
  d->run();
  for (const auto& e : w.trace().events()) {
    if (e.who == "etcd1" && e.kind == sim::Ev::Log && e.b == "bitnami: Authentication Enabled") t.enabled_ns = e.at.ns;
    if (e.who == "etcd1" && e.kind == sim::Ev::Log && e.b == "bitnami: Stopping etcd") t.stopping_ns = e.at.ns;
    if (e.kind == sim::Ev::ClientCall && e.a == "member-list" && e.who == "http://127.0.0.1:2379")
      t.list_calls_ns.push_back(e.at.ns);
  }
  return t;
}

// Alone, etcd1 (first in ETCD_INITIAL_CLUSTER) never has a quorum of its five: retry_while
// tries `member list` 12 times (each waits out etcdctl's 5 s command timeout, then sleeps
// 5 s), the `if` has no else, and etcd_stop runs 3 + 12 x 10 = 123 s after start, with auth off.
TEST(BitnamiRbac, WithoutAQuorumTheWindowPassesAndAuthStaysOff) {
  const RbacTimes t = rbac_times(-1, 130'000'000'000);
  EXPECT_EQ(t.enabled_ns, -1);
  ASSERT_EQ(t.list_calls_ns.size(), 12u);
  EXPECT_EQ(t.list_calls_ns.front() / 1'000'000, 3000);
  EXPECT_EQ((t.list_calls_ns[1] - t.list_calls_ns[0]) / 1'000'000, 10000);
  EXPECT_EQ(t.stopping_ns / 1'000'000'000, 123);
}

// With two more members started at 40 s the cluster has a quorum at ~41 s: the try at 43 s
// (3 + 4 x 10) answers and auth is enabled moments later, through raft on every member.
TEST(BitnamiRbac, AQuorumWithinTheWindowEnablesAuth) {
  const RbacTimes t = rbac_times(40'000'000'000, 60'000'000'000);
  ASSERT_GE(t.list_calls_ns.size(), 5u);
  EXPECT_EQ(t.list_calls_ns[4] / 1'000'000'000, 43);
  EXPECT_EQ(t.enabled_ns / 1'000'000'000, 43);
  EXPECT_GE(t.stopping_ns, t.enabled_ns);
}

}  // namespace
}  // namespace raftlab
