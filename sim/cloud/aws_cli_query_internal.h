// sim/cloud/aws_cli_query_internal.h — the private parts of the `--query` JMESPath subset
// (aws_cli.h: check_query, apply_query), shared by its files:
//
//   aws_cli_query.cc        the entry points and the CLI's "Bad value for --query" wording
//   aws_cli_query_parse.cc  lexer and Pratt parser (jmespath/lexer.py, parser.py) -> Node tree
//   aws_cli_query_eval.cc   the tree interpreter and the functions (jmespath/visitor.py,
//                           functions.py)
//
// Must never: be included outside sim/cloud/aws_cli_query*.cc; recurse without a depth
// bound (kMaxDepth, enforced by the parser) or run without a step bound (kMaxSteps).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace raftlab::cloud::query {

using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxQueryBytes = 4096;
constexpr int kMaxDepth = 64;
constexpr std::int64_t kMaxSteps = 2'000'000;

struct QueryError {
  std::string message;
};

enum class N {
  kField, kSub, kIndex, kSlice, kProjection, kValueProjection, kFlatten, kFilterProjection,
  kCompare, kOr, kAnd, kNot, kPipe, kMultiList, kMultiHash, kLiteral, kIdentity, kFunction, kExpref,
};

struct Node {
  N kind = N::kIdentity;
  std::string name;                  // field, function name, comparator, hash key list
  Json value;                        // literal
  std::vector<std::unique_ptr<Node>> kids;
  std::vector<std::string> keys;     // multi-select hash keys
  std::optional<std::int64_t> s0, s1, s2;  // slice / index (s0)
};
using NodeP = std::unique_ptr<Node>;

// A query compiled to its tree, or the parse error in jmespath's ParseError shape.
struct Compiled {
  NodeP root;
  std::optional<QueryError> err;
};
Compiled compile(const std::string& q);

// The value of `root` on `doc`; *err is set on a type error or when kMaxSteps is passed.
Json evaluate(const Node& root, const Json& doc, std::optional<QueryError>* err);

}  // namespace raftlab::cloud::query
