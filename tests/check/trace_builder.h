// tests/check/trace_builder.h — hand-made traces for checker tests, written the way the
// simulator records them (docs/trace-format.md).
//
//   TraceBuilder t;
//   t.at(100).role("m1", 1, 2, "Leader").append("m1", 1, 2, 5, "normal:aa");
//   auto v = check_log_matching(t.events());
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/time.h"
#include "sim/trace.h"

namespace raftlab::check::test {

constexpr std::uint64_t kCluster = 0xc1;

class TraceBuilder {
 public:
  // Subsequent events happen at `ms` milliseconds.
  TraceBuilder& at(std::int64_t ms) {
    now_ = sim::millis(ms);
    return *this;
  }
  TraceBuilder& proc_start(const std::string& who) { return add(ev(sim::Ev::ProcStart, who)); }
  TraceBuilder& proc_exit(const std::string& who) {
    sim::TraceEvent e = ev(sim::Ev::ProcExit, who);
    e.a = "killed";
    return add(e);
  }
  // Member "mN" has member ID N.
  TraceBuilder& role(const std::string& who, std::uint64_t term, const std::string& role,
                     std::uint64_t cluster = kCluster) {
    sim::TraceEvent e = member_ev(sim::Ev::Role, who, cluster);
    e.term = term;
    e.a = role;
    return add(e);
  }
  TraceBuilder& append(const std::string& who, std::uint64_t term, std::uint64_t index, const std::string& digest,
                       std::uint64_t cluster = kCluster) {
    sim::TraceEvent e = member_ev(sim::Ev::Append, who, cluster);
    e.term = term;
    e.index = index;
    e.a = digest;
    return add(e);
  }
  TraceBuilder& apply(const std::string& who, std::uint64_t term, std::uint64_t index, const std::string& digest,
                      const std::string& put_key = "", const std::string& put_value = "",
                      std::uint64_t cluster = kCluster) {
    sim::TraceEvent e = member_ev(sim::Ev::Apply, who, cluster);
    e.term = term;
    e.index = index;
    e.a = digest;
    if (!put_key.empty()) {
      e.b = "put " + put_key;
      e.c = put_value;
    }
    return add(e);
  }
  TraceBuilder& vote(const std::string& who, std::uint64_t term, std::uint64_t candidate) {
    sim::TraceEvent e = member_ev(sim::Ev::Vote, who, kCluster);
    e.term = term;
    e.peer = candidate;
    e.a = "vote";
    return add(e);
  }
  TraceBuilder& data_loss(const std::string& who, std::uint64_t last_index, const std::string& kind = "wiped") {
    sim::TraceEvent e = member_ev(sim::Ev::DataLoss, who, kCluster);
    e.index = last_index;
    e.a = kind;
    return add(e);
  }
  // An etcd log line (`log`): message and its `k=v` fields.
  TraceBuilder& log(const std::string& who, const std::string& message, const std::string& fields) {
    sim::TraceEvent e = member_ev(sim::Ev::Log, who, kCluster);
    e.a = "info";
    e.b = message;
    e.c = fields;
    return add(e);
  }
  TraceBuilder& quiet() { return add(ev(sim::Ev::Quiet, "")); }
  TraceBuilder& call(std::uint64_t req, std::uint64_t client, const std::string& kind, const std::string& key,
                     const std::string& value = "") {
    sim::TraceEvent e = ev(sim::Ev::ClientCall, "http://m1:2379");
    e.index = req;
    e.peer = client;
    e.a = kind;
    e.b = key;
    e.c = value;
    return add(e);
  }
  // ok put: "revision=N"; ok get: found value or absent (nullptr); error: error text.
  TraceBuilder& done_put(std::uint64_t req, bool ok) {
    sim::TraceEvent e = ev(sim::Ev::ClientDone, "http://m1:2379");
    e.index = req;
    e.a = ok ? "ok" : "error";
    e.b = ok ? "revision=2" : "context deadline exceeded";
    return add(e);
  }
  TraceBuilder& done_get(std::uint64_t req, const char* value) {
    sim::TraceEvent e = ev(sim::Ev::ClientDone, "http://m1:2379");
    e.index = req;
    e.a = "ok";
    e.b = value ? "found" : "absent";
    if (value) e.c = value;
    return add(e);
  }
  // A member's view of a membership change applied at `ms` ("add"/"remove" of mN).
  TraceBuilder& member_change(const std::string& who, const std::string& change, std::uint64_t peer) {
    sim::TraceEvent e = member_ev(sim::Ev::Member, who, kCluster);
    e.a = change;
    e.peer = peer;
    return add(e);
  }
  // etcd's bootstrap decision (`bootstrap`, a = "new"): the membership it starts from
  // ("m1=http://10.0.0.1:2380,..."), the --initial-cluster-token, and whether
  // --initial-cluster was left to etcd's one-member default.
  TraceBuilder& bootstrap(const std::string& who, std::uint64_t cluster, const std::string& membership,
                          const std::string& token, bool default_initial_cluster = false) {
    sim::TraceEvent e = member_ev(sim::Ev::Bootstrap, who, cluster);
    e.a = "new";
    e.c = membership;
    e.b = "token=" + token + (default_initial_cluster ? " initial-cluster=default" : "");
    return add(e);
  }
  // An expectation's verdict as the run appends it (`expect`): its JSON path, "what =
  // expected", what the run saw.
  TraceBuilder& expect(const std::string& path, std::uint64_t verdict, const std::string& what,
                       const std::string& actual, bool passed) {
    sim::TraceEvent e = ev(sim::Ev::Expect, path);
    e.index = verdict;
    e.a = what;
    e.b = actual;
    e.c = passed ? "pass" : "fail";
    return add(e);
  }
  const std::vector<sim::TraceEvent>& events() const { return events_; }

 private:
  sim::TraceEvent ev(sim::Ev kind, const std::string& who) const {
    sim::TraceEvent e;
    e.at = now_;
    e.kind = kind;
    e.who = who;
    return e;
  }
  sim::TraceEvent member_ev(sim::Ev kind, const std::string& who, std::uint64_t cluster) const {
    sim::TraceEvent e = ev(kind, who);
    e.member_id = std::stoull(who.substr(1));
    e.cluster_id = cluster;
    return e;
  }
  TraceBuilder& add(sim::TraceEvent e) {
    events_.push_back(std::move(e));
    return *this;
  }
  sim::Time now_;
  std::vector<sim::TraceEvent> events_;
};

}  // namespace raftlab::check::test
