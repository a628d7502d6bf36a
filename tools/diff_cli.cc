// tools/diff_cli.cc — `raftlab diff SCENARIO [--real-etcd PATH] [--time-scale X] [--json]`:
// the scenario in simulation and against real etcd processes on loopback addresses,
// outcomes compared (tools/real/diff.h, docs/fidelity.md). The real cluster runs in real
// time, so a progress line (tools/progress.h) says how far it is.
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "sim/scenario/duration.h"
#include "sim/scenario/loader.h"
#include "tools/cli.h"
#include "tools/progress.h"
#include "tools/real/diff.h"
#include "tools/verbs.h"

namespace raftlab::tools {

namespace {

// The real side takes about the scenario's duration x --time-scale (0 when the file does
// not load: run_diff then says why).
double expected_real_s(const real::DiffOptions& o) {
  scenario::LoadResult lr = scenario::load_file_with(o.scenario_file, scenario::Overrides{});
  if (!lr.ok()) return 0;
  return static_cast<double>(lr.scenario->duration_ns) / 1e9 * o.time_scale;
}

int run_diff_with_progress(const real::DiffOptions& o, const ProgressFlags& f, std::ostream& out, std::ostream& err) {
  ProgressLine line(err, f, "raftlab diff");
  if (!line.on()) return real::run_diff(o, out, err);
  const double total_s = expected_real_s(o);
  // stdout is held until the line is gone, so the two never share a terminal line.
  std::ostringstream held;
  int rc = 0;
  {
    Heartbeat beat(line, [total_s](double s) {
      return total_s > 0 ? fmt::format("{} of about {} (the scenario's time on the real cluster, then the comparison)",
                                       eta_text(s), eta_text(total_s))
                         : fmt::format("{} so far", eta_text(s));
    });
    rc = real::run_diff(o, held, err);
  }
  out << held.str() << std::flush;
  return rc;
}

}  // namespace

void add_diff_verbs(CLI::App& app, VerbSet& v) {
  auto o = std::make_shared<real::DiffOptions>();
  auto pf = std::make_shared<ProgressFlags>();
  auto* d = app.add_subcommand("diff", "Run a scenario in simulation and against real etcd (127.0.0.x), compare outcomes");
  d->add_option("scenario", o->scenario_file, "scenario file")->required();
  d->add_option("--real-etcd", o->real_etcd, "etcd binary (default /usr/bin/etcd; apt-get installs etcd-server when missing)");
  d->add_option("--time-scale", o->time_scale, "real seconds per scenario second (default 1)");
  d->add_option("--settle", o->settle_s, "seconds an observation may wait for the real cluster to settle (default 10)");
  d->add_flag("--json", o->json, "print one JSON report");
  d->add_flag("--row", o->row, "print one markdown table row (scripts/fidelity.sh)");
  d->add_option("--loopback-net", o->loopback_net, "N: hosts get 127.0.N.11, 127.0.N.12, ... (default 0; for concurrent diffs)");
  d->add_flag("--no-netns", o->no_netns, "run the real etcd processes without a private network namespace (partitions are then refused)");
  d->add_flag("--keep", o->keep, "keep the temp dir with the real logs and data dirs");
  add_progress_flags(d, pf.get());
  v.add(d, [o, pf](std::ostream& out, std::ostream& err) { return run_diff_with_progress(*o, *pf, out, err); });
}

}  // namespace raftlab::tools
