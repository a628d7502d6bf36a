#include "tools/real/process.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace raftlab::real {

namespace {

// Fixed-size registry so the signal handler can walk it without allocating.
constexpr size_t kMaxPids = 1024;
std::array<std::atomic<pid_t>, kMaxPids> g_pids{};

void register_pid(pid_t pid) {
  for (auto& slot : g_pids) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pid)) return;
  }
}
void unregister_pid(pid_t pid) {
  for (auto& slot : g_pids) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void on_signal(int sig) {
  for (auto& slot : g_pids) {
    const pid_t p = slot.load();
    if (p > 0) ::kill(p, SIGKILL);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// The namespaces every child joins before exec (set_child_namespaces); -1: the caller's.
std::atomic<int> g_net_fd{-1}, g_mnt_fd{-1};

std::vector<char*> cstrings(const std::vector<std::string>& v, std::vector<std::string>& keep) {
  keep = v;
  std::vector<char*> out;
  for (auto& s : keep) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> env_strings(const Env& env) {
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// fork + exec with stdout/stderr to two fds (or one). The child gets its own process
// group so a terminal's Ctrl-C reaches only raftlab, whose handler then kills by PID.
pid_t fork_exec(const std::vector<std::string>& argv, const Env* env, const std::string& cwd, int out_fd, int err_fd,
                std::string* error, gid_t gid = 0) {
  std::vector<std::string> keep_a, keep_e;
  auto a = cstrings(argv, keep_a);
  std::vector<char*> e;
  if (env) e = cstrings(env_strings(*env), keep_e);
  const pid_t pid = ::fork();
  if (pid < 0) {
    if (error) *error = std::strerror(errno);
    return -1;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    // The diff's private network (and mount) namespace first: the working directory is
    // resolved inside it. A child that cannot join exits 125 rather than run outside.
    const int net = g_net_fd.load(), mnt = g_mnt_fd.load();
    if (net >= 0 && ::setns(net, CLONE_NEWNET) != 0) ::_exit(125);
    if (mnt >= 0 && ::setns(mnt, CLONE_NEWNS) != 0) ::_exit(125);
    if (gid != 0 && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0)) ::_exit(125);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    if (env) ::execve(a[0], a.data(), e.data());
    else ::execvp(a[0], a.data());
    ::_exit(127);
  }
  register_pid(pid);
  return pid;
}

}  // namespace

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

void sleep_ms(double ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(ms * 1000)));
}

void set_child_namespaces(int net_fd, int mnt_fd) {
  g_net_fd = net_fd;
  g_mnt_fd = mnt_fd;
}

void register_child(pid_t pid) { register_pid(pid); }

pid_t spawn(const std::vector<std::string>& argv, const Env& env, const std::string& cwd, const std::string& log_path,
            std::string* error, gid_t gid) {
  const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (error) *error = log_path + ": " + std::strerror(errno);
    return -1;
  }
  const pid_t pid = fork_exec(argv, &env, cwd, fd, fd, error, gid);
  ::close(fd);
  return pid;
}

bool reaped(pid_t pid, int* status) {
  if (pid <= 0) return true;
  int st = 0;
  const pid_t r = ::waitpid(pid, &st, WNOHANG);
  if (r == pid) {
    unregister_pid(pid);
    if (status) *status = st;
    return true;
  }
  if (r < 0 && errno == ECHILD) {
    unregister_pid(pid);
    return true;
  }
  return false;
}

void kill_pid(pid_t pid) {
  if (pid <= 0 || reaped(pid, nullptr)) return;
  ::kill(pid, SIGKILL);
  int st = 0;
  ::waitpid(pid, &st, 0);  // SIGKILL cannot be ignored: bounded
  unregister_pid(pid);
}

void stop_pid(pid_t pid, int grace_ms) {
  if (pid <= 0 || reaped(pid, nullptr)) return;
  ::kill(pid, SIGTERM);
  const double end = now_ms() + grace_ms;
  while (now_ms() < end) {
    if (reaped(pid, nullptr)) return;
    sleep_ms(20);
  }
  kill_pid(pid);
}

std::vector<Captured> run_capture_all(const std::vector<std::vector<std::string>>& argvs, const Env* env, int timeout_ms) {
  struct Child {
    pid_t pid = -1;
    int out = -1, err = -1;
    bool done = false;
  };
  std::vector<Captured> res(argvs.size());
  std::vector<Child> kids(argvs.size());
  for (size_t i = 0; i < argvs.size(); ++i) {
    int po[2], pe[2];
    if (::pipe2(po, O_CLOEXEC) != 0) continue;
    if (::pipe2(pe, O_CLOEXEC) != 0) {
      ::close(po[0]);
      ::close(po[1]);
      continue;
    }
    std::string error;
    kids[i].pid = fork_exec(argvs[i], env, "", po[1], pe[1], &error);
    ::close(po[1]);
    ::close(pe[1]);
    kids[i].out = po[0];
    kids[i].err = pe[0];
    if (kids[i].pid < 0) res[i].err = error;
  }
  const double end = now_ms() + timeout_ms;
  while (true) {
    std::vector<pollfd> fds;
    std::vector<std::pair<size_t, bool>> who;
    for (size_t i = 0; i < kids.size(); ++i) {
      if (kids[i].out >= 0) {
        fds.push_back({kids[i].out, POLLIN, 0});
        who.emplace_back(i, true);
      }
      if (kids[i].err >= 0) {
        fds.push_back({kids[i].err, POLLIN, 0});
        who.emplace_back(i, false);
      }
    }
    if (fds.empty()) break;
    const double left = end - now_ms();
    if (left <= 0) break;
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::min(left, 200.0)) + 1);
    if (n < 0 && errno != EINTR) break;
    for (size_t k = 0; k < fds.size(); ++k) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      auto& kid = kids[who[k].first];
      int& fd = who[k].second ? kid.out : kid.err;
      std::string& buf = who[k].second ? res[who[k].first].out : res[who[k].first].err;
      char tmp[4096];
      const ssize_t r = ::read(fd, tmp, sizeof tmp);
      if (r > 0 && buf.size() < (1u << 22)) buf.append(tmp, static_cast<size_t>(r));
      else if (r <= 0) {
        ::close(fd);
        fd = -1;
      }
    }
  }
  for (size_t i = 0; i < kids.size(); ++i) {
    auto& kid = kids[i];
    if (kid.out >= 0) ::close(kid.out);
    if (kid.err >= 0) ::close(kid.err);
    if (kid.pid <= 0) continue;
    int st = 0;
    const double wait_end = std::max(end, now_ms()) + 50;
    bool done = false;
    while (now_ms() < wait_end) {
      if (reaped(kid.pid, &st)) {
        done = true;
        break;
      }
      sleep_ms(5);
    }
    if (!done) {
      res[i].timed_out = true;
      kill_pid(kid.pid);
      res[i].exit_code = -1;
    } else {
      res[i].exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
  }
  return res;
}

Captured run_capture(const std::vector<std::string>& argv, const Env* env, int timeout_ms) {
  return run_capture_all({argv}, env, timeout_ms)[0];
}

void install_signal_cleanup() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

void kill_all_registered() {
  for (auto& slot : g_pids) {
    const pid_t p = slot.load();
    if (p > 0) kill_pid(p);
  }
}

}  // namespace raftlab::real
