// docker.cc — docker run option parsing (see docker.h).
#include "sim/etcd/docker.h"
#include "sim/etcd/docker_validate.h"

#include <algorithm>
#include <cassert>
#include <optional>

namespace raftlab::etcd {
namespace {

enum class Opt {
  detach, rm, interactive, tty, restart, name, user, publish, volume, env, env_file, network, hostname,
  entrypoint, mount, ignored_value, ignored_bool
};

struct OptSpec {
  const char* long_name;
  char short_name;  // 0 = none
  bool takes_value;
  Opt opt;
};

// Options of `docker run` (docker CLI 24-27, cli/command/container/opts.go). The ones
// that do not change what etcd does are accepted and listed in warnings.
constexpr OptSpec kOpts[] = {
    {"detach", 'd', false, Opt::detach},
    {"rm", 0, false, Opt::rm},
    {"interactive", 'i', false, Opt::interactive},
    {"tty", 't', false, Opt::tty},
    {"restart", 0, true, Opt::restart},
    {"name", 0, true, Opt::name},
    {"user", 'u', true, Opt::user},
    {"publish", 'p', true, Opt::publish},
    {"volume", 'v', true, Opt::volume},
    {"env", 'e', true, Opt::env},
    {"env-file", 0, true, Opt::env_file},
    {"network", 0, true, Opt::network},
    {"net", 0, true, Opt::network},
    {"hostname", 'h', true, Opt::hostname},
    {"entrypoint", 0, true, Opt::entrypoint},
    {"mount", 0, true, Opt::mount},
    {"publish-all", 'P', false, Opt::ignored_bool},
    {"privileged", 0, false, Opt::ignored_bool},
    {"init", 0, false, Opt::ignored_bool},
    {"read-only", 0, false, Opt::ignored_bool},
    {"oom-kill-disable", 0, false, Opt::ignored_bool},
    {"sig-proxy", 0, false, Opt::ignored_bool},
    {"no-healthcheck", 0, false, Opt::ignored_bool},
    {"quiet", 'q', false, Opt::ignored_bool},
    {"label", 'l', true, Opt::ignored_value},
    {"log-driver", 0, true, Opt::ignored_value},
    {"log-opt", 0, true, Opt::ignored_value},
    {"memory", 'm', true, Opt::ignored_value},
    {"memory-swap", 0, true, Opt::ignored_value},
    {"cpus", 0, true, Opt::ignored_value},
    {"cpu-shares", 'c', true, Opt::ignored_value},
    {"cpuset-cpus", 0, true, Opt::ignored_value},
    {"add-host", 0, true, Opt::ignored_value},
    {"dns", 0, true, Opt::ignored_value},
    {"dns-search", 0, true, Opt::ignored_value},
    {"workdir", 'w', true, Opt::ignored_value},
    {"ulimit", 0, true, Opt::ignored_value},
    {"health-cmd", 0, true, Opt::ignored_value},
    {"health-interval", 0, true, Opt::ignored_value},
    {"health-retries", 0, true, Opt::ignored_value},
    {"health-timeout", 0, true, Opt::ignored_value},
    {"health-start-period", 0, true, Opt::ignored_value},
    {"pull", 0, true, Opt::ignored_value},
    {"platform", 0, true, Opt::ignored_value},
    {"cap-add", 0, true, Opt::ignored_value},
    {"cap-drop", 0, true, Opt::ignored_value},
    {"tmpfs", 0, true, Opt::ignored_value},
    {"ip", 0, true, Opt::ignored_value},
    {"mac-address", 0, true, Opt::ignored_value},
    {"stop-timeout", 0, true, Opt::ignored_value},
    {"stop-signal", 0, true, Opt::ignored_value},
    {"security-opt", 0, true, Opt::ignored_value},
    {"sysctl", 0, true, Opt::ignored_value},
    {"pid", 0, true, Opt::ignored_value},
    {"ipc", 0, true, Opt::ignored_value},
    {"device", 0, true, Opt::ignored_value},
    {"group-add", 0, true, Opt::ignored_value},
    {"cidfile", 0, true, Opt::ignored_value},
    {"shm-size", 0, true, Opt::ignored_value},
    {"expose", 0, true, Opt::ignored_value},
    {"network-alias", 0, true, Opt::ignored_value},
    {"domainname", 0, true, Opt::ignored_value},
};

const OptSpec* find_long(std::string_view name) {
  for (const auto& o : kOpts)
    if (name == o.long_name) return &o;
  return nullptr;
}
const OptSpec* find_short(char c) {
  for (const auto& o : kOpts)
    if (o.short_name == c) return &o;
  return nullptr;
}

std::vector<std::string> long_names() {
  std::vector<std::string> v;
  for (const auto& o : kOpts) v.push_back(std::string("--") + o.long_name);
  return v;
}

Error unknown_flag(const std::string& shown, const std::string& lookup_as) {
  const std::string guess = closest_match(lookup_as, long_names());
  std::string msg = "unknown flag: " + shown + "\nSee 'docker run --help'.";
  return Error{"docker run " + shown, msg,
               guess.empty() ? "remove the option; see 'docker run --help' for the valid ones"
                             : "did you mean " + guess + "?"};
}

std::optional<uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v == 0 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

Result<PortMapping> parse_publish(const std::string& spec) {
  PortMapping m;
  std::string s = spec;
  const size_t slash = s.rfind('/');
  if (slash != std::string::npos) {
    m.protocol = s.substr(slash + 1);
    s = s.substr(0, slash);
    if (m.protocol != "tcp" && m.protocol != "udp" && m.protocol != "sctp")
      return Error{"-p", "invalid proto: " + m.protocol, "use tcp, udp or sctp after '/'"};
  }
  std::vector<std::string> parts;
  size_t start = 0;
  // ip:host:container; an IPv6 host ip is written in brackets.
  if (!s.empty() && s[0] == '[') {
    const size_t close = s.find(']');
    if (close == std::string::npos) return Error{"-p", "invalid IP address in " + spec, "close the ']'"};
    parts.push_back(s.substr(1, close - 1));
    start = close + 2;
  }
  while (start <= s.size()) {
    const size_t c = s.find(':', start);
    if (c == std::string::npos) {
      parts.push_back(s.substr(start));
      break;
    }
    parts.push_back(s.substr(start, c - start));
    start = c + 1;
  }
  std::string host_port, container_port;
  if (parts.size() == 1) {
    container_port = parts[0];
  } else if (parts.size() == 2) {
    host_port = parts[0];
    container_port = parts[1];
  } else if (parts.size() == 3) {
    m.host_ip = parts[0];
    host_port = parts[1];
    container_port = parts[2];
  } else {
    return Error{"-p", "invalid port format for --publish: " + spec, "write host:container, e.g. -p 2379:2379"};
  }
  auto cp = parse_port(container_port);
  if (!cp) return Error{"-p", "invalid containerPort: " + container_port, "write host:container, e.g. -p 2379:2379"};
  m.container_port = *cp;
  if (!host_port.empty()) {
    auto hp = parse_port(host_port);
    if (!hp) return Error{"-p", "invalid hostPort: " + host_port, "write host:container, e.g. -p 2379:2379"};
    m.host_port = *hp;
  }
  return m;
}

Result<VolumeMount> parse_volume(const std::string& spec) {
  VolumeMount v;
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t c = spec.find(':', start);
    parts.push_back(spec.substr(start, c == std::string::npos ? std::string::npos : c - start));
    if (c == std::string::npos) break;
    start = c + 1;
  }
  if (parts.size() == 1) {
    v.target = parts[0];  // anonymous volume
  } else if (parts.size() == 2 || parts.size() == 3) {
    // docker: `-v ":/x"`, `-v "/a::ro"` (an unset ${VAR} in front is the usual cause).
    for (const auto& p : parts)
      if (p.empty())
        return Error{"-v", "invalid spec: " + spec + ": empty section between colons",
                     "give both paths, /host/path:/container/path[:ro] (is a variable in it unset?)"};
    v.source = parts[0];
    v.target = parts[1];
    if (parts.size() == 3) {
      std::string modes = parts[2];
      size_t p = 0;
      while (p <= modes.size()) {
        const size_t c = modes.find(',', p);
        const std::string m = modes.substr(p, c == std::string::npos ? std::string::npos : c - p);
        if (m == "ro") v.read_only = true;
        else if (m != "rw" && m != "z" && m != "Z" && m != "cached" && m != "delegated" && m != "consistent" &&
                 m != "nocopy" && m != "rprivate" && m != "private" && m != "shared" && m != "rshared" &&
                 m != "slave" && m != "rslave")
          return Error{"-v", "invalid mode: " + m, "use ro or rw"};
        if (c == std::string::npos) break;
        p = c + 1;
      }
    }
  } else {
    return Error{"-v", "invalid spec: " + spec + ": too many colons", "write /host/path:/container/path[:ro]"};
  }
  if (v.target.empty() || v.target[0] != '/')
    return Error{"-v", "invalid mount config: mount path must be absolute: " + v.target,
                 "the container path must start with '/'"};
  return v;
}

void split_image(DockerRun& r) {
  std::string s = r.image;
  const size_t at = s.find('@');
  if (at != std::string::npos) {
    r.image_digest = s.substr(at + 1);
    s = s.substr(0, at);
  }
  const size_t colon = s.rfind(':');
  const size_t slash = s.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    r.image_repo = s.substr(0, colon);
    r.image_tag = s.substr(colon + 1);
  } else {
    r.image_repo = s;
    r.image_tag = r.image_digest.empty() ? "latest" : "";
  }
}

// Applies one option with its value (if any).
std::optional<Error> apply(DockerRun& r, const OptSpec& o, const std::string& shown, const std::string& value,
                           const std::map<std::string, std::string>& host_env) {
  switch (o.opt) {
    case Opt::detach: r.detach = true; break;
    case Opt::rm: r.remove = true; break;
    case Opt::interactive: r.interactive = true; break;
    case Opt::tty: r.tty = true; break;
    case Opt::restart: {
      if (value == "no") r.restart = RestartPolicy::no;
      else if (value == "always") r.restart = RestartPolicy::always;
      else if (value == "unless-stopped") r.restart = RestartPolicy::unless_stopped;
      else if (value.rfind("on-failure", 0) == 0) {
        r.restart = RestartPolicy::on_failure;
        if (value.size() > 10) {
          if (value[10] != ':') return Error{"--restart", "invalid restart policy format: " + value, "use on-failure[:N]"};
          const std::string n = value.substr(11);
          if (n.empty() || n.size() > 6 || !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return Error{"--restart", "invalid restart policy format: maximum retry count must be an integer", "use on-failure[:N]"};
          r.restart_max_retries = std::stoi(n);
        }
      } else {
        return Error{"--restart", "invalid restart policy: unknown policy '" + value +
                                      "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
                     "use no, always, unless-stopped or on-failure[:N]"};
      }
      break;
    }
    case Opt::name:
      if (auto e = validate_container_name(value)) return *e;
      r.name = value;
      break;
    case Opt::user:
      if (auto e = validate_user(value)) return *e;
      r.user = value;
      break;
    case Opt::hostname: r.hostname = value; break;
    case Opt::entrypoint:
      // Docker accepts any entrypoint; the model runs only etcd or Bitnami's own script, so
      // another program (a shell that exits at once without a terminal, ...) is refused
      // as not modelled, like --env-file.
      if (value != "etcd" && value != "/usr/local/bin/etcd" && value != "/opt/bitnami/etcd/bin/etcd" &&
          value != "/opt/bitnami/scripts/etcd/entrypoint.sh")
        return Error{"--entrypoint", "--entrypoint " + value + " is not modelled: raftlab runs etcd or the Bitnami entrypoint only",
                     "remove --entrypoint (the image's own entrypoint starts etcd), or use --entrypoint etcd"};
      r.entrypoint = value;
      r.warnings.push_back("--entrypoint " + value + " replaces the image's entrypoint (the Bitnami setup scripts do not run unless it calls them)");
      break;
    case Opt::publish: {
      auto p = parse_publish(value);
      if (!p.ok()) return p.error();
      r.ports.push_back(p.value());
      break;
    }
    case Opt::volume: {
      auto v = parse_volume(value);
      if (!v.ok()) return v.error();
      // docker CLI >= 23 makes a bind source starting with "." absolute against its working
      // directory (cli/command/container/opts.go parse, filepath.Abs).
      if (!v.value().source.empty() && v.value().source[0] == '.')
        r.warnings.push_back("-v " + value + ": docker resolves " + v.value().source +
                             " against the shell's working directory (docker CLI 23+); the model keys the data dir by the path as written");
      r.volumes.push_back(v.value());
      break;
    }
    case Opt::env: {
      const size_t eq = value.find('=');
      if (eq == 0) return Error{"-e", "invalid environment variable: " + value, "write -e NAME=value"};
      if (eq == std::string::npos) {
        auto it = host_env.find(value);
        if (it == host_env.end()) {
          r.warnings.push_back("-e " + value + ": not set in the host environment, so docker does not set it in the container");
        } else {
          r.env.push_back(EnvEntry{value, it->second, true});
        }
      } else {
        r.env.push_back(EnvEntry{value.substr(0, eq), value.substr(eq + 1), false});
      }
      break;
    }
    case Opt::env_file:
      return Error{"--env-file", "--env-file " + value + " is not supported by this model: it cannot read files",
                   "replace it with one -e NAME=value per line of the file"};
    case Opt::mount:
      return Error{"--mount", "--mount is not supported by this model", "write the bind mount as -v /host/path:/container/path"};
    case Opt::network:
      if (value == "host") r.network = NetworkMode::host;
      else if (value == "bridge" || value == "default") r.network = NetworkMode::bridge;
      else if (value == "none") r.network = NetworkMode::none;
      else {
        r.network = NetworkMode::named;
        r.network_name = value;
      }
      break;
    case Opt::ignored_value:
      // Sizes docker parses before anything runs (opts.MemBytes, go-units RAMInBytes);
      // --memory-swap also takes -1 (opts.MemSwapBytes).
      if (std::string_view(o.long_name) == "memory" || std::string_view(o.long_name) == "shm-size" ||
          (std::string_view(o.long_name) == "memory-swap" && value != "-1")) {
        const std::string shown_flag = o.short_name ? std::string("-") + o.short_name + ", --" + o.long_name
                                                    : std::string("--") + o.long_name;
        if (auto e = validate_mem_bytes(shown_flag, value)) return *e;
      }
      // opts.NanoCPUs: a rational number of CPUs.
      if (std::string_view(o.long_name) == "cpus")
        if (auto e = validate_nano_cpus(value)) return *e;
      [[fallthrough]];
    case Opt::ignored_bool:
      r.warnings.push_back(shown + (o.takes_value ? " " + value : "") + ": accepted, no effect in the model");
      break;
  }
  return std::nullopt;
}

}  // namespace

std::string to_string(RestartPolicy p) {
  switch (p) {
    case RestartPolicy::no: return "no";
    case RestartPolicy::always: return "always";
    case RestartPolicy::unless_stopped: return "unless-stopped";
    case RestartPolicy::on_failure: return "on-failure";
  }
  return "no";
}

Result<DockerRun> parse_docker_run(const std::vector<std::string>& argv,
                                   const std::map<std::string, std::string>& host_env) {
  size_t i = 0;
  if (argv.size() < 2 || argv[0] != "docker")
    return Error{"docker", "not a docker command: expected 'docker run ...'", "start the line with docker run"};
  i = 1;
  if (argv[i] == "container") ++i;
  if (i >= argv.size() || argv[i] != "run") {
    const std::string got = i < argv.size() ? argv[i] : "";
    const std::string guess = closest_match(got, {"run"});
    return Error{"docker", "only 'docker run' is modelled, got 'docker " + got + "'",
                 guess.empty() ? "use docker run" : "did you mean 'docker run'?"};
  }
  ++i;
  DockerRun r;
  while (i < argv.size()) {
    const std::string& a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;  // the image
    if (a[1] == '-') {
      std::string name = a.substr(2), value;
      bool has_value = false;
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      const OptSpec* o = find_long(name);
      if (!o) return unknown_flag("--" + name, "--" + name);
      ++i;
      if (o->takes_value && !has_value) {
        if (i >= argv.size()) return Error{"--" + name, "flag needs an argument: --" + name, "give --" + name + " a value"};
        value = argv[i++];
      } else if (!o->takes_value && has_value && value != "true" && value != "false") {
        return Error{"--" + name, "invalid argument \"" + value + "\" for \"--" + name + "\" flag: strconv.ParseBool: parsing " +
                                      go_quote(value) + ": invalid syntax",
                     "boolean options take no value, or =true / =false"};
      }
      if (!o->takes_value && value == "false") continue;
      if (auto err = apply(r, *o, "--" + name, value, host_env)) return *err;
      continue;
    }
    // Short options, possibly combined (-dit) or with an attached value (-p80:80, -e=K=V).
    ++i;
    for (size_t k = 1; k < a.size(); ++k) {
      const OptSpec* o = find_short(a[k]);
      if (!o) {
        std::string shown = std::string("-") + a[k];
        Error e = unknown_flag(shown, "--" + a.substr(1));
        e.message = "unknown shorthand flag: '" + std::string(1, a[k]) + "' in " + a + "\nSee 'docker run --help'.";
        return e;
      }
      if (!o->takes_value) {
        if (auto err = apply(r, *o, std::string("-") + a[k], "", host_env)) return *err;
        continue;
      }
      std::string value;
      if (k + 1 < a.size()) {
        value = a.substr(k + 1);
        if (!value.empty() && value[0] == '=') value = value.substr(1);
      } else {
        if (i >= argv.size())
          return Error{std::string("-") + a[k], std::string("flag needs an argument: '") + a[k] + "' in -" + a[k],
                       "give the option a value"};
        value = argv[i++];
      }
      if (auto err = apply(r, *o, std::string("-") + a[k], value, host_env)) return *err;
      break;
    }
  }
  if (i >= argv.size())
    return Error{"image", "\"docker run\" requires at least 1 argument.", "put the image (e.g. bitnami/etcd:3.5.18) after the options"};
  r.image = argv[i++];
  if (auto e = validate_image_reference(r.image)) return *e;
  // cli/command/container/opts.go parse: AutoRemove with a restart policy other than "no".
  if (r.remove && r.restart != RestartPolicy::no)
    return Error{"--rm", "docker: conflicting options: cannot specify both --restart and --rm.\nSee 'docker run --help'.",
                 "drop --rm (a restarting container is kept) or drop --restart"};
  split_image(r);
  r.command.assign(argv.begin() + static_cast<long>(i), argv.end());
  return r;
}

std::map<std::string, std::string> container_env(const DockerRun& run) {
  std::map<std::string, std::string> env;
  for (const auto& e : run.env) env[e.key] = e.value;
  return env;
}

}  // namespace raftlab::etcd
