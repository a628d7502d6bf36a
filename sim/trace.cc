#include "sim/trace.h"

#include <openssl/evp.h>

#include <cstdio>

#include <nlohmann/json.hpp>

namespace raftlab::sim {

const char* ev_name(Ev e) {
  switch (e) {
    case Ev::RunStart: return "run_start";
    case Ev::Note: return "note";
    case Ev::HostDown: return "host_down";
    case Ev::HostUp: return "host_up";
    case Ev::Partition: return "partition";
    case Ev::Heal: return "heal";
    case Ev::ProcStart: return "proc_start";
    case Ev::ProcExit: return "proc_exit";
    case Ev::Log: return "log";
    case Ev::Bootstrap: return "bootstrap";
    case Ev::Role: return "role";
    case Ev::Apply: return "apply";
    case Ev::Send: return "send";
    case Ev::Deliver: return "deliver";
    case Ev::Drop: return "drop";
    case Ev::Reject: return "reject";
    case Ev::Member: return "member";
    case Ev::ClientCall: return "client_call";
    case Ev::ClientDone: return "client_done";
    case Ev::Expect: return "expect";
    case Ev::Append: return "append";
    case Ev::HardState: return "hard_state";
    case Ev::Vote: return "vote";
    case Ev::Fault: return "fault";
    case Ev::FaultEnd: return "fault_end";
    case Ev::DataLoss: return "data_loss";
    case Ev::Quiet: return "quiet";
  }
  return "?";
}

std::string hex_id(std::uint64_t id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(id));
  return buf;
}

std::string Trace::to_jsonl(const TraceEvent& e) {
  // ordered_json keeps insertion order, so the line is byte-stable.
  nlohmann::ordered_json j;
  j["t"] = e.at.ns;
  j["ev"] = ev_name(e.kind);
  if (!e.who.empty()) j["who"] = e.who;
  if (e.member_id) j["member_id"] = hex_id(e.member_id);
  if (e.cluster_id) j["cluster_id"] = hex_id(e.cluster_id);
  if (e.term) j["term"] = e.term;
  if (e.index) j["index"] = e.index;
  if (e.peer) j["peer"] = hex_id(e.peer);
  if (!e.a.empty()) j["a"] = e.a;
  if (!e.b.empty()) j["b"] = e.b;
  if (!e.c.empty()) j["c"] = e.c;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string Trace::to_jsonl() const {
  std::string out;
  for (const auto& e : events_) {
    out += to_jsonl(e);
    out += '\n';
  }
  return out;
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(len * 2);
  static const char* digits = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    hex += digits[md[i] >> 4];
    hex += digits[md[i] & 15];
  }
  return hex;
}

std::string Trace::sha256() const { return sha256_hex(to_jsonl()); }

}  // namespace raftlab::sim
