// etcdctl 3.5 output formats. Expected text follows etcd v3.5.18
// etcdctl/ctlv3/command/printer.go (column lists, "%x" IDs, "started"/"unstarted",
// humanize.Bytes DB sizes), printer_table.go (tablewriter.SetAlignment(ALIGN_RIGHT)),
// printer_simple.go (strings.Join(row, ", ")), ep_command.go (stderr line), and the
// pinned libraries tablewriter v0.0.5 (Render/printHeading/printRow/parseDimension/
// WrapWords, Pad/PadLeft, MAX_ROW_WIDTH = 30) and go-humanize v1.0.0 (Bytes).
#include "sim/etcdctl_format.h"

#include <gtest/gtest.h>

namespace raftlab::etcdctl {
namespace {

std::string lines(std::initializer_list<const char*> ls) {
  std::string out;
  for (const char* l : ls) out += std::string(l) + "\n";
  return out;
}

EndpointStatusRow status_row(std::string ep, uint64_t id, uint64_t db, bool leader) {
  EndpointStatusRow r;
  r.endpoint = std::move(ep);
  r.id = id;
  r.version = "3.5.18";
  r.db_size_bytes = db;
  r.is_leader = leader;
  r.raft_term = 2;
  r.raft_index = 4;
  r.raft_applied_index = 4;
  return r;
}

TEST(EtcdctlFormat, HumanizeBytesMatchesGoHumanizeV1) {
  EXPECT_EQ(humanize_bytes(0), "0 B");
  EXPECT_EQ(humanize_bytes(9), "9 B");
  EXPECT_EQ(humanize_bytes(10), "10 B");
  EXPECT_EQ(humanize_bytes(999), "999 B");
  EXPECT_EQ(humanize_bytes(1000), "1.0 kB");
  EXPECT_EQ(humanize_bytes(1500), "1.5 kB");
  EXPECT_EQ(humanize_bytes(20480), "20 kB");  // 20.5 rounds half-to-even in %.0f
  EXPECT_EQ(humanize_bytes(24576), "25 kB");  // a fresh 3.5 member's bbolt file
  EXPECT_EQ(humanize_bytes(999999), "1000 kB");
  EXPECT_EQ(humanize_bytes(1000000), "1.0 MB");
  EXPECT_EQ(humanize_bytes(82854982), "83 MB");  // go-humanize's own doc example
  EXPECT_EQ(humanize_bytes(2147483648ULL), "2.1 GB");
}

TEST(EtcdctlFormat, HexIdIsLowercaseWithoutLeadingZeros) {
  EXPECT_EQ(hex_id(0x8e9e05c52164694dULL), "8e9e05c52164694d");
  EXPECT_EQ(hex_id(0x02f0e3a8e5c1d9b7ULL), "2f0e3a8e5c1d9b7");
  EXPECT_EQ(hex_id(0), "0");
}

TEST(EtcdctlFormat, EndpointStatusTable) {
  const std::string got = endpoint_status_table({status_row("http://10.101.99.100:2379", 0x8e9e05c52164694dULL, 20480, true),
                                                 status_row("http://10.101.99.100:3379", 0x91bc3c398fb3c146ULL, 24576, false)});
  EXPECT_EQ(got, lines({
      "+---------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+",
      "|         ENDPOINT          |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |",
      "+---------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+",
      "| http://10.101.99.100:2379 | 8e9e05c52164694d |  3.5.18 |   20 kB |      true |      false |         2 |          4 |                  4 |        |",
      "| http://10.101.99.100:3379 | 91bc3c398fb3c146 |  3.5.18 |   25 kB |     false |      false |         2 |          4 |                  4 |        |",
      "+---------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+",
  }));
}

// A cell longer than 30 columns is wrapped on spaces (minimum raggedness) and its column
// is at least 30 wide; the other cells of that row get blank continuation lines.
TEST(EtcdctlFormat, EndpointStatusTableWrapsLongErrors) {
  EndpointStatusRow r = status_row("http://10.101.99.101:2379", 0xfd422379fda50e48ULL, 2147483648ULL, false);
  r.raft_term = 7;
  r.raft_index = 130;
  r.raft_applied_index = 130;
  r.errors = {"etcdserver: mvcc: database space exceeded"};
  EXPECT_EQ(endpoint_status_table({r}), lines({
      "+---------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------------------------------+",
      "|         ENDPOINT          |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX |             ERRORS             |",
      "+---------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------------------------------+",
      "| http://10.101.99.101:2379 | fd422379fda50e48 |  3.5.18 |  2.1 GB |     false |      false |         7 |        130 |                130 |     etcdserver: mvcc: database |",
      "|                           |                  |         |         |           |            |           |            |                    |                 space exceeded |",
      "+---------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------------------------------+",
  }));
}

TEST(EtcdctlFormat, EndpointStatusTableWithNoReachableEndpointIsHeaderOnly) {
  const std::string got = endpoint_status_table({});
  EXPECT_EQ(got, lines({
      "+----------+----+---------+---------+-----------+------------+-----------+------------+--------------------+--------+",
      "| ENDPOINT | ID | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |",
      "+----------+----+---------+---------+-----------+------------+-----------+------------+--------------------+--------+",
      "+----------+----+---------+---------+-----------+------------+-----------+------------+--------------------+--------+",
  }));
}

TEST(EtcdctlFormat, EndpointStatusSimpleHasTrailingSeparatorForEmptyErrors) {
  EXPECT_EQ(endpoint_status_simple({status_row("http://127.0.0.1:2379", 0x8e9e05c52164694dULL, 20480, true)}),
            "http://127.0.0.1:2379, 8e9e05c52164694d, 3.5.18, 20 kB, true, false, 2, 4, 4, \n");
  EndpointStatusRow r = status_row("http://127.0.0.1:2379", 0x8e9e05c52164694dULL, 20480, false);
  r.errors = {"etcdserver: no leader"};  // what etcd adds when it has no leader
  EXPECT_EQ(endpoint_status_simple({r}),
            "http://127.0.0.1:2379, 8e9e05c52164694d, 3.5.18, 20 kB, false, false, 2, 4, 4, etcdserver: no leader\n");
}

TEST(EtcdctlFormat, MemberListTable) {
  MemberRow started{0x8e9e05c52164694dULL, true, "etcd1", {"http://10.101.99.100:2380"}, {"http://10.101.99.100:2379"}, false};
  // Added with `member add` but never started: etcd has no name for it yet.
  MemberRow added{0x02f0e3a8e5c1d9b7ULL, false, "", {"http://10.101.99.101:3380"}, {}, false};
  EXPECT_EQ(member_list_table({started, added}), lines({
      "+------------------+-----------+-------+---------------------------+---------------------------+------------+",
      "|        ID        |  STATUS   | NAME  |        PEER ADDRS         |       CLIENT ADDRS        | IS LEARNER |",
      "+------------------+-----------+-------+---------------------------+---------------------------+------------+",
      "| 8e9e05c52164694d |   started | etcd1 | http://10.101.99.100:2380 | http://10.101.99.100:2379 |      false |",
      "|  2f0e3a8e5c1d9b7 | unstarted |       | http://10.101.99.101:3380 |                           |      false |",
      "+------------------+-----------+-------+---------------------------+---------------------------+------------+",
  }));
}

TEST(EtcdctlFormat, MemberListSimple) {
  MemberRow m{0x8e9e05c52164694dULL, true, "default", {"http://localhost:2380"}, {"http://localhost:2379"}, false};
  EXPECT_EQ(member_list_simple({m}),
            "8e9e05c52164694d, started, default, http://localhost:2380, http://localhost:2379, false\n");
  // Several URLs are joined with "," (no space); an empty name means unstarted.
  MemberRow two{0x1ULL, true, "", {"http://a:2380", "http://b:2380"}, {}, true};
  EXPECT_EQ(member_list_simple({two}), "1, unstarted, , http://a:2380,http://b:2380, , true\n");
}

// Header layout cross-check against etcd's own etcdctl/README.md sample (v3.5.18 tree),
// whose header and borders were rendered by the same tablewriter: centred with the odd
// space on the right ("| STATUS  |").
TEST(EtcdctlFormat, HeaderCentringMatchesEtcdReadmeSample) {
  const std::string got = render_table({"ID", "Status", "Name", "Peer Addrs", "Client Addrs"},
                                       {{"8211f1d0f64f3269", "started", "infra1", "http://127.0.0.1:12380", "http://127.0.0.1:2379"},
                                        {"91bc3c398fb3c146", "started", "infra2", "http://127.0.0.1:22380", "http://127.0.0.1:22379"},
                                        {"fd422379fda50e48", "started", "infra3", "http://127.0.0.1:32380", "http://127.0.0.1:32379"}});
  const std::string readme_top =
      "+------------------+---------+--------+------------------------+------------------------+\n"
      "|        ID        | STATUS  |  NAME  |       PEER ADDRS       |      CLIENT ADDRS      |\n"
      "+------------------+---------+--------+------------------------+------------------------+\n";
  EXPECT_EQ(got.substr(0, readme_top.size()), readme_top);
}

TEST(EtcdctlFormat, HeaderTitleReplacesUnderscoresAndUppercases) {
  EXPECT_EQ(render_table({"raft_term"}, {}), lines({"+-----------+", "| RAFT TERM |", "+-----------+", "+-----------+"}));
}

TEST(EtcdctlFormat, ErrorLines) {
  EXPECT_EQ(endpoint_status_error_line("http://10.101.99.101:2379", "context deadline exceeded"),
            "Failed to get the status of endpoint http://10.101.99.101:2379 (context deadline exceeded)\n");
  EXPECT_EQ(endpoint_status_warn_json("10.101.99.101:2379", "connection \"refused\""),
            "{\"level\":\"warn\",\"logger\":\"etcd-client\",\"msg\":\"retrying of unary invoker failed\","
            "\"target\":\"etcd-endpoints://10.101.99.101:2379\",\"attempt\":0,\"error\":\"connection \\\"refused\\\"\"}\n");
}

}  // namespace
}  // namespace raftlab::etcdctl
