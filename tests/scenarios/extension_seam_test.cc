// The seam for the cloud layer (sim/extension.h): the loader keeps a scenario's cloud
// parts as written, and a Deployment built without an extension refuses them (exit 2 in
// the CLI), naming the part — never runs the scenario with those parts silently dropped.
#include <gtest/gtest.h>

#include <memory>

#include "sim/deploy.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

const char* kMember = R"("members": [{"name": "e1", "host": "A", "flags": "etcd --name e1"}],)";

scenario::LoadResult load(const std::string& body) {
  return scenario::load_string(std::string("{\"name\": \"x\", \"description\": \"seam\", \"hosts\": [{\"name\": \"A\", \"ip\": \"10.0.0.1\"}],") +
                                   kMember + body + "}",
                               "seam.json");
}

TEST(ExtensionSeam, LoaderKeepsCloudPartsAsWritten) {
  auto r = scenario::load_string(R"({"name": "c", "description": "d", "cloud": {"template_text": "Resources: {}"},
      "timeline": [{"at": "1s", "aws": "aws autoscaling describe-auto-scaling-groups"}],
      "expect": [{"at": "2s", "asg": {"in_service": 3}}]})",
                                 "cloud.json");
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : scenario::format(r.errors[0]));
  const scenario::Scenario& s = *r.scenario;
  ASSERT_TRUE(s.cloud.has_value());
  EXPECT_TRUE(s.hosts.empty());  // optional with a cloud part
  ASSERT_EQ(s.timeline.size(), 1u);
  const auto* a = std::get_if<scenario::ExtAction>(&s.timeline[0].action);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->key, "aws");
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_EQ(s.expect[0].ext.at("asg").at("in_service"), 3);
}

TEST(ExtensionSeam, HostsStayRequiredWithoutACloudPart) {
  auto r = scenario::load_string(R"({"name": "c", "description": "d", "members": []})", "plain.json");
  EXPECT_FALSE(r.ok());
}

TEST(ExtensionSeam, AwsActionMustBeACommandLine) {
  auto r = load(R"("timeline": [{"at": "1s", "aws": 5}])");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors[0].path, "$.timeline[0].aws");
}

TEST(ExtensionSeam, DeploymentWithoutAnExtensionRefusesCloudParts) {
  for (const std::string& body : {std::string(R"("cloud": {"template_text": "x"})"),
                                 std::string(R"("timeline": [{"at": "1s", "aws": "aws ec2 describe-instances"}])"),
                                 std::string(R"("expect": [{"at": "1s", "targets": {"healthy": 1}}])")}) {
    auto r = load(body);
    ASSERT_TRUE(r.ok()) << body;
    std::vector<scenario::LoadError> errors;
    auto d = sim::Deployment::build(*r.scenario, sim::RunOptions{}, &errors);
    EXPECT_EQ(d, nullptr) << body;
    ASSERT_FALSE(errors.empty()) << body;
    EXPECT_NE(errors[0].message.find("cloud"), std::string::npos) << errors[0].message;
  }
}

TEST(ExtensionSeam, ExtensionReceivesActionsAndExpectations) {
  struct Recorder : sim::Extension {
    sim::Deployment* d = nullptr;
    int applied = 0, probed = 0, finished = 0;
    void apply(const scenario::TimelineEntry&, const scenario::ExtAction& a) override { applied += a.key == "aws"; }
    void probe(const scenario::Expectation& e) override {
      ++probed;
      sim::ExpectResult r;
      r.at_ns = e.at_ns;
      r.what = "probe";
      r.expected = "1";
      r.actual = "0";
      r.passed = false;  // a failing ext assertion must fail the run
      d->add_result(r);
    }
    void finish(sim::RunResult&) override { ++finished; }
  };
  auto r = load(R"("cloud": {}, "timeline": [{"at": "1s", "aws": "aws ec2 describe-instances"}],
                   "expect": [{"at": "2s", "asg": {"in_service": 1}}])");
  ASSERT_TRUE(r.ok());
  Recorder* rec = nullptr;
  sim::RunOptions o;
  o.extension = [&rec](sim::Deployment& d, std::vector<scenario::LoadError>*) -> std::unique_ptr<sim::Extension> {
    auto x = std::make_unique<Recorder>();
    x->d = &d;
    rec = x.get();
    return x;
  };
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*r.scenario, o, &errors);
  ASSERT_NE(d, nullptr);
  sim::RunResult res = d->run();
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->applied, 1);
  EXPECT_EQ(rec->probed, 1);
  EXPECT_EQ(rec->finished, 1);
  EXPECT_FALSE(res.passed);
  ASSERT_EQ(res.expectations.size(), 1u);
  EXPECT_EQ(res.expectations[0].what, "probe");
}

}  // namespace
}  // namespace raftlab
