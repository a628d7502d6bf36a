// tools/report/root_cause_auth.cc — why etcd refused a request for want of credentials, in
// words, from the trace (kind "auth-refused"): who turned authentication on and when (the
// Bitnami image's RBAC step, found by its own "Enabling etcd authentication" line, which
// its entrypoint runs because ETCD_ROOT_PASSWORD is set; or an `auth enable` call that
// succeeded), the user it created, each key request (put, get) refused with etcd's "user
// (a put or get sent without --user: no token, so etcd cannot tell who asks), a wrong
// password refused when the client authenticates, and what still answered without
// credentials (member list, endpoint status: etcd does not check them). The fix: the
// user's credentials on every request that reads or writes keys.
//
// Must never: look at World or member objects (only the trace), know scenario names, print
// a password (the fix names $ETCD_ROOT_PASSWORD), or depend on unordered iteration.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sim/etcd/auth.h"
#include "sim/etcd/wording.h"
#include "tools/report/root_cause.h"

namespace raftlab::tools::report {

namespace {

using sim::Ev;

constexpr std::size_t kRefusalsShown = 3;  // refusals named one by one; the rest counted

struct Call {
  std::int64_t at = 0;
  std::string endpoint, op, key, user;  // op: the ClientCall kind, or the auth op for "auth"
};

bool is_key_request(const Call& c) { return c.op == "put" || c.op == "get" || c.op == "get-s"; }

std::string what_call(const Call& c) {
  if (c.op == "get-s") return "get " + c.key + " --prefix";
  return c.key.empty() ? c.op : c.op + " " + c.key;
}

}  // namespace

void auth_findings(const std::vector<sim::TraceEvent>& events, const std::string& file, std::vector<Finding>& out) {
  const std::string enabling = fmt::format("bitnami: {}", etcd::wording::kBitnamiEnablingAuth);
  std::map<std::pair<std::string, std::uint64_t>, Call> calls;  // (endpoint, op id) -> call
  std::optional<std::pair<std::int64_t, std::string>> rbac;     // (at, member) of the RBAC step
  std::optional<Call> enabled;                                  // the `auth enable` that succeeded
  std::string root_user;                                        // the user the RBAC step added
  std::vector<Call> refused, bad_password, answered;
  for (const auto& e : events) {
    switch (e.kind) {
      case Ev::Log:
        if (!rbac && e.b == enabling) rbac = std::make_pair(e.at.ns, e.who);
        break;
      case Ev::ClientCall: {
        Call c{e.at.ns, e.who, e.a, e.b, ""};
        if (e.a == "auth") c = Call{e.at.ns, e.who, e.b, "", e.c};
        calls[{e.who, e.index}] = c;
        break;
      }
      case Ev::ClientDone: {
        auto it = calls.find({e.who, e.index});
        if (it == calls.end()) break;
        const Call& c = it->second;
        if (e.a == "ok" && c.op == "auth-enable" && !enabled) enabled = c;
        if (e.a == "ok" && c.op == "user-add" && rbac && root_user.empty()) root_user = c.user;
        // Key requests only: an auth call refused this way is the image's own RBAC step
        // asking again after a restart (its `auth status`), not an operator's request.
        if (e.a == "error" && e.b == etcd::auth_error::kUserEmpty && is_key_request(c)) refused.push_back(c);
        if (e.a == "error" && e.b == etcd::auth_error::kAuthFailed) bad_password.push_back(c);
        if (e.a == "ok" && enabled && (c.op == "member-list" || c.op == "status")) answered.push_back(c);
        break;
      }
      default:
        break;
    }
  }
  if (refused.empty()) return;
  Finding x;
  x.kind = "auth-refused";
  x.at_ns = refused.front().at;
  const std::string user = root_user.empty() ? "root" : root_user;
  const std::string creds = fmt::format("--user {}:$ETCD_ROOT_PASSWORD", user);
  if (rbac) x.members.push_back(rbac->second);
  const std::string plural = refused.size() > 1 ? "s" : "";
  x.headline = fmt::format(
      "Authentication is on{}: {} request{} without --user {} refused with \"{}\"",
      rbac ? fmt::format(" (the image's RBAC step on {}, because ETCD_ROOT_PASSWORD is set)", rbac->second) : "",
      refused.size(), plural, refused.size() > 1 ? "were" : "was", etcd::auth_error::kUserEmpty);
  if (rbac) {
    x.because.push_back(fmt::format(
        "{} {}: Bitnami's entrypoint runs its RBAC step (etcd_configure_rbac) when ETCD_ROOT_PASSWORD is set: it "
        "adds the user {} with that password, grants it the root role and turns authentication on{}",
        seconds_text(rbac->first), rbac->second, user,
        enabled ? fmt::format(" (`auth enable` answered at {})", seconds_text(enabled->at)) : ""));
  } else if (enabled) {
    x.because.push_back(fmt::format("{} `etcdctl auth enable` through {} turned authentication on",
                                    seconds_text(enabled->at), enabled->endpoint));
  }
  x.because.push_back(fmt::format(
      "with authentication on, etcd serves a key request only with a user's token; a request sent without --user "
      "carries none, so etcd cannot tell who asks and refuses it: \"{}\"",
      etcd::auth_error::kUserEmpty));
  for (std::size_t i = 0; i < refused.size() && i < kRefusalsShown; ++i)
    x.because.push_back(fmt::format("{} {} through {} without --user: refused", seconds_text(refused[i].at),
                                    what_call(refused[i]), refused[i].endpoint));
  if (refused.size() > kRefusalsShown)
    x.because.push_back(fmt::format("and {} more refused the same way", refused.size() - kRefusalsShown));
  if (!bad_password.empty())
    x.because.push_back(fmt::format("{} --user {} with a wrong password through {}: refused before the request, \"{}\"",
                                    seconds_text(bad_password.front().at), bad_password.front().user,
                                    bad_password.front().endpoint, etcd::auth_error::kAuthFailed));
  if (!answered.empty())
    x.because.push_back(fmt::format("{} {} through {} answered without credentials: etcd does not check them for "
                                    "member list and endpoint status, so a cluster that looks healthy still "
                                    "refuses reads and writes",
                                    seconds_text(answered.front().at), answered.front().op == "status" ? "endpoint status"
                                                                                                   : "member list",
                                    answered.front().endpoint));
  const Call& first = refused.front();
  x.fix = fmt::format("pass the user's credentials to every etcdctl call that reads or writes keys: "
                      "etcdctl {} {} (a client such as APISIX needs the same user and password in its etcd settings)",
                      creds, what_call(first) + (first.op == "put" ? " <value>" : ""));
  x.check = fmt::format("etcdctl --endpoints={} {} {}; in the scenario, a put or get expectation with "
                        "\"user\": \"{}:<password>\", then raftlab run {}",
                        first.endpoint, creds, what_call(first) + (first.op == "put" ? " <value>" : ""), user, file);
  out.push_back(std::move(x));
}

}  // namespace raftlab::tools::report
