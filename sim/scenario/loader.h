// Scenario loader: scenario file text -> Scenario, or every problem found (capped at 20).
//
// Reads JSON with comments and trailing commas (jsonc.h), then checks the document
// against the schema in scenarios/README.md: every object's keys (unknown ones get a
// "did you mean"), types, required fields, names (hosts, members, timeline and expect
// references), durations, IPv4 addresses. It never throws and never crashes, whatever
// the bytes. It does not parse etcd configuration (docker/flags/args/env): that belongs
// to sim/etcd, which reports through Scenario::error_at().
//
//   LoadResult r = load_file(path);
//   if (!r.ok()) for (const LoadError& e : r.errors) std::cerr << format(e) << "\n";
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/scenario.h"

namespace raftlab::scenario {

inline constexpr size_t kMaxLoadErrors = 20;

struct [[nodiscard]] LoadResult {
  std::optional<Scenario> scenario;  // set iff errors is empty
  std::vector<LoadError> errors;     // in file order where possible; at most kMaxLoadErrors
  bool truncated = false;            // more errors existed than were kept
  [[nodiscard]] bool ok() const { return scenario.has_value(); }
};

LoadResult load_file(const std::string& path);
LoadResult load_string(std::string_view text, std::string file_label);
// Reads the files a loaded scenario names (its cloud part's template) into
// Scenario::attachments; on failure, an error and no scenario. load_file calls it.
void read_attachments(LoadResult& r, const std::string& scenario_path);

// Damerau-Levenshtein (optimal string alignment) distance, for "did you mean".
[[nodiscard]] size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate (distance <= 2, or one is a prefix of the other), or "".
[[nodiscard]] std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace raftlab::scenario
