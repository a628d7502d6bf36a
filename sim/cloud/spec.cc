// sim/cloud/spec.cc — formatting of cloud input errors.
#include "sim/cloud/spec.h"

namespace raftlab::cloud {

std::string format(const CloudError& e) {
  std::string out = e.where;
  if (!out.empty()) out += ": ";
  out += e.message;
  if (!e.fix.empty()) out += " — " + e.fix;
  return out;
}

}  // namespace raftlab::cloud
