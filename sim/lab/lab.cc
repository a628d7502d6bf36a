#include "sim/lab/lab.h"
#include "sim/lab/atomic_file.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
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

#include "raft/bugs.h"
#include "sim/check/lab.h"
#include "sim/nemesis/nemesis.h"
#include "sim/check/trace_checks.h"
#include "sim/scenario/duration.h"

// mimalloc's option API (the raftlab binary's allocator, -DRAFTLAB_MIMALLOC), declared
// weak: null in processes linked without it (the test binaries, sanitizer builds).
#if __has_include(<mimalloc.h>)
#include <mimalloc.h>
#pragma weak mi_option_set
#define RAFTLAB_HAVE_MIMALLOC_H 1
#endif

namespace raftlab::lab {

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

// The seeds of a SeedSet without listing them: the i-th is first + i * M.
struct SeedSeq {
  std::uint64_t first = 0, step = 1, count = 0;
  explicit SeedSeq(const SeedSet& s) {
    step = s.shard_m;
    const std::uint64_t end = s.first_seed + s.seeds;
    const std::uint64_t want = s.shard_k - 1;
    const std::uint64_t have = s.first_seed % s.shard_m;
    first = s.first_seed + (want + s.shard_m - have) % s.shard_m;
    count = first < end ? (end - first + step - 1) / step : 0;
  }
  [[nodiscard]] std::uint64_t at(std::uint64_t i) const { return first + i * step; }
};

std::string level_name(sim::TraceLevel l) {
  switch (l) {
    case sim::TraceLevel::Off: return "off";
    case sim::TraceLevel::Full: return "full";
    default: return "default";
  }
}

// All or nothing (atomic_file.h): a full disk leaves no truncated or 0-byte file.
bool write_file(const std::string& path, const std::string& text, std::string* why = nullptr) {
  std::string e = write_file_atomic(path, text);
  if (why) *why = e;
  return e.empty();
}

}  // namespace

std::vector<std::uint64_t> SeedSet::list() const {
  SeedSeq q(*this);
  std::vector<std::uint64_t> v;
  v.reserve(q.count);
  for (std::uint64_t i = 0; i < q.count; ++i) v.push_back(q.at(i));
  return v;
}

std::string SeedSet::shard_text() const { return fmt::format("{}/{}", shard_k, shard_m); }

std::shared_ptr<const scenario::Scenario> materialize(const std::shared_ptr<const scenario::Scenario>& base,
                                                      std::uint64_t seed) {
  return std::make_shared<const scenario::Scenario>(nemesis::materialize(*base, seed));
}

namespace {
inline std::uint64_t rotl64(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
struct Fingerprint {
  std::uint64_t h = 0x243f6a8885a308d3ULL;
  void word(std::uint64_t v) { h = rotl64((h ^ v) * 0x9e3779b97f4a7c15ULL, 29); }
  void str(const std::string& s) {
    word(s.size());
    const char* p = s.data();
    std::size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      word(w);
    }
    if (n) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, n);
      word(w);
    }
  }
};
}  // namespace

std::uint64_t trace_fingerprint(const std::vector<sim::TraceEvent>& events) {
  Fingerprint f;
  for (const sim::TraceEvent& e : events) {
    f.word(static_cast<std::uint64_t>(e.at.ns));
    f.word(static_cast<std::uint64_t>(e.kind));
    f.str(e.who);
    f.word(e.member_id);
    f.word(e.cluster_id);
    f.word(e.term);
    f.word(e.index);
    f.word(e.peer);
    f.str(e.a);
    f.str(e.b);
    f.str(e.c);
  }
  f.word(events.size());
  // Final avalanche (murmur3's fmix64) so that nearby inputs give unrelated outputs.
  std::uint64_t h = f.h;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

std::string fingerprint_hex(std::uint64_t fp) { return fmt::format("{:016x}", fp); }

std::vector<check::Violation> judge(const std::vector<sim::TraceEvent>& events, std::string* summary) {
  check::LabReport rep = check::check_all(events);
  if (summary) *summary = rep.summary();
  return std::move(rep.violations);
}

std::vector<std::string> planted_bug_names() {
  std::vector<std::string> v;
  for (const auto& b : raft::kBugs) v.emplace_back(b.name);
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::pair<std::string, std::string>> planted_bugs() {
  std::vector<std::pair<std::string, std::string>> v;
  for (const auto& b : raft::kBugs) v.emplace_back(std::string(b.name), std::string(b.what));
  return v;
}

std::uint32_t planted_bug_set(const std::vector<std::string>& names) {
  raft::BugSet set = 0;
  for (const auto& n : names)
    if (auto b = raft::bug_from_name(n)) set |= raft::bug_bit(*b);
  return set;
}

bool build_check(const std::shared_ptr<const scenario::Scenario>& s, const sim::RunOptions& ro,
                 std::vector<scenario::LoadError>* errors) {
  return sim::Deployment::build(s, ro, errors) != nullptr;
}

// run_one's body; `stream`: keep only what checkers_read accepts.
static SeedResult run_one_traced(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seed,
                                 const RunSettings& settings, const std::shared_ptr<sim::SpecCache>& cache,
                                 std::unique_ptr<sim::Deployment>* keep, bool stream);

bool checkers_read(const sim::TraceEvent& e) {
  switch (e.kind) {
    case sim::Ev::Append: case sim::Ev::Apply: case sim::Ev::Bootstrap: case sim::Ev::ClientCall:
    case sim::Ev::ClientDone: case sim::Ev::DataLoss: case sim::Ev::Expect: case sim::Ev::Log:
    case sim::Ev::Member: case sim::Ev::ProcExit: case sim::Ev::ProcStart: case sim::Ev::Quiet:
    case sim::Ev::Role: case sim::Ev::Vote:
      return true;
    default:
      return false;
  }
}

SeedResult run_one(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seed, const RunSettings& settings,
                   const std::shared_ptr<sim::SpecCache>& cache, std::unique_ptr<sim::Deployment>* keep) {
  const bool stream = settings.stream_trace && !settings.fingerprint;
  if (stream) {
    // A failing seed is run again whole: its failure file needs every event, and the
    // second run is the same run (same scenario, same seed).
    SeedResult r = run_one_traced(s, seed, settings, cache, nullptr, true);
    if (r.ok || !r.error.empty()) return r;
  }
  return run_one_traced(s, seed, settings, cache, keep, false);
}

static SeedResult run_one_traced(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seed,
                                 const RunSettings& settings, const std::shared_ptr<sim::SpecCache>& cache,
                                 std::unique_ptr<sim::Deployment>* keep, bool stream) {
  SeedResult r;
  r.seed = seed;
  sim::RunOptions ro;
  ro.seed = seed;
  ro.trace_level = settings.trace_level;
  ro.cache = cache;
  ro.planted_bugs = planted_bug_set(settings.planted_bugs);
  ro.hash_trace = settings.hash_every_seed;
  ro.extension = settings.extension;
  ro.max_events = settings.max_events;
  if (stream) ro.trace_keep = &checkers_read;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(s, ro, &errors);
  if (!d) {
    r.ok = false;
    r.error = errors.empty() ? "the scenario could not be built" : scenario::format(errors.front());
    return r;
  }
  const sim::RunResult rr = d->run();
  r.trace_sha256 = rr.trace_sha256;
  r.events = rr.events;
  r.end_ns = rr.end_ns;
  const auto& events = d->world().trace().events();
  r.violations = judge(events, &r.checker_summary);
  if (!rr.stopped.empty()) {
    check::Violation v;
    v.checker = "max_events";
    v.at_ns = rr.end_ns;
    v.evidence = rr.stopped + " (the checkers judged the trace up to there)";
    r.violations.push_back(std::move(v));
  }
  std::map<std::uint64_t, std::uint64_t> per_client;
  for (const auto& e : events)
    if (e.kind == sim::Ev::ClientCall && (e.a == "put" || e.a == "get" || e.a == "get-s")) {
      ++r.client_calls;
      r.max_client_calls = std::max(r.max_client_calls, ++per_client[e.peer]);
    }
  std::set<std::string> names;
  for (const auto& v : r.violations) names.insert(v.checker);
  r.checkers.assign(names.begin(), names.end());
  r.ok = r.violations.empty();
  // A failure's hash goes into its file header and is what replay reproduces.
  if (!ro.hash_trace && !r.ok && !stream) r.trace_sha256 = d->world().trace().sha256();
  if (settings.fingerprint) r.trace_fp = fingerprint_hex(trace_fingerprint(events));
  if (keep) *keep = std::move(d);
  return r;
}

// ---- failure files ----

static constexpr const char* kHeaderTag = "// raftlab-lab ";

std::string header_line(const FailureHeader& h) {
  nlohmann::ordered_json j;
  j["seed"] = h.seed;
  j["trace_sha256"] = h.trace_sha256;
  j["checkers"] = h.checkers;
  j["planted_bugs"] = h.planted_bugs;
  j["trace_level"] = h.trace_level;
  j["scenario"] = h.scenario;
  if (!h.note.empty()) j["note"] = h.note;
  return kHeaderTag + j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::optional<FailureHeader> read_header(const std::string& text, std::string* error) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line) && n++ < 64) {
    if (line.rfind(kHeaderTag, 0) != 0) continue;
    const auto j = nlohmann::json::parse(line.substr(std::string(kHeaderTag).size()), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      if (error) *error = fmt::format("line {}: the raftlab-lab header is not one JSON object", n);
      return std::nullopt;
    }
    FailureHeader h;
    // A seed is a whole number 0..2^64-1: 18446744073709551616 reads as a double and a
    // negative number as an int, and nlohmann's value<uint64_t> would convert either one
    // (to 0 or 2^64-1) and replay another seed (issue 24).
    if (const auto it = j.find("seed"); it != j.end() && !it->is_number_unsigned()) {
      if (error)
        *error = fmt::format("line {}: the raftlab-lab header's seed {} is not a whole number from 0 to "
                             "18446744073709551615",
                             n, it->dump());
      return std::nullopt;
    }
    try {
      h.seed = j.value("seed", std::uint64_t{0});
      h.trace_sha256 = j.value("trace_sha256", std::string{});
      h.checkers = j.value("checkers", std::vector<std::string>{});
      h.planted_bugs = j.value("planted_bugs", std::vector<std::string>{});
      h.trace_level = j.value("trace_level", std::string{"default"});
      h.scenario = j.value("scenario", std::string{});
      h.note = j.value("note", std::string{});
    } catch (const nlohmann::json::exception& e) {
      if (error) *error = fmt::format("line {}: the raftlab-lab header has a field of the wrong type ({})", n, e.what());
      return std::nullopt;
    }
    if (h.trace_level != "default" && h.trace_level != "full") {
      if (error) *error = fmt::format("line {}: trace_level \"{}\" — use \"default\" or \"full\"", n, h.trace_level);
      return std::nullopt;
    }
    return h;
  }
  if (error) error->clear();
  return std::nullopt;
}

std::string failure_file_text(const scenario::Scenario& s, const FailureHeader& h) {
  return nemesis::write_scenario(s, header_line(h));
}

// ---- the sweep ----

namespace {

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

}  // namespace

std::string signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return fmt::format("signal {}", sig);
  }
}

namespace {

std::uint64_t seq_count(const SeedSet& s) { return SeedSeq(s).count; }

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

// The verdict for a run whose process died: checker "crash", evidence = what it printed.
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

}  // namespace

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

nlohmann::ordered_json seed_json(const SeedResult& r) {
  nlohmann::ordered_json j;
  j["seed"] = r.seed;
  j["ok"] = r.ok;
  // With a fingerprint (fuzz --hash fp64) a passing seed's line has trace_fp only.
  if (r.trace_fp.empty() || !r.trace_sha256.empty()) j["trace_sha256"] = r.trace_sha256;
  if (!r.trace_fp.empty()) j["trace_fp"] = r.trace_fp;
  j["events"] = r.events;
  if (!r.checkers.empty()) j["checkers"] = r.checkers;
  if (!r.violations.empty()) {
    auto& vs = j["violations"] = nlohmann::ordered_json::array();
    for (const auto& v : r.violations) {
      nlohmann::ordered_json x;
      x["checker"] = v.checker;
      x["at"] = time_text(v.at_ns);
      x["members"] = v.members;
      x["evidence"] = v.evidence;
      vs.push_back(std::move(x));
    }
  }
  if (!r.error.empty()) j["error"] = r.error;
  if (!r.failure_file.empty()) j["failure_file"] = r.failure_file;
  return j;
}

nlohmann::ordered_json summary_json(const FuzzReport& r) {
  nlohmann::ordered_json j;
  j["summary"] = true;
  j["scenario"] = r.scenario;
  j["first_seed"] = r.set.first_seed;
  j["seeds"] = r.set.seeds;
  j["shard"] = r.set.shard_text();
  j["seeds_run"] = r.seeds_run;
  j["failures"] = r.failures;
  nlohmann::ordered_json by = nlohmann::ordered_json::object();
  for (const auto& [c, n] : r.failures_by_checker) by[c] = n;
  j["failures_by_checker"] = by;
  j["failed_seeds"] = r.failed_seeds;
  j["build_errors"] = r.build_errors;
  j["output_errors"] = r.output_errors;
  if (r.interrupted_by) {
    j["interrupted"] = signal_name(r.interrupted_by);
    j["dropped_in_flight"] = r.dropped_in_flight;
    j["first_seed_not_run"] = r.first_seed_not_run;
  }
  j["jobs"] = r.jobs;
  j["wall_s"] = r.wall_s;
  j["seeds_per_s"] = r.seeds_per_s;
  j["seeds_per_s_per_core"] = r.per_core;
  return j;
}

std::string summary_text(const FuzzReport& r) {
  std::string o;
  o += fmt::format("scenario {}: seeds {}..{}{} — {} run, {} failed\n", r.scenario, r.set.first_seed,
                   r.set.first_seed + r.set.seeds - (r.set.seeds ? 1 : 0),
                   r.set.shard_m > 1 ? fmt::format(" (shard {}: seed % {} == {})", r.set.shard_text(), r.set.shard_m, r.set.shard_k - 1) : "",
                   r.seeds_run, r.failures);
  if (!r.failures_by_checker.empty()) {
    o += "failures by checker:\n";
    for (const auto& [c, n] : r.failures_by_checker) o += fmt::format("  {:<28} {}\n", c, n);
  }
  if (!r.failed_seeds.empty()) {
    std::vector<std::uint64_t> first(r.failed_seeds.begin(), r.failed_seeds.begin() + std::min<size_t>(20, r.failed_seeds.size()));
    o += fmt::format("failed seeds: {}{}\n", fmt::join(first, " "), r.failed_seeds.size() > first.size() ? " ..." : "");
  }
  if (r.build_errors) o += fmt::format("runs that could not be built: {}\n", r.build_errors);
  if (r.output_errors)
    o += fmt::format("seeds whose failure files could not be written (ERROR lines above): {}\n", r.output_errors);
  if (r.interrupted_by)
    o += fmt::format("interrupted by {}: {} of {} seeds completed{}; the first seed not run is {}\n",
                     signal_name(r.interrupted_by), r.seeds_run, seq_count(r.set),
                     r.dropped_in_flight ? " (the seeds in flight were dropped and their files removed)" : "",
                     r.first_seed_not_run);
  if (r.merged)
    o += fmt::format("{:.2f} s of shard wall time in total ({:.1f} seeds per shard-second)\n", r.wall_s, r.seeds_per_s);
  else
    o += fmt::format("{:.1f} seeds/s wall ({} jobs, {:.1f} seeds/s per core), {:.2f} s\n", r.seeds_per_s, r.jobs, r.per_core,
                     r.wall_s);
  return o;
}

std::string verdict_text(const SeedResult& r) {
  if (!r.error.empty()) return "ERROR: " + r.error + "\n";
  if (r.ok) return "PASS: no checker found a violation\n";
  std::string o = fmt::format("FAIL: {} ({} violation(s))\n", fmt::join(r.checkers, ", "), r.violations.size());
  for (const auto& v : r.violations) o += "  " + check::describe(v) + "\n";
  return o;
}

std::string time_text(std::int64_t ns) {
  if (ns < 0) return "-" + time_text(-ns);
  const std::int64_t ms = (ns + 500'000) / 1'000'000;
  return fmt::format("{}.{:03}s", ms / 1000, ms % 1000);
}

// ---- merge ----

std::optional<MergeReport> merge(const std::vector<std::pair<std::string, std::string>>& inputs, std::string* error) {
  struct SeedLine {
    bool ok;
    std::string hash;
    std::string fp;
    std::vector<std::string> checkers;
    std::string where;
  };
  std::map<std::uint64_t, SeedLine> seeds;
  std::vector<SeedSet> sets;
  std::string scenario;
  MergeReport m;
  std::set<std::uint64_t> overlap, conflict;
  for (const auto& [name, text] : inputs) {
    std::istringstream in(text);
    std::string line;
    size_t n = 0;
    bool saw_summary = false;
    while (std::getline(in, line)) {
      ++n;
      if (line.empty()) continue;
      if (n > 200'000'000) {
        *error = fmt::format("{}: more than 200,000,000 lines", name);
        return std::nullopt;
      }
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        *error = fmt::format("{}:{}: not a JSON object — merge reads the output of `raftlab fuzz --json`", name, n);
        return std::nullopt;
      }
      try {
        if (j.value("summary", false)) {
          SeedSet s;
          s.first_seed = j.at("first_seed").get<std::uint64_t>();
          s.seeds = j.at("seeds").get<std::uint64_t>();
          const std::string sh = j.at("shard").get<std::string>();
          if (std::sscanf(sh.c_str(), "%lu/%lu", &s.shard_k, &s.shard_m) != 2 || s.shard_m == 0 || s.shard_k == 0 ||
              s.shard_k > s.shard_m)
            throw std::runtime_error("shard \"" + sh + "\" is not K/M");
          const std::string sc = j.at("scenario").get<std::string>();
          if (!scenario.empty() && sc != scenario) {
            *error = fmt::format("{}:{}: scenario \"{}\" but earlier files swept \"{}\" — merge shards of one sweep", name, n,
                                 sc, scenario);
            return std::nullopt;
          }
          scenario = sc;
          if (const std::string sig = j.value("interrupted", std::string{}); !sig.empty())
            m.problems.push_back(fmt::format("{}:{}: the shard was interrupted by {} (first seed not run: {})", name, n,
                                             sig, j.value("first_seed_not_run", std::uint64_t{0})));
          m.total.wall_s += j.value("wall_s", 0.0);
          m.total.jobs = std::max<unsigned>(m.total.jobs, j.value("jobs", 1u));
          sets.push_back(s);
          saw_summary = true;
          continue;
        }
        const auto seed = j.at("seed").get<std::uint64_t>();
        SeedLine sl{j.at("ok").get<bool>(), j.value("trace_sha256", std::string{}), j.value("trace_fp", std::string{}),
                    j.value("checkers", std::vector<std::string>{}), fmt::format("{}:{}", name, n)};
        auto [it, fresh] = seeds.emplace(seed, sl);
        if (!fresh) {
          overlap.insert(seed);
          // Compare what both lines carry: the SHA-256 (default) and/or the fingerprint
          // (--hash fp64 lines of passing seeds have only the latter).
          const SeedLine& was = it->second;
          const bool hashes_differ = !was.hash.empty() && !sl.hash.empty() && was.hash != sl.hash;
          const bool fps_differ = !was.fp.empty() && !sl.fp.empty() && was.fp != sl.fp;
          if (was.ok != sl.ok || was.checkers != sl.checkers || hashes_differ || fps_differ) conflict.insert(seed);
        }
      } catch (const std::exception& e) {
        *error = fmt::format("{}:{}: {} — merge reads the output of `raftlab fuzz --json`", name, n, e.what());
        return std::nullopt;
      }
    }
    if (!saw_summary)
      m.problems.push_back(fmt::format("{}: no summary line (the shard did not finish?)", name));
  }
  if (sets.empty()) {
    *error = "no summary line in any input — merge reads the output of `raftlab fuzz --json`";
    return std::nullopt;
  }
  // The whole range: every shard must describe the same sweep.
  const SeedSet& a = sets.front();
  for (const auto& s : sets)
    if (s.first_seed != a.first_seed || s.seeds != a.seeds)
      m.problems.push_back(fmt::format("shards describe different ranges: first seed {} × {} and {} × {}", a.first_seed,
                                       a.seeds, s.first_seed, s.seeds));
  std::uint64_t missing = 0;
  for (std::uint64_t s = a.first_seed; s < a.first_seed + a.seeds; ++s)
    if (!seeds.count(s)) {
      ++missing;
      if (m.missing.size() < 20) m.missing.push_back(s);
    }
  m.missing_count = missing;
  for (const auto& [seed, sl] : seeds)
    if (seed < a.first_seed || seed - a.first_seed >= a.seeds)
      m.problems.push_back(fmt::format("seed {} ({}) is outside the sweep {}..{}", seed, sl.where, a.first_seed,
                                       a.first_seed + a.seeds - 1));
  m.overlapping.assign(overlap.begin(), overlap.end());
  m.conflicting.assign(conflict.begin(), conflict.end());
  if (missing)
    m.problems.push_back(fmt::format("{} seed(s) missing, e.g. {}", missing, fmt::join(m.missing, " ")));
  if (!overlap.empty())
    m.problems.push_back(fmt::format("{} seed(s) reported by more than one shard, e.g. {}", overlap.size(),
                                     *overlap.begin()));
  if (!conflict.empty())
    m.problems.push_back(fmt::format("{} seed(s) with different results in different shards (not deterministic?), e.g. {}",
                                     conflict.size(), *conflict.begin()));
  FuzzReport& t = m.total;
  t.merged = true;
  t.scenario = scenario;
  t.set = a;
  t.set.shard_k = t.set.shard_m = 1;
  std::map<std::string, std::uint64_t> by;
  for (const auto& [seed, sl] : seeds) {
    ++t.seeds_run;
    if (!sl.ok) {
      ++t.failures;
      t.failed_seeds.push_back(seed);
      for (const auto& c : sl.checkers) ++by[c];
    }
  }
  t.failures_by_checker.assign(by.begin(), by.end());
  t.seeds_per_s = t.wall_s > 0 ? static_cast<double>(t.seeds_run) / t.wall_s : 0;  // per shard-second
  t.per_core = t.jobs ? t.seeds_per_s / t.jobs : 0;
  return m;
}

}  // namespace raftlab::lab
