// tools/diff_cli.cc — `raftlab diff SCENARIO [--real-etcd PATH] [--time-scale X] [--json]`:
// the scenario in simulation and against real etcd processes on loopback addresses,
// outcomes compared (tools/real/diff.h, docs/fidelity.md).
#include <memory>

#include "tools/cli.h"
#include "tools/real/diff.h"
#include "tools/verbs.h"

namespace raftlab::tools {

void add_diff_verbs(CLI::App& app, VerbSet& v) {
  auto o = std::make_shared<real::DiffOptions>();
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
  v.add(d, [o](std::ostream& out, std::ostream& err) { return real::run_diff(*o, out, err); });
}

}  // namespace raftlab::tools
