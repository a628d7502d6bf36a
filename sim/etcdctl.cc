// sim/etcdctl.cc — running a parsed etcdctl command against the world (sim/etcdctl.h):
// the requests go through the network like clientv3's, `endpoint status/health` ask each
// endpoint on its own (with `--cluster` the endpoints come from `member list`), and the
// printers of sim/etcdctl_format.h give what etcdctl writes on stdout and stderr.
#include "sim/etcdctl.h"

#include <algorithm>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "sim/etcd/auth.h"
#include "sim/etcd/ids.h"
#include "sim/etcd/shell.h"
#include "sim/etcd/wording.h"
#include "sim/etcdctl_format.h"

namespace raftlab::sim {
namespace {

constexpr int kExitError = 1;          // cobrautl.ExitError
constexpr int kExitBadConnection = 2;  // cobrautl.ExitBadConnection (mustClient)
constexpr int kExitBadFeature = 4;     // cobrautl.ExitBadFeature

// What one etcdctl invocation printed and returned.
struct Printed {
  ClientResult result;  // the (first) answer; ok when the command succeeded
  std::string out, err;
  std::string terminal;  // what a terminal shows, in the order written ("" = out + err)
  int exit_code = 0;
  [[nodiscard]] std::string shown() const { return terminal.empty() ? out + err : terminal; }
};

void fail_with(Printed& p, int code, const std::string& error) {
  p.err += "Error: " + error + "\n";
  p.exit_code = code;
  p.result.ok = false;
  if (p.result.error.empty()) p.result.error = error;
}

std::vector<etcdctl::MemberRow> member_rows(const std::vector<MemberRecord>& ms) {
  std::vector<etcdctl::MemberRow> rows;
  for (const auto& m : ms) rows.push_back({m.id, !m.name.empty(), m.name, m.peer_urls, m.client_urls, m.is_learner});
  return rows;
}

etcdctl::ResponseHeader header_of(const ClientReply& p, bool with_revision) {
  return {p.cluster_id, p.header_member != 0 ? p.header_member : p.member_id, with_revision ? p.revision : 0,
          p.raft_term};
}

// What etcdctl prints for one answered (or failed) request of `c`.
Printed print_single(const EtcdctlCommand& c, const ClientResult& r) {
  Printed p;
  p.result = r;
  if (!r.ok) {
    fail_with(p, kExitError, r.error);
    return p;
  }
  const ClientReply& rep = r.reply;
  const bool json = c.write_out == "json";
  // printer_table.go implements only member list and endpoint status/health; every other
  // response reaches printerUnsupported after the request has been carried out.
  if (json && c.req.kind == ClientOpKind::Auth) {
    fail_with(p, kExitError, "-w json of an auth command is not modelled by raftlab");
    return p;
  }
  if (c.write_out == "table" && c.verb != EtcdctlVerb::MemberList) {
    fail_with(p, kExitBadFeature, "table not supported as output format");
    return p;
  }
  switch (c.verb) {
    case EtcdctlVerb::Put:
      p.out = json ? etcdctl::json_put(header_of(rep, true)) : "OK\n";
      break;
    case EtcdctlVerb::Get: {
      std::vector<etcdctl::KeyValueRow> kvs;
      if (rep.kvs) {
        for (const auto& kv : *rep.kvs) kvs.push_back({kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version});
      } else if (rep.found) {
        kvs.push_back({c.req.key, rep.value, rep.create_revision, rep.mod_revision, rep.version});
      }
      if (json) {
        p.out = etcdctl::json_get(header_of(rep, true), kvs, c.keys_only);
      } else {
        // util.go printKV: the key (unless --print-value-only), then the value.
        for (const auto& kv : kvs) {
          if (!c.print_value_only) p.out += kv.key + "\n";
          p.out += (c.keys_only ? "" : kv.value) + "\n";
        }
      }
      break;
    }
    case EtcdctlVerb::MemberAdd: {
      const auto rows = member_rows(rep.members);
      if (json) {
        etcdctl::MemberRow added{rep.member_id, false, "", {}, {}, false};
        for (const auto& m : rows)
          if (m.id == rep.member_id) added = m;
        if (added.peer_urls.empty()) added.peer_urls = c.req.peer_urls;
        p.out = etcdctl::json_member_add(header_of(rep, false), added, rows);
        break;
      }
      // printer_simple.go MemberAdd ("%16x": space-padded) and member_command.go's env lines.
      p.out = fmt::format("Member {:>16} added to cluster {:>16}\n\n", etcdctl::hex_id(rep.member_id),
                          etcdctl::hex_id(rep.cluster_id));
      std::vector<std::string> conf;
      for (const auto& m : rep.members) {
        for (const auto& u : m.peer_urls) conf.push_back((m.id == rep.member_id ? c.add_name : m.name) + "=" + u);
      }
      p.out += fmt::format("ETCD_NAME=\"{}\"\nETCD_INITIAL_CLUSTER=\"{}\"\nETCD_INITIAL_ADVERTISE_PEER_URLS=\"{}\"\n"
                           "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n",
                           c.add_name, etcd::join(conf, ","), c.peer_urls_flag);
      break;
    }
    case EtcdctlVerb::MemberRemove:
      p.out = json ? etcdctl::json_member_remove(header_of(rep, false), member_rows(rep.members))
                   : fmt::format("Member {:>16} removed from cluster {:>16}\n", etcdctl::hex_id(c.req.member_id),
                                 etcdctl::hex_id(rep.cluster_id));
      break;
    case EtcdctlVerb::MemberList: {
      const auto rows = member_rows(rep.members);
      p.out = json ? etcdctl::json_member_list(header_of(rep, false), rows)
              : c.write_out == "table" ? etcdctl::member_list_table(rows)
                                        : etcdctl::member_list_simple(rows);
      break;
    }
    // printer_simple.go's auth lines.
    case EtcdctlVerb::UserAdd: p.out = fmt::format("User {} created\n", c.req.auth_args.at(0)); break;
    case EtcdctlVerb::UserDelete: p.out = fmt::format("User {} deleted\n", c.req.auth_args.at(0)); break;
    case EtcdctlVerb::UserPasswd: p.out = "Password updated\n"; break;
    case EtcdctlVerb::UserGrantRole:
      p.out = fmt::format("Role {} is granted to user {}\n", c.req.auth_args.at(1), c.req.auth_args.at(0));
      break;
    case EtcdctlVerb::RoleAdd: p.out = fmt::format("Role {} created\n", c.req.auth_args.at(0)); break;
    case EtcdctlVerb::RoleGrantPermission: p.out = fmt::format("Role {} updated\n", c.req.auth_args.at(0)); break;
    case EtcdctlVerb::AuthEnable: p.out = "Authentication Enabled\n"; break;
    case EtcdctlVerb::AuthDisable: p.out = "Authentication Disabled\n"; break;
    case EtcdctlVerb::AuthStatus:
      p.out = fmt::format("Authentication Status: {}\nAuthRevision: {}\n", rep.auth_enabled, rep.auth_revision);
      break;
    case EtcdctlVerb::EndpointStatus:
    case EtcdctlVerb::EndpointHealth:
    case EtcdctlVerb::None:
      break;  // printed by the per-endpoint paths below
  }
  return p;
}

etcdctl::EndpointStatusRow status_row(const ClientResult& r) {
  static const StatusInfo kNone;
  const StatusInfo& s = r.reply.status ? *r.reply.status : kNone;
  etcdctl::EndpointStatusRow row{r.endpoint,  s.member_id,  s.version,           s.db_size, s.leader == s.member_id,
                                 0,           s.is_learner, s.raft_term,         s.raft_index,
                                 s.raft_applied_index,      s.errors};
  row.leader_id = s.leader;
  return row;
}

// `endpoint status` / `endpoint health` over `eps`, each asked on its own.
void per_endpoint(World& w, const EtcdctlCommand& c, const std::vector<std::string>& eps, HostIndex from,
                  std::function<void(Printed)> done) {
  struct Gather {
    std::vector<std::optional<ClientResult>> results;
    std::vector<std::int64_t> took_ns;
    std::vector<size_t> completion;  // endpoint indexes in the order their answers came
    size_t pending = 0;
  };
  auto g = std::make_shared<Gather>();
  g->results.resize(eps.size());
  g->took_ns.resize(eps.size());
  g->pending = eps.size();
  auto finish = [g, c, done] {
    Printed p;
    if (c.verb == EtcdctlVerb::EndpointStatus) {
      // ep_command.go epStatusCommandFunc: rows in endpoint order, a stderr line per failure.
      std::vector<etcdctl::EndpointStatusRow> rows;
      std::vector<std::pair<etcdctl::EndpointStatusRow, etcdctl::ResponseHeader>> json_rows;
      bool first = true;
      for (const auto& res : g->results) {
        if (!res->ok) {
          p.err += etcdctl::endpoint_status_error_line(res->endpoint, res->error);
          p.exit_code = kExitError;
          if (first) p.result = *res;
          first = false;
          continue;
        }
        rows.push_back(status_row(*res));
        json_rows.emplace_back(rows.back(), header_of(res->reply, true));
        if (first || !p.result.ok) p.result = *res;
        first = false;
      }
      if (c.write_out == "json") p.out = etcdctl::json_endpoint_status(json_rows);
      else if (c.write_out == "table") p.out = etcdctl::endpoint_status_table(rows);
      else p.out = etcdctl::endpoint_status_simple(rows);
      // After printing, `os.Exit(ExitError)` when any endpoint failed (no further line).
      // The stderr lines were written during the loop, before the table.
      p.terminal = p.err + p.out;
      if (g->results.empty()) p.result.ok = true;
      return done(std::move(p));
    }
    // epHealthCommandFunc: rows in the order the answers came (a channel), then
    // "unhealthy cluster" if any failed.
    std::vector<etcdctl::EndpointHealthRow> rows;
    bool errs = false;
    for (size_t i : g->completion) {
      const ClientResult& res = *g->results[i];
      rows.push_back({res.endpoint, res.ok, go_duration_string(g->took_ns[i]), res.ok ? "" : res.error});
      errs = errs || !res.ok;
    }
    p.result = g->results.empty() ? ClientResult{} : *g->results[g->completion.front()];
    if (c.write_out == "json") {
      p.out = etcdctl::json_endpoint_health(rows);
    } else if (c.write_out == "table") {
      p.out = etcdctl::endpoint_health_table(rows);
    } else {
      // printer_simple.go (3.5): healthy lines on stdout, unhealthy ones on stderr.
      for (const auto& r : rows) {
        const std::string line = etcdctl::endpoint_health_simple({r});
        (r.health ? p.out : p.err) += line;
        p.terminal += line;
      }
    }
    p.result.ok = !errs;
    if (errs) {
      fail_with(p, kExitError, "unhealthy cluster");
      if (!p.terminal.empty()) p.terminal += "Error: unhealthy cluster\n";
    }
    done(std::move(p));
  };
  if (eps.empty()) return finish();
  for (size_t i = 0; i < eps.size(); ++i) {
    const Time start = w.now();
    w.etcdctl(c.req, {eps[i]}, [&w, g, i, start, finish, c, ep = w.endpoint_url(eps[i])](const ClientResult& r) {
      ClientResult rr = r;
      rr.endpoint = ep;
      // epHealthCommandFunc: "permission denied is OK since proposal goes through consensus".
      if (!rr.ok && rr.error == etcd::auth_error::kPermissionDenied && c.verb == EtcdctlVerb::EndpointHealth) {
        rr.ok = true;
        rr.error.clear();
      }
      g->results[i] = std::move(rr);
      g->took_ns[i] = (w.now() - start).ns;
      g->completion.push_back(i);
      if (--g->pending == 0) finish();
    }, c.command_timeout, 0, from);
  }
}

// auth_command.go authEnableCommandFunc: AuthEnable; on ErrRootRoleNotExist RoleAdd("root")
// and UserGrantRole("root", "root"), then AuthEnable again; any other error ends it.
void auth_enable(World& w, const EtcdctlCommand& c, const std::vector<std::string>& eps, HostIndex from,
                 std::function<void(const ClientResult&)> done) {
  w.etcdctl(c.req, eps, [&w, c, eps, from, done](const ClientResult& r) {
    if (r.ok || r.error != etcd::auth_error::kRootRoleNotExist) return done(r);
    ClientRequest add = c.req;
    add.auth_op = "role-add";
    add.auth_args = {"root"};
    w.etcdctl(add, eps, [&w, c, eps, from, done](const ClientResult& ra) {
      if (!ra.ok) return done(ra);
      ClientRequest grant = c.req;
      grant.auth_op = "user-grant-role";
      grant.auth_args = {"root", "root"};
      w.etcdctl(grant, eps, [&w, c, eps, from, done](const ClientResult& rg) {
        if (!rg.ok) return done(rg);
        auth_enable(w, c, eps, from, done);
      }, c.command_timeout, 0, from);
    }, c.command_timeout, 0, from);
  }, c.command_timeout, 0, from);
}

void run_authenticated(World& w, const EtcdctlCommand& c, const std::vector<std::string>& eps, HostIndex from,
                       const std::function<void(const Printed&)>& finish);

// One parsed command run from `how.from_host`.
void run_parsed(World& w, const EtcdctlCommand& c, const std::string& command, const std::vector<std::string>& endpoints,
                const EtcdctlRun& how, std::function<void(const Printed&)> done) {
  std::vector<std::string> eps = c.endpoints.empty() ? endpoints : c.endpoints;
  if (eps.empty()) eps.push_back("http://127.0.0.1:2379");  // etcdctl's default endpoint
  // The command as the operator would type it: endpoints given beside the command (the
  // timeline's "endpoints") are shown as the --endpoints flag they stand for.
  std::string shown = how.shown.empty() ? command : how.shown;
  if (how.shown.empty() && c.endpoints.empty() && !endpoints.empty()) {
    std::vector<std::string> urls;
    for (const auto& e : endpoints) urls.push_back(w.endpoint_url(e));
    shown = fmt::format("--endpoints={} {}", fmt::join(urls, ","), command);
  }
  const HostIndex from = how.from_host;
  // The trace note: the command and what the terminal would show (stdout, then stderr).
  auto finish = [&w, shown, note = how.note, done](const Printed& p) {
    if (note) {
      std::string text = p.shown();
      if (!text.empty() && text.back() == '\n') text.pop_back();
      w.note(fmt::format("$ etcdctl {}\n{}", shown, text));
    }
    if (done) done(p);
  };
  if (!c.error.empty()) {
    Printed p;
    fail_with(p, c.exit_code != 0 ? c.exit_code : kExitError, c.error);
    return finish(p);
  }
  if (c.user.empty()) return run_authenticated(w, c, eps, from, finish);
  // clientv3 New with a user name: getToken (Authenticate) before any request; a failure
  // other than "authentication is not enabled" is mustClient's ExitBadConnection (2).
  ClientRequest auth;
  auth.kind = ClientOpKind::Auth;
  auth.auth_op = "authenticate";
  auth.auth_args = {c.user, c.password};
  w.etcdctl(auth, eps, [&w, c, eps, from, finish](const ClientResult& r) {
    if (!r.ok && r.error != etcd::auth_error::kAuthNotEnabled) {
      Printed p;
      p.result = r;
      fail_with(p, kExitBadConnection, r.error);
      return finish(p);
    }
    EtcdctlCommand with = c;
    if (r.ok) with.req.user = c.user;  // the token's user, in every request's header
    run_authenticated(w, with, eps, from, finish);
  }, c.command_timeout, 0, from);
}

// The command itself, with the client's token (if any) already in c.req.user.
void run_authenticated(World& w, const EtcdctlCommand& c, const std::vector<std::string>& eps, HostIndex from,
                       const std::function<void(const Printed&)>& finish) {
  if (c.verb == EtcdctlVerb::AuthEnable) {
    return auth_enable(w, c, eps, from, [c, finish](const ClientResult& r) { finish(print_single(c, r)); });
  }
  if (c.verb == EtcdctlVerb::EndpointStatus || c.verb == EtcdctlVerb::EndpointHealth) {
    if (!c.cluster) return per_endpoint(w, c, eps, from, finish);
    // ep_command.go endpointsFromCluster: the client URLs of every member in `member list`.
    ClientRequest list;
    list.kind = ClientOpKind::MemberList;
    list.user = c.req.user;
    w.etcdctl(list, eps, [&w, c, from, finish](const ClientResult& r) {
      if (!r.ok) {
        Printed p;
        p.result = r;
        fail_with(p, kExitError, "failed to fetch endpoints from etcd cluster member list: " + r.error);
        return finish(p);
      }
      std::vector<std::string> urls;
      for (const auto& m : r.reply.members) urls.insert(urls.end(), m.client_urls.begin(), m.client_urls.end());
      per_endpoint(w, c, urls, from, finish);
    }, c.command_timeout, 0, from);
    return;
  }
  w.etcdctl(c.req, eps, [c, finish](const ClientResult& r) { finish(print_single(c, r)); }, c.command_timeout, 0, from);
}

}  // namespace

void etcdctl_as(World& w, const std::string& user, const std::string& password, ClientRequest req,
                const std::vector<std::string>& endpoints, std::function<void(const ClientResult&)> done,
                Duration timeout) {
  if (user.empty()) return w.etcdctl(std::move(req), endpoints, std::move(done), timeout);
  ClientRequest auth;
  auth.kind = ClientOpKind::Auth;
  auth.auth_op = "authenticate";
  auth.auth_args = {user, password};
  w.etcdctl(auth, endpoints, [&w, user, req, endpoints, done, timeout](const ClientResult& r) mutable {
    if (!r.ok && r.error != etcd::auth_error::kAuthNotEnabled) return done(r);
    if (r.ok) req.user = user;
    w.etcdctl(std::move(req), endpoints, done, timeout);
  }, timeout);
}

void run_etcdctl(World& w, const std::string& command, const std::vector<std::string>& endpoints,
                 std::function<void(const ClientResult&, const std::string& output)> done) {
  run_parsed(w, parse_etcdctl(command), command, endpoints, EtcdctlRun{}, [done](const Printed& p) {
    if (!done) return;
    std::string text = p.shown();
    if (!text.empty() && text.back() == '\n') text.pop_back();
    done(p.result, text);
  });
}

void run_etcdctl_argv(World& w, const std::vector<std::string>& argv, const std::vector<std::string>& endpoints,
                      const EtcdctlRun& how,
                      std::function<void(int exit_code, const std::string& out, const std::string& err)> done) {
  std::string command;
  for (size_t i = 1; i < argv.size(); ++i) command += (i > 1 ? " " : "") + argv[i];
  run_parsed(w, parse_etcdctl_argv(argv), command, endpoints, how, [done](const Printed& p) {
    if (done) done(p.exit_code, p.out, p.err);
  });
}

}  // namespace raftlab::sim
