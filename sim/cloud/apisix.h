// sim/cloud/apisix.h — Apache APISIX gateways on the simulated cloud: their config.yaml
// (the `deployment.etcd` and `deployment.admin` sections read verbatim), the Admin API on
// 9180 (`curl -X PUT .../apisix/admin/routes/1 -H "X-API-KEY: ..." -d '{...}'`), traffic on
// 9080 answered by the route's upstream (a fixed-body one) or APISIX's 404, and the etcd watch that
// keeps each gateway's copy of /apisix in sync — with the watch's real shape: one
// long-lived connection (through an NLB it stays on one target until `watch_timeout`),
// events only above the last revision seen, config kept when etcd fails.
//
// Behaviour and sources: docs/apisix.md. Must never: read a file (the loader attached
// config.yaml), or parse a curl line at run time that was not checked when loaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/etcd/wording.h"

namespace raftlab::cloud {

struct ApisixAdminKey {
  std::string name, key, role;  // role: admin | viewer
};

// What raftlab reads of a gateway's conf/config.yaml. Defaults: APISIX 3.x
// conf/config-default.yaml.
struct ApisixConfig {
  std::vector<std::string> etcd_hosts{"http://127.0.0.1:2379"};  // deployment.etcd.host
  std::string prefix = "/apisix";                                 // deployment.etcd.prefix
  std::int64_t timeout_s = 30;        // deployment.etcd.timeout: one etcd request
  std::int64_t watch_timeout_s = 50;  // deployment.etcd.watch_timeout: a watch request's life
  std::int64_t resync_delay_s = 5;    // deployment.etcd.resync_delay: wait after a failed sync
  std::int64_t startup_retry = 2;     // deployment.etcd.startup_retry
  std::vector<ApisixAdminKey> admin_keys;  // deployment.admin.admin_key
  bool admin_key_required = true;     // deployment.admin.admin_key_required
  int admin_port = 9180;              // deployment.admin.admin_listen.port
  std::vector<int> node_listen{9080};  // apisix.node_listen
  std::vector<std::string> not_modelled;  // sections read and ignored (nginx_config, plugins, ...)
};

// `file` names the config in errors ("apisix/config.yaml"); errors say line:column and the
// key path (deployment.etcd.hots) with a did-you-mean.
[[nodiscard]] etcd::Result<ApisixConfig> parse_apisix_config(const std::string& text, const std::string& file);

// A `curl` line of the timeline, checked when the scenario is loaded.
struct CurlRequest {
  std::string method = "GET";
  std::string host;           // as written: a gateway's name, its IP, or a DNS name
  int port = 80;
  std::string path = "/";
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;           // -d / --data / --data-raw
  bool include_headers = false;  // -i
  std::vector<std::string> argv;
};
// argv[0] == "curl". Errors name the option and say what is supported.
[[nodiscard]] etcd::Result<CurlRequest> parse_curl(const std::vector<std::string>& argv);

}  // namespace raftlab::cloud
