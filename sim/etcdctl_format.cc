#include "sim/etcdctl_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace raftlab::etcdctl {
namespace {

constexpr size_t kMaxCellWidth = 30;       // tablewriter MAX_ROW_WIDTH
constexpr int64_t kWrapPenalty = 100'000;  // tablewriter defaultPenalty for over-long lines

// Display width: one column per UTF-8 code point (etcd's cells are ASCII; runewidth would
// count East Asian wide characters as two).
size_t width(const std::string& s) {
  size_t w = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++w;
  }
  return w;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    if (at == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

// Minimum-raggedness line breaking (tablewriter WrapWords): cost of a line is the square
// of its slack; a line longer than `limit` (one over-long word) adds kWrapPenalty.
std::vector<std::string> wrap_words(const std::vector<std::string>& words, size_t limit) {
  const size_t n = words.size();
  std::vector<size_t> widths(n);
  for (size_t i = 0; i < n; ++i) widths[i] = width(words[i]);
  // line_width(i, j): words i..j inclusive, one space between.
  auto line_width = [&](size_t i, size_t j) {
    size_t w = 0;
    for (size_t k = i; k <= j; ++k) w += widths[k];
    return w + (j - i);
  };
  std::vector<size_t> next_break(n, n);
  std::vector<int64_t> cost(n, std::numeric_limits<int32_t>::max());
  for (size_t ii = n; ii-- > 0;) {
    if (line_width(ii, n - 1) <= limit) {
      cost[ii] = 0;
      next_break[ii] = n;
      continue;
    }
    for (size_t j = ii + 1; j < n; ++j) {
      const int64_t used = static_cast<int64_t>(line_width(ii, j - 1));
      const int64_t slack = static_cast<int64_t>(limit) - used;
      int64_t c = slack * slack + cost[j];
      if (used > static_cast<int64_t>(limit)) c += kWrapPenalty;
      if (c < cost[ii]) {
        cost[ii] = c;
        next_break[ii] = j;
      }
    }
  }
  std::vector<std::string> lines;
  for (size_t i = 0; i < n; i = next_break[i]) {
    std::vector<std::string> line(words.begin() + static_cast<std::ptrdiff_t>(i),
                                  words.begin() + static_cast<std::ptrdiff_t>(next_break[i]));
    lines.push_back(join(line, " "));
  }
  return lines;
}

// tablewriter parseDimension with autoWrap + reflowText: returns the cell's lines and
// raises `column_width` to what the cell needs.
std::vector<std::string> cell_lines(const std::string& text, size_t& column_width) {
  std::vector<std::string> raw = split(text, '\n');
  size_t max_width = 0;
  for (const std::string& line : raw) max_width = std::max(max_width, width(line));
  max_width = std::min(max_width, kMaxCellWidth);
  // Reflow: one paragraph, split on single spaces (so runs of spaces give empty words).
  const std::vector<std::string> words = split(join(raw, " "), ' ');
  size_t limit = max_width;
  for (const std::string& w : words) limit = std::max(limit, width(w));
  std::vector<std::string> lines = wrap_words(words, limit);
  size_t needed = max_width;
  for (const std::string& line : lines) needed = std::max(needed, width(line));
  column_width = std::max(column_width, needed);
  return lines;
}

// tablewriter Title(): '_' and most '.' become spaces, trimmed, upper-cased.
std::string title(const std::string& name) {
  std::string s = name;
  auto num_or_space = [](char c) { return (c >= '0' && c <= '9') || c == ' '; };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      s[i] = ' ';
    } else if (s[i] == '.') {
      if ((i != 0 && !num_or_space(name[i - 1])) || (i + 1 != s.size() && !num_or_space(name[i + 1]))) s[i] = ' ';
    }
  }
  const size_t first = s.find_first_not_of(" \t\n\r");
  s = first == std::string::npos ? std::string() : s.substr(first, s.find_last_not_of(" \t\n\r") - first + 1);
  if (s.empty() && !name.empty()) s = " ";
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

std::string spaces(size_t n) { return std::string(n, ' '); }

// Centred, extra space on the right (tablewriter Pad).
std::string pad_center(const std::string& s, size_t w) {
  const size_t have = width(s);
  if (have >= w) return s;
  const size_t left = (w - have) / 2;
  return spaces(left) + s + spaces(w - have - left);
}

std::string pad_left(const std::string& s, size_t w) {
  const size_t have = width(s);
  return have >= w ? s : spaces(w - have) + s;
}

std::string border(const std::vector<size_t>& widths) {
  std::string out = "+";
  for (size_t w : widths) out += std::string(w + 2, '-') + "+";
  return out + "\n";
}

std::string json_string(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

const char* boolean(bool b) { return b ? "true" : "false"; }

std::vector<std::string> endpoint_status_header() {
  // etcd's own header strings; tablewriter upper-cases them.
  return {"endpoint", "ID", "version", "db size", "is leader", "is learner", "raft term", "raft index",
          "raft applied index", "errors"};
}

std::vector<std::vector<std::string>> endpoint_status_cells(const std::vector<EndpointStatusRow>& rows) {
  std::vector<std::vector<std::string>> out;
  for (const EndpointStatusRow& r : rows) {
    out.push_back({r.endpoint, hex_id(r.id), r.version, humanize_bytes(r.db_size_bytes), boolean(r.is_leader),
                   boolean(r.is_learner), std::to_string(r.raft_term), std::to_string(r.raft_index),
                   std::to_string(r.raft_applied_index), join(r.errors, ", ")});
  }
  return out;
}

std::vector<std::vector<std::string>> member_list_cells(const std::vector<MemberRow>& rows) {
  std::vector<std::vector<std::string>> out;
  for (const MemberRow& m : rows) {
    // etcd decides "unstarted" from the empty name alone.
    const bool started = m.started && !m.name.empty();
    out.push_back({hex_id(m.id), started ? "started" : "unstarted", m.name, join(m.peer_urls, ","),
                   join(m.client_urls, ","), boolean(m.is_learner)});
  }
  return out;
}

std::string simple(const std::vector<std::vector<std::string>>& cells) {
  std::string out;
  for (const auto& row : cells) out += join(row, ", ") + "\n";
  return out;
}

}  // namespace

std::string humanize_bytes(uint64_t bytes) {
  if (bytes < 10) return std::to_string(bytes) + " B";
  static constexpr const char* kSizes[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  // Same floating-point steps as go-humanize, so boundary cases round the same way.
  const double s = static_cast<double>(bytes);
  const double e = std::floor(std::log(s) / std::log(1000.0));
  const double val = std::floor(s / std::pow(1000.0, e) * 10 + 0.5) / 10;
  char buf[64];
  std::snprintf(buf, sizeof buf, val < 10 ? "%.1f %s" : "%.0f %s", val, kSizes[static_cast<int>(e)]);
  return buf;
}

std::string hex_id(uint64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(id));
  return buf;
}

std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  size_t columns = header.size();
  for (const auto& row : rows) columns = std::max(columns, row.size());
  std::vector<size_t> widths(columns, 0);
  std::vector<std::vector<std::string>> header_lines;
  size_t header_height = 0;
  for (size_t c = 0; c < header.size(); ++c) {
    header_lines.push_back(cell_lines(header[c], widths[c]));
    header_height = std::max(header_height, header_lines.back().size());
  }
  std::vector<std::vector<std::vector<std::string>>> row_lines;
  for (const auto& row : rows) {
    row_lines.emplace_back();
    for (size_t c = 0; c < row.size(); ++c) row_lines.back().push_back(cell_lines(row[c], widths[c]));
  }
  std::string out = border(widths);
  if (!header.empty()) {
    for (size_t x = 0; x < header_height; ++x) {
      out += "|";
      for (size_t c = 0; c < columns; ++c) {
        const std::string h = c < header_lines.size() && x < header_lines[c].size() ? header_lines[c][x] : "";
        out += ' ';
        out += pad_center(title(h), widths[c]);
        out += " |";
      }
      out += "\n";
    }
    out += border(widths);
  }
  for (auto& cells : row_lines) {
    size_t height = 0;
    for (const auto& lines : cells) height = std::max(height, lines.size());
    // Short cells are filled with two-space lines, as tablewriter does.
    for (auto& lines : cells) lines.resize(height, "  ");
    for (size_t x = 0; x < height; ++x) {
      for (size_t c = 0; c < cells.size(); ++c) {
        out += "| ";  // appended piecewise: `"| " + std::string` trips GCC 12's false -Wrestrict
        out += pad_left(cells[c][x], widths[c]);
        out += ' ';
      }
      out += "|\n";
    }
  }
  return out + border(widths);
}

std::string endpoint_status_table(const std::vector<EndpointStatusRow>& rows) {
  return render_table(endpoint_status_header(), endpoint_status_cells(rows));
}

std::string endpoint_status_simple(const std::vector<EndpointStatusRow>& rows) {
  return simple(endpoint_status_cells(rows));
}

std::string member_list_table(const std::vector<MemberRow>& rows) {
  return render_table({"ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"}, member_list_cells(rows));
}

std::string member_list_simple(const std::vector<MemberRow>& rows) { return simple(member_list_cells(rows)); }

std::string endpoint_status_error_line(const std::string& endpoint, const std::string& error) {
  return "Failed to get the status of endpoint " + endpoint + " (" + error + ")\n";
}

std::string endpoint_status_warn_json(const std::string& endpoint, const std::string& error) {
  return "{\"level\":\"warn\",\"logger\":\"etcd-client\",\"msg\":\"retrying of unary invoker failed\",\"target\":" +
         json_string("etcd-endpoints://" + endpoint) + ",\"attempt\":0,\"error\":" + json_string(error) + "}\n";
}

}  // namespace raftlab::etcdctl
