// sim/lab/lab_internal.h — what the lab's source files (lab.cc: one seed; sweep.cc: the
// sweep; worker.cc: a seed in its own process; failure_file.cc; report.cc) share. Not part
// of the lab's interface (lab.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "sim/lab/atomic_file.h"
#include "sim/lab/lab.h"

namespace raftlab::lab::detail {

// The seeds of a SeedSet without listing them: the i-th is first + i * M.
struct SeedSeq {
  std::uint64_t first = 0, step = 1, count = 0;
  explicit SeedSeq(const SeedSet& s) {
    step = s.shard_m;
    const std::uint64_t end = s.first_seed + s.seeds;
    const std::uint64_t want = s.shard_k - 1;
    const std::uint64_t have = s.first_seed % s.shard_m;
    first = s.first_seed + (want + s.shard_m - have) % s.shard_m;
    count = first < end ? (end - first + step - 1) / step : 0;
  }
  [[nodiscard]] std::uint64_t at(std::uint64_t i) const { return first + i * step; }
};

inline std::uint64_t seq_count(const SeedSet& s) { return SeedSeq(s).count; }

inline std::string level_name(sim::TraceLevel l) {
  switch (l) {
    case sim::TraceLevel::Off: return "off";
    case sim::TraceLevel::Full: return "full";
    default: return "default";
  }
}

// All or nothing (atomic_file.h): a full disk leaves no truncated or 0-byte file.
inline bool write_file(const std::string& path, const std::string& text, std::string* why = nullptr) {
  std::string e = write_file_atomic(path, text);
  if (why) *why = e;
  return e.empty();
}

// worker.cc: a seed's result as one line between a worker process and its parent.
std::string to_wire(const SeedResult& r, std::uint64_t index);
bool from_wire(const std::string& line, SeedResult* r, std::uint64_t* index);
bool write_all(int fd, const std::string& s);
// Resident memory of a process in MiB (0 when unknown).
std::uint64_t rss_mb(pid_t pid);
// The verdict for a run whose process died: checker "crash", evidence = what it printed.
SeedResult crash_result(std::uint64_t seed, int status, const std::string& stderr_tail, const RunSettings& limits,
                        bool killed_for_memory);
// Keeps the last few KiB of a process's stderr.
void keep_tail(std::string& buf, const char* data, size_t n);

}  // namespace raftlab::lab::detail
