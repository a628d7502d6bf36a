// tools/real/netcut.cc — see netcut.h.
#include "tools/real/netcut.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "tools/real/process.h"

namespace raftlab::real {

NetCut::NetCut(std::string iptables_restore, std::string dir, std::vector<std::string> members)
    : restore_(std::move(iptables_restore)), dir_(std::move(dir)), members_(std::move(members)) {}

int NetCut::mark_of(const std::string& member) const {
  const auto it = std::find(members_.begin(), members_.end(), member);
  return it == members_.end() ? 0 : static_cast<int>(it - members_.begin()) + 1;
}

gid_t NetCut::gid_of(const std::string& member) const {
  const int m = mark_of(member);
  return m == 0 ? 0 : kGidBase + static_cast<gid_t>(m);
}

namespace {

bool restore(const std::string& prog, const std::string& file, const std::string& text, std::string* why) {
  {
    std::ofstream f(file);
    f << text;
  }
  const Captured r = run_capture({prog, "--noflush", file}, nullptr, 10000);
  if (r.exit_code == 0) return true;
  if (why) *why = prog + " failed (exit " + std::to_string(r.exit_code) + "): " + r.err;
  return false;
}

}  // namespace

bool NetCut::setup(std::string* why) {
  std::string t = "*mangle\n";
  for (const auto& m : members_)
    t += fmt::format("-A OUTPUT -m owner --gid-owner {} -m conntrack --ctstate NEW -j CONNMARK --set-mark {}\n", gid_of(m),
                     mark_of(m));
  t += "COMMIT\n*filter\n:RAFTLAB-CUT - [0:0]\n-A OUTPUT -j RAFTLAB-CUT\nCOMMIT\n";
  return restore(restore_, dir_ + "/iptables-setup.rules", t, why);
}

void NetCut::set_peer_addrs(const std::string& member, std::vector<std::pair<std::string, int>> addrs) {
  addrs_[member] = std::move(addrs);
}

void NetCut::cut(const std::string& owner, const std::string& a, const std::string& b) {
  if (a == b) return;
  cuts_.insert({owner, std::min(a, b), std::max(a, b)});
}

void NetCut::heal(const std::string& owner) {
  for (auto it = cuts_.begin(); it != cuts_.end();) {
    if (owner.empty() || std::get<0>(*it) == owner) it = cuts_.erase(it);
    else ++it;
  }
}

std::set<std::string> NetCut::cut_pairs() const {
  std::set<std::string> out;
  for (const auto& [o, a, b] : cuts_) out.insert(a + "|" + b);
  return out;
}

std::vector<std::string> NetCut::rules() const {
  std::vector<std::string> out;
  auto one_way = [&](const std::string& from, const std::string& to) {
    // from's own connections to to's peer listeners: both directions.
    const auto it = addrs_.find(to);
    if (it == addrs_.end()) return;
    for (const auto& [ip, port] : it->second) {
      out.push_back(fmt::format("-A RAFTLAB-CUT -p tcp -m connmark --mark {} -d {} --dport {} -j DROP", mark_of(from), ip, port));
      out.push_back(fmt::format("-A RAFTLAB-CUT -p tcp -m connmark --mark {} -s {} --sport {} -j DROP", mark_of(from), ip, port));
    }
  };
  for (const auto& p : cut_pairs()) {
    const auto bar = p.find('|');
    const std::string a = p.substr(0, bar), b = p.substr(bar + 1);
    one_way(a, b);
    one_way(b, a);
  }
  return out;
}

bool NetCut::sync(std::string* why) {
  std::string t = "*filter\n-F RAFTLAB-CUT\n";
  for (const auto& r : rules()) t += r + "\n";
  t += "COMMIT\n";
  return restore(restore_, dir_ + "/iptables-cut.rules", t, why);
}

}  // namespace raftlab::real
