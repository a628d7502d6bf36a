// sim/etcdctl_parse.cc — etcdctl's command line, as etcd v3.5.18's etcdctl (cobra + pflag)
// reads it: global and command flags anywhere among the arguments, `--flag=value` or
// `--flag value`, each command's argument checks with its wording and exit code
// (ctlv3/command/*_command.go, pkg/cobrautl/error.go: ExitError 1, ExitBadFeature 4,
// ExitBadArgs 128). Checked against a real etcdctl 3.4.23 (docs/etcd-behaviour.md).
#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "sim/etcd/ids.h"
#include "sim/etcd/shell.h"
#include "sim/etcd/wording.h"
#include "sim/etcdctl.h"

namespace raftlab::sim {
namespace {

constexpr int kExitError = 1;        // cobrautl.ExitError
constexpr int kExitBadFeature = 4;   // cobrautl.ExitBadFeature
constexpr int kExitBadArgs = 128;    // cobrautl.ExitBadArgs

// Every command of etcdctl 3.5 (ctlv3/ctl.go's rootCmd.AddCommand list).
const std::vector<std::string>& real_commands() {
  static const std::vector<std::string> k = {"get",        "put",         "del",        "txn",   "compaction",
                                             "alarm",      "defrag",      "endpoint",   "move-leader", "watch",
                                             "version",    "lease",       "member",     "snapshot",    "make-mirror",
                                             "lock",       "elect",       "auth",       "user",        "role",
                                             "check",      "completion",  "downgrade",  "help"};
  return k;
}

// Go's url.Parse, for the cases etcdctl's peer URLs meet: what it refuses, with its wording.
std::optional<std::string> go_url_parse_error(const std::string& in) {
  for (unsigned char ch : in)
    if (ch < 0x20 || ch == 0x7f) return fmt::format("parse {:?}: net/url: invalid control character in URL", in);
  const size_t colon = in.find(':');
  if (colon == 0) return fmt::format("parse {:?}: missing protocol scheme", in);
  const size_t scheme_end = in.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  for (size_t i = 0; i < scheme_end; ++i) {
    const char c = in[i];
    const bool ok = std::isalpha(static_cast<unsigned char>(c)) ||
                    (i > 0 && (std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'));
    if (!ok) return fmt::format("parse {:?}: first path segment in URL cannot contain colon", in);
  }
  const size_t host_start = scheme_end + 3;
  const size_t host_end = std::min(in.find_first_of("/?#", host_start), in.size());
  std::string host = in.substr(host_start, host_end - host_start);
  if (const size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  size_t port_colon = std::string::npos;
  if (!host.empty() && host[0] == '[') {
    const size_t close = host.find(']');
    if (close == std::string::npos) return fmt::format("parse {:?}: missing ']' in host", in);
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return fmt::format("parse {:?}: invalid port {:?} after host", in, host.substr(close + 1));
      port_colon = close + 1;
    }
  } else {
    port_colon = host.rfind(':');
  }
  if (port_colon != std::string::npos) {
    const std::string port = host.substr(port_colon + 1);
    if (port.find_first_not_of("0123456789") != std::string::npos)
      return fmt::format("parse {:?}: invalid port {:?} after host", in, host.substr(port_colon));
  }
  return std::nullopt;
}

// client/pkg/types/urls.go NewURLs, which clientv3's MemberAdd calls before sending
// ("fail-fast before panic in rafthttp"): the client refuses, the request never leaves.
std::optional<std::string> new_urls_error(const std::vector<std::string>& urls) {
  if (urls.empty()) return "no valid URLs given";
  for (const std::string& raw : urls) {
    const size_t b = raw.find_first_not_of(" \t\n\r\v\f");
    const std::string in = b == std::string::npos ? "" : raw.substr(b, raw.find_last_not_of(" \t\n\r\v\f") - b + 1);
    if (auto e = go_url_parse_error(in)) return e;
    const size_t sep = in.find("://");
    const std::string scheme = sep == std::string::npos ? "" : in.substr(0, sep);
    std::string lower = scheme;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "http" || lower == "https") {
      const size_t host_start = sep + 3;
      const size_t host_end = std::min(in.find_first_of("/?#", host_start), in.size());
      std::string host = in.substr(host_start, host_end - host_start);
      if (const size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
      // net.SplitHostPort: a port separator outside brackets, exactly one colon for IPv4/names.
      const bool bracketed = !host.empty() && host[0] == '[';
      const size_t last = host.rfind(':');
      const bool has_port = bracketed ? host.find("]:") != std::string::npos
                                      : last != std::string::npos && host.find(':') == last;
      if (!has_port) return fmt::format("URL address does not have the form \"host:port\": {}", in);
      const std::string path = host_end < in.size() && in[host_end] == '/' ? in.substr(host_end) : "";
      if (!path.empty()) return fmt::format("URL must not contain a path: {}", in);
    } else if (lower != "unix" && lower != "unixs") {
      return fmt::format("URL scheme must be http, https, unix, or unixs: {}", in);
    }
  }
  return std::nullopt;
}

// The user, role and auth commands (etcd v3.5.18 etcdctl/ctlv3/command/user_command.go,
// role_command.go, auth_command.go), in their order of checks and with their wording.
void parse_auth_command(EtcdctlCommand& c, const std::vector<std::string>& pos,
                        const std::optional<std::string>& new_user_password, bool interactive, bool prefix) {
  auto fail = [&c](int code, std::string msg, bool not_modelled = false) {
    if (!c.error.empty()) return;
    c.error = std::move(msg);
    c.exit_code = code;
    c.not_modelled = not_modelled;
  };
  const std::string& cmd = pos[0];
  const std::string sub = pos.size() >= 2 ? pos[1] : "";
  const std::vector<std::string> args(pos.begin() + std::min<size_t>(2, pos.size()), pos.end());
  c.req.kind = ClientOpKind::Auth;
  auto set = [&c](EtcdctlVerb v, const char* op, std::vector<std::string> a) {
    c.verb = v;
    c.req.auth_op = op;
    c.req.auth_args = std::move(a);
  };
  if (cmd == "user" && sub == "add") {
    if (args.size() != 1) return fail(kExitBadArgs, "user add command requires user name as its argument");
    std::string user = args[0], password;
    if (new_user_password && !new_user_password->empty()) {
      password = *new_user_password;
    } else if (const size_t colon = args[0].find(':'); colon != std::string::npos) {
      user = args[0].substr(0, colon);
      password = args[0].substr(colon + 1);
      if (user.empty()) return fail(kExitBadArgs, "empty user name is not allowed");
    } else {
      // The password would come from the terminal (interactive) or stdin (fmt.Scanf).
      return fail(kExitError,
                  interactive ? "etcdctl user add NAME asks for the password on a terminal, which raftlab does not model "
                                "(give NAME:PASSWORD or --new-user-password)"
                              : "etcdctl user add NAME --interactive=false reads the password from stdin, which a "
                                "scenario does not have (give NAME:PASSWORD or --new-user-password)",
                  true);
    }
    return set(EtcdctlVerb::UserAdd, "user-add", {user, password});
  }
  if (cmd == "user" && sub == "delete") {
    if (args.size() != 1) return fail(kExitBadArgs, "user delete command requires user name as its argument");
    return set(EtcdctlVerb::UserDelete, "user-delete", {args[0]});
  }
  if (cmd == "user" && sub == "passwd") {
    if (args.size() != 1) return fail(kExitBadArgs, "user passwd command requires user name as its argument");
    if (!new_user_password || new_user_password->empty())
      return fail(kExitError, "etcdctl user passwd asks for the password on a terminal, which raftlab does not model "
                              "(give --new-user-password)", true);
    return set(EtcdctlVerb::UserPasswd, "user-passwd", {args[0], *new_user_password});
  }
  if (cmd == "user" && sub == "grant-role") {
    if (args.size() != 2)
      return fail(kExitBadArgs, "user grant command requires user name and role name as its argument");
    return set(EtcdctlVerb::UserGrantRole, "user-grant-role", {args[0], args[1]});
  }
  if (cmd == "role" && sub == "add") {
    if (args.size() != 1) return fail(kExitBadArgs, "role add command requires role name as its argument");
    return set(EtcdctlVerb::RoleAdd, "role-add", {args[0]});
  }
  if (cmd == "role" && sub == "grant-permission") {
    if (args.size() < 3)
      return fail(kExitBadArgs,
                  "role grant command requires role name, permission type, and key [endkey] as its argument");
    // clientv3.StrToPermissionType: upper-cased READ, WRITE or READWRITE.
    std::string type = args[1];
    for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (type != "read" && type != "write" && type != "readwrite")
      return fail(kExitBadArgs, fmt::format("invalid permission type: {}", args[1]));
    std::string key = args[2], end;
    if (key.empty()) {
      key = std::string(1, '\0');
      if (prefix) end = std::string(1, '\0');
    } else if (prefix) {
      if (args.size() > 3) return fail(kExitBadArgs, "unexpected endkey argument with --prefix flag");
      end = key;  // clientv3.GetPrefixRangeEnd
      while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
      if (end.empty()) end = std::string(1, '\0');
      else end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
    } else if (args.size() > 3) {
      end = args[3];
    }
    return set(EtcdctlVerb::RoleGrantPermission, "role-grant-permission", {args[0], type, key, end});
  }
  if (cmd == "auth" && (sub == "enable" || sub == "disable" || sub == "status")) {
    if (!args.empty()) return fail(kExitBadArgs, fmt::format("auth {} command does not accept any arguments", sub));
    if (sub == "enable") return set(EtcdctlVerb::AuthEnable, "auth-enable", {});
    if (sub == "disable") return set(EtcdctlVerb::AuthDisable, "auth-disable", {});
    return set(EtcdctlVerb::AuthStatus, "auth-status", {});
  }
  c.req.kind = ClientOpKind::Put;
  fail(kExitError, fmt::format("etcdctl {} is not modelled by raftlab", etcd::join(pos, " ")), true);
}

}  // namespace

std::optional<Duration> parse_go_duration(const std::string& text) {
  // time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, units ns us µs ms s m h; "0" alone.
  std::string s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.erase(0, 1);
  }
  if (s == "0") return Duration{0};
  if (s.empty()) return std::nullopt;
  long double total = 0;
  size_t i = 0;
  while (i < s.size()) {
    const size_t num_start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    const std::string num = s.substr(num_start, i - num_start);
    if (num.empty() || num == "." || std::count(num.begin(), num.end(), '.') > 1) return std::nullopt;
    const size_t unit_start = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') ++i;
    const std::string unit = s.substr(unit_start, i - unit_start);
    long double scale = 0;
    if (unit == "ns") scale = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") scale = 1e3L;
    else if (unit == "ms") scale = 1e6L;
    else if (unit == "s") scale = 1e9L;
    else if (unit == "m") scale = 60e9L;
    else if (unit == "h") scale = 3600e9L;
    else return std::nullopt;
    long double v = 0, frac = 0.1L;
    bool after_dot = false;
    for (char c : num) {
      if (c == '.') { after_dot = true; continue; }
      if (!after_dot) v = v * 10 + (c - '0');
      else { v += (c - '0') * frac; frac /= 10; }
    }
    total += v * scale;
    if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  }
  const auto ns = static_cast<std::int64_t>(total);
  return Duration{neg ? -ns : ns};
}

std::string go_duration_string(std::int64_t ns) {
  // time.Duration.String: "0s"; below 1 s with the largest unit that keeps an integer part
  // (ns, µs, ms); else h/m/s with the seconds' fraction, trailing zeros dropped.
  if (ns == 0) return "0s";
  const bool neg = ns < 0;
  const auto u = static_cast<std::uint64_t>(neg ? -(ns + 1) : ns) + (neg ? 1 : 0);
  auto frac = [](std::uint64_t v, int digits) {
    std::string whole = std::to_string(v);
    if (static_cast<int>(whole.size()) <= digits) whole = std::string(static_cast<size_t>(digits) + 1 - whole.size(), '0') + whole;
    std::string ip = whole.substr(0, whole.size() - static_cast<size_t>(digits));
    std::string fp = whole.substr(whole.size() - static_cast<size_t>(digits));
    while (!fp.empty() && fp.back() == '0') fp.pop_back();
    if (!fp.empty()) {
      ip += '.';
      ip += fp;
    }
    return ip;
  };
  std::string out;
  if (u < 1000) {
    out = std::to_string(u) + "ns";
  } else if (u < 1000000) {
    out = frac(u, 3) + "\xC2\xB5s";
  } else if (u < 1000000000) {
    out = frac(u, 6) + "ms";
  } else {
    const std::uint64_t secs = u / 1000000000, rest = u % 1000000000;
    const std::uint64_t h = secs / 3600, m = (secs / 60) % 60, sec = secs % 60;
    if (h > 0) out += std::to_string(h) + "h";
    if (h > 0 || m > 0) out += std::to_string(m) + "m";
    out += frac(sec * 1000000000 + rest, 9) + "s";
  }
  return neg ? "-" + out : out;
}

EtcdctlCommand parse_etcdctl(const std::string& command) {
  // The command line is split as the operator's shell would split it.
  auto split = etcd::shell_split(command, {});
  if (!split.ok()) {
    EtcdctlCommand c;
    c.error = split.error().message;
    c.exit_code = 2;  // the shell's own syntax error
    return c;
  }
  return parse_etcdctl_argv(split.value().argv);
}

EtcdctlCommand parse_etcdctl_argv(std::vector<std::string> w) {
  EtcdctlCommand c;
  auto fail = [&c](int code, std::string msg, bool not_modelled = false) {
    if (!c.error.empty()) return;
    c.error = std::move(msg);
    c.exit_code = code;
    c.not_modelled = not_modelled;
  };
  if (!w.empty() && (w[0] == "etcdctl" || (w[0].size() > 8 && w[0].compare(w[0].size() - 8, 8, "/etcdctl") == 0)))
    w.erase(w.begin());
  std::vector<std::string> pos;
  std::optional<std::string> consistency;
  bool prefix = false;
  std::optional<std::string> new_user_password;
  bool interactive = true;
  for (size_t i = 0; i < w.size() && c.error.empty(); ++i) {
    const std::string& a = w[i];
    // pflag: "--name=value" or "--name value"; "-w value" or "-w=value" or "-wvalue".
    auto value = [&](const std::string& flag, const char* shorthand = nullptr) -> std::optional<std::string> {
      if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
      if (a == flag || (shorthand && a == shorthand)) {
        if (i + 1 >= w.size()) {
          fail(kExitError, fmt::format("flag needs an argument: {}", shorthand && a == shorthand
                                                                         ? fmt::format("'{}' in {}", a.substr(1), a)
                                                                         : a));
          return std::string();
        }
        return w[++i];
      }
      if (shorthand && a.size() > 2 && a.rfind(shorthand, 0) == 0 && a[1] != '-')
        return a.substr(a[2] == '=' ? 3 : 2);
      return std::nullopt;
    };
    if (auto v = value("--endpoints")) {
      c.endpoints = etcd::split(*v, ',');
    } else if (auto p = value("--peer-urls")) {
      c.peer_urls_flag = *p;
      c.req.peer_urls = p->empty() ? std::vector<std::string>{} : etcd::split(*p, ',');
    } else if (auto cs = value("--consistency")) {
      consistency = *cs;
    } else if (auto wo = value("--write-out", "-w")) {
      c.write_out = *wo;
    } else if (auto ct = value("--command-timeout")) {
      auto d = parse_go_duration(*ct);
      if (!d) fail(kExitError, fmt::format("invalid argument {:?} for \"--command-timeout\" flag: time: invalid duration {:?}", *ct, *ct));
      else c.command_timeout = *d;
    } else if (auto dt = value("--dial-timeout")) {
      // Accepted: dialling a reachable endpoint is immediate in the simulation.
      if (!parse_go_duration(*dt))
        fail(kExitError, fmt::format("invalid argument {:?} for \"--dial-timeout\" flag: time: invalid duration {:?}", *dt, *dt));
    } else if (auto u = value("--user")) {
      c.user = *u;
    } else if (auto pw = value("--password")) {
      c.password = *pw;
    } else if (auto np = value("--new-user-password")) {
      new_user_password = *np;
    } else if (a == "--interactive=false" || a == "--interactive=true" || a == "--interactive") {
      interactive = a != "--interactive=false";
    } else if (a == "--cluster") {
      c.cluster = true;
    } else if (a == "--prefix") {
      prefix = true;
    } else if (a == "--keys-only") {
      c.keys_only = true;
    } else if (a == "--print-value-only") {
      c.print_value_only = true;
    } else if (a == "--debug" || a == "--insecure-transport" || a == "--insecure-transport=true") {
      // --debug only adds client logs; plain http is what the simulation speaks.
    } else if (a.rfind("--", 0) == 0) {
      // Real etcdctl flags the model lacks are refused by name, never ignored.
      static const std::array<const char*, 22> kReal = {
          "--cacert", "--cert", "--key", "--no-password", "--from-key", "--insecure-skip-tls-verify", "--insecure-discovery",
          "--discovery-srv", "--discovery-srv-name", "--keepalive-time", "--keepalive-timeout", "--hex",
          "--from-key", "--rev", "--limit", "--order", "--sort-by", "--count-only", "--lease", "--prev-kv",
          "--ignore-value", "--learner"};
      const std::string name = a.substr(0, a.find('='));
      const bool real = std::find(kReal.begin(), kReal.end(), name) != kReal.end() || name == "--insecure-transport";
      if (real) fail(kExitError, fmt::format("etcdctl flag {} is not modelled by raftlab", name), true);
      else fail(kExitError, fmt::format("unknown flag: {}", name));
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      fail(kExitError, fmt::format("unknown shorthand flag: '{}' in {}", a[1], a));
    } else {
      pos.push_back(a);
    }
  }
  if (!c.error.empty()) return c;
  // printer.go NewPrinter + ctl.go: simple, json and table are modelled; fields and
  // protobuf are real formats the model does not print; anything else etcdctl refuses.
  if (c.write_out == "fields" || c.write_out == "protobuf") {
    fail(kExitError, fmt::format("-w {} is not modelled by raftlab (simple, table and json are)", c.write_out), true);
    return c;
  }
  if (c.write_out != "simple" && c.write_out != "table" && c.write_out != "json") {
    fail(kExitBadFeature, "unsupported output format");
    return c;
  }
  // global.go authCfgFromCmd: --user NAME:PW splits at the first colon; --password wins;
  // a name alone asks on the terminal (speakeasy), which a scenario does not have.
  if (!c.user.empty() && c.password.empty()) {
    const size_t colon = c.user.find(':');
    if (colon == std::string::npos) {
      fail(kExitError, "etcdctl --user without a password asks for it on a terminal, which raftlab does not model "
                       "(give --user NAME:PASSWORD or --password PASSWORD)", true);
      return c;
    }
    c.password = c.user.substr(colon + 1);
    c.user = c.user.substr(0, colon);
  }
  const std::string cmd = pos.empty() ? "" : pos[0];
  const std::string sub = pos.size() >= 2 ? pos[1] : "";
  if (pos.empty()) {
    fail(kExitError, "etcdctl: no command");
  } else if (cmd == "put") {
    c.verb = EtcdctlVerb::Put;
    c.req.kind = ClientOpKind::Put;
    // put_command.go getPutOp; the value comes from the second argument (no stdin here).
    if (pos.size() < 3) return fail(kExitBadArgs, "put command needs 1 argument and input from stdin or 2 arguments"), c;
    c.req.key = pos[1];
    c.req.value = pos[2];
  } else if (cmd == "get") {
    c.verb = EtcdctlVerb::Get;
    c.req.kind = ClientOpKind::Get;
    if (pos.size() < 2)
      return fail(kExitBadArgs, "get command needs one argument as key and an optional argument as range_end"), c;
    if (pos.size() > 2 && prefix)
      return fail(kExitBadArgs, "too many arguments, only accept one argument when `--prefix` or `--from-key` is set"), c;
    if (pos.size() > 2) return fail(kExitError, "etcdctl get KEY RANGE_END is not modelled by raftlab", true), c;
    if (consistency && *consistency != "l" && *consistency != "s")
      return fail(kExitBadFeature, fmt::format("unknown consistency flag {:?}", *consistency)), c;
    if (c.print_value_only && c.write_out != "simple")
      return fail(kExitBadArgs, "print-value-only is only for `--write-out=simple`"), c;
    c.req.key = pos[1];
    c.req.serializable = consistency && *consistency == "s";
    c.req.prefix = prefix;
    if (prefix && !c.req.serializable)
      return fail(kExitError,
                  "a linearizable get --prefix is not modelled by raftlab (add --consistency=s for a serializable one)",
                  true),
             c;
  } else if (cmd == "member" && sub == "add") {
    c.verb = EtcdctlVerb::MemberAdd;
    c.req.kind = ClientOpKind::MemberAdd;
    // member_command.go memberAddCommandFunc, in its order of checks.
    if (pos.size() < 3) return fail(kExitBadArgs, "member name not provided"), c;
    if (pos.size() > 3) {
      std::string ev = "too many arguments";
      for (size_t i = 2; i < pos.size(); ++i) {
        std::string lower = pos[i];
        for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (lower.rfind("http", 0) == 0) ev += fmt::format(", did you mean --peer-urls={}", pos[i]);
      }
      return fail(kExitBadArgs, ev), c;
    }
    c.add_name = pos[2];
    if (c.peer_urls_flag.empty()) return fail(kExitBadArgs, "member peer urls not provided"), c;
    // clientv3 cluster.memberAdd: types.NewURLs before the request is sent; ExitError.
    if (auto e = new_urls_error(c.req.peer_urls)) return fail(kExitError, *e), c;
  } else if (cmd == "member" && sub == "remove") {
    c.verb = EtcdctlVerb::MemberRemove;
    c.req.kind = ClientOpKind::MemberRemove;
    if (pos.size() != 3) return fail(kExitBadArgs, "member ID is not provided"), c;
    // strconv.ParseUint(args[0], 16, 64): hex only; a member's name is refused.
    const std::string& id = pos[2];
    const bool hex = !id.empty() && id.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
    const std::string digits = id.substr(std::min(id.find_first_not_of('0'), id.size()));
    if (!hex) return fail(kExitBadArgs, fmt::format("bad member ID arg (strconv.ParseUint: parsing {:?}: invalid syntax), expecting ID in Hex", id)), c;
    if (digits.size() > 16)
      return fail(kExitBadArgs, fmt::format("bad member ID arg (strconv.ParseUint: parsing {:?}: value out of range), expecting ID in Hex", id)), c;
    c.req.member_id = etcd::parse_id(id).value_or(0);
  } else if (cmd == "member" && sub == "list") {
    c.verb = EtcdctlVerb::MemberList;
    c.req.kind = ClientOpKind::MemberList;
  } else if (cmd == "endpoint" && sub == "status") {
    c.verb = EtcdctlVerb::EndpointStatus;
    c.req.kind = ClientOpKind::Status;
  } else if (cmd == "endpoint" && sub == "health") {
    // ep_command.go epHealthCommandFunc: a linearizable Get of the key "health" per endpoint.
    c.verb = EtcdctlVerb::EndpointHealth;
    c.req.kind = ClientOpKind::Get;
    c.req.key = "health";
  } else if (cmd == "user" || cmd == "role" || cmd == "auth") {
    parse_auth_command(c, pos, new_user_password, interactive, prefix);
  } else {
    const auto& real = real_commands();
    if (std::find(real.begin(), real.end(), cmd) != real.end()) {
      fail(kExitError, fmt::format("etcdctl {} is not modelled by raftlab", etcd::join(pos, " ")), true);
    } else {
      // cobra's wording for an unknown command.
      const std::string near = etcd::closest_match(cmd, real);
      fail(kExitError, fmt::format("unknown command {:?} for \"etcdctl\"{}", cmd,
                                   near.empty() ? "" : fmt::format("\n\nDid you mean this?\n\t{}", near)));
    }
  }
  return c;
}

}  // namespace raftlab::sim
