// sim/cloud/fis_ec2.cc — what AWS FIS's EC2 actions do to an instance of the simulated
// account (cloud.h; the actions themselves are run by sim/cloud/fis_run.cc). Each is an
// EC2 API call FIS makes on the experiment role's behalf (FIS actions reference:
// aws:ec2:terminate-instances "Runs the Amazon EC2 API action TerminateInstances", and so
// on for StopInstances / StartInstances / RebootInstances).
#include <fmt/format.h>

#include "sim/cloud/cloud.h"

namespace raftlab::cloud {

std::vector<std::pair<std::string, std::string>> Cloud::instance_tags(const Instance& in) const {
  return ec2_view(in).tags;
}

void Cloud::fis_terminate(const std::string& id) {
  Instance* in = instance(id);
  if (!in) return;
  record(id, "fis", "TerminateInstances");
  begin_shutdown(id, "terminated by AWS FIS");
}

// StopInstances. The OS shutdown is modelled as the host powering off (its containers
// die as in a host loss; what etcd had fsynced stays on the EBS root volume, which a stop
// keeps). An ASG's next health check sees an instance that is not running and replaces
// it (asg.cc health_tick: "an EC2 health check indicating it has been terminated or
// stopped").
void Cloud::fis_stop(const std::string& id) {
  Instance* in = instance(id);
  if (!in || in->ec2 != Instance::Ec2::kRunning) return;
  record(id, "fis", "StopInstances");
  in->ec2 = Instance::Ec2::kStopped;
  ++in->gen;  // scripts and timers of the running instance end here
  record(id, "ec2-state", "stopped (by AWS FIS)");
  if (world().net().host_up(in->host)) world().kill_host(in->host);
}

// StartInstances: the host boots with its disk; docker starts the containers whose
// restart policy says so (World::restore_host). cloud-init runs user data only at the
// first boot, so no script runs again.
void Cloud::fis_start(const std::string& id) {
  Instance* in = instance(id);
  if (!in || in->ec2 != Instance::Ec2::kStopped) return;
  record(id, "fis", "StartInstances");
  in->ec2 = Instance::Ec2::kRunning;
  in->impaired = false;
  record(id, "ec2-state", "running (started by AWS FIS)");
  world().restore_host(in->host);
}

// RebootInstances: the OS restarts; the instance stays `running` for EC2 and the ASG.
void Cloud::fis_reboot(const std::string& id, std::int64_t down_ns) {
  Instance* in = instance(id);
  if (!in || in->ec2 != Instance::Ec2::kRunning || in->impaired) return;
  record(id, "fis", "RebootInstances");
  ++in->gen;
  if (world().net().host_up(in->host)) world().kill_host(in->host);
  const std::uint64_t gen = in->gen;
  world().loop().after(sim::nanos(down_ns), [this, id, gen] {
    Instance* q = instance(id);
    if (!q || q->gen != gen || q->ec2 != Instance::Ec2::kRunning) return;
    record(id, "ec2-state", "rebooted");
    world().restore_host(q->host);
  });
}

std::optional<int> Cloud::gateway_status(const std::string& name, const std::string& method, const std::string& path) {
  Gateway* g = gateway(name);
  if (!g) return std::nullopt;
  if (g->down || !world().net().host_up(g->host)) return 0;  // nothing answers
  return traffic(*g, method, path).first;
}

}  // namespace raftlab::cloud
