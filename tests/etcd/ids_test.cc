// IDs follow membership.computeMemberId / RaftCluster.genID (etcd v3.5.18).
#include <gtest/gtest.h>

#include <cstdio>

#include "sim/etcd/ids.h"

namespace raftlab::etcd {
namespace {

TEST(EtcdIds, DefaultSingleMemberMatchesEtcd) {
  const uint64_t id = compute_member_id({"http://localhost:2380"}, "etcd-cluster");
  EXPECT_EQ(format_id(id), "8e9e05c52164694d");
  EXPECT_EQ(format_id(compute_cluster_id({id})), "cdf818194e3a8c32");
}

// The reference deployment (document 001): five members, token etcd-cluster-1.
// Same derivation as above; values printed for the record.
TEST(EtcdIds, ReferenceDeploymentFiveMembers) {
  const char* names[] = {"etcd1", "etcd2", "etcd3", "etcd4", "etcd5"};
  const char* urls[] = {"http://10.101.99.100:2380", "http://10.101.99.100:3380", "http://10.101.99.101:2380",
                        "http://10.101.99.101:3380", "http://10.101.99.101:4380"};
  const char* want[] = {"d45a2ea382c4eed", "ae9843936a7cf003", "cad3edcff7f613c0", "115688957090a409", "9b9743192b75a999"};
  std::vector<uint64_t> ids;
  for (int i = 0; i < 5; ++i) {
    const uint64_t id = compute_member_id({urls[i]}, "etcd-cluster-1");
    std::printf("%s %s member-id=%s\n", names[i], urls[i], format_id(id).c_str());
    EXPECT_EQ(format_id(id), want[i]);
    ids.push_back(id);
  }
  const uint64_t cid = compute_cluster_id(ids);
  std::printf("cluster-id=%s\n", format_id(cid).c_str());
  EXPECT_EQ(format_id(cid), "e7023675c9b07108");
  // Started alone (empty ETCD_INITIAL_CLUSTER), etcd1 keeps its member ID but forms
  // its own one-member cluster with a different cluster ID.
  EXPECT_EQ(format_id(compute_cluster_id({ids[0]})), "8e1a79173f1ecca");
}

TEST(EtcdIds, ClusterIdIgnoresOrderAndMemberIdSortsUrls) {
  EXPECT_EQ(compute_cluster_id({1, 2, 3}), compute_cluster_id({3, 1, 2}));
  EXPECT_EQ(compute_member_id({"http://b:1", "http://a:1"}, "t"), compute_member_id({"http://a:1", "http://b:1"}, "t"));
}

TEST(EtcdIds, MemberAddUsesTimeNotToken) {
  const uint64_t a = member_add_id({"http://10.0.0.9:2380"}, 1700000000);
  EXPECT_EQ(a, compute_member_id({"http://10.0.0.9:2380"}, "", 1700000000));
  EXPECT_NE(a, member_add_id({"http://10.0.0.9:2380"}, 1700000001));
}

TEST(EtcdIds, FormatAndParseHex) {
  EXPECT_EQ(format_id(0xabc), "abc");
  EXPECT_EQ(parse_id("d45a2ea382c4eed").value(), 0xd45a2ea382c4eedULL);
  EXPECT_FALSE(parse_id("xyz").has_value());
  EXPECT_FALSE(parse_id("12345678901234567").has_value());
}

}  // namespace
}  // namespace raftlab::etcd
