// Large client values (clients.value_bytes) and the etcd member's MsgApp byte limit:
// the declared-size value form and how raft counts it (sim/etcd/entry_codec.h), the
// scenario key (bad input: exit code 2, naming the field and the fix), its write-back in
// failure files, and what a run with values just over 1 MiB looks like.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "raft/log.h"
#include "sim/deploy.h"
#include "sim/etcd/entry_codec.h"
#include "sim/nemesis/nemesis.h"
#include "sim/scenario/loader.h"
#include "tests/common/cli_run.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;

const std::string kLargeValues =
    (fs::path(RAFTLAB_SOURCE_DIR) / "tests/lab/data/detect-large-values.json").string();

TEST(LargeValues, DeclaredValueForm) {
  EXPECT_EQ(etcd::declared_value("c1-5", 1'100'000), "c1-5#1100000B");
  EXPECT_EQ(etcd::declared_value_bytes("c1-5#1100000B"), 1'100'000u);
  EXPECT_EQ(etcd::declared_value_bytes("#1B"), 1u);
  EXPECT_EQ(etcd::declared_value_bytes("x#1500000B"), etcd::kMaxDeclaredValueBytes);
  // Anything else is an ordinary value: its own bytes count.
  for (const char* v : {"", "v1", "c1-5", "1100000B", "c1-5#B", "c1-5#0B", "c1-5#01B", "c1-5#12x4B", "c1-5#1500001B",
                        "c1-5#99999999B", "c1-5#1100000", "c1-5 1100000B"})
    EXPECT_EQ(etcd::declared_value_bytes(v), 0u) << v;
}

raft::Entry put_entry(const std::string& value) {
  etcd::Request r;
  r.kind = etcd::Request::Kind::Put;
  r.proposer = 7;
  r.proposal = 3;
  r.key = "k0";
  r.value = value;
  return raft::Entry{2, 10, raft::EntryType::Normal, etcd::encode_request(r)};
}

TEST(LargeValues, EntryBytesCountTheDeclaredSize) {
  const raft::Entry small = put_entry("c1-5");
  EXPECT_EQ(etcd::entry_bytes(small), raft::entry_size(small));
  const raft::Entry big = put_entry("c1-5#1100000B");
  // The value stands for 1,100,000 bytes instead of its 13.
  EXPECT_EQ(etcd::entry_bytes(big), raft::entry_size(big) + 1'100'000 - 13);
  // Two of them pass etcd's 1 MiB maxSizePerMsg; one alone does too (it still goes).
  EXPECT_GT(etcd::entry_bytes(big), 1024u * 1024u);
  // A read of a key that looks like a declared value, the no-op, a conf change: no extra.
  etcd::Request rd;
  rd.kind = etcd::Request::Kind::Read;
  rd.key = "c1-5#1100000B";
  const raft::Entry read{2, 11, raft::EntryType::Normal, etcd::encode_request(rd)};
  EXPECT_EQ(etcd::entry_bytes(read), raft::entry_size(read));
  const raft::Entry noop{2, 12, raft::EntryType::Normal, ""};
  EXPECT_EQ(etcd::entry_bytes(noop), raft::entry_size(noop));
  const raft::Entry conf{2, 13, raft::EntryType::ConfChange, "P#1100000B"};
  EXPECT_EQ(etcd::entry_bytes(conf), raft::entry_size(conf));
}

// A valid scenario with a clients block whose extra keys are `extra`.
std::string with_clients(const std::string& extra) {
  return R"({"name": "t", "description": "d", "duration": "5s",
  "hosts": [{"name": "A", "ip": "10.0.0.1"}],
  "members": [{"name": "m1", "host": "A", "flags": "etcd --name m1"}],
  "clients": {"count": 2, "end": "4s")" +
         extra + "}}";
}

TEST(LargeValues, ScenarioKeyLoadsAndIsWrittenBack) {
  auto r = scenario::load_string(with_clients(R"(, "value_bytes": 1100000)"), "t.json");
  ASSERT_TRUE(r.ok()) << scenario::format(r.errors.front());
  EXPECT_EQ(r.scenario->clients->value_bytes, 1'100'000);
  auto zero = scenario::load_string(with_clients(R"(, "value_bytes": 0)"), "t.json");
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero.scenario->clients->value_bytes, 0);
  // A failure file keeps the workload's value size (replay and shrink run the same puts).
  auto s = scenario::load_file(kLargeValues);
  ASSERT_TRUE(s.ok()) << scenario::format(s.errors.front());
  const auto m = nemesis::materialize(*s.scenario, 3);
  auto back = scenario::load_string(nemesis::write_scenario(m), "back.json");
  ASSERT_TRUE(back.ok()) << scenario::format(back.errors.front());
  EXPECT_EQ(back.scenario->clients->value_bytes, 1'100'000);
}

TEST(LargeValues, BadValueBytesIsExitCode2NamingTheField) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("raftlab_large_values_{}", ::getpid());
  fs::create_directories(dir);
  for (const char* bad : {R"("value_bytes": -1)", R"("value_bytes": 1500001)", R"("value_bytes": "1MiB")",
                          R"("value_bytes": 1.5)", R"("value_bytes": true)"}) {
    SCOPED_TRACE(bad);
    auto r = scenario::load_string(with_clients(std::string(", ") + bad), "t.json");
    ASSERT_FALSE(r.ok());
    bool named = false;
    for (const auto& e : r.errors)
      named = named || (e.path == "$.clients.value_bytes" && e.message.find("0 (short values) to 1500000") !=
                                                                   std::string::npos &&
                        e.fix.find("--max-request-bytes") != std::string::npos);
    EXPECT_TRUE(named) << scenario::format(r.errors.front());
    const fs::path f = dir / "bad.json";
    std::ofstream(f) << with_clients(std::string(", ") + bad);
    const test::CliRun run = test::cli({"run", f.string()});
    EXPECT_EQ(run.rc, 2) << run.out << run.err;
    EXPECT_NE(run.err.find("$.clients.value_bytes"), std::string::npos) << run.err;
  }
  // A typo is caught too.
  auto typo = scenario::load_string(with_clients(R"(, "value_byte": 10)"), "t.json");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(scenario::format(typo.errors.front()).find("did you mean \"value_bytes\"?"), std::string::npos)
      << scenario::format(typo.errors.front());
  fs::remove_all(dir);
}

// A run with values just over 1 MiB: the clients' puts carry the short declared form
// (in the trace, the KV and the checkers), members apply them, and the correct code
// passes every checker.
TEST(LargeValues, RunWithLargeValuesRecordsTheShortFormAndPasses) {
  const test::CliRun r = test::cli({"replay", kLargeValues, "--seed", "1"});
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
  auto s = scenario::load_file(kLargeValues);
  ASSERT_TRUE(s.ok());
  sim::RunOptions o;
  o.seed = 1;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*s.scenario, o, &errors);
  ASSERT_NE(d, nullptr);
  d->run();
  int puts = 0, applied = 0;
  for (const auto& e : d->world().trace().events()) {
    if (e.kind == sim::Ev::ClientCall && e.a == "put") {
      ++puts;
      EXPECT_EQ(etcd::declared_value_bytes(e.c), 1'100'000u) << e.c;
    }
    if (e.kind == sim::Ev::Apply && e.b.rfind("put ", 0) == 0 && etcd::declared_value_bytes(e.c) == 1'100'000u) ++applied;
  }
  EXPECT_GT(puts, 100);
  EXPECT_GT(applied, 100);
}

}  // namespace
}  // namespace raftlab
