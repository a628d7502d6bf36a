// The put/read entry codec's hot path (sim/etcd/entry_codec.h): decode_kv_request finds
// its separators 8 bytes at a time, encode_kv_request_text takes the proposer as text.
// Both are checked against a plain reference (split on '\x1f', std::to_string) for
// fields of every length around the 8-byte words, separators in the value, and
// malformed data.
#include "sim/etcd/entry_codec.h"
#include "sim/prng.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace raftlab::etcd {
namespace {

std::vector<std::string> split_ref(const std::string& s) {
  std::vector<std::string> out(1);
  for (const char c : s) {
    if (c == '\x1f')
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

TEST(KvCodec, DecodeMatchesSplitForEveryFieldLength) {
  for (std::size_t klen = 0; klen <= 20; ++klen) {
    for (std::size_t vlen = 0; vlen <= 20; ++vlen) {
      const std::string key(klen, 'k'), value(vlen, 'v');
      for (const std::uint64_t proposer : {std::uint64_t{7}, std::uint64_t{10501334649042878790ull}}) {
        const std::string data = encode_kv_request(Request::Kind::Put, proposer, 123 + klen, key, value);
        EXPECT_EQ(data, encode_kv_request_text(Request::Kind::Put, std::to_string(proposer), 123 + klen, key, value));
        const auto f = split_ref(data);
        ASSERT_EQ(f.size(), 5u);
        KvRequestView v;
        ASSERT_TRUE(decode_kv_request(data, &v)) << klen << " " << vlen;
        EXPECT_EQ(v.kind, Request::Kind::Put);
        EXPECT_EQ(v.proposer, f[1]);
        EXPECT_EQ(v.proposal, f[2]);
        EXPECT_EQ(v.key, key);
        EXPECT_EQ(v.value, value);
        const Request r = decode_request(data);
        EXPECT_EQ(r.proposer, proposer);
        EXPECT_EQ(r.proposal, 123 + klen);
      }
    }
  }
}

TEST(KvCodec, DecodeRejectsWhatSplitWouldNotCallFiveFields) {
  KvRequestView v;
  for (std::size_t at = 0; at <= 24; ++at) {
    // A separator inside the value, at every offset: six fields.
    std::string value(24, 'x');
    value[at % value.size()] = '\x1f';
    EXPECT_FALSE(decode_kv_request(encode_kv_request(Request::Kind::Read, 1, 2, "key", value), &v)) << at;
  }
  EXPECT_FALSE(decode_kv_request("", &v));
  EXPECT_FALSE(decode_kv_request("P", &v));
  EXPECT_FALSE(decode_kv_request("P\x1f" "1\x1f" "2\x1fkey", &v));  // four fields
  EXPECT_FALSE(decode_kv_request("X\x1f" "1\x1f" "2\x1fk\x1fv", &v));
  ASSERT_TRUE(decode_kv_request("R\x1f\x1f\x1f\x1f", &v));  // five empty fields
  EXPECT_EQ(v.kind, Request::Kind::Read);
  EXPECT_TRUE(v.proposer.empty() && v.proposal.empty() && v.key.empty() && v.value.empty());
  // Bytes that differ from the separator in one bit only are not separators.
  ASSERT_TRUE(decode_kv_request(std::string("P\x1f" "1\x1f" "2\x1f") + "\x1e\x1d\x9f\x3f\x0f\x1e\x1d\x9f\x3f" +
                                    "\x1f" + "\x9f\x1e\x1e\x1e\x1e\x1e\x1e\x1e\x1e",
                                &v));
  EXPECT_EQ(v.key.size(), 9u);
  EXPECT_EQ(v.value.size(), 9u);
}

// decode_kv_entry: the first decode of a payload leaves the separators' offsets in its
// memo; later decodes (other members, sharing the same bytes) read them and must give
// exactly what a scan gives. Malformed payloads are never memoised.
TEST(KvCodec, EncodedEntryCarriesTheMemoADecodeWouldLeave) {
  const std::string sep(1, '\x1f');
  for (const Request::Kind kind : {Request::Kind::Put, Request::Kind::Read}) {
    for (const std::string& key : {std::string(), std::string("k"), std::string("/apisix/routes/1"), "a" + sep + "b"}) {
      for (const std::string& value : {std::string(), std::string("00000042"), std::string(40, 'v'), sep}) {
        for (const std::uint64_t proposal : {0ull, 7ull, 18446744073709551615ull}) {
          const raft::Payload enc = encode_kv_entry(kind, "10501334649042878790", 10501334649042878790ull, proposal, key, value);
          // The bytes are encode_kv_request's; a copy of them (no memo) decodes by scanning.
          EXPECT_EQ(enc.view(), encode_kv_request(kind, 10501334649042878790ull, proposal, key, value));
          const raft::Payload fresh(enc.str());
          KvRequestView a, b;
          const bool ok_memo = decode_kv_entry(enc, &a), ok_scan = decode_kv_entry(fresh, &b);
          ASSERT_EQ(ok_memo, ok_scan) << key << "/" << value;
          EXPECT_EQ(enc.memo()[0] != 0, ok_scan);  // a memo exactly when a decode would leave one
          if (!ok_scan) continue;
          EXPECT_EQ(a.kind, b.kind);
          EXPECT_EQ(a.proposer, b.proposer);
          EXPECT_EQ(a.proposal, b.proposal);
          EXPECT_EQ(a.key, b.key);
          EXPECT_EQ(a.value, b.value);
          EXPECT_EQ(a.proposer_id, b.proposer_id);
          EXPECT_EQ(a.proposal_id, b.proposal_id);
          EXPECT_EQ(a.key_hash, b.key_hash);
          EXPECT_EQ(a.key_hash, kv_key_hash(key));
          for (int i = 0; i < 4; ++i) EXPECT_EQ(enc.memo()[i], fresh.memo()[i]);
        }
      }
    }
  }
}

TEST(KvCodec, EntryLabelHashIsLabelHashKeptInTheMemo) {
  for (const std::string& bytes : {std::string("x"), encode_kv_request(Request::Kind::Put, 1, 2, "k", "v"),
                                   std::string(1000, '\x1f')}) {
    const raft::Payload p(bytes);
    const raft::Payload shared = p;
    EXPECT_EQ(p.memo64()[3], 0u);
    EXPECT_EQ(entry_label_hash(p), sim::label_hash(bytes));
    EXPECT_EQ(shared.memo64()[3], sim::label_hash(bytes));  // one hash for every holder
    EXPECT_EQ(entry_label_hash(shared), sim::label_hash(bytes));
  }
  EXPECT_EQ(entry_label_hash(raft::Payload()), sim::label_hash(""));  // no memo: computed
}

TEST(KvCodec, ParseDecimalAgreesWithStrtoullUpTo20Digits) {
  for (const char* text : {"0", "7", "1234567890123456789", "9999999999999999999", "10000000000000000000",
                           "10501334649042878790", "18446744073709551615", "18446744073709551616",
                           "99999999999999999999", "1844674407370955161x", "00000000000000000042", "+42", "", "x",
                           "123456789012345678901"}) {
    EXPECT_EQ(parse_decimal(text), std::strtoull(text, nullptr, 10)) << text;
  }
}

TEST(KvCodec, EntryDecodeMemoGivesTheScansAnswer) {
  for (std::size_t klen = 0; klen <= 12; ++klen) {
    for (std::size_t vlen = 0; vlen <= 12; ++vlen) {
      const std::string data =
          encode_kv_request(Request::Kind::Read, 10501334649042878790ull, 99 + vlen, std::string(klen, 'k'),
                            std::string(vlen, 'v'));
      const raft::Payload p(data);
      const raft::Payload shared = p;  // another member's entry: the same bytes
      KvRequestView scan, first, again;
      ASSERT_TRUE(decode_kv_request(data, &scan));
      ASSERT_NE(p.memo(), nullptr);
      EXPECT_EQ(p.memo()[0], 0u);
      ASSERT_TRUE(decode_kv_entry(p, &first));
      EXPECT_EQ(shared.memo()[0], 1u);  // the first separator follows the kind byte
      ASSERT_TRUE(decode_kv_entry(shared, &again));
      for (const KvRequestView* v : {&first, &again}) {
        EXPECT_EQ(v->kind, scan.kind);
        EXPECT_EQ(v->proposer, scan.proposer);
        EXPECT_EQ(v->proposal, scan.proposal);
        EXPECT_EQ(v->key, scan.key);
        EXPECT_EQ(v->value, scan.value);
        EXPECT_EQ(v->value.data(), shared.data() + data.size() - vlen);  // views into the payload
        EXPECT_EQ(v->proposer_id, 10501334649042878790ull);  // parsed once, kept in memo64
        EXPECT_EQ(v->proposal_id, 99 + vlen);
        EXPECT_EQ(v->proposer_id, parse_decimal(scan.proposer));
        EXPECT_EQ(v->key_hash, kv_key_hash(scan.key));
      }
    }
  }
  KvRequestView v;
  const raft::Payload bad(std::string("P\x1f" "1\x1f" "2\x1fkey"));  // four fields
  EXPECT_FALSE(decode_kv_entry(bad, &v));
  EXPECT_EQ(bad.memo()[0], 0u);
  EXPECT_FALSE(decode_kv_entry(raft::Payload(), &v));
  // Digits that are not std::to_string's (a leading zero) still stand for their number.
  const raft::Payload padded(std::string("R\x1f" "0042\x1f" "007\x1fk\x1f"));
  for (int pass = 0; pass < 2; ++pass) {
    ASSERT_TRUE(decode_kv_entry(padded, &v));
    EXPECT_EQ(v.proposer_id, 42u);
    EXPECT_EQ(v.proposal_id, 7u);
  }
}

}  // namespace
}  // namespace raftlab::etcd
