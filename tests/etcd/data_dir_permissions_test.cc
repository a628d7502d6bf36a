// Container user and volume permissions (issue 23 item 5): docker --user, `:ro` mounts,
// hosts' directory owners/modes, and etcd's own start-up checks on the data dir
// (server/etcdmain/etcd.go identifyDataDirOrDie; server/etcdserver/server.go NewServer:
// `fileutil.TouchDirAll` -> "cannot access data directory: %v"; client/pkg/fileutil
// TouchDirAll, CheckDirPermission, IsDirWriteable; v3.5.18 and v3.4.23 alike).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/deploy.h"
#include "sim/scenario/loader.h"
#include "tests/common/load_errors.h"

namespace raftlab {
namespace {

using sim::Ev;

// One Bitnami member without auth or cluster logic; `user` and `volume` are docker flags,
// `dirs` the host's "dirs" object.
std::string scenario_text(const std::string& user, const std::string& volume, const std::string& dirs,
                          const std::string& image = "bitnami/etcd:3.5.18") {
  std::string docker = "docker run -d --restart no";
  if (!user.empty()) docker += " --user " + user;
  docker += " -p 2379:2379 -p 2380:2380";
  if (!volume.empty()) docker += " -v " + volume;
  docker += " -e ALLOW_NONE_AUTHENTICATION=yes -e ETCD_NAME=etcd1 "
            "-e ETCD_ADVERTISE_CLIENT_URLS=http://10.0.0.1:2379 -e ETCD_INITIAL_ADVERTISE_PEER_URLS=http://10.0.0.1:2380 "
            "-e ETCD_LISTEN_PEER_URLS=http://0.0.0.0:2380 " + image;
  return R"({"name": "perm", "description": "permissions", "seed": 1, "duration": "8s",
    "hosts": [{"name": "A", "ip": "10.0.0.1")" + (dirs.empty() ? std::string() : ", \"dirs\": " + dirs) + R"(}],
    "members": [{"name": "etcd1", "host": "A", "docker": [")" + docker + R"("]}],
    "timeline": [{"at": "0s", "start": "etcd1"}]})";
}

struct Outcome {
  bool loaded = false;
  std::string exit_error;  // the container's exit (empty: still running)
  bool leader = false;
  std::vector<std::string> warnings;  // etcd's "check file permission" errors
};

Outcome run(const std::string& text) {
  Outcome o;
  auto lr = scenario::load_string(text, "perm.json");
  if (!lr.ok()) {
    for (const auto& e : lr.errors) ADD_FAILURE() << scenario::format(e);
    return o;
  }
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, sim::RunOptions{}, &errors);
  if (!d) {
    for (const auto& e : errors) ADD_FAILURE() << scenario::format(e);
    return o;
  }
  o.loaded = true;
  d->run();
  for (const auto& e : d->world().trace().events()) {
    if (e.who != "etcd1") continue;
    if (e.kind == Ev::ProcExit && e.a == "exited") o.exit_error = e.b;
    if (e.kind == Ev::Role && e.a == "Leader") o.leader = true;
    if (e.kind == Ev::Log && e.b == "check file permission") o.warnings.push_back(e.c);
  }
  return o;
}

// A host directory that docker created (root:root 0755, what dockerd does for a missing
// bind source) is not writable by --user 1003:1003: etcd cannot mkdir its data dir.
TEST(DataDirPermissions, RootOwnedBindSourceRefusesNonRootUser) {
  const Outcome o = run(scenario_text("1003:1003", "/srv/etcd1:/bitnami/etcd", R"({"/srv/etcd1": {"owner": "0:0", "mode": "0755"}})"));
  ASSERT_TRUE(o.loaded);
  EXPECT_EQ(o.exit_error, "discovery failed: cannot access data directory: mkdir /bitnami/etcd/data: permission denied");
  EXPECT_FALSE(o.leader);
}

// The same directory owned by the container's user works; so does root in the container.
TEST(DataDirPermissions, OwnedBindSourceOrRootUserWorks) {
  Outcome o = run(scenario_text("1003:1003", "/srv/etcd1:/bitnami/etcd", R"({"/srv/etcd1": {"owner": "1003:1003", "mode": "700"}})"));
  EXPECT_TRUE(o.exit_error.empty()) << o.exit_error;
  EXPECT_TRUE(o.leader);
  o = run(scenario_text("0:0", "/srv/etcd1:/bitnami/etcd", R"({"/srv/etcd1": {"owner": "0:0", "mode": "0755"}})"));
  EXPECT_TRUE(o.exit_error.empty()) << o.exit_error;
  EXPECT_TRUE(o.leader);
}

// `:ro`: MkdirAll fails with EROFS, whoever the user is.
TEST(DataDirPermissions, ReadOnlyVolumeIsFatal) {
  const Outcome o = run(scenario_text("0:0", "/srv/etcd1:/bitnami/etcd:ro", ""));
  EXPECT_EQ(o.exit_error, "discovery failed: cannot access data directory: mkdir /bitnami/etcd/data: read-only file system");
}

// A data dir that exists but is group-only: the group's members may use it (with etcd's
// permission warning); others fail in IsDirWriteable, or in ReadDir when they cannot read.
TEST(DataDirPermissions, ExistingDataDirChecks) {
  const std::string dirs = R"({"/srv/etcd1/data": {"owner": "0:0", "mode": "0770"}})";
  Outcome o = run(scenario_text("1001:0", "/srv/etcd1:/bitnami/etcd", dirs));
  EXPECT_TRUE(o.exit_error.empty()) << o.exit_error;
  ASSERT_EQ(o.warnings.size(), 1u);
  EXPECT_NE(o.warnings[0].find("directory \"/bitnami/etcd/data\" exist, but the permission is \"drwxrwx---\""),
            std::string::npos) << o.warnings[0];
  o = run(scenario_text("1003:1003", "/srv/etcd1:/bitnami/etcd", dirs));
  EXPECT_EQ(o.exit_error, "failed to list data directory: open /bitnami/etcd/data: permission denied");
  o = run(scenario_text("1003:1003", "/srv/etcd1:/bitnami/etcd", R"({"/srv/etcd1/data": {"owner": "0:0", "mode": "0755"}})"));
  EXPECT_EQ(o.exit_error, "discovery failed: cannot access data directory: open /bitnami/etcd/data/.touch: permission denied");
}

// A named volume is filled from the image: bitnami/etcd's /bitnami/etcd/data is root:root
// 0775 (postunpack.sh chmod g+rwX), so the image's own user 1001 (group 0) may write it and
// --user 1003:1003 may not.
TEST(DataDirPermissions, NamedVolumeTakesTheImagesOwnership) {
  Outcome o = run(scenario_text("", "etcd1-data:/bitnami/etcd", ""));
  EXPECT_TRUE(o.exit_error.empty()) << o.exit_error;
  EXPECT_TRUE(o.leader);
  EXPECT_EQ(o.warnings.size(), 1u);
  o = run(scenario_text("1003:1003", "etcd1-data:/bitnami/etcd", ""));
  EXPECT_EQ(o.exit_error, "discovery failed: cannot access data directory: open /bitnami/etcd/data/.touch: permission denied");
}

TEST(DataDirPermissions, BadHostDirsAreLoadErrors) {
  test::expect_load_error(scenario_text("", "", R"({"srv/etcd1": {"owner": "0:0", "mode": "0755"}})"),
                          R"($.hosts[0].dirs["srv/etcd1"])", "is not a clean absolute path", "/shared/etcd/data/etcd1");
  test::expect_load_error(scenario_text("", "", R"({"/srv/etcd1": {"owner": "etcd", "mode": "0755"}})"),
                          R"($.hosts[0].dirs["/srv/etcd1"].owner)", "is not uid:gid", "1001:0");
  test::expect_load_error(scenario_text("", "", R"({"/srv/etcd1": {"owner": "0:0", "mode": "0999"}})"),
                          R"($.hosts[0].dirs["/srv/etcd1"].mode)", "is not octal permission bits", "0755");
  test::expect_load_error(scenario_text("", "", R"({"/srv/etcd1": {"owner": "0:0"}})"), R"($.hosts[0].dirs["/srv/etcd1"])",
                          "missing required key \"mode\"", "");
  test::expect_load_error(scenario_text("", "", R"({"/srv/etcd1": {"owner": "0:0", "mode": "0755", "acl": 1}})"),
                          R"($.hosts[0].dirs["/srv/etcd1"].acl)", "", "");
}

// With ETCD_ROOT_PASSWORD the scripts first start etcd in the background to enable auth
// (etcd_configure_rbac); that etcd dies at once, `retry_while "etcdctl member list"` spends
// its window (sleep 3 in etcd_start_bg, then 12 x (2 s dial timeout + 5 s)), the `if` has no
// else, and only then does run.sh exec the etcd that dies on the data dir: 87 s after start.
TEST(DataDirPermissions, RbacRetryWindowDelaysTheFatalExec) {
  std::string text = scenario_text("1003:1003", "/srv/etcd1:/bitnami/etcd", R"({"/srv/etcd1": {"owner": "0:0", "mode": "0755"}})");
  const std::string allow = "-e ALLOW_NONE_AUTHENTICATION=yes";
  text.replace(text.find(allow), allow.size(), "-e ETCD_ROOT_PASSWORD=pw");
  text.replace(text.find("\"8s\""), 4, "\"100s\"");
  auto lr = scenario::load_string(text, "perm.json");
  ASSERT_TRUE(lr.ok());
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, sim::RunOptions{}, &errors);
  ASSERT_TRUE(d);
  d->run();
  std::int64_t exit_at = -1;
  bool stopping = false;
  for (const auto& e : d->world().trace().events()) {
    if (e.who != "etcd1") continue;
    if (e.kind == Ev::ProcExit && e.a == "exited" && exit_at < 0) exit_at = e.at.ns;
    if (e.kind == Ev::Log && e.b == "bitnami: Stopping etcd") stopping = true;
  }
  EXPECT_EQ(exit_at / 1'000'000'000, 87);
  EXPECT_FALSE(stopping) << "etcd_stop returns silently when etcd is not running";
}

// A user name cannot be resolved without the image's /etc/passwd: refused, not ignored.
TEST(DataDirPermissions, UserNameIsRefused) {
  auto lr = scenario::load_string(scenario_text("etcd", "", ""), "perm.json");
  ASSERT_TRUE(lr.ok());
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, sim::RunOptions{}, &errors);
  EXPECT_FALSE(d);
  bool found = false;
  for (const auto& e : errors) found = found || e.message.find("raftlab models numeric users only") != std::string::npos;
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace raftlab
