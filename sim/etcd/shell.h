// shell.h — the part of bash that turns a pasted command line into argv.
//
//   std::map<std::string, std::string> env{{"ETCD_INITIAL_CLUSTER", "etcd1=http://a:2380"}};
//   auto r = shell_split("docker run -e ETCD_INITIAL_CLUSTER=\"$ETCD_INITIAL_CLUSTER\" img", env);
//   r.value().argv == {"docker", "run", "-e", "ETCD_INITIAL_CLUSTER=etcd1=http://a:2380", "img"}
//
// What bash does and this does too (bash(1), EXPANSION / QUOTING / Word Splitting):
//  * '...' is literal; "..." expands $VAR and ${VAR}, and a backslash there escapes
//    only $ ` " \ and newline; an unquoted backslash escapes any character.
//  * backslash-newline is removed (line continuation) outside single quotes.
//  * $VAR, ${VAR}, ${VAR:-word}, ${VAR-word}; an unset variable expands to nothing
//    and is reported in `unset_vars` (bash without `set -u` does not complain).
//  * results of unquoted expansions are field-split on space/tab/newline; quoted
//    ones are not; a word that ends up empty and was never quoted disappears.
//  * an unquoted '#' at the start of a word starts a comment.
// Not supported (returned as an Error naming the construct): command substitution
// $(...) and `...`, arithmetic $((...)), pipes and redirections, $'...', special
// parameters ($1, $@, $?...). No pathname expansion is done (docker lines have none).
// Interactive-only history expansion ("!!") is not applied; a warning says so.
//
// Must never: touch the real environment, run anything, exceed the input bounds.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/etcd/wording.h"

namespace raftlab::etcd {

inline constexpr size_t kShellInputBytesMax = 64 * 1024;
inline constexpr size_t kShellWordsMax = 4096;

struct ShellWords {
  std::vector<std::string> argv;
  std::vector<std::string> unset_vars;  // referenced but unset, in first-use order, unique
  std::vector<std::string> warnings;
};

// Expands and word-splits one command (newlines other than continuations are
// treated as blanks).
Result<ShellWords> shell_split(std::string_view line, const std::map<std::string, std::string>& env);

// A pasted snippet: several commands separated by unquoted newlines, ';' or '&&'.
// `export NAME=value` and bare `NAME=value` commands update the environment used
// by the following commands (as an operator's shell session would); every other
// command is returned in order.
struct ShellScript {
  std::vector<std::vector<std::string>> commands;
  std::map<std::string, std::string> env;  // environment after the snippet
  std::vector<std::string> unset_vars;
  std::vector<std::string> warnings;
};
Result<ShellScript> shell_run_script(std::string_view text, std::map<std::string, std::string> env);

// ---- Pure addition for sim/cloud/user_data (shell_split above is unchanged) ----------
// The same expansion with callbacks for what shell_split refuses. A hook left empty
// keeps shell_split's refusal. The hooks are called left to right in the word.
struct ShellHooks {
  // $(...) and `...` (bash(1) Command Substitution): gets the text inside, returns the
  // (already trailing-newline-stripped) output.
  std::function<Result<std::string>(std::string_view body, bool backtick)> command_substitution;
  // $((...)) (bash(1) Arithmetic Expansion): gets the expression.
  std::function<Result<std::string>(std::string_view expr)> arithmetic;
  // $? and the other special parameters (bash(1) Special Parameters); nullopt refuses.
  std::function<std::optional<std::string>(char name)> special_parameter;
  // false: results of unquoted expansions are not field-split (bash(1) Parameters:
  // "word splitting is not performed" on an assignment's value, nor inside [[ ]]).
  bool split_fields = true;
};
Result<ShellWords> shell_split_hooked(std::string_view line, const std::map<std::string, std::string>& env,
                                      const ShellHooks& hooks);

// Where `$(` at `open` (the index of '$') ends: one past its matching ')', skipping
// quotes, escapes and nested $(...) / (...); npos if it never closes. `$((` is not
// special here (the arithmetic form ends at the matching '))', see shell_arith_end).
size_t shell_substitution_end(std::string_view text, size_t open);
// One past the matching "))" of `$((` at `open`; npos if it never closes.
size_t shell_arith_end(std::string_view text, size_t open);
// One past the closing unescaped '`' of the backquote at `open`; npos if none.
size_t shell_backtick_end(std::string_view text, size_t open);

}  // namespace raftlab::etcd
