// The scenario loader's DNS records and discovery services (loader_impl.h;
// scenarios/README.md "Discovery").
#include "sim/scenario/loader_impl.h"

#include <algorithm>

namespace raftlab::scenario::detail {
namespace {

const Keys kDnsKeys = {"a", "srv"};
const Keys kServiceKeys = {"host", "port", "tokens"};
const Keys kTokenKeys = {"size"};
constexpr size_t kMaxRecords = 1000;  // names, records per name, tokens: each bounded

// A DNS name: labels of letters, digits and '-', separated by single dots (a trailing
// dot allowed, as in zone files); SRV owner names may start labels with '_'.
bool dns_name(std::string_view s, bool underscores) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty() || s.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    (underscores && c == '_' && label == 0);
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

void Loader::dns(const json& v, Scenario& s) {
  const std::string path = "$.dns";
  if (!is_object(v, path, "\"dns\"")) return;
  check_keys(v, path, kDnsKeys);
  Dns d;
  d.path = path;
  if (const json* a = field(v, path, "a", false)) {
    const std::string ap = child_path(path, "a");
    if (is_object(*a, ap, "\"a\" (names -> IPv4 addresses)")) {
      if (a->size() > kMaxRecords) error(ap, "more than " + std::to_string(kMaxRecords) + " A records", "keep the names the scenario uses");
      for (const auto& [name, ip] : a->items()) {
        const std::string np = child_path(ap, name);
        if (!dns_name(name, false)) {
          error(np, "invalid DNS name " + q(name), "use letters, digits and '-' in dot-separated labels, e.g. \"etcd1.example.com\"");
          continue;
        }
        const auto text = string_at(ip, np);
        if (!text) continue;
        if (!valid_ipv4(*text)) {
          error(np, q(*text) + " is not an IPv4 address", "write the address of one of $.hosts, e.g. \"10.0.1.11\"");
          continue;
        }
        d.a[lower(name)] = *text;
      }
    }
  }
  if (const json* srv = field(v, path, "srv", false)) {
    const std::string sp = child_path(path, "srv");
    if (is_object(*srv, sp, "\"srv\" (service names -> \"target:port\" lists)")) {
      if (srv->size() > kMaxRecords) error(sp, "more than " + std::to_string(kMaxRecords) + " SRV names", "keep the names the scenario uses");
      for (const auto& [name, targets] : srv->items()) {
        const std::string np = child_path(sp, name);
        if (name.rfind('_', 0) != 0 || name.find("._tcp.") == std::string::npos || !dns_name(name, true)) {
          error(np, "invalid SRV name " + q(name),
                "write _service._tcp.domain, e.g. \"_etcd-server._tcp.example.com\" (etcd asks for _etcd-server-ssl and "
                "_etcd-server)");
          continue;
        }
        const auto list = string_list_at(targets, np);
        if (!list) continue;
        if (list->size() > kMaxRecords) {
          error(np, "more than " + std::to_string(kMaxRecords) + " records", "list the members only");
          continue;
        }
        std::vector<SrvTarget> recs;
        bool ok = true;
        for (size_t i = 0; i < list->size(); ++i) {
          const std::string& t = (*list)[i];
          const std::string tp = targets.is_array() ? index_path(np, i) : np;
          const size_t colon = t.rfind(':');
          const std::string host = colon == std::string::npos ? t : t.substr(0, colon);
          const std::string port = colon == std::string::npos ? "" : t.substr(colon + 1);
          const bool port_ok = !port.empty() && port.size() <= 5 &&
                               std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                               std::stoi(port) >= 1 && std::stoi(port) <= 65535;
          if (!dns_name(host, false) || !port_ok) {
            error(tp, "invalid SRV target " + q(t), "write target:port, e.g. \"etcd1.example.com:2380\"");
            ok = false;
            continue;
          }
          recs.push_back(SrvTarget{lower(host), std::stoi(port)});
        }
        if (ok) d.srv[lower(name)] = std::move(recs);
      }
    }
  }
  s.dns = std::move(d);
}

void Loader::discovery_services(const json& v, Scenario& s) {
  const std::string path = "$.discovery_services";
  if (!v.is_array() || v.size() > kMaxRecords) {
    error(path, std::string("expected an array of discovery services, got ") + (v.is_array() ? "too many" : type_name(v)),
          "write e.g. [{\"host\": \"disco\", \"port\": 2379, \"tokens\": {\"/v2/keys/discovery/6c007a\": {\"size\": 5}}}]");
    return;
  }
  std::set<std::pair<std::string, int>> seen;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string p = index_path(path, i);
    if (!is_object(v[i], p, "a discovery service")) continue;
    check_keys(v[i], p, kServiceKeys);
    DiscoveryServiceSpec d;
    d.path = p;
    const auto host = string_field(v[i], p, "host", true);
    if (host && known_host(*host, child_path(p, "host"))) d.host = *host;
    if (const json* port = field(v[i], p, "port", false)) {
      if (!port->is_number_unsigned() || port->get<uint64_t>() < 1 || port->get<uint64_t>() > 65535) {
        error(child_path(p, "port"), "expected a port from 1 to 65535", "write e.g. 2379");
      } else {
        d.port = static_cast<int>(port->get<uint64_t>());
      }
    }
    if (!d.host.empty() && !seen.insert({d.host, d.port}).second)
      error(p, "two discovery services on host " + q(d.host) + " port " + std::to_string(d.port), "give each its own port");
    if (const json* tokens = field(v[i], p, "tokens", true)) {
      const std::string tp = child_path(p, "tokens");
      if (is_object(*tokens, tp, "\"tokens\" (token path -> {\"size\": N})")) {
        for (const auto& [token, spec] : tokens->items()) {
          const std::string kp = child_path(tp, token);
          if (token.size() < 2 || token[0] != '/' || token.find_first_of(" ?#") != std::string::npos ||
              token.find("//") != std::string::npos || token.back() == '/') {
            error(kp, "invalid token path " + q(token),
                  "write the path of the --discovery URL, e.g. \"/v2/keys/discovery/6c007a14875d53d9\" for "
                  "--discovery=http://10.0.0.9:2379/v2/keys/discovery/6c007a14875d53d9");
            continue;
          }
          if (!is_object(spec, kp, "a token")) continue;
          check_keys(spec, kp, kTokenKeys);
          DiscoveryToken t;
          t.token = token;
          if (const json* size = field(spec, kp, "size", false)) {
            // A number, or text as an operator's `curl -d value=...` wrote it (etcd reads it
            // with strconv.ParseUint, so "five" is a bad size key, not a load error).
            if (size->is_number_unsigned()) t.size = std::to_string(size->get<uint64_t>());
            else if (size->is_string() && size->get<std::string>().size() <= 64) t.size = size->get<std::string>();
            else error(child_path(kp, "size"), "expected the cluster size as a whole number (or as text)", "write e.g. 5");
          }
          d.tokens.push_back(std::move(t));
        }
      }
    }
    s.discovery_services.push_back(std::move(d));
  }
}

}  // namespace raftlab::scenario::detail
