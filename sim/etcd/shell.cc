// shell.cc — bash-compatible expansion and word splitting (see shell.h).
#include "sim/etcd/shell.h"

#include <algorithm>
#include <cassert>
#include <optional>

namespace raftlab::etcd {
namespace {

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_ifs(char c) { return c == ' ' || c == '\t' || c == '\n'; }

Error unsupported(std::string_view what, size_t pos) {
  return Error{"shell", std::string(what) + " at byte " + std::to_string(pos) + " is not supported",
               "expand it yourself and paste the literal value, or use plain $VAR / ${VAR} / ${VAR:-default}"};
}

// One pass over the text. Each call to next_command() consumes words up to an
// unquoted command separator (script mode) or to the end (single-command mode).
class Expander {
 public:
  Expander(std::string_view text, bool script_mode, const ShellHooks* hooks = nullptr)
      : text_(text), script_(script_mode), hooks_(hooks) {}

  // Returns false at end of input. On error, `error_` is set.
  bool next_command(const std::map<std::string, std::string>& env, std::vector<std::string>& argv);
  std::optional<Error> error_;
  std::vector<std::string> unset_vars_;
  std::vector<std::string> warnings_;

 private:
  void emit(std::vector<std::string>& argv) {
    if (have_word_) {
      if (argv.size() >= kShellWordsMax) {
        fail(Error{"shell", "more than " + std::to_string(kShellWordsMax) + " words",
                   "split the input into smaller commands"});
        return;
      }
      argv.push_back(cur_);
    }
    cur_.clear();
    have_word_ = false;
  }
  void fail(Error e) {
    if (!error_) error_ = std::move(e);
  }
  void note_unset(const std::string& name) {
    if (std::find(unset_vars_.begin(), unset_vars_.end(), name) == unset_vars_.end()) unset_vars_.push_back(name);
  }
  // Appends an expansion result; unquoted results are field-split.
  void append_expansion(const std::string& value, bool quoted, std::vector<std::string>& argv) {
    if (quoted || (hooks_ && !hooks_->split_fields)) {
      cur_ += value;
      have_word_ = true;
      return;
    }
    for (char c : value) {
      if (is_ifs(c)) {
        emit(argv);
      } else {
        cur_ += c;
        have_word_ = true;
      }
    }
  }
  // Parses a parameter expansion after '$' at pos_. Returns nullopt if '$' is literal.
  std::optional<std::string> parse_dollar(const std::map<std::string, std::string>& env);
  std::string lookup(const std::string& name, const std::map<std::string, std::string>& env,
                     const std::optional<std::string>& deflt, bool colon) {
    auto it = env.find(name);
    if (it == env.end()) {
      if (deflt) return *deflt;
      note_unset(name);
      return "";
    }
    if (colon && it->second.empty() && deflt) return *deflt;
    return it->second;
  }
  void check_history(size_t i) {
    if (history_warned_ || i + 1 >= text_.size()) return;
    const char n = text_[i + 1];
    if (n == '!' || is_name_char(n) || n == '-' || n == '$') {
      history_warned_ = true;
      warnings_.push_back(
          "'!' at byte " + std::to_string(i) +
          ": an interactive bash would apply history expansion here (\"!!\" becomes the previous command); "
          "a script keeps it literal, as this model does. Use single quotes to be safe.");
    }
  }

  // Hooked forms (shell_split_hooked only). Return nullopt when no hook applies.
  std::optional<std::string> hooked_dollar(size_t start);
  std::optional<std::string> hooked_backtick();

  std::string_view text_;
  bool script_;
  const ShellHooks* hooks_;
  size_t pos_ = 0;
  std::string cur_;
  bool have_word_ = false;
  bool history_warned_ = false;
};

std::optional<std::string> Expander::parse_dollar(const std::map<std::string, std::string>& env) {
  // pos_ points at '$'.
  const size_t start = pos_;
  if (pos_ + 1 >= text_.size()) {
    ++pos_;
    return std::nullopt;
  }
  const char n = text_[pos_ + 1];
  if (hooks_) {
    if (auto v = hooked_dollar(start)) return v;
  }
  if (n == '(') {
    fail(unsupported(text_.substr(pos_ + 2, 1) == "(" ? "arithmetic expansion $((...))" : "command substitution $(...)", start));
    pos_ = text_.size();
    return std::string();
  }
  if (n == '\'') {
    fail(unsupported("ANSI-C quoting $'...'", start));
    pos_ = text_.size();
    return std::string();
  }
  if ((n >= '0' && n <= '9') || n == '@' || n == '*' || n == '#' || n == '?' || n == '$' || n == '!' || n == '-') {
    fail(unsupported(std::string("special parameter $") + n, start));
    pos_ = text_.size();
    return std::string();
  }
  if (is_name_start(n)) {
    size_t e = pos_ + 1;
    while (e < text_.size() && is_name_char(text_[e])) ++e;
    std::string name(text_.substr(pos_ + 1, e - pos_ - 1));
    pos_ = e;
    return lookup(name, env, std::nullopt, false);
  }
  if (n == '{') {
    const size_t close = text_.find('}', pos_ + 2);
    if (close == std::string_view::npos) {
      fail(Error{"shell", "bad substitution: missing '}' after byte " + std::to_string(start),
                 "close the ${...} expansion"});
      pos_ = text_.size();
      return std::string();
    }
    std::string_view body = text_.substr(pos_ + 2, close - pos_ - 2);
    pos_ = close + 1;
    size_t e = 0;
    while (e < body.size() && is_name_char(body[e])) ++e;
    if (e == 0 || !is_name_start(body[0])) {
      fail(Error{"shell", "bad substitution: ${" + std::string(body) + "}", "use ${NAME} with a variable name"});
      return std::string();
    }
    std::string name(body.substr(0, e));
    std::string_view rest = body.substr(e);
    if (rest.empty()) return lookup(name, env, std::nullopt, false);
    bool colon = false;
    if (rest[0] == ':') {
      colon = true;
      rest.remove_prefix(1);
    }
    if (rest.empty() || rest[0] != '-') {
      fail(unsupported("parameter operator in ${" + std::string(body) + "}", start));
      return std::string();
    }
    rest.remove_prefix(1);
    // The default word: expand $VAR inside it, drop simple quotes.
    std::string deflt;
    for (size_t i = 0; i < rest.size(); ++i) {
      if (rest[i] == '"' || rest[i] == '\'') continue;
      if (rest[i] == '$' && i + 1 < rest.size() && is_name_start(rest[i + 1])) {
        size_t j = i + 1;
        while (j < rest.size() && is_name_char(rest[j])) ++j;
        deflt += lookup(std::string(rest.substr(i + 1, j - i - 1)), env, std::nullopt, false);
        i = j - 1;
      } else {
        deflt += rest[i];
      }
    }
    return lookup(name, env, deflt, colon);
  }
  ++pos_;
  return std::nullopt;  // literal '$'
}

std::optional<std::string> Expander::hooked_dollar(size_t start) {
  const char n = text_[pos_ + 1];
  auto take = [&](Result<std::string> r) -> std::optional<std::string> {
    if (!r.ok()) {
      fail(r.error());
      pos_ = text_.size();
      return std::string();
    }
    return std::move(r).value();
  };
  if (n == '(' && pos_ + 2 < text_.size() && text_[pos_ + 2] == '(' && hooks_->arithmetic) {
    const size_t end = shell_arith_end(text_, pos_);
    if (end == std::string_view::npos) {
      fail(Error{"shell", "unexpected EOF while looking for matching `))' after byte " + std::to_string(start),
                 "close the $((...)) expansion"});
      pos_ = text_.size();
      return std::string();
    }
    std::string_view expr = text_.substr(pos_ + 3, end - pos_ - 5);
    pos_ = end;
    return take(hooks_->arithmetic(expr));
  }
  if (n == '(' && hooks_->command_substitution) {
    const size_t end = shell_substitution_end(text_, pos_);
    if (end == std::string_view::npos) {
      fail(Error{"shell", "unexpected EOF while looking for matching `)' after byte " + std::to_string(start),
                 "close the $(...) command substitution"});
      pos_ = text_.size();
      return std::string();
    }
    std::string_view body = text_.substr(pos_ + 2, end - pos_ - 3);
    pos_ = end;
    return take(hooks_->command_substitution(body, false));
  }
  if (hooks_->special_parameter && !is_name_start(n) && n != '{' && n != '(' && n != '\'') {
    if (auto v = hooks_->special_parameter(n)) {
      pos_ += 2;
      return v;
    }
  }
  return std::nullopt;
}

std::optional<std::string> Expander::hooked_backtick() {
  const size_t end = shell_backtick_end(text_, pos_);
  if (end == std::string_view::npos) {
    fail(Error{"shell", "unexpected EOF while looking for matching ``'", "close the `...` command substitution"});
    pos_ = text_.size();
    return std::nullopt;
  }
  std::string_view body = text_.substr(pos_ + 1, end - pos_ - 2);
  pos_ = end;
  auto r = hooks_->command_substitution(body, true);
  if (!r.ok()) {
    fail(r.error());
    pos_ = text_.size();
    return std::nullopt;
  }
  return std::move(r).value();
}

bool Expander::next_command(const std::map<std::string, std::string>& env, std::vector<std::string>& argv) {
  argv.clear();
  cur_.clear();
  have_word_ = false;
  if (pos_ >= text_.size()) return false;
  while (pos_ < text_.size() && !error_) {
    const char c = text_[pos_];
    if (c == '\\') {
      if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
        pos_ += 2;  // line continuation
      } else if (pos_ + 1 < text_.size()) {
        cur_ += text_[pos_ + 1];
        have_word_ = true;
        pos_ += 2;
      } else {
        ++pos_;
      }
      continue;
    }
    if (c == '\'') {
      const size_t close = text_.find('\'', pos_ + 1);
      if (close == std::string_view::npos) {
        fail(Error{"shell", "unexpected EOF while looking for matching `''", "close the single quote"});
        break;
      }
      cur_ += text_.substr(pos_ + 1, close - pos_ - 1);
      have_word_ = true;
      pos_ = close + 1;
      continue;
    }
    if (c == '"') {
      have_word_ = true;
      ++pos_;
      bool closed = false;
      while (pos_ < text_.size() && !error_) {
        const char d = text_[pos_];
        if (d == '"') {
          closed = true;
          ++pos_;
          break;
        }
        if (d == '\\' && pos_ + 1 < text_.size()) {
          const char n = text_[pos_ + 1];
          if (n == '\n') {
            pos_ += 2;
          } else if (n == '$' || n == '`' || n == '"' || n == '\\') {
            cur_ += n;
            pos_ += 2;
          } else {
            cur_ += '\\';
            ++pos_;
          }
          continue;
        }
        if (d == '`') {
          if (hooks_ && hooks_->command_substitution) {
            if (auto v = hooked_backtick()) cur_ += *v;
            continue;
          }
          fail(unsupported("command substitution `...`", pos_));
          break;
        }
        if (d == '!') check_history(pos_);
        if (d == '$') {
          auto v = parse_dollar(env);
          if (v) cur_ += *v;
          else cur_ += '$';
          continue;
        }
        cur_ += d;
        ++pos_;
      }
      if (!closed && !error_) fail(Error{"shell", "unexpected EOF while looking for matching `\"'", "close the double quote"});
      continue;
    }
    if (c == '$') {
      auto v = parse_dollar(env);
      if (v) append_expansion(*v, false, argv);
      else {
        cur_ += '$';
        have_word_ = true;
      }
      continue;
    }
    if (c == '`') {
      if (hooks_ && hooks_->command_substitution) {
        if (auto v = hooked_backtick()) append_expansion(*v, false, argv);
        continue;
      }
      fail(unsupported("command substitution `...`", pos_));
      break;
    }
    if (c == '#' && cur_.empty() && !have_word_) {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      continue;
    }
    const bool newline_sep = script_ && c == '\n';
    const bool semi = c == ';';
    const bool andand = c == '&' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '&';
    if (newline_sep || semi || andand) {
      if (!script_) {
        fail(Error{"shell", std::string("command separator '") + (andand ? "&&" : ";") + "' in a single command",
                   "paste one command, or load the text as a script"});
        break;
      }
      emit(argv);
      pos_ += andand ? 2 : 1;
      if (!argv.empty()) return true;
      continue;
    }
    if (c == '|' || c == '<' || c == '>' || c == '&' || c == '(' || c == ')') {
      fail(unsupported(std::string("shell operator '") + c + "'", pos_));
      break;
    }
    if (is_ifs(c)) {
      emit(argv);
      ++pos_;
      continue;
    }
    if (c == '!') check_history(pos_);
    cur_ += c;
    have_word_ = true;
    ++pos_;
  }
  emit(argv);
  return !argv.empty() || pos_ < text_.size();
}

Error too_long() {
  return Error{"shell", "input longer than " + std::to_string(kShellInputBytesMax) + " bytes",
               "paste one deployment at a time"};
}

}  // namespace

size_t shell_backtick_end(std::string_view text, size_t open) {
  for (size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '`') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

size_t shell_substitution_end(std::string_view text, size_t open) {
  // bash(1) Command Substitution: the text between $( and the matching ) is a command;
  // quotes, escapes and nested parentheses inside it do not end it.
  int depth = 0;
  for (size_t i = open + 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      ++i;
    } else if (c == '\'') {
      const size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) return close;
      i = close;
    } else if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') {
          ++i;
        } else if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '(') {
          const size_t e = shell_substitution_end(text, i);
          if (e == std::string_view::npos) return e;
          i = e - 1;
        }
      }
      if (i >= text.size()) return std::string_view::npos;
    } else if (c == '`') {
      const size_t e = shell_backtick_end(text, i);
      if (e == std::string_view::npos) return e;
      i = e - 1;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

size_t shell_arith_end(std::string_view text, size_t open) {
  int depth = 0;
  for (size_t i = open + 1; i < text.size(); ++i) {
    if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
      if (depth == 1 && i + 1 < text.size() && text[i + 1] == ')') return i + 2;
      if (depth <= 0) return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

Result<ShellWords> shell_split_hooked(std::string_view line, const std::map<std::string, std::string>& env,
                                      const ShellHooks& hooks) {
  if (line.size() > kShellInputBytesMax) return too_long();
  Expander x(line, /*script_mode=*/false, &hooks);
  ShellWords out;
  x.next_command(env, out.argv);
  if (x.error_) return *x.error_;
  out.unset_vars = x.unset_vars_;
  out.warnings = x.warnings_;
  return out;
}

Result<ShellWords> shell_split(std::string_view line, const std::map<std::string, std::string>& env) {
  if (line.size() > kShellInputBytesMax) return too_long();
  Expander x(line, /*script_mode=*/false);
  ShellWords out;
  x.next_command(env, out.argv);
  if (x.error_) return *x.error_;
  out.unset_vars = x.unset_vars_;
  out.warnings = x.warnings_;
  return out;
}

Result<ShellScript> shell_run_script(std::string_view text, std::map<std::string, std::string> env) {
  if (text.size() > kShellInputBytesMax) return too_long();
  Expander x(text, /*script_mode=*/true);
  ShellScript out;
  std::vector<std::string> argv;
  // Bounded: each call consumes at least one byte of the (<= 64 KiB) input.
  while (x.next_command(env, argv)) {
    if (x.error_) break;
    if (argv.empty()) continue;
    auto assignment = [](const std::string& w) {
      const size_t eq = w.find('=');
      if (eq == std::string::npos || eq == 0 || !is_name_start(w[0])) return false;
      return std::all_of(w.begin(), w.begin() + static_cast<long>(eq), is_name_char);
    };
    const bool is_export = argv[0] == "export";
    const size_t first = is_export ? 1 : 0;
    bool all_assign = argv.size() > first;
    for (size_t i = first; i < argv.size(); ++i) all_assign = all_assign && assignment(argv[i]);
    if (all_assign) {
      for (size_t i = first; i < argv.size(); ++i) {
        const size_t eq = argv[i].find('=');
        env[argv[i].substr(0, eq)] = argv[i].substr(eq + 1);
      }
      continue;
    }
    if (is_export) continue;  // `export NAME` only marks; the value is unchanged
    out.commands.push_back(argv);
  }
  if (x.error_) return *x.error_;
  out.env = std::move(env);
  out.unset_vars = x.unset_vars_;
  out.warnings = x.warnings_;
  return out;
}

}  // namespace raftlab::etcd
