// tools/real/sim_side.h — `raftlab diff`'s simulation side: the loopback scenario run in
// raftlab up to every observation time, observed as compare.h's Obs, plus the outcomes of
// the expectations' put/get and the timeline's state-changing etcdctl calls.
//
//   SimSide sim = run_sim(loopback_scenario_ptr, {4'000'000'000, 30'000'000'000});
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "sim/scenario/scenario.h"
#include "tools/real/compare.h"

namespace raftlab::real::diffing {

struct SimSide {
  std::map<std::int64_t, Obs> points;
  std::map<std::string, ProbeOutcome> expect_probes;  // "$.expect[i]/put" -> outcome
  std::map<std::string, ProbeOutcome> timeline_probes;  // "$.timeline[i]" -> outcome
  std::map<std::string, std::string> endpoints;        // member -> client URL
  // Per observation time, the distinct leader sets ("e1", "e1 e4", "none") of the
  // scenario's seed and of seeds 1..leader_seeds: one set = which member leads is
  // determined by the scenario, not by an election's randomised timeouts.
  std::map<std::int64_t, std::set<std::string>> leader_sets;
  // Fault index -> the member (or host) it struck; "" = nothing done (no leader).
  std::map<std::uint64_t, std::string> fault_struck;
  // The DNS the members resolved through at the end: the scenario's `dns` and, with a
  // `cloud` part, its template's Route 53 A/SRV records (what the real side must serve).
  std::optional<scenario::Dns> dns;
  // With a `cloud` part: what it made besides DNS records ("" = nothing: it can be
  // compared), e.g. "2 hosts (instances, load balancers)".
  std::string cloud_made;
};

std::string leader_text(const Obs& o);

SimSide run_sim(const std::shared_ptr<const scenario::Scenario>& s, const std::vector<std::int64_t>& points,
                int leader_seeds = 5);

}  // namespace raftlab::real::diffing
