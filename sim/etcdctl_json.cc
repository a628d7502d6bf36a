// sim/etcdctl_json.cc — etcdctl's `-w json` output and `endpoint health`, byte for byte as
// etcdctl prints them: etcd v3.5.18 etcdctl/ctlv3/command/printer_json.go (printJSON =
// json.Marshal + Println), printer.go (makeEndpointHealthTable), printer_simple.go
// (EndpointHealth), ep_command.go (epHealth, epStatus), the json tags of etcdserverpb
// (rpc.pb.go) and mvccpb (kv.pb.go). Checked against a real etcdctl 3.4.23 here
// (docs/etcd-behaviour.md, "etcdctl"). Pure formatting.
#include <cstdio>

#include "sim/etcdctl_format.h"

namespace raftlab::etcdctl {
namespace {

// A JSON object built field by field, each left out when it is its zero value.
class Obj {
 public:
  Obj& num(const char* name, uint64_t v) {
    if (v != 0) field(name) += std::to_string(v);
    return *this;
  }
  Obj& str(const char* name, const std::string& v) {
    if (!v.empty()) field(name) += go_json_string(v);
    return *this;
  }
  Obj& boolean(const char* name, bool v) {
    if (v) field(name) += "true";
    return *this;
  }
  Obj& raw(const char* name, const std::string& json) {
    if (!json.empty()) field(name) += json;
    return *this;
  }
  Obj& strings(const char* name, const std::vector<std::string>& v) {
    if (v.empty()) return *this;
    std::string& out = field(name);
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out += ',';
      out += go_json_string(v[i]);  // appended piecewise: `"," + std::string` trips GCC 12's false -Wrestrict
    }
    out += ']';
    return *this;
  }
  [[nodiscard]] std::string done() const { return "{" + body_ + "}"; }

 private:
  std::string& field(const char* name) {
    if (!body_.empty()) body_ += ',';
    body_ += '"';
    body_ += name;
    body_ += "\":";
    return body_;
  }
  std::string body_;
};

std::string header(const ResponseHeader& h) {
  return Obj().num("cluster_id", h.cluster_id).num("member_id", h.member_id).num("revision", h.revision)
      .num("raft_term", h.raft_term).done();
}

// etcdserverpb.Member: ID, name, peerURLs, clientURLs, isLearner.
std::string member(const MemberRow& m) {
  return Obj().num("ID", m.id).str("name", m.name).strings("peerURLs", m.peer_urls)
      .strings("clientURLs", m.client_urls).boolean("isLearner", m.is_learner).done();
}

std::string members(const std::vector<MemberRow>& ms) {
  if (ms.empty()) return "";
  std::string out = "[";
  for (size_t i = 0; i < ms.size(); ++i) {
    if (i) out += ',';
    out += member(ms[i]);
  }
  return out + "]";
}

std::string array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i];
  }
  return out + "]";
}

}  // namespace

std::string go_json_string(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    switch (s[i]) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (u < 0x20 || s[i] == '<' || s[i] == '>' || s[i] == '&') {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else if (u == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";  // as Go escapes them
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out + "\"";
}

std::string base64_std(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                       (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string json_put(const ResponseHeader& h) { return Obj().raw("header", header(h)).done() + "\n"; }

std::string json_get(const ResponseHeader& h, const std::vector<KeyValueRow>& kvs, bool keys_only) {
  std::vector<std::string> items;
  for (const auto& kv : kvs) {
    items.push_back(Obj().str("key", base64_std(kv.key)).num("create_revision", kv.create_revision)
                        .num("mod_revision", kv.mod_revision).num("version", kv.version)
                        .str("value", keys_only ? "" : base64_std(kv.value)).done());
  }
  return Obj().raw("header", header(h)).raw("kvs", items.empty() ? "" : array(items)).num("count", kvs.size()).done() +
         "\n";
}

std::string json_member_list(const ResponseHeader& h, const std::vector<MemberRow>& ms) {
  return Obj().raw("header", header(h)).raw("members", members(ms)).done() + "\n";
}

std::string json_member_add(const ResponseHeader& h, const MemberRow& added, const std::vector<MemberRow>& ms) {
  return Obj().raw("header", header(h)).raw("member", member(added)).raw("members", members(ms)).done() + "\n";
}

std::string json_member_remove(const ResponseHeader& h, const std::vector<MemberRow>& ms) {
  return Obj().raw("header", header(h)).raw("members", members(ms)).done() + "\n";
}

std::string json_endpoint_status(const std::vector<std::pair<EndpointStatusRow, ResponseHeader>>& rows) {
  std::vector<std::string> items;
  for (const auto& [r, h] : rows) {
    // etcdserverpb.StatusResponse: header, version, dbSize, leader, raftIndex, raftTerm,
    // raftAppliedIndex, errors, dbSizeInUse (not modelled), isLearner.
    const std::string status = Obj().raw("header", header(h)).str("version", r.version).num("dbSize", r.db_size_bytes)
                                   .num("leader", r.is_leader ? r.id : r.leader_id).num("raftIndex", r.raft_index)
                                   .num("raftTerm", r.raft_term).num("raftAppliedIndex", r.raft_applied_index)
                                   .strings("errors", r.errors).boolean("isLearner", r.is_learner).done();
    items.push_back("{\"Endpoint\":" + go_json_string(r.endpoint) + ",\"Status\":" + status + "}");
  }
  return array(items) + "\n";
}

std::string json_endpoint_health(const std::vector<EndpointHealthRow>& rows) {
  std::vector<std::string> items;
  for (const auto& r : rows) {
    // Not omitempty: endpoint, health, took; error is.
    std::string o = "{\"endpoint\":" + go_json_string(r.endpoint) + ",\"health\":" + (r.health ? "true" : "false") +
                    ",\"took\":" + go_json_string(r.took);
    if (!r.error.empty()) o += ",\"error\":" + go_json_string(r.error);
    items.push_back(o + "}");
  }
  return array(items) + "\n";
}

std::string endpoint_health_simple(const std::vector<EndpointHealthRow>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += r.error.empty() ? r.endpoint + " is healthy: successfully committed proposal: took = " + r.took + "\n"
                           : r.endpoint + " is unhealthy: failed to commit proposal: " + r.error + "\n";
  }
  return out;
}

std::string endpoint_health_table(const std::vector<EndpointHealthRow>& rows) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) cells.push_back({r.endpoint, r.health ? "true" : "false", r.took, r.error});
  return render_table({"endpoint", "health", "took", "error"}, cells);
}

}  // namespace raftlab::etcdctl
