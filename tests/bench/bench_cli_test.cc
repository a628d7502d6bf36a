// tests/bench/bench_cli_test.cc — `raftlab bench` (tools/bench_raftlab.cc): the JSON
// shape and the sanity of what it measured (every seed elects exactly one leader, every
// member applies exactly the requested entries). Correctness only: nothing here looks
// at a rate or a duration (benchmarks are not timed tests).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/cli.h"

namespace raftlab::tools {
namespace {

using nlohmann::json;

struct Out {
  int rc = -1;
  json j;
  std::string err;
};

Out bench(std::vector<std::string> args) {
  args.insert(args.begin(), {"raftlab", "bench"});
  std::ostringstream out, err;
  Out o;
  o.rc = run_cli(args, out, err);
  o.err = err.str();
  o.j = json::parse(out.str(), nullptr, false);
  return o;
}

void expect_rates(const json& j) {
  for (const char* k : {"wall_s", "cpu_s", "events", "events_per_s", "messages", "messages_per_s", "peak_rss_kib"}) {
    ASSERT_TRUE(j.contains(k)) << k;
    EXPECT_TRUE(j[k].is_number()) << k;
    EXPECT_GE(j[k].get<double>(), 0.0) << k;
  }
  EXPECT_GT(j["events"].get<double>(), 0.0);
  EXPECT_GT(j["messages"].get<double>(), 0.0);
}

TEST(BenchCli, W1EverySeedElectsExactlyOneLeader) {
  const Out o = bench({"W1", "--seeds", "50", "--json"});
  ASSERT_EQ(o.rc, 0) << o.err;
  ASSERT_TRUE(o.j.is_object());
  EXPECT_EQ(o.j["workload"], "W1");
  EXPECT_EQ(o.j["engine"], "raftlab");
  EXPECT_EQ(o.j["trace_level"], "off");
  EXPECT_EQ(o.j["voters"], 5);
  EXPECT_EQ(o.j["seeds"], 50);
  EXPECT_EQ(o.j["seeds_with_exactly_one_leader"], 50);
  EXPECT_EQ(o.j["seeds_without_leader"], 0);
  EXPECT_EQ(o.j["ok"], true);
  expect_rates(o.j);
  ASSERT_TRUE(o.j.contains("runs_per_s"));
  const json& d = o.j["sim_time_to_leader_ms"];
  for (const char* k : {"min", "median", "p99", "max"}) ASSERT_TRUE(d.contains(k)) << k;
  EXPECT_LE(d["min"].get<double>(), d["median"].get<double>());
  EXPECT_LE(d["median"].get<double>(), d["p99"].get<double>());
  EXPECT_LE(d["p99"].get<double>(), d["max"].get<double>());
  // Election timeout 10 ticks of 100 ms from a tick phase in (0, 100 ms]: no leader
  // before ~900 ms; randomized in [10, 20) ticks plus a few vote rounds.
  EXPECT_GE(d["min"].get<double>(), 900.0);
  EXPECT_LT(d["max"].get<double>(), 10000.0);
}

TEST(BenchCli, W1SplitsItsRunIntoTheBootstrapAndTheElection) {
  const Out o = bench({"W1", "--seeds", "30", "--split", "--json"});
  ASSERT_EQ(o.rc, 0) << o.err;
  ASSERT_TRUE(o.j.contains("bootstrap_pass")) << o.j.dump();
  EXPECT_FALSE(bench({"W1", "--seeds", "30", "--json"}).j.contains("bootstrap_pass"));  // opt-in
  const json& b = o.j["bootstrap_pass"];
  EXPECT_EQ(b["seeds"], 30);
  EXPECT_EQ(b["incomplete"], 0);
  // The bootstrap pass stops once every member has applied its five bootstrap
  // ConfChanges: after the /members queries and replies, the five starts and their first
  // fsyncs, and well before the first election (whose ticks alone are ~50 events).
  const double boot_events = b["events_per_run"].get<double>();
  const double run_events = o.j["events"].get<double>() / 30.0;
  EXPECT_GE(boot_events, 10.0);
  EXPECT_LT(boot_events, run_events / 2);
  EXPECT_GT(b["cpu_us_per_run"].get<double>(), 0.0);
  EXPECT_GT(b["share_of_run"].get<double>(), 0.0);
  // Determinism: the same seeds give the same bootstrap events on every run.
  const Out again = bench({"W1", "--seeds", "30", "--split", "--json"});
  ASSERT_EQ(again.rc, 0) << again.err;
  EXPECT_EQ(again.j["bootstrap_pass"]["events"], b["events"]);
}

TEST(BenchCli, W1IsDeterministicInWhatItSimulates) {
  const Out a = bench({"W1", "--seeds", "20", "--json"});
  const Out b = bench({"W1", "--seeds", "20", "--json", "--trace-level", "default"});
  ASSERT_EQ(a.rc, 0) << a.err;
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(b.j["trace_level"], "default");
  // The trace level changes only the cost, never the simulated runs.
  EXPECT_EQ(a.j["events"], b.j["events"]);
  EXPECT_EQ(a.j["messages"], b.j["messages"]);
  EXPECT_EQ(a.j["sim_time_to_leader_ms"], b.j["sim_time_to_leader_ms"]);
}

TEST(BenchCli, W2AppliesExactlyTheRequestedEntriesOnEveryMember) {
  const Out o = bench({"W2", "--entries", "500", "--json"});
  ASSERT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.j["ok"], true) << o.j.dump();
  EXPECT_EQ(o.j["batch"], 1);
  EXPECT_EQ(o.j["max_in_flight"], 1);
  EXPECT_EQ(o.j["entries"], 500);
  EXPECT_EQ(o.j["failed"], 0);
  EXPECT_EQ(o.j["entries_applied_on_all_members"], 500);
  EXPECT_EQ(o.j["members_with_all_entries"], 5);
  expect_rates(o.j);
  EXPECT_TRUE(o.j["entries_per_s"].is_number());
  // One put in flight: each takes at least client->leader, leader->followers and back,
  // and the reply (4 one-way hops of 1 ms).
  EXPECT_GE(o.j["sim_time_s"].get<double>(), 500 * 0.004);
}

TEST(BenchCli, W2WithLogCompactionStillAppliesEverything) {
  const Out o = bench({"W2", "--entries", "500", "--snapshot-count", "100", "--snapshot-catchup-entries", "50", "--json"});
  ASSERT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.j["ok"], true) << o.j.dump();
  EXPECT_EQ(o.j["snapshot_count"], 100);
  EXPECT_EQ(o.j["entries_applied_on_all_members"], 500);
  EXPECT_EQ(o.j["members_with_all_entries"], 5);
}

TEST(BenchCli, W3BatchesWithManyInFlight) {
  const Out o = bench({"W3", "--entries", "500", "--voters", "3", "--json"});
  ASSERT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.j["ok"], true) << o.j.dump();
  EXPECT_EQ(o.j["batch"], 100);
  EXPECT_EQ(o.j["max_in_flight"], 1000);
  EXPECT_EQ(o.j["voters"], 3);
  EXPECT_EQ(o.j["entries_applied_on_all_members"], 500);
  EXPECT_EQ(o.j["members_with_all_entries"], 3);
  // 500 entries all in flight at once: far less simulated time than one at a time.
  EXPECT_LT(o.j["sim_time_s"].get<double>(), 500 * 0.004);
}

TEST(BenchCli, W4OneSizeInAChildProcess) {
  const Out o = bench({"W4", "--voters", "3", "--seeds", "5", "--entries", "50", "--json"});
  ASSERT_EQ(o.rc, 0) << o.err;
  ASSERT_TRUE(o.j["sizes"].is_array());
  ASSERT_EQ(o.j["sizes"].size(), 1u);
  const json& row = o.j["sizes"][0];
  EXPECT_EQ(row["voters"], 3);
  EXPECT_EQ(row["W1"]["seeds_with_exactly_one_leader"], 5);
  EXPECT_EQ(row["W2"]["entries_applied_on_all_members"], 50);
  EXPECT_GT(row["peak_rss_kib"].get<double>(), 0.0);
}

TEST(BenchCli, W2HeapPerMemberGrowsWithTheLog) {
  const Out small = bench({"W2", "--entries", "100", "--voters", "3", "--json"});
  const Out large = bench({"W2", "--entries", "2000", "--voters", "3", "--json"});
  ASSERT_EQ(small.rc, 0) << small.err;
  ASSERT_EQ(large.rc, 0) << large.err;
  ASSERT_TRUE(large.j.contains("heap_live_per_member_kib")) << large.j.dump();
  ASSERT_TRUE(large.j.contains("heap_live_kib")) << large.j.dump();
#if !defined(__SANITIZE_ADDRESS__)  // ASan's allocator does not answer mallinfo2
  // 1,900 more entries in each member's log, data dir and KV store: well over 64 KiB each.
  EXPECT_GT(large.j["heap_live_per_member_kib"].get<double>(), small.j["heap_live_per_member_kib"].get<double>() + 64)
      << small.j.dump() << "\n" << large.j.dump();
#endif
}

TEST(BenchCli, BadInputIsExitTwo) {
  EXPECT_EQ(bench({"W9"}).rc, kExitBadInput);
  EXPECT_EQ(bench({"W1", "--trace-level", "full"}).rc, kExitBadInput);
  EXPECT_EQ(bench({"W1", "--voters", "0"}).rc, kExitBadInput);
  EXPECT_EQ(bench({"W1", "--seeds", "lots"}).rc, kExitBadInput);
  EXPECT_EQ(bench({"W2", "--snapshot-count", "0"}).rc, kExitBadInput);
  EXPECT_EQ(bench({"W1", "--seeds", "0"}).rc, kExitBadInput);
  const Out split = bench({"W2", "--split"});  // W1 only: names the option and the fix
  EXPECT_EQ(split.rc, kExitBadInput);
  EXPECT_NE(split.err.find("--split applies to W1 only (got W2): drop --split"), std::string::npos) << split.err;
  EXPECT_EQ(bench({"W2", "--entries", "0"}).rc, kExitBadInput);
  EXPECT_EQ(bench({"W5", "--lab-scenario", "/nonexistent/reference.json"}).rc, kExitBadInput);
}

}  // namespace
}  // namespace raftlab::tools
