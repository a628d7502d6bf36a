// The scenario loader's timeline actions and expectations (loader_impl.h;
// scenarios/README.md "Timeline" and "Expectations").
#include "sim/scenario/loader_impl.h"

#include <algorithm>

#include "sim/scenario/duration.h"

namespace raftlab::scenario::detail {
namespace {

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
const Keys kPutKeys = {"via", "key", "value", "succeeds", "user"};
const Keys kGetKeys = {"via", "key", "value", "found", "user"};

}  // namespace

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
      leader_host_not_a_host_name(p);
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
  const size_t errors_before = error_count();
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
  if (const json* f = field(v, path, "put", false)) e.put = put_expect(*f, child_path(path, "put"));
  if (const json* f = field(v, path, "get", false)) e.get = get_expect(*f, child_path(path, "get"));
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
  if (!at || error_count() != errors_before) return std::nullopt;
  e.at_ns = *at;
  return e;
}

bool Loader::via_and_key(const json& obj, const std::string& path, Endpoint& via, std::string& key) {
  const json* v = field(obj, path, "via", true);
  auto ep = v ? endpoint_at(*v, child_path(path, "via")) : std::nullopt;
  const auto k = string_field(obj, path, "key", true);
  if (ep) via = *ep;
  if (k) key = *k;
  return ep.has_value() && k.has_value();
}

bool Loader::user_field(const json& v, const std::string& path, std::string* user, std::string* password) {
  const auto u = string_field(v, path, "user", false);
  if (!u) return true;
  const size_t colon = u->find(':');
  if (colon == std::string::npos || colon == 0) {
    error(child_path(path, "user"), "expected \"NAME:PASSWORD\" (etcdctl --user NAME:PASSWORD)",
          "write e.g. \"user\": \"root:1234qwer!!\"");
    return false;
  }
  *user = u->substr(0, colon);
  *password = u->substr(colon + 1);
  return true;
}

std::optional<PutExpect> Loader::put_expect(const json& v, const std::string& path) {
  if (!is_object(v, path, "\"put\"")) return std::nullopt;
  check_keys(v, path, kPutKeys);
  PutExpect put;
  put.path = path;
  const bool via_key = via_and_key(v, path, put.via, put.key);
  const auto value = string_field(v, path, "value", true, false);
  const auto ok = bool_field(v, path, "succeeds");
  if (!via_key || !value) return std::nullopt;
  if (!user_field(v, path, &put.user, &put.password)) return std::nullopt;
  put.value = *value;
  put.succeeds = ok.value_or(true);
  return put;
}

std::optional<GetExpect> Loader::get_expect(const json& v, const std::string& path) {
  if (!is_object(v, path, "\"get\"")) return std::nullopt;
  check_keys(v, path, kGetKeys);
  GetExpect get;
  get.path = path;
  bool ok = via_and_key(v, path, get.via, get.key);
  ok = user_field(v, path, &get.user, &get.password) && ok;
  const auto found = bool_field(v, path, "found");
  const json* value = field(v, path, "value", false);
  if (value != nullptr && value->is_null()) {
    get.found = false;
    if (found.value_or(false)) {
      error(child_path(path, "found"), "\"found\": true contradicts \"value\": null", "remove one of them");
      ok = false;
    }
  } else if (value != nullptr) {
    const auto s = string_at(*value, child_path(path, "value"), false);
    ok = ok && s.has_value();
    get.value = s;
    if (found.has_value() && !*found) {
      error(child_path(path, "found"), "\"found\": false contradicts a \"value\"", "remove one of them");
      ok = false;
    }
  } else if (!found.has_value()) {
    error(path, "\"get\" does not say what to expect",
          "add \"value\": \"...\", or \"found\": false for an absent key, or \"found\": true for any value");
    ok = false;
  } else {
    get.found = *found;
  }
  if (!ok) return std::nullopt;
  return get;
}

}  // namespace raftlab::scenario::detail
