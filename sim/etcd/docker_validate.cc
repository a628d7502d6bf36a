// docker_validate.cc — see docker_validate.h (docker's checks, docker's words).
#include "sim/etcd/docker_validate.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace raftlab::etcd {
namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool word(char c) { return alnum(c) || c == '_'; }

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// reference.go: path-component := alpha-numeric (separator alpha-numeric)*, separator :=
// [_.] | __ | [-]+ ; `lower` false also lets upper case through (to tell "must be
// lowercase" from "invalid reference format", as ParseNormalizedNamed does).
bool path_component(std::string_view c, bool lower) {
  auto an = [&](char ch) { return lower ? lower_alnum(ch) : alnum(ch); };
  if (c.empty() || !an(c.front()) || !an(c.back())) return false;
  for (size_t i = 0; i < c.size();) {
    if (an(c[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    if (c[i] == '.') {
      j = i + 1;
    } else if (c[i] == '_') {
      j = i + 1 < c.size() && c[i + 1] == '_' ? i + 2 : i + 1;
    } else if (c[i] == '-') {
      while (j < c.size() && c[j] == '-') ++j;
    } else {
      return false;
    }
    if (j >= c.size() || !an(c[j])) return false;
    i = j;
  }
  return true;
}

// domain := host [":" port]; host: dot-separated [a-zA-Z0-9-] labels (IPv6 in brackets).
bool domain(std::string_view d) {
  std::string_view host = d;
  if (!d.empty() && d.front() == '[') {
    const size_t close = d.find(']');
    if (close == std::string_view::npos) return false;
    host = d.substr(1, close - 1);
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:") != std::string_view::npos) return false;
    d = d.substr(close + 1);
    if (d.empty()) return true;
    if (d.front() != ':') return false;
    const std::string_view port = d.substr(1);
    return !port.empty() && port.find_first_not_of("0123456789") == std::string_view::npos;
  }
  const size_t colon = d.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view port = d.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
    host = d.substr(0, colon);
  }
  for (const auto& label : split(host, '.')) {
    if (label.empty() || !alnum(label.front()) || !alnum(label.back())) return false;
    for (char c : label)
      if (!alnum(c) && c != '-') return false;
  }
  return true;
}

Error ref_error(const std::string& image, const std::string& message) {
  return Error{"image", message + "\nSee 'docker run --help'.",
               "write the image as [registry/]name[:tag][@digest], lower-case, one ':' before the tag, e.g. "
               "bitnami/etcd:3.5.18 (" + image + " is not)"};
}

}  // namespace

std::optional<Error> validate_image_reference(const std::string& image) {
  static const std::string kInvalid = "docker: invalid reference format";
  std::string s = image;
  std::string digest;
  if (const size_t at = s.find('@'); at != std::string::npos) {
    digest = s.substr(at + 1);
    s = s.substr(0, at);
    // digest := algorithm ":" hex (>= 32 hex digits)
    const size_t colon = digest.find(':');
    if (colon == std::string::npos || colon == 0 || digest.size() - colon - 1 < 32 ||
        digest.find_first_not_of("0123456789abcdefABCDEF", colon + 1) != std::string::npos)
      return ref_error(image, kInvalid);
  }
  std::string tag;
  const size_t slash = s.rfind('/');
  if (const size_t colon = s.rfind(':'); colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    tag = s.substr(colon + 1);
    s = s.substr(0, colon);
    // tag := [\w][\w.-]{0,127}
    if (tag.empty() || tag.size() > 128 || !word(tag[0])) return ref_error(image, kInvalid);
    for (char c : tag)
      if (!word(c) && c != '.' && c != '-') return ref_error(image, kInvalid);
  }
  if (s.empty() || s.size() > 255) return ref_error(image, kInvalid);
  std::vector<std::string> parts = split(s, '/');
  // The first component is a domain when it has '.' or ':' or is "localhost" (normalize.go
  // splitDockerDomain); upper case is allowed there only.
  size_t first = 0;
  if (parts.size() > 1 && (parts[0].find_first_of(".:") != std::string::npos || parts[0] == "localhost")) {
    if (!domain(parts[0])) return ref_error(image, kInvalid);
    first = 1;
  }
  bool upper = false;
  for (size_t i = first; i < parts.size(); ++i) {
    if (!path_component(parts[i], false)) return ref_error(image, kInvalid);
    if (!path_component(parts[i], true)) upper = true;
  }
  if (upper) {
    std::string remote;
    for (size_t i = first; i < parts.size(); ++i) remote += (i > first ? "/" : "") + parts[i];
    return ref_error(image, "docker: invalid reference format: repository name (" + remote + ") must be lowercase");
  }
  return std::nullopt;
}

std::optional<Error> validate_mem_bytes(const std::string& shown, const std::string& value) {
  // go-units parseSize: the number ends at the last digit, '.' or ' '; the suffix is
  // b, or one of k m g t p optionally followed by b or ib (case-insensitive).
  auto fail = [&](const std::string& why) {
    return Error{shown, "invalid argument \"" + value + "\" for \"" + shown + "\" flag: " + why + "\nSee 'docker run --help'.",
                 "write a size such as 512m, 1g or 1073741824 (units b, k, m, g, t, p)"};
  };
  const size_t sep = value.find_last_of("0123456789. ");
  if (sep == std::string::npos) return fail("invalid size: '" + value + "'");
  std::string num = value.substr(0, value[sep] == ' ' ? sep : sep + 1);
  std::string sfx = value.substr(sep + 1);
  // strconv.ParseFloat: digits with at most one '.', optional leading sign.
  const std::string_view n = num;
  const size_t digits_at = !n.empty() && (n[0] == '-' || n[0] == '+') ? 1 : 0;
  const std::string_view body = n.substr(digits_at);
  const size_t dots = static_cast<size_t>(std::count(body.begin(), body.end(), '.'));
  if (body.empty() || body == "." || dots > 1 || body.find_first_not_of("0123456789.") != std::string_view::npos)
    return fail("strconv.ParseFloat: parsing \"" + num + "\": invalid syntax");
  if (n[0] == '-') return fail("invalid size: '" + value + "'");
  if (sfx.empty()) return std::nullopt;
  for (char& c : sfx) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  const bool ok = sfx.size() <= 3 &&
                  (sfx == "b" || (std::string_view("kmgtp").find(sfx[0]) != std::string_view::npos &&
                                  (sfx.size() == 1 || (sfx.size() == 2 && sfx[1] == 'b') || sfx.substr(1) == "ib")));
  if (!ok) return fail("invalid suffix: '" + sfx + "'");
  return std::nullopt;
}

std::optional<Error> validate_nano_cpus(const std::string& value) {
  auto fail = [&](const std::string& why) {
    return Error{"--cpus", "invalid argument \"" + value + "\" for \"--cpus\" flag: " + why + "\nSee 'docker run --help'.",
                 "write a number of CPUs such as 1, 0.5 or 3/2 (at most 9 decimal places)"};
  };
  const std::string not_rational = "failed to parse " + value + " as a rational number";
  auto all_digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  std::string_view v = value;
  if (const size_t slash = v.find('/'); slash != std::string_view::npos) {
    std::string_view a = v.substr(0, slash), b = v.substr(slash + 1);
    if (!a.empty() && (a[0] == '-' || a[0] == '+')) a.remove_prefix(1);
    if (!all_digits(a) || !all_digits(b) || b.find_first_not_of('0') == std::string_view::npos)
      return fail(not_rational);
    // a/b * 1e9 whole: (a * 1e9) mod b == 0, a read digit by digit. Common trailing zeros
    // of a and b cancel first; a b still longer than 18 digits is taken as too precise
    // unless a is 0 (Go's big.Rat would be exact there: a documented simplification).
    b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
    if (a.find_first_not_of('0') == std::string_view::npos) return std::nullopt;
    while (a.size() > 1 && b.size() > 1 && a.back() == '0' && b.back() == '0') {
      a.remove_suffix(1);
      b.remove_suffix(1);
    }
    if (b.size() > 18) return fail("value is too precise");
    std::uint64_t den = 0, rem = 0;
    for (char c : b) den = den * 10 + static_cast<unsigned>(c - '0');
    for (char c : a) rem = (rem * 10 + static_cast<unsigned>(c - '0')) % den;
    for (int i = 0; i < 9; ++i) rem = rem * 10 % den;
    return rem == 0 ? std::nullopt : std::optional(fail("value is too precise"));
  }
  // [+-] (digits [. digits] | . digits) [(e|E) [+-] digits]
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
  const size_t e = v.find_first_of("eE");
  std::string_view mant = v.substr(0, e), expo = e == std::string_view::npos ? std::string_view{} : v.substr(e + 1);
  const size_t dot = mant.find('.');
  std::string_view ip = mant.substr(0, dot), fp = dot == std::string_view::npos ? std::string_view{} : mant.substr(dot + 1);
  if ((ip.empty() && fp.empty()) || (!ip.empty() && !all_digits(ip)) || (!fp.empty() && !all_digits(fp)))
    return fail(not_rational);
  long long exp10 = 0;
  if (e != std::string_view::npos) {
    bool neg = false;
    if (!expo.empty() && (expo[0] == '-' || expo[0] == '+')) {
      neg = expo[0] == '-';
      expo.remove_prefix(1);
    }
    if (!all_digits(expo)) return fail(not_rational);
    for (char c : expo) exp10 = std::min(exp10 * 10 + (c - '0'), 1'000'000'000LL);
    if (neg) exp10 = -exp10;
  }
  // value = M * 10^(exp10 - |fp|); value * 1e9 is whole iff M has enough trailing zeros.
  const std::string digits = std::string(ip) + std::string(fp);
  if (digits.find_first_not_of('0') == std::string::npos) return std::nullopt;
  const long long k = 9 + exp10 - static_cast<long long>(fp.size());
  if (k >= 0) return std::nullopt;
  const size_t last = digits.find_last_not_of('0');
  const long long zeros = static_cast<long long>(digits.size() - 1 - last);
  return zeros >= -k ? std::nullopt : std::optional(fail("value is too precise"));
}

std::optional<Error> validate_container_name(const std::string& name) {
  std::string_view n = name;
  if (!n.empty() && n[0] == '/') n.remove_prefix(1);
  bool ok = n.size() >= 2 && alnum(n[0]);
  for (size_t i = 1; ok && i < n.size(); ++i) ok = word(n[i]) || n[i] == '.' || n[i] == '-';
  if (ok) return std::nullopt;
  return Error{"--name",
               "docker: Error response from daemon: Invalid container name (" + name +
                   "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed.",
               "use letters, digits, '_', '.' and '-' (at least two characters, the first a letter or digit)"};
}

std::optional<Error> validate_user(const std::string& user) {
  const size_t colon = user.find(':');
  if (user.empty() || colon == std::string::npos) return std::nullopt;
  const std::string u = user.substr(0, colon), g = user.substr(colon + 1);
  if (g.find(':') == std::string::npos && !(u.empty() && g.empty())) return std::nullopt;
  // GetExecUser looks "g" up in the image's group file: a name with ':' is in none.
  return Error{"--user",
               "docker: Error response from daemon: unable to find group " + g + ": no matching entries in group file.",
               "write --user as name, uid, name:group or uid:gid (e.g. 1001:1001)"};
}

bool known_bitnami_etcd_tag(const std::string& tag) {
  if (tag == "latest" || tag == "3" || tag == "3.4" || tag == "3.5") return true;
  std::string t = tag;
  for (const char* suffix : {"-debian-11-r", "-debian-12-r"}) {
    const size_t at = t.find(suffix);
    if (at == std::string::npos) continue;
    const std::string r = t.substr(at + std::string(suffix).size());
    if (r.empty() || r.size() > 4 || r.find_first_not_of("0123456789") != std::string::npos) return false;
    t = t.substr(0, at);
    break;
  }
  for (const auto& [prefix, max] : {std::pair{"3.4.", 37}, std::pair{"3.5.", 21}}) {
    if (t.rfind(prefix, 0) != 0) continue;
    const std::string p = t.substr(4);
    if (p.empty() || p.size() > 2 || p.find_first_not_of("0123456789") != std::string::npos) return false;
    return std::atoi(p.c_str()) <= max;
  }
  return false;
}

}  // namespace raftlab::etcd
