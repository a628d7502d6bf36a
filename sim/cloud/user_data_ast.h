// sim/cloud/user_data_ast.h — the parsed form of a user-data script (private to
// sim/cloud/user_data_*.cc): words keep their raw text (expanded at run time by
// etcd::shell_split_hooked) and the command substitutions found in them, parsed.
// Also the filters' and builtins' entry points shared by the parser (which checks
// literal arguments up front) and the interpreter.
//
// Must never: be included outside sim/cloud/user_data_*.cc and its test; hold state
// beyond the tree; expand anything (that is the interpreter's job).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/cloud/user_data.h"

namespace raftlab::cloud {

inline constexpr int kNestingMax = 64;          // compound commands and $(...) inside each other
inline constexpr int kSourceDepthMax = 16;      // `source` inside `source`
inline constexpr std::int64_t kStepsMax = 200'000;  // simple commands per run (nested loops)

struct Node;

// One shell word. `raw` is the source text with quotes (a heredoc body is stored as
// one double-quoted word, see user_data_parse.cc). `subs` are the top-level command
// substitutions in it, left to right, in the order shell_split_hooked meets them.
struct Word {
  std::string raw;
  int line = 0;
  std::vector<std::shared_ptr<const Node>> subs;
  bool quoted = false;  // any quote or backslash in raw (pattern words of [[ ]] are then literal)
};

struct Redir {
  enum Kind { kOut, kAppend, kIn, kDup, kHeredoc, kHereString } kind = kOut;
  int fd = 1;          // the redirected descriptor (0, 1 or 2)
  int dup_to = -1;     // kDup: n>&m
  Word target;         // file name, heredoc body or here-string word
  bool expand = true;  // heredoc: false for <<'EOF'
};

struct Node {
  enum Kind { kList, kAndOr, kPipeline, kSimple, kIf, kFor, kWhile, kUntil, kTest, kBreak } kind = kList;
  int line = 0;
  std::vector<std::shared_ptr<const Node>> kids;
  // kAndOr: ops[i] joins kids[i] and kids[i+1]: true = "&&", false = "||".
  std::vector<bool> ops;
  bool background = false;  // kAndOr: trailing '&'
  bool negate = false;      // kPipeline: leading '!'
  // kSimple: NAME=value words, the command words, redirections.
  std::vector<Word> assigns;
  std::vector<Word> words;  // kFor: the list; kTest: the [[ ]] operands and operators
  std::vector<Redir> redirs;
  std::string name;         // kFor: the variable
  bool has_else = false;    // kIf: kids = cond0, then0, cond1, then1, ..., [else]
  bool is_continue = false; // kBreak: continue instead of break
  int levels = 1;           // kBreak: N of `break N`
};

struct Script {
  std::shared_ptr<const Node> root;
  std::set<std::string> external;
  std::string where;
};

// The parse entry used by parse_script and by `source` at run time.
etcd::Result<std::shared_ptr<const Script>> parse_script_at(std::string_view text, const std::string& where,
                                                            const std::set<std::string>& external, int first_line);

// ---- builtins and filters (user_data_filters.cc) -------------------------------------
struct FilterOut {
  int status = 0;
  std::string out;
  std::string err;
};
// Text filters: grep cut head tail tr xargs awk sed jq wc sort uniq base64 tee(no file).
bool is_filter(std::string_view name);
// Checks a filter's arguments (parse time when they are all literal; again at run time).
std::optional<std::string> check_filter(const std::vector<std::string>& argv);
FilterOut run_filter(const std::vector<std::string>& argv, const std::string& in);
// echo / printf.
FilterOut run_echo(const std::vector<std::string>& argv);
FilterOut run_printf(const std::vector<std::string>& argv);
// Glob match of bash(1) Pattern Matching: * ? [...] (for [[ == ]]).
bool glob_match(std::string_view pattern, std::string_view text);
// Integer arithmetic of bash(1) ARITHMETIC EVALUATION: + - * / % ( ), names, $NAME.
// `lookup` returns a variable's value (nullopt: unset = 0).
etcd::Result<std::int64_t> eval_arith(std::string_view expr,
                                      const std::function<std::optional<std::string>(const std::string&)>& lookup);
// test / [ / [[ ]] (bash(1) CONDITIONAL EXPRESSIONS): 0 true, 1 false, 2 error (`err` set).
// `pattern[i]`: a [[ == ]] right side that was not quoted is a glob. `file_test(op, path)`
// answers -f -d -e -s -x -r -w.
int test_expression(const std::vector<std::string>& a, const std::vector<bool>& pattern, bool dbl,
                    const std::function<bool(char, const std::string&)>& file_test, std::string& err);
// curl / wget of http://169.254.169.254/ (AWS EC2 User Guide, "Access instance metadata":
// IMDSv2 = PUT /latest/api/token, then GET with X-aws-ec2-metadata-token). handled=false:
// another URL (the runtime's external curl, if any).
struct ImdsResult {
  bool handled = false;
  FilterOut out;
};
ImdsResult run_imds(const std::vector<std::string>& argv, ScriptHost& host, const std::string& cwd);
// Builtins handled by the interpreter itself (user_data_run.cc).
bool is_builtin(std::string_view name);
std::string supported_commands_text(const std::set<std::string>& external);

}  // namespace raftlab::cloud
