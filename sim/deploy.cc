#include "sim/deploy.h"
#include "sim/etcd/discovery.h"
#include "sim/etcd/docker_validate.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "raft/bugs.h"
#include "sim/deploy_bitnami.h"
#include "sim/etcd/bitnami.h"
#include "sim/etcd/config.h"
#include "sim/etcd/docker.h"
#include "sim/etcd/ids.h"
#include "sim/etcd/shell.h"
#include "sim/etcdctl.h"
#include "sim/nemesis/nemesis.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/loader.h"

namespace raftlab::sim {

namespace {

constexpr const char* kDefaultVersion = "3.5.18";

bool is_version(const std::string& tag) {
  return !tag.empty() && (std::isdigit(static_cast<unsigned char>(tag[0])) ||
                          (tag[0] == 'v' && tag.size() > 1 && std::isdigit(static_cast<unsigned char>(tag[1]))));
}

std::string version_of(const std::string& tag, const std::optional<std::string>& scenario_version) {
  if (scenario_version) return *scenario_version;
  if (is_version(tag)) {
    std::string v = tag[0] == 'v' ? tag.substr(1) : tag;
    auto dash = v.find('-');
    return dash == std::string::npos ? v : v.substr(0, dash);
  }
  return kDefaultVersion;
}

bool is_34(const std::string& version) { return version.rfind("3.4", 0) == 0; }

RestartPolicy policy_of(etcd::RestartPolicy p) {
  switch (p) {
    case etcd::RestartPolicy::no: return RestartPolicy::No;
    case etcd::RestartPolicy::always: return RestartPolicy::Always;
    case etcd::RestartPolicy::unless_stopped: return RestartPolicy::UnlessStopped;
    case etcd::RestartPolicy::on_failure: return RestartPolicy::OnFailure;
  }
  return RestartPolicy::No;
}

// The host path backing `dir` inside the container, or "" if no volume covers it.
std::string volume_for(const std::vector<etcd::VolumeMount>& mounts, const std::string& dir) {
  const etcd::VolumeMount* best = nullptr;
  for (const auto& m : mounts) {
    if (dir == m.target || dir.rfind(m.target + "/", 0) == 0) {
      if (!best || m.target.size() > best->target.size()) best = &m;
    }
  }
  if (!best) return "";
  return best->source + dir.substr(best->target.size());
}

// The directories an image ships, as docker copies them into a new named volume
// (ownership and mode). bitnami/etcd: postunpack.sh `ensure_dir_exists` (mkdir -p as root,
// umask 022) on ETCD_DATA_DIR, then `chmod -R g+rwX "$ETCD_DATA_DIR"`; the Dockerfile
// then switches to `USER 1001` (gid 0: no passwd entry).
std::optional<DirPerm> image_dir(bool bitnami, const std::string& path) {
  if (path == "/") return DirPerm{0, 0, 0755};
  if (!bitnami) return std::nullopt;
  if (path == "/bitnami/etcd/data") return DirPerm{0, 0, 0775};
  if (path == "/bitnami" || path == "/bitnami/etcd") return DirPerm{0, 0, 0755};
  return std::nullopt;
}

std::string dir_above(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

// docker --user: uid[:gid] (numbers), or root. A uid without a group gets gid 0 (no
// passwd entry in the image); names other than root are not modelled.
std::optional<std::string> parse_container_user(const std::string& user, bool bitnami, DataDirAccess* a) {
  if (user.empty()) {
    a->uid = bitnami ? 1001 : 0;  // bitnami/etcd's Dockerfile: USER 1001; etcd's images run as root
    a->gid = 0;
    return std::nullopt;
  }
  auto number = [](const std::string& t, std::uint32_t* out) {
    if (t == "root") {
      *out = 0;
      return true;
    }
    if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) return false;
    *out = static_cast<std::uint32_t>(std::stoul(t));
    return true;
  };
  const size_t colon = user.find(':');
  const std::string u = user.substr(0, colon);
  const std::string g = colon == std::string::npos ? "" : user.substr(colon + 1);
  if (!number(u, &a->uid) || (colon != std::string::npos && !number(g, &a->gid)))
    return "--user " + user + ": raftlab models numeric users only (uid or uid:gid, or root); a name is looked up in the "
                              "image's /etc/passwd, which raftlab does not have";
  if (colon == std::string::npos) a->gid = 0;
  return std::nullopt;
}

// Where the container's data dir lives and who may write it (World::data_dir_problem).
DataDirAccess data_dir_access(const etcd::DockerRun& dr, bool bitnami, const std::string& dir) {
  DataDirAccess a;
  a.modelled = true;
  a.path = dir;
  const etcd::VolumeMount* best = nullptr;
  for (const auto& m : dr.volumes)
    if ((dir == m.target || dir.rfind(m.target + "/", 0) == 0) && (!best || m.target.size() > best->target.size())) best = &m;
  if (best) a.read_only = best->read_only;
  if (best && !best->source.empty() && best->source[0] == '/') {
    a.bind = true;
    a.host_root = best->source;
    while (a.host_root.size() > 1 && a.host_root.back() == '/') a.host_root.pop_back();
    a.host_path = a.host_root + dir.substr(best->target.size());
    return a;
  }
  // The image's filesystem, or a named / anonymous volume filled from it; a mount point
  // the image lacks is created by docker, root:root 0755.
  a.image_data = image_dir(bitnami, dir);
  if (!a.image_data && best && dir == best->target) a.image_data = DirPerm{0, 0, 0755};
  const std::string up = dir_above(dir);
  a.image_parent = image_dir(bitnami, up).value_or(DirPerm{0, 0, 0755});
  return a;
}

// The fix for etcd's "flag provided but not defined: -NAME": the flag meant, when one
// is close (etcd's own parser suggests it too, but EtcdLaunch keeps only the message).
std::string unknown_flag_fix(const std::string& error) {
  const std::string tag = "flag provided but not defined: -";
  const auto at = error.find(tag);
  if (at != std::string::npos) {
    const std::string guess = scenario::closest_match(error.substr(at + tag.size()), etcd::etcd_flag_names());
    if (!guess.empty()) return "did you mean --" + guess + "? (see `etcd --help`)";
  }
  return "remove the flag or fix its spelling (see `etcd --help`)";
}

// "etcd", "/usr/local/bin/etcd" ... as argv[0] is the program, not a flag.
void drop_etcd_program(std::vector<std::string>* args) {
  if (args->empty()) return;
  const std::string& a = args->front();
  if (a == "etcd" || (a.size() >= 5 && a.compare(a.size() - 5, 5, "/etcd") == 0)) args->erase(args->begin());
}

}  // namespace

Launcher etcd_launcher(std::vector<std::string> args, std::map<std::string, std::string> env, std::string version) {
  // Parsed on first use, then reused: a plain etcd's configuration does not depend on
  // the start context.
  struct Memo {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string version;
    // Without its log lines (kept apart: copied only if wanted), its configuration in
    // shared_cfg (every start shares it: no copy per start).
    std::optional<Launch> launch;
    std::vector<std::pair<std::string, std::string>> logs;
  };
  auto memo = std::make_shared<Memo>(Memo{std::move(args), std::move(env), std::move(version), std::nullopt, {}});
  return [memo](const StartContext& ctx) {
    if (!memo->launch) {
      memo->launch = exec_etcd_with(memo->args, memo->env, memo->version, Launch{});
      memo->logs = std::move(memo->launch->logs);
      memo->launch->logs.clear();
      if (memo->launch->kind == Launch::Kind::Exec) {
        etcd::MemberConfig& c = memo->launch->cfg;
        memo->launch->shared_cfg = std::make_shared<const etcd::MemberConfig>(std::move(c));
        // Left empty (config() reads shared_cfg), so copying the Launch allocates nothing.
        c.name.clear();
        c.listen_peer_urls.clear();
        c.listen_client_urls.clear();
        c.advertise_client_urls.clear();
        c.initial_advertise_peer_urls.clear();
        c.initial_cluster.clear();
        c.token.clear();
        c.version.clear();
        c.source.reset();
        c.bootstrap_memo.reset();
      }
    }
    Launch l = *memo->launch;
    if (ctx.want_logs) l.logs = memo->logs;
    return l;
  };
}

Launch exec_etcd_with(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                      const std::string& version, Launch l) {
  auto e = etcd_from_args(args, env, version);
  for (auto& line : e.logs) l.logs.push_back(line);
  if (!e.ok) {
    l.kind = Launch::Kind::Fail;
    l.error = e.error;
    l.config_flag = e.error_flag.empty() ? "etcd flags" : e.error_flag;
    l.config_fix = e.error_fix;
    return l;
  }
  l.cfg = e.cfg;
  return l;
}

EtcdLaunch etcd_from_args(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                          const std::string& version) {
  EtcdLaunch out;
  etcd::ParseOptions po;
  po.version = is_34(version) ? etcd::EtcdVersion::v3_4 : etcd::EtcdVersion::v3_5;
  auto r = etcd::parse_etcd_config(args, env, po);
  if (!r.ok()) {
    out.error = r.error().message;
    out.error_flag = r.error().field;
    out.error_fix = r.error().fix;
    return out;
  }
  const etcd::EtcdConfig& c = r.value().config;
  for (const auto& l : r.value().log) {
    std::string line = l.msg;
    for (const auto& [k, v] : l.fields) line += " " + k + "=" + v;
    out.logs.emplace_back(l.level, line);
  }
  if (c.initial_cluster_error && c.initial_cluster_entries.empty()) {
    // etcd reports this only when it bootstraps; keep the text for the member.
    out.error = *c.initial_cluster_error;
    out.error_flag = "--initial-cluster";
    out.error_fix = "write --initial-cluster as name=http://IP:port pairs separated by commas";
  }
  etcd::MemberConfig& m = out.cfg;
  m.name = c.name;
  m.listen_peer_urls = c.listen_peer_urls;
  m.listen_client_urls = c.listen_client_urls;
  m.advertise_client_urls = c.advertise_client_urls;
  m.initial_advertise_peer_urls = c.initial_advertise_peer_urls;
  m.initial_cluster.clear();
  for (const auto& e : c.initial_cluster_entries) m.initial_cluster.emplace_back(e.name, e.url);
  m.state_new = c.is_new_cluster();
  m.token = c.initial_cluster_token;
  m.heartbeat_ms = static_cast<int>(c.heartbeat_interval_ms);
  m.election_ms = static_cast<int>(c.election_timeout_ms);
  m.pre_vote = c.pre_vote;
  m.strict_reconfig_check = c.strict_reconfig_check;
  m.initial_election_tick_advance = c.initial_election_tick_advance;
  m.version = version;
  m.source = std::make_shared<const etcd::EtcdConfig>(c);
  out.data_dir = c.data_dir;
  out.ok = out.error.empty();
  return out;
}

Deployment::Deployment(std::shared_ptr<const scenario::Scenario> sp, const RunOptions& opts)
    : sp_(std::move(sp)), s_(*sp_), opts_(opts) {
  const scenario::Scenario& s = s_;
  WorldOptions wo;
  wo.seed = opts.seed.value_or(s.seed);
  wo.trace_level = opts.trace_level;
  wo.fsync_latency = nanos(s.fsync_latency_ns);
  wo.planted_bugs = opts.planted_bugs;
  if (s.network.intra_host_latency)
    wo.network.intra_host = {nanos(s.network.intra_host_latency->min_ns), nanos(s.network.intra_host_latency->max_ns)};
  if (s.network.inter_host_latency)
    wo.network.inter_host = {nanos(s.network.inter_host_latency->min_ns), nanos(s.network.inter_host_latency->max_ns)};
  world_ = std::make_unique<World>(wo);
  if (opts.trace_sink || opts.trace_keep || opts.trace_observer)
    world_->trace().stream(TraceStream{opts.hash_trace, opts.trace_sink, opts.trace_keep, opts.trace_observer});
  for (const auto& h : s.hosts) {
    const HostIndex hi = world_->add_host(h.name, h.ip);
    for (const auto& [path, d] : h.dirs) world_->set_host_dir(hi, path, DirPerm{d.uid, d.gid, d.mode});
    host_env_[h.name] = h.env;
  }
}

Deployment::~Deployment() = default;

std::unique_ptr<Deployment> Deployment::build(const scenario::Scenario& s, const RunOptions& opts,
                                              std::vector<scenario::LoadError>* errors) {
  return build(std::make_shared<const scenario::Scenario>(s), opts, errors);
}

std::unique_ptr<Deployment> Deployment::build(std::shared_ptr<const scenario::Scenario> sp, const RunOptions& opts,
                                              std::vector<scenario::LoadError>* errors) {
  // A fault budget is drawn into an explicit schedule for this seed first: the run of
  // `s` is the run of its materialized form (sim/nemesis/nemesis.h).
  if (sp->nemesis) sp = std::make_shared<const scenario::Scenario>(nemesis::materialize(*sp, opts.seed.value_or(sp->seed)));
  const scenario::Scenario& s = *sp;
  std::unique_ptr<Deployment> d(new Deployment(std::move(sp), opts));
  d->install_discovery();
  if (!d->add_members(errors)) return nullptr;
  // etcdctl commands in the timeline are checked now, not when they run.
  const size_t before = errors->size();
  for (const auto& t : s.timeline) {
    const auto* a = std::get_if<scenario::EtcdctlAction>(&t.action);
    if (!a) continue;
    EtcdctlCommand c = parse_etcdctl(a->command);
    if (!c.error.empty())
      errors->push_back(s.error_at(t.path + ".etcdctl", c.error,
                                   c.not_modelled
                                       ? "modelled: put, get [--prefix --consistency=s], member add/remove/list, "
                                         "endpoint status/health [--cluster], -w simple|table|json (docs/etcd-behaviour.md)"
                                       : "write it as etcdctl 3.5 takes it: put KEY VALUE, get KEY, member add NAME "
                                         "--peer-urls=URL, member remove HEXID (from member list), member list, "
                                         "endpoint status, endpoint health"));
  }
  if (errors->size() != before) return nullptr;
  // A part of the scenario that a layer above sim/ carries out (sim/extension.h).
  const scenario::TimelineEntry* ext_entry = nullptr;
  for (const auto& t : s.timeline)
    if (!ext_entry && std::holds_alternative<scenario::ExtAction>(t.action)) ext_entry = &t;
  const scenario::Expectation* ext_expect = nullptr;
  for (const auto& e : s.expect)
    if (!ext_expect && !e.ext.empty()) ext_expect = &e;
  if (s.cloud || ext_entry || ext_expect) {
    const std::string where = s.cloud ? "$.cloud" : ext_entry ? ext_entry->path : ext_expect->path;
    if (!opts.extension) {
      errors->push_back(s.error_at(where, "this part of the scenario needs the cloud layer, which this program does not have",
                                   "run it with the raftlab binary (tools/), which includes sim/cloud"));
      return nullptr;
    }
    if (!s.cloud) {
      errors->push_back(s.error_at(where, "\"aws\" actions and \"asg\"/\"targets\" expectations need a \"cloud\" part",
                                   "add \"cloud\": {\"template\": \"...\"} (scenarios/README.md, \"Cloud\")"));
      return nullptr;
    }
    d->ext_ = opts.extension(*d, errors);
    if (!d->ext_) return nullptr;
  }
  if (!d->check_endpoints(errors)) return nullptr;
  d->schedule_timeline();
  d->schedule_expectations();
  if (s.has_schedule || s.clients) {
    d->runner_ = std::make_unique<nemesis::Runner>(*d->world_, d->sp_);
    d->runner_->set_spare_hooks(d->spare_hooks());
    d->runner_->install();
  }
  return d;
}

// A nemesis member_add's spare (scenarios/README.md "member_add"): its etcd name and peer
// URLs read from its definition, and its start with `member add`'s printed variables
// exported in its host's shell for that one `docker run` / process start.
nemesis::SpareHooks Deployment::spare_hooks() {
  nemesis::SpareHooks h;
  h.identity = [this](const std::string& name, std::string* error) -> std::optional<nemesis::SpareHooks::Identity> {
    const scenario::Member* m = s_.find_member(name);
    std::vector<scenario::LoadError> errs;
    auto spec = m ? make_spec(*m, m->config, &errs, false) : std::nullopt;
    if (!spec) {
      *error = errs.empty() ? "unknown member" : scenario::format(errs.front());
      return std::nullopt;
    }
    StartContext ctx;  // the definition alone: nothing answers (StartContext's defaults)
    ctx.want_logs = false;
    const Launch l = spec->launch(ctx);
    if (l.kind == Launch::Kind::Fail) {
      *error = l.error;
      return std::nullopt;
    }
    if (l.kind == Launch::Kind::MemberAddThenExec) return nemesis::SpareHooks::Identity{l.add_name, l.add_peer_urls};
    return nemesis::SpareHooks::Identity{l.config().name, l.config().initial_advertise_peer_urls};
  };
  h.start = [this](const std::string& name, const std::map<std::string, std::string>& exports) {
    World& w = *world_;
    const scenario::Member* m = s_.find_member(name);
    const int c = w.container_index(name);
    if (!m || c < 0) return;
    if (!w.ever_started(c)) {
      auto& env = host_env_[m->host];
      const auto saved = env;
      for (const auto& [k, v] : exports) env[k] = v;
      std::vector<scenario::LoadError> errs;
      auto spec = make_spec(*m, m->config, &errs, true);
      env = saved;
      if (spec) w.respec(c, std::move(*spec));
      for (const auto& e : errs) warnings_.push_back(scenario::format(e));
    }
    w.start(c);
  };
  return h;
}

std::optional<ContainerSpec> Deployment::make_spec(const scenario::Member& m, const scenario::MemberConfig& mc,
                                                   std::vector<scenario::LoadError>* errors, bool record_warnings) {
  auto record = [&](const std::vector<std::string>& lines) {
    if (!record_warnings) return;
    for (const auto& line : lines)
      if (std::find(warnings_.begin(), warnings_.end(), line) == warnings_.end()) warnings_.push_back(line);
  };
  // A cache serves one scenario: the member and its configuration's JSON path identify
  // the configuration text; the host's shell environment is compared in full.
  const std::string key = opts_.cache ? m.name + '\x1e' + mc.path : std::string();
  const auto& env = host_env_[m.host];
  if (opts_.cache) {
    auto it = opts_.cache->specs.find(key);
    if (it != opts_.cache->specs.end()) {
      for (const auto& entry : it->second) {
        if (entry.host_env != env || entry.config_text != mc.text) continue;
        record(entry.warnings);
        return entry.spec;
      }
    }
  }
  std::vector<std::string> warnings;
  auto spec = make_spec_uncached(m, mc, errors, &warnings);
  if (!spec) return std::nullopt;
  if (opts_.cache) opts_.cache->specs[key].push_back(SpecCache::Entry{*spec, warnings, env, mc.text});
  record(warnings);
  return spec;
}

std::optional<ContainerSpec> container_from_argv(const ContainerInput& in, ContainerProblem* problem) {
  ContainerSpec spec;
  spec.name = in.name;
  spec.host = in.host;
  auto fail = [&](const std::string& msg, const std::string& fix) -> std::optional<ContainerSpec> {
    problem->message = msg;
    problem->fix = fix;
    return std::nullopt;
  };
  const std::map<std::string, std::string>& env = *in.env;
  if (in.docker) {
    auto run = etcd::parse_docker_run(in.argv, env);
    if (!run.ok()) return fail(run.error().message, run.error().fix);
    const etcd::DockerRun dr = run.value();
    for (const auto& w : dr.warnings) problem->warnings.push_back(w);
    spec.image = dr.image;
    spec.own_netns = dr.network != etcd::NetworkMode::host;
    for (const auto& p : dr.ports) {
      if (p.host_port == 0) continue;
      spec.published[p.container_port] = p.host_port;
    }
    spec.restart = policy_of(dr.restart);
    spec.restart_max = dr.restart_max_retries;
    const std::string version = version_of(dr.image_tag, in.etcd_version);
    const std::map<std::string, std::string> cenv = etcd::container_env(dr);
    // A tag list is not knowable offline: a syntactically valid tag is accepted, and a
    // bitnami/etcd tag outside the documented list is a warning (sim/etcd/docker_validate.h).
    if (etcd::is_bitnami_etcd_image(dr.image_repo) && dr.image_digest.empty() && !etcd::known_bitnami_etcd_tag(dr.image_tag))
      problem->warnings.push_back(fmt::format("image tag {} of {} is not one raftlab knows (scenarios/README.md): if the registry has no such "
                       "tag, docker fails with \"manifest unknown\"; simulated as etcd {}",
                       dr.image_tag, dr.image_repo, version));
    // --entrypoint etcd replaces Bitnami's scripts: the image's etcd runs the command as its flags.
    const bool plain_etcd_entrypoint = !dr.entrypoint.empty() && dr.entrypoint != "/opt/bitnami/scripts/etcd/entrypoint.sh";
    const bool bitnami_image = etcd::is_bitnami_etcd_image(dr.image_repo);
    if (auto e = parse_container_user(dr.user, bitnami_image, &spec.access))
      return fail(*e, "write --user as uid or uid:gid, e.g. --user 1001:0 (bitnami/etcd's own user) or --user 1003:1003");
    if (bitnami_image && !plain_etcd_entrypoint) {
      spec.volume_key = volume_for(dr.volumes, bitnami_data_dir(cenv));
      const std::uint32_t uid = spec.access.uid, gid = spec.access.gid;
      spec.access = data_dir_access(dr, true, bitnami_data_dir(cenv));
      spec.access.uid = uid;
      spec.access.gid = gid;
      spec.launch = make_bitnami_launcher(dr, cenv, version);
    } else {
      std::vector<std::string> args = dr.command;
      drop_etcd_program(&args);
      auto probe = etcd_from_args(args, cenv, version);
      if (!probe.ok && probe.error.find("flag provided but not defined") != std::string::npos)
        return fail(probe.error, unknown_flag_fix(probe.error));
      const std::string in_container =
          probe.data_dir.empty() || probe.data_dir[0] != '/' ? "/" + probe.data_dir : probe.data_dir;
      spec.volume_key = volume_for(dr.volumes, in_container);
      const std::uint32_t uid = spec.access.uid, gid = spec.access.gid;
      spec.access = data_dir_access(dr, bitnami_image, in_container);
      spec.access.uid = uid;
      spec.access.gid = gid;
      spec.launch = etcd_launcher(args, cenv, version);
    }
    return spec;
  }
  // A bare etcd process in the host's network namespace.
  std::vector<std::string> args = in.argv;
  drop_etcd_program(&args);
  const std::string version = in.etcd_version.value_or(kDefaultVersion);
  auto probe = etcd_from_args(args, env, version);
  if (!probe.ok && probe.error.find("flag provided but not defined") != std::string::npos)
    return fail(probe.error, unknown_flag_fix(probe.error));
  spec.image = "etcd";
  spec.own_netns = false;
  spec.volume_key = probe.data_dir;
  spec.launch = etcd_launcher(args, env, version);
  return spec;
}

std::optional<ContainerSpec> Deployment::make_spec_uncached(const scenario::Member& m, const scenario::MemberConfig& mc,
                                                            std::vector<scenario::LoadError>* errors,
                                                            std::vector<std::string>* warnings) {
  int hi = 0;
  for (size_t i = 0; i < s_.hosts.size(); ++i)
    if (s_.hosts[i].name == m.host) hi = static_cast<int>(i);
  const auto& env = host_env_[m.host];
  auto fail = [&](const std::string& msg, const std::string& fix) {
    if (errors) errors->push_back(s_.error_at(mc.path, msg, fix));
    return std::nullopt;
  };
  auto warn = [&](const std::string& w) { warnings->push_back(fmt::format("{} ({}): {}", m.name, mc.path, w)); };
  ContainerInput in;
  in.name = m.name;
  in.host = hi;
  in.etcd_version = s_.etcd_version;
  std::map<std::string, std::string> penv = env;
  in.env = &penv;
  if (mc.kind == scenario::ConfigKind::kDocker || mc.kind == scenario::ConfigKind::kFlags) {
    auto words = etcd::shell_split(mc.text, env);
    if (!words.ok()) return fail(words.error().message, words.error().fix);
    for (const auto& v : words.value().unset_vars)
      warn(fmt::format("${} is not set in host {}'s shell: it expanded to an empty string", v, m.host));
    if (mc.kind == scenario::ConfigKind::kDocker)
      for (std::string w : words.value().warnings) {
        // A '!' bash would history-expand: where it is, and only where it matters
        // (sim/deploy_history.cc).
        if (w.rfind("'!' at byte ", 0) == 0) {
          if (history_warning_at(s_, mc, m.name, &w)) warnings->push_back(w);
          continue;
        }
        warn(w);
      }
    in.argv = words.value().argv;
    in.docker = mc.kind == scenario::ConfigKind::kDocker;
  } else if (mc.kind == scenario::ConfigKind::kArgs) {
    in.argv = mc.args;
  } else {
    for (const auto& [k, v] : mc.env) penv[k] = v;
  }
  ContainerProblem problem;
  auto spec = container_from_argv(in, &problem);
  for (const auto& w : problem.warnings) warn(w);
  if (!spec) return fail(problem.message, problem.fix);
  return spec;
}

void Deployment::install_discovery() {
  BootstrapServices& b = world_->bootstrap_services();
  if (s_.dns) {
    for (const auto& [name, ip] : s_.dns->a) {
      b.dns.a[name] = ip;
      // A name for a declared host is dialable (peer URLs from SRV records use it).
      if (const auto h = world_->net().host_by_ip(ip)) world_->net().add_dns_name(name, *h);
    }
    for (const auto& [name, recs] : s_.dns->srv)
      for (const auto& r : recs) b.dns.srv[name].push_back(SrvRecord{r.target, r.port});
  }
  for (const auto& d : s_.discovery_services) {
    const scenario::Host* h = s_.find_host(d.host);
    const auto hi = h ? world_->net().host_by_ip(h->ip) : std::nullopt;
    if (!hi) continue;  // the loader checked the name
    DiscoveryService& svc = b.add_service(*hi, h->ip, d.port);
    for (const auto& t : d.tokens)
      if (t.size) svc.set_size(t.token, *t.size);
  }
}

bool Deployment::add_members(std::vector<scenario::LoadError>* errors) {
  const size_t before = errors->size();
  // Ports a member takes on its host, for the duplicate check below.
  std::map<std::pair<int, int>, std::string> taken;
  for (const auto& m : s_.members) {
    // Validated now with the hosts' initial shells; expanded again when first started.
    auto spec = make_spec(m, m.config, errors, false);
    if (!spec) continue;
    std::vector<int> ports;
    // The definition alone (nothing answers: StartContext's defaults), with the hosts'
    // initial shells: is the configuration one etcd refuses at start-up?
    const StartContext ctx;
    const Launch l = spec->launch(ctx);
    if (auto ce = config_error_of(l)) {
      ce->member = m.name;
      ce->path = m.config.path;
      config_errors_.push_back(std::move(*ce));
    }
    if (l.kind == Launch::Kind::Exec) {
      // What raftlab must understand to run a discovery bootstrap (sim/etcd/discovery.h).
      const etcd::EtcdConfig& ec = *l.config().source;
      std::optional<etcd::Error> bad;
      if (!ec.discovery.empty()) {
        if (auto u = etcd::parse_discovery_url(ec.discovery); !u.ok()) bad = u.error();
      }
      if (!bad && !ec.discovery_srv.empty()) bad = etcd::check_srv_domain(ec.discovery_srv, "--discovery-srv");
      if (bad) errors->push_back(s_.error_at(m.config.path, m.name + ": " + bad->field + ": " + bad->message, bad->fix));
    }
    if (spec->own_netns) {
      for (const auto& [cp, hp] : spec->published) ports.push_back(hp);
    } else {
      // Bare etcd: the ports of its listen URLs.
      if (l.kind == Launch::Kind::Exec) {
        for (const auto* urls : {&l.config().listen_peer_urls, &l.config().listen_client_urls}) {
          for (const auto& u : *urls) {
            std::string h;
            int p = 0;
            if (split_url(u, &h, &p)) ports.push_back(p);
          }
        }
      }
    }
    for (int p : ports) {
      auto key = std::make_pair(spec->host, p);
      auto it = taken.find(key);
      if (it != taken.end() && it->second != m.name) {
        errors->push_back(s_.error_at(
            m.config.path,
            fmt::format("members \"{}\" and \"{}\" both use port {} on host {}", it->second, m.name, p, m.host),
            "give each member on one host its own ports (docker: -p HOSTPORT:2379 / -p HOSTPORT:2380)"));
      }
      taken[key] = m.name;
    }
    note_client_ports(m, *spec, l);
    world_->add_container(std::move(*spec));
  }
  return errors->size() == before;
}

std::string Deployment::leader_host(bool kill) {
  World& w = *world_;
  if (!kill) {
    if (leader_killed_host_.empty()) w.note("restore_host leader: no host was killed as the leader's: nothing restored");
    else w.note("restore_host leader: restoring " + leader_killed_host_ + ", the host killed as the leader's");
    return leader_killed_host_;
  }
  // The current leader, as a nemesis crash at "leader" picks it: the running member that
  // leads at the highest term (a deposed leader cut off from the others may still think
  // it leads, at a lower term). Leaders of different clusters at that same term (a split)
  // leave "the leader" undefined: say so rather than pick one by member order.
  std::vector<const MemberView*> top;
  const auto members = w.members();
  for (const auto& m : members) {
    if (!m.running || m.role != raft::Role::Leader) continue;
    if (!top.empty() && m.term < top.front()->term) continue;
    if (!top.empty() && m.term > top.front()->term) top.clear();
    top.push_back(&m);
  }
  if (top.size() != 1) {
    std::vector<std::string> names;
    for (const auto* m : top) names.push_back(m->name);
    w.note(top.empty() ? std::string("kill_host leader: no member leads: nothing killed")
                       : fmt::format("kill_host leader: {} lead at term {}, not one: nothing killed",
                                     fmt::join(names, ", "), top.front()->term));
    return {};
  }
  leader_killed_host_ = top[0]->host;
  w.note(fmt::format("kill_host leader: {} leads (term {}) on host {}: killing {}", top[0]->name, top[0]->term,
                     leader_killed_host_, leader_killed_host_));
  return leader_killed_host_;
}

void Deployment::schedule_timeline() {
  // `leader_changed_since` compares with who led at an earlier time: a snapshot then,
  // scheduled before the timeline so that it sees the instant before that time's actions
  // (a `kill_host` "leader" at the same time has not struck yet).
  for (size_t i = 0; i < s_.expect.size(); ++i) {
    if (!s_.expect[i].leader_changed_since) continue;
    world_->loop().at(nanos(*s_.expect[i].leader_changed_since), [this, i] {
      for (const auto& m : world_->members())
        if (m.running && m.role == raft::Role::Leader) leaders_at_[i].push_back({m.name, m.cluster_id, m.term});
      if (leaders_at_.find(i) == leaders_at_.end()) leaders_at_[i] = {};
    });
  }
  for (const auto& t : s_.timeline) {
    const scenario::TimelineEntry* tp = &t;
    world_->loop().at(nanos(t.at_ns), [this, tp] { apply(*tp); });
  }
}

void Deployment::apply(const scenario::TimelineEntry& t) {
  World& w = *world_;
  if (!t.note.empty()) w.note(t.note);
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, scenario::ProcessAction>) {
          for (const auto& name : a.members) {
            const int c = w.container_index(name);
            if (c < 0) continue;
            if (a.op == scenario::ProcessOp::kStart && !w.ever_started(c)) {
              // `docker run` happens now: expand the line in the host's current shell.
              const scenario::Member* m = s_.find_member(name);
              std::vector<scenario::LoadError> errs;
              if (m) {
                if (auto spec = make_spec(*m, m->config, &errs, true)) w.respec(c, std::move(*spec));
              }
              for (const auto& e : errs) warnings_.push_back(scenario::format(e));
            }
            switch (a.op) {
              case scenario::ProcessOp::kStart: w.start(c); break;
              case scenario::ProcessOp::kStop: w.stop(c); break;
              case scenario::ProcessOp::kKill: w.kill(c); break;
              case scenario::ProcessOp::kRestart: w.restart(c); break;
            }
          }
        } else if constexpr (std::is_same_v<A, scenario::HostAction>) {
          // The loader refuses a host named "leader" when "leader" is used: it means the
          // leader's host here.
          const std::string host =
              a.host == scenario::kLeaderHost ? leader_host(a.op == scenario::HostOp::kKill) : a.host;
          for (size_t i = 0; i < s_.hosts.size(); ++i) {
            if (s_.hosts[i].name != host) continue;
            if (a.op == scenario::HostOp::kKill)
              w.kill_host(static_cast<int>(i));
            else
              w.restore_host(static_cast<int>(i));
          }
        } else if constexpr (std::is_same_v<A, scenario::RunAction>) {
          const scenario::Member* m = s_.find_member(a.member);
          const int c = w.container_index(a.member);
          if (!m || c < 0) return;
          std::vector<scenario::LoadError> errs;
          auto spec = make_spec(*m, a.config ? *a.config : m->config, &errs, true);
          if (!spec) {
            for (const auto& e : errs) warnings_.push_back(scenario::format(e));
            return;
          }
          w.replace(c, std::move(*spec), a.wipe_data);
        } else if constexpr (std::is_same_v<A, scenario::ShellAction>) {
          auto& env = host_env_[a.host];
          for (const auto& [k, v] : a.exports) env[k] = v;
          for (const auto& k : a.unset) env.erase(k);
        } else if constexpr (std::is_same_v<A, scenario::EtcdctlAction>) {
          std::vector<std::string> eps;
          for (const auto& e : a.endpoints) eps.push_back(e.member.empty() ? e.url : e.member);
          run_etcdctl(w, a.command, eps, nullptr);
        } else if constexpr (std::is_same_v<A, scenario::PartitionAction>) {
          std::vector<std::vector<HostIndex>> groups;
          for (const auto& g : a.groups) {
            std::vector<HostIndex> hg;
            for (const auto& hn : g)
              for (size_t i = 0; i < s_.hosts.size(); ++i)
                if (s_.hosts[i].name == hn) hg.push_back(static_cast<int>(i));
            groups.push_back(hg);
          }
          w.partition(groups);
        } else if constexpr (std::is_same_v<A, scenario::HealAction>) {
          w.heal();
        } else if constexpr (std::is_same_v<A, scenario::NoteAction>) {
          // A note-only entry's text is its `note`, already recorded above: once, not twice.
          if (a.text != t.note) w.note(a.text);
        } else if constexpr (std::is_same_v<A, scenario::ExtAction>) {
          if (ext_) ext_->apply(t, a);  // build() refuses such a scenario without one
        }
      },
      t.action);
}

RunResult Deployment::run() {
  World& w = *world_;
  if (w.trace().on()) {
    TraceEvent e;
    e.kind = Ev::RunStart;
    e.a = s_.name;
    e.index = w.seed();
    w.trace().record(std::move(e));
  }
  if (opts_.planted_bugs != 0) {
    const std::string banner = raft::planted_banner(opts_.planted_bugs);
    warnings_.insert(warnings_.begin(), banner);
    if (w.trace().on()) {
      TraceEvent e;
      e.kind = Ev::Note;
      e.a = banner;
      w.trace().record(std::move(e));
    }
  }
  const std::int64_t end = opts_.stop_at_ns.value_or(s_.duration_ns);
  // RunOptions::max_events: every stretch of the run gets what is left of the budget.
  bool stopped = false;
  auto run_to = [&](Time t) {
    if (stopped) return;
    if (opts_.max_events == 0) {
      w.run_until(t);
      return;
    }
    const std::uint64_t fired = w.loop().events_fired();
    stopped = !w.loop().run_until(t, fired >= opts_.max_events ? 0 : opts_.max_events - fired);
  };
  std::vector<StatusSample> samples;
  {
    std::vector<std::int64_t> at = opts_.status_samples_ns;
    std::sort(at.begin(), at.end());
    at.erase(std::unique(at.begin(), at.end()), at.end());
    for (std::int64_t t : at) {
      if (t > end) break;
      run_to(nanos(t));
      if (stopped) break;
      StatusSample smp;
      smp.at_ns = t;
      smp.members = w.members();
      for (const auto& m : smp.members) smp.endpoints.push_back(w.endpoint_url(m.name));
      samples.push_back(std::move(smp));
    }
  }
  run_to(nanos(end));
  if (!opts_.stop_at_ns) {
    // Let in-flight probes (put/get) finish: etcdctl gives up after 5 s.
    bool pending = false;
    for (const auto& r : results_) pending = pending || r.actual == "(pending)";
    if (pending) run_to(nanos(end) + seconds(6));
  }
  std::string stop_text;
  if (stopped) {
    std::size_t unjudged = 0;
    for (const auto& e : s_.expect) unjudged += e.at_ns > w.now().ns;
    stop_text = fmt::format("the run reached --max-events {} at {:.3f}s of its {:.3f}s and was stopped there{}",
                            opts_.max_events, static_cast<double>(w.now().ns) / 1e9, static_cast<double>(end) / 1e9,
                            unjudged ? fmt::format("; {} expectation(s) after that were not judged", unjudged) : "");
    if (w.trace().on()) {
      TraceEvent e;
      e.kind = Ev::Note;
      e.a = "STOPPED: " + stop_text;
      w.trace().record(std::move(e));
    }
  }
  RunResult out;
  out.scenario = s_.name;
  out.seed = w.seed();
  out.expectations = results_;
  for (const auto& r : results_) out.passed = out.passed && r.passed;
  for (size_t i = 0; i < results_.size(); ++i) {
    if (!w.trace().on()) break;
    TraceEvent e;
    e.at = nanos(results_[i].at_ns);
    e.kind = Ev::Expect;
    // Which expectation of the file (its JSON path): one entry may hold several
    // assertions, each its own verdict, so `index` (the verdict's number) alone does not
    // name it for the `expectations` checker.
    e.who = results_[i].path;
    e.index = i;
    e.a = results_[i].what + " = " + results_[i].expected;
    e.b = results_[i].actual;
    e.c = results_[i].passed ? "pass" : "fail";
    w.trace().record(std::move(e));
  }
  out.clusters = w.clusters();
  out.members = w.members();
  if (ext_) {
    ext_->finish(out);
    for (size_t i = 0; i < results_.size() && i < out.expectations.size(); ++i) out.expectations[i] = results_[i];
    for (size_t i = out.expectations.size(); i < results_.size(); ++i) out.expectations.push_back(results_[i]);
    out.passed = true;
    for (const auto& r : out.expectations) out.passed = out.passed && r.passed;
  }
  out.warnings = warnings_;
  judge_config_errors(s_, config_errors_, &out);
  w.trace().flush();  // a streaming trace's last events to its hash and sink
  if (opts_.hash_trace) out.trace_sha256 = w.trace().sha256();
  out.events = w.loop().events_fired();
  if (stopped) {
    out.stopped = stop_text;
    out.passed = false;
  }
  out.end_ns = w.now().ns;
  out.status_samples = std::move(samples);
  return out;
}

}  // namespace raftlab::sim
