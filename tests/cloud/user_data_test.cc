// tests/cloud/user_data_test.cc — the user-data subset: parse errors (line and wording),
// the interpreter against a fake ScriptHost (exact argv, IMDS v1/v2, set -e/-u/-x/pipefail,
// loops and their bounds, filters, heredocs, `source`, background), with the host
// completing commands at once and later (a queue the test drains).
//
// Must never: depend on the real system (the host is a table), pass without checking output.
#include <deque>

#include <gtest/gtest.h>

#include "sim/cloud/user_data.h"
#include "sim/cloud/user_data_ast.h"

namespace raftlab::cloud {
namespace {

struct FakeHost : ScriptHost {
  bool deferred = false;
  std::vector<CommandCall> calls;
  std::function<CommandOutcome(const CommandCall&)> answer;
  std::map<std::string, std::string> imds;  // path after /latest/ -> body
  std::string required_token;               // IMDSv2 "required" when set
  std::map<std::string, std::string> files;
  std::vector<std::pair<int, std::string>> logs;
  std::int64_t slept_ns = 0;
  int sleeps = 0;
  std::deque<std::function<void()>> pending;

  void run(const CommandCall& call, std::function<void(CommandOutcome)> done) override {
    calls.push_back(call);
    CommandOutcome o = answer ? answer(call) : CommandOutcome{};
    if (deferred || call.background) pending.push_back([done, o] { done(o); });
    else done(o);
  }
  std::optional<std::string> metadata(const std::string& method, const std::string& path, const std::string& token) override {
    if (method == "PUT") return path == "api/token" ? std::optional<std::string>("TOKEN123") : std::nullopt;
    if (!required_token.empty() && token != required_token) return std::nullopt;
    auto it = imds.find(path);
    if (it == imds.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> read_file(const std::string& path) override {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  void write_file(const std::string& path, const std::string& text, bool append) override {
    if (append) files[path] += text;
    else files[path] = text;
  }
  bool remove_file(const std::string& path) override { return files.erase(path) > 0; }
  void sleep(std::int64_t ns, std::function<void()> done) override {
    slept_ns += ns;
    ++sleeps;
    if (deferred) pending.push_back(done);
    else done();
  }
  void log(int line, const std::string& text) override { logs.push_back({line, text}); }
  void drain() {
    for (int guard = 0; !pending.empty() && guard < 1'000'000; ++guard) {
      auto f = std::move(pending.front());
      pending.pop_front();
      f();
    }
  }
  std::vector<std::string> log_texts() const {
    std::vector<std::string> v;
    for (const auto& [l, t] : logs) v.push_back(t);
    return v;
  }
  bool logged(const std::string& s) const {
    for (const auto& [l, t] : logs)
      if (t == s) return true;
    return false;
  }
};

const std::set<std::string> kExternal{"docker", "etcd", "etcdctl", "aws", "curl", "systemctl", "yum"};

struct Ran {
  int code = -1;
  std::map<std::string, std::string> env;
};

Ran run_text(const std::string& text, FakeHost& h, std::map<std::string, std::string> env = {},
             const std::set<std::string>& external = kExternal) {
  auto p = parse_script(text, "ud", external);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  if (!p.ok()) return {};
  Ran r;
  ScriptRun run(p.value(), h, std::move(env));
  run.start([&](int c) { r.code = c; });
  h.drain();
  EXPECT_TRUE(run.done());
  r.env = run.env();
  return r;
}

std::string parse_error(const std::string& text, const std::set<std::string>& external = kExternal) {
  auto p = parse_script(text, "ud", external);
  return p.ok() ? std::string("(parsed)") : p.error().message;
}

// ---- the scripts SREs paste ------------------------------------------------------------
const char* kNaive = R"SH(#!/bin/bash
# naive etcd on EC2
IP=$(curl -s http://169.254.169.254/latest/meta-data/local-ipv4)
NAME=`curl -s http://169.254.169.254/latest/meta-data/instance-id`
docker run -d --name etcd --net host \
  -e ETCD_NAME=$NAME \
  -e ETCD_ADVERTISE_CLIENT_URLS=http://$IP:2379 \
  -e "ETCD_INITIAL_ADVERTISE_PEER_URLS=http://${IP}:2380" \
  bitnami/etcd:3.5.18
)SH";

class BothModes : public ::testing::TestWithParam<bool> {};

TEST_P(BothModes, NaiveEtcdUserDataPassesTheExactArgv) {
  FakeHost h;
  h.deferred = GetParam();
  h.imds = {{"meta-data/local-ipv4", "10.0.1.5"}, {"meta-data/instance-id", "i-0abc"}};
  auto r = run_text(kNaive, h, {{"HOME", "/root"}});
  EXPECT_EQ(r.code, 0);
  ASSERT_EQ(h.calls.size(), 1u);
  const std::vector<std::string> want{"docker", "run", "-d", "--name", "etcd", "--net", "host",
                                      "-e", "ETCD_NAME=i-0abc", "-e", "ETCD_ADVERTISE_CLIENT_URLS=http://10.0.1.5:2379",
                                      "-e", "ETCD_INITIAL_ADVERTISE_PEER_URLS=http://10.0.1.5:2380", "bitnami/etcd:3.5.18"};
  EXPECT_EQ(h.calls[0].argv, want);
  EXPECT_EQ(h.calls[0].line, 5);
  EXPECT_EQ(h.calls[0].env.at("HOME"), "/root");
  EXPECT_EQ(h.calls[0].env.count("IP"), 0u);  // not exported
  EXPECT_FALSE(h.calls[0].background);
}

TEST_P(BothModes, ImdsV2TokenFlow) {
  FakeHost h;
  h.deferred = GetParam();
  h.required_token = "TOKEN123";
  h.imds = {{"meta-data/local-ipv4", "10.0.1.9"}};
  auto r = run_text(R"SH(set -e
TOKEN=$(curl -sS -X PUT "http://169.254.169.254/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")
IP=$(curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/local-ipv4)
echo "ip=$IP"
V1=$(curl -sf http://169.254.169.254/latest/meta-data/local-ipv4)
echo unreachable
)SH", h);
  EXPECT_TRUE(h.logged("ip=10.0.1.9"));
  // IMDSv1 against a "required" instance: curl -f fails with 22 and set -e stops.
  EXPECT_EQ(r.code, 22);
  EXPECT_FALSE(h.logged("unreachable"));
  EXPECT_EQ(r.env.at("TOKEN"), "TOKEN123");
}

TEST_P(BothModes, EtcdAwsClusterStyleDiscovery) {
  FakeHost h;
  h.deferred = GetParam();
  h.imds = {{"dynamic/instance-identity/document", R"SH({"region": "eu-west-1", "instanceId": "i-1"})SH"},
            {"meta-data/instance-id", "i-1"}};
  h.answer = [](const CommandCall& c) {
    const std::string& a1 = c.argv.size() > 1 ? c.argv[1] : "";
    if (c.argv[0] == "aws" && a1 == "autoscaling") return CommandOutcome{0, "etcd-asg\n", ""};
    if (c.argv[0] == "aws" && a1 == "ec2") return CommandOutcome{0, "10.0.1.5\t10.0.1.6\t10.0.1.7\n", ""};
    if (c.argv[0] == "curl" && a1 == "-f" && c.argv[3] == "http://10.0.1.6:2379/v2/members")
      return CommandOutcome{0, R"SH({"members":[]})SH", ""};
    if (c.argv[0] == "curl") return CommandOutcome{7, "", "curl: (7) Failed to connect\n"};
    return CommandOutcome{};
  };
  auto r = run_text(R"SH(#!/bin/bash
set -euo pipefail
REGION=$(curl -s http://169.254.169.254/latest/dynamic/instance-identity/document | jq -r .region)
INSTANCE_ID=$(curl -s http://169.254.169.254/latest/meta-data/instance-id)
ASG=$(aws autoscaling describe-auto-scaling-instances --region $REGION --instance-ids $INSTANCE_ID \
  --query 'AutoScalingInstances[0].AutoScalingGroupName' --output text)
IPS=$(aws ec2 describe-instances --region "$REGION" \
  --filters "Name=tag:aws:autoscaling:groupName,Values=$ASG" \
  --query 'Reservations[].Instances[].PrivateIpAddress' --output text)
good_member=""
for ip in $IPS; do
  if curl -f -s http://$ip:2379/v2/members > /dev/null; then
    good_member=$ip
    break
  fi
done
if [[ -n $good_member ]]; then
  STATE=existing
else
  STATE=new
fi
PEERS=""
for ip in $IPS; do
  if [ -z "$PEERS" ]; then PEERS="$ip=http://$ip:2380"; else PEERS="$PEERS,$ip=http://$ip:2380"; fi
done
cat > /etc/sysconfig/etcd-peers <<EOF
ETCD_INITIAL_CLUSTER_STATE=$STATE
ETCD_INITIAL_CLUSTER="$PEERS"
EOF
source /etc/sysconfig/etcd-peers
echo "state=$ETCD_INITIAL_CLUSTER_STATE"
)SH", h);
  EXPECT_EQ(r.code, 0);
  ASSERT_EQ(h.calls.size(), 4u);  // 2 aws + 2 curl (break after the good member)
  EXPECT_EQ(h.calls[0].argv, (std::vector<std::string>{"aws", "autoscaling", "describe-auto-scaling-instances", "--region",
                                                       "eu-west-1", "--instance-ids", "i-1", "--query",
                                                       "AutoScalingInstances[0].AutoScalingGroupName", "--output", "text"}));
  EXPECT_EQ(h.calls[1].argv[6], "Name=tag:aws:autoscaling:groupName,Values=etcd-asg");
  EXPECT_EQ(h.calls[2].argv[3], "http://10.0.1.5:2379/v2/members");
  EXPECT_EQ(h.calls[3].argv[3], "http://10.0.1.6:2379/v2/members");
  EXPECT_EQ(h.files.at("/etc/sysconfig/etcd-peers"),
            "ETCD_INITIAL_CLUSTER_STATE=existing\n"
            "ETCD_INITIAL_CLUSTER=\"10.0.1.5=http://10.0.1.5:2380,10.0.1.6=http://10.0.1.6:2380,10.0.1.7=http://10.0.1.7:2380\"\n");
  EXPECT_EQ(r.env.at("ETCD_INITIAL_CLUSTER"), "10.0.1.5=http://10.0.1.5:2380,10.0.1.6=http://10.0.1.6:2380,10.0.1.7=http://10.0.1.7:2380");
  EXPECT_TRUE(h.logged("state=existing"));
}

TEST_P(BothModes, UntilHealthyLoopUsesVirtualSleep) {
  FakeHost h;
  h.deferred = GetParam();
  int n = 0;
  h.answer = [&n](const CommandCall&) { return CommandOutcome{++n < 4 ? 1 : 0, "", ""}; };
  auto r = run_text("until etcdctl endpoint health; do sleep 5; done\necho healthy\n", h);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(h.calls.size(), 4u);
  EXPECT_EQ(h.sleeps, 3);
  EXPECT_EQ(h.slept_ns, 15'000'000'000);
  EXPECT_TRUE(h.logged("healthy"));
}

TEST_P(BothModes, NeverHealthyLoopStopsAtTheBound) {
  FakeHost h;
  h.deferred = GetParam();
  h.answer = [](const CommandCall&) { return CommandOutcome{1, "", ""}; };
  auto r = run_text("echo start\nuntil etcdctl endpoint health; do\n  sleep 1.5\ndone\necho never\n", h);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(h.sleeps, kLoopIterationsMax);
  EXPECT_EQ(h.slept_ns, std::int64_t{kLoopIterationsMax} * 1'500'000'000);
  EXPECT_TRUE(h.logged("raftlab: loop at line 2 ran 10000 times: stopped"));
  EXPECT_FALSE(h.logged("never"));
}

INSTANTIATE_TEST_SUITE_P(SyncAndDeferred, BothModes, ::testing::Values(false, true));

// ---- shell semantics ---------------------------------------------------------------------
TEST(UserDataRun, SetEStopsAtTheFailedCommand) {
  FakeHost h;
  h.answer = [](const CommandCall& c) { return CommandOutcome{c.argv[1] == "bad" ? 3 : 0, "", ""}; };
  auto r = run_text("set -e\necho a\nyum bad\necho b\n", h);
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(h.log_texts(), std::vector<std::string>{"a"});
}

TEST(UserDataRun, SetEExceptions) {
  FakeHost h;
  auto r = run_text(R"SH(set -e
if false; then echo no; fi
while false; do :; done
false || echo or-branch
false && echo no
! true
until true; do :; done
echo end
)SH", h);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(h.log_texts(), (std::vector<std::string>{"or-branch", "end"}));
}

TEST(UserDataRun, OrFallbackAndStatus) {
  FakeHost h;
  auto r = run_text(R"SH(PUB=$(curl -sf http://169.254.169.254/latest/meta-data/public-ipv4 || echo none)
echo "pub=$PUB"
false; echo "st=$?"
x=$(exit 3); echo "sub=$?"
echo "$((2 + 3 * 4)) $(( (7 - 1) / 4 ))"
)SH", h);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(h.log_texts(), (std::vector<std::string>{"pub=none", "st=1", "sub=3", "14 1"}));
}

TEST(UserDataRun, CurlWithoutFailGetsThe404Page) {
  FakeHost h;
  run_text("X=$(curl -s http://169.254.169.254/latest/meta-data/nope)\necho \"$X\" | grep -c '404 - Not Found'\n", h);
  EXPECT_EQ(h.log_texts(), std::vector<std::string>{"2"});
}

TEST(UserDataRun, PipelinesThroughFilters) {
  FakeHost h;
  h.files["/tmp/di.json"] =
      R"SH({"Reservations":[{"Instances":[{"PrivateIpAddress":"10.0.0.1","Tags":[{"Key":"a"}]},{"PrivateIpAddress":"10.0.0.2"}]}]})SH";
  auto r = run_text(R"SH(echo "a:b:c" | cut -d: -f2
echo "a:b:c:d" | cut -d : -f 1,3-
printf 'x 1\ny 2\n' | grep y | awk '{print $2}'
echo "k v w" | awk '{print $1","$3}'
jq -r '.Reservations[].Instances[].PrivateIpAddress' < /tmp/di.json
jq '.Reservations[0].Instances | length' < /tmp/di.json
echo 'Hello World' | tr '[:upper:]' '[:lower:]'
echo 'a-b-c' | sed 's/-/+/g'
printf '3\n1\n2\n1\n' | sort | uniq | head -n 2
printf 'a\nb\nc\n' | tail -n 1
printf 'a\nb\n' | wc -l
echo aGVsbG8= | base64 -d
printf 'one\ntwo\n' | xargs
echo "10.0.0.5 etcd" | grep -o '[0-9.]*'
echo ETCD | grep -qi etcd && echo found
echo abc | grep -v abc || echo "none=$?"
)SH", h);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(h.log_texts(), (std::vector<std::string>{"b", "a:c:d", "2", "k,w", "10.0.0.1", "10.0.0.2", "2", "hello world",
                                                     "a+b+c", "1", "2", "c", "2", "hello", "one two", "10.0.0.5", "found",
                                                     "none=1"}));
}

TEST(UserDataRun, PipefailAndXtrace) {
  FakeHost h;
  auto r = run_text("false | true; echo \"a=$?\"\nset -o pipefail\nfalse | true; echo \"b=$?\"\nset -x\necho 'hi there'\n", h);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(h.log_texts(), (std::vector<std::string>{"a=0", "b=1", "+ echo 'hi there'", "hi there"}));
}

TEST(UserDataRun, UnboundVariableUnderSetU) {
  FakeHost h;
  auto r = run_text("set -u\necho \"${OK:-fine}\"\necho $NOPE\necho after\n", h);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(h.log_texts(), (std::vector<std::string>{"fine", "line 3: NOPE: unbound variable"}));
}

TEST(UserDataRun, RedirectionsAndHeredocs) {
  FakeHost h;
  auto r = run_text(R"SH(echo one > /etc/x.conf
echo two >> /etc/x.conf
docker ps > /dev/null 2>&1
cat <<-'EOF' > /etc/lit
	$NOT_EXPANDED "q"
	EOF
cat /etc/x.conf
cat < /missing
echo "st=$?"
rm -f /etc/lit
[ -f /etc/lit ] || echo gone
)SH", h);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(h.files.at("/etc/x.conf"), "one\ntwo\n");
  EXPECT_EQ(h.log_texts(), (std::vector<std::string>{"one", "two", "line 8: /missing: No such file or directory", "st=1", "gone"}));
  FakeHost h2;
  run_text("cat <<'EOF' > /etc/lit\n$NOT_EXPANDED \"q\"\nEOF\n", h2);
  EXPECT_EQ(h2.files.at("/etc/lit"), "$NOT_EXPANDED \"q\"\n");
}

TEST(UserDataRun, DoubleBracketGlobAndLiteral) {
  FakeHost h;
  auto r = run_text(R"SH(x=my-etcd-node
[[ $x == *etcd* ]] && echo glob
[[ $x == "*etcd*" ]] || echo literal
[[ -z "" && -n $x ]] && echo both
)SH", h);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(h.log_texts(), (std::vector<std::string>{"glob", "literal", "both"}));
}

TEST(UserDataRun, BackgroundDoesNotWait) {
  FakeHost h;
  h.deferred = true;
  auto p = parse_script("etcd --name n1 &\necho after\n", "ud", kExternal);
  ASSERT_TRUE(p.ok());
  int code = -1;
  {
    ScriptRun run(p.value(), h, {});
    run.start([&](int c) { code = c; });
    EXPECT_TRUE(run.done());  // nothing drained: the script did not wait for etcd
  }
  EXPECT_EQ(code, 0);
  ASSERT_EQ(h.calls.size(), 1u);
  EXPECT_TRUE(h.calls[0].background);
  EXPECT_EQ(h.log_texts(), std::vector<std::string>{"after"});
  h.drain();  // the background command ends after the run is gone: nothing happens
}

TEST(UserDataRun, HostCompletingAfterTheRunIsDestroyedIsIgnored) {
  FakeHost h;
  h.deferred = true;
  auto p = parse_script("etcdctl member list\necho x\n", "ud", kExternal);
  ASSERT_TRUE(p.ok());
  bool called = false;
  {
    ScriptRun run(p.value(), h, {});
    run.start([&](int) { called = true; });
    EXPECT_FALSE(run.done());
  }
  h.drain();
  EXPECT_FALSE(called);
  EXPECT_TRUE(h.logs.empty());
}

TEST(UserDataRun, HugeLoopIsBounded) {
  FakeHost h;
  auto r = run_text("while true; do :; done\n", h);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(h.logged("raftlab: loop at line 1 ran 10000 times: stopped"));
  FakeHost h2;
  auto r2 = run_text("x=a\nwhile true; do x=$x$x; done\n", h2);
  EXPECT_EQ(r2.code, 1);
  EXPECT_EQ(h2.logs.size(), 1u);
  EXPECT_NE(h2.logs[0].second.find("could exceed 1048576 bytes"), std::string::npos) << h2.logs[0].second;
}

TEST(UserDataRun, CommandNotFoundAtRunTime) {
  FakeHost h;
  auto r = run_text("C=frobnicate\n$C --now\necho after\n", h);
  EXPECT_EQ(r.code, 127);
  EXPECT_EQ(h.log_texts(), std::vector<std::string>{"line 2: frobnicate: command not found"});
}

// ---- parse errors --------------------------------------------------------------------------
TEST(UserDataParse, UnknownCommandNamesTheLineAndTheFix) {
  auto p = parse_script("#!/bin/bash\necho hi\n\nfoo bar\n", "ud", kExternal);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "ud line 4: `foo` is not in the user-data subset raftlab models");
  EXPECT_NE(p.error().fix.find("grep"), std::string::npos);
  EXPECT_NE(p.error().fix.find("etcdctl"), std::string::npos);
  EXPECT_EQ(parse_error("echo a\n  if true; then\n    x=$(nope)\n  fi\n"),
            "ud line 3: `nope` is not in the user-data subset raftlab models");
}

TEST(UserDataParse, RefusedConstructsNameTheirLine) {
  EXPECT_EQ(parse_error("echo a\ncase $x in\n a) echo;;\nesac\n"), "ud line 2: `case ... esac` is not in the user-data subset");
  EXPECT_EQ(parse_error("echo\nf() {\n echo\n}\n"), "ud line 2: function definitions are not in the user-data subset");
  EXPECT_EQ(parse_error("A=(1 2)\n"), "ud line 1: arrays (NAME=(...)) are not in the user-data subset");
  EXPECT_EQ(parse_error("echo\n\ndiff <(echo a) b\n"), "ud line 3: process substitution <(...) is not in the user-data subset");
  EXPECT_EQ(parse_error("echo\n( cd /tmp )\n"), "ud line 2: subshells ( ... ) are not in the user-data subset");
  EXPECT_EQ(parse_error("cat <<EOF\nabc\n"), "ud line 1: here-document at line 1 delimited by end-of-file (wanted `EOF')");
  EXPECT_EQ(parse_error("echo \"a\n\nb\n"), "ud line 1: unexpected EOF while looking for matching `\"'");
  EXPECT_EQ(parse_error("if true; then\necho\n"), "ud line 1: syntax error: expected `fi' before the end of the script");
  EXPECT_EQ(parse_error("echo $$\n"), "ud line 1: special parameter $$ is not supported");
  EXPECT_EQ(parse_error("grep -P x\n"), "ud line 1: grep: invalid option -- 'P' (supported: -v -F -E -q -o -i -w -c -x -e)");
  EXPECT_EQ(parse_error("jq '.a | select(.b)'\n").substr(0, 39), "ud line 1: jq: unsupported filter '.a |");
  EXPECT_EQ(parse_error("set -o posix\n"), "ud line 1: `set -o posix` is not in the user-data subset");
  EXPECT_EQ(parse_error("echo $(( 1 + ))\n").substr(0, 22), "ud line 1:  1 + : synt");
  EXPECT_EQ(parse_error("for i in 1 2; do echo; done | grep x\n").substr(0, 30), "ud line 1: a compound command ");
  EXPECT_EQ(parse_error("break\n"), "ud line 1: `break` outside a for/while/until loop");
  EXPECT_EQ(parse_error("ls\n", {}), "ud line 1: `ls` is not in the user-data subset raftlab models");
  EXPECT_EQ(parse_error("/usr/bin/docker ps\n"), "(parsed)");  // by basename
}

TEST(UserDataParse, NestingAndSizeBounds) {
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "if true; then\n";
  deep += "echo x\n";
  for (int i = 0; i < 70; ++i) deep += "fi\n";
  EXPECT_EQ(parse_error(deep), "ud line 65: nesting deeper than 64 (compound commands and $(...))");
  std::string subs = "echo ";
  for (int i = 0; i < 70; ++i) subs += "$(echo ";
  subs += "x";
  for (int i = 0; i < 70; ++i) subs += ")";
  EXPECT_NE(parse_error(subs).find("nesting deeper than 64"), std::string::npos);
  std::string ok;
  for (int i = 0; i < 60; ++i) ok += "if true; then\n";
  for (int i = 0; i < 60; ++i) ok += "fi\n";
  EXPECT_EQ(parse_error(ok), "(parsed)");
  EXPECT_NE(parse_error(std::string(kScriptBytesMax + 1, '#')).find("more than 65536"), std::string::npos);
}

}  // namespace
}  // namespace raftlab::cloud
