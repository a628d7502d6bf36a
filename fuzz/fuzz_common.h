// fuzz/fuzz_common.h — what the libFuzzer harnesses share (fuzz/README.md).
//
// Each harness feeds bytes to one parser the way raftlab's CLI does and lets anything
// escape: an uncaught exception (the CLI would say "internal error", exit 3, where bad
// input must be exit 2), an abort, or an ASan report is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace raftlab::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits on '\n' (the harnesses' "one argument per line" input format).
inline std::vector<std::string> lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    if (end > start || nl != std::string_view::npos) out.emplace_back(text.substr(start, end - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

// A host shell's environment like the shipped scenarios' hosts have.
inline const std::map<std::string, std::string>& host_env() {
  static const std::map<std::string, std::string> env = {
      {"HOME", "/root"}, {"HOST_IP", "10.0.0.1"}, {"NODE", "etcd1"}, {"PATH", "/usr/local/bin:/usr/bin:/bin"},
      {"ETCD_INITIAL_CLUSTER", "etcd1=http://10.0.0.1:2380,etcd2=http://10.0.0.2:2380"}};
  return env;
}

}  // namespace raftlab::fuzz
