// tools/bench_raftlab.cc — `raftlab bench W1..W5` (see tools/bench_raftlab.h and
// docs/benchmarks.md). The cluster is built programmatically, as Deployment builds a
// scenario of bare etcd processes: one host per member (10.0.x.y), one plain etcd
// process each (etcd_launcher: the flags parsed by the same code a scenario uses), all
// started at t=0. Clients are `World::etcdctl` calls (etcd's client path: a request
// packet to the leader, a proposal, the reply after apply).
//
// Wall and CPU time come from the host clock *outside* the simulation (they never feed
// back into a run, so determinism is untouched).
#include "tools/bench_raftlab.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/deploy.h"
#include "sim/world.h"
#include "tools/cli.h"

namespace raftlab::tools {
namespace {

using nlohmann::json;
using namespace raftlab::sim;

constexpr std::uint64_t kDefaultSeeds = 100000;
constexpr std::uint64_t kDefaultEntries = 100000;
constexpr int kMaxVoters = 251;
constexpr const char* kEtcdVersion = "3.4.23";  // the etcd-server and etcd raft peers' version
const std::vector<int> kW4Sizes = {3, 5, 7, 9, 15, 31, 51};

// ---- host measurements (outside the simulation) ----
double wall_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
// CPU seconds of this process and of its waited-for children (the fuzzer runs seeds in
// forked workers).
double cpu_with_children_now() {
  rusage self{}, kids{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  const auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(self.ru_utime) + sec(self.ru_stime) + sec(kids.ru_utime) + sec(kids.ru_stime);
}
long peak_rss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;  // KiB on Linux
}
// Bytes the simulation holds: blocks the allocator has handed out and not had back. Unlike
// RSS this leaves out what the allocator keeps for itself (mimalloc commits 64 KiB pages
// per size class inside 4 MiB segments, ~5 MiB that do not grow with the cluster), so it
// is the figure for "memory per member" (W4). mimalloc, when linked (the raftlab binary),
// is asked through its heap walk; otherwise glibc's counters answer.
struct MiHeapArea {  // mimalloc.h's mi_heap_area_t (stable public ABI since mimalloc 1.x)
  void* blocks;
  size_t reserved, committed, used, block_size, full_block_size;
};
}  // namespace
}  // namespace raftlab::tools
extern "C" {
struct mi_heap_s;
__attribute__((weak)) mi_heap_s* mi_heap_get_default(void);
__attribute__((weak)) bool mi_heap_visit_blocks(const mi_heap_s* heap, bool visit_all_blocks,
                                                bool (*visitor)(const mi_heap_s*, const raftlab::tools::MiHeapArea*,
                                                                void*, size_t, void*),
                                                void* arg);
}
namespace raftlab::tools {
namespace {
long heap_in_use_kib() {
  if (mi_heap_visit_blocks != nullptr && mi_heap_get_default != nullptr) {
    size_t bytes = 0;
    mi_heap_visit_blocks(
        mi_heap_get_default(), false,
        [](const mi_heap_s*, const MiHeapArea* area, void*, size_t, void* arg) {
          if (area != nullptr) *static_cast<size_t*>(arg) += area->used * area->block_size;
          return true;
        },
        &bytes);
    return static_cast<long>(bytes / 1024);
  }
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<long>((mi.uordblks + mi.hblkhd) / 1024);
}
long current_rss_kib() {
  long pages_total = 0, pages_rss = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages_total, &pages_rss) != 2) pages_rss = 0;
    std::fclose(f);
  }
  return pages_rss * (sysconf(_SC_PAGESIZE) / 1024);
}

struct Timer {
  double w0 = wall_now(), c0 = cpu_now();
  double wall() const { return wall_now() - w0; }
  double cpu() const { return cpu_now() - c0; }
};

double rate(double n, double s) { return s > 0 ? n / s : 0.0; }

json distribution_ms(std::vector<std::int64_t> ns) {
  json d = json::object();
  if (ns.empty()) return d;
  std::sort(ns.begin(), ns.end());
  const auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * static_cast<double>(ns.size()));
    if (i > 0 && static_cast<double>(i) == q * static_cast<double>(ns.size())) --i;  // nearest-rank
    return static_cast<double>(ns[std::min(i, ns.size() - 1)]) / 1e6;
  };
  d["min"] = static_cast<double>(ns.front()) / 1e6;
  d["median"] = at(0.5);
  d["p99"] = at(0.99);
  d["max"] = static_cast<double>(ns.back()) / 1e6;
  double sum = 0;
  for (auto v : ns) sum += static_cast<double>(v);
  d["mean"] = sum / static_cast<double>(ns.size()) / 1e6;
  return d;
}

// ---- the cluster ----
std::string member_ip(int i) { return fmt::format("10.0.{}.{}", i / 250, i % 250 + 1); }

// The containers of an N-voter bare-etcd cluster, built once and shared by every run (as
// a seed sweep shares its SpecCache): etcd_launcher parses the flags on first use.
struct Compaction {
  std::uint64_t snapshot_count = 0, catchup = 0;  // 0 = etcd's default
};

std::vector<ContainerSpec> make_specs(int voters, Compaction cp = {}) {
  std::string initial;
  for (int i = 0; i < voters; ++i)
    initial += fmt::format("{}m{}=http://{}:2380", i ? "," : "", i + 1, member_ip(i));
  std::vector<ContainerSpec> specs;
  for (int i = 0; i < voters; ++i) {
    const std::string ip = member_ip(i);
    std::vector<std::string> args = {
        "--name", fmt::format("m{}", i + 1),
        "--data-dir", fmt::format("/var/lib/etcd/m{}", i + 1),
        "--listen-peer-urls", fmt::format("http://{}:2380", ip),
        "--initial-advertise-peer-urls", fmt::format("http://{}:2380", ip),
        "--listen-client-urls", fmt::format("http://{}:2379", ip),
        "--advertise-client-urls", fmt::format("http://{}:2379", ip),
        "--initial-cluster", initial,
        "--initial-cluster-state", "new",
        "--initial-cluster-token", "bench",
        "--heartbeat-interval", "100",
        "--election-timeout", "1000",
        // Every peer starts its election clocks at zero (no etcd tick fast-forward).
        "--initial-election-tick-advance=false",
        "--pre-vote=false",
    };
    if (cp.snapshot_count) args.push_back(fmt::format("--snapshot-count={}", cp.snapshot_count));
    if (cp.catchup) args.push_back(fmt::format("--experimental-snapshot-catchup-entries={}", cp.catchup));
    ContainerSpec s;
    s.name = fmt::format("m{}", i + 1);
    s.host = i;
    s.own_netns = false;
    s.image = "etcd";
    s.volume_key = fmt::format("/var/lib/etcd/m{}", i + 1);
    s.launch = etcd_launcher(std::move(args), {}, kEtcdVersion);
    specs.push_back(std::move(s));
  }
  return specs;
}

// Host i is "h<i+1>" at member_ip(i); the names are built once per sweep, like the specs.
std::vector<std::pair<std::string, std::string>> make_hosts(std::size_t n) {
  std::vector<std::pair<std::string, std::string>> hosts;
  for (std::size_t i = 0; i < n; ++i) hosts.emplace_back(fmt::format("h{}", i + 1), member_ip(static_cast<int>(i)));
  return hosts;
}

std::unique_ptr<World> make_world(const std::vector<ContainerSpec>& specs,
                                  const std::vector<std::pair<std::string, std::string>>& hosts, std::uint64_t seed,
                                  TraceLevel level, bool* leader_seen = nullptr) {
  WorldOptions wo;
  wo.seed = seed;
  wo.trace_level = level;
  wo.network.intra_host = LatencyRange{millis(1), millis(1)};  // one-way latency: exactly 1 ms
  wo.network.inter_host = LatencyRange{millis(1), millis(1)};
  wo.fsync_latency = millis(1);  // disk latency: every WAL save's fsync takes 1 ms
  auto w = std::make_unique<World>(wo);
  for (const auto& [name, ip] : hosts) w->add_host(name, ip);
  for (const auto& s : specs) w->add_container(s);
  // W1's stop check: no member can lead before one has reported the Leader role.
  if (leader_seen != nullptr)
    w->watch_roles([leader_seen](int, raft::Role role, std::uint64_t) {
      if (role == raft::Role::Leader) *leader_seen = true;
    });
  for (size_t c = 0; c < specs.size(); ++c) w->start(static_cast<int>(c));
  return w;
}

constexpr Duration kLeaderLimit = seconds(60);

// Fires events one at a time until some member leads (exact: roles change only inside
// events). False if no leader within kLeaderLimit. `leader_seen` (make_world's): until a
// member has reported the Leader role (World::watch_roles) none leads, so the members
// are not scanned after every event before that (3% of a W1 run; the stop is the same
// event, and so are W1's figures).
bool run_to_first_leader(World& w, const bool* leader_seen = nullptr) {
  while (w.now() < kLeaderLimit) {
    const bool drained = w.loop().run_until(kLeaderLimit, 1);
    if ((leader_seen == nullptr || *leader_seen) && w.leader_count() > 0) return true;
    if (drained) break;
  }
  return false;
}

// ---- W1 ----
struct W1Result {
  std::uint64_t seeds = 0, events = 0, messages = 0;
  std::uint64_t exactly_one_leader = 0, no_leader = 0;
  std::vector<std::int64_t> sim_ns;
  double wall = 0, cpu = 0;
};

W1Result run_w1(int voters, std::uint64_t seeds, std::uint64_t first_seed, TraceLevel level) {
  const std::vector<ContainerSpec> specs = make_specs(voters);
  const auto hosts = make_hosts(specs.size());
  W1Result r;
  r.sim_ns.reserve(seeds);
  Timer t;
  for (std::uint64_t i = 0; i < seeds; ++i) {
    bool leader_seen = false;
    auto w = make_world(specs, hosts, first_seed + i, level, &leader_seen);
    const bool ok = run_to_first_leader(*w, &leader_seen);
    ++r.seeds;
    r.events += w->loop().events_fired();
    r.messages += w->net().packets_sent();
    if (!ok) {
      ++r.no_leader;
      continue;
    }
    if (w->leader_count() == 1) ++r.exactly_one_leader;
    r.sim_ns.push_back(w->now().ns);
  }
  r.wall = t.wall();
  r.cpu = t.cpu();
  return r;
}

// W1's run split in two (`bench W1 --split`). A second pass, after the timed one (the
// goal's figure carries no extra clock reads), builds a fresh World for each seed, runs it only until every member
// has applied its bootstrap ConfChanges, and destroys it: etcd's process start (listeners,
// the peers' /members answers, the bootstrap decision, the raft node's bootstrap and its
// first Ready saved and applied) and the teardown. What a full run costs beyond that is
// the election: ticks, votes and the Readies they cause.
struct W1Bootstrap {
  std::uint64_t seeds = 0, events = 0, incomplete = 0;
  double cpu = 0;
};

constexpr std::uint64_t kBootstrapPassMaxSeeds = 20000;

// Not inlined: `valgrind --tool=callgrind --toggle-collect='*run_w1_bootstrap*'` profiles the
// bootstrap pass alone.
[[gnu::noinline]] W1Bootstrap run_w1_bootstrap(int voters, std::uint64_t seeds, std::uint64_t first_seed, TraceLevel level) {
  const std::vector<ContainerSpec> specs = make_specs(voters);
  const auto hosts = make_hosts(specs.size());
  const auto n = static_cast<std::uint64_t>(specs.size());
  W1Bootstrap b;
  Timer t;
  for (std::uint64_t i = 0; i < seeds; ++i) {
    auto w = make_world(specs, hosts, first_seed + i, level);
    bool done = w->applied_count(n) == n;
    while (!done && w->now() < kLeaderLimit) {
      const bool drained = w->loop().run_until(kLeaderLimit, 1);
      done = w->applied_count(n) == n;
      if (drained) break;
    }
    ++b.seeds;
    b.events += w->loop().events_fired();
    if (!done) ++b.incomplete;
  }
  b.cpu = t.cpu();
  return b;
}

json w1_bootstrap_json(const W1Bootstrap& b, const W1Result& full) {
  json j;
  j["seeds"] = b.seeds;
  j["cpu_s"] = b.cpu;
  j["events"] = b.events;
  j["incomplete"] = b.incomplete;  // worlds that never got there (none expected)
  if (b.seeds == 0 || full.seeds == 0) return j;
  const double boot = b.cpu / static_cast<double>(b.seeds);
  const double run = full.cpu / static_cast<double>(full.seeds);
  j["cpu_us_per_run"] = boot * 1e6;
  j["events_per_run"] = static_cast<double>(b.events) / static_cast<double>(b.seeds);
  j["share_of_run"] = run > 0 ? boot / run : 0.0;
  // The election alone: a full run's CPU time less the bootstrap's, per run (a difference
  // of two passes: noisy when the machine is).
  j["election_cpu_us_per_run"] = (run - boot) * 1e6;
  j["election_runs_per_cpu_s"] = run > boot ? 1.0 / (run - boot) : 0.0;
  return j;
}

json w1_json(const W1Result& r) {
  json j;
  j["seeds"] = r.seeds;
  j["wall_s"] = r.wall;
  j["cpu_s"] = r.cpu;
  j["runs_per_s"] = rate(static_cast<double>(r.seeds), r.wall);
  j["runs_per_cpu_s"] = rate(static_cast<double>(r.seeds), r.cpu);
  j["events"] = r.events;
  j["events_per_s"] = rate(static_cast<double>(r.events), r.wall);
  j["messages"] = r.messages;
  j["messages_per_s"] = rate(static_cast<double>(r.messages), r.wall);
  j["seeds_with_exactly_one_leader"] = r.exactly_one_leader;
  j["seeds_without_leader"] = r.no_leader;
  j["sim_time_to_leader_ms"] = distribution_ms(r.sim_ns);
  return j;
}

// ---- W2 / W3 ----
struct ReplResult {
  bool ok = false;
  std::string error;
  std::uint64_t entries = 0, failed = 0, events = 0, messages = 0;
  std::uint64_t applied_on_all = 0;  // entries applied on every member (min over members)
  int members_all_applied = 0;
  double wall = 0, cpu = 0;
  std::int64_t sim_ns = 0;
  long rss_live_kib = 0, rss_before_kib = 0;
  long heap_live_kib = 0, heap_before_kib = 0;
  std::string leader;
};

// Puts driven through the leader: `window` puts in flight at most, issued in batches of
// `batch` (a batch is issued once the window has room for all of it). A batch of more
// than one put goes as one pipelined World::etcdctl_batch (one packet, proposed before
// one Ready: wire.h ClientBatch); a single put as an etcdctl call.
class Driver {
 public:
  Driver(World* w, std::string endpoint, std::uint64_t total, std::uint64_t batch, std::uint64_t window)
      : w_(w), ep_(std::move(endpoint)), eps_{ep_}, total_(total), batch_(batch), window_(window) {}
  void pump() {
    while (issued_ < total_ && issued_ - done_ + std::min(batch_, total_ - issued_) <= window_) {
      const std::uint64_t n = std::min(batch_, total_ - issued_);
      if (n == 1) {
        issue();
        continue;
      }
      std::vector<ClientRequest> reqs(n);
      for (auto& req : reqs) fill_put(&req);
      w_->etcdctl_batch(std::move(reqs), ep_, [this](std::size_t, const ClientResult& r) { finished(r); });
    }
  }
  bool finished() const { return done_ >= total_; }
  void stop() { total_ = issued_; }  // issue nothing more; what is in flight still finishes
  std::uint64_t done() const { return done_; }
  std::uint64_t failed() const { return failed_; }

 private:
  // The next put, written into a request in place (no temporary to move).
  void fill_put(ClientRequest* req) {
    req->kind = ClientOpKind::Put;
    // "k<n mod 1024>" and an 8-digit zero-padded value (8 bytes), without fmt per put.
    char key[8] = {'k'};
    // At most 4 digits: to_chars cannot fail here. The length is taken as a count, which
    // keeps GCC's -Wstringop-overread (under LTO) from seeing an unbounded read.
    const auto kend = std::to_chars(key + 1, key + sizeof key, issued_ % 1024).ptr;
    req->key.assign(key, std::min(static_cast<std::size_t>(kend - key), sizeof key));
    char value[8];
    std::uint64_t v = issued_ % 100000000;
    for (int i = 7; i >= 0; --i, v /= 10) value[i] = static_cast<char>('0' + v % 10);
    req->value.assign(value, sizeof value);
    ++issued_;
  }
  ClientRequest next_put() {
    ClientRequest req;
    fill_put(&req);
    return req;
  }
  void finished(const ClientResult& r) {
    ++done_;
    if (!r.ok) ++failed_;
    pump();
  }
  void issue() {
    w_->etcdctl(next_put(), eps_, [this](const ClientResult& r) { finished(r); });
  }
  World* w_;
  std::string ep_;
  std::vector<std::string> eps_;  // {ep_}: built once, not per put
  std::uint64_t total_, batch_, window_;
  std::uint64_t issued_ = 0, done_ = 0, failed_ = 0;
};

// Members' applied indexes (min, max) and the leader's name.
struct Applied {
  std::uint64_t min = 0, max = 0;
  std::string leader;
  int leaders = 0;
  int members = 0;
};
Applied applied_of(const World& w) {
  Applied a;
  bool first = true;
  for (const MemberView& v : w.members()) {
    ++a.members;
    if (first || v.applied < a.min) a.min = v.applied;
    if (first || v.applied > a.max) a.max = v.applied;
    first = false;
    if (v.running && v.role == raft::Role::Leader) {
      a.leader = v.name;
      ++a.leaders;
    }
  }
  return a;
}

// Runs in steps until every member has applied `target` (bounded).
bool wait_all_applied(World& w, std::uint64_t target, Duration limit) {
  const Time end = w.now() + limit;
  while (w.now() < end) {
    if (applied_of(w).min >= target) return true;
    w.run_until(w.now() + millis(10));
  }
  return applied_of(w).min >= target;
}

ReplResult run_repl(int voters, std::uint64_t entries, std::uint64_t batch, std::uint64_t window, std::uint64_t seed,
                    TraceLevel level, Compaction cp = {}) {
  ReplResult r;
  r.rss_before_kib = current_rss_kib();
  r.heap_before_kib = heap_in_use_kib();
  const std::vector<ContainerSpec> specs = make_specs(voters, cp);
  auto wp = make_world(specs, make_hosts(specs.size()), seed, level);
  World& w = *wp;
  if (!run_to_first_leader(w)) {
    r.error = "no leader within 60 s of simulated time";
    return r;
  }
  // Warm-up (not measured): a member serves clients once it has published itself
  // through raft; put until one succeeds, then let every member catch up.
  Applied a = applied_of(w);
  r.leader = a.leader;
  // Lives as long as the world runs: its callbacks point to it.
  Driver warm(&w, r.leader, 20, 1, 1);
  warm.pump();
  while (!warm.finished() && w.now() < kLeaderLimit * 2) {
    w.run_until(w.now() + millis(100));
    if (warm.done() > warm.failed()) break;
  }
  if (warm.done() == warm.failed()) {
    r.error = "no warm-up put succeeded";
    return r;
  }
  // No more warm-up puts; what is in flight ends (reply or 5 s deadline) within 6 s.
  warm.stop();
  w.run_until(w.now() + seconds(6));
  if (!warm.finished()) {
    r.error = "warm-up puts still in flight";
    return r;
  }
  a = applied_of(w);
  if (!wait_all_applied(w, a.max, seconds(10))) {
    r.error = "members did not catch up after warm-up";
    return r;
  }
  const std::uint64_t base = applied_of(w).max;
  const std::uint64_t events0 = w.loop().events_fired(), msgs0 = w.net().packets_sent();
  const Time t0 = w.now();
  Driver d(&w, r.leader, entries, batch, window);
  Timer t;
  d.pump();
  // Bounded: each put ends (reply or etcdctl's 5 s deadline) long before this.
  const Time limit = w.now() + seconds(static_cast<std::int64_t>(entries) * 6 + 60);
  while (!d.finished() && w.now() < limit) w.run_until(w.now() + millis(100));
  const bool all = d.finished() && wait_all_applied(w, base + entries, seconds(10));
  r.wall = t.wall();
  r.cpu = t.cpu();
  r.rss_live_kib = current_rss_kib();
  r.heap_live_kib = heap_in_use_kib();
  r.entries = d.done();
  r.failed = d.failed();
  r.events = w.loop().events_fired() - events0;
  r.messages = w.net().packets_sent() - msgs0;
  r.sim_ns = (w.now() - t0).ns;
  const Applied end = applied_of(w);
  r.applied_on_all = end.min - base;
  for (const MemberView& v : w.members())
    if (v.applied == base + entries) ++r.members_all_applied;
  if (!d.finished()) r.error = fmt::format("only {} of {} puts finished", d.done(), entries);
  else if (r.failed) r.error = fmt::format("{} puts failed", r.failed);
  else if (!all || end.max != base + entries)
    r.error = fmt::format("applied on all members: min {} max {}, expected {}", end.min - base, end.max - base, entries);
  else if (end.leaders != 1 || end.leader != r.leader) r.error = "the leader changed during the measurement";
  r.ok = r.error.empty();
  return r;
}

json repl_json(const ReplResult& r, int voters) {
  json j;
  j["ok"] = r.ok;
  if (!r.ok) j["error"] = r.error;
  j["entries"] = r.entries;
  j["failed"] = r.failed;
  j["entries_applied_on_all_members"] = r.applied_on_all;
  j["members_with_all_entries"] = r.members_all_applied;
  j["wall_s"] = r.wall;
  j["cpu_s"] = r.cpu;
  j["entries_per_s"] = rate(static_cast<double>(r.entries), r.wall);
  j["entries_per_cpu_s"] = rate(static_cast<double>(r.entries), r.cpu);
  j["events"] = r.events;
  j["events_per_s"] = rate(static_cast<double>(r.events), r.wall);
  j["messages"] = r.messages;
  j["messages_per_s"] = rate(static_cast<double>(r.messages), r.wall);
  j["sim_time_s"] = static_cast<double>(r.sim_ns) / 1e9;
  j["rss_live_kib"] = r.rss_live_kib;
  j["rss_live_per_member_kib"] =
      voters > 0 ? static_cast<double>(r.rss_live_kib - r.rss_before_kib) / voters : 0.0;
  j["heap_live_kib"] = r.heap_live_kib;
  j["heap_live_per_member_kib"] =
      voters > 0 ? static_cast<double>(r.heap_live_kib - r.heap_before_kib) / voters : 0.0;
  return j;
}

// ---- W4: each size in a child process, so each reports its own peak RSS ----
std::optional<json> in_child(const std::function<json()>& work, std::string* error) {
  int fds[2];
  if (pipe(fds) != 0) {
    *error = "pipe() failed";
    return std::nullopt;
  }
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    *error = "fork() failed";
    return std::nullopt;
  }
  if (pid == 0) {
    close(fds[0]);
    json j = work();
    j["peak_rss_kib"] = peak_rss_kib();
    const std::string s = j.dump();
    size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = write(fds[1], s.data() + off, s.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || text.empty()) {
    *error = "the measuring child process failed";
    return std::nullopt;
  }
  return json::parse(text, nullptr, false);
}

std::optional<TraceLevel> parse_level(const std::string& s) {
  if (s == "off") return TraceLevel::Off;
  if (s == "default") return TraceLevel::Default;
  return std::nullopt;
}

void print_text(const json& j, std::ostream& out) {
  // A compact human summary; --json prints the object itself.
  out << "raftlab bench " << j.value("workload", "") << " (trace " << j.value("trace_level", "") << ")\n";
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "workload" || it.key() == "trace_level") continue;
    out << "  " << it.key() << ": " << it.value().dump() << "\n";
  }
}

}  // namespace

int run_bench(const BenchOptions& o, std::ostream& out, std::ostream& err) {
  const auto level = parse_level(o.trace_level);
  if (!level) {
    err << "raftlab bench: --trace-level must be off or default (got '" << o.trace_level << "')\n";
    return kExitBadInput;
  }
  if (o.voters != 0 && (o.voters < 1 || o.voters > kMaxVoters)) {
    err << "raftlab bench: --voters must be between 1 and " << kMaxVoters << " (got " << o.voters << ")\n";
    return kExitBadInput;
  }
  if (o.seeds > 100000000 || o.entries > 100000000) {
    err << "raftlab bench: --seeds and --entries are at most 100000000\n";
    return kExitBadInput;
  }
  if (o.split && o.workload != "W1") {
    err << "raftlab bench: --split applies to W1 only (got " << o.workload
        << "): drop --split, or run `raftlab bench W1 --split`\n";
    return kExitBadInput;
  }
  const int voters = o.voters ? o.voters : 5;
  json j;
  j["workload"] = o.workload;
  j["engine"] = "raftlab";
  j["trace_level"] = o.trace_level;
  j["etcd_version_modelled"] = kEtcdVersion;
  bool ok = true;
  if (o.workload == "W1") {
    const W1Result r = run_w1(voters, o.seeds ? o.seeds : kDefaultSeeds, o.first_seed, *level);
    j["voters"] = voters;
    j.update(w1_json(r));
    ok = r.no_leader == 0 && r.exactly_one_leader == r.seeds;
    if (o.split) {
      const W1Bootstrap b =
          run_w1_bootstrap(voters, std::min(r.seeds, kBootstrapPassMaxSeeds), o.first_seed, *level);
      j["bootstrap_pass"] = w1_bootstrap_json(b, r);
      ok = ok && b.incomplete == 0;
    }
  } else if (o.workload == "W2" || o.workload == "W3") {
    const bool batched = o.workload == "W3";
    const std::uint64_t entries = o.entries ? o.entries : kDefaultEntries;
    const Compaction cp{o.snapshot_count, o.snapshot_catchup};
    const ReplResult r =
        run_repl(voters, entries, batched ? 100 : 1, batched ? 1000 : 1, o.first_seed, *level, cp);
    j["voters"] = voters;
    j["snapshot_count"] = o.snapshot_count ? o.snapshot_count : 100000;  // etcd's default
    j["snapshot_catchup_entries"] = o.snapshot_catchup ? o.snapshot_catchup : 5000;
    j["batch"] = batched ? 100 : 1;
    j["max_in_flight"] = batched ? 1000 : 1;
    j.update(repl_json(r, voters));
    ok = r.ok;
  } else if (o.workload == "W4") {
    const std::uint64_t seeds = o.seeds ? o.seeds : 1000;
    const std::uint64_t entries = o.entries ? o.entries : 10000;
    const std::vector<int> sizes = o.voters ? std::vector<int>{o.voters} : kW4Sizes;
    j["seeds"] = seeds;
    j["entries"] = entries;
    json rows = json::array();
    for (int n : sizes) {
      std::string error;
      auto row = in_child(
          [&] {
            json x;
            x["voters"] = n;
            // W2 first: its live-RSS delta (cluster built to cluster holding every
            // entry) is then not blurred by memory W1 freed but the allocator kept.
            const long rss0 = current_rss_kib();
            const ReplResult r = run_repl(n, entries, 1, 1, o.first_seed, *level, {o.snapshot_count, o.snapshot_catchup});
            x["W2"] = repl_json(r, n);
            x["W1"] = w1_json(run_w1(n, seeds, o.first_seed, *level));
            x["rss_before_kib"] = rss0;
            return x;
          },
          &error);
      if (!row || row->is_discarded()) {
        err << "raftlab bench W4: " << n << " voters: " << (error.empty() ? "bad child output" : error) << "\n";
        return kExitInternal;
      }
      (*row)["peak_rss_per_member_kib"] =
          static_cast<double>(row->value("peak_rss_kib", 0L) - row->value("rss_before_kib", 0L)) / n;
      const json& w1 = (*row)["W1"];
      if (w1.value("seeds_without_leader", 1) != 0 || !(*row)["W2"].value("ok", false)) ok = false;
      rows.push_back(std::move(*row));
    }
    j["sizes"] = rows;
  } else if (o.workload == "W5") {
    if (access(o.lab_scenario.c_str(), R_OK) != 0) {
      err << "raftlab bench W5: cannot read the lab's reference scenario " << o.lab_scenario
          << " (issue 3; pass --lab-scenario FILE)\n";
      return kExitBadInput;
    }
    const std::uint64_t seeds = o.seeds ? o.seeds : 2000;
    std::ostringstream fout, ferr;
    // Failure files (if the fuzzer finds any) go to a temporary directory, removed after.
    char tmpl[] = "/tmp/raftlab-bench-w5.XXXXXX";
    const char* dir = mkdtemp(tmpl);
    if (!dir) {
      err << "raftlab bench W5: cannot create a temporary directory in /tmp\n";
      return kExitInternal;
    }
    const std::vector<std::string> argv = {"raftlab", "fuzz", o.lab_scenario, "--seeds", std::to_string(seeds),
                                           "--jobs", std::to_string(o.jobs), "--json", "--hash", o.lab_hash, "--quiet",
                                           "--out", std::string(dir) + "/out"};
    Timer t;
    const double cpu0 = cpu_with_children_now();
    const int rc = run_cli(argv, fout, ferr);
    const double wall = t.wall(), cpu = cpu_with_children_now() - cpu0;
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    j["scenario"] = o.lab_scenario;
    j["seeds"] = seeds;
    j["jobs"] = o.jobs;
    j["hash"] = o.lab_hash;
    j["fuzz_exit_code"] = rc;
    j["wall_s"] = wall;
    j["cpu_s"] = cpu;
    j["seeds_per_s"] = rate(static_cast<double>(seeds), wall);
    j["seeds_per_s_per_core"] = rate(static_cast<double>(seeds), wall) / std::max(1, o.jobs);
    j["seeds_per_cpu_s"] = rate(static_cast<double>(seeds), cpu);  // this process + its worker processes
    // `fuzz --json` prints JSON Lines: one object per seed, then the summary.
    // The seed lines carry each seed's event count: the lab's events per CPU second, set
    // against the bare event loop's in the report (issue 26).
    std::string last;
    std::uint64_t events = 0;
    {
      std::istringstream lines(fout.str());
      for (std::string line; std::getline(lines, line);) {
        if (line.empty()) continue;
        if (!last.empty()) {
          const json sj = json::parse(last, nullptr, false);
          if (sj.is_object() && !sj.contains("summary")) events += sj.value("events", std::uint64_t{0});
        }
        last = line;
      }
    }
    j["events"] = events;
    j["events_per_cpu_s"] = rate(static_cast<double>(events), cpu);
    j["events_per_s"] = rate(static_cast<double>(events), wall);
    json fj = json::parse(last, nullptr, false);
    if (!fj.is_discarded()) j["fuzz_summary"] = fj;
    // Exit 1 = the fuzzer found a violation: still a measurement; 2/3 = it did not run.
    if (rc != 0 && rc != 1) {
      err << "raftlab bench W5: `raftlab fuzz` failed (exit " << rc << "): " << ferr.str();
      return rc;
    }
  } else {
    err << "raftlab bench: unknown workload '" << o.workload << "' (use W1, W2, W3, W4 or W5)\n";
    return kExitBadInput;
  }
  j["peak_rss_kib"] = peak_rss_kib();
  j["ok"] = ok;
  if (o.json) {
    out << j.dump() << "\n";
  } else {
    print_text(j, out);
  }
  if (!ok) {
    err << "raftlab bench " << o.workload << ": a sanity check failed (see \"ok\"/\"error\" in the output)\n";
    return kExitInternal;
  }
  return kExitOk;
}

}  // namespace raftlab::tools
