// config.cc — etcd flag/env parsing and validation (see config.h for the order
// of operations and the etcd sources).
// The flag table and value parsing are in config_flags.cc, URLs in config_urls.cc.
#include "sim/etcd/config.h"

#include <algorithm>
#include <cassert>
#include <cctype>

#include "sim/etcd/config_internal.h"
#include "sim/etcd/go_time.h"

namespace raftlab::etcd {
namespace {
using namespace detail;

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

class Parser {
 public:
  Parser(const std::map<std::string, std::string>& env, const ParseOptions& opt) : env_(env), opt_(opt) {
    c_.version = opt.version;
    c_.pre_vote = opt.version == EtcdVersion::v3_5;  // embed.NewConfig: 3.4 PreVote false, 3.5 true
    defaults();
  }
  Result<ParsedConfig> run(const std::vector<std::string>& args);

 private:
  void defaults() {
    auto& v = c_.values;
    v["name"] = c_.name;
    v["listen-peer-urls"] = join(c_.listen_peer_urls, ",");
    v["listen-client-urls"] = join(c_.listen_client_urls, ",");
    v["initial-advertise-peer-urls"] = join(c_.initial_advertise_peer_urls, ",");
    v["advertise-client-urls"] = join(c_.advertise_client_urls, ",");
    v["initial-cluster"] = c_.initial_cluster;
    v["initial-cluster-state"] = c_.initial_cluster_state;
    v["initial-cluster-token"] = c_.initial_cluster_token;
    v["heartbeat-interval"] = "100";
    v["election-timeout"] = "1000";
    v["strict-reconfig-check"] = "true";
    v["pre-vote"] = c_.pre_vote ? "true" : "false";
    v["initial-election-tick-advance"] = "true";
    v["snapshot-count"] = "100000";
    v["force-new-cluster"] = "false";
    v["log-level"] = "info";
    v["auth-token"] = "simple";
    v["proxy"] = "off";
    v["discovery-fallback"] = "proxy";  // etcdmain/config.go: NewSelectiveStringValue(fallbackFlagProxy, ...)
  }
  // flag.Value.Set for `name`; returns the Go error text (not yet wrapped).
  std::optional<std::string> set(const FlagSpec& f, const std::string& value);
  std::optional<Error> validate();
  std::optional<Error> log_level_error() const;
  void log(const char* level, std::string msg, std::vector<std::pair<std::string, std::string>> fields = {}) {
    out_log_.push_back(LogLine{level, std::move(msg), std::move(fields)});
  }

  const std::map<std::string, std::string>& env_;
  const ParseOptions& opt_;
  EtcdConfig c_;
  std::set<std::string> visited_;  // flag.Visit: set on cmdline or via env (fs.Set)
  bool listen_client_set_ = false, advertise_client_set_ = false;
  std::vector<LogLine> out_log_;
};

std::optional<std::string> Parser::set(const FlagSpec& f, const std::string& value) {
  const std::string name = f.name;
  uint64_t n = 0;
  switch (f.kind) {
    case Kind::kIgnored:
      log("warn", "flag is no longer supported - ignoring", {{"flag-name", name}});
      return std::nullopt;
    case Kind::kBool: {
      bool b = false;
      if (!go_parse_bool(value, &b)) return std::string(wording::kParseError);
      c_.values[name] = b ? "true" : "false";
      if (name == "strict-reconfig-check") c_.strict_reconfig_check = b;
      if (name == "pre-vote") c_.pre_vote = b;
      if (name == "initial-election-tick-advance") c_.initial_election_tick_advance = b;
      if (name == "force-new-cluster") c_.force_new_cluster = b;
      return std::nullopt;
    }
    case Kind::kUint: case Kind::kUint64: case Kind::kUint32: case Kind::kInt: case Kind::kInt64: {
      const bool is_signed = f.kind == Kind::kInt || f.kind == Kind::kInt64;
      const unsigned bits = f.kind == Kind::kUint32 ? 32 : 64;
      if (auto e = check_integer(value, is_signed, bits, &n)) return e;
      c_.values[name] = value;
      if (name == "heartbeat-interval") c_.heartbeat_interval_ms = n;
      if (name == "election-timeout") c_.election_timeout_ms = n;
      if (name == "snapshot-count") c_.snapshot_count = n;
      if (name == "experimental-snapshot-catchup-entries") c_.snapshot_catchup_entries = n;
      return std::nullopt;
    }
    case Kind::kDuration:
      if (!go_duration_ok(value)) return std::string(wording::kParseError);
      c_.values[name] = value;
      return std::nullopt;
    case Kind::kSelective: {
      const auto valids = selective_valids(name);
      if (std::find(valids.begin(), valids.end(), value) == valids.end()) return std::string(wording::kSelectiveInvalid);
      c_.values[name] = value;
      if (name == "initial-cluster-state") c_.initial_cluster_state = value;
      return std::nullopt;
    }
    case Kind::kUrls: {
      // flags.UniqueURLs.Set: "" is an allowed exception that leaves the URLs as they were.
      if (value.empty()) return std::nullopt;
      auto urls = parse_urls(value);
      if (!urls.ok()) return urls.error().message;
      std::vector<std::string> uniq;
      for (const auto& u : urls.value())
        if (std::find(uniq.begin(), uniq.end(), u) == uniq.end()) uniq.push_back(u);
      c_.values[name] = join(uniq, ",");
      if (name == "listen-peer-urls") c_.listen_peer_urls = uniq;
      if (name == "listen-client-urls") c_.listen_client_urls = uniq;
      if (name == "initial-advertise-peer-urls") c_.initial_advertise_peer_urls = uniq;
      if (name == "advertise-client-urls") c_.advertise_client_urls = uniq;
      return std::nullopt;
    }
    case Kind::kString: case Kind::kStrings:
      c_.values[name] = value;
      if (name == "name") c_.name = value;
      if (name == "data-dir") c_.data_dir = value;
      if (name == "wal-dir") c_.wal_dir = value;
      if (name == "initial-cluster") c_.initial_cluster = value;
      if (name == "initial-cluster-token") c_.initial_cluster_token = value;
      if (name == "discovery") c_.discovery = value;
      if (name == "discovery-srv") c_.discovery_srv = value;
      if (name == "discovery-srv-name") c_.discovery_srv_name = value;
      if (name == "discovery-proxy") c_.discovery_proxy = value;
      if (name == "log-level") c_.log_level = value;
      if (name == "auth-token") c_.auth_token = value;
      return std::nullopt;
  }
  return std::nullopt;
}

Error flag_error(const std::string& flag, const std::string& message, std::string fix) {
  return Error{"--" + flag, message, std::move(fix)};
}

Result<ParsedConfig> Parser::run(const std::vector<std::string>& args) {
  // 1. Go flag parsing (flag.FlagSet.parseOne). Bounded by args.size().
  size_t i = 0;
  std::vector<std::string> rest;
  while (i < args.size()) {
    const std::string& s = args[i];
    if (s.size() < 2 || s[0] != '-') break;
    size_t minuses = 1;
    if (s[1] == '-') {
      minuses = 2;
      if (s.size() == 2) {
        ++i;
        break;
      }
    }
    std::string name = s.substr(minuses);
    if (name.empty() || name[0] == '-' || name[0] == '=')
      return Error{s, go_format(wording::kBadFlagSyntax, {s}), "write flags as --name=value or --name value"};
    ++i;
    bool has_value = false;
    std::string value;
    const size_t eq = name.find('=', 1);
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const FlagSpec* f = find_flag(name);
    if (!f) {
      if (name == "help" || name == "h")
        return Error{"--help", "etcd printed its usage and exited (-h/--help)", "remove --help to start etcd"};
      const std::string guess = closest_match(name, etcd_flag_names());
      return Error{"-" + name, go_format(wording::kFlagNotDefined, {name}),
                   guess.empty() ? "remove it; `etcd --help` lists the valid flags" : "did you mean --" + guess + "?"};
    }
    if (f->kind == Kind::kBool || f->kind == Kind::kIgnored) {
      if (auto err = set(*f, has_value ? value : "true")) {
        return flag_error(name, go_format(wording::kInvalidBoolValue, {value, name, *err}),
                          "boolean flags take no separate value: write --" + name + " or --" + name + "=false");
      }
    } else {
      if (!has_value && i < args.size()) {
        value = args[i++];
        has_value = true;
      }
      if (!has_value)
        return flag_error(name, go_format(wording::kFlagNeedsArgument, {name}), "give --" + name + " a value");
      if (auto err = set(*f, value))
        return flag_error(name, go_format(wording::kInvalidFlagValue, {value, name, *err}), "fix the value of --" + name);
    }
    visited_.insert(name);
    c_.set_by_flag.insert(name);
  }
  rest.assign(args.begin() + static_cast<long>(i), args.end());
  if (!rest.empty())
    return Error{rest[0], go_format(wording::kNotAValidFlag, {rest[0]}),
                 "etcd takes no positional arguments; write it as --flag=value (a stray value after a boolean flag?)"};

  // 2. config file.
  auto cfg_env = env_.find("ETCD_CONFIG_FILE");
  if (c_.set_by_flag.count("config-file") || (cfg_env != env_.end() && !cfg_env->second.empty()))
    return Error{"--config-file", "a configuration file replaces all flags and ETCD_* variables; this model cannot read files",
                 "pass the settings as flags or ETCD_* variables instead"};

  // 3. environment (configFromCmdLine: ETCD_VERSION first, then SetFlagsFromEnv).
  std::map<std::string, std::string> env = env_;
  if (auto it = env.find("ETCD_VERSION"); it != env.end() && !it->second.empty()) {
    log("warn", std::string(wording::kCannotSetEtcdVersion), {{"key", "ETCD_VERSION"}, {"value", it->second}});
    env.erase(it);
  }
  std::set<std::string> used;
  for (const auto& f : flag_table()) {
    const std::string key = flag_to_env(f.name);
    if (c_.set_by_flag.count(f.name)) continue;
    auto it = env.find(key);
    if (it == env.end() || it->second.empty()) continue;
    used.insert(key);
    if (auto err = set(f, it->second))
      return Error{key, go_format(wording::kInvalidEnvValue, {it->second, key, *err}), "fix the value of " + key};
    visited_.insert(f.name);
    c_.set_by_env.insert(f.name);
    log("info", std::string(wording::kRecognizedEnv), {{"variable-name", key}, {"variable-value", it->second}});
  }
  // verifyEnv, iterating the environment (sorted here; os.Environ order is the
  // process's, which the model does not know).
  for (const auto& [key, value] : env) {
    if (used.count(key)) continue;
    std::string flag = key.size() > 5 ? key.substr(5) : "";
    std::transform(flag.begin(), flag.end(), flag.begin(), [](unsigned char ch) { return ch == '_' ? '-' : std::tolower(ch); });
    if (key.rfind("ETCD_", 0) == 0 && c_.set_by_flag.count(flag) && flag_to_env(flag) == key) {
      const std::string msg = opt_.version == EtcdVersion::v3_5 ? std::string(wording::kConflictingEnv)
                                                                : go_format(wording::kConflictingEnv34, {key});
      return Error{key, msg, "either unset " + key + " or drop --" + flag + " (etcd refuses both)"};
    }
    if (key.rfind("ETCD_", 0) == 0)
      log("warn", std::string(wording::kUnrecognizedEnv), {{"environment-variable", key + "=" + value}});
  }

  // 4. URL post-processing (configFromCmdLine).
  listen_client_set_ = visited_.count("listen-client-urls") > 0;
  advertise_client_set_ = visited_.count("advertise-client-urls") > 0;
  const bool may_be_proxy = c_.values["proxy"] != "off" || (!c_.discovery.empty() && c_.values["discovery-fallback"] == "proxy");
  if (!may_be_proxy && listen_client_set_ && !advertise_client_set_) c_.advertise_client_urls.clear();
  if ((!c_.discovery.empty() || !c_.discovery_srv.empty() || !c_.discovery_srv_name.empty()) && !visited_.count("initial-cluster"))
    c_.initial_cluster.clear();
  // embed.(*Config).Validate starts with setupLogging, which converts --log-level and
  // panics on a level it does not know (a Go panic: no "failed to verify flags" line,
  // exit status 2). 3.4 (pkg/logutil ConvertToZapLevel / ConvertToCapnslogLogLevel):
  // exact lower-case names only, `unknown level "x"`; 3.5 (client/pkg/logutil ->
  // zapcore.Level.Set): also upper/mixed case and "" (info), `unrecognized level: "x"`.
  if (auto err = log_level_error()) return *err;
  if (auto err = validate()) {
    if (!(err->message == wording::kUnsetAdvertiseClientURLs && may_be_proxy)) {
      out_log_.push_back(LogLine{"warn", std::string(wording::kFailedToVerifyFlags), {{"error", err->message}}});
      return *err;
    }
  }

  // embed.StartEtcd's parseCompactionRetention (identical in 3.4.23 and 3.5.18): a
  // non-negative integer (strconv.Atoi) is hours (periodic) or revisions; anything else
  // must be a Go duration. "" is "0". Reported when the member starts (Member::start).
  {
    std::string r = c_.values.count("auto-compaction-retention") ? c_.values["auto-compaction-retention"] : "0";
    if (r.empty()) r = "0";
    if (!go_atoi_non_negative(r)) {
      if (auto e = go_duration_error(r)) c_.compaction_retention_error = "error parsing CompactionRetention: " + *e;
    }
  }

  // 5. etcd.go: UpdateDefaultClusterFromName, then the data-dir default.
  const std::string default_initial_cluster = "default=http://localhost:2380";
  auto cluster_from_name = [&]() {
    std::string r;
    for (const auto& u : c_.initial_advertise_peer_urls) {
      if (!r.empty()) r += ',';
      r += c_.name.empty() ? std::string("default") : c_.name;
      r += '=';
      r += u;
    }
    return r;
  };
  if (opt_.default_host && !opt_.default_host->empty()) {
    bool used_host = false;
    const std::string lp = c_.listen_peer_urls.empty() ? "" : c_.listen_peer_urls[0];
    if (c_.initial_advertise_peer_urls.size() == 1 && c_.initial_advertise_peer_urls[0] == "http://localhost:2380" &&
        host_of(lp) == "0.0.0.0") {
      c_.initial_advertise_peer_urls[0] = "http://" + *opt_.default_host + ":" + lp.substr(lp.rfind(':') + 1);
      used_host = true;
    }
    if (c_.name != "default" && c_.initial_cluster == default_initial_cluster) c_.initial_cluster = cluster_from_name();
    const std::string lc = c_.listen_client_urls.empty() ? "" : c_.listen_client_urls[0];
    if (c_.advertise_client_urls.size() == 1 && c_.advertise_client_urls[0] == "http://localhost:2379" &&
        host_of(lc) == "0.0.0.0") {
      c_.advertise_client_urls[0] = "http://" + *opt_.default_host + ":" + lc.substr(lc.rfind(':') + 1);
      used_host = true;
    }
    if (used_host) log("info", std::string(wording::kDetectedDefaultHost), {{"host", *opt_.default_host}});
  } else if (c_.name != "default" && c_.initial_cluster == default_initial_cluster) {
    c_.initial_cluster = cluster_from_name();
  }
  if (c_.data_dir.empty()) {
    c_.data_dir = c_.name + ".etcd";
    log("warn", std::string(wording::kDataDirEmptyUsingDefault), {{"data-dir", c_.data_dir}});
  }
  c_.values["initial-cluster"] = c_.initial_cluster;
  c_.values["initial-advertise-peer-urls"] = join(c_.initial_advertise_peer_urls, ",");
  c_.values["advertise-client-urls"] = join(c_.advertise_client_urls, ",");
  c_.values["data-dir"] = c_.data_dir;
  if (!c_.initial_cluster.empty()) {
    auto entries = parse_initial_cluster(c_.initial_cluster);
    if (entries.ok()) c_.initial_cluster_entries = entries.value();
    else c_.initial_cluster_error = entries.error().message;
  }
  return ParsedConfig{c_, out_log_};
}

std::optional<Error> Parser::log_level_error() const {
  const std::string& lvl = c_.log_level;
  static constexpr std::string_view kLevels[] = {"debug", "info", "warn", "error", "dpanic", "panic", "fatal"};
  auto known = [&](std::string_view v) {
    for (auto k : kLevels)
      if (v == k) return true;
    return false;
  };
  if (opt_.version == EtcdVersion::v3_4) {
    if (known(lvl)) return std::nullopt;
    return Error{"--log-level", "panic: unknown level " + go_quote(lvl),
                 "use one of debug, info, warn, error, panic, fatal (lower case)"};
  }
  std::string lower = lvl;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  // zapcore's unmarshalText knows "debug"/"DEBUG" ... and ""; UnmarshalText retries lower-cased.
  if (lvl.empty() || known(lower)) return std::nullopt;
  return Error{"--log-level", "panic: unrecognized level: " + go_quote(lvl),
               "use one of debug, info, warn, error, panic, fatal"};
}

std::optional<Error> Parser::validate() {
  // embed.(*Config).Validate, in etcd's order.
  auto check_bind = [&](const std::vector<std::string>& urls, const char* flag) -> std::optional<Error> {
    for (const auto& s : urls) {
      auto u = go_url_parse(s);
      if (!u.ok()) return Error{flag, u.error().message, "fix the URL"};
      if (u.value().scheme == "unix" || u.value().scheme == "unixs") continue;
      std::string host;
      if (!split_host_port(u.value().host, &host))
        return Error{flag, "address " + u.value().host + ": missing port in address", "add the port"};
      if (host == "localhost") continue;
      if (!is_ip_literal(host))
        return Error{flag, go_format(wording::kExpectedIPForBinding, {s}),
                     std::string("--") + flag + " must use an IP address (e.g. http://0.0.0.0:2380), not a host name"};
    }
    return std::nullopt;
  };
  if (auto e = check_bind(c_.listen_peer_urls, "listen-peer-urls")) return e;
  if (auto e = check_bind(c_.listen_client_urls, "listen-client-urls")) return e;
  log("warn", "Running http and grpc server on single port. This is not recommended for production.");
  auto check_host = [&](const std::vector<std::string>& urls, std::string_view fmt, const char* flag) -> std::optional<Error> {
    for (const auto& s : urls) {
      std::string host;
      auto u = go_url_parse(s);
      std::string err;
      if (!u.ok() || !split_host_port(u.value().host, &host))
        err = "address " + (u.ok() ? u.value().host : s) + ": missing port in address";
      else if (host.empty()) err = go_format(wording::kUnexpectedEmptyHost, {s});
      if (!err.empty())
        return Error{flag, go_format(fmt, {join(urls, ","), err}), std::string("give --") + flag + " a reachable host:port"};
    }
    return std::nullopt;
  };
  if (auto e = check_host(c_.initial_advertise_peer_urls, wording::kAdvertisePeerHostPort, "initial-advertise-peer-urls")) return e;
  if (auto e = check_host(c_.advertise_client_urls, wording::kAdvertiseClientHostPort, "advertise-client-urls")) return e;
  int n_set = 0;
  n_set += !c_.discovery.empty();
  n_set += !c_.initial_cluster.empty();
  n_set += !c_.discovery_srv.empty();
  if (c_.initial_cluster_state != "new" && c_.initial_cluster_state != "existing")
    return Error{"--initial-cluster-state", go_format(wording::kUnexpectedClusterState, {c_.initial_cluster_state}), "use new or existing"};
  if (n_set > 1)
    return Error{"--initial-cluster", std::string(wording::kConflictBootstrapFlags),
                 "keep only one of --initial-cluster, --discovery, --discovery-srv"};
  const std::string tick = std::to_string(c_.heartbeat_interval_ms), elect = std::to_string(c_.election_timeout_ms);
  if (c_.heartbeat_interval_ms == 0)
    return Error{"--heartbeat-interval", go_format(wording::kHeartbeatZero, {tick}), "set --heartbeat-interval to e.g. 100"};
  if (c_.election_timeout_ms == 0)
    return Error{"--election-timeout", go_format(wording::kElectionZero, {elect}), "set --election-timeout to e.g. 1000"};
  if (5 * c_.heartbeat_interval_ms > c_.election_timeout_ms)
    return Error{"--election-timeout", go_format(wording::kElectionTooShort, {elect, tick}),
                 "raise --election-timeout to at least " + std::to_string(5 * c_.heartbeat_interval_ms) + " or lower --heartbeat-interval"};
  if (c_.election_timeout_ms > 50000)
    return Error{"--election-timeout", go_format(wording::kElectionTooLong, {elect, "50000"}), "keep --election-timeout below 50000"};
  if (!c_.listen_client_urls.empty() && c_.advertise_client_urls.empty())
    return Error{"--advertise-client-urls", std::string(wording::kUnsetAdvertiseClientURLs),
                 "set --advertise-client-urls (ETCD_ADVERTISE_CLIENT_URLS) to the URL clients should use"};
  const std::string mode = c_.values.count("auto-compaction-mode") ? c_.values["auto-compaction-mode"] : "periodic";
  if (!mode.empty() && mode != "periodic" && mode != "revision")
    return Error{"--auto-compaction-mode", "unknown auto-compaction-mode " + go_quote(mode), "use periodic or revision"};
  return std::nullopt;
}

}  // namespace

Result<ParsedConfig> parse_etcd_config(const std::vector<std::string>& args,
                                       const std::map<std::string, std::string>& env, const ParseOptions& options) {
  if (args.size() > 4096) return Error{"etcd", "more than 4096 arguments", "pass fewer arguments"};
  Parser p(env, options);
  return p.run(args);
}

}  // namespace raftlab::etcd
