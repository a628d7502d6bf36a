// tools/report/chrome_trace.cc — a run as Chrome Trace Event JSON (the "JSON Object
// Format" that ui.perfetto.dev and chrome://tracing open): one process, a thread (track)
// per member, roles as complete "X" slices, messages as flow events "s"/"f", faults,
// host events, bootstraps and notes as instant events "i"; the cloud layer's events
// (Ev::Cloud, as the HTML report shows them: cloud_mark) as instant events "i" on the
// instance's own track or on a track per cloud actor ("cloud: prod-etcd", "cloud: gw1", ...,
// after the members' and the global track). From the trace only.
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/etcd/ids.h"
#include "tools/report/report.h"

namespace raftlab::tools::report {

namespace {
using json = nlohmann::ordered_json;
using sim::Ev;

// Trace Event timestamps are microseconds; keep nanosecond precision as a fraction.
double us(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

int index_of(const std::vector<std::string>& v, const std::string& s) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] == s) return static_cast<int>(i);
  return -1;
}
}  // namespace

std::string chrome_trace_json(const std::vector<sim::TraceEvent>& events, const sim::RunResult& r) {
  std::vector<std::string> names;
  for (const auto& m : r.members) names.push_back(m.name);
  json out;
  json& te = out["traceEvents"] = json::array();
  constexpr int kPid = 1;
  const int kGlobalTid = static_cast<int>(names.size()) + 1;  // the network and hosts
  te.push_back({{"ph", "M"}, {"pid", kPid}, {"name", "process_name"}, {"args", {{"name", "raftlab " + r.scenario}}}});
  for (size_t i = 0; i < names.size(); ++i) {
    const int tid = static_cast<int>(i) + 1;
    te.push_back({{"ph", "M"}, {"pid", kPid}, {"tid", tid}, {"name", "thread_name"},
                  {"args", {{"name", r.members[i].host == names[i] ? names[i]  // a cloud instance is its host
                                                                   : names[i] + " (host " + r.members[i].host + ")"}}}});
    te.push_back({{"ph", "M"}, {"pid", kPid}, {"tid", tid}, {"name", "thread_sort_index"}, {"args", {{"sort_index", tid}}}});
  }
  te.push_back({{"ph", "M"}, {"pid", kPid}, {"tid", kGlobalTid}, {"name", "thread_name"},
                {"args", {{"name", "network / hosts / timeline"}}}});
  for (const auto& s : role_spans(events, names, r.end_ns)) {
    json x = {{"ph", "X"}, {"pid", kPid}, {"tid", s.member + 1}, {"ts", us(s.from)}, {"dur", us(s.to - s.from)},
              {"name", s.role}, {"cat", "role"}};
    json args;
    if (s.cluster != 0) args["cluster_id"] = etcd::format_id(s.cluster);
    if (s.term != 0) args["term"] = s.term;
    if (!args.empty()) x["args"] = args;
    te.push_back(x);
  }
  std::uint64_t flow = 0;
  for (const auto& m : messages(events, names)) {
    if (m.from < 0) continue;
    if (m.recv >= 0 && m.to >= 0) {
      ++flow;
      te.push_back({{"ph", "s"}, {"pid", kPid}, {"tid", m.from + 1}, {"ts", us(m.sent)}, {"id", flow}, {"name", m.kind},
                    {"cat", "msg"}, {"args", {{"msg", m.text}}}});
      te.push_back({{"ph", "f"}, {"bp", "e"}, {"pid", kPid}, {"tid", m.to + 1}, {"ts", us(m.recv)}, {"id", flow},
                    {"name", m.kind}, {"cat", "msg"}});
      if (!m.fate.empty())
        te.push_back({{"ph", "i"}, {"s", "t"}, {"pid", kPid}, {"tid", m.to + 1}, {"ts", us(m.recv)},
                      {"name", m.fate}, {"cat", "reject"}, {"args", {{"msg", m.text}}}});
    } else if (!m.fate.empty()) {
      te.push_back({{"ph", "i"}, {"s", "t"}, {"pid", kPid}, {"tid", m.from + 1}, {"ts", us(m.sent)},
                    {"name", m.fate}, {"cat", "drop"}, {"args", {{"msg", m.text}}}});
    }
  }
  std::vector<std::string> tracks;  // cloud actors that are not members, in order of first event
  for (const auto& e : events) {
    if (auto c = cloud_mark(e, names)) {
      int tid = c->member + 1;
      if (c->member < 0) {
        int k = index_of(tracks, c->track);
        if (k < 0) {
          k = static_cast<int>(tracks.size());
          tracks.push_back(c->track);
          te.push_back({{"ph", "M"}, {"pid", kPid}, {"tid", kGlobalTid + 1 + k}, {"name", "thread_name"},
                        {"args", {{"name", "cloud: " + c->track}}}});
          te.push_back({{"ph", "M"}, {"pid", kPid}, {"tid", kGlobalTid + 1 + k}, {"name", "thread_sort_index"},
                        {"args", {{"sort_index", kGlobalTid + 1 + k}}}});
        }
        tid = kGlobalTid + 1 + k;
      }
      json x = {{"ph", "i"}, {"s", "t"}, {"pid", kPid}, {"tid", tid}, {"ts", us(e.at.ns)}, {"name", c->text},
                {"cat", "cloud." + e.a}};
      if (!c->detail.empty()) x["args"] = {{"detail", c->detail}};
      te.push_back(x);
      continue;
    }
    const int m = index_of(names, e.who);
    const int tid = m < 0 ? kGlobalTid : m + 1;
    std::string name, cat;
    switch (e.kind) {
      case Ev::Fault: name = "fault " + e.a; cat = "fault"; break;
      case Ev::FaultEnd: name = "fault end " + e.a; cat = "fault"; break;
      case Ev::HostDown: name = "host " + e.who + " down"; cat = "host"; break;
      case Ev::HostUp: name = "host " + e.who + " up"; cat = "host"; break;
      case Ev::Partition: name = "partition " + e.a; cat = "fault"; break;
      case Ev::Heal: name = "heal"; cat = "fault"; break;
      case Ev::ProcStart: name = "start " + e.a; cat = "process"; break;
      case Ev::ProcExit: name = "exit: " + e.a; cat = "process"; break;
      case Ev::Bootstrap: name = "bootstrap " + e.a + " " + etcd::format_id(e.cluster_id); cat = "bootstrap"; break;
      case Ev::Note: name = e.a.substr(0, e.a.find('\n')); cat = "note"; break;
      case Ev::Quiet: name = "quiet"; cat = "fault"; break;
      default: continue;
    }
    json x = {{"ph", "i"}, {"s", m < 0 ? "g" : "t"}, {"pid", kPid}, {"tid", tid}, {"ts", us(e.at.ns)}, {"name", name},
              {"cat", cat}};
    std::string detail = e.b.empty() ? e.a : e.b;
    if (!detail.empty()) x["args"] = {{"detail", detail}};
    te.push_back(x);
  }
  out["displayTimeUnit"] = "ms";
  out["otherData"] = {{"scenario", r.scenario}, {"seed", r.seed}, {"trace_sha256", r.trace_sha256}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace raftlab::tools::report
