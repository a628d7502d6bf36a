#include "sim/cloud/cloud.h"
#include "tools/cli.h"
#include "tools/usage.h"
#include "tools/verbs.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/etcd/ids.h"
#include "sim/lab/atomic_file.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/loader.h"
#include "sim/scenario/overrides.h"
#include "tools/compare.h"
#include "tools/report/root_cause.h"
#include "tools/report/report.h"
#include "sim/etcdctl_format.h"

namespace raftlab::tools {

namespace {

using sim::Ev;
using etcdctl::EndpointStatusRow;
using etcdctl::MemberRow;
using etcdctl::endpoint_status_error_line;
using etcdctl::endpoint_status_table;
using etcdctl::member_list_table;

std::string at_text(std::int64_t ns) {
  return fmt::format("{:>4}.{:03}s", ns / 1000000000LL, (ns / 1000000LL) % 1000);
}

std::string member_name_of(const sim::World& w, std::uint64_t id) {
  for (const auto& m : w.members())
    if (m.member_id == id && id != 0) return m.name;
  return etcd::format_id(id);
}

// Routine warnings every Bitnami container prints; they say nothing about the outcome.
bool quiet_log(const sim::TraceEvent& e) {
  return e.b.rfind("unrecognized environment variable", 0) == 0 ||
         e.b.rfind("Running http and grpc server on single port", 0) == 0;
}

// The Bitnami entrypoint lines that show which way its setup went.
bool decisive_bitnami_line(const std::string& msg) {
  static const char* kLines[] = {"bitnami: Bootstrapping a new cluster", "bitnami: Adding new member to existing cluster",
                                 "bitnami: Detected data from previous deployments", "bitnami: Removing old member",
                                 "bitnami: The member is still part of the cluster", "bitnami: The remote"};
  for (const char* l : kLines)
    if (msg.rfind(l, 0) == 0) return true;
  return false;
}

// What `run`'s output reads from the trace (timeline_lines, human_summary, json_summary
// and report::root_cause): the events a streaming run keeps in memory. The rest (applies,
// WAL appends, hard states, votes, sends, deliveries, drops, faults, data loss) is hashed
// and written to --trace FILE, then dropped, and so is every client operation but the
// member-add calls, client 0's calls and the calls that fail (and the applies of route keys). RunCli.StreamedRunPrintsWhatAWholeTraceDoes
// runs every shipped scenario both ways and requires the same output.
bool summary_reads(const sim::TraceEvent& e) {
  switch (e.kind) {
    case Ev::RunStart: case Ev::Note: case Ev::HostDown: case Ev::HostUp: case Ev::Partition: case Ev::Heal:
    case Ev::ProcStart: case Ev::ProcExit: case Ev::Log: case Ev::Bootstrap: case Ev::Role: case Ev::Reject:
    case Ev::Member: case Ev::Expect: case Ev::Cloud: case Ev::Fault: case Ev::FaultEnd:
      return true;
    // report::root_cause reads the member-add calls and the errors that end them; the
    // other client operations (most of a lab run's trace) are read by nothing here.
    // root_cause_recovery (a key written before a forced restart, read back after it) and
    // root_cause_gateways (the APISIX route stories) read the calls of client 0 — the
    // operator's etcdctl, the gateways — which are few; the workload clients' (1..N) are not.
    case Ev::ClientCall: return e.a == "member-add" || e.peer == 0;
    case Ev::ClientDone: return e.a == "error" || e.peer == 0;
    case Ev::Apply: return e.b.find("/routes/") != std::string::npos && (e.b.rfind("put ", 0) == 0 || e.b.rfind("read ", 0) == 0);
    default:
      return false;
  }
}

// --trace FILE of a streaming run: the JSONL straight into the atomic writer.
class TraceFileSink final : public sim::TraceSink {
 public:
  explicit TraceFileSink(lab::AtomicFileWriter& f) : f_(f) {}
  bool write(std::string_view bytes) override { return f_.write(bytes); }

 private:
  lab::AtomicFileWriter& f_;
};

// The lines of the timeline a person wants to read: processes, leaders, errors,
// membership, faults, etcdctl output. Follower transitions and routine info are left out.
std::vector<std::string> timeline_lines(const sim::World& w) {
  std::vector<std::string> out;
  std::set<std::string> seen_errors;
  std::map<std::uint64_t, std::set<std::string>> member_changes;  // cluster -> changes already shown
  // Per cluster: its initial size (entries 1..n are its bootstrap's member adds) and the
  // highest membership entry shown; a member applying an entry at or below them is
  // replaying the cluster's history (a joiner catching up), not changing it now.
  std::map<std::uint64_t, std::uint64_t> initial_size, newest_change;
  for (const auto& e : w.trace().events()) {
    const std::string t = at_text(e.at.ns);
    switch (e.kind) {
      case Ev::ProcStart:
        // A bare etcd runs as a process on the host; anything else is a docker container.
        out.push_back(fmt::format("{}  {:<8} {} started ({})", t, e.who, e.a == "etcd" ? "process" : "container", e.a));
        break;
      case Ev::ProcExit:
        if (e.a == "exited")
          out.push_back(fmt::format("{}  {:<8} exited: {}", t, e.who, e.b));
        else if (e.a == "refused")
          out.push_back(fmt::format("{}  {:<8} not started: {}", t, e.who, e.b));
        else
          out.push_back(fmt::format("{}  {:<8} {}", t, e.who, e.a));
        break;
      case Ev::Bootstrap:
        if (e.a == "new") initial_size[e.cluster_id] = std::max(initial_size[e.cluster_id], e.index);
        out.push_back(fmt::format("{}  {:<8} etcd {} member {} in cluster {}{}", t, e.who,
                                  e.a == "new" ? "bootstrapped a NEW cluster as" :
                                  e.a == "existing" ? "joined an EXISTING cluster as" : "restarted from its data dir as",
                                  etcd::format_id(e.member_id), etcd::format_id(e.cluster_id),
                                  e.a == "new" ? fmt::format(" (initial cluster of {})", e.index) : ""));
        break;
      case Ev::Role:
        if (e.a == "Leader")
          out.push_back(fmt::format("{}  {:<8} became LEADER at term {} (cluster {})", t, e.who, e.term,
                                    etcd::format_id(e.cluster_id)));
        break;
      case Ev::Log:
        if (quiet_log(e)) break;
        if (e.a == "warn" || e.a == "error" || e.a == "fatal" || decisive_bitnami_line(e.b)) {
          const std::string key = e.who + "|" + e.b;
          if (!seen_errors.insert(key).second) break;
          out.push_back(fmt::format("{}  {:<8} {}: {}{}", t, e.who, e.a, e.b, e.c.empty() ? "" : " (" + e.c + ")"));
        }
        break;
      case Ev::Member: {
        const std::string key = e.a + "|" + std::to_string(e.peer);
        if (e.a == "publish" || !member_changes[e.cluster_id].insert(key).second) break;
        const bool replay = e.index <= initial_size[e.cluster_id] || e.index < newest_change[e.cluster_id];
        const std::string change = fmt::format("{} member {}{}", e.a == "add" ? "added" : "removed",
                                               etcd::format_id(e.peer), e.b.empty() ? "" : " " + e.b);
        if (replay) {
          out.push_back(fmt::format("{}  {:<8} replays cluster {}'s entry {} (from before it joined): {}", t, e.who,
                                    etcd::format_id(e.cluster_id), e.index, change));
        } else {
          newest_change[e.cluster_id] = e.index;
          out.push_back(fmt::format("{}  cluster {} {} (entry {}, {} applies it first)", t, etcd::format_id(e.cluster_id),
                                    change, e.index, e.who));
        }
        break;
      }
      case Ev::Cloud: {
        // The cloud layer (sim/cloud): instances, the group's lifecycle, targets, and what
        // scripts on instances print and call. Container starts are shown by ProcStart.
        if (e.a == "container" || e.a == "package") break;
        std::string text = e.b;
        std::string indented;
        for (char c : text) {
          indented += c;
          if (c == '\n') indented += "                 ";
        }
        out.push_back(fmt::format("{}  {:<8} {}: {}", t, e.who, e.a, indented));
        break;
      }
      case Ev::Fault:
        // A fault of the nemesis (or the file's "faults"), with the file's note for it.
        out.push_back(fmt::format("{}  fault {}: {}{}", t, e.a, e.b, e.c.empty() ? "" : " — " + e.c));
        break;
      case Ev::FaultEnd:
        out.push_back(fmt::format("{}  fault {} over{}{}", t, e.a, e.who.empty() ? "" : " (" + e.who + ")",
                                  e.b.empty() ? "" : ": " + e.b));
        break;
      case Ev::HostDown: out.push_back(fmt::format("{}  host {} DOWN", t, e.who)); break;
      case Ev::HostUp: out.push_back(fmt::format("{}  host {} back up", t, e.who)); break;
      case Ev::Partition: out.push_back(fmt::format("{}  network partition {}", t, e.a)); break;
      case Ev::Heal: out.push_back(fmt::format("{}  network healed", t)); break;
      case Ev::Note: {
        std::string text = e.a;
        std::string indented;
        for (char c : text) {
          indented += c;
          if (c == '\n') indented += "                 ";
        }
        out.push_back(fmt::format("{}  {}", t, indented));
        break;
      }
      default:
        break;
    }
  }
  (void)member_name_of;
  return out;
}

std::string role_word(raft::Role r) {
  switch (r) {
    case raft::Role::Leader: return "leader";
    case raft::Role::Candidate: return "candidate";
    case raft::Role::PreCandidate: return "pre-candidate";
    case raft::Role::Follower: return "follower";
  }
  return "?";
}

}  // namespace

std::string human_summary(const sim::Deployment& d, const sim::RunResult& r, const std::string& file) {
  return human_summary(d, r, file, Palette{});
}

std::string human_summary(const sim::Deployment& d, const sim::RunResult& r, const std::string& file, const Palette& p) {
  const sim::World& w = const_cast<sim::Deployment&>(d).world();
  std::string o;
  o += fmt::format("seed={} scenario={} file={}\n", r.seed, r.scenario, file);
  const std::string& desc = d.scenario().description;
  if (!desc.empty()) o += fmt::format("\n{}\n", desc);
  if (!r.warnings.empty()) {
    // The same warning for several members is printed once, naming them all.
    std::vector<std::pair<std::string, std::vector<std::string>>> grouped;
    for (const auto& wline : r.warnings) {
      const auto colon = wline.find("): ");
      // "etcd1 ($.members[0].docker): ..." groups as etcd1; a place in the file is kept:
      // "etcd1 (line 45, column 34): ..." groups as that.
      const size_t sp = wline.find(' ');
      const bool place = colon != std::string::npos && wline.compare(sp + 1, 6, "(line ") == 0;
      const std::string who = colon == std::string::npos ? "" : place ? wline.substr(0, colon + 1) : wline.substr(0, sp);
      const std::string text = colon == std::string::npos ? wline : wline.substr(colon + 3);
      auto it = std::find_if(grouped.begin(), grouped.end(), [&](const auto& g) { return g.first == text; });
      if (it == grouped.end()) grouped.push_back({text, {who}}); else it->second.push_back(who);
    }
    o += "\nWarnings:\n";
    for (const auto& [text, whos] : grouped) {
      const bool anyone = std::any_of(whos.begin(), whos.end(), [](const std::string& x) { return !x.empty(); });
      o += anyone ? fmt::format("  {} {}: {}\n", p.warn("!"), fmt::join(whos, ", "), text)
                  : fmt::format("  {} {}\n", p.warn("!"), text);
    }
  }
  o += "\nTimeline:\n";
  auto lines = timeline_lines(w);
  const size_t max_lines = d.scenario().cloud ? 400 : 120;  // a cloud story has more to tell
  for (size_t i = 0; i < lines.size() && i < max_lines; ++i) {
    std::string line = lines[i];
    if (p.on) {
      for (const char* word : {"became LEADER"})
        if (auto at = line.find(word); at != std::string::npos) line.replace(at, std::strlen(word), p.leader(word));
      for (const char* word : {"warn:", "error:", "fatal:"})
        if (auto at = line.find(word); at != std::string::npos) line.replace(at, std::strlen(word), p.warn(word));
    }
    o += "  " + line + "\n";
  }
  if (lines.size() > max_lines) o += fmt::format("  ... {} more lines (use --trace FILE for everything)\n", lines.size() - max_lines);

  o += fmt::format("\nMembers at {}:\n", sim::format_duration(sim::nanos(r.end_ns)));
  // Columns as wide as their longest cell (cloud instances are named by their IDs).
  size_t name_w = 8, host_w = 5;
  for (const auto& m : r.members) {
    name_w = std::max(name_w, m.name.size());
    host_w = std::max(host_w, m.host.size());
  }
  // The role column is as wide as its longest word ("pre-candidate"), padded before
  // it is coloured so the columns stay aligned.
  size_t role_w = 4;
  for (const auto& m : r.members) role_w = std::max(role_w, (m.running ? role_word(m.role) : std::string("-")).size());
  o += fmt::format("  {:<{}} {:<{}} {:<17} {:<17} {:<{}} {:>5}  {}\n", "NAME", name_w, "HOST", host_w, "MEMBER ID",
                   "CLUSTER ID", "ROLE", role_w, "TERM", "STATE");
  for (const auto& m : r.members) {
    const std::string role = fmt::format("{:<{}}", m.running ? role_word(m.role) : "-", role_w);
    const std::string shown = !m.running                           ? role
                              : m.role == raft::Role::Leader       ? p.leader(role)
                              : m.role == raft::Role::Follower     ? role
                                                                   : p.candidate(role);
    o += fmt::format("  {:<{}} {:<{}} {:<17} {:<17} {} {:>5}  {}\n", m.name, name_w, m.host, host_w,
                     m.member_id ? etcd::format_id(m.member_id) : "-", m.cluster_id ? etcd::format_id(m.cluster_id) : "-",
                     shown, m.running ? std::to_string(m.term) : "-", m.state);
  }
  o += fmt::format("\nClusters: {}\n", r.clusters.size());
  for (const auto& c : r.clusters) {
    o += fmt::format("  cluster {}: running [{}] of {} voters; leader {}; quorum {}\n", etcd::format_id(c.cluster_id),
                     fmt::join(c.running, ", "), c.voters.size(), c.leaders.empty() ? "none" : fmt::format("{}", fmt::join(c.leaders, ", ")),
                     c.quorum ? "yes" : "NO");
  }
  if (!r.config_errors.empty()) {
    // Also among the warnings; here as part of the verdict (sim/deploy_config_errors.cc).
    o += "\nConfiguration errors:\n";
    for (const auto& c : r.config_errors)
      o += fmt::format("  {}  {} {}: {}\n", c.expected ? "EXPECTED" : "FAIL", c.member, c.flag.empty() ? c.path : c.flag,
                       c.error);
  }
  size_t unexpected_config = 0;
  for (const auto& c : r.config_errors) unexpected_config += c.expected ? 0 : 1;
  if (r.expectations.empty() && unexpected_config > 0)
    o += fmt::format("\nResult: {} ({} configuration error(s))\n", p.fail("FAIL"), unexpected_config);
  if (!r.expectations.empty()) {
    o += "\nExpectations:\n";
    size_t passed = 0;
    for (const auto& e : r.expectations) {
      passed += e.passed ? 1 : 0;
      o += fmt::format("  {}  at {:>6}  {} = {}  (actual: {})\n", e.passed ? p.pass("PASS") : p.fail("FAIL"),
                       sim::format_duration(sim::nanos(e.at_ns)), e.what, e.expected, e.actual);
      if (!e.passed && !e.note.empty()) o += "        why: " + e.note + "\n";
    }
    o += fmt::format("\nResult: {} ({}/{} expectations hold{})\n", r.passed ? p.pass("PASS") : p.fail("FAIL"), passed, r.expectations.size(),
                     unexpected_config ? fmt::format("; {} configuration error(s)", unexpected_config) : "");
  }
  if (!r.stopped.empty()) {
    o += fmt::format("\nSTOPPED: {}\n", r.stopped);
    if (r.expectations.empty()) o += "\nResult: FAIL (stopped by --max-events)\n";
  }
  if (w.trace().on()) o += report::root_cause_text(report::root_cause(w.trace().events(), r, file));
  o += fmt::format("trace_sha256={} events={}\n", r.trace_sha256, r.events);
  return o;
}

std::string json_summary(const sim::RunResult& r, const report::RootCause* cause) {
  nlohmann::ordered_json j;
  j["scenario"] = r.scenario;
  j["seed"] = r.seed;
  j["passed"] = r.passed;
  if (!r.stopped.empty()) j["stopped"] = r.stopped;
  auto& ex = j["expectations"] = nlohmann::ordered_json::array();
  for (const auto& e : r.expectations) {
    nlohmann::ordered_json x;
    x["at"] = sim::format_duration(sim::nanos(e.at_ns));
    x["what"] = e.what;
    x["expected"] = e.expected;
    x["actual"] = e.actual;
    x["passed"] = e.passed;
    ex.push_back(x);
  }
  nlohmann::ordered_json fin;
  fin["clusters"] = nlohmann::ordered_json::array();
  std::vector<std::string> leaders;
  bool quorum = !r.clusters.empty();
  // Members by name and by ID both: voters are known by ID (a voter may never have run
  // here), running members and leaders by name; each list comes with the other form.
  auto id_of = [&](const std::string& name) {
    for (const auto& m : r.members)
      if (m.name == name && m.member_id != 0) return etcd::format_id(m.member_id);
    return std::string();
  };
  auto name_of = [&](std::uint64_t cluster, std::uint64_t id) {
    for (const auto& m : r.members)
      if (m.member_id == id && m.cluster_id == cluster) return m.name;
    for (const auto& m : r.members)
      if (m.member_id == id) return m.name;
    return std::string();  // a voter no member of this run is (any longer)
  };
  for (const auto& c : r.clusters) {
    nlohmann::ordered_json cj;
    cj["cluster_id"] = etcd::format_id(c.cluster_id);
    cj["running"] = c.running;
    std::vector<std::string> running_ids;
    for (const auto& n : c.running) running_ids.push_back(id_of(n));
    cj["running_ids"] = running_ids;
    std::vector<std::string> voters, voter_names;
    for (auto v : c.voters) {
      voters.push_back(etcd::format_id(v));
      voter_names.push_back(name_of(c.cluster_id, v));
    }
    cj["voters"] = voters;
    cj["voter_names"] = voter_names;
    cj["leaders"] = c.leaders;
    std::vector<std::string> leader_ids;
    for (const auto& n : c.leaders) leader_ids.push_back(id_of(n));
    cj["leader_ids"] = leader_ids;
    cj["quorum"] = c.quorum;
    fin["clusters"].push_back(cj);
    for (const auto& l : c.leaders) leaders.push_back(l);
    quorum = quorum && c.quorum;
  }
  fin["leaders"] = leaders;
  fin["quorum"] = quorum;
  j["final"] = fin;
  j["warnings"] = r.warnings;
  auto& ce = j["config_errors"] = nlohmann::ordered_json::array();
  for (const auto& c : r.config_errors)
    ce.push_back({{"member", c.member}, {"path", c.path}, {"flag", c.flag}, {"error", c.error}, {"fix", c.fix},
                  {"expected", c.expected}});
  j["trace_sha256"] = r.trace_sha256;
  if (cause != nullptr) j["root_cause"] = report::root_cause_json(*cause);
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string status_tables(const std::vector<sim::MemberView>& members, const std::vector<std::string>& endpoints,
                          std::int64_t now_ns, bool json) {
  auto endpoint_of = [&](size_t i) { return i < endpoints.size() ? endpoints[i] : members[i].client_url; };
  std::vector<EndpointStatusRow> rows;
  std::string errors;
  nlohmann::ordered_json j;
  j["at"] = sim::format_duration(sim::nanos(now_ns));
  j["endpoints"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    const std::string ep = endpoint_of(i);
    if (!m.ready) {
      // Not running, or running but not serving clients yet (no quorum to publish).
      const std::string err = "context deadline exceeded";
      errors += endpoint_status_error_line(ep, err) + "\n";
      j["endpoints"].push_back({{"name", m.name}, {"endpoint", ep}, {"error", err}, {"state", m.state}});
      continue;
    }
    EndpointStatusRow r;
    r.endpoint = ep;
    r.id = m.status.member_id;
    r.version = m.status.version;
    r.db_size_bytes = m.status.db_size;
    r.is_leader = m.status.leader == m.status.member_id;
    r.raft_term = m.status.raft_term;
    r.raft_index = m.status.raft_index;
    r.raft_applied_index = m.status.raft_applied_index;
    r.errors = m.status.errors;
    rows.push_back(r);
    j["endpoints"].push_back({{"name", m.name},
                              {"endpoint", ep},
                              {"id", etcd::format_id(r.id)},
                              {"cluster_id", etcd::format_id(m.cluster_id)},
                              {"version", r.version},
                              {"db_size", r.db_size_bytes},
                              {"is_leader", r.is_leader},
                              {"raft_term", r.raft_term},
                              {"raft_index", r.raft_index},
                              {"raft_applied_index", r.raft_applied_index},
                              {"errors", r.errors}});
  }
  std::string o;
  o += fmt::format("$ etcdctl --endpoints={} endpoint status -w table\n", [&] {
    std::vector<std::string> eps;
    for (size_t i = 0; i < members.size(); ++i) eps.push_back(endpoint_of(i));
    return fmt::format("{}", fmt::join(eps, ","));
  }());
  o += errors;
  o += endpoint_status_table(rows);
  j["member_lists"] = nlohmann::ordered_json::array();
  // Members that print the same list are shown once, naming who agrees (the JSON keeps
  // one list per member asked).
  struct ListGroup {
    std::string table;
    std::vector<size_t> asked;
  };
  std::vector<ListGroup> groups;
  for (size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    if (!m.ready) continue;
    std::vector<MemberRow> mr;
    nlohmann::ordered_json lj = nlohmann::ordered_json::array();
    for (const auto& rec : m.members) {
      MemberRow row;
      row.id = rec.id;
      row.started = !rec.name.empty();
      row.name = rec.name;
      row.peer_urls = rec.peer_urls;
      row.client_urls = rec.client_urls;
      row.is_learner = rec.is_learner;
      mr.push_back(row);
      lj.push_back({{"id", etcd::format_id(rec.id)}, {"status", row.started ? "started" : "unstarted"}, {"name", rec.name},
                    {"peer_urls", rec.peer_urls}, {"client_urls", rec.client_urls}, {"is_learner", rec.is_learner}});
    }
    std::string table = member_list_table(mr);
    auto g = std::find_if(groups.begin(), groups.end(), [&](const ListGroup& x) { return x.table == table; });
    if (g == groups.end())
      groups.push_back({std::move(table), {i}});
    else
      g->asked.push_back(i);
    j["member_lists"].push_back({{"asked", m.name}, {"endpoint", endpoint_of(i)}, {"members", lj}});
  }
  for (const auto& g : groups) {
    const auto& first = members[g.asked.front()];
    std::string who = "asked " + first.name;
    if (g.asked.size() > 1) {
      std::vector<std::string> others;
      for (size_t k = 1; k < g.asked.size(); ++k) others.push_back(members[g.asked[k]].name);
      who += fmt::format("; {} print{} the same list", fmt::join(others, ", "), others.size() == 1 ? "s" : "");
    } else if (groups.size() > 1) {
      who += "; no other member prints this list";
    }
    o += fmt::format("\n$ etcdctl --endpoints={} member list -w table      # {}\n", endpoint_of(g.asked.front()), who);
    o += g.table;
  }
  if (json) return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  return o;
}

std::string status_tables(const sim::World& w, bool json) {
  const auto members = w.members();
  std::vector<std::string> endpoints;
  for (const auto& m : members) endpoints.push_back(w.endpoint_url(m.name));
  return status_tables(members, endpoints, w.now().ns, json);
}

namespace {

int load(const std::string& file, std::optional<scenario::Scenario>* out, std::ostream& err,
         const scenario::Overrides& over = {}) {
  scenario::LoadResult lr = scenario::load_file_with(file, over);
  if (!lr.ok()) {
    for (const auto& e : lr.errors) err << scenario::format(e) << "\n";
    if (lr.truncated) err << "(more errors not shown)\n";
    return kExitBadInput;
  }
  *out = std::move(lr.scenario);
  return kExitOk;
}

std::unique_ptr<sim::Deployment> build(const scenario::Scenario& s, const sim::RunOptions& ro, std::ostream& err) {
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(s, ro, &errors);
  if (!d) {
    for (const auto& e : errors) err << scenario::format(e) << "\n";
  }
  return d;
}

// Whether a verb was asked for machine-read output (never coloured).
bool machine_output(const CLI::App* sub) {
  for (const char* flag : {"--json", "--row"})
    if (const CLI::Option* o = sub->get_option_no_throw(flag); o != nullptr && o->count() > 0) return true;
  if (const CLI::Option* o = sub->get_option_no_throw("--write-out"); o != nullptr && o->count() > 0)
    return o->as<std::string>() == "json";
  return false;
}

sim::TraceLevel parse_level(const std::string& s) {
  if (s == "off") return sim::TraceLevel::Off;
  if (s == "full") return sim::TraceLevel::Full;
  return sim::TraceLevel::Default;
}

}  // namespace


int run_cli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  try {
    CLI::App app{"raftlab — deterministic simulator and fault-injection lab for etcd-style Raft clusters"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "raftlab 0.1.0");

    std::string file, trace_file, level = "default", at, format = "table";
    std::uint64_t seed = 0;
    bool json = false;

    auto* run = app.add_subcommand("run", "Run a scenario: timeline, final clusters, expectations (exit 0 all hold, 1 one fails, 2 bad input)");
    run->add_option("scenario", file, "Scenario file (JSON with comments)")->required();
    auto* seed_opt = run->add_option("--seed", seed, "Root seed (default: the scenario's)")->check(kWholeNumber);
    run->add_flag("--json", json, "Print one JSON object instead of the summary");
    run->add_option("--trace", trace_file, "Write the full typed trace as JSON Lines to FILE");
    run->add_option("--trace-level", level, "Trace detail: off, default, full (every message)")
        ->check(CLI::IsMember({"off", "default", "full"}));
    std::string trace_format = "jsonl", html_file;
    run->add_option("--trace-format", trace_format,
                    "--trace FILE as jsonl (the typed trace) or chrome (Trace Event JSON for ui.perfetto.dev)")
        ->check(CLI::IsMember({"jsonl", "chrome"}));
    run->add_option("--html", html_file, "Also write the run's HTML report to FILE (raftlab report)");
    std::uint64_t max_events = 0;
    bool keep_trace = false;
    run->add_flag("--keep-trace", keep_trace,
                  "Hold every trace event in memory to the end (by default the trace is streamed to its hash and "
                  "--trace FILE and only the events the summary reads are held: same output, bounded memory)");
    run->add_option("--max-events", max_events,
                    "Stop the run after N simulation events (memory grows with them); a stopped run says so and "
                    "is not a pass (exit 1)")
        ->check(kEventLimit);
    scenario::Overrides over;
    add_override_options(run, &over);
    std::string color = "auto";  // every verb's --color (tools/color.h)
    add_color_option(run, &color);

    auto* status = app.add_subcommand("status", "What `etcdctl endpoint status` and `member list` print at time T");
    status->add_option("scenario", file, "Scenario file")->required();
    status->add_option("--at", at, "Virtual time, e.g. 30s or 1500ms")->required();
    status->add_option("-w,--write-out", format, "table or json")->check(CLI::IsMember({"table", "json"}));
    auto* status_seed = status->add_option("--seed", seed, "Root seed (default: the scenario's)")->check(kWholeNumber);

    std::string broken, fixed;
    auto* compare = app.add_subcommand("compare", "Run a broken and a fixed scenario and explain the difference side by side");
    compare->add_option("broken", broken, "The scenario that shows the problem")->required();
    compare->add_option("fixed", fixed, "The scenario with the fix")->required();

    VerbSet verbs;
    add_lab_verbs(app, verbs);
    add_bench_verbs(app, verbs);
    add_diff_verbs(app, verbs);
    add_report_verbs(app, verbs);
    add_experiment_verbs(app, verbs);
    add_chaos_verbs(app, verbs);
    add_examples(app);
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
      if (sub->get_option_no_throw("--color") == nullptr) add_color_option(sub, &color);

    // An unknown subcommand is named (CLI11 would only say a subcommand is required).
    if (argv.size() >= 2 && !argv[1].empty() && argv[1][0] != '-') {
      std::vector<std::string> kCommands;
      for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) kCommands.push_back(sub->get_name());
      if (std::find(kCommands.begin(), kCommands.end(), argv[1]) == kCommands.end()) {
        const std::string near = scenario::closest_match(argv[1], kCommands);
        err << "raftlab: unknown command \"" << argv[1] << "\""
            << (near.empty() ? "" : " — did you mean \"" + near + "\"?") << "\n"
            << usage_text();
        return kExitBadInput;
      }
    }

    std::vector<const char*> cargv;
    for (const auto& a : argv) cargv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(cargv.size()), cargv.data());
    } catch (const CLI::ParseError& e) {
      // --help / --version are "successful" parse errors: CLI11 prints them.
      if (e.get_exit_code() == 0) {
        (void)app.exit(e, out, err);
        return kExitOk;
      }
      // A verb's mistake is followed by that verb's usage, not every verb's.
      const bool verb = argv.size() >= 2 && !argv[1].empty() && argv[1][0] != '-';
      err << "raftlab" << (verb ? " " + argv[1] : std::string()) << ": " << e.what() << "\n";
      err << (verb ? verb_usage(argv[1]) : usage_text());
      return kExitBadInput;
    }

    // Every verb but run (which colours its own summary) prints through ColorLines: its
    // verdict words, roles and warnings coloured on a terminal, and nothing changed in
    // machine-read output (--json, --row, -w json) or with the colour off.
    auto colored = [&](const CLI::App* sub) {
      return std::make_unique<ColorLines>(out, machine_output(sub) ? Palette{} : palette(color, &out == &std::cout ? 1 : -1));
    };
    if (compare->parsed()) return compare_scenarios(broken, fixed, colored(compare)->stream(), err);
    for (const auto& [sub, run_verb] : verbs.verbs)
      if (sub->parsed()) return run_verb(colored(sub)->stream(), err);

    std::optional<scenario::Scenario> s;
    if (int rc = load(file, &s, err, run->parsed() ? over : scenario::Overrides{}); rc != kExitOk) return rc;
    sim::RunOptions ro;
    ro.extension = cloud::extension_factory();

    if (run->parsed()) {
      // An output path that cannot be written is bad input, said before the run.
      for (const auto& [opt, path] : {std::pair<const char*, const std::string*>{"--trace", &trace_file}, {"--html", &html_file}})
        if (!path->empty())
          if (std::string problem = lab::output_file_problem(*path); !problem.empty()) {
            err << "raftlab run: " << opt << ": " << problem << "\n";
            return kExitBadInput;
          }
      if (*seed_opt) ro.seed = seed;
      ro.trace_level = parse_level(level);
      ro.max_events = max_events;
      // The streaming trace (issue 24/26): the JSONL goes to its hash and to --trace FILE
      // as it is recorded, and only the events the summary and root cause read are held.
      // A Chrome trace is built from every event, so it keeps them all.
      const bool stream = !keep_trace && trace_format == "jsonl";
      lab::AtomicFileWriter trace_out;
      TraceFileSink sink(trace_out);
      if (stream) {
        ro.trace_keep = &summary_reads;
        if (!trace_file.empty()) {
          if (std::string why = trace_out.open(trace_file); !why.empty()) {
            err << "raftlab run: --trace: " << why << " — check the directory exists, is writable and has space\n";
            return kExitInternal;
          }
          ro.trace_sink = &sink;
        }
      }
      auto d = build(*s, ro, err);
      if (!d) return kExitBadInput;
      sim::RunResult r = d->run();
      if (!trace_file.empty()) {
        // All or nothing (sim/lab/atomic_file.h); a failed write of an output the user
        // asked for is exit 3 (README, exit codes): nothing about the input is wrong.
        std::string why;
        if (stream) {
          why = trace_out.commit();
        } else {
          const std::string text = trace_format == "chrome" ? report::chrome_trace_json(d->world().trace().events(), r)
                                                            : d->world().trace().to_jsonl();
          why = lab::write_file_atomic(trace_file, text);
        }
        if (!why.empty()) {
          err << "raftlab run: --trace: " << why << " — check the directory exists, is writable and has space\n";
          return kExitInternal;
        }
      }
      std::optional<report::RootCause> cause;
      if (d->world().trace().on()) cause = report::root_cause(d->world().trace().events(), r, file);
      out << (json ? json_summary(r, cause ? &*cause : nullptr) + "\n" : human_summary(*d, r, file, palette(color, &out == &std::cout ? 1 : -1)));
      if (!html_file.empty()) {
        // The report runs the scenario again at --trace-level full, with status samples.
        std::ostringstream said;
        const int rc = report::write_report(file, *seed_opt ? std::optional<std::uint64_t>(seed) : std::nullopt,
                                            html_file, said, err);
        if (rc != kExitOk) return rc;
        if (!json) out << said.str();
      }
      return r.passed ? kExitOk : kExitExpectationFailed;
    }
    if (status->parsed()) {
      auto ns = scenario::parse_duration(at);
      if (!ns.ok) {
        err << "raftlab status: --at " << at << ": " << ns.error() << "\n";
        return kExitBadInput;
      }
      if (*status_seed) ro.seed = seed;
      ro.stop_at_ns = ns.ns;
      auto d = build(*s, ro, err);
      if (!d) return kExitBadInput;
      (void)d->run();
      // -w json is JSON alone on stdout (jq reads it); the seed line then goes to stderr.
      const std::string head =
          fmt::format("seed={} scenario={} at={}\n", d->world().seed(), s->name, sim::format_duration(sim::nanos(*ro.stop_at_ns)));
      if (format == "json")
        err << head;
      else
        out << head << "\n";
      ColorLines shown(out, format == "json" ? Palette{} : palette(color, &out == &std::cout ? 1 : -1));
      shown.stream() << status_tables(d->world(), format == "json");
      return kExitOk;
    }
    return kExitBadInput;
  } catch (const std::exception& e) {
    err << "raftlab: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}

}  // namespace raftlab::tools
