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
// Must never: recurse without a depth bound, run without a step bound, or throw out of the
// public functions.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/cloud/aws_cli.h"

namespace raftlab::cloud {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxQueryBytes = 4096;
constexpr int kMaxDepth = 64;
constexpr std::int64_t kMaxSteps = 2'000'000;

enum class Tok {
  kEof, kDot, kStar, kLbracket, kRbracket, kLbrace, kRbrace, kLparen, kRparen, kComma, kColon,
  kPipe, kOr, kAnd, kNot, kFlatten, kFilter, kEq, kNe, kLt, kLte, kGt, kGte, kCurrent, kExpref,
  kUnquoted, kQuoted, kLiteral, kNumber,
};

const char* tok_name(Tok t) {
  switch (t) {
    case Tok::kEof: return "eof";
    case Tok::kDot: return "dot";
    case Tok::kStar: return "star";
    case Tok::kLbracket: return "lbracket";
    case Tok::kRbracket: return "rbracket";
    case Tok::kLbrace: return "lbrace";
    case Tok::kRbrace: return "rbrace";
    case Tok::kLparen: return "lparen";
    case Tok::kRparen: return "rparen";
    case Tok::kComma: return "comma";
    case Tok::kColon: return "colon";
    case Tok::kPipe: return "pipe";
    case Tok::kOr: return "or";
    case Tok::kAnd: return "and";
    case Tok::kNot: return "not";
    case Tok::kFlatten: return "flatten";
    case Tok::kFilter: return "filter";
    case Tok::kEq: return "eq";
    case Tok::kNe: return "ne";
    case Tok::kLt: return "lt";
    case Tok::kLte: return "lte";
    case Tok::kGt: return "gt";
    case Tok::kGte: return "gte";
    case Tok::kCurrent: return "current";
    case Tok::kExpref: return "expref";
    case Tok::kUnquoted: return "unquoted_identifier";
    case Tok::kQuoted: return "quoted_identifier";
    case Tok::kLiteral: return "literal";
    case Tok::kNumber: return "number";
  }
  return "?";
}

// jmespath/parser.py BINDING_POWER.
int binding_power(Tok t) {
  switch (t) {
    case Tok::kPipe: return 1;
    case Tok::kOr: return 2;
    case Tok::kAnd: return 3;
    case Tok::kEq: case Tok::kNe: case Tok::kLt: case Tok::kLte: case Tok::kGt: case Tok::kGte: return 5;
    case Tok::kFlatten: return 9;
    case Tok::kStar: return 20;
    case Tok::kFilter: return 21;
    case Tok::kDot: return 40;
    case Tok::kNot: return 45;
    case Tok::kLbrace: return 50;
    case Tok::kLbracket: return 55;
    case Tok::kLparen: return 60;
    default: return 0;
  }
}

struct Token {
  Tok type = Tok::kEof;
  std::string text;   // identifier name / raw text
  Json value;         // literal value, number
  std::size_t pos = 0;
};

struct QueryError {
  std::string message;
};

// ---- lexer (jmespath/lexer.py) ----
std::optional<QueryError> lex(const std::string& q, std::vector<Token>& out) {
  std::size_t i = 0;
  auto ident_start = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  auto ident_char = [&](char c) { return ident_start(c) || (c >= '0' && c <= '9'); };
  while (i < q.size()) {
    const char c = q[i];
    Token t;
    t.pos = i;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { ++i; continue; }
    if (ident_start(c)) {
      std::size_t j = i;
      while (j < q.size() && ident_char(q[j])) ++j;
      t.type = Tok::kUnquoted;
      t.text = q.substr(i, j - i);
      i = j;
    } else if ((c >= '0' && c <= '9') || (c == '-' && i + 1 < q.size() && q[i + 1] >= '0' && q[i + 1] <= '9')) {
      std::size_t j = i + 1;
      while (j < q.size() && q[j] >= '0' && q[j] <= '9') ++j;
      t.type = Tok::kNumber;
      t.text = q.substr(i, j - i);
      if (t.text.size() > 18) return QueryError{"Bad jmespath expression: number too large: " + t.text};
      t.value = std::stoll(t.text);
      i = j;
    } else if (c == '"' || c == '\'' || c == '`') {
      std::size_t j = i + 1;
      std::string body;
      bool closed = false;
      while (j < q.size()) {
        if (q[j] == '\\' && j + 1 < q.size()) {
          // Raw strings and literals only unescape their own delimiter; quoted identifiers are JSON.
          if (c != '"' && q[j + 1] == c) { body += c; j += 2; continue; }
          body += q[j];
          body += q[j + 1];
          j += 2;
          continue;
        }
        if (q[j] == c) { closed = true; break; }
        body += q[j++];
      }
      if (!closed) return QueryError{std::string("Bad jmespath expression: Unclosed ") + c + " delimiter"};
      i = j + 1;
      if (c == '\'') {
        t.type = Tok::kLiteral;
        t.value = body;
      } else if (c == '"') {
        t.type = Tok::kQuoted;
        Json s = Json::parse("\"" + body + "\"", nullptr, false);
        if (s.is_discarded() || !s.is_string()) return QueryError{"Bad jmespath expression: Invalid quoted identifier \"" + body + "\""};
        t.text = s.get<std::string>();
      } else {
        t.type = Tok::kLiteral;
        Json v = Json::parse(body, nullptr, false);
        if (v.is_discarded()) return QueryError{"Bad jmespath expression: Bad token `" + body + "`"};
        t.value = std::move(v);
      }
    } else {
      auto two = [&](char next) { return i + 1 < q.size() && q[i + 1] == next; };
      switch (c) {
        case '.': t.type = Tok::kDot; ++i; break;
        case '*': t.type = Tok::kStar; ++i; break;
        case ']': t.type = Tok::kRbracket; ++i; break;
        case '{': t.type = Tok::kLbrace; ++i; break;
        case '}': t.type = Tok::kRbrace; ++i; break;
        case '(': t.type = Tok::kLparen; ++i; break;
        case ')': t.type = Tok::kRparen; ++i; break;
        case ',': t.type = Tok::kComma; ++i; break;
        case ':': t.type = Tok::kColon; ++i; break;
        case '@': t.type = Tok::kCurrent; ++i; break;
        case '[':
          if (two(']')) { t.type = Tok::kFlatten; i += 2; }
          else if (two('?')) { t.type = Tok::kFilter; i += 2; }
          else { t.type = Tok::kLbracket; ++i; }
          break;
        case '|': if (two('|')) { t.type = Tok::kOr; i += 2; } else { t.type = Tok::kPipe; ++i; } break;
        case '&': if (two('&')) { t.type = Tok::kAnd; i += 2; } else { t.type = Tok::kExpref; ++i; } break;
        case '!': if (two('=')) { t.type = Tok::kNe; i += 2; } else { t.type = Tok::kNot; ++i; } break;
        case '<': if (two('=')) { t.type = Tok::kLte; i += 2; } else { t.type = Tok::kLt; ++i; } break;
        case '>': if (two('=')) { t.type = Tok::kGte; i += 2; } else { t.type = Tok::kGt; ++i; } break;
        case '=':
          if (two('=')) { t.type = Tok::kEq; i += 2; break; }
          return QueryError{"Bad jmespath expression: Unknown token '=', did you mean '=='?"};
        default:
          return QueryError{std::string("Bad jmespath expression: Unknown character '") + c + "'"};
      }
    }
    t.text = t.text.empty() ? q.substr(t.pos, i - t.pos) : t.text;
    out.push_back(std::move(t));
  }
  Token eof;
  eof.type = Tok::kEof;
  eof.pos = q.size();
  out.push_back(eof);
  return std::nullopt;
}

// ---- AST ----
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

NodeP make(N k) {
  auto n = std::make_unique<Node>();
  n->kind = k;
  return n;
}
NodeP make2(N k, NodeP a, NodeP b) {
  auto n = make(k);
  n->kids.push_back(std::move(a));
  n->kids.push_back(std::move(b));
  return n;
}

struct FunctionSpec {
  const char* name;
  int min_args;
  int max_args;  // -1 = variadic
};
// The functions the subset evaluates (JMESPath spec "Built-in Functions").
constexpr FunctionSpec kFunctions[] = {
    {"length", 1, 1},   {"contains", 2, 2}, {"starts_with", 2, 2}, {"ends_with", 2, 2},
    {"join", 2, 2},     {"keys", 1, 1},     {"values", 1, 1},      {"sort", 1, 1},
    {"sort_by", 2, 2},  {"max_by", 2, 2},   {"min_by", 2, 2},      {"max", 1, 1},
    {"min", 1, 1},      {"sum", 1, 1},      {"reverse", 1, 1},     {"to_string", 1, 1},
    {"to_number", 1, 1}, {"not_null", 1, -1}, {"type", 1, 1},
};
constexpr const char* kKnownButNotModelled[] = {"abs", "avg", "ceil", "floor", "map", "merge", "to_array"};

class Parser {
 public:
  Parser(const std::string& q, std::vector<Token> toks) : q_(q), toks_(std::move(toks)) {}

  NodeP parse_all() {
    NodeP n = expression(0);
    if (!err_ && cur().type != Tok::kEof) fail("Unexpected token: " + cur().text);
    return n;
  }
  const std::optional<QueryError>& error() const { return err_; }

 private:
  const Token& cur() const { return toks_[std::min(i_, toks_.size() - 1)]; }
  const Token& peek(std::size_t k) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  void advance() { if (i_ + 1 < toks_.size()) ++i_; }

  // jmespath/exceptions.py ParseError.__str__ shape.
  void fail(const std::string& why) {
    if (err_) return;
    const Token& t = cur();
    std::string shown = t.type == Tok::kEof ? "" : t.text;
    err_ = QueryError{why + ": Parse error at column " + std::to_string(t.pos) + ", token \"" + shown + "\" (" +
                      (t.type == Tok::kEof ? std::string("EOF") : std::string(tok_name(t.type))) +
                      "), for expression:\n\"" + q_ + "\"\n" + std::string(t.pos + 1, ' ') + "^"};
  }
  void match(Tok t) {
    if (cur().type == t) { advance(); return; }
    if (cur().type == Tok::kEof) fail("Invalid jmespath expression: Incomplete expression");
    else fail(std::string("Expecting: ") + tok_name(t) + ", got: " + tok_name(cur().type));
  }

  NodeP expression(int bp) {
    if (err_) return make(N::kIdentity);
    if (++depth_ > kMaxDepth) { fail("Expression nested deeper than raftlab's bound of 64"); --depth_; return make(N::kIdentity); }
    Token t = cur();
    advance();
    NodeP left = nud(t);
    while (!err_ && bp < binding_power(cur().type)) {
      Token op = cur();
      advance();
      left = led(op, std::move(left));
    }
    --depth_;
    return left;
  }

  NodeP nud(const Token& t) {
    switch (t.type) {
      case Tok::kLiteral: { auto n = make(N::kLiteral); n->value = t.value; return n; }
      case Tok::kUnquoted: { auto n = make(N::kField); n->name = t.text; return n; }
      case Tok::kQuoted: {
        auto n = make(N::kField);
        n->name = t.text;
        if (cur().type == Tok::kLparen) fail("Quoted identifier not allowed for function names.");
        return n;
      }
      case Tok::kStar: return make2(N::kValueProjection, make(N::kIdentity), projection_rhs(binding_power(Tok::kStar)));
      case Tok::kFilter: return led(t, make(N::kIdentity));
      case Tok::kLbrace: return multi_hash();
      case Tok::kLparen: { NodeP e = expression(0); match(Tok::kRparen); return e; }
      case Tok::kFlatten: {
        auto f = make(N::kFlatten);
        f->kids.push_back(make(N::kIdentity));
        return make2(N::kProjection, std::move(f), projection_rhs(binding_power(Tok::kFlatten)));
      }
      case Tok::kNot: { auto n = make(N::kNot); n->kids.push_back(expression(binding_power(Tok::kNot))); return n; }
      case Tok::kLbracket: {
        if (cur().type == Tok::kNumber || cur().type == Tok::kColon) return project_if_slice(make(N::kIdentity), index_or_slice());
        if (cur().type == Tok::kStar && peek(1).type == Tok::kRbracket) {
          advance();
          advance();
          return make2(N::kProjection, make(N::kIdentity), projection_rhs(binding_power(Tok::kStar)));
        }
        return multi_list();
      }
      case Tok::kCurrent: return make(N::kIdentity);
      case Tok::kExpref: { auto n = make(N::kExpref); n->kids.push_back(expression(binding_power(Tok::kExpref))); return n; }
      case Tok::kEof: {
        i_ = toks_.size() - 1;  // point at eof for the message
        fail("Invalid jmespath expression: Incomplete expression");
        return make(N::kIdentity);
      }
      default:
        i_ = i_ > 0 ? i_ - 1 : 0;
        fail("Unexpected token: " + t.text);
        return make(N::kIdentity);
    }
  }

  NodeP led(const Token& t, NodeP left) {
    switch (t.type) {
      case Tok::kDot:
        if (cur().type != Tok::kStar) return make2(N::kSub, std::move(left), dot_rhs(binding_power(Tok::kDot)));
        advance();
        return make2(N::kValueProjection, std::move(left), projection_rhs(binding_power(Tok::kDot)));
      case Tok::kPipe: return make2(N::kPipe, std::move(left), expression(binding_power(Tok::kPipe)));
      case Tok::kOr: return make2(N::kOr, std::move(left), expression(binding_power(Tok::kOr)));
      case Tok::kAnd: return make2(N::kAnd, std::move(left), expression(binding_power(Tok::kAnd)));
      case Tok::kEq: case Tok::kNe: case Tok::kLt: case Tok::kLte: case Tok::kGt: case Tok::kGte: {
        auto n = make2(N::kCompare, std::move(left), expression(binding_power(t.type)));
        n->name = tok_name(t.type);
        return n;
      }
      case Tok::kFlatten: {
        auto f = make(N::kFlatten);
        f->kids.push_back(std::move(left));
        return make2(N::kProjection, std::move(f), projection_rhs(binding_power(Tok::kFlatten)));
      }
      case Tok::kFilter: {
        NodeP cond = expression(0);
        match(Tok::kRbracket);
        NodeP right = cur().type == Tok::kFlatten ? make(N::kIdentity) : projection_rhs(binding_power(Tok::kFilter));
        auto n = make(N::kFilterProjection);
        n->kids.push_back(std::move(left));
        n->kids.push_back(std::move(right));
        n->kids.push_back(std::move(cond));
        return n;
      }
      case Tok::kLbracket: {
        if (cur().type == Tok::kNumber || cur().type == Tok::kColon) {
          NodeP idx = index_or_slice();
          if (idx->kind == N::kSlice) return project_if_slice(std::move(left), std::move(idx));
          return make2(N::kSub, std::move(left), std::move(idx));
        }
        match(Tok::kStar);
        match(Tok::kRbracket);
        return make2(N::kProjection, std::move(left), projection_rhs(binding_power(Tok::kStar)));
      }
      case Tok::kLparen: {
        if (left->kind != N::kField) { fail("Invalid function name"); return left; }
        auto fn = make(N::kFunction);
        fn->name = left->name;
        while (!err_ && cur().type != Tok::kRparen) {
          fn->kids.push_back(expression(0));
          if (cur().type == Tok::kComma) match(Tok::kComma);
          else if (cur().type != Tok::kRparen) { match(Tok::kRparen); break; }
        }
        match(Tok::kRparen);
        check_function(*fn);
        return fn;
      }
      default:
        fail("Unexpected token: " + t.text);
        return left;
    }
  }

  void check_function(const Node& fn) {
    if (err_) return;
    for (const auto& f : kFunctions) {
      if (fn.name != f.name) continue;
      const int n = static_cast<int>(fn.kids.size());
      if (n < f.min_args || (f.max_args >= 0 && n > f.max_args)) {
        // jmespath/exceptions.py ArityError / VariadictArityError.
        const bool variadic = f.max_args < 0;
        err_ = QueryError{std::string("Expected ") + (variadic ? "at least " : "") + std::to_string(f.min_args) +
                          (f.min_args == 1 ? " argument" : " arguments") + " for function " + f.name +
                          "(), received " + std::to_string(n)};
      }
      return;
    }
    for (const char* k : kKnownButNotModelled) {
      if (fn.name == k) {
        err_ = QueryError{"function " + fn.name + "() is real JMESPath but not in raftlab's --query subset"};
        return;
      }
    }
    err_ = QueryError{"Unknown function: " + fn.name + "()"};  // jmespath/exceptions.py UnknownFunctionError
  }

  NodeP index_or_slice() {
    std::optional<std::int64_t> parts[3];
    int at = 0;
    while (!err_ && cur().type != Tok::kRbracket && at < 3) {
      if (cur().type == Tok::kColon) { ++at; advance(); if (at > 2) { fail("Syntax error, too many colons in slice"); break; } }
      else if (cur().type == Tok::kNumber) { parts[at] = cur().value.get<std::int64_t>(); advance(); }
      else { fail(std::string("Expecting: number, got: ") + tok_name(cur().type)); break; }
    }
    match(Tok::kRbracket);
    if (at == 0) { auto n = make(N::kIndex); n->s0 = parts[0]; return n; }
    if (parts[2] && *parts[2] == 0) fail("Invalid slice expression: step cannot be 0");
    auto n = make(N::kSlice);
    n->s0 = parts[0]; n->s1 = parts[1]; n->s2 = parts[2];
    return n;
  }

  NodeP project_if_slice(NodeP left, NodeP idx) {
    if (idx->kind == N::kSlice) {
      NodeP base = make2(N::kSub, std::move(left), std::move(idx));
      return make2(N::kProjection, std::move(base), projection_rhs(binding_power(Tok::kStar)));
    }
    return make2(N::kSub, std::move(left), std::move(idx));
  }

  NodeP projection_rhs(int bp) {
    if (err_) return make(N::kIdentity);
    if (binding_power(cur().type) < 10) return make(N::kIdentity);  // projection stop
    if (cur().type == Tok::kLbracket || cur().type == Tok::kFilter) return expression(bp);
    if (cur().type == Tok::kDot) { match(Tok::kDot); return dot_rhs(bp); }
    fail("Syntax error");
    return make(N::kIdentity);
  }

  NodeP dot_rhs(int bp) {
    const Tok t = cur().type;
    if (t == Tok::kUnquoted || t == Tok::kQuoted || t == Tok::kStar) return expression(bp);
    if (t == Tok::kLbracket) { match(Tok::kLbracket); return multi_list(); }
    if (t == Tok::kLbrace) { match(Tok::kLbrace); return multi_hash(); }
    if (t == Tok::kEof) fail("Invalid jmespath expression: Incomplete expression");
    else fail(std::string("Expecting: [quoted_identifier, unquoted_identifier, lbracket, lbrace], got: ") + tok_name(t));
    return make(N::kIdentity);
  }

  NodeP multi_list() {
    auto n = make(N::kMultiList);
    while (!err_) {
      n->kids.push_back(expression(0));
      if (cur().type == Tok::kRbracket) break;
      match(Tok::kComma);
    }
    match(Tok::kRbracket);
    return n;
  }

  NodeP multi_hash() {
    auto n = make(N::kMultiHash);
    while (!err_) {
      if (cur().type != Tok::kUnquoted && cur().type != Tok::kQuoted) {
        fail(std::string("Expecting: [quoted_identifier, unquoted_identifier], got: ") + tok_name(cur().type));
        break;
      }
      n->keys.push_back(cur().text);
      advance();
      match(Tok::kColon);
      n->kids.push_back(expression(0));
      if (cur().type == Tok::kComma) { match(Tok::kComma); continue; }
      if (cur().type == Tok::kRbrace) { match(Tok::kRbrace); break; }
      match(Tok::kRbrace);
      break;
    }
    return n;
  }

  const std::string& q_;
  std::vector<Token> toks_;
  std::size_t i_ = 0;
  int depth_ = 0;
  std::optional<QueryError> err_;
};

// ---- evaluation (jmespath/visitor.py TreeInterpreter) ----
const char* json_type(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

bool truthy(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  if (v.is_array() || v.is_object()) return !v.empty();
  return true;
}

bool deep_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) if (!deep_equal(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto jt = b.find(it.key());
      if (jt == b.end() || !deep_equal(it.value(), *jt)) return false;
    }
    return true;
  }
  return a == b;
}

// jmespath/functions.py: to_string uses json.dumps(separators=(',', ':')).
std::string compact(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

class Evaluator {
 public:
  std::optional<QueryError> err;

  Json eval(const Node& n, const Json& cur) {
    if (err) return nullptr;
    if (++steps_ > kMaxSteps) { err = QueryError{"query needs more than raftlab's bound of 2000000 steps"}; return nullptr; }
    switch (n.kind) {
      case N::kIdentity: return cur;
      case N::kLiteral: return n.value;
      case N::kField: {
        if (!cur.is_object()) return nullptr;
        auto it = cur.find(n.name);
        return it == cur.end() ? Json(nullptr) : *it;
      }
      case N::kSub: return eval(*n.kids[1], eval(*n.kids[0], cur));
      case N::kPipe: return eval(*n.kids[1], eval(*n.kids[0], cur));
      case N::kIndex: {
        if (!cur.is_array()) return nullptr;
        std::int64_t i = *n.s0;
        const auto size = static_cast<std::int64_t>(cur.size());
        if (i < 0) i += size;
        if (i < 0 || i >= size) return nullptr;
        return cur[static_cast<std::size_t>(i)];
      }
      case N::kSlice: return slice(n, cur);
      case N::kProjection: {
        Json base = eval(*n.kids[0], cur);
        if (!base.is_array()) return nullptr;
        Json out = Json::array();
        for (const auto& e : base) {
          Json r = eval(*n.kids[1], e);
          if (!r.is_null()) out.push_back(std::move(r));
        }
        return out;
      }
      case N::kValueProjection: {
        Json base = eval(*n.kids[0], cur);
        if (!base.is_object()) return nullptr;
        Json out = Json::array();
        for (const auto& [k, e] : base.items()) {
          (void)k;
          Json r = eval(*n.kids[1], e);
          if (!r.is_null()) out.push_back(std::move(r));
        }
        return out;
      }
      case N::kFlatten: {
        Json base = eval(*n.kids[0], cur);
        if (!base.is_array()) return nullptr;
        Json out = Json::array();
        for (const auto& e : base) {
          if (e.is_array()) for (const auto& x : e) out.push_back(x);
          else out.push_back(e);
        }
        return out;
      }
      case N::kFilterProjection: {
        Json base = eval(*n.kids[0], cur);
        if (!base.is_array()) return nullptr;
        Json out = Json::array();
        for (const auto& e : base) {
          if (!truthy(eval(*n.kids[2], e))) continue;
          Json r = eval(*n.kids[1], e);
          if (!r.is_null()) out.push_back(std::move(r));
        }
        return out;
      }
      case N::kCompare: {
        Json a = eval(*n.kids[0], cur), b = eval(*n.kids[1], cur);
        if (n.name == std::string("eq")) return deep_equal(a, b);
        if (n.name == std::string("ne")) return !deep_equal(a, b);
        if (!a.is_number() || !b.is_number() || a.is_boolean() || b.is_boolean()) return nullptr;
        const double x = a.get<double>(), y = b.get<double>();
        if (n.name == std::string("lt")) return x < y;
        if (n.name == std::string("lte")) return x <= y;
        if (n.name == std::string("gt")) return x > y;
        return x >= y;
      }
      case N::kOr: { Json a = eval(*n.kids[0], cur); return truthy(a) ? a : eval(*n.kids[1], cur); }
      case N::kAnd: { Json a = eval(*n.kids[0], cur); return truthy(a) ? eval(*n.kids[1], cur) : a; }
      case N::kNot: return !truthy(eval(*n.kids[0], cur));
      case N::kMultiList: {
        if (cur.is_null()) return nullptr;
        Json out = Json::array();
        for (const auto& k : n.kids) out.push_back(eval(*k, cur));
        return out;
      }
      case N::kMultiHash: {
        if (cur.is_null()) return nullptr;
        Json out = Json::object();
        for (std::size_t i = 0; i < n.kids.size(); ++i) out[n.keys[i]] = eval(*n.kids[i], cur);
        return out;
      }
      case N::kExpref: return nullptr;  // only meaningful as a function argument
      case N::kFunction: return call(n, cur);
    }
    return nullptr;
  }

 private:
  Json slice(const Node& n, const Json& cur) {
    if (!cur.is_array() && !cur.is_string()) return nullptr;
    const std::int64_t len = cur.is_array() ? static_cast<std::int64_t>(cur.size())
                                             : static_cast<std::int64_t>(cur.get_ref<const std::string&>().size());
    const std::int64_t step = n.s2.value_or(1);
    auto cap = [&](std::int64_t v, bool is_start) {
      if (v < 0) { v += len; if (v < 0) v = step < 0 ? -1 : 0; }
      else if (v >= len) v = step < 0 ? len - 1 : len;
      (void)is_start;
      return v;
    };
    std::int64_t start = n.s0 ? cap(*n.s0, true) : (step < 0 ? len - 1 : 0);
    std::int64_t stop = n.s1 ? cap(*n.s1, false) : (step < 0 ? -1 : len);
    if (cur.is_string()) {
      std::string s, src = cur.get<std::string>();
      for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) s += src[static_cast<std::size_t>(i)];
      return s;
    }
    Json out = Json::array();
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(cur[static_cast<std::size_t>(i)]);
    return out;
  }

  void type_error(const std::string& fn, const Json& v, const std::string& expected) {
    // jmespath/exceptions.py JMESPathTypeError.
    if (!err) err = QueryError{"In function " + fn + "(), invalid type for value: " + compact(v) +
                               ", expected one of: " + expected + ", received: \"" + json_type(v) + "\""};
  }

  Json key_of(const Node& expref, const Json& e, const std::string& fn) {
    Json k = eval(*expref.kids[0], e);
    if (!k.is_string() && !(k.is_number() && !k.is_boolean())) type_error(fn, k, "['number', 'string']");
    return k;
  }

  static bool less(const Json& a, const Json& b) {
    if (a.is_string()) return a.get_ref<const std::string&>() < b.get_ref<const std::string&>();
    return a.get<double>() < b.get<double>();
  }

  Json call(const Node& n, const Json& cur) {
    const std::string& f = n.name;
    auto expref_arg = [&](std::size_t i) -> const Node* {
      if (n.kids[i]->kind != N::kExpref) { type_error(f, eval(*n.kids[i], cur), "['expref']"); return nullptr; }
      return n.kids[i].get();
    };
    if (f == "sort_by" || f == "max_by" || f == "min_by") {
      Json arr = eval(*n.kids[0], cur);
      const Node* ex = expref_arg(1);
      if (err || !ex) return nullptr;
      if (!arr.is_array()) { type_error(f, arr, "['array']"); return nullptr; }
      std::vector<std::pair<Json, Json>> keyed;
      for (const auto& e : arr) keyed.emplace_back(key_of(*ex, e, f), e);
      if (err) return nullptr;
      for (const auto& kv : keyed)
        if (std::string(json_type(kv.first)) != json_type(keyed.front().first)) { type_error(f, kv.first, "['" + std::string(json_type(keyed.front().first)) + "']"); return nullptr; }
      if (f == "sort_by") {
        std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return less(a.first, b.first); });
        Json out = Json::array();
        for (auto& kv : keyed) out.push_back(std::move(kv.second));
        return out;
      }
      if (keyed.empty()) return nullptr;
      std::size_t best = 0;
      for (std::size_t i = 1; i < keyed.size(); ++i) {
        const bool better = f == "max_by" ? less(keyed[best].first, keyed[i].first) : less(keyed[i].first, keyed[best].first);
        if (better) best = i;
      }
      return keyed[best].second;
    }
    std::vector<Json> a;
    for (const auto& k : n.kids) a.push_back(eval(*k, cur));
    if (err) return nullptr;
    if (f == "length") {
      if (a[0].is_string()) {
        std::size_t cps = 0;  // code points, as Python's len()
        for (unsigned char c : a[0].get_ref<const std::string&>()) cps += (c & 0xC0) != 0x80;
        return cps;
      }
      if (a[0].is_array() || a[0].is_object()) return a[0].size();
      type_error(f, a[0], "['string', 'array', 'object']");
      return nullptr;
    }
    if (f == "contains") {
      if (a[0].is_string()) {
        if (!a[1].is_string()) return false;
        return a[0].get_ref<const std::string&>().find(a[1].get_ref<const std::string&>()) != std::string::npos;
      }
      if (!a[0].is_array()) { type_error(f, a[0], "['array', 'string']"); return nullptr; }
      for (const auto& e : a[0]) if (deep_equal(e, a[1])) return true;
      return false;
    }
    if (f == "starts_with" || f == "ends_with") {
      for (const auto& x : a) if (!x.is_string()) { type_error(f, x, "['string']"); return nullptr; }
      const auto& s = a[0].get_ref<const std::string&>();
      const auto& p = a[1].get_ref<const std::string&>();
      if (p.size() > s.size()) return false;
      return f == "starts_with" ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0;
    }
    if (f == "join") {
      if (!a[0].is_string()) { type_error(f, a[0], "['string']"); return nullptr; }
      if (!a[1].is_array()) { type_error(f, a[1], "['array-string']"); return nullptr; }
      std::string out;
      for (std::size_t i = 0; i < a[1].size(); ++i) {
        if (!a[1][i].is_string()) { type_error(f, a[1], "['array-string']"); return nullptr; }
        if (i) out += a[0].get_ref<const std::string&>();
        out += a[1][i].get_ref<const std::string&>();
      }
      return out;
    }
    if (f == "keys" || f == "values") {
      if (!a[0].is_object()) { type_error(f, a[0], "['object']"); return nullptr; }
      Json out = Json::array();
      for (const auto& [k, v] : a[0].items()) {
        if (f == "keys") out.push_back(k);
        else out.push_back(v);
      }
      return out;
    }
    if (f == "sort" || f == "max" || f == "min" || f == "sum") {
      if (!a[0].is_array()) { type_error(f, a[0], "['array-number', 'array-string']"); return nullptr; }
      std::vector<Json> v(a[0].begin(), a[0].end());
      const bool strings = !v.empty() && v.front().is_string();
      for (const auto& e : v)
        if ((strings && !e.is_string()) || (!strings && (!e.is_number() || e.is_boolean())) || (f == "sum" && strings)) {
          type_error(f, a[0], f == "sum" ? "['array-number']" : "['array-number', 'array-string']");
          return nullptr;
        }
      if (f == "sum") {
        bool all_int = true;
        std::int64_t isum = 0;
        double dsum = 0;
        for (const auto& e : v) { all_int = all_int && e.is_number_integer(); dsum += e.get<double>(); if (e.is_number_integer()) isum += e.get<std::int64_t>(); }
        return all_int ? Json(isum) : Json(dsum);
      }
      std::stable_sort(v.begin(), v.end(), less);
      if (f == "sort") return Json(v);
      if (v.empty()) return nullptr;
      return f == "max" ? v.back() : v.front();
    }
    if (f == "reverse") {
      if (a[0].is_string()) { std::string s = a[0].get<std::string>(); std::reverse(s.begin(), s.end()); return s; }
      if (!a[0].is_array()) { type_error(f, a[0], "['array', 'string']"); return nullptr; }
      Json out = Json::array();
      for (std::size_t i = a[0].size(); i-- > 0;) out.push_back(a[0][i]);
      return out;
    }
    if (f == "to_string") return a[0].is_string() ? a[0] : Json(compact(a[0]));
    if (f == "to_number") {
      if (a[0].is_number() && !a[0].is_boolean()) return a[0];
      if (!a[0].is_string()) return nullptr;
      Json v = Json::parse(a[0].get<std::string>(), nullptr, false);
      return v.is_number() ? v : Json(nullptr);
    }
    if (f == "not_null") {
      for (const auto& x : a) if (!x.is_null()) return x;
      return nullptr;
    }
    if (f == "type") return json_type(a[0]);
    return nullptr;
  }

  std::int64_t steps_ = 0;
};

struct Compiled {
  NodeP root;
  std::optional<QueryError> err;
};

Compiled compile(const std::string& q) {
  Compiled c;
  if (q.size() > kMaxQueryBytes) { c.err = QueryError{"query longer than raftlab's bound of 4096 bytes"}; return c; }
  std::vector<Token> toks;
  if (auto e = lex(q, toks)) { c.err = e; return c; }
  Parser p(q, std::move(toks));
  c.root = p.parse_all();
  c.err = p.error();
  return c;
}

etcd::Error bad_query(const std::string& q, const std::string& why) {
  // awscli/customizations/globalargs.py _resolve_query: "Bad value for --query %s: %s".
  return etcd::Error{"--query", "Bad value for --query " + q + ": " + why,
                     "write a JMESPath expression such as --query 'AutoScalingGroups[0].Instances[*].InstanceId' "
                     "(raftlab's subset: docs/cloud-aws-cli.md)"};
}

}  // namespace

std::optional<etcd::Error> check_query(const std::string& query) {
  Compiled c = compile(query);
  if (c.err) return bad_query(query, c.err->message);
  return std::nullopt;
}

etcd::Result<nlohmann::ordered_json> apply_query(const nlohmann::ordered_json& doc, const std::string& query) {
  if (query.empty()) return doc;
  Compiled c = compile(query);
  if (c.err) return bad_query(query, c.err->message);
  Evaluator ev;
  Json out = ev.eval(*c.root, doc);
  if (ev.err) {
    // A type error surfaces when the CLI formats the response; it prints the message alone.
    return etcd::Error{"--query", ev.err->message, "change the --query expression so each function gets the type it takes"};
  }
  return out;
}

}  // namespace raftlab::cloud
