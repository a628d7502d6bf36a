// sim/chaos/experiment_stats.cc — the sweep's numbers (experiment.h: Summary): the
// fraction of anomalies with a Wilson 95% interval, time to recovery, unavailability.
#include <algorithm>
#include <cmath>
#include <tuple>

#include "sim/chaos/experiment.h"

namespace raftlab::chaos {

namespace {
// The nearest-rank quantile (q in (0, 1]) of sorted values.
double rank_quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return -1;
  std::size_t i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  i = i == 0 ? 0 : i - 1;
  return sorted[std::min(i, sorted.size() - 1)];
}
}  // namespace

std::pair<double, double> wilson95(std::uint64_t k, std::uint64_t n) {
  if (n == 0) return {0, 1};
  const double z = 1.959963984540054, nn = static_cast<double>(n), p = static_cast<double>(k) / nn;
  const double denom = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Summary summarize(const std::vector<SeedVerdict>& vs) {
  Summary s;
  std::vector<double> ttr, unavail;
  for (const SeedVerdict& v : vs) {
    ++s.seeds;
    if (v.verdict == "as expected") ++s.as_expected;
    else if (v.verdict == "failed") ++s.failed;
    else ++s.anomalies;
    if (v.verdict != "as expected") s.anomaly_seeds.push_back(v.seed);
    if (v.experiment_state == "stopped") ++s.stopped;
    if (!v.safety_checkers.empty()) ++s.safety;
    if (v.fault_start_ns >= 0 && v.baseline_ok) {
      if (v.recovery_ns >= 0) {
        ++s.recovered;
        ttr.push_back(static_cast<double>(v.recovery_ns) / 1e9);
      } else {
        ++s.never_recovered;
      }
    }
    double total = 0;
    for (const Window& w : v.unavailable) total += static_cast<double>(w.to_ns - w.from_ns) / 1e9;
    s.windows += v.unavailable.size();
    unavail.push_back(total);
  }
  std::sort(ttr.begin(), ttr.end());
  std::sort(unavail.begin(), unavail.end());
  s.ttr_p50_s = rank_quantile(ttr, 0.5);
  s.ttr_p99_s = rank_quantile(ttr, 0.99);
  s.ttr_max_s = ttr.empty() ? -1 : ttr.back();
  s.unavail_p50_s = rank_quantile(unavail, 0.5);
  s.unavail_max_s = unavail.empty() ? -1 : unavail.back();
  // Anomalies and failed experiments both count against the hypothesis.
  const std::uint64_t bad = s.anomalies + s.failed;
  s.anomaly_rate = s.seeds ? static_cast<double>(bad) / static_cast<double>(s.seeds) : 0;
  std::tie(s.ci_low, s.ci_high) = wilson95(bad, s.seeds);
  return s;
}

}  // namespace raftlab::chaos
