#include "sim/event_loop.h"

#include <cstdio>
#include <cstdlib>

namespace raftlab::sim {

EventLoop::~EventLoop() = default;

void EventLoop::check_not_past(Time when) const {
  if (when < now_) {
    std::fprintf(stderr, "EventLoop: event scheduled in the past (%lld < %lld)\n",
                 static_cast<long long>(when.ns), static_cast<long long>(now_.ns));
    std::abort();
  }
}

std::uint32_t EventLoop::alloc_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  if (slots_used_ > kSlotMask) {
    std::fprintf(stderr, "EventLoop: more than %llu events pending\n",
                 static_cast<unsigned long long>(kSlotMask + 1));
    std::abort();
  }
  if (slots_used_ == chunks_.size() * kChunk) {
    chunks_.push_back(std::make_unique_for_overwrite<Task[]>(kChunk));  // no memset
  }
  return slots_used_++;
}

std::uint64_t EventLoop::push(Time when, std::uint32_t slot) {
  const std::uint64_t seq = seq_++;
  if (seq >> (64 - kSlotBits) != 0) {  // 2^40 events in one run: never in practice
    std::fprintf(stderr, "EventLoop: sequence numbers exhausted\n");
    std::abort();
  }
  const Event ev{when.ns, seq << kSlotBits | slot};
  if (when.ns - now_.ns > kHorizon) {
    heap_push(far_, ev);
  } else if (ring_count_ < kRing) {
    ring_insert(ev);
  } else {
    heap_push(near_, ev);
  }
  return seq;
}

void EventLoop::ring_insert(Event ev) {
  // From the tail: shift the keys that fall due after `ev` up by one (usually none).
  std::uint32_t j = ring_count_;
  while (j > 0) {
    const Event& prev = ring_[(ring_head_ + j - 1) & (kRing - 1)];
    if (!before(ev, prev)) break;
    ring_[(ring_head_ + j) & (kRing - 1)] = prev;
    --j;
  }
  ring_[(ring_head_ + j) & (kRing - 1)] = ev;
  ++ring_count_;
}

void EventLoop::heap_push(std::vector<Event>& heap, Event ev) {
  // Sift up (4-ary: the parent of i is (i-1)/4).
  std::size_t i = heap.size();
  heap.push_back(ev);
  Event* h = heap.data();
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (!before(ev, h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = ev;
}

void EventLoop::heap_pop(std::vector<Event>& heap) {
  const Event last = heap.back();
  heap.pop_back();
  const std::size_t n = heap.size();
  if (n == 0) return;
  // Sift `last` down from the root.
  Event* h = heap.data();
  std::size_t i = 0;
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = first + 4 < n ? first + 4 : n;
    for (std::size_t c = first + 1; c < end; ++c) {
      if (before(h[c], h[best])) best = c;
    }
    if (!before(h[best], last)) break;
    h[i] = h[best];
    i = best;
  }
  h[i] = last;
}

bool EventLoop::run_until(Time limit, std::uint64_t max_events) {
  std::uint64_t budget = max_events;
  for (;;) {
    // The next event: the smallest of the ring's head and the two heaps' tops.
    const Event* best = ring_count_ > 0 ? &ring_[ring_head_] : nullptr;
    std::vector<Event>* from = nullptr;  // null: the ring
    if (!near_.empty() && (best == nullptr || before(near_.front(), *best))) {
      best = &near_.front();
      from = &near_;
    }
    if (!far_.empty() && (best == nullptr || before(far_.front(), *best))) {
      best = &far_.front();
      from = &far_;
    }
    if (best == nullptr || best->at > limit.ns) break;
    if (budget == 0) return false;
    --budget;
    const Event ev = *best;
    if (from == nullptr) {
      ring_head_ = (ring_head_ + 1) & (kRing - 1);
      --ring_count_;
    } else {
      heap_pop(*from);
    }
    now_ = Time{ev.at};
    const auto slot = static_cast<std::uint32_t>(ev.key & kSlotMask);
    ++fired_;
    // Run in place: chunks never move, and the slot is reused only after it is freed.
    Task& t = slot_ref(slot);
    t.run();
    t.reset();
    free_slots_.push_back(slot);
  }
  if (now_ < limit) now_ = limit;
  return true;
}

std::string format_duration(Duration d) {
  std::int64_t v = d.ns;
  std::string sign;
  if (v < 0) { sign = "-"; v = -v; }
  struct U { std::int64_t ns; const char* name; };
  static const U units[] = {{1000000000LL, "s"}, {1000000LL, "ms"}, {1000LL, "us"}, {1, "ns"}};
  if (v == 0) return "0s";
  for (const U& u : units) {
    if (v >= u.ns) {
      std::int64_t whole = v / u.ns, frac = v % u.ns;
      std::string s = sign + std::to_string(whole);
      if (frac != 0) {
        // Up to 3 fractional digits, then fall to a smaller unit for exactness.
        std::int64_t step = u.ns / 1000;
        if (step > 0 && frac % step == 0) {
          char buf[24];
          std::snprintf(buf, sizeof buf, "%03lld", static_cast<long long>(frac / step));
          std::string f = buf;
          while (!f.empty() && f.back() == '0') f.pop_back();
          return s + "." + f + u.name;
        }
        continue;
      }
      return s + u.name;
    }
  }
  return sign + std::to_string(v) + "ns";
}

}  // namespace raftlab::sim
