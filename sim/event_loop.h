// sim/event_loop.h — the single deterministic event queue of a run.
//
// Total order: events fire by (at, seq); seq is the insertion counter, so two events
// scheduled for the same instant fire in the order they were scheduled (FoundationDB's
// tie rule). Time jumps to the next event. Every run_until is bounded by a time limit
// and an event budget. Must never: read the wall clock, or order by pointer values.
//
// Layout (the simulator's hottest structure; see results/BENCHMARKS.md, optimisation
// history): events are 16-byte keys (at, seq<<24 | slot) over a slot pool of callbacks,
// kept in three ordered structures. Events due within kHorizon of the moment they were
// scheduled (packets, replies, fsyncs) go to `ring_`, a sorted ring of up to kRing keys:
// they are mostly scheduled in the order they fall due, so a push lands at the ring's tail
// and a pop takes its head, each in a few instructions (one that falls due earlier than
// others shifts those few up by one). When the ring is full they go to `near_`, a 4-ary
// min-heap. The rest (ticks, client deadlines: hundreds of 5 s etcdctl timers pile up
// during steady replication and rarely matter) go to `far_`, another 4-ary min-heap.
// The next event is the smallest of the three heads, so the total order is exactly
// (at, seq); the split only keeps each structure cheap. A callback whose captures fit
// kInline bytes lives in its slot (no allocation); a larger one (a packet in flight) is
// moved to the heap once. Slots live in fixed-size chunks, so a callback runs in place
// while it schedules others. Limits (abort, never reached in practice): 2^24 pending
// events, 2^40 events per loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/time.h"

namespace raftlab::sim {

class EventLoop {
 public:
  EventLoop() = default;
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Time now() const { return now_; }
  std::uint64_t events_fired() const { return fired_; }
  std::size_t pending() const { return ring_count_ + near_.size() + far_.size(); }

  // Schedules cb at now()+delay (delay >= 0). Returns the event's sequence number.
  template <class F>
  std::uint64_t after(Duration delay, F&& cb) {
    return at(now_ + delay, std::forward<F>(cb));
  }
  template <class F>
  std::uint64_t at(Time when, F&& cb) {
    check_not_past(when);
    const std::uint32_t slot = alloc_slot();
    slot_ref(slot).set(std::forward<F>(cb));
    return push(when, slot);
  }

  // Fires events with at <= limit, then sets now() = limit. Stops early (returning
  // false) if max_events fire first; true when the limit was reached.
  bool run_until(Time limit, std::uint64_t max_events = UINT64_MAX);

 private:
  // A type-erased, move-never callable: constructed in its slot, run there, destroyed.
  class Task {
   public:
    static constexpr std::size_t kInline = 64;
    Task() = default;
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    ~Task() { reset(); }

    template <class F>
    void set(F&& f) {
      using Fn = std::decay_t<F>;
      if constexpr (sizeof(Fn) <= kInline && alignof(Fn) <= alignof(std::max_align_t) &&
                    std::is_nothrow_move_constructible_v<Fn>) {
        ::new (static_cast<void*>(buf_)) Fn(std::forward<F>(f));
        run_ = [](void* p) { (*static_cast<Fn*>(p))(); };
        drop_ = [](void* p) { static_cast<Fn*>(p)->~Fn(); };
      } else {
        Fn* heap = new Fn(std::forward<F>(f));
        ::new (static_cast<void*>(buf_)) Fn*(heap);
        run_ = [](void* p) { (**static_cast<Fn**>(p))(); };
        drop_ = [](void* p) { delete *static_cast<Fn**>(p); };
      }
    }
    void run() { run_(buf_); }
    void reset() {
      if (drop_ != nullptr) {
        drop_(buf_);
        drop_ = nullptr;
        run_ = nullptr;
      }
    }

   private:
    alignas(std::max_align_t) unsigned char buf_[kInline];
    void (*run_)(void*) = nullptr;
    void (*drop_)(void*) = nullptr;
  };

  // Heap key: at, then seq (insertion order). The slot rides in the low 24 bits of
  // `key`, below the sequence number, so comparing `key` compares seq.
  struct Event {
    std::int64_t at;
    std::uint64_t key;  // seq << kSlotBits | slot
  };
  static constexpr unsigned kSlotBits = 24;
  static constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;
  static constexpr std::size_t kChunk = 64;  // slots per chunk (stable addresses)
  static constexpr std::int64_t kHorizon = 50'000'000;  // 50 ms of virtual time
  static constexpr std::uint32_t kRing = 64;             // a power of two

  static bool before(const Event& a, const Event& b) {
    return a.at != b.at ? a.at < b.at : a.key < b.key;
  }
  void check_not_past(Time when) const;
  std::uint32_t alloc_slot();
  Task& slot_ref(std::uint32_t slot) { return chunks_[slot / kChunk][slot % kChunk]; }
  std::uint64_t push(Time when, std::uint32_t slot);
  static void heap_push(std::vector<Event>& h, Event ev);
  static void heap_pop(std::vector<Event>& h);

  // Sorted by before(), ascending from ring_head_: position i is ring_[(head + i) % kRing].
  Event ring_[kRing];
  std::uint32_t ring_head_ = 0, ring_count_ = 0;
  void ring_insert(Event ev);
  std::vector<Event> near_;  // 4-ary min-heaps by before()
  std::vector<Event> far_;
  std::vector<std::unique_ptr<Task[]>> chunks_;
  std::uint32_t slots_used_ = 0;  // slots ever handed out (chunks_ hold >= this many)
  std::vector<std::uint32_t> free_slots_;
  Time now_{};
  std::uint64_t seq_ = 0;
  std::uint64_t fired_ = 0;
};

}  // namespace raftlab::sim
