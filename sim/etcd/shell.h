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

#include <map>
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

}  // namespace raftlab::etcd
