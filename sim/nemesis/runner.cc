// sim/nemesis/runner.cc — carrying out faults and the client workload in a World.
#include "sim/nemesis/nemesis.h"
#include "sim/world.h"

namespace raftlab::nemesis {

struct Runner::Impl {
  sim::World& w;
  std::shared_ptr<const scenario::Scenario> s;
  std::uint64_t issued = 0, done = 0;
};

Runner::Runner(sim::World& w, std::shared_ptr<const scenario::Scenario> s) : impl_(new Impl{w, std::move(s)}) {}
Runner::~Runner() = default;
void Runner::install() {}
std::uint64_t Runner::ops_issued() const { return impl_->issued; }
std::uint64_t Runner::ops_done() const { return impl_->done; }

}  // namespace raftlab::nemesis
