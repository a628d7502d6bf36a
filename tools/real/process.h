// tools/real/process.h — the processes `raftlab diff` starts on this machine: real etcd
// members and etcdctl calls. Every child is registered by PID; every wait is bounded;
// a SIGINT/SIGTERM/SIGHUP handler (and the registry's cleanup) SIGKILLs every registered
// PID, one by one, before the program dies.
//
//   install_signal_cleanup();
//   pid_t pid = spawn({"/usr/bin/etcd", "--name", "x"}, env, "/tmp/x", "/tmp/x.log");
//   Captured r = run_capture({"etcdctl", "endpoint", "status"}, {}, 3000);
//   stop_pid(pid, 10000);   // SIGTERM, then SIGKILL after 10 s
//
// Must never: signal anything but a PID it started (no process groups, no names).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace raftlab::real {

using Env = std::map<std::string, std::string>;

// Starts argv[0] (absolute path) with exactly `env`, in `cwd`, stdout+stderr appended to
// `log_path`. Returns the PID, or -1 (errno text in *error). gid != 0: the child runs with
// that group id and no supplementary groups (its uid stays), so iptables' owner match can
// tell its sockets from every other process's (tools/real/netcut.h).
pid_t spawn(const std::vector<std::string>& argv, const Env& env, const std::string& cwd, const std::string& log_path,
            std::string* error, gid_t gid = 0);

// Every child started from now on (spawn, run_capture) joins these namespaces (setns)
// before exec; -1 = stay in the caller's. The fds stay owned by the caller.
void set_child_namespaces(int net_fd, int mnt_fd);
// Adds a PID this process forked itself to the registry (signal cleanup, kill_all_registered).
void register_child(pid_t pid);

// True once the child has exited (reaped now or earlier); *status gets its wait status.
bool reaped(pid_t pid, int* status);
// SIGTERM, wait up to grace_ms, then SIGKILL and reap. No-op for a reaped PID.
void stop_pid(pid_t pid, int grace_ms);
// SIGKILL and reap.
void kill_pid(pid_t pid);

struct Captured {
  int exit_code = -1;  // -1: killed at the deadline / could not start
  bool timed_out = false;
  std::string out, err;
};
// Runs a command to completion or `timeout_ms` (then SIGKILL). env: nullptr = inherit.
Captured run_capture(const std::vector<std::string>& argv, const Env* env, int timeout_ms);
// Several at once (each bounded by timeout_ms); results in order.
std::vector<Captured> run_capture_all(const std::vector<std::vector<std::string>>& argvs, const Env* env, int timeout_ms);

void install_signal_cleanup();
// SIGKILLs and reaps every registered PID still running.
void kill_all_registered();

// Monotonic milliseconds (the real run's clock; never used by the simulation).
double now_ms();
void sleep_ms(double ms);

}  // namespace raftlab::real
