#include "sim/scenario/overrides.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/duration.h"

namespace raftlab::scenario {

namespace {

using nlohmann::json;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

LoadError flag_error(const std::string& file, const std::string& flag, std::string message, std::string fix) {
  return LoadError{file, flag, std::move(message), std::move(fix), 0, 0};
}

// The latest time the timeline or an expectation names: the run cannot end before it.
int64_t last_named_ns(const Scenario& s) {
  int64_t t = 0;
  for (const auto& e : s.timeline) t = std::max(t, e.at_ns);
  for (const auto& e : s.expect) t = std::max(t, e.at_ns);
  return t;
}

// When the timeline last starts a member: a nemesis the flags create opens after it.
int64_t last_start_ns(const Scenario& s) {
  int64_t t = 0;
  for (const auto& e : s.timeline)
    if (const auto* p = std::get_if<ProcessAction>(&e.action); p && p->op == ProcessOp::kStart) t = std::max(t, e.at_ns);
  return t;
}

}  // namespace

std::string Overrides::describe() const {
  std::string o;
  auto add = [&](const char* flag, const std::optional<std::string>& v) {
    if (!v) return;
    if (!o.empty()) o += ' ';
    o += std::string(flag) + " " + *v;
  };
  add("--nemesis", nemesis);
  add("--time-limit", time_limit);
  add("--rate", rate);
  return o;
}

LoadResult load_file_with(const std::string& path, const Overrides& o) {
  LoadResult r = load_file(path);
  if (!r.ok() || !o.any()) return r;
  const Scenario& s = *r.scenario;
  json doc = s.source ? *s.source : json::object();
  std::vector<LoadError> errors;
  int64_t duration_ns = s.duration_ns;

  // --time-limit first: the other two fit their windows into it.
  if (o.time_limit) {
    const ParsedDuration d = parse_duration(*o.time_limit);
    if (!d.ok) {
      errors.push_back(flag_error(path, "--time-limit", d.message, d.fix));
    } else if (d.ns <= 0) {
      errors.push_back(flag_error(path, "--time-limit", "the run cannot last 0s", "give a positive duration, e.g. 60s"));
    } else if (d.ns < last_named_ns(s)) {
      errors.push_back(flag_error(
          path, "--time-limit",
          "the run would end at " + format_duration(d.ns) + ", before the timeline entry or expectation at " +
              format_duration(last_named_ns(s)),
          "give at least " + format_duration(last_named_ns(s))));
    } else {
      duration_ns = d.ns;
      doc["duration"] = format_duration(d.ns);
      for (const char* part : {"nemesis", "clients"}) {
        if (!doc.contains(part) || !doc[part].is_object()) continue;
        json& p = doc[part];
        const int64_t start = p.contains("start") && p["start"].is_string()
                                  ? parse_duration(p["start"].get<std::string>()).ns
                                  : 0;
        const ParsedDuration end = p.contains("end") && p["end"].is_string() ? parse_duration(p["end"].get<std::string>())
                                                                            : ParsedDuration{};
        if (end.ok && end.ns <= d.ns) continue;
        if (start >= d.ns) {
          errors.push_back(flag_error(path, "--time-limit",
                                      std::string("the ") + part + " window starts at " + format_duration(start) +
                                          ", not before the run would end at " + format_duration(d.ns),
                                      "give more than " + format_duration(start)));
          continue;
        }
        p["end"] = format_duration(d.ns);
      }
    }
  }

  if (o.nemesis) {
    std::vector<std::string> kinds;
    std::stringstream in(*o.nemesis);
    for (std::string k; std::getline(in, k, ',');) kinds.push_back(trim(k));
    std::vector<std::string> known;
    for (int i = 0; i < kFaultKinds; ++i) known.push_back(fault_kind_name(static_cast<FaultKind>(i)));
    bool ok = !kinds.empty();
    if (kinds.size() == 1 && kinds[0] == "none") {
      doc.erase("nemesis");
      doc.erase("faults");
    } else {
      for (size_t i = 0; i < kinds.size(); ++i) {
        const std::string& k = kinds[i];
        if (k.empty() || !fault_kind_from_name(k)) {
          const std::string near = closest_match(k, known);
          std::string list;
          for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
          errors.push_back(flag_error(path, "--nemesis",
                                      "\"" + k + "\" is not a fault kind" + (near.empty() ? "" : " (did you mean \"" + near + "\"?)"),
                                      "give kinds separated by commas, from: " + list + "; or \"none\""));
          ok = false;
        } else if (std::find(kinds.begin(), kinds.begin() + static_cast<std::ptrdiff_t>(i), k) !=
                   kinds.begin() + static_cast<std::ptrdiff_t>(i)) {
          errors.push_back(flag_error(path, "--nemesis", "fault kind \"" + k + "\" is listed twice", "list each kind once"));
          ok = false;
        }
      }
      if (ok && doc.contains("nemesis") && doc["nemesis"].is_object()) {
        doc["nemesis"]["kinds"] = kinds;
        // A leader_fraction needs crash or isolate among the kinds; without them it goes.
        if (std::find(kinds.begin(), kinds.end(), "crash") == kinds.end() &&
            std::find(kinds.begin(), kinds.end(), "isolate") == kinds.end())
          doc["nemesis"].erase("leader_fraction");
      } else if (ok) {
        // No budget in the file: a window from 2 s after the last start to 4 s before
        // the end, about ten faults of 200 ms to 2 s, one member down at a time.
        const int64_t start = last_start_ns(s) + kDefaultNemesisLeadNs;
        int64_t end = duration_ns - kDefaultQuietNs;
        if (end <= start) {
          end = start + 10 * kNanosPerSecond;
          duration_ns = std::max(duration_ns, end + kDefaultQuietNs);
          doc["duration"] = format_duration(duration_ns);
        }
        json n;
        n["kinds"] = kinds;
        n["start"] = format_duration(start);
        n["end"] = format_duration(end);
        n["mean_gap"] = format_duration(std::max<int64_t>(kNanosPerSecond / 10, (end - start) / 10));
        n["min_duration"] = "200ms";
        n["max_duration"] = "2s";
        n["max_down"] = 1;
        doc["nemesis"] = n;
      }
    }
  }

  if (o.rate) {
    const std::string& t = *o.rate;
    char* stop = nullptr;
    const double rate = t.empty() ? 0 : std::strtod(t.c_str(), &stop);
    if (t.empty() || stop == nullptr || *stop != '\0' || !std::isfinite(rate) || rate <= 0 || rate > 100000) {
      errors.push_back(flag_error(path, "--rate", "\"" + t + "\" is not a rate",
                                  "give client operations per second, all clients together: a number above 0 and "
                                  "at most 100000, e.g. --rate 50"));
    } else {
      const bool has = doc.contains("clients") && doc["clients"].is_object();
      const int64_t count = has && doc["clients"].contains("count") && doc["clients"]["count"].is_number_integer()
                                ? doc["clients"]["count"].get<int64_t>()
                                : kDefaultClients;
      // Each client waits after each operation; the mean wait count / rate gives `rate`
      // operations per second in all when operations themselves are quick.
      const auto mean_ns = static_cast<int64_t>(static_cast<double>(count) / rate * 1e9);
      json think = {{"min", "0s"}, {"max", format_duration(std::max<int64_t>(2 * mean_ns, 1000))}};
      if (has) {
        doc["clients"]["think"] = think;
      } else {
        json c;
        c["count"] = count;
        c["start"] = format_duration(last_start_ns(s) + kNanosPerSecond);
        c["end"] = format_duration(std::max(duration_ns - kNanosPerSecond, last_start_ns(s) + 2 * kNanosPerSecond));
        c["think"] = think;
        c["keys"] = 3;
        c["read_fraction"] = 0.5;
        c["timeout"] = "1s";
        doc["clients"] = c;
      }
    }
  }

  if (!errors.empty()) {
    LoadResult bad;
    bad.errors = std::move(errors);
    return bad;
  }
  LoadResult out = load_string(doc.dump(2), path + " (with " + o.describe() + ")");
  if (out.ok()) read_attachments(out, path);
  return out;
}

}  // namespace raftlab::scenario
