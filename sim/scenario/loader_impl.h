// The scenario loader's checker, shared by its parts (internal to sim/scenario).
//
// One `Loader` reads one parsed document. Its member functions live in files named by
// what they read:
//   loader_fields.cc    generic field readers (strings, durations, counts, lists, env,
//                       member/host references) and the small text helpers
//   loader.cc           the top level, network, hosts, members and their configuration
//   loader_timeline.cc  timeline actions and expectations
//   loader_faults.cc    the fault lab: explicit faults, spares, the nemesis budget, clients
//   loader_discovery.cc the scenario's DNS records and discovery services
// Every reader reports its own errors (file, JSON path, fix) and returns nullopt on them;
// none throws on bad input. Include only from sim/scenario/*.cc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/loader.h"

namespace raftlab::scenario::detail {

using json = nlohmann::json;
using Keys = std::vector<std::string>;

inline constexpr int64_t kMaxCount = 100'000;  // upper bound for count assertions

// ---- small text helpers (loader_fields.cc)
std::string q(std::string_view s);
const char* type_name(const json& v);
bool matches(std::string_view s, bool (*first)(char), bool (*rest)(char));
bool lower_or_digit(char c);
bool scenario_name_char(char c);
bool alnum(char c);
bool name_char(char c);
bool valid_ipv4(std::string_view ip);
// "http://host:port" or "https://host:port" (an optional trailing "/" allowed).
bool valid_url(std::string_view url);
std::string join(const std::vector<std::string>& items, size_t max_items = 12);
// The names of every fault kind, in enum order (for "did you mean" and "kinds are ...").
std::vector<std::string> fault_kind_names();

// The keys a configuration may be written in (one of them per member or run).
inline const Keys kConfigKeys = {"docker", "flags", "args", "env"};

class Loader {
 public:
  Loader(std::string file, const std::map<std::string, TextPos>& positions, LoadResult& result)
      : file_(std::move(file)), positions_(positions), result_(result) {}

  void error(const std::string& path, std::string message, std::string fix = {});

  Scenario load(const json& root);  // loader.cc

 private:
  // ---- generic field access (loader_fields.cc); each reports its own errors.
  bool is_object(const json& v, const std::string& path, const char* what);
  // Reports unknown keys; returns how many there were.
  size_t check_keys(const json& obj, const std::string& path, const Keys& allowed);
  const json* field(const json& obj, const std::string& path, const char* key, bool required);
  std::optional<std::string> string_at(const json& v, const std::string& path, bool non_empty = true);
  std::optional<std::string> string_field(const json& obj, const std::string& path, const char* key, bool required,
                                          bool non_empty = true);
  std::optional<bool> bool_field(const json& obj, const std::string& path, const char* key);
  std::optional<int64_t> count_field(const json& obj, const std::string& path, const char* key);
  std::optional<int64_t> duration_at(const json& v, const std::string& path);
  std::optional<int64_t> duration_field(const json& obj, const std::string& path, const char* key, bool required);
  // A string or an array of strings.
  std::optional<std::vector<std::string>> string_list_at(const json& v, const std::string& path);
  std::optional<std::map<std::string, std::string>> env_at(const json& v, const std::string& path);
  // The number of problems reported so far (a truncated list counts one more), so a
  // section can tell whether it added any.
  size_t error_count() const { return result_.errors.size() + (result_.truncated ? 1 : 0); }

  // ---- references (loader_fields.cc)
  void unknown_name(const std::string& path, const char* kind, const std::string& name,
                    const std::vector<std::string>& known, const char* list_path);
  bool known_member(const std::string& name, const std::string& path);
  bool known_host(const std::string& name, const std::string& path);
  // "leader" as a host reference means the running leader's host; reports a host that
  // is also named "leader" (the reference would be ambiguous).
  void leader_host_not_a_host_name(const std::string& path);
  std::optional<Endpoint> endpoint_at(const json& v, const std::string& path);
  // Member names for start/stop/kill/restart: non-empty, known, no repeats.
  std::optional<std::vector<std::string>> member_list_at(const json& v, const std::string& path);
  // A known fault kind by name, or an error with a did-you-mean.
  std::optional<FaultKind> fault_kind_at(const std::string& name, const std::string& path);

  // ---- sections
  std::optional<LatencyRange> latency(const json& v, const std::string& path);  // loader.cc
  void network(const json& v, Scenario& s);
  void hosts(const json& v, Scenario& s);
  void host_dirs(const json& v, const std::string& path, Host& host);  // loader.cc: hosts[].dirs
  std::optional<MemberConfig> config(const json& obj, const std::string& path, const std::string& owner, bool optional);
  void members(const json& v, Scenario& s);
  std::optional<TimelineEntry> timeline_entry(const json& v, const std::string& path);  // loader_timeline.cc
  std::optional<Action> action(const std::string& key, const json& entry, const std::string& path);
  std::optional<Expectation> expectation(const json& v, const std::string& path);
  // A put/get expectation's common part: "via" (an endpoint) and "key".
  bool via_and_key(const json& obj, const std::string& path, Endpoint& via, std::string& key);
  // "user": "NAME:PASSWORD" of a put/get expectation or the clients block (absent: true, nothing set).
  bool user_field(const json& v, const std::string& path, std::string* user, std::string* password);
  std::optional<PutExpect> put_expect(const json& v, const std::string& path);
  std::optional<GetExpect> get_expect(const json& v, const std::string& path);
  // The fault lab (loader_faults.cc).
  std::optional<int64_t> ppm_at(const json& v, const std::string& path, int64_t max_ppm, const char* what);
  std::optional<int64_t> ppm_field(const json& obj, const std::string& path, const char* key, bool required,
                                   int64_t max_ppm, const char* what);
  // A fraction where 0 is allowed (it turns the feature off), else as ppm_at.
  std::optional<int64_t> fraction_or_zero(const json& v, const std::string& path, const char* what);
  std::optional<std::vector<std::string>> member_set_at(const json& v, const std::string& path, bool allow_empty);
  std::optional<Fault> fault(const json& v, const std::string& path);
  void fault_partition(const json& v, const std::string& path, Fault& f);
  std::optional<NemesisBudget> nemesis(const json& v, const std::string& path);
  std::optional<ClientWorkload> clients(const json& v, const std::string& path);
  void spares(const Scenario& s);
  // DNS records and discovery services (loader_discovery.cc).
  void dns(const json& v, Scenario& s);
  void discovery_services(const json& v, Scenario& s);

  std::string file_;
  const std::map<std::string, TextPos>& positions_;
  LoadResult& result_;
  std::vector<std::string> host_names_;
  std::set<std::string> host_names_set_;
  std::vector<std::string> member_names_;
  std::set<std::string> member_names_set_;
};

}  // namespace raftlab::scenario::detail
