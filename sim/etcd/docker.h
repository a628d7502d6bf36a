// docker.h — `docker run ...` argv (after shell_split) into a typed container spec.
//
//   auto words = shell_split(line, host_env).value().argv;
//   auto run = parse_docker_run(words, host_env);   // Result<DockerRun>
//   run.value().image_repo == "bitnami/etcd"; run.value().image_tag == "3.5.18";
//
// Follows the docker CLI (cli/command/container/opts.go, pflag): `--opt value` and
// `--opt=value`, combined short booleans (-it, -dit), `-e K=V` sets K, `-e K` copies K
// from the host environment and omits it when the host has no K, later -e entries
// win. The first non-option word is the image; everything after it is the command
// and its arguments (docker stops option parsing there: SetInterspersed(false)).
// Unknown options fail the way docker does ("unknown flag: --x") plus a
// did-you-mean. `--env-file` and `--mount` are refused: the model cannot read files
// / bind specs it has not seen.
//
// Must never: read files or the real environment.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/etcd/wording.h"

namespace raftlab::etcd {

enum class RestartPolicy { no, always, unless_stopped, on_failure };
enum class NetworkMode { bridge, host, none, named };

struct PortMapping {
  std::string host_ip;      // "" = all interfaces
  uint16_t host_port = 0;   // 0 = docker picks (only "-p 2379" form)
  uint16_t container_port = 0;
  std::string protocol = "tcp";
};

struct VolumeMount {
  std::string source;  // host path or named volume
  std::string target;  // path inside the container
  bool read_only = false;
};

struct EnvEntry {
  std::string key;
  std::string value;
  bool from_host = false;  // given as `-e K`, value copied from the host env
};

struct DockerRun {
  std::string image;       // as written, e.g. "bitnami/etcd:3.5.18"
  std::string image_repo;  // "bitnami/etcd" / "quay.io/coreos/etcd"
  std::string image_tag;   // "3.5.18"; "latest" when omitted
  std::string image_digest;
  std::string name;
  RestartPolicy restart = RestartPolicy::no;
  int restart_max_retries = 0;  // on-failure:N
  bool detach = false;
  bool remove = false;
  bool interactive = false;
  bool tty = false;
  std::string user;
  std::string entrypoint;  // --entrypoint (overrides the image's entrypoint)
  std::vector<PortMapping> ports;
  std::vector<VolumeMount> volumes;
  std::vector<EnvEntry> env;  // ordered as given; duplicates kept (last wins)
  NetworkMode network = NetworkMode::bridge;
  std::string network_name;  // for NetworkMode::named
  std::string hostname;
  std::vector<std::string> command;  // argv after the image
  std::vector<std::string> warnings;
};

// argv must start with "docker" "run" or "docker" "container" "run".
Result<DockerRun> parse_docker_run(const std::vector<std::string>& argv,
                                   const std::map<std::string, std::string>& host_env);

// The container's environment from -e entries (last wins). Image ENV is not
// included; see bitnami.h for the image's defaults.
std::map<std::string, std::string> container_env(const DockerRun& run);

std::string to_string(RestartPolicy p);

}  // namespace raftlab::etcd
