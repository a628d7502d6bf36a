// sim/etcd/entry_codec.h — how the etcd model encodes its requests in raft entries and
// its members in ConfChange contexts. Fields are separated by 0x1f (unit separator);
// keys and values containing 0x1f are refused at the client edge.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/wire.h"

namespace raftlab::etcd {

struct Request {
  enum class Kind : char { Put = 'P', Read = 'R', Publish = 'A', Noop = 0 } kind = Kind::Noop;
  std::uint64_t proposer = 0;     // member that waits for the result
  std::uint64_t proposal = 0;     // proposer-local id
  std::string key, value;         // Put/Read
  sim::MemberRecord member;       // Publish: id, name, client urls
};

std::string encode_request(const Request& r);
Request decode_request(const std::string& data);  // Noop for empty or unknown data

std::string encode_member(const sim::MemberRecord& m);
bool decode_member(const std::string& s, sim::MemberRecord* m);

std::vector<std::string> split(const std::string& s, char sep);
std::string join(const std::vector<std::string>& v, const std::string& sep);

}  // namespace raftlab::etcd
