#include "sim/etcd/entry_codec.h"

#include "raft/log.h"
#include "sim/prng.h"

#include <bit>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string_view>

namespace raftlab::etcd {

namespace {
constexpr char kSep = '\x1f';

std::string u64(std::uint64_t v) { return std::to_string(v); }
std::uint64_t parse_u64(const std::string& s) { return std::strtoull(s.c_str(), nullptr, 10); }
// parse_u64 without a string: the digits encode_request wrote; anything else (never
// written by this codec) goes through strtoull for the same answer.
std::uint64_t parse_u64_view(std::string_view v) {
  // Up to 19 digits cannot overflow: a plain loop (member IDs and proposal numbers, on
  // every member for every applied entry).
  if (!v.empty() && v.size() <= 19) {
    std::uint64_t n = 0;
    bool digits = true;
    for (const char c : v) {
      const auto d = static_cast<unsigned>(c - '0');
      digits = digits && d <= 9;
      n = n * 10 + d;
    }
    if (digits) return n;
  } else if (v.size() == 20) {  // most member IDs: 19 digits, then the 20th with a check
    std::uint64_t n = 0;
    bool digits = true;
    for (std::size_t i = 0; i < 19; ++i) {
      const auto d = static_cast<unsigned>(v[i] - '0');
      digits = digits && d <= 9;
      n = n * 10 + d;
    }
    const auto last = static_cast<unsigned>(v[19] - '0');
    std::uint64_t out = 0;
    if (digits && last <= 9 && !__builtin_mul_overflow(n, 10u, &out) && !__builtin_add_overflow(out, last, &out))
      return out;
  }
  std::uint64_t out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec == std::errc() && end == v.data() + v.size()) return out;
  return parse_u64(std::string(v));
}
// The first kSep in [p, end), or end: 8 bytes at a time (the lowest byte equal to kSep
// is exact in the zero-byte test below; only bytes above it can be false positives).
const char* next_sep(const char* p, const char* end) {
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    constexpr std::uint64_t kPat = kOnes * static_cast<unsigned char>(kSep);
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      const std::uint64_t x = w ^ kPat;
      const std::uint64_t t = (x - kOnes) & ~x & kHighs;
      if (t != 0) return p + (std::countr_zero(t) >> 3);
      p += 8;
    }
  }
  while (p != end && *p != kSep) ++p;
  return p;
}
}  // namespace

std::uint64_t parse_decimal(std::string_view digits) { return parse_u64_view(digits); }

std::string declared_value(const std::string& text, std::uint64_t bytes) {
  return text + '#' + std::to_string(bytes) + 'B';
}

std::uint64_t declared_value_bytes(std::string_view v) {
  if (v.size() < 3 || v.back() != 'B') return 0;
  std::size_t i = v.size() - 1;  // the 'B'
  std::uint64_t n = 0, scale = 1;
  while (i > 0 && v[i - 1] >= '0' && v[i - 1] <= '9') {
    if (v.size() - i > 7) return 0;  // an 8th digit: beyond kMaxDeclaredValueBytes
    n += static_cast<std::uint64_t>(v[i - 1] - '0') * scale;
    scale *= 10;
    --i;
  }
  const std::size_t digits = v.size() - 1 - i;
  if (digits == 0 || i == 0 || v[i - 1] != '#' || v[i] == '0' || n > kMaxDeclaredValueBytes) return 0;
  return n;
}

std::uint64_t entry_bytes(const raft::Entry& e) {
  const std::uint64_t base = raft::entry_size(e);
  // Only a put ("P", value last) can carry a declared-size value; the check is two bytes
  // for every other entry.
  const std::string_view d = e.data.view();
  if (e.type != raft::EntryType::Normal || d.size() < 4 || d[0] != 'P' || d.back() != 'B') return base;
  const std::size_t sep = d.rfind(kSep);
  if (sep == std::string_view::npos) return base;
  const std::string_view value = d.substr(sep + 1);
  const std::uint64_t declared = declared_value_bytes(value);
  return declared > value.size() ? base + (declared - value.size()) : base;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  out.reserve(8);
  std::size_t start = 0;
  for (;;) {
    const std::size_t pos = s.find(sep, start);
    if (pos == std::string::npos) {
      out.emplace_back(s, start);
      return out;
    }
    out.emplace_back(s, start, pos - start);
    start = pos + 1;
  }
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

// Every member's record is encoded into a ConfChange context and decoded by every member
// that applies it (a fresh five-member cluster: 25 decodes): one buffer, no temporaries.
std::string encode_member(const sim::MemberRecord& m) {
  std::size_t n = 24 + m.name.size();
  for (const auto& u : m.peer_urls) n += u.size() + 1;
  for (const auto& u : m.client_urls) n += u.size() + 1;
  std::string s;
  s.reserve(n);
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, m.id);
  (void)ec;  // 24 bytes hold any uint64
  s.append(digits, end);
  s += kSep;
  s += m.name;
  s += kSep;
  for (std::size_t i = 0; i < m.peer_urls.size(); ++i) {
    if (i) s += ',';
    s += m.peer_urls[i];
  }
  s += kSep;
  for (std::size_t i = 0; i < m.client_urls.size(); ++i) {
    if (i) s += ',';
    s += m.client_urls[i];
  }
  s += kSep;
  s += m.is_learner ? '1' : '0';
  return s;
}

namespace {
// split(v, ',') into `out` (an empty v: no elements), as string views.
void split_list(std::string_view v, std::vector<std::string>* out) {
  out->clear();
  if (v.empty()) return;
  for (;;) {
    const std::size_t pos = v.find(',');
    out->emplace_back(v.substr(0, pos));
    if (pos == std::string_view::npos) return;
    v.remove_prefix(pos + 1);
  }
}
}  // namespace

bool decode_member(std::string_view s, sim::MemberRecord* m) {
  // Exactly five fields, as split(s, kSep) would give.
  std::size_t sep[4];
  std::size_t n = 0;
  for (std::size_t p = s.find(kSep); p != std::string_view::npos; p = s.find(kSep, p + 1)) {
    if (n == 4) return false;
    sep[n++] = p;
  }
  if (n != 4) return false;
  const std::string_view v(s);
  auto field = [&](std::size_t i) {
    const std::size_t from = i == 0 ? 0 : sep[i - 1] + 1;
    const std::size_t to = i < 4 ? sep[i] : s.size();
    return v.substr(from, to - from);
  };
  m->id = parse_u64_view(field(0));
  m->name.assign(field(1));
  split_list(field(2), &m->peer_urls);
  split_list(field(3), &m->client_urls);
  m->is_learner = field(4) == "1";
  return m->id != 0;
}

std::string encode_kv_request_text(Request::Kind kind, std::string_view proposer_digits, std::uint64_t proposal,
                                   std::string_view key, std::string_view value) {
  char b[24];
  const auto eb = std::to_chars(b, b + sizeof b, proposal).ptr;
  const auto nb = static_cast<std::size_t>(eb - b);
  std::string s(1 + 4 + proposer_digits.size() + nb + key.size() + value.size(), kSep);
  char* o = s.data();
  *o++ = static_cast<char>(kind);
  ++o;  // kSep
  std::memcpy(o, proposer_digits.data(), proposer_digits.size());
  o += proposer_digits.size() + 1;
  std::memcpy(o, b, nb);
  o += nb + 1;
  if (!key.empty()) std::memcpy(o, key.data(), key.size());
  o += key.size() + 1;
  if (!value.empty()) std::memcpy(o, value.data(), value.size());
  return s;
}

raft::Payload encode_kv_entry(Request::Kind kind, std::string_view proposer_digits, std::uint64_t proposer_id,
                              std::uint64_t proposal, std::string_view key, std::string_view value) {
  char b[24];
  const auto eb = std::to_chars(b, b + sizeof b, proposal).ptr;
  const auto nb = static_cast<std::size_t>(eb - b);
  const std::size_t n = 1 + 4 + proposer_digits.size() + nb + key.size() + value.size();
  raft::Payload p = raft::Payload::build(n, [&](char* o) {
    *o++ = static_cast<char>(kind);
    *o++ = kSep;
    std::memcpy(o, proposer_digits.data(), proposer_digits.size());
    o += proposer_digits.size();
    *o++ = kSep;
    std::memcpy(o, b, nb);
    o += nb;
    *o++ = kSep;
    if (!key.empty()) std::memcpy(o, key.data(), key.size());
    o += key.size();
    *o++ = kSep;
    if (!value.empty()) std::memcpy(o, value.data(), value.size());
  });
  const bool decodable = (kind == Request::Kind::Put || kind == Request::Kind::Read) &&
                         proposer_digits.find(kSep) == std::string_view::npos &&
                         key.find(kSep) == std::string_view::npos && value.find(kSep) == std::string_view::npos;
  if (decodable && n <= UINT32_MAX) {
    std::uint32_t* memo = p.memo();
    memo[0] = 1;
    memo[1] = static_cast<std::uint32_t>(2 + proposer_digits.size());
    memo[2] = static_cast<std::uint32_t>(memo[1] + 1 + nb);
    memo[3] = static_cast<std::uint32_t>(memo[2] + 1 + key.size());
    p.memo64()[0] = proposer_id;
    p.memo64()[1] = proposal;
    p.memo64()[2] = kv_key_hash(key);
  }
  return p;
}

std::string encode_kv_request(Request::Kind kind, std::uint64_t proposer, std::uint64_t proposal,
                              std::string_view key, std::string_view value) {
  char a[24];
  const auto ea = std::to_chars(a, a + sizeof a, proposer).ptr;
  return encode_kv_request_text(kind, std::string_view(a, static_cast<std::size_t>(ea - a)), proposal, key, value);
}

std::string encode_request(const Request& r) {
  if (r.kind != Request::Kind::Publish) return encode_kv_request(r.kind, r.proposer, r.proposal, r.key, r.value);
  std::string s(1, static_cast<char>(r.kind));
  s += kSep; s += u64(r.proposer);
  s += kSep; s += u64(r.proposal);
  s += kSep; s += encode_member(r.member);
  return s;
}

bool decode_kv_request(std::string_view data, KvRequestView* r) {
  if (data.size() < 2 || (data[0] != 'P' && data[0] != 'R')) return false;
  // Hot path (every put and read, on every member): fields as views, no split.
  // Separators found 8 bytes at a time (next_sep): exactly 5 fields, as split() would.
  const char* const b = data.data();
  const char* const end = b + data.size();
  const char* sep[4];
  const char* p = b;
  for (auto& s : sep) {
    s = next_sep(p, end);
    if (s == end) return false;
    p = s + 1;
  }
  if (next_sep(p, end) != end) return false;
  r->kind = static_cast<Request::Kind>(data[0]);
  r->proposer = std::string_view(sep[0] + 1, static_cast<std::size_t>(sep[1] - sep[0] - 1));
  r->proposal = std::string_view(sep[1] + 1, static_cast<std::size_t>(sep[2] - sep[1] - 1));
  r->key = std::string_view(sep[2] + 1, static_cast<std::size_t>(sep[3] - sep[2] - 1));
  r->value = std::string_view(sep[3] + 1, static_cast<std::size_t>(end - sep[3] - 1));
  return true;
}

std::uint64_t entry_label_hash(const raft::Payload& data) {
  std::uint64_t* const m64 = data.memo64();
  if (m64 != nullptr && m64[3] != 0) return m64[3];
  const std::uint64_t h = sim::label_hash(data.view());
  if (m64 != nullptr) m64[3] = h;
  return h;
}

bool decode_kv_entry(const raft::Payload& data, KvRequestView* r) {
  std::uint32_t* const memo = data.memo();
  const std::string_view d = data.view();
  if (memo != nullptr && memo[0] != 0) {  // decoded before: memo = the four separators' offsets
    // The offsets came from a decode (or the encoder) of these very bytes: in range.
    const char* b = d.data();
    r->kind = static_cast<Request::Kind>(d[0]);
    r->proposer = std::string_view(b + memo[0] + 1, memo[1] - memo[0] - 1);
    r->proposal = std::string_view(b + memo[1] + 1, memo[2] - memo[1] - 1);
    r->key = std::string_view(b + memo[2] + 1, memo[3] - memo[2] - 1);
    r->value = std::string_view(b + memo[3] + 1, d.size() - memo[3] - 1);
    const std::uint64_t* m64 = data.memo64();
    r->proposer_id = m64[0];
    r->proposal_id = m64[1];
    r->key_hash = static_cast<std::size_t>(m64[2]);
    return true;
  }
  if (!decode_kv_request(d, r)) return false;
  r->proposer_id = parse_u64_view(r->proposer);
  r->proposal_id = parse_u64_view(r->proposal);
  r->key_hash = kv_key_hash(r->key);
  if (memo != nullptr && d.size() <= UINT32_MAX) {
    data.memo64()[0] = r->proposer_id;
    data.memo64()[1] = r->proposal_id;
    data.memo64()[2] = r->key_hash;
    // Separator i sits just before field i+1 (offset >= 1: byte 0 is the kind).
    memo[0] = static_cast<std::uint32_t>(r->proposer.data() - d.data() - 1);
    memo[1] = static_cast<std::uint32_t>(r->proposal.data() - d.data() - 1);
    memo[2] = static_cast<std::uint32_t>(r->key.data() - d.data() - 1);
    memo[3] = static_cast<std::uint32_t>(r->value.data() - d.data() - 1);
  }
  return true;
}

bool entry_safe(std::string_view s) { return s.find(kSep) == std::string_view::npos; }

std::string encode_auth_entry(const AuthEntry& a) {
  std::string s = "U";
  s += kSep; s += u64(a.proposer);
  s += kSep; s += u64(a.proposal);
  s += kSep; s += a.requester;
  s += kSep; s += a.op;
  for (const auto& x : a.args) { s += kSep; s += x; }
  return s;
}

bool decode_auth_entry(std::string_view data, AuthEntry* a) {
  if (data.size() < 2 || data[0] != 'U' || data[1] != kSep) return false;
  auto f = split(std::string(data), kSep);
  if (f.size() < 5) return false;
  a->proposer = parse_u64(f[1]);
  a->proposal = parse_u64(f[2]);
  a->requester = std::move(f[3]);
  a->op = std::move(f[4]);
  a->args.assign(std::make_move_iterator(f.begin() + 5), std::make_move_iterator(f.end()));
  return true;
}

Request decode_request(std::string_view data) {
  Request r;
  if (data.size() < 2) return r;
  const char k = data[0];
  if (k == 'P' || k == 'R') {
    KvRequestView v;
    if (!decode_kv_request(data, &v)) return r;
    r.kind = v.kind;
    r.proposer = parse_u64_view(v.proposer);
    r.proposal = parse_u64_view(v.proposal);
    r.key.assign(v.key);
    r.value.assign(v.value);
    return r;
  }
  auto f = split(std::string(data), kSep);
  if (k == 'A' && f.size() == 8) {
    r.kind = Request::Kind::Publish;
    r.proposer = parse_u64(f[1]);
    r.proposal = parse_u64(f[2]);
    std::string m = f[3];
    for (size_t i = 4; i < f.size(); ++i) { m += kSep; m += f[i]; }
    if (!decode_member(m, &r.member)) r.kind = Request::Kind::Noop;
    return r;
  }
  if ((k == 'P' || k == 'R') && f.size() == 5) {
    r.kind = static_cast<Request::Kind>(k);
    r.proposer = parse_u64(f[1]);
    r.proposal = parse_u64(f[2]);
    r.key = f[3];
    r.value = f[4];
  }
  return r;
}

}  // namespace raftlab::etcd
