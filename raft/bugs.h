// raft/bugs.h — deliberately planted bugs, selectable at run time, to prove that the
// fault lab's checkers (sim/check) catch real Raft mistakes (issue 3, part 6).
//
// Every hook is compiled in every build: it is a branch on raft::Config::bugs, which is
// empty (no bug) unless a test or `raftlab ... --plant-bug NAME` sets it, and every run
// that plants one says so loudly ("PLANTED BUG ACTIVE: <name>"). The names are stable:
// scripts, results/ and docs/checkers.md refer to them.
//
//   raft::Config c;
//   c.bugs = raft::bug_bit(*raft::bug_from_name("commit-old-term"));
//   if (raft::has_bug(c.bugs, raft::Bug::CommitOldTerm)) ...
//
// Must never: be set by a real configuration or default to anything but none.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace raft {

enum class Bug : std::uint8_t {
  VoteWithoutLogCheck,    // grant (pre-)votes without §5.4.1's up-to-date check
  CommitOldTerm,          // count replicas of an earlier term's entry (breaks Figure 8)
  VoteNotPersisted,       // grant a vote without recording votedFor (so it can vote again)
  NoStepDown,             // a leader adopts a higher term from a response/heartbeat but stays leader
  ApplyBeforeCommit,      // hand durable but uncommitted entries to the state machine
  ReadWithoutLeadership,  // (sim/etcd) a member that believes it leads serves a linearizable get locally
};
using BugSet = std::uint32_t;  // bit (1 << Bug) per planted bug; 0 = the correct code

struct BugInfo {
  Bug bug;
  std::string_view name;
  std::string_view what;
};

inline constexpr std::array<BugInfo, 6> kBugs = {{
    {Bug::VoteWithoutLogCheck, "vote-without-log-check",
     "votes are granted without the candidate-log up-to-date check (Raft §5.4.1)"},
    {Bug::CommitOldTerm, "commit-old-term",
     "a leader commits an entry of an earlier term by counting replicas (Raft §5.4.2, Figure 8)"},
    {Bug::VoteNotPersisted, "vote-not-persisted",
     "a vote is granted without recording votedFor in the durable hard state (Raft Figure 2)"},
    {Bug::NoStepDown, "no-step-down",
     "a leader that sees a higher term in a response or heartbeat takes the term but stays leader (Figure 2)"},
    {Bug::ApplyBeforeCommit, "apply-before-commit",
     "durable entries are handed to the state machine before they are committed (Figure 2)"},
    {Bug::ReadWithoutLeadership, "read-without-leadership",
     "a member that believes it is leader serves a linearizable get from its own state, without raft"},
}};

constexpr BugSet bug_bit(Bug b) { return BugSet{1} << static_cast<unsigned>(b); }
constexpr bool has_bug(BugSet set, Bug b) { return (set & bug_bit(b)) != 0; }

constexpr std::string_view bug_name(Bug b) {
  for (const BugInfo& i : kBugs)
    if (i.bug == b) return i.name;
  return "?";
}

constexpr std::optional<Bug> bug_from_name(std::string_view name) {
  for (const BugInfo& i : kBugs)
    if (i.name == name) return i.bug;
  return std::nullopt;
}

// "commit-old-term,no-step-down" ("" for none), in kBugs order.
inline std::string bug_names(BugSet set) {
  std::string out;
  for (const BugInfo& i : kBugs) {
    if (!has_bug(set, i.bug)) continue;
    if (!out.empty()) out += ',';
    out += i.name;
  }
  return out;
}

// "PLANTED BUG ACTIVE: commit-old-term" — the line every run that plants a bug prints
// first ("" for none).
inline std::string planted_banner(BugSet set) {
  return set == 0 ? std::string() : "PLANTED BUG ACTIVE: " + bug_names(set);
}

}  // namespace raft
