// sim/etcd/entry_codec.h — how the etcd model encodes its requests in raft entries and
// its members in ConfChange contexts. Fields are separated by 0x1f (unit separator);
// keys and values containing 0x1f are refused at the client edge.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "raft/types.h"
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
// encode_request of a Put or Read (or Noop: the kind byte 0), from views.
std::string encode_kv_request(Request::Kind kind, std::uint64_t proposer, std::uint64_t proposal,
                              std::string_view key, std::string_view value);
// The same with the proposer already as its decimal text (std::to_string(proposer)).
std::string encode_kv_request_text(Request::Kind kind, std::string_view proposer_digits, std::uint64_t proposal,
                                   std::string_view key, std::string_view value);
// The same bytes as an entry's payload, with the memo decode_kv_entry would leave already
// filled in (the encoder knows where it put each field): the first member to apply it
// does not scan or parse it either. `proposer_id` must be what `proposer_digits` stand
// for. A key or value holding the separator gets no memo (decode_kv_entry rejects it).
raft::Payload encode_kv_entry(Request::Kind kind, std::string_view proposer_digits, std::uint64_t proposer_id,
                              std::uint64_t proposal, std::string_view key, std::string_view value);
Request decode_request(std::string_view data);  // Noop for empty or unknown data
// A Put or Read as views into the entry's data (the apply path on every member, without
// copies); false for anything else, or what decode_request would call Noop. The
// proposer and proposal stay decimal text (encode_request's canonical digits): only the
// proposer, one member of all that apply the entry, needs them as numbers
// (parse_decimal).
struct KvRequestView {
  Request::Kind kind = Request::Kind::Noop;
  std::string_view proposer, proposal;
  std::string_view key, value;
  // parse_decimal(proposer) and parse_decimal(proposal): filled by decode_kv_entry only.
  std::uint64_t proposer_id = 0, proposal_id = 0;
  // kv_key_hash(key): filled by decode_kv_entry only.
  std::size_t key_hash = 0;
};
bool decode_kv_request(std::string_view data, KvRequestView* r);
// The hash a member's KV store files `key` under (std::hash of the bytes): kept in the
// entry's memo so that each member's lookup does not hash the key again.
inline std::size_t kv_key_hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
// The same for an entry's payload: the first decode leaves the field offsets in the
// payload's memo (raft::Payload::memo), and every later one (the other members applying
// the same entry) reads them instead of scanning the bytes again. It also fills
// proposer_id, proposal_id and key_hash (computed once per entry, kept in
// Payload::memo64).
bool decode_kv_entry(const raft::Payload& data, KvRequestView* r);
// sim::label_hash of an entry's bytes (the trace's entry digest), kept in
// Payload::memo64()[3]: each member's WAL append and apply of the entry hashes it once
// between them. A hash that happens to be 0 is just computed again.
std::uint64_t entry_label_hash(const raft::Payload& data);
// The number a decode_request field's digits stand for (as decode_request parses it).
std::uint64_t parse_decimal(std::string_view digits);

// An auth entry ("U"): an auth request (sim/etcd/auth.h AuthOp's name as `op`), an
// Authenticate, a linearizable `member list` ("member-list"), or a put or linearizable get
// made with a token ("put" KEY VALUE, "get" KEY) — every request whose header names a user
// (etcd's RequestHeader.Username), checked at apply against the applier's auth store.
// Arguments must not hold the field separator (refused at the client edge).
struct AuthEntry {
  std::uint64_t proposer = 0, proposal = 0;
  std::string requester;  // the header's user name ("" = no token)
  std::string op;
  std::vector<std::string> args;
};
std::string encode_auth_entry(const AuthEntry& a);
bool decode_auth_entry(std::string_view data, AuthEntry* a);  // false: not an auth entry
// True when a client-given text can go into an entry (no field separator).
bool entry_safe(std::string_view s);

std::string encode_member(const sim::MemberRecord& m);
bool decode_member(std::string_view s, sim::MemberRecord* m);

// Declared-size values: a put value written "TEXT#NB" (N decimal, 1..kMaxDeclaredValueBytes,
// no leading zero) stands for an N-byte value that starts with TEXT. The KV, the trace
// and the checkers keep the short form; only raft's MsgApp byte limit counts N
// (entry_bytes), so megabyte values cost nothing to simulate. scenarios/README.md,
// clients.value_bytes; docs/etcd-behaviour.md §9.
inline constexpr std::uint64_t kMaxDeclaredValueBytes = 1'500'000;
std::string declared_value(const std::string& text, std::uint64_t bytes);  // "TEXT#NB"
// N for a value in the declared form, 0 for any other value.
std::uint64_t declared_value_bytes(std::string_view value);
// raft::Config::entry_bytes for the etcd model's entries: raft::entry_size, plus the
// bytes a put's declared-size value stands for beyond its short form.
std::uint64_t entry_bytes(const raft::Entry& e);

std::vector<std::string> split(const std::string& s, char sep);
std::string join(const std::vector<std::string>& v, const std::string& sep);

}  // namespace raftlab::etcd
