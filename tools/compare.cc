#include "tools/compare.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "sim/cloud/cloud.h"
#include "sim/deploy.h"
#include "sim/etcd/ids.h"
#include "sim/scenario/loader.h"
#include "tools/report/root_cause.h"

namespace raftlab::tools {

namespace {

using sim::Ev;

struct Facts {
  std::string name;
  std::vector<std::string> warnings;
  // member -> how its etcd bootstrapped (first time), from the trace.
  std::map<std::string, std::string> bootstrap;
  std::map<std::string, std::uint64_t> initial_size;
  std::map<std::string, std::string> first_leader;  // cluster -> "etcd5 at 0.136s"
  std::vector<std::string> exits;
  sim::RunResult result;
  report::RootCause cause;
  std::vector<report::RouteStory> routes;  // routes written through APISIX gateways
};

std::optional<Facts> run_one(const std::string& file, std::ostream& err) {
  scenario::LoadResult lr = scenario::load_file(file);
  if (!lr.ok()) {
    for (const auto& e : lr.errors) err << scenario::format(e) << "\n";
    return std::nullopt;
  }
  std::vector<scenario::LoadError> errors;
  sim::RunOptions ro;
  ro.extension = cloud::extension_factory();  // scenarios/aws-asg and apisix need the cloud layer
  auto d = sim::Deployment::build(*lr.scenario, ro, &errors);
  if (!d) {
    for (const auto& e : errors) err << scenario::format(e) << "\n";
    return std::nullopt;
  }
  Facts f;
  f.result = d->run();
  f.name = lr.scenario->name;
  f.warnings = f.result.warnings;
  for (const auto& e : d->world().trace().events()) {
    if (e.kind == Ev::Bootstrap && !f.bootstrap.count(e.who)) {
      f.bootstrap[e.who] = fmt::format("{} cluster {} ({} member{})", e.a == "new" ? "new" : e.a,
                                       etcd::format_id(e.cluster_id), e.index, e.index == 1 ? "" : "s");
      f.initial_size[e.who] = e.index;
    }
    if (e.kind == Ev::Role && e.a == "Leader") {
      const std::string cid = etcd::format_id(e.cluster_id);
      if (!f.first_leader.count(cid)) f.first_leader[cid] = fmt::format("{} at {}", e.who, sim::format_duration(e.at));
    }
    if (e.kind == Ev::ProcExit && e.a == "exited") f.exits.push_back(e.who + ": " + e.b);
  }
  f.cause = report::root_cause(d->world().trace().events(), f.result, file);
  f.routes = report::route_stories(d->world().trace().events(), f.result);
  return f;
}

// Wraps `text` into lines of at most `width` characters (on spaces).
std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::string word;
  auto flush_word = [&] {
    if (word.empty()) return;
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    while (word.size() > width) {
      lines.push_back(word.substr(0, width));
      word = word.substr(width);
    }
    line += (line.empty() ? "" : " ") + word;
    word.clear();
  };
  for (char c : text) {
    if (c == ' ') flush_word(); else word += c;
  }
  flush_word();
  if (!line.empty()) lines.push_back(line);
  if (lines.empty()) lines.push_back("");
  return lines;
}

void row(std::string& o, const std::string& label, const std::string& left, const std::string& right) {
  constexpr size_t kLabel = 22, kCol = 40;
  auto l = wrap(left, kCol), r = wrap(right, kCol), k = wrap(label, kLabel);
  const size_t n = std::max({l.size(), r.size(), k.size()});
  for (size_t i = 0; i < n; ++i) {
    o += fmt::format("{:<{}} | {:<{}} | {}\n", i < k.size() ? k[i] : "", kLabel, i < l.size() ? l[i] : "", kCol,
                     i < r.size() ? r[i] : "");
  }
}

std::string expectation(const sim::RunResult& r, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : r.expectations)
    if (e.what.rfind(prefix, 0) == 0) out.push_back(e.what + ": " + e.actual);
  return out.empty() ? "-" : fmt::format("{}", fmt::join(out, "; "));
}

// The first route each run wrote through a gateway: where it went, and what each gateway saw.
void route_rows(std::string& o, const Facts& b, const Facts& f) {
  if (b.routes.empty() && f.routes.empty()) return;
  auto written = [](const Facts& x) -> std::string {
    if (x.routes.empty()) return "no route written";
    const auto& w = x.routes[0];
    return fmt::format("{} via {} at {}: into cluster {} {}", w.key, w.writer, report::seconds_text(w.at),
                       etcd::format_id(w.cluster),
                       w.clusters_running > 1 ? fmt::format("only ({}), 1 of {} clusters", w.member, w.clusters_running)
                                              : "(the only one)");
  };
  row(o, "route written", written(b), written(f));
  std::vector<std::string> gws;
  for (const Facts* x : {&b, &f})
    if (!x->routes.empty())
      for (const auto& s : x->routes[0].gateways)
        if (std::find(gws.begin(), gws.end(), s.gateway) == gws.end()) gws.push_back(s.gateway);
  auto saw = [](const Facts& x, const std::string& g, bool reads) -> std::string {
    if (x.routes.empty()) return "-";
    const auto& w = x.routes[0];
    for (const auto& s : w.gateways) {
      if (s.gateway != g) continue;
      if (reads) {
        std::vector<std::string> r;
        for (const auto& rd : s.reads)
          r.push_back(fmt::format("{} at {} (on {})", rd.code, report::seconds_text(rd.at),
                                  rd.cluster == 0 ? std::string("?")
                                  : rd.cluster == w.cluster ? std::string("the route's cluster")
                                                            : "cluster " + etcd::format_id(rd.cluster)));
        return r.empty() ? "-" : fmt::format("{}", fmt::join(r, "; "));
      }
      const std::string on = s.cluster_at_write == 0 ? "no watch"
                             : s.cluster_at_write == w.cluster
                                 ? fmt::format("watch on {} (the route's cluster)", s.watch_at_write)
                                 : fmt::format("watch on {} (cluster {}, another)", s.watch_at_write,
                                               etcd::format_id(s.cluster_at_write));
      if (s.got_at < 0) return "NEVER; at the write: " + on;
      return fmt::format("at {} ({} later); at the write: {}", report::seconds_text(s.got_at),
                         report::seconds_text(s.got_at - w.at), on);
    }
    return "not a gateway here";
  };
  for (const auto& g : gws) {
    row(o, g + " got the route", saw(b, g, false), saw(f, g, false));
    const std::string rb = saw(b, g, true), rf = saw(f, g, true);
    if (rb != "-" || rf != "-") row(o, g + " Admin API GET", rb, rf);
  }
}

std::string leaders_text(const sim::RunResult& r) {
  std::vector<std::string> l;
  for (const auto& c : r.clusters)
    for (const auto& n : c.leaders) l.push_back(n);
  return fmt::format("{} ({})", l.size(), fmt::join(l, ", "));
}

}  // namespace

int compare_scenarios(const std::string& broken_file, const std::string& fixed_file, std::ostream& out,
                      std::ostream& err) {
  auto b = run_one(broken_file, err);
  auto f = run_one(fixed_file, err);
  if (!b || !f) return 2;
  std::string o;
  o += fmt::format("seed={} (both runs)\n\n", b->result.seed);
  row(o, "", "WHAT WENT WRONG: " + b->name, "THE FIX: " + f->name);
  o += std::string(22, '-') + "-+-" + std::string(40, '-') + "-+-" + std::string(40, '-') + "\n";
  // "etcd1 ($.members[0].docker): $X is not set in host A's shell: ..." grouped by variable and host.
  auto unset_vars = [](const std::vector<std::string>& warnings) {
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    for (const auto& w : warnings) {
      const auto pos = w.find(" is not set in host ");
      if (pos == std::string::npos) continue;
      const auto start = w.rfind("): ", pos);
      const auto end = w.find("'s shell", pos);
      if (start == std::string::npos || end == std::string::npos) continue;
      const std::string key = w.substr(start + 3, pos - start - 3) + " unset in host " +
                              w.substr(pos + 20, end - pos - 20) + "'s shell";
      const std::string who = w.substr(0, w.find(' '));
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == key; });
      if (it == groups.end()) groups.push_back({key, {who}}); else it->second.push_back(who);
    }
    std::vector<std::string> lines;
    for (const auto& [k, whos] : groups) lines.push_back(fmt::format("{} ({})", k, fmt::join(whos, ", ")));
    return lines;
  };
  const std::vector<std::string> bw = unset_vars(b->warnings), fw = unset_vars(f->warnings);
  row(o, "shell variables", bw.empty() ? "all set" : fmt::format("{}", fmt::join(bw, "; ")),
      fw.empty() ? "all set" : fmt::format("{}", fmt::join(fw, "; ")));
  std::map<std::string, bool> names;
  for (const auto& [n, _] : b->bootstrap) names[n] = true;
  for (const auto& [n, _] : f->bootstrap) names[n] = true;
  for (const auto& [n, _] : names) {
    row(o, n + " bootstrapped", b->bootstrap.count(n) ? b->bootstrap[n] : "did not start etcd",
        f->bootstrap.count(n) ? f->bootstrap[n] : "did not start etcd");
  }
  row(o, "clusters at the end", std::to_string(b->result.clusters.size()), std::to_string(f->result.clusters.size()));
  row(o, "leaders at the end", leaders_text(b->result), leaders_text(f->result));
  row(o, "write via one member", expectation(b->result, "put"), expectation(f->result, "put"));
  row(o, "read via another", expectation(b->result, "get"), expectation(f->result, "get"));
  route_rows(o, *b, *f);
  row(o, "expectations", b->result.passed ? "all hold (the bug is reproduced)" : "SOME FAIL",
      f->result.passed ? "all hold" : "SOME FAIL");

  // Why, in words, computed from each run's trace (tools/report/root_cause.h).
  auto findings = [&](const report::RootCause& rc) {
    for (size_t i = 0; i < rc.findings.size(); ++i) {
      const auto& x = rc.findings[i];
      const auto head = wrap(x.headline, 94);
      for (size_t k = 0; k < head.size(); ++k) o += (k == 0 ? (i == 0 ? "  * " : "  - ") : "    ") + head[k] + "\n";
      for (const auto& why : x.because)
        for (const auto& l : wrap(why, 92)) o += "      " + l + "\n";
      if (!x.fix.empty())
        for (const auto& l : wrap("fix: " + x.fix, 92)) o += "      " + l + "\n";
      if (!x.fix.empty())
        for (const auto& l : wrap("check: " + x.check, 92)) o += "      " + l + "\n";
    }
  };
  o += "\nWhy it went wrong\n";
  findings(b->cause);
  o += "\nWhy the fix works\n";
  findings(f->cause);
  o += fmt::format("\nReplay either side: raftlab run {}\n                    raftlab run {}\n", broken_file, fixed_file);
  out << o;
  return 0;
}

}  // namespace raftlab::tools
