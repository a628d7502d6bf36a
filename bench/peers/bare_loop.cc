// bench/peers/bare_loop.cc — the bare limit: a minimal discrete-event loop doing no work
// per event. A binary heap (std::priority_queue) of (time, sequence) events, `depth` of
// them pending; each fired event schedules one successor 1 us..1 ms later (the steady
// state of a simulator: pop one, push one). No callback, no payload: what is left is the
// queue itself, the ceiling for any simulator's events per second on this machine.
//
//   bare_loop [--events N] [--depth D] [--seed S]      prints one JSON object
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <vector>

extern "C" {
#include "common.h"
}

namespace {

struct Event {
  std::int64_t at;
  std::uint64_t seq;
  bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t events = 50000000, depth = 1024, seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--events")) events = v;
    else if (!std::strcmp(argv[i], "--depth")) depth = v;
    else if (!std::strcmp(argv[i], "--seed")) seed = v;
    else {
      std::fprintf(stderr, "usage: bare_loop [--events N] [--depth D] [--seed S]\n");
      return 2;
    }
  }
  if (depth == 0 || depth > 100000000) {
    std::fprintf(stderr, "bare_loop: --depth must be 1..100000000\n");
    return 2;
  }
  std::uint64_t s = seed, seq = 0;
  std::vector<Event> storage;
  storage.reserve(depth + 1);
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> q(std::greater<Event>{}, std::move(storage));
  for (std::uint64_t i = 0; i < depth; ++i) q.push(Event{static_cast<std::int64_t>(1000 + uniform_below(&s, 999000)), seq++});
  std::int64_t now = 0;
  std::uint64_t checksum = 0;
  const double w0 = wall_now(), c0 = cpu_now();
  for (std::uint64_t i = 0; i < events; ++i) {
    const Event e = q.top();
    q.pop();
    now = e.at;
    checksum += e.seq;
    q.push(Event{now + 1000 + static_cast<std::int64_t>(uniform_below(&s, 999000)), seq++});
  }
  const double wall = wall_now() - w0, cpu = cpu_now() - c0;
  std::printf("{\"engine\":\"bare-loop\",\"depth\":%llu,\"events\":%llu,\"wall_s\":%.6f,\"cpu_s\":%.6f,"
              "\"events_per_s\":%.1f,\"events_per_cpu_s\":%.1f,\"sim_time_s\":%.3f,\"checksum\":%llu,"
              "\"peak_rss_kib\":%ld,\"ok\":true}\n",
              static_cast<unsigned long long>(depth), static_cast<unsigned long long>(events), wall, cpu,
              static_cast<double>(events) / wall, static_cast<double>(events) / cpu, static_cast<double>(now) / 1e9,
              static_cast<unsigned long long>(checksum), peak_rss_kib());
  return 0;
}
