// A client's deadline ends the server's wait for its request.
//
// etcd (v3.4.23 etcdserver/v3_server.go, v3.5.18 server/etcdserver/v3_server.go):
// processInternalRaftRequestOnce waits under context.WithTimeout(ctx, ReqTimeout()), and ctx
// is the gRPC request's context, which carries the client's deadline (grpc-timeout). While no
// leader is known, raft's node.Propose blocks (node.go: propc is nil without a leader) until
// that context ends. So a put sent through a member cut off from the leader is never proposed
// once etcdctl has given up (its --command-timeout, 5 s), even if the cut heals before the
// server's own ReqTimeout (5 s + 2 x election timeout = 7 s) would have passed.
//
// The scenario is tests/fidelity/data/partition.json (H1 cut off from 4 s to 14 s; a put
// through e1 at 7 s; etcdctl gives up at 12 s; the heal at 14 s is before 7 s + 7 s): the
// key must hold the majority's value afterwards, on both versions and every seed. Before the
// fix the model committed e1's put after the heal (its waiter lived until ReqTimeout).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "sim/deploy.h"
#include "sim/scenario/loader.h"
#include "sim/trace.h"

namespace raftlab {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ClientDeadline, APutWhoseClientGaveUpIsNotCommittedAfterTheHeal) {
  const std::string path = std::string(RAFTLAB_SOURCE_DIR) + "/tests/fidelity/data/partition.json";
  const std::string text = read_file(path);
  ASSERT_FALSE(text.empty()) << path;
  for (const char* version : {"3.4.23", "3.5.18"}) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      auto lr = scenario::load_string(text, "partition.json");
      ASSERT_TRUE(lr.ok()) << (lr.errors.empty() ? "" : scenario::format(lr.errors.front()));
      lr.scenario->seed = seed;
      lr.scenario->etcd_version = version;
      sim::RunOptions opt;
      std::vector<scenario::LoadError> errors;
      auto d = sim::Deployment::build(*lr.scenario, opt, &errors);
      ASSERT_TRUE(d) << version << " seed " << seed;
      const sim::RunResult r = d->run();
      bool checked_get = false;
      for (const auto& e : r.expectations) {
        EXPECT_TRUE(e.passed) << version << " seed " << seed << ": " << e.path << " " << e.what << " expected "
                              << e.expected << ", got " << e.actual;
        if (e.what.rfind("get /k", 0) == 0) {
          checked_get = true;
          EXPECT_EQ(e.actual, "\"majority\"") << version << " seed " << seed;
        }
      }
      EXPECT_TRUE(checked_get) << "partition.json lost its get of /k";
      // The trace: no member applied e1's put (an apply records "put KEY" and the value).
      for (const auto& ev : d->world().trace().events()) {
        if (ev.kind == sim::Ev::Apply && ev.b == "put /k") {
          EXPECT_NE(ev.c, "minority") << version << " seed " << seed;
        }
      }
    }
  }
}

}  // namespace
}  // namespace raftlab
