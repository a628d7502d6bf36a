// deploy_config_errors.cc — configuration errors in the verdict (issue 24).
//
// Where real etcd refuses its configuration at start-up, the member keeps exiting with
// etcd's own message as before (the model of the process is unchanged, so is the trace);
// the run ALSO reports it: a warning naming member, flag and etcd's text, and a failed
// verdict (`raftlab run` exit 1) unless the member says `"expect_config_error": "--flag"`
// (scenarios/README.md, "Members that are meant to fail").
//
// What etcd refuses, from its source (v3.5, server/etcdmain/config.go parse ->
// flag.FlagSet.Parse with ContinueOnError, then server/embed/config.go Validate):
//  - a value its flag type cannot parse: Go's flag package, "invalid value \"abc\" for
//    flag -heartbeat-interval: parse error" (uint flags; "-1" too), and pkg/flags
//    SelectiveStringValue for --initial-cluster-state ("invalid value");
//  - Validate: --heartbeat-interval / --election-timeout of 0, an election timeout below
//    5 × heartbeat, above 50000 ms, a missing --advertise-client-urls, URL errors;
//  - --log-level it does not know: a panic in setupLogging, the first step of Validate;
//  - --auto-compaction-retention that is neither a non-negative integer nor a Go duration
//    (embed.StartEtcd parseCompactionRetention, once the listeners are up);
//  - a listen URL it cannot listen on (embed/etcd.go configurePeerListeners /
//    configureClientListeners -> net.Listen: "listen tcp: address 70000: invalid port").
// What it accepts: a flag given twice (Go's flag package keeps the last value), so a
// repeated --name is no error (sim/etcd/config.cc warns about it).
//
// Must never: change what a member does or what the trace records.
#include <algorithm>

#include <fmt/format.h>

#include "sim/deploy.h"
#include "sim/network.h"

namespace raftlab::sim {

std::optional<ConfigError> config_error_of(const Launch& l) {
  if (l.kind == Launch::Kind::Fail && !l.config_flag.empty()) {
    ConfigError e;
    e.flag = l.config_flag;
    e.error = l.error;
    e.fix = l.config_fix;
    return e;
  }
  if (l.kind != Launch::Kind::Exec) return std::nullopt;
  const etcd::MemberConfig& c = l.config();
  if (c.source && c.source->compaction_retention_error) {
    ConfigError e;
    e.flag = "--auto-compaction-retention";
    e.error = "failed to start etcd: " + *c.source->compaction_retention_error;
    e.fix = "give a number of hours (e.g. 1) or a Go duration such as 30m";
    return e;
  }
  for (const auto& [flag, urls] : {std::pair{"--listen-peer-urls", &c.listen_peer_urls},
                                   std::pair{"--listen-client-urls", &c.listen_client_urls}}) {
    for (const auto& u : *urls) {
      std::string host;
      int port = 0;
      if (split_url(u, &host, &port)) continue;
      ConfigError e;
      e.flag = flag;
      // What the member prints when it exits (sim/etcd/member.cc bind_listeners).
      e.error = fmt::format("failed to start etcd: invalid listen URL {}", u);
      e.fix = "give the URL a port from 1 to 65535, e.g. http://0.0.0.0:2380";
      return e;
    }
  }
  return std::nullopt;
}

namespace {
// "--heartbeat-interval", "-heartbeat-interval" and ETCD_HEARTBEAT_INTERVAL name one flag
// (pkg/flags FlagToEnv).
std::string bare(const std::string& flag) {
  if (flag.rfind("ETCD_", 0) == 0) {
    std::string s = flag.substr(5);
    for (char& c : s) c = c == '_' ? '-' : static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
  }
  const size_t start = flag.find_first_not_of('-');
  return start == std::string::npos ? flag : flag.substr(start);
}
}  // namespace

void judge_config_errors(const scenario::Scenario& s, std::vector<ConfigError> found, RunResult* r) {
  for (const auto& m : s.members) {
    const auto it = std::find_if(found.begin(), found.end(), [&](const ConfigError& e) { return e.member == m.name; });
    if (it != found.end()) {
      it->expected = !m.expect_config_error.empty() && bare(m.expect_config_error) == bare(it->flag);
      r->warnings.push_back(fmt::format("{} ({}): configuration error{}: etcd refuses {} at start-up and exits: {}{}",
                                        m.name, it->path, it->expected ? " (expected)" : "", it->flag, it->error,
                                        it->fix.empty() || it->expected ? "" : " — fix: " + it->fix));
      if (!m.expect_config_error.empty() && !it->expected)
        r->warnings.push_back(fmt::format("{} ({}): expected etcd to refuse {}, but it refuses {}", m.name, m.path,
                                          m.expect_config_error, it->flag));
      r->passed = r->passed && it->expected;
      r->config_errors.push_back(*it);
    } else if (!m.expect_config_error.empty()) {
      ConfigError e;
      e.member = m.name;
      e.path = m.path + ".expect_config_error";
      e.error = fmt::format("expected etcd to refuse {}, but it accepts this configuration", m.expect_config_error);
      e.fix = "remove \"expect_config_error\" or make the flag's value one etcd refuses";
      r->warnings.push_back(fmt::format("{} ({}): {}", m.name, e.path, e.error));
      r->passed = false;
      r->config_errors.push_back(std::move(e));
    }
  }
}

}  // namespace raftlab::sim
