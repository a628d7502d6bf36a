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
// The same from words already split (a script's expanded command; "etcdctl" first or not).
EtcdctlCommand parse_etcdctl_argv(std::vector<std::string> words);

// Where a run_etcdctl call comes from and how it is shown.
struct EtcdctlRun {
  HostIndex from_host = -1;   // -1: the operator's machine, outside every host
  bool note = true;           // record "$ etcdctl ...\n<output>" as a trace note
  std::string shown;          // the command as shown in the note ("" = the command)
};

// Runs `command` against `endpoints` (member handles or URLs); calls done (optional)
// with the result and the text etcdctl would print.
void run_etcdctl(World& w, const std::string& command, const std::vector<std::string>& endpoints,
                 std::function<void(const ClientResult&, const std::string& output)> done);
// The same from `argv` (a script's words) with `how`; `done` gets the exit status etcdctl
// would have (0, or 1 for an error: etcdctl's ExitError) and what it prints on stdout
// (`out`) and stderr (`err`).
void run_etcdctl_argv(World& w, const std::vector<std::string>& argv, const std::vector<std::string>& endpoints,
                      const EtcdctlRun& how,
                      std::function<void(int exit_code, const std::string& out, const std::string& err)> done);

}  // namespace raftlab::sim
