// sim/lab/failure_file.cc — a failing seed's file: the raftlab-lab header line and the
// explicit scenario after it.
#include "sim/lab/lab.h"

#include <sstream>

#include <fmt/format.h>

#include "sim/nemesis/nemesis.h"

namespace raftlab::lab {

static constexpr const char* kHeaderTag = "// raftlab-lab ";

std::string header_line(const FailureHeader& h) {
  nlohmann::ordered_json j;
  j["seed"] = h.seed;
  j["trace_sha256"] = h.trace_sha256;
  j["checkers"] = h.checkers;
  j["planted_bugs"] = h.planted_bugs;
  j["trace_level"] = h.trace_level;
  j["scenario"] = h.scenario;
  if (!h.note.empty()) j["note"] = h.note;
  return kHeaderTag + j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::optional<FailureHeader> read_header(const std::string& text, std::string* error) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line) && n++ < 64) {
    if (line.rfind(kHeaderTag, 0) != 0) continue;
    const auto j = nlohmann::json::parse(line.substr(std::string(kHeaderTag).size()), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      if (error) *error = fmt::format("line {}: the raftlab-lab header is not one JSON object", n);
      return std::nullopt;
    }
    FailureHeader h;
    // A seed is a whole number 0..2^64-1: 18446744073709551616 reads as a double and a
    // negative number as an int, and nlohmann's value<uint64_t> would convert either one
    // (to 0 or 2^64-1) and replay another seed (issue 24).
    if (const auto it = j.find("seed"); it != j.end() && !it->is_number_unsigned()) {
      if (error)
        *error = fmt::format("line {}: the raftlab-lab header's seed {} is not a whole number from 0 to "
                             "18446744073709551615",
                             n, it->dump());
      return std::nullopt;
    }
    try {
      h.seed = j.value("seed", std::uint64_t{0});
      h.trace_sha256 = j.value("trace_sha256", std::string{});
      h.checkers = j.value("checkers", std::vector<std::string>{});
      h.planted_bugs = j.value("planted_bugs", std::vector<std::string>{});
      h.trace_level = j.value("trace_level", std::string{"default"});
      h.scenario = j.value("scenario", std::string{});
      h.note = j.value("note", std::string{});
    } catch (const nlohmann::json::exception& e) {
      if (error) *error = fmt::format("line {}: the raftlab-lab header has a field of the wrong type ({})", n, e.what());
      return std::nullopt;
    }
    if (h.trace_level != "default" && h.trace_level != "full") {
      if (error) *error = fmt::format("line {}: trace_level \"{}\" — use \"default\" or \"full\"", n, h.trace_level);
      return std::nullopt;
    }
    return h;
  }
  if (error) error->clear();
  return std::nullopt;
}

std::string failure_file_text(const scenario::Scenario& s, const FailureHeader& h) {
  return nemesis::write_scenario(s, header_line(h));
}

}  // namespace raftlab::lab
