// Shell expansion and docker run parsing, on the reference document's lines.
#include <gtest/gtest.h>

#include "sim/etcd/docker.h"
#include "sim/etcd/shell.h"

namespace raftlab::etcd {
namespace {

const char* kEtcd1 = R"(docker run -d \
  --restart unless-stopped \
  --user 1003:1003 \
  -p 2379:2379 \
  -p 2380:2380 \
  -v /shared/etcd/data/etcd1:/bitnami/etcd \
  -e ETCD_NAME="etcd1" \
  -e ETCD_LISTEN_CLIENT_URLS="http://0.0.0.0:2379" \
  -e ETCD_ADVERTISE_CLIENT_URLS="http://10.101.99.100:2379" \
  -e ETCD_LISTEN_PEER_URLS="http://0.0.0.0:2380" \
  -e ETCD_INITIAL_ADVERTISE_PEER_URLS="http://10.101.99.100:2380" \
  -e ETCD_INITIAL_CLUSTER="$ETCD_INITIAL_CLUSTER" \
  -e ETCD_INITIAL_CLUSTER_STATE="new" \
  -e ETCD_INITIAL_CLUSTER_TOKEN="etcd-cluster-1" \
  -e ETCD_ROOT_PASSWORD="1234qwer!!" \
  bitnami/etcd:3.5.18)";

const char* kFull =
    "etcd1=http://10.101.99.100:2380,etcd2=http://10.101.99.100:3380,etcd3=http://10.101.99.101:2380,"
    "etcd4=http://10.101.99.101:3380,etcd5=http://10.101.99.101:4380";

TEST(Shell, QuotesEscapesAndContinuations) {
  std::map<std::string, std::string> env{{"A", "x y"}, {"E", ""}};
  auto r = shell_split(R"(a 'b $A' "c $A" $A \$A d\ e "" $E $UNSET ${A} ${NOPE:-dflt} # comment)", env);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<std::string> want{"a", "b $A", "c x y", "x", "y", "$A", "d e", "", "x", "y", "dflt"};
  EXPECT_EQ(r.value().argv, want);
  EXPECT_EQ(r.value().unset_vars, std::vector<std::string>{"UNSET"});
}

TEST(Shell, RejectsCommandSubstitutionAndHugeInput) {
  EXPECT_FALSE(shell_split("echo $(id)", {}).ok());
  EXPECT_FALSE(shell_split("a | b", {}).ok());
  EXPECT_FALSE(shell_split(std::string(70000, 'a'), {}).ok());
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "a ";
  EXPECT_FALSE(shell_split(many, {}).ok());
  EXPECT_FALSE(shell_split("\"unterminated", {}).ok());
}

TEST(Shell, WarnsAboutInteractiveHistoryExpansion) {
  auto r = shell_split(kEtcd1, {});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value().warnings.empty());
}

TEST(Docker, ReferenceEtcd1WithInitialClusterSet) {
  std::map<std::string, std::string> host{{"ETCD_INITIAL_CLUSTER", kFull}};
  auto words = shell_split(kEtcd1, host);
  ASSERT_TRUE(words.ok());
  EXPECT_TRUE(words.value().unset_vars.empty());
  auto run = parse_docker_run(words.value().argv, host);
  ASSERT_TRUE(run.ok()) << run.error().message;
  const DockerRun& d = run.value();
  EXPECT_EQ(d.image_repo, "bitnami/etcd");
  EXPECT_EQ(d.image_tag, "3.5.18");
  EXPECT_TRUE(d.detach);
  EXPECT_EQ(d.restart, RestartPolicy::unless_stopped);
  EXPECT_EQ(d.user, "1003:1003");
  ASSERT_EQ(d.ports.size(), 2u);
  EXPECT_EQ(d.ports[1].host_port, 2380);
  EXPECT_EQ(d.ports[1].container_port, 2380);
  ASSERT_EQ(d.volumes.size(), 1u);
  EXPECT_EQ(d.volumes[0].source, "/shared/etcd/data/etcd1");
  EXPECT_EQ(d.volumes[0].target, "/bitnami/etcd");
  auto env = container_env(d);
  EXPECT_EQ(env["ETCD_INITIAL_CLUSTER"], kFull);
  EXPECT_EQ(env["ETCD_ROOT_PASSWORD"], "1234qwer!!");
  EXPECT_EQ(env["ETCD_NAME"], "etcd1");
  EXPECT_TRUE(d.command.empty());
}

// Server A in document 001 never exports ETCD_INITIAL_CLUSTER: the variable is
// set in the container, but empty.
TEST(Docker, ReferenceEtcd1WithInitialClusterUnset) {
  auto words = shell_split(kEtcd1, {});
  ASSERT_TRUE(words.ok());
  EXPECT_EQ(words.value().unset_vars, std::vector<std::string>{"ETCD_INITIAL_CLUSTER"});
  auto run = parse_docker_run(words.value().argv, {});
  ASSERT_TRUE(run.ok());
  auto env = container_env(run.value());
  ASSERT_TRUE(env.count("ETCD_INITIAL_CLUSTER"));
  EXPECT_EQ(env["ETCD_INITIAL_CLUSTER"], "");
}

TEST(Docker, ScriptWithExportThenRun) {
  std::string script = std::string("export ETCD_INITIAL_CLUSTER=\"") + kFull + "\"\n\n" + kEtcd1;
  auto s = shell_run_script(script, {});
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s.value().commands.size(), 1u);
  auto run = parse_docker_run(s.value().commands[0], s.value().env);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(container_env(run.value())["ETCD_INITIAL_CLUSTER"], kFull);
}

TEST(Docker, FormsAndCommand) {
  auto w = shell_split(
      "docker container run -it --name=e1 --network host -e ETCDCTL_API -e X= -p 127.0.0.1:2379:2379/tcp "
      "--restart=on-failure:3 quay.io/coreos/etcd:v3.5.9 /usr/local/bin/etcd --name e1",
      {{"ETCDCTL_API", "3"}});
  ASSERT_TRUE(w.ok());
  auto r = parse_docker_run(w.value().argv, {{"ETCDCTL_API", "3"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r.value().interactive && r.value().tty);  // --rm with --restart: docker refuses (reliability tests)
  EXPECT_EQ(r.value().name, "e1");
  EXPECT_EQ(r.value().network, NetworkMode::host);
  EXPECT_EQ(r.value().restart, RestartPolicy::on_failure);
  EXPECT_EQ(r.value().restart_max_retries, 3);
  EXPECT_EQ(r.value().ports[0].host_ip, "127.0.0.1");
  EXPECT_EQ(r.value().image_repo, "quay.io/coreos/etcd");
  EXPECT_EQ(r.value().image_tag, "v3.5.9");
  EXPECT_EQ(r.value().command, (std::vector<std::string>{"/usr/local/bin/etcd", "--name", "e1"}));
  auto env = container_env(r.value());
  EXPECT_EQ(env["ETCDCTL_API"], "3");
  EXPECT_EQ(env["X"], "");
}

TEST(Docker, HostEnvMissingOmitsVariable) {
  auto r = parse_docker_run({"docker", "run", "-e", "FOO", "img"}, {});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(container_env(r.value()).empty());
  EXPECT_FALSE(r.value().warnings.empty());
}

TEST(Docker, UnknownOptionSuggests) {
  auto r = parse_docker_run({"docker", "run", "--restrat", "always", "img"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unknown flag: --restrat\nSee 'docker run --help'.");
  EXPECT_EQ(r.error().fix, "did you mean --restart?");
  auto e = parse_docker_run({"docker", "run", "--env-file", "x.env", "img"}, {});
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("not supported"), std::string::npos);
  EXPECT_FALSE(parse_docker_run({"docker", "run", "-d"}, {}).ok());
  EXPECT_FALSE(parse_docker_run({"docker", "run", "--restart", "sometimes", "img"}, {}).ok());
}

}  // namespace
}  // namespace raftlab::etcd
