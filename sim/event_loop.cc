#include "sim/event_loop.h"

#include <cstdio>
#include <cstdlib>

namespace raftlab::sim {

std::uint64_t EventLoop::at(Time when, Callback cb) {
  if (when < now_) {
    std::fprintf(stderr, "EventLoop: event scheduled in the past (%lld < %lld)\n",
                 static_cast<long long>(when.ns), static_cast<long long>(now_.ns));
    std::abort();
  }
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = std::move(cb);
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(std::move(cb));
  }
  const std::uint64_t seq = seq_++;
  queue_.push(Event{when, seq, slot});
  return seq;
}

bool EventLoop::run_until(Time limit, std::uint64_t max_events) {
  std::uint64_t budget = max_events;
  while (!queue_.empty() && queue_.top().at <= limit) {
    if (budget == 0) return false;
    --budget;
    const Event ev = queue_.top();
    queue_.pop();
    now_ = ev.at;
    Callback cb = std::move(slots_[ev.slot]);
    slots_[ev.slot] = nullptr;
    free_slots_.push_back(ev.slot);
    ++fired_;
    cb();
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
