#include "tools/compare.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "sim/deploy.h"
#include "sim/etcd/ids.h"
#include "sim/scenario/loader.h"

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
};

std::optional<Facts> run_one(const std::string& file, std::ostream& err) {
  scenario::LoadResult lr = scenario::load_file(file);
  if (!lr.ok()) {
    for (const auto& e : lr.errors) err << scenario::format(e) << "\n";
    return std::nullopt;
  }
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(*lr.scenario, sim::RunOptions{}, &errors);
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
  row(o, "expectations", b->result.passed ? "all hold (the bug is reproduced)" : "SOME FAIL",
      f->result.passed ? "all hold" : "SOME FAIL");

  // Why, in plain words, from the facts above.
  std::uint64_t b_single = 0, f_full = 0;
  for (const auto& [n, k] : b->initial_size) b_single += k == 1 ? 1 : 0;
  for (const auto& [n, k] : f->initial_size) f_full += k > 1 ? 1 : 0;
  o += "\nWhy it went wrong\n";
  std::string why;
  if (b_single > 0) {
    why += fmt::format(
        "{} member(s) bootstrapped a cluster whose initial membership was only themselves. ", b_single);
    if (!bw.empty())
      why += "The docker run lines pass -e ETCD_INITIAL_CLUSTER=\"$ETCD_INITIAL_CLUSTER\", and that shell variable was "
             "not set, so the container got an empty value. ";
    why += "etcd ignores an empty ETCD_* variable and falls back to its default initial cluster, which for a member "
           "named etcdN is \"etcdN=<its own advertise peer URL>\". Each member derived a cluster ID from its own "
           "member ID alone, so every member is the leader of a different one-member cluster: `endpoint status` shows "
           "every member as leader, and a write through one member never reaches another.";
  } else {
    why += b->result.passed ? "See the scenario's description." : "The broken scenario did not reproduce its bug.";
  }
  for (const auto& l : wrap(why, 96)) o += "  " + l + "\n";
  o += "\nWhy the fix works\n";
  std::string fix;
  if (f_full > 0) {
    fix += fmt::format(
        "{} member(s) bootstrapped from the same multi-member initial cluster and the same token, so they derived the "
        "same member IDs and the same cluster ID and form ONE raft group. It elects one leader once a majority is up, "
        "and every write is replicated to every member. ",
        f_full);
  }
  fix += "Note: once a member has a data dir, etcd restarts from it and ignores --initial-cluster, so an "
         "already-split deployment is fixed by removing the stale data dirs (or members), not by new flags alone "
         "(scenarios/bitnami-2host/restart-same-data.json).";
  for (const auto& l : wrap(fix, 96)) o += "  " + l + "\n";
  o += fmt::format("\nReplay either side: raftlab run {}\n                    raftlab run {}\n", broken_file, fixed_file);
  out << o;
  return 0;
}

}  // namespace raftlab::tools
