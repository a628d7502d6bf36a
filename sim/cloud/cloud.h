// sim/cloud/cloud.h — the simulated AWS account of a scenario's "cloud" part: EC2
// instances that are hosts of the World (fresh disk at launch, gone at termination,
// IMDS, cloud-init running the launch template's user data), Auto Scaling Groups
// (desired/min/max, AZ balance, termination policies, lifecycle hooks with handlers,
// EC2/ELB health checks and replacement), and Network Load Balancers (target groups,
// TCP/HTTP health checks with AWS's thresholds, a flow per TCP connection, no cross-zone
// by default, fail-open, deregistration delay). `aws` lines — from the scenario's
// timeline or from a script on an instance — go through one API (Cloud::call).
//
//   RunOptions o; o.extension = cloud::extension_factory();
//   auto d = sim::Deployment::build(scenario, o, &errors);   // cloud parts validated here
//
// Every default and its AWS source: docs/cloud.md. Depends on sim/ and sim/etcd/; nothing
// there depends on it (sim/extension.h is the seam).
// Must never: read files (the loader attached the template), the wall clock, or draw
// randomness from a stream another component uses (every draw is from "cloud/..." streams).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/cloud/apisix.h"
#include "sim/cloud/aws_cli.h"
#include "sim/cloud/spec.h"
#include "sim/cloud/user_data.h"
#include "sim/deploy.h"
#include "sim/extension.h"
#include "sim/prng.h"

namespace raftlab::cloud {

// The extension factory for RunOptions::extension.
sim::ExtensionFactory extension_factory();

// Model parameters (scenario "cloud" keys; defaults and sources in docs/cloud.md).
struct CloudTimings {
  std::int64_t pending_ns = 10'000'000'000;       // RunInstances: pending -> running
  std::int64_t boot_ns = 20'000'000'000;          // running -> cloud-init runs the user data
  std::int64_t shutdown_ns = 10'000'000'000;      // shutting-down -> terminated
  std::int64_t image_pull_ns = 5'000'000'000;     // first `docker run` of an image on an instance
  std::int64_t api_latency_ns = 100'000'000;      // an AWS API call made from an instance
  std::int64_t health_poll_ns = 10'000'000'000;   // how often the ASG looks at instance health
  std::int64_t package_install_ns = 5'000'000'000;  // yum/dnf/apt-get lines (not modelled: succeed)
  std::int64_t tcp_connect_timeout_ns = 127'000'000'000;  // curl to a host that does not answer (Linux SYN retries)
  std::int64_t status_check_ns = 60'000'000'000;  // a failed instance's EC2 status check reports impaired
};

// A lifecycle hook's handler: what a Lambda / SSM Run Command does when the hook fires —
// a script run on the instance (user-data subset), usually ending with
// `aws autoscaling complete-lifecycle-action`.
struct HookHandler {
  std::string hook;                       // LifecycleHookName
  std::string text;
  std::shared_ptr<const Script> script;
  std::int64_t delay_ns = 1'000'000'000;  // from the wait state to the handler's start (EventBridge + SSM)
  std::string path;
};

// The fault lab over a cloud scenario ($.cloud.nemesis): faults drawn per seed from the
// "cloud/nemesis" stream, one at a time, each only once the system has healed from the
// last (every group at its desired capacity, every target healthy).
struct CloudNemesis {
  bool on = false;
  std::vector<std::string> kinds;        // instance_fail, leader_fail, instance_terminate, az_outage
  std::int64_t start_ns = 0, end_ns = 0;
  std::int64_t mean_gap_ns = 180'000'000'000;
  std::int64_t min_duration_ns = 60'000'000'000, max_duration_ns = 300'000'000'000;  // az_outage
  std::int64_t max_faults = 100;
};
inline const std::vector<std::string> kCloudNemesisKinds = {"instance_fail", "leader_fail", "instance_terminate",
                                                            "az_outage"};

// $.cloud.apisix: gateways sharing one config.yaml.
struct ApisixPart {
  bool on = false;
  ApisixConfig config;
  struct Gw {
    std::string name, subnet;  // subnet: logical ID or id
    std::string ip;            // fixed address (the operators' public IP); "" = drawn in the subnet
  };
  std::vector<Gw> gateways;
  std::int64_t sync_poll_ns = 250'000'000;  // how soon a watch event reaches the gateway
  std::string upstream_body;                // what the fixed-body upstream answers ("" = a JSON echo)
};

// The scenario's cloud part, parsed and checked once per Deployment.
struct CloudConfig {
  CloudSpec spec;
  CloudTimings timings;
  std::map<std::string, std::string> env;  // the operator's shell for `aws` lines
  std::vector<HookHandler> handlers;
  CloudNemesis nemesis;
  ApisixPart apisix;
  std::map<std::string, std::shared_ptr<const Script>> user_data;  // by launch template logical ID
  std::map<std::string, std::vector<std::string>> outputs;          // (unused now)
};

// The commands scripts on instances may run besides the subset's builtins.
const std::set<std::string>& external_commands();

class Cloud;

// One EC2 instance.
struct Instance {
  std::string id;                 // "i-" + 17 hex
  std::string asg;                // the ASG's name ("" if none)
  std::string lt;                 // launch template logical ID
  int lt_version = 1;
  std::string az, subnet_id, ip;
  sim::HostIndex host = -1;
  enum class Ec2 { kPending, kRunning, kShuttingDown, kTerminated, kStopped } ec2 = Ec2::kPending;
  std::string lifecycle = "Pending";   // the ASG's LifecycleState
  bool healthy = true;                 // the ASG's HealthStatus
  std::int64_t launched_ns = 0, in_service_ns = -1;
  bool impaired = false;               // host lost (a fault): EC2 status checks fail
  std::int64_t impaired_ns = -1;       // since when
  std::map<std::string, std::string> files;
  std::set<std::string> images;        // pulled
  std::vector<int> containers;         // World containers started on it
  std::string active_hook;             // the hook whose action is pending ("" none)
  std::string action_token;
  std::uint64_t hook_gen = 0;          // cancels a stale heartbeat timeout
  bool decrement = false;              // terminating with the desired capacity decremented
  std::vector<std::unique_ptr<ScriptRun>> runs;
  std::unique_ptr<ScriptHost> shell;
  std::map<std::string, int> docker;   // docker container name -> World container
  std::vector<std::string> target_groups;  // registered with (logical IDs)
  std::int64_t terminated_ns = -1;
  std::uint64_t gen = 0;               // bumps when the instance dies: stale callbacks stop
};

// An APISIX gateway: a host of the World, its copy of the etcd prefix, its watch.
struct Gateway {
  std::string name, ip, az;
  sim::HostIndex host = -1;
  std::map<std::string, sim::RangeKv> kvs;  // what its watch has delivered, by key
  std::uint64_t last_rev = 0;               // the watch resumes above this revision
  bool loaded = false;                      // the first full read done
  std::string conn_url;                     // the member its watch connection is on ("" none)
  std::string conn_label;                   // "i-... via etcd-nlb"
  std::int64_t conn_since = 0;
  std::size_t next_host = 0;                // lua-resty-etcd moves to the next host on failure
  bool down = false;
};

// A Route 53 health check's state (route53.cc).
struct HealthCheckState {
  const Route53HealthCheck* spec = nullptr;
  bool healthy = true;  // a new health check is taken as healthy until it fails FailureThreshold times
  int passes = 0, fails = 0;
};

// A target group's view of one target.
struct Target {
  std::string instance;
  std::string state = "initial";  // initial | healthy | unhealthy | draining
  int passes = 0, fails = 0;
  std::int64_t drain_until_ns = 0;
  std::uint64_t gen = 0;          // cancels health-check timers of a deregistered target
  std::int64_t registered_ns = 0;
};

struct TargetGroupState {
  const TargetGroup* spec = nullptr;
  std::string arn;
  std::vector<Target> targets;
};

struct LoadBalancerState {
  const LoadBalancer* spec = nullptr;
  std::string dns_name;
  sim::HostIndex host = -1;
  std::vector<std::string> azs;   // of its subnets (its nodes)
  struct Flow {
    std::string instance;
    std::int64_t last_ns = 0;
  };
  std::map<int, Flow> flows;      // by the client's connection (the packet's reply endpoint)
  std::map<int, std::string> listeners;  // port -> target group logical ID
  std::uint64_t flows_chosen = 0;
};

struct AsgState {
  const AutoScalingGroup* spec = nullptr;
  std::string name, arn;
  int min = 0, max = 0, desired = 0;
  std::vector<std::string> azs;            // in subnet order
  std::vector<const Subnet*> subnets;      // parallel to azs (one per AZ used)
  std::string health_type = "EC2";
  std::int64_t grace_ns = 0;
  std::vector<std::string> policies;
  std::vector<std::string> target_groups;  // logical IDs
  std::int64_t created_ns = 0;
  const LaunchTemplate* lt = nullptr;
};

// A scaling activity (describe-scaling-activities).
struct Activity {
  std::string id, asg, description, cause, status = "Successful", details;
  std::int64_t start_ns = 0, end_ns = -1;
};

// The result of one AWS call: what the CLI prints and its exit status.
struct ApiResult {
  int exit_code = 0;
  std::string out, err;
};

class Cloud : public sim::Extension {
 public:
  Cloud(sim::Deployment& d, std::shared_ptr<const CloudConfig> cfg);
  ~Cloud() override;
  void install();

  void apply(const scenario::TimelineEntry& t, const scenario::ExtAction& a) override;
  void probe(const scenario::Expectation& e) override;
  void finish(sim::RunResult& r) override;
  // The load-time endpoint check (sim/extension.h): the balancers' names and listener
  // ports (nlb.cc); instance addresses, drawn at run time in the template's subnets (ec2.cc).
  std::vector<ServedUrl> served_urls() const override;
  std::string runtime_address(std::string_view host) const override;

  // One AWS API call (`from_instance`: the instance a script runs on, "" for the operator).
  ApiResult call(const AwsCall& c, const std::string& from_instance);

  // For the instance shell and tests.
  sim::World& world() { return d_.world(); }
  sim::Deployment& deployment() { return d_; }
  const CloudConfig& config() const { return *cfg_; }
  Instance* instance(const std::string& id);
  const std::vector<std::unique_ptr<Instance>>& instances() const { return instances_; }
  const AsgState* asg(const std::string& name_or_logical) const;
  std::optional<std::string> metadata(const Instance& in, const std::string& method, const std::string& path,
                                      const std::string& token);
  // Trace: a cloud event (Ev::Note with a "cloud:" prefix would be read by people only;
  // this is typed: Ev::Cloud, who = instance/ASG/LB, a = what, b = detail).
  void record(const std::string& who, const std::string& what, const std::string& detail);
  int next_container_number() { return ++containers_started_; }
  sim::Prng& prng(const std::string& purpose);
  const std::string& lb_host_ip(const std::string& lb) const;

  // What AWS FIS's EC2 actions do to an instance (fis_ec2.cc; sim/cloud/fis.h runs them).
  std::vector<std::pair<std::string, std::string>> instance_tags(const Instance& in) const;
  void fis_terminate(const std::string& id);  // TerminateInstances: shutting-down, then terminated
  void fis_stop(const std::string& id);       // StopInstances: powered off, EBS disk kept
  void fis_start(const std::string& id);      // StartInstances: boots again (user data does not run again)
  void fis_reboot(const std::string& id, std::int64_t down_ns);  // RebootInstances
  // A gateway's answer to a request on a route (status code), nullopt: no such gateway.
  std::optional<int> gateway_status(const std::string& name, const std::string& method, const std::string& path);
  bool has_gateway(const std::string& name) { return gateway(name) != nullptr; }

 private:
  // ec2.cc
  Instance& launch_instance(AsgState& g, const Subnet* subnet);
  std::string allocate_ip(const Subnet& s);
  std::string new_instance_id();
  void on_running(const std::string& id);
  void run_user_data(const std::string& id);
  void begin_shutdown(const std::string& id, const std::string& reason);
  void on_terminated(const std::string& id);
  // asg.cc
  void reconcile(AsgState& g, const std::string& cause);
  std::vector<Instance*> active_of(const AsgState& g) const;
  Instance* pick_for_termination(const AsgState& g, std::vector<Instance*> candidates);
  void start_termination(Instance& in, const std::string& cause);
  void after_deregistration(const std::string& id, std::uint64_t gen);
  void enter_wait(Instance& in, const LifecycleHook& h);
  void complete_hook(Instance& in, bool proceed, const std::string& how);
  void proceed_launch(Instance& in);
  void health_tick();
  void mark_unhealthy(Instance& in, const std::string& why);
  const LifecycleHook* hook_of(const AsgState& g, Transition t) const;
  Activity& activity(const AsgState& g, const std::string& description, const std::string& cause);
  void run_handler(Instance& in, const HookHandler& h);
  // nlb.cc
  void install_load_balancers();
  void register_target(Instance& in);
  std::int64_t deregister_target(Instance& in);  // the longest deregistration delay (ns)
  void schedule_health_check(const std::string& tg, const std::string& instance, std::uint64_t gen,
                             std::int64_t after_ns);
  void health_check(const std::string& tg, const std::string& instance, std::uint64_t gen);
  void forward(const std::string& lb, int port, const sim::Packet& p);
  TargetGroupState* tg_by_logical(const std::string& id);
  // api.cc
  ApiResult api_update_asg(const AwsCall& c);
  ApiResult api_set_desired(const AwsCall& c);
  ApiResult api_terminate_in_asg(const AwsCall& c);
  ApiResult api_complete_lifecycle(const AwsCall& c, bool heartbeat);
  ApiResult api_set_health(const AwsCall& c);
  ApiResult api_describe(const AwsCall& c);
  ApiResult api_terminate_instances(const AwsCall& c);
  ApiResult render(const AwsCall& c, const nlohmann::ordered_json& doc);
  AsgView asg_view(const AsgState& g) const;
  AsgInstanceView asg_instance_view(const Instance& in) const;
  Ec2InstanceView ec2_view(const Instance& in) const;
  AsgState* find_asg(const std::string& name);
  // apisix.cc
  void install_gateways();
  void gateway_sync(std::size_t g);
  void gateway_schedule(std::size_t g, std::int64_t after_ns);
  Gateway* gateway(const std::string& name_or_ip);
  void run_curl(const CurlRequest& c, const std::string& shown);
  void admin_request(Gateway& gw, const CurlRequest& c, std::function<void(int, std::string)> reply);
  std::pair<int, std::string> traffic(const Gateway& gw, const std::string& method, const std::string& path) const;
  // A new TCP connection to `url`: through a load balancer, the target it picks ("" none);
  // otherwise the URL itself.
  std::string connect(const std::string& url, std::string* label);
  const Target* pick_target(LoadBalancerState& lb, TargetGroupState& tg);
  void probe_route(const scenario::Expectation& e, const nlohmann::json& v);
  void probe_routes(const scenario::Expectation& e, const nlohmann::json& v);
  // route53.cc
  void install_route53();
  void r53_check(std::size_t i);
  std::vector<std::string> dig_answer(const std::string& name);  // one query's A records
  void run_dig(const nlohmann::json& v);
  void probe_dig(const scenario::Expectation& e, const nlohmann::json& v);
  // faults (cloud.cc): the "ec2" timeline action
  void apply_ec2(const scenario::TimelineEntry& t, const nlohmann::json& v);
  Instance* select_instance(const std::string& selector);
  void schedule_nemesis();
  bool healed() const;
  // expectations (cloud.cc)
  void probe_asg(const scenario::Expectation& e, const nlohmann::json& v);
  void probe_targets(const scenario::Expectation& e, const nlohmann::json& v);

  friend class InstanceShell;
  sim::Deployment& d_;
  std::shared_ptr<const CloudConfig> cfg_;
  std::vector<std::unique_ptr<Instance>> instances_;  // in launch order, never erased
  std::vector<AsgState> asgs_;
  std::map<std::string, TargetGroupState> tgs_;       // by logical ID
  std::map<std::string, LoadBalancerState> lbs_;      // by logical ID
  std::map<std::string, sim::Prng> prngs_;            // by purpose
  std::set<std::string> used_ips_;
  std::set<std::string> used_ids_;
  std::vector<Activity> activities_;                  // scaling activities, oldest first
  std::set<std::string> down_azs_;
  std::vector<Gateway> gateways_;
  std::vector<HealthCheckState> r53_checks_;                    // AZs in an outage (the "ec2" fail_az action)
  int containers_started_ = 0;
  std::uint64_t target_gen_ = 0;
};

// Virtual time as AWS prints it: "2025-01-01T00:05:00Z", or with `micros`
// "2025-01-01T00:05:00.000000+00:00" (the CLI's timestamps). t=0 is 2025-01-01 00:00 UTC,
// the epoch sim/etcd uses too.
std::string iso_time(std::int64_t ns, bool micros);
// "10.0.1.0/24" with a prefix from /16 to /28 (the sizes a VPC subnet may have).
bool cidr_well_formed(const std::string& cidr);

// Reads and checks a scenario's cloud part (errors name $.cloud paths or the template's
// file:line and logical ID).
std::shared_ptr<const CloudConfig> read_cloud_config(const scenario::Scenario& s,
                                                     std::vector<scenario::LoadError>* errors);

// Expands and parses an `aws` line of the timeline (string or array of lines, with
// backslash continuations) in the operator's shell `env`.
etcd::Result<AwsCall> parse_aws_line(const nlohmann::json& v, const std::map<std::string, std::string>& env);
// The same for a `curl` line (APISIX's Admin API and traffic).
etcd::Result<CurlRequest> parse_curl_line(const nlohmann::json& v, const std::map<std::string, std::string>& env);

}  // namespace raftlab::cloud
