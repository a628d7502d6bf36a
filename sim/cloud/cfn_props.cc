// sim/cloud/cfn_props.cc — Obj, the typed access to an evaluated map of properties, with
// the unknown-key check (did-you-mean) and the type errors every resource reader shares.
//
// Types follow the CloudFormation Template Reference: an "Integer" or "String" holding a
// number may be written quoted or not ("MinSize: 3" and "MinSize: '3'" are both accepted,
// as CloudFormation accepts them); a "Boolean" is true/false, quoted or not.
//
// Must never: accept a key it does not know, or report the same bad value twice.
#include <algorithm>
#include <cctype>
#include <string>

#include "sim/cloud/cfn_internal.h"

namespace raftlab::cloud::cfn {
namespace {

std::size_t distance(std::string_view a, std::string_view b) {
  if (a.size() > 64 || b.size() > 64) return 99;
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  std::size_t best = 99;
  std::string_view pick;
  for (std::string_view c : candidates) {
    const std::size_t d = distance(word, c);
    if (d < best) {
      best = d;
      pick = c;
    }
  }
  const std::size_t limit = word.size() < 5 ? 1 : std::max<std::size_t>(2, word.size() / 3);
  if (pick.empty() || best > limit) {
    // A prefix of a longer name ("LatestVersion" for "LatestVersionNumber") is a near miss too.
    pick = {};
    for (std::string_view c : candidates)
      if (word.size() >= 4 && c.size() > word.size() && distance(word, c.substr(0, word.size())) == 0) pick = c;
    if (pick.empty()) return "";
  }
  return " (did you mean " + std::string(pick) + "?)";
}

std::string join_names(std::span<const std::string_view> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + std::string(names[i]);
  return out;
}

Obj::Obj(Ctx& c, const Value* v, std::string path, std::span<const std::string_view> known, std::string what)
    : c_(&c), v_(v), path_(std::move(path)), what_(std::move(what)) {
  if (!v_ || v_->kind == Value::Kind::kBad) {
    v_ = nullptr;
    return;
  }
  if (!v_->is_map()) {
    c.error(v_->pos, path_, "expected " + what_ + " (a map), got " + describe(*v_));
    v_ = nullptr;
    return;
  }
  for (std::size_t i = 0; i < v_->keys.size(); ++i) {
    const std::string& k = v_->keys[i];
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    c.error(v_->key_pos[i], path_ + "." + k, "unknown property \"" + k + "\" of " + what_ + did_you_mean(k, known),
            "known properties: " + join_names(known));
  }
}

bool Obj::has(std::string_view key) const { return get(key) != nullptr; }

const Value* Obj::get(std::string_view key) const { return v_ ? v_->get(key) : nullptr; }

Pos Obj::pos(std::string_view key) const {
  if (!v_) return Pos{};
  if (const Value* x = v_->get(key)) return x->pos;
  return v_->pos;
}

void Obj::error(std::string_view key, std::string message, std::string fix) const {
  c_->error(pos(key), key.empty() ? path_ : path(key), std::string(key) + (key.empty() ? "" : ": ") + message,
            std::move(fix));
}

std::optional<std::string> Obj::str(std::string_view key, bool required) const {
  const Value* x = get(key);
  if (!x) {
    if (required && v_) c_->error(v_->pos, path(key), std::string(key) + " is required for " + what_,
                                  "add " + std::string(key) + ": ...");
    return std::nullopt;
  }
  if (x->kind == Value::Kind::kBad) return std::nullopt;
  if (!x->is_string()) {
    error(key, "expected a string, got " + describe(*x));
    return std::nullopt;
  }
  return x->str;
}

std::optional<std::int64_t> Obj::integer(std::string_view key, std::int64_t lo, std::int64_t hi,
                                         bool required) const {
  const Value* x = get(key);
  if (x && x->is_list()) {
    error(key, "expected an integer, got a list", "write a whole number, e.g. 3");
    return std::nullopt;
  }
  auto s = str(key, required);
  if (!s) return std::nullopt;
  const bool neg = !s->empty() && (*s)[0] == '-';
  const std::string digits = neg ? s->substr(1) : *s;
  if (digits.empty() || digits.size() > 15 ||
      !std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    error(key, "expected an integer, got \"" + *s + "\"",
          "write a whole number, e.g. " + std::to_string(std::min(std::max<std::int64_t>(lo, 3), hi)));
    return std::nullopt;
  }
  const std::int64_t n = (neg ? -1 : 1) * std::stoll(digits);
  if (n < lo || n > hi) {
    error(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + *s,
          "give a value in that range");
    return std::nullopt;
  }
  return n;
}

std::optional<bool> Obj::boolean(std::string_view key) const {
  auto s = str(key);
  if (!s) return std::nullopt;
  std::string l = *s;
  for (char& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (l == "true") return true;
  if (l == "false") return false;
  error(key, "expected true or false, got \"" + *s + "\"", "write true or false");
  return std::nullopt;
}

std::optional<std::string> Obj::one_of(std::string_view key, std::span<const std::string_view> allowed,
                                       bool required) const {
  auto s = str(key, required);
  if (!s) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *s) != allowed.end()) return s;
  error(key, "\"" + *s + "\" is not a valid value" + did_you_mean(*s, allowed), "valid values: " + join_names(allowed));
  return std::nullopt;
}

std::optional<std::vector<std::string>> Obj::strings(std::string_view key) const {
  const Value* x = get(key);
  if (!x || x->kind == Value::Kind::kBad) return std::nullopt;
  if (!x->is_list()) {
    error(key, "expected a list of strings, got " + describe(*x), "write a YAML list: [a, b] or one \"- a\" per line");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < x->items.size(); ++i) {
    const Value& it = x->items[i];
    if (it.kind == Value::Kind::kBad) return std::nullopt;
    if (!it.is_string()) {
      c_->error(it.pos, path(key) + "[" + std::to_string(i) + "]", "expected a string, got " + describe(it));
      return std::nullopt;
    }
    out.push_back(it.str);
  }
  return out;
}

Obj Obj::obj(std::string_view key, std::span<const std::string_view> known, std::string what) const {
  return Obj(*c_, get(key), path(key), known, std::move(what));
}

std::vector<Obj> Obj::objs(std::string_view key, std::span<const std::string_view> known, std::string what) const {
  std::vector<Obj> out;
  const Value* x = get(key);
  if (!x || x->kind == Value::Kind::kBad) return out;
  if (!x->is_list()) {
    error(key, "expected a list of " + what + ", got " + describe(*x), "write one \"- ...\" item per entry");
    return out;
  }
  for (std::size_t i = 0; i < x->items.size(); ++i)
    out.emplace_back(*c_, &x->items[i], path(key) + "[" + std::to_string(i) + "]", known, what);
  return out;
}

std::vector<std::string> Obj::keys_except(std::span<const std::string_view> read) const {
  std::vector<std::string> out;
  if (!v_) return out;
  for (const std::string& k : v_->keys)
    if (std::find(read.begin(), read.end(), k) == read.end()) out.push_back(k);
  return out;
}

std::vector<Tag> read_tags(const Obj& o, std::string_view key, bool asg) {
  static constexpr std::array<std::string_view, 2> kTag{"Key", "Value"};
  static constexpr std::array<std::string_view, 3> kAsgTag{"Key", "PropagateAtLaunch", "Value"};
  std::vector<Tag> out;
  for (const Obj& t : o.objs(key, asg ? std::span<const std::string_view>(kAsgTag) : kTag, "a tag")) {
    if (!t.ok()) continue;
    auto k = t.str("Key", true);
    auto v = t.str("Value", true);
    Tag tag;
    if (asg) {
      auto p = t.boolean("PropagateAtLaunch");
      if (!t.has("PropagateAtLaunch"))
        t.error("", "PropagateAtLaunch is required for an Auto Scaling group tag", "add PropagateAtLaunch: true");
      tag.propagate_at_launch = p.value_or(true);
    }
    if (!k || !v) continue;
    tag.key = *k;
    tag.value = *v;
    out.push_back(tag);
  }
  return out;
}

}  // namespace raftlab::cloud::cfn
