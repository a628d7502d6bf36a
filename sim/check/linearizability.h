// sim/check/linearizability.h — the KV client history of a run and a linearizability
// checker for it (a register per key).
//
// History: every `client_call` put/get paired with its `client_done` (by request number).
// A put whose `client_done` is `error` (or that never returned) is indeterminate: it may
// or may not have taken effect, so its return time is +infinity (Jepsen/Knossos "info"
// ops). Failed gets are dropped (they observed nothing); serializable gets (`get-s`) are
// not linearizable reads and are not checked.
//
// Checker: Wing & Gong's search with Lowe's just-in-time linearization and memoization
// of (set of linearized ops, register value) — the algorithm of Porcupine (Athalye) and
// Knossos' WGL — run per key, because a register map is linearizable iff every key's
// sub-history is (Herlihy & Wing's locality / P-compositionality). The search is bounded
// (`budget` cache states per key): past it the verdict is Unknown, never a hang.
// On a violation the evidence is shrunk greedily to a small set of the key's ops that
// still cannot be linearized (removing only reads and unread writes, which keeps the
// subset a proof: a linearizable history stays linearizable without them).
//
// brute_force_linearizable() is an independent, exponential checker over all orders
// consistent with real time (all keys at once); tests cross-check the two.
//
//   KvHistory h = kv_history(trace.events());
//   LinReport r = check_linearizability(h, {.budget_states = 1'000'000});
//   if (r.result == LinResult::Violation) std::cerr << r.evidence << "\n";
#pragma once

#include <cstdint>
#include <cstddef>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "sim/trace.h"

namespace raftlab::check {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();  // return time of an indeterminate op

struct KvOp {
  enum class Kind : std::uint8_t { Put, Get };
  std::uint64_t id = 0;      // the trace's request number (client_call `index`)
  std::uint64_t client = 0;  // client number (client_call `peer`)
  Kind kind = Kind::Put;
  std::string key;
  std::string value;         // put: written; get: read (when found)
  bool found = false;        // get: the key existed
  std::int64_t call_ns = 0;
  std::int64_t ret_ns = 0;   // kNever: an indeterminate put
  std::string endpoint;      // client_call `who`
};

struct KvHistory {
  std::vector<KvOp> ops;             // in call order
  std::uint64_t failed_gets = 0;     // dropped
  std::uint64_t serializable_gets = 0;  // not checked
  std::uint64_t indeterminate_puts = 0;
};

// Puts and linearizable gets of every client (etcdctl of the timeline is client 0).
[[nodiscard]] KvHistory kv_history(const std::vector<sim::TraceEvent>& events);

enum class LinResult : std::uint8_t { Ok, Violation, Unknown };
const char* lin_result_name(LinResult r);

struct LinOptions {
  std::uint64_t budget_states = 2'000'000;  // memoised search states per key before "unknown"
  std::uint64_t shrink_budget_states = 2'000'000;  // total, for shrinking the evidence
};

struct LinReport {
  LinResult result = LinResult::Ok;
  std::uint64_t ops = 0;           // ops checked
  std::uint64_t keys = 0;
  std::uint64_t states = 0;        // search states explored, all keys
  std::size_t longest_segment = 0; // most ops searched at once (the history is cut at quiescent points)
  std::vector<std::string> unknown_keys;  // budget exhausted
  // Violation: the first failing key (in key order) and the ops of a small subset of its
  // history that cannot be linearized.
  std::string key;
  std::vector<KvOp> evidence_ops;
  std::int64_t at_ns = 0;          // latest call time among the evidence ops
  std::string evidence;            // one line
};

// Checks one key's ops (all must have the same key). `states` counts search states;
// `longest_segment` (max-updated) the most ops searched at once: the history is cut at
// quiescent points and each segment searched alone (docs/checkers.md).
[[nodiscard]] LinResult check_register(const std::vector<KvOp>& ops, std::uint64_t budget_states,
                                       std::uint64_t* states = nullptr, std::size_t* longest_segment = nullptr);
// The same verdict from one search over the whole key history (the search before the
// cuts; its memory grows with the square of the history). For tests.
[[nodiscard]] LinResult check_register_whole(const std::vector<KvOp>& ops, std::uint64_t budget_states,
                                             std::uint64_t* states = nullptr);

[[nodiscard]] LinReport check_linearizability(const KvHistory& h, const LinOptions& opts = {});
// The same over a history already split by key (each key's ops in call order), as the
// streaming checker builds it (LabChecker: no whole history in memory).
[[nodiscard]] LinReport check_linearizability_by_key(const std::map<std::string, std::vector<KvOp>>& by_key,
                                                     const LinOptions& opts = {});
// Adds one key's verdict to `r` (call it for the keys in key order, each key once): what
// check_linearizability_by_key does per key, for a caller that builds one key at a time.
void check_key(LinReport& r, const std::string& key, const std::vector<KvOp>& ops, const LinOptions& opts = {});

// Exhaustive: is there an order of the ops (any keys) consistent with real time in which
// every get reads the latest put of its key (absent before any)? Indeterminate puts may
// be left out. Exponential — for small histories (tests).
[[nodiscard]] bool brute_force_linearizable(const std::vector<KvOp>& ops);

// "c3 put k=v [1.2s, 1.5s]" / "c1 get k -> absent [..]" / "c2 put k=v [1.2s, never]"
[[nodiscard]] std::string describe_op(const KvOp& op);

}  // namespace raftlab::check
