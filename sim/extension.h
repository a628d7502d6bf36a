// sim/extension.h — how a layer above sim/ (the cloud layer, sim/cloud) takes part in a
// run without sim/ depending on it: the layer hands RunOptions a factory; when a scenario
// has parts the loader kept for it (Scenario::cloud, ExtAction timeline entries,
// Expectation::ext), Deployment::build calls the factory, and the Deployment passes
// those parts to the Extension at their times. Everything the Extension does, it does
// through the Deployment's World (hosts, containers, network, event loop, trace).
//
// Must never: be required by a scenario that has no such parts (a factory is optional;
// a scenario that needs one and gets none is bad input, exit 2, naming the part).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/scenario.h"

namespace raftlab::sim {

class Deployment;
struct RunResult;

class Extension {
 public:
  virtual ~Extension() = default;
  // A timeline entry whose action is an ExtAction, at its time.
  virtual void apply(const scenario::TimelineEntry& t, const scenario::ExtAction& a) = 0;
  // The ext assertions of an expectation, at its time: results go through
  // Deployment::add_result (and complete_result for those judged later).
  virtual void probe(const scenario::Expectation& e) = 0;
  // After the run: final views, warnings.
  virtual void finish(RunResult& r) = 0;

  // For the load-time endpoint check (Deployment::build, sim/deploy_endpoints.cc): the
  // client URLs this layer serves that are known before the run (a load balancer's DNS
  // name and listener ports), each with what serves it ("load balancer etcd-nlb").
  struct ServedUrl {
    std::string url;   // "http://etcd-nlb:2379"
    std::string what;  // "load balancer etcd-nlb"
  };
  virtual std::vector<ServedUrl> served_urls() const { return {}; }
  // Whether `host` (a URL's host part) may name something this layer creates only at
  // run time (an instance whose IP is drawn per seed): the reason ("instance addresses
  // in subnet 10.0.1.0/24 are drawn at run time"), or "" when it cannot. A URL to such a
  // host is accepted at load time; it is checked when it is dialled.
  virtual std::string runtime_address(std::string_view host) const {
    (void)host;
    return "";
  }
};

// Called once per Deployment, after its members are added and before its timeline is
// scheduled. Returns null (with errors added) when the scenario's parts are bad input.
using ExtensionFactory =
    std::function<std::unique_ptr<Extension>(Deployment& d, std::vector<scenario::LoadError>* errors)>;

}  // namespace raftlab::sim
