// sim/etcd/auth.cc — the auth store's checks in etcd's order (v3.5.18 server/auth/store.go).
#include "sim/etcd/auth.h"

#include <array>
#include <utility>

#include "sim/etcd/byte_codec.h"

namespace raftlab::etcd {

namespace {
constexpr std::array<std::pair<AuthOp, const char*>, 10> kOps = {{
    {AuthOp::UserAdd, "user-add"},
    {AuthOp::UserDelete, "user-delete"},
    {AuthOp::UserChangePassword, "user-passwd"},
    {AuthOp::UserGrantRole, "user-grant-role"},
    {AuthOp::RoleAdd, "role-add"},
    {AuthOp::RoleGrantPermission, "role-grant-permission"},
    {AuthOp::AuthEnable, "auth-enable"},
    {AuthOp::AuthDisable, "auth-disable"},
    {AuthOp::AuthStatus, "auth-status"},
    {AuthOp::Authenticate, "authenticate"},
}};

const std::string& arg(const AuthRequest& r, std::size_t i) {
  static const std::string kEmpty;
  return i < r.args.size() ? r.args[i] : kEmpty;
}

// clientv3 GetPrefixRangeEnd: the key with its last byte below 0xff incremented and the
// rest dropped; "\0" (every key) when every byte is 0xff.
std::string prefix_end(std::string_view key) {
  std::string end(key);
  while (!end.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(end.back());
    if (c < 0xff) {
      ++c;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

// a < b for interval ends, where "\0" stands for +infinity (etcd's open range end).
bool end_less_equal(std::string_view a, std::string_view b) {
  if (b == std::string_view("\0", 1)) return true;
  if (a == std::string_view("\0", 1)) return false;
  return a <= b;
}

}  // namespace

const char* auth_op_name(AuthOp op) {
  for (const auto& [o, name] : kOps)
    if (o == op) return name;
  return "?";
}

std::optional<AuthOp> parse_auth_op(std::string_view name) {
  for (const auto& [o, n] : kOps)
    if (name == n) return o;
  return std::nullopt;
}

bool AuthStore::has_root_role(const std::string& user) const {
  auto it = users_.find(user);
  return it != users_.end() && it->second.roles.count("root") != 0;
}

std::string AuthStore::check_admin(const std::string& user) const {
  if (!enabled_) return "";
  if (user.empty()) return auth_error::kUserEmpty;
  if (!users_.count(user)) return auth_error::kUserNotFound;
  if (!has_root_role(user)) return auth_error::kPermissionDenied;
  return "";
}

std::string AuthStore::check_op(const std::string& user, std::string_view key, std::string_view range_end,
                                bool write) const {
  if (!enabled_) return "";
  // isOpPermitted: "only gets rev == 0 when passed AuthInfo{}; no user given".
  if (user.empty()) return auth_error::kUserEmpty;
  auto u = users_.find(user);
  if (u == users_.end()) return auth_error::kPermissionDenied;  // "cannot find a user for permission check"
  if (u->second.roles.count("root")) return "";  // "root role should have permission on all ranges"
  const std::string want_end = range_end.empty() ? std::string(key) + '\0' : std::string(range_end);
  for (const std::string& role : u->second.roles) {
    auto r = roles_.find(role);
    if (r == roles_.end()) continue;
    for (const Perm& p : r->second) {
      if (write ? !p.write : !p.read) continue;
      const std::string perm_end = p.range_end.empty() ? p.key + '\0' : p.range_end;
      if (p.key <= key && end_less_equal(want_end, perm_end)) return "";
    }
  }
  return auth_error::kPermissionDenied;
}

std::string AuthStore::check_put(const std::string& user, std::string_view key) const {
  return check_op(user, key, {}, true);
}

std::string AuthStore::check_range(const std::string& user, std::string_view key, bool prefix) const {
  return check_op(user, key, prefix ? std::string_view(prefix_end(key)) : std::string_view(), false);
}

std::string AuthStore::check_password(const std::string& user, const std::string& password) const {
  if (!enabled_) return auth_error::kAuthNotEnabled;
  auto u = users_.find(user);
  if (u == users_.end() || u->second.password != password) return auth_error::kAuthFailed;
  return "";
}

AuthResult AuthStore::apply(const AuthRequest& r) {
  AuthResult res;
  auto done = [&](const char* error) {
    res.error = error ? error : "";
    res.enabled = enabled_;
    res.revision = revision_;
    return res;
  };
  // authApplierV3.Apply: needAdminPermission covers every auth request (AuthStatus
  // included in v3.5.18); Authenticate is checked by its password instead.
  if (r.op == AuthOp::Authenticate) {
    res = done(nullptr);
    res.error = check_password(arg(r, 0), arg(r, 1));
    return res;
  }
  if (const std::string e = check_admin(r.requester); !e.empty()) {
    res = done(nullptr);
    res.error = e;
    return res;
  }
  const std::string& a0 = arg(r, 0);
  const std::string& a1 = arg(r, 1);
  switch (r.op) {
    case AuthOp::UserAdd: {
      if (a0.empty()) return done(auth_error::kUserEmpty);
      if (users_.count(a0)) return done(auth_error::kUserAlreadyExist);
      users_[a0].password = a1;
      ++revision_;
      return done(nullptr);
    }
    case AuthOp::UserDelete: {
      if (enabled_ && a0 == "root") return done(auth_error::kInvalidAuthMgmt);  // "cannot delete 'root' user"
      if (!users_.erase(a0)) return done(auth_error::kUserNotFound);
      ++revision_;
      return done(nullptr);
    }
    case AuthOp::UserChangePassword: {
      auto u = users_.find(a0);
      if (u == users_.end()) return done(auth_error::kUserNotFound);
      u->second.password = a1;
      ++revision_;
      return done(nullptr);
    }
    case AuthOp::UserGrantRole: {
      auto u = users_.find(a0);
      if (u == users_.end()) return done(auth_error::kUserNotFound);
      // The root role needs no role entry: UserGrantRole checks getRole only for others.
      if (a1 != "root" && !roles_.count(a1)) return done(auth_error::kRoleNotFound);
      // A role already granted: "ignored grant role request to a user", no new revision.
      if (u->second.roles.insert(a1).second) ++revision_;
      return done(nullptr);
    }
    case AuthOp::RoleAdd: {
      if (a0.empty()) return done(auth_error::kRoleEmpty);
      if (roles_.count(a0)) return done(auth_error::kRoleAlreadyExist);
      roles_[a0];
      ++revision_;
      return done(nullptr);
    }
    case AuthOp::RoleGrantPermission: {
      const std::string& key = arg(r, 2);
      const std::string& end = arg(r, 3);
      // isValidPermissionRange: a key, and a range end after it (or "\0": open).
      if (key.empty() || (!end.empty() && end != std::string(1, '\0') && end <= key))
        return done(auth_error::kInvalidAuthMgmt);
      auto role = roles_.find(a0);
      if (role == roles_.end()) return done(auth_error::kRoleNotFound);
      Perm p{key, end, a1 == "read" || a1 == "readwrite", a1 == "write" || a1 == "readwrite"};
      bool updated = false;
      for (Perm& q : role->second) {
        if (q.key == key && q.range_end == end) {  // "update existing permission"
          q = p;
          updated = true;
        }
      }
      if (!updated) role->second.push_back(std::move(p));
      ++revision_;
      return done(nullptr);
    }
    case AuthOp::AuthEnable: {
      if (enabled_) return done(nullptr);  // "authentication is already enabled; ignored auth enable request"
      if (!users_.count("root")) return done(auth_error::kRootUserNotExist);
      if (!has_root_role("root")) return done(auth_error::kRootRoleNotExist);
      enabled_ = true;
      return done(nullptr);
    }
    case AuthOp::AuthDisable: {
      if (!enabled_) return done(nullptr);
      enabled_ = false;
      ++revision_;
      return done(nullptr);
    }
    case AuthOp::AuthStatus:
    case AuthOp::Authenticate:
      return done(nullptr);
  }
  return done(nullptr);
}

std::string AuthStore::encode() const {
  std::string out;
  put_u64(&out, enabled_ ? 1 : 0);
  put_u64(&out, revision_);
  put_u64(&out, users_.size());
  for (const auto& [name, u] : users_) {
    put_str(&out, name);
    put_str(&out, u.password);
    put_u64(&out, u.roles.size());
    for (const auto& role : u.roles) put_str(&out, role);
  }
  put_u64(&out, roles_.size());
  for (const auto& [name, perms] : roles_) {
    put_str(&out, name);
    put_u64(&out, perms.size());
    for (const Perm& p : perms) {
      put_str(&out, p.key);
      put_str(&out, p.range_end);
      put_u64(&out, (p.read ? 1 : 0) | (p.write ? 2 : 0));
    }
  }
  return out;
}

bool AuthStore::decode(std::string_view bytes) {
  ByteReader r{bytes};
  AuthStore s;
  s.enabled_ = r.u64() == 1;
  s.revision_ = r.u64();
  for (std::uint64_t n = r.u64(); r.ok && n > 0; --n) {
    User u;
    std::string name = r.str();
    u.password = r.str();
    for (std::uint64_t k = r.u64(); r.ok && k > 0; --k) u.roles.insert(r.str());
    s.users_[std::move(name)] = std::move(u);
  }
  for (std::uint64_t n = r.u64(); r.ok && n > 0; --n) {
    std::string name = r.str();
    std::vector<Perm> perms;
    for (std::uint64_t k = r.u64(); r.ok && k > 0; --k) {
      Perm p;
      p.key = r.str();
      p.range_end = r.str();
      const std::uint64_t t = r.u64();
      p.read = (t & 1) != 0;
      p.write = (t & 2) != 0;
      perms.push_back(std::move(p));
    }
    s.roles_[std::move(name)] = std::move(perms);
  }
  if (!r.ok || r.pos != bytes.size()) return false;
  *this = std::move(s);
  return true;
}

}  // namespace raftlab::etcd
