#include "sim/scenario/scenario.h"

namespace raftlab::scenario {

std::string format(const LoadError& error) {
  std::string out = error.file.empty() ? std::string("<scenario>") : error.file;
  if (error.line > 0) {
    // Appended piecewise: `":" + std::string` trips GCC 12's false -Wrestrict.
    out += ':';
    out += std::to_string(error.line);
    if (error.column > 0) {
      out += ':';
      out += std::to_string(error.column);
    }
  }
  out += ": ";
  if (!error.path.empty()) out += error.path + ": ";
  out += error.message;
  if (!error.fix.empty()) out += " \xE2\x80\x94 " + error.fix;  // em dash
  return out;
}

const Host* Scenario::find_host(const std::string& host_name) const {
  for (const Host& h : hosts) {
    if (h.name == host_name) return &h;
  }
  return nullptr;
}

const Member* Scenario::find_member(const std::string& member_name) const {
  for (const Member& m : members) {
    if (m.name == member_name) return &m;
  }
  return nullptr;
}

LoadError load_error_at(const std::string& file, const std::map<std::string, TextPos>& positions,
                        const std::string& path, std::string message, std::string fix) {
  const TextPos pos = lookup_position(positions, path);
  return LoadError{file, path, std::move(message), std::move(fix), pos.line, pos.column};
}

LoadError Scenario::error_at(const std::string& path, std::string message, std::string fix) const {
  return load_error_at(file, positions, path, std::move(message), std::move(fix));
}

}  // namespace raftlab::scenario

namespace raftlab::scenario {

namespace {
constexpr const char* kFaultNames[kFaultKinds] = {"crash",   "host_down", "terminate", "partition",
                                                  "one_way", "loss",      "duplicate", "reorder",
                                                  "delay",   "clock",     "slow_fsync", "member_remove",
                                                  "member_add", "isolate"};
}  // namespace

const char* fault_kind_name(FaultKind k) {
  const int i = static_cast<int>(k);
  return i >= 0 && i < kFaultKinds ? kFaultNames[i] : "?";
}

std::optional<FaultKind> fault_kind_from_name(std::string_view name) {
  for (int i = 0; i < kFaultKinds; ++i)
    if (name == kFaultNames[i]) return static_cast<FaultKind>(i);
  return std::nullopt;
}

}  // namespace raftlab::scenario
