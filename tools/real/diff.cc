// tools/real/diff.cc — `raftlab diff` (see diff.h and docs/fidelity.md).
//
// The simulation runs the loopback copy of the scenario (same URLs as the real processes,
// so member and cluster IDs must be equal) with the REAL etcd's version behaviour; the
// real run starts one etcd per member on 127.0.0.x, performs the timeline at its
// (scaled) times, and at every expectation time and at the end observes both sides:
// which members' etcd runs and answers, their member and cluster IDs, the member list
// each returns, the number of self-reported leaders per cluster, and the classes of
// error each logged. Expectation puts/gets and the timeline's state-changing etcdctl
// calls are performed on both sides and their outcomes compared.
#include "tools/real/diff.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/nemesis/nemesis.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/loader.h"
#include "tools/real/compare.h"
#include "tools/real/loopback.h"
#include "tools/real/netcut.h"
#include "tools/real/netns.h"
#include "tools/real/process.h"
#include "tools/real/real_run.h"
#include "tools/real/real_services.h"
#include "tools/real/sim_side.h"

namespace raftlab::real {

namespace {

using namespace diffing;  // NOLINT(google-build-using-namespace): the diff's own parts
namespace fs = std::filesystem;
using nlohmann::ordered_json;

std::string trim_version(const std::string& out) {
  auto p = out.find("etcd Version: ");
  if (p == std::string::npos) return "";
  auto e = out.find('\n', p);
  return out.substr(p + 14, e == std::string::npos ? std::string::npos : e - p - 14);
}

// ---------------------------------------------------------------- etcd on this machine

std::string which(const std::string& prog) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  std::stringstream ss(p);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    const std::string f = dir + "/" + prog;
    if (::access(f.c_str(), X_OK) == 0) return f;
  }
  return "";
}

// etcd and etcdctl, installed with apt-get (Debian etcd-server, etcd-client) when missing.
std::pair<std::string, std::string> find_etcd(const DiffOptions& o, std::ostream& err) {
  std::string etcd = o.real_etcd;
  if (etcd.empty()) etcd = ::access("/usr/bin/etcd", X_OK) == 0 ? "/usr/bin/etcd" : which("etcd");
  std::string ctl;
  if (!etcd.empty()) {
    const std::string sib = fs::path(etcd).parent_path().string() + "/etcdctl";
    ctl = ::access(sib.c_str(), X_OK) == 0 ? sib : which("etcdctl");
  }
  if ((etcd.empty() || ctl.empty()) && o.real_etcd.empty() && o.install) {
    err << "raftlab diff: etcd/etcdctl not found; installing Debian packages etcd-server etcd-client with apt-get\n";
    std::vector<std::string> cmd;
    if (::geteuid() != 0) cmd = {"sudo", "-n"};
    for (const char* w : {"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "etcd-server", "etcd-client"})
      cmd.push_back(w);
    Captured r = run_capture(cmd, nullptr, 600000);
    if (r.exit_code != 0) {
      // The package lists may be stale on a fresh machine.
      std::vector<std::string> upd = ::geteuid() != 0 ? std::vector<std::string>{"sudo", "-n", "apt-get", "update", "-q"}
                                                       : std::vector<std::string>{"apt-get", "update", "-q"};
      run_capture(upd, nullptr, 600000);
      r = run_capture(cmd, nullptr, 600000);
    }
    if (r.exit_code != 0) err << r.err;
    DiffOptions again = o;
    again.install = false;
    return find_etcd(again, err);
  }
  if (etcd.empty() || ::access(etcd.c_str(), X_OK) != 0)
    throw Broken{"no etcd binary (" + (o.real_etcd.empty() ? std::string("/usr/bin/etcd") : o.real_etcd) +
                 "): install the Debian packages etcd-server and etcd-client (scripts/deps.sh does)"};
  if (ctl.empty()) throw Broken{"no etcdctl next to " + etcd + " or on PATH: install etcd-client"};
  return {etcd, ctl};
}

}  // namespace

int run_diff(const DiffOptions& o, std::ostream& out, std::ostream& err) {
  if (!(o.time_scale > 0.0) || o.time_scale > 100.0) {
    err << "raftlab diff: --time-scale must be in (0, 100] (real seconds per scenario second), got " << o.time_scale << "\n";
    return kBad;
  }
  scenario::LoadResult lr = scenario::load_file(o.scenario_file);
  if (!lr.ok()) {
    for (const auto& e : lr.errors) err << scenario::format(e) << "\n";
    return kBad;
  }
  const scenario::Scenario& orig = *lr.scenario;
  install_signal_cleanup();
  std::string root;
  PrivateNs ns;
  auto leave_ns = [&ns] {
    set_child_namespaces(-1, -1);
    close_private_ns(ns);
  };
  try {
    auto [etcd_bin, ctl_bin] = find_etcd(o, err);
    const Captured vr = run_capture({etcd_bin, "--version"}, nullptr, 10000);
    const std::string real_version = trim_version(vr.out);
    if (vr.exit_code != 0 || real_version.empty()) throw Broken{etcd_bin + " --version failed: " + vr.err};
    auto map = make_loopback_map(orig, o.loopback_net);
    if (!map.ok()) throw BadInput{map.error().message};
    // A nemesis budget is drawn for the scenario's seed once, so both sides see the same
    // explicit faults (the simulation's trace is the same as with the budget).
    const scenario::Scenario lsc = loopback_scenario(orig, map.value(), real_version);
    auto ls = std::make_shared<const scenario::Scenario>(nemesis::materialize(lsc, lsc.seed));
    // The version the scenario asks for (explicit, else the first image tag).
    std::string scenario_version = orig.etcd_version.value_or("");
    if (scenario_version.empty()) {
      for (const auto& m : orig.members)
        if (m.config.kind == scenario::ConfigKind::kDocker) {
          auto p = m.config.text.find("etcd:");
          if (p != std::string::npos) {
            auto e = m.config.text.find_first_of(" \n\\\"", p + 5);
            scenario_version = m.config.text.substr(p + 5, e == std::string::npos ? std::string::npos : e - p - 5);
            break;
          }
        }
      if (scenario_version.empty()) scenario_version = "3.5.18 (raftlab's default)";
    }

    std::vector<std::int64_t> points;
    for (const auto& e : ls->expect) points.push_back(e.at_ns);
    points.push_back(ls->duration_ns);
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());

    const SimSide sim = run_sim(ls, points, kLeaderSeeds);
    if (!sim.cloud_made.empty())
      throw BadInput{"$.cloud: the cloud part made " + sim.cloud_made +
                     "; raftlab diff runs etcd on loopback addresses and can carry out only a template's Route 53 A and "
                     "SRV records (the simulated cloud has no real counterpart here)"};
    // The real side's scenario: the DNS the simulation's members resolved through
    // (the scenario's records and a template's Route 53 ones), no cloud part.
    scenario::Scenario real_sc = *ls;
    real_sc.dns = sim.dns;
    real_sc.cloud.reset();

    char tmpl[] = "/tmp/raftlab-diff-XXXXXX";
    if (!::mkdtemp(tmpl)) throw Broken{"cannot create a temp dir under /tmp"};
    root = tmpl;

    // The real processes' own network namespace (and mount namespace, for a resolv.conf),
    // where iptables can cut members apart. Without it the run still goes on, and every
    // partition is refused by name.
    std::ostringstream human;
    std::ostream& hs = o.json || o.row ? human : out;
    // The scenario's discovery services and DNS, for real (real_services.h); the DNS
    // server's resolv.conf is bind-mounted when the namespace is made.
    RealServices services(real_sc, map.value(), etcd_bin, ctl_bin, root, hs);
    const std::string resolv = services.dns_resolv_conf(!o.no_netns && ::geteuid() == 0, o.loopback_net);
    std::string netcut_why_not;
    std::unique_ptr<NetCut> netcut;
    if (o.no_netns) {
      netcut_why_not = "--no-netns: no private network namespace";
    } else {
      ns = make_private_ns(resolv);
      if (!ns.ok()) {
        netcut_why_not = "no private network namespace: " + ns.why_not;
      } else {
        set_child_namespaces(ns.net_fd, ns.mnt_fd);
        const std::string ipt = ::access("/usr/sbin/iptables-restore", X_OK) == 0 ? "/usr/sbin/iptables-restore"
                                                                                   : which("iptables-restore");
        std::vector<std::string> names;
        for (const auto& m : ls->members) names.push_back(m.name);
        if (ipt.empty()) {
          netcut_why_not = "iptables is not installed (Debian package iptables; scripts/deps.sh installs it)";
        } else {
          netcut = std::make_unique<NetCut>(ipt, root, names);
          std::string why;
          if (!netcut->setup(&why)) {
            netcut_why_not = "iptables does not work in the private namespace: " + why;
            netcut.reset();
          }
        }
      }
    }

    hs << fmt::format("raftlab diff {}\n", o.scenario_file);
    const bool version_differs = scenario_version.rfind(real_version.substr(0, 3), 0) != 0;
    hs << fmt::format("  compared with etcd {} behaviour (the real binary's version){}\n", real_version,
                      version_differs ? fmt::format("; the scenario says {}: raftlab simulates the real version "
                                                    "instead (3.4: PreVote off by default)", scenario_version)
                                      : "");
    std::vector<std::string> hosts;
    for (const auto& h : orig.hosts) hosts.push_back(h.name + " " + h.ip + " -> " + map.value().by_host.at(h.name));
    hs << fmt::format("  real: {} + {}, hosts {}, time scale {}, files in {}\n", etcd_bin, ctl_bin, fmt::join(hosts, ", "),
                      o.time_scale, root);
    hs << (netcut ? std::string("  real processes run in a private network namespace; partitions are iptables cuts\n")
                  : "  partitions cannot be applied on the real side: " + netcut_why_not + "\n");
    bool any_bitnami = false;
    for (const auto& m : orig.members)
      if (m.config.kind == scenario::ConfigKind::kDocker && m.config.text.find("bitnami/etcd") != std::string::npos)
        any_bitnami = true;
    if (any_bitnami)
      hs << "  Bitnami containers: real etcd runs with the flags/env raftlab's Bitnami entrypoint model decides "
            "(sim/etcd/bitnami.h); auth/RBAC is enabled on neither side\n";

    services.start(ns.ok());
    RealRun real(real_sc, map.value(), etcd_bin, ctl_bin, root, sim, hs);
    real.set_netcut(netcut.get(), netcut_why_not);
    real.set_services(&services);
    struct Step {
      std::int64_t at;
      int order;  // 0 timeline, 1 fault start/end, 2 observation
      const scenario::TimelineEntry* t;
      std::size_t fault;
      bool fault_end;
    };
    std::vector<Step> steps;
    for (const auto& t : ls->timeline) steps.push_back({t.at_ns, 0, &t, 0, false});
    for (std::size_t i = 0; i < ls->faults.size(); ++i) {
      const auto& f = ls->faults[i];
      steps.push_back({f.at_ns, 1, nullptr, i, false});
      const bool ends = f.kind != scenario::FaultKind::kMemberRemove && f.kind != scenario::FaultKind::kMemberAdd &&
                        (f.kind != scenario::FaultKind::kTerminate || f.duration_ns > 0);
      if (ends) steps.push_back({nemesis::fault_end_ns(f), 1, nullptr, i, true});
    }
    for (auto p : points) steps.push_back({p, 2, nullptr, 0, false});
    std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
      return a.at != b.at ? a.at < b.at : a.order < b.order;
    });

    // What the real side did not carry out, by time: every comparison from then on is
    // "not comparable" (never "agree").
    std::vector<std::pair<std::int64_t, std::string>> not_applied;
    if (ls->clients)
      not_applied.emplace_back(ls->clients->start_ns, ls->clients->path +
                                                          ": the client workload: not run on the real side (raftlab diff "
                                                          "performs only the expectations' and the timeline's etcdctl calls)");
    for (const auto& x : services.not_applied) not_applied.push_back(x);
    // Members a leader-relative fault struck differently on the two sides (from when).
    std::vector<std::pair<std::int64_t, std::set<std::string>>> skips;
    ordered_json jfaults = ordered_json::array();
    auto first_not_applied = [&]() -> std::optional<std::int64_t> {
      std::optional<std::int64_t> t;
      for (const auto& [at, w] : not_applied) t = t ? std::min(*t, at) : at;
      for (const auto& [at, w] : real.not_applied) t = t ? std::min(*t, at) : at;
      return t;
    };

    ordered_json jpoints = ordered_json::array();
    std::vector<Probe> probes;
    size_t checks = 0, differ = 0, uncomparable = 0;
    std::vector<std::string> mismatch_lines;
    Obs last_sim, last_real;
    real.start_ms = now_ms();
    for (const auto& st : steps) {
      const double target = real.start_ms + static_cast<double>(st.at) / 1e6 * o.time_scale + real.shift_ms;
      real.wait_until(target);
      if (st.order == 0) {
        real.apply(*st.t);
        continue;
      }
      if (st.order == 1) {
        const auto& f = ls->faults[st.fault];
        if (st.fault_end) {
          real.fault_end(st.fault, f);
          continue;
        }
        const RealRun::FaultResult fr = real.fault_begin(st.fault, f);
        const auto sit = sim.fault_struck.find(st.fault);
        const std::string sim_struck = sit == sim.fault_struck.end() ? "" : sit->second;
        jfaults.push_back({{"path", f.path},
                           {"kind", scenario::fault_kind_name(f.kind)},
                           {"at", secs(f.at_ns)},
                           {"applied", fr.applied},
                           {"real", fr.text},
                           {"sim_struck", sim_struck},
                           {"real_struck", fr.struck}});
        if (!fr.applied) {
          not_applied.emplace_back(f.at_ns, fr.text);
        } else if (f.target == scenario::kLeaderTarget && sim_struck != fr.struck) {
          // The simulation's leader and the real one were different members: what
          // happened to each is not comparable member by member; counts still are.
          std::set<std::string> sk;
          for (const auto& m : ls->members)
            if (m.name == sim_struck || m.name == fr.struck || m.host == sim_struck || m.host == fr.struck) sk.insert(m.name);
          skips.emplace_back(f.at_ns, sk);
          hs << fmt::format("    the fault struck {} in simulation and {} on the real side: those members are not "
                            "compared member by member from {} on\n",
                            sim_struck.empty() ? "nothing" : sim_struck, fr.struck.empty() ? "nothing" : fr.struck,
                            secs(f.at_ns));
        }
        continue;
      }
      const Obs& so = sim.points.at(st.at);
      const auto na = first_not_applied();
      const bool comparable = !na || *na > st.at;
      std::set<std::string> skip;
      for (const auto& [at, sk] : skips)
        if (at <= st.at) skip.insert(sk.begin(), sk.end());
      const auto& lsets = sim.leader_sets.at(st.at);
      const bool leader_determined = lsets.size() == 1;
      const double t0 = now_ms();
      Obs ro = real.observe();
      std::vector<Mismatch> mm = compare(so, ro, skip, leader_determined);
      while (comparable && !mm.empty() && now_ms() - t0 < o.settle_s * 1000) {
        real.wait_until(now_ms() + 300);
        ro = real.observe();
        mm = compare(so, ro, skip, leader_determined);
      }
      const double waited = now_ms() - t0;
      real.shift_ms += waited;
      last_sim = so;
      last_real = ro;
      checks += so.size() * 6;
      const std::string label = !comparable ? "not comparable" : mm.empty() ? "agree" : "DIFFER";
      if (comparable) differ += mm.size();
      else uncomparable += so.size() * 6;
      hs << fmt::format("\nat {} ({}; real observed {:.1f}s after the scaled time)\n", secs(st.at), label, waited / 1000);
      hs << "  sim : " << summary(so) << "\n  real: " << summary(ro) << "\n";
      if (!comparable) {
        for (const auto& [at, w] : not_applied)
          if (at <= st.at) hs << "  not comparable: " << w << "\n";
        for (const auto& [at, w] : real.not_applied)
          if (at <= st.at) hs << "  not comparable: " << w << "\n";
      }
      const std::string lname = leader_determined
                                    ? std::string("compared (the simulation elects the same members with every seed)")
                                    : fmt::format("not comparable (the simulation's seed and seeds 1..{} elect different "
                                                  "members: {})",
                                                  kLeaderSeeds, fmt::join(lsets, " | "));
      hs << fmt::format("  leaders: sim [{}] real [{}]: the number per cluster is compared; which member: {}\n",
                        leader_text(so), leader_text(ro), lname);
      if (!skip.empty()) hs << fmt::format("  not compared member by member: {}\n", fmt::join(skip, " "));
      ordered_json jm = ordered_json::array();
      for (const auto& m : mm) {
        hs << fmt::format("  {} {:<18} {:<22} sim: {:<28} real: {}\n", comparable ? "DIFF" : "(nc)", m.member, m.field,
                          m.sim, m.real);
        if (comparable)
          mismatch_lines.push_back(fmt::format("at {}: {} {}: sim {} / real {}", secs(st.at), m.member, m.field, m.sim, m.real));
        jm.push_back({{"member", m.member}, {"field", m.field}, {"sim", m.sim}, {"real", m.real}});
      }
      jpoints.push_back({{"at", secs(st.at)},
                         {"agree", comparable && mm.empty()},
                         {"verdict", !comparable ? "not comparable" : mm.empty() ? "agree" : "differ"},
                         {"leader_identity_compared", leader_determined},
                         {"not_compared_members", std::vector<std::string>(skip.begin(), skip.end())},
                         {"sim", obs_json(so)},
                         {"real", obs_json(ro)},
                         {"mismatches", jm}});
      // The expectations' client calls at this time, in file order.
      std::vector<const scenario::Expectation*> exps;
      for (const auto& e : ls->expect)
        if (e.at_ns == st.at && (e.put || e.get)) exps.push_back(&e);
      std::stable_sort(exps.begin(), exps.end(), [](auto* a, auto* b) { return a->file_index < b->file_index; });
      for (const auto* e : exps) {
        if (e->put) {
          Probe p;
          p.at_ns = st.at;
          const std::string via = e->put->via.member.empty() ? e->put->via.url : e->put->via.member;
          p.what = "put " + e->put->key + " via " + via;
          p.sim = sim.expect_probes.count(e->path + "/put") ? sim.expect_probes.at(e->path + "/put") : ProbeOutcome{"missing", "", ""};
          p.real = real.client(via, {"put", e->put->key, e->put->value}, false, e->put->key);
          p.compared = comparable && !skip.count(via);
          probes.push_back(p);
        }
        if (e->get) {
          Probe p;
          p.at_ns = st.at;
          const std::string via = e->get->via.member.empty() ? e->get->via.url : e->get->via.member;
          p.what = "get " + e->get->key + " via " + via;
          p.sim = sim.expect_probes.count(e->path + "/get") ? sim.expect_probes.at(e->path + "/get") : ProbeOutcome{"missing", "", ""};
          p.real = real.client(via, {"get", e->get->key, "-w", "json"}, true, e->get->key);
          p.compared = comparable && !skip.count(via);
          probes.push_back(p);
        }
      }
    }
    const auto na_final = first_not_applied();
    for (const auto& t : ls->timeline) {
      if (!real.timeline_results.count(t.path)) continue;
      Probe p;
      p.at_ns = t.at_ns;
      p.what = "timeline " + t.path + ": etcdctl " + std::get<scenario::EtcdctlAction>(t.action).command;
      p.real = real.timeline_results.at(t.path);
      p.sim = sim.timeline_probes.count(t.path) ? sim.timeline_probes.at(t.path) : ProbeOutcome{"missing", "", ""};
      p.compared = !na_final || *na_final > t.at_ns;
      probes.push_back(p);
    }
    real.shutdown();
    services.shutdown();
    for (const auto& x : real.not_applied) not_applied.push_back(x);
    for (const auto& n : services.notes) real.notes.push_back(n);
    std::sort(not_applied.begin(), not_applied.end());

    hs << "\nclient calls (expectations' put/get, the timeline's state-changing etcdctl):\n";
    ordered_json jprobes = ordered_json::array();
    for (const auto& p : probes) {
      ProbeOutcome rs = p.real;
      if (rs.kind == "ok") rs.value.clear();
      ProbeOutcome ss = p.sim;
      const bool agree = ss.kind == rs.kind && (ss.kind != "value" || ss.value == rs.value) && ss.cls == rs.cls;
      ++checks;
      if (!p.compared) ++uncomparable;
      else if (!agree) {
        ++differ;
        mismatch_lines.push_back(fmt::format("at {}: {}: sim {} / real {}", secs(p.at_ns), p.what, ss.text(), rs.text()));
      }
      const std::string label = !p.compared ? "n/c" : agree ? "agree" : "DIFF";
      hs << fmt::format("  {:<6} at {:>6}  {:<60} sim: {:<24} real: {}{}\n", label, secs(p.at_ns), p.what, ss.text(),
                        rs.text(), !agree && rs.kind == "error" ? "  [" + p.real.value.substr(0, 120) + "]" : "");
      jprobes.push_back({{"at", secs(p.at_ns)},
                         {"what", p.what},
                         {"sim", ss.text()},
                         {"real", rs.text()},
                         {"agree", p.compared && agree},
                         {"verdict", !p.compared ? "not comparable" : agree ? "agree" : "differ"}});
    }
    const std::string verdict = differ > 0 ? "differ" : !not_applied.empty() ? "not comparable" : "agree";
    if (!not_applied.empty()) {
      hs << "\nnot applied on the real side (every comparison from its time on is \"not comparable\"):\n";
      for (const auto& [at, w] : not_applied) hs << "  " << w << "\n";
    }
    if (verdict == "differ")
      hs << fmt::format("\nResult: DIFFER ({} of ~{} compared values differ{})\n", differ, checks - uncomparable,
                        uncomparable ? fmt::format("; ~{} not comparable", uncomparable) : "");
    else if (verdict == "not comparable")
      hs << fmt::format("\nResult: NOT COMPARABLE (~{} compared values agree; ~{} could not be compared: {} thing(s) "
                        "not applied on the real side)\n",
                        checks - uncomparable, uncomparable, not_applied.size());
    else
      hs << fmt::format("\nResult: AGREE (0 of ~{} compared values differ)\n", checks);

    std::vector<std::string> na_text;
    for (const auto& [at, w] : not_applied) na_text.push_back(w);
    if (o.json) {
      ordered_json j;
      j["scenario"] = o.scenario_file;
      j["agree"] = verdict == "agree";
      j["verdict"] = verdict;
      j["compared_version"] = real_version;
      j["scenario_version"] = scenario_version;
      j["real_etcd"] = {{"etcd", etcd_bin}, {"etcdctl", ctl_bin}, {"version", real_version}};
      j["time_scale"] = o.time_scale;
      j["private_netns"] = ns.ok();
      j["partitions"] = netcut ? "iptables" : netcut_why_not;
      ordered_json jh = ordered_json::object();
      for (const auto& h : orig.hosts) jh[h.name] = {{"scenario_ip", h.ip}, {"loopback", map.value().by_host.at(h.name)}};
      j["hosts"] = jh;
      j["faults"] = jfaults;
      j["not_applied"] = na_text;
      j["points"] = jpoints;
      j["client_calls"] = jprobes;
      j["mismatches"] = mismatch_lines;
      j["notes"] = real.notes;
      j["sim_outcome"] = outcome(last_sim);
      j["real_outcome"] = outcome(last_real);
      out << j.dump(2) << "\n";
    } else if (o.row) {
      const std::string name = fs::path(o.scenario_file).parent_path().filename().string() + "/" +
                               fs::path(o.scenario_file).filename().string();
      std::vector<std::string> why = mismatch_lines;
      why.insert(why.end(), na_text.begin(), na_text.end());
      std::string w = fmt::format("{}", fmt::join(why, "; "));
      for (auto& ch : w)
        if (ch == '|' || ch == '\n') ch = ' ';
      out << fmt::format("| `{}` | {} | {} | {} | {} |\n", name, outcome(last_sim), outcome(last_real), verdict, w);
    }
    leave_ns();
    if (!o.keep) {
      std::error_code ec;
      fs::remove_all(root, ec);
    } else {
      err << "raftlab diff: kept " << root << " (logs/, hosts/, containers/)\n";
    }
    return verdict == "differ" ? kDiffer : verdict == "not comparable" ? kNotComparable : kOk;
  } catch (const BadInput& e) {
    kill_all_registered();
    leave_ns();
    err << "raftlab diff: " << o.scenario_file << ": " << e.message << "\n";
    if (!root.empty() && !o.keep) {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
    return kBad;
  } catch (const Broken& e) {
    kill_all_registered();
    leave_ns();
    err << "raftlab diff: real etcd unavailable or broken: " << e.message << "\n";
    return kNoEtcd;
  } catch (const std::exception& e) {
    kill_all_registered();
    leave_ns();
    err << "raftlab diff: " << e.what() << "\n";
    return kNoEtcd;
  }
}

}  // namespace raftlab::real
