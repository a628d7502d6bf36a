// sim/cloud/user_data_run_internal.h — the interpreter's state (ScriptRun::Impl), shared by
// the files of the user-data interpreter (user_data.h's ScriptRun), each named for what it runs:
//
//   user_data_run.cc      the machine: the frame stack and work loop (run_loop), exit/break
//                         unwinding, output sinks, word expansion with command substitution,
//                         compound commands (lists, pipelines, if/for/while/until/case,
//                         subshells), ScriptRun's public functions
//   user_data_command.cc  one simple command: redirections, xtrace, and its dispatch to the
//                         shell's own builtins (exit, break, sleep, source, cd, set, export,
//                         cat, mkdir, ...), the filters, IMDS, or the host (ScriptHost::run)
//
// Must never: be included outside sim/cloud/user_data_run.cc and user_data_command.cc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/cloud/user_data_ast.h"

namespace raftlab::cloud {
namespace script_run {

struct Sink {
  enum K { kLog, kCapture } k = kLog;
  std::string buf;
};
using SinkP = std::shared_ptr<Sink>;

struct Target {
  enum K { kSink, kFile, kDiscard } k = kSink;
  SinkP sink;
  std::string path;
};

struct Saved {
  std::map<std::string, std::string> env;
  std::set<std::string> exported;
  std::string cwd;
  bool errexit, nounset, xtrace, pipefail;
};

struct Frame {
  const Node* node = nullptr;
  int pc = 0;
  bool cond = false;  // errexit ignored (bash(1) The Set Builtin, -e)
  bool bg = false;
  std::string in;
  SinkP out, err;
  std::optional<Saved> saved;  // a subshell ($(...)): restored when it ends
  bool is_source = false;
  // command substitutions of this node's words
  int sub_state = 0;
  std::vector<const Node*> subs;
  size_t sub_i = 0, sub_cursor = 0;
  std::vector<std::string> sub_out;
  int sub_status = -1;
  SinkP cap;
  // and-or / pipeline / loops / if
  size_t idx = 0;
  int last_run = -1;
  std::string carry;
  std::vector<int> statuses;
  std::vector<std::string> items;
  int iters = 0;
  int body_status = 0;
  // simple command waiting on the host
  Target out_t, err_t;
};

inline std::string strip_newlines(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

inline std::string xtrace_quote(const std::string& a) {
  const bool plain = !a.empty() && a.find_first_of(" \t\n'\"$`\\|&;<>()*?[]{}!#") == std::string::npos;
  if (plain) return a;
  std::string q = "'";
  for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace script_run

using script_run::Frame;
using script_run::SinkP;
using script_run::Target;

struct ScriptRun::Impl {
  Impl(std::shared_ptr<const Script> s, ScriptHost& h, std::map<std::string, std::string> env)
      : script(std::move(s)), host(h), vars(std::move(env)) {
    for (const auto& [k, v] : vars) exported.insert(k);
  }
  std::shared_ptr<const Script> script;
  ScriptHost& host;
  std::map<std::string, std::string> vars;
  std::set<std::string> exported;
  std::set<std::string> dirs;  // made by mkdir in this run
  std::string cwd = "/";
  bool errexit = false, nounset = false, xtrace = false, pipefail = false;
  int last_status = 0, ret = 0, exit_code = 0;
  std::deque<Frame> stack;
  bool waiting = false, in_loop = false, halted = false, reported = false, finished_flag = false;
  std::optional<int> exit_pending;
  int break_levels = 0;
  bool break_is_continue = false;
  std::uint64_t wait_id = 0;
  std::optional<CommandOutcome> pending;
  std::int64_t steps = 0;
  std::vector<std::shared_ptr<const Script>> sourced;
  std::function<void(int)> finished;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);

  // ---- control
  void halt(int line, int code, const std::string& msg) {
    if (!msg.empty()) host.log(line, msg);
    exit_code = code;
    halted = true;
  }
  void push(const Node* n, std::string in, SinkP out, SinkP err, bool cond, bool bg = false) {
    Frame f;
    f.node = n;
    f.in = std::move(in);
    f.out = std::move(out);
    f.err = std::move(err);
    f.cond = cond;
    f.bg = bg;
    stack.push_back(std::move(f));
  }
  void restore(Frame& f) {
    if (!f.saved) return;
    vars = std::move(f.saved->env);
    exported = std::move(f.saved->exported);
    cwd = std::move(f.saved->cwd);
    errexit = f.saved->errexit, nounset = f.saved->nounset, xtrace = f.saved->xtrace, pipefail = f.saved->pipefail;
    f.saved.reset();
  }
  void finish(int status) {
    restore(stack.back());
    stack.pop_back();
    ret = status;
    if (stack.empty()) exit_code = status;
  }
  void unwind_exit();
  void unwind_break();
  void run_loop();

  // ---- output
  void sink_write(const SinkP& s, const std::string& text, int line);
  void write_target(const Target& t, const std::string& text, int line) {
    if (t.k == Target::kSink) sink_write(t.sink, text, line);
    else if (t.k == Target::kFile && !text.empty()) host.write_file(t.path, text, true);
  }
  std::string resolve(const std::string& p) const {
    if (p.empty() || p[0] == '/') return p;
    return cwd == "/" ? "/" + p : cwd + "/" + p;
  }

  // ---- expansion
  static void collect(const Word& w, std::vector<const Node*>& out) {
    for (const auto& s : w.subs) out.push_back(s.get());
  }
  // Runs the node's command substitutions; true when all have run.
  bool subs_ready(Frame& f);
  // Expands one word; nullopt after an error (the run is then stopping).
  std::optional<std::vector<std::string>> expand(Frame& f, const Word& w, std::string_view raw, bool split);
  std::optional<std::string> expand_one(Frame& f, const Word& w, std::string_view raw) {
    auto v = expand(f, w, raw, false);
    if (!v) return std::nullopt;
    std::string s;
    for (size_t i = 0; i < v->size(); ++i) s += (i ? " " : "") + (*v)[i];
    return s;
  }

  void step();
  void step_simple(Frame& f);
  bool apply_redirs(Frame& f, std::string& in);
  void dispatch(Frame& f, std::vector<std::string> argv, std::map<std::string, std::string> prefix, std::string in);
  void deliver(Frame& f, const FilterOut& o);
  bool builtin(Frame& f, const std::vector<std::string>& argv, const std::string& in, FilterOut& o);
  bool file_test(char op, const std::string& p);
  int eval_test(const std::vector<std::string>& a, const std::vector<bool>& pattern, bool dbl, std::string& err) {
    return test_expression(a, pattern, dbl, [this](char op, const std::string& p) { return file_test(op, p); }, err);
  }
};

}  // namespace raftlab::cloud
