// sim/cloud/apisix_config.cc — a gateway's conf/config.yaml (through yaml-cpp) and the
// timeline's `curl` lines, checked when the scenario is loaded.
//
// Keys: APISIX 3.x conf/config-default.yaml — deployment.role, role_traditional
// .config_provider, deployment.etcd {host, prefix, timeout, watch_timeout, startup_retry,
// resync_delay, health_check_timeout, user, password, tls}, deployment.admin {admin_key,
// admin_key_required, admin_listen, allow_admin, enable_admin_cors, enable_admin_ui,
// admin_api_version}, apisix.node_listen. Other top-level sections are read and listed as
// not modelled; an unknown key inside a modelled section is an error with a did-you-mean.
//
// Must never: throw (yaml-cpp exceptions become errors), or accept a curl option it does
// not carry out.
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include <fmt/format.h>

#include "sim/cloud/apisix.h"

namespace raftlab::cloud {

namespace {

etcd::Error err(const std::string& file, const YAML::Node& n, const std::string& path, std::string message,
                std::string fix = {}) {
  const YAML::Mark m = n.Mark();
  const std::string where = m.line >= 0 ? fmt::format("{}:{}:{}", file, m.line + 1, m.column + 1) : file;
  return etcd::Error{path, where + " " + path + ": " + std::move(message), std::move(fix)};
}

std::optional<etcd::Error> check_keys(const std::string& file, const YAML::Node& map, const std::string& path,
                                      const std::vector<std::string>& known) {
  for (const auto& kv : map) {
    const std::string k = kv.first.as<std::string>("");
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    const std::string guess = etcd::closest_match(k, known);
    return err(file, kv.first, path + "." + k, "unknown key \"" + k + "\"",
               guess.empty() ? "known here: " + fmt::format("{}", fmt::join(known, ", ")) : "did you mean \"" + guess + "\"?");
  }
  return std::nullopt;
}

std::optional<std::int64_t> seconds(const YAML::Node& n) {
  try {
    const auto v = n.as<std::int64_t>();
    if (v < 0 || v > 86400) return std::nullopt;
    return v;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

}  // namespace

etcd::Result<ApisixConfig> parse_apisix_config(const std::string& text, const std::string& file) {
  ApisixConfig c;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return etcd::Error{"config.yaml",
                       fmt::format("{}:{}:{} {}", file, e.mark.line + 1, e.mark.column + 1, e.msg),
                       "fix the YAML syntax"};
  }
  if (!root.IsMap()) return etcd::Error{"config.yaml", file + ": expected a YAML mapping (apisix:, deployment:, ...)", ""};
  try {
    for (const auto& kv : root) {
      const std::string k = kv.first.as<std::string>("");
      if (k != "apisix" && k != "deployment" && k != "etcd") c.not_modelled.push_back(k);
    }
    if (root["etcd"]) {
      return err(file, root["etcd"], "etcd", "a top-level etcd section is the APISIX 2.x layout",
                 "APISIX 3.x reads deployment.etcd: move it under deployment:");
    }
    if (const YAML::Node a = root["apisix"]) {
      if (const YAML::Node nl = a["node_listen"]) {
        c.node_listen.clear();
        if (nl.IsScalar()) {
          c.node_listen.push_back(nl.as<int>(0));
        } else if (nl.IsSequence()) {
          for (const auto& p : nl) {
            if (p.IsScalar()) c.node_listen.push_back(p.as<int>(0));
            else if (p.IsMap() && p["port"]) c.node_listen.push_back(p["port"].as<int>(0));
          }
        }
        for (int p : c.node_listen)
          if (p < 1 || p > 65535) return err(file, nl, "apisix.node_listen", "a port must be 1..65535");
      }
    }
    const YAML::Node d = root["deployment"];
    if (!d) return etcd::Error{"config.yaml", file + ": no deployment section", "add deployment.etcd.host: [http://...:2379]"};
    if (auto e = check_keys(file, d, "deployment",
                            {"role", "role_traditional", "role_data_plane", "role_control_plane", "admin", "etcd"}))
      return *e;
    if (d["role"] && d["role"].as<std::string>("") != "traditional")
      return err(file, d["role"], "deployment.role", "role \"" + d["role"].as<std::string>("") + "\" is not modelled",
                 "raftlab models role: traditional (one process serving traffic and the Admin API)");
    if (const YAML::Node rt = d["role_traditional"]) {
      if (rt["config_provider"] && rt["config_provider"].as<std::string>("") != "etcd")
        return err(file, rt["config_provider"], "deployment.role_traditional.config_provider", "only etcd is modelled");
    }
    const YAML::Node e = d["etcd"];
    if (!e || !e.IsMap()) return err(file, d, "deployment.etcd", "missing", "add deployment.etcd.host: [http://...:2379]");
    if (auto x = check_keys(file, e, "deployment.etcd",
                            {"host", "prefix", "timeout", "watch_timeout", "startup_retry", "resync_delay",
                             "health_check_timeout", "user", "password", "tls"}))
      return *x;
    if (e["host"]) {
      c.etcd_hosts.clear();
      const YAML::Node h = e["host"];
      if (h.IsScalar()) c.etcd_hosts.push_back(h.as<std::string>(""));
      else if (h.IsSequence())
        for (const auto& x : h) c.etcd_hosts.push_back(x.as<std::string>(""));
      if (c.etcd_hosts.empty()) return err(file, h, "deployment.etcd.host", "no etcd address", "list at least one");
      for (const std::string& u : c.etcd_hosts)
        if (u.rfind("http://", 0) != 0)
          return err(file, h, "deployment.etcd.host", "\"" + u + "\" is not an http:// URL",
                     u.rfind("https://", 0) == 0 ? "TLS to etcd is not modelled: use http://" : "write e.g. http://etcd-nlb:2379");
    }
    if (e["prefix"]) c.prefix = e["prefix"].as<std::string>("/apisix");
    if (c.prefix.empty() || c.prefix[0] != '/')
      return err(file, e["prefix"], "deployment.etcd.prefix", "must start with /", "write e.g. /apisix");
    struct Num { const char* key; std::int64_t* out; };
    for (const Num& n : {Num{"timeout", &c.timeout_s}, Num{"watch_timeout", &c.watch_timeout_s},
                         Num{"resync_delay", &c.resync_delay_s}, Num{"startup_retry", &c.startup_retry}}) {
      if (!e[n.key]) continue;
      auto v = seconds(e[n.key]);
      if (!v) return err(file, e[n.key], std::string("deployment.etcd.") + n.key, "expected a whole number of seconds 0..86400");
      *n.out = *v;
    }
    if (e["tls"] || e["user"])
      return err(file, e["tls"] ? e["tls"] : e["user"], e["tls"] ? "deployment.etcd.tls" : "deployment.etcd.user",
                 "etcd TLS and authentication are not modelled", "remove it for the simulation");
    if (const YAML::Node ad = d["admin"]) {
      if (auto x = check_keys(file, ad, "deployment.admin",
                              {"admin_key", "admin_key_required", "admin_listen", "allow_admin", "enable_admin_cors",
                               "enable_admin_ui", "admin_api_version", "https_admin", "admin_api_mtls"}))
        return *x;
      if (ad["admin_key_required"]) c.admin_key_required = ad["admin_key_required"].as<bool>(true);
      if (const YAML::Node keys = ad["admin_key"]) {
        for (const auto& k : keys) {
          ApisixAdminKey ak{k["name"].as<std::string>(""), k["key"].as<std::string>(""), k["role"].as<std::string>("admin")};
          if (ak.role != "admin" && ak.role != "viewer")
            return err(file, k, "deployment.admin.admin_key", "role \"" + ak.role + "\" is neither admin nor viewer");
          c.admin_keys.push_back(ak);
        }
      }
      if (const YAML::Node l = ad["admin_listen"]; l && l["port"]) c.admin_port = l["port"].as<int>(9180);
    }
  } catch (const YAML::Exception& x) {
    return etcd::Error{"config.yaml", fmt::format("{}:{}:{} {}", file, x.mark.line + 1, x.mark.column + 1, x.msg), ""};
  }
  return c;
}

etcd::Result<CurlRequest> parse_curl(const std::vector<std::string>& argv) {
  CurlRequest r;
  r.argv = argv;
  if (argv.empty() || argv[0] != "curl")
    return etcd::Error{"curl", "a \"curl\" action must be a curl command line", "write it as pasted: curl -i http://gw1:9080/ip"};
  std::string url;
  bool method_set = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    auto value = [&](const char* opt) -> std::optional<std::string> {
      if (i + 1 >= argv.size()) return std::nullopt;
      (void)opt;
      return argv[++i];
    };
    if (a == "-X" || a == "--request") {
      auto v = value("-X");
      if (!v) return etcd::Error{"curl", "curl: option " + a + ": requires parameter", ""};
      r.method = *v;
      method_set = true;
    } else if (a.rfind("-X", 0) == 0 && a.size() > 2) {
      r.method = a.substr(2);
      method_set = true;
    } else if (a == "-H" || a == "--header") {
      auto v = value("-H");
      if (!v) return etcd::Error{"curl", "curl: option " + a + ": requires parameter", ""};
      const auto colon = v->find(':');
      if (colon == std::string::npos)
        return etcd::Error{"curl", "header \"" + *v + "\" has no colon", "write it as -H \"X-API-KEY: <key>\""};
      std::string name = v->substr(0, colon), val = v->substr(colon + 1);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
      while (!val.empty() && val.front() == ' ') val.erase(val.begin());
      r.headers[name] = val;
    } else if (a == "-d" || a == "--data" || a == "--data-raw" || a == "--data-binary") {
      auto v = value("-d");
      if (!v) return etcd::Error{"curl", "curl: option " + a + ": requires parameter", ""};
      if (!v->empty() && (*v)[0] == '@' && a != "--data-raw")
        return etcd::Error{"curl", "-d @FILE is not supported", "paste the JSON body inline: -d '{...}'"};
      r.body = *v;
      if (!method_set) r.method = "POST";
    } else if (a == "-i" || a == "--include") {
      r.include_headers = true;
    } else if (a == "-s" || a == "--silent" || a == "-S" || a == "-sS" || a == "-v" || a == "-f" || a == "-sf" ||
               a == "-fsS" || a == "-si" || a == "-is") {
      if (a.find('i') != std::string::npos) r.include_headers = true;
    } else if (a.rfind("-", 0) == 0) {
      return etcd::Error{"curl", "curl option " + a + " is not modelled",
                         "supported: -X, -H, -d/--data/--data-raw, -i, -s, -S, -f, -v"};
    } else if (url.empty()) {
      url = a;
    } else {
      return etcd::Error{"curl", "a second URL \"" + a + "\"", "one request per line"};
    }
  }
  if (url.empty()) return etcd::Error{"curl", "curl: no URL specified!", "add the URL, e.g. http://gw1:9180/apisix/admin/routes/1"};
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos)
    return etcd::Error{"curl", "only http:// URLs are modelled: " + url, ""};
  const auto slash = rest.find('/');
  r.path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string hostport = rest.substr(0, slash);
  const auto colon = hostport.rfind(':');
  if (colon != std::string::npos) {
    const std::string p = hostport.substr(colon + 1);
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) < 1 ||
        std::stoi(p) > 65535)
      return etcd::Error{"curl", "curl: (3) URL using bad/illegal format or missing URL: " + url, "the port is 1..65535"};
    r.port = std::stoi(p);
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return etcd::Error{"curl", "curl: (3) URL using bad/illegal format or missing URL: " + url, ""};
  r.host = hostport;
  if (!r.body.empty()) {
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return etcd::Error{"curl", "the request body is not a JSON object: " + r.body.substr(0, 80),
                         "APISIX's Admin API takes a JSON object, e.g. -d '{\"uri\": \"/ip\", \"upstream\": {...}}'"};
  }
  return r;
}

}  // namespace raftlab::cloud
