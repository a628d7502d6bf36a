// The streaming trace (issue 24/26, sim/trace.h TraceStream): a run whose events are
// hashed and written as they are recorded, keeping only what its readers need, gives the
// same hash, the same --trace file and the same output as a run holding its whole trace.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "sim/cloud/cloud.h"
#include "sim/deploy.h"
#include "sim/lab/lab.h"
#include "sim/trace.h"
#include "tests/common/cli_run.h"
#include "tests/scenarios/shipped.h"

namespace raftlab {
namespace {

namespace fs = std::filesystem;

class StringSink final : public sim::TraceSink {
 public:
  bool write(std::string_view b) override {
    text.append(b);
    return true;
  }
  std::string text;
};

bool keep_nothing(const sim::TraceEvent&) { return false; }
bool keep_roles(const sim::TraceEvent& e) { return e.kind == sim::Ev::Role; }

std::map<std::string, std::string> golden() {
  std::map<std::string, std::string> out;
  std::ifstream in(testing::source_path("tests/scenarios/golden_hashes.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream l(line);
    std::string f, h;
    l >> f >> h;
    out[f] = h;
  }
  return out;
}

struct Whole {
  std::string sha, jsonl;
  std::vector<sim::TraceEvent> roles;
};

Whole run_whole(const std::shared_ptr<const scenario::Scenario>& s, sim::TraceLevel level) {
  sim::RunOptions ro;
  ro.extension = cloud::extension_factory();
  ro.trace_level = level;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(s, ro, &errors);
  EXPECT_TRUE(d);
  Whole w;
  w.sha = d->run().trace_sha256;
  w.jsonl = d->world().trace().to_jsonl();
  for (const auto& e : d->world().trace().events())
    if (e.kind == sim::Ev::Role) w.roles.push_back(e);
  return w;
}

// Every shipped scenario at the default and the full level: the streamed hash is the
// golden hash, the streamed JSONL is the whole trace's text byte for byte, and a keep
// filter holds exactly the events it accepts, in order.
TEST(TraceStream, StreamedHashAndTextAreTheWholeTraces) {
  const auto gold = golden();
  for (const auto& [file, s] : testing::load_shipped()) {
    const std::string rel = fs::relative(file, RAFTLAB_SOURCE_DIR).generic_string();
    for (const auto level : {sim::TraceLevel::Default, sim::TraceLevel::Full}) {
      SCOPED_TRACE(rel + (level == sim::TraceLevel::Full ? " full" : " default"));
      const Whole w = run_whole(s, level);
      if (level == sim::TraceLevel::Default && gold.count(rel)) {
        EXPECT_EQ(w.sha, gold.at(rel));
      }
      for (const bool roles : {false, true}) {
        StringSink sink;
        sim::RunOptions ro;
        ro.extension = cloud::extension_factory();
        ro.trace_level = level;
        ro.trace_sink = &sink;
        ro.trace_keep = roles ? &keep_roles : &keep_nothing;
        std::vector<scenario::LoadError> errors;
        auto d = sim::Deployment::build(s, ro, &errors);
        ASSERT_TRUE(d);
        const sim::RunResult r = d->run();
        EXPECT_EQ(r.trace_sha256, w.sha);
        EXPECT_EQ(d->world().trace().sha256(), w.sha);  // idempotent after the run
        EXPECT_TRUE(sink.text == w.jsonl) << "streamed " << sink.text.size() << " bytes, whole " << w.jsonl.size();
        const auto& kept = d->world().trace().events();
        if (roles) {
          ASSERT_EQ(kept.size(), w.roles.size());
          for (std::size_t i = 0; i < kept.size(); ++i)
            EXPECT_EQ(sim::Trace::to_jsonl(kept[i]), sim::Trace::to_jsonl(w.roles[i]));
        } else {
          EXPECT_TRUE(kept.empty());
        }
        EXPECT_TRUE(d->world().trace().sink_ok());
      }
    }
  }
}

// The trace's recorded() counts dropped events, and a stream without a hash says so with
// an empty hash rather than the hash of what it kept.
TEST(TraceStream, CountsDroppedEventsAndGivesNoHashItDidNotTake) {
  sim::Trace t(sim::TraceLevel::Default);
  t.stream(sim::TraceStream{false, nullptr, &keep_roles});
  for (int i = 0; i < 10000; ++i) {
    sim::TraceEvent e;
    e.at = sim::nanos(i);
    e.kind = i % 10 == 0 ? sim::Ev::Role : sim::Ev::Apply;
    t.record(std::move(e));
  }
  t.flush();
  EXPECT_EQ(t.recorded(), 10000u);
  EXPECT_EQ(t.events().size(), 1000u);
  for (const auto& e : t.events()) EXPECT_EQ(e.kind, sim::Ev::Role);
  EXPECT_EQ(t.sha256(), "");
}

// `raftlab run` streams by default: for every shipped scenario its summary and its --json
// object are the same as with --keep-trace (the whole trace held), and the trace_sha256 it
// prints is the golden hash.
TEST(RunCli, StreamedRunPrintsWhatAWholeTraceDoes) {
  const auto gold = golden();
  for (const auto& rel : testing::shipped_scenarios()) {
    SCOPED_TRACE(rel);
    const std::string f = testing::source_path(rel);
    for (const bool json : {false, true}) {
      std::vector<std::string> args{"run", f};
      if (json) args.push_back("--json");
      const auto streamed = test::cli(args);
      args.push_back("--keep-trace");
      const auto whole = test::cli(args);
      EXPECT_EQ(streamed.rc, whole.rc);
      EXPECT_EQ(streamed.out, whole.out);
      EXPECT_EQ(streamed.err, whole.err);
      if (gold.count(rel)) {
        EXPECT_NE(streamed.out.find(gold.at(rel)), std::string::npos) << streamed.out;
      }
    }
  }
}

// --trace FILE written while the run goes is the same file as the whole trace's, and a
// directory that is not there is still refused before the run (exit 2).
TEST(RunCli, StreamedTraceFileIsTheWholeTracesFile) {
  const fs::path dir = fs::temp_directory_path() / ("raftlab-stream-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const char* rel : {"scenarios/lab/small.json", "scenarios/bitnami-2host/static-bootstrap.json"}) {
    SCOPED_TRACE(rel);
    const std::string f = testing::source_path(rel);
    for (const char* level : {"default", "full"}) {
      const std::string a = (dir / "streamed.jsonl").string(), b = (dir / "whole.jsonl").string();
      const auto r1 = test::cli({"run", f, "--trace", a, "--trace-level", level});
      const auto r2 = test::cli({"run", f, "--trace", b, "--trace-level", level, "--keep-trace"});
      EXPECT_EQ(r1.rc, r2.rc) << r1.err;
      std::ifstream ia(a), ib(b);
      std::stringstream sa, sb;
      sa << ia.rdbuf();
      sb << ib.rdbuf();
      EXPECT_FALSE(sa.str().empty());
      EXPECT_TRUE(sa.str() == sb.str());
      EXPECT_NE(r1.out.find("trace_sha256=" + sim::sha256_hex(sa.str())), std::string::npos) << r1.out;
      // No temporary file is left beside it.
      int files = 0;
      for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
      EXPECT_EQ(files, 2);
    }
  }
  const auto bad = test::cli({"run", testing::source_path("scenarios/lab/small.json"), "--trace",
                              (dir / "no-such-dir" / "t.jsonl").string()});
  EXPECT_EQ(bad.rc, 2) << bad.err;
  EXPECT_NE(bad.err.find("no-such-dir"), std::string::npos) << bad.err;
  const auto full = test::cli({"run", testing::source_path("scenarios/lab/small.json"), "--trace", "/dev/full"});
  EXPECT_EQ(full.rc, 3) << full.err;
  EXPECT_NE(full.err.find("No space left"), std::string::npos) << full.err;
  fs::remove_all(dir);
}

// The fault lab's streaming seed (RunSettings::stream_trace, what `raftlab fuzz` runs):
// the same verdicts, checker lines, client counts and hashes as the whole trace gives,
// over the lab scenarios with and without a planted bug (failing seeds are run again
// whole); and the checkers judge the events checkers_read keeps as they judge the whole
// trace, failures included.
TEST(LabStream, CheckersJudgeTheKeptEventsAsTheWholeTrace) {
  struct Case {
    const char* file;
    const char* bug;  // "" = the correct code
    std::uint64_t seeds;
  };
  // Failing seeds from tests/lab/planted_bugs_test.cc's budgets (first failing seed 1, 2,
  // 1) and a scenario whose own expectation fails.
  const Case cases[] = {
      {"scenarios/lab/small.json", "", 4},
      {"scenarios/lab/reference.json", "", 2},
      {"tests/lab/data/detect.json", "apply-before-commit", 3},
      {"tests/lab/data/detect.json", "vote-without-log-check", 3},
      {"tests/lab/data/detect-stale-read.json", "read-without-leadership", 2},
      {"tests/lab/data/expect-fails.json", "", 2},
  };
  int failing = 0, judged = 0;
  for (const Case& c : cases) {
    auto lr = scenario::load_file(testing::source_path(c.file));
    ASSERT_TRUE(lr.ok()) << c.file;
    const auto base = std::make_shared<const scenario::Scenario>(*lr.scenario);
    for (std::uint64_t seed = 1; seed <= c.seeds; ++seed) {
      SCOPED_TRACE(std::string(c.file) + " " + c.bug + " seed " + std::to_string(seed));
      const auto s = lab::materialize(base, seed);
      lab::RunSettings st;
      st.extension = cloud::extension_factory();
      if (*c.bug) st.planted_bugs = {c.bug};
      st.hash_every_seed = seed % 2 == 0;
      std::unique_ptr<sim::Deployment> d;
      const lab::SeedResult whole = lab::run_one(s, seed, st, nullptr, &d);
      st.stream_trace = true;
      const lab::SeedResult streamed = lab::run_one(s, seed, st, nullptr, nullptr);
      EXPECT_EQ(streamed.ok, whole.ok);
      EXPECT_EQ(streamed.trace_sha256, whole.trace_sha256);
      EXPECT_EQ(streamed.events, whole.events);
      EXPECT_EQ(streamed.checker_summary, whole.checker_summary);
      EXPECT_EQ(streamed.checkers, whole.checkers);
      EXPECT_EQ(streamed.client_calls, whole.client_calls);
      EXPECT_EQ(streamed.max_client_calls, whole.max_client_calls);
      ASSERT_EQ(streamed.violations.size(), whole.violations.size());
      for (std::size_t i = 0; i < whole.violations.size(); ++i)
        EXPECT_EQ(streamed.violations[i].evidence, whole.violations[i].evidence);
      failing += whole.ok ? 0 : 1;
      // The filter itself, on the whole trace (a failing seed's streamed verdict above
      // comes from its whole second run).
      ASSERT_TRUE(d);
      std::vector<sim::TraceEvent> kept;
      for (const auto& e : d->world().trace().events())
        if (lab::checkers_read(e)) kept.push_back(e);
      EXPECT_LT(kept.size(), d->world().trace().events().size());
      std::string sum_whole, sum_kept;
      const auto v_whole = lab::judge(d->world().trace().events(), &sum_whole);
      const auto v_kept = lab::judge(kept, &sum_kept);
      EXPECT_EQ(sum_kept, sum_whole);
      ASSERT_EQ(v_kept.size(), v_whole.size());
      for (std::size_t i = 0; i < v_whole.size(); ++i) EXPECT_EQ(v_kept[i].evidence, v_whole[i].evidence);
      ++judged;
    }
  }
  EXPECT_GE(failing, 4) << "the planted bugs and the failing expectation should fail seeds, or the failing path is "
                           "not tested";
  EXPECT_EQ(judged, 16);
}

}  // namespace
}  // namespace raftlab
