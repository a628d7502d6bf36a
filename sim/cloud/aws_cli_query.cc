// sim/cloud/aws_cli_query.cc — the `--query` JMESPath the AWS CLI applies to a response before
// printing it: lexer, Pratt parser and evaluator for the JMESPath grammar
// (https://jmespath.org/specification.html; binding powers, projection rules and error
// wording as in jmespath.py 1.0, which the CLI bundles: jmespath/lexer.py, parser.py,
// visitor.py, functions.py, exceptions.py).
//
// Covered: identifiers ("quoted" too), sub-expressions, index [0] / [-1], slices [a:b:c],
// wildcard [*] and .*, flatten [], filter [?...] with == != < <= > >= && || ! and parentheses,
// literals 'raw' and `json`, @, multi-select [a, b] and {k: a}, pipe |, and the functions
// listed in kFunctions. Not covered (refused by name at compile time): the other built-in
// functions (abs, avg, ceil, floor, map, merge, to_array...). Parse-error text follows
// jmespath's ParseError shape; the CLI wraps it as "Bad value for --query Q: ..."
// (awscli/customizations/globalargs.py _resolve_query).
//
// Files: this one (the entry points and the CLI's wording), aws_cli_query_parse.cc (lexer,
// parser, kFunctions), aws_cli_query_eval.cc (evaluation and the functions),
// aws_cli_query_internal.h (the tree and the bounds they share).
//
// Must never: recurse without a depth bound, run without a step bound, or throw out of the
// public functions.
#include <optional>
#include <string>

#include "sim/cloud/aws_cli.h"
#include "sim/cloud/aws_cli_query_internal.h"

namespace raftlab::cloud {
namespace {

etcd::Error bad_query(const std::string& q, const std::string& why) {
  // awscli/customizations/globalargs.py _resolve_query: "Bad value for --query %s: %s".
  return etcd::Error{"--query", "Bad value for --query " + q + ": " + why,
                     "write a JMESPath expression such as --query 'AutoScalingGroups[0].Instances[*].InstanceId' "
                     "(raftlab's subset: docs/cloud-aws-cli.md)"};
}

}  // namespace

std::optional<etcd::Error> check_query(const std::string& query) {
  query::Compiled c = query::compile(query);
  if (c.err) return bad_query(query, c.err->message);
  return std::nullopt;
}

etcd::Result<nlohmann::ordered_json> apply_query(const nlohmann::ordered_json& doc, const std::string& query) {
  if (query.empty()) return doc;
  query::Compiled c = query::compile(query);
  if (c.err) return bad_query(query, c.err->message);
  std::optional<query::QueryError> err;
  query::Json out = query::evaluate(*c.root, doc, &err);
  if (err) {
    // A type error surfaces when the CLI formats the response; it prints the message alone.
    return etcd::Error{"--query", err->message, "change the --query expression so each function gets the type it takes"};
  }
  return out;
}

}  // namespace raftlab::cloud
