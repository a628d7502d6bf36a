// sim/cloud/user_data_builtins.cc — the pure pieces of the user-data interpreter: echo and
// printf (bash(1) SHELL BUILTIN COMMANDS), test / [ / [[ ]] (CONDITIONAL EXPRESSIONS),
// glob patterns (Pattern Matching), $((...)) (ARITHMETIC EVALUATION, integers + - * / %
// and parentheses only), the instance metadata service as curl / wget reach it (AWS EC2
// User Guide, "Use the Instance Metadata Service to access instance metadata": IMDSv2 is
// PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds, then requests carrying
// X-aws-ec2-metadata-token; curl(1) --fail: exit 22 and no body on HTTP >= 400; wget(1):
// exit 8 on a server error), and jq's path subset (jq manual: Basic filters, length, keys).
//
// Must never: recurse without a bound (arithmetic nesting <= kNestingMax), touch anything
// but the ScriptHost it is given, print JSON keys in another order than the input's.
#include <algorithm>
#include <climits>

#include <nlohmann/json.hpp>

#include "sim/cloud/user_data_ast.h"

namespace raftlab::cloud {

namespace {
std::string escapes(std::string_view s, bool& stop) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    const char n = s[++i];
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case 'c': stop = true; return out;
      default: out += '\\', out += n;
    }
  }
  return out;
}
}  // namespace

FilterOut run_echo(const std::vector<std::string>& argv) {
  bool newline = true, esc = false;
  size_t i = 1;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() < 2 || a[0] != '-' || a.find_first_not_of("neE", 1) != std::string::npos) break;
    for (char c : a.substr(1)) {
      if (c == 'n') newline = false;
      if (c == 'e') esc = true;
      if (c == 'E') esc = false;
    }
  }
  FilterOut o;
  bool stop = false;
  for (size_t k = i; k < argv.size() && !stop; ++k) {
    if (k > i) o.out += ' ';
    o.out += esc ? escapes(argv[k], stop) : argv[k];
  }
  if (newline && !stop) o.out += '\n';
  return o;
}

FilterOut run_printf(const std::vector<std::string>& argv) {
  FilterOut o;
  if (argv.size() < 2) {
    o.status = 2;
    o.err = "printf: usage: printf format [arguments]\n";
    return o;
  }
  const std::string& fmt = argv[1];
  size_t arg = 2;
  // bash(1) printf: "The format is reused as necessary to consume all of the arguments."
  for (int round = 0; round < 4096; ++round) {
    bool used = false;
    for (size_t i = 0; i < fmt.size(); ++i) {
      const char c = fmt[i];
      if (c == '\\' && i + 1 < fmt.size()) {
        bool stop = false;
        o.out += escapes(fmt.substr(i, 2), stop);
        ++i;
        continue;
      }
      if (c != '%') {
        o.out += c;
        continue;
      }
      if (i + 1 >= fmt.size()) break;
      const char f = fmt[++i];
      if (f == '%') {
        o.out += '%';
        continue;
      }
      const std::string v = arg < argv.size() ? argv[arg++] : "";
      used = true;
      if (f == 's') {
        o.out += v;
      } else if (f == 'd' || f == 'i') {
        try {
          o.out += std::to_string(v.empty() ? 0 : std::stoll(v));
        } catch (...) {
          o.err += "printf: " + v + ": invalid number\n";
          o.status = 1;
          o.out += '0';
        }
      } else {
        o.status = 1;
        o.err += std::string("printf: `") + f + "': invalid format character (supported: %s %d %i %%)\n";
        return o;
      }
    }
    if (!used || arg >= argv.size()) break;
  }
  return o;
}

bool glob_match(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  auto one = [&](size_t& k, char c) -> std::optional<size_t> {  // returns pattern length consumed if it matches
    if (p[k] == '?') return 1;
    if (p[k] == '\\' && k + 1 < p.size()) return p[k + 1] == c ? std::optional<size_t>(2) : std::nullopt;
    if (p[k] == '[') {
      size_t j = k + 1;
      bool neg = j < p.size() && (p[j] == '!' || p[j] == '^');
      if (neg) ++j;
      bool in = false, first = true;
      for (; j < p.size() && (p[j] != ']' || first); ++j) {
        first = false;
        if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
          in = in || (c >= p[j] && c <= p[j + 2]);
          j += 2;
        } else {
          in = in || c == p[j];
        }
      }
      if (j >= p.size()) return p[k] == c ? std::optional<size_t>(1) : std::nullopt;  // a lone '[' is literal
      return in != neg ? std::optional<size_t>(j - k + 1) : std::nullopt;
    }
    return p[k] == c ? std::optional<size_t>(1) : std::nullopt;
  };
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = ++pi;
      mark = ti;
      continue;
    }
    if (pi < p.size()) {
      if (auto n = one(pi, t[ti])) {
        pi += *n;
        ++ti;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    pi = star;
    ti = ++mark;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

// ---- $((...))
namespace {
struct Arith {
  std::string_view s;
  size_t i = 0;
  int depth = 0;
  const std::function<std::optional<std::string>(const std::string&)>& lookup;
  std::optional<std::string> err;
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
  }
  std::int64_t fail(std::string e) {
    if (!err) err = std::move(e);
    return 0;
  }
  std::int64_t primary() {
    ws();
    if (i >= s.size()) return fail("syntax error: operand expected");
    if (s[i] == '(') {
      if (++depth > kNestingMax) return fail("expression nested too deeply");
      ++i;
      const std::int64_t v = sum();
      ws();
      if (i >= s.size() || s[i] != ')') return fail("syntax error: missing `)'");
      ++i;
      --depth;
      return v;
    }
    if (s[i] == '-' || s[i] == '+') {
      const char op = s[i++];
      if (++depth > kNestingMax) return fail("expression nested too deeply");
      const std::int64_t v = primary();
      --depth;
      if (op == '-' && v == INT64_MIN) return fail("value too great for base");
      return op == '-' ? -v : v;
    }
    if (s[i] >= '0' && s[i] <= '9') {
      std::int64_t v = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s[i] - '0', &v)) return fail("value too great for base");
        ++i;
      }
      return v;
    }
    bool dollar = false, brace = false;
    if (s[i] == '$') dollar = true, ++i;
    if (dollar && i < s.size() && s[i] == '{') brace = true, ++i;
    const size_t b = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    if (i == b || std::isdigit(static_cast<unsigned char>(s[b]))) return fail("syntax error: operand expected (error token is \"" + std::string(s.substr(b)) + "\")");
    const std::string name(s.substr(b, i - b));
    if (brace) {
      if (i >= s.size() || s[i] != '}') return fail("bad substitution");
      ++i;
    }
    auto v = lookup(name);
    if (!v || v->empty()) return 0;
    std::int64_t x = 0;
    size_t k = 0;
    bool neg = false;
    if ((*v)[0] == '-') neg = true, k = 1;
    if (k >= v->size()) return fail(*v + ": syntax error: operand expected");
    for (; k < v->size(); ++k) {
      if ((*v)[k] < '0' || (*v)[k] > '9') return fail(*v + ": value is not an integer (only integers are in the subset)");
      if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, (*v)[k] - '0', &x)) return fail("value too great for base");
    }
    return neg ? -x : x;
  }
  std::int64_t product() {
    std::int64_t v = primary();
    for (;;) {
      ws();
      if (err || i >= s.size() || (s[i] != '*' && s[i] != '/' && s[i] != '%')) return v;
      const char op = s[i++];
      const std::int64_t r = primary();
      if (err) return 0;
      if (op == '*') {
        if (__builtin_mul_overflow(v, r, &v)) return fail("value too great for base");
      } else {
        if (r == 0) return fail("division by 0");
        if (v == INT64_MIN && r == -1) return fail("value too great for base");
        v = op == '/' ? v / r : v % r;
      }
    }
  }
  std::int64_t sum() {
    std::int64_t v = product();
    for (;;) {
      ws();
      if (err || i >= s.size() || (s[i] != '+' && s[i] != '-')) return v;
      const char op = s[i++];
      const std::int64_t r = product();
      if (err) return 0;
      if (op == '+' ? __builtin_add_overflow(v, r, &v) : __builtin_sub_overflow(v, r, &v)) return fail("value too great for base");
    }
  }
};
}  // namespace

etcd::Result<std::int64_t> eval_arith(std::string_view expr,
                                      const std::function<std::optional<std::string>(const std::string&)>& lookup) {
  Arith a{expr, 0, 0, lookup, std::nullopt};
  const std::int64_t v = a.sum();
  a.ws();
  if (!a.err && a.i < expr.size())
    a.err = "syntax error in expression (error token is \"" + std::string(expr.substr(a.i)) +
            "\"); only + - * / % ( ) on integers are in the user-data subset";
  if (a.err) return etcd::Error{"arithmetic", std::string(expr) + ": " + *a.err, "use integers with + - * / % and ( )"};
  return v;
}

// ---- test / [ / [[
namespace {
struct Test {
  const std::vector<std::string>& a;
  const std::vector<bool>& pat;
  bool dbl;
  const std::function<bool(char, const std::string&)>& file;
  size_t i = 0;
  std::string err;
  int depth = 0;
  bool integer(const std::string& s, long long& v) {
    try {
      size_t used = 0;
      v = std::stoll(s, &used);
      if (used == s.size()) return true;
    } catch (...) {
    }
    if (err.empty()) err = s + ": integer expression expected";
    return false;
  }
  bool prim() {
    if (i >= a.size()) {
      if (err.empty()) err = "argument expected";
      return false;
    }
    if (a[i] == "!" && i + 1 < a.size()) {
      ++i;
      if (++depth > kNestingMax) return false;
      const bool v = !prim();
      --depth;
      return v;
    }
    static const std::set<std::string> kBin{"=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge"};
    if (i + 2 < a.size() + 0 && kBin.count(a[i + 1])) {
      const std::string& l = a[i];
      const std::string& op = a[i + 1];
      const std::string& r = a[i + 2];
      const bool glob = dbl && pat[i + 2] && (op == "==" || op == "=" || op == "!=");
      i += 3;
      if (op == "=" || op == "==") return glob ? glob_match(r, l) : l == r;
      if (op == "!=") return glob ? !glob_match(r, l) : l != r;
      long long x = 0, y = 0;
      if (!integer(l, x) || !integer(r, y)) return false;
      if (op == "-eq") return x == y;
      if (op == "-ne") return x != y;
      if (op == "-lt") return x < y;
      if (op == "-le") return x <= y;
      if (op == "-gt") return x > y;
      return x >= y;
    }
    const std::string& u = a[i];
    if (u.size() == 2 && u[0] == '-' && std::string("znfdesxrw").find(u[1]) != std::string::npos && i + 1 < a.size()) {
      const std::string& v = a[i + 1];
      i += 2;
      if (u[1] == 'z') return v.empty();
      if (u[1] == 'n') return !v.empty();
      return file(u[1], v);
    }
    if (u.size() == 2 && u[0] == '-' && i + 1 < a.size() && u != "-a" && u != "-o") {
      if (err.empty()) err = u + ": unary operator not in the user-data subset (use -z -n -f -d -e -s -x -r -w)";
      ++i;
      return false;
    }
    ++i;
    return !u.empty();
  }
  bool conj() {
    bool v = prim();
    while (i < a.size() && a[i] == (dbl ? "&&" : "-a")) {
      ++i;
      const bool r = prim();
      v = v && r;
    }
    return v;
  }
  bool disj() {
    bool v = conj();
    while (i < a.size() && a[i] == (dbl ? "||" : "-o")) {
      ++i;
      const bool r = conj();
      v = v || r;
    }
    return v;
  }
};
}  // namespace

int test_expression(const std::vector<std::string>& a, const std::vector<bool>& pattern, bool dbl,
                    const std::function<bool(char, const std::string&)>& file_test, std::string& err) {
  if (a.empty()) return 1;
  if (!dbl && a.size() == 1) return a[0].empty() ? 1 : 0;  // POSIX test: one argument = non-empty
  Test t{a, pattern, dbl, file_test, 0, {}, 0};
  const bool v = t.disj();
  if (t.err.empty() && t.i < a.size()) t.err = "syntax error near `" + a[t.i] + "'";
  if (t.depth > kNestingMax && t.err.empty()) t.err = "expression nested too deeply";
  if (!t.err.empty()) {
    err = t.err;
    return 2;
  }
  return v ? 0 : 1;
}

// ---- IMDS
ImdsResult run_imds(const std::vector<std::string>& argv, ScriptHost& host, const std::string& cwd) {
  ImdsResult r;
  const std::string tool = argv[0].substr(argv[0].rfind('/') == std::string::npos ? 0 : argv[0].rfind('/') + 1);
  const bool is_wget = tool == "wget";
  if (tool != "curl" && !is_wget) return r;
  std::string method = "GET", url, token, outfile;
  bool fail = false, silent = false, show = false, to_stdout = !is_wget;
  std::string bad;
  auto header = [&](const std::string& h) {
    const size_t colon = h.find(':');
    std::string name = h.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    if (name == "x-aws-ec2-metadata-token" && colon != std::string::npos) {
      token = h.substr(colon + 1);
      while (!token.empty() && token.front() == ' ') token.erase(0, 1);
    }
  };
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argv.size() ? argv[++i] : std::string(); };
    if (is_wget) {
      if (a == "-q" || a == "--quiet") silent = true;
      else if (a == "-qO-" || a == "-qO" || a == "-O-" || a == "-O") {
        silent = silent || a[1] == 'q';
        std::string v = a.back() == '-' ? "-" : next();
        to_stdout = v == "-";
        outfile = to_stdout ? "" : v;
      } else if (a.rfind("--header=", 0) == 0) header(a.substr(9));
      else if (a == "--header") header(next());
      else if (a.rfind("--method=", 0) == 0) method = a.substr(9);
      else if (a.rfind("--timeout=", 0) == 0 || a.rfind("--tries=", 0) == 0 || a == "-T" || a == "-t") {
        if (a[1] != '-') next();
      } else if (!a.empty() && a[0] == '-') bad = a;
      else url = a;
      continue;
    }
    if (a.rfind("--", 0) == 0) {
      if (a == "--silent") silent = true;
      else if (a == "--fail") fail = true;
      else if (a == "--show-error") show = true;
      else if (a == "--location") {
      } else if (a == "--request") method = next();
      else if (a == "--header") header(next());
      else if (a == "--output") outfile = next(), to_stdout = false;
      else if (a == "--connect-timeout" || a == "--max-time" || a == "--retry" || a == "--retry-delay") next();
      else bad = a;
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      for (size_t j = 1; j < a.size(); ++j) {
        const char c = a[j];
        if (c == 's') silent = true;
        else if (c == 'S') show = true;
        else if (c == 'f') fail = true;
        else if (c == 'L') {
        } else if (c == 'X' || c == 'H' || c == 'm' || c == 'o') {
          const std::string v = j + 1 < a.size() ? a.substr(j + 1) : next();
          if (c == 'X') method = v;
          if (c == 'H') header(v);
          if (c == 'o') outfile = v, to_stdout = false;
          break;
        } else {
          bad = std::string("-") + c;
          break;
        }
      }
      continue;
    }
    url = a;
  }
  static const std::string kHost = "http://169.254.169.254/";
  if (url.rfind(kHost, 0) != 0) return r;  // another host: the runtime's curl
  r.handled = true;
  if (!bad.empty()) {
    r.out.status = 2;
    r.out.err = tool + ": option " + bad + ": is unknown (raftlab models -s -S -f -L -X -H -m -o --connect-timeout for "
                       "curl, -q -O --header --method for wget)\n";
    return r;
  }
  const std::string path = url.substr(kHost.size());
  std::optional<std::string> body;
  if (path.rfind("latest/", 0) == 0) body = host.metadata(method, path.substr(7), token);
  if (body) {
    if (to_stdout) r.out.out = *body;
    else host.write_file(outfile.empty() ? cwd + "/" + path.substr(path.rfind('/') + 1) : (outfile[0] == '/' ? outfile : cwd + "/" + outfile),
                         *body, false);
    return r;
  }
  if (is_wget) {
    r.out.status = 8;
    if (!silent) r.out.err = "ERROR 404: Not Found.\n";
    return r;
  }
  if (fail) {
    r.out.status = 22;
    if (show || !silent) r.out.err = "curl: (22) The requested URL returned error: 404\n";
    return r;
  }
  // The page the metadata service sends with a 404.
  r.out.out =
      "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
      "\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" "
      "xml:lang=\"en\" lang=\"en\">\n <head>\n  <title>404 - Not Found</title>\n </head>\n <body>\n  <h1>404 - Not "
      "Found</h1>\n </body>\n</html>\n";
  return r;
}

// ---- jq
FilterOut run_jq(const std::vector<std::string>& argv, const std::string& in, bool check_only, std::optional<std::string>& error) {
  using J = nlohmann::ordered_json;
  FilterOut o;
  bool raw = false, compact = false;
  std::string prog;
  bool have_prog = false;
  auto fail = [&](int status, const std::string& e) {
    error = e;
    o.status = status;
    o.err = e + "\n";
    o.out.clear();
    return o;
  };
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 1 && a[0] == '-' && !have_prog) {
      for (char c : a.substr(1)) {
        if (c == 'r') raw = true;
        else if (c == 'c') compact = true;
        else return fail(2, std::string("jq: unknown option -") + c + " (supported: -r -c)");
      }
    } else if (!have_prog) {
      prog = a, have_prog = true;
    } else {
      return fail(2, "jq: file operands are not supported here; use < FILE");
    }
  }
  if (!have_prog) prog = ".";
  // Steps: ".key", "[N]", "[]", "length", "keys", separated by '|'.
  struct Step {
    enum K { kKey, kIndex, kIter, kLength, kKeys } k;
    std::string key;
    long index = 0;
  };
  std::vector<Step> steps;
  const std::string unsupported = "jq: unsupported filter '" + prog +
                                  "' (raftlab models paths like .a.b, .a[0], .a[], .[], .a[].b, | length, | keys)";
  size_t i = 0;
  auto ws = [&] {
    while (i < prog.size() && prog[i] == ' ') ++i;
  };
  bool need_term = true;
  while (true) {
    ws();
    if (i >= prog.size()) break;
    if (prog.compare(i, 6, "length") == 0) {
      steps.push_back({Step::kLength, "", 0});
      i += 6;
    } else if (prog.compare(i, 4, "keys") == 0) {
      steps.push_back({Step::kKeys, "", 0});
      i += 4;
    } else if (prog[i] == '.') {
      ++i;
      bool first = true;
      while (i < prog.size() && prog[i] != ' ' && prog[i] != '|') {
        if (prog[i] == '[') {
          const size_t e = prog.find(']', i);
          if (e == std::string::npos) return fail(3, unsupported);
          const std::string in_b = prog.substr(i + 1, e - i - 1);
          if (in_b.empty()) steps.push_back({Step::kIter, "", 0});
          else if (in_b.size() > 2 && in_b.front() == '"' && in_b.back() == '"') steps.push_back({Step::kKey, in_b.substr(1, in_b.size() - 2), 0});
          else {
            try {
              size_t used = 0;
              const long n = std::stol(in_b, &used);
              if (used != in_b.size()) return fail(3, unsupported);
              steps.push_back({Step::kIndex, "", n});
            } catch (...) {
              return fail(3, unsupported);
            }
          }
          i = e + 1;
        } else if (prog[i] == '.' || first) {
          if (prog[i] == '.') ++i;
          size_t e = i;
          while (e < prog.size() && (std::isalnum(static_cast<unsigned char>(prog[e])) || prog[e] == '_')) ++e;
          if (e == i) {
            if (first && (i >= prog.size() || prog[i] == ' ' || prog[i] == '|')) break;  // "."
            return fail(3, unsupported);
          }
          steps.push_back({Step::kKey, prog.substr(i, e - i), 0});
          i = e;
        } else {
          return fail(3, unsupported);
        }
        first = false;
      }
    } else {
      return fail(3, unsupported);
    }
    need_term = false;
    ws();
    if (i < prog.size()) {
      if (prog[i] != '|') return fail(3, unsupported);
      ++i;
      need_term = true;
    }
  }
  if (need_term && !steps.empty()) return fail(3, unsupported);
  if (check_only) return o;
  J doc = J::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    bool blank = std::all_of(in.begin(), in.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
    if (blank) return o;
    return fail(2, "jq: error (at <stdin>:0): Cannot parse the input as one JSON value (raftlab's jq reads one document)");
  }
  std::vector<J> cur{doc};
  for (const auto& s : steps) {
    std::vector<J> next;
    for (const auto& v : cur) {
      switch (s.k) {
        case Step::kKey:
          if (v.is_null()) next.emplace_back(nullptr);
          else if (!v.is_object()) return fail(5, "jq: error (at <stdin>:0): Cannot index " + std::string(v.type_name()) + " with \"" + s.key + "\"");
          else next.push_back(v.contains(s.key) ? v.at(s.key) : J());
          break;
        case Step::kIndex: {
          if (v.is_null()) {
            next.emplace_back(nullptr);
            break;
          }
          if (!v.is_array()) return fail(5, "jq: error (at <stdin>:0): Cannot index " + std::string(v.type_name()) + " with number");
          const long n = s.index < 0 ? static_cast<long>(v.size()) + s.index : s.index;
          next.push_back(n >= 0 && static_cast<size_t>(n) < v.size() ? v.at(static_cast<size_t>(n)) : J());
          break;
        }
        case Step::kIter:
          if (!v.is_array() && !v.is_object()) return fail(5, "jq: error (at <stdin>:0): Cannot iterate over " + std::string(v.type_name()));
          for (const auto& x : v) next.push_back(x);
          break;
        case Step::kLength:
          if (v.is_string()) next.emplace_back(v.get<std::string>().size());
          else if (v.is_array() || v.is_object()) next.emplace_back(v.size());
          else if (v.is_null()) next.emplace_back(0);
          else if (v.is_number()) next.push_back(v.get<double>() < 0 ? J(-v.get<double>()) : v);
          else return fail(5, "jq: error (at <stdin>:0): boolean has no length");
          break;
        case Step::kKeys: {
          J k = J::array();
          if (v.is_object()) {
            std::vector<std::string> names;
            for (auto it = v.begin(); it != v.end(); ++it) names.push_back(it.key());
            std::sort(names.begin(), names.end());
            for (auto& n : names) k.push_back(n);
          } else if (v.is_array()) {
            for (size_t x = 0; x < v.size(); ++x) k.push_back(x);
          } else {
            return fail(5, "jq: error (at <stdin>:0): " + std::string(v.type_name()) + " has no keys");
          }
          next.push_back(k);
          break;
        }
      }
      if (next.size() > 100000) return fail(5, "jq: more than 100000 results");
    }
    cur = std::move(next);
  }
  for (const auto& v : cur) {
    if (raw && v.is_string()) o.out += v.get<std::string>() + "\n";
    else o.out += (compact ? v.dump() : v.dump(2)) + "\n";
    if (o.out.size() > kOutputBytesMax) return fail(5, "jq: output over 1048576 bytes");
  }
  return o;
}

}  // namespace raftlab::cloud
