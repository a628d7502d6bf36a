// sim/lab/lab.cc — one seed: materialize the scenario, run it, judge its trace (the
// sweep is sweep.cc, a seed in its own process worker.cc, failure files failure_file.cc,
// the output and merging report.cc).
#include "sim/lab/lab.h"
#include "sim/lab/lab_internal.h"

#include <algorithm>
#include <map>
#include <set>

#include <cstring>

#include <fmt/format.h>

#include "raft/bugs.h"
#include "sim/check/lab.h"
#include "sim/nemesis/nemesis.h"

namespace raftlab::lab {

using detail::SeedSeq;

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

// run_one's body; `stream`: the checkers observe the streamed trace and no event is
// kept (*whole_needed: the streamed judgement was not exact, see check::LabChecker).
static SeedResult run_one_traced(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seed,
                                 const RunSettings& settings, const std::shared_ptr<sim::SpecCache>& cache,
                                 std::unique_ptr<sim::Deployment>* keep, bool stream, bool* whole_needed = nullptr);
static bool keep_nothing(const sim::TraceEvent&) { return false; }

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
    // second run is the same run (same scenario, same seed). So is a seed whose streamed
    // judgement was not exact (check::LabChecker::exact; not seen in the lab's sweeps).
    bool whole_needed = false;
    SeedResult r = run_one_traced(s, seed, settings, cache, nullptr, true, &whole_needed);
    if ((r.ok && !whole_needed) || !r.error.empty()) return r;
  }
  return run_one_traced(s, seed, settings, cache, keep, false);
}

static SeedResult run_one_traced(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seed,
                                 const RunSettings& settings, const std::shared_ptr<sim::SpecCache>& cache,
                                 std::unique_ptr<sim::Deployment>* keep, bool stream, bool* whole_needed) {
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
  check::LabChecker checker;  // a streamed seed's checkers: fed as the trace streams
  if (stream) {
    ro.trace_keep = &keep_nothing;
    ro.trace_observer = &checker;
  }
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
  if (stream) {
    check::LabReport rep = checker.finish();
    if (!rep.exact && whole_needed) *whole_needed = true;
    r.checker_summary = rep.summary();
    r.violations = std::move(rep.violations);
    r.client_calls = checker.client_calls();
    r.max_client_calls = checker.max_client_calls();
  } else {
    r.violations = judge(events, &r.checker_summary);
  }
  if (!rr.stopped.empty()) {
    check::Violation v;
    v.checker = "max_events";
    v.at_ns = rr.end_ns;
    v.evidence = rr.stopped + " (the checkers judged the trace up to there)";
    r.violations.push_back(std::move(v));
  }
  std::map<std::uint64_t, std::uint64_t> per_client;
  if (!stream)
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

}  // namespace raftlab::lab
