// sim/cloud/fis.h — AWS Fault Injection Service experiment templates, read as AWS writes
// them (the JSON of `aws fis get-experiment-template`, or a CreateExperimentTemplate
// input), and run against a Deployment: targets resolved and drawn at the experiment's
// start, actions ordered by startAfter, stop conditions as CloudWatch alarms the caller
// evaluates. docs/experiments.md ("FIS experiments") lists every field, rule and default
// with its AWS source, and what is not modelled.
//
//   std::vector<scenario::LoadError> errs;
//   auto t = fis::parse_template(json, "$.template", "exp.json", positions, &errs);
//   fis::Runner r(deployment, *t, {.start_ns = 300e9});   // before deployment.run()
//
// Besides the AWS actions, raftlab's own fault kinds for deployments without a cloud
// part (`raftlab:host:kill`, `raftlab:container:stop`, `raftlab:network:partition`, on
// targets of resourceType `raftlab:host` / `raftlab:member`) use the same shape. They are
// not FIS: FIS has no such actions; they let the two-host layout run the same experiment.
//
// Must never: read a file or the wall clock; draw from a stream another component uses
// (targets: "cloud/fis/select/<target>", or for a run without a cloud part the run seed's
// child "fis/select/<target>").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/prng.h"
#include "sim/scenario/jsonc.h"
#include "sim/scenario/scenario.h"

namespace raftlab::sim {
class Deployment;
}

namespace raftlab::cloud::fis {

// Resource types this model resolves.
inline constexpr const char* kInstance = "aws:ec2:instance";
inline constexpr const char* kSubnet = "aws:ec2:subnet";
inline constexpr const char* kHost = "raftlab:host";
inline constexpr const char* kMember = "raftlab:member";

enum class Selection : std::uint8_t { All, Count, Percent };

struct Filter {
  std::string path;
  std::vector<std::string> values;
};

struct Target {
  std::string name, resource_type, path;
  std::vector<std::string> arns;                 // resourceArns
  std::map<std::string, std::string> tags;       // resourceTags
  std::vector<Filter> filters;
  Selection mode = Selection::All;
  std::uint64_t n = 0;                           // COUNT(n) / PERCENT(n)
};

struct Action {
  std::string name, action_id, description, path;
  std::map<std::string, std::string> parameters;
  std::map<std::string, std::string> targets;    // "Instances" -> target name
  std::vector<std::string> start_after;
  std::int64_t duration_ns = 0;                  // "duration" (0: the action is instantaneous)
  std::int64_t start_after_duration_ns = 0;      // stop-instances: startInstancesAfterDuration (0: none)
  std::string scope = "all";                     // disrupt-connectivity
};

struct StopCondition {
  std::string source;  // "none" | "aws:cloudwatch:alarm"
  std::string value;   // the alarm's ARN
};

struct Template {
  std::string description, role_arn;
  std::map<std::string, std::string> tags;
  std::map<std::string, Target> targets;
  std::map<std::string, Action> actions;
  std::vector<StopCondition> stop_conditions;
  std::vector<std::string> order;  // the actions in a startAfter order (ties: by name)
  bool needs_cloud = false;        // an aws:ec2 resource type
  bool raftlab_kinds = false;      // a raftlab:* action (not FIS)
  // experimentOptions.emptyTargetResolutionMode: "fail" (the default: a target that
  // identifies nothing fails the experiment) or "skip" (its actions are skipped).
  bool skip_empty_targets = false;
};

// "PT5M", "PT30S", "PT1H30M", "P1D", "PT0.5S" -> ns; nullopt when malformed.
std::optional<std::int64_t> parse_iso_duration(const std::string& s);
// 300 s -> "PT5M" (the form FIS prints).
std::string iso_duration_text(std::int64_t ns);

// Reads `j` (at JSON path `path` of `file`; positions from parse_jsonc give lines).
// Accepts {"experimentTemplate": {...}} (what get-experiment-template prints) or the
// template object. Every error names its path and the fix; nullopt when any.
std::optional<Template> parse_template(const nlohmann::json& j, const std::string& path, const std::string& file,
                                       const std::map<std::string, scenario::TextPos>& positions,
                                       std::vector<scenario::LoadError>* errors);

// What the scenario's static names allow checking before a run: raftlab:host/member
// targets must resolve to something (FIS: "If no targets are found, the experiment
// fails"), and need a scenario without a cloud part... Errors as parse_template's.
void check_against(const Template& t, const scenario::Scenario& s, const std::string& file,
                   const std::map<std::string, scenario::TextPos>& positions,
                   std::vector<scenario::LoadError>* errors);

// The experiment's and its actions' states (ExperimentState / ExperimentActionState).
struct ActionOutcome {
  std::string name, action_id;
  std::string state = "pending";  // pending | running | completed | cancelled | stopped | failed | skipped
  std::int64_t start_ns = -1, end_ns = -1;
  std::vector<std::string> resources;  // what it acted on
  std::string reason;
};
struct Outcome {
  std::string state = "pending";  // pending | running | completed | stopped | failed
  std::string reason;
  std::int64_t start_ns = -1, end_ns = -1;
  std::int64_t fault_start_ns = -1, fault_end_ns = -1;  // first fault action start .. last fault end
  std::map<std::string, std::vector<std::string>> resolved;  // target -> chosen resources
  std::vector<ActionOutcome> actions;                        // in template order
};

struct RunnerOptions {
  std::int64_t start_ns = 0;
  // Asked at each probe interval by the driver (Runner::check_stop_conditions): whether
  // the alarm with this ARN is in ALARM.
  std::function<bool(const std::string& arn)> alarm_in_alarm;
  std::int64_t reboot_ns = 30'000'000'000;  // RebootInstances: down this long (docs/experiments.md)
};

// Runs one experiment in a Deployment (schedule before Deployment::run()). Records its
// steps as trace events (Ev::Cloud, who = "fis", a = "experiment" / "action" / "target").
class Runner {
 public:
  Runner(sim::Deployment& d, const Template& t, RunnerOptions o);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;
  // The driver calls this when an alarm may have changed: a stop condition in ALARM
  // stops the experiment (running actions stopped and rolled back, pending ones cancelled).
  void check_stop_conditions();
  const Outcome& outcome() const { return out_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Outcome out_;
};

}  // namespace raftlab::cloud::fis
