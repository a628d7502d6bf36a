// Issue 24: `docker run` values real docker refuses were accepted. Each is refused now with
// docker's own words (sim/etcd/docker_validate.h cites where each comes from); what docker
// accepts stays accepted (a relative -v source since docker CLI 23, any well-formed tag).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/etcd/docker.h"
#include "sim/etcd/docker_validate.h"

namespace raftlab::etcd {
namespace {

Result<DockerRun> parse(const std::vector<std::string>& opts, const std::string& image = "bitnami/etcd:3.5.18") {
  std::vector<std::string> argv = {"docker", "run"};
  argv.insert(argv.end(), opts.begin(), opts.end());
  argv.push_back(image);
  return parse_docker_run(argv, {});
}

void expect_refused(const Result<DockerRun>& r, const std::string& words, const std::string& what) {
  ASSERT_FALSE(r.ok()) << what << " was accepted";
  EXPECT_NE(r.error().message.find(words), std::string::npos) << what << ": " << r.error().message;
  EXPECT_FALSE(r.error().fix.empty()) << what;
}

TEST(DockerOptions, MemorySizesFollowGoUnits) {
  expect_refused(parse({"--memory", "1zz"}), "invalid argument \"1zz\" for \"-m, --memory\" flag: invalid suffix: 'zz'", "1zz");
  expect_refused(parse({"-m", "abc"}), "invalid size: 'abc'", "abc");
  expect_refused(parse({"--memory=1.2.3g"}), "strconv.ParseFloat: parsing \"1.2.3\": invalid syntax", "1.2.3g");
  expect_refused(parse({"--shm-size", "64q"}), "invalid suffix: 'q'", "shm 64q");
  for (const std::string ok : {"512m", "1g", "1GiB", "1073741824", "2kb", "1.5g"}) EXPECT_TRUE(parse({"-m", ok}).ok()) << ok;
  EXPECT_TRUE(parse({"--memory-swap", "-1"}).ok());
}

TEST(DockerOptions, ImageReferencesFollowDistributionReference) {
  expect_refused(parse({}, "bitnami/etcd::3.5"), "invalid reference format", "::");
  expect_refused(parse({}, "Bitnami/Etcd:3.5.18"), "repository name (Bitnami/Etcd) must be lowercase", "upper case");
  expect_refused(parse({}, "bitnami/etcd:"), "invalid reference format", "empty tag");
  expect_refused(parse({}, "bitnami//etcd"), "invalid reference format", "empty component");
  expect_refused(parse({}, "bitnami/etcd@sha256:abc"), "invalid reference format", "short digest");
  for (const std::string ok : {"bitnami/etcd:3.5.18", "quay.io/coreos/etcd:v3.5.9", "localhost:5000/etcd", "Registry.Example.com/etcd:1",
                               "gcr.io/etcd-development/etcd:v3.5.18-debian", "my__repo/etc-d.x:tag_1"})
    EXPECT_TRUE(parse({}, ok).ok()) << ok;
}

TEST(DockerOptions, ContainerNamesFollowTheDaemonsPattern) {
  expect_refused(parse({"--name", "a b"}), "Invalid container name (a b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", "a b");
  expect_refused(parse({"--name", "-x"}), "Invalid container name", "-x");
  expect_refused(parse({"--name=x"}), "Invalid container name", "one char");
  EXPECT_TRUE(parse({"--name", "etcd_1.a-b"}).ok());
}

TEST(DockerOptions, RmWithRestartConflicts) {
  expect_refused(parse({"--rm", "--restart", "always"}), "conflicting options: cannot specify both --restart and --rm", "rm+restart");
  EXPECT_TRUE(parse({"--rm", "--restart", "no"}).ok());
}

TEST(DockerOptions, UserAndEntrypoint) {
  expect_refused(parse({"--user", "::::"}), "unable to find group :::", "::::");
  EXPECT_TRUE(parse({"--user", "1001:1001"}).ok());
  EXPECT_TRUE(parse({"-u", "root"}).ok());
  expect_refused(parse({"--entrypoint", "/bin/sh"}), "--entrypoint /bin/sh is not modelled", "/bin/sh");
  EXPECT_TRUE(parse({"--entrypoint", "etcd"}).ok());
}

// Accepted as docker does, with a warning saying what the model does.
TEST(DockerOptions, RelativeBindSourceIsAcceptedWithAWarning) {
  auto r = parse({"-v", "./data:/bitnami/etcd"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_FALSE(r.value().warnings.empty());
  EXPECT_NE(r.value().warnings.back().find("docker CLI 23+"), std::string::npos);
}

TEST(DockerOptions, KnownBitnamiTags) {
  for (const std::string t : {"latest", "3.5", "3.5.18", "3.4.37", "3.5.21-debian-12-r3"}) EXPECT_TRUE(known_bitnami_etcd_tag(t)) << t;
  for (const std::string t : {"9.9.99", "3.5.99", "3.6.0", "3.5.18-foo", "v3.5.18"}) EXPECT_FALSE(known_bitnami_etcd_tag(t)) << t;
}

// --cpus x and -v :/x were accepted (found by scripts/bad_input_table.py); docker refuses
// both before anything runs (docker/cli opts.ParseCPUs; the volume spec split).
TEST(DockerOptions, CpusIsARationalNumberAndVolumesHaveNoEmptySections) {
  expect_refused(parse({"--cpus", "x"}), "invalid argument \"x\" for \"--cpus\" flag: failed to parse x as a rational number",
                 "cpus x");
  for (const std::string bad : {"", "1.2.3", "1/0", "1/", "/2", "1e", "e3", "--1", "1 ", "."})
    expect_refused(parse({"--cpus", bad}), "as a rational number", "cpus " + bad);
  for (const std::string fine : {"1", "0.5", "+2", "3/2", "1e3", "2.5e-1", ".5", "5.", "0.000000001", "1/1000000000", "0"})
    EXPECT_TRUE(parse({"--cpus", fine}).ok()) << fine;
  for (const std::string precise : {"0.0000000001", "1/3", "1e-10", "1/7000000000"})
    expect_refused(parse({"--cpus", precise}), "value is too precise", "cpus " + precise);
  expect_refused(parse({"-v", ":/x"}), "invalid spec: :/x: empty section between colons", ":/x");
  expect_refused(parse({"-v", "/a::ro"}), "empty section between colons", "/a::ro");
  expect_refused(parse({"-v", "/a:"}), "empty section between colons", "/a:");
  EXPECT_TRUE(parse({"-v", "/a:/b:ro"}).ok());
  EXPECT_TRUE(parse({"-v", "/anonymous"}).ok());
}

}  // namespace
}  // namespace raftlab::etcd
