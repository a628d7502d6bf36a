// JSON with comments: comments and trailing commas are blanked in place, so positions in
// errors are positions in the user's file.
#include "sim/scenario/jsonc.h"

#include <gtest/gtest.h>

namespace raftlab::scenario {
namespace {

TEST(Jsonc, StripsCommentsOutsideStringsOnly) {
  const JsoncDocument doc = parse_jsonc(R"({
    // a line comment with "quotes" and /* inside
    "url": "http://x:2379", /* block
       comment */ "path": "a//b/*c*/",
  })");
  ASSERT_TRUE(doc.errors.empty()) << doc.errors[0].message;
  EXPECT_EQ(doc.value["url"], "http://x:2379");
  EXPECT_EQ(doc.value["path"], "a//b/*c*/");
}

TEST(Jsonc, AllowsTrailingCommasButNotEmptySlots) {
  EXPECT_TRUE(parse_jsonc("[1, 2, ]").errors.empty());
  EXPECT_TRUE(parse_jsonc("{\"a\": [1,], \"b\": {\"c\": 1,},}").errors.empty());
  EXPECT_TRUE(parse_jsonc("[1, // trailing\n]").errors.empty());
  EXPECT_FALSE(parse_jsonc("[,]").errors.empty());
  EXPECT_FALSE(parse_jsonc("[1,,]").errors.empty());
  EXPECT_FALSE(parse_jsonc("{,}").errors.empty());
}

TEST(Jsonc, SyntaxErrorsPointAtTheOriginalLineAndColumn) {
  // The comment on line 2 must not shift anything.
  const JsoncDocument doc = parse_jsonc("{\n  /* comment */ \"a\": 1\n  \"b\": 2\n}");
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_EQ(doc.errors[0].pos.line, 3);
  EXPECT_EQ(doc.errors[0].pos.column, 3);
  EXPECT_NE(doc.errors[0].fix.find("comma"), std::string::npos);
}

TEST(Jsonc, RecordsPositionsOfKeysAndElements) {
  const JsoncDocument doc = parse_jsonc("{\n  \"hosts\": [\n    {\"name\": \"A\"}\n  ],\n  \"odd key\": 1\n}");
  ASSERT_TRUE(doc.errors.empty());
  EXPECT_EQ(doc.positions.at("$.hosts").line, 2);
  EXPECT_EQ(doc.positions.at("$.hosts").column, 3);
  EXPECT_EQ(doc.positions.at("$.hosts[0]").line, 3);
  EXPECT_EQ(doc.positions.at("$.hosts[0]").column, 5);
  EXPECT_EQ(doc.positions.at("$.hosts[0].name").column, 6);
  EXPECT_EQ(doc.positions.at("$[\"odd key\"]").line, 5);
  // Unknown paths fall back to the nearest ancestor.
  EXPECT_EQ(lookup_position(doc.positions, "$.hosts[0].ip").line, 3);
  EXPECT_EQ(lookup_position(doc.positions, "$.nothing").line, 1);
}

TEST(Jsonc, DuplicateKeysAreErrors) {
  const JsoncDocument doc = parse_jsonc("{\"a\": 1,\n \"a\": 2}");
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_EQ(doc.errors[0].path, "$.a");
  EXPECT_EQ(doc.errors[0].pos.line, 2);
  EXPECT_NE(doc.errors[0].message.find("first at line 1"), std::string::npos);
}

TEST(Jsonc, EnforcesLimits) {
  EXPECT_NE(parse_jsonc(std::string(33, '[') + std::string(33, ']')).errors.at(0).message.find("nesting deeper"),
            std::string::npos);
  EXPECT_TRUE(parse_jsonc(std::string(32, '[') + std::string(32, ']')).errors.empty());
  // A million brackets must not recurse.
  EXPECT_FALSE(parse_jsonc(std::string(1'000'000, '[')).errors.empty());
  std::string big = "[";
  for (int i = 0; i < 10'001; ++i) big += "0,";
  big += "0]";
  EXPECT_NE(parse_jsonc(big).errors.at(0).message.find("more than 10000 items"), std::string::npos);
  std::string long_string(70'002, 'x');
  long_string.front() = '"';
  long_string.back() = '"';
  EXPECT_NE(parse_jsonc(long_string).errors.at(0).message.find("longer than the limit"), std::string::npos);
  EXPECT_NE(parse_jsonc(std::string((1 << 20) + 1, ' ')).errors.at(0).message.find("more than the limit"),
            std::string::npos);
}

TEST(Jsonc, UnterminatedCommentAndStringAreReported) {
  const JsoncDocument c = parse_jsonc("{\n /* never closed\n}");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].pos.line, 2);
  EXPECT_FALSE(parse_jsonc("{\"a\": \"open").errors.empty());
  EXPECT_FALSE(parse_jsonc("").errors.empty());
}

TEST(Jsonc, InvalidUtf8IsAnErrorWithPrintableMessage) {
  const JsoncDocument doc = parse_jsonc("{\"a\": \"\xff\xfe\"}");
  ASSERT_EQ(doc.errors.size(), 1u);
  for (char c : doc.errors[0].message) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
}

TEST(Jsonc, PathsQuoteNonIdentifierKeys) {
  EXPECT_EQ(child_path("$", "members"), "$.members");
  EXPECT_EQ(child_path("$.env", "ETCD_NAME"), "$.env.ETCD_NAME");
  EXPECT_EQ(child_path("$.members", "/k"), "$.members[\"/k\"]");
  EXPECT_EQ(index_path("$.hosts", 3), "$.hosts[3]");
}

}  // namespace
}  // namespace raftlab::scenario
