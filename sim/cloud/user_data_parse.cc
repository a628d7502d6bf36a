// sim/cloud/user_data_parse.cc — user data text -> Node tree (see user_data.h for the
// subset). Tokens follow bash(1) DEFINITIONS (metacharacters: space tab newline ; & | < > ( ))
// and QUOTING; the grammar is bash(1) SHELL GRAMMAR restricted to lists, pipelines, simple
// commands, if/for/while/until and [[ ]]. Every construct outside the subset is refused with
// the line it starts on; every literal command name is checked against the subset.
//
// Must never: run or expand anything for real (words are checked with empty values only),
// recurse deeper than kNestingMax, accept a script longer than kScriptBytesMax.
#include <algorithm>
#include <functional>

#include "sim/cloud/user_data_ast.h"
#include "sim/etcd/shell.h"

namespace raftlab::cloud {
namespace {

using etcd::Error;
using etcd::Result;

struct ParseFail {
  int line;
  std::string what;
  std::string fix;
};

struct Tok {
  enum T { kWord, kOp, kNewline, kRedir, kEnd } t = kEnd;
  std::string text;  // kOp / kRedir: the operator
  int line = 0;
  Word word;         // kWord
  Redir redir;       // kRedir (heredoc: body already read)
};

bool is_meta(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' ||
         c == ')';
}
bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

const std::set<std::string>& reserved() {
  static const std::set<std::string> r{"if", "then", "elif", "else", "fi", "for", "in", "do", "done", "while",
                                       "until", "case", "esac", "function", "select", "{", "}", "[[", "]]", "!",
                                       "time", "coproc"};
  return r;
}

class Parser {
 public:
  Parser(std::string_view text, const std::set<std::string>& external, int first_line, int depth)
      : text_(text), external_(external), first_line_(first_line), depth_(depth) {
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') newlines_.push_back(i);
  }
  std::shared_ptr<const Node> parse();  // throws ParseFail

 private:
  int line_at(size_t pos) const {
    return first_line_ + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), pos) - newlines_.begin());
  }
  [[noreturn]] void fail(int line, std::string what, std::string fix = "") const { throw ParseFail{line, std::move(what), std::move(fix)}; }
  // ---- lexer
  void lex();
  size_t scan_word(size_t pos, Word& w);  // returns one past the word
  std::shared_ptr<const Node> parse_sub(std::string_view inner, size_t at);
  void read_heredocs(size_t& pos);
  // ---- grammar
  const Tok& peek() const { return toks_[k_]; }
  Tok take() { return toks_[k_++]; }
  bool peek_word(std::string_view w) const { return peek().t == Tok::kWord && peek().word.raw == w; }
  bool peek_op(std::string_view o) const { return peek().t == Tok::kOp && peek().text == o; }
  void skip_newlines() {
    while (peek().t == Tok::kNewline) ++k_;
  }
  void expect_word(std::string_view w, int line) {
    skip_newlines();
    if (!peek_word(w)) {
      fail(peek().t == Tok::kEnd ? line : peek().line,
           "syntax error: expected `" + std::string(w) + "'" + (peek().t == Tok::kEnd ? " before the end of the script"
                                                                                         : " near `" + tok_text(peek()) + "'"),
           "close the construct started at line " + std::to_string(line));
    }
    ++k_;
  }
  static std::string tok_text(const Tok& t) { return t.t == Tok::kWord ? t.word.raw : t.t == Tok::kNewline ? "newline" : t.text; }
  std::shared_ptr<Node> list(const std::set<std::string>& stop);
  std::shared_ptr<Node> and_or();
  std::shared_ptr<Node> pipeline();
  std::shared_ptr<Node> command();
  std::shared_ptr<Node> simple();
  std::shared_ptr<Node> test_cmd();
  void nest(int line) {
    if (++nesting_ + depth_ > kNestingMax)
      fail(line, "nesting deeper than " + std::to_string(kNestingMax) + " (compound commands and $(...))",
           "flatten the script");
  }
  void check_word(const Word& w) const;
  void check_command(const Node& n) const;

  std::string_view text_;
  const std::set<std::string>& external_;
  int first_line_;
  int depth_;
  int nesting_ = 0;
  int loops_ = 0;
  std::vector<size_t> newlines_;
  std::vector<Tok> toks_;
  size_t k_ = 0;
  std::vector<size_t> pending_heredocs_;  // indexes into toks_
};

std::shared_ptr<const Node> Parser::parse_sub(std::string_view inner, size_t at) {
  if (depth_ + nesting_ + 1 > kNestingMax)
    fail(line_at(at), "nesting deeper than " + std::to_string(kNestingMax) + " (compound commands and $(...))",
         "flatten the script");
  Parser p(inner, external_, line_at(at), depth_ + nesting_ + 1);
  p.loops_ = 0;
  return p.parse();
}

size_t Parser::scan_word(size_t pos, Word& w) {
  const size_t start = pos;
  auto sub_dollar = [&](size_t i) -> size_t {  // i at '$', text_[i+1] == '('
    if (i + 2 < text_.size() && text_[i + 2] == '(') {
      const size_t e = etcd::shell_arith_end(text_, i);
      if (e == std::string_view::npos) fail(line_at(i), "unexpected EOF while looking for matching `))'", "close the $((...))");
      return e;
    }
    const size_t e = etcd::shell_substitution_end(text_, i);
    if (e == std::string_view::npos) fail(line_at(i), "unexpected EOF while looking for matching `)'", "close the $(...)");
    w.subs.push_back(parse_sub(text_.substr(i + 2, e - i - 3), i + 2));
    return e;
  };
  auto sub_backtick = [&](size_t i) -> size_t {
    const size_t e = etcd::shell_backtick_end(text_, i);
    if (e == std::string_view::npos) fail(line_at(i), "unexpected EOF while looking for matching ``'", "close the `...`");
    // bash(1) Command Substitution: inside backquotes a backslash keeps its meaning
    // only before $ ` and \.
    std::string inner;
    std::string_view body = text_.substr(i + 1, e - i - 2);
    for (size_t j = 0; j < body.size(); ++j) {
      if (body[j] == '\\' && j + 1 < body.size() && (body[j + 1] == '$' || body[j + 1] == '`' || body[j + 1] == '\\')) ++j;
      inner += body[j];
    }
    w.subs.push_back(parse_sub(inner, i + 1));
    return e;
  };
  auto brace = [&](size_t i) -> size_t {
    const size_t e = text_.find('}', i);
    if (e == std::string_view::npos) fail(line_at(i), "bad substitution: missing '}'", "close the ${...} expansion");
    return e + 1;
  };
  while (pos < text_.size() && !is_meta(text_[pos])) {
    const char c = text_[pos];
    if (c == '\\') {
      w.quoted = true;
      pos += 2;
    } else if (c == '\'') {
      w.quoted = true;
      const size_t e = text_.find('\'', pos + 1);
      if (e == std::string_view::npos) fail(line_at(pos), "unexpected EOF while looking for matching `''", "close the single quote");
      pos = e + 1;
    } else if (c == '"') {
      w.quoted = true;
      const size_t open = pos++;
      while (pos < text_.size() && text_[pos] != '"') {
        if (text_[pos] == '\\') pos += 2;
        else if (text_[pos] == '$' && pos + 1 < text_.size() && text_[pos + 1] == '(') pos = sub_dollar(pos);
        else if (text_[pos] == '$' && pos + 1 < text_.size() && text_[pos + 1] == '{') pos = brace(pos);
        else if (text_[pos] == '`') pos = sub_backtick(pos);
        else ++pos;
      }
      if (pos >= text_.size()) fail(line_at(open), "unexpected EOF while looking for matching `\"'", "close the double quote");
      ++pos;
    } else if (c == '$' && pos + 1 < text_.size() && text_[pos + 1] == '(') {
      pos = sub_dollar(pos);
    } else if (c == '$' && pos + 1 < text_.size() && text_[pos + 1] == '{') {
      pos = brace(pos);
    } else if (c == '$' && pos + 1 < text_.size() && text_[pos + 1] == '\'') {
      fail(line_at(pos), "ANSI-C quoting $'...' is not in the user-data subset", "use '...' or \"...\" quotes");
    } else if (c == '`') {
      pos = sub_backtick(pos);
    } else {
      ++pos;
    }
  }
  pos = std::min(pos, text_.size());
  w.raw = std::string(text_.substr(start, pos - start));
  w.line = line_at(start);
  return pos;
}

void Parser::read_heredocs(size_t& pos) {
  // bash(1) Here Documents: the body starts after the newline that ends the command
  // line; <<- strips leading tabs; a quoted delimiter means no expansion.
  for (size_t ti : pending_heredocs_) {
    Tok& t = toks_[ti];
    const bool strip = t.text == "<<-";
    const std::string delim = t.redir.target.raw;
    std::string body;
    bool found = false;
    while (pos < text_.size()) {
      size_t e = text_.find('\n', pos);
      if (e == std::string_view::npos) e = text_.size();
      std::string_view ln = text_.substr(pos, e - pos);
      if (strip) {
        while (!ln.empty() && ln[0] == '\t') ln.remove_prefix(1);
      }
      pos = std::min(e + 1, text_.size());
      if (ln == delim) {
        found = true;
        break;
      }
      body += ln;
      body += '\n';
    }
    if (!found)
      fail(t.line, "here-document at line " + std::to_string(t.line) + " delimited by end-of-file (wanted `" + delim + "')",
           "end the here-document with a line holding only " + delim);
    t.redir.target.quoted = !t.redir.expand;
    if (!t.redir.expand) {
      t.redir.target.raw = body;
      continue;
    }
    // Store an expanding body as one double-quoted word: the two differ only in '"'
    // (literal in a heredoc) and '\"' (kept as two characters in a heredoc). $(...),
    // `...` and ${...} are copied unchanged.
    std::string q = "\"";
    for (size_t i = 0; i < body.size(); ++i) {
      const char c = body[i];
      if (c == '\\' && i + 1 < body.size()) {
        if (body[i + 1] == '"') q += "\\\\\\\"";
        else q += body.substr(i, 2);
        ++i;
      } else if (c == '"') {
        q += "\\\"";
      } else if (c == '$' && i + 1 < body.size() && (body[i + 1] == '(' || body[i + 1] == '{')) {
        size_t e = body[i + 1] == '{' ? body.find('}', i) : (i + 2 < body.size() && body[i + 2] == '(')
                                                                 ? etcd::shell_arith_end(body, i)
                                                                 : etcd::shell_substitution_end(body, i);
        if (e == std::string::npos) fail(t.line, "unterminated expansion in the here-document", "close it");
        if (body[i + 1] == '{') ++e;
        q += body.substr(i, e - i);
        i = e - 1;
      } else if (c == '`') {
        const size_t e = etcd::shell_backtick_end(body, i);
        if (e == std::string::npos) fail(t.line, "unterminated `...` in the here-document", "close it");
        q += body.substr(i, e - i);
        i = e - 1;
      } else {
        q += c;
      }
    }
    q += '"';
    Parser sub(q, external_, t.line + 1, depth_ + 1);
    Word w;
    sub.scan_word(0, w);
    w.raw = q;
    w.line = t.line + 1;
    w.quoted = true;
    t.redir.target = std::move(w);
  }
  pending_heredocs_.clear();
}

void Parser::lex() {
  size_t pos = 0;
  while (pos < text_.size()) {
    const char c = text_[pos];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++pos;
      continue;
    }
    if (c == '\\' && pos + 1 < text_.size() && text_[pos + 1] == '\n') {
      pos += 2;
      continue;
    }
    if (c == '#') {
      while (pos < text_.size() && text_[pos] != '\n') ++pos;
      continue;
    }
    Tok t;
    t.line = line_at(pos);
    if (c == '\n') {
      t.t = Tok::kNewline;
      ++pos;
      toks_.push_back(std::move(t));
      read_heredocs(pos);
      continue;
    }
    auto op2 = [&](std::string_view s) { return text_.substr(pos, s.size()) == s; };
    int fd = -1;
    if (c >= '0' && c <= '9' && pos + 1 < text_.size() && (text_[pos + 1] == '<' || text_[pos + 1] == '>')) {
      fd = c - '0';
      ++pos;
    }
    if (text_[pos] == '<' || text_[pos] == '>' || op2("&>")) {
      t.t = Tok::kRedir;
      Redir& r = t.redir;
      if (op2("<(") || op2(">(")) fail(t.line, "process substitution <(...) is not in the user-data subset", "write to a file first");
      if (op2("&>>") || op2("&>")) {
        fail(t.line, "`&>` is not in the user-data subset", "write `> FILE 2>&1`");
      } else if (op2("<<<")) {
        t.text = "<<<", r.kind = Redir::kHereString, r.fd = 0;
      } else if (op2("<<-") || op2("<<")) {
        t.text = op2("<<-") ? "<<-" : "<<";
        r.kind = Redir::kHeredoc, r.fd = 0;
      } else if (op2(">>")) {
        t.text = ">>", r.kind = Redir::kAppend, r.fd = 1;
      } else if (op2(">&") || op2("<&")) {
        t.text = text_.substr(pos, 2);
        r.kind = Redir::kDup, r.fd = text_[pos] == '<' ? 0 : 1;
        if (pos + 2 < text_.size() && (text_[pos + 2] == '1' || text_[pos + 2] == '2') &&
            (pos + 3 >= text_.size() || is_meta(text_[pos + 3]))) {
          r.dup_to = text_[pos + 2] - '0';
          pos += 1;
        } else {
          fail(t.line, "`" + t.text + "` must be followed by 1 or 2 here", "write 2>&1 or >&2");
        }
      } else if (op2(">|") || op2("<>")) {
        fail(t.line, "`" + std::string(text_.substr(pos, 2)) + "` is not in the user-data subset", "use > or <");
      } else if (text_[pos] == '>') {
        t.text = ">", r.kind = Redir::kOut, r.fd = 1;
      } else {
        t.text = "<", r.kind = Redir::kIn, r.fd = 0;
      }
      if (fd >= 0) {
        if (fd > 2) fail(t.line, "file descriptor " + std::to_string(fd) + " is not in the user-data subset", "use 0, 1 or 2");
        r.fd = fd;
      }
      pos += t.text.size();
      if (r.kind == Redir::kHeredoc) {
        while (pos < text_.size() && (text_[pos] == ' ' || text_[pos] == '\t')) ++pos;
        Word d;
        pos = scan_word(pos, d);
        if (d.raw.empty()) fail(t.line, "syntax error: `" + t.text + "` without a delimiter word", "write <<EOF");
        std::string plain;
        for (char x : d.raw)
          if (x != '\'' && x != '"' && x != '\\') plain += x;
        r.expand = !d.quoted;
        r.target.raw = plain;
        pending_heredocs_.push_back(toks_.size());
      }
      toks_.push_back(std::move(t));
      continue;
    }
    if (fd >= 0) --pos;  // a digit word, not an io number
    static const char* const kOps[] = {"&&", "||", ";;", "|&", ";", "&", "|", "(", ")"};
    bool matched = false;
    for (const char* o : kOps) {
      if (op2(o)) {
        t.t = Tok::kOp;
        t.text = o;
        if (t.text == "|&") fail(t.line, "`|&` is not in the user-data subset", "write `2>&1 |`");
        pos += t.text.size();
        matched = true;
        break;
      }
    }
    if (!matched) {
      t.t = Tok::kWord;
      pos = scan_word(pos, t.word);
    }
    toks_.push_back(std::move(t));
  }
  Tok nl;
  nl.t = Tok::kNewline;
  nl.line = line_at(text_.size());
  toks_.push_back(nl);
  if (!pending_heredocs_.empty()) read_heredocs(pos);
  Tok end;
  end.line = nl.line;
  toks_.push_back(end);
}

std::shared_ptr<const Node> Parser::parse() {
  lex();
  auto root = list({});
  skip_newlines();
  if (peek().t != Tok::kEnd) fail(peek().line, "syntax error near unexpected token `" + tok_text(peek()) + "'", "remove it");
  return root;
}

std::shared_ptr<Node> Parser::list(const std::set<std::string>& stop) {
  auto n = std::make_shared<Node>();
  n->kind = Node::kList;
  n->line = peek().line;
  for (;;) {
    while (peek().t == Tok::kNewline || peek_op(";")) {
      if (peek_op(";")) fail(peek().line, "syntax error near unexpected token `;'", "remove the extra ';'");
      ++k_;
    }
    if (peek().t == Tok::kEnd || peek_op(")")) return n;
    if (peek().t == Tok::kWord && stop.count(peek().word.raw)) return n;
    auto ao = and_or();
    if (peek_op("&")) {
      const bool one_simple = ao->kids.size() == 1 && ao->kids[0]->kids.size() == 1 && !ao->kids[0]->negate &&
                              ao->kids[0]->kids[0]->kind == Node::kSimple;
      if (!one_simple)
        fail(ao->line, "`&` after a pipeline, a list or a compound command is not in the user-data subset",
             "put one command before `&` (e.g. `nohup etcd ... &` or `docker run -d ...`)");
      ao->background = true;
      ++k_;
    } else if (peek_op(";")) {
      ++k_;
    } else if (peek().t != Tok::kNewline && peek().t != Tok::kEnd && !(peek().t == Tok::kWord && stop.count(peek().word.raw))) {
      fail(peek().line, "syntax error near unexpected token `" + tok_text(peek()) + "'", "put ';' or a newline before it");
    }
    n->kids.push_back(std::move(ao));
  }
}

std::shared_ptr<Node> Parser::and_or() {
  auto n = std::make_shared<Node>();
  n->kind = Node::kAndOr;
  n->line = peek().line;
  n->kids.push_back(pipeline());
  while (peek_op("&&") || peek_op("||")) {
    n->ops.push_back(take().text == "&&");
    skip_newlines();
    n->kids.push_back(pipeline());
  }
  return n;
}

std::shared_ptr<Node> Parser::pipeline() {
  auto n = std::make_shared<Node>();
  n->kind = Node::kPipeline;
  n->line = peek().line;
  if (peek_word("!")) {
    n->negate = true;
    ++k_;
  }
  n->kids.push_back(command());
  while (peek_op("|")) {
    ++k_;
    skip_newlines();
    n->kids.push_back(command());
  }
  if (n->kids.size() > 1 || n->negate) {
    for (const auto& s : n->kids)
      if (s->kind != Node::kSimple && s->kind != Node::kTest)
        fail(s->line, "a compound command (if/for/while/until) inside a pipeline or after '!' is not in the user-data subset",
             "write the loop's output to a file first, then filter the file");
  }
  return n;
}

std::shared_ptr<Node> Parser::command() {
  const Tok& t = peek();
  const int line = t.line;
  if (t.t == Tok::kOp && t.text == "(") {
    if (k_ + 1 < toks_.size() && toks_[k_ + 1].t == Tok::kOp && toks_[k_ + 1].text == "(")
      fail(line, "arithmetic command ((...)) is not in the user-data subset", "use [ \"$N\" -gt 3 ] or N=$((N + 1))");
    fail(line, "subshells ( ... ) are not in the user-data subset", "run the commands without the parentheses");
  }
  if (t.t == Tok::kOp || t.t == Tok::kEnd || t.t == Tok::kNewline)
    fail(line, "syntax error near unexpected token `" + tok_text(t) + "'", "put a command there");
  if (t.t == Tok::kWord) {
    const std::string& w = t.word.raw;
    if (w == "case") fail(line, "`case ... esac` is not in the user-data subset", "use if / elif with [[ $x == pattern ]]");
    if (w == "function" || (k_ + 1 < toks_.size() && toks_[k_ + 1].t == Tok::kOp && toks_[k_ + 1].text == "(" && is_name_start(w[0]) &&
                                                w.find('=') == std::string::npos))
      fail(line, "function definitions are not in the user-data subset", "write the commands inline");
    if (w == "{" || w == "}") fail(line, "brace groups { ...; } are not in the user-data subset", "write the commands without braces");
    if (w == "select" || w == "time" || w == "coproc") fail(line, "`" + w + "` is not in the user-data subset", "remove it");
    if (w == "[[") return test_cmd();
    if (w == "if") {
      ++k_;
      nest(line);
      auto n = std::make_shared<Node>();
      n->kind = Node::kIf;
      n->line = line;
      for (;;) {
        n->kids.push_back(list({"then"}));
        expect_word("then", line);
        n->kids.push_back(list({"elif", "else", "fi"}));
        skip_newlines();
        if (peek_word("elif")) {
          ++k_;
          continue;
        }
        if (peek_word("else")) {
          ++k_;
          n->has_else = true;
          n->kids.push_back(list({"fi"}));
        }
        expect_word("fi", line);
        break;
      }
      --nesting_;
      return n;
    }
    if (w == "while" || w == "until") {
      ++k_;
      nest(line);
      auto n = std::make_shared<Node>();
      n->kind = w == "while" ? Node::kWhile : Node::kUntil;
      n->line = line;
      n->kids.push_back(list({"do"}));
      expect_word("do", line);
      ++loops_;
      n->kids.push_back(list({"done"}));
      --loops_;
      expect_word("done", line);
      --nesting_;
      return n;
    }
    if (w == "for") {
      ++k_;
      nest(line);
      auto n = std::make_shared<Node>();
      n->kind = Node::kFor;
      n->line = line;
      if (peek_op("(")) fail(line, "arithmetic for (( ; ; )) is not in the user-data subset", "use for X in WORDS");
      if (peek().t != Tok::kWord) fail(line, "syntax error: `for` needs a variable name", "write for NAME in WORDS; do ...; done");
      n->name = take().word.raw;
      if (n->name.empty() || !is_name_start(n->name[0]) || !std::all_of(n->name.begin(), n->name.end(), is_name_char))
        fail(line, "`" + n->name + "': not a valid identifier", "write for NAME in WORDS");
      skip_newlines();
      if (!peek_word("in")) fail(line, "`for NAME` without `in WORDS` (the positional parameters) is not in the user-data subset", "write for NAME in WORDS");
      ++k_;
      while (peek().t == Tok::kWord) {
        check_word(peek().word);
        n->words.push_back(take().word);
      }
      if (peek_op(";")) ++k_;
      expect_word("do", line);
      ++loops_;
      n->kids.push_back(list({"done"}));
      --loops_;
      expect_word("done", line);
      --nesting_;
      return n;
    }
    if (reserved().count(w) && w != "!")
      fail(line, "syntax error near unexpected token `" + w + "'", "check the if/then/fi, do/done pairs");
  }
  return simple();
}

std::shared_ptr<Node> Parser::test_cmd() {
  auto n = std::make_shared<Node>();
  n->kind = Node::kTest;
  n->line = peek().line;
  ++k_;
  for (;;) {
    const Tok& t = peek();
    if (t.t == Tok::kWord && t.word.raw == "]]") {
      ++k_;
      break;
    }
    if (t.t == Tok::kNewline) {
      ++k_;
      continue;
    }
    if (t.t == Tok::kEnd) fail(n->line, "unexpected EOF while looking for `]]'", "close the [[ ... ]]");
    if (t.t == Tok::kOp && (t.text == "&&" || t.text == "||")) {
      Word w;
      w.raw = t.text;
      w.line = t.line;
      n->words.push_back(w);
      ++k_;
      continue;
    }
    if (t.t != Tok::kWord)
      fail(t.line, "`" + t.text + "` inside [[ ]] is not in the user-data subset",
           "use -z -n == != = -eq -ne -lt -gt -le -ge -f -d -e, ! && ||");
    if (t.word.raw == "=~") fail(t.line, "regular expression match =~ is not in the user-data subset", "use == with a *glob* pattern");
    check_word(t.word);
    n->words.push_back(take().word);
  }
  while (peek().t == Tok::kRedir) fail(peek().line, "redirection of [[ ]] is not in the user-data subset", "remove it");
  return n;
}

void Parser::check_word(const Word& w) const {
  etcd::ShellHooks h;
  h.command_substitution = [](std::string_view, bool) -> Result<std::string> { return std::string(); };
  h.arithmetic = [](std::string_view e) -> Result<std::string> {
    auto v = eval_arith(e, [](const std::string&) { return std::optional<std::string>("1"); });
    if (!v.ok()) return v.error();
    return std::string("0");
  };
  h.special_parameter = [](char c) -> std::optional<std::string> {
    if (c == '?') return std::string("0");
    return std::nullopt;
  };
  auto r = etcd::shell_split_hooked(w.raw, {}, h);
  if (!r.ok()) {
    std::string msg = r.error().message;
    const size_t at = msg.find(" at byte ");
    if (at != std::string::npos) msg = msg.substr(0, at) + msg.substr(msg.find(' ', at + 9) == std::string::npos ? msg.size() : msg.find(' ', at + 9));
    fail(w.line, msg, r.error().fix);
  }
}

std::shared_ptr<Node> Parser::simple() {
  auto n = std::make_shared<Node>();
  n->kind = Node::kSimple;
  n->line = peek().line;
  for (;;) {
    const Tok& t = peek();
    if (t.t == Tok::kRedir) {
      Tok r = take();
      if (r.redir.kind != Redir::kHeredoc && r.redir.kind != Redir::kDup) {
        if (peek().t != Tok::kWord) fail(r.line, "syntax error: `" + r.text + "` without a file name", "write " + r.text + " FILE");
        r.redir.target = take().word;
        check_word(r.redir.target);
      }
      n->redirs.push_back(r.redir);
      continue;
    }
    if (t.t != Tok::kWord) break;
    const std::string& raw = t.word.raw;
    const size_t eq = raw.find('=');
    const bool assign = n->words.empty() && eq != std::string::npos && eq > 0 && is_name_start(raw[0]) &&
                        std::all_of(raw.begin(), raw.begin() + static_cast<long>(eq), is_name_char);
    if (n->words.empty() && !assign && raw.find('[') != std::string::npos && raw.find('[') < eq && eq != std::string::npos &&
        is_name_start(raw[0]))
      fail(t.line, "arrays (NAME[i]=value) are not in the user-data subset", "use one variable per value");
    if (assign && k_ + 1 < toks_.size() && toks_[k_ + 1].t == Tok::kOp && toks_[k_ + 1].text == "(" && eq + 1 == raw.size())
      fail(t.line, "arrays (NAME=(...)) are not in the user-data subset", "use a space-separated string and `for x in $LIST`");
    if (assign && raw.size() > eq + 1 && raw[eq - 1] == '+') fail(t.line, "`+=` is not in the user-data subset", "write NAME=\"$NAME...\"");
    check_word(t.word);
    if (assign) n->assigns.push_back(take().word);
    else n->words.push_back(take().word);
  }
  if (peek_op("(")) fail(n->line, "function definitions are not in the user-data subset", "write the commands inline");
  if (n->words.empty() && n->assigns.empty() && n->redirs.empty())
    fail(n->line, "syntax error near unexpected token `" + tok_text(peek()) + "'", "put a command there");
  check_command(*n);
  return n;
}

bool literal(const Word& w) { return w.raw.find('$') == std::string::npos && w.raw.find('`') == std::string::npos; }

std::string static_value(const Word& w) {
  auto r = etcd::shell_split(w.raw, {});
  return r.ok() && !r.value().argv.empty() ? r.value().argv[0] : std::string();
}

void Parser::check_command(const Node& n) const {
  if (n.words.empty() || !literal(n.words[0])) return;
  const std::string name = static_value(n.words[0]);
  std::vector<std::string> argv;
  bool all_literal = true;
  for (const auto& w : n.words) {
    all_literal = all_literal && literal(w);
    if (literal(w)) {
      auto r = etcd::shell_split(w.raw, {});
      if (r.ok())
        for (auto& a : r.value().argv) argv.push_back(a);
    }
  }
  if (reserved().count(name) && !n.words[0].quoted)
    fail(n.line, "syntax error near unexpected token `" + name + "'", "check the if/then/fi, do/done pairs");
  if (name == "break" || name == "continue") {
    if (loops_ == 0) fail(n.line, "`" + name + "` outside a for/while/until loop", "remove it");
    return;
  }
  if (name == "set" && all_literal) {
    for (size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a == "-o" || a == "+o") {
        static const std::set<std::string> kO{"errexit", "nounset", "xtrace", "pipefail"};
        if (i + 1 >= argv.size() || !kO.count(argv[i + 1]))
          fail(n.line, "`set " + a + (i + 1 < argv.size() ? " " + argv[i + 1] : "") + "` is not in the user-data subset",
               "use set -e, -u, -x, -o pipefail (or errexit, nounset, xtrace)");
        ++i;
        continue;
      }
      if (a.size() < 2 || (a[0] != '-' && a[0] != '+'))
        fail(n.line, "`set " + a + "` (positional parameters) is not in the user-data subset", "use set -e, -u, -x, -o pipefail");
      for (size_t j = 1; j < a.size(); ++j) {
        if (a[j] == 'o' && j + 1 == a.size() && i + 1 < argv.size()) {  // -euo pipefail
          static const std::set<std::string> kO{"errexit", "nounset", "xtrace", "pipefail"};
          if (!kO.count(argv[i + 1]))
            fail(n.line, "`set -o " + argv[i + 1] + "` is not in the user-data subset",
                 "use set -e, -u, -x, -o pipefail (or errexit, nounset, xtrace)");
          ++i;
          break;
        }
        if (a[j] != 'e' && a[j] != 'u' && a[j] != 'x')
          fail(n.line, std::string("`set ") + a[0] + a[j] + "` is not in the user-data subset", "use set -e, -u, -x, -o pipefail");
      }
    }
    return;
  }
  if (is_builtin(name)) return;
  if (is_filter(name)) {
    if (all_literal) {
      if (auto e = check_filter(argv)) fail(n.line, *e, "see docs/cloud-user-data.md for the supported options");
    }
    return;
  }
  if (name == "curl" || name == "wget") return;  // IMDS; other URLs need the runtime's curl
  const size_t slash = name.rfind('/');
  const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  if (external_.count(name) || external_.count(base)) return;
  fail(n.line, "`" + name + "` is not in the user-data subset raftlab models", supported_commands_text(external_));
}

}  // namespace

Result<std::shared_ptr<const Script>> parse_script_at(std::string_view text, const std::string& where,
                                                      const std::set<std::string>& external, int first_line) {
  auto err = [&](int line, const std::string& what, const std::string& fix) {
    return Error{where, where + " line " + std::to_string(line) + ": " + what, fix};
  };
  if (text.size() > kScriptBytesMax)
    return err(1, "script is " + std::to_string(text.size()) + " bytes, more than " + std::to_string(kScriptBytesMax),
               "keep user data under " + std::to_string(kScriptBytesMax / 1024) + " KiB (AWS allows 16 KiB before base64)");
  if (text.find('\0') != std::string_view::npos) return err(1, "the script holds a NUL byte", "remove it (binary user data is not a script)");
  try {
    Parser p(text, external, first_line, 0);
    auto s = std::make_shared<Script>();
    s->root = p.parse();
    s->external = external;
    s->where = where;
    return std::shared_ptr<const Script>(std::move(s));
  } catch (const ParseFail& f) {
    return err(f.line, f.what, f.fix);
  }
}

Result<std::shared_ptr<const Script>> parse_script(std::string_view text, const std::string& where,
                                                   const std::set<std::string>& external) {
  return parse_script_at(text, where, external, 1);
}

}  // namespace raftlab::cloud
