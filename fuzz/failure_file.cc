// fuzz/failure_file.cc — bytes as a fault-lab failure file (`replay`/`shrink` input): the
// `// raftlab-lab {...}` header (lab::read_header), its planted bugs, and the scenario
// below it (scenario::load_string), as tools/lab_cli.cc reads them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_common.h"
#include "sim/lab/lab.h"
#include "sim/scenario/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace raftlab;
  const std::string text(fuzz::as_text(data, size));
  std::string error;
  std::size_t n = 0;
  if (auto h = lab::read_header(text, &error)) {
    n += lab::planted_bug_set(h->planted_bugs) + h->checkers.size();
    n += lab::header_line(*h).size();
  }
  scenario::LoadResult r = scenario::load_string(text, "failure.json");
  n += r.errors.size();
  return n == static_cast<std::size_t>(-1);
}
