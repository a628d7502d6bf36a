// sim/cloud/instance_shell.h — what a script running on an EC2 instance (user data, a
// lifecycle hook's handler) can do there: the instance metadata service, the instance's
// files, virtual sleep, and the external commands the model carries out — docker, a bare
// etcd, etcdctl (from the instance's host, through the World's network), the AWS CLI
// (Cloud::call after the API's latency), curl to other hosts (etcd's /health, /version
// and the v2 members API as etcd 3.4+ answers it), and host set-up commands that succeed
// after a documented time (package installs) or at once (docs/cloud.md, "User data").
//
// Must never: outlive its instance's death silently — once the instance is shutting
// down (Instance::gen moved), every pending callback is dropped and nothing new starts.
#pragma once

#include <functional>
#include <string>

#include "sim/cloud/cloud.h"

namespace raftlab::cloud {

class InstanceShell : public ScriptHost {
 public:
  InstanceShell(Cloud& cloud, std::string instance_id);
  void run(const CommandCall& call, std::function<void(CommandOutcome)> done) override;
  std::optional<std::string> metadata(const std::string& method, const std::string& path,
                                      const std::string& token) override;
  std::optional<std::string> read_file(const std::string& path) override;
  void write_file(const std::string& path, const std::string& text, bool append) override;
  bool remove_file(const std::string& path) override;
  void sleep(std::int64_t ns, std::function<void()> done) override;
  void log(int line, const std::string& text) override;

 private:
  Instance* self();
  // Calls done(o) after `ns` unless the instance died meanwhile.
  void later(std::int64_t ns, std::function<void(CommandOutcome)> done, CommandOutcome o);
  void docker(const CommandCall& call, std::function<void(CommandOutcome)> done);
  void bare_etcd(const CommandCall& call, std::function<void(CommandOutcome)> done);
  void etcdctl(const CommandCall& call, std::function<void(CommandOutcome)> done);
  void aws(const CommandCall& call, std::function<void(CommandOutcome)> done);
  void curl(const CommandCall& call, std::function<void(CommandOutcome)> done);
  // Starts a container defined by `in` on this instance under `docker_name`.
  std::optional<std::string> start_container(sim::ContainerInput in, const std::string& docker_name,
                                             std::string* fix);

  Cloud& cloud_;
  std::string id_;
  std::uint64_t gen_ = 0;
};

}  // namespace raftlab::cloud
