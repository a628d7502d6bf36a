// sim/cloud/aws_cli_parse.cc — parse_aws: an `aws` command line, read with the AWS CLI v2's
// own argument rules, into an AwsCall.
//
// Sources (aws/aws-cli branch v2 at 73fb33bb; boto/botocore at 0e6e2404):
//   - globals: awscli/data/cli.json "options"; parsed anywhere in the line by the main
//     argparse parser (awscli/clidriver.py CLIDriver.main, parse_known_args), prefixes allowed
//     (Python argparse allow_abbrev), so `--reg x` is --region;
//   - service / operation choice errors: awscli/argparser.py CLIArgParser._check_value;
//   - operation options: the operation's input shape in botocore/data/<svc>/<ver>/service-2.json,
//     member order = argument order, member names kebab-cased (clidriver.py
//     _create_argument_table); lists take nargs='+' (arguments.py CLIArgument); booleans get
//     --x and --no-x and are never required by argparse (arguments.py BooleanArgument), so a
//     missing required boolean is botocore's "Missing required parameter in input" (validate.py);
//   - paginated operations gain --starting-token, --page-size, --max-items
//     (awscli/customizations/paginate.py); every operation gains --cli-input-json,
//     --cli-input-yaml, --generate-cli-skeleton;
//   - "Unknown options: a, b" after the operation parser: clidriver.py ServiceOperation.__call__;
//   - integers: argprocess.py unpack_scalar_cli_arg uses Python int(), whose ValueError the CLI
//     prints as is ("invalid literal for int() with base 10: 'abc'");
//   - string minimum lengths: botocore validate.py (only `min` is checked client-side);
//   - --filters shorthand: awscli/shorthand.py ShorthandParser (subset: key=value[,value...],
//     [a,b] lists, quoted values, \, escapes).
//
// Must never: accept an option the real CLI would refuse, ignore an option silently, or read
// anything but argv.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/cloud/aws_cli.h"

namespace raftlab::cloud {
namespace {

using etcd::Error;
using detail::close_matches;

constexpr std::size_t kMaxArgs = 4096;
constexpr std::size_t kMaxArgBytes = 64 * 1024;
constexpr std::size_t kMaxListItems = 1000;

enum class Kind { kString, kInt, kList, kBool, kFilters, kRefused, kRefusedBool, kIgnoredInt };
enum class Field {
  kNone, kAsg, kAsgNames, kMin, kMax, kDesired, kHealthCheckType, kGrace, kCooldown, kTermPolicies,
  kHonorCooldown, kShouldDecrement, kRespectGrace, kHealthStatus, kInstanceId, kInstanceIds, kHook,
  kResult, kToken, kFilters, kTargetGroup,
};

struct OptSpec {
  std::string name;    // without "--"
  std::string member;  // the API member (botocore wording names it)
  Kind kind = Kind::kString;
  bool required = false;
  Field field = Field::kNone;
  int min_len = 0;     // botocore `min` on strings
  std::string why;     // refused: what raftlab does not model
};

struct OpSpec {
  std::string service, name;
  AwsOp op;
  bool paginated = false;
  std::vector<OptSpec> opts;
};

const char* kWhyLaunch = "raftlab launches every instance from the group's launch template in the scenario";
const char* kWhyPlacement = "raftlab places instances in the scenario's subnets and AZs only";
const char* kWhyFeature = "raftlab's Auto Scaling model does not carry this setting";
const char* kWhyPaging = "raftlab answers every describe call in a single page";
const char* kWhyDryRun = "raftlab models no IAM permission checks (DryRunOperation)";
const char* kWhyEc2 = "raftlab's EC2 model does not carry this setting";

OptSpec S(std::string n, std::string m, Field f, bool req = false, int min_len = 0) {
  return {std::move(n), std::move(m), Kind::kString, req, f, min_len, ""};
}
OptSpec I(std::string n, std::string m, Field f, bool req = false) { return {std::move(n), std::move(m), Kind::kInt, req, f, 0, ""}; }
OptSpec L(std::string n, std::string m, Field f, bool req = false) { return {std::move(n), std::move(m), Kind::kList, req, f, 0, ""}; }
OptSpec B(std::string n, std::string m, Field f, bool req = false) { return {std::move(n), std::move(m), Kind::kBool, req, f, 0, ""}; }
OptSpec F(Field f) { return {"filters", "Filters", Kind::kFilters, false, f, 0, ""}; }
OptSpec R(std::string n, const char* why) { return {std::move(n), "", Kind::kRefused, false, Field::kNone, 0, why}; }
OptSpec RB(std::string n, const char* why) { return {std::move(n), "", Kind::kRefusedBool, false, Field::kNone, 0, why}; }

// Input shapes in botocore member order (service-2.json; see the file comment).
const std::vector<OpSpec>& op_table() {
  static const std::vector<OpSpec> t = [] {
    std::vector<OpSpec> v;
    v.push_back({"autoscaling", "update-auto-scaling-group", AwsOp::kUpdateAutoScalingGroup, false,
                 {S("auto-scaling-group-name", "AutoScalingGroupName", Field::kAsg, true, 1),
                  R("launch-configuration-name", kWhyLaunch), R("launch-template", kWhyLaunch),
                  R("mixed-instances-policy", kWhyLaunch), I("min-size", "MinSize", Field::kMin),
                  I("max-size", "MaxSize", Field::kMax), I("desired-capacity", "DesiredCapacity", Field::kDesired),
                  I("default-cooldown", "DefaultCooldown", Field::kCooldown), R("availability-zones", kWhyPlacement),
                  R("availability-zone-ids", kWhyPlacement),
                  S("health-check-type", "HealthCheckType", Field::kHealthCheckType, false, 1),
                  I("health-check-grace-period", "HealthCheckGracePeriod", Field::kGrace),
                  R("placement-group", kWhyPlacement), R("vpc-zone-identifier", kWhyPlacement),
                  L("termination-policies", "TerminationPolicies", Field::kTermPolicies),
                  RB("new-instances-protected-from-scale-in", kWhyFeature), R("service-linked-role-arn", kWhyFeature),
                  R("max-instance-lifetime", kWhyFeature), RB("capacity-rebalance", kWhyFeature), R("context", kWhyFeature),
                  R("desired-capacity-type", kWhyFeature), R("default-instance-warmup", kWhyFeature),
                  R("instance-maintenance-policy", kWhyFeature), R("availability-zone-distribution", kWhyPlacement),
                  R("availability-zone-impairment-policy", kWhyPlacement), RB("skip-zonal-shift-validation", kWhyPlacement),
                  R("capacity-reservation-specification", kWhyFeature), R("instance-lifecycle-policy", kWhyFeature),
                  R("deletion-protection", kWhyFeature)}});
    v.push_back({"autoscaling", "set-desired-capacity", AwsOp::kSetDesiredCapacity, false,
                 {S("auto-scaling-group-name", "AutoScalingGroupName", Field::kAsg, true, 1),
                  I("desired-capacity", "DesiredCapacity", Field::kDesired, true),
                  B("honor-cooldown", "HonorCooldown", Field::kHonorCooldown)}});
    v.push_back({"autoscaling", "terminate-instance-in-auto-scaling-group", AwsOp::kTerminateInstanceInAutoScalingGroup, false,
                 {S("instance-id", "InstanceId", Field::kInstanceId, true, 1),
                  B("should-decrement-desired-capacity", "ShouldDecrementDesiredCapacity", Field::kShouldDecrement, true)}});
    v.push_back({"autoscaling", "complete-lifecycle-action", AwsOp::kCompleteLifecycleAction, false,
                 {S("lifecycle-hook-name", "LifecycleHookName", Field::kHook, true, 1),
                  S("auto-scaling-group-name", "AutoScalingGroupName", Field::kAsg, true, 1),
                  S("lifecycle-action-token", "LifecycleActionToken", Field::kToken, false, 36),
                  S("lifecycle-action-result", "LifecycleActionResult", Field::kResult, true),
                  S("instance-id", "InstanceId", Field::kInstanceId, false, 1)}});
    v.push_back({"autoscaling", "record-lifecycle-action-heartbeat", AwsOp::kRecordLifecycleActionHeartbeat, false,
                 {S("lifecycle-hook-name", "LifecycleHookName", Field::kHook, true, 1),
                  S("auto-scaling-group-name", "AutoScalingGroupName", Field::kAsg, true, 1),
                  S("lifecycle-action-token", "LifecycleActionToken", Field::kToken, false, 36),
                  S("instance-id", "InstanceId", Field::kInstanceId, false, 1)}});
    v.push_back({"autoscaling", "describe-auto-scaling-groups", AwsOp::kDescribeAutoScalingGroups, true,
                 {L("auto-scaling-group-names", "AutoScalingGroupNames", Field::kAsgNames),
                  RB("include-instances", "raftlab always includes the instances"), R("next-token", kWhyPaging),
                  R("max-records", kWhyPaging), F(Field::kFilters)}});
    v.push_back({"autoscaling", "describe-auto-scaling-instances", AwsOp::kDescribeAutoScalingInstances, true,
                 {L("instance-ids", "InstanceIds", Field::kInstanceIds), R("max-records", kWhyPaging),
                  R("next-token", kWhyPaging)}});
    v.push_back({"autoscaling", "set-instance-health", AwsOp::kSetInstanceHealth, false,
                 {S("instance-id", "InstanceId", Field::kInstanceId, true, 1),
                  S("health-status", "HealthStatus", Field::kHealthStatus, true, 1),
                  B("should-respect-grace-period", "ShouldRespectGracePeriod", Field::kRespectGrace)}});
    v.push_back({"autoscaling", "describe-scaling-activities", AwsOp::kDescribeScalingActivities, true,
                 {R("activity-ids", "raftlab lists a group's activities, newest first, without picking by ID"),
                  S("auto-scaling-group-name", "AutoScalingGroupName", Field::kAsg, false, 1),
                  RB("include-deleted-groups", kWhyFeature), R("max-records", kWhyPaging), R("next-token", kWhyPaging),
                  R("filters", kWhyFeature)}});
    v.push_back({"ec2", "describe-instances", AwsOp::kDescribeInstances, true,
                 {L("instance-ids", "InstanceIds", Field::kInstanceIds), RB("include-managed-resources", kWhyEc2),
                  RB("dry-run", kWhyDryRun), F(Field::kFilters), R("next-token", kWhyPaging), R("max-results", kWhyPaging)}});
    v.push_back({"ec2", "terminate-instances", AwsOp::kTerminateInstances, false,
                 {L("instance-ids", "InstanceIds", Field::kInstanceIds, true), RB("force", kWhyEc2),
                  RB("skip-os-shutdown", kWhyEc2), RB("dry-run", kWhyDryRun)}});
    v.push_back({"ec2", "stop-instances", AwsOp::kStopInstances, false,
                 {L("instance-ids", "InstanceIds", Field::kInstanceIds, true), RB("hibernate", kWhyEc2),
                  RB("skip-os-shutdown", kWhyEc2), RB("dry-run", kWhyDryRun), RB("force", kWhyEc2)}});
    v.push_back({"ec2", "start-instances", AwsOp::kStartInstances, false,
                 {L("instance-ids", "InstanceIds", Field::kInstanceIds, true), R("additional-info", kWhyEc2),
                  RB("dry-run", kWhyDryRun)}});
    v.push_back({"ec2", "reboot-instances", AwsOp::kRebootInstances, false,
                 {L("instance-ids", "InstanceIds", Field::kInstanceIds, true), RB("dry-run", kWhyDryRun)}});
    v.push_back({"elbv2", "describe-target-health", AwsOp::kDescribeTargetHealth, false,
                 {S("target-group-arn", "TargetGroupArn", Field::kTargetGroup, true),
                  R("targets", "raftlab describes every registered target of the group"),
                  R("include", "raftlab does not model anomaly detection or administrative overrides")}});
    for (auto& op : v) {
      if (op.paginated) {
        op.opts.push_back(R("starting-token", kWhyPaging));
        op.opts.push_back({"page-size", "", Kind::kIgnoredInt, false, Field::kNone, 0, ""});
        op.opts.push_back(R("max-items", kWhyPaging));
      }
      op.opts.push_back(R("cli-input-json", "raftlab reads parameters from the command line only"));
      op.opts.push_back(R("cli-input-yaml", "raftlab reads parameters from the command line only"));
      op.opts.push_back(R("generate-cli-skeleton", "raftlab runs calls; it prints no skeletons"));
    }
    return v;
  }();
  return t;
}

// Real services raftlab does not model (a few an SRE reaches for), refused by name.
constexpr const char* kOtherServices[] = {
    "s3", "s3api", "iam", "sts", "ecs", "eks", "cloudformation", "route53", "ssm", "elb", "rds", "lambda",
    "dynamodb", "logs", "cloudwatch", "sns", "sqs", "kms", "secretsmanager", "ecr", "configure", "ec2-instance-connect"};

// ---- wording ----
struct Wording {
  AwsCliWording w;
  // argparse errors: "aws: error: ..." (<= 2.30) / "aws: [ERROR]: ..." (awscli/argparser.py CLIArgParser.error).
  std::string argparse(const std::string& msg) const {
    return (w == AwsCliWording::kClassic ? "aws: error: " : "aws: [ERROR]: ") + msg;
  }
  // Errors from handlers after parsing (ParamValidation, ParamError, ValueError):
  // bare on stderr up to 2.33, "aws: [ERROR]: " from 2.34 (awscli/errorformat.py write_error).
  std::string handler(const std::string& msg) const {
    return w == AwsCliWording::kClassic ? msg : "aws: [ERROR]: " + msg;
  }
  // awscli/argparser.py CLIArgParser._check_value, both eras.
  std::string invalid_choice(const std::string& arg, const std::string& value, const std::vector<std::string>& shown,
                             const std::vector<std::string>& candidates) const {
    const auto close = close_matches(value, candidates, 0.8);
    std::string m = "argument " + arg + ": ";
    if (w == AwsCliWording::kClassic) {
      m += "Invalid choice, valid choices are:\n";
      for (std::size_t i = 0; i < shown.size(); i += 2) {
        std::string left = shown[i];
        left.resize(std::max<std::size_t>(left.size(), 40), ' ');
        std::string line = "\n" + left;
        if (i + 1 < shown.size()) {
          std::string right = shown[i + 1];
          right.resize(std::max<std::size_t>(right.size(), 40), ' ');
          line += " | " + right;
        }
        m += line;
      }
      if (!close.empty()) {
        m += "\n\n\nInvalid choice: '" + value + "', maybe you meant:\n";
        for (const auto& c : close) m += "\n  * " + c;
      }
    } else {
      m += "Found invalid choice '" + value + "'\n";
      if (!close.empty()) {
        m += "\nMaybe you meant:\n";
        for (const auto& c : close) m += "\n  * " + c;
      }
    }
    return argparse(m);
  }
};

bool negative_number(const std::string& s) {
  // argparse _negative_number_matcher: '^-\d+$|^-\d*\.\d+$'
  if (s.size() < 2 || s[0] != '-') return false;
  const auto dot = s.find('.');
  for (std::size_t i = 1; i < s.size(); ++i)
    if (i != dot && (s[i] < '0' || s[i] > '9')) return false;
  return dot == std::string::npos ? true : dot + 1 < s.size();
}

// argparse _parse_optional: does this word start an option (known or not)?
bool option_like(const std::string& s) {
  return s.size() > 1 && s[0] == '-' && !negative_number(s) && s.find(' ') == std::string::npos;
}

// Python int() on a str: optional whitespace and sign, digits with single underscores between.
std::optional<long long> python_int(const std::string& raw, bool& overflow) {
  overflow = false;
  std::size_t b = raw.find_first_not_of(" \t\n\r\f\v"), e = raw.find_last_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) return std::nullopt;
  std::string s = raw.substr(b, e - b + 1);
  bool neg = false;
  std::size_t i = 0;
  if (s[0] == '+' || s[0] == '-') { neg = s[0] == '-'; ++i; }
  if (i >= s.size()) return std::nullopt;
  long long v = 0;
  bool last_digit = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '_' && last_digit && i + 1 < s.size() && s[i + 1] != '_') { last_digit = false; continue; }
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    last_digit = true;
    if (v > 100'000'000'000LL) overflow = true;
    else v = v * 10 + (s[i] - '0');
  }
  if (!last_digit) return std::nullopt;
  return neg ? -v : v;
}

std::string python_repr(const std::string& s) {
  // Python repr() of a str: single quotes unless the text holds one and no double quote.
  const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char q = dq ? '"' : '\'';
  std::string out(1, q);
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == q) { out += '\\'; out += c; }
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out + q;
}

// ---- --filters shorthand (awscli/shorthand.py, subset) ----
std::optional<std::string> parse_filter(const std::string& text, AwsFilter& out, std::vector<std::string>& keys_seen) {
  std::size_t i = 0;
  const std::string key_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.#/:";
  auto syntax = [&](const std::string& expected, std::size_t at) {
    const std::string got = at < text.size() ? std::string(1, text[at]) : "EOF";
    return "Expected: '" + expected + "', received: '" + got + "' for input:\n " + text + "\n " + std::string(at, ' ') + "^";
  };
  while (i < text.size()) {
    std::size_t k0 = i;
    while (i < text.size() && key_chars.find(text[i]) != std::string::npos) ++i;
    std::string key = text.substr(k0, i - k0);
    if (i >= text.size() || text[i] != '=') return syntax("=", i);
    ++i;
    if (std::find(keys_seen.begin(), keys_seen.end(), key) != keys_seen.end())
      return "Second instance of key \"" + key + "\" encountered for input:\n" + text +
             "\nThis is often because there is a preceding \",\" instead of a space.";
    keys_seen.push_back(key);
    std::vector<std::string> vals;
    auto read_value = [&](bool allow_eq) -> std::optional<std::string> {
      std::string v;
      if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
        const char q = text[i++];
        while (i < text.size() && text[i] != q) {
          if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == q) ++i;
          v += text[i++];
        }
        if (i >= text.size()) return std::nullopt;
        ++i;
        return v;
      }
      while (i < text.size() && text[i] != ',' && text[i] != ']') {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == ',') { v += ','; i += 2; continue; }
        if (!allow_eq && text[i] == '=') return std::nullopt;
        v += text[i++];
      }
      while (!v.empty() && v.back() == ' ') v.pop_back();
      return v;
    };
    if (i < text.size() && text[i] == '[') {
      ++i;
      while (i < text.size() && text[i] != ']') {
        auto v = read_value(true);
        if (!v) return syntax("]", i);
        vals.push_back(*v);
        if (i < text.size() && text[i] == ',') ++i;
      }
      if (i >= text.size()) return syntax("]", i);
      ++i;
    } else {
      auto first = read_value(true);
      if (!first) return syntax("'", i);
      vals.push_back(*first);
      // Further comma-separated words are more values until one reads `key=` (shorthand.py
      // _csv_value backtracks to the comma in that case).
      while (i < text.size() && text[i] == ',') {
        const std::size_t comma = i;
        ++i;
        const std::size_t save = i;
        auto next = read_value(false);
        if (!next) { i = comma; break; }
        (void)save;
        vals.push_back(*next);
      }
    }
    if (key == "Name") {
      if (vals.size() != 1) return std::string("Invalid type for parameter Filters[].Name, value: a list, valid types: <class 'str'>");
      out.name = vals[0];
    } else if (key == "Values") {
      out.values = vals;
    } else {
      return "Unknown parameter in Filters[]: \"" + key + "\", must be one of: Name, Values";
    }
    if (i < text.size()) {
      if (text[i] != ',') return syntax(",", i);
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace

etcd::Result<AwsCall> parse_aws(const std::vector<std::string>& argv) { return parse_aws(argv, AwsCliWording::kClassic); }

etcd::Result<AwsCall> parse_aws(const std::vector<std::string>& argv, AwsCliWording wording) {
  const Wording W{wording};
  AwsCall call;
  call.wording = wording;
  if (argv.empty() || argv[0] != "aws")
    return Error{"argv[0]", "raftlab: an aws command line starts with the word aws",
                 "write the line as the operator types it, e.g. aws autoscaling describe-auto-scaling-groups"};
  if (argv.size() > kMaxArgs)
    return Error{"argv", "raftlab: " + std::to_string(argv.size()) + " words is more than the bound of 4096",
                 "split the call; no real runbook line is this long"};
  for (std::size_t i = 0; i < argv.size(); ++i)
    if (argv[i].size() > kMaxArgBytes)
      return Error{"argv[" + std::to_string(i) + "]", "raftlab: a word longer than 65536 bytes",
                   "shorten the value; AWS limits these fields to a few thousand characters"};

  // ---- globals, anywhere in the line ----
  struct Global { const char* name; int arity; std::vector<std::string> choices; };
  std::vector<Global> globals = {
      {"debug", 0, {}}, {"endpoint-url", 1, {}}, {"no-verify-ssl", 0, {}}, {"no-paginate", 0, {}},
      {"output", 1, {"json", "text", "table", "yaml", "yaml-stream"}}, {"query", 1, {}}, {"profile", 1, {}},
      {"region", 1, {}}, {"version", 0, {}}, {"color", 1, {"on", "off", "auto"}}, {"no-sign-request", 0, {}},
      {"ca-bundle", 1, {}}, {"cli-read-timeout", 1, {}}, {"cli-connect-timeout", 1, {}},
      {"cli-binary-format", 1, {"base64", "raw-in-base64-out"}}, {"no-cli-pager", 0, {}}, {"cli-auto-prompt", 0, {}},
      {"no-cli-auto-prompt", 0, {}}};
  if (wording == AwsCliWording::kBracketed) {
    globals[4].choices.push_back("off");  // 2.34.0 CHANGELOG: "--output off"
    globals.push_back({"cli-error-format", 1, {"legacy", "json", "yaml", "text", "table", "enhanced"}});
  }
  std::vector<std::string> rest;
  bool saw_query = false;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--")
      return Error{"--", "raftlab: a bare -- is not modelled", "remove the --; every aws option is written --name value"};
    if (a.rfind("--", 0) != 0 || a.size() == 2 || !option_like(a)) { rest.push_back(a); continue; }
    const auto eq = a.find('=');
    const std::string key = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::vector<const Global*> hits;
    for (const auto& g : globals) {
      if (key == g.name) { hits = {&g}; break; }
      if (std::string(g.name).rfind(key, 0) == 0) hits.push_back(&g);
    }
    if (hits.empty()) { rest.push_back(a); continue; }
    if (hits.size() > 1) {
      std::string m = "ambiguous option: --" + key + " could match ";
      for (std::size_t h = 0; h < hits.size(); ++h) m += (h ? ", --" : "--") + std::string(hits[h]->name);
      return Error{"--" + key, W.argparse(m), "write the option's full name"};
    }
    const Global& g = *hits[0];
    const std::string opt = std::string("--") + g.name;
    std::string value;
    if (g.arity == 0) {
      if (eq != std::string::npos)
        return Error{opt, W.argparse("argument " + opt + ": ignored explicit argument '" + a.substr(eq + 1) + "'"),
                     opt + " takes no value"};
    } else if (eq != std::string::npos) {
      value = a.substr(eq + 1);
    } else if (i + 1 < argv.size() && !option_like(argv[i + 1])) {
      value = argv[++i];
    } else {
      return Error{opt, W.argparse("argument " + opt + ": expected one argument"), "write " + opt + " VALUE"};
    }
    if (!g.choices.empty() && std::find(g.choices.begin(), g.choices.end(), value) == g.choices.end())
      return Error{opt, W.invalid_choice(opt, value, g.choices, g.choices),
                   "use one of the listed values for " + opt};
    const std::string n = g.name;
    if (n == "output") call.output = value;
    else if (n == "query") { call.query = value; saw_query = true; }
    else if (n == "region") call.region = value;
    else if (n == "profile") call.profile = value;
    else if (n == "endpoint-url")
      return Error{opt, "raftlab: --endpoint-url is a real AWS CLI option that raftlab does not model (it talks to "
                        "the simulated account only)", "remove --endpoint-url " + value};
    else if (n == "version")
      return Error{opt, "raftlab: --version prints the CLI's version and makes no call; not modelled",
                   "remove --version"};
    else if (n == "cli-auto-prompt")
      return Error{opt, "raftlab: --cli-auto-prompt is interactive; not modelled", "remove --cli-auto-prompt"};
    else if (n == "cli-read-timeout" || n == "cli-connect-timeout") {
      bool over = false;
      if (!python_int(value, over) || over)
        return Error{opt, W.handler("invalid literal for int() with base 10: " + python_repr(value)),
                     "write " + opt + " SECONDS (an integer)"};
      call.ignored.push_back(opt + " " + value);
    } else {
      call.ignored.push_back(g.arity ? opt + " " + value : opt);
    }
  }
  if (saw_query) {
    // jmespath.compile runs on the globals, before the service is looked at (globalargs.py).
    if (call.query.empty())
      return Error{"--query", W.handler("Bad value for --query : Invalid JMESPath expression: cannot be empty."),
                   "remove --query or give it an expression"};
    if (auto e = check_query(call.query)) { e->message = W.handler(e->message); return *e; }
  }

  // ---- service and operation ----
  std::vector<std::string> services = {"autoscaling", "ec2", "elbv2"};
  std::size_t si = 0;
  while (si < rest.size() && option_like(rest[si])) ++si;
  if (si == rest.size())
    return Error{"command", W.argparse("the following arguments are required: command"),
                 "write the service and operation, e.g. aws autoscaling describe-auto-scaling-groups"};
  call.service = rest[si];
  const bool modelled_service = std::find(services.begin(), services.end(), call.service) != services.end();
  if (!modelled_service) {
    for (const char* other : kOtherServices)
      if (call.service == other)
        return Error{"command", "raftlab: aws " + call.service + " is a real AWS CLI command that raftlab does not model",
                     "raftlab models aws autoscaling, aws ec2 and aws elbv2"};
    std::vector<std::string> cands = services;
    for (const char* o : kOtherServices) cands.push_back(o);
    return Error{"command", W.invalid_choice("command", call.service, services, cands),
                 "raftlab models the services autoscaling, ec2 and elbv2 (the CLI lists all of its own here)"};
  }
  std::size_t oi = si + 1;
  while (oi < rest.size() && option_like(rest[oi])) ++oi;
  std::vector<std::string> modelled_ops;
  for (const auto& o : op_table()) if (o.service == call.service) modelled_ops.push_back(o.name);
  std::string modelled_list;
  for (const auto& o : modelled_ops) modelled_list += (modelled_list.empty() ? "" : ", ") + o;
  if (oi == rest.size())
    return Error{"operation", W.argparse("the following arguments are required: operation"),
                 "write an operation after aws " + call.service + ": " + modelled_list};
  const std::string op_word = rest[oi];
  const OpSpec* spec = nullptr;
  for (const auto& o : op_table()) if (o.service == call.service && o.name == op_word) spec = &o;
  if (!spec) {
    if (aws_real_operation(call.service, op_word))
      return Error{"operation", "raftlab: aws " + call.service + " " + op_word +
                                    " is a real AWS CLI operation that raftlab does not model",
                   "raftlab models these aws " + call.service + " operations: " + modelled_list};
    std::vector<std::string> all;
    for (const auto& o : modelled_ops) all.push_back(o);
    // Close matches come from every real operation name (the CLI's own candidates).
    std::vector<std::string> real = detail::real_operations(call.service);
    return Error{"operation", W.invalid_choice("operation", op_word, modelled_ops, real.empty() ? all : real),
                 "raftlab models these aws " + call.service + " operations: " + modelled_list};
  }
  call.op = spec->op;
  call.command_line_op = op_word;
  std::vector<std::string> args;
  for (std::size_t k = 0; k < rest.size(); ++k) if (k != si && k != oi) args.push_back(rest[k]);

  // ---- the operation's own options (argparse semantics) ----
  struct Choice { const OptSpec* spec; bool negative; std::string cli; };
  std::vector<Choice> strings;  // every option string, in table order (--x then --no-x)
  for (const auto& o : spec->opts) {
    strings.push_back({&o, false, "--" + o.name});
    if (o.kind == Kind::kBool || o.kind == Kind::kRefusedBool) strings.push_back({&o, true, "--no-" + o.name});
  }
  std::map<std::string, std::vector<std::string>> values;  // option name -> values (last occurrence)
  std::map<std::string, bool> bools;
  std::vector<std::string> unknown;
  std::optional<std::string> help_word;
  std::vector<std::string> refused_seen;
  bool first = true;
  for (std::size_t i = 0; i < args.size(); ++i, first = false) {
    const std::string& a = args[i];
    if (!option_like(a)) {
      if (first) help_word = a;
      else unknown.push_back(a);
      continue;
    }
    const auto eq = a.find('=');
    const std::string key = a.substr(0, eq);
    std::vector<const Choice*> hits;
    for (const auto& c : strings) {
      if (key == c.cli) { hits = {&c}; break; }
      if (key.size() > 2 && c.cli.rfind(key, 0) == 0) hits.push_back(&c);
    }
    if (hits.empty()) { unknown.push_back(a); continue; }
    if (hits.size() > 1) {
      std::string m = "ambiguous option: " + key + " could match ";
      for (std::size_t h = 0; h < hits.size(); ++h) m += (h ? ", " : "") + hits[h]->cli;
      return Error{key, W.argparse(m), "write the option's full name"};
    }
    const Choice& c = *hits[0];
    const OptSpec& o = *c.spec;
    if (o.kind == Kind::kRefused || o.kind == Kind::kRefusedBool) refused_seen.push_back(c.cli);
    if (o.kind == Kind::kBool || o.kind == Kind::kRefusedBool) {
      if (eq != std::string::npos)
        return Error{c.cli, W.argparse("argument " + c.cli + ": ignored explicit argument '" + a.substr(eq + 1) + "'"),
                     c.cli + " takes no value; write --" + o.name + " or --no-" + o.name};
      bools[o.name] = !c.negative;
      continue;
    }
    std::vector<std::string> vs;
    const bool multi = o.kind == Kind::kList || o.kind == Kind::kFilters ||
                       (o.kind == Kind::kRefused && o.name != "starting-token");
    if (eq != std::string::npos) {
      vs.push_back(a.substr(eq + 1));
    } else {
      while (i + 1 < args.size() && !option_like(args[i + 1])) {
        vs.push_back(args[++i]);
        if (!multi) break;
        if (vs.size() > kMaxListItems)
          return Error{c.cli, "raftlab: more than 1000 values for " + c.cli, "split the call"};
      }
    }
    if (vs.empty())
      return Error{c.cli, W.argparse("argument " + c.cli + (multi ? ": expected at least one argument" : ": expected one argument")),
                   "write " + c.cli + (multi ? " VALUE [VALUE ...]" : " VALUE")};
    values[o.name] = vs;
  }
  if (help_word && *help_word == "help")
    return Error{"help", "raftlab: aws ... help shows the CLI's manual page; not modelled",
                 "read the AWS CLI reference for aws " + call.service + " " + op_word};
  if (help_word) unknown.push_back(*help_word);

  std::string required_missing;
  for (const auto& o : spec->opts)
    if (o.required && o.kind != Kind::kBool && !values.count(o.name))
      required_missing += (required_missing.empty() ? "--" : ", --") + o.name;
  auto suggest = [&](const std::string& word) {
    std::vector<std::string> names;
    for (const auto& c : strings) names.push_back(c.cli);
    const auto m = close_matches(word.substr(0, word.find('=')), names, 0.6);
    return m.empty() ? std::string() : " (did you mean " + m.front() + "?)";
  };
  if (!required_missing.empty()) {
    std::string fix = "add " + required_missing + " VALUE";
    for (const auto& u : unknown) fix += "; " + u + " is not an option of " + op_word + suggest(u);
    return Error{required_missing.substr(0, required_missing.find(',')),
                 W.argparse("the following arguments are required: " + required_missing), fix};
  }
  if (!unknown.empty()) {
    std::string joined, fix;
    for (const auto& u : unknown) {
      joined += (joined.empty() ? "" : ", ") + u;
      fix += (fix.empty() ? "" : "; ") + u + " is not an option of aws " + call.service + " " + op_word + suggest(u);
    }
    const std::string msg = "Unknown options: " + joined;  // clidriver.py UnknownArgumentError
    return Error{unknown.front(), wording == AwsCliWording::kClassic ? msg : "aws: [ERROR]: " + msg, fix};
  }
  for (const auto& r : refused_seen) {
    std::string bare = r.substr(2);
    if (bare.rfind("no-", 0) == 0 && !std::any_of(spec->opts.begin(), spec->opts.end(), [&](const OptSpec& o) { return o.name == bare; }))
      bare = bare.substr(3);
    const OptSpec* o = nullptr;
    for (const auto& x : spec->opts) if (x.name == bare) o = &x;
    return Error{r, "raftlab: " + r + " is a real option of aws " + call.service + " " + op_word +
                        " that raftlab does not model: " + (o ? o->why : std::string()),
                 "remove " + r + " from the line"};
  }

  // ---- values, in argument-table order (clidriver.py _build_call_parameters) ----
  std::vector<std::string> validation;  // botocore validate.py report lines
  for (const auto& o : spec->opts) {
    if (o.required && o.kind == Kind::kBool && !bools.count(o.name))
      validation.push_back("Missing required parameter in input: \"" + o.member + "\"");
  }
  for (const auto& o : spec->opts) {
    auto it = values.find(o.name);
    if (o.kind == Kind::kBool) {
      auto b = bools.find(o.name);
      if (b == bools.end()) continue;
      if (o.field == Field::kHonorCooldown) call.honor_cooldown = b->second;
      if (o.field == Field::kShouldDecrement) call.should_decrement = b->second;
      if (o.field == Field::kRespectGrace) call.should_respect_grace = b->second;
      continue;
    }
    if (it == values.end()) continue;
    const std::string opt = "--" + o.name;
    const std::string& v0 = it->second.front();
    if (o.kind == Kind::kInt || o.kind == Kind::kIgnoredInt) {
      bool over = false;
      auto n = python_int(v0, over);
      if (!n && !over)
        return Error{opt, W.handler("invalid literal for int() with base 10: " + python_repr(v0)),
                     "write " + opt + " as a whole number, e.g. " + opt + " 3"};
      if (over || *n > 2147483647LL || *n < -2147483648LL)
        return Error{opt, "raftlab: " + opt + " " + v0 + " does not fit AWS's 32-bit Integer",
                     "write a value AWS accepts (Auto Scaling sizes are small whole numbers)"};
      const int x = static_cast<int>(*n);
      switch (o.field) {
        case Field::kMin: call.min_size = x; break;
        case Field::kMax: call.max_size = x; break;
        case Field::kDesired: call.desired = x; break;
        case Field::kGrace: call.health_check_grace_s = x; break;
        case Field::kCooldown: call.default_cooldown_s = x; break;
        default: call.ignored.push_back(opt + " " + v0); break;  // --page-size: one page here anyway
      }
      continue;
    }
    if (o.kind == Kind::kString) {
      if (static_cast<int>(v0.size()) < o.min_len)
        validation.push_back("Invalid length for parameter " + o.member + ", value: " + std::to_string(v0.size()) +
                             ", valid min length: " + std::to_string(o.min_len));
      switch (o.field) {
        case Field::kAsg: call.asg = v0; break;
        case Field::kHealthCheckType: call.health_check_type = v0; break;
        case Field::kHealthStatus: call.health_status = v0; break;
        case Field::kInstanceId: call.instance_ids = {v0}; break;
        case Field::kHook: call.hook = v0; break;
        case Field::kResult: call.action_result = v0; break;
        case Field::kToken: call.action_token = v0; break;
        case Field::kTargetGroup: call.target_group_arn = v0; break;
        default: break;
      }
      continue;
    }
    if (o.kind == Kind::kList) {
      std::vector<std::string> vs = it->second;
      if (vs.size() == 1 && !vs[0].empty() && vs[0].find_first_not_of(' ') != std::string::npos &&
          vs[0][vs[0].find_first_not_of(' ')] == '[') {
        auto j = nlohmann::json::parse(vs[0], nullptr, false);
        if (j.is_discarded() || !j.is_array())
          return Error{opt, W.handler("Error parsing parameter '" + opt + "': Invalid JSON: " + vs[0]),
                       "write the values space-separated: " + opt + " a b"};
        vs.clear();
        for (const auto& e : j) {
          if (!e.is_string())
            return Error{opt, W.handler("Parameter validation failed:\nInvalid type for parameter " + o.member +
                                        "[0], value: " + e.dump() + ", type: <class 'int'>, valid types: <class 'str'>"),
                         "quote each value as a JSON string"};
          vs.push_back(e.get<std::string>());
        }
      }
      if (o.field == Field::kAsgNames) call.asg_names = vs;
      if (o.field == Field::kInstanceIds) call.instance_ids = vs;
      if (o.field == Field::kTermPolicies) call.termination_policies = vs;
      continue;
    }
    if (o.kind == Kind::kFilters) {
      for (std::size_t k = 0; k < it->second.size(); ++k) {
        const std::string& text = it->second[k];
        const auto lead = text.find_first_not_of(' ');
        if (lead != std::string::npos && (text[lead] == '[' || text[lead] == '{')) {
          auto j = nlohmann::json::parse(text, nullptr, false);
          if (j.is_discarded())
            return Error{opt, W.handler("Error parsing parameter '--filters': Invalid JSON: " + text),
                         "write --filters Name=tag:aws:autoscaling:groupName,Values=etcd"};
          if (j.is_object()) j = nlohmann::json::array({j});
          for (const auto& f : j) {
            AwsFilter af;
            if (!f.is_object())
              return Error{opt, W.handler("Error parsing parameter '--filters': Invalid JSON: " + text),
                           "each filter is {\"Name\": ..., \"Values\": [...]}"};
            for (const auto& [fk, fv] : f.items()) {
              if (fk == "Name" && fv.is_string()) af.name = fv.get<std::string>();
              else if (fk == "Values" && fv.is_array()) {
                for (const auto& x : fv) if (x.is_string()) af.values.push_back(x.get<std::string>());
              } else validation.push_back("Unknown parameter in Filters[" + std::to_string(call.filters.size()) +
                                          "]: \"" + fk + "\", must be one of: Name, Values");
            }
            call.filters.push_back(af);
          }
          continue;
        }
        AwsFilter af;
        std::vector<std::string> keys;
        if (auto e = parse_filter(text, af, keys)) {
          if (e->rfind("Unknown parameter", 0) == 0 || e->rfind("Invalid type", 0) == 0) {
            std::string line = *e;
            const auto at = line.find("Filters[]");
            line.replace(at, 9, "Filters[" + std::to_string(call.filters.size()) + "]");
            validation.push_back(line);
            continue;
          }
          return Error{opt, W.handler("Error parsing parameter '--filters': " + *e),
                       "write --filters Name=instance-state-name,Values=running,pending"};
        }
        call.filters.push_back(af);
      }
      if (call.filters.size() > 200) return Error{opt, "raftlab: more than 200 filters", "split the call"};
    }
  }
  if (!validation.empty()) {
    std::string report = "Parameter validation failed:";
    for (const auto& l : validation) report += "\n" + l;
    std::string fix = "fix the parameters listed";
    if (spec->op == AwsOp::kTerminateInstanceInAutoScalingGroup && !call.should_decrement)
      fix = "add --should-decrement-desired-capacity or --no-should-decrement-desired-capacity";
    return Error{validation.front().find("ShouldDecrement") != std::string::npos
                     ? "--should-decrement-desired-capacity | --no-should-decrement-desired-capacity"
                     : "parameters",
                 W.handler(report), fix};
  }
  return call;
}

}  // namespace raftlab::cloud
