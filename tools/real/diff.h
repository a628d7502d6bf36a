// tools/real/diff.h — `raftlab diff`: one scenario in simulation and against real etcd
// processes on loopback addresses, outcomes compared field by field (docs/fidelity.md).
//
//   DiffOptions o; o.scenario_file = "scenarios/membership/join-new-into-running.json";
//   int rc = run_diff(o, std::cout, std::cerr);   // 0 agree, 1 differ, 2 bad input, 3 no/broken etcd,
                                                  // 4 not comparable (something not applied on the real side)
//
// Must never: bind or contact anything but 127.0.0.x; leave a process it started running;
// wait without a bound.
#pragma once

#include <ostream>
#include <string>

namespace raftlab::real {

struct DiffOptions {
  std::string scenario_file;
  std::string real_etcd;       // path of the etcd binary ("" = /usr/bin/etcd, installed when missing)
  double time_scale = 1.0;     // real seconds per scenario second
  double settle_s = 10.0;      // how long an observation may wait for the real cluster to settle
  bool json = false;
  bool row = false;            // one markdown table row (scripts/fidelity.sh)
  bool keep = false;           // keep the temp dir (logs, data dirs)
  int loopback_net = 0;        // hosts on 127.0.<net>.11, .12, ...
  bool install = true;         // apt-get etcd-server etcd-client when etcd is missing
  bool no_netns = false;       // run without the private network namespace (partitions refused)
};

int run_diff(const DiffOptions& o, std::ostream& out, std::ostream& err);

}  // namespace raftlab::real
