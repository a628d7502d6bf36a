// docker_validate.h — the checks real docker makes on `docker run` values that the
// parser (docker.h) used to take as written (issue 24), each with docker's own wording:
//
//   if (auto e = validate_image_reference("bitnami/etcd::3.5")) ...  // "invalid reference format"
//
//  - image references: github.com/distribution/reference (reference.go grammar,
//    normalize.go ParseNormalizedNamed: "invalid reference format", "invalid reference
//    format: repository name (X) must be lowercase");
//  - memory sizes (--memory, --memory-reservation, --shm-size): docker/cli opts.MemBytes ->
//    go-units RAMInBytes ("invalid size: '...'", "invalid suffix: '...'"), wrapped by pflag
//    as `invalid argument "1zz" for "-m, --memory" flag: ...`;
//  - container names: moby daemon/names.go validContainerNamePattern
//    `^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$` ("Invalid container name (a b), only
//    [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
//  - --user: moby/sys/user GetExecUser splits "user[:group]" once at ':'; a group that
//    no group file has ("unable to find group ...: no matching entries in group file").
//  - bitnami/etcd tags: not knowable offline; known_bitnami_etcd_tag() is the documented
//    list (scenarios/README.md), anything else is a warning, not an error.
//
// Must never: contact a registry or read files.
#pragma once

#include <optional>
#include <string>

#include "sim/etcd/wording.h"

namespace raftlab::etcd {

std::optional<Error> validate_image_reference(const std::string& image);
// shown: "-m, --memory" (pflag's flag name in its message).
std::optional<Error> validate_mem_bytes(const std::string& shown, const std::string& value);
std::optional<Error> validate_container_name(const std::string& name);
// --cpus: docker/cli opts.NanoCPUs — Go's big.Rat.SetString ("1.5", "3/2", "2e-1"; here
// decimal digits only, no 0x/0b/0o prefixes), then value * 1e9 must be a whole number.
std::optional<Error> validate_nano_cpus(const std::string& value);
std::optional<Error> validate_user(const std::string& user);
// "latest", "3", "3.4", "3.5", "3.4.0".."3.4.37", "3.5.0".."3.5.21", each optionally
// followed by "-debian-11-rN" / "-debian-12-rN".
bool known_bitnami_etcd_tag(const std::string& tag);

}  // namespace raftlab::etcd
