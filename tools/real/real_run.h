// tools/real/real_run.h — `raftlab diff`'s real side: one real etcd process per member
// on its host's loopback address, the scenario's timeline carried out at its (scaled)
// times, Docker restart policies emulated, the Bitnami entrypoint decided by raftlab's
// model, and observations of the real cluster (docs/fidelity.md, "What the real run does").
//
//   RealRun real(loopback_scenario, map, "/usr/bin/etcd", "/usr/bin/etcdctl", tmpdir, sim, out);
//   real.wait_until(t_ms); real.apply(entry); Obs o = real.observe();
//
// Must never: start a process it does not register; wait without a bound.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "sim/etcd/docker.h"
#include "sim/scenario/scenario.h"
#include "tools/real/compare.h"
#include "tools/real/loopback.h"
#include "tools/real/netcut.h"
#include "tools/real/process.h"
#include "tools/real/real_services.h"
#include "tools/real/sim_side.h"

namespace raftlab::real::diffing {

namespace fs = std::filesystem;

struct Container {
  const scenario::Member* m = nullptr;
  scenario::MemberConfig cfg;
  bool expanded = false;
  bool docker = false, bitnami = false;
  etcd::DockerRun dr;
  Env cenv;
  std::vector<std::string> args;
  Env env;
  int instance = 0;
  bool wanted = false;
  pid_t pid = -1;
  RealCommand cmd;
  bool has_cmd = false;
  double restart_at = -1;
  double backoff = 100;
  int restarts = 0;
  std::string log_path;
  std::uintmax_t log_read = 0;
  std::string partial;
  std::set<std::string> classes;
  std::uint64_t log_member = 0, log_cluster = 0;
  std::string last_error;
  int holds = 0;            // faults keeping it down (crash, host_down, terminate)
  bool was_wanted = false;  // wanted when the first of them began
};

class RealRun {
 public:
  RealRun(const scenario::Scenario& s, const LoopbackMap& map, std::string etcd, std::string etcdctl, std::string root,
          const SimSide& sim, std::ostream& log)
      : s_(s), map_(map), etcd_(std::move(etcd)), etcdctl_(std::move(etcdctl)), root_(std::move(root)), sim_(sim), log_(log) {
    for (const auto& h : s_.hosts) host_env_[h.name] = h.env;
    for (const auto& m : s_.members) {
      Container c;
      c.m = &m;
      c.cfg = m.config;
      c.log_path = root_ + "/logs/" + m.name + ".log";
      cs_[m.name] = c;
    }
    fs::create_directories(root_ + "/logs");
  }
  ~RealRun() { shutdown(); }

  void shutdown();

  double start_ms = 0;
  double shift_ms = 0;

  void wait_until(double t_ms);

  void apply(const scenario::TimelineEntry& t);

  Obs observe();

  ProbeOutcome client(const std::string& via, const std::vector<std::string>& words, bool get, const std::string& key);

  // Partitions through iptables in the diff's private network namespace (netcut.h);
  // nullptr: none here (`why_not` says why), partitions and isolations are refused.
  void set_netcut(NetCut* nc, std::string why_not) {
    netcut_ = nc;
    netcut_why_not_ = std::move(why_not);
  }

  // The scenario's discovery services and DNS on the real side (nullptr: none): a lost
  // host stops its discovery service and its return starts it again; partitions are
  // refused while there is one (iptables cuts the members only).
  void set_services(RealServices* svc) { services_ = svc; }

  // One fault of the scenario carried out on the real side (real_faults.cc), at its start
  // and at its end. applied=false: refused by name (`text` says why); the diff then calls
  // every comparison from `at` on "not comparable".
  struct FaultResult {
    bool applied = true;
    std::string text;    // what was done / why not
    std::string struck;  // the member or host it struck ("" = none)
  };
  FaultResult fault_begin(std::size_t i, const scenario::Fault& f);
  void fault_end(std::size_t i, const scenario::Fault& f);
  // The real leader now: the serving member that says it leads at the highest raft term
  // (the first in the scenario's member order on a tie, as sim/nemesis picks); "" = none.
  std::string real_leader(std::uint64_t* term);

  std::map<std::string, ProbeOutcome> timeline_results;
  // Timeline entries the real side could not carry out: (time, "path: why").
  std::vector<std::pair<std::int64_t, std::string>> not_applied;
  std::vector<std::string> notes;  // what the real run did that a reader should know

 private:
  std::vector<std::string> ctl(const std::string& endpoint, const std::vector<std::string>& words, int timeout_s);

  std::string endpoint(const std::string& name_or_url);

  std::string host_lo(const Container& c) { return map_.by_host.at(c.m->host); }
  bool host_down(const Container& c) { return down_.count(c.m->host) > 0; }

  Place place(const Container& c);

  void expand(Container& c);

  etcd::RestartPolicy policy(const Container& c) { return c.docker ? c.dr.restart : etcd::RestartPolicy::no; }

  bool exec(Container& c, const std::vector<std::string>& args, const Env& env);

  // What the Bitnami entrypoint does, decided by raftlab's model (sim/etcd/bitnami.h) with
  // this machine's answers: the real data dir, and real etcdctl calls where the scripts'
  // endpoint is reachable. Auth/RBAC is not enabled (the model does not model it either).
  void bitnami_launch(Container& c);

  void launch(Container& c);

  void schedule_restart(Container& c, int exit_code);

  void supervise();

  static std::string read_file_from(const std::string& path, std::uintmax_t from);

  void read_log(Container& c);

  static std::optional<Env> read_envs(const std::string& path);
  static void write_envs(const std::string& path, const Env& e);

  void note(const std::string& s);

  std::vector<Container*> members_of(const std::vector<std::string>& names);

  void do_action(const scenario::TimelineEntry&, const scenario::ProcessAction& a);
  void do_action(const scenario::TimelineEntry&, const scenario::HostAction& a);
  void do_action(const scenario::TimelineEntry&, const scenario::RunAction& a);
  void do_action(const scenario::TimelineEntry&, const scenario::ShellAction& a);
  void do_action(const scenario::TimelineEntry& t, const scenario::EtcdctlAction& a);
  void do_action(const scenario::TimelineEntry& t, const scenario::PartitionAction&);
  void do_action(const scenario::TimelineEntry& t, const scenario::HealAction&);
  void do_action(const scenario::TimelineEntry&, const scenario::NoteAction&) {}
  void do_action(const scenario::TimelineEntry& t, const scenario::ExtAction& a);

  void hold(Container& c);
  bool release(Container& c);
  void kill_host_members(const std::string& host);
  void sync_cuts();
  std::vector<std::string> members_on_hosts(const std::vector<std::string>& hosts) const;
  void cut_groups(const std::string& owner, const std::vector<std::vector<std::string>>& member_groups);

  // "" when partitions may be applied, else why not (a discovery service is not cut).
  std::string partition_refusal() const;

  RealServices* services_ = nullptr;
  NetCut* netcut_ = nullptr;
  std::string netcut_why_not_;
  std::map<std::size_t, std::string> struck_;  // fault index -> member / host it struck

  const scenario::Scenario& s_;
  const LoopbackMap& map_;
  std::string etcd_, etcdctl_, root_;
  const SimSide& sim_;
  std::ostream& log_;
  std::map<std::string, Env> host_env_;
  std::map<std::string, Container> cs_;
  std::set<std::string> down_;
  Env ctl_env_{{"ETCDCTL_API", "3"}, {"PATH", "/usr/bin:/bin"}};
};

}  // namespace raftlab::real::diffing
