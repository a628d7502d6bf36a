// fuzz/etcd_flags.cc — bytes as etcd's argv and environment: one argument per line; a
// line "ENV NAME=value" is an environment variable instead (ETCD_* are read with etcd's
// precedence). etcd::parse_etcd_config, and parse_urls / parse_initial_cluster on every
// argument's value.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "fuzz/fuzz_common.h"
#include "sim/etcd/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace raftlab;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  for (auto& l : fuzz::lines(fuzz::as_text(data, size))) {
    if (l.rfind("ENV ", 0) == 0) {
      const std::size_t eq = l.find('=', 4);
      if (eq != std::string::npos) env[l.substr(4, eq - 4)] = l.substr(eq + 1);
      continue;
    }
    args.push_back(std::move(l));
  }
  std::size_t n = 0;
  auto cfg = etcd::parse_etcd_config(args, env);
  if (cfg.ok()) n += cfg.value().log.size();
  for (const auto& a : args) {
    const std::size_t eq = a.find('=');
    const std::string v = eq == std::string::npos ? a : a.substr(eq + 1);
    if (auto u = etcd::parse_urls(v); u.ok()) n += u.value().size();
    if (auto c = etcd::parse_initial_cluster(v); c.ok()) n += c.value().size();
  }
  return n == static_cast<std::size_t>(-1);
}
