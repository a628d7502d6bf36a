// sim/nemesis/schedule.cc — drawing a nemesis budget into an explicit fault schedule,
// and the scenario writer (a materialized / shrunk scenario back to a file).
#include <algorithm>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/nemesis/nemesis.h"
#include "sim/scenario/duration.h"

namespace raftlab::nemesis {

using scenario::Fault;
using scenario::FaultKind;
using scenario::format_duration;
using scenario::kPpm;

namespace {

bool takes_members_down(FaultKind k) {
  return k == FaultKind::kCrash || k == FaultKind::kHostDown || k == FaultKind::kTerminate ||
         k == FaultKind::kMemberRemove || k == FaultKind::kMemberAdd;
}

// Faults after whose start a member_add lands at a bad moment: the cluster is cut or a
// member is down, and a leader it lost is being replaced (within ~2 election timeouts).
bool disrupts(FaultKind k) {
  return k == FaultKind::kCrash || k == FaultKind::kHostDown || k == FaultKind::kTerminate ||
         k == FaultKind::kPartition || k == FaultKind::kOneWay || k == FaultKind::kMemberRemove ||
         k == FaultKind::kIsolate;
}

// " 3ms after the next leader change" / "" (crash, isolate, host_down).
std::string leader_change_text(const Fault& f) {
  if (!f.after_leader_change) return "";
  if (f.lag_ns == 0) return " at the next leader change";
  return fmt::format(" {} after the next leader change", format_duration(f.lag_ns));
}

std::string ppm_text(std::int64_t ppm) {
  // Exact decimal of ppm / 1e6 without floating point: "0.2", "1", "0.000001".
  std::string s = fmt::format("{}.{:06d}", ppm / kPpm, ppm % kPpm);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string list_text(const std::vector<std::string>& v) { return v.empty() ? "*" : fmt::format("{}", fmt::join(v, ",")); }

// A random split of `items` into two non-empty sides (items.size() >= 2).
std::pair<std::vector<std::string>, std::vector<std::string>> split_two(sim::Prng& p,
                                                                          const std::vector<std::string>& items) {
  std::vector<bool> side(items.size());
  for (size_t i = 0; i < items.size(); ++i) side[i] = p.chance(1, 2);
  const bool all_same = std::all_of(side.begin(), side.end(), [&](bool b) { return b == side[0]; });
  if (all_same) {
    const auto i = static_cast<size_t>(p.uniform(items.size()));
    side[i] = !side[i];
  }
  std::pair<std::vector<std::string>, std::vector<std::string>> out;
  for (size_t i = 0; i < items.size(); ++i) (side[i] ? out.first : out.second).push_back(items[i]);
  return out;
}

}  // namespace

std::int64_t fault_end_ns(const Fault& f) { return scenario::fault_end_ns(f); }

std::int64_t quiet_at_ns(const scenario::Scenario& s) {
  std::int64_t t = 0;
  for (const auto& f : s.faults) t = std::max(t, nemesis::fault_end_ns(f));
  return t;
}

std::string describe(const Fault& f) {
  std::string dur;
  if (f.duration_ns > 0) dur = fmt::format(" for {}", format_duration(f.duration_ns));
  switch (f.kind) {
    case FaultKind::kCrash:
      if (f.after_leader_change)
        return fmt::format("{} killed{}, until {}{}", f.target, leader_change_text(f), format_duration(f.at_ns + f.duration_ns),
                           f.lose_unsynced ? ", unsynced writes lost" : "");
      return fmt::format("{} killed{}{}", f.target, dur, f.lose_unsynced ? ", unsynced writes lost" : "");
    case FaultKind::kIsolate:
      if (f.after_leader_change)
        return fmt::format("{} isolated from its peers{}, until {}", f.target, leader_change_text(f),
                           format_duration(f.at_ns + f.duration_ns));
      return fmt::format("{} isolated from its peers{}", f.target, dur);
    case FaultKind::kHostDown:
      if (f.after_leader_change)
        return fmt::format("{} down{}, until {}",
                           f.target == scenario::kLeaderTarget ? std::string("the new leader's host") : "host " + f.target,
                           leader_change_text(f), format_duration(f.at_ns + f.duration_ns));
      if (f.target == scenario::kLeaderTarget) return fmt::format("the leader's host down{}", dur);
      return fmt::format("host {} down{}", f.target, dur);
    case FaultKind::kTerminate:
      if (f.duration_ns == 0) return fmt::format("{} instance terminated, data dir gone", f.target);
      return fmt::format("{} instance terminated, data dir gone, a fresh instance starts after {}", f.target,
                         format_duration(f.duration_ns));
    case FaultKind::kPartition: {
      std::string g;
      for (const auto& grp : f.groups) g += fmt::format("[{}]", list_text(grp));
      return fmt::format("{} {}{}", f.host_groups ? "hosts" : "members", g, dur);
    }
    case FaultKind::kOneWay: return fmt::format("{} -> {} dropped{}", list_text(f.from), list_text(f.to), dur);
    case FaultKind::kLoss:
    case FaultKind::kDuplicate:
      return fmt::format("p={} {} -> {}{}", ppm_text(f.probability_ppm), list_text(f.from), list_text(f.to), dur);
    case FaultKind::kReorder:
      return fmt::format("p={} up to {} {} -> {}{}", ppm_text(f.probability_ppm), format_duration(f.delay_ns),
                         list_text(f.from), list_text(f.to), dur);
    case FaultKind::kDelay:
      return fmt::format("+{} {} -> {}{}", format_duration(f.delay_ns), list_text(f.from), list_text(f.to), dur);
    case FaultKind::kClock: return fmt::format("{} ticker rate {}{}", f.target, ppm_text(f.rate_ppm), dur);
    case FaultKind::kSlowFsync: return fmt::format("{} fsync {}{}", f.target, format_duration(f.delay_ns), dur);
    case FaultKind::kMemberRemove: return fmt::format("member remove {}", f.target);
    case FaultKind::kMemberAdd: {
      const char* when = f.after_leader_change ? " after the next leader change" : "";
      if (f.duration_ns == 0) return fmt::format("member add {}{}, never started", f.target, when);
      return fmt::format("member add {}{}, started {} after", f.target, when, format_duration(f.duration_ns));
    }
  }
  return "";
}

std::vector<Fault> draw(const scenario::Scenario& s, std::uint64_t seed) {
  std::vector<Fault> out;
  if (!s.nemesis) return out;
  const scenario::NemesisBudget& b = *s.nemesis;
  if (b.kinds.empty() || b.mean_gap_ns <= 0) return out;
  sim::Prng p = sim::Prng(seed).derive("nemesis");
  // Spares are targets of member_add only; every other kind draws from the members the
  // timeline runs (a spare's host going down counts it once its add has been drawn).
  std::vector<std::string> members, hosts, spares;
  for (const auto& m : s.members) (m.spare ? spares : members).push_back(m.name);
  for (const auto& h : s.hosts) hosts.push_back(h.name);
  std::set<std::string> added;  // spares a member_add has been drawn for
  auto members_on = [&](const std::string& host) {
    std::vector<std::string> v;
    for (const auto& m : s.members)
      if (m.host == host && (!m.spare || added.count(m.name))) v.push_back(m.name);
    return v;
  };
  struct Down {
    std::int64_t from, to;
    std::vector<std::string> members;
  };
  std::vector<Down> downs;
  std::set<std::string> gone;  // terminated: never targeted again
  std::int64_t terminations = 0;
  constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max();
  std::int64_t t = b.start_ns;
  // Bounded: every iteration moves t forward or gives up after max_faults attempts * 4.
  for (std::int64_t attempt = 0; static_cast<std::int64_t>(out.size()) < b.max_faults && attempt < 4 * b.max_faults + 16;
       ++attempt) {
    t += p.between(0, 2 * b.mean_gap_ns);
    if (t >= b.end_ns) break;
    const FaultKind kind = b.kinds[static_cast<size_t>(p.uniform(b.kinds.size()))];
    std::int64_t dur = p.between(b.min_duration_ns, b.max_duration_ns);
    dur = std::min(dur, b.end_ns - t);
    if (dur <= 0) continue;
    Fault f;
    f.at_ns = t;
    f.kind = kind;
    f.duration_ns = dur;
    std::vector<std::string> alive;
    for (const auto& m : members)
      if (!gone.count(m)) alive.push_back(m);
    auto pick = [&](const std::vector<std::string>& from) { return from[static_cast<size_t>(p.uniform(from.size()))]; };
    // A crash or isolate strikes the leader with chance leader_fraction (no draw at all
    // when it is 0, so budgets without it draw as before); half of those wait for the
    // next leader change and strike `lag` after it.
    auto leader_target = [&](Fault& x) {
      if (b.leader_ppm == 0 || !p.chance(static_cast<std::uint64_t>(b.leader_ppm), kPpm)) return false;
      x.target = scenario::kLeaderTarget;
      if (p.chance(1, 2)) {
        x.after_leader_change = true;
        x.lag_ns = p.between(0, std::min(b.leader_lag_max_ns, x.duration_ns - 1));
      }
      return true;
    };
    if (members.empty() && kind != FaultKind::kHostDown && kind != FaultKind::kMemberAdd) continue;
    std::vector<std::string> down;  // members this fault takes down
    std::int64_t down_to = t + dur;
    switch (kind) {
      case FaultKind::kCrash:
        if (alive.empty()) continue;
        if (leader_target(f)) {
          // Counted as one more member down: a leader is never one that is down already.
          down = {fmt::format("leader#{}", out.size())};
        } else {
          f.target = pick(alive);
          down = {f.target};
        }
        f.lose_unsynced = p.chance(static_cast<std::uint64_t>(b.lose_unsynced_ppm), kPpm);
        break;
      case FaultKind::kIsolate:
        if (members.size() < 2) continue;
        if (!leader_target(f)) f.target = pick(members);
        break;
      case FaultKind::kHostDown:
        f.target = pick(hosts);
        down = members_on(f.target);
        break;
      case FaultKind::kTerminate:
        if (alive.empty() || terminations >= b.max_terminations) continue;
        f.target = pick(alive);
        f.duration_ns = 0;
        down = {f.target};
        down_to = kForever;
        break;
      case FaultKind::kMemberRemove:
        if (alive.empty()) continue;
        f.target = pick(alive);
        f.duration_ns = 0;
        down = {f.target};
        down_to = t + b.max_duration_ns;  // counted down while it (maybe) re-joins
        break;
      case FaultKind::kPartition: {
        const bool by_host = hosts.size() >= 2 && p.chance(1, 2);
        if (!by_host && members.size() < 2) continue;
        auto [a, c] = split_two(p, by_host ? hosts : members);
        f.host_groups = by_host;
        f.groups = {a, c};
        break;
      }
      case FaultKind::kOneWay: {
        if (members.size() < 2) continue;
        auto [a, c] = split_two(p, members);
        f.from = a;
        f.to = c;
        break;
      }
      case FaultKind::kLoss:
      case FaultKind::kDuplicate:
      case FaultKind::kReorder:
      case FaultKind::kDelay:
        if (p.chance(1, 2)) f.from = {pick(members)};
        if (kind == FaultKind::kLoss) f.probability_ppm = b.loss_ppm;
        if (kind == FaultKind::kDuplicate) f.probability_ppm = b.duplicate_ppm;
        if (kind == FaultKind::kReorder) {
          f.probability_ppm = b.reorder_ppm;
          f.delay_ns = b.reorder_delay_ns;
        }
        if (kind == FaultKind::kDelay) f.delay_ns = b.delay_ns;
        break;
      case FaultKind::kClock:
        f.target = pick(members);
        f.rate_ppm = b.clock_rates_ppm.empty() ? kPpm : b.clock_rates_ppm[static_cast<size_t>(p.uniform(b.clock_rates_ppm.size()))];
        break;
      case FaultKind::kSlowFsync:
        f.target = pick(members);
        f.delay_ns = b.fsync_latency_ns;
        break;
      case FaultKind::kMemberAdd: {
        std::vector<std::string> unused;
        for (const auto& m : spares)
          if (!added.count(m)) unused.push_back(m);
        if (unused.empty()) continue;
        f.target = pick(unused);
        // The moment, one of three: as drawn; within 2 s after the start of the latest
        // disruptive fault drawn so far (a partition or a member down, while a leader it
        // took away is replaced); or right after the next leader change from the drawn
        // time on (the runner waits for it, at most kLeaderChangeWaitNs).
        const std::uint64_t moment = p.uniform(3);
        if (moment == 1) {
          for (auto it = out.rbegin(); it != out.rend(); ++it) {
            if (!disrupts(it->kind)) continue;
            f.at_ns = it->at_ns + p.between(0, 2'000'000'000);
            break;
          }
        }
        f.after_leader_change = moment == 2;
        if (f.at_ns >= b.end_ns) continue;
        // The new member starts `duration` later, or (a quarter of the time) never.
        f.duration_ns = p.chance(1, 4) ? 0 : std::min(dur, b.end_ns - f.at_ns);
        if (scenario::fault_end_ns(f) > b.end_ns) continue;  // the wait would outlast the window
        down = {f.target};
        down_to = f.duration_ns == 0 ? kForever : scenario::fault_end_ns(f);
        break;
      }
    }
    if (takes_members_down(kind)) {
      // Members down at some instant of [t, down_to): every overlapping outage counts
      // (conservative), plus this fault's.
      std::set<std::string> at_once(down.begin(), down.end());
      for (const auto& d : downs)
        if (d.from < down_to && f.at_ns < d.to) at_once.insert(d.members.begin(), d.members.end());
      if (static_cast<std::int64_t>(at_once.size()) > b.max_down) continue;
      downs.push_back(Down{f.at_ns, down_to, down});
      if (kind == FaultKind::kMemberAdd) added.insert(f.target);
      if (kind == FaultKind::kTerminate) {
        gone.insert(f.target);
        ++terminations;
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

scenario::Scenario materialize(const scenario::Scenario& s, std::uint64_t seed) {
  scenario::Scenario m = s;
  m.seed = seed;
  if (!s.nemesis) return m;
  auto drawn = draw(s, seed);
  for (auto& f : drawn) m.faults.push_back(std::move(f));
  std::stable_sort(m.faults.begin(), m.faults.end(), [](const Fault& a, const Fault& b) { return a.at_ns < b.at_ns; });
  m.nemesis.reset();
  m.has_schedule = true;
  return m;
}

// ---------------------------------------------------------------- the writer

namespace {

using ojson = nlohmann::ordered_json;

ojson ordered(const nlohmann::json& v) { return ojson::parse(v.dump()); }

ojson number_from_ppm(std::int64_t ppm) { return ojson::parse(ppm_text(ppm)); }

ojson fault_json(const Fault& f) {
  ojson j;
  j["at"] = format_duration(f.at_ns);
  j["kind"] = scenario::fault_kind_name(f.kind);
  if (!f.target.empty()) j["target"] = f.target;
  if (f.kind == FaultKind::kPartition) j[f.host_groups ? "hosts" : "members"] = f.groups;
  if (f.kind == FaultKind::kOneWay || !f.from.empty()) j["from"] = f.from;
  if (f.kind == FaultKind::kOneWay || !f.to.empty()) j["to"] = f.to;
  if (f.kind == FaultKind::kLoss || f.kind == FaultKind::kDuplicate || f.kind == FaultKind::kReorder)
    j["probability"] = number_from_ppm(f.probability_ppm);
  if (f.kind == FaultKind::kReorder || f.kind == FaultKind::kDelay) j["delay"] = format_duration(f.delay_ns);
  if (f.kind == FaultKind::kSlowFsync) j["latency"] = format_duration(f.delay_ns);
  if (f.kind == FaultKind::kClock) j["rate"] = number_from_ppm(f.rate_ppm);
  if (f.kind == FaultKind::kCrash) j["lose_unsynced"] = f.lose_unsynced;
  if ((f.kind == FaultKind::kMemberAdd || f.kind == FaultKind::kCrash || f.kind == FaultKind::kIsolate ||
       f.kind == FaultKind::kHostDown) &&
      f.after_leader_change)
    j["after_leader_change"] = true;
  if (f.after_leader_change && f.lag_ns > 0) j["lag"] = format_duration(f.lag_ns);
  if (f.kind != FaultKind::kMemberRemove &&
      (f.duration_ns > 0 || (f.kind != FaultKind::kTerminate && f.kind != FaultKind::kMemberAdd)))
    j["duration"] = format_duration(f.duration_ns);
  if (!f.note.empty()) j["note"] = f.note;
  return j;
}

ojson clients_json(const scenario::ClientWorkload& c) {
  ojson j;
  j["count"] = c.count;
  j["start"] = format_duration(c.start_ns);
  j["end"] = format_duration(c.end_ns);
  j["think"] = ojson{{"min", format_duration(c.min_think_ns)}, {"max", format_duration(c.max_think_ns)}};
  j["keys"] = c.keys;
  j["read_fraction"] = c.read_ppm == 0 ? ojson(0) : number_from_ppm(c.read_ppm);
  j["serializable_fraction"] = c.serializable_ppm == 0 ? ojson(0) : number_from_ppm(c.serializable_ppm);
  j["timeout"] = format_duration(c.timeout_ns);
  j["max_ops"] = c.max_ops;
  if (c.value_bytes > 0) j["value_bytes"] = c.value_bytes;
  if (!c.endpoints.empty()) j["endpoints"] = c.endpoints;
  if (!c.user.empty()) j["user"] = c.user + ":" + c.password;
  return j;
}

// Top-level keys one per line; arrays one element per line (compact JSON each).
std::string pretty(const ojson& root) {
  std::string out = "{\n";
  size_t i = 0;
  for (const auto& [key, value] : root.items()) {
    out += "  " + ojson(key).dump() + ": ";
    if (value.is_array() && !value.empty()) {
      out += "[\n";
      for (size_t k = 0; k < value.size(); ++k) out += "    " + value[k].dump() + (k + 1 < value.size() ? ",\n" : "\n");
      out += "  ]";
    } else {
      out += value.dump();
    }
    out += ++i < root.size() ? ",\n" : "\n";
  }
  return out + "}\n";
}

}  // namespace

std::string write_scenario(const scenario::Scenario& s, const std::string& header) {
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json& src = s.source ? *s.source : empty;
  ojson j;
  j["name"] = s.name;
  j["description"] = s.description;
  j["seed"] = s.seed;
  j["duration"] = format_duration(s.duration_ns);
  if (s.etcd_version) j["etcd_version"] = *s.etcd_version;
  if (s.fsync_latency_ns > 0) j["fsync_latency"] = format_duration(s.fsync_latency_ns);
  if (src.contains("network")) j["network"] = ordered(src.at("network"));
  if (src.contains("hosts")) j["hosts"] = ordered(src.at("hosts"));
  if (src.contains("members")) j["members"] = ordered(src.at("members"));
  if (!s.timeline.empty() && src.contains("timeline")) {
    ojson t = ojson::array();
    for (const auto& e : s.timeline) {
      ojson x = ordered(src.at("timeline").at(e.file_index));
      x["at"] = format_duration(e.at_ns);
      t.push_back(std::move(x));
    }
    j["timeline"] = std::move(t);
  }
  if (s.has_schedule || !s.faults.empty()) {
    ojson f = ojson::array();
    for (const auto& x : s.faults) f.push_back(fault_json(x));
    j["faults"] = std::move(f);
  }
  if (s.nemesis && src.contains("nemesis")) j["nemesis"] = ordered(src.at("nemesis"));
  if (s.clients) j["clients"] = clients_json(*s.clients);
  if (!s.expect.empty() && src.contains("expect")) {
    ojson t = ojson::array();
    for (const auto& e : s.expect) {
      ojson x = ordered(src.at("expect").at(e.file_index));
      x["at"] = format_duration(e.at_ns);
      t.push_back(std::move(x));
    }
    j["expect"] = std::move(t);
  }
  std::string out = header;
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + pretty(j);
}

}  // namespace raftlab::nemesis
