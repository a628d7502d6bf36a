// tools/real/real_services.cc — see real_services.h.
#include "tools/real/real_services.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "tools/real/compare.h"

namespace raftlab::real::diffing {

namespace fs = std::filesystem;

namespace {

std::string find_program(const std::string& prog, const std::vector<std::string>& first) {
  for (const auto& f : first)
    if (::access(f.c_str(), X_OK) == 0) return f;
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':'))
    if (::access((dir + "/" + prog).c_str(), X_OK) == 0) return dir + "/" + prog;
  return "";
}

// The zone a name belongs to for dnsmasq's --local: everything after the first label
// ("etcd1.example.com" -> "example.com"), or after "_service._tcp." for an SRV name.
std::string zone_of(const std::string& name) {
  if (auto p = name.find("._tcp."); p != std::string::npos) return name.substr(p + 6);
  auto dot = name.find('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

}  // namespace

std::vector<std::string> dnsmasq_args(const scenario::Dns& dns, const std::string& listen_ip, const std::string& log_file) {
  // No configuration file, no upstream, no /etc/hosts: only the scenario's records; in the
  // foreground as root (no privilege drop: it lives and dies with the diff); --local makes
  // a missing name in a scenario zone NXDOMAIN ("no such host"), as an authoritative
  // server (Route 53, a zone file) answers.
  std::vector<std::string> a{"--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                             "--listen-address=" + listen_ip, "--bind-interfaces", "--port=53", "--user=root",
                             "--pid-file=", "--log-queries", "--log-facility=" + log_file};
  std::set<std::string> zones;
  for (const auto& [name, ip] : dns.a) {
    zones.insert(zone_of(name));
    if (ip.rfind("127.", 0) != 0) continue;  // never an address outside this machine's loopback
    a.push_back("--host-record=" + name + "," + ip);
  }
  for (const auto& [name, recs] : dns.srv) {
    zones.insert(zone_of(name));
    for (std::size_t i = 0; i < recs.size(); ++i)
      a.push_back(fmt::format("--srv-host={},{},{},{},0", name, recs[i].target, recs[i].port, i));
  }
  for (const auto& z : zones) a.push_back("--local=/" + z + "/");
  return a;
}

std::string size_key(const std::string& token) {
  static const std::string kPrefix = "/v2/keys/";
  if (token.rfind(kPrefix, 0) != 0 || token.size() == kPrefix.size()) return "";
  return token.substr(kPrefix.size() - 1) + "/_config/size";
}

std::string RealServices::dns_resolv_conf(bool namespace_possible, int net) {
  if (!s_.dns || !namespace_possible) return "";
  dns_ip_ = fmt::format("127.0.{}.253", net);
  const std::string path = root_ + "/resolv.conf";
  std::ofstream f(path);
  f << "# raftlab diff: the scenario's DNS records (dnsmasq on " << dns_ip_ << ")\nnameserver " << dns_ip_ << "\n";
  if (!f) throw Broken{"cannot write " + path};
  return path;
}

bool RealServices::serves_host(const std::string& host) const {
  for (const auto& d : discos_)
    if (d.spec->host == host) return true;
  return false;
}

void RealServices::start(bool in_namespace) {
  fs::create_directories(root_ + "/logs");
  if (s_.dns) {
    const std::string where = s_.dns->path.empty() ? std::string("$.dns") : s_.dns->path;
    if (!in_namespace || dns_ip_.empty())
      not_applied.emplace_back(0, where + ": the scenario's DNS records: not served on the real side (a DNS server for "
                                          "the members needs the private namespace and its own resolv.conf: root)");
    else
      start_dns();
    for (const auto& [name, ip] : s_.dns->a)
      if (ip.rfind("127.", 0) != 0)
        not_applied.emplace_back(0, where + ".a." + name + ": " + ip +
                                        " is not a declared host's address, so it has no loopback address: not served "
                                        "on the real side");
  }
  int index = 0;
  for (const auto& spec : s_.discovery_services) {
    Disco d;
    d.spec = &spec;
    d.ip = map_.by_host.at(spec.host);
    d.name = "raftlab-discovery-" + spec.host;
    d.data_dir = fmt::format("{}/services/discovery-{}-{}", root_, spec.host, spec.port);
    d.log_path = fmt::format("{}/logs/discovery-{}-{}.log", root_, spec.host, spec.port);
    // Its own peer port, apart from the members' usual 2380s.
    d.peer_port = 12380 + index++;
    discos_.push_back(d);
  }
  for (auto& d : discos_) start_disco(d, true);
}

void RealServices::start_dns() {
  const std::string prog = find_program("dnsmasq", {"/usr/sbin/dnsmasq"});
  if (prog.empty())
    throw Broken{"the scenario has DNS records and dnsmasq is not installed (Debian package dnsmasq-base; "
                 "scripts/deps.sh installs it)"};
  std::vector<std::string> argv{prog};
  for (auto& w : dnsmasq_args(*s_.dns, dns_ip_, root_ + "/logs/dnsmasq.log")) argv.push_back(w);
  std::string error;
  dns_pid_ = spawn(argv, Env{{"PATH", "/usr/sbin:/usr/bin:/bin"}}, root_, root_ + "/logs/dnsmasq.out", &error);
  if (dns_pid_ < 0) throw Broken{"cannot start dnsmasq: " + error};
  // Ready when it answers one of the records through the namespace's resolv.conf (glibc's
  // getent reads the same file as etcd's Go resolver). `getent hosts`, not `ahostsv4`:
  // getaddrinfo's AI_ADDRCONFIG finds no IPv4 address but loopback here and asks nothing.
  std::string probe = s_.dns->a.empty() ? std::string() : s_.dns->a.begin()->first;
  const double t0 = now_ms();
  while (!probe.empty()) {
    const Captured r = run_capture({"/usr/bin/getent", "hosts", probe}, nullptr, 2000);
    if (r.exit_code == 0) break;
    int st = 0;
    if (reaped(dns_pid_, &st)) throw Broken{"dnsmasq exited at start (see " + root_ + "/logs/dnsmasq.out)"};
    if (now_ms() - t0 > 10000)
      throw Broken{fmt::format("dnsmasq does not answer {} within 10 s (getent exit {}: {})", probe, r.exit_code, r.err)};
    sleep_ms(100);
  }
  notes.push_back(fmt::format("DNS: dnsmasq on {}:53 serves {} A and {} SRV name(s); the members' /etc/resolv.conf names it",
                              dns_ip_, s_.dns->a.size(), s_.dns->srv.size()));
  log_ << "  " << notes.back() << "\n";
}

void RealServices::start_disco(Disco& d, bool first) {
  const std::string client = fmt::format("http://{}:{}", d.ip, d.spec->port);
  const std::string peer = fmt::format("http://{}:{}", d.ip, d.peer_port);
  fs::create_directories(fs::path(d.data_dir).parent_path());
  std::vector<std::string> argv{etcd_,
                                "--name", d.name,
                                "--data-dir", d.data_dir,
                                "--enable-v2",
                                "--listen-client-urls", client,
                                "--advertise-client-urls", client,
                                "--listen-peer-urls", peer,
                                "--initial-advertise-peer-urls", peer,
                                "--initial-cluster", d.name + "=" + peer,
                                "--logger", "zap",
                                "--log-outputs", "stderr"};
  std::string error;
  d.pid = spawn(argv, Env{{"PATH", "/usr/bin:/bin"}}, root_, d.log_path, &error);
  if (d.pid < 0) throw Broken{"cannot start the discovery etcd: " + error};
  if (!first) {
    // Back with its host: no wait (a member retries the service as it would a real one).
    notes.push_back("discovery service on host " + d.spec->host + " started again (same data dir: its tokens kept)");
    return;
  }
  const Env v3{{"ETCDCTL_API", "3"}, {"PATH", "/usr/bin:/bin"}};
  const double t0 = now_ms();
  while (true) {
    const Captured r = run_capture({etcdctl_, "--endpoints", client, "--dial-timeout", "1s", "--command-timeout", "2s",
                                    "endpoint", "health"},
                                   &v3, 4000);
    if (r.exit_code == 0) break;
    int st = 0;
    if (reaped(d.pid, &st)) throw Broken{"the discovery etcd exited at start (see " + d.log_path + ")"};
    if (now_ms() - t0 > 15000) throw Broken{"the discovery etcd on " + client + " is not healthy within 15 s"};
    sleep_ms(200);
  }
  const Env v2{{"ETCDCTL_API", "2"}, {"PATH", "/usr/bin:/bin"}};
  std::vector<std::string> done;
  for (const auto& t : d.spec->tokens) {
    const std::string key = size_key(t.token);
    const std::string where = (d.spec->path.empty() ? std::string("$.discovery_services") : d.spec->path) + ": token " + t.token;
    if (key.empty()) {
      not_applied.emplace_back(0, where + ": not under /v2/keys/, which is the only place a real etcd serves the v2 keys "
                                          "API (a --discovery URL's path is the key path itself)");
      continue;
    }
    if (!t.size) {
      done.push_back(t.token + " (no size: never set)");
      continue;
    }
    const Captured r = run_capture({etcdctl_, "--endpoints", client, "set", key, *t.size}, &v2, 10000);
    if (r.exit_code != 0) throw Broken{"ETCDCTL_API=2 etcdctl set " + key + " failed: " + r.err};
    done.push_back(t.token + " size " + *t.size);
  }
  notes.push_back(fmt::format("discovery service on host {}: real etcd --enable-v2 on {}, tokens: {}", d.spec->host, client,
                              done.empty() ? std::string("none") : fmt::format("{}", fmt::join(done, ", "))));
  log_ << "  " << notes.back() << "\n";
}

void RealServices::host_down(const std::string& host) {
  for (auto& d : discos_) {
    if (d.spec->host != host || d.pid < 0) continue;
    kill_pid(d.pid);
    d.pid = -1;
    notes.push_back("discovery service on host " + host + " killed with its host");
  }
}

void RealServices::host_up(const std::string& host) {
  for (auto& d : discos_)
    if (d.spec->host == host && d.pid < 0) start_disco(d, false);
}

void RealServices::shutdown() {
  for (auto& d : discos_) {
    if (d.pid > 0) stop_pid(d.pid, 5000);
    d.pid = -1;
  }
  if (dns_pid_ > 0) stop_pid(dns_pid_, 2000);
  dns_pid_ = -1;
}

}  // namespace raftlab::real::diffing
