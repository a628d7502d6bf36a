#include "sim/check/lab.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "sim/check/checker.h"
#include "sim/check/durable_log.h"
#include "sim/check/trace_checks.h"

namespace raftlab::check {

namespace {

// The KV history (kv_history()'s rules) built event by event, split by key as it goes,
// without the trace: per key its ops in call order, a request's op filled in when its
// client_done arrives.
class Linearizability final : public detail::Checker {
 public:
  Linearizability(const CheckOptions& opts, LinReport* report) : opts_(opts.linearizability), report_(report) {}
  void on(const sim::TraceEvent& e) override {
    const bool names_cluster = e.kind == sim::Ev::Bootstrap || e.kind == sim::Ev::Role || e.kind == sim::Ev::Apply;
    if (names_cluster && e.cluster_id != 0 && e.cluster_id != last_cluster_) {
      clusters_.insert(e.cluster_id);
      last_cluster_ = e.cluster_id;
    }
    if (e.kind == sim::Ev::ClientCall) {
      if (e.a == "get-s") {
        ++serializable_gets_;
        return;
      }
      if (e.a != "put" && e.a != "get") return;
      auto [k, fresh] = key_ids_.try_emplace(e.b, static_cast<std::uint32_t>(keys_.size()));
      if (fresh) keys_.emplace_back();
      Op op;
      op.id = e.index;
      op.client = e.peer;
      op.put = e.a == "put";
      if (op.put) op.value = e.c;
      op.call_ns = e.at.ns;
      op.ret_ns = kNever;
      op.endpoint = endpoints_.id(e.who);
      std::vector<Op>& ops = keys_[k->second];
      open_[e.index] = {k->second, ops.size()};
      ops.push_back(std::move(op));
    } else if (e.kind == sim::Ev::ClientDone) {
      auto it = open_.find(e.index);
      if (it == open_.end()) return;
      Op& op = keys_[it->second.first][it->second.second];
      open_.erase(it);
      op.done = true;
      if (e.a == "ok") {
        op.ret_ns = e.at.ns;
        if (!op.put) {
          op.found = e.b == "found";
          if (op.found) op.value = e.c;
        }
      } else if (!op.put) {
        op.ret_ns = -1;  // a failed get, dropped
      }
    }
  }
  std::vector<Violation> finish(CheckerStats* stats) override;

 private:
  struct Op {
    std::uint64_t id = 0, client = 0;
    std::int64_t call_ns = 0, ret_ns = 0;
    std::string value;
    std::size_t endpoint = 0;  // Names id
    bool put = false, found = false, done = false;
  };
  LinOptions opts_;
  LinReport* report_;
  std::set<std::uint64_t> clusters_;
  std::uint64_t last_cluster_ = 0;
  std::uint64_t serializable_gets_ = 0;
  std::map<std::string, std::uint32_t> key_ids_;
  std::vector<std::vector<Op>> keys_;
  detail::Names endpoints_;
  std::unordered_map<std::uint64_t, std::pair<std::uint32_t, std::size_t>> open_;  // request -> (key, slot)
};

std::vector<Violation> Linearizability::finish(CheckerStats* stats) {
  std::vector<Violation> out;
  CheckerStats local;
  CheckerStats& st = stats ? *stats : local;
  st.name = "linearizability";
  if (clusters_.size() > 1) {
    // client_done does not name the cluster that answered: one register history across
    // independent clusters would be judged against a model that does not apply.
    st.note = fmt::format("{} clusters in the trace: client history not attributable, not judged", clusters_.size());
    return out;
  }
  // One key at a time: its ops as KvOps, judged, freed (keys in key order, as
  // check_linearizability's by-key map).
  LinReport r;
  for (const auto& [key, id] : key_ids_) {
    std::vector<Op>& ops = keys_[id];
    std::vector<KvOp> kept;
    for (Op& o : ops) {
      if (!o.put && (o.ret_ns == -1 || !o.done)) continue;  // failed gets observed nothing
      KvOp op;
      op.id = o.id;
      op.client = o.client;
      op.kind = o.put ? KvOp::Kind::Put : KvOp::Kind::Get;
      op.key = key;
      op.value = std::move(o.value);
      op.found = o.found;
      op.call_ns = o.call_ns;
      op.ret_ns = o.ret_ns;
      op.endpoint = std::string(endpoints_.name(o.endpoint));
      kept.push_back(std::move(op));
    }
    std::vector<Op>().swap(ops);
    if (!kept.empty()) check_key(r, key, kept, opts_);
  }
  st.checked = r.ops;
  if (r.result == LinResult::Unknown) {
    st.unknown = true;
    st.note = fmt::format("search budget ({} states per key) exhausted on key(s) {}", opts_.budget_states,
                          fmt::join(r.unknown_keys, ","));
  } else if (r.ops == 0) {
    st.note = "no puts or linearizable gets";
  }
  if (r.result == LinResult::Violation) {
    Violation v;
    v.checker = "linearizability";
    v.at_ns = r.at_ns;
    v.cluster_id = clusters_.empty() ? 0 : *clusters_.begin();
    std::set<std::string> eps;
    for (const KvOp& op : r.evidence_ops) eps.insert(op.endpoint);
    v.members.assign(eps.begin(), eps.end());
    v.evidence = r.evidence;
    out.push_back(std::move(v));
  }
  st.violations = out.size();
  if (report_) *report_ = std::move(r);
  return out;
}

}  // namespace

std::unique_ptr<detail::Checker> detail::make_linearizability(const CheckOptions& opts, LinReport* report) {
  return std::make_unique<Linearizability>(opts, report);
}

std::vector<Violation> check_linearizable(const std::vector<sim::TraceEvent>& events, const CheckOptions& opts,
                                          LinReport* report, CheckerStats* stats) {
  Linearizability c(opts, report);
  return detail::run(c, events, stats);
}

struct LabChecker::Parts {
  explicit Parts(const CheckOptions& o) : opts(o) {}
  CheckOptions opts;
  LinReport lin;
  std::vector<std::unique_ptr<detail::Checker>> before;  // election .. leader completeness
  std::unique_ptr<detail::StreamingDurability> durability;
  std::vector<std::unique_ptr<detail::Checker>> after;   // linearizability .. expectations
  std::uint64_t events = 0, client_calls = 0, max_client_calls = 0;
  std::unordered_map<std::uint64_t, std::uint64_t> per_client;
};

LabChecker::LabChecker(const CheckOptions& opts) : p_(std::make_unique<Parts>(opts)) {
  p_->before.push_back(detail::make_election_safety());
  p_->before.push_back(detail::make_state_machine_safety());
  p_->before.push_back(detail::make_vote_safety());
  p_->before.push_back(detail::make_log_matching());
  p_->before.push_back(detail::make_leader_completeness());
  p_->durability = detail::make_durability_stream();
  if (p_->opts.check_linearizability) p_->after.push_back(detail::make_linearizability(p_->opts, &p_->lin));
  p_->after.push_back(detail::make_liveness(p_->opts));
  p_->after.push_back(detail::make_single_cluster());
  p_->after.push_back(detail::make_expectations());
}

LabChecker::~LabChecker() = default;

void LabChecker::on(const sim::TraceEvent& e) {
  Parts& p = *p_;
  ++p.events;
  if (e.kind == sim::Ev::ClientCall && (e.a == "put" || e.a == "get" || e.a == "get-s")) {
    ++p.client_calls;
    p.max_client_calls = std::max(p.max_client_calls, ++p.per_client[e.peer]);
  }
  for (auto& c : p.before) c->on(e);
  p.durability->on(e);
  for (auto& c : p.after) c->on(e);
}

bool LabChecker::exact() const { return p_->durability->exact(); }
std::uint64_t LabChecker::events() const { return p_->events; }
std::uint64_t LabChecker::client_calls() const { return p_->client_calls; }
std::uint64_t LabChecker::max_client_calls() const { return p_->max_client_calls; }

LabReport LabChecker::finish(const std::vector<sim::TraceEvent>* whole) {
  Parts& p = *p_;
  LabReport r;
  auto add = [&](std::vector<Violation> vs, CheckerStats st) {
    st.violations = vs.size();
    for (Violation& v : vs) r.violations.push_back(std::move(v));
    r.checkers.push_back(std::move(st));
  };
  for (auto& c : p.before) {
    CheckerStats st;
    std::vector<Violation> vs = c->finish(&st);
    add(std::move(vs), std::move(st));
  }
  {
    CheckerStats st;
    std::vector<Violation> vs;
    if (p.durability->exact() || !whole) {
      vs = p.durability->finish(&st);
      r.exact = p.durability->exact();
    } else {
      vs = check_durability(*whole, &st);
    }
    add(std::move(vs), std::move(st));
  }
  if (!p.opts.check_linearizability) {
    CheckerStats st;
    st.name = "linearizability";
    st.note = "disabled";
    add({}, std::move(st));
  }
  for (auto& c : p.after) {
    CheckerStats st;
    std::vector<Violation> vs = c->finish(&st);
    add(std::move(vs), std::move(st));
  }
  r.linearizability = std::move(p.lin);
  return r;
}

LabReport check_all(const std::vector<sim::TraceEvent>& events, const CheckOptions& opts) {
  LabChecker c(opts);
  for (const sim::TraceEvent& e : events) c.on(e);
  return c.finish(&events);
}

std::string LabReport::describe() const {
  std::string out;
  for (const Violation& v : violations) out.append(check::describe(v)).append("\n");
  return out;
}

std::string LabReport::summary() const {
  std::string out;
  for (const CheckerStats& c : checkers) {
    const char* verdict = c.violations ? "FAIL" : (c.unknown ? "unknown" : "ok");
    out += fmt::format("{:<22} {:<7} checked {}", c.name, verdict, c.checked);
    if (c.violations) out += fmt::format(", {} violation(s)", c.violations);
    if (c.excused) out += fmt::format(", {} excused ({})", c.excused, c.name == "liveness" ? "no quorum up" : "quorum's data lost");
    if (!c.note.empty()) out += fmt::format(" — {}", c.note);
    out += "\n";
  }
  return out;
}

std::vector<std::string> LabReport::failed_checkers() const {
  std::set<std::string> names;
  for (const Violation& v : violations) names.insert(v.checker);
  return {names.begin(), names.end()};
}

}  // namespace raftlab::check
