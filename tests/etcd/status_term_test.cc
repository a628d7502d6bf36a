// `etcdctl endpoint status` RAFT TERM is EtcdServer.Term(): the term of the last applied
// entry (EtcdServer.apply calls setTerm(e.Term); maintenanceServer.Status sets RaftTerm =
// ms.rg.Term()), the same in etcd v3.4.23 and v3.5.18 — not raft's current term. A member
// left without a quorum campaigns (raft term climbs) while its status keeps the old term.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/deploy.h"
#include "sim/scenario/loader.h"

namespace raftlab {
namespace {

TEST(StatusTerm, LeaderlessMemberReportsTheTermOfItsLastAppliedEntry) {
  for (const char* version : {"3.4.23", "3.5.18"}) {
    auto lr = scenario::load_file(std::string(RAFTLAB_SOURCE_DIR) + "/scenarios/membership/scale-in-without-remove.json");
    ASSERT_TRUE(lr.ok());
    lr.scenario->etcd_version = version;
    sim::RunOptions opt;
    opt.stop_at_ns = 19'000'000'000;  // 11 s after the scale-in: many election timeouts
    std::vector<scenario::LoadError> errors;
    auto d = sim::Deployment::build(*lr.scenario, opt, &errors);
    ASSERT_TRUE(d);
    d->run();
    bool seen = false;
    for (const sim::MemberView& m : d->world().members()) {
      if (m.name != "etcd1") continue;
      seen = true;
      ASSERT_TRUE(m.ready) << version;
      EXPECT_EQ(m.leader, 0u) << version;
      // 3.4 (no pre-vote by default): every campaign bumps raft's term. 3.5 (pre-vote):
      // pre-votes fail without a quorum and the term stays.
      if (std::string(version) == "3.4.23") {
        EXPECT_GT(m.term, 3u) << version << ": raft's term climbs with every campaign";
        EXPECT_LT(m.status.raft_term, m.term) << version;
      }
      EXPECT_LE(m.status.raft_term, 3u) << version << ": the status term is the last applied entry's";
      EXPECT_GE(m.status.raft_term, 1u) << version;
    }
    EXPECT_TRUE(seen);
  }
}

}  // namespace
}  // namespace raftlab
