// sim/cloud/user_data_command.cc — one simple command of a user-data script: its words
// expanded (user_data_run.cc), redirections applied, xtrace printed, then dispatched: exit,
// break/continue, sleep and source (which change the run's control), the builtins that
// need the shell's state (bash(1) SHELL BUILTIN COMMANDS; coreutils for cat/mkdir/rm/touch/
// tee), the stateless builtins and filters (user_data_builtins.cc, user_data_filters.cc),
// IMDS (curl/wget of 169.254.169.254), or the host (ScriptHost::run, an external command
// the runtime declares), whose completion continues the run.
//
// Must never: touch the real system, read a clock, run past kStepsMax or kSourceDepthMax,
// call the host after `finished`.
#include <algorithm>

#include "sim/cloud/user_data_run_internal.h"

namespace raftlab::cloud {

using namespace script_run;

void ScriptRun::Impl::deliver(Frame& f, const FilterOut& o) {
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

bool ScriptRun::Impl::file_test(char op, const std::string& p) {
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

}  // namespace raftlab::cloud
