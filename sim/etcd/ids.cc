// ids.cc — SHA-1 based member/cluster IDs (see ids.h for the etcd sources), and
// the Go-style formatting helpers declared in wording.h.
#include "sim/etcd/ids.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>

#include "sim/etcd/wording.h"

namespace raftlab::etcd {
namespace {

// OpenSSL 3's EVP_Digest(..., EVP_sha1(), ...) fetches the algorithm and allocates a
// context on every call; IDs are computed at every member start, so the algorithm is
// fetched once and one context per thread is reused (the digest is the same).
struct Sha1Context {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Sha1Context() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

uint64_t sha1_prefix_u64(const unsigned char* data, size_t len) {
  thread_local Sha1Context sha;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_len = 0;
  const int ok = EVP_DigestInit_ex2(sha.ctx, sha.md, nullptr) == 1 && EVP_DigestUpdate(sha.ctx, data, len) == 1 &&
                 EVP_DigestFinal_ex(sha.ctx, digest.data(), &digest_len) == 1;
  assert(ok && digest_len == 20);
  (void)ok;
  uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = (id << 8) | digest[static_cast<size_t>(i)];
  return id;
}

}  // namespace

uint64_t compute_member_id(const std::vector<std::string>& peer_urls, std::string_view cluster_token,
                           std::optional<int64_t> unix_seconds) {
  std::vector<std::string> sorted = peer_urls;
  std::sort(sorted.begin(), sorted.end());
  std::string b;
  for (const auto& u : sorted) b += u;
  b += cluster_token;
  if (unix_seconds) b += std::to_string(*unix_seconds);
  return sha1_prefix_u64(reinterpret_cast<const unsigned char*>(b.data()), b.size());
}

uint64_t member_add_id(const std::vector<std::string>& peer_urls, int64_t unix_seconds) {
  return compute_member_id(peer_urls, "", unix_seconds);
}

uint64_t compute_cluster_id(std::vector<uint64_t> member_ids) {
  std::sort(member_ids.begin(), member_ids.end());
  std::vector<unsigned char> b;
  b.reserve(member_ids.size() * 8);
  for (uint64_t id : member_ids) {
    for (int shift = 56; shift >= 0; shift -= 8) b.push_back(static_cast<unsigned char>(id >> shift));
  }
  return sha1_prefix_u64(b.data(), b.size());
}

std::string format_id(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(id));
  return buf;
}

std::optional<uint64_t> parse_id(std::string_view hex) {
  if (hex.empty() || hex.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : hex) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

// ---- wording.h helpers ------------------------------------------------------

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string go_quote_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ' ';
    out += go_quote(items[i]);
  }
  out += ']';
  return out;
}

std::string go_format(std::string_view format, const std::vector<std::string>& args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c != '%' || i + 1 >= format.size()) {
      out += c;
      continue;
    }
    const char verb = format[i + 1];
    if (verb == '%') {
      out += '%';
      ++i;
    } else if ((verb == 's' || verb == 'v' || verb == 'd' || verb == 'q' || verb == 'x') && next < args.size()) {
      out += verb == 'q' ? go_quote(args[next]) : args[next];
      ++next;
      ++i;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace raftlab::etcd

namespace raftlab::etcd {

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.size() > 256) return "";
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  size_t best = limit + 1;
  std::string best_word;
  std::vector<size_t> prev, cur;
  for (const auto& cand : candidates) {
    if (cand.size() > 256) continue;
    prev.assign(cand.size() + 1, 0);
    cur.assign(cand.size() + 1, 0);
    for (size_t j = 0; j <= cand.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= cand.size(); ++j) {
        const size_t sub = prev[j - 1] + (word[i - 1] == cand[j - 1] ? 0 : 1);
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      }
      std::swap(prev, cur);
    }
    if (prev[cand.size()] < best) {
      best = prev[cand.size()];
      best_word = cand;
    }
  }
  return best <= limit ? best_word : "";
}

}  // namespace raftlab::etcd
