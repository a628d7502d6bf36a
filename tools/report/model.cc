// tools/report/model.cc — the report's data, from the trace and RunResult only: role
// spans, messages matched send -> deliver (or drop / reject), the timeline events, the
// etcdctl tables at the sample instants, expectations, the root cause, violations.
#include "sim/cloud/cloud.h"
#include "tools/report/report.h"

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/etcd/ids.h"
#include "sim/lab/atomic_file.h"
#include "sim/lab/lab.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/loader.h"
#include "tools/cli.h"

namespace raftlab::tools::report {

namespace {

using sim::Ev;
using json = nlohmann::ordered_json;

int index_of(const std::vector<std::string>& v, const std::string& s) {
  auto it = std::find(v.begin(), v.end(), s);
  return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

// Peer URL -> member name, from every bootstrap's membership ("name=url,...").
std::map<std::string, std::string> peer_urls(const std::vector<sim::TraceEvent>& events) {
  std::map<std::string, std::string> m;
  for (const auto& e : events) {
    if (e.kind != Ev::Bootstrap && !(e.kind == Ev::Member && e.a == "add")) continue;
    std::stringstream ss(e.kind == Ev::Bootstrap ? e.c : "");
    std::string kv;
    while (std::getline(ss, kv, ',')) {
      const auto eq = kv.find('=');
      if (eq != std::string::npos) m.emplace(kv.substr(eq + 1), kv.substr(0, eq));
    }
  }
  return m;
}

std::string kind_of(const std::string& text) {
  const auto sp = text.find(' ');
  if (text.find("->") != std::string::npos && sp != std::string::npos && text.find("->") < sp) {
    const auto sp2 = text.find(' ', sp + 1);
    return text.substr(sp + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp - 1);
  }
  const auto sp2 = sp == std::string::npos ? std::string::npos : text.find(' ', sp + 1);
  return text.substr(0, sp2);
}

bool quiet_log(const sim::TraceEvent& e) {
  return e.b.rfind("unrecognized environment variable", 0) == 0 ||
         e.b.rfind("Running http and grpc server on single port", 0) == 0;
}

}  // namespace

std::optional<CloudMark> cloud_mark(const sim::TraceEvent& e, const std::vector<std::string>& members) {
  if (e.kind != Ev::Cloud || e.a == "container" || e.a == "package") return std::nullopt;
  CloudMark c;
  c.member = index_of(members, e.who);
  if (c.member < 0 && e.a == "target") c.member = index_of(members, e.b.substr(0, e.b.find(' ')));
  if (c.member < 0) c.track = e.who;
  std::string first = e.b.substr(0, e.b.find('\n'));
  if (first.size() > 200) first = first.substr(0, 197) + "...";
  c.text = e.who + " " + e.a + (first.empty() ? "" : ": " + first);
  c.detail = e.b;
  return c;
}

std::vector<std::int64_t> sample_times(std::int64_t end_ns) {
  std::int64_t step = 100'000'000;
  while (end_ns / step > 600) step *= 2;
  std::vector<std::int64_t> out;
  for (std::int64_t t = 0; t <= end_ns; t += step) out.push_back(t);
  return out;
}

std::vector<Message> messages(const std::vector<sim::TraceEvent>& events, const std::vector<std::string>& members) {
  const auto url_name = peer_urls(events);
  auto member_at = [&](const std::string& url) {
    auto it = url_name.find(url);
    return it == url_name.end() ? -1 : index_of(members, it->second);
  };
  std::vector<Message> out;
  // (from, to URL, text) -> indices of sends not yet delivered, oldest first (FIFO per pair).
  std::map<std::tuple<std::string, std::string, std::string>, std::deque<size_t>> open;
  std::map<std::uint64_t, std::string> name_of_id;
  for (const auto& e : events) {
    switch (e.kind) {
      case Ev::Bootstrap: name_of_id[e.member_id] = e.who; break;
      case Ev::Send: {
        Message m;
        m.sent = e.at.ns;
        m.from = index_of(members, e.who);
        m.to = member_at(e.a);
        m.text = e.b;
        m.kind = kind_of(e.b);
        open[{e.who, e.a, e.b}].push_back(out.size());
        out.push_back(std::move(m));
        break;
      }
      case Ev::Deliver: {
        auto it = open.find({e.a, e.who, e.b});
        if (it == open.end() || it->second.empty()) break;
        out[it->second.front()].recv = e.at.ns;
        it->second.pop_front();
        break;
      }
      case Ev::Drop: {
        auto it = open.find({e.who, e.a, e.c});
        if (it != open.end() && !it->second.empty()) {
          out[it->second.front()].fate = "drop: " + e.b;
          it->second.pop_front();
        } else {  // a drop with no recorded send (default trace level): a message of its own
          Message m;
          m.sent = e.at.ns;
          m.from = index_of(members, e.who);
          m.to = member_at(e.a);
          m.text = e.c;
          m.kind = kind_of(e.c);
          m.fate = "drop: " + e.b;
          out.push_back(std::move(m));
        }
        break;
      }
      case Ev::Reject: {
        // The delivery it refused: to this member, from the named peer, at this instant.
        const int to = index_of(members, e.who);
        const int from = name_of_id.count(e.peer) ? index_of(members, name_of_id[e.peer]) : -1;
        for (size_t i = out.size(); i-- > 0;) {
          if (out[i].recv == e.at.ns && out[i].to == to && out[i].from == from && out[i].fate.empty()) {
            out[i].fate = "reject: " + e.a;
            break;
          }
          if (out[i].sent < e.at.ns - 5'000'000'000) break;
        }
        break;
      }
      default: break;
    }
  }
  return out;
}

std::vector<RoleSpan> role_spans(const std::vector<sim::TraceEvent>& events, const std::vector<std::string>& members,
                                 std::int64_t end_ns) {
  std::vector<RoleSpan> out;
  std::map<int, size_t> open;  // member -> its open span
  auto close = [&](int m, std::int64_t t) {
    auto it = open.find(m);
    if (it == open.end()) return;
    out[it->second].to = t;
    open.erase(it);
  };
  auto begin = [&](int m, std::int64_t t, const std::string& role, std::uint64_t cluster, std::uint64_t term) {
    close(m, t);
    open[m] = out.size();
    out.push_back({m, t, t, role, cluster, term});
  };
  for (const auto& e : events) {
    const int m = index_of(members, e.who);
    if (m < 0) continue;
    switch (e.kind) {
      case Ev::ProcStart: begin(m, e.at.ns, "Starting", 0, 0); break;
      case Ev::Bootstrap: begin(m, e.at.ns, "Follower", e.cluster_id, 0); break;
      case Ev::Role: {
        auto it = open.find(m);
        if (it != open.end() && out[it->second].role == e.a && out[it->second].term == e.term &&
            out[it->second].cluster == e.cluster_id)
          break;
        begin(m, e.at.ns, e.a, e.cluster_id, e.term);
        break;
      }
      case Ev::ProcExit: begin(m, e.at.ns, "Stopped", 0, 0); break;
      default: break;
    }
  }
  for (auto& [m, i] : open) out[i].to = end_ns;
  // Zero-length spans (a start and its bootstrap at one instant) carry nothing.
  out.erase(std::remove_if(out.begin(), out.end(), [](const RoleSpan& s) { return s.to <= s.from && s.role != "Stopped"; }),
            out.end());
  return out;
}

std::string script_safe_json(const std::string& j) {
  std::string o;
  o.reserve(j.size() + j.size() / 16);
  for (size_t i = 0; i < j.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(j[i]);
    if (c == '<') o += "\\u003c";
    else if (c == '>') o += "\\u003e";
    else if (c == '&') o += "\\u0026";
    else if (c == 0xE2 && i + 2 < j.size() && static_cast<unsigned char>(j[i + 1]) == 0x80 &&
             (static_cast<unsigned char>(j[i + 2]) == 0xA8 || static_cast<unsigned char>(j[i + 2]) == 0xA9)) {
      o += static_cast<unsigned char>(j[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o;
}

std::string report_json(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r, const PageInput& in) {
  std::vector<std::string> names;
  for (const auto& m : r.members) names.push_back(m.name);
  json j;
  j["v"] = 1;
  j["scenario"] = r.scenario;
  j["file"] = in.file;
  j["seed"] = r.seed;
  j["description"] = in.description;
  j["end"] = r.end_ns;
  j["sha"] = r.trace_sha256;
  j["passed"] = r.passed;
  j["planted"] = in.planted_bugs;
  j["members"] = json::array();
  for (const auto& m : r.members) j["members"].push_back({{"name", m.name}, {"host", m.host}, {"url", m.client_url}});
  // Clusters in order of first bootstrap: colour i.
  std::vector<std::uint64_t> clusters;
  for (const auto& e : events)
    if (e.kind == Ev::Bootstrap && std::find(clusters.begin(), clusters.end(), e.cluster_id) == clusters.end())
      clusters.push_back(e.cluster_id);
  j["clusters"] = json::array();
  for (auto c : clusters) j["clusters"].push_back(etcd::format_id(c));
  auto cluster_ix = [&](std::uint64_t c) {
    auto it = std::find(clusters.begin(), clusters.end(), c);
    return it == clusters.end() ? -1 : static_cast<int>(it - clusters.begin());
  };
  static const std::map<std::string, int> kRole = {{"Starting", 0}, {"Follower", 1}, {"PreCandidate", 2},
                                                   {"Candidate", 3}, {"Leader", 4}, {"Stopped", 5}};
  j["spans"] = json::array();
  for (const auto& s : role_spans(events, names, r.end_ns))
    j["spans"].push_back({s.member, s.from, s.to, kRole.at(s.role), cluster_ix(s.cluster), s.term});
  j["msgs"] = json::array();
  for (const auto& m : messages(events, names)) {
    const int fate = m.fate.empty() ? 0 : m.fate.rfind("drop", 0) == 0 ? 1 : 2;
    j["msgs"].push_back({m.sent, m.recv, m.from, m.to, m.kind, fate, m.fate.empty() ? m.text : m.fate + " — " + m.text});
  }
  // Timeline events: [t, member (-1: none), category, summary, detail, track (-1: none)].
  // Tracks: the cloud layer's actors that are not members, in order of first event.
  std::vector<std::string> tracks;
  std::map<std::string, int> client_member;
  for (size_t i = 0; i < r.members.size(); ++i) client_member[r.members[i].client_url] = static_cast<int>(i);
  std::set<std::string> seen_logs;
  std::map<std::string, std::int64_t> last_call;  // endpoint|op|key -> when last shown
  j["ev"] = json::array();
  auto ev = [&](const sim::TraceEvent& e, int m, const char* cat, const std::string& text, const std::string& detail,
                int track = -1) { j["ev"].push_back({e.at.ns, m, cat, text, detail, track}); };
  for (const auto& e : events) {
    const int m = index_of(names, e.who);
    const std::string line = sim::Trace::to_jsonl(e);
    switch (e.kind) {
      case Ev::ProcStart: ev(e, m, "proc", e.who + " started (" + e.a + ")", line); break;
      case Ev::ProcExit: ev(e, m, "proc", e.who + " " + e.a + (e.b.empty() ? "" : ": " + e.b), line); break;
      case Ev::Bootstrap:
        ev(e, m, "boot",
           fmt::format("{} bootstrap {}: member {} cluster {} from {}", e.who, e.a, etcd::format_id(e.member_id),
                       etcd::format_id(e.cluster_id), e.c.empty() ? "its data dir" : e.c),
           line);
        break;
      case Ev::Role:
        if (e.a == "Leader")
          ev(e, m, "leader", fmt::format("{} became leader, term {} (cluster {})", e.who, e.term, etcd::format_id(e.cluster_id)),
             line);
        break;
      case Ev::Log:
        if (quiet_log(e)) break;
        if (e.a == "warn" || e.a == "error" || e.a == "fatal" || e.b.rfind("bitnami: Bootstrapping", 0) == 0 ||
            e.b.rfind("bitnami: Detected data", 0) == 0 || e.b.rfind("bitnami: Adding new member", 0) == 0) {
          if (!seen_logs.insert(e.who + "|" + e.b).second) break;
          ev(e, m, e.a == "info" ? "log" : "warn", e.who + " " + e.a + ": " + e.b, e.c.empty() ? e.b : e.b + "\n" + e.c);
        }
        break;
      case Ev::Note: ev(e, -1, "note", e.a, e.a); break;
      case Ev::Member:
        if (e.a != "publish")
          ev(e, m, "member", fmt::format("{} applied member {} {} {}", e.who, e.a, etcd::format_id(e.peer), e.b), line);
        break;
      case Ev::HostDown: ev(e, -1, "fault", "host " + e.who + " down", line); break;
      case Ev::HostUp: ev(e, -1, "fault", "host " + e.who + " up", line); break;
      case Ev::Partition: ev(e, -1, "fault", "partition " + e.a, line); break;
      case Ev::Heal: ev(e, -1, "fault", "network healed", line); break;
      case Ev::Fault:
      case Ev::FaultEnd:
        ev(e, m, "fault", fmt::format("{} {}{} {}", e.kind == Ev::Fault ? "fault" : "fault end", e.a,
                                      e.who.empty() ? "" : " " + e.who, e.b),
           line);
        break;
      case Ev::ClientCall:
        if (e.peer == 0) {
          // A call repeated to the same endpoint (an APISIX gateway's watch polls its
          // prefix every 250 ms) is shown once per 5 s of virtual time, not thousands of times.
          auto [last, fresh] = last_call.emplace(e.who + "|" + e.a + "|" + e.b, e.at.ns);
          if (!fresh && e.at.ns - last->second < 5'000'000'000) break;
          last->second = e.at.ns;
          auto it = client_member.find(e.who);
          ev(e, it == client_member.end() ? -1 : it->second, "client",
             fmt::format("etcdctl {} {} via {}", e.a, e.b, e.who), line);
        }
        break;
      case Ev::Quiet: ev(e, -1, "fault", "quiet: every fault healed", line); break;
      case Ev::Cloud:
        if (auto c = cloud_mark(e, names)) {
          int track = -1;
          if (c->member < 0) {
            track = index_of(tracks, c->track);
            if (track < 0) {
              track = static_cast<int>(tracks.size());
              tracks.push_back(c->track);
            }
          }
          ev(e, c->member, "cloud", c->text, c->detail, track);
        }
        break;
      default: break;
    }
  }
  j["tracks"] = tracks;
  // etcdctl tables at the sample instants, each distinct text once.
  json samples;
  samples["t"] = json::array();
  samples["i"] = json::array();
  samples["texts"] = json::array();
  std::map<std::string, size_t> text_ix;
  for (const auto& smp : r.status_samples) {
    const std::string t = status_tables(smp.members, smp.endpoints, smp.at_ns, false);
    auto [it, fresh] = text_ix.emplace(t, text_ix.size());
    if (fresh) samples["texts"].push_back(t);
    samples["t"].push_back(smp.at_ns);
    samples["i"].push_back(it->second);
  }
  j["samples"] = samples;
  j["expect"] = json::array();
  for (const auto& e : r.expectations)
    j["expect"].push_back({{"at", e.at_ns}, {"what", e.what}, {"expected", e.expected}, {"actual", e.actual},
                           {"passed", e.passed}, {"note", e.note}});
  j["violations"] = json::array();
  for (const auto& v : in.violations)
    j["violations"].push_back({{"checker", v.checker}, {"at", v.at_ns}, {"members", v.members}, {"evidence", v.evidence}});
  j["cause"] = root_cause_json(root_cause(events, r, in.file));
  j["final"] = json::array();
  for (const auto& c : r.clusters)
    j["final"].push_back({{"id", etcd::format_id(c.cluster_id)}, {"running", c.running}, {"leaders", c.leaders},
                          {"quorum", c.quorum}});
  return j.dump(-1, ' ', true, json::error_handler_t::replace);
}

int write_report(const std::string& file, std::optional<std::uint64_t> seed, const std::string& out_path,
                 std::ostream& out, std::ostream& err) {
  if (std::string problem = lab::output_file_problem(out_path); !problem.empty()) {
    err << "raftlab report: --out: " << problem << "\n";
    return kExitBadInput;
  }
  scenario::LoadResult lr = scenario::load_file(file);
  if (!lr.ok()) {
    for (const auto& e : lr.errors) err << scenario::format(e) << "\n";
    return kExitBadInput;
  }
  PageInput in;
  in.file = file;
  in.description = lr.scenario->description;
  sim::RunOptions ro;
  ro.trace_level = sim::TraceLevel::Full;
  ro.extension = cloud::extension_factory();
  // A fault-lab failure file: its header names the seed and the planted bugs.
  bool failure_file = false;
  {
    std::ifstream f(file, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string herr;
    if (auto h = lab::read_header(ss.str(), &herr)) {
      failure_file = true;
      ro.seed = h->seed;
      ro.planted_bugs = lab::planted_bug_set(h->planted_bugs);
      in.planted_bugs = h->planted_bugs;
    }
  }
  if (seed) ro.seed = *seed;
  ro.status_samples_ns = sample_times(lr.scenario->duration_ns);
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, ro, &errors);
  if (!d) {
    for (const auto& e : errors) err << scenario::format(e) << "\n";
    return kExitBadInput;
  }
  sim::RunResult r = d->run();
  const auto& events = d->world().trace().events();
  if (failure_file || lr.scenario->has_schedule) in.violations = lab::judge(events);
  // All or nothing (sim/lab/atomic_file.h); exit 3 as every output raftlab cannot write.
  if (std::string why = lab::write_file_atomic(out_path, report_html(events, r, in)); !why.empty()) {
    err << "raftlab report: " << why << " — check the directory exists, is writable and has space\n";
    return kExitInternal;
  }
  out << fmt::format("report: {} ({} events, {} clusters at the end, {})\n", out_path, events.size(), r.clusters.size(),
                     r.passed ? "expectations hold" : "an expectation FAILS");
  return kExitOk;
}

}  // namespace raftlab::tools::report
