// sim/trace.h — the typed, recorded history of a run.
//
// The trace is the single source for checkers (sim/check), the summary timeline,
// `status --at`, JSONL export and the determinism hash. Same scenario + seed =>
// byte-identical JSONL => identical SHA-256.
// Must never: record pointer values, wall-clock time or anything that varies between
// runs of the same seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/time.h"

namespace raftlab::sim {

enum class TraceLevel : std::uint8_t {
  Off,      // nothing is recorded (benchmarks); the hash covers nothing
  Default,  // lifecycle, roles, applies, faults, drops, rejects, client ops, etcd logs
  Full,     // + every message send and delivery
};

enum class Ev : std::uint8_t {
  RunStart,     // a=scenario name, index=seed
  Note,         // a=text (scenario timeline note)
  HostDown,     // who=host
  HostUp,       // who=host
  Partition,    // a=description
  Heal,         //
  ProcStart,    // who=member (container), a=image or "etcd"
  ProcExit,     // who=member, a=reason ("stopped"|"killed"|"fatal"|"host down"), b=error text
  Log,          // who=member, a=level ("info"|"warn"|"error"|"fatal"), b=etcd's message, c=fields
  Bootstrap,    // who=member, a=kind ("new"|"existing"|"restart"), member_id, cluster_id
  Role,         // who=member, member_id, cluster_id, term, a=role, peer=leader id
  Apply,        // who=member, member_id, cluster_id, term, index, a=entry summary
  Send,         // (Full) who=sender, a=destination, b=message
  Deliver,      // (Full) who=receiver, a=source, b=message
  Drop,         // who=sender, a=destination address, b=reason, c=message
  Reject,       // who=receiver, a=reason (e.g. "cluster ID mismatch"), peer=remote member id,
                //   cluster_id=local, b=remote cluster id (hex)
  Member,       // who=member, a=change ("add"|"remove"|"publish"), peer=member id, b=name/urls
  ClientCall,   // who=endpoint URL, index=op id, a=op kind ("put"|"get"|"get-s"|"member-add"|
                //   "member-remove"|"member-list"|"status"), b=key (or member), c=value (put), peer=client no.
  ClientDone,   // who=endpoint URL, index=op id, a="ok"|"error", b=error text, "revision=N" (put),
                //   "found"|"absent" (get); c=the value read (get, found)
  Expect,       // index=expectation number, a=what, b=actual, c="pass"|"fail"
  // --- for the fault lab's checkers (sim/check); see docs/trace-format.md
  Append,       // who, member_id, cluster_id, term=entry term, index=entry index, a=digest as Apply's.
                //   The entry is durable in the member's WAL; every entry it held beyond index is gone.
  HardState,    // who, member_id, cluster_id, term, peer=vote, index=commit: a new durable hard state
  Vote,         // who=voter, member_id, cluster_id, term, peer=candidate, a="vote"|"prevote": granted
  Fault,        // who=target (member/host/""), index=fault number, a=fault kind, b=detail: a fault begins
  FaultEnd,     // who, index=fault number, a=fault kind: it ends (heals, restarts, returns)
  DataLoss,     // who=member, index=last log index the WAL still holds, a="unsynced"|"wiped", b=detail
  Quiet,        // the nemesis is done: every fault healed, every member wanted up; a=detail
  // --- the cloud layer (sim/cloud)
  Cloud,        // who=instance / ASG / load balancer, a=what ("launch", "ec2-state", "lifecycle",
                //   "target", "scaling", "aws", "user-data", "hook"), b=detail
};
const char* ev_name(Ev e);

struct TraceEvent {
  Time at;
  Ev kind = Ev::Note;
  std::string who;
  std::uint64_t member_id = 0;
  std::uint64_t cluster_id = 0;
  std::uint64_t term = 0;
  std::uint64_t index = 0;
  std::uint64_t peer = 0;
  std::string a, b, c;
};

class Trace {
 public:
  // A traced run takes its event storage from the calling thread's spare buffer (the
  // capacity a finished Trace on this thread left behind) and hands it back when it is
  // destroyed: a worker running seed after seed grows the ~90k-event vector once, not
  // once per seed (no re-growth copies, no fresh pages). Contents are never shared.
  explicit Trace(TraceLevel level = TraceLevel::Default);
  ~Trace();
  Trace(const Trace& o) : level_(o.level_), events_(o.events_) {}
  Trace(Trace&& o) noexcept : level_(o.level_), events_(std::move(o.events_)) {}
  Trace& operator=(const Trace& o) {
    level_ = o.level_;
    events_ = o.events_;
    return *this;
  }
  Trace& operator=(Trace&& o) noexcept {
    level_ = o.level_;
    events_.swap(o.events_);
    return *this;
  }
  TraceLevel level() const { return level_; }
  bool on() const { return level_ != TraceLevel::Off; }
  bool full() const { return level_ == TraceLevel::Full; }

  // By rvalue reference: an event is moved once, into the trace (a by-value parameter
  // cost one more move and destruction of its four strings per event).
  void record(TraceEvent&& e) {
    if (level_ == TraceLevel::Off) return;
    events_.push_back(std::move(e));
  }
  void record(const TraceEvent& e) {
    if (level_ == TraceLevel::Off) return;
    events_.push_back(e);
  }
  // A new event built in place at the end of the trace (no move at all; the hottest
  // records use it). Precondition: on(). The reference is valid until the next record.
  TraceEvent& add() { return events_.emplace_back(); }
  const std::vector<TraceEvent>& events() const { return events_; }

  // One JSON object per line, keys in a fixed order, ids as etcd's lowercase hex.
  static std::string to_jsonl(const TraceEvent& e);
  // Appends to_jsonl(e) (no newline) to out: one reusable buffer, no temporaries.
  static void append_jsonl(std::string& out, const TraceEvent& e);
  std::string to_jsonl() const;
  // SHA-256 (lowercase hex) of to_jsonl() — the determinism fingerprint.
  std::string sha256() const;

 private:
  TraceLevel level_;
  std::vector<TraceEvent> events_;
};

std::string hex_id(std::uint64_t id);  // etcd's types.ID format: lowercase hex, no padding
// The entry digest of `apply`/`append` events: "normal:" or "conf:" and %016x of hash.
std::string entry_digest(bool conf, std::uint64_t hash);
std::string sha256_hex(const std::string& data);

}  // namespace raftlab::sim
