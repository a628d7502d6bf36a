// config_flags.cc — the flags etcd registers and Go's parsing of their values
// (config_internal.h; the parser that uses them is config.cc).
#include <algorithm>
#include <cctype>

#include "sim/etcd/config_internal.h"

namespace raftlab::etcd {
namespace detail {

// strconv.Atoi(s) succeeds with a value >= 0: an optional sign, decimal digits, within int64.
bool go_atoi_non_negative(const std::string& s) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  if (i == s.size() || s.size() - i > 19) return false;  // 19 digits may still overflow: checked below
  unsigned long long v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  if (v > 9223372036854775807ULL) return false;
  return !neg || v == 0;
}

// Every flag registered by server/etcdmain/config.go newConfig (v3.5.18), in
// registration order, followed by the `ignored` list (IgnoredFlag, boolean-like).
constexpr FlagSpec kFlags[] = {
    {"config-file", Kind::kString},
    {"data-dir", Kind::kString},
    {"wal-dir", Kind::kString},
    {"listen-peer-urls", Kind::kUrls},
    {"listen-client-urls", Kind::kUrls},
    {"listen-client-http-urls", Kind::kUrls},
    {"listen-metrics-urls", Kind::kUrls},
    {"max-snapshots", Kind::kUint},
    {"max-wals", Kind::kUint},
    {"name", Kind::kString},
    {"snapshot-count", Kind::kUint64},
    {"heartbeat-interval", Kind::kUint},
    {"election-timeout", Kind::kUint},
    {"initial-election-tick-advance", Kind::kBool},
    {"quota-backend-bytes", Kind::kInt64},
    {"backend-bbolt-freelist-type", Kind::kString},
    {"backend-batch-interval", Kind::kDuration},
    {"backend-batch-limit", Kind::kInt},
    {"max-txn-ops", Kind::kUint},
    {"max-request-bytes", Kind::kUint},
    {"grpc-keepalive-min-time", Kind::kDuration},
    {"grpc-keepalive-interval", Kind::kDuration},
    {"grpc-keepalive-timeout", Kind::kDuration},
    {"socket-reuse-port", Kind::kBool},
    {"socket-reuse-address", Kind::kBool},
    {"max-concurrent-streams", Kind::kUint32},
    {"raft-read-timeout", Kind::kDuration},
    {"raft-write-timeout", Kind::kDuration},
    {"initial-advertise-peer-urls", Kind::kUrls},
    {"advertise-client-urls", Kind::kUrls},
    {"discovery", Kind::kString},
    {"discovery-fallback", Kind::kSelective},
    {"discovery-proxy", Kind::kString},
    {"discovery-srv", Kind::kString},
    {"discovery-srv-name", Kind::kString},
    {"initial-cluster", Kind::kString},
    {"initial-cluster-token", Kind::kString},
    {"initial-cluster-state", Kind::kSelective},
    {"strict-reconfig-check", Kind::kBool},
    {"pre-vote", Kind::kBool},
    {"enable-v2", Kind::kBool},
    {"experimental-enable-v2v3", Kind::kString},
    {"v2-deprecation", Kind::kSelective},
    {"proxy", Kind::kSelective},
    {"proxy-failure-wait", Kind::kUint},
    {"proxy-refresh-interval", Kind::kUint},
    {"proxy-dial-timeout", Kind::kUint},
    {"proxy-write-timeout", Kind::kUint},
    {"proxy-read-timeout", Kind::kUint},
    {"cert-file", Kind::kString},
    {"key-file", Kind::kString},
    {"client-cert-file", Kind::kString},
    {"client-key-file", Kind::kString},
    {"client-cert-auth", Kind::kBool},
    {"client-crl-file", Kind::kString},
    {"client-cert-allowed-hostname", Kind::kStrings},
    {"trusted-ca-file", Kind::kString},
    {"auto-tls", Kind::kBool},
    {"peer-cert-file", Kind::kString},
    {"peer-key-file", Kind::kString},
    {"peer-client-cert-file", Kind::kString},
    {"peer-client-key-file", Kind::kString},
    {"peer-client-cert-auth", Kind::kBool},
    {"peer-trusted-ca-file", Kind::kString},
    {"peer-auto-tls", Kind::kBool},
    {"self-signed-cert-validity", Kind::kUint},
    {"peer-crl-file", Kind::kString},
    {"peer-cert-allowed-cn", Kind::kStrings},
    {"peer-cert-allowed-hostname", Kind::kStrings},
    {"cipher-suites", Kind::kStrings},
    {"experimental-peer-skip-client-san-verification", Kind::kBool},
    {"tls-min-version", Kind::kString},
    {"tls-max-version", Kind::kString},
    {"cors", Kind::kUrls},
    {"host-whitelist", Kind::kStrings},
    {"logger", Kind::kString},
    {"log-outputs", Kind::kStrings},
    {"log-level", Kind::kString},
    {"enable-log-rotation", Kind::kBool},
    {"log-rotation-config-json", Kind::kString},
    {"version", Kind::kBool},
    {"auto-compaction-retention", Kind::kString},
    {"auto-compaction-mode", Kind::kString},
    {"enable-pprof", Kind::kBool},
    {"metrics", Kind::kString},
    {"experimental-enable-distributed-tracing", Kind::kBool},
    {"experimental-distributed-tracing-address", Kind::kString},
    {"experimental-distributed-tracing-service-name", Kind::kString},
    {"experimental-distributed-tracing-instance-id", Kind::kString},
    {"experimental-distributed-tracing-sampling-rate", Kind::kInt},
    {"auth-token", Kind::kString},
    {"bcrypt-cost", Kind::kUint},
    {"auth-token-ttl", Kind::kUint},
    {"enable-grpc-gateway", Kind::kBool},
    {"experimental-initial-corrupt-check", Kind::kBool},
    {"experimental-corrupt-check-time", Kind::kDuration},
    {"experimental-compact-hash-check-enabled", Kind::kBool},
    {"experimental-compact-hash-check-time", Kind::kDuration},
    {"experimental-enable-lease-checkpoint", Kind::kBool},
    {"experimental-enable-lease-checkpoint-persist", Kind::kBool},
    {"experimental-compaction-batch-limit", Kind::kInt},
    {"experimental-compaction-sleep-interval", Kind::kDuration},
    {"experimental-watch-progress-notify-interval", Kind::kDuration},
    {"experimental-downgrade-check-time", Kind::kDuration},
    {"experimental-warning-apply-duration", Kind::kDuration},
    {"experimental-memory-mlock", Kind::kBool},
    {"experimental-txn-mode-write-with-shared-buffer", Kind::kBool},
    {"experimental-stop-grpc-service-on-defrag", Kind::kBool},
    {"experimental-bootstrap-defrag-threshold-megabytes", Kind::kUint},
    {"experimental-snapshot-catchup-entries", Kind::kUint64},
    {"unsafe-no-fsync", Kind::kBool},
    {"force-new-cluster", Kind::kBool},
    {"cluster-active-size", Kind::kIgnored},
    {"cluster-remove-delay", Kind::kIgnored},
    {"cluster-sync-interval", Kind::kIgnored},
    {"config", Kind::kIgnored},
    {"force", Kind::kIgnored},
    {"max-result-buffer", Kind::kIgnored},
    {"max-retry-attempts", Kind::kIgnored},
    {"peer-heartbeat-interval", Kind::kIgnored},
    {"peer-election-timeout", Kind::kIgnored},
    {"retry-interval", Kind::kIgnored},
    {"snapshot", Kind::kIgnored},
    {"v", Kind::kIgnored},
    {"vv", Kind::kIgnored},
    {"test.coverprofile", Kind::kIgnored},
    {"test.outputdir", Kind::kIgnored},
};

std::span<const FlagSpec> flag_table() { return kFlags; }

const FlagSpec* find_flag(const std::string& name) {
  for (const auto& f : kFlags)
    if (name == f.name) return &f;
  return nullptr;
}

// flags.NewSelectiveStringValue valid sets (etcdmain/config.go newConfig).
std::vector<std::string> selective_valids(const std::string& name) {
  if (name == "initial-cluster-state") return {"new", "existing"};
  if (name == "discovery-fallback") return {"proxy", "exit"};
  if (name == "proxy") return {"off", "readonly", "on"};
  if (name == "v2-deprecation") return {"not-yet", "write-only", "write-only-drop-data", "gone"};
  return {};
}

// strconv.ParseUint/ParseInt with base 0 as Go's flag package uses, reduced to
// decimal, 0x hex and leading-0 octal. Returns the Go flag error word on failure.
std::optional<std::string> check_integer(std::string s, bool is_signed, unsigned bits, uint64_t* out) {
  bool neg = false;
  if (is_signed && !s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s = s.substr(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s = s.substr(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s = s.substr(1);
  }
  if (s.empty()) return std::string(wording::kParseError);
  uint64_t v = 0;
  bool overflow = false;
  const uint64_t b = static_cast<uint64_t>(base);
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return std::string(wording::kParseError);
    if (d >= base) return std::string(wording::kParseError);
    const uint64_t dd = static_cast<uint64_t>(d);
    if (v > (UINT64_MAX - dd) / b) overflow = true;
    else v = v * b + dd;
  }
  // Largest magnitude allowed: unsigned 2^bits-1; signed 2^(bits-1)-1, or 2^(bits-1) when negative.
  const uint64_t limit = is_signed ? (uint64_t{1} << (bits - 1)) - (neg ? 0 : 1)
                                   : (bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1);
  if (overflow || v > limit) return std::string(wording::kValueOutOfRange);
  if (out) *out = static_cast<uint64_t>(v);
  return std::nullopt;
}

bool go_parse_bool(const std::string& s, bool* out) {
  static const char* const kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char* const kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (auto t : kTrue)
    if (s == t) return *out = true, true;
  for (auto f : kFalse)
    if (s == f) return *out = false, true;
  return false;
}

// time.ParseDuration accepts [-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+ or "0".
bool go_duration_ok(const std::string& s) {
  if (s == "0" || s == "+0" || s == "-0") return true;
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i >= s.size()) return false;
  while (i < s.size()) {
    size_t digits = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i, ++digits;
    if (digits == 0) return false;
    static const char* const kUnits[] = {"ns", "us", "\xC2\xB5s", "ms", "s", "m", "h"};
    bool matched = false;
    for (auto u : kUnits) {
      const std::string_view uv(u);
      if (s.compare(i, uv.size(), uv) == 0) {
        // prefer the longest match: "ms" before "m"/"s"
        if (uv == "m" && s.compare(i, 2, "ms") == 0) continue;
        i += uv.size();
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

}  // namespace detail

using detail::flag_table;

std::string flag_to_env(const std::string& flag_name) {
  std::string out = "ETCD_";
  for (char ch : flag_name) out += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::vector<std::string> etcd_flag_names() {
  std::vector<std::string> v;
  for (const auto& f : flag_table()) v.push_back(f.name);
  return v;
}

}  // namespace raftlab::etcd
