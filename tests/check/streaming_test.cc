// The lab checkers fed a streamed trace (issue 24: a fuzz seed's memory): check::LabChecker
// as the trace's observer, with no event kept, judges every seed as check_all() judges the
// whole trace; the streamed durability checker agrees with the two-pass one on real runs
// and says when it cannot (exact() false); the digest packing is lossless.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "raft/bugs.h"
#include "sim/check/durable_log.h"
#include "sim/check/lab.h"
#include "sim/cloud/cloud.h"
#include "sim/deploy.h"
#include "sim/lab/lab.h"
#include "sim/scenario/loader.h"
#include "tests/check/trace_builder.h"
#include "tests/scenarios/shipped.h"

namespace raftlab {
namespace {

bool keep_nothing(const sim::TraceEvent&) { return false; }

struct Judged {
  std::vector<sim::TraceEvent> events;  // the whole trace
  check::LabReport whole;               // check_all(events)
  check::LabReport streamed;            // LabChecker on the streamed run, no event kept
  std::size_t kept = 0;                 // events the streamed run held at its end
  bool ok = false;
};

Judged judge_both(const std::string& file, std::uint64_t seed, const std::string& bug, bool lab) {
  Judged j;
  auto lr = scenario::load_file(testing::source_path(file));
  EXPECT_TRUE(lr.ok()) << file;
  if (!lr.ok()) return j;
  auto base = std::make_shared<const scenario::Scenario>(*lr.scenario);
  const auto s = lab ? lab::materialize(base, seed) : base;
  sim::RunOptions ro;
  ro.seed = seed;
  ro.extension = cloud::extension_factory();
  if (!bug.empty()) ro.planted_bugs = lab::planted_bug_set({bug});
  std::vector<scenario::LoadError> errors;
  auto whole = sim::Deployment::build(s, ro, &errors);
  EXPECT_NE(whole, nullptr) << file;
  if (!whole) return j;
  (void)whole->run();
  j.events = whole->world().trace().events();
  j.whole = check::check_all(j.events);
  check::LabChecker checker;
  ro.trace_keep = &keep_nothing;
  ro.trace_observer = &checker;
  auto streamed = sim::Deployment::build(s, ro, &errors);
  EXPECT_NE(streamed, nullptr) << file;
  if (!streamed) return j;
  (void)streamed->run();
  j.kept = streamed->world().trace().events().size();
  EXPECT_EQ(checker.events(), j.events.size());
  j.streamed = checker.finish();
  j.ok = true;
  return j;
}

void expect_same(const check::LabReport& a, const check::LabReport& b) {
  EXPECT_EQ(a.summary(), b.summary());
  EXPECT_EQ(a.describe(), b.describe());
  ASSERT_EQ(a.violations.size(), b.violations.size());
  for (std::size_t i = 0; i < a.violations.size(); ++i) {
    EXPECT_EQ(a.violations[i].checker, b.violations[i].checker);
    EXPECT_EQ(a.violations[i].at_ns, b.violations[i].at_ns);
    EXPECT_EQ(a.violations[i].cluster_id, b.violations[i].cluster_id);
    EXPECT_EQ(a.violations[i].members, b.violations[i].members);
  }
}

// What check_all says of durability, against the two-pass checker on the whole trace.
void expect_durability_as_two_pass(const Judged& j) {
  check::CheckerStats st;
  const auto two_pass = check::check_durability(j.events, &st);
  std::string want, got;
  for (const auto& v : two_pass) want += check::describe(v) + "\n";
  for (const auto& v : j.streamed.violations)
    if (v.checker == "durability") got += check::describe(v) + "\n";
  EXPECT_EQ(got, want);
  for (const auto& c : j.streamed.checkers)
    if (c.name == "durability") {
      EXPECT_EQ(c.checked, st.checked);
      EXPECT_EQ(c.excused, st.excused);
      EXPECT_EQ(c.note, st.note);
    }
}

// Lab seeds with and without planted bugs (failing seeds included: the streamed verdict
// is the one a fuzz seed gets), judged streamed with nothing kept and judged whole.
TEST(LabChecker, StreamedJudgementIsTheWholeTracesOnLabSeeds) {
  struct Case {
    const char* file;
    const char* bug;
    std::uint64_t seeds;
  };
  const Case cases[] = {
      {"scenarios/lab/small.json", "", 6},
      {"scenarios/lab/reference.json", "", 2},
      {"tests/lab/data/detect.json", "apply-before-commit", 3},
      {"tests/lab/data/detect.json", "vote-without-log-check", 3},
      {"tests/lab/data/detect.json", "commit-old-term", 2},
      {"tests/lab/data/detect.json", "vote-not-persisted", 2},
      {"tests/lab/data/detect.json", "no-step-down", 2},
      {"tests/lab/data/detect-stale-read.json", "read-without-leadership", 2},
      {"tests/lab/data/expect-fails.json", "", 2},
  };
  int failing = 0;
  for (const Case& c : cases)
    for (std::uint64_t seed = 1; seed <= c.seeds; ++seed) {
      SCOPED_TRACE(std::string(c.file) + " " + c.bug + " seed " + std::to_string(seed));
      const Judged j = judge_both(c.file, seed, c.bug, true);
      ASSERT_TRUE(j.ok);
      EXPECT_EQ(j.kept, 0u);
      EXPECT_TRUE(j.streamed.exact);
      expect_same(j.streamed, j.whole);
      expect_durability_as_two_pass(j);
      failing += j.whole.ok() ? 0 : 1;
    }
  EXPECT_GE(failing, 5) << "the planted bugs should fail seeds, or the failing path is not tested";
}

// Every shipped scenario (seed 1): the same report streamed as whole, and the streamed
// durability verdict is the two-pass checker's (splits into several clusters included).
TEST(LabChecker, StreamedJudgementIsTheWholeTracesOnShippedScenarios) {
  int n = 0;
  for (const std::string& rel : testing::shipped_scenarios()) {
    SCOPED_TRACE(rel);
    const Judged j = judge_both(rel, 1, "", false);
    ASSERT_TRUE(j.ok);
    if (j.streamed.exact) expect_same(j.streamed, j.whole);
    expect_durability_as_two_pass(Judged{j.events, j.whole, j.whole, 0, true});
    ++n;
  }
  EXPECT_GT(n, 20);
}

using check::test::TraceBuilder;

// A stale read of v1 after put v2, then v1 is put again: the two-pass checker counts that
// later put as a writer of the value read (not "finished before P began"), so no lost
// write; a streamed checker could not know it at the read, and must say so.
TEST(LabChecker, StreamedDurabilityIsNotExactWhenAValueReadIsPutAgainLater) {
  TraceBuilder t;
  t.at(0).bootstrap("m1", check::test::kCluster, "m1=http://a:2380", "t").role("m1", 2, "Leader");
  t.at(10).call(1, 1, "put", "k", "v1").at(11).apply("m1", 2, 3, "normal:0000000000000001", "k", "v1");
  t.at(12).done_put(1, true);
  t.at(20).call(2, 1, "put", "k", "v2").at(21).apply("m1", 2, 4, "normal:0000000000000002", "k", "v2");
  t.at(22).done_put(2, true);
  t.at(30).call(3, 2, "get", "k").at(31).done_get(3, "v1");
  t.at(40).call(4, 1, "put", "k", "v1").at(41).apply("m1", 2, 5, "normal:0000000000000003", "k", "v1");
  t.at(42).done_put(4, true);
  check::LabChecker streamed;
  for (const auto& e : t.events()) streamed.on(e);
  EXPECT_FALSE(streamed.exact());
  const check::LabReport alone = streamed.finish();
  EXPECT_FALSE(alone.exact);
  // check_all() has the whole trace: the two-pass verdict (no durability violation).
  const check::LabReport all = check::check_all(t.events());
  EXPECT_TRUE(all.exact);
  EXPECT_EQ(check::check_durability(t.events()).size(), 0u);
  for (const auto& v : all.violations) EXPECT_NE(v.checker, "durability") << check::describe(v);
  // Without the later put, the stale read is a lost write, streamed and exact.
  const std::vector<sim::TraceEvent> u(t.events().begin(), t.events().end() - 3);
  check::LabChecker s2;
  for (const auto& e : u) s2.on(e);
  EXPECT_TRUE(s2.exact());
  const check::LabReport r2 = s2.finish();
  ASSERT_EQ(check::check_durability(u).size(), 1u);
  std::size_t lost = 0;
  for (const auto& v : r2.violations) lost += v.checker == "durability";
  EXPECT_EQ(lost, 1u) << r2.describe();
}

TEST(DigestPool, PacksTheTracesDigestsAndKeepsAnyOtherText) {
  check::detail::DigestPool pool;
  for (const std::string s : {"normal:00000000000000ff", "conf:0123456789abcdef", "normal:ffffffffffffffff", "",
                              "d1", "normal:00000000000000FF", "normal:0000000000000ff", "conf:", "noop"}) {
    const check::detail::Digest d = pool.of(s);
    EXPECT_EQ(pool.text(d), s);
    EXPECT_EQ(pool.of(s), d);
  }
  EXPECT_EQ(pool.of("normal:00000000000000ff").kind, 1u);
  EXPECT_EQ(pool.of("conf:0123456789abcdef").kind, 2u);
  EXPECT_NE(pool.of("normal:00000000000000ff"), pool.of("conf:00000000000000ff"));
  EXPECT_NE(pool.of("normal:00000000000000FF"), pool.of("normal:00000000000000ff"));
  EXPECT_NE(pool.of("d1"), pool.of("d2"));
}

}  // namespace
}  // namespace raftlab
