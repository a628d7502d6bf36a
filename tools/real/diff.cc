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
#include <sys/wait.h>
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

#include "sim/deploy.h"
#include "sim/deploy_bitnami.h"
#include "sim/etcd/bitnami.h"
#include "sim/etcd/docker.h"
#include "sim/etcd/ids.h"
#include "sim/etcd/shell.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/loader.h"
#include "tools/real/loopback.h"
#include "tools/real/process.h"

namespace raftlab::real {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

constexpr int kOk = 0, kDiffer = 1, kBad = 2, kNoEtcd = 3;

struct BadInput {
  std::string message;
};
struct Broken {
  std::string message;
};

std::string secs(std::int64_t ns) { return sim::format_duration(sim::nanos(ns)); }

// ---------------------------------------------------------------- observations

struct MemberObs {
  bool up = false;       // an etcd process runs
  bool serving = false;  // it answers etcdctl (ReadyNotify passed)
  bool leader = false;
  std::uint64_t member_id = 0, cluster_id = 0;
  bool id_derived = true;  // false: the ID came from `member add` (mixes in the time)
  std::vector<std::string> list;  // "name@peerurls", sorted
  std::set<std::string> classes;
};
using Obs = std::map<std::string, MemberObs>;

std::string yesno(bool b) { return b ? "yes" : "no"; }
std::string idtext(std::uint64_t id) { return id ? etcd::format_id(id) : "?"; }
std::string settext(const std::set<std::string>& s) {
  return s.empty() ? "-" : fmt::format("{}", fmt::join(s, ","));
}
std::string listtext(const std::vector<std::string>& v) { return "[" + fmt::format("{}", fmt::join(v, " ")) + "]"; }

struct Mismatch {
  std::string member, field, sim, real;
};

std::map<std::uint64_t, int> leaders_by_cluster(const Obs& o) {
  std::map<std::uint64_t, int> out;
  for (const auto& [n, m] : o)
    if (m.serving && m.leader) ++out[m.cluster_id];
  return out;
}

std::vector<Mismatch> compare(const Obs& s, const Obs& r) {
  std::vector<Mismatch> out;
  for (const auto& [name, sm] : s) {
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

// ---------------------------------------------------------------- probes

struct ProbeOutcome {
  std::string kind;    // "ok" | "error" | "absent" | "value"
  std::string value;   // get: the value; error: the text
  std::string cls;     // error class
  std::string text() const {
    if (kind == "value") return "\"" + value + "\"";
    if (kind == "error") return "error" + (cls.empty() ? "" : " (" + cls + ")");
    return kind == "absent" ? "key not found" : kind;
  }
  bool same(const ProbeOutcome& o) const { return kind == o.kind && value == o.value && cls == o.cls; }
};

std::string etcdctl_class(const std::string& err) {
  std::string c = classify_log("error", err, "");
  return c;
}

struct Probe {
  std::int64_t at_ns = 0;
  std::string what;      // "put /k via etcd1", "timeline: member add etcd2 ..."
  ProbeOutcome sim, real;
  bool compared = true;
};

// ---------------------------------------------------------------- simulation side

struct SimSide {
  std::map<std::int64_t, Obs> points;
  std::map<std::string, ProbeOutcome> expect_probes;  // "$.expect[i]/put" -> outcome
  std::map<std::string, ProbeOutcome> timeline_probes;  // "$.timeline[i]" -> outcome
  std::map<std::string, std::string> endpoints;        // member -> client URL
};

std::unique_ptr<sim::Deployment> build(std::shared_ptr<const scenario::Scenario> s, std::optional<std::int64_t> stop) {
  sim::RunOptions ro;
  ro.stop_at_ns = stop;
  std::vector<scenario::LoadError> errors;
  auto d = sim::Deployment::build(std::move(s), ro, &errors);
  if (!d) {
    std::string msg;
    for (const auto& e : errors) msg += scenario::format(e) + "\n";
    throw BadInput{msg};
  }
  return d;
}

ProbeOutcome sim_client_outcome(const std::string& op, const std::string& status, const std::string& b,
                                const std::string& c) {
  ProbeOutcome p;
  if (status != "ok") {
    p.kind = "error";
    p.cls = etcdctl_class(b);
    return p;
  }
  if (op == "get") {
    if (b == "found") {
      p.kind = "value";
      p.value = c;
    } else {
      p.kind = "absent";
    }
    return p;
  }
  p.kind = "ok";
  return p;
}

Obs sim_observe(const sim::World& w, std::int64_t at_ns) {
  Obs o;
  std::map<std::string, bool> joined;
  std::map<std::string, std::set<std::string>> classes;
  for (const auto& e : w.trace().events()) {
    if (e.at.ns > at_ns) break;
    if (e.kind == sim::Ev::Bootstrap && e.a == "existing") joined[e.who] = true;
    if (e.kind == sim::Ev::Log) {
      if (auto c = classify_log(e.a, e.b, e.c); !c.empty()) classes[e.who].insert(c);
    }
    if (e.kind == sim::Ev::ProcExit && !e.b.empty()) {
      if (auto c = classify_log("fatal", e.b, ""); !c.empty()) classes[e.who].insert(c);
    }
  }
  for (const auto& v : w.members()) {
    MemberObs m;
    m.up = v.state == "running" || v.state == "bootstrapping";
    m.serving = m.up && v.running && v.ready;
    m.member_id = v.member_id;
    m.cluster_id = v.cluster_id;
    m.id_derived = !joined[v.name];
    m.leader = m.serving && v.role == raft::Role::Leader;
    if (m.serving) {
      for (const auto& rec : v.members)
        m.list.push_back(rec.name + "@" + fmt::format("{}", fmt::join(rec.peer_urls, ",")));
      std::sort(m.list.begin(), m.list.end());
    }
    m.classes = classes[v.name];
    o[v.name] = m;
  }
  return o;
}

SimSide run_sim(const std::shared_ptr<const scenario::Scenario>& s, const std::vector<std::int64_t>& points) {
  SimSide side;
  for (auto t : points) {
    auto d = build(s, t);
    d->run();
    side.points[t] = sim_observe(d->world(), t);
  }
  auto d = build(s, std::nullopt);
  const sim::RunResult rr = d->run();
  for (const auto& m : s->members) side.endpoints[m.name] = d->world().endpoint_url(m.name);
  for (const auto& r : rr.expectations) {
    const bool put = r.what.rfind("put ", 0) == 0, get = r.what.rfind("get ", 0) == 0;
    if (!put && !get) continue;
    ProbeOutcome p;
    if (r.actual.rfind("Error: ", 0) == 0) {
      p.kind = "error";
      p.cls = etcdctl_class(r.actual.substr(7));
    } else if (put) {
      p.kind = "ok";
    } else if (r.actual == "key not found") {
      p.kind = "absent";
    } else {
      p.kind = "value";
      p.value = r.actual.size() >= 2 ? r.actual.substr(1, r.actual.size() - 2) : r.actual;
    }
    side.expect_probes[r.path + (put ? "/put" : "/get")] = p;
  }
  // The timeline's own etcdctl calls (client 0), matched by time and operation.
  std::map<std::uint64_t, std::string> call_op;
  std::map<std::uint64_t, std::int64_t> call_at;
  std::map<std::uint64_t, ProbeOutcome> done;
  for (const auto& e : d->world().trace().events()) {
    if (e.kind == sim::Ev::ClientCall && e.peer == 0) {
      call_op[e.index] = e.a;
      call_at[e.index] = e.at.ns;
    }
    if (e.kind == sim::Ev::ClientDone && e.peer == 0 && call_op.count(e.index) && !done.count(e.index))
      done[e.index] = sim_client_outcome(call_op[e.index], e.a, e.b, e.c);
  }
  for (const auto& t : s->timeline) {
    const auto* a = std::get_if<scenario::EtcdctlAction>(&t.action);
    if (!a) continue;
    std::string op;
    if (a->command.find("member add") != std::string::npos) op = "member-add";
    else if (a->command.find("member remove") != std::string::npos) op = "member-remove";
    else if (a->command.rfind("put ", 0) == 0 || a->command.rfind("etcdctl put ", 0) == 0) op = "put";
    else continue;
    for (const auto& [id, o] : call_op) {
      if (o == op && call_at[id] == t.at_ns && done.count(id) && !side.timeline_probes.count(t.path)) {
        side.timeline_probes[t.path] = done[id];
        call_op[id] = "";  // used
        break;
      }
    }
  }
  return side;
}

// ---------------------------------------------------------------- real side

struct Container {
  const scenario::Member* m = nullptr;
  scenario::MemberConfig cfg;
  bool expanded = false;
  bool docker = false, bitnami = false;
  etcd::DockerRun dr;
  Env cenv;
  std::vector<std::string> args;
  Env env;
  int instance = 0;
  bool wanted = false;
  pid_t pid = -1;
  RealCommand cmd;
  bool has_cmd = false;
  double restart_at = -1;
  double backoff = 100;
  int restarts = 0;
  std::string log_path;
  std::uintmax_t log_read = 0;
  std::string partial;
  std::set<std::string> classes;
  std::uint64_t log_member = 0, log_cluster = 0;
  std::string last_error;
};

std::string trim_version(const std::string& out) {
  auto p = out.find("etcd Version: ");
  if (p == std::string::npos) return "";
  auto e = out.find('\n', p);
  return out.substr(p + 14, e == std::string::npos ? std::string::npos : e - p - 14);
}

class RealRun {
 public:
  RealRun(const scenario::Scenario& s, const LoopbackMap& map, std::string etcd, std::string etcdctl, std::string root,
          const SimSide& sim, std::ostream& log)
      : s_(s), map_(map), etcd_(std::move(etcd)), etcdctl_(std::move(etcdctl)), root_(std::move(root)), sim_(sim), log_(log) {
    for (const auto& h : s_.hosts) host_env_[h.name] = h.env;
    for (const auto& m : s_.members) {
      Container c;
      c.m = &m;
      c.cfg = m.config;
      c.log_path = root_ + "/logs/" + m.name + ".log";
      cs_[m.name] = c;
    }
    fs::create_directories(root_ + "/logs");
  }
  ~RealRun() { shutdown(); }

  void shutdown() {
    for (auto& [n, c] : cs_) {
      if (c.pid > 0) stop_pid(c.pid, 5000);
      c.pid = -1;
    }
  }

  double start_ms = 0;
  double shift_ms = 0;

  void wait_until(double t_ms) {
    while (now_ms() < t_ms) {
      supervise();
      sleep_ms(std::min(50.0, t_ms - now_ms()));
    }
    supervise();
  }

  void apply(const scenario::TimelineEntry& t) {
    std::visit([&](const auto& a) { do_action(t, a); }, t.action);
  }

  Obs observe() {
    supervise();
    Obs o;
    std::vector<std::string> up;
    for (auto& [n, c] : cs_) {
      MemberObs m;
      m.up = c.pid > 0;
      m.member_id = c.log_member;
      m.cluster_id = c.log_cluster;
      m.classes = c.classes;
      o[n] = m;
      if (m.up && c.has_cmd) up.push_back(n);
    }
    std::vector<std::vector<std::string>> cmds;
    for (const auto& n : up) cmds.push_back(ctl(cs_[n].cmd.client_url, {"endpoint", "status", "-w", "json"}, 2));
    auto res = run_capture_all(cmds, &ctl_env_, 3500);
    std::vector<std::string> serving;
    for (size_t i = 0; i < up.size(); ++i) {
      if (res[i].exit_code != 0) continue;
      auto st = parse_endpoint_status_json(res[i].out);
      if (!st || st->empty()) continue;
      auto& m = o[up[i]];
      m.serving = true;
      m.member_id = (*st)[0].member_id;
      m.cluster_id = (*st)[0].cluster_id;
      m.leader = (*st)[0].leader != 0 && (*st)[0].leader == (*st)[0].member_id;
      serving.push_back(up[i]);
    }
    cmds.clear();
    for (const auto& n : serving) cmds.push_back(ctl(cs_[n].cmd.client_url, {"member", "list", "-w", "json"}, 2));
    res = run_capture_all(cmds, &ctl_env_, 3500);
    for (size_t i = 0; i < serving.size(); ++i) {
      auto& m = o[serving[i]];
      auto l = res[i].exit_code == 0 ? parse_member_list_json(res[i].out) : std::nullopt;
      if (!l) {
        m.list = {"(member list failed)"};
        continue;
      }
      for (const auto& x : l->members) m.list.push_back(x.name + "@" + fmt::format("{}", fmt::join(x.peer_urls, ",")));
      std::sort(m.list.begin(), m.list.end());
    }
    return o;
  }

  ProbeOutcome client(const std::string& via, const std::vector<std::string>& words, bool get, const std::string& key) {
    const Captured r = run_capture(ctl(endpoint(via), words, 5), &ctl_env_, 8000);
    ProbeOutcome p;
    if (r.exit_code != 0) {
      p.kind = "error";
      p.value = r.err.empty() ? "timed out" : r.err;
      p.cls = etcdctl_class(r.err);
      return p;
    }
    if (!get) {
      p.kind = "ok";
      p.value = r.out;
      return p;
    }
    auto g = parse_get_json(r.out, key);
    if (!g) {
      p.kind = "error";
      p.value = "unparsable etcdctl output: " + r.out;
    } else if (g->first) {
      p.kind = "value";
      p.value = g->second;
    } else {
      p.kind = "absent";
    }
    return p;
  }

  std::map<std::string, ProbeOutcome> timeline_results;
  std::vector<std::string> notes;  // what the real run did that a reader should know

 private:
  std::vector<std::string> ctl(const std::string& endpoint, const std::vector<std::string>& words, int timeout_s) {
    std::vector<std::string> a{etcdctl_, "--endpoints=" + endpoint, fmt::format("--command-timeout={}s", timeout_s),
                               "--dial-timeout=2s"};
    a.insert(a.end(), words.begin(), words.end());
    return a;
  }

  std::string endpoint(const std::string& name_or_url) {
    if (name_or_url.find("://") != std::string::npos) return name_or_url;
    auto it = sim_.endpoints.find(name_or_url);
    return it == sim_.endpoints.end() ? name_or_url : it->second;
  }

  std::string host_lo(const Container& c) { return map_.by_host.at(c.m->host); }
  bool host_down(const Container& c) { return down_.count(c.m->host) > 0; }

  Place place(const Container& c) {
    Place p;
    p.host_lo = host_lo(c);
    p.own_netns = c.docker && c.dr.network != etcd::NetworkMode::host;
    if (c.docker) {
      for (const auto& pm : c.dr.ports)
        if (pm.host_port) p.published[pm.container_port] = pm.host_port;
      p.volumes = c.dr.volumes;
    }
    p.host_root = root_ + "/hosts/" + c.m->host;
    p.container_root = root_ + fmt::format("/containers/{}.{}", c.m->name, c.instance);
    p.cwd = c.docker ? p.container_root + "/cwd" : p.host_root + "/cwd";
    fs::create_directories(p.cwd);
    return p;
  }

  void expand(Container& c) {
    const Env& henv = host_env_[c.m->host];
    c.docker = c.cfg.kind == scenario::ConfigKind::kDocker;
    c.bitnami = false;
    c.args.clear();
    c.env.clear();
    if (c.docker) {
      auto words = etcd::shell_split(c.cfg.text, henv);
      if (!words.ok()) throw BadInput{c.m->name + ": " + words.error().message};
      auto run = etcd::parse_docker_run(words.value().argv, henv);
      if (!run.ok()) throw BadInput{c.m->name + ": " + run.error().message};
      c.dr = run.value();
      c.cenv = etcd::container_env(c.dr);
      c.bitnami = etcd::is_bitnami_etcd_image(c.dr.image_repo);
      if (!c.bitnami) {
        c.args = c.dr.command;
        if (!c.args.empty() && (c.args[0] == "etcd" || (c.args[0].size() >= 5 && c.args[0].substr(c.args[0].size() - 5) == "/etcd")))
          c.args.erase(c.args.begin());
        c.env = c.cenv;
      }
    } else if (c.cfg.kind == scenario::ConfigKind::kFlags) {
      auto words = etcd::shell_split(c.cfg.text, henv);
      if (!words.ok()) throw BadInput{c.m->name + ": " + words.error().message};
      c.args = words.value().argv;
      if (!c.args.empty() && (c.args[0] == "etcd" || (c.args[0].size() >= 5 && c.args[0].substr(c.args[0].size() - 5) == "/etcd")))
        c.args.erase(c.args.begin());
      c.env = henv;
    } else if (c.cfg.kind == scenario::ConfigKind::kArgs) {
      c.args = c.cfg.args;
      c.env = henv;
    } else {
      c.env = henv;
      for (const auto& [k, v] : c.cfg.env) c.env[k] = v;
    }
    c.expanded = true;
  }

  etcd::RestartPolicy policy(const Container& c) { return c.docker ? c.dr.restart : etcd::RestartPolicy::no; }

  bool exec(Container& c, const std::vector<std::string>& args, const Env& env) {
    auto cmd = real_etcd_command(etcd_, args, env, place(c));
    if (!cmd.ok()) throw BadInput{c.m->name + ": " + cmd.error().message + " — " + cmd.error().fix};
    c.cmd = cmd.value();
    c.has_cmd = true;
    fs::create_directories(fs::path(c.cmd.data_dir).parent_path());
    std::string error;
    c.log_member = c.log_cluster = 0;
    read_log(c);
    c.pid = spawn(c.cmd.argv, c.cmd.env, c.cmd.cwd, c.log_path, &error);
    if (c.pid < 0) throw Broken{"cannot start " + etcd_ + ": " + error};
    return true;
  }

  // What the Bitnami entrypoint does, decided by raftlab's model (sim/etcd/bitnami.h) with
  // this machine's answers: the real data dir, and real etcdctl calls where the scripts'
  // endpoint is reachable. Auth/RBAC is not enabled (the model does not model it either).
  void bitnami_launch(Container& c) {
    Place p = place(c);
    const Env benv = etcd::bitnami_env_defaults(c.cenv);
    const std::string dd = map_path(sim::bitnami_data_dir(c.cenv), p);
    etcd::BitnamiInput in;
    in.container_env = c.cenv;
    in.command = c.dr.command;
    std::error_code ec;
    if (fs::is_directory(dd, ec)) {
      for (const auto& e : fs::directory_iterator(dd, ec)) in.data_dir.entries.push_back(e.path().filename().string());
      in.data_dir.has_wal = fs::is_directory(dd + "/member", ec);
    }
    in.new_member_envs = read_envs(dd + "/new_member_envs");
    const bool has_endpoints = benv.count("ETCDCTL_ENDPOINTS") && !benv.at("ETCDCTL_ENDPOINTS").empty();
    if (has_endpoints) {
      const std::string eps = benv.at("ETCDCTL_ENDPOINTS");
      auto st = run_capture({etcdctl_, "--endpoints=" + eps, "--command-timeout=2s", "endpoint", "status", "--cluster"},
                            &ctl_env_, 4000);
      in.probes.endpoint_status_ok = st.exit_code == 0;
      auto ml = run_capture({etcdctl_, "--endpoints=" + eps, "--command-timeout=2s", "member", "list", "-w", "json"}, &ctl_env_, 4000);
      if (auto l = ml.exit_code == 0 ? parse_member_list_json(ml.out) : std::nullopt) {
        const std::string mine = benv.count("ETCD_INITIAL_ADVERTISE_PEER_URLS") ? benv.at("ETCD_INITIAL_ADVERTISE_PEER_URLS") : "";
        for (const auto& m : l->members)
          for (const auto& u : m.peer_urls)
            if (!mine.empty() && u == mine && !in.probes.listed_member_id) in.probes.listed_member_id = etcd::format_id(m.id);
      }
    }
    etcd::BitnamiPlan plan = etcd::plan_bitnami_start(in);
    auto has_action = [&](etcd::BitnamiActionKind k, const std::string& needle) -> const etcd::BitnamiAction* {
      for (const auto& a : plan.actions)
        if (a.kind == k && a.detail.find(needle) != std::string::npos) return &a;
      return nullptr;
    };
    // is_node_still_a_member: a real trial run of etcd, its log watched (bounded).
    if (const auto* trial = has_action(etcd::BitnamiActionKind::start_etcd_background, "trial")) {
      const Env tenv = trial->env;
      exec(c, {}, tenv);
      const std::uintmax_t from = c.log_read;
      const double end = now_ms() + 5000;
      etcd::TrialOutcome outcome = etcd::TrialOutcome::none_yet;
      while (now_ms() < end && outcome == etcd::TrialOutcome::none_yet) {
        sleep_ms(100);
        std::string text = read_file_from(c.log_path, from);
        if (text.find("established TCP streaming connection with remote peer") != std::string::npos)
          outcome = etcd::TrialOutcome::stream_established;
        else if (text.find("the member has been permanently removed from the cluster") != std::string::npos)
          outcome = etcd::TrialOutcome::member_removed;
        else if (text.find("cluster ID mismatch") != std::string::npos)
          outcome = etcd::TrialOutcome::cluster_id_mismatch;
        else if (text.find("ID mismatch") != std::string::npos)
          outcome = etcd::TrialOutcome::member_id_mismatch;
        int st = 0;
        if (reaped(c.pid, &st)) break;
      }
      in.probes.trial = outcome;
      plan = etcd::plan_bitnami_start(in);
      if (outcome == etcd::TrialOutcome::none_yet) {
        note(c.m->name + ": Bitnami is_node_still_a_member saw no peer stream within 5 s: the entrypoint keeps "
                         "waiting with the trial etcd running (as the model decides)");
        return;  // blocked, the trial etcd keeps running
      }
      stop_pid(c.pid, 10000);
      c.pid = -1;
    }
    if (has_action(etcd::BitnamiActionKind::etcdctl, "member add") && has_endpoints &&
        !has_action(etcd::BitnamiActionKind::etcdctl, "--endpoints= ")) {
      const std::string peer = benv.count("ETCD_INITIAL_ADVERTISE_PEER_URLS") ? benv.at("ETCD_INITIAL_ADVERTISE_PEER_URLS") : "";
      auto r = run_capture({etcdctl_, "--endpoints=" + benv.at("ETCDCTL_ENDPOINTS"), "--command-timeout=5s", "member", "add",
                            benv.count("ETCD_NAME") ? benv.at("ETCD_NAME") : "default", "--peer-urls=" + peer},
                           &ctl_env_, 8000);
      in.probes.member_add_ok = r.exit_code == 0;
      if (r.exit_code == 0) in.probes.member_add_env = parse_member_add_env(r.out);
      plan = etcd::plan_bitnami_start(in);
    }
    for (const auto& a : plan.actions) {
      if (a.kind == etcd::BitnamiActionKind::remove_data_dir) fs::remove_all(dd, ec);
      if (a.kind == etcd::BitnamiActionKind::write_new_member_envs && in.probes.member_add_ok)
        write_envs(dd + "/new_member_envs", in.probes.member_add_env);
    }
    switch (plan.outcome) {
      case etcd::BitnamiOutcome::exit_failure:
        c.last_error = plan.error ? plan.error->message : "setup failed";
        if (auto cl = classify_log("fatal", c.last_error, ""); !cl.empty()) c.classes.insert(cl);
        note(c.m->name + ": Bitnami entrypoint exits: " + c.last_error);
        schedule_restart(c, 1);
        return;
      case etcd::BitnamiOutcome::blocked: {
        const etcd::BitnamiAction* bg = nullptr;
        for (const auto& a : plan.actions) {
          if (a.kind == etcd::BitnamiActionKind::start_etcd_background) bg = &a;
          if (a.kind == etcd::BitnamiActionKind::stop_etcd) bg = nullptr;
        }
        note(c.m->name + ": Bitnami entrypoint blocks (model): " + (bg ? "its background etcd keeps running" : "no etcd"));
        if (bg) exec(c, {}, bg->env);
        return;
      }
      case etcd::BitnamiOutcome::exec_etcd:
        exec(c, plan.etcd_args, plan.etcd_env);
        return;
    }
  }

  void launch(Container& c) {
    if (!c.expanded) expand(c);
    c.restart_at = -1;
    if (c.bitnami) bitnami_launch(c);
    else exec(c, c.args, c.env);
  }

  void schedule_restart(Container& c, int exit_code) {
    const auto pol = policy(c);
    bool again = c.wanted && !host_down(c);
    if (pol == etcd::RestartPolicy::no) again = false;
    if (pol == etcd::RestartPolicy::on_failure)
      again = again && exit_code != 0 && (c.dr.restart_max_retries == 0 || c.restarts < c.dr.restart_max_retries);
    if (!again) return;
    c.restart_at = now_ms() + c.backoff;
    c.backoff = std::min(c.backoff * 2, 60000.0);
    ++c.restarts;
  }

  void supervise() {
    for (auto& [n, c] : cs_) {
      read_log(c);
      int st = 0;
      if (c.pid > 0 && reaped(c.pid, &st)) {
        c.pid = -1;
        read_log(c);
        schedule_restart(c, WIFEXITED(st) ? WEXITSTATUS(st) : 1);
      }
      if (c.pid < 0 && c.restart_at > 0 && now_ms() >= c.restart_at && c.wanted && !host_down(c)) launch(c);
    }
  }

  static std::string read_file_from(const std::string& path, std::uintmax_t from) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return "";
    f.seekg(static_cast<std::streamoff>(from));
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  void read_log(Container& c) {
    std::error_code ec;
    const auto size = fs::file_size(c.log_path, ec);
    if (ec || size <= c.log_read) return;
    std::string text = read_file_from(c.log_path, c.log_read);
    c.log_read += text.size();
    text = c.partial + text;
    size_t start = 0;
    while (true) {
      const auto nl = text.find('\n', start);
      if (nl == std::string::npos) break;
      const LogLine l = parse_zap_line(text.substr(start, nl - start));
      start = nl + 1;
      if (auto cl = classify_log(l.level, l.msg, l.detail); !cl.empty()) c.classes.insert(cl);
      auto mid = l.fields.find("local-member-id");
      auto cid = l.fields.find("cluster-id");
      if (mid != l.fields.end() && cid != l.fields.end()) {
        if (auto a = etcd::parse_id(mid->second)) c.log_member = *a;
        if (auto b = etcd::parse_id(cid->second)) c.log_cluster = *b;
      }
    }
    c.partial = text.substr(start);
  }

  static std::optional<Env> read_envs(const std::string& path) {
    std::ifstream f(path);
    if (!f) return std::nullopt;
    Env e;
    std::string line;
    while (std::getline(f, line)) {
      auto eq = line.find('=');
      if (eq != std::string::npos) e[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return e;
  }
  static void write_envs(const std::string& path, const Env& e) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream f(path);
    for (const auto& [k, v] : e) f << k << "=" << v << "\n";
  }

  void note(const std::string& s) {
    notes.push_back(s);
    log_ << "    real: " << s << "\n";
  }

  std::vector<Container*> members_of(const std::vector<std::string>& names) {
    std::vector<Container*> out;
    for (const auto& n : names) out.push_back(&cs_.at(n));
    return out;
  }

  void do_action(const scenario::TimelineEntry&, const scenario::ProcessAction& a) {
    for (auto* c : members_of(a.members)) {
      switch (a.op) {
        case scenario::ProcessOp::kStart:
          if (c->pid > 0 || host_down(*c)) break;
          c->wanted = true;
          c->backoff = 100;
          launch(*c);
          break;
        case scenario::ProcessOp::kStop:
          c->wanted = false;
          c->restart_at = -1;
          stop_pid(c->pid, 10000);
          c->pid = -1;
          break;
        case scenario::ProcessOp::kKill:
          kill_pid(c->pid);
          c->pid = -1;
          schedule_restart(*c, 137);
          break;
        case scenario::ProcessOp::kRestart:
          stop_pid(c->pid, 10000);
          c->pid = -1;
          if (!host_down(*c)) {
            c->wanted = true;
            launch(*c);
          }
          break;
      }
    }
  }
  void do_action(const scenario::TimelineEntry&, const scenario::HostAction& a) {
    if (a.op == scenario::HostOp::kKill) {
      down_.insert(a.host);
      for (auto& [n, c] : cs_) {
        if (c.m->host != a.host) continue;
        kill_pid(c.pid);
        c.pid = -1;
        c.restart_at = -1;
      }
    } else {
      down_.erase(a.host);
      for (auto& [n, c] : cs_) {
        if (c.m->host != a.host || !c.wanted || c.pid > 0) continue;
        const auto pol = policy(c);
        if (pol == etcd::RestartPolicy::always || pol == etcd::RestartPolicy::unless_stopped) launch(c);
      }
    }
  }
  void do_action(const scenario::TimelineEntry&, const scenario::RunAction& a) {
    Container& c = cs_.at(a.member);
    kill_pid(c.pid);  // docker rm -f
    c.pid = -1;
    if (a.wipe_data) {
      std::error_code ec;
      if (c.has_cmd) fs::remove_all(c.cmd.data_dir, ec);
    }
    ++c.instance;
    if (a.config) c.cfg = *a.config;
    c.expanded = false;
    c.wanted = true;
    c.backoff = 100;
    c.restarts = 0;
    if (!host_down(c)) launch(c);
  }
  void do_action(const scenario::TimelineEntry&, const scenario::ShellAction& a) {
    for (const auto& [k, v] : a.exports) host_env_[a.host][k] = v;
    for (const auto& k : a.unset) host_env_[a.host].erase(k);
  }
  void do_action(const scenario::TimelineEntry& t, const scenario::EtcdctlAction& a) {
    auto words = etcd::shell_split(a.command, {});
    if (!words.ok()) throw BadInput{t.path + ": " + words.error().message};
    std::vector<std::string> w = words.value().argv;
    if (!w.empty() && w[0] == "etcdctl") w.erase(w.begin());
    const bool state_changing = (w.size() >= 2 && w[0] == "member" && (w[1] == "add" || w[1] == "remove")) ||
                                (!w.empty() && (w[0] == "put" || w[0] == "del"));
    if (!state_changing) return;  // read-only commands (tables) are not compared
    std::vector<std::string> eps;
    for (const auto& e : a.endpoints) eps.push_back(endpoint(e.member.empty() ? e.url : e.member));
    std::string joined = eps.empty() ? "" : fmt::format("{}", fmt::join(eps, ","));
    std::vector<std::string> argv{etcdctl_, "--command-timeout=5s", "--dial-timeout=2s"};
    if (!joined.empty()) argv.push_back("--endpoints=" + joined);
    argv.insert(argv.end(), w.begin(), w.end());
    const Captured r = run_capture(argv, &ctl_env_, 8000);
    ProbeOutcome p;
    p.kind = r.exit_code == 0 ? "ok" : "error";
    p.value = r.exit_code == 0 ? r.out : r.err;
    if (r.exit_code != 0) p.cls = etcdctl_class(r.err);
    timeline_results[t.path] = p;
    log_ << fmt::format("    real: $ etcdctl {} -> {}\n", fmt::join(w, " "), r.exit_code == 0 ? "ok" : "Error: " + r.err);
  }
  void do_action(const scenario::TimelineEntry& t, const scenario::PartitionAction&) {
    throw BadInput{t.path + ": diff cannot partition loopback addresses (no network namespaces without root)"};
  }
  void do_action(const scenario::TimelineEntry& t, const scenario::HealAction&) {
    throw BadInput{t.path + ": diff cannot partition or heal loopback addresses"};
  }
  void do_action(const scenario::TimelineEntry&, const scenario::NoteAction&) {}
  void do_action(const scenario::TimelineEntry& t, const scenario::ExtAction& a) {
    throw BadInput{t.path + ": diff runs etcd on loopback addresses; it cannot carry out \"" + a.key +
                   "\" actions (the simulated cloud has no real counterpart here)"};
  }

  const scenario::Scenario& s_;
  const LoopbackMap& map_;
  std::string etcd_, etcdctl_, root_;
  const SimSide& sim_;
  std::ostream& log_;
  std::map<std::string, Env> host_env_;
  std::map<std::string, Container> cs_;
  std::set<std::string> down_;
  Env ctl_env_{{"ETCDCTL_API", "3"}, {"PATH", "/usr/bin:/bin"}};
};

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
