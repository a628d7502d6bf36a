#include "sim/trace.h"

#include <openssl/evp.h>

#include <charconv>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace raftlab::sim {

const char* ev_name(Ev e) {
  switch (e) {
    case Ev::RunStart: return "run_start";
    case Ev::Note: return "note";
    case Ev::HostDown: return "host_down";
    case Ev::HostUp: return "host_up";
    case Ev::Partition: return "partition";
    case Ev::Heal: return "heal";
    case Ev::ProcStart: return "proc_start";
    case Ev::ProcExit: return "proc_exit";
    case Ev::Log: return "log";
    case Ev::Bootstrap: return "bootstrap";
    case Ev::Role: return "role";
    case Ev::Apply: return "apply";
    case Ev::Send: return "send";
    case Ev::Deliver: return "deliver";
    case Ev::Drop: return "drop";
    case Ev::Reject: return "reject";
    case Ev::Member: return "member";
    case Ev::ClientCall: return "client_call";
    case Ev::ClientDone: return "client_done";
    case Ev::Expect: return "expect";
    case Ev::Append: return "append";
    case Ev::HardState: return "hard_state";
    case Ev::Vote: return "vote";
    case Ev::Fault: return "fault";
    case Ev::FaultEnd: return "fault_end";
    case Ev::DataLoss: return "data_loss";
    case Ev::Quiet: return "quiet";
    case Ev::Cloud: return "cloud";
  }
  return "?";
}

namespace {
// The calling thread's spare event storage (empty, with capacity): see Trace::Trace. Held
// through a trivially destructible pointer that the thread's exit clears, so a Trace that
// outlives its thread's thread_local objects (a static one, say) simply frees its own.
thread_local std::vector<TraceEvent>* t_spare = nullptr;
struct SpareOwner {
  std::vector<TraceEvent> storage;
  SpareOwner() { t_spare = &storage; }
  ~SpareOwner() { t_spare = nullptr; }
};
std::vector<TraceEvent>* spare_events() {
  thread_local SpareOwner owner;  // constructed on first use, destroyed at thread exit
  return t_spare;
}
constexpr std::size_t kFirstReserve = 4096;
constexpr std::size_t kStreamBuf = 32 * 1024;  // bytes of JSONL fed to the hash/sink at once
}  // namespace

Trace::Trace(TraceLevel level) : level_(level) {
  if (level_ == TraceLevel::Off) return;
  std::vector<TraceEvent>* spare = spare_events();
  if (spare && spare->capacity() > kFirstReserve) events_.swap(*spare);
  else events_.reserve(kFirstReserve);
}

struct Trace::Stream {
  TraceStream opts;
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> md{nullptr, EVP_MD_CTX_free};
  std::string buf;               // encoded, not yet fed
  std::uint64_t dropped = 0;     // streamed and not kept
  bool sink_ok = true;
  void emit() {
    if (buf.empty()) return;
    if (md) EVP_DigestUpdate(md.get(), buf.data(), buf.size());
    if (opts.sink && sink_ok) sink_ok = opts.sink->write(buf);
    buf.clear();
  }
};

Trace::Trace(const Trace& o) : level_(o.level_), events_(o.events_) {}

Trace& Trace::operator=(const Trace& o) {
  level_ = o.level_;
  events_ = o.events_;
  stream_.reset();
  streamed_ = 0;
  return *this;
}

Trace::Trace(Trace&& o) noexcept
    : level_(o.level_), events_(std::move(o.events_)), stream_(std::move(o.stream_)), streamed_(o.streamed_) {
  o.streamed_ = 0;
}

Trace& Trace::operator=(Trace&& o) noexcept {
  level_ = o.level_;
  events_.swap(o.events_);
  stream_ = std::move(o.stream_);
  streamed_ = o.streamed_;
  o.streamed_ = 0;
  return *this;
}

void Trace::stream(const TraceStream& s) {
  stream_ = std::make_unique<Stream>();
  stream_->opts = s;
  if (s.hash) {
    stream_->md.reset(EVP_MD_CTX_new());
    if (!stream_->md || EVP_DigestInit_ex(stream_->md.get(), EVP_sha256(), nullptr) != 1)
      throw std::runtime_error("the trace's SHA-256 could not be set up (OpenSSL EVP)");
  }
  stream_->buf.reserve(kStreamBuf + 4096);
}

void Trace::flush() {
  if (!stream_) return;
  Stream& st = *stream_;
  const std::size_t n = events_.size();
  if (st.md || st.opts.sink) {
    for (std::size_t i = streamed_; i < n; ++i) {
      append_jsonl(st.buf, events_[i]);
      st.buf += '\n';
      if (st.buf.size() >= kStreamBuf) st.emit();
    }
    st.emit();
  }
  if (st.opts.observer)
    for (std::size_t i = streamed_; i < n; ++i) st.opts.observer->on(events_[i]);
  if (st.opts.keep) {
    std::size_t w = streamed_;
    for (std::size_t i = streamed_; i < n; ++i)
      if (st.opts.keep(events_[i])) {
        if (w != i) events_[w] = std::move(events_[i]);
        ++w;
      }
    st.dropped += n - w;
    events_.erase(events_.begin() + static_cast<std::ptrdiff_t>(w), events_.end());
  }
  streamed_ = events_.size();
}

std::uint64_t Trace::recorded() const { return events_.size() + (stream_ ? stream_->dropped : 0); }

bool Trace::sink_ok() const { return !stream_ || stream_->sink_ok; }

Trace::~Trace() {
  // After the thread's SpareOwner is gone t_spare is null: do not touch it again.
  std::vector<TraceEvent>* spare = t_spare;
  if (spare && events_.capacity() > spare->capacity()) {
    events_.clear();
    spare->swap(events_);
  }
}

std::string hex_id(std::uint64_t id) {
  char buf[16];
  auto r = std::to_chars(buf, buf + sizeof buf, id, 16);
  return std::string(buf, r.ptr);
}

std::string entry_digest(bool conf, std::uint64_t hash) {
  // Built in place and copied once (one allocation; ~59k digests per reference seed).
  static constexpr char digits[] = "0123456789abcdef";
  char buf[23] = {'n', 'o', 'r', 'm', 'a', 'l', ':'};
  std::size_t n = 7;
  if (conf) {
    std::memcpy(buf, "conf:", 5);
    n = 5;
  }
  for (std::size_t i = 0; i < 16; ++i) buf[n + 15 - i] = digits[(hash >> (4 * i)) & 15];
  return std::string(buf, n + 16);
}

namespace {

// The JSONL writer. Its bytes are exactly what nlohmann::ordered_json::dump(-1, ' ', false,
// error_handler_t::replace) printed for the same object (the encoder before this one; the
// differential test tests/sim/trace_encoding_test.cc keeps that encoder as the reference):
// compact separators, keys in insertion order, integers in decimal, strings with ", \, \b,
// \t, \n, \f, \r escaped by name, every other code point below 0x20 as \u00xx (lowercase
// hex), everything else (0x7f and non-ASCII) copied as is, and invalid UTF-8 replaced by
// U+FFFD the way nlohmann's serializer does it (serializer.hpp dump_escaped):
//  - a byte that cannot start a sequence (0x80..0xc1, 0xf5..0xff) becomes one U+FFFD;
//  - a started sequence broken by a byte that cannot continue it becomes one U+FFFD, and
//    that byte is read again as the start of what follows;
//  - a sequence cut off by the end of the string becomes one U+FFFD.
// Valid sequences are RFC 3629's (no overlongs, no surrogates, nothing above U+10FFFF).

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence starting at s[i] (a non-ASCII byte), or 0 with
// *consumed = how many bytes belong to the broken/cut-off sequence's prefix (those bytes
// are dropped; the byte that broke it is not consumed).
inline std::size_t utf8_seq(const unsigned char* s, std::size_t n, std::size_t i, std::size_t* consumed) {
  const unsigned char b0 = s[i];
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    if (b0 == 0xe0) lo = 0xa0;
    if (b0 == 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    if (b0 == 0xf0) lo = 0x90;
    if (b0 == 0xf4) hi = 0x8f;
  } else {
    *consumed = 1;  // cannot start a sequence
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= n) {  // cut off by the end
      *consumed = n - i;
      return 0;
    }
    const unsigned char c = s[i + k];
    const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xbf;
    if (c < l || c > h) {  // broken: drop the prefix, read c again
      *consumed = k;
      return 0;
    }
  }
  return len;
}

// True when none of the 8 bytes at p needs escaping or UTF-8 checking (bit tricks of
// "Bit Twiddling Hacks": haszero / hasless; no false negatives, so a true result is exact).
inline bool plain8(const unsigned char* p) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  const std::uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
  const std::uint64_t bad = (w & kHigh) | ((w - kOnes * 0x20) & ~w & kHigh) | ((quote - kOnes) & ~quote & kHigh) |
                            ((backslash - kOnes) & ~backslash & kHigh);
  return bad == 0;
}

void append_escaped(std::string& out, std::string_view v) {
  out += '"';
  const auto* s = reinterpret_cast<const unsigned char*>(v.data());
  const std::size_t n = v.size();
  std::size_t i = 0;
  while (i < n) {
    // Copy the longest run that needs no escaping in one append (8 bytes at a time while
    // no byte of the word is a control character, non-ASCII, '"' or '\\').
    std::size_t j = i;
    while (j + 8 <= n && plain8(s + j)) j += 8;
    while (j < n && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' && s[j] != '\\') ++j;
    if (j > i) {
      out.append(v.data() + i, j - i);
      i = j;
      if (i == n) break;
    }
    const unsigned char c = s[i];
    if (c < 0x80) {
      out += '\\';
      switch (c) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case 0x08: out += 'b'; break;
        case 0x09: out += 't'; break;
        case 0x0a: out += 'n'; break;
        case 0x0c: out += 'f'; break;
        case 0x0d: out += 'r'; break;
        default: {
          const char u[5] = {'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out.append(u, 5);
        }
      }
      ++i;
      continue;
    }
    std::size_t consumed = 0;
    const std::size_t len = utf8_seq(s, n, i, &consumed);
    if (len) {
      out.append(v.data() + i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      i += consumed;
    }
  }
  out += '"';
}

inline void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

inline void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

inline void append_hex_field(std::string& out, std::string_view key, std::uint64_t id) {
  out += key;
  out += '"';
  char buf[16];
  auto r = std::to_chars(buf, buf + sizeof buf, id, 16);
  out.append(buf, r.ptr);
  out += '"';
}

inline void append_str_field(std::string& out, std::string_view key, const std::string& v) {
  out += key;
  append_escaped(out, v);
}

}  // namespace

void Trace::append_jsonl(std::string& out, const TraceEvent& e) {
  out += "{\"t\":";
  append_int(out, e.at.ns);
  out += ",\"ev\":\"";
  out += ev_name(e.kind);  // plain ASCII names: nothing to escape
  out += '"';
  if (!e.who.empty()) append_str_field(out, ",\"who\":", e.who);
  if (e.member_id) append_hex_field(out, ",\"member_id\":", e.member_id);
  if (e.cluster_id) append_hex_field(out, ",\"cluster_id\":", e.cluster_id);
  if (e.term) {
    out += ",\"term\":";
    append_uint(out, e.term);
  }
  if (e.index) {
    out += ",\"index\":";
    append_uint(out, e.index);
  }
  if (e.peer) append_hex_field(out, ",\"peer\":", e.peer);
  if (!e.a.empty()) append_str_field(out, ",\"a\":", e.a);
  if (!e.b.empty()) append_str_field(out, ",\"b\":", e.b);
  if (!e.c.empty()) append_str_field(out, ",\"c\":", e.c);
  out += '}';
}

std::string Trace::to_jsonl(const TraceEvent& e) {
  std::string out;
  append_jsonl(out, e);
  return out;
}

std::string Trace::to_jsonl() const {
  std::string out;
  out.reserve(events_.size() * 128);
  for (const auto& e : events_) {
    append_jsonl(out, e);
    out += '\n';
  }
  return out;
}

namespace {
std::string digest_hex(const unsigned char* md, unsigned int len) {
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 15];
  }
  return hex;
}
}  // namespace

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return digest_hex(md, len);
}

std::string Trace::sha256() const {
  if (stream_) {
    // The digest so far, then the events not streamed yet, on a copy (this stays const).
    if (!stream_->md) return {};
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_MD_CTX_copy_ex(ctx.get(), stream_->md.get()) != 1)
      throw std::runtime_error("the trace's SHA-256 could not be copied (OpenSSL EVP)");
    std::string buf;
    for (std::size_t i = streamed_; i < events_.size(); ++i) {
      append_jsonl(buf, events_[i]);
      buf += '\n';
    }
    if (!buf.empty()) EVP_DigestUpdate(ctx.get(), buf.data(), buf.size());
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &len);
    return digest_hex(md, len);
  }
  // Stream the JSONL through the digest in chunks instead of building the whole text.
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return sha256_hex(to_jsonl());
  constexpr std::size_t kChunk = 32 * 1024;
  std::string buf;
  buf.reserve(kChunk + 4096);
  for (const auto& e : events_) {
    append_jsonl(buf, e);
    buf += '\n';
    if (buf.size() >= kChunk) {
      EVP_DigestUpdate(ctx.get(), buf.data(), buf.size());
      buf.clear();
    }
  }
  if (!buf.empty()) EVP_DigestUpdate(ctx.get(), buf.data(), buf.size());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return digest_hex(md, len);
}

}  // namespace raftlab::sim
