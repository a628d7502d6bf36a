// The scenario loader's fault lab part: explicit faults, spare members, the nemesis
// budget and the client workload (loader_impl.h; scenarios/README.md "Faults",
// "Nemesis", "Clients").
#include "sim/scenario/loader_impl.h"

#include <algorithm>

#include "sim/scenario/duration.h"

namespace raftlab::scenario::detail {
namespace {

const Keys kFaultKeys = {"at",   "kind", "target", "duration", "lose_unsynced", "hosts", "members",
                         "from", "to",   "probability", "delay", "latency", "rate", "note",
                         "after_leader_change", "lag"};
const Keys kNemesisKeys = {"kinds",        "start",      "end",          "mean_gap",      "min_duration",
                           "max_duration", "max_down",   "max_faults",   "max_terminations", "lose_unsynced",
                           "loss",         "duplicate",  "reorder",      "reorder_delay", "delay",
                           "clock_rates",  "slow_fsync", "leader_fraction", "leader_lag_max"};
const Keys kClientKeys = {"count", "start", "end", "think", "keys", "read_fraction", "serializable_fraction",
                          "timeout", "max_ops", "value_bytes", "endpoints", "user"};
constexpr int64_t kMaxClients = 1000;
constexpr int64_t kMaxOpsPerClient = 1'000'000;
// clients.value_bytes: a put must fit etcd's default --max-request-bytes (1.5 MiB =
// 1,572,864) with its key and request header (= etcd::kMaxDeclaredValueBytes).
constexpr int64_t kMaxValueBytes = 1'500'000;

}  // namespace

std::optional<int64_t> Loader::ppm_at(const json& v, const std::string& path, int64_t max_ppm, const char* what) {
  const double max = static_cast<double>(max_ppm) / static_cast<double>(kPpm);
  if (!v.is_number()) {
    error(path, std::string("expected ") + what + " as a number, got " + type_name(v),
          v.is_string() ? "write the number without quotes, e.g. 0.2" : "write e.g. 0.2");
    return std::nullopt;
  }
  const double d = v.get<double>();
  // Read once into parts per million; the simulator uses only the integer.
  if (!(d > 0) || d > max) {
    error(path, std::string(what) + " " + v.dump() + " is out of range", "write a number above 0 and at most " +
                                                                         json(max).dump());
    return std::nullopt;
  }
  const auto ppm = static_cast<int64_t>(d * static_cast<double>(kPpm) + 0.5);
  if (ppm < 1) {
    error(path, std::string(what) + " " + v.dump() + " is below one in a million", "write at least 0.000001");
    return std::nullopt;
  }
  return ppm;
}

std::optional<int64_t> Loader::ppm_field(const json& obj, const std::string& path, const char* key, bool required,
                                         int64_t max_ppm, const char* what) {
  const json* v = field(obj, path, key, required);
  if (v == nullptr) return std::nullopt;
  return ppm_at(*v, child_path(path, key), max_ppm, what);
}

std::optional<int64_t> Loader::fraction_or_zero(const json& v, const std::string& path, const char* what) {
  if (v.is_number() && v.get<double>() == 0) return 0;
  return ppm_at(v, path, kPpm, what);
}

std::optional<std::vector<std::string>> Loader::member_set_at(const json& v, const std::string& path,
                                                              bool allow_empty) {
  if (!v.is_array()) {
    error(path, std::string("expected a list of member names, got ") + type_name(v), "write e.g. [\"etcd1\", \"etcd2\"]");
    return std::nullopt;
  }
  if (v.empty() && allow_empty) return std::vector<std::string>{};
  return member_list_at(v, path);
}

std::optional<Fault> Loader::fault(const json& v, const std::string& path) {
  if (!is_object(v, path, "a fault")) return std::nullopt;
  check_keys(v, path, kFaultKeys);
  const size_t errors_before = error_count();
  Fault f;
  f.path = path;
  if (const auto note = string_field(v, path, "note", false, false)) f.note = *note;
  const auto at = duration_field(v, path, "at", true);
  const auto kind_text = string_field(v, path, "kind", true);
  if (!kind_text) return std::nullopt;
  const auto kind = fault_kind_at(*kind_text, child_path(path, "kind"));
  if (!kind) return std::nullopt;
  f.kind = *kind;
  const FaultKind k = *kind;
  // Which keys each kind takes (besides at, kind, note); README table "Faults".
  Keys takes;
  switch (k) {
    case FaultKind::kCrash: takes = {"target", "duration", "lose_unsynced", "after_leader_change", "lag"}; break;
    case FaultKind::kIsolate: takes = {"target", "duration", "after_leader_change", "lag"}; break;
    case FaultKind::kHostDown: takes = {"target", "duration", "after_leader_change", "lag"}; break;
    case FaultKind::kTerminate: takes = {"target", "duration"}; break;
    case FaultKind::kPartition: takes = {"hosts", "members", "duration"}; break;
    case FaultKind::kOneWay: takes = {"from", "to", "duration"}; break;
    case FaultKind::kLoss:
    case FaultKind::kDuplicate: takes = {"probability", "from", "to", "duration"}; break;
    case FaultKind::kReorder: takes = {"probability", "delay", "from", "to", "duration"}; break;
    case FaultKind::kDelay: takes = {"delay", "from", "to", "duration"}; break;
    case FaultKind::kClock: takes = {"target", "rate", "duration"}; break;
    case FaultKind::kSlowFsync: takes = {"target", "latency", "duration"}; break;
    case FaultKind::kMemberRemove: takes = {"target"}; break;
    case FaultKind::kMemberAdd: takes = {"target", "duration", "after_leader_change"}; break;
  }
  for (const auto& [key, value] : v.items()) {
    (void)value;
    if (key == "at" || key == "kind" || key == "note") continue;
    if (std::find(kFaultKeys.begin(), kFaultKeys.end(), key) == kFaultKeys.end()) continue;  // reported above
    if (std::find(takes.begin(), takes.end(), key) == takes.end()) {
      error(child_path(path, key), "a " + q(*kind_text) + " fault has no " + q(key),
            "remove it; " + q(*kind_text) + " takes " + join(takes, 20));
    }
  }
  auto has = [&](const char* key) { return v.contains(key) && std::find(takes.begin(), takes.end(), key) != takes.end(); };
  // target
  if (std::find(takes.begin(), takes.end(), "target") != takes.end()) {
    const std::string tp = child_path(path, "target");
    if (const auto t = string_field(v, path, "target", true)) {
      if (k == FaultKind::kHostDown && *t == kLeaderTarget) {
        leader_host_not_a_host_name(tp);
        f.target = *t;  // the host of whichever member leads when it begins
      } else if (k == FaultKind::kHostDown) {
        if (known_host(*t, tp)) f.target = *t;
      } else if ((k == FaultKind::kCrash || k == FaultKind::kIsolate) && *t == kLeaderTarget) {
        if (member_names_set_.count(*t))
          error(tp, "\"leader\" here means whichever member leads, and a member is also named \"leader\"",
                "rename that member");
        f.target = *t;
      } else if (known_member(*t, tp)) {
        f.target = *t;
      }
    }
  }
  // duration
  const bool needs_duration =
      k != FaultKind::kTerminate && k != FaultKind::kMemberRemove && k != FaultKind::kMemberAdd;
  if (has("duration") || needs_duration) {
    if (const auto d = duration_field(v, path, "duration", needs_duration)) {
      if (*d == 0 && needs_duration) {
        error(child_path(path, "duration"), "a fault lasting 0s does nothing", "give a positive duration, e.g. \"3s\"");
      }
      if (*d == 0 && k == FaultKind::kMemberAdd) {
        error(child_path(path, "duration"), "a member_add's duration is when the spare starts; 0s is ambiguous",
              "give a positive delay (e.g. \"1ms\" to start it right after the add), or leave \"duration\" out "
              "for a spare that never starts");
      }
      f.duration_ns = *d;
    }
  }
  if (has("lose_unsynced")) {
    if (const auto b = bool_field(v, path, "lose_unsynced")) f.lose_unsynced = *b;
  }
  if (has("after_leader_change")) {
    if (const auto b = bool_field(v, path, "after_leader_change")) f.after_leader_change = *b;
  }
  if (has("lag")) {
    if (const auto d = duration_field(v, path, "lag", false)) {
      if (!f.after_leader_change)
        error(child_path(path, "lag"), "\"lag\" is the time from a leader change to the fault, and this fault has no "
                                       "\"after_leader_change\": true",
              "add \"after_leader_change\": true, or remove \"lag\"");
      else if (f.duration_ns > 0 && *d >= f.duration_ns)
        error(child_path(path, "lag"), "a lag of " + format_duration(*d) + " leaves nothing of the fault's " +
                                           format_duration(f.duration_ns) + " (it lasts until at + duration)",
              "make \"lag\" shorter than \"duration\"");
      else
        f.lag_ns = *d;
    }
  }
  if (k == FaultKind::kPartition) fault_partition(v, path, f);
  for (const char* side : {"from", "to"}) {
    if (std::find(takes.begin(), takes.end(), side) == takes.end()) continue;
    const bool required = k == FaultKind::kOneWay;
    const json* s = field(v, path, side, required);
    if (s == nullptr) continue;
    auto names = member_set_at(*s, child_path(path, side), !required);
    if (names) (side[0] == 'f' ? f.from : f.to) = std::move(*names);
  }
  if (std::find(takes.begin(), takes.end(), "probability") != takes.end()) {
    if (const auto p = ppm_field(v, path, "probability", true, kPpm, "a probability")) f.probability_ppm = *p;
  }
  if (k == FaultKind::kReorder || k == FaultKind::kDelay) {
    if (const auto d = duration_field(v, path, "delay", k == FaultKind::kDelay)) {
      f.delay_ns = *d;
    } else if (k == FaultKind::kReorder && !v.contains("delay")) {
      f.delay_ns = 20'000'000;
    }
    if (v.contains("delay") && f.delay_ns == 0)
      error(child_path(path, "delay"), "a delay of 0s does nothing", "give a positive duration, e.g. \"200ms\"");
  }
  if (k == FaultKind::kSlowFsync) {
    if (const auto d = duration_field(v, path, "latency", true)) f.delay_ns = *d;
  }
  if (k == FaultKind::kClock) {
    if (const json* r = field(v, path, "rate", true)) {
      const std::string rp = child_path(path, "rate");
      if (r->is_number() && r->get<double>() < 0.1) {
        error(rp, "rate " + r->dump() + " is below 0.1", "write a rate from 0.1 (ten times slower) to 10");
      } else if (auto ppm = ppm_at(*r, rp, 10 * kPpm, "a rate")) {
        f.rate_ppm = *ppm;
      }
    }
  }
  if (!at || error_count() != errors_before) return std::nullopt;
  f.at_ns = *at;
  return f;
}

// A partition fault's groups: "hosts" or "members", each a list of names in one group only.
void Loader::fault_partition(const json& v, const std::string& path, Fault& f) {
  const bool h = v.contains("hosts"), m = v.contains("members");
  if (h == m) {
    error(path, h ? "a partition has both \"hosts\" and \"members\"" : "a partition needs \"hosts\" or \"members\"",
          "write \"hosts\": [[\"A\"], [\"B\"]] (host groups) or \"members\": [[\"etcd1\"], [\"etcd2\", \"etcd3\"]]");
  } else {
    f.host_groups = h;
    const std::string gp = child_path(path, h ? "hosts" : "members");
    const json& g = v.at(h ? "hosts" : "members");
    if (!g.is_array() || g.empty()) {
      error(gp, "expected a non-empty list of groups", h ? "write e.g. [[\"A\"], [\"B\"]]" : "write e.g. [[\"etcd1\"], [\"etcd2\"]]");
    } else {
      std::set<std::string> seen;
      for (size_t i = 0; i < g.size(); ++i) {
        const std::string ip = index_path(gp, i);
        auto names = string_list_at(g[i], ip);
        if (!names) continue;
        if (names->empty()) {
          error(ip, "empty group", "name at least one per group");
          continue;
        }
        for (size_t j = 0; j < names->size(); ++j) {
          const std::string np = g[i].is_array() ? index_path(ip, j) : ip;
          const std::string& n = (*names)[j];
          if (h ? !known_host(n, np) : !known_member(n, np)) continue;
          if (!seen.insert(n).second) error(np, q(n) + " is in two groups", "put each in one group only");
        }
        f.groups.push_back(std::move(*names));
      }
    }
  }
}

// Spare members (`"spare": true`) are started only by a member_add fault, and a
// member_add names a spare (scenarios/README.md, "member_add").
void Loader::spares(const Scenario& s) {
  std::set<std::string> spare;
  std::map<std::string, std::string> path_of;
  for (const Member& m : s.members) {
    path_of[m.name] = m.path;
    if (m.spare) spare.insert(m.name);
  }
  const std::string spare_fix = "a spare is started only by a \"member_add\" fault; remove it here, or drop \"spare\": true";
  for (const TimelineEntry& t : s.timeline) {
    if (const auto* p = std::get_if<ProcessAction>(&t.action)) {
      if (p->op != ProcessOp::kStart && p->op != ProcessOp::kRestart) continue;
      const char* key = p->op == ProcessOp::kStart ? "start" : "restart";
      for (const auto& n : p->members)
        if (spare.count(n)) error(child_path(t.path, key), "member " + q(n) + " is a spare", spare_fix);
    } else if (const auto* r = std::get_if<RunAction>(&t.action)) {
      if (spare.count(r->member)) error(child_path(child_path(t.path, "run"), "member"), "member " + q(r->member) + " is a spare", spare_fix);
    }
  }
  for (const Fault& f : s.faults) {
    if (f.kind != FaultKind::kMemberAdd || f.target.empty() || spare.count(f.target)) continue;
    error(child_path(f.path, "target"), "member_add needs a spare member, and " + q(f.target) + " is not one",
          "add \"spare\": true to " + path_of[f.target] +
              " (a member the timeline never starts, whose definition joins with the variables `member add` prints)");
  }
  if (s.nemesis && spare.empty()) {
    const auto& k = s.nemesis->kinds;
    const auto it = std::find(k.begin(), k.end(), FaultKind::kMemberAdd);
    if (it != k.end())
      error(index_path(child_path(s.nemesis->path, "kinds"), static_cast<size_t>(it - k.begin())),
            "member_add needs a spare member to add, and no member has \"spare\": true",
            "add a member with \"spare\": true (see scenarios/README.md, \"member_add\"), or remove \"member_add\"");
  }
}

std::optional<NemesisBudget> Loader::nemesis(const json& v, const std::string& path) {
  if (!is_object(v, path, "\"nemesis\"")) return std::nullopt;
  check_keys(v, path, kNemesisKeys);
  const size_t errors_before = error_count();
  NemesisBudget b;
  b.path = path;
  if (const json* kinds = field(v, path, "kinds", true)) {
    const std::string kp = child_path(path, "kinds");
    auto names = string_list_at(*kinds, kp);
    if (names && names->empty()) error(kp, "no fault kinds", "list at least one, e.g. [\"crash\", \"partition\"]");
    if (names) {
      for (size_t i = 0; i < names->size(); ++i) {
        const std::string np = kinds->is_array() ? index_path(kp, i) : kp;
        const auto kind = fault_kind_at((*names)[i], np);
        if (!kind) {
          continue;
        } else if (std::find(b.kinds.begin(), b.kinds.end(), *kind) != b.kinds.end()) {
          error(np, "fault kind " + q((*names)[i]) + " is listed twice", "list each kind once");
        } else {
          b.kinds.push_back(*kind);
        }
      }
    }
  }
  if (const auto d = duration_field(v, path, "start", false)) b.start_ns = *d;
  if (const auto d = duration_field(v, path, "end", true)) b.end_ns = *d;
  if (b.end_ns <= b.start_ns && v.contains("end"))
    error(child_path(path, "end"), "the window ends at " + format_duration(b.end_ns) + ", not after its start " +
                                       format_duration(b.start_ns), "make \"end\" later than \"start\"");
  if (const auto d = duration_field(v, path, "mean_gap", true)) {
    if (*d == 0) error(child_path(path, "mean_gap"), "a mean gap of 0s", "give a positive duration, e.g. \"3s\"");
    b.mean_gap_ns = *d;
  }
  if (const auto d = duration_field(v, path, "min_duration", false)) b.min_duration_ns = *d;
  if (const auto d = duration_field(v, path, "max_duration", true)) {
    if (*d == 0) error(child_path(path, "max_duration"), "faults lasting 0s do nothing", "give e.g. \"5s\"");
    b.max_duration_ns = *d;
  }
  if (b.min_duration_ns > b.max_duration_ns && v.contains("max_duration"))
    error(child_path(path, "min_duration"), "min_duration " + format_duration(b.min_duration_ns) +
                                                " is greater than max_duration " + format_duration(b.max_duration_ns),
          "swap them");
  if (const auto n = count_field(v, path, "max_down")) b.max_down = *n;
  if (const auto n = count_field(v, path, "max_faults")) {
    if (*n > 10'000) error(child_path(path, "max_faults"), "at most 10000 faults per run", "lower it");
    b.max_faults = *n;
  }
  if (const auto n = count_field(v, path, "max_terminations")) b.max_terminations = *n;
  if (const json* p = field(v, path, "lose_unsynced", false)) {
    // 0 is allowed here: crashes never lose unsynced writes.
    if (auto ppm = fraction_or_zero(*p, child_path(path, "lose_unsynced"), "a probability")) b.lose_unsynced_ppm = *ppm;
  }
  if (const auto p = ppm_field(v, path, "loss", false, kPpm, "a probability")) b.loss_ppm = *p;
  if (const auto p = ppm_field(v, path, "duplicate", false, kPpm, "a probability")) b.duplicate_ppm = *p;
  if (const auto p = ppm_field(v, path, "reorder", false, kPpm, "a probability")) b.reorder_ppm = *p;
  if (const auto d = duration_field(v, path, "reorder_delay", false)) b.reorder_delay_ns = std::max<int64_t>(*d, 1);
  if (const auto d = duration_field(v, path, "delay", false)) b.delay_ns = std::max<int64_t>(*d, 1);
  if (const auto d = duration_field(v, path, "slow_fsync", false)) b.fsync_latency_ns = *d;
  if (const json* r = field(v, path, "clock_rates", false)) {
    const std::string rp = child_path(path, "clock_rates");
    if (!r->is_array() || r->empty() || r->size() > 100) {
      error(rp, "expected a list of 1 to 100 rates", "write e.g. [0.5, 2]");
    } else {
      b.clock_rates_ppm.clear();
      for (size_t i = 0; i < r->size(); ++i) {
        const std::string ip = index_path(rp, i);
        if ((*r)[i].is_number() && (*r)[i].get<double>() < 0.1) {
          error(ip, "rate " + (*r)[i].dump() + " is below 0.1", "write rates from 0.1 to 10");
        } else if (auto ppm = ppm_at((*r)[i], ip, 10 * kPpm, "a rate")) {
          b.clock_rates_ppm.push_back(*ppm);
        }
      }
    }
  }
  if (const json* p = field(v, path, "leader_fraction", false)) {
    const std::string lp = child_path(path, "leader_fraction");
    const auto ppm = fraction_or_zero(*p, lp, "a fraction");
    if (ppm) b.leader_ppm = *ppm;
    if (ppm && *ppm > 0) {
      const bool any = std::find(b.kinds.begin(), b.kinds.end(), FaultKind::kCrash) != b.kinds.end() ||
                       std::find(b.kinds.begin(), b.kinds.end(), FaultKind::kIsolate) != b.kinds.end();
      if (!any && !b.kinds.empty())
        error(lp, "leader_fraction picks which crash or isolate faults strike the leader, and \"kinds\" has neither",
              "add \"crash\" or \"isolate\" to \"kinds\", or remove \"leader_fraction\"");
    }
  }
  if (const auto d = duration_field(v, path, "leader_lag_max", false)) b.leader_lag_max_ns = *d;
  if (error_count() != errors_before || b.kinds.empty()) return std::nullopt;
  return b;
}

std::optional<ClientWorkload> Loader::clients(const json& v, const std::string& path) {
  if (!is_object(v, path, "\"clients\"")) return std::nullopt;
  check_keys(v, path, kClientKeys);
  const size_t errors_before = error_count();
  ClientWorkload c;
  c.path = path;
  if (const auto n = count_field(v, path, "count")) {
    if (*n < 1 || *n > kMaxClients)
      error(child_path(path, "count"), "expected 1 to " + std::to_string(kMaxClients) + " clients", "change the count");
    c.count = *n;
  } else if (!v.contains("count")) {
    error(path, "missing required key \"count\"", "write e.g. \"count\": 4");
  }
  if (const auto d = duration_field(v, path, "start", false)) c.start_ns = *d;
  if (const auto d = duration_field(v, path, "end", true)) c.end_ns = *d;
  if (c.end_ns <= c.start_ns && v.contains("end"))
    error(child_path(path, "end"), "the workload ends at " + format_duration(c.end_ns) + ", not after its start " +
                                       format_duration(c.start_ns), "make \"end\" later than \"start\"");
  c.min_think_ns = c.max_think_ns = 10'000'000;  // 10ms
  if (const json* t = field(v, path, "think", false)) {
    const std::string tp = child_path(path, "think");
    if (t->is_string()) {
      if (auto d = duration_at(*t, tp)) c.min_think_ns = c.max_think_ns = *d;
    } else if (auto r = latency(*t, tp)) {
      c.min_think_ns = r->min_ns;
      c.max_think_ns = r->max_ns;
    }
  }
  if (const auto n = count_field(v, path, "keys")) {
    if (*n < 1) error(child_path(path, "keys"), "at least one key", "write e.g. \"keys\": 5");
    c.keys = *n;
  } else {
    c.keys = 5;
  }
  user_field(v, path, &c.user, &c.password);  // the token is made once; only the name rides on each op
  if (const json* r = field(v, path, "read_fraction", false)) {
    if (auto p = fraction_or_zero(*r, child_path(path, "read_fraction"), "a fraction")) c.read_ppm = *p;
  }
  if (const json* r = field(v, path, "serializable_fraction", false)) {
    if (auto p = fraction_or_zero(*r, child_path(path, "serializable_fraction"), "a fraction")) c.serializable_ppm = *p;
  }
  c.timeout_ns = 2 * kNanosPerSecond;
  if (const auto d = duration_field(v, path, "timeout", false)) {
    if (*d == 0) error(child_path(path, "timeout"), "a timeout of 0s fails every operation", "give e.g. \"2s\"");
    c.timeout_ns = *d;
  }
  if (const json* m = field(v, path, "max_ops", false)) {
    const std::string mp = child_path(path, "max_ops");
    if (!m->is_number_unsigned() || m->get<uint64_t>() > static_cast<uint64_t>(kMaxOpsPerClient)) {
      error(mp, "expected a whole number from 0 (unlimited) to " + std::to_string(kMaxOpsPerClient), "");
    } else {
      c.max_ops = static_cast<int64_t>(m->get<uint64_t>());
    }
  }
  if (const json* b = field(v, path, "value_bytes", false)) {
    if (!b->is_number_unsigned() || b->get<uint64_t>() > static_cast<uint64_t>(kMaxValueBytes)) {
      error(child_path(path, "value_bytes"),
            "expected a whole number of bytes from 0 (short values) to " + std::to_string(kMaxValueBytes),
            "etcd refuses a request over --max-request-bytes (default 1.5 MiB); write e.g. 1100000 for values "
            "just over 1 MiB");
    } else {
      c.value_bytes = static_cast<int64_t>(b->get<uint64_t>());
    }
  }
  if (const json* e = field(v, path, "endpoints", false)) {
    // Member names, or URLs (a load balancer's, as in a cloud scenario's clients).
    const bool urls = e->is_array() && !e->empty() && std::all_of(e->begin(), e->end(), [](const json& x) {
      return x.is_string() && (x.get<std::string>().rfind("http://", 0) == 0 || x.get<std::string>().rfind("https://", 0) == 0);
    });
    if (urls) {
      for (const json& x : *e) c.endpoints.push_back(x.get<std::string>());
    } else if (auto names = member_set_at(*e, child_path(path, "endpoints"), false)) {
      c.endpoints = std::move(*names);
    }
  }
  if (error_count() != errors_before) return std::nullopt;
  return c;
}

}  // namespace raftlab::scenario::detail
