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
//
// One simple command (redirections, builtins, the host) is run by user_data_command.cc;
// the state both share is ScriptRun::Impl (user_data_run_internal.h).
#include <algorithm>
#include <deque>

#include "sim/cloud/user_data_run_internal.h"
#include "sim/etcd/shell.h"

namespace raftlab::cloud {

using namespace script_run;

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

void ScriptRun::Impl::unwind_exit() {
  const int code = *exit_pending;
  exit_pending.reset();
  while (!stack.empty()) {
    const bool sub = stack.back().saved.has_value();
    finish(code);
    if (sub) return;
  }
  exit_code = code;
}

void ScriptRun::Impl::unwind_break() {
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

void ScriptRun::Impl::run_loop() {
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

void ScriptRun::Impl::sink_write(const SinkP& s, const std::string& text, int line) {
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

bool ScriptRun::Impl::subs_ready(Frame& f) {
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

std::optional<std::vector<std::string>> ScriptRun::Impl::expand(Frame& f, const Word& w, std::string_view raw, bool split) {
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
