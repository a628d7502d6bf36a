// sim/deploy_endpoints.cc — the load-time check that every URL the timeline's etcdctl
// dials is served by something the scenario defines: a member's client port (its listen
// URL on the host network, or a docker `-p` mapping of it), through the host's IP or a
// name of the scenario's DNS table; or what a layer above sim/ serves (a load balancer's
// DNS name and listener ports, sim/extension.h). A URL nothing serves would only time out
// at run time ("context deadline exceeded"); it is refused here, exit 2, with the
// endpoints that ARE served.
//
// What cannot be known before the run is accepted, and said in docs/etcd-behaviour.md:
// a host whose shell the timeline changes (a start may then expand other ports), a
// member whose entrypoint decides its configuration only at start (a Bitnami container on
// the host network that first runs `member add`), and addresses the extension creates at
// run time (EC2 instances' IPs, drawn per seed in the template's subnets).
//
// Must never: reach into sim/cloud (the extension answers through its interface).
#include <algorithm>

#include <fmt/format.h>

#include "sim/deploy.h"
#include "sim/etcdctl.h"

namespace raftlab::sim {

namespace {

bool loopback(const std::string& h) { return h == "localhost" || h == "127.0.0.1" || h == "[::1]"; }
bool any_address(const std::string& h) { return h.empty() || h == "0.0.0.0" || h == "[::]"; }

}  // namespace

void Deployment::note_client_ports(const scenario::Member& m, const ContainerSpec& spec, const Launch& l) {
  const std::string& ip = world_->net().host_ip(spec.host);
  auto add = [&](HostIndex h, int port, std::string what) {
    served_.push_back({h, port, fmt::format("http://{}:{}", world_->net().host_ip(h), port), std::move(what)});
  };
  if (l.kind != Launch::Kind::Exec) {
    // The entrypoint decides the configuration at start (Bitnami's `member add` first, a
    // refused configuration): a docker container is reachable only through what it
    // publishes; on the host network any port may be its.
    if (spec.own_netns) {
      for (const auto& [cp, hp] : spec.published) add(spec.host, hp, fmt::format("{} (-p {}:{})", m.name, hp, cp));
    } else {
      any_port_hosts_.insert(spec.host);
    }
    return;
  }
  for (const auto& u : l.config().listen_client_urls) {
    std::string h;
    int port = 0;
    if (!split_url(u, &h, &port)) continue;
    if (spec.own_netns) {
      // From outside the container only a published port answers (docker -p).
      auto it = spec.published.find(port);
      if (it != spec.published.end()) add(spec.host, it->second, fmt::format("{} (-p {}:{})", m.name, it->second, port));
    } else if (any_address(h) || h == ip) {
      add(spec.host, port, m.name);
    } else if (!loopback(h)) {
      if (const auto other = world_->net().host_by_ip(h)) add(*other, port, m.name);
    }
  }
}

bool Deployment::check_endpoints(std::vector<scenario::LoadError>* errors) {
  const size_t before = errors->size();
  // A `run` action's new definition may serve other ports: those count too.
  for (const auto& t : s_.timeline) {
    if (const auto* a = std::get_if<scenario::RunAction>(&t.action); a && a->config) {
      const scenario::Member* m = s_.find_member(a->member);
      std::vector<scenario::LoadError> ignored;  // reported when the action runs
      if (!m) continue;
      auto spec = make_spec(*m, *a->config, &ignored, false);
      if (spec) note_client_ports(*m, *spec, spec->launch(StartContext{}));
    }
    if (const auto* a = std::get_if<scenario::ShellAction>(&t.action)) {
      if (const scenario::Host* h = s_.find_host(a->host))
        if (const auto hi = world_->net().host_by_ip(h->ip)) any_port_hosts_.insert(*hi);
    }
  }
  std::vector<Extension::ServedUrl> ext_urls;
  if (ext_) ext_urls = ext_->served_urls();

  // Everything served, for the message: members' ports first, then the extension's.
  auto known = [&] {
    std::vector<std::string> list;
    for (const auto& sp : served_) {
      std::string item = sp.url + " (" + sp.what + ")";
      if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
    }
    for (const auto& u : ext_urls) list.push_back(u.url + " (" + u.what + ")");
    return list.empty() ? std::string("nothing (no member serves clients on a host address)")
                        : fmt::format("{}", fmt::join(list, ", "));
  };
  auto check = [&](const std::string& url, const std::string& path) {
    std::string host;
    int port = 0;
    if (!split_url(url, &host, &port)) return;  // the loader refused malformed ones
    std::string why;
    if (loopback(host)) {
      why = "the timeline's etcdctl runs on the operator's machine, outside every host, where " + host +
            " reaches no member";
    } else if (const auto hi = world_->net().host_by_ip(host)) {
      if (any_port_hosts_.count(*hi) != 0) return;  // known only when its member starts
      for (const auto& sp : served_)
        if (sp.host == *hi && sp.port == port) return;
      for (const auto& u : ext_urls) {
        std::string uh;
        int up = 0;
        if (split_url(u.url, &uh, &up) && up == port && world_->net().host_by_ip(uh) == hi) return;
      }
      why = fmt::format("nothing serves port {} on {} ({})", port, host, world_->net().host_name(*hi));
    } else {
      if (ext_ && !ext_->runtime_address(host).empty()) return;  // made at run time
      why = fmt::format("{} is no host's IP ($.hosts), no name in $.dns and no load balancer's name", host);
    }
    errors->push_back(s_.error_at(path, fmt::format("etcdctl endpoint {}: {}; it would only time out", url, why),
                                  "served from outside: " + known() + "; or name a member (\"etcd1\")"));
  };
  for (const auto& t : s_.timeline) {
    const auto* a = std::get_if<scenario::EtcdctlAction>(&t.action);
    if (!a) continue;
    for (size_t i = 0; i < a->endpoints.size(); ++i) {
      if (a->endpoints[i].url.empty()) continue;
      std::string path = fmt::format("{}.endpoints[{}]", t.path, i);
      if (s_.positions.count(path) == 0) path = t.path + ".endpoints";
      check(a->endpoints[i].url, path);
    }
    const EtcdctlCommand c = parse_etcdctl(a->command);
    for (const auto& e : c.endpoints)
      check(e.find("://") == std::string::npos ? "http://" + e : e, t.path + ".etcdctl");
  }
  return errors->size() == before;
}

}  // namespace raftlab::sim
