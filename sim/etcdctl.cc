#include "sim/etcdctl.h"

#include <algorithm>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "sim/etcd/entry_codec.h"
#include "sim/etcd/ids.h"
#include "sim/etcd/shell.h"
#include "sim/etcd/wording.h"
#include "sim/etcdctl_format.h"

namespace raftlab::sim {

EtcdctlCommand parse_etcdctl(const std::string& command) {
  // The command line is split as the operator's shell would split it.
  auto split = etcd::shell_split(command, {});
  if (!split.ok()) {
    EtcdctlCommand c;
    c.error = split.error().message;
    return c;
  }
  return parse_etcdctl_argv(split.value().argv);
}

EtcdctlCommand parse_etcdctl_argv(std::vector<std::string> w) {
  EtcdctlCommand c;
  if (!w.empty() && (w[0] == "etcdctl" || (w[0].size() > 8 && w[0].compare(w[0].size() - 8, 8, "/etcdctl") == 0)))
    w.erase(w.begin());
  std::vector<std::string> pos;
  for (size_t i = 0; i < w.size(); ++i) {
    const std::string& a = w[i];
    auto value = [&](const std::string& flag) -> std::optional<std::string> {
      if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
      if (a == flag && i + 1 < w.size()) return w[++i];
      return std::nullopt;
    };
    if (auto v = value("--endpoints")) {
      c.endpoints = etcd::split(*v, ',');
    } else if (auto p = value("--peer-urls")) {
      c.req.peer_urls = etcd::split(*p, ',');
    } else if (auto cs = value("--consistency")) {
      c.req.serializable = *cs == "s";
    } else if (auto wo = value("-w")) {
      c.write_out = *wo;
    } else if (auto wo2 = value("--write-out")) {
      c.write_out = *wo2;
    } else if (a == "--cluster") {
      // endpoint status --cluster: accepted (the status of the answering member is printed)
    } else if (a.rfind("--", 0) == 0) {
      c.error = fmt::format("unknown flag: {}", a);
      return c;
    } else {
      pos.push_back(a);
    }
  }
  auto need = [&](size_t n, const char* usage) {
    if (pos.size() < n) c.error = fmt::format("etcdctl: expected `{}`", usage);
    return pos.size() >= n;
  };
  if (pos.empty()) {
    c.error = "etcdctl: no command";
  } else if (pos[0] == "put") {
    c.req.kind = ClientOpKind::Put;
    if (need(3, "put KEY VALUE")) { c.req.key = pos[1]; c.req.value = pos[2]; }
  } else if (pos[0] == "get") {
    c.req.kind = ClientOpKind::Get;
    if (need(2, "get KEY")) c.req.key = pos[1];
  } else if (pos[0] == "member" && pos.size() >= 2 && pos[1] == "add") {
    c.req.kind = ClientOpKind::MemberAdd;
    if (need(3, "member add NAME --peer-urls=URL")) c.add_name = pos[2];
    if (c.error.empty() && c.req.peer_urls.empty())
      c.error = "member peer urls not provided";  // etcdctl's own wording
  } else if (pos[0] == "member" && pos.size() >= 2 && pos[1] == "remove") {
    c.req.kind = ClientOpKind::MemberRemove;
    if (need(3, "member remove ID")) {
      if (auto id = etcd::parse_id(pos[2])) c.req.member_id = *id; else c.remove_name = pos[2];
    }
  } else if (pos[0] == "member" && pos.size() >= 2 && pos[1] == "list") {
    c.req.kind = ClientOpKind::MemberList;
  } else if (pos[0] == "endpoint" && pos.size() >= 2 && pos[1] == "status") {
    c.req.kind = ClientOpKind::Status;
  } else {
    // cobra's wording for an unknown command; known etcdctl commands the model lacks say so.
    static const std::vector<std::string> kKnown = {"put", "get", "member", "endpoint"};
    const std::string near = etcd::closest_match(pos[0], kKnown);
    c.error = std::find(kKnown.begin(), kKnown.end(), pos[0]) != kKnown.end()
                  ? fmt::format("etcdctl {}: subcommand not modelled", etcd::join(pos, " "))
                  : fmt::format("unknown command \"{}\" for \"etcdctl\"{}", pos[0],
                                near.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", near));
  }
  return c;
}

namespace {
std::string output_of(const EtcdctlCommand& c, const ClientResult& r) {
  if (!r.ok) return "Error: " + r.error;
  const ClientReply& p = r.reply;
  switch (c.req.kind) {
    case ClientOpKind::Put: return "OK";
    case ClientOpKind::Get: return p.found ? c.req.key + "\n" + p.value : "";
    case ClientOpKind::MemberAdd: {
      // etcdctl member add prints the env a new member needs (ctlv3 member.go).
      std::string out = fmt::format("Member {} added to cluster {}\n\n", etcd::format_id(p.member_id),
                                    etcd::format_id(p.cluster_id));
      std::vector<std::string> conf;
      for (const auto& m : p.members) {
        for (const auto& u : m.peer_urls) {
          const std::string n = m.id == p.member_id ? c.add_name : m.name;
          conf.push_back(n + "=" + u);  // ctlv3 member.go: an unstarted member prints "=URL"

        }
      }
      out += fmt::format("ETCD_NAME=\"{}\"\nETCD_INITIAL_CLUSTER=\"{}\"\nETCD_INITIAL_ADVERTISE_PEER_URLS=\"{}\"\n"
                         "ETCD_INITIAL_CLUSTER_STATE=\"existing\"",
                         c.add_name, etcd::join(conf, ","), etcd::join(c.req.peer_urls, ","));
      return out;
    }
    case ClientOpKind::MemberRemove:
      return fmt::format("Member {} removed from cluster {}", etcd::format_id(p.member_id),
                         etcd::format_id(p.cluster_id));
    case ClientOpKind::MemberList: {
      if (c.write_out == "table") {
        std::vector<etcdctl::MemberRow> rows;
        for (const auto& m : p.members)
          rows.push_back({m.id, !m.name.empty(), m.name, m.peer_urls, m.client_urls, m.is_learner});
        return etcdctl::member_list_table(rows);
      }
      std::string out;
      for (const auto& m : p.members) {
        out += fmt::format("{}, {}, {}, {}, {}, {}\n", etcd::format_id(m.id), m.name.empty() ? "unstarted" : "started",
                           m.name, etcd::join(m.peer_urls, ","), etcd::join(m.client_urls, ","),
                           m.is_learner ? "true" : "false");
      }
      return out;
    }
    case ClientOpKind::Status: {
      static const StatusInfo kNone;
      const StatusInfo& s = p.status ? *p.status : kNone;
      etcdctl::EndpointStatusRow row{r.endpoint, s.member_id, s.version, s.db_size, s.leader == s.member_id,
                                     s.is_learner, s.raft_term, s.raft_index, s.raft_applied_index, s.errors};
      if (c.write_out == "table") return etcdctl::endpoint_status_table({row});
      return etcdctl::endpoint_status_simple({row});
    }
  }
  return "";
}
}  // namespace

namespace {

// One parsed command run from `how.from_host`; done(result, printed text, every endpoint answered).
void run_parsed(World& w, const EtcdctlCommand& c, const std::string& command, const std::vector<std::string>& endpoints,
                const EtcdctlRun& how,
                std::function<void(const ClientResult&, const std::string& output, bool all_ok)> done) {
  std::vector<std::string> eps = c.endpoints.empty() ? endpoints : c.endpoints;
  if (eps.empty()) eps.push_back("http://127.0.0.1:2379");  // etcdctl's default endpoint
  const std::string shown = how.shown.empty() ? command : how.shown;
  const bool note = how.note;
  const HostIndex from = how.from_host;
  if (!c.error.empty()) {
    if (note) w.note(fmt::format("$ etcdctl {}\nError: {}", shown, c.error));
    ClientResult r;
    r.error = c.error;
    if (done) done(r, "Error: " + c.error, false);
    return;
  }
  auto finish = [&w, c, shown, note, done](const ClientResult& r) {
    const std::string out = output_of(c, r);
    if (note) w.note(fmt::format("$ etcdctl {}\n{}", shown, out));
    if (done) done(r, out, r.ok);
  };
  const Duration timeout = seconds(5);
  if (!c.remove_name.empty()) {
    // Resolve a member name to its ID through `member list`, as an operator would.
    ClientRequest list;
    list.kind = ClientOpKind::MemberList;
    w.etcdctl(list, eps, [&w, c, eps, finish, from, timeout](const ClientResult& r) {
      EtcdctlCommand cc = c;
      for (const auto& m : r.reply.members)
        if (m.name == c.remove_name) cc.req.member_id = m.id;
      if (!r.ok || cc.req.member_id == 0) {
        ClientResult bad = r;
        bad.ok = false;
        if (r.ok) bad.error = "etcdserver: member not found";
        finish(bad);
        return;
      }
      w.etcdctl(cc.req, eps, finish, timeout, 0, from);
    }, timeout, 0, from);
    return;
  }
  if (c.req.kind == ClientOpKind::Status && eps.size() > 1) {
    // `endpoint status` asks every endpoint separately (ep_command.go): one row per
    // endpoint that answers, one "Failed to get the status" line per one that does not.
    struct Gather {
      std::vector<std::optional<ClientResult>> results;
      size_t pending = 0;
    };
    auto g = std::make_shared<Gather>();
    g->results.resize(eps.size());
    g->pending = eps.size();
    for (size_t i = 0; i < eps.size(); ++i) {
      w.etcdctl(c.req, {eps[i]}, [&w, g, i, c, shown, note, done, ep = w.endpoint_url(eps[i])](const ClientResult& r) {
        ClientResult rr = r;
        rr.endpoint = ep;
        g->results[i] = rr;
        if (--g->pending != 0) return;
        std::vector<etcdctl::EndpointStatusRow> rows;
        std::string errors;
        ClientResult first;
        bool any = false, all = true;
        for (const auto& res : g->results) {
          if (!res->ok) {
            errors += etcdctl::endpoint_status_error_line(res->endpoint, res->error) + "\n";
            all = false;
            continue;
          }
          static const StatusInfo kNone;
          const StatusInfo& st = res->reply.status ? *res->reply.status : kNone;
          rows.push_back({res->endpoint, st.member_id, st.version, st.db_size, st.leader == st.member_id, st.is_learner,
                          st.raft_term, st.raft_index, st.raft_applied_index, st.errors});
          if (!any) first = *res;
          any = true;
        }
        const std::string out =
            errors + (c.write_out == "table" ? etcdctl::endpoint_status_table(rows) : etcdctl::endpoint_status_simple(rows));
        if (note) w.note(fmt::format("$ etcdctl {}\n{}", shown, out));
        if (done) done(any ? first : *g->results.front(), out, all);
      }, timeout, 0, from);
    }
    return;
  }
  w.etcdctl(c.req, eps, finish, timeout, 0, from);
}

}  // namespace

void run_etcdctl(World& w, const std::string& command, const std::vector<std::string>& endpoints,
                 std::function<void(const ClientResult&, const std::string& output)> done) {
  run_parsed(w, parse_etcdctl(command), command, endpoints, EtcdctlRun{},
             [done](const ClientResult& r, const std::string& out, bool) {
               if (done) done(r, out);
             });
}

void run_etcdctl_argv(World& w, const std::vector<std::string>& argv, const std::vector<std::string>& endpoints,
                      const EtcdctlRun& how,
                      std::function<void(int exit_code, const std::string& out, const std::string& err)> done) {
  std::string command;
  for (size_t i = 1; i < argv.size(); ++i) command += (i > 1 ? " " : "") + argv[i];
  run_parsed(w, parse_etcdctl_argv(argv), command, endpoints, how,
             [done](const ClientResult& r, const std::string& out, bool all_ok) {
               if (!done) return;
               // etcdctl prints errors on stderr and exits 1 (ctlv3 ExitWithError, ExitError).
               if (all_ok) return done(0, out.empty() ? out : out + "\n", "");
               if (!r.ok && out.rfind("Error: ", 0) == 0) return done(1, "", out + "\n");
               // endpoint status with some endpoints down: rows on stdout, failures on stderr.
               std::string o, e;
               for (const auto& line : etcd::split(out, '\n')) {
                 (line.rfind("Failed to get the status", 0) == 0 ? e : o) += line + "\n";
               }
               done(1, o, e);
             });
}

}  // namespace raftlab::sim
