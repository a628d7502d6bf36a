// fuzz/docker_shell.cc — bytes as a member's "docker" line or a pasted shell snippet:
// bash expansion and word splitting (etcd::shell_split, shell_run_script) in a host's
// environment, then `docker run` option parsing (etcd::parse_docker_run) of the words,
// as sim/deploy does at a container's first start.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_common.h"
#include "sim/etcd/docker.h"
#include "sim/etcd/shell.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace raftlab;
  const std::string_view text = fuzz::as_text(data, size);
  std::size_t n = 0;
  auto words = etcd::shell_split(text, fuzz::host_env());
  if (words.ok()) {
    std::vector<std::string> argv = words.value().argv;
    // deploy parses what the line expands to; a line without "docker run" still goes
    // through the parser's own check of its first words.
    auto run = etcd::parse_docker_run(argv, fuzz::host_env());
    if (run.ok()) n += etcd::container_env(run.value()).size() + run.value().command.size();
    if (argv.size() < 2 || argv[0] != "docker") {
      argv.insert(argv.begin(), {"docker", "run"});
      auto again = etcd::parse_docker_run(argv, fuzz::host_env());
      if (again.ok()) n += again.value().env.size();
    }
  }
  auto script = etcd::shell_run_script(text, fuzz::host_env());
  if (script.ok()) n += script.value().commands.size();
  return n == static_cast<std::size_t>(-1);
}
