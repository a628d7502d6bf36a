// fuzz/scenario_loader.cc — bytes as a scenario file: the JSONC loader and schema checks
// (scenario::load_string), every error formatted, and, for a scenario that loads, the
// deployment built as `raftlab run` builds it (member configurations parsed: docker run
// lines, flags, the nemesis draw) without running it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_common.h"
#include "sim/deploy.h"
#include "sim/scenario/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace raftlab;
  scenario::LoadResult r = scenario::load_string(fuzz::as_text(data, size), "fuzz.json");
  std::size_t chars = 0;
  for (const auto& e : r.errors) chars += scenario::format(e).size();
  if (r.ok()) {
    sim::RunOptions ro;
    std::vector<scenario::LoadError> errors;
    auto d = sim::Deployment::build(*r.scenario, ro, &errors);
    for (const auto& e : errors) chars += scenario::format(e).size();
  }
  return chars == static_cast<std::size_t>(-1);  // keep the work observable
}
