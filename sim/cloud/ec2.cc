// sim/cloud/ec2.cc — EC2 instances: IDs and private IPs drawn per seed, states pending ->
// running -> shutting-down -> terminated, each instance a fresh World host (a new disk:
// its volumes are keyed by the instance ID, so a replacement never sees old data), and
// cloud-init running the launch template's user data once the instance has booted.
//
// Must never: reuse an instance ID or a private IP within a run (AWS does not while the
// old instance is visible), or run anything on an instance after it died.
#include <algorithm>

#include <fmt/format.h>

#include "sim/cloud/cloud.h"
#include "sim/cloud/instance_shell.h"

namespace raftlab::cloud {

namespace {

// "10.0.1.0/24" -> (first address, prefix length); false if malformed.
bool parse_cidr(const std::string& cidr, std::uint32_t* base, int* prefix) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  int n = 0;
  char tail = 0;
  if (std::sscanf(cidr.c_str(), "%u.%u.%u.%u/%d%c", &a, &b, &c, &d, &n, &tail) != 5) return false;
  if (a > 255 || b > 255 || c > 255 || d > 255 || n < 16 || n > 28) return false;
  const std::uint32_t ip = (a << 24) | (b << 16) | (c << 8) | d;
  const std::uint32_t mask = n == 0 ? 0 : ~0U << (32 - n);
  *base = ip & mask;
  *prefix = n;
  return true;
}

std::string ip_text(std::uint32_t ip) {
  return fmt::format("{}.{}.{}.{}", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

}  // namespace

bool cidr_well_formed(const std::string& cidr) {
  std::uint32_t b = 0;
  int n = 0;
  return parse_cidr(cidr, &b, &n);
}

std::string Cloud::runtime_address(std::string_view host) const {
  // An instance's own DNS name (ip-10-0-1-23.ec2.internal) or an address in a subnet
  // instances are launched into: both exist only once an instance with that IP runs.
  std::string ip(host);
  const std::string suffix = ".ec2.internal";
  if (ip.rfind("ip-", 0) == 0 && ip.size() > suffix.size() + 3 &&
      ip.compare(ip.size() - suffix.size(), suffix.size(), suffix) == 0) {
    ip = ip.substr(3, ip.size() - suffix.size() - 3);
    std::replace(ip.begin(), ip.end(), '-', '.');
  }
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  if (std::sscanf(ip.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
    return "";
  const std::uint32_t v = (a << 24) | (b << 16) | (c << 8) | d;
  for (const Subnet& s : cfg_->spec.subnets) {
    std::uint32_t base = 0;
    int prefix = 24;
    if (!parse_cidr(s.cidr, &base, &prefix)) continue;
    const std::uint32_t mask = ~0U << (32 - prefix);
    if ((v & mask) == base)
      return fmt::format("instance addresses in subnet {} ({}) are drawn when an instance launches", s.cidr,
                         s.logical_id.empty() ? s.id : s.logical_id);
  }
  return "";
}

std::string Cloud::allocate_ip(const Subnet& s) {
  std::uint32_t base = 0;
  int prefix = 24;
  if (!parse_cidr(s.cidr, &base, &prefix)) return "";  // read_cloud_config refused it
  // AWS reserves the first four addresses and the last one of every subnet (VPC User
  // Guide, "Subnet CIDR blocks"); the rest are handed out at random, never twice here.
  const std::uint32_t size = 1U << (32 - prefix);
  sim::Prng& r = prng("ec2/ip/" + s.id);
  for (int attempt = 0; attempt < 64; ++attempt) {
    const std::uint32_t off = 4 + static_cast<std::uint32_t>(r.uniform(size - 5));
    std::string ip = ip_text(base + off);
    if (used_ips_.insert(ip).second) return ip;
  }
  for (std::uint32_t off = 4; off + 1 < size; ++off) {
    std::string ip = ip_text(base + off);
    if (used_ips_.insert(ip).second) return ip;
  }
  return "";
}

std::string Cloud::new_instance_id() {
  sim::Prng& r = prng("ec2/instance-id");
  for (;;) {
    // "i-" and 17 lower-case hex digits (EC2 User Guide, "Resource IDs"): 68 bits.
    std::string id = fmt::format("i-{:01x}{:016x}", r.uniform(16), r.next());
    if (used_ids_.insert(id).second) return id;
  }
}

Instance& Cloud::launch_instance(AsgState& g, const Subnet* subnet) {
  auto owned = std::make_unique<Instance>();
  Instance& in = *owned;
  in.id = new_instance_id();
  in.asg = g.name;
  in.lt = g.lt ? g.lt->logical_id : "";
  in.lt_version = g.lt ? g.lt->version : 1;
  in.az = subnet->az;
  in.subnet_id = subnet->id;
  in.ip = allocate_ip(*subnet);
  in.launched_ns = world().now().ns;
  in.host = world().add_host(in.id, in.ip);
  world().net().add_dns_name(fmt::format("ip-{}.ec2.internal", [&] {
                               std::string d = in.ip;
                               std::replace(d.begin(), d.end(), '.', '-');
                               return d;
                             }()),
                             in.host);
  in.lifecycle = "Pending";
  in.ec2 = Instance::Ec2::kPending;
  instances_.push_back(std::move(owned));
  record(in.id, "launch", fmt::format("{} in {} ({}), {}, group {}", in.ip, in.az, in.subnet_id,
                                      g.lt ? g.lt->instance_type : "t3.micro", g.name));
  const std::string id = in.id;
  const std::uint64_t gen = in.gen;
  // pending -> running takes tens of seconds; a little jitter per instance keeps
  // instances launched together from booting in lock step.
  const std::int64_t jitter = prng("ec2/pending").between(0, cfg_->timings.pending_ns / 5);
  world().loop().after(sim::nanos(cfg_->timings.pending_ns + jitter), [this, id, gen] {
    Instance* p = instance(id);
    if (p && p->gen == gen) on_running(id);
  });
  return in;
}

void Cloud::on_running(const std::string& id) {
  Instance& in = *instance(id);
  if (in.ec2 != Instance::Ec2::kPending) return;
  in.ec2 = Instance::Ec2::kRunning;
  record(in.id, "ec2-state", "running");
  const AsgState* g = asg(in.asg);
  if (g && in.lifecycle == "Pending") {
    if (const LifecycleHook* h = hook_of(*g, Transition::kLaunching)) {
      enter_wait(in, *h);
    } else {
      proceed_launch(in);
    }
  }
  const std::uint64_t gen = in.gen;
  const std::int64_t jitter = prng("ec2/boot").between(0, cfg_->timings.boot_ns / 5);
  world().loop().after(sim::nanos(cfg_->timings.boot_ns + jitter), [this, id, gen] {
    Instance* p = instance(id);
    if (p && p->gen == gen && p->ec2 == Instance::Ec2::kRunning && !p->impaired) run_user_data(id);
  });
}

void Cloud::run_user_data(const std::string& id) {
  Instance& in = *instance(id);
  auto it = cfg_->user_data.find(in.lt);
  if (it == cfg_->user_data.end()) {
    record(in.id, "cloud-init", "no user data");
    return;
  }
  if (!in.shell) in.shell = std::make_unique<InstanceShell>(*this, in.id);
  // cloud-init runs the script as root with a minimal environment.
  std::map<std::string, std::string> env = {{"HOME", "/root"},
                                            {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                                            {"USER", "root"}};
  record(in.id, "cloud-init", "runs the user data");
  in.runs.push_back(std::make_unique<ScriptRun>(it->second, *in.shell, std::move(env)));
  ScriptRun* run = in.runs.back().get();
  const std::uint64_t gen = in.gen;
  run->start([this, id, gen](int code) {
    Instance* p = instance(id);
    if (!p || p->gen != gen) return;
    record(id, "cloud-init", code == 0 ? "user data finished (status 0)"
                                       : fmt::format("user data FAILED with status {} (cloud-init: scripts-user failed)", code));
  });
}

void Cloud::begin_shutdown(const std::string& id, const std::string& reason) {
  Instance* p = instance(id);
  if (!p || p->ec2 == Instance::Ec2::kShuttingDown || p->ec2 == Instance::Ec2::kTerminated) return;
  Instance& in = *p;
  in.ec2 = Instance::Ec2::kShuttingDown;
  ++in.gen;  // scripts, hooks and timers of the living instance stop here
  record(in.id, "ec2-state", "shutting-down (" + reason + ")");
  // The OS shuts down: systemd stops docker, docker stops its containers (SIGTERM), then
  // the instance powers off and its EBS root volume is deleted with it.
  if (!in.impaired) {
    for (const auto& [name, c] : in.docker) {
      if (world().wanted(c)) world().stop(c);
    }
  }
  const std::uint64_t gen = in.gen;
  world().loop().after(sim::nanos(cfg_->timings.shutdown_ns), [this, id, gen] {
    Instance* q = instance(id);
    if (q && q->gen == gen) on_terminated(id);
  });
}

void Cloud::on_terminated(const std::string& id) {
  Instance& in = *instance(id);
  in.ec2 = Instance::Ec2::kTerminated;
  in.terminated_ns = world().now().ns;
  ++in.gen;
  if (world().net().host_up(in.host)) world().kill_host(in.host);
  // The group's own termination ends here; an instance terminated outside the group
  // (ec2 terminate-instances, a failed host) stays in its lifecycle state until the
  // group's next health check sees it (health_tick).
  if (in.lifecycle == "Terminating:Proceed" || in.lifecycle == "Terminating") in.lifecycle = "Terminated";
  record(in.id, "ec2-state", "terminated (its disk is deleted)");
}

}  // namespace raftlab::cloud
