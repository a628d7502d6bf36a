#include "sim/check/linearizability.h"
#include "sim/check/election_safety.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

namespace raftlab::check {

namespace {

std::string when_text(std::int64_t ns) {
  return ns == kNever ? std::string("never") : at_text(ns);
}

// One key's ops, with values as small integers: 0 = absent, 1.. = distinct values.
struct RegisterOp {
  bool put = false;
  std::uint32_t value = 0;  // put: written; get: read (0 = absent)
  std::int64_t call_ns = 0;
  std::int64_t ret_ns = 0;
};

// Two reductions of indeterminate puts (return at +infinity), both exact:
//  - one whose value no get reads is dropped: letting it never take effect (or take
//    effect after everything) is always a valid choice, and keeping it only multiplies
//    the search by two per pending put;
//  - one that is the only writer of a value some gets read must take effect before the
//    first of those reads returns, so that return time becomes its own.
// Without them a 60 s lab history with a few timed-out puts exceeds any budget.
std::vector<RegisterOp> encode(const std::vector<KvOp>& ops) {
  // Keyed by views into ops (hash maps: only looked up; value ids are given in op order).
  std::unordered_map<std::string_view, std::int64_t> first_read_ret;  // value -> earliest return of a get reading it
  std::unordered_map<std::string_view, int> writers;
  for (const KvOp& op : ops) {
    if (op.kind == KvOp::Kind::Put) {
      ++writers[op.value];
    } else if (op.found) {
      auto [it, fresh] = first_read_ret.try_emplace(op.value, op.ret_ns);
      if (!fresh) it->second = std::min(it->second, op.ret_ns);
    }
  }
  std::unordered_map<std::string_view, std::uint32_t> ids;
  std::vector<RegisterOp> out;
  out.reserve(ops.size());
  for (const KvOp& op : ops) {
    std::int64_t ret_ns = op.ret_ns;
    if (op.kind == KvOp::Kind::Put && op.ret_ns == kNever) {
      auto read = first_read_ret.find(op.value);
      if (read == first_read_ret.end()) continue;
      if (writers[op.value] == 1) ret_ns = std::max(read->second, op.call_ns);
    }
    RegisterOp r;
    r.put = op.kind == KvOp::Kind::Put;
    r.call_ns = op.call_ns;
    r.ret_ns = ret_ns;
    if (r.put || op.found) {
      auto [it, fresh] = ids.try_emplace(op.value, static_cast<std::uint32_t>(ids.size() + 1));
      r.value = it->second;
    }
    out.push_back(r);
  }
  return out;
}

// The memo key: which ops are linearized, and the register's value after them.
struct StateKey {
  std::vector<std::uint64_t> bits;
  std::uint32_t value = 0;
  bool operator==(const StateKey&) const = default;
};
struct StateKeyHash {
  std::size_t operator()(const StateKey& k) const {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ k.value;
    for (std::uint64_t w : k.bits) {
      h ^= w + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
      h *= 0xbf58476d1ce4e5b9ULL;
    }
    return static_cast<std::size_t>(h ^ (h >> 31));
  }
};

// Lowe's just-in-time linearization (the loop of Porcupine's checkSingle). The history
// is a doubly linked list of call and return entries in time order (calls before
// returns at equal times: touching ops count as concurrent). The search takes the first
// call it can linearize; reaching a return entry means that op's call was not
// linearized in time, so it backtracks. The memo set prunes states already explored,
// which is sound because the rest of the search depends only on (linearized set, value).
LinResult wgl(const std::vector<RegisterOp>& ops, std::uint64_t budget, std::uint64_t* states,
              std::uint32_t initial = 0) {
  const std::size_t n = ops.size();
  if (n == 0) return LinResult::Ok;
  struct Node {
    std::size_t op;
    bool call;
    std::size_t prev, next;
    std::size_t match;  // call <-> return
  };
  const std::size_t head = 2 * n;  // sentinel
  constexpr std::size_t kNil = static_cast<std::size_t>(-1);
  std::vector<Node> nodes(2 * n + 1);
  std::vector<std::size_t> order(2 * n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto time_of = [&](std::size_t e) { return e < n ? ops[e].call_ns : ops[e - n].ret_ns; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const std::int64_t tx = time_of(x), ty = time_of(y);
    if (tx != ty) return tx < ty;
    return (x < n) && !(y < n);  // calls first at equal times
  });
  // Entry e < n is op e's call; e >= n is op (e - n)'s return.
  std::size_t prev = head;
  nodes[head] = Node{0, false, kNil, kNil, kNil};
  for (std::size_t e : order) {
    nodes[e] = Node{e < n ? e : e - n, e < n, prev, kNil, e < n ? e + n : e - n};
    nodes[prev].next = e;
    prev = e;
  }
  auto lift = [&](std::size_t c) {
    const Node& call = nodes[c];
    nodes[call.prev].next = call.next;
    if (call.next != kNil) nodes[call.next].prev = call.prev;
    const Node& ret = nodes[call.match];
    nodes[ret.prev].next = ret.next;
    if (ret.next != kNil) nodes[ret.next].prev = ret.prev;
  };
  auto unlift = [&](std::size_t c) {
    const Node& ret = nodes[nodes[c].match];
    nodes[ret.prev].next = nodes[c].match;
    if (ret.next != kNil) nodes[ret.next].prev = nodes[c].match;
    const Node& call = nodes[c];
    nodes[call.prev].next = c;
    if (call.next != kNil) nodes[call.next].prev = c;
  };

  std::unordered_set<StateKey, StateKeyHash> memo;
  StateKey cur;
  cur.bits.assign((n + 63) / 64, 0);
  cur.value = initial;
  std::vector<std::pair<std::size_t, std::uint32_t>> stack;  // (call entry, value before)
  stack.reserve(n);
  std::uint64_t explored = 0;
  std::size_t entry = nodes[head].next;
  LinResult result = LinResult::Ok;
  while (nodes[head].next != kNil) {
    const Node& e = nodes[entry];
    if (e.call) {
      const RegisterOp& op = ops[e.op];
      const bool legal = op.put || op.value == cur.value;
      if (legal) {
        const std::uint32_t before = cur.value;
        cur.bits[e.op / 64] |= std::uint64_t{1} << (e.op % 64);
        cur.value = op.put ? op.value : before;
        if (memo.insert(cur).second) {
          if (++explored > budget) {
            result = LinResult::Unknown;
            break;
          }
          stack.emplace_back(entry, before);
          lift(entry);
          entry = nodes[head].next;
          continue;
        }
        cur.bits[e.op / 64] &= ~(std::uint64_t{1} << (e.op % 64));
        cur.value = before;
      }
      entry = e.next;
    } else {
      if (stack.empty()) {
        result = LinResult::Violation;
        break;
      }
      auto [c, before] = stack.back();
      stack.pop_back();
      const std::size_t o = nodes[c].op;
      cur.bits[o / 64] &= ~(std::uint64_t{1} << (o % 64));
      cur.value = before;
      unlift(c);
      entry = nodes[c].next;
    }
  }
  if (states) *states += explored;
  return result;
}

// The search cut at quiescent points (issue 24: memory). Ops sorted by call time; a cut
// falls before op j when every op before it returned strictly before j was called
// (touching ops are concurrent, and an op returning at +infinity allows no later cut).
// Every linearization then orders the whole prefix P before the suffix S, so the history
// is linearizable iff some value v is a possible final value of P (from the values
// possible before P) and S is linearizable from v. The final value of a segment is that
// of its last put; a put can be last only if no put was called after it returned, and
// whether P can end in v is the search on P plus a read of v after everything. Each
// segment is searched alone, so the memo holds (segment bits, value) states: memory
// grows with the longest segment, not (as one search over the key) with the square of
// the key's history. Exact: same verdict as wgl() on the whole, budget aside (the budget
// counts every segment's states together; unknown only when it runs out).
LinResult wgl_segmented(const std::vector<RegisterOp>& ops, std::uint64_t budget, std::uint64_t* states,
                        std::size_t* longest) {
  const std::size_t n = ops.size();
  if (n == 0) return LinResult::Ok;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return ops[x].call_ns < ops[y].call_ns; });
  std::vector<std::uint32_t> starts{0};  // possible register values before the segment (sorted)
  std::uint64_t spent = 0;
  bool incomplete = false;  // a search ran out of budget: a failure is then unknown
  auto run = [&](const std::vector<RegisterOp>& seg, std::uint32_t initial) {
    std::uint64_t used = 0;
    const LinResult r = budget > spent ? wgl(seg, budget - spent, &used, initial) : LinResult::Unknown;
    spent += used;
    if (r == LinResult::Unknown) incomplete = true;
    return r;
  };
  std::vector<RegisterOp> seg;
  std::int64_t max_ret = 0;
  for (std::size_t j = 0; j <= n; ++j) {
    const bool cut = j == n || (!seg.empty() && max_ret < ops[order[j]].call_ns);
    if (cut) {
      if (longest) *longest = std::max(*longest, seg.size());
      const bool last = j == n;
      std::vector<std::uint32_t> ends;
      if (last) {
        bool any = false;
        for (std::uint32_t u : starts)
          if (run(seg, u) == LinResult::Ok) {
            any = true;
            break;
          }
        if (states) *states += spent;
        if (any) return LinResult::Ok;
        return incomplete ? LinResult::Unknown : LinResult::Violation;
      }
      std::int64_t last_put_call = -1;
      for (const RegisterOp& op : seg)
        if (op.put) last_put_call = std::max(last_put_call, op.call_ns);
      if (last_put_call < 0) {
        // No put: the value is unchanged, and every read must see it.
        for (std::uint32_t u : starts)
          if (run(seg, u) == LinResult::Ok) ends.push_back(u);
      } else {
        std::vector<std::uint32_t> candidates;
        for (const RegisterOp& op : seg)
          if (op.put && op.ret_ns >= last_put_call) candidates.push_back(op.value);
        std::sort(candidates.begin(), candidates.end());
        candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
        RegisterOp probe;  // a read of the candidate after everything in the segment
        probe.call_ns = probe.ret_ns = max_ret + 1;
        seg.push_back(probe);
        for (std::uint32_t c : candidates) {
          seg.back().value = c;
          for (std::uint32_t u : starts)
            if (run(seg, u) == LinResult::Ok) {
              ends.push_back(c);
              break;
            }
        }
      }
      if (ends.empty()) {
        if (states) *states += spent;
        return incomplete ? LinResult::Unknown : LinResult::Violation;
      }
      starts = std::move(ends);
      seg.clear();
      max_ret = 0;
    }
    if (j == n) break;
    const RegisterOp& op = ops[order[j]];
    seg.push_back(op);
    max_ret = seg.size() == 1 ? op.ret_ns : std::max(max_ret, op.ret_ns);
  }
  if (states) *states += spent;
  return LinResult::Ok;
}

// Shrinking a non-linearizable key history (delta debugging): try to drop chunks of
// ops — halves, then quarters, ... then single ops — keeping each drop whose rest still
// cannot be linearized. Only gets, and puts no remaining get reads, may go, which keeps
// the rest a proof (see the header). Returns indexes into `ops`, bounded by `budget`.
std::vector<std::size_t> shrink(const std::vector<KvOp>& ops, std::uint64_t budget, std::uint64_t* states) {
  std::vector<std::size_t> keep(ops.size());
  std::iota(keep.begin(), keep.end(), std::size_t{0});
  std::uint64_t spent = 0;
  auto try_drop = [&](const std::vector<std::size_t>& chunk) {
    std::vector<bool> drop(ops.size(), false);
    for (std::size_t i : chunk)
      if (ops[i].kind == KvOp::Kind::Get) drop[i] = true;
    std::set<std::string> still_read;
    for (std::size_t i : keep)
      if (!drop[i] && ops[i].kind == KvOp::Kind::Get && ops[i].found) still_read.insert(ops[i].value);
    for (std::size_t i : chunk)
      if (ops[i].kind == KvOp::Kind::Put && !still_read.count(ops[i].value)) drop[i] = true;
    std::vector<std::size_t> trial;
    std::vector<KvOp> sub;
    for (std::size_t i : keep) {
      if (drop[i]) continue;
      trial.push_back(i);
      sub.push_back(ops[i]);
    }
    if (trial.size() == keep.size() || spent >= budget) return false;
    std::uint64_t used = 0;
    const bool still = wgl_segmented(encode(sub), budget - spent, &used, nullptr) == LinResult::Violation;
    spent += used;
    if (still) keep = std::move(trial);
    return still;
  };
  for (std::size_t chunk = std::max<std::size_t>(1, keep.size() / 2);; chunk = std::max<std::size_t>(1, chunk / 2)) {
    // Newest chunks first: ops after the violation are the cheapest to rule out.
    for (std::size_t end = keep.size(); end > 0 && spent < budget;) {
      const std::size_t begin = end > chunk ? end - chunk : 0;
      std::vector<std::size_t> c(keep.begin() + static_cast<std::ptrdiff_t>(begin),
                                 keep.begin() + static_cast<std::ptrdiff_t>(std::min(end, keep.size())));
      try_drop(c);
      end = std::min(begin, keep.size());
    }
    if (chunk == 1 || spent >= budget) break;
  }
  if (states) *states += spent;
  return keep;
}

}  // namespace

const char* lin_result_name(LinResult r) {
  switch (r) {
    case LinResult::Ok: return "ok";
    case LinResult::Violation: return "violation";
    case LinResult::Unknown: return "unknown";
  }
  return "?";
}

std::string describe_op(const KvOp& op) {
  const std::string span = fmt::format("[{}, {}]", when_text(op.call_ns), when_text(op.ret_ns));
  if (op.kind == KvOp::Kind::Put) return fmt::format("c{} put {}={} {}", op.client, op.key, op.value, span);
  return fmt::format("c{} get {} -> {} {}", op.client, op.key, op.found ? op.value : std::string("absent"), span);
}

KvHistory kv_history(const std::vector<sim::TraceEvent>& events) {
  KvHistory h;
  std::unordered_map<std::uint64_t, std::size_t> open;  // request number -> index in h.ops
  std::vector<bool> done;
  for (const sim::TraceEvent& e : events) {
    if (e.kind == sim::Ev::ClientCall) {
      if (e.a == "get-s") {
        ++h.serializable_gets;
        continue;
      }
      if (e.a != "put" && e.a != "get") continue;
      KvOp op;
      op.id = e.index;
      op.client = e.peer;
      op.kind = e.a == "put" ? KvOp::Kind::Put : KvOp::Kind::Get;
      op.key = e.b;
      if (op.kind == KvOp::Kind::Put) op.value = e.c;
      op.call_ns = e.at.ns;
      op.ret_ns = kNever;
      op.endpoint = e.who;
      open[e.index] = h.ops.size();
      h.ops.push_back(std::move(op));
      done.push_back(false);
    } else if (e.kind == sim::Ev::ClientDone) {
      auto it = open.find(e.index);
      if (it == open.end()) continue;
      KvOp& op = h.ops[it->second];
      done[it->second] = true;
      open.erase(it);
      if (e.a == "ok") {
        op.ret_ns = e.at.ns;
        if (op.kind == KvOp::Kind::Get) {
          op.found = e.b == "found";
          if (op.found) op.value = e.c;
        }
      } else if (op.kind == KvOp::Kind::Get) {
        op.ret_ns = -1;  // marks a failed get, dropped below
      }
    }
  }
  std::vector<KvOp> kept;
  kept.reserve(h.ops.size());
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    KvOp& op = h.ops[i];
    if (op.kind == KvOp::Kind::Get && (op.ret_ns == -1 || !done[i])) {
      ++h.failed_gets;
      continue;
    }
    if (op.kind == KvOp::Kind::Put && op.ret_ns == kNever) ++h.indeterminate_puts;
    kept.push_back(std::move(op));
  }
  h.ops = std::move(kept);
  return h;
}

LinResult check_register(const std::vector<KvOp>& ops, std::uint64_t budget_states, std::uint64_t* states,
                         std::size_t* longest_segment) {
  return wgl_segmented(encode(ops), budget_states, states, longest_segment);
}

LinResult check_register_whole(const std::vector<KvOp>& ops, std::uint64_t budget_states, std::uint64_t* states) {
  return wgl(encode(ops), budget_states, states);
}

LinReport check_linearizability(const KvHistory& h, const LinOptions& opts) {
  std::map<std::string, std::vector<KvOp>> by_key;  // key order: deterministic
  for (const KvOp& op : h.ops) by_key[op.key].push_back(op);
  return check_linearizability_by_key(by_key, opts);
}

LinReport check_linearizability_by_key(const std::map<std::string, std::vector<KvOp>>& by_key, const LinOptions& opts) {
  LinReport r;
  for (const auto& [key, ops] : by_key) check_key(r, key, ops, opts);
  return r;
}

void check_key(LinReport& r, const std::string& key, const std::vector<KvOp>& ops, const LinOptions& opts) {
  r.ops += ops.size();
  ++r.keys;
  const LinResult k = check_register(ops, opts.budget_states, &r.states, &r.longest_segment);
  if (k == LinResult::Unknown) {
    r.unknown_keys.push_back(key);
    if (r.result == LinResult::Ok) r.result = LinResult::Unknown;
    return;
  }
  if (k != LinResult::Violation || r.result == LinResult::Violation) return;
  r.result = LinResult::Violation;
  r.key = key;
  for (std::size_t i : shrink(ops, opts.shrink_budget_states, &r.states)) r.evidence_ops.push_back(ops[i]);
  std::string list;
  for (const KvOp& op : r.evidence_ops) {
    if (!list.empty()) list += "; ";
    list += describe_op(op);
    r.at_ns = std::max(r.at_ns, op.call_ns);
  }
  r.evidence = fmt::format("key {:?}: {} of its {} ops cannot be linearized (register model): {}", key,
                           r.evidence_ops.size(), ops.size(), list);
}

namespace {

struct BruteForce {
  const std::vector<KvOp>& ops;
  std::vector<bool> used;
  std::map<std::string, std::string> state;  // key -> value (absent: not in the map)

  bool may_go_next(std::size_t i) const {
    // Real-time order: every op that returned before i was called must come first.
    for (std::size_t j = 0; j < ops.size(); ++j)
      if (!used[j] && j != i && ops[j].ret_ns < ops[i].call_ns) return false;
    return true;
  }
  bool search(std::size_t left) {
    if (left == 0) return true;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (used[i] || !may_go_next(i)) continue;
      const KvOp& op = ops[i];
      used[i] = true;
      bool ok = false;
      if (op.kind == KvOp::Kind::Put) {
        auto it = state.find(op.key);
        const bool had = it != state.end();
        const std::string old = had ? it->second : std::string();
        state[op.key] = op.value;
        ok = search(left - 1);
        if (had) state[op.key] = old; else state.erase(op.key);
        // An indeterminate put may also never take effect.
        if (!ok && op.ret_ns == kNever) ok = search(left - 1);
      } else {
        auto it = state.find(op.key);
        const bool consistent = op.found ? (it != state.end() && it->second == op.value) : it == state.end();
        ok = consistent && search(left - 1);
      }
      used[i] = false;
      if (ok) return true;
    }
    return false;
  }
};

}  // namespace

bool brute_force_linearizable(const std::vector<KvOp>& ops) {
  BruteForce b{ops, std::vector<bool>(ops.size(), false), {}};
  return b.search(ops.size());
}

}  // namespace raftlab::check
