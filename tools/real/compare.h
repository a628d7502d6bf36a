// tools/real/compare.h — `raftlab diff`'s observations of one moment (per member: running,
// answering, IDs, member list, error classes, leader) on either side, how two are
// compared field by field, and the texts the reports print (docs/fidelity.md, "What is
// compared"). Pure: no processes, no files.
//
//   std::vector<Mismatch> mm = compare(sim_obs, real_obs);   // empty: agree
//   out << summary(real_obs);
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace raftlab::real::diffing {

inline constexpr int kOk = 0, kDiffer = 1, kBad = 2, kNoEtcd = 3, kNotComparable = 4;
// Seeds 1..N of the simulation decide whether WHICH member leads is determined.
inline constexpr int kLeaderSeeds = 5;

// Thrown inside a diff: bad input (exit 2) / the real etcd is unavailable or broken (exit 3).
struct BadInput {
  std::string message;
};
struct Broken {
  std::string message;
};

std::string secs(std::int64_t ns);

struct MemberObs {
  bool up = false;       // an etcd process runs
  bool serving = false;  // it answers etcdctl (ReadyNotify passed)
  bool leader = false;
  std::uint64_t member_id = 0, cluster_id = 0;
  bool id_derived = true;  // false: the ID came from `member add` (mixes in the time)
  std::vector<std::string> list;  // "name@peerurls", sorted
  std::set<std::string> classes;
};
using Obs = std::map<std::string, MemberObs>;

std::string yesno(bool b);
std::string idtext(std::uint64_t id);
std::string settext(const std::set<std::string>& s);
std::string listtext(const std::vector<std::string>& v);

struct Mismatch {
  std::string member, field, sim, real;
};

std::map<std::uint64_t, int> leaders_by_cluster(const Obs& o);
// Field by field. Members in `skip` are not compared (a fault struck a different member on
// each side); leader_names: also compare WHICH members lead (only where the simulation
// says it is determined); the number of leaders per cluster is always compared.
std::vector<Mismatch> compare(const Obs& s, const Obs& r, const std::set<std::string>& skip = {},
                              bool leader_names = false);
std::string summary(const Obs& o);
// Short outcome for the FIDELITY table: clusters, leaders, errors.
std::string outcome(const Obs& o);
nlohmann::ordered_json obs_json(const Obs& o);

// ---------------------------------------------------------------- probes

struct ProbeOutcome {
  std::string kind;    // "ok" | "error" | "absent" | "value"
  std::string value;   // get: the value; error: the text
  std::string cls;     // error class
  std::string text() const {
    if (kind == "value") return "\"" + value + "\"";
    if (kind == "error") return "error" + (cls.empty() ? "" : " (" + cls + ")");
    return kind == "absent" ? "key not found" : kind;
  }
  bool same(const ProbeOutcome& o) const { return kind == o.kind && value == o.value && cls == o.cls; }
};

std::string etcdctl_class(const std::string& err);

struct Probe {
  std::int64_t at_ns = 0;
  std::string what;      // "put /k via etcd1", "timeline: member add etcd2 ..."
  ProbeOutcome sim, real;
  bool compared = true;
};

}  // namespace raftlab::real::diffing
