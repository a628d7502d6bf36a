// sim/trace.h — the typed, recorded history of a run.
//
// The trace is the single source for checkers (sim/check), the summary timeline,
// `status --at`, JSONL export and the determinism hash. Same scenario + seed =>
// byte-identical JSONL => identical SHA-256.
// Must never: record pointer values, wall-clock time or anything that varies between
// runs of the same seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
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

// Where a streaming trace writes its JSONL text as events are recorded (a file written
// through sim/lab/atomic_file.h's AtomicFileWriter, say). Not owned by the trace.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  // The next bytes of the JSONL text. false: the sink failed (it keeps why); the trace
  // writes nothing more to it.
  virtual bool write(std::string_view bytes) = 0;
};

// Reads every event as a streaming trace records it, in recording order (the fault lab's
// checkers, sim/check/lab.h LabChecker: issue 24, memory bounded by what they keep, not
// by the trace). Not owned by the trace. Called before `keep` decides what stays.
class TraceObserver {
 public:
  virtual ~TraceObserver() = default;
  virtual void on(const TraceEvent& e) = 0;
};

// A streaming trace (issue 24/26: memory bounded by what is kept, not by the run's
// length). Every recorded event is, in recording order, encoded once and fed to the
// SHA-256 and the sink; afterwards only the events `keep` accepts stay in memory, so
// events() holds the kept ones (plus the last few thousand not yet streamed). The
// streamed hash is byte for byte the hash of the whole trace (TraceStream.* tests).
struct TraceStream {
  bool hash = false;                              // feed the SHA-256 as events are recorded
  TraceSink* sink = nullptr;                      // write the JSONL as events are recorded
  bool (*keep)(const TraceEvent&) = nullptr;      // kept in memory after streaming; null: all
  TraceObserver* observer = nullptr;              // shown every event as it is streamed
};

class Trace {
 public:
  // A traced run takes its event storage from the calling thread's spare buffer (the
  // capacity a finished Trace on this thread left behind) and hands it back when it is
  // destroyed: a worker running seed after seed grows the ~90k-event vector once, not
  // once per seed (no re-growth copies, no fresh pages). Contents are never shared.
  explicit Trace(TraceLevel level = TraceLevel::Default);
  ~Trace();
  // A copy is a snapshot of the events held (not streaming); a move carries the stream.
  Trace(const Trace& o);
  Trace(Trace&& o) noexcept;
  Trace& operator=(const Trace& o);
  Trace& operator=(Trace&& o) noexcept;
  TraceLevel level() const { return level_; }
  bool on() const { return level_ != TraceLevel::Off; }
  bool full() const { return level_ == TraceLevel::Full; }

  // By rvalue reference: an event is moved once, into the trace (a by-value parameter
  // cost one more move and destruction of its four strings per event).
  void record(TraceEvent&& e) {
    if (level_ == TraceLevel::Off) return;
    maybe_flush();
    events_.push_back(std::move(e));
  }
  void record(const TraceEvent& e) {
    if (level_ == TraceLevel::Off) return;
    maybe_flush();
    events_.push_back(e);
  }
  // A new event built in place at the end of the trace (no move at all; the hottest
  // records use it). Precondition: on(). The reference is valid until the next record.
  TraceEvent& add() {
    maybe_flush();
    return events_.emplace_back();
  }
  // Every event held: all of them, or for a streaming trace with `keep` the kept ones.
  const std::vector<TraceEvent>& events() const { return events_; }

  // Makes this trace streaming. Call before the first event is recorded or at any time
  // before the first flush (events already held are streamed from the first one).
  void stream(const TraceStream& s);
  bool streaming() const { return stream_ != nullptr; }
  // Streams every event not streamed yet (a run calls it when it ends). Idempotent.
  void flush();
  // Events recorded so far, kept or not.
  std::uint64_t recorded() const;
  // false once the sink refused a write.
  bool sink_ok() const;

  // One JSON object per line, keys in a fixed order, ids as etcd's lowercase hex.
  static std::string to_jsonl(const TraceEvent& e);
  // Appends to_jsonl(e) (no newline) to out: one reusable buffer, no temporaries.
  static void append_jsonl(std::string& out, const TraceEvent& e);
  std::string to_jsonl() const;
  // SHA-256 (lowercase hex) of to_jsonl() — the determinism fingerprint. A streaming
  // trace gives the hash of every event recorded (kept or not) when its stream hashes,
  // and "" when it does not (nothing is left to hash).
  std::string sha256() const;

 private:
  struct Stream;
  // Events recorded since the last flush before a streaming trace flushes again.
  static constexpr std::size_t kStreamChunk = 4096;
  void maybe_flush() {
    if (stream_ && events_.size() - streamed_ >= kStreamChunk) flush();
  }
  TraceLevel level_;
  std::vector<TraceEvent> events_;
  std::unique_ptr<Stream> stream_;  // null: not streaming
  std::size_t streamed_ = 0;        // events_[0, streamed_) are streamed
};

std::string hex_id(std::uint64_t id);  // etcd's types.ID format: lowercase hex, no padding
// The entry digest of `apply`/`append` events: "normal:" or "conf:" and %016x of hash.
std::string entry_digest(bool conf, std::uint64_t hash);
std::string sha256_hex(const std::string& data);

}  // namespace raftlab::sim
