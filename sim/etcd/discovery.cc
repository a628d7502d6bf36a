// sim/etcd/discovery.cc — etcd's discovery rules (discovery.h); each function names the
// etcd function it follows.
#include "sim/etcd/discovery.h"

#include <algorithm>
#include <map>
#include <set>

namespace raftlab::etcd {
namespace {

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool dns_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '-') return false;
  char prev = '.';
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.') || (c == '-' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

// "http://host:port" -> host and port (2379/2380 defaults are not etcd's: a peer URL
// always carries its port; a URL without one maps to 80/443 as Go's net/http dials).
bool split_url(const std::string& url, std::string* scheme, std::string* host, int* port) {
  const size_t p = url.find("://");
  if (p == std::string::npos) return false;
  *scheme = url.substr(0, p);
  std::string rest = url.substr(p + 3);
  if (const size_t slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos) {
    *host = rest;
    *port = *scheme == "https" ? 443 : 80;
  } else {
    *host = rest.substr(0, colon);
    if (!digits(rest.substr(colon + 1)) || rest.size() - colon - 1 > 5) return false;
    *port = std::stoi(rest.substr(colon + 1));
  }
  return !host->empty();
}

}  // namespace

Result<DiscoveryUrl> parse_discovery_url(const std::string& durl) {
  const std::string fix =
      "write the token URL a discovery service gave, e.g. --discovery=http://10.0.0.9:2379/v2/keys/discovery/6c007a14 "
      "(a private etcd) or https://discovery.etcd.io/<token>";
  DiscoveryUrl u;
  const size_t p = durl.find("://");
  if (p == std::string::npos || (durl.substr(0, p) != "http" && durl.substr(0, p) != "https"))
    return Error{"--discovery", "discovery URL " + go_quote(durl) + " has no http:// or https:// scheme", fix};
  u.scheme = durl.substr(0, p);
  const std::string rest = durl.substr(p + 3);
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  u.token = slash == std::string::npos ? "" : rest.substr(slash);
  if (u.token.size() <= 1)
    return Error{"--discovery", "discovery URL " + go_quote(durl) + " names no token (its path is empty)", fix};
  if (u.token.find_first_of("?#") != std::string::npos || u.token.find("//") != std::string::npos)
    return Error{"--discovery", "discovery URL " + go_quote(durl) + " has a query, fragment or empty path segment", fix};
  std::string scheme;
  if (!split_url(u.scheme + "://" + authority, &scheme, &u.host, &u.port) || !dns_name(u.host) || u.port < 1 ||
      u.port > 65535)
    return Error{"--discovery", "discovery URL " + go_quote(durl) + " has no valid host[:port]", fix};
  return u;
}

std::optional<Error> check_srv_domain(const std::string& domain, const char* flag) {
  if (dns_name(domain) && domain.find('.') != std::string::npos) return std::nullopt;
  return Error{flag, "--discovery-srv " + go_quote(domain) + " is not a DNS domain",
               "give the domain whose _etcd-server._tcp SRV records list the members, e.g. --discovery-srv=example.com "
               "(no scheme, port or path)"};
}

std::string self_registration(const EtcdConfig& c) {
  std::vector<std::string> urls = c.initial_advertise_peer_urls;
  std::sort(urls.begin(), urls.end());
  std::string out;
  for (const std::string& u : urls) out += (out.empty() ? "" : ",") + c.name + "=" + u;
  return out;
}

ClusterCheck check_cluster(std::vector<sim::DiscoveryNode> nodes, std::uint64_t size, const std::string& self_key) {
  // sort.Sort(sortableNodes): by CreatedIndex (a service hands them out increasing).
  std::stable_sort(nodes.begin(), nodes.end(),
                   [](const sim::DiscoveryNode& a, const sim::DiscoveryNode& b) { return a.created_index < b.created_index; });
  ClusterCheck r;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].key == self_key) break;
    // `if uint64(i) >= size-1`: size 0 underflows in Go to the largest uint64, so a
    // size of 0 never fills (and waitNodes returns at once).
    if (size > 0 && static_cast<std::uint64_t>(i) >= size - 1) {
      nodes.resize(size);
      r.nodes = std::move(nodes);
      r.full = true;
      return r;
    }
  }
  r.nodes = std::move(nodes);
  return r;
}

std::optional<std::uint64_t> parse_size(const std::string& value) {
  if (!digits(value) || value.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : value) {
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

ClusterText nodes_to_cluster(const std::vector<sim::DiscoveryNode>& nodes, std::uint64_t size) {
  ClusterText t;
  std::set<std::string> names;
  for (const sim::DiscoveryNode& n : nodes) {
    if (!t.text.empty()) t.text += ',';
    t.text += n.value;
    // types.NewURLsMap over "name=url,name=url".
    size_t start = 0;
    while (start <= n.value.size()) {
      const size_t comma = std::min(n.value.find(',', start), n.value.size());
      const std::string pair = n.value.substr(start, comma - start);
      const size_t eq = pair.find('=');
      if (eq == std::string::npos) {
        t.error = "parse error: " + go_quote(pair) + " is not name=url";
        return t;
      }
      names.insert(pair.substr(0, eq));
      t.entries.push_back(InitialClusterEntry{pair.substr(0, eq), pair.substr(eq + 1)});
      start = comma + 1;
    }
  }
  if (names.size() != size) t.error = std::string(wording::kErrDuplicateName);
  return t;
}

SrvResult srv_cluster(const EtcdConfig& c, const sim::DnsTable& dns) {
  SrvResult r;
  const std::string suffix = c.discovery_srv_name.empty() ? "" : "-" + c.discovery_srv_name;
  // srv.GetCluster(serviceScheme, service, name, dns, apurls).
  auto get_cluster = [&](const std::string& scheme, const std::string& service, std::vector<std::string>* parts) {
    std::map<std::string, std::string> tcp2ap;  // resolved "ip:port" -> advertised URL
    for (const std::string& u : c.initial_advertise_peer_urls) {
      std::string s, h;
      int port = 0;
      if (!split_url(u, &s, &h, &port)) continue;
      const auto ip = dns.resolve(h);
      if (!ip) return std::optional<std::string>("lookup " + h + ": no such host");
      tcp2ap[*ip + ":" + std::to_string(port)] = u;
    }
    const std::vector<sim::SrvRecord>* recs = dns.lookup_srv(service, c.discovery_srv);
    std::optional<std::string> err;
    if (recs == nullptr) {
      err = "lookup _" + service + "._tcp." + c.discovery_srv + ": no such host";
    } else {
      int temp_name = 0;
      for (const sim::SrvRecord& srv : *recs) {
        const std::string host_port = srv.target + ":" + std::to_string(srv.port);
        const auto ip = dns.resolve(srv.target);
        if (!ip) {
          err = "lookup " + srv.target + ": no such host";
          continue;
        }
        const auto it = tcp2ap.find(*ip + ":" + std::to_string(srv.port));
        const std::string n = it != tcp2ap.end() ? c.name : std::to_string(temp_name++);
        if (it != tcp2ap.end() && it->second.rfind(scheme + "://", 0) != 0) {
          err = go_format(wording::kSrvSchemeMismatch, {scheme + "://" + host_port, service, it->second});
        } else {
          parts->push_back(n + "=" + scheme + "://" + host_port);
        }
      }
      if (!parts->empty()) err.reset();
    }
    if (err) return std::optional<std::string>(go_format(wording::kErrorQueryingSrv, {service, *err}));
    return std::optional<std::string>();
  };
  auto found_field = [](const std::vector<std::string>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + v[i];
    return out + "]";
  };
  std::vector<std::string> strs, http_strs;
  const auto cerr = get_cluster("https", "etcd-server-ssl" + suffix, &strs);
  if (cerr) strs.clear();
  r.log.push_back(LogLine{"info", std::string(wording::kGetClusterSslSrv),
                          {{"service-scheme", "https"}, {"service-name", "etcd-server-ssl" + suffix},
                           {"server-name", c.name}, {"discovery-srv", c.discovery_srv},
                           {"found-cluster", found_field(strs)}, {"error", cerr.value_or("<nil>")}}});
  const auto http_err = get_cluster("http", "etcd-server" + suffix, &http_strs);
  // etcd 3.4 (v3.4.0 to v3.4.27, embed/config.go GetDNSClusterNames): the http records
  // are appended only `if httpCerr != nil` (the test is inverted, so they never are), and
  // the function returns the etcd-server-ssl lookup's error alone; PeerURLsMapAndToken
  // then fails on any error. So a 3.4 member bootstraps from _etcd-server-ssl records
  // only, and with http-only records it logs "failed to resolve during SRV discovery"
  // and exits ("discovery failed"), whatever _etcd-server._tcp holds. 3.5
  // (server/embed/config.go) appends them `if httpCerr == nil`, returns
  // multierr.Combine(cerr, httpCerr) and fails only when no record was found.
  const bool v34 = c.version == EtcdVersion::v3_4;
  if (!http_err && !v34) strs.insert(strs.end(), http_strs.begin(), http_strs.end());
  r.log.push_back(LogLine{"info", std::string(wording::kGetClusterSrv),
                          {{"service-scheme", "http"}, {"service-name", "etcd-server" + suffix},
                           {"server-name", c.name}, {"discovery-srv", c.discovery_srv},
                           {"found-cluster", found_field(strs)}, {"error", http_err.value_or("<nil>")}}});
  // multierr.Combine(cerr, httpCerr): "a; b" (3.4: cerr alone).
  std::string combined = cerr.value_or("");
  if (http_err && !v34) combined += (combined.empty() ? "" : "; ") + *http_err;
  if (!combined.empty()) r.log.push_back(LogLine{"warn", std::string(wording::kFailedToResolveSrv), {{"error", combined}}});
  if (strs.empty() || (v34 && cerr)) {
    r.error = combined;
    return r;
  }
  for (const std::string& s : strs) {
    r.log.push_back(LogLine{"info", std::string(wording::kGotBootstrapFromDns), {{"node", s}}});
    const size_t eq = s.find('=');
    r.entries.push_back(InitialClusterEntry{s.substr(0, eq), s.substr(eq + 1)});
  }
  // "only etcd member must belong to the discovered cluster".
  if (std::none_of(r.entries.begin(), r.entries.end(), [&](const InitialClusterEntry& e) { return e.name == c.name; }))
    r.error = go_format(wording::kCannotFindInSrv, {c.name});
  return r;
}

}  // namespace raftlab::etcd
