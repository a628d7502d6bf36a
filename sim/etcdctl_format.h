// etcdctl output, byte for byte as etcd 3.5's etcdctl prints it.
//
// `endpoint status` and `member list` in the `-w table` and default `-w simple` forms.
// Facts checked against etcd v3.5.18 etcdctl/ctlv3/command/printer.go
// (makeMemberListTable, makeEndpointStatusTable), printer_table.go (tablewriter with
// SetAlignment(ALIGN_RIGHT)), printer_simple.go (cells joined with ", "), ep_command.go
// (the stderr line for an unreachable endpoint), and the libraries etcdctl 3.5 pins:
// github.com/olekukonko/tablewriter v0.0.5 (borders, centred upper-case header, cells
// wrapped at 30 columns on spaces) and github.com/dustin/go-humanize v1.0.0 (Bytes).
// Pure string formatting: no I/O, no clocks.
//
//   std::cout << raftlab::etcdctl::endpoint_status_table(rows);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace raftlab::etcdctl {

struct EndpointStatusRow {
  std::string endpoint;  // as given to etcdctl, e.g. "http://10.101.99.100:2379"
  uint64_t id = 0;       // the answering member's ID
  std::string version;   // "3.5.18"
  uint64_t db_size_bytes = 0;
  bool is_leader = false;  // etcd prints Leader == Header.MemberId
  uint64_t leader_id = 0;  // the leader the answering member knows (0: none), for -w json
  bool is_learner = false;
  uint64_t raft_term = 0;
  uint64_t raft_index = 0;
  uint64_t raft_applied_index = 0;
  std::vector<std::string> errors;  // printed joined with ", "
};

struct MemberRow {
  uint64_t id = 0;
  // etcd prints "unstarted" for a member that was added but has never run (its name is
  // still empty); started == false prints "unstarted" too.
  bool started = true;
  std::string name;
  std::vector<std::string> peer_urls;    // joined with ","
  std::vector<std::string> client_urls;  // joined with ","
  bool is_learner = false;
};

// `etcdctl endpoint status -w table`: header + one row per endpoint, each line ending "\n".
[[nodiscard]] std::string endpoint_status_table(const std::vector<EndpointStatusRow>& rows);
// `etcdctl endpoint status` (simple): "ep, id, version, size, leader, learner, term,
// index, applied, errors\n" per endpoint.
[[nodiscard]] std::string endpoint_status_simple(const std::vector<EndpointStatusRow>& rows);
[[nodiscard]] std::string member_list_table(const std::vector<MemberRow>& rows);
[[nodiscard]] std::string member_list_simple(const std::vector<MemberRow>& rows);

// What etcdctl 3.5 writes to stderr for an endpoint whose Status call failed (the row is
// left out of the table and the exit code becomes 1):
//   Failed to get the status of endpoint http://10.101.99.101:2379 (context deadline exceeded)
[[nodiscard]] std::string endpoint_status_error_line(const std::string& endpoint, const std::string& error);

// Simplified form of the client's zap warning that precedes it (real etcdctl prints a
// timestamp, caller and gRPC target too; those are left out):
//   {"level":"warn","logger":"etcd-client","msg":"retrying of unary invoker failed","endpoint":"...","error":"..."}
[[nodiscard]] std::string endpoint_status_warn_json(const std::string& endpoint, const std::string& error);

// Building blocks, exposed for tests and other etcdctl outputs.
// go-humanize v1.0.0 Bytes(): SI units, "9 B", "20 kB", "1.5 MB".
[[nodiscard]] std::string humanize_bytes(uint64_t bytes);
// fmt.Sprintf("%x", id): lowercase hex without leading zeros.
[[nodiscard]] std::string hex_id(uint64_t id);
// tablewriter v0.0.5 defaults + SetAlignment(ALIGN_RIGHT), as etcdctl configures it.
[[nodiscard]] std::string render_table(const std::vector<std::string>& header,
                                       const std::vector<std::vector<std::string>>& rows);

}  // namespace raftlab::etcdctl

// ---- `-w json` and `endpoint health` (sim/etcdctl_json.cc) -------------------------------
// etcdctl's json printer is encoding/json over the gRPC response structs
// (printer_json.go printJSON; etcdserverpb's json tags, each `omitempty`): compact, fields
// in the struct's order, zero values left out, byte strings base64, `<>&` escaped.
namespace raftlab::etcdctl {

struct ResponseHeader {  // etcdserverpb.ResponseHeader
  uint64_t cluster_id = 0, member_id = 0, revision = 0, raft_term = 0;
};

struct KeyValueRow {  // mvccpb.KeyValue
  std::string key, value;
  uint64_t create_revision = 0, mod_revision = 0, version = 0;
};

struct EndpointHealthRow {  // ep_command.go epHealth
  std::string endpoint;
  bool health = false;
  std::string took;   // time.Duration.String()
  std::string error;  // "" when healthy
};

[[nodiscard]] std::string json_put(const ResponseHeader& h);
[[nodiscard]] std::string json_get(const ResponseHeader& h, const std::vector<KeyValueRow>& kvs, bool keys_only);
[[nodiscard]] std::string json_member_list(const ResponseHeader& h, const std::vector<MemberRow>& members);
[[nodiscard]] std::string json_member_add(const ResponseHeader& h, const MemberRow& added,
                                          const std::vector<MemberRow>& members);
[[nodiscard]] std::string json_member_remove(const ResponseHeader& h, const std::vector<MemberRow>& members);
// `endpoint status -w json`: one array over the endpoints that answered, each with the
// header of its own answer. dbSizeInUse is not modelled and left out.
[[nodiscard]] std::string json_endpoint_status(const std::vector<std::pair<EndpointStatusRow, ResponseHeader>>& rows);
[[nodiscard]] std::string json_endpoint_health(const std::vector<EndpointHealthRow>& rows);
// printer_simple.go EndpointHealth: one line per endpoint, on **stderr**.
[[nodiscard]] std::string endpoint_health_simple(const std::vector<EndpointHealthRow>& rows);
// printer.go makeEndpointHealthTable.
[[nodiscard]] std::string endpoint_health_table(const std::vector<EndpointHealthRow>& rows);
// Go's encoding/json string (HTML-safe escaping, as json.Marshal does).
[[nodiscard]] std::string go_json_string(const std::string& s);
[[nodiscard]] std::string base64_std(const std::string& bytes);

}  // namespace raftlab::etcdctl
