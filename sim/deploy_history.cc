// sim/deploy_history.cc — the warning about a '!' that an interactive bash would
// history-expand in a `docker run` line (sim/etcd/shell.h keeps it literal, as a script
// does), said where it is in the scenario file (line and column) and only where it
// could change the outcome: a '!' inside the value of a variable the model does not
// read changes nothing raftlab simulates, so it is not reported.
//
// Not read by the model (docs/etcd-behaviour.md, "Shell"): ETCD_ROOT_PASSWORD (the
// Bitnami image's RBAC set-up; authentication is not modelled).
#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "sim/deploy.h"

namespace raftlab::sim {

namespace {

constexpr const char* kHistoryPrefix = "'!' at byte ";
constexpr const char* kNotModelled[] = {"ETCD_ROOT_PASSWORD"};

}  // namespace

bool history_warning_at(const scenario::Scenario& s, const scenario::MemberConfig& mc, const std::string& member,
                        std::string* warning) {
  if (warning->rfind(kHistoryPrefix, 0) != 0) return true;  // another warning: as it is
  const size_t byte = static_cast<size_t>(std::strtoull(warning->c_str() + std::char_traits<char>::length(kHistoryPrefix),
                                                        nullptr, 10));
  const std::string& text = mc.text;
  if (byte >= text.size()) return true;
  // The shell word holding it: from the blank before it.
  size_t start = byte;
  while (start > 0 && text[start - 1] != ' ' && text[start - 1] != '\t' && text[start - 1] != '\n') --start;
  std::string word = text.substr(start, byte - start);
  word.erase(std::remove(word.begin(), word.end(), '"'), word.end());
  word.erase(std::remove(word.begin(), word.end(), '\''), word.end());
  const size_t eq = word.find('=');
  if (eq != std::string::npos) {
    const std::string var = word.substr(0, eq);
    for (const char* v : kNotModelled)
      if (var == v) return false;  // its value changes nothing simulated
  }
  // Where it is in the file: the array form has one JSON string per line.
  const size_t line_index = static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
  const size_t line_start = text.rfind('\n', byte == 0 ? 0 : byte - 1);
  const size_t from = line_start == std::string::npos || line_index == 0 ? 0 : line_start + 1;
  std::string element = fmt::format("{}[{}]", mc.path, line_index);
  if (s.positions.count(element) == 0) element = mc.path;
  const scenario::TextPos pos = scenario::lookup_position(s.positions, element);
  // Columns of the JSON source: the opening quote, then one per character, two per
  // character JSON escapes (\" and \\). An array element's position is its string's; a
  // single string's is its key's, followed by `": "` as written in every shipped file.
  int column = pos.column + 1;
  if (element == mc.path) column += static_cast<int>(mc.path.size() - mc.path.rfind('.') - 1) + 4;
  for (size_t i = element == mc.path ? 0 : from; i < byte; ++i) column += (text[i] == '"' || text[i] == '\\') ? 2 : 1;
  const std::string rest = warning->substr(warning->find(':') + 1);
  *warning = fmt::format("{} (line {}, column {}): '!':{}", member, pos.line, column, rest);
  return true;
}

}  // namespace raftlab::sim
