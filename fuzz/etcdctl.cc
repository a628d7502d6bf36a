// fuzz/etcdctl.cc — bytes as a timeline "etcdctl" command (sim::parse_etcdctl).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_common.h"
#include "sim/etcdctl.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace raftlab;
  const sim::EtcdctlCommand c = sim::parse_etcdctl(std::string(fuzz::as_text(data, size)));
  return c.error.size() == static_cast<std::size_t>(-1);
}
