// The scenario loader's top level: the document, network, hosts, members and their
// configuration, and the public entry points (loader.h). The other sections are read
// in loader_timeline.cc and loader_faults.cc, the generic fields in loader_fields.cc.
#include "sim/scenario/loader.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "sim/scenario/duration.h"
#include "sim/scenario/input_file.h"
#include "sim/scenario/loader_impl.h"

namespace raftlab::scenario {
namespace detail {
namespace {

constexpr int64_t kDefaultTail = 10 * kNanosPerSecond;  // run this long past the last event

const Keys kTopKeys = {"name",    "description", "seed",     "duration", "etcd_version",
                       "network", "hosts",       "members",  "timeline", "expect",
                       "fsync_latency", "faults", "nemesis", "clients", "cloud", "dns", "discovery_services"};
const Keys kLatencyKeys = {"min", "max"};
const Keys kHostKeys = {"name", "ip", "env", "dirs"};
const Keys kHostDirKeys = {"owner", "mode"};
const Keys kNetworkKeys = {"intra_host_latency", "inter_host_latency"};
const Keys kMemberKeys = {"name", "host", "docker", "flags", "args", "env", "spare", "expect_config_error"};

}  // namespace

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
    if (const json* dirs = field(h, p, "dirs", false)) host_dirs(*dirs, child_path(p, "dirs"), host);
    s.hosts.push_back(std::move(host));
  }
}

// hosts[].dirs: {"/host/path": {"owner": "uid:gid", "mode": "0755"}} (scenarios/README.md).
void Loader::host_dirs(const json& v, const std::string& path, Host& host) {
  if (!is_object(v, path, "a map of host directories")) return;
  auto number = [](const std::string& t, std::uint32_t* out) {
    if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) return false;
    *out = static_cast<std::uint32_t>(std::stoul(t));
    return true;
  };
  for (const auto& [dir, spec] : v.items()) {
    const std::string p = child_path(path, dir);
    std::string norm = dir;
    while (norm.size() > 1 && norm.back() == '/') norm.pop_back();
    if (norm.empty() || norm[0] != '/' || norm.find("//") != std::string::npos || norm.find("/./") != std::string::npos ||
        norm.find("/../") != std::string::npos) {
      error(p, "host directory " + q(dir) + " is not a clean absolute path",
            "write the path as the docker -v line has it, e.g. \"/shared/etcd/data/etcd1\"");
      continue;
    }
    if (host.dirs.count(norm)) {
      error(p, "host directory " + q(norm) + " is listed twice", "list each directory once");
      continue;
    }
    if (!is_object(spec, p, "a directory ({\"owner\": \"uid:gid\", \"mode\": \"0755\"})")) continue;
    check_keys(spec, p, kHostDirKeys);
    HostDir d;
    bool ok = true;
    if (auto owner = string_field(spec, p, "owner", true)) {
      const size_t colon = owner->find(':');
      if (colon == std::string::npos || !number(owner->substr(0, colon), &d.uid) || !number(owner->substr(colon + 1), &d.gid)) {
        error(child_path(p, "owner"), "owner " + q(*owner) + " is not uid:gid",
              "write numbers, e.g. \"1001:0\" (bitnami/etcd's user) or \"0:0\" (root, what docker creates)");
        ok = false;
      }
    } else {
      ok = false;
    }
    if (auto mode = string_field(spec, p, "mode", true)) {
      const bool octal = mode->size() >= 3 && mode->size() <= 4 && mode->find_first_not_of("01234567") == std::string::npos;
      const std::uint32_t m = octal ? static_cast<std::uint32_t>(std::stoul(*mode, nullptr, 8)) : 010000;
      if (!octal || m > 0777) {
        error(child_path(p, "mode"), "mode " + q(*mode) + " is not octal permission bits",
              "write three octal digits, e.g. \"0755\" or \"700\" (setuid/sticky bits are not modelled)");
        ok = false;
      } else {
        d.mode = m;
      }
    } else {
      ok = false;
    }
    if (ok) host.dirs[norm] = d;
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

  if (const json* d = field(root, "$", "dns", false)) dns(*d, s);
  if (const json* d = field(root, "$", "discovery_services", false)) discovery_services(*d, s);

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

}  // namespace detail

namespace {

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
  detail::Loader loader(file_label, doc.positions, result);
  Scenario s = loader.load(doc.value);
  s.source = std::make_shared<const nlohmann::json>(std::move(doc.value));
  if (result.errors.empty()) result.scenario = std::move(s);
  return result;
}

}  // namespace

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
