// sim/lab/sweep.cc — the seed sweep (`raftlab fuzz`): worker threads or processes, the
// results in seed order, failure files, stopping on a signal.
#include "sim/lab/lab.h"
#include "sim/lab/lab_internal.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "sim/check/lab.h"

// mimalloc's option API (the raftlab binary's allocator, -DRAFTLAB_MIMALLOC), declared
// weak: null in processes linked without it (the test binaries, sanitizer builds).
#if __has_include(<mimalloc.h>)
#include <mimalloc.h>
#pragma weak mi_option_set
#define RAFTLAB_HAVE_MIMALLOC_H 1
#endif

namespace raftlab::lab {

using namespace detail;

namespace {

// A fuzz worker allocates and frees the same ~80 MB every seed (the trace, the members'
// logs, the packets). With mimalloc's default 4 KiB pages the kernel zeroes and maps
// ~5,000 fresh pages per seed (~10% of a seed's CPU in page faults); with 2 MiB pages
// (transparent huge pages, madvise'd by mimalloc) it is a few hundred. Allocation
// addresses never reach a result, so this changes nothing but the time.
void tune_worker_allocator() {
#ifdef RAFTLAB_HAVE_MIMALLOC_H
  if (&mi_option_set != nullptr) mi_option_set(mi_option_large_os_pages, 1);
#endif
}

// Writes seed-<seed>.json (the explicit scenario, header first), .trace.jsonl (when there
// is a trace) and .txt (the violations) under o.out_dir; sets r.failure_file or r.error.
void write_failure(const FuzzOptions& o, const std::string& base_name, const scenario::Scenario& s, SeedResult& r,
                   const sim::Deployment* d) {
  namespace fs = std::filesystem;
  // Only once there is a failure to write.
  if (std::string why = make_output_dir(o.out_dir); !why.empty()) {
    r.error = why;
    r.output_failed = true;
    return;
  }
  const std::string stem = (fs::path(o.out_dir) / fmt::format("seed-{}", r.seed)).string();
  FailureHeader h;
  h.seed = r.seed;
  h.trace_sha256 = r.trace_sha256;
  h.checkers = r.checkers;
  h.planted_bugs = o.settings.planted_bugs;
  h.trace_level = level_name(o.settings.trace_level);
  h.scenario = base_name;
  h.note = "fuzz";
  std::string txt = fmt::format("seed {} of scenario {}: {} violation(s)\n", r.seed, base_name, r.violations.size());
  for (const auto& v : r.violations) txt += check::describe(v) + "\n";
  txt += fmt::format("trace_sha256={}\nreplay: raftlab replay {}.json{}\nshrink: raftlab shrink {}.json\n",
                     r.trace_sha256.empty() ? "(none: the run crashed)" : r.trace_sha256, stem,
                     o.write_failure_trace ? "" : fmt::format(" --trace {}.trace.jsonl   # the trace, not written by fuzz", stem),
                     stem);
  // The trace first and the .json last: a failure file is there only with its trace and
  // its .txt; if one of them cannot be written, none of the seed's files stays.
  std::string why;
  bool ok = !d || !o.write_failure_trace || write_file(stem + ".trace.jsonl", const_cast<sim::Deployment*>(d)->world().trace().to_jsonl(), &why);
  ok = ok && write_file(stem + ".txt", txt, &why) && write_file(stem + ".json", failure_file_text(s, h), &why);
  if (ok) {
    r.failure_file = stem + ".json";
  } else {
    for (const char* ext : {".trace.jsonl", ".txt", ".json"}) ::unlink((stem + ext).c_str());
    r.error = fmt::format("{} — check --out is a writable directory with free space", why);
    r.output_failed = true;
  }
}

// Removes what a worker killed in the middle of a seed may have written for it: its
// files, and write_file_atomic's temporaries of them (".seed-N.json.tmp-XXXXXX").
void remove_seed_files(const std::string& out_dir, std::uint64_t seed) {
  namespace fs = std::filesystem;
  if (out_dir.empty()) return;
  const std::string name = fmt::format("seed-{}", seed);
  for (const char* ext : {".trace.jsonl", ".txt", ".json"}) ::unlink((fs::path(out_dir) / (name + ext)).c_str());
  std::error_code ec;
  for (fs::directory_iterator it(out_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string f = it->path().filename().string();
    if (f.rfind("." + name + ".", 0) == 0 && f.find(".tmp-") != std::string::npos) ::unlink(it->path().c_str());
  }
}

bool stop_requested(const FuzzOptions& o, int at_least = 1) { return o.stop && o.stop->count >= at_least; }

// One seed, start to end, as a worker runs it (failure files included).
SeedResult fuzz_one(const std::shared_ptr<const scenario::Scenario>& base, const FuzzOptions& o, std::uint64_t seed,
                    const std::shared_ptr<sim::SpecCache>& cache) {
  SeedResult r;
  if (o.run_seed) {
    try {
      r = o.run_seed(seed, cache);
    } catch (const std::exception& e) {
      r = SeedResult{};
      r.seed = seed;
      r.ok = false;
      r.error = fmt::format("internal error: {}", e.what());
    }
    return r;
  }
  try {
    auto s = materialize(base, seed);
    std::unique_ptr<sim::Deployment> d;
    RunSettings settings = o.settings;
    settings.stream_trace = true;  // a passing seed keeps only what the checkers read
    r = run_one(s, seed, settings, cache, &d);
    if (!r.ok && r.error.empty() && !o.out_dir.empty()) write_failure(o, base->name, *s, r, d.get());
  } catch (const std::exception& e) {
    r.seed = seed;
    r.ok = false;
    r.error = fmt::format("internal error: {}", e.what());
  }
  return r;
}

}  // namespace

FuzzReport fuzz(const std::shared_ptr<const scenario::Scenario>& base, const FuzzOptions& o,
                const std::function<void(const SeedResult&)>& on_seed,
                const std::function<void(const Progress&)>& on_progress, double progress_every_s) {
  const auto t0 = std::chrono::steady_clock::now();
  const SeedSeq seq(o.set);
  const unsigned jobs = std::max(1u, std::min<unsigned>(o.jobs, static_cast<unsigned>(std::max<std::uint64_t>(1, seq.count))));
  const std::uint64_t window = 1024ULL * jobs;  // thread mode: results held at most this far ahead of the output

  FuzzReport rep;
  rep.scenario = base->name;
  rep.set = o.set;
  rep.jobs = jobs;
  std::map<std::string, std::uint64_t> by_checker;
  std::uint64_t emitted = 0;
  auto last_progress = t0;
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  auto account = [&](const SeedResult& r) {
    ++rep.seeds_run;
    if (r.output_failed) ++rep.output_errors;
    else if (!r.error.empty()) ++rep.build_errors;
    if (!r.ok) {
      ++rep.failures;
      rep.failed_seeds.push_back(r.seed);
      for (const auto& c : r.checkers) ++by_checker[c];
    }
    if (on_seed) on_seed(r);
  };
  // Hands the results that are next in seed order to on_seed; reports progress.
  auto emit = [&](std::map<std::uint64_t, SeedResult>& ready) {
    for (auto it = ready.find(emitted); it != ready.end() && it->first == emitted; it = ready.find(emitted)) {
      const SeedResult r = std::move(it->second);
      ready.erase(it);
      ++emitted;
      account(r);
    }
    const bool finished = rep.seeds_run >= seq.count;
    const auto now = std::chrono::steady_clock::now();
    if (on_progress && (finished || std::chrono::duration<double>(now - last_progress).count() >= progress_every_s)) {
      last_progress = now;
      on_progress(Progress{rep.seeds_run, seq.count, rep.failures, elapsed()});
    }
    return finished;
  };
  // A stopped sweep: what completed, in seed order, past the first seed that did not.
  auto emit_interrupted = [&](std::map<std::uint64_t, SeedResult>& ready, int signal) {
    emit(ready);
    rep.interrupted_by = signal;
    rep.first_seed_not_run = seq.at(emitted);
    for (auto& [i, r] : ready) account(r);
    ready.clear();
    std::sort(rep.failed_seeds.begin(), rep.failed_seeds.end());
    if (on_progress) on_progress(Progress{rep.seeds_run, seq.count, rep.failures, elapsed()});
  };
  auto announce_stop = [&](bool dropping, unsigned in_flight) {
    if (!on_progress) return;
    Progress p{rep.seeds_run, seq.count, rep.failures, elapsed()};
    p.stopping_signal = o.stop->signal;
    p.dropping = dropping;
    p.in_flight = in_flight;
    on_progress(p);
  };

  if (o.isolate) {
    // Worker processes: a run that aborts (a raft assertion under a planted bug, like
    // etcd's panic) kills only its worker; the parent records the seed as a "crash"
    // failure and starts a new worker. Seeds are handed out through a shared counter.
    struct Shared {
      std::atomic<std::uint64_t> next{0};
      std::atomic<bool> stop{false};  // the parent saw FuzzOptions::stop: take no new seed
      std::atomic<std::uint64_t> current[kMaxJobs];  // index + 1 of the seed a worker runs, 0: none
    };
    static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
    void* mem = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) throw std::runtime_error("mmap of the shared seed counter failed");
    auto* sh = new (mem) Shared();
    for (auto& c : sh->current) c.store(0);
    struct Worker {
      pid_t pid = -1;
      int out = -1, err = -1;
      std::string buf, tail;
      bool killed_for_memory = false;
    };
    std::vector<Worker> ws(jobs);
    std::fflush(nullptr);
    auto spawn = [&](unsigned j) {
      int out[2], errp[2];
      if (::pipe(out) != 0 || ::pipe(errp) != 0) throw std::runtime_error("pipe failed");
      const pid_t pid = ::fork();
      if (pid < 0) throw std::runtime_error("fork failed");
      if (pid == 0) {
        ::close(out[0]);
        ::close(errp[0]);
        for (const auto& w : ws) {
          if (w.out >= 0) ::close(w.out);
          if (w.err >= 0) ::close(w.err);
        }
        ::dup2(errp[1], 2);
        tune_worker_allocator();
        auto cache = std::make_shared<sim::SpecCache>();
        for (;;) {
          // A signal (this process' own copy of the flag, or the parent's word through
          // sh->stop) is looked at only here, between seeds.
          if (sh->stop.load() || stop_requested(o)) break;
          const std::uint64_t i = sh->next.fetch_add(1);
          if (i >= seq.count) break;
          sh->current[j].store(i + 1);
          ::alarm(o.settings.seed_timeout_s);  // SIGALRM ends a run that does not end
          const SeedResult r = fuzz_one(base, o, seq.at(i), cache);
          ::alarm(0);
          if (!write_all(out[1], to_wire(r, i))) break;
          sh->current[j].store(0);
        }
        ::_exit(0);
      }
      ::close(out[1]);
      ::close(errp[1]);
      ws[j] = Worker{pid, out[0], errp[0], {}, {}, false};
    };
    for (unsigned j = 0; j < jobs; ++j) spawn(j);
    std::map<std::uint64_t, SeedResult> ready;
    char buf[65536];
    bool finished = seq.count == 0;
    bool stopping = false, dropping = false;
    auto in_flight = [&] {
      unsigned n = 0;
      for (unsigned j = 0; j < jobs; ++j) n += ws[j].pid > 0 && sh->current[j].load() != 0;
      return n;
    };
    while (!finished) {
      if (!stopping && stop_requested(o)) {
        stopping = true;
        sh->stop.store(true);
        announce_stop(false, in_flight());
      }
      if (stopping && !dropping && stop_requested(o, 2)) {
        // Again: no waiting for the seeds in flight. Their files are removed below.
        dropping = true;
        announce_stop(true, in_flight());
        for (auto& w : ws)
          if (w.pid > 0) ::kill(w.pid, SIGKILL);
      }
      std::vector<pollfd> fds;
      std::vector<std::pair<unsigned, bool>> who;  // worker, is stderr
      for (unsigned j = 0; j < jobs; ++j) {
        if (ws[j].out >= 0) fds.push_back({ws[j].out, POLLIN, 0}), who.emplace_back(j, false);
        if (ws[j].err >= 0) fds.push_back({ws[j].err, POLLIN, 0}), who.emplace_back(j, true);
      }
      if (fds.empty()) break;
      if (::poll(fds.data(), fds.size(), 50) < 0 && errno != EINTR) throw std::runtime_error("poll failed");
      if (o.settings.max_rss_mb)
        for (auto& w : ws)
          if (w.pid > 0 && !w.killed_for_memory && rss_mb(w.pid) > o.settings.max_rss_mb) {
            w.killed_for_memory = true;
            ::kill(w.pid, SIGKILL);
          }
      for (size_t k = 0; k < fds.size(); ++k) {
        if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto [j, is_err] = who[k];
        Worker& w = ws[j];
        const ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n > 0) {
          if (is_err) {
            keep_tail(w.tail, buf, static_cast<size_t>(n));
            continue;
          }
          w.buf.append(buf, static_cast<size_t>(n));
          size_t pos;
          while ((pos = w.buf.find('\n')) != std::string::npos) {
            SeedResult r;
            std::uint64_t idx = 0;
            if (!from_wire(w.buf.substr(0, pos), &r, &idx)) throw std::runtime_error("a worker sent an unreadable result");
            w.buf.erase(0, pos + 1);
            ready.emplace(idx, std::move(r));
          }
          continue;
        }
        // End of one of the worker's pipes.
        ::close(fds[k].fd);
        (is_err ? w.err : w.out) = -1;
        if (w.out >= 0 || w.err >= 0) continue;
        int status = 0;
        while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
        }
        const std::uint64_t cur = sh->current[j].exchange(0);
        if (cur != 0 && dropping) {
          // Killed above in the middle of seed index cur - 1 (unless its result arrived).
          if (!ready.count(cur - 1)) remove_seed_files(o.out_dir, seq.at(cur - 1));
        } else if (cur != 0) {
          // The worker died running seed index cur - 1: a crash failure.
          const std::uint64_t seed = seq.at(cur - 1);
          SeedResult r = crash_result(seed, status, w.tail, o.settings, w.killed_for_memory);
          if (!o.out_dir.empty()) {
            try {
              write_failure(o, base->name, *materialize(base, seed), r, nullptr);
            } catch (const std::exception& e) {
              r.error = fmt::format("internal error: {}", e.what());
            }
          }
          ready.emplace(cur - 1, std::move(r));
        }
        w.pid = -1;
        if (!stopping && sh->next.load() < seq.count) spawn(j);
      }
      finished = emit(ready);
    }
    for (auto& w : ws) {
      if (w.out >= 0) ::close(w.out);
      if (w.err >= 0) ::close(w.err);
      if (w.pid > 0) {
        int status = 0;
        while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
        }
      }
    }
    sh->~Shared();
    ::munmap(mem, sizeof(Shared));
    if (!finished && stopping) {
      rep.dropped_in_flight = dropping;
      emit_interrupted(ready, o.stop->signal);
    }
    else if (!finished) throw std::runtime_error("the workers stopped before every seed was run");
  } else {
    // Threads in this process (a crash ends the whole sweep): faster to start, used by
    // benchmarks and tests of the correct code.
    std::mutex mu;
    std::condition_variable cv_main, cv_work;
    std::uint64_t next = 0, taken = 0;
    bool stopping = false;  // a signal: take no new seed (the seeds in flight finish)
    unsigned running = 0;
    std::map<std::uint64_t, SeedResult> ready;
    auto worker = [&] {
      auto cache = std::make_shared<sim::SpecCache>();
      for (;;) {
        std::uint64_t i;
        {
          std::unique_lock lk(mu);
          cv_work.wait(lk, [&] { return stopping || next >= seq.count || next - taken < window; });
          if (stopping || next >= seq.count) return;
          i = next++;
          ++running;
        }
        SeedResult r = fuzz_one(base, o, seq.at(i), cache);
        {
          std::lock_guard lk(mu);
          ready.emplace(i, std::move(r));
          --running;
        }
        cv_main.notify_one();
      }
    };
    std::vector<std::thread> pool;
    pool.reserve(jobs);
    for (unsigned j = 0; j < jobs; ++j) pool.emplace_back(worker);
    std::map<std::uint64_t, SeedResult> mine;
    for (bool finished = seq.count == 0; !finished;) {
      if (stop_requested(o)) {
        // Threads cannot be killed: the seeds in flight finish (a second signal changes nothing).
        unsigned n;
        {
          std::lock_guard lk(mu);
          stopping = true;
          n = running;
        }
        announce_stop(false, n);
        cv_work.notify_all();
        for (auto& t : pool) t.join();
        pool.clear();
        for (auto& [i, r] : ready) mine.emplace(i, std::move(r));
        ready.clear();
        emit_interrupted(mine, o.stop->signal);
        break;
      }
      {
        std::unique_lock lk(mu);
        cv_main.wait_for(lk, std::chrono::milliseconds(50), [&] { return ready.count(emitted) > 0; });
        for (auto it = ready.find(emitted + mine.size()); it != ready.end(); it = ready.find(emitted + mine.size())) {
          mine.emplace(it->first, std::move(it->second));
          ready.erase(it);
        }
        taken = emitted + mine.size();
      }
      cv_work.notify_all();
      finished = emit(mine);
    }
    for (auto& t : pool) t.join();
  }
  rep.failures_by_checker.assign(by_checker.begin(), by_checker.end());
  rep.wall_s = elapsed();
  rep.seeds_per_s = rep.wall_s > 0 ? static_cast<double>(rep.seeds_run) / rep.wall_s : 0;
  rep.per_core = rep.seeds_per_s / jobs;
  return rep;
}

}  // namespace raftlab::lab
