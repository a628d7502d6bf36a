// sim/discovery.cc — the scenario's DNS table and discovery services (discovery.h).
#include "sim/discovery.h"

#include <algorithm>

namespace raftlab::sim {
namespace {

bool is_ipv4_literal(std::string_view h) {
  if (h.empty()) return false;
  int dots = 0;
  for (char c : h) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!out.empty() && out.back() == '.') out.pop_back();  // a fully qualified name
  return out;
}

}  // namespace

std::optional<std::string> DnsTable::resolve(std::string_view host) const {
  if (is_ipv4_literal(host)) return std::string(host);
  const auto it = a.find(lower(host));
  if (it == a.end()) return std::nullopt;
  return it->second;
}

const std::vector<SrvRecord>* DnsTable::lookup_srv(std::string_view service, std::string_view domain) const {
  // net.LookupSRV: "_" + service + "._" + proto + "." + name.
  std::string name;
  name.reserve(service.size() + domain.size() + 7);
  name.append("_").append(service).append("._tcp.").append(domain);
  const auto it = srv.find(lower(name));
  return it == srv.end() || it->second.empty() ? nullptr : &it->second;
}

std::optional<std::string> DiscoveryService::size(const std::string& token) const {
  const auto it = tokens_.find(token);
  if (it == tokens_.end()) return std::nullopt;
  return it->second.size;
}

DiscoveryService::Listing DiscoveryService::list(const std::string& token) const {
  Listing l;
  l.index = index_;
  if (const auto it = tokens_.find(token); it != tokens_.end()) l.nodes = it->second.nodes;
  return l;
}

std::optional<std::uint64_t> DiscoveryService::create(const std::string& token, const std::string& member_key,
                                                      std::string value) {
  Token& t = tokens_[token];
  const std::string key = token + "/" + member_key;
  for (const DiscoveryNode& n : t.nodes)
    if (n.key == key) return std::nullopt;
  ++index_;
  t.nodes.push_back(DiscoveryNode{key, std::move(value), index_});
  const DiscoveryNode node = t.nodes.back();
  // Watchers in registration order (ids ascend); one may cancel others while called.
  std::vector<int> ids;
  for (const auto& [id, w] : watchers_)
    if (w.token == token) ids.push_back(id);
  for (int id : ids) {
    const auto it = watchers_.find(id);
    if (it == watchers_.end()) continue;
    auto fn = it->second.fn;  // the call may cancel this watcher
    if (!fn(node)) watchers_.erase(id);
  }
  return index_;
}

int DiscoveryService::watch(const std::string& token, std::function<bool(const DiscoveryNode&)> fn) {
  const int id = next_watch_++;
  watchers_[id] = Watcher{token, std::move(fn)};
  return id;
}

void DiscoveryService::cancel_watch(int id) { watchers_.erase(id); }

DiscoveryService* BootstrapServices::service_for(std::string_view host, int port) const {
  const auto ip = dns.resolve(host);
  if (!ip) return nullptr;
  for (const auto& s : services)
    if (s->port() == port && s->base_url() == "http://" + *ip + ":" + std::to_string(port)) return s.get();
  return nullptr;
}

}  // namespace raftlab::sim
