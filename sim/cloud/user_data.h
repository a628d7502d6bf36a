// sim/cloud/user_data.h — the shell scripts of EC2 user data (what cloud-init runs as root
// at first boot) and of lifecycle-hook handlers: a documented subset of bash, parsed once
// (every line checked: a line outside the subset is bad input naming the line and listing
// what is supported) and then run step by step against an instance (ScriptHost), whose
// commands may take virtual time (callbacks, never threads).
//
//   auto p = cloud::parse_script(text, "LaunchTemplate EtcdTemplate UserData", known);
//   if (!p.ok()) -> exit 2 with p.error()
//   cloud::ScriptRun run(p.value(), host, env);
//   run.start([](int code) { ... });   // host.run() is called for each external command
//
// The subset (docs/cloud.md has the full table):
//  * comments, `#!` line, blank lines, backslash-newline continuation, ';', '&&', '||',
//    '!' before a pipeline, trailing '&' (background: the script does not wait);
//  * NAME=value, export NAME[=value], unset NAME, local-less functions are NOT supported;
//  * expansions of etcd/shell.h plus $(...) and `...` command substitution, $?, $$ -free;
//  * if/elif/else/fi, for NAME in WORDS; do ...; done, while/until ...; do ...; done
//    (bounded: kLoopIterationsMax), [ ... ] / test with -f -d -z -n = != -eq -ne -lt -gt;
//  * builtins: echo, printf (%s %d \n), true, false, exit, set (-e -u -x -o pipefail),
//    source / ., cd, sleep (virtual time, via the host), cat (files, heredocs), export,
//    unset, mkdir, chmod, chown, touch, rm -f/-rf (on the instance's files);
//  * pipelines through filters: grep [-v -F -E -q -o -i -w], cut -d C -f N[,M], head -n N,
//    tail -n N, tr -d / tr A B, xargs (joins words), awk '{print $N}' (only that form),
//    sed 's/A/B/[g]', jq [-r] PATH (.a.b[0].c[] paths, `.[]`, `| length`), wc -l, sort, uniq;
//  * redirections: > FILE, >> FILE, < FILE, 2>&1, >/dev/null, 2>/dev/null, <<EOF / <<'EOF'
//    heredocs (with and without expansion);
//  * curl / wget of http://169.254.169.254/latest/... is the instance metadata service
//    (IMDSv1, and IMDSv2: PUT /latest/api/token and the X-aws-ec2-metadata-token header);
//  * every other command name must be in the `external` set given to parse_script (the
//    cloud runtime's: docker, etcd, etcdctl, aws, curl to other hosts, yum, dnf, apt-get,
//    systemctl, ...); the host runs them.
//
// Must never: touch the real system, run without a bound (loops, output sizes, nesting).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/etcd/wording.h"

namespace raftlab::cloud {

inline constexpr std::size_t kScriptBytesMax = 64 * 1024;
inline constexpr int kLoopIterationsMax = 10'000;
inline constexpr std::size_t kOutputBytesMax = 1 << 20;

struct Script;  // parsed form (user_data.cc)

// `where` names the script in errors ("etcd.yaml: EtcdLaunchTemplate UserData");
// errors say "<where> line N: <what>" with the fix listing the supported forms.
[[nodiscard]] etcd::Result<std::shared_ptr<const Script>> parse_script(std::string_view text, const std::string& where,
                                                                       const std::set<std::string>& external);

// One external command, fully expanded.
struct CommandCall {
  std::vector<std::string> argv;
  // The exported variables of the script at the call (what a child process inherits:
  // `docker run -e NAME` copies NAME from it, a bare etcd reads its ETCD_* from it).
  std::map<std::string, std::string> env;
  std::string stdin_text;      // what a pipe or redirection feeds it
  bool background = false;     // `cmd &`: done() may be called immediately by the host
  int line = 0;                // 1-based line in the script
  std::string cwd = "/";       // addition (user_data_run.cc): the directory `cd` left the script in;
                               // `env` also holds NAME=value words written before the command
};

struct CommandOutcome {
  int exit_code = 0;
  std::string out;             // stdout
  std::string err;             // stderr
};

// What an instance offers a running script. Every call is made from inside the event
// loop; `done` callbacks may be called at once or later (virtual time), exactly once.
class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  virtual void run(const CommandCall& call, std::function<void(CommandOutcome)> done) = 0;
  // IMDS: GET /latest/<path> ("meta-data/local-ipv4", "dynamic/instance-identity/document")
  // and PUT /latest/api/token. `token` is the X-aws-ec2-metadata-token header ("" if none).
  // nullopt: curl gets an HTTP error (404, or 401 without a token when IMDSv2 is required).
  virtual std::optional<std::string> metadata(const std::string& method, const std::string& path,
                                              const std::string& token) = 0;
  virtual std::optional<std::string> read_file(const std::string& path) = 0;
  virtual void write_file(const std::string& path, const std::string& text, bool append) = 0;
  virtual bool remove_file(const std::string& path) = 0;
  virtual void sleep(std::int64_t ns, std::function<void()> done) = 0;
  // cloud-init's output log (/var/log/cloud-init-output.log): the script's stdout/stderr.
  virtual void log(int line, const std::string& text) = 0;
};

// One execution of a parsed script. Not copyable; must outlive its host's callbacks
// (the runtime keeps it until `finished` has been called).
class ScriptRun {
 public:
  ScriptRun(std::shared_ptr<const Script> script, ScriptHost& host, std::map<std::string, std::string> env);
  ~ScriptRun();
  ScriptRun(const ScriptRun&) = delete;
  ScriptRun& operator=(const ScriptRun&) = delete;
  // Runs until the script ends (`exit`, the last line, or an error under `set -e`), then
  // calls finished(exit status) once. Errors at run time (a command not found, a loop past
  // its bound) end it with status 127 / 1 and a log line saying why.
  void start(std::function<void(int exit_code)> finished);
  bool done() const;
  const std::map<std::string, std::string>& env() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace raftlab::cloud
