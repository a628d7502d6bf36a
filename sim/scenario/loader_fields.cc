// The scenario loader's generic field readers, references and text helpers (loader_impl.h).
#include "sim/scenario/loader_impl.h"

#include <algorithm>

#include "sim/scenario/duration.h"

namespace raftlab::scenario {
namespace detail {
namespace {

bool env_first(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool env_rest(char c) { return env_first(c) || (c >= '0' && c <= '9'); }

}  // namespace

// ---------------------------------------------------------------- small helpers

std::string q(std::string_view s) { return quote_for_message(s); }

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number with a fraction";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

bool matches(std::string_view s, bool (*first)(char), bool (*rest)(char)) {
  if (s.empty() || !first(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), rest);
}
bool lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool scenario_name_char(char c) { return lower_or_digit(c) || c == '-'; }
bool alnum(char c) { return lower_or_digit(c) || (c >= 'A' && c <= 'Z'); }
bool name_char(char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; }

bool valid_ipv4(std::string_view ip) {
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t digits = 0;
    int value = 0;
    while (i < ip.size() && ip[i] >= '0' && ip[i] <= '9' && digits < 4) {
      value = value * 10 + (ip[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0 || digits > 3 || value > 255) return false;
    if (digits > 1 && ip[i - digits] == '0') return false;  // "010" is ambiguous (octal)
    ++parts;
    if (i == ip.size()) return parts == 4;
    if (ip[i] != '.' || parts == 4) return false;
    ++i;
  }
}

bool valid_url(std::string_view url) {
  size_t scheme = 0;
  if (url.substr(0, 7) == "http://") {
    scheme = 7;
  } else if (url.substr(0, 8) == "https://") {
    scheme = 8;
  } else {
    return false;
  }
  std::string_view rest = url.substr(scheme);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) return false;
  const std::string_view host = rest.substr(0, colon);
  const std::string_view port = rest.substr(colon + 1);
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  if (std::stoi(std::string(port)) > 65535 || std::stoi(std::string(port)) == 0) return false;
  return std::all_of(host.begin(), host.end(), [](char c) { return name_char(c); });
}

std::string join(const std::vector<std::string>& items, size_t max_items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i == max_items) return out + ", ...";
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out;
}

std::vector<std::string> fault_kind_names() {
  std::vector<std::string> names;
  for (int i = 0; i < kFaultKinds; ++i) names.emplace_back(fault_kind_name(static_cast<FaultKind>(i)));
  return names;
}

// ---------------------------------------------------------------- generic field access

void Loader::error(const std::string& path, std::string message, std::string fix) {
  if (result_.errors.size() >= kMaxLoadErrors) {
    result_.truncated = true;
    return;
  }
  result_.errors.push_back(load_error_at(file_, positions_, path, std::move(message), std::move(fix)));
}

bool Loader::is_object(const json& v, const std::string& path, const char* what) {
  if (v.is_object()) return true;
  error(path, std::string(what) + " must be an object {...}, got " + type_name(v));
  return false;
}

// Reports unknown keys; returns how many there were.
size_t Loader::check_keys(const json& obj, const std::string& path, const Keys& allowed) {
  size_t unknown = 0;
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    (void)value;
    std::string fix;
    if (key == "client_port" || key == "peer_port" || key == "ports") {
      fix = "ports are read from the member's own config (docker -p, --listen-client-urls, "
            "--listen-peer-urls); remove this key";
    } else if (const std::string guess = closest_match(key, allowed); !guess.empty()) {
      fix = "did you mean " + q(guess) + "?";
    } else {
      fix = "allowed keys here: " + join(allowed, 20);
    }
    error(child_path(path, key), "unknown key " + q(key), std::move(fix));
    ++unknown;
  }
  return unknown;
}

const json* Loader::field(const json& obj, const std::string& path, const char* key, bool required) {
  const auto it = obj.find(key);
  if (it != obj.end()) return &*it;
  if (required) error(path, std::string("missing required key ") + q(key));
  return nullptr;
}

std::optional<std::string> Loader::string_at(const json& v, const std::string& path, bool non_empty) {
  if (!v.is_string()) {
    error(path, std::string("expected a string, got ") + type_name(v), "write it in double quotes");
    return std::nullopt;
  }
  std::string s = v.get<std::string>();
  if (non_empty && s.empty()) {
    error(path, "must not be empty");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> Loader::string_field(const json& obj, const std::string& path, const char* key,
                                        bool required, bool non_empty) {
  const json* v = field(obj, path, key, required);
  if (v == nullptr) return std::nullopt;
  return string_at(*v, child_path(path, key), non_empty);
}

std::optional<bool> Loader::bool_field(const json& obj, const std::string& path, const char* key) {
  const json* v = field(obj, path, key, false);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    error(child_path(path, key), std::string("expected true or false, got ") + type_name(*v),
          v->is_string() ? "write true or false without quotes" : "");
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<int64_t> Loader::count_field(const json& obj, const std::string& path, const char* key) {
  const json* v = field(obj, path, key, false);
  if (v == nullptr) return std::nullopt;
  const std::string p = child_path(path, key);
  if (v->is_number_unsigned() && v->get<uint64_t>() <= static_cast<uint64_t>(kMaxCount)) {
    return static_cast<int64_t>(v->get<uint64_t>());
  }
  if (v->is_number_integer() && v->get<int64_t>() >= 0 && v->get<int64_t>() <= kMaxCount) {
    return v->get<int64_t>();
  }
  error(p, "expected a whole number from 0 to " + std::to_string(kMaxCount) + ", got " +
               (v->is_number() ? v->dump() : std::string(type_name(*v))),
        v->is_string() ? "write the number without quotes" : "");
  return std::nullopt;
}

std::optional<int64_t> Loader::duration_at(const json& v, const std::string& path) {
  if (!v.is_string()) {
    error(path, std::string("expected a duration string like \"5s\", got ") +
                    (v.is_number() ? v.dump() : std::string(type_name(v))),
          v.is_number() ? "durations need a unit: write \"" + v.dump() + "s\" for seconds" : "");
    return std::nullopt;
  }
  const ParsedDuration d = parse_duration(v.get<std::string>());
  if (!d.ok) {
    error(path, d.message, d.fix);
    return std::nullopt;
  }
  return d.ns;
}

std::optional<int64_t> Loader::duration_field(const json& obj, const std::string& path, const char* key, bool required) {
  const json* v = field(obj, path, key, required);
  if (v == nullptr) return std::nullopt;
  return duration_at(*v, child_path(path, key));
}

// A string or an array of strings.
std::optional<std::vector<std::string>> Loader::string_list_at(const json& v, const std::string& path) {
  if (v.is_string()) return std::vector<std::string>{v.get<std::string>()};
  if (!v.is_array()) {
    error(path, std::string("expected a list of strings, got ") + type_name(v), "write e.g. [\"etcd1\", \"etcd2\"]");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < v.size(); ++i) {
    const auto s = string_at(v[i], index_path(path, i));
    ok = ok && s.has_value();
    if (s) out.push_back(*s);
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::map<std::string, std::string>> Loader::env_at(const json& v, const std::string& path) {
  if (!is_object(v, path, "an environment")) return std::nullopt;
  std::map<std::string, std::string> out;
  bool ok = true;
  for (const auto& [name, value] : v.items()) {
    const std::string p = child_path(path, name);
    if (!matches(name, env_first, env_rest)) {
      error(p, "invalid environment variable name " + q(name), "use letters, digits and _, not starting with a digit");
      ok = false;
    }
    if (!value.is_string()) {
      error(p, std::string("environment values are strings, got ") + type_name(value),
            value.is_primitive() && !value.is_null() ? "write it in quotes: \"" + value.dump() + "\"" : "");
      ok = false;
      continue;
    }
    out[name] = value.get<std::string>();
  }
  if (!ok) return std::nullopt;
  return out;
}

void Loader::unknown_name(const std::string& path, const char* kind, const std::string& name,
                  const std::vector<std::string>& known, const char* list_path) {
  std::string fix;
  if (const std::string guess = closest_match(name, known); !guess.empty()) {
    fix = "did you mean " + q(guess) + "?";
  } else {
    fix = std::string("add it to ") + list_path + " or fix the name";
  }
  error(path, std::string("unknown ") + kind + " " + q(name) + ": " + kind + "s are " + join(known), fix);
}

bool Loader::known_member(const std::string& name, const std::string& path) {
  if (member_names_set_.count(name) != 0) return true;
  unknown_name(path, "member", name, member_names_, "$.members");
  return false;
}

bool Loader::known_host(const std::string& name, const std::string& path) {
  if (host_names_set_.count(name) != 0) return true;
  unknown_name(path, "host", name, host_names_, "$.hosts");
  return false;
}

std::optional<Endpoint> Loader::endpoint_at(const json& v, const std::string& path) {
  const auto s = string_at(v, path);
  if (!s) return std::nullopt;
  if (s->find("://") != std::string::npos) {
    if (!valid_url(*s)) {
      error(path, "invalid endpoint URL " + q(*s), "write scheme://host:port, e.g. \"http://10.101.99.100:2379\"");
      return std::nullopt;
    }
    return Endpoint{"", *s};
  }
  if (!known_member(*s, path)) return std::nullopt;
  return Endpoint{*s, ""};
}

// Member names for start/stop/kill/restart: non-empty, known, no repeats.
std::optional<std::vector<std::string>> Loader::member_list_at(const json& v, const std::string& path) {
  auto names = string_list_at(v, path);
  if (!names) return std::nullopt;
  if (names->empty()) {
    error(path, "the list of members is empty", "name at least one member");
    return std::nullopt;
  }
  bool ok = true;
  std::set<std::string> seen;
  for (size_t i = 0; i < names->size(); ++i) {
    const std::string p = v.is_array() ? index_path(path, i) : path;
    const std::string& n = (*names)[i];
    if (!seen.insert(n).second) {
      error(p, "member " + q(n) + " is listed twice", "list each member once");
      ok = false;
    } else if (!known_member(n, p)) {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return names;
}

void Loader::leader_host_not_a_host_name(const std::string& path) {
  if (host_names_set_.count(kLeaderHost))
    error(path, "\"leader\" here means the host of whichever member leads, and a host is also named \"leader\"",
          "rename that host");
}

std::optional<FaultKind> Loader::fault_kind_at(const std::string& name, const std::string& path) {
  if (const auto kind = fault_kind_from_name(name)) return kind;
  const std::vector<std::string> names = fault_kind_names();
  const std::string guess = closest_match(name, names);
  error(path, "unknown fault kind " + q(name), guess.empty() ? "kinds are " + join(names, 20) : "did you mean " + q(guess) + "?");
  return std::nullopt;
}

}  // namespace detail

size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: insert, delete, substitute, swap two adjacent chars.
  if (a.size() > 256 || b.size() > 256) return std::max(a.size(), b.size());
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_score = 4;  // only distances <= 2 (or a prefix relation, scored 3) qualify
  for (const std::string& c : candidates) {
    size_t score = edit_distance(word, c);
    if (score > 2 || score >= word.size()) score = 4;
    const bool prefix = (word.size() >= 2 && c.rfind(word, 0) == 0) ||
                        (c.size() >= 3 && word.substr(0, c.size()) == c);
    if (score > 3 && prefix) score = 3;
    if (score < best_score) {
      best_score = score;
      best = c;
    }
  }
  return best;
}

}  // namespace raftlab::scenario
