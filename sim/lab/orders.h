// sim/lab/orders.h — bootstrap orders: every start order of a scenario's members combined
// with start-gap classes, run and summarised (`raftlab orders`).
//
// The scenario's first `start` of each member (its timeline `start` entries) is removed
// and replaced by one start per member at T0 + k * gap in the chosen order, T0 being the
// earliest original start. Everything else in the timeline (etcdctl calls, later
// restarts, faults) is kept; expectations are dropped (the outcome is what we measure);
// the run lasts at least until the last start plus `settle`.
//
// Gap classes (E = the election timeout, etcd's default 1 s unless given):
//   together  all members at T0, in this order within the same instant
//   within    consecutive starts E/2 apart (inside one election timeout)
//   beyond    consecutive starts 2E apart (beyond one election timeout)
//   missing   the order's last member is never started; the others start together
//
// Must never: change anything but the start entries; depend on thread count (results are
// per (order, class) and ordered).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/scenario.h"

namespace raftlab::lab {

enum class GapClass { kTogether, kWithin, kBeyond, kMissing };
const char* gap_name(GapClass g);

struct OrdersOptions {
  std::int64_t election_timeout_ns = 1'000'000'000;
  std::int64_t settle_ns = 10'000'000'000;
  unsigned jobs = 1;
  std::vector<GapClass> classes = {GapClass::kTogether, GapClass::kWithin, GapClass::kBeyond, GapClass::kMissing};
};

struct OrderOutcome {
  GapClass gap = GapClass::kTogether;
  std::vector<std::string> order;  // members in start order (for kMissing the last is never started)
  std::size_t clusters = 0;        // at the end of the run
  std::size_t leaders = 0;
  bool quorum = false;
  std::int64_t first_leader_ns = -1;  // after T0; -1: no leader ever
  std::size_t cluster_ids_seen = 0;   // distinct clusters that ever bootstrapped
  std::string error;                  // the run could not be built
  [[nodiscard]] bool split() const { return clusters > 1 || cluster_ids_seen > 1; }
};

// Outcomes with the same (gap, clusters, leaders, quorum, split) grouped.
struct OrderGroup {
  GapClass gap = GapClass::kTogether;
  std::size_t clusters = 0, leaders = 0, cluster_ids_seen = 0;
  bool quorum = false;
  std::vector<std::size_t> runs;  // indexes into OrdersReport::runs
  std::int64_t first_leader_min = -1, first_leader_max = -1;
  std::size_t never_led = 0;
};

struct OrdersReport {
  std::string scenario;
  std::vector<std::string> members;  // those with a start entry, in file order
  std::int64_t t0_ns = 0;
  std::int64_t election_timeout_ns = 0;
  std::vector<OrderOutcome> runs;  // class-major, orders in lexicographic order of member index
  std::vector<OrderGroup> groups;
};

// The members whose first `start` this rewrites (file order), and T0. Empty: none.
std::vector<std::string> started_members(const scenario::Scenario& s, std::int64_t* t0_ns);

// The scenario with the members' first starts replaced (see above).
scenario::Scenario with_start_order(const scenario::Scenario& s, const std::vector<std::string>& order, GapClass gap,
                                    const OrdersOptions& o);

// Bounded: at most 8 members (8! = 40,320 orders per class). Returns nullopt with *error.
std::optional<OrdersReport> run_orders(const scenario::Scenario& s, const OrdersOptions& o, std::string* error);

std::string orders_table(const OrdersReport& r);
nlohmann::ordered_json orders_json(const OrdersReport& r);

}  // namespace raftlab::lab
