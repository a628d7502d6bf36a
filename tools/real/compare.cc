// tools/real/compare.cc — see compare.h.
#include "tools/real/compare.h"

#include <fmt/format.h>

#include "sim/etcd/ids.h"
#include "sim/time.h"
#include "sim/scenario/duration.h"
#include "tools/real/loopback.h"

namespace raftlab::real::diffing {

using nlohmann::ordered_json;

std::string secs(std::int64_t ns) { return sim::format_duration(sim::nanos(ns)); }

std::string yesno(bool b) { return b ? "yes" : "no"; }
std::string idtext(std::uint64_t id) { return id ? etcd::format_id(id) : "?"; }
std::string settext(const std::set<std::string>& s) {
  return s.empty() ? "-" : fmt::format("{}", fmt::join(s, ","));
}
std::string listtext(const std::vector<std::string>& v) { return fmt::format("[{}]", fmt::join(v, " ")); }

std::map<std::uint64_t, int> leaders_by_cluster(const Obs& o) {
  std::map<std::uint64_t, int> out;
  for (const auto& [n, m] : o)
    if (m.serving && m.leader) ++out[m.cluster_id];
  return out;
}

std::vector<Mismatch> compare(const Obs& s, const Obs& r, const std::set<std::string>& skip, bool leader_names) {
  std::vector<Mismatch> out;
  for (const auto& [name, sm] : s) {
    if (skip.count(name)) continue;
    auto it = r.find(name);
    const MemberObs rm = it == r.end() ? MemberObs{} : it->second;
    if (sm.up != rm.up) out.push_back({name, "etcd running", yesno(sm.up), yesno(rm.up)});
    if (sm.up && rm.up && sm.serving != rm.serving)
      out.push_back({name, "answers etcdctl", yesno(sm.serving), yesno(rm.serving)});
    if (sm.up && rm.up && sm.cluster_id && rm.cluster_id && sm.cluster_id != rm.cluster_id)
      out.push_back({name, "cluster ID", idtext(sm.cluster_id), idtext(rm.cluster_id)});
    if (sm.up && rm.up && sm.id_derived && sm.member_id && rm.member_id && sm.member_id != rm.member_id)
      out.push_back({name, "member ID", idtext(sm.member_id), idtext(rm.member_id)});
    if (sm.serving && rm.serving && sm.list != rm.list)
      out.push_back({name, "member list", listtext(sm.list), listtext(rm.list)});
    if (sm.classes != rm.classes) out.push_back({name, "logged error classes", settext(sm.classes), settext(rm.classes)});
  }
  const auto sl = leaders_by_cluster(s), rl = leaders_by_cluster(r);
  std::set<std::uint64_t> ids;
  for (const auto& [c, n] : sl) ids.insert(c);
  for (const auto& [c, n] : rl) ids.insert(c);
  for (auto c : ids) {
    const int a = sl.count(c) ? sl.at(c) : 0, b = rl.count(c) ? rl.at(c) : 0;
    if (a != b) out.push_back({"cluster " + idtext(c), "self-reported leaders", std::to_string(a), std::to_string(b)});
  }
  if (leader_names) {
    std::vector<std::string> a, b;
    for (const auto& [n, m] : s)
      if (m.serving && m.leader && !skip.count(n)) a.push_back(n);
    for (const auto& [n, m] : r)
      if (m.serving && m.leader && !skip.count(n)) b.push_back(n);
    if (a != b) out.push_back({"leaders", "which member leads", listtext(a), listtext(b)});
  }
  return out;
}

std::string summary(const Obs& o) {
  std::set<std::uint64_t> clusters;
  std::vector<std::string> leaders, up, serving;
  for (const auto& [n, m] : o) {
    if (m.up && m.cluster_id) clusters.insert(m.cluster_id);
    if (m.up) up.push_back(n);
    if (m.serving) serving.push_back(n);
    if (m.serving && m.leader) leaders.push_back(n);
  }
  std::vector<std::string> c;
  for (auto id : clusters) c.push_back(idtext(id));
  return fmt::format("{} cluster(s) [{}]; leaders [{}]; etcd up [{}]; answering [{}]", clusters.size(),
                     fmt::join(c, " "), fmt::join(leaders, " "), fmt::join(up, " "), fmt::join(serving, " "));
}

// Short outcome for the FIDELITY table: clusters, leaders, errors.
std::string outcome(const Obs& o) {
  std::set<std::uint64_t> clusters;
  int leaders = 0, up = 0;
  std::map<std::string, std::string> errs;
  for (const auto& [n, m] : o) {
    if (m.up && m.cluster_id) clusters.insert(m.cluster_id);
    if (m.up) ++up;
    if (m.serving && m.leader) ++leaders;
    if (!m.classes.empty()) errs[n] = settext(m.classes);
  }
  std::string e;
  for (const auto& [n, c] : errs) e += (e.empty() ? "" : ", ") + n + ": " + c;
  return fmt::format("{} up, {} cluster(s), {} leader(s){}", up, clusters.size(), leaders, e.empty() ? "" : "; " + e);
}

ordered_json obs_json(const Obs& o) {
  ordered_json j = ordered_json::object();
  for (const auto& [n, m] : o) {
    ordered_json x;
    x["up"] = m.up;
    x["serving"] = m.serving;
    x["leader"] = m.leader;
    x["member_id"] = m.member_id ? etcd::format_id(m.member_id) : "";
    x["cluster_id"] = m.cluster_id ? etcd::format_id(m.cluster_id) : "";
    x["member_list"] = m.list;
    x["error_classes"] = std::vector<std::string>(m.classes.begin(), m.classes.end());
    j[n] = x;
  }
  return j;
}

std::string etcdctl_class(const std::string& err) {
  std::string c = classify_log("error", err, "");
  return c;
}

}  // namespace raftlab::real::diffing
