// sim/etcd/config_internal.h — the private parts of etcd's flag/env parser (config.h),
// shared by its files, each named for what it reads:
//
//   config_flags.cc  the flag table (every flag etcd 3.5.18 registers, with its Go type),
//                    flag_to_env / etcd_flag_names, and Go's flag.Value parsing of
//                    integers, booleans and durations (strconv, time.ParseDuration)
//   config_urls.cc   net/url.Parse and net.SplitHostPort as etcd's URLs need them,
//                    types.NewURLs (parse_urls) and types.NewURLsMap (parse_initial_cluster)
//   config.cc        the Parser: argv, ETCD_* env, URL post-processing, Validate, the
//                    defaults from --name (config.h's order of operations)
//
// Must never: be included outside sim/etcd/config*.cc; read the real environment, files,
// DNS or the clock.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/etcd/config.h"

namespace raftlab::etcd::detail {

// The Go type behind a flag: which flag.Value.Set parses its text.
enum class Kind { kString, kBool, kUint, kUint64, kUint32, kInt, kInt64, kDuration, kUrls, kSelective, kStrings, kIgnored };

struct FlagSpec {
  const char* name;
  Kind kind;
};

// Every flag etcd registers, in registration order (config_flags.cc).
std::span<const FlagSpec> flag_table();
// The flag named `name` (without dashes), or nullptr when etcd has none.
const FlagSpec* find_flag(const std::string& name);
// flags.NewSelectiveStringValue's valid values for a kSelective flag.
std::vector<std::string> selective_valids(const std::string& name);

// strconv.Atoi(s) succeeds with a value >= 0.
bool go_atoi_non_negative(const std::string& s);
// strconv.ParseUint/ParseInt with base 0; the Go flag error word on failure.
std::optional<std::string> check_integer(std::string s, bool is_signed, unsigned bits, uint64_t* out);
// strconv.ParseBool.
bool go_parse_bool(const std::string& s, bool* out);
// time.ParseDuration's accepted shape (the flag package's check of a kDuration flag).
bool go_duration_ok(const std::string& s);

bool all_digits(std::string_view s);

struct Url {
  std::string scheme, host, rest;  // rest = path/query after the authority
  bool has_authority = false;
  std::string opaque;
};

// net/url.Parse reduced to what etcd URLs use. Returns Go's error text on failure.
Result<Url> go_url_parse(const std::string& in);
// net.SplitHostPort success check; `host` (may be null) receives the host part.
bool split_host_port(const std::string& hostport, std::string* host);
// net.ParseIP != nil for a bracket-stripped host.
bool is_ip_literal(const std::string& h);
// The host of a URL ("" when it does not parse).
std::string host_of(const std::string& url);

}  // namespace raftlab::etcd::detail
