// config_urls.cc — etcd's URLs: net/url.Parse and net.SplitHostPort reduced to what etcd's
// URLs use, types.NewURLs (parse_urls) and types.NewURLsMap (parse_initial_cluster), with
// etcd's and Go's error wording (config_internal.h).
#include <algorithm>
#include <cctype>

#include "sim/etcd/config_internal.h"

namespace raftlab::etcd {
namespace detail {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// net/url.Parse reduced to what etcd URLs use. Returns Go's error text on failure.
Result<Url> go_url_parse(const std::string& in) {
  Url u;
  size_t i = 0;
  while (i < in.size() && (std::isalnum(static_cast<unsigned char>(in[i])) || in[i] == '+' || in[i] == '-' || in[i] == '.'))
    ++i;
  std::string rest = in;
  if (i > 0 && i < in.size() && in[i] == ':' && std::isalpha(static_cast<unsigned char>(in[0]))) {
    u.scheme = in.substr(0, i);
    std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    rest = in.substr(i + 1);
  } else if (!in.empty() && in[0] == ':') {
    return Error{"", "parse " + go_quote(in) + ": missing protocol scheme", ""};
  } else {
    const size_t colon = in.find(':');
    const size_t slash = in.find('/');
    if (colon != std::string::npos && (slash == std::string::npos || colon < slash))
      return Error{"", go_format(wording::kGoURLColonFirstSegment, {in}), ""};
  }
  if (!u.scheme.empty() && rest.rfind("//", 0) != 0) {
    u.opaque = rest;
    return u;
  }
  if (rest.rfind("//", 0) == 0) {
    u.has_authority = true;
    rest = rest.substr(2);
    const size_t end = rest.find_first_of("/?#");
    std::string auth = rest.substr(0, end);
    u.rest = end == std::string::npos ? "" : rest.substr(end);
    const size_t at = auth.rfind('@');
    if (at != std::string::npos) auth = auth.substr(at + 1);
    for (char c : auth) {
      if (c == ' ' || c == '<' || c == '>' || c == '"' || c == '{' || c == '}' || c == '|' || c == '\\' || c == '^' ||
          c == '`' || static_cast<unsigned char>(c) < 0x20)
        return Error{"", go_format(wording::kGoURLInvalidHostChar, {in, std::string(1, c)}), ""};
    }
    // Go validates the port part after the last ':' (outside brackets) is digits.
    const size_t rb = auth.rfind(']');
    const size_t colon = auth.rfind(':');
    if (colon != std::string::npos && (rb == std::string::npos || colon > rb)) {
      const std::string port = auth.substr(colon + 1);
      if (!port.empty() && !all_digits(port))
        return Error{"", "parse " + go_quote(in) + ": invalid port " + go_quote(auth.substr(colon)) + " after host", ""};
    }
    u.host = auth;
  } else {
    u.rest = rest;
  }
  return u;
}

// net.SplitHostPort success check.
bool split_host_port(const std::string& hostport, std::string* host) {
  if (!hostport.empty() && hostport[0] == '[') {
    const size_t rb = hostport.find(']');
    if (rb == std::string::npos || rb + 1 >= hostport.size() || hostport[rb + 1] != ':') return false;
    if (hostport.find(':', rb + 2) != std::string::npos) return false;
    if (host) *host = hostport.substr(1, rb - 1);
    return true;
  }
  const size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) return false;
  if (hostport.find(':') != colon) return false;  // too many colons
  if (host) *host = hostport.substr(0, colon);
  return true;
}

bool is_ip_literal(const std::string& h) {
  if (h.find(':') != std::string::npos) return true;  // IPv6 (already bracket-stripped)
  int parts = 0;
  size_t start = 0;
  while (true) {
    const size_t dot = h.find('.', start);
    const std::string p = h.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!all_digits(p) || p.size() > 3 || std::stoi(p) > 255) return false;
    ++parts;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

std::string host_of(const std::string& url) {
  auto u = go_url_parse(url);
  std::string h;
  if (u.ok()) split_host_port(u.value().host, &h);
  return h;
}

}  // namespace detail

using detail::go_url_parse;
using detail::split_host_port;
using detail::Url;

Result<std::vector<std::string>> parse_urls(const std::string& comma_separated) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t c = comma_separated.find(',', start);
    std::string in = comma_separated.substr(start, c == std::string::npos ? std::string::npos : c - start);
    // strings.TrimSpace
    const size_t b = in.find_first_not_of(" \t\n\r\v\f");
    const size_t e = in.find_last_not_of(" \t\n\r\v\f");
    in = b == std::string::npos ? "" : in.substr(b, e - b + 1);
    auto u = go_url_parse(in);
    if (!u.ok()) return Error{"", u.error().message, "write URLs as http://IP:port"};
    const Url& url = u.value();
    if (url.scheme == "http" || url.scheme == "https") {
      if (!split_host_port(url.host, nullptr))
        return Error{"", go_format(wording::kURLNotHostPort, {in}), "write URLs as http://IP:port"};
      if (!url.rest.empty()) return Error{"", go_format(wording::kURLHasPath, {in}), "remove the path (even a trailing '/')"};
      out.push_back(url.scheme + "://" + url.host);
    } else if (url.scheme == "unix" || url.scheme == "unixs") {
      out.push_back(in);
    } else {
      return Error{"", go_format(wording::kURLBadScheme, {in}), "start the URL with http:// or https://"};
    }
    if (c == std::string::npos) break;
    start = c + 1;
  }
  if (out.empty()) return Error{"", std::string(wording::kNoValidURLs), "give at least one URL"};
  // types.NewURLs sorts the URLs.
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<InitialClusterEntry>> parse_initial_cluster(const std::string& s) {
  // types.parse: split on ',', skip empty keys, split each on the first '='.
  std::vector<InitialClusterEntry> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t c = s.find(',', start);
    const std::string kv = s.substr(start, c == std::string::npos ? std::string::npos : c - start);
    if (!kv.empty()) {
      const size_t eq = kv.find('=');
      InitialClusterEntry e{eq == std::string::npos ? kv : kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1)};
      auto u = parse_urls(e.url);
      if (!u.ok()) return Error{"--initial-cluster", u.error().message, "write name=http://IP:port pairs separated by commas"};
      e.url = u.value()[0];
      out.push_back(e);
    }
    if (c == std::string::npos) break;
    start = c + 1;
  }
  return out;
}

}  // namespace raftlab::etcd
