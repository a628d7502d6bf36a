// sim/etcd/auth.h — etcd's auth store (users, roles, key permissions, the enabled flag) as
// a pure part of a member's applied state: every auth request is a raft entry applied in
// log order by every member (like a put), so a member that has not applied `auth enable`
// yet still serves unauthenticated requests, and auth survives a restart (it is rebuilt
// from the WAL and the snapshot, like etcd's auth buckets in bbolt).
//
//   AuthStore a;
//   a.apply({AuthOp::UserAdd, "", {"root", "pw"}});        // -> ok
//   a.apply({AuthOp::AuthEnable, "", {}});                  // -> "etcdserver: root user does not have root role"
//   a.check_put("", "k");                                   // "" while auth is off
//
// Follows etcd v3.5.18 server/auth/store.go and server/etcdserver/apply_auth.go (v3.4.23
// auth/store.go and etcdserver/apply_auth.go have the same checks); error texts are the
// client's (api/v3rpc/rpctypes/error.go), as etcdctl prints them. docs/etcd-behaviour.md §7e.
//
// Must never: hash or compare passwords with anything but equality (bcrypt is not
// modelled), iterate an unordered container, read the clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace raftlab::etcd {

namespace auth_error {
inline constexpr const char* kRootUserNotExist = "etcdserver: root user does not exist";
inline constexpr const char* kRootRoleNotExist = "etcdserver: root user does not have root role";
inline constexpr const char* kUserAlreadyExist = "etcdserver: user name already exists";
inline constexpr const char* kUserEmpty = "etcdserver: user name is empty";
inline constexpr const char* kUserNotFound = "etcdserver: user name not found";
inline constexpr const char* kRoleAlreadyExist = "etcdserver: role name already exists";
inline constexpr const char* kRoleNotFound = "etcdserver: role name not found";
inline constexpr const char* kRoleEmpty = "etcdserver: role name is empty";
inline constexpr const char* kAuthFailed = "etcdserver: authentication failed, invalid user ID or password";
inline constexpr const char* kPermissionDenied = "etcdserver: permission denied";
inline constexpr const char* kAuthNotEnabled = "etcdserver: authentication is not enabled";
inline constexpr const char* kInvalidAuthMgmt = "etcdserver: invalid auth management";
}  // namespace auth_error

// The auth requests etcd applies through raft (InternalRaftRequest's Auth* fields), plus
// Authenticate (InternalAuthenticateRequest: the token is made at apply).
enum class AuthOp : std::uint8_t {
  UserAdd,              // args: name, password
  UserDelete,           // args: name
  UserChangePassword,   // args: name, password
  UserGrantRole,        // args: user, role
  RoleAdd,              // args: name
  RoleGrantPermission,  // args: role, read|write|readwrite, key, range_end ("" = the key alone)
  AuthEnable,
  AuthDisable,
  AuthStatus,
  Authenticate,         // args: name, password
};
// The op's name in an entry and the trace ("user-add", ...); parse_auth_op is its inverse.
const char* auth_op_name(AuthOp op);
std::optional<AuthOp> parse_auth_op(std::string_view name);

struct AuthRequest {
  AuthOp op = AuthOp::AuthStatus;
  std::string requester;           // the request header's user name ("" = no token)
  std::vector<std::string> args;
};

struct AuthResult {
  std::string error;       // "" = ok; else the client's text
  bool enabled = false;    // AuthStatus: the flag after the request
  std::uint64_t revision = 0;  // the store's revision after the request
};

class AuthStore {
 public:
  // Applies one committed auth request, as authApplierV3.Apply does: the admin check
  // first (every op but Authenticate), then the store's own checks.
  AuthResult apply(const AuthRequest& r);

  bool enabled() const { return enabled_; }
  std::uint64_t revision() const { return revision_; }
  bool empty() const { return users_.empty() && roles_.empty() && !enabled_ && revision_ == 1; }
  bool has_user(const std::string& name) const { return users_.count(name) != 0; }

  // The store's checks of a request made with `user` ("" = no token): "" when permitted,
  // else the client's error text. All permit everything while auth is off.
  std::string check_admin(const std::string& user) const;                    // IsAdminPermitted
  std::string check_put(const std::string& user, std::string_view key) const;  // IsPutPermitted
  std::string check_range(const std::string& user, std::string_view key, bool prefix) const;  // IsRangePermitted
  // CheckPassword: kAuthNotEnabled while auth is off (the client then goes on without a
  // token), kAuthFailed for an unknown user or a wrong password.
  std::string check_password(const std::string& user, const std::string& password) const;

  // Bytes for a snapshot (sorted maps: deterministic), and back; decode returns false on
  // malformed input.
  std::string encode() const;
  bool decode(std::string_view bytes);

 private:
  struct Perm {
    std::string key, range_end;  // range_end "" = the key alone; "\0" = every key from `key`
    bool read = false, write = false;
  };
  struct User {
    std::string password;
    std::set<std::string> roles;
  };
  bool has_root_role(const std::string& user) const;
  std::string check_op(const std::string& user, std::string_view key, std::string_view range_end, bool write) const;

  bool enabled_ = false;
  std::uint64_t revision_ = 1;  // etcd's auth store starts at revision 1 (a fresh bbolt)
  std::map<std::string, User> users_;
  std::map<std::string, std::vector<Perm>> roles_;
};

}  // namespace raftlab::etcd
