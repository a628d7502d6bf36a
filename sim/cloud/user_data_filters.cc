// sim/cloud/user_data_filters.cc — the text filters a user-data pipeline may use, on
// strings: grep (GNU grep(1): -v -F -E -q -o -i -w -c -x -e, exit 0 match / 1 none / 2
// error), cut (-d -f LIST, POSIX cut), head / tail (-n N, -N, tail -n +N), tr (SET1 SET2,
// -d, -s, [:class:]), xargs (no command: echo the words), awk ('{print $N ...}' only),
// sed ('s/RE/REPL/[g]', -e -E -n, no -i here), wc -l, sort (-u -n -r), uniq, base64 [-d].
// Patterns are a bounded hand-written BRE/ERE subset: literals . * [..] ^ $ (+ ? in ERE
// and as GNU \+ \? in BRE); groups, alternation and intervals are refused.
//
// Must never: loop without a bound (the matcher counts its steps), read files itself
// (the `read` callback does), allocate more than a bounded multiple of its input.
#include <algorithm>
#include <cstring>

#include "sim/cloud/user_data_ast.h"

namespace raftlab::cloud {
namespace {

constexpr std::int64_t kMatchStepsMax = 2'000'000;

struct Atom {
  enum K { kChar, kAny, kClass } k = kChar;
  char c = 0;
  std::vector<std::pair<char, char>> ranges;
  bool negate = false;
  char rep = 0;  // 0, '*', '+', '?'
};

struct Regex {
  std::vector<Atom> atoms;
  bool anchor_start = false, anchor_end = false, icase = false;
};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::optional<std::string> compile(std::string_view p, bool ere, bool fixed, bool icase, Regex& r) {
  r.icase = icase;
  if (fixed) {
    for (char c : p) r.atoms.push_back(Atom{Atom::kChar, icase ? lower(c) : c, {}, false, 0});
    return std::nullopt;
  }
  size_t i = 0;
  if (!p.empty() && p[0] == '^') r.anchor_start = true, i = 1;
  for (; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '$' && i + 1 == p.size()) {
      r.anchor_end = true;
      break;
    }
    auto quant = [&](char q) -> std::optional<std::string> {
      if (r.atoms.empty() || r.atoms.back().rep) {
        if (ere || q != '*') return std::string("quantifier `") + q + "` with nothing before it";
        r.atoms.push_back(Atom{Atom::kChar, '*', {}, false, 0});
        return std::nullopt;
      }
      r.atoms.back().rep = q;
      return std::nullopt;
    };
    if (c == '*') {
      if (auto e = quant('*')) return e;
      continue;
    }
    if (ere && (c == '+' || c == '?')) {
      if (auto e = quant(c)) return e;
      continue;
    }
    if (ere && (c == '(' || c == ')' || c == '|' || c == '{'))
      return std::string("`") + c + "` (groups, alternation, intervals) is not in the supported pattern subset";
    if (c == '\\') {
      if (i + 1 >= p.size()) return std::string("trailing backslash");
      const char n = p[++i];
      if (!ere && (n == '+' || n == '?')) {
        if (auto e = quant(n)) return e;
        continue;
      }
      if (n == '(' || n == ')' || n == '|' || n == '{' || n == '}' || (n >= '1' && n <= '9'))
        return std::string("`\\") + n + "` (groups, alternation, intervals, back-references) is not in the supported pattern subset";
      Atom a;
      if (n == 'd' || n == 's' || n == 'w') {
        a.k = Atom::kClass;
        if (n == 'd') a.ranges = {{'0', '9'}};
        if (n == 's') a.ranges = {{' ', ' '}, {'\t', '\t'}, {'\n', '\n'}, {'\r', '\r'}};
        if (n == 'w') a.ranges = {{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}};
      } else {
        a.c = icase ? lower(n) : n;
      }
      r.atoms.push_back(a);
      continue;
    }
    if (c == '.') {
      r.atoms.push_back(Atom{Atom::kAny, 0, {}, false, 0});
      continue;
    }
    if (c == '[') {
      Atom a;
      a.k = Atom::kClass;
      size_t j = i + 1;
      if (j < p.size() && p[j] == '^') a.negate = true, ++j;
      bool first = true;
      for (; j < p.size() && (p[j] != ']' || first); ++j) {
        first = false;
        if (p.substr(j, 2) == "[:") {
          const size_t e = p.find(":]", j);
          if (e == std::string_view::npos) return std::string("unterminated [: class");
          const std::string_view cls = p.substr(j + 2, e - j - 2);
          if (cls == "digit") a.ranges.push_back({'0', '9'});
          else if (cls == "alpha") a.ranges.insert(a.ranges.end(), {{'a', 'z'}, {'A', 'Z'}});
          else if (cls == "alnum") a.ranges.insert(a.ranges.end(), {{'a', 'z'}, {'A', 'Z'}, {'0', '9'}});
          else if (cls == "space") a.ranges.insert(a.ranges.end(), {{' ', ' '}, {'\t', '\r'}});
          else if (cls == "upper") a.ranges.push_back({'A', 'Z'});
          else if (cls == "lower") a.ranges.push_back({'a', 'z'});
          else return "character class [:" + std::string(cls) + ":] is not supported";
          j = e + 1;
          continue;
        }
        char lo = p[j];
        char hi = lo;
        if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') hi = p[j + 2], j += 2;
        a.ranges.push_back({lo, hi});
      }
      if (j >= p.size()) return std::string("unterminated [ bracket expression");
      i = j;
      r.atoms.push_back(a);
      continue;
    }
    r.atoms.push_back(Atom{Atom::kChar, icase ? lower(c) : c, {}, false, 0});
  }
  return std::nullopt;
}

bool atom_ok(const Atom& a, char c, bool icase) {
  if (a.k == Atom::kAny) return c != '\n';
  if (a.k == Atom::kChar) return (icase ? lower(c) : c) == a.c;
  bool in = false;
  for (auto [lo, hi] : a.ranges) in = in || (c >= lo && c <= hi) || (icase && lower(c) >= lo && lower(c) <= hi);
  return in != a.negate;
}

// Longest-first backtracking; returns the end of a match starting at pos, or npos.
size_t match_here(const Regex& r, size_t ai, std::string_view t, size_t pos, std::int64_t& steps) {
  if (++steps > kMatchStepsMax) return std::string_view::npos;
  if (ai == r.atoms.size()) return (!r.anchor_end || pos == t.size()) ? pos : std::string_view::npos;
  const Atom& a = r.atoms[ai];
  if (a.rep == 0 || a.rep == '+') {
    if (pos >= t.size() || !atom_ok(a, t[pos], r.icase)) return std::string_view::npos;
    if (a.rep == 0) return match_here(r, ai + 1, t, pos + 1, steps);
    ++pos;
  }
  size_t n = pos;
  if (a.rep == '?') {
    if (n < t.size() && atom_ok(a, t[n], r.icase)) ++n;
  } else {
    while (n < t.size() && atom_ok(a, t[n], r.icase)) ++n;
  }
  for (size_t k = n + 1; k-- > pos;) {
    const size_t e = match_here(r, ai + 1, t, k, steps);
    if (e != std::string_view::npos) return e;
    if (steps > kMatchStepsMax) break;
  }
  return std::string_view::npos;
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// First match in line at or after `from`: {start, end} or {npos, npos}.
std::pair<size_t, size_t> search(const Regex& r, std::string_view t, size_t from, bool word, bool whole, std::int64_t& steps) {
  for (size_t s = from; s <= t.size(); ++s) {
    if (r.anchor_start && s != 0) break;
    const size_t e = match_here(r, 0, t, s, steps);
    if (e == std::string_view::npos) continue;
    if (whole && (s != 0 || e != t.size())) continue;
    if (word && ((s > 0 && word_char(t[s - 1])) || (e < t.size() && word_char(t[e])))) continue;
    return {s, e};
  }
  return {std::string_view::npos, std::string_view::npos};
}

std::vector<std::string_view> lines_of(std::string_view s) {
  std::vector<std::string_view> out;
  size_t p = 0;
  while (p < s.size()) {
    size_t e = s.find('\n', p);
    if (e == std::string_view::npos) e = s.size();
    out.push_back(s.substr(p, e - p));
    p = e + 1;
  }
  return out;
}

bool parse_count(const std::string& s, long& n) {
  if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  n = std::stol(s);
  return true;
}

// ---- each filter: argv -> (error text | output)
struct Ctx {
  const std::vector<std::string>& argv;
  const std::string& in;
  bool check_only;
  FilterOut o;
  std::optional<std::string> error;
  void fail(const std::string& e) {
    if (!error) error = e;
    o.status = 2;
    o.err = e + "\n";
  }
};

void do_grep(Ctx& c) {
  bool v = false, fixed = false, ere = false, q = false, only = false, icase = false, word = false, count = false, whole = false;
  std::optional<std::string> pat;
  for (size_t i = 1; i < c.argv.size(); ++i) {
    const std::string& a = c.argv[i];
    if (a == "-e" && i + 1 < c.argv.size()) {
      pat = c.argv[++i];
      continue;
    }
    if (a.size() > 1 && a[0] == '-' && !pat) {
      for (size_t j = 1; j < a.size(); ++j) {
        switch (a[j]) {
          case 'v': v = true; break;
          case 'F': fixed = true; break;
          case 'E': ere = true; break;
          case 'q': q = true; break;
          case 's': break;
          case 'o': only = true; break;
          case 'i': icase = true; break;
          case 'w': word = true; break;
          case 'c': count = true; break;
          case 'x': whole = true; break;
          default: return c.fail(std::string("grep: invalid option -- '") + a[j] + "' (supported: -v -F -E -q -o -i -w -c -x -e)");
        }
      }
      continue;
    }
    if (!pat) pat = a;
    else return c.fail("grep: file operands are not supported here; feed the file with < FILE or cat FILE |");
  }
  if (!pat) return c.fail("grep: no pattern given");
  Regex r;
  if (auto e = compile(*pat, ere, fixed, icase, r)) return c.fail("grep: " + *e);
  if (c.check_only) return;
  std::int64_t steps = 0, n = 0;
  for (auto ln : lines_of(c.in)) {
    auto m = search(r, ln, 0, word, whole, steps);
    const bool hit = (m.first != std::string_view::npos) != v;
    if (!hit) continue;
    ++n;
    if (q || count) continue;
    if (only && !v) {
      while (m.first != std::string_view::npos) {
        if (m.second > m.first) c.o.out += std::string(ln.substr(m.first, m.second - m.first)) + "\n";
        m = search(r, ln, std::max(m.second, m.first + 1), word, whole, steps);
      }
    } else {
      c.o.out += std::string(ln) + "\n";
    }
  }
  if (steps > kMatchStepsMax) return c.fail("grep: pattern too costly to match (bounded at 2000000 steps)");
  if (count) c.o.out = std::to_string(n) + "\n";
  c.o.status = n > 0 ? 0 : 1;
}

void do_cut(Ctx& c) {
  char d = '\t';
  std::string list;
  for (size_t i = 1; i < c.argv.size(); ++i) {
    std::string a = c.argv[i];
    if (a.rfind("-d", 0) == 0) {
      std::string v = a.size() > 2 ? a.substr(2) : (i + 1 < c.argv.size() ? c.argv[++i] : "");
      if (v.size() != 1) return c.fail("cut: the delimiter must be a single character");
      d = v[0];
    } else if (a.rfind("-f", 0) == 0) {
      list = a.size() > 2 ? a.substr(2) : (i + 1 < c.argv.size() ? c.argv[++i] : "");
    } else {
      return c.fail("cut: `" + a + "` is not supported (use -d C -f LIST)");
    }
  }
  std::vector<std::pair<long, long>> ranges;
  size_t p = 0;
  while (p <= list.size() && !list.empty()) {
    size_t e = list.find(',', p);
    if (e == std::string::npos) e = list.size();
    std::string item = list.substr(p, e - p);
    const size_t dash = item.find('-');
    long lo = 1, hi = 1L << 30;
    if (dash == std::string::npos) {
      if (!parse_count(item, lo) || lo == 0) return c.fail("cut: invalid field list `" + list + "`");
      hi = lo;
    } else {
      if (dash > 0 && !parse_count(item.substr(0, dash), lo)) return c.fail("cut: invalid field list `" + list + "`");
      if (dash + 1 < item.size() && !parse_count(item.substr(dash + 1), hi)) return c.fail("cut: invalid field list `" + list + "`");
    }
    ranges.push_back({lo, hi});
    p = e + 1;
  }
  if (ranges.empty()) return c.fail("cut: you must specify a list of fields (-f)");
  if (c.check_only) return;
  for (auto ln : lines_of(c.in)) {
    if (ln.find(d) == std::string_view::npos) {
      c.o.out += std::string(ln) + "\n";  // POSIX cut: a line without the delimiter is printed whole
      continue;
    }
    std::string out;
    long field = 1;
    bool first = true;
    size_t s = 0;
    for (;;) {
      size_t e = ln.find(d, s);
      const std::string_view f = ln.substr(s, e == std::string_view::npos ? std::string_view::npos : e - s);
      bool take = false;
      for (auto [lo, hi] : ranges) take = take || (field >= lo && field <= hi);
      if (take) {
        if (!first) out += d;
        out += f;
        first = false;
      }
      if (e == std::string_view::npos) break;
      s = e + 1;
      ++field;
    }
    c.o.out += out + "\n";
  }
}

void do_head_tail(Ctx& c, bool head) {
  long n = 10;
  bool from = false;
  for (size_t i = 1; i < c.argv.size(); ++i) {
    std::string a = c.argv[i];
    std::string v;
    if (a == "-n" && i + 1 < c.argv.size()) v = c.argv[++i];
    else if (a.rfind("-n", 0) == 0) v = a.substr(2);
    else if (a.size() > 1 && a[0] == '-') v = a.substr(1);
    else return c.fail(c.argv[0] + ": file operands are not supported here; use < FILE");
    if (!head && !v.empty() && v[0] == '+') from = true, v = v.substr(1);
    if (!parse_count(v, n)) return c.fail(c.argv[0] + ": invalid number of lines: '" + v + "'");
  }
  if (c.check_only) return;
  auto ls = lines_of(c.in);
  size_t b = 0, e = ls.size();
  if (head) e = std::min(e, static_cast<size_t>(n));
  else if (from) b = std::min(e, static_cast<size_t>(std::max(1L, n) - 1));
  else b = e > static_cast<size_t>(n) ? e - static_cast<size_t>(n) : 0;
  for (size_t i = b; i < e; ++i) c.o.out += std::string(ls[i]) + "\n";
}

std::optional<std::string> tr_set(const std::string& s, std::string& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "[:") == 0) {
      const size_t e = s.find(":]", i);
      if (e == std::string::npos) return "unterminated [:class:]";
      const std::string cls = s.substr(i + 2, e - i - 2);
      auto range = [&](char lo, char hi) {
        for (char x = lo; x <= hi; ++x) out += x;
      };
      if (cls == "lower") range('a', 'z');
      else if (cls == "upper") range('A', 'Z');
      else if (cls == "digit") range('0', '9');
      else if (cls == "space") out += " \t\n\r\v\f";
      else if (cls == "alpha") range('a', 'z'), range('A', 'Z');
      else if (cls == "alnum") range('a', 'z'), range('A', 'Z'), range('0', '9');
      else return "class [:" + cls + ":] is not supported";
      i = e + 1;
      continue;
    }
    char ch = s[i];
    if (ch == '\\' && i + 1 < s.size()) {
      const char n = s[++i];
      ch = n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
    }
    if (i + 2 < s.size() && s[i + 1] == '-') {
      const char hi = s[i + 2];
      if (hi < ch) return "range " + std::string(1, ch) + "-" + hi + " is reversed";
      for (int x = ch; x <= hi; ++x) out += static_cast<char>(x);
      i += 2;
      continue;
    }
    out += ch;
  }
  return std::nullopt;
}

void do_tr(Ctx& c) {
  bool del = false, squeeze = false;
  std::vector<std::string> sets;
  for (size_t i = 1; i < c.argv.size(); ++i) {
    const std::string& a = c.argv[i];
    if (a == "-d") del = true;
    else if (a == "-s") squeeze = true;
    else if (a == "-ds" || a == "-sd") del = squeeze = true;
    else if (a.size() > 1 && a[0] == '-') return c.fail("tr: invalid option " + a + " (supported: -d -s)");
    else sets.push_back(a);
  }
  if (sets.empty() || sets.size() > 2 || (!del && !squeeze && sets.size() != 2))
    return c.fail("tr: use tr SET1 SET2, tr -d SET or tr -s SET");
  std::string s1, s2;
  if (auto e = tr_set(sets[0], s1)) return c.fail("tr: " + *e);
  if (sets.size() > 1)
    if (auto e = tr_set(sets[1], s2)) return c.fail("tr: " + *e);
  if (c.check_only) return;
  std::string out;
  for (char ch : c.in) {
    const size_t k = s1.find(ch);
    if (del && k != std::string::npos) continue;
    char x = ch;
    if (!del && k != std::string::npos && !s2.empty()) x = s2[std::min(k, s2.size() - 1)];
    const std::string& sq = sets.size() > 1 && !del ? s2 : s1;
    if (squeeze && !out.empty() && out.back() == x && sq.find(x) != std::string::npos) continue;
    out += x;
  }
  c.o.out = out;
}

void do_awk(Ctx& c) {
  char fs = 0;
  std::string prog;
  for (size_t i = 1; i < c.argv.size(); ++i) {
    const std::string& a = c.argv[i];
    if (a.rfind("-F", 0) == 0) {
      std::string v = a.size() > 2 ? a.substr(2) : (i + 1 < c.argv.size() ? c.argv[++i] : "");
      if (v.size() != 1 && v != "\\t") return c.fail("awk: only a one-character -F separator is supported");
      fs = v == "\\t" ? '\t' : v[0];
    } else if (prog.empty()) {
      prog = a;
    } else {
      return c.fail("awk: file operands are not supported here; use < FILE");
    }
  }
  // The one form: { print ITEM ... } with ITEM = $N | $NF | "text", separated by blanks or ','.
  std::string_view p = prog;
  auto trim = [](std::string_view& s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == ';')) s.remove_suffix(1);
  };
  trim(p);
  const std::string bad = "awk: only '{print $N}', '{print $N,$M}' and '{print $N\",\"$M}' are supported, not '" + prog + "'";
  if (p.size() < 2 || p.front() != '{' || p.back() != '}') return c.fail(bad);
  p = p.substr(1, p.size() - 2);
  trim(p);
  if (p.rfind("print", 0) != 0) return c.fail(bad);
  p.remove_prefix(5);
  struct Item {
    long field;  // -1 literal, -2 NF
    std::string text;
    bool comma;  // OFS before it
  };
  std::vector<Item> items;
  bool comma = false;
  while (!p.empty()) {
    const char ch = p.front();
    if (ch == ' ' || ch == '\t') {
      p.remove_prefix(1);
    } else if (ch == ',') {
      comma = true;
      p.remove_prefix(1);
    } else if (ch == '$') {
      p.remove_prefix(1);
      size_t k = 0;
      while (k < p.size() && std::isalnum(static_cast<unsigned char>(p[k]))) ++k;
      const std::string f(p.substr(0, k));
      long n = 0;
      if (f == "NF") n = -2;
      else if (!parse_count(f, n)) return c.fail(bad);
      items.push_back({n, "", comma && !items.empty()});
      comma = false;
      p.remove_prefix(k);
    } else if (ch == '"') {
      const size_t e = p.find('"', 1);
      if (e == std::string_view::npos) return c.fail(bad);
      items.push_back({-1, std::string(p.substr(1, e - 1)), comma && !items.empty()});
      comma = false;
      p.remove_prefix(e + 1);
    } else {
      return c.fail(bad);
    }
  }
  if (c.check_only) return;
  for (auto ln : lines_of(c.in)) {
    std::vector<std::string_view> f;
    if (fs) {
      size_t s = 0;
      for (;;) {
        size_t e = ln.find(fs, s);
        f.push_back(ln.substr(s, e == std::string_view::npos ? std::string_view::npos : e - s));
        if (e == std::string_view::npos) break;
        s = e + 1;
      }
    } else {
      size_t s = 0;
      while (s < ln.size()) {
        while (s < ln.size() && (ln[s] == ' ' || ln[s] == '\t')) ++s;
        size_t e = s;
        while (e < ln.size() && ln[e] != ' ' && ln[e] != '\t') ++e;
        if (e > s) f.push_back(ln.substr(s, e - s));
        s = e;
      }
    }
    std::string out;
    for (const auto& it : items) {
      if (it.comma) out += ' ';
      if (it.field == -1) out += it.text;
      else if (it.field == 0) out += ln;
      else {
        const long k = it.field == -2 ? static_cast<long>(f.size()) : it.field;
        if (k >= 1 && static_cast<size_t>(k) <= f.size()) out += f[static_cast<size_t>(k - 1)];
      }
    }
    c.o.out += out + "\n";
  }
}

void do_sed(Ctx& c) {
  bool ere = false, quiet = false;
  std::string script;
  for (size_t i = 1; i < c.argv.size(); ++i) {
    const std::string& a = c.argv[i];
    if (a == "-E" || a == "-r") ere = true;
    else if (a == "-n") quiet = true;
    else if (a == "-e" && i + 1 < c.argv.size()) script = c.argv[++i];
    else if (a.size() > 1 && a[0] == '-') return c.fail("sed: option " + a + " is not supported here (sed -i: write `sed ... < F > F.new`)");
    else if (script.empty()) script = a;
    else return c.fail("sed: file operands are not supported here; use < FILE");
  }
  if (script.size() < 4 || script[0] != 's') return c.fail("sed: only the s/RE/REPLACEMENT/[g] command is supported");
  const char d = script[1];
  std::vector<std::string> parts(1);
  for (size_t i = 2; i < script.size(); ++i) {
    if (script[i] == '\\' && i + 1 < script.size() && script[i + 1] == d) {
      parts.back() += d;
      ++i;
    } else if (script[i] == d) {
      parts.emplace_back();
    } else {
      parts.back() += script[i];
    }
  }
  if (parts.size() != 3) return c.fail("sed: unterminated `s' command");
  const std::string& flags = parts[2];
  bool global = false, print = false;
  for (char f : flags) {
    if (f == 'g') global = true;
    else if (f == 'p') print = true;
    else return c.fail(std::string("sed: unknown option to `s': ") + f);
  }
  Regex r;
  if (auto e = compile(parts[0], ere, false, false, r)) return c.fail("sed: " + *e);
  if (c.check_only) return;
  std::int64_t steps = 0;
  for (auto ln : lines_of(c.in)) {
    std::string out;
    size_t pos = 0;
    bool any = false;
    while (pos <= ln.size()) {
      auto m = search(r, ln, pos, false, false, steps);
      if (m.first == std::string_view::npos) break;
      any = true;
      out += ln.substr(pos, m.first - pos);
      const std::string_view matched = ln.substr(m.first, m.second - m.first);
      for (size_t i = 0; i < parts[1].size(); ++i) {
        const char ch = parts[1][i];
        if (ch == '&') out += matched;
        else if (ch == '\\' && i + 1 < parts[1].size()) out += parts[1][++i] == 'n' ? '\n' : parts[1][i];
        else out += ch;
      }
      if (m.second == m.first) {
        if (m.first < ln.size()) out += ln[m.first];
        pos = m.first + 1;
      } else {
        pos = m.second;
      }
      if (!global || out.size() > kOutputBytesMax) break;
    }
    if (pos <= ln.size()) out += ln.substr(std::min(pos, ln.size()));
    if (!quiet) c.o.out += out + "\n";
    if (print && any) c.o.out += out + "\n";
    if (c.o.out.size() > kOutputBytesMax) return c.fail("sed: output over 1048576 bytes");
  }
  if (steps > kMatchStepsMax) return c.fail("sed: pattern too costly to match (bounded at 2000000 steps)");
}

void do_base64(Ctx& c) {
  bool dec = false;
  for (size_t i = 1; i < c.argv.size(); ++i) {
    if (c.argv[i] == "-d" || c.argv[i] == "--decode") dec = true;
    else if (c.argv[i] != "-w0") return c.fail("base64: `" + c.argv[i] + "` is not supported (use -d)");
  }
  if (c.check_only) return;
  static const char* kA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (dec) {
    std::uint32_t acc = 0;
    int bits = 0;
    for (char ch : c.in) {
      if (ch == '\n' || ch == '\r' || ch == ' ') continue;
      if (ch == '=') break;
      const char* p = std::strchr(kA, ch);
      if (!p || ch == 0) return c.fail("base64: invalid input"), void(c.o.status = 1);
      acc = (acc << 6) | static_cast<std::uint32_t>(p - kA);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        c.o.out += static_cast<char>((acc >> bits) & 0xff);
      }
    }
    return;
  }
  std::string out;
  size_t i = 0;
  for (; i + 2 < c.in.size(); i += 3) {
    const std::uint32_t v = (static_cast<unsigned char>(c.in[i]) << 16) | (static_cast<unsigned char>(c.in[i + 1]) << 8) |
                            static_cast<unsigned char>(c.in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kA[(v >> k) & 63];
  }
  if (i < c.in.size()) {
    std::uint32_t v = static_cast<unsigned char>(c.in[i]) << 16;
    if (i + 1 < c.in.size()) v |= static_cast<unsigned char>(c.in[i + 1]) << 8;
    out += kA[(v >> 18) & 63];
    out += kA[(v >> 12) & 63];
    out += i + 1 < c.in.size() ? kA[(v >> 6) & 63] : '=';
    out += '=';
  }
  for (size_t k = 0; k < out.size(); k += 76) c.o.out += out.substr(k, 76) + "\n";
}

void do_misc(Ctx& c) {
  const std::string& n = c.argv[0];
  if (n == "wc") {
    if (c.argv.size() != 2 || c.argv[1] != "-l") return c.fail("wc: only `wc -l` (reading stdin) is supported");
    if (!c.check_only) c.o.out = std::to_string(std::count(c.in.begin(), c.in.end(), '\n')) + "\n";
    return;
  }
  if (n == "xargs") {
    if (c.argv.size() > 1) return c.fail("xargs: only plain `xargs` (join the words, like echo) is supported");
    if (c.check_only) return;
    std::string out;
    size_t s = 0;
    while (s < c.in.size()) {
      while (s < c.in.size() && std::isspace(static_cast<unsigned char>(c.in[s]))) ++s;
      size_t e = s;
      while (e < c.in.size() && !std::isspace(static_cast<unsigned char>(c.in[e]))) ++e;
      if (e > s) out += (out.empty() ? "" : " ") + c.in.substr(s, e - s);
      s = e;
    }
    c.o.out = out + "\n";
    return;
  }
  bool uniq_only = false, numeric = false, rev = false;
  for (size_t i = 1; i < c.argv.size(); ++i) {
    const std::string& a = c.argv[i];
    if (n == "sort" && a.size() > 1 && a[0] == '-' && a.find_first_not_of("unr", 1) == std::string::npos) {
      uniq_only = uniq_only || a.find('u') != std::string::npos;
      numeric = numeric || a.find('n') != std::string::npos;
      rev = rev || a.find('r') != std::string::npos;
    } else {
      return c.fail(n + ": `" + a + "` is not supported (sort: -u -n -r; uniq: none)");
    }
  }
  if (c.check_only) return;
  auto ls = lines_of(c.in);
  std::vector<std::string> v(ls.begin(), ls.end());
  if (n == "sort") {
    auto key = [](const std::string& s) { return std::atoll(s.c_str()); };
    std::stable_sort(v.begin(), v.end(), [&](const std::string& a, const std::string& b) {
      if (numeric && key(a) != key(b)) return key(a) < key(b);
      return numeric ? false : a < b;
    });
    if (rev) std::reverse(v.begin(), v.end());
  }
  if (n == "uniq" || uniq_only) v.erase(std::unique(v.begin(), v.end()), v.end());
  for (const auto& s : v) c.o.out += s + "\n";
}

void dispatch(Ctx& c) {
  const std::string& n = c.argv[0];
  if (n == "grep") do_grep(c);
  else if (n == "cut") do_cut(c);
  else if (n == "head") do_head_tail(c, true);
  else if (n == "tail") do_head_tail(c, false);
  else if (n == "tr") do_tr(c);
  else if (n == "awk") do_awk(c);
  else if (n == "sed") do_sed(c);
  else if (n == "base64") do_base64(c);
  else do_misc(c);
}

}  // namespace

bool is_filter(std::string_view n) {
  static const std::set<std::string, std::less<>> k{"grep", "cut",  "head", "tail", "tr",   "xargs", "awk",
                                                    "sed",  "jq",   "wc",   "sort", "uniq", "base64"};
  return k.count(n) > 0;
}

FilterOut run_jq(const std::vector<std::string>& argv, const std::string& in, bool check_only, std::optional<std::string>& error);

std::optional<std::string> check_filter(const std::vector<std::string>& argv) {
  if (argv[0] == "jq") {
    std::optional<std::string> e;
    run_jq(argv, "", true, e);
    return e;
  }
  const std::string empty;
  Ctx c{argv, empty, true, {}, std::nullopt};
  dispatch(c);
  return c.error;
}

FilterOut run_filter(const std::vector<std::string>& argv, const std::string& in) {
  if (argv[0] == "jq") {
    std::optional<std::string> e;
    return run_jq(argv, in, false, e);
  }
  Ctx c{argv, in, false, {}, std::nullopt};
  dispatch(c);
  if (c.error) c.o.out.clear();
  return c.o;
}

}  // namespace raftlab::cloud
