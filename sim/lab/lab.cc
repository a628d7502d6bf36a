#include "sim/lab/lab.h"

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

#include <fmt/format.h>

#include "raft/bugs.h"
#include "sim/check/lab.h"
#include "sim/nemesis/nemesis.h"
#include "sim/check/trace_checks.h"
#include "sim/scenario/duration.h"

namespace raftlab::lab {

namespace {

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

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  if (!f) return false;
  f << text;
  return static_cast<bool>(f);
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

SeedResult run_one(const std::shared_ptr<const scenario::Scenario>& s, std::uint64_t seed, const RunSettings& settings,
                   const std::shared_ptr<sim::SpecCache>& cache, std::unique_ptr<sim::Deployment>* keep) {
  SeedResult r;
  r.seed = seed;
  sim::RunOptions ro;
  ro.seed = seed;
  ro.trace_level = settings.trace_level;
  ro.cache = cache;
  ro.planted_bugs = planted_bug_set(settings.planted_bugs);
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

FuzzReport fuzz(const std::shared_ptr<const scenario::Scenario>& base, const FuzzOptions& o,
                const std::function<void(const SeedResult&)>& on_seed,
                const std::function<void(const Progress&)>& on_progress, double progress_every_s) {
  const auto t0 = std::chrono::steady_clock::now();
  const SeedSeq seq(o.set);
  const unsigned jobs = std::max(1u, std::min<unsigned>(o.jobs, static_cast<unsigned>(std::max<std::uint64_t>(1, seq.count))));
  const std::uint64_t window = 1024ULL * jobs;  // results held at most this far ahead of the output

  std::mutex mu;
  std::condition_variable cv_main, cv_work;
  std::uint64_t next = 0, emitted = 0;
  std::map<std::uint64_t, SeedResult> ready;
  std::string first_error;

  auto worker = [&] {
    auto cache = std::make_shared<sim::SpecCache>();
    for (;;) {
      std::uint64_t i;
      {
        std::unique_lock lk(mu);
        cv_work.wait(lk, [&] { return next >= seq.count || next - emitted < window; });
        if (next >= seq.count) return;
        i = next++;
      }
      const std::uint64_t seed = seq.at(i);
      SeedResult r;
      try {
        auto s = materialize(base, seed);
        std::unique_ptr<sim::Deployment> d;
        r = run_one(s, seed, o.settings, cache, &d);
        if (!r.ok && r.error.empty() && !o.out_dir.empty()) {
          namespace fs = std::filesystem;
          std::error_code ec;
          fs::create_directories(o.out_dir, ec);  // only once there is a failure to write
          const std::string stem = (fs::path(o.out_dir) / fmt::format("seed-{}", seed)).string();
          FailureHeader h;
          h.seed = seed;
          h.trace_sha256 = r.trace_sha256;
          h.checkers = r.checkers;
          h.planted_bugs = o.settings.planted_bugs;
          h.trace_level = level_name(o.settings.trace_level);
          h.scenario = base->name;
          h.note = "fuzz";
          std::string txt = fmt::format("seed {} of scenario {}: {} violation(s)\n", seed, base->name, r.violations.size());
          for (const auto& v : r.violations) txt += check::describe(v) + "\n";
          txt += fmt::format("trace_sha256={}\nreplay: raftlab replay {}.json\nshrink: raftlab shrink {}.json\n",
                             r.trace_sha256, stem, stem);
          bool ok = write_file(stem + ".json", failure_file_text(*s, h)) &&
                    write_file(stem + ".trace.jsonl", d->world().trace().to_jsonl()) && write_file(stem + ".txt", txt);
          if (ok) r.failure_file = stem + ".json";
          else r.error = fmt::format("cannot write {}.json/.trace.jsonl/.txt: check --out is a writable directory", stem);
        }
      } catch (const std::exception& e) {
        r.seed = seed;
        r.ok = false;
        r.error = fmt::format("internal error: {}", e.what());
      }
      {
        std::lock_guard lk(mu);
        ready.emplace(i, std::move(r));
      }
      cv_main.notify_one();
    }
  };

  FuzzReport rep;
  rep.scenario = base->name;
  rep.set = o.set;
  rep.jobs = jobs;
  std::map<std::string, std::uint64_t> by_checker;

  std::vector<std::thread> pool;
  pool.reserve(jobs);
  for (unsigned j = 0; j < jobs; ++j) pool.emplace_back(worker);

  auto last_progress = t0;
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  while (true) {
    std::vector<SeedResult> out;
    {
      std::unique_lock lk(mu);
      cv_main.wait_for(lk, std::chrono::milliseconds(50), [&] { return ready.count(emitted) > 0; });
      for (auto it = ready.find(emitted); it != ready.end() && it->first == emitted; it = ready.find(emitted)) {
        out.push_back(std::move(it->second));
        ready.erase(it);
        ++emitted;
      }
    }
    if (!out.empty()) cv_work.notify_all();
    for (const auto& r : out) {
      ++rep.seeds_run;
      if (!r.error.empty()) ++rep.build_errors;
      if (!r.ok) {
        ++rep.failures;
        rep.failed_seeds.push_back(r.seed);
        for (const auto& c : r.checkers) ++by_checker[c];
      }
      if (on_seed) on_seed(r);
    }
    const bool finished = rep.seeds_run >= seq.count;
    const auto now = std::chrono::steady_clock::now();
    if (on_progress && (finished || std::chrono::duration<double>(now - last_progress).count() >= progress_every_s)) {
      last_progress = now;
      on_progress(Progress{rep.seeds_run, seq.count, rep.failures, elapsed()});
    }
    if (finished) break;
  }
  for (auto& t : pool) t.join();
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
  j["trace_sha256"] = r.trace_sha256;
  j["events"] = r.events;
  if (!r.checkers.empty()) j["checkers"] = r.checkers;
  if (!r.violations.empty()) {
    auto& vs = j["violations"] = nlohmann::ordered_json::array();
    for (const auto& v : r.violations) {
      nlohmann::ordered_json x;
      x["checker"] = v.checker;
      x["at"] = sim::format_duration(sim::nanos(v.at_ns));
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

// ---- merge ----

std::optional<MergeReport> merge(const std::vector<std::pair<std::string, std::string>>& inputs, std::string* error) {
  struct SeedLine {
    bool ok;
    std::string hash;
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
          m.total.wall_s += j.value("wall_s", 0.0);
          m.total.jobs = std::max<unsigned>(m.total.jobs, j.value("jobs", 1u));
          sets.push_back(s);
          saw_summary = true;
          continue;
        }
        const auto seed = j.at("seed").get<std::uint64_t>();
        SeedLine sl{j.at("ok").get<bool>(), j.value("trace_sha256", std::string{}),
                    j.value("checkers", std::vector<std::string>{}), fmt::format("{}:{}", name, n)};
        auto [it, fresh] = seeds.emplace(seed, sl);
        if (!fresh) {
          overlap.insert(seed);
          if (it->second.ok != sl.ok || it->second.hash != sl.hash) conflict.insert(seed);
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
