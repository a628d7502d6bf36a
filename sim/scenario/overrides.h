// sim/scenario/overrides.h — Jepsen-style command-line overrides of a scenario file
// (`raftlab run/fuzz --nemesis KINDS --time-limit T --rate R`), applied to the parsed
// document before it is checked, so an overridden scenario is validated exactly as a
// file would be, and a fault-lab failure file written from it carries the overrides
// (its replay needs no flags).
//
//   Overrides o;
//   o.nemesis = "crash,partition";
//   LoadResult r = load_file_with("scenarios/lab/small.json", o);
//
// What each flag does (docs/fault-lab.md, "Overrides"):
//   --nemesis KINDS  the nemesis budget's "kinds" (comma-separated fault kinds; "none":
//                    no nemesis and no explicit faults). A file without a budget gets one
//                    with the defaults below.
//   --time-limit T   the run's "duration"; the nemesis window and the clients end by T.
//   --rate R         client operations per second, all clients together (think time
//                    uniform in [0, 2 * count / R], mean count / R, as Jepsen's stagger);
//                    a file without clients gets kDefaultClients of them.
//
// Must never: accept a value it cannot apply exactly (bad values are errors naming the
// flag and the fix, exit 2), or change anything the flags do not name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sim/scenario/loader.h"

namespace raftlab::scenario {

struct Overrides {
  std::optional<std::string> nemesis;     // "crash,partition" | "none"
  std::optional<std::string> time_limit;  // "40s"
  std::optional<std::string> rate;        // "20" (operations per second)
  [[nodiscard]] bool any() const { return nemesis || time_limit || rate; }
  // "--nemesis crash,partition --time-limit 40s", as given.
  [[nodiscard]] std::string describe() const;
};

// Defaults of a budget or workload the flags create (the file has none).
inline constexpr int64_t kDefaultNemesisLeadNs = 2'000'000'000;  // window opens 2 s after the last start
inline constexpr int64_t kDefaultQuietNs = 4'000'000'000;        // and closes 4 s before the end
inline constexpr int kDefaultClients = 3;

// load_file, then the overrides on the document, then the checks again. Errors in a
// flag's value have the flag as their path ("--rate"); the overridden document's own
// errors name the file "(with --nemesis ...)".
LoadResult load_file_with(const std::string& path, const Overrides& o);

}  // namespace raftlab::scenario
