// sim/lab/worker.cc — a seed in a process of its own (run_one_isolated, and the wire
// format and crash verdicts the sweep's worker processes share).
#include "sim/lab/lab.h"
#include "sim/lab/lab_internal.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/check/lab.h"

namespace raftlab::lab {
namespace detail {

// The line a worker process sends its parent for one seed (everything SeedResult holds).
std::string to_wire(const SeedResult& r, std::uint64_t index) {
  nlohmann::json j;
  j["i"] = index;
  j["seed"] = r.seed;
  j["ok"] = r.ok;
  j["h"] = r.trace_sha256;
  j["fp"] = r.trace_fp;
  j["ev"] = r.events;
  j["end"] = r.end_ns;
  j["err"] = r.error;
  j["of"] = r.output_failed;
  j["ff"] = r.failure_file;
  j["cs"] = r.checker_summary;
  j["cc"] = r.client_calls;
  j["mc"] = r.max_client_calls;
  j["ck"] = r.checkers;
  j["x"] = r.payload;
  auto& vs = j["v"] = nlohmann::json::array();
  for (const auto& v : r.violations)
    vs.push_back({{"c", v.checker}, {"at", v.at_ns}, {"cl", v.cluster_id}, {"m", v.members}, {"e", v.evidence}});
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

bool from_wire(const std::string& line, SeedResult* r, std::uint64_t* index) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) return false;
  try {
    *index = j.at("i").get<std::uint64_t>();
    r->seed = j.at("seed").get<std::uint64_t>();
    r->ok = j.at("ok").get<bool>();
    r->trace_sha256 = j.at("h").get<std::string>();
    r->trace_fp = j.at("fp").get<std::string>();
    r->events = j.at("ev").get<std::uint64_t>();
    r->end_ns = j.at("end").get<std::int64_t>();
    r->error = j.at("err").get<std::string>();
    r->output_failed = j.at("of").get<bool>();
    r->failure_file = j.at("ff").get<std::string>();
    r->checker_summary = j.at("cs").get<std::string>();
    r->client_calls = j.at("cc").get<std::uint64_t>();
    r->max_client_calls = j.at("mc").get<std::uint64_t>();
    r->checkers = j.at("ck").get<std::vector<std::string>>();
    r->payload = j.at("x").get<std::string>();
    for (const auto& v : j.at("v")) {
      check::Violation x;
      x.checker = v.at("c").get<std::string>();
      x.at_ns = v.at("at").get<std::int64_t>();
      x.cluster_id = v.at("cl").get<std::uint64_t>();
      x.members = v.at("m").get<std::vector<std::string>>();
      x.evidence = v.at("e").get<std::string>();
      r->violations.push_back(std::move(x));
    }
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

bool write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}


// Resident memory of a process in MiB (0 when unknown).
std::uint64_t rss_mb(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/statm", static_cast<int>(pid));
  std::FILE* f = std::fopen(path, "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return resident * static_cast<unsigned long long>(::sysconf(_SC_PAGESIZE)) / (1024 * 1024);
}

SeedResult crash_result(std::uint64_t seed, int status, const std::string& stderr_tail, const RunSettings& limits,
                        bool killed_for_memory) {
  SeedResult r;
  r.seed = seed;
  r.ok = false;
  r.checkers = {"crash"};
  check::Violation v;
  v.checker = "crash";
  // The last line the process printed (raft's "assertion failed at ..." message).
  std::string msg = stderr_tail;
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (const auto nl = msg.rfind('\n'); nl != std::string::npos) msg = msg.substr(nl + 1);
  if (killed_for_memory) {
    v.evidence = fmt::format("the run used more than {} MiB of memory and was killed (limit: --max-rss)", limits.max_rss_mb);
  } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
    v.evidence = fmt::format("the run did not end within {} s of wall-clock time and was killed (limit: --seed-timeout)",
                             limits.seed_timeout_s);
  } else
  v.evidence = WIFSIGNALED(status)
                   ? fmt::format("the run aborted (signal {}: {}){}", WTERMSIG(status), strsignal(WTERMSIG(status)),
                                 msg.empty() ? "" : ": " + msg)
                   : fmt::format("the run's process exited with status {}{}", WEXITSTATUS(status), msg.empty() ? "" : ": " + msg);
  r.violations.push_back(std::move(v));
  return r;
}

constexpr size_t kStderrTail = 4096;

void keep_tail(std::string& buf, const char* data, size_t n) {
  buf.append(data, n);
  if (buf.size() > kStderrTail) buf.erase(0, buf.size() - kStderrTail);
}

}  // namespace detail

using namespace detail;

SeedResult run_one_isolated(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seed,
                            const RunSettings& settings, const std::string& trace_path) {
  int out[2], errp[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  if (::pipe(errp) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw std::runtime_error("pipe failed");
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(out[0]);
    ::close(errp[0]);
    ::dup2(errp[1], 2);
    ::alarm(settings.seed_timeout_s);
    SeedResult r;
    try {
      std::unique_ptr<sim::Deployment> d;
      r = run_one(s, seed, settings, nullptr, &d);
      std::string why;
      if (!trace_path.empty() && d && !write_file(trace_path, d->world().trace().to_jsonl(), &why))
        r.error = fmt::format("cannot write the trace: {}", why);
    } catch (const std::exception& e) {
      r.seed = seed;
      r.ok = false;
      r.error = fmt::format("internal error: {}", e.what());
    }
    write_all(out[1], to_wire(r, 0));
    ::_exit(0);
  }
  ::close(out[1]);
  ::close(errp[1]);
  std::string line, tail;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  bool killed_for_memory = false;
  while (open_fds > 0) {
    const int pr = ::poll(fds, 2, 100);
    if (pr < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (settings.max_rss_mb && !killed_for_memory && rss_mb(pid) > settings.max_rss_mb) {
      killed_for_memory = true;
      ::kill(pid, SIGKILL);
    }
    for (auto& f : fds) {
      if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(f.fd, buf, sizeof buf);
      if (n > 0) {
        if (f.fd == out[0]) line.append(buf, static_cast<size_t>(n));
        else keep_tail(tail, buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(f.fd);
        f.fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  SeedResult r;
  std::uint64_t idx = 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && from_wire(line, &r, &idx)) return r;
  return crash_result(seed, status, tail, settings, killed_for_memory);
}

}  // namespace raftlab::lab
