// sim/world_bitnami.cc — Bitnami's etcd_configure_rbac (libetcd.sh, bitnami/etcd 3.5
// debian-12) run against the container's own background etcd through the model's
// request path: every etcdctl call goes from inside the container to its etcdctl
// endpoint (127.0.0.1:2379 unless ETCDCTL_ENDPOINTS is set), so `user add root` and
// `auth enable` commit only if that member's cluster has a quorum within the script's
// retry window. docs/etcd-behaviour.md §7 ("RBAC") has the script's lines and timing.
//
//   etcd_start_bg                          sleep 3
//   retry_while "etcdctl member list"      12 tries, sleep 5 after each failure (a
//                                          linearizable MemberList in etcdctl 3.5)
//   retry_while "etcdctl auth status"      the same (a raft request, admin-only once auth is on)
//   etcdctl auth status | grep -q "Authentication Status: true"
//     -> "Authentication already enabled", or "Enabling etcd authentication", then
//        user add root --interactive=false <<<"$ETCD_ROOT_PASSWORD", user grant-role root
//        root, auth enable (setup.sh runs under errexit: a failing one ends setup, exit 1)
//   etcd_stop                              "Stopping etcd" only if etcd still runs
//
// Must never: read the clock or draw randomness (every step's time follows from replies).
#include <memory>

#include <fmt/format.h>

#include "sim/etcd/auth.h"
#include "sim/etcd/member.h"
#include "sim/etcd/wording.h"
#include "sim/world.h"

namespace raftlab::sim {

namespace {
constexpr int kRetryTries = 12;                   // libos.sh retry_while's default retries
constexpr Duration kRetrySleep = seconds(5);      // ... and its sleep after each failure
constexpr Duration kStartSleep = seconds(3);      // etcd_start_bg's `sleep 3`
constexpr Duration kCommandTimeout = seconds(5);  // etcdctl's --command-timeout default
}  // namespace

void World::run_bitnami_rbac(int c, std::uint64_t gen, Launch::BitnamiRbac rbac) {
  struct Run {
    int c;
    std::uint64_t gen;
    Launch::BitnamiRbac rbac;
  };
  auto run = std::make_shared<Run>(Run{c, gen, std::move(rbac)});
  auto alive = [this, run] {
    const Container& k = containers_[static_cast<size_t>(run->c)];
    return k.gen == run->gen && k.up;
  };
  // One etcdctl call of the script, from inside the container.
  auto call = [this, run, alive](ClientRequest req, std::function<void(const ClientResult&)> done) {
    if (!alive()) return;
    const Container& k = containers_[static_cast<size_t>(run->c)];
    Origin o;
    o.netns = k.exec_netns;
    o.host = k.spec.host;
    o.who = k.spec.name + " (setup)";
    etcdctl_at(std::move(req), run->rbac.endpoints, [alive, done](const ClientResult& r) {
      if (alive()) done(r);
    }, kCommandTimeout, 0, std::move(o));
  };
  auto auth_req = [](const char* op, std::vector<std::string> args) {
    ClientRequest r;
    r.kind = ClientOpKind::Auth;
    r.auth_op = op;
    r.auth_args = std::move(args);
    return r;
  };
  // etcd_stop, then the rest of setup (its log lines); run.sh's exec is this same process.
  auto finish = [this, run, alive] {
    if (!alive()) return;
    const Container& k = containers_[static_cast<size_t>(run->c)];
    if (k.member && k.member->phase() != etcd::Phase::Stopped)
      container_log(run->c, "info", "bitnami: " + std::string(etcd::wording::kBitnamiStoppingEtcd));
    for (const auto& [level, line] : run->rbac.logs_after) container_log(run->c, level, line);
  };
  // errexit: an etcdctl that fails outside a condition ends setup.sh with status 1.
  auto setup_fails = [this, run](const ClientResult& r) {
    container_log(run->c, "error", "bitnami: Error: " + r.error);
    on_exit(run->c, run->gen, r.error);
  };
  // retry_while CMD: up to 12 tries, 5 s after each failure; then `then(ok)`.
  auto retry = std::make_shared<std::function<void(ClientRequest, int, std::function<void(bool)>)>>();
  // The stored function holds itself weakly (no cycle); pending calls hold it strongly.
  *retry = [this, call, weak = std::weak_ptr(retry), alive](ClientRequest req, int tries,
                                                           std::function<void(bool)> then) {
    auto self = weak.lock();
    call(req, [this, req, tries, then, self, alive](const ClientResult& r) {
      if (r.ok) return then(true);
      loop_.after(kRetrySleep, [req, tries, then, self, alive] {
        if (!alive()) return;
        if (tries + 1 >= kRetryTries) return then(false);
        (*self)(req, tries + 1, then);
      });
    });
  };
  auto enable = [this, run, call, auth_req, finish, setup_fails] {
    container_log(run->c, "info", "bitnami: " + std::string(etcd::wording::kBitnamiEnablingAuth));
    call(auth_req("user-add", {"root", run->rbac.root_password}), [=, this](const ClientResult& r1) {
      if (!r1.ok) return setup_fails(r1);
      container_log(run->c, "info", "bitnami: User root created");
      call(auth_req("user-grant-role", {"root", "root"}), [=, this](const ClientResult& r2) {
        if (!r2.ok) return setup_fails(r2);
        container_log(run->c, "info", "bitnami: Role root is granted to user root");
        call(auth_req("auth-enable", {}), [=, this](const ClientResult& r3) {
          if (!r3.ok) return setup_fails(r3);
          container_log(run->c, "info", "bitnami: Authentication Enabled");
          finish();
        });
      });
    });
  };
  ClientRequest list;
  list.kind = ClientOpKind::MemberList;
  list.linearizable_list = true;
  loop_.after(kStartSleep, [=, this] {
    if (!alive()) return;
    (*retry)(list, 0, [=, this](bool listed) {
      // `if retry_while ...; then` without an else: a cluster that never answered leaves
      // auth off, with no log line.
      if (!listed) return finish();
      (*retry)(auth_req("auth-status", {}), 0, [=, this](bool status_ok) {
        if (!status_ok) return finish();
        call(auth_req("auth-status", {}), [=, this](const ClientResult& r) {
          if (r.ok && r.reply.auth_enabled) {
            container_log(run->c, "info", "bitnami: " + std::string(etcd::wording::kBitnamiAuthAlreadyEnabled));
            return finish();
          }
          enable();
        });
      });
    });
  });
}

}  // namespace raftlab::sim
