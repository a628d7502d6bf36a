// sim/lab/report.cc — a sweep's output (one JSON line per seed, the summary, the text
// verdicts) and merging the outputs of a sweep's shards.
#include "sim/lab/lab.h"
#include "sim/lab/lab_internal.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <csignal>

#include <fmt/format.h>

#include "sim/check/lab.h"

namespace raftlab::lab {

using detail::seq_count;

std::string signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return fmt::format("signal {}", sig);
  }
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
