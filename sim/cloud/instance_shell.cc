// sim/cloud/instance_shell.cc — see instance_shell.h. Each external command's behaviour
// and wording, with its source:
//  * docker run/start/stop/restart/rm/kill/pull/exec/ps (docker CLI reference; name
//    conflicts and unknown commands in the daemon's / CLI's words, exit 125 / 1);
//  * etcd (a bare process in the host's namespace), etcdctl (sim/etcdctl.h, from this
//    host: localhost is this instance);
//  * aws (AWS CLI v2: parse errors exit 252, service errors 254, "Return codes");
//  * curl / wget to other hosts (curl(1) EXIT CODES 6, 7, 22, 28; wget(1) EXIT STATUS 4,
//    8); etcd's /health, /version, and the v2 API that etcd 3.4+ serves only with
//    --enable-v2 (etcd 3.4 CHANGELOG: v2 API disabled by default) — a 404 here;
//  * package managers take CloudTimings::package_install and succeed; systemctl knows
//    only the docker and containerd units (others: "Unit X.service not found.", exit 5).
#include "sim/cloud/instance_shell.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/etcd/docker.h"
#include "sim/etcdctl.h"

namespace raftlab::cloud {

namespace {

std::string base_name(const std::string& s) {
  auto k = s.rfind('/');
  return k == std::string::npos ? s : s.substr(k + 1);
}

CommandOutcome ok(std::string out = {}) { return CommandOutcome{0, std::move(out), {}}; }
CommandOutcome bad(int code, std::string err) { return CommandOutcome{code, {}, std::move(err)}; }

}  // namespace

InstanceShell::InstanceShell(Cloud& cloud, std::string instance_id) : cloud_(cloud), id_(std::move(instance_id)) {
  if (Instance* in = self()) gen_ = in->gen;
}

Instance* InstanceShell::self() {
  Instance* in = cloud_.instance(id_);
  return in && in->gen == gen_ ? in : nullptr;
}

void InstanceShell::later(std::int64_t ns, std::function<void(CommandOutcome)> done, CommandOutcome o) {
  if (ns <= 0) {
    done(std::move(o));
    return;
  }
  const std::string id = id_;
  const std::uint64_t gen = gen_;
  Cloud* cloud = &cloud_;
  cloud_.world().loop().after(sim::nanos(ns), [cloud, id, gen, done = std::move(done), o = std::move(o)]() mutable {
    Instance* in = cloud->instance(id);
    if (!in || in->gen != gen) return;  // the instance died: the script dies with it
    done(std::move(o));
  });
}

void InstanceShell::run(const CommandCall& call, std::function<void(CommandOutcome)> done) {
  Instance* in = self();
  if (!in || call.argv.empty()) return;
  const std::string name = base_name(call.argv[0]);
  if (name == "nohup" || name == "sudo" || name == "exec") {
    CommandCall rest = call;
    rest.argv.erase(rest.argv.begin());
    if (rest.argv.empty()) return done(bad(1, name + ": missing operand\n"));
    return run(rest, std::move(done));
  }
  if (name == "docker") return docker(call, std::move(done));
  if (name == "etcd") return bare_etcd(call, std::move(done));
  if (name == "etcdctl") return etcdctl(call, std::move(done));
  if (name == "aws") return aws(call, std::move(done));
  if (name == "curl" || name == "wget") return curl(call, std::move(done));
  const CloudTimings& t = cloud_.config().timings;
  if (name == "yum" || name == "dnf" || name == "apt-get" || name == "apt" || name == "amazon-linux-extras") {
    cloud_.record(id_, "package", fmt::format("{} (assumed to succeed after {}s)", etcd::join(call.argv, " "),
                                              t.package_install_ns / 1'000'000'000));
    return later(t.package_install_ns, std::move(done), ok());
  }
  if (name == "systemctl" || name == "service" || name == "chkconfig") {
    // The units this model has: docker (and containerd under it).
    std::vector<std::string> units;
    for (size_t i = 1; i < call.argv.size(); ++i) {
      const std::string& a = call.argv[i];
      if (a.empty() || a[0] == '-') continue;
      static const std::set<std::string> kVerbs = {"start", "stop", "restart", "enable", "disable", "status",
                                                   "is-active", "daemon-reload", "reload", "on", "off"};
      if (kVerbs.count(a)) continue;
      units.push_back(a);
    }
    for (const std::string& u : units) {
      std::string unit = u;
      if (unit.size() > 8 && unit.compare(unit.size() - 8, 8, ".service") == 0) unit.resize(unit.size() - 8);
      if (unit != "docker" && unit != "containerd" && unit != "docker.socket")
        return done(bad(5, fmt::format("Failed to start {}.service: Unit {}.service not found.\n", unit, unit)));
    }
    return done(ok());
  }
  if (name == "hostname") {
    std::string d = in->ip;
    std::replace(d.begin(), d.end(), '.', '-');
    return done(ok("ip-" + d + "\n"));
  }
  // usermod, hostnamectl, logger, sync, timedatectl: host set-up with no effect here.
  done(ok());
}

std::optional<std::string> InstanceShell::metadata(const std::string& method, const std::string& path,
                                                   const std::string& token) {
  Instance* in = self();
  if (!in) return std::nullopt;
  const AsgState* g = cloud_.asg(in->asg);
  const LaunchTemplate* lt = g ? g->lt : nullptr;
  if (lt && !lt->imds_enabled) return std::nullopt;
  if (method == "PUT") {
    if (path != "api/token") return std::nullopt;
    sim::Prng& r = cloud_.prng("imds/token");
    std::string tok = fmt::format("AQAEA{:016x}{:016x}==", r.next(), r.next());
    in->files["/run/raftlab/imds-tokens"] += tok + "\n";
    return tok;
  }
  const bool token_ok = !token.empty() && in->files["/run/raftlab/imds-tokens"].find(token + "\n") != std::string::npos;
  if (lt && lt->imds_v2_required && !token_ok) return std::nullopt;  // 401 Unauthorized
  std::string d = in->ip;
  std::replace(d.begin(), d.end(), '.', '-');
  const std::string region = cloud_.config().spec.region;
  const std::string host = "ip-" + d + "." + (region == "us-east-1" ? std::string("ec2.internal") : region + ".compute.internal");
  const std::string type = lt ? lt->instance_type : "t3.micro";
  if (path == "meta-data/instance-id") return in->id;
  if (path == "meta-data/local-ipv4") return in->ip;
  if (path == "meta-data/placement/availability-zone") return in->az;
  if (path == "meta-data/placement/region") return region;
  if (path == "meta-data/local-hostname" || path == "meta-data/hostname") return host;
  if (path == "meta-data/instance-type") return type;
  if (path == "meta-data/ami-id") return std::string("ami-") + fmt::format("{:017x}", sim::label_hash("ami") & 0x1FFFFFFFFFFFFFFFULL);
  if (path == "meta-data/autoscaling/target-lifecycle-state") {
    // "InService" while the group keeps the instance, "Terminated" once it leaves
    // (Auto Scaling User Guide, "Retrieve the target lifecycle state through instance metadata").
    if (in->asg.empty()) return std::nullopt;
    return in->lifecycle.rfind("Terminat", 0) == 0 ? std::string("Terminated") : std::string("InService");
  }
  if (path == "dynamic/instance-identity/document") {
    return fmt::format(
        "{{\n  \"accountId\" : \"123456789012\",\n  \"architecture\" : \"x86_64\",\n  \"availabilityZone\" : \"{}\",\n"
        "  \"imageId\" : \"ami-{:017x}\",\n  \"instanceId\" : \"{}\",\n  \"instanceType\" : \"{}\",\n"
        "  \"pendingTime\" : \"{}\",\n  \"privateIp\" : \"{}\",\n  \"region\" : \"{}\",\n  \"version\" : \"2017-09-30\"\n}}",
        in->az, sim::label_hash("ami") & 0x1FFFFFFFFFFFFFFFULL, in->id, type, iso_time(in->launched_ns, false), in->ip,
        region);
  }
  if (path == "meta-data" || path == "meta-data/") {
    return std::string(
        "ami-id\nautoscaling/\nhostname\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\nplacement/");
  }
  return std::nullopt;
}

std::optional<std::string> InstanceShell::read_file(const std::string& path) {
  Instance* in = self();
  if (!in) return std::nullopt;
  auto it = in->files.find(path);
  if (it == in->files.end()) return std::nullopt;
  return it->second;
}

void InstanceShell::write_file(const std::string& path, const std::string& text, bool append) {
  Instance* in = self();
  if (!in) return;
  std::string& f = in->files[path];
  if (!append) f.clear();
  if (f.size() + text.size() <= kOutputBytesMax) f += text;
}

bool InstanceShell::remove_file(const std::string& path) {
  Instance* in = self();
  return in && in->files.erase(path) > 0;
}

void InstanceShell::sleep(std::int64_t ns, std::function<void()> done) {
  later(ns, [done = std::move(done)](CommandOutcome) { done(); }, ok());
}

void InstanceShell::log(int line, const std::string& text) {
  if (!self() || text.empty()) return;
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  if (t.size() > 400) t = t.substr(0, 400) + "...";
  cloud_.record(id_, "cloud-init", fmt::format("line {}: {}", line, t));
}

std::optional<std::string> InstanceShell::start_container(sim::ContainerInput ci, const std::string& docker_name,
                                                          std::string* fix) {
  Instance* in = self();
  sim::ContainerProblem problem;
  auto spec = sim::container_from_argv(ci, &problem);
  for (const std::string& w : problem.warnings) cloud_.deployment().add_warning(in->id + ": " + w);
  if (!spec) {
    *fix = problem.fix;
    return problem.message;
  }
  const int c = cloud_.world().add_container(std::move(*spec));
  in->docker[docker_name] = c;
  in->containers.push_back(c);
  cloud_.record(in->id, "container", "starts " + ci.name);
  cloud_.world().start(c);
  return std::nullopt;
}

void InstanceShell::docker(const CommandCall& call, std::function<void(CommandOutcome)> done) {
  Instance* in = self();
  const auto& a = call.argv;
  if (a.size() < 2) return done(bad(0, ""));
  std::string sub = a[1];
  size_t first = 2;
  if (sub == "container" && a.size() >= 3) {
    sub = a[2];
    first = 3;
  }
  auto container_of = [&](const std::string& n) -> int {
    auto it = in->docker.find(n);
    return it == in->docker.end() ? -1 : it->second;
  };
  const CloudTimings& t = cloud_.config().timings;
  if (sub == "run") {
    std::vector<std::string> argv = {"docker", "run"};
    argv.insert(argv.end(), a.begin() + static_cast<long>(first), a.end());
    auto dr = etcd::parse_docker_run(argv, call.env);
    if (!dr.ok()) return done(bad(125, "docker: " + dr.error().message + "\nSee 'docker run --help'.\n"));
    const std::string dname = dr.value().name.empty() ? fmt::format("container{}", in->docker.size() + 1) : dr.value().name;
    if (container_of(dname) >= 0) {
      return done(bad(125, fmt::format("docker: Error response from daemon: Conflict. The container name \"/{}\" is "
                                       "already in use. You have to remove (or rename) that container to be able to "
                                       "reuse that name.\nSee 'docker run --help'.\n",
                                       dname)));
    }
    const std::string image = dr.value().image;
    const bool pulled = in->images.count(image) > 0;
    const std::int64_t pull_ns = pulled ? 0 : t.image_pull_ns;
    in->images.insert(image);
    const bool detach = dr.value().detach;
    sim::ContainerInput ci;
    ci.name = in->docker.empty() ? in->id : in->id + "/" + dname;
    ci.host = in->host;
    ci.argv = argv;
    auto env = std::make_shared<std::map<std::string, std::string>>(call.env);
    const std::string pull_text = pulled ? "" : fmt::format("Unable to find image '{}' locally\nStatus: Downloaded newer image for {}\n", image, image);
    later(pull_ns,
          [this, ci, env, dname, detach, pull_text, done](CommandOutcome) mutable {
            ci.env = env.get();
            std::string fix;
            if (auto err = start_container(ci, dname, &fix)) {
              cloud_.record(id_, "container", "docker run refused: " + *err);
              return done(bad(125, pull_text + "docker: " + *err + "\n"));
            }
            if (!detach) {
              // A foreground `docker run` waits for its container: the script stays here.
              cloud_.record(id_, "cloud-init", "docker run without -d: the script waits for the container to exit");
              return;
            }
            sim::Prng& r = cloud_.prng("docker/container-id");
            CommandOutcome o = ok(fmt::format("{:016x}{:016x}{:016x}{:016x}\n", r.next(), r.next(), r.next(), r.next()));
            o.err = pull_text;
            done(std::move(o));
          },
          CommandOutcome{});
    return;
  }
  if (sub == "pull") {
    if (first >= a.size()) return done(bad(1, "\"docker pull\" requires exactly 1 argument.\n"));
    const bool pulled = in->images.count(a[first]) > 0;
    in->images.insert(a[first]);
    return later(pulled ? 0 : t.image_pull_ns, std::move(done), ok("Status: Downloaded newer image for " + a[first] + "\n"));
  }
  if (sub == "start" || sub == "stop" || sub == "restart" || sub == "kill" || sub == "rm") {
    bool force = false;
    std::vector<std::string> names;
    for (size_t i = first; i < a.size(); ++i) {
      if (a[i] == "-f" || a[i] == "--force") force = true;
      else if (a[i].rfind("-", 0) == 0) continue;
      else names.push_back(a[i]);
    }
    std::string out;
    for (const std::string& n : names) {
      const int c = container_of(n);
      if (c < 0) return done(bad(1, fmt::format("Error response from daemon: No such container: {}\n", n)));
      sim::World& w = cloud_.world();
      if (sub == "start") {
        if (!w.wanted(c)) w.start(c);
      } else if (sub == "stop") {
        w.stop(c);
      } else if (sub == "restart") {
        w.restart(c);
      } else if (sub == "kill") {
        w.crash(c, false);
      } else {
        if (w.up(c) && !force)
          return done(bad(1, fmt::format("Error response from daemon: cannot remove container \"/{}\": container is "
                                         "running: stop the container before removing or force remove\n",
                                         n)));
        w.terminate_instance(c);  // the container and its anonymous volumes go
        in->docker.erase(n);
      }
      out += n + "\n";
    }
    return done(ok(out));
  }
  if (sub == "exec") {
    // docker exec [-it] NAME CMD...: etcdctl inside the etcd container reaches its own
    // etcd at localhost, as the host's etcdctl does with --network host or -p.
    size_t i = first;
    while (i < a.size() && a[i].rfind("-", 0) == 0) ++i;
    if (i + 1 >= a.size()) return done(bad(1, "\"docker exec\" requires at least 2 arguments.\n"));
    if (container_of(a[i]) < 0) return done(bad(1, fmt::format("Error response from daemon: No such container: {}\n", a[i])));
    CommandCall inner = call;
    inner.argv.assign(a.begin() + static_cast<long>(i + 1), a.end());
    if (base_name(inner.argv[0]) != "etcdctl")
      return done(bad(126, fmt::format("raftlab: docker exec {}: only etcdctl is modelled inside a container\n", inner.argv[0])));
    return etcdctl(inner, std::move(done));
  }
  if (sub == "ps") {
    std::string out = "CONTAINER ID   IMAGE   STATUS   NAMES\n";
    for (const auto& [n, c] : in->docker)
      if (cloud_.world().up(c)) out += fmt::format("{:012x}   {}   Up   {}\n", sim::label_hash(in->id + n) & 0xFFFFFFFFFFFFULL, cloud_.world().container(c).image, n);
    return done(ok(out));
  }
  if (sub == "info" || sub == "version" || sub == "logs" || sub == "inspect" || sub == "network" || sub == "volume")
    return done(ok());
  done(bad(1, fmt::format("docker: '{}' is not a docker command.\nSee 'docker --help'\n", sub)));
}

void InstanceShell::bare_etcd(const CommandCall& call, std::function<void(CommandOutcome)> done) {
  Instance* in = self();
  sim::ContainerInput ci;
  const std::string dname = "etcd-process";
  if (in->docker.count(dname)) return done(bad(1, "raftlab: a second bare etcd on one instance is not modelled\n"));
  ci.name = in->docker.empty() ? in->id : in->id + "/" + dname;
  ci.host = in->host;
  ci.argv = call.argv;
  ci.env = &call.env;
  ci.docker = false;
  std::string fix;
  if (auto err = start_container(ci, dname, &fix)) return done(bad(1, *err + "\n"));
  // In the foreground etcd runs until it exits: the script waits (only `etcd ... &` returns).
  if (call.background) return done(ok());
  cloud_.record(id_, "cloud-init", "etcd in the foreground: the script waits for it");
}

void InstanceShell::etcdctl(const CommandCall& call, std::function<void(CommandOutcome)> done) {
  Instance* in = self();
  std::vector<std::string> eps;
  auto it = call.env.find("ETCDCTL_ENDPOINTS");
  if (it != call.env.end() && !it->second.empty()) eps = etcd::split(it->second, ',');
  sim::EtcdctlRun how;
  how.from_host = in->host;
  how.note = false;
  const std::string id = id_;
  const std::uint64_t gen = gen_;
  Cloud* cloud = &cloud_;
  const std::string shown = etcd::join(call.argv, " ");
  sim::run_etcdctl_argv(cloud_.world(), call.argv, eps, how,
                        [cloud, id, gen, shown, done](int code, const std::string& out, const std::string& err) {
                          Instance* p = cloud->instance(id);
                          if (!p || p->gen != gen) return;
                          std::string o = out + err;
                          while (!o.empty() && o.back() == '\n') o.pop_back();
                          cloud->record(id, "etcdctl", fmt::format("$ {}\n{}", shown, o));
                          done(CommandOutcome{code, out, err});
                        });
}

void InstanceShell::aws(const CommandCall& call, std::function<void(CommandOutcome)> done) {
  auto c = parse_aws(call.argv);
  if (!c.ok()) return done(bad(252, c.error().message + "\n"));
  const std::string shown = etcd::join(call.argv, " ");
  AwsCall callv = c.value();
  const std::string id = id_;
  const std::uint64_t gen = gen_;
  Cloud* cloud = &cloud_;
  // The request and its answer each cross the API's latency (the instance's view is
  // taken when the request arrives).
  const std::int64_t half = cloud_.config().timings.api_latency_ns / 2;
  cloud_.world().loop().after(sim::nanos(half), [cloud, id, gen, callv, shown, half, done] {
    Instance* p = cloud->instance(id);
    if (!p || p->gen != gen) return;
    ApiResult r = cloud->call(callv, id);
    std::string o = r.exit_code == 0 ? r.out : r.err;
    while (!o.empty() && o.back() == '\n') o.pop_back();
    cloud->record(id, "aws", fmt::format("$ {}\n{}", shown, o.size() > 2000 ? o.substr(0, 2000) + "..." : o));
    cloud->world().loop().after(sim::nanos(half), [cloud, id, gen, r, done] {
      Instance* q = cloud->instance(id);
      if (!q || q->gen != gen) return;
      done(CommandOutcome{r.exit_code, r.out, r.err});
    });
  });
}

void InstanceShell::curl(const CommandCall& call, std::function<void(CommandOutcome)> done) {
  Instance* in = self();
  const bool is_wget = base_name(call.argv[0]) == "wget";
  bool fail_flag = false, show_error = !is_wget, silent = false;
  std::string url, outfile;
  std::int64_t max_ns = -1, connect_ns = -1;
  for (size_t i = 1; i < call.argv.size(); ++i) {
    const std::string& x = call.argv[i];
    auto num = [&](std::int64_t* out) {
      if (i + 1 < call.argv.size()) *out = static_cast<std::int64_t>(std::atof(call.argv[++i].c_str()) * 1e9);
    };
    if (x == "-m" || x == "--max-time") num(&max_ns);
    else if (x == "--connect-timeout" || x == "-T" || x == "--timeout") num(&connect_ns);
    else if (x == "-o" || x == "-O" || x == "--output") { if (i + 1 < call.argv.size()) outfile = call.argv[++i]; }
    else if (x == "-X" || x == "-H" || x == "-d" || x == "--data" || x == "--header" || x == "--request" || x == "-w") ++i;
    else if (x.size() > 1 && x[0] == '-' && x[1] != '-') {
      for (char ch : x.substr(1)) {
        if (ch == 'f') fail_flag = true;
        if (ch == 's') silent = true;
        if (ch == 'S') show_error = true;
        if (ch == 'q') silent = true;
      }
    } else if (x == "--fail") fail_flag = true;
    else if (x == "--silent") silent = true;
    else if (x.rfind("--", 0) == 0) continue;
    else url = x;
  }
  if (silent && !is_wget) show_error = show_error && false;
  auto error = [&](int curl_code, int wget_code, const std::string& text) {
    const std::string msg = is_wget ? "" : (show_error || !silent ? fmt::format("curl: ({}) {}\n", curl_code, text) : "");
    return bad(is_wget ? wget_code : curl_code, msg);
  };
  std::string host;
  int port = 80;
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.rfind("https://", 0) == 0) { rest = rest.substr(8); port = 443; }
  const auto slash = rest.find('/');
  const std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  host = rest.substr(0, slash);
  if (auto colon = host.rfind(':'); colon != std::string::npos) {
    port = std::atoi(host.substr(colon + 1).c_str());
    host = host.substr(0, colon);
  }
  if (host.empty()) return done(error(3, 1, "URL using bad/illegal format or missing URL"));
  sim::World& w = cloud_.world();
  const bool local = host == "localhost" || host == "127.0.0.1";
  auto target = local ? std::optional<sim::HostIndex>(in->host) : w.net().host_by_ip(host);
  if (!target) return done(error(6, 4, "Could not resolve host: " + host));
  const std::string u = fmt::format("http://{}:{}", host, port);
  sim::Origin o;
  o.host = in->host;
  o.netns = w.net().host_netns(in->host);
  o.who = id_;
  if (!w.net().host_up(*target) || !w.net().connected(in->host, *target)) {
    // No answer at all (SYNs dropped): curl waits for its connect timeout (the kernel's
    // SYN retries when none is given).
    std::int64_t wait = cloud_.config().timings.tcp_connect_timeout_ns;
    if (connect_ns > 0) wait = std::min(wait, connect_ns);
    if (max_ns > 0) wait = std::min(wait, max_ns);
    return later(wait, std::move(done),
                 error(28, 4, fmt::format("Failed to connect to {} port {} after {} ms: Timeout was reached", host, port,
                                          wait / 1'000'000)));
  }
  if (!w.net().reachable(o, u))
    return later(1'000'000, std::move(done),
                 error(7, 4, fmt::format("Failed to connect to {} port {} after 0 ms: Couldn't connect to server", host, port)));
  const etcd::Member* m = w.serving_member_at(in->host, u);
  int code = 404;
  std::string body = "404 page not found\n";
  if (m) {
    if (path == "/health") {
      const bool leader = m->leader() != 0;
      code = leader ? 200 : 503;
      body = leader ? "{\"health\":\"true\",\"reason\":\"\"}" : "{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}";
    } else if (path == "/version") {
      code = 200;
      const std::string v = m->status().version;
      body = fmt::format("{{\"etcdserver\":\"{}\",\"etcdcluster\":\"{}.0\"}}", v, v.substr(0, v.rfind('.')));
    }
  }
  CommandOutcome r;
  if (code >= 400 && (fail_flag || is_wget)) {
    r = error(22, 8, fmt::format("The requested URL returned error: {}", code));
  } else {
    r = ok(body);
  }
  if (!outfile.empty() && r.exit_code == 0) {
    write_file(outfile, r.out, false);
    r.out.clear();
  }
  later(2'000'000, std::move(done), r);
}

}  // namespace raftlab::cloud
