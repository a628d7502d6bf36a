// sim/etcdctl.h — a scenario timeline's `etcdctl ...` command: parsed, run against the
// world through the network like the real client, its output recorded in the trace
// (a Note with what etcdctl would print).
//
// Supported: put KEY VALUE | get KEY [--consistency=s] | member add NAME
// --peer-urls=URL[,URL] | member remove ID | member list | endpoint status.
// `member remove` also accepts a member's name (resolved through the member list).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/world.h"

namespace raftlab::sim {

struct EtcdctlCommand {
  ClientRequest req;
  std::string remove_name;              // member remove by name
  std::string add_name;                 // member add NAME
  std::vector<std::string> endpoints;   // --endpoints
  std::string write_out = "simple";     // -w / --write-out: simple | table
  std::string error;                    // parse error (etcdctl's wording where it has one)
};

EtcdctlCommand parse_etcdctl(const std::string& command);

// Runs `command` against `endpoints` (member handles or URLs); calls done (optional)
// with the result and the text etcdctl would print.
void run_etcdctl(World& w, const std::string& command, const std::vector<std::string>& endpoints,
                 std::function<void(const ClientResult&, const std::string& output)> done);

}  // namespace raftlab::sim
