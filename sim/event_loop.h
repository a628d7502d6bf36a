// sim/event_loop.h — the single deterministic event queue of a run.
//
// Total order: events fire by (at, seq); seq is the insertion counter, so two events
// scheduled for the same instant fire in the order they were scheduled (FoundationDB's
// tie rule). Time jumps to the next event. Every run_until is bounded by a time limit
// and an event budget. Must never: read the wall clock, or order by pointer values.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "sim/time.h"

namespace raftlab::sim {

class EventLoop {
 public:
  using Callback = std::function<void()>;

  Time now() const { return now_; }
  std::uint64_t events_fired() const { return fired_; }
  std::size_t pending() const { return queue_.size(); }

  // Schedules cb at now()+delay (delay >= 0). Returns the event's sequence number.
  std::uint64_t after(Duration delay, Callback cb) { return at(now_ + delay, std::move(cb)); }
  std::uint64_t at(Time when, Callback cb);

  // Fires events with at <= limit, then sets now() = limit. Stops early (returning
  // false) if max_events fire first; true when the limit was reached.
  bool run_until(Time limit, std::uint64_t max_events = UINT64_MAX);

 private:
  struct Event {
    Time at;
    std::uint64_t seq;
    // Stored outside the heap so that heap moves stay cheap.
    std::uint32_t slot;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      if (a.at != b.at) return a.at > b.at;
      return a.seq > b.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::vector<Callback> slots_;
  std::vector<std::uint32_t> free_slots_;
  Time now_{};
  std::uint64_t seq_ = 0;
  std::uint64_t fired_ = 0;
};

}  // namespace raftlab::sim
