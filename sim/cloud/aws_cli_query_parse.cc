// sim/cloud/aws_cli_query_parse.cc — the `--query` JMESPath subset's lexer and Pratt parser
// (jmespath/lexer.py, parser.py: binding powers, ParseError wording); the covered grammar
// is listed in aws_cli_query.cc, the tree in aws_cli_query_internal.h.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/cloud/aws_cli_query_internal.h"

namespace raftlab::cloud::query {
namespace {

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

}  // namespace

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

}  // namespace raftlab::cloud::query
