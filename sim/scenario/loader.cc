#include "sim/scenario/loader.h"
#include "sim/scenario/input_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

#include "sim/scenario/duration.h"

namespace raftlab::scenario {
namespace {

using json = nlohmann::json;
using Keys = std::vector<std::string>;

constexpr int64_t kDefaultTail = 10 * kNanosPerSecond;  // run this long past the last event
constexpr int64_t kMaxCount = 100'000;                   // upper bound for count assertions

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
bool env_first(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool env_rest(char c) { return env_first(c) || (c >= '0' && c <= '9'); }

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

// "http://host:port" or "https://host:port" (an optional trailing "/" allowed).
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

std::string join(const std::vector<std::string>& items, size_t max_items = 12) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i == max_items) return out + ", ...";
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out;
}

// ---------------------------------------------------------------- the checker

class Loader {
 public:
  Loader(std::string file, const std::map<std::string, TextPos>& positions, LoadResult& result)
      : file_(std::move(file)), positions_(positions), result_(result) {}

  void error(const std::string& path, std::string message, std::string fix = {}) {
    if (result_.errors.size() >= kMaxLoadErrors) {
      result_.truncated = true;
      return;
    }
    const TextPos pos = lookup_position(positions_, path);
    result_.errors.push_back({file_, path, std::move(message), std::move(fix), pos.line, pos.column});
  }

  Scenario load(const json& root);

 private:
  // ---- generic field access; each reports its own errors and returns nullopt on them.
  bool is_object(const json& v, const std::string& path, const char* what) {
    if (v.is_object()) return true;
    error(path, std::string(what) + " must be an object {...}, got " + type_name(v));
    return false;
  }

  // Reports unknown keys; returns how many there were.
  size_t check_keys(const json& obj, const std::string& path, const Keys& allowed) {
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

  const json* field(const json& obj, const std::string& path, const char* key, bool required) {
    const auto it = obj.find(key);
    if (it != obj.end()) return &*it;
    if (required) error(path, std::string("missing required key ") + q(key));
    return nullptr;
  }

  std::optional<std::string> string_at(const json& v, const std::string& path, bool non_empty = true) {
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

  std::optional<std::string> string_field(const json& obj, const std::string& path, const char* key,
                                          bool required, bool non_empty = true) {
    const json* v = field(obj, path, key, required);
    if (v == nullptr) return std::nullopt;
    return string_at(*v, child_path(path, key), non_empty);
  }

  std::optional<bool> bool_field(const json& obj, const std::string& path, const char* key) {
    const json* v = field(obj, path, key, false);
    if (v == nullptr) return std::nullopt;
    if (!v->is_boolean()) {
      error(child_path(path, key), std::string("expected true or false, got ") + type_name(*v),
            v->is_string() ? "write true or false without quotes" : "");
      return std::nullopt;
    }
    return v->get<bool>();
  }

  std::optional<int64_t> count_field(const json& obj, const std::string& path, const char* key) {
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

  std::optional<int64_t> duration_at(const json& v, const std::string& path) {
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

  std::optional<int64_t> duration_field(const json& obj, const std::string& path, const char* key, bool required) {
    const json* v = field(obj, path, key, required);
    if (v == nullptr) return std::nullopt;
    return duration_at(*v, child_path(path, key));
  }

  // A string or an array of strings.
  std::optional<std::vector<std::string>> string_list_at(const json& v, const std::string& path) {
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

  std::optional<std::map<std::string, std::string>> env_at(const json& v, const std::string& path) {
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

  // ---- references
  void unknown_name(const std::string& path, const char* kind, const std::string& name,
                    const std::vector<std::string>& known, const char* list_path) {
    std::string fix;
    if (const std::string guess = closest_match(name, known); !guess.empty()) {
      fix = "did you mean " + q(guess) + "?";
    } else {
      fix = std::string("add it to ") + list_path + " or fix the name";
    }
    error(path, std::string("unknown ") + kind + " " + q(name) + ": " + kind + "s are " + join(known), fix);
  }

  bool known_member(const std::string& name, const std::string& path) {
    if (member_names_set_.count(name) != 0) return true;
    unknown_name(path, "member", name, member_names_, "$.members");
    return false;
  }

  bool known_host(const std::string& name, const std::string& path) {
    if (host_names_set_.count(name) != 0) return true;
    unknown_name(path, "host", name, host_names_, "$.hosts");
    return false;
  }

  std::optional<Endpoint> endpoint_at(const json& v, const std::string& path) {
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
  std::optional<std::vector<std::string>> member_list_at(const json& v, const std::string& path) {
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

  // ---- sections
  std::optional<LatencyRange> latency(const json& v, const std::string& path);
  void network(const json& v, Scenario& s);
  void hosts(const json& v, Scenario& s);
  std::optional<MemberConfig> config(const json& obj, const std::string& path, const std::string& owner, bool optional);
  void members(const json& v, Scenario& s);
  std::optional<TimelineEntry> timeline_entry(const json& v, const std::string& path);
  std::optional<Action> action(const std::string& key, const json& entry, const std::string& path);
  std::optional<Expectation> expectation(const json& v, const std::string& path);
  // The fault lab (faults, nemesis, clients).
  std::optional<int64_t> ppm_at(const json& v, const std::string& path, int64_t max_ppm, const char* what);
  std::optional<int64_t> ppm_field(const json& obj, const std::string& path, const char* key, bool required,
                                   int64_t max_ppm, const char* what);
  std::optional<std::vector<std::string>> member_set_at(const json& v, const std::string& path, bool allow_empty);
  std::optional<Fault> fault(const json& v, const std::string& path);
  std::optional<NemesisBudget> nemesis(const json& v, const std::string& path);
  std::optional<ClientWorkload> clients(const json& v, const std::string& path);
  void spares(const Scenario& s);

  std::string file_;
  const std::map<std::string, TextPos>& positions_;
  LoadResult& result_;
  std::vector<std::string> host_names_;
  std::set<std::string> host_names_set_;
  std::vector<std::string> member_names_;
  std::set<std::string> member_names_set_;
};

const Keys kTopKeys = {"name",    "description", "seed",     "duration", "etcd_version",
                       "network", "hosts",       "members",  "timeline", "expect",
                       "fsync_latency", "faults", "nemesis", "clients", "cloud"};
const Keys kFaultKeys = {"at",   "kind", "target", "duration", "lose_unsynced", "hosts", "members",
                         "from", "to",   "probability", "delay", "latency", "rate", "note",
                         "after_leader_change", "lag"};
const Keys kNemesisKeys = {"kinds",        "start",      "end",          "mean_gap",      "min_duration",
                           "max_duration", "max_down",   "max_faults",   "max_terminations", "lose_unsynced",
                           "loss",         "duplicate",  "reorder",      "reorder_delay", "delay",
                           "clock_rates",  "slow_fsync", "leader_fraction", "leader_lag_max"};
const Keys kClientKeys = {"count", "start", "end", "think", "keys", "read_fraction", "serializable_fraction",
                          "timeout", "max_ops", "value_bytes", "endpoints"};
constexpr int64_t kMaxClients = 1000;
constexpr int64_t kMaxKeys = 100'000;
constexpr int64_t kMaxOpsPerClient = 1'000'000;
// clients.value_bytes: a put must fit etcd's default --max-request-bytes (1.5 MiB =
// 1,572,864) with its key and request header (= etcd::kMaxDeclaredValueBytes).
constexpr int64_t kMaxValueBytes = 1'500'000;
const Keys kNetworkKeys = {"intra_host_latency", "inter_host_latency"};
const Keys kLatencyKeys = {"min", "max"};
const Keys kHostKeys = {"name", "ip", "env"};
const Keys kConfigKeys = {"docker", "flags", "args", "env"};
const Keys kMemberKeys = {"name", "host", "docker", "flags", "args", "env", "spare", "expect_config_error"};
// Keys of a timeline entry that are actions; exactly one per entry.
const Keys kActionKeys = {"start", "stop",  "kill",    "restart",   "kill_host", "restore_host",
                          "run",   "shell", "etcdctl", "partition", "heal", "aws", "ec2", "curl", "dig"};
const Keys kTimelineKeys = {"at",   "note",  "start",   "stop",      "kill", "restart",  "kill_host",
                            "restore_host", "run", "shell", "etcdctl", "endpoints", "partition", "heal", "aws", "ec2", "curl", "dig"};
const Keys kRunKeys = {"member", "docker", "flags", "args", "env", "wipe_data"};
const Keys kShellKeys = {"host", "export", "unset"};
const Keys kExpectKeys = {"at",      "note", "clusters", "leaders", "running", "quorum",
                          "put",     "get",  "members",  "leader_on_host", "leader_not_on_host",
                          "leader_changed_since", "term_at_least", "asg", "targets", "route", "routes", "dig"};
const Keys kAssertionKeys = {"clusters",       "leaders",           "running",
                             "quorum",         "put",               "get",
                             "members",        "leader_on_host",    "leader_not_on_host",
                             "leader_changed_since", "term_at_least", "asg", "targets", "route", "routes", "dig"};
const Keys kPutKeys = {"via", "key", "value", "succeeds"};
const Keys kGetKeys = {"via", "key", "value", "found"};

std::optional<LatencyRange> Loader::latency(const json& v, const std::string& path) {
  if (!is_object(v, path, "a latency range")) return std::nullopt;
  check_keys(v, path, kLatencyKeys);
  const auto lo = duration_field(v, path, "min", true);
  const auto hi = duration_field(v, path, "max", true);
  if (!lo || !hi) return std::nullopt;
  if (*lo > *hi) {
    error(child_path(path, "min"), "min " + format_duration(*lo) + " is greater than max " + format_duration(*hi),
          "swap them");
    return std::nullopt;
  }
  return LatencyRange{*lo, *hi, path};
}

void Loader::network(const json& v, Scenario& s) {
  const std::string path = "$.network";
  if (!is_object(v, path, "\"network\"")) return;
  check_keys(v, path, kNetworkKeys);
  s.network.path = path;
  if (const json* f = field(v, path, "intra_host_latency", false)) {
    s.network.intra_host_latency = latency(*f, child_path(path, "intra_host_latency"));
  }
  if (const json* f = field(v, path, "inter_host_latency", false)) {
    s.network.inter_host_latency = latency(*f, child_path(path, "inter_host_latency"));
  }
}

void Loader::hosts(const json& v, Scenario& s) {
  const std::string path = "$.hosts";
  if (!v.is_array() || v.empty()) {
    error(path, std::string("expected a non-empty array of hosts, got ") + (v.is_array() ? "[]" : type_name(v)),
          "write e.g. [{\"name\": \"A\", \"ip\": \"10.101.99.100\"}]");
    return;
  }
  std::map<std::string, std::string> ip_owner;  // ip -> host name
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string p = index_path(path, i);
    const json& h = v[i];
    if (!is_object(h, p, "a host")) continue;
    check_keys(h, p, kHostKeys);
    Host host;
    host.path = p;
    const auto name = string_field(h, p, "name", true);
    const auto ip = string_field(h, p, "ip", true);
    if (name) {
      if (!matches(*name, alnum, name_char)) {
        error(child_path(p, "name"), "invalid host name " + q(*name), "use letters, digits, '.', '_' and '-'");
      } else if (!host_names_set_.insert(*name).second) {
        error(child_path(p, "name"), "duplicate host name " + q(*name), "give each host its own name");
      } else {
        host_names_.push_back(*name);
      }
      host.name = *name;
    }
    if (ip) {
      if (!valid_ipv4(*ip)) {
        // Hosts are IPv4 only; IPv6 in URLs works for [::] and [::1] (scenarios/README.md).
        error(child_path(p, "ip"), q(*ip) + " is not an IPv4 address" +
                                       (ip->find(':') != std::string::npos ? " (IPv6 host addresses are not modelled)" : ""),
              "write four numbers 0-255 separated by dots, e.g. \"10.101.99.100\"");
      } else if (const auto [it, fresh] = ip_owner.emplace(*ip, host.name); !fresh) {
        error(child_path(p, "ip"), "hosts " + q(it->second) + " and " + q(host.name) + " both have ip " + *ip,
              "give each host its own address");
      }
      host.ip = *ip;
    }
    if (const json* env = field(h, p, "env", false)) {
      if (auto e = env_at(*env, child_path(p, "env"))) host.env = std::move(*e);
    }
    s.hosts.push_back(std::move(host));
  }
}

std::optional<MemberConfig> Loader::config(const json& obj, const std::string& path, const std::string& owner,
                                           bool optional) {
  std::vector<std::string> present;
  for (const std::string& k : kConfigKeys) {
    if (obj.contains(k)) present.push_back(k);
  }
  if (present.empty()) {
    if (!optional) {
      error(path, owner + " has no configuration",
            "add one of \"docker\" (a docker run line), \"flags\" (an etcd command line), "
            "\"args\" (a list of etcd arguments) or \"env\" (ETCD_* variables)");
    }
    return std::nullopt;
  }
  if (present.size() > 1) {
    error(child_path(path, present[1]), owner + " has both " + q(present[0]) + " and " + q(present[1]),
          "keep exactly one; e.g. put ETCD_* variables into the docker line as -e NAME=value");
    return std::nullopt;
  }
  const std::string& key = present[0];
  const std::string p = child_path(path, key);
  const json& v = obj.at(key);
  MemberConfig c;
  c.path = p;
  if (key == "docker") {
    c.kind = ConfigKind::kDocker;
    if (v.is_array()) {
      auto lines = string_list_at(v, p);
      if (!lines) return std::nullopt;
      for (size_t i = 0; i < lines->size(); ++i) c.text += (i ? "\n" : "") + (*lines)[i];
    } else {
      auto text = string_at(v, p);
      if (!text) return std::nullopt;
      c.text = *text;
    }
    if (c.text.find("docker") == std::string::npos) {
      error(p, "this does not look like a docker command: it never says \"docker\"",
            "paste the whole line, e.g. \"docker run -d --name etcd1 ... bitnami/etcd:3.5.18\", or use \"flags\"");
      return std::nullopt;
    }
  } else if (key == "flags") {
    c.kind = ConfigKind::kFlags;
    auto text = string_at(v, p);
    if (!text) return std::nullopt;
    c.text = *text;
  } else if (key == "args") {
    c.kind = ConfigKind::kArgs;
    if (!v.is_array()) {
      error(p, std::string("expected an array of strings, got ") + type_name(v),
            "write e.g. [\"--name\", \"etcd1\"], or use \"flags\" for one string");
      return std::nullopt;
    }
    auto args = string_list_at(v, p);
    if (!args) return std::nullopt;
    c.args = std::move(*args);
  } else {
    c.kind = ConfigKind::kEnv;
    auto env = env_at(v, p);
    if (!env) return std::nullopt;
    c.env = std::move(*env);
  }
  return c;
}

void Loader::members(const json& v, Scenario& s) {
  const std::string path = "$.members";
  if (!v.is_array() || v.empty()) {
    error(path, std::string("expected a non-empty array of members, got ") + (v.is_array() ? "[]" : type_name(v)),
          "write e.g. [{\"name\": \"etcd1\", \"host\": \"A\", \"docker\": \"docker run ...\"}]");
    return;
  }
  // Names first, so a member's definition may be referenced before its entry.
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string p = index_path(path, i);
    if (!v[i].is_object()) continue;
    const auto name = string_field(v[i], p, "name", true);
    if (!name) continue;
    if (!matches(*name, alnum, name_char)) {
      error(child_path(p, "name"), "invalid member name " + q(*name),
            "use letters, digits, '.', '_' and '-' (a docker container name)");
    } else if (!member_names_set_.insert(*name).second) {
      error(child_path(p, "name"), "duplicate member name " + q(*name), "give each member its own name");
    } else {
      member_names_.push_back(*name);
    }
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string p = index_path(path, i);
    const json& m = v[i];
    if (!is_object(m, p, "a member")) continue;
    check_keys(m, p, kMemberKeys);
    Member member;
    member.path = p;
    if (m.contains("name") && m["name"].is_string()) member.name = m["name"].get<std::string>();
    const std::string owner = member.name.empty() ? "member" : "member " + q(member.name);
    if (const auto host = string_field(m, p, "host", true)) {
      member.host = *host;
      if (host_names_set_.count(*host) == 0 && !host_names_.empty()) {
        std::string fix = "add {\"name\": " + q(*host) + ", \"ip\": ...} to $.hosts or fix the host";
        if (const std::string guess = closest_match(*host, host_names_); !guess.empty()) {
          fix = "did you mean " + q(guess) + "? Otherwise " + fix;
        }
        error(child_path(p, "host"), owner + " is on host " + q(*host) + " but hosts are " + join(host_names_), fix);
      }
    }
    if (auto c = config(m, p, owner, false)) member.config = std::move(*c);
    if (const auto spare = bool_field(m, p, "spare")) member.spare = *spare;
    // The etcd flag this member's etcd refuses at start-up, on purpose (scenarios/README.md).
    if (const auto x = string_field(m, p, "expect_config_error", false)) {
      const bool flag = x->size() >= 3 && x->rfind("--", 0) == 0;
      const bool env = x->size() > 5 && x->rfind("ETCD_", 0) == 0;
      if ((!flag && !env) || x->find_first_of(" =") != std::string::npos)
        error(child_path(p, "expect_config_error"),
              "expected an etcd flag name such as \"--election-timeout\" (or its ETCD_* variable), got " + q(*x),
              "name the flag etcd refuses, with its two dashes and without a value");
      else
        member.expect_config_error = *x;
    }
    s.members.push_back(std::move(member));
  }
}

std::optional<Action> Loader::action(const std::string& key, const json& entry, const std::string& path) {
  const std::string p = child_path(path, key);
  const json& v = entry.at(key);
  if (key == "start" || key == "stop" || key == "kill" || key == "restart") {
    auto names = member_list_at(v, p);
    if (!names) return std::nullopt;
    const ProcessOp op = key == "start"  ? ProcessOp::kStart
                         : key == "stop" ? ProcessOp::kStop
                         : key == "kill" ? ProcessOp::kKill
                                         : ProcessOp::kRestart;
    return ProcessAction{op, std::move(*names)};
  }
  if (key == "kill_host" || key == "restore_host") {
    auto host = string_at(v, p);
    // kLeaderHost ("leader"): the host of the member leading when the action runs (the
    // one a `kill_host` "leader" struck, for restore_host); a host so named is ambiguous.
    if (host && *host == kLeaderHost) {
      if (host_names_set_.count(*host))
        error(p, "\"leader\" here means the host of whichever member leads, and a host is also named \"leader\"",
              "rename that host");
      return HostAction{key == "kill_host" ? HostOp::kKill : HostOp::kRestore, *host};
    }
    if (!host || !known_host(*host, p)) return std::nullopt;
    return HostAction{key == "kill_host" ? HostOp::kKill : HostOp::kRestore, *host};
  }
  if (key == "run") {
    if (!is_object(v, p, "\"run\"")) return std::nullopt;
    check_keys(v, p, kRunKeys);
    RunAction run;
    const auto member = string_field(v, p, "member", true);
    bool ok = member.has_value() && known_member(*member, child_path(p, "member"));
    if (member) run.member = *member;
    run.config = config(v, p, "run of member " + q(run.member), true);
    ok = ok && (run.config.has_value() ||
                std::none_of(kConfigKeys.begin(), kConfigKeys.end(), [&](const std::string& k) { return v.contains(k); }));
    if (const auto wipe = bool_field(v, p, "wipe_data")) run.wipe_data = *wipe;
    if (!ok) return std::nullopt;
    return run;
  }
  if (key == "shell") {
    if (!is_object(v, p, "\"shell\"")) return std::nullopt;
    check_keys(v, p, kShellKeys);
    ShellAction shell;
    const auto host = string_field(v, p, "host", true);
    bool ok = host.has_value() && known_host(*host, child_path(p, "host"));
    if (host) shell.host = *host;
    if (const json* e = field(v, p, "export", false)) {
      auto env = env_at(*e, child_path(p, "export"));
      ok = ok && env.has_value();
      if (env) shell.exports = std::move(*env);
    }
    if (const json* u = field(v, p, "unset", false)) {
      auto names = string_list_at(*u, child_path(p, "unset"));
      ok = ok && names.has_value();
      if (names) shell.unset = std::move(*names);
    }
    if (ok && shell.exports.empty() && shell.unset.empty()) {
      error(p, "shell changes nothing", "add \"export\": {\"NAME\": \"value\"} or \"unset\": [\"NAME\"]");
      ok = false;
    }
    if (!ok) return std::nullopt;
    return shell;
  }
  if (key == "etcdctl") {
    auto command = string_at(v, p);
    if (!command) return std::nullopt;
    EtcdctlAction ctl;
    ctl.command = *command;
    if (ctl.command.rfind("etcdctl ", 0) == 0) ctl.command.erase(0, 8);  // tolerate a pasted prefix
    bool ok = true;
    if (const json* eps = field(entry, path, "endpoints", false)) {
      const std::string ep_path = child_path(path, "endpoints");
      if (eps->is_string()) {
        auto ep = endpoint_at(*eps, ep_path);
        ok = ep.has_value();
        if (ep) ctl.endpoints.push_back(*ep);
      } else if (!eps->is_array()) {
        error(ep_path, std::string("expected a list of member names or URLs, got ") + type_name(*eps));
        ok = false;
      } else {
        for (size_t i = 0; i < eps->size(); ++i) {
          auto ep = endpoint_at((*eps)[i], index_path(ep_path, i));
          ok = ok && ep.has_value();
          if (ep) ctl.endpoints.push_back(*ep);
        }
      }
    }
    if (!ok) return std::nullopt;
    return ctl;
  }
  if (std::find(std::begin(kExtensionActionKeys), std::end(kExtensionActionKeys), key) !=
      std::end(kExtensionActionKeys)) {
    // Checked by the layer that owns the key when the deployment is built (sim/extension.h).
    if (key == "ec2") {
      if (!v.is_object()) {
        error(p, std::string("expected an object, got ") + type_name(v), "write e.g. {\"fail\": \"oldest\"}");
        return std::nullopt;
      }
      return ExtAction{key, v};
    }
    if (!v.is_string() && !v.is_array()) {
      error(p, std::string("expected a command line (a string, or an array of lines), got ") + type_name(v),
            "write e.g. \"" + key + " ...\"");
      return std::nullopt;
    }
    return ExtAction{key, v};
  }
  if (key == "partition") {
    if (!v.is_array() || v.empty()) {
      error(p, "expected a non-empty list of host groups", "write e.g. [[\"A\"], [\"B\"]]");
      return std::nullopt;
    }
    PartitionAction part;
    std::set<std::string> seen;
    bool ok = true;
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string gp = index_path(p, i);
      auto group = string_list_at(v[i], gp);
      if (!group || group->empty()) {
        if (group) error(gp, "empty host group", "name at least one host per group");
        ok = false;
        continue;
      }
      for (size_t j = 0; j < group->size(); ++j) {
        const std::string hp = v[i].is_array() ? index_path(gp, j) : gp;
        const std::string& h = (*group)[j];
        if (!known_host(h, hp)) {
          ok = false;
        } else if (!seen.insert(h).second) {
          error(hp, "host " + q(h) + " is in two groups", "a host can be on one side of a partition only");
          ok = false;
        }
      }
      part.groups.push_back(std::move(*group));
    }
    if (!ok) return std::nullopt;
    return part;
  }
  // heal
  if (!v.is_boolean() || !v.get<bool>()) {
    error(p, "\"heal\" must be true", "write \"heal\": true, or remove the entry");
    return std::nullopt;
  }
  return HealAction{};
}

std::optional<TimelineEntry> Loader::timeline_entry(const json& v, const std::string& path) {
  if (!is_object(v, path, "a timeline entry")) return std::nullopt;
  const size_t unknown_keys = check_keys(v, path, kTimelineKeys);
  TimelineEntry entry;
  entry.path = path;
  const auto at = duration_field(v, path, "at", true);
  if (const auto note = string_field(v, path, "note", false, false)) entry.note = *note;
  std::vector<std::string> actions;
  for (const std::string& k : kActionKeys) {
    if (v.contains(k)) actions.push_back(k);
  }
  if (v.contains("endpoints") && !v.contains("etcdctl")) {
    error(child_path(path, "endpoints"), "\"endpoints\" belongs to an \"etcdctl\" entry",
          "remove it or add \"etcdctl\": \"...\"");
  }
  if (actions.size() > 1) {
    error(path, "timeline entry has " + std::to_string(actions.size()) + " actions (" + join(actions) + ")",
          "give each action its own entry; entries may share the same \"at\"");
    return std::nullopt;
  }
  if (actions.empty()) {
    if (unknown_keys > 0) return std::nullopt;  // most likely a misspelt action, reported above
    if (!v.contains("note")) {
      error(path, "timeline entry has no action", "add one of " + join(kActionKeys, 20) + ", or a \"note\"");
      return std::nullopt;
    }
    entry.action = NoteAction{entry.note};
  } else {
    auto a = action(actions[0], v, path);
    if (!a) return std::nullopt;
    entry.action = std::move(*a);
  }
  if (!at) return std::nullopt;
  entry.at_ns = *at;
  return entry;
}

std::optional<Expectation> Loader::expectation(const json& v, const std::string& path) {
  if (!is_object(v, path, "an expectation")) return std::nullopt;
  const size_t unknown_keys = check_keys(v, path, kExpectKeys);
  Expectation e;
  e.path = path;
  const size_t errors_before = result_.errors.size() + (result_.truncated ? 1 : 0);
  const auto at = duration_field(v, path, "at", true);
  if (const auto note = string_field(v, path, "note", false, false)) e.note = *note;
  e.clusters = count_field(v, path, "clusters");
  e.leaders = count_field(v, path, "leaders");
  e.running = count_field(v, path, "running");
  e.quorum = bool_field(v, path, "quorum");
  if (const json* f = field(v, path, "leader_on_host", false)) {
    const std::string p = child_path(path, "leader_on_host");
    if (auto h = string_at(*f, p); h && known_host(*h, p)) e.leader_on_host = *h;
  }
  if (const json* f = field(v, path, "leader_not_on_host", false)) {
    const std::string p = child_path(path, "leader_not_on_host");
    if (auto h = string_at(*f, p); h && known_host(*h, p)) e.leader_not_on_host = *h;
  }
  e.leader_changed_since = duration_field(v, path, "leader_changed_since", false);
  if (e.leader_changed_since && at && *e.leader_changed_since >= *at)
    error(child_path(path, "leader_changed_since"), "leader_changed_since must be earlier than the expectation's \"at\"",
          "give a time before " + format_duration(*at));
  e.term_at_least = count_field(v, path, "term_at_least");
  if (const json* f = field(v, path, "put", false)) {
    const std::string p = child_path(path, "put");
    if (is_object(*f, p, "\"put\"")) {
      check_keys(*f, p, kPutKeys);
      PutExpect put;
      put.path = p;
      const json* via = field(*f, p, "via", true);
      auto ep = via ? endpoint_at(*via, child_path(p, "via")) : std::nullopt;
      const auto key = string_field(*f, p, "key", true);
      const auto value = string_field(*f, p, "value", true, false);
      const auto ok = bool_field(*f, p, "succeeds");
      if (ep && key && value) {
        put.via = *ep;
        put.key = *key;
        put.value = *value;
        put.succeeds = ok.value_or(true);
        e.put = put;
      }
    }
  }
  if (const json* f = field(v, path, "get", false)) {
    const std::string p = child_path(path, "get");
    if (is_object(*f, p, "\"get\"")) {
      check_keys(*f, p, kGetKeys);
      GetExpect get;
      get.path = p;
      const json* via = field(*f, p, "via", true);
      auto ep = via ? endpoint_at(*via, child_path(p, "via")) : std::nullopt;
      const auto key = string_field(*f, p, "key", true);
      const auto found = bool_field(*f, p, "found");
      bool ok = ep.has_value() && key.has_value();
      const json* value = field(*f, p, "value", false);
      if (value != nullptr && value->is_null()) {
        get.found = false;
        if (found.value_or(false)) {
          error(child_path(p, "found"), "\"found\": true contradicts \"value\": null", "remove one of them");
          ok = false;
        }
      } else if (value != nullptr) {
        const auto s = string_at(*value, child_path(p, "value"), false);
        ok = ok && s.has_value();
        get.value = s;
        if (found.has_value() && !*found) {
          error(child_path(p, "found"), "\"found\": false contradicts a \"value\"", "remove one of them");
          ok = false;
        }
      } else if (!found.has_value()) {
        error(p, "\"get\" does not say what to expect",
              "add \"value\": \"...\", or \"found\": false for an absent key, or \"found\": true for any value");
        ok = false;
      } else {
        get.found = *found;
      }
      if (ok) {
        get.via = *ep;
        get.key = *key;
        e.get = get;
      }
    }
  }
  if (const json* f = field(v, path, "members", false)) {
    const std::string p = child_path(path, "members");
    if (is_object(*f, p, "\"members\"")) {
      if (f->empty()) error(p, "\"members\" is empty", "write e.g. {\"etcd1\": [\"etcd1\", \"etcd2\"]}");
      for (const auto& [handle, names] : f->items()) {
        const std::string mp = child_path(p, handle);
        const bool known = known_member(handle, mp);
        if (!names.is_array()) {
          error(mp, std::string("expected the list of member names that ") + q(handle) + " reports, got " +
                        type_name(names),
                "write e.g. [\"etcd1\", \"etcd2\", \"etcd3\"]");
          continue;
        }
        std::vector<std::string> list;
        bool ok = known;
        for (size_t i = 0; i < names.size(); ++i) {
          auto n = string_at(names[i], index_path(mp, i), false);  // "" = unstarted member
          ok = ok && n.has_value();
          if (n) list.push_back(*n);
        }
        if (ok) e.members[handle] = std::move(list);
      }
    }
  }
  for (const char* k : kExtensionExpectKeys) {
    if (const json* f = field(v, path, k, false)) e.ext[k] = *f;  // checked by its layer (sim/extension.h)
  }
  const bool any = std::any_of(kAssertionKeys.begin(), kAssertionKeys.end(),
                               [&](const std::string& k) { return v.contains(k); });
  if (!any) {
    if (unknown_keys > 0) return std::nullopt;  // most likely a misspelt assertion, reported above
    error(path, "expectation asserts nothing", "add one of " + join(kAssertionKeys, 20));
    return std::nullopt;
  }
  const size_t errors_after = result_.errors.size() + (result_.truncated ? 1 : 0);
  if (!at || errors_after != errors_before) return std::nullopt;
  e.at_ns = *at;
  return e;
}

// ---------------------------------------------------------------- the fault lab

std::optional<int64_t> Loader::ppm_at(const json& v, const std::string& path, int64_t max_ppm, const char* what) {
  const double max = static_cast<double>(max_ppm) / static_cast<double>(kPpm);
  if (!v.is_number()) {
    error(path, std::string("expected ") + what + " as a number, got " + type_name(v),
          v.is_string() ? "write the number without quotes, e.g. 0.2" : "write e.g. 0.2");
    return std::nullopt;
  }
  const double d = v.get<double>();
  // Read once into parts per million; the simulator uses only the integer.
  if (!(d > 0) || d > max) {
    error(path, std::string(what) + " " + v.dump() + " is out of range", "write a number above 0 and at most " +
                                                                         json(max).dump());
    return std::nullopt;
  }
  const auto ppm = static_cast<int64_t>(d * static_cast<double>(kPpm) + 0.5);
  if (ppm < 1) {
    error(path, std::string(what) + " " + v.dump() + " is below one in a million", "write at least 0.000001");
    return std::nullopt;
  }
  return ppm;
}

std::optional<int64_t> Loader::ppm_field(const json& obj, const std::string& path, const char* key, bool required,
                                         int64_t max_ppm, const char* what) {
  const json* v = field(obj, path, key, required);
  if (v == nullptr) return std::nullopt;
  return ppm_at(*v, child_path(path, key), max_ppm, what);
}

std::optional<std::vector<std::string>> Loader::member_set_at(const json& v, const std::string& path,
                                                              bool allow_empty) {
  if (!v.is_array()) {
    error(path, std::string("expected a list of member names, got ") + type_name(v), "write e.g. [\"etcd1\", \"etcd2\"]");
    return std::nullopt;
  }
  if (v.empty() && allow_empty) return std::vector<std::string>{};
  return member_list_at(v, path);
}

std::optional<Fault> Loader::fault(const json& v, const std::string& path) {
  if (!is_object(v, path, "a fault")) return std::nullopt;
  check_keys(v, path, kFaultKeys);
  const size_t errors_before = result_.errors.size() + (result_.truncated ? 1 : 0);
  Fault f;
  f.path = path;
  const auto at = duration_field(v, path, "at", true);
  const auto kind_text = string_field(v, path, "kind", true);
  if (!kind_text) return std::nullopt;
  const auto kind = fault_kind_from_name(*kind_text);
  if (!kind) {
    std::vector<std::string> names;
    for (int i = 0; i < kFaultKinds; ++i) names.emplace_back(fault_kind_name(static_cast<FaultKind>(i)));
    const std::string guess = closest_match(*kind_text, names);
    error(child_path(path, "kind"), "unknown fault kind " + q(*kind_text),
          guess.empty() ? "kinds are " + join(names, 20) : "did you mean " + q(guess) + "?");
    return std::nullopt;
  }
  f.kind = *kind;
  const FaultKind k = *kind;
  // Which keys each kind takes (besides at, kind, note); README table "Faults".
  Keys takes;
  switch (k) {
    case FaultKind::kCrash: takes = {"target", "duration", "lose_unsynced", "after_leader_change", "lag"}; break;
    case FaultKind::kIsolate: takes = {"target", "duration", "after_leader_change", "lag"}; break;
    case FaultKind::kHostDown: takes = {"target", "duration", "after_leader_change", "lag"}; break;
    case FaultKind::kTerminate: takes = {"target", "duration"}; break;
    case FaultKind::kPartition: takes = {"hosts", "members", "duration"}; break;
    case FaultKind::kOneWay: takes = {"from", "to", "duration"}; break;
    case FaultKind::kLoss:
    case FaultKind::kDuplicate: takes = {"probability", "from", "to", "duration"}; break;
    case FaultKind::kReorder: takes = {"probability", "delay", "from", "to", "duration"}; break;
    case FaultKind::kDelay: takes = {"delay", "from", "to", "duration"}; break;
    case FaultKind::kClock: takes = {"target", "rate", "duration"}; break;
    case FaultKind::kSlowFsync: takes = {"target", "latency", "duration"}; break;
    case FaultKind::kMemberRemove: takes = {"target"}; break;
    case FaultKind::kMemberAdd: takes = {"target", "duration", "after_leader_change"}; break;
  }
  for (const auto& [key, value] : v.items()) {
    (void)value;
    if (key == "at" || key == "kind" || key == "note") continue;
    if (std::find(kFaultKeys.begin(), kFaultKeys.end(), key) == kFaultKeys.end()) continue;  // reported above
    if (std::find(takes.begin(), takes.end(), key) == takes.end()) {
      error(child_path(path, key), "a " + q(*kind_text) + " fault has no " + q(key),
            "remove it; " + q(*kind_text) + " takes " + join(takes, 20));
    }
  }
  auto has = [&](const char* key) { return v.contains(key) && std::find(takes.begin(), takes.end(), key) != takes.end(); };
  // target
  if (std::find(takes.begin(), takes.end(), "target") != takes.end()) {
    const std::string tp = child_path(path, "target");
    if (const auto t = string_field(v, path, "target", true)) {
      if (k == FaultKind::kHostDown && *t == kLeaderTarget) {
        if (host_names_set_.count(*t))
          error(tp, "\"leader\" here means the host of whichever member leads, and a host is also named \"leader\"",
                "rename that host");
        f.target = *t;  // the host of whichever member leads when it begins
      } else if (k == FaultKind::kHostDown) {
        if (known_host(*t, tp)) f.target = *t;
      } else if ((k == FaultKind::kCrash || k == FaultKind::kIsolate) && *t == kLeaderTarget) {
        if (member_names_set_.count(*t))
          error(tp, "\"leader\" here means whichever member leads, and a member is also named \"leader\"",
                "rename that member");
        f.target = *t;
      } else if (known_member(*t, tp)) {
        f.target = *t;
      }
    }
  }
  // duration
  const bool needs_duration =
      k != FaultKind::kTerminate && k != FaultKind::kMemberRemove && k != FaultKind::kMemberAdd;
  if (has("duration") || needs_duration) {
    if (const auto d = duration_field(v, path, "duration", needs_duration)) {
      if (*d == 0 && needs_duration) {
        error(child_path(path, "duration"), "a fault lasting 0s does nothing", "give a positive duration, e.g. \"3s\"");
      }
      if (*d == 0 && k == FaultKind::kMemberAdd) {
        error(child_path(path, "duration"), "a member_add's duration is when the spare starts; 0s is ambiguous",
              "give a positive delay (e.g. \"1ms\" to start it right after the add), or leave \"duration\" out "
              "for a spare that never starts");
      }
      f.duration_ns = *d;
    }
  }
  if (has("lose_unsynced")) {
    if (const auto b = bool_field(v, path, "lose_unsynced")) f.lose_unsynced = *b;
  }
  if (has("after_leader_change")) {
    if (const auto b = bool_field(v, path, "after_leader_change")) f.after_leader_change = *b;
  }
  if (has("lag")) {
    if (const auto d = duration_field(v, path, "lag", false)) {
      if (!f.after_leader_change)
        error(child_path(path, "lag"), "\"lag\" is the time from a leader change to the fault, and this fault has no "
                                       "\"after_leader_change\": true",
              "add \"after_leader_change\": true, or remove \"lag\"");
      else if (f.duration_ns > 0 && *d >= f.duration_ns)
        error(child_path(path, "lag"), "a lag of " + format_duration(*d) + " leaves nothing of the fault's " +
                                           format_duration(f.duration_ns) + " (it lasts until at + duration)",
              "make \"lag\" shorter than \"duration\"");
      else
        f.lag_ns = *d;
    }
  }
  if (k == FaultKind::kPartition) {
    const bool h = v.contains("hosts"), m = v.contains("members");
    if (h == m) {
      error(path, h ? "a partition has both \"hosts\" and \"members\"" : "a partition needs \"hosts\" or \"members\"",
            "write \"hosts\": [[\"A\"], [\"B\"]] (host groups) or \"members\": [[\"etcd1\"], [\"etcd2\", \"etcd3\"]]");
    } else {
      f.host_groups = h;
      const std::string gp = child_path(path, h ? "hosts" : "members");
      const json& g = v.at(h ? "hosts" : "members");
      if (!g.is_array() || g.empty()) {
        error(gp, "expected a non-empty list of groups", h ? "write e.g. [[\"A\"], [\"B\"]]" : "write e.g. [[\"etcd1\"], [\"etcd2\"]]");
      } else {
        std::set<std::string> seen;
        for (size_t i = 0; i < g.size(); ++i) {
          const std::string ip = index_path(gp, i);
          auto names = string_list_at(g[i], ip);
          if (!names) continue;
          if (names->empty()) {
            error(ip, "empty group", "name at least one per group");
            continue;
          }
          for (size_t j = 0; j < names->size(); ++j) {
            const std::string np = g[i].is_array() ? index_path(ip, j) : ip;
            const std::string& n = (*names)[j];
            if (h ? !known_host(n, np) : !known_member(n, np)) continue;
            if (!seen.insert(n).second) error(np, q(n) + " is in two groups", "put each in one group only");
          }
          f.groups.push_back(std::move(*names));
        }
      }
    }
  }
  for (const char* side : {"from", "to"}) {
    if (std::find(takes.begin(), takes.end(), side) == takes.end()) continue;
    const bool required = k == FaultKind::kOneWay;
    const json* s = field(v, path, side, required);
    if (s == nullptr) continue;
    auto names = member_set_at(*s, child_path(path, side), !required);
    if (names) (side[0] == 'f' ? f.from : f.to) = std::move(*names);
  }
  if (std::find(takes.begin(), takes.end(), "probability") != takes.end()) {
    if (const auto p = ppm_field(v, path, "probability", true, kPpm, "a probability")) f.probability_ppm = *p;
  }
  if (k == FaultKind::kReorder || k == FaultKind::kDelay) {
    if (const auto d = duration_field(v, path, "delay", k == FaultKind::kDelay)) {
      f.delay_ns = *d;
    } else if (k == FaultKind::kReorder && !v.contains("delay")) {
      f.delay_ns = 20'000'000;
    }
    if (v.contains("delay") && f.delay_ns == 0)
      error(child_path(path, "delay"), "a delay of 0s does nothing", "give a positive duration, e.g. \"200ms\"");
  }
  if (k == FaultKind::kSlowFsync) {
    if (const auto d = duration_field(v, path, "latency", true)) f.delay_ns = *d;
  }
  if (k == FaultKind::kClock) {
    if (const json* r = field(v, path, "rate", true)) {
      const std::string rp = child_path(path, "rate");
      if (r->is_number() && r->get<double>() < 0.1) {
        error(rp, "rate " + r->dump() + " is below 0.1", "write a rate from 0.1 (ten times slower) to 10");
      } else if (auto ppm = ppm_at(*r, rp, 10 * kPpm, "a rate")) {
        f.rate_ppm = *ppm;
      }
    }
  }
  const size_t errors_after = result_.errors.size() + (result_.truncated ? 1 : 0);
  if (!at || errors_after != errors_before) return std::nullopt;
  f.at_ns = *at;
  return f;
}

// Spare members (`"spare": true`) are started only by a member_add fault, and a
// member_add names a spare (scenarios/README.md, "member_add").
void Loader::spares(const Scenario& s) {
  std::set<std::string> spare;
  std::map<std::string, std::string> path_of;
  for (const Member& m : s.members) {
    path_of[m.name] = m.path;
    if (m.spare) spare.insert(m.name);
  }
  const std::string spare_fix = "a spare is started only by a \"member_add\" fault; remove it here, or drop \"spare\": true";
  for (const TimelineEntry& t : s.timeline) {
    if (const auto* p = std::get_if<ProcessAction>(&t.action)) {
      if (p->op != ProcessOp::kStart && p->op != ProcessOp::kRestart) continue;
      const char* key = p->op == ProcessOp::kStart ? "start" : "restart";
      for (const auto& n : p->members)
        if (spare.count(n)) error(child_path(t.path, key), "member " + q(n) + " is a spare", spare_fix);
    } else if (const auto* r = std::get_if<RunAction>(&t.action)) {
      if (spare.count(r->member)) error(child_path(child_path(t.path, "run"), "member"), "member " + q(r->member) + " is a spare", spare_fix);
    }
  }
  for (const Fault& f : s.faults) {
    if (f.kind != FaultKind::kMemberAdd || f.target.empty() || spare.count(f.target)) continue;
    error(child_path(f.path, "target"), "member_add needs a spare member, and " + q(f.target) + " is not one",
          "add \"spare\": true to " + path_of[f.target] +
              " (a member the timeline never starts, whose definition joins with the variables `member add` prints)");
  }
  if (s.nemesis && spare.empty()) {
    const auto& k = s.nemesis->kinds;
    const auto it = std::find(k.begin(), k.end(), FaultKind::kMemberAdd);
    if (it != k.end())
      error(index_path(child_path(s.nemesis->path, "kinds"), static_cast<size_t>(it - k.begin())),
            "member_add needs a spare member to add, and no member has \"spare\": true",
            "add a member with \"spare\": true (see scenarios/README.md, \"member_add\"), or remove \"member_add\"");
  }
}

std::optional<NemesisBudget> Loader::nemesis(const json& v, const std::string& path) {
  if (!is_object(v, path, "\"nemesis\"")) return std::nullopt;
  check_keys(v, path, kNemesisKeys);
  const size_t errors_before = result_.errors.size() + (result_.truncated ? 1 : 0);
  NemesisBudget b;
  b.path = path;
  if (const json* kinds = field(v, path, "kinds", true)) {
    const std::string kp = child_path(path, "kinds");
    auto names = string_list_at(*kinds, kp);
    if (names && names->empty()) error(kp, "no fault kinds", "list at least one, e.g. [\"crash\", \"partition\"]");
    if (names) {
      std::vector<std::string> all;
      for (int i = 0; i < kFaultKinds; ++i) all.emplace_back(fault_kind_name(static_cast<FaultKind>(i)));
      for (size_t i = 0; i < names->size(); ++i) {
        const std::string np = kinds->is_array() ? index_path(kp, i) : kp;
        const auto kind = fault_kind_from_name((*names)[i]);
        if (!kind) {
          const std::string guess = closest_match((*names)[i], all);
          error(np, "unknown fault kind " + q((*names)[i]),
                guess.empty() ? "kinds are " + join(all, 20) : "did you mean " + q(guess) + "?");
        } else if (std::find(b.kinds.begin(), b.kinds.end(), *kind) != b.kinds.end()) {
          error(np, "fault kind " + q((*names)[i]) + " is listed twice", "list each kind once");
        } else {
          b.kinds.push_back(*kind);
        }
      }
    }
  }
  if (const auto d = duration_field(v, path, "start", false)) b.start_ns = *d;
  if (const auto d = duration_field(v, path, "end", true)) b.end_ns = *d;
  if (b.end_ns <= b.start_ns && v.contains("end"))
    error(child_path(path, "end"), "the window ends at " + format_duration(b.end_ns) + ", not after its start " +
                                       format_duration(b.start_ns), "make \"end\" later than \"start\"");
  if (const auto d = duration_field(v, path, "mean_gap", true)) {
    if (*d == 0) error(child_path(path, "mean_gap"), "a mean gap of 0s", "give a positive duration, e.g. \"3s\"");
    b.mean_gap_ns = *d;
  }
  if (const auto d = duration_field(v, path, "min_duration", false)) b.min_duration_ns = *d;
  if (const auto d = duration_field(v, path, "max_duration", true)) {
    if (*d == 0) error(child_path(path, "max_duration"), "faults lasting 0s do nothing", "give e.g. \"5s\"");
    b.max_duration_ns = *d;
  }
  if (b.min_duration_ns > b.max_duration_ns && v.contains("max_duration"))
    error(child_path(path, "min_duration"), "min_duration " + format_duration(b.min_duration_ns) +
                                                " is greater than max_duration " + format_duration(b.max_duration_ns),
          "swap them");
  if (const auto n = count_field(v, path, "max_down")) b.max_down = *n;
  if (const auto n = count_field(v, path, "max_faults")) {
    if (*n > 10'000) error(child_path(path, "max_faults"), "at most 10000 faults per run", "lower it");
    b.max_faults = *n;
  }
  if (const auto n = count_field(v, path, "max_terminations")) b.max_terminations = *n;
  if (const json* p = field(v, path, "lose_unsynced", false)) {
    // 0 is allowed here: crashes never lose unsynced writes.
    if (p->is_number() && p->get<double>() == 0) {
      b.lose_unsynced_ppm = 0;
    } else if (auto ppm = ppm_at(*p, child_path(path, "lose_unsynced"), kPpm, "a probability")) {
      b.lose_unsynced_ppm = *ppm;
    }
  }
  if (const auto p = ppm_field(v, path, "loss", false, kPpm, "a probability")) b.loss_ppm = *p;
  if (const auto p = ppm_field(v, path, "duplicate", false, kPpm, "a probability")) b.duplicate_ppm = *p;
  if (const auto p = ppm_field(v, path, "reorder", false, kPpm, "a probability")) b.reorder_ppm = *p;
  if (const auto d = duration_field(v, path, "reorder_delay", false)) b.reorder_delay_ns = std::max<int64_t>(*d, 1);
  if (const auto d = duration_field(v, path, "delay", false)) b.delay_ns = std::max<int64_t>(*d, 1);
  if (const auto d = duration_field(v, path, "slow_fsync", false)) b.fsync_latency_ns = *d;
  if (const json* r = field(v, path, "clock_rates", false)) {
    const std::string rp = child_path(path, "clock_rates");
    if (!r->is_array() || r->empty() || r->size() > 100) {
      error(rp, "expected a list of 1 to 100 rates", "write e.g. [0.5, 2]");
    } else {
      b.clock_rates_ppm.clear();
      for (size_t i = 0; i < r->size(); ++i) {
        const std::string ip = index_path(rp, i);
        if ((*r)[i].is_number() && (*r)[i].get<double>() < 0.1) {
          error(ip, "rate " + (*r)[i].dump() + " is below 0.1", "write rates from 0.1 to 10");
        } else if (auto ppm = ppm_at((*r)[i], ip, 10 * kPpm, "a rate")) {
          b.clock_rates_ppm.push_back(*ppm);
        }
      }
    }
  }
  if (const json* p = field(v, path, "leader_fraction", false)) {
    const std::string lp = child_path(path, "leader_fraction");
    if (p->is_number() && p->get<double>() == 0) {
      b.leader_ppm = 0;
    } else if (auto ppm = ppm_at(*p, lp, kPpm, "a fraction")) {
      b.leader_ppm = *ppm;
      const bool any = std::find(b.kinds.begin(), b.kinds.end(), FaultKind::kCrash) != b.kinds.end() ||
                       std::find(b.kinds.begin(), b.kinds.end(), FaultKind::kIsolate) != b.kinds.end();
      if (!any && !b.kinds.empty())
        error(lp, "leader_fraction picks which crash or isolate faults strike the leader, and \"kinds\" has neither",
              "add \"crash\" or \"isolate\" to \"kinds\", or remove \"leader_fraction\"");
    }
  }
  if (const auto d = duration_field(v, path, "leader_lag_max", false)) b.leader_lag_max_ns = *d;
  const size_t errors_after = result_.errors.size() + (result_.truncated ? 1 : 0);
  if (errors_after != errors_before || b.kinds.empty()) return std::nullopt;
  return b;
}

std::optional<ClientWorkload> Loader::clients(const json& v, const std::string& path) {
  if (!is_object(v, path, "\"clients\"")) return std::nullopt;
  check_keys(v, path, kClientKeys);
  const size_t errors_before = result_.errors.size() + (result_.truncated ? 1 : 0);
  ClientWorkload c;
  c.path = path;
  if (const auto n = count_field(v, path, "count")) {
    if (*n < 1 || *n > kMaxClients)
      error(child_path(path, "count"), "expected 1 to " + std::to_string(kMaxClients) + " clients", "change the count");
    c.count = *n;
  } else if (!v.contains("count")) {
    error(path, "missing required key \"count\"", "write e.g. \"count\": 4");
  }
  if (const auto d = duration_field(v, path, "start", false)) c.start_ns = *d;
  if (const auto d = duration_field(v, path, "end", true)) c.end_ns = *d;
  if (c.end_ns <= c.start_ns && v.contains("end"))
    error(child_path(path, "end"), "the workload ends at " + format_duration(c.end_ns) + ", not after its start " +
                                       format_duration(c.start_ns), "make \"end\" later than \"start\"");
  c.min_think_ns = c.max_think_ns = 10'000'000;  // 10ms
  if (const json* t = field(v, path, "think", false)) {
    const std::string tp = child_path(path, "think");
    if (t->is_string()) {
      if (auto d = duration_at(*t, tp)) c.min_think_ns = c.max_think_ns = *d;
    } else if (auto r = latency(*t, tp)) {
      c.min_think_ns = r->min_ns;
      c.max_think_ns = r->max_ns;
    }
  }
  if (const auto n = count_field(v, path, "keys")) {
    if (*n < 1) error(child_path(path, "keys"), "at least one key", "write e.g. \"keys\": 5");
    c.keys = *n;
  } else {
    c.keys = 5;
  }
  if (const json* r = field(v, path, "read_fraction", false)) {
    if (r->is_number() && r->get<double>() == 0) c.read_ppm = 0;
    else if (auto p = ppm_at(*r, child_path(path, "read_fraction"), kPpm, "a fraction")) c.read_ppm = *p;
  }
  if (const json* r = field(v, path, "serializable_fraction", false)) {
    if (r->is_number() && r->get<double>() == 0) c.serializable_ppm = 0;
    else if (auto p = ppm_at(*r, child_path(path, "serializable_fraction"), kPpm, "a fraction")) c.serializable_ppm = *p;
  }
  c.timeout_ns = 2 * kNanosPerSecond;
  if (const auto d = duration_field(v, path, "timeout", false)) {
    if (*d == 0) error(child_path(path, "timeout"), "a timeout of 0s fails every operation", "give e.g. \"2s\"");
    c.timeout_ns = *d;
  }
  if (const json* m = field(v, path, "max_ops", false)) {
    const std::string mp = child_path(path, "max_ops");
    if (!m->is_number_unsigned() || m->get<uint64_t>() > static_cast<uint64_t>(kMaxOpsPerClient)) {
      error(mp, "expected a whole number from 0 (unlimited) to " + std::to_string(kMaxOpsPerClient), "");
    } else {
      c.max_ops = static_cast<int64_t>(m->get<uint64_t>());
    }
  }
  if (const json* b = field(v, path, "value_bytes", false)) {
    if (!b->is_number_unsigned() || b->get<uint64_t>() > static_cast<uint64_t>(kMaxValueBytes)) {
      error(child_path(path, "value_bytes"),
            "expected a whole number of bytes from 0 (short values) to " + std::to_string(kMaxValueBytes),
            "etcd refuses a request over --max-request-bytes (default 1.5 MiB); write e.g. 1100000 for values "
            "just over 1 MiB");
    } else {
      c.value_bytes = static_cast<int64_t>(b->get<uint64_t>());
    }
  }
  if (const json* e = field(v, path, "endpoints", false)) {
    // Member names, or URLs (a load balancer's, as in a cloud scenario's clients).
    const bool urls = e->is_array() && !e->empty() && std::all_of(e->begin(), e->end(), [](const json& x) {
      return x.is_string() && (x.get<std::string>().rfind("http://", 0) == 0 || x.get<std::string>().rfind("https://", 0) == 0);
    });
    if (urls) {
      for (const json& x : *e) c.endpoints.push_back(x.get<std::string>());
    } else if (auto names = member_set_at(*e, child_path(path, "endpoints"), false)) {
      c.endpoints = std::move(*names);
    }
  }
  const size_t errors_after = result_.errors.size() + (result_.truncated ? 1 : 0);
  if (errors_after != errors_before) return std::nullopt;
  return c;
}

Scenario Loader::load(const json& root) {
  Scenario s;
  s.file = file_;
  s.positions = positions_;
  if (!root.is_object()) {
    error("$", std::string("a scenario file must be a JSON object {...}, got ") + type_name(root),
          "see scenarios/README.md for the format");
    return s;
  }
  check_keys(root, "$", kTopKeys);
  if (const auto name = string_field(root, "$", "name", true)) {
    if (!matches(*name, lower_or_digit, scenario_name_char) || name->size() > 100) {
      error("$.name", "invalid scenario name " + q(*name),
            "use lowercase letters, digits and '-' (at most 100), e.g. \"every-node-leader\"");
    }
    s.name = *name;
  }
  if (const auto d = string_field(root, "$", "description", true)) s.description = *d;
  if (const json* seed = field(root, "$", "seed", false)) {
    if (seed->is_number_unsigned()) {
      s.seed = seed->get<uint64_t>();
    } else {
      error("$.seed", std::string("expected a whole number from 0 to 18446744073709551615, got ") +
                          (seed->is_number() ? seed->dump() : std::string(type_name(*seed))),
            seed->is_string() ? "write the number without quotes" : "");
    }
  }
  std::optional<int64_t> duration;
  if (const json* d = field(root, "$", "duration", false)) {
    duration = duration_at(*d, "$.duration");
    if (duration && *duration == 0) {
      error("$.duration", "the run cannot last 0s", "give a positive duration, or leave it out");
      duration.reset();
    }
  }
  if (const auto version = string_field(root, "$", "etcd_version", false)) {
    const std::string& ver = *version;
    size_t dots = 0;
    bool ok = !ver.empty() && ver[0] >= '0' && ver[0] <= '9';
    for (char c : ver) {
      if (c == '.') ++dots;
      else if (c == '-' || c == '+') break;
      else if (c < '0' || c > '9') ok = false;
    }
    if (!ok || dots < 2) {
      error("$.etcd_version", "invalid etcd version " + q(ver),
            ver.rfind('v', 0) == 0 ? "write it without the leading v, e.g. \"3.5.18\"" : "write e.g. \"3.5.18\"");
    }
    s.etcd_version = ver;
  }
  if (const json* n = field(root, "$", "network", false)) network(*n, s);
  // A cloud scenario's members are the instances its Auto Scaling Groups launch: hosts
  // and members of its own are optional there.
  const bool cloud = root.contains("cloud");
  if (cloud) {
    const json& c = root.at("cloud");
    if (!c.is_object()) error("$.cloud", std::string("expected an object, got ") + type_name(c),
                              "write e.g. {\"template\": \"templates/etcd-asg.yaml\"} (scenarios/README.md, \"Cloud\")");
    else s.cloud = c;
  }
  if (const json* h = field(root, "$", "hosts", !cloud)) hosts(*h, s);
  if (const json* m = field(root, "$", "members", !cloud)) members(*m, s);

  if (const json* t = field(root, "$", "timeline", false)) {
    if (!t->is_array()) {
      error("$.timeline", std::string("expected an array of timeline entries, got ") + type_name(*t));
    } else {
      for (size_t i = 0; i < t->size(); ++i) {
        if (auto entry = timeline_entry((*t)[i], index_path("$.timeline", i))) {
          entry->file_index = i;
          s.timeline.push_back(std::move(*entry));
        }
      }
    }
  }
  if (const json* x = field(root, "$", "expect", false)) {
    if (!x->is_array()) {
      error("$.expect", std::string("expected an array of expectations, got ") + type_name(*x));
    } else {
      for (size_t i = 0; i < x->size(); ++i) {
        if (auto e = expectation((*x)[i], index_path("$.expect", i))) {
          e->file_index = i;
          s.expect.push_back(std::move(*e));
        }
      }
    }
  }
  if (const auto f = duration_field(root, "$", "fsync_latency", false)) {
    if (*f > 10 * kNanosPerSecond)
      error("$.fsync_latency", "an fsync of " + format_duration(*f) + " is beyond reason", "use at most \"10s\"");
    s.fsync_latency_ns = *f;
  }
  if (const json* x = field(root, "$", "faults", false)) {
    s.has_schedule = true;
    if (!x->is_array()) {
      error("$.faults", std::string("expected an array of faults, got ") + type_name(*x),
            "write e.g. [{\"at\": \"10s\", \"kind\": \"crash\", \"target\": \"etcd1\", \"duration\": \"2s\"}]");
    } else {
      for (size_t i = 0; i < x->size(); ++i) {
        if (auto f = fault((*x)[i], index_path("$.faults", i))) s.faults.push_back(std::move(*f));
      }
    }
  }
  if (const json* n = field(root, "$", "nemesis", false)) {
    s.has_schedule = true;
    s.nemesis = nemesis(*n, "$.nemesis");
  }
  if (const json* c = field(root, "$", "clients", false)) s.clients = clients(*c, "$.clients");
  spares(s);
  std::stable_sort(s.faults.begin(), s.faults.end(), [](const Fault& a, const Fault& b) { return a.at_ns < b.at_ns; });
  // Sorted by time; stable, so equal times keep file order.
  std::stable_sort(s.timeline.begin(), s.timeline.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) { return a.at_ns < b.at_ns; });
  std::stable_sort(s.expect.begin(), s.expect.end(),
                   [](const Expectation& a, const Expectation& b) { return a.at_ns < b.at_ns; });

  int64_t last = 0;
  for (const TimelineEntry& t : s.timeline) last = std::max(last, t.at_ns);
  for (const Expectation& e : s.expect) last = std::max(last, e.at_ns);
  for (const Fault& f : s.faults) last = std::max(last, fault_end_ns(f));
  if (s.nemesis) last = std::max(last, s.nemesis->end_ns);
  if (s.clients) last = std::max(last, s.clients->end_ns);
  if (duration) {
    s.duration_ns = *duration;
    s.duration_from_file = true;
    auto late = [&](int64_t at, const std::string& p, const char* what) {
      if (at > *duration) {
        error(child_path(p, "at"),
              std::string(what) + " at " + format_duration(at) + " is after the end of the run (duration " +
                  format_duration(*duration) + ")",
              "raise \"duration\" or move the entry earlier");
      }
    };
    for (const TimelineEntry& t : s.timeline) late(t.at_ns, t.path, "timeline entry");
    for (const Expectation& e : s.expect) late(e.at_ns, e.path, "expectation");
    for (const Fault& f : s.faults) {
      if (fault_end_ns(f) > *duration) {
        error(f.path, "fault ends at " + format_duration(fault_end_ns(f)) +
                          ", after the end of the run (duration " + format_duration(*duration) + ")",
              "raise \"duration\", or start the fault earlier or shorten it");
      }
    }
    if (s.nemesis && s.nemesis->end_ns > *duration)
      error("$.nemesis.end", "the nemesis window ends after the run (duration " + format_duration(*duration) + ")",
            "raise \"duration\" or end the window earlier");
    if (s.clients && s.clients->end_ns > *duration)
      error("$.clients.end", "the workload ends after the run (duration " + format_duration(*duration) + ")",
            "raise \"duration\" or end the workload earlier");
  } else {
    s.duration_ns = std::min(last + kDefaultTail, kMaxDurationNs);
  }
  return s;
}

LoadResult load_checked(std::string_view text, std::string file_label) {
  LoadResult result;
  JsoncDocument doc = parse_jsonc(text);
  if (!doc.errors.empty()) {
    for (const JsoncError& e : doc.errors) {
      if (result.errors.size() == kMaxLoadErrors) {
        result.truncated = true;
        break;
      }
      result.errors.push_back({file_label, e.path, e.message, e.fix, e.pos.line, e.pos.column});
    }
    return result;
  }
  Loader loader(file_label, doc.positions, result);
  Scenario s = loader.load(doc.value);
  s.source = std::make_shared<const nlohmann::json>(std::move(doc.value));
  if (result.errors.empty()) result.scenario = std::move(s);
  return result;
}

}  // namespace

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

LoadResult load_string(std::string_view text, std::string file_label) {
  try {
    return load_checked(text, std::move(file_label));
  } catch (const std::exception& e) {
    LoadResult result;
    result.errors.push_back({"", "", std::string("internal error while loading the scenario: ") + e.what(), "", 0, 0});
    return result;
  }
}

LoadResult load_file(const std::string& path) {
  try {
    // Regular files only, without blocking (a FIFO used to hang here): input_file.h.
    const InputFile f = read_input_file(path, JsoncLimits{}.max_bytes);
    if (!f.ok()) {
      LoadResult result;
      result.errors.push_back({path, "", f.error, f.fix, 0, 0});
      return result;
    }
    LoadResult r = load_string(f.text, path);
    read_attachments(r, path);
    return r;
  } catch (const std::exception& e) {
    LoadResult result;
    result.errors.push_back({path, "", std::string("cannot read the file: ") + e.what(), "", 0, 0});
    return result;
  }
}

}  // namespace raftlab::scenario
