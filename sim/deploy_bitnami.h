// sim/deploy_bitnami.h — a Launcher for containers of the bitnami/etcd image.
#pragma once

#include <map>
#include <string>

#include "sim/etcd/docker.h"
#include "sim/world.h"

namespace raftlab::sim {

Launcher make_bitnami_launcher(const etcd::DockerRun& dr, const std::map<std::string, std::string>& container_env,
                               const std::string& version);
// ETCD_DATA_DIR as the image's etcd-env.sh sets it (default /bitnami/etcd/data).
std::string bitnami_data_dir(const std::map<std::string, std::string>& container_env);

}  // namespace raftlab::sim
