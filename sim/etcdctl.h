// sim/etcdctl.h — a scenario timeline's (or a script's) `etcdctl ...` command: parsed as
// etcdctl 3.5 parses it, run against the world through the network like the real client,
// its output recorded in the trace (a Note with what etcdctl would print) and handed back
// with etcdctl's exit code.
//
// Modelled (etcd v3.5.18 etcdctl/ctlv3, checked against a real etcdctl 3.4.23 here):
//   put KEY VALUE | get KEY [--prefix --consistency=s] [--keys-only] [--print-value-only]
//   member add NAME --peer-urls=URL[,URL] | member remove HEXID | member list
//   endpoint status [--cluster] | endpoint health [--cluster]
//   user add NAME[:PW] [--new-user-password PW] [--interactive=false] | user delete NAME |
//   user passwd NAME --new-user-password PW | user grant-role USER ROLE | role add NAME |
//   role grant-permission ROLE read|write|readwrite KEY [END] [--prefix] |
//   auth enable | auth disable | auth status; --user NAME[:PW] and --password on any command
// Global flags: --endpoints, -w/--write-out simple|table|json (fields and protobuf are
// refused as not modelled; anything else is etcdctl's "unsupported output format", exit 4),
// --command-timeout (default 5s), --dial-timeout (accepted; dialling is immediate here).
// Every other real etcdctl command (del, watch, txn, lease, move-leader, ...) is refused
// by name as not modelled; an unknown one gets cobra's wording. docs/etcd-behaviour.md
// ("etcdctl") has each rule with its source.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/world.h"

namespace raftlab::sim {

enum class EtcdctlVerb : std::uint8_t {
  None, Put, Get, MemberAdd, MemberRemove, MemberList, EndpointStatus, EndpointHealth,
  // auth_command.go, user_command.go, role_command.go: one auth request each (req.auth_op);
  // AuthEnable also adds and grants the root role on ErrRootRoleNotExist, as etcdctl does.
  UserAdd, UserDelete, UserPasswd, UserGrantRole, RoleAdd, RoleGrantPermission, AuthEnable, AuthDisable, AuthStatus
};

struct EtcdctlCommand {
  EtcdctlVerb verb = EtcdctlVerb::None;
  ClientRequest req;
  std::string add_name;                 // member add NAME
  std::string peer_urls_flag;           // member add --peer-urls, as written (printed back)
  std::vector<std::string> endpoints;   // --endpoints
  std::string write_out = "simple";     // -w / --write-out: simple | table | json
  bool cluster = false;                 // endpoint status/health --cluster
  bool keys_only = false, print_value_only = false;  // get
  Duration command_timeout = seconds(5);               // --command-timeout
  // --user NAME:PW, or --user NAME --password PW: authenticated when the client is made
  // (clientv3 getToken); "" = no credentials.
  std::string user, password;
  std::string error;                    // parse error (etcdctl's wording where it has one)
  int exit_code = 0;                    // etcdctl's exit code for `error` (1, 4 or 128)
  bool not_modelled = false;            // `error` is raftlab's: a real feature the model lacks
};

EtcdctlCommand parse_etcdctl(const std::string& command);
// The same from words already split (a script's expanded command; "etcdctl" first or not).
EtcdctlCommand parse_etcdctl_argv(std::vector<std::string> words);

// Go's time.Duration.String() of `ns` ("1.5ms", "850µs", "2s"), as etcdctl prints `took`.
std::string go_duration_string(std::int64_t ns);
// Go's time.ParseDuration for etcdctl's duration flags; nullopt when Go would refuse it.
std::optional<Duration> parse_go_duration(const std::string& text);

// Where a run_etcdctl call comes from and how it is shown.
struct EtcdctlRun {
  HostIndex from_host = -1;   // -1: the operator's machine, outside every host
  bool note = true;           // record "$ etcdctl ...\n<output>" as a trace note
  std::string shown;          // the command as shown in the note ("" = the command)
};

// Runs `command` against `endpoints` (member handles or URLs); calls done (optional)
// with the result and the text etcdctl would print (stdout, then stderr).
void run_etcdctl(World& w, const std::string& command, const std::vector<std::string>& endpoints,
                 std::function<void(const ClientResult&, const std::string& output)> done);
// The same from `argv` (a script's words) with `how`; `done` gets the exit status etcdctl
// would have (0; 1 for an error, etcdctl's ExitError; 4 or 128 for refused arguments) and
// what it prints on stdout (`out`) and stderr (`err`).
void run_etcdctl_argv(World& w, const std::vector<std::string>& argv, const std::vector<std::string>& endpoints,
                      const EtcdctlRun& how,
                      std::function<void(int exit_code, const std::string& out, const std::string& err)> done);

// `req` as a client made with --user `user`:`password` sends it (clientv3 New: Authenticate
// first; "authentication is not enabled" is ignored and the request goes without a token;
// any other failure is the result). `user` empty: World::etcdctl as it is.
void etcdctl_as(World& w, const std::string& user, const std::string& password, ClientRequest req,
                const std::vector<std::string>& endpoints, std::function<void(const ClientResult&)> done,
                Duration timeout = seconds(5));

}  // namespace raftlab::sim
