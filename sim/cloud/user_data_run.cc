// sim/cloud/user_data_run.cc — ScriptRun: walks a parsed user-data script against a
// ScriptHost in continuation-passing style. An explicit stack of frames and one work loop
// (run_loop) drive it; a host that completes a command synchronously only clears
// `waiting_`, so completions never deepen the C++ stack. Semantics follow bash(1):
// Pipelines, Lists, Compound Commands, EXIT STATUS, The Set Builtin (errexit's
// exceptions: conditions of if/while/until, all but the last of && ||, '!' pipelines,
// all but the last pipeline stage), Command Substitution (a subshell: its variable
// changes do not survive; bash outside POSIX mode clears -e in it).
//
// Must never: touch the real system, read a clock, run past its bounds (kLoopIterationsMax,
// kOutputBytesMax, kStepsMax, kSourceDepthMax), call the host after `finished`.
#include <algorithm>
#include <deque>

#include "sim/cloud/user_data_ast.h"
#include "sim/etcd/shell.h"

namespace raftlab::cloud {

bool is_builtin(std::string_view n) {
  static const std::set<std::string, std::less<>> k{"echo", "printf", "true",  "false", ":",     "exit",  "set",
                                                    "source", ".",    "cd",    "sleep", "cat",   "export", "unset",
                                                    "mkdir", "chmod", "chown", "touch", "rm",    "test",  "[",
                                                    "break", "continue", "tee", "pwd"};
  return k.count(n) > 0;
}

std::string supported_commands_text(const std::set<std::string>& external) {
  std::string s =
      "use only: builtins echo printf true false : exit set source . cd pwd sleep cat export unset mkdir chmod chown "
      "touch rm test [ [[ break continue tee; filters grep cut head tail tr xargs awk sed jq wc sort uniq base64; "
      "curl/wget of http://169.254.169.254/latest/...; external commands the runtime runs:";
  if (external.empty()) s += " (none)";
  for (const auto& e : external) s += " " + e;
  return s;
}

namespace {

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

std::string strip_newlines(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::string xtrace_quote(const std::string& a) {
  const bool plain = !a.empty() && a.find_first_of(" \t\n'\"$`\\|&;<>()*?[]{}!#") == std::string::npos;
  if (plain) return a;
  std::string q = "'";
  for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

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
  void unwind_exit() {
    const int code = *exit_pending;
    exit_pending.reset();
    while (!stack.empty()) {
      const bool sub = stack.back().saved.has_value();
      finish(code);
      if (sub) return;
    }
    exit_code = code;
  }
  void unwind_break() {
    while (!stack.empty()) {
      Frame& f = stack.back();
      const auto k = f.node->kind;
      if (k == Node::kFor || k == Node::kWhile || k == Node::kUntil) {
        if (--break_levels > 0) {
          finish(0);
          continue;
        }
        if (break_is_continue) f.pc = k == Node::kFor ? 2 : 0;
        else finish(0);
        return;
      }
      if (f.saved) {  // break inside $(...) stops at the subshell
        break_levels = 0;
        return;
      }
      stack.pop_back();
    }
    break_levels = 0;
  }
  void run_loop() {
    if (in_loop) return;
    in_loop = true;
    while (!waiting) {
      if (halted) stack.clear();
      else if (exit_pending) unwind_exit();
      else if (break_levels > 0) unwind_break();
      if (stack.empty()) break;
      step();
    }
    in_loop = false;
    if (stack.empty() && !waiting && !reported) {
      reported = true;
      finished_flag = true;
      auto cb = std::move(finished);
      if (cb) cb(exit_code);  // may destroy this run: nothing after
    }
  }

  // ---- output
  void sink_write(const SinkP& s, const std::string& text, int line) {
    if (text.empty()) return;
    if (s->k == Sink::kCapture) {
      if (s->buf.size() + text.size() > kOutputBytesMax) {
        halt(line, 1, "raftlab: line " + std::to_string(line) + ": output over " + std::to_string(kOutputBytesMax) +
                          " bytes (a pipe or $(...)): stopped");
        return;
      }
      s->buf += text;
      return;
    }
    size_t p = 0;
    while (p < text.size()) {
      size_t e = text.find('\n', p);
      if (e == std::string::npos) e = text.size();
      host.log(line, text.substr(p, e - p));
      p = e + 1;
    }
  }
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
  bool subs_ready(Frame& f) {
    if (f.sub_state == 0) {
      const Node& n = *f.node;
      for (const auto& w : n.words) collect(w, f.subs);
      for (const auto& r : n.redirs) collect(r.target, f.subs);
      for (const auto& w : n.assigns) collect(w, f.subs);
      f.sub_state = 1;
    }
    if (f.sub_state == 2) {
      f.sub_out.push_back(strip_newlines(std::move(f.cap->buf)));
      f.sub_status = ret;
      last_status = ret;
      ++f.sub_i;
      f.sub_state = 1;
    }
    if (f.sub_i < f.subs.size()) {
      f.cap = std::make_shared<Sink>();
      f.cap->k = Sink::kCapture;
      f.sub_state = 2;
      Saved sv{vars, exported, cwd, errexit, nounset, xtrace, pipefail};
      const Node* sub = f.subs[f.sub_i];
      SinkP cap = f.cap, err = f.err;
      push(sub, "", cap, err, false);
      stack.back().saved = std::move(sv);
      errexit = false;  // bash(1) The Set Builtin: not inherited by $(...) outside POSIX mode
      return false;
    }
    return true;
  }
  // Expands one word; nullopt after an error (the run is then stopping).
  std::optional<std::vector<std::string>> expand(Frame& f, const Word& w, std::string_view raw, bool split) {
    size_t biggest = 0;
    for (const auto& [k, v] : vars) biggest = std::max(biggest, v.size());
    for (const auto& s : f.sub_out) biggest = std::max(biggest, s.size());
    const auto dollars = static_cast<size_t>(std::count(raw.begin(), raw.end(), '$') + std::count(raw.begin(), raw.end(), '`'));
    if (raw.size() + dollars * biggest > kOutputBytesMax) {
      halt(w.line, 1, "raftlab: line " + std::to_string(w.line) + ": expanding this word could exceed " +
                          std::to_string(kOutputBytesMax) + " bytes: stopped");
      return std::nullopt;
    }
    etcd::ShellHooks h;
    h.split_fields = split;
    h.command_substitution = [&f](std::string_view, bool) -> etcd::Result<std::string> {
      if (f.sub_cursor >= f.sub_out.size()) return std::string();
      return f.sub_out[f.sub_cursor++];
    };
    h.arithmetic = [this](std::string_view e) -> etcd::Result<std::string> {
      auto v = eval_arith(e, [this](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
      });
      if (!v.ok()) return v.error();
      return std::to_string(v.value());
    };
    h.special_parameter = [this](char c) -> std::optional<std::string> {
      if (c == '?') return std::to_string(last_status);
      return std::nullopt;
    };
    auto r = etcd::shell_split_hooked(raw, vars, h);
    if (!r.ok()) {
      halt(w.line, 1, "line " + std::to_string(w.line) + ": " + r.error().message);
      return std::nullopt;
    }
    if (nounset && !r.value().unset_vars.empty()) {
      // bash(1) The Set Builtin, -u: "the shell prints an error message, and, if not
      // interactive, exits with a non-zero status".
      host.log(w.line, "line " + std::to_string(w.line) + ": " + r.value().unset_vars[0] + ": unbound variable");
      exit_pending = 1;
      return std::nullopt;
    }
    return std::move(r.value().argv);
  }
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
  void deliver(Frame& f, const FilterOut& o) {
    const int line = f.node->line;
    if (o.out.size() > kOutputBytesMax || o.err.size() > kOutputBytesMax) {
      halt(line, 1, "raftlab: line " + std::to_string(line) + ": command output over " + std::to_string(kOutputBytesMax) +
                        " bytes: stopped");
      return;
    }
    write_target(f.out_t, o.out, line);
    write_target(f.err_t, o.err, line);
    if (!halted) finish(f.bg ? 0 : o.status);
  }
  bool builtin(Frame& f, const std::vector<std::string>& argv, const std::string& in, FilterOut& o);
  bool file_test(char op, const std::string& p) {
    const std::string path = resolve(p);
    static const std::set<std::string> kDirs{"/", "/etc", "/tmp", "/var", "/var/lib", "/var/log", "/opt", "/usr",
                                             "/usr/bin", "/usr/local", "/usr/local/bin", "/root", "/home",
                                             "/etc/sysconfig", "/etc/systemd/system", "/run", "/var/run"};
    if (op == 'd') return dirs.count(path) > 0 || kDirs.count(path) > 0;
    auto t = host.read_file(path);
    if (op == 's') return t && !t->empty();
    if (op == 'x') {
      const size_t sl = path.rfind('/');
      return t.has_value() || script->external.count(path.substr(sl + 1)) > 0;
    }
    return t.has_value();  // -f -e -r -w
  }
  int eval_test(const std::vector<std::string>& a, const std::vector<bool>& pattern, bool dbl, std::string& err) {
    return test_expression(a, pattern, dbl, [this](char op, const std::string& p) { return file_test(op, p); }, err);
  }
};

// ---------------------------------------------------------------------------------------
void ScriptRun::Impl::step() {
  Frame& f = stack.back();
  const Node& n = *f.node;
  switch (n.kind) {
    case Node::kList:
      if (f.idx < n.kids.size()) {
        const Node* k = n.kids[f.idx++].get();
        push(k, f.in, f.out, f.err, f.cond);
      } else {
        finish(n.kids.empty() ? 0 : ret);
      }
      return;
    case Node::kAndOr: {
      if (f.last_run < 0) {
        f.last_run = 0;
        push(n.kids[0].get(), f.in, f.out, f.err, f.cond || n.kids.size() > 1, n.background);
        return;
      }
      const int s = ret;
      for (size_t i = static_cast<size_t>(f.last_run) + 1; i < n.kids.size(); ++i) {
        if (n.ops[i - 1] == (s == 0)) {
          f.last_run = static_cast<int>(i);
          push(n.kids[i].get(), f.in, f.out, f.err, f.cond || i + 1 < n.kids.size());
          return;
        }
      }
      const bool last = static_cast<size_t>(f.last_run) + 1 == n.kids.size();
      if (s != 0 && errexit && !f.cond && last && !n.kids.back()->negate && !n.background) {
        exit_pending = s;  // bash(1) The Set Builtin, -e
        return;
      }
      finish(n.background ? 0 : s);
      return;
    }
    case Node::kPipeline: {
      if (f.idx > 0) {
        f.statuses.push_back(ret);
        if (f.idx < n.kids.size()) f.carry = std::move(f.cap->buf);
      }
      if (f.idx < n.kids.size()) {
        const bool lastk = f.idx + 1 == n.kids.size();
        SinkP out = f.out;
        if (!lastk) {
          f.cap = std::make_shared<Sink>();
          f.cap->k = Sink::kCapture;
          out = f.cap;
        }
        std::string in = f.idx == 0 ? f.in : std::move(f.carry);
        const Node* k = n.kids[f.idx++].get();
        push(k, std::move(in), out, f.err, f.cond || !lastk || n.negate, f.bg);
        return;
      }
      int s = f.statuses.back();
      if (pipefail)
        for (int x : f.statuses)
          if (x != 0) s = x;
      if (n.negate) s = s == 0 ? 1 : 0;
      last_status = s;
      finish(s);
      return;
    }
    case Node::kSimple:
      step_simple(f);
      return;
    case Node::kIf: {
      // pc even: push condition idx/2; pc odd: condition returned
      if (f.pc == 0) {
        f.pc = 1;
        push(n.kids[f.idx].get(), f.in, f.out, f.err, true);
        return;
      }
      if (f.pc == 1) {
        if (ret == 0) {
          f.pc = 2;
          push(n.kids[f.idx + 1].get(), f.in, f.out, f.err, f.cond);
          return;
        }
        f.idx += 2;
        const size_t conds_end = n.kids.size() - (n.has_else ? 1 : 0);
        if (f.idx < conds_end) {
          push(n.kids[f.idx].get(), f.in, f.out, f.err, true);
          return;
        }
        if (n.has_else) {
          f.pc = 2;
          push(n.kids.back().get(), f.in, f.out, f.err, f.cond);
          return;
        }
        finish(0);
        return;
      }
      finish(ret);
      return;
    }
    case Node::kFor: {
      if (f.pc == 0) {
        if (!subs_ready(f)) return;
        for (const auto& w : n.words) {
          auto v = expand(f, w, w.raw, true);
          if (!v) return;
          for (auto& x : *v) f.items.push_back(std::move(x));
        }
        f.pc = 2;
      }
      if (f.pc == 3) {
        f.body_status = ret;
        f.pc = 2;
      }
      if (f.idx >= f.items.size()) {
        finish(f.body_status);
        return;
      }
      if (f.iters >= kLoopIterationsMax) {
        halt(n.line, 1, "raftlab: loop at line " + std::to_string(n.line) + " ran " + std::to_string(kLoopIterationsMax) + " times: stopped");
        return;
      }
      ++f.iters;
      vars[n.name] = f.items[f.idx++];
      f.pc = 3;
      push(n.kids[0].get(), f.in, f.out, f.err, f.cond);
      return;
    }
    case Node::kWhile:
    case Node::kUntil: {
      if (f.pc == 0) {
        f.pc = 1;
        push(n.kids[0].get(), f.in, f.out, f.err, true);
        return;
      }
      if (f.pc == 1) {
        if ((ret == 0) != (n.kind == Node::kWhile)) {
          finish(f.body_status);
          return;
        }
        if (f.iters >= kLoopIterationsMax) {
          halt(n.line, 1, "raftlab: loop at line " + std::to_string(n.line) + " ran " + std::to_string(kLoopIterationsMax) + " times: stopped");
          return;
        }
        ++f.iters;
        f.pc = 2;
        push(n.kids[1].get(), f.in, f.out, f.err, f.cond);
        return;
      }
      f.body_status = ret;
      f.pc = 0;
      return;
    }
    case Node::kTest: {
      if (!subs_ready(f)) return;
      std::vector<std::string> a;
      std::vector<bool> pat;
      for (const auto& w : n.words) {
        if (w.raw == "&&" || w.raw == "||") {
          a.push_back(w.raw);
          pat.push_back(false);
          continue;
        }
        auto v = expand_one(f, w, w.raw);
        if (!v) return;
        a.push_back(*v);
        pat.push_back(!w.quoted);
      }
      if (++steps > kStepsMax) {
        halt(n.line, 1, "raftlab: the script ran " + std::to_string(kStepsMax) + " commands: stopped");
        return;
      }
      if (xtrace) {
        std::string t = "+ [[";
        for (const auto& x : a) t += " " + xtrace_quote(x);
        host.log(n.line, t + " ]]");
      }
      std::string err;
      const int s = eval_test(a, pat, true, err);
      if (!err.empty()) host.log(n.line, "line " + std::to_string(n.line) + ": " + err);
      last_status = s;
      finish(s);
      return;
    }
    case Node::kBreak:
      finish(0);
      return;
  }
}

bool ScriptRun::Impl::apply_redirs(Frame& f, std::string& in) {
  const Node& n = *f.node;
  f.out_t = Target{Target::kSink, f.out, ""};
  f.err_t = Target{Target::kSink, f.err, ""};
  for (const auto& r : n.redirs) {
    Target* t = r.fd == 2 ? &f.err_t : &f.out_t;
    if (r.kind == Redir::kDup) {
      if (r.fd == 2 && r.dup_to == 1) f.err_t = f.out_t;
      else if (r.fd == 1 && r.dup_to == 2) f.out_t = f.err_t;
      continue;
    }
    if (r.kind == Redir::kHeredoc || r.kind == Redir::kHereString) {
      if (r.kind == Redir::kHeredoc && !r.expand) {
        in = r.target.raw;
        continue;
      }
      auto v = expand_one(f, r.target, r.target.raw);
      if (!v) return false;
      in = *v + (r.kind == Redir::kHereString ? "\n" : "");
      continue;
    }
    auto p = expand_one(f, r.target, r.target.raw);
    if (!p) return false;
    const std::string path = resolve(*p);
    if (r.kind == Redir::kIn) {
      if (path == "/dev/null") {
        in.clear();
        continue;
      }
      auto text = host.read_file(path);
      if (!text) {
        sink_write(f.err, "line " + std::to_string(n.line) + ": " + *p + ": No such file or directory\n", n.line);
        last_status = 1;
        finish(1);
        return false;
      }
      in = *text;
      continue;
    }
    if (path == "/dev/null") *t = Target{Target::kDiscard, nullptr, ""};
    else if (path == "/dev/stderr") *t = f.err_t;
    else if (path == "/dev/stdout") *t = f.out_t;
    else {
      host.write_file(path, "", r.kind == Redir::kAppend);  // bash opens (and truncates for >) first
      *t = Target{Target::kFile, nullptr, path};
    }
  }
  return true;
}

void ScriptRun::Impl::step_simple(Frame& f) {
  const Node& n = *f.node;
  if (f.pc == 4) {  // the host answered
    CommandOutcome o = std::move(*pending);
    pending.reset();
    last_status = o.exit_code;
    deliver(f, FilterOut{o.exit_code, std::move(o.out), std::move(o.err)});
    return;
  }
  if (f.pc == 5) {  // sourced file or sleep ended
    last_status = ret;
    finish(ret);
    return;
  }
  if (!subs_ready(f)) return;
  if (++steps > kStepsMax) {
    halt(n.line, 1, "raftlab: the script ran " + std::to_string(kStepsMax) + " commands: stopped");
    return;
  }
  std::vector<std::string> argv;
  for (const auto& w : n.words) {
    auto v = expand(f, w, w.raw, true);
    if (!v) return;
    for (auto& x : *v) argv.push_back(std::move(x));
  }
  std::string in = f.in;
  if (!apply_redirs(f, in)) return;
  std::map<std::string, std::string> prefix;
  std::string trace = "+";
  for (const auto& w : n.assigns) {
    const size_t eq = w.raw.find('=');
    auto v = expand_one(f, w, std::string_view(w.raw).substr(eq + 1));
    if (!v) return;
    prefix[w.raw.substr(0, eq)] = *v;
    trace += " " + w.raw.substr(0, eq) + "=" + xtrace_quote(*v);
  }
  for (const auto& a : argv) trace += " " + xtrace_quote(a);
  if (xtrace && trace.size() > 1) host.log(n.line, trace);
  if (argv.empty()) {
    for (auto& [k, v] : prefix) vars[k] = v;
    const int s = f.sub_status >= 0 ? f.sub_status : 0;
    last_status = s;
    finish(s);
    return;
  }
  dispatch(f, std::move(argv), std::move(prefix), std::move(in));
}

void ScriptRun::Impl::dispatch(Frame& f, std::vector<std::string> argv, std::map<std::string, std::string> prefix,
                               std::string in) {
  const Node& n = *f.node;
  const std::string& name = argv[0];
  const int line = n.line;
  FilterOut o;
  if (name == "exit") {
    int code = last_status;
    if (argv.size() > 1) {
      try {
        code = std::stoi(argv[1]) & 255;
      } catch (...) {
        sink_write(f.err, "line " + std::to_string(line) + ": exit: " + argv[1] + ": numeric argument required\n", line);
        code = 2;
      }
    }
    exit_pending = code;
    return;
  }
  if (name == "break" || name == "continue") {
    int levels = 1;
    if (argv.size() > 1) levels = std::max(1, std::atoi(argv[1].c_str()));
    break_levels = levels;
    break_is_continue = name == "continue";
    last_status = 0;
    return;
  }
  if (name == "sleep" && !f.bg) {
    double secs = 0;
    const std::string a = argv.size() > 1 ? argv[1] : "";
    char unit = 's';
    size_t used = 0;
    bool ok = !a.empty();
    try {
      secs = std::stod(a, &used);
    } catch (...) {
      ok = false;
    }
    if (ok && used < a.size()) {
      unit = a[used];
      ok = used + 1 == a.size() && (unit == 's' || unit == 'm' || unit == 'h' || unit == 'd');
    }
    if (!ok || secs < 0 || secs > 86400.0 * 365) {
      last_status = 1;
      deliver(f, FilterOut{1, "", "sleep: invalid time interval '" + a + "'\n"});
      return;
    }
    const double mult = unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 1;
    const auto ns = static_cast<std::int64_t>(secs * mult * 1e9);
    f.pc = 5;
    ret = 0;
    waiting = true;
    const auto id = ++wait_id;
    auto alive_flag = alive;
    host.sleep(ns, [this, alive_flag, id] {
      if (!*alive_flag || id != wait_id || !waiting) return;
      waiting = false;
      ret = 0;
      run_loop();
    });
    return;
  }
  if ((name == "source" || name == ".") && argv.size() > 1) {
    const std::string path = resolve(argv[1]);
    auto text = host.read_file(path);
    if (!text) {
      last_status = 1;
      deliver(f, FilterOut{1, "", "line " + std::to_string(line) + ": " + argv[1] + ": No such file or directory\n"});
      return;
    }
    int depth = 0;
    for (const auto& fr : stack) depth += fr.is_source ? 1 : 0;
    if (depth >= kSourceDepthMax) {
      halt(line, 1, "raftlab: line " + std::to_string(line) + ": `source` nested " + std::to_string(kSourceDepthMax) + " deep: stopped");
      return;
    }
    auto p = parse_script_at(*text, script->where + " (sourced " + path + ")", script->external, 1);
    if (!p.ok()) {
      halt(line, 1, "raftlab: " + p.error().message + " — " + p.error().fix);
      return;
    }
    sourced.push_back(p.value());
    f.pc = 5;
    f.is_source = true;
    SinkP out = f.out_t.k == Target::kSink ? f.out_t.sink : f.out;
    push(p.value()->root.get(), in, out, f.err, f.cond);
    return;
  }
  if (builtin(f, argv, in, o)) {
    if (halted || exit_pending) return;
    last_status = o.status;
    deliver(f, o);
    return;
  }
  if (is_filter(name)) {
    o = run_filter(argv, in);
    last_status = o.status;
    deliver(f, o);
    return;
  }
  if (ImdsResult r = run_imds(argv, host, cwd); r.handled) {
    o = std::move(r.out);
    last_status = o.status;
    deliver(f, o);
    return;
  }
  const size_t slash = name.rfind('/');
  const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  if (!script->external.count(name) && !script->external.count(base)) {
    if (base == "curl" || base == "wget") {
      halt(line, 127, "raftlab: line " + std::to_string(line) + ": " + base + " of a URL other than http://169.254.169.254/ (the "
                      "instance metadata service) is not modelled here: the runtime does not run " + base);
    } else {
      halt(line, 127, "line " + std::to_string(line) + ": " + name + ": command not found");
    }
    return;
  }
  CommandCall call;
  call.argv = std::move(argv);
  call.stdin_text = std::move(in);
  call.background = f.bg;
  call.line = line;
  for (const auto& k : exported) {
    auto it = vars.find(k);
    if (it != vars.end()) call.env[k] = it->second;
  }
  for (auto& [k, v] : prefix) call.env[k] = v;
  call.cwd = cwd;
  if (f.bg) {
    host.run(call, [](CommandOutcome) {});  // bash(1) Lists: the shell does not wait
    last_status = 0;
    finish(0);
    return;
  }
  f.pc = 4;
  waiting = true;
  const auto id = ++wait_id;
  auto alive_flag = alive;
  host.run(call, [this, alive_flag, id](CommandOutcome out) {
    if (!*alive_flag || id != wait_id || !waiting) return;
    pending = std::move(out);
    waiting = false;
    run_loop();
  });
}

// Builtins that need the shell's state (bash(1) SHELL BUILTIN COMMANDS; coreutils for
// cat/mkdir/rm/touch/tee). Returns false when `argv[0]` is not one of them.
bool ScriptRun::Impl::builtin(Frame& f, const std::vector<std::string>& argv, const std::string& in, FilterOut& o) {
  const std::string& c = argv[0];
  const int line = f.node->line;
  auto err = [&](int status, std::string msg) {
    o.status = status;
    o.err += msg + "\n";
  };
  if (c == "echo") o = run_echo(argv);
  else if (c == "printf") o = run_printf(argv);
  else if (c == "true" || c == ":") o.status = 0;
  else if (c == "false") o.status = 1;
  else if (c == "pwd") o.out = cwd + "\n";
  else if (c == "sleep") o.status = 0;  // in the background: the script does not wait
  else if (c == "source" || c == ".") err(2, "line " + std::to_string(line) + ": " + c + ": filename argument required");
  else if (c == "cd") {
    std::string d = argv.size() > 1 ? argv[1] : "/root";
    cwd = resolve(d);
    while (cwd.size() > 1 && cwd.back() == '/') cwd.pop_back();
    vars["PWD"] = cwd;
  } else if (c == "set") {
    for (size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a.size() < 2 || (a[0] != '-' && a[0] != '+')) {
        err(2, "line " + std::to_string(line) + ": set: " + a + ": positional parameters are not in the user-data subset");
        break;
      }
      const bool on = a[0] == '-';
      for (size_t j = 1; j < a.size(); ++j) {
        if (a[j] == 'e') errexit = on;
        else if (a[j] == 'u') nounset = on;
        else if (a[j] == 'x') xtrace = on;
        else if (a[j] == 'o' && i + 1 < argv.size()) {
          const std::string& name = argv[++i];
          if (name == "errexit") errexit = on;
          else if (name == "nounset") nounset = on;
          else if (name == "xtrace") xtrace = on;
          else if (name == "pipefail") pipefail = on;
          else err(2, "line " + std::to_string(line) + ": set: " + name + ": invalid option name");
        } else {
          err(2, "line " + std::to_string(line) + ": set: -" + std::string(1, a[j]) + ": invalid option");
        }
      }
    }
  } else if (c == "export" || c == "unset") {
    for (size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a == "-v" && c == "unset") continue;
      if (!a.empty() && a[0] == '-') {
        err(2, "line " + std::to_string(line) + ": " + c + ": " + a + ": invalid option");
        continue;
      }
      const size_t eq = a.find('=');
      const std::string name = a.substr(0, eq);
      if (c == "unset") {
        vars.erase(name);
        exported.erase(name);
        continue;
      }
      if (eq != std::string::npos) {
        if (a.size() - eq > kOutputBytesMax) {
          halt(line, 1, "raftlab: line " + std::to_string(line) + ": value over " + std::to_string(kOutputBytesMax) + " bytes: stopped");
          return true;
        }
        vars[name] = a.substr(eq + 1);
      }
      exported.insert(name);
    }
  } else if (c == "cat") {
    if (argv.size() == 1) o.out = in;
    for (size_t i = 1; i < argv.size(); ++i) {
      if (argv[i] == "-") {
        o.out += in;
        continue;
      }
      auto t = host.read_file(resolve(argv[i]));
      if (t) o.out += *t;
      else err(1, "cat: " + argv[i] + ": No such file or directory");
      if (o.out.size() > kOutputBytesMax) break;
    }
  } else if (c == "tee") {
    bool append = false;
    for (size_t i = 1; i < argv.size(); ++i) {
      if (argv[i] == "-a") append = true;
      else host.write_file(resolve(argv[i]), in, append);
    }
    o.out = in;
  } else if (c == "mkdir") {
    for (size_t i = 1; i < argv.size(); ++i) {
      if (argv[i] == "-m") {
        ++i;
        continue;
      }
      if (argv[i][0] == '-') continue;  // -p -v
      std::string d = resolve(argv[i]);
      while (d.size() > 1 && d.back() == '/') d.pop_back();
      for (size_t p = d.find('/', 1); p != std::string::npos; p = d.find('/', p + 1)) dirs.insert(d.substr(0, p));
      dirs.insert(d);
    }
  } else if (c == "chmod" || c == "chown") {
    o.status = 0;  // modes and owners are not modelled
  } else if (c == "touch") {
    for (size_t i = 1; i < argv.size(); ++i)
      if (argv[i][0] != '-' && !host.read_file(resolve(argv[i]))) host.write_file(resolve(argv[i]), "", true);
  } else if (c == "rm") {
    bool force = false;
    for (size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a.size() > 1 && a[0] == '-') {
        force = force || a.find('f') != std::string::npos;
        continue;
      }
      if (!host.remove_file(resolve(a)) && !force) err(1, "rm: cannot remove '" + a + "': No such file or directory");
    }
  } else if (c == "test" || c == "[") {
    std::vector<std::string> a(argv.begin() + 1, argv.end());
    if (c == "[") {
      if (a.empty() || a.back() != "]") {
        err(2, "line " + std::to_string(line) + ": [: missing `]'");
        return true;
      }
      a.pop_back();
    }
    std::string e;
    o.status = eval_test(a, std::vector<bool>(a.size(), false), false, e);
    if (!e.empty()) err(2, "line " + std::to_string(line) + ": " + c + ": " + e);
  } else {
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
ScriptRun::ScriptRun(std::shared_ptr<const Script> script, ScriptHost& host, std::map<std::string, std::string> env)
    : impl_(std::make_unique<Impl>(std::move(script), host, std::move(env))) {}

ScriptRun::~ScriptRun() {
  if (impl_) *impl_->alive = false;
}

void ScriptRun::start(std::function<void(int exit_code)> finished) {
  Impl& m = *impl_;
  if (m.reported || !m.stack.empty() || m.waiting) return;
  m.finished = std::move(finished);
  auto log = std::make_shared<Sink>();
  m.push(m.script->root.get(), "", log, log, false);
  m.run_loop();
}

bool ScriptRun::done() const { return impl_->finished_flag; }

const std::map<std::string, std::string>& ScriptRun::env() const { return impl_->vars; }

}  // namespace raftlab::cloud
