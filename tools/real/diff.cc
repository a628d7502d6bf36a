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
#include <set>
#include <sstream>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/scenario/duration.h"
#include "sim/scenario/loader.h"
#include "tools/real/compare.h"
#include "tools/real/loopback.h"
#include "tools/real/process.h"
#include "tools/real/real_run.h"
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
  for (const auto& t : orig.timeline) {
    if (std::holds_alternative<scenario::PartitionAction>(t.action) || std::holds_alternative<scenario::HealAction>(t.action)) {
      err << o.scenario_file << ": " << t.path
          << ": diff cannot partition loopback addresses (it would need network namespaces and root); "
             "diff scenarios without partition/heal\n";
      return kBad;
    }
  }
  install_signal_cleanup();
  std::string root;
  try {
    auto [etcd_bin, ctl_bin] = find_etcd(o, err);
    const Captured vr = run_capture({etcd_bin, "--version"}, nullptr, 10000);
    const std::string real_version = trim_version(vr.out);
    if (vr.exit_code != 0 || real_version.empty()) throw Broken{etcd_bin + " --version failed: " + vr.err};
    auto map = make_loopback_map(orig, o.loopback_net);
    if (!map.ok()) throw BadInput{map.error().message};
    auto ls = std::make_shared<const scenario::Scenario>(loopback_scenario(orig, map.value(), real_version));
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

    const SimSide sim = run_sim(ls, points);

    char tmpl[] = "/tmp/raftlab-diff-XXXXXX";
    if (!::mkdtemp(tmpl)) throw Broken{"cannot create a temp dir under /tmp"};
    root = tmpl;

    std::ostringstream human;
    std::ostream& hs = o.json || o.row ? human : out;
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
    bool any_bitnami = false;
    for (const auto& m : orig.members)
      if (m.config.kind == scenario::ConfigKind::kDocker && m.config.text.find("bitnami/etcd") != std::string::npos)
        any_bitnami = true;
    if (any_bitnami)
      hs << "  Bitnami containers: real etcd runs with the flags/env raftlab's Bitnami entrypoint model decides "
            "(sim/etcd/bitnami.h); auth/RBAC is enabled on neither side\n";

    RealRun real(*ls, map.value(), etcd_bin, ctl_bin, root, sim, hs);
    struct Step {
      std::int64_t at;
      int order;  // 0 timeline, 1 observation
      const scenario::TimelineEntry* t;
    };
    std::vector<Step> steps;
    for (const auto& t : ls->timeline) steps.push_back({t.at_ns, 0, &t});
    for (auto p : points) steps.push_back({p, 1, nullptr});
    std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
      return a.at != b.at ? a.at < b.at : a.order < b.order;
    });

    ordered_json jpoints = ordered_json::array();
    std::vector<Probe> probes;
    size_t checks = 0, differ = 0;
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
      const Obs& so = sim.points.at(st.at);
      const double t0 = now_ms();
      Obs ro = real.observe();
      std::vector<Mismatch> mm = compare(so, ro);
      while (!mm.empty() && now_ms() - t0 < o.settle_s * 1000) {
        real.wait_until(now_ms() + 300);
        ro = real.observe();
        mm = compare(so, ro);
      }
      const double waited = now_ms() - t0;
      real.shift_ms += waited;
      last_sim = so;
      last_real = ro;
      checks += so.size() * 6;
      differ += mm.size();
      hs << fmt::format("\nat {} ({}; real observed {:.1f}s after the scaled time)\n", secs(st.at),
                        mm.empty() ? "agree" : "DIFFER", waited / 1000);
      hs << "  sim : " << summary(so) << "\n  real: " << summary(ro) << "\n";
      ordered_json jm = ordered_json::array();
      for (const auto& m : mm) {
        hs << fmt::format("  DIFF {:<18} {:<22} sim: {:<28} real: {}\n", m.member, m.field, m.sim, m.real);
        mismatch_lines.push_back(fmt::format("at {}: {} {}: sim {} / real {}", secs(st.at), m.member, m.field, m.sim, m.real));
        jm.push_back({{"member", m.member}, {"field", m.field}, {"sim", m.sim}, {"real", m.real}});
      }
      jpoints.push_back({{"at", secs(st.at)}, {"agree", mm.empty()}, {"sim", obs_json(so)}, {"real", obs_json(ro)},
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
          probes.push_back(p);
        }
        if (e->get) {
          Probe p;
          p.at_ns = st.at;
          const std::string via = e->get->via.member.empty() ? e->get->via.url : e->get->via.member;
          p.what = "get " + e->get->key + " via " + via;
          p.sim = sim.expect_probes.count(e->path + "/get") ? sim.expect_probes.at(e->path + "/get") : ProbeOutcome{"missing", "", ""};
          p.real = real.client(via, {"get", e->get->key, "-w", "json"}, true, e->get->key);
          probes.push_back(p);
        }
      }
    }
    for (const auto& t : ls->timeline) {
      if (!real.timeline_results.count(t.path)) continue;
      Probe p;
      p.at_ns = t.at_ns;
      p.what = "timeline " + t.path + ": etcdctl " + std::get<scenario::EtcdctlAction>(t.action).command;
      p.real = real.timeline_results.at(t.path);
      p.sim = sim.timeline_probes.count(t.path) ? sim.timeline_probes.at(t.path) : ProbeOutcome{"missing", "", ""};
      probes.push_back(p);
    }
    real.shutdown();

    hs << "\nclient calls (expectations' put/get, the timeline's state-changing etcdctl):\n";
    ordered_json jprobes = ordered_json::array();
    for (const auto& p : probes) {
      ProbeOutcome rs = p.real;
      if (rs.kind == "ok") rs.value.clear();
      ProbeOutcome ss = p.sim;
      const bool agree = ss.kind == rs.kind && (ss.kind != "value" || ss.value == rs.value) && ss.cls == rs.cls;
      ++checks;
      if (!agree) {
        ++differ;
        mismatch_lines.push_back(fmt::format("at {}: {}: sim {} / real {}", secs(p.at_ns), p.what, ss.text(), rs.text()));
      }
      hs << fmt::format("  {:<6} at {:>6}  {:<60} sim: {:<24} real: {}{}\n", agree ? "agree" : "DIFF", secs(p.at_ns), p.what,
                        ss.text(), rs.text(), !agree && rs.kind == "error" ? "  [" + p.real.value.substr(0, 120) + "]" : "");
      jprobes.push_back({{"at", secs(p.at_ns)}, {"what", p.what}, {"sim", ss.text()}, {"real", rs.text()}, {"agree", agree}});
    }
    const bool all_agree = differ == 0;
    hs << fmt::format("\nResult: {} ({} of ~{} compared values differ)\n", all_agree ? "AGREE" : "DIFFER", differ, checks);

    if (o.json) {
      ordered_json j;
      j["scenario"] = o.scenario_file;
      j["agree"] = all_agree;
      j["compared_version"] = real_version;
      j["scenario_version"] = scenario_version;
      j["real_etcd"] = {{"etcd", etcd_bin}, {"etcdctl", ctl_bin}, {"version", real_version}};
      j["time_scale"] = o.time_scale;
      ordered_json jh = ordered_json::object();
      for (const auto& h : orig.hosts) jh[h.name] = {{"scenario_ip", h.ip}, {"loopback", map.value().by_host.at(h.name)}};
      j["hosts"] = jh;
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
      std::string why = mismatch_lines.empty() ? "" : fmt::format("{}", fmt::join(mismatch_lines, "; "));
      for (auto& ch : why)
        if (ch == '|' || ch == '\n') ch = ' ';
      out << fmt::format("| `{}` | {} | {} | {} | {} |\n", name, outcome(last_sim), outcome(last_real),
                         all_agree ? "agree" : "differ", why);
    }
    if (!o.keep) {
      std::error_code ec;
      fs::remove_all(root, ec);
    } else {
      err << "raftlab diff: kept " << root << " (logs/, hosts/, containers/)\n";
    }
    return all_agree ? kOk : kDiffer;
  } catch (const BadInput& e) {
    kill_all_registered();
    err << "raftlab diff: " << o.scenario_file << ": " << e.message << "\n";
    if (!root.empty() && !o.keep) {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
    return kBad;
  } catch (const Broken& e) {
    kill_all_registered();
    err << "raftlab diff: real etcd unavailable or broken: " << e.message << "\n";
    return kNoEtcd;
  } catch (const std::exception& e) {
    kill_all_registered();
    err << "raftlab diff: " << e.what() << "\n";
    return kNoEtcd;
  }
}

}  // namespace raftlab::real
