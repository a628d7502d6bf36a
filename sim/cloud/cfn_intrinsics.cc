// sim/cloud/cfn_intrinsics.cc — Parameters, Conditions and the evaluation of intrinsic
// functions over the value tree (cfn_internal.h).
//
// Sources (CloudFormation User Guide): "Parameters" (types, Default, AllowedValues, Min/Max
// constraints, CommaDelimitedList members are space-trimmed), "Pseudo parameters
// reference", "Intrinsic function reference" (Ref, Fn::Sub with ${!Literal}, Fn::GetAtt,
// Fn::Join, Fn::Select, Fn::GetAZs, Fn::Split, Fn::Base64, Fn::If, Fn::FindInMap,
// condition functions Fn::Equals / Fn::Not / Fn::And / Fn::Or with 2 to 10 conditions).
//
// Must never: evaluate both branches of Fn::If (the other may name a resource that is not
// created), recurse without a bound (Ctx::nesting), or produce more than kExpandedMax bytes.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "sim/cloud/cfn_internal.h"

namespace raftlab::cloud::cfn {
namespace {

constexpr std::array<std::string_view, 11> kParamKeys{
    "AllowedPattern", "AllowedValues", "ConstraintDescription", "Default", "Description", "MaxLength",
    "MaxValue",       "MinLength",     "MinValue",              "NoEcho",  "Type"};
constexpr std::array<std::string_view, 4> kBasicTypes{"String", "Number", "List<Number>", "CommaDelimitedList"};
constexpr std::array<std::string_view, 6> kUnsupported{"Fn::ImportValue", "Fn::Cidr",   "Fn::Transform",
                                                       "Fn::Length",      "Fn::ToJsonString", "Fn::GetParam"};
constexpr std::string_view kSupported =
    "Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select, Fn::GetAZs, Fn::Split, Fn::Base64, Fn::If, Fn::FindInMap";

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::vector<std::string> split(const std::string& s, const std::string& delim) {
  std::vector<std::string> out;
  if (delim.empty()) return {s};
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = s.find(delim, start);
    if (at == std::string::npos) break;
    out.push_back(s.substr(start, at - start));
    start = at + delim.size();
  }
  out.push_back(s.substr(start));
  return out;
}

std::optional<double> number(const std::string& s) {
  if (s.empty() || s.size() > 40) return std::nullopt;
  std::size_t i = 0;
  if (s[i] == '-' || s[i] == '+') ++i;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) digits = true;
    else if (s[i] == '.' && !dot) dot = true;
    else return std::nullopt;
  }
  if (!digits) return std::nullopt;
  return std::stod(s);
}

Value list_of(const std::vector<std::string>& items, Pos p) {
  Value v;
  v.kind = Value::Kind::kList;
  v.pos = p;
  for (const std::string& s : items) v.items.push_back(Value::string(s, p));
  return v;
}

Value boolean(bool b, Pos p) {
  Value v = Value::string(b ? "true" : "false", p);
  v.plain = true;
  return v;
}

// Guards the recursion through conditions and resources' names.
class Nest {
 public:
  explicit Nest(int& n) : n_(n) { ++n_; }
  ~Nest() { --n_; }
  Nest(const Nest&) = delete;
  Nest& operator=(const Nest&) = delete;
  [[nodiscard]] bool too_deep() const { return n_ > kDepthMax; }

 private:
  int& n_;
};

class Evaluator {
 public:
  Evaluator(Ctx& c, Mode mode) : c_(c), mode_(mode) {}

  Value eval(const Value& v, const std::string& path) {
    switch (v.kind) {
      case Value::Kind::kList: {
        Value out;
        out.kind = Value::Kind::kList;
        out.pos = v.pos;
        for (std::size_t i = 0; i < v.items.size(); ++i) {
          const std::string sub = path + "[" + std::to_string(i) + "]";
          if (v.items[i].kind == Value::Kind::kNull) {
            c_.error(v.items[i].pos, sub, "'null' values are not allowed in templates", "remove the empty item");
            out.items.push_back(Value::bad(v.items[i].pos));
            continue;
          }
          Value e = eval(v.items[i], sub);
          if (e.kind != Value::Kind::kNoValue) out.items.push_back(std::move(e));
        }
        return out;
      }
      case Value::Kind::kMap: {
        if (v.keys.size() == 1 && is_function(v.keys[0])) return function(v.keys[0], v.items[0], v.pos, path);
        Value out;
        out.kind = Value::Kind::kMap;
        out.pos = v.pos;
        for (std::size_t i = 0; i < v.keys.size(); ++i) {
          const std::string sub = path.empty() ? v.keys[i] : path + "." + v.keys[i];
          if (v.keys[i].rfind("Fn::", 0) == 0 || v.keys[i] == "Ref") {
            c_.error(v.key_pos[i], sub, v.keys[i] + " must be the only key of its map",
                     "put the function in a map of its own: {\"" + v.keys[i] + "\": ...}");
            return Value::bad(v.pos);
          }
          if (v.items[i].kind == Value::Kind::kNull) {
            c_.error(v.key_pos[i], sub, "'null' values are not allowed in templates",
                     "give " + v.keys[i] + " a value or remove it");
            continue;
          }
          Value e = eval(v.items[i], sub);
          if (e.kind == Value::Kind::kNoValue) continue;
          out.keys.push_back(v.keys[i]);
          out.key_pos.push_back(v.key_pos[i]);
          out.items.push_back(std::move(e));
        }
        return out;
      }
      default:
        return v;
    }
  }

 private:
  bool is_function(const std::string& k) const {
    return k == "Ref" || k.rfind("Fn::", 0) == 0 || (mode_ == Mode::kCondition && k == "Condition");
  }

  // Evaluates `v` and requires a string.
  std::optional<std::string> str_arg(const Value& v, const std::string& path, const std::string& what) {
    Value e = eval(v, path);
    if (e.kind == Value::Kind::kBad) return std::nullopt;
    if (!e.is_string()) {
      c_.error(e.pos, path, what + " must be a string, got " + describe(e));
      return std::nullopt;
    }
    return e.str;
  }

  std::optional<std::vector<std::string>> list_arg(const Value& v, const std::string& path, const std::string& what) {
    Value e = eval(v, path);
    if (e.kind == Value::Kind::kBad) return std::nullopt;
    if (!e.is_list()) {
      c_.error(e.pos, path, what + " must be a list, got " + describe(e));
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const Value& i : e.items) {
      if (i.kind == Value::Kind::kBad) return std::nullopt;
      if (!i.is_string()) {
        c_.error(i.pos, path, what + " must hold strings, got " + describe(i));
        return std::nullopt;
      }
      out.push_back(i.str);
    }
    return out;
  }

  // [a, b, ...] of exactly `n` items (n = 0: any).
  const Value* args(const Value& a, std::size_t lo, std::size_t hi, const std::string& fn, Pos p,
                    const std::string& path, const std::string& form) {
    if (!a.is_list() || a.items.size() < lo || a.items.size() > hi) {
      c_.error(a.kind == Value::Kind::kNull ? p : a.pos, path,
               fn + " takes " + form + ", got " + describe(a) +
                   (a.is_list() ? " of " + std::to_string(a.items.size()) : ""),
               "write " + fn + ": " + form);
      return nullptr;
    }
    return &a;
  }

  Value checked(Value v, const std::string& path) {
    if (v.is_string() && !c_.charge(v.str.size(), v.pos, path)) return Value::bad(v.pos);
    return v;
  }

  Value function(const std::string& fn, const Value& a, Pos p, const std::string& path) {
    const std::string fp = path + "." + fn;
    if (fn == "Ref") return ref(a, p, fp);
    if (fn == "Fn::GetAtt") return get_att(a, p, fp);
    if (fn == "Fn::Sub") return sub(a, p, fp);
    if (fn == "Fn::Base64") {
      auto s = str_arg(a, fp, "Fn::Base64's argument");
      if (!s) return Value::bad(p);
      Value v = Value::string(*s, p);
      v.base64 = true;
      return v;
    }
    if (fn == "Fn::Join") {
      if (!args(a, 2, 2, fn, p, fp, "[delimiter, [values]]")) return Value::bad(p);
      auto d = str_arg(a.items[0], fp + "[0]", "Fn::Join's delimiter");
      auto l = list_arg(a.items[1], fp + "[1]", "Fn::Join's values");
      if (!d || !l) return Value::bad(p);
      std::string out;
      for (std::size_t i = 0; i < l->size(); ++i) out += (i ? *d : "") + (*l)[i];
      return checked(Value::string(std::move(out), p), fp);
    }
    if (fn == "Fn::Select") {
      if (!args(a, 2, 2, fn, p, fp, "[index, [values]]")) return Value::bad(p);
      auto i = str_arg(a.items[0], fp + "[0]", "Fn::Select's index");
      Value l = eval(a.items[1], fp + "[1]");
      if (!i || l.kind == Value::Kind::kBad) return Value::bad(p);
      if (!l.is_list()) {
        c_.error(l.pos, fp + "[1]", "Fn::Select's values must be a list, got " + describe(l));
        return Value::bad(p);
      }
      const bool digits = !i->empty() && i->size() < 10 &&
                          std::all_of(i->begin(), i->end(), [](char ch) { return ch >= '0' && ch <= '9'; });
      const std::size_t n = digits ? std::stoul(*i) : 0;
      if (!digits || n >= l.items.size()) {
        c_.error(a.items[0].pos, fp + "[0]",
                 "Fn::Select cannot select nonexistent value at index " + *i + " (the list has " +
                     std::to_string(l.items.size()) + ")",
                 "use an index from 0 to " + std::to_string(l.items.empty() ? 0 : l.items.size() - 1));
        return Value::bad(p);
      }
      Value out = l.items[n];
      out.pos = p;
      return out;
    }
    if (fn == "Fn::GetAZs") {
      auto r = str_arg(a, fp, "Fn::GetAZs's region");
      if (!r) return Value::bad(p);
      const std::string region = r->empty() ? c_.region() : *r;
      // raftlab's regions have three AZs, a b c (real regions have 2 to 6).
      return list_of({region + "a", region + "b", region + "c"}, p);
    }
    if (fn == "Fn::Split") {
      if (!args(a, 2, 2, fn, p, fp, "[delimiter, string]")) return Value::bad(p);
      auto d = str_arg(a.items[0], fp + "[0]", "Fn::Split's delimiter");
      auto s = str_arg(a.items[1], fp + "[1]", "Fn::Split's string");
      if (!d || !s) return Value::bad(p);
      if (d->empty()) {
        c_.error(a.items[0].pos, fp + "[0]", "Fn::Split's delimiter is empty", "give a delimiter such as \",\"");
        return Value::bad(p);
      }
      return list_of(split(*s, *d), p);
    }
    if (fn == "Fn::If") {
      if (mode_ == Mode::kCondition) {
        c_.error(p, fp, "Fn::If cannot be used in Conditions", "use Fn::And / Fn::Or / Fn::Not");
        return Value::bad(p);
      }
      if (!args(a, 3, 3, fn, p, fp, "[condition name, value if true, value if false]")) return Value::bad(p);
      if (!a.items[0].is_string()) {
        c_.error(a.items[0].pos, fp + "[0]", "Fn::If's condition must be a condition's name, got " +
                                                 describe(a.items[0]));
        return Value::bad(p);
      }
      const bool yes = condition_holds(c_, a.items[0].str, a.items[0].pos, fp + "[0]");
      return eval(a.items[yes ? 1 : 2], fp + (yes ? "[1]" : "[2]"));
    }
    if (fn == "Fn::FindInMap") return find_in_map(a, p, fp);
    if (fn == "Fn::Equals" || fn == "Fn::Not" || fn == "Fn::And" || fn == "Fn::Or" || fn == "Condition") {
      if (mode_ != Mode::kCondition) {
        c_.error(p, fp, fn + " can be used only in the Conditions section",
                 "declare a condition there and use Fn::If: [ThatCondition, a, b] here");
        return Value::bad(p);
      }
      return condition_function(fn, a, p, fp);
    }
    for (std::string_view u : kUnsupported) {
      if (u != fn) continue;
      c_.error(p, fp, fn + " is not supported by raftlab (supported: " + std::string(kSupported) + ")",
               "replace it with the value it would give, e.g. a parameter");
      return Value::bad(p);
    }
    std::vector<std::string_view> known{"Ref",        "Fn::Sub",       "Fn::GetAtt", "Fn::Join",
                                        "Fn::Select", "Fn::GetAZs",    "Fn::Split",  "Fn::Base64",
                                        "Fn::If",     "Fn::FindInMap", "Fn::Equals", "Fn::Not",
                                        "Fn::And",    "Fn::Or"};
    c_.error(p, fp, "unknown intrinsic function " + fn + did_you_mean(fn, known),
             "supported: " + std::string(kSupported));
    return Value::bad(p);
  }

  Value ref(const Value& a, Pos p, const std::string& fp) {
    if (!a.is_string()) {
      c_.error(a.pos, fp, "Ref takes the name of a parameter or resource, got " + describe(a),
               "write Ref: Name (Fn::GetAtt for attributes, Fn::Sub for strings)");
      return Value::bad(p);
    }
    return resolve_name(a.str, p, fp, false);
  }

  // A name in Ref or ${Name} of Fn::Sub.
  Value resolve_name(const std::string& name, Pos p, const std::string& fp, bool in_sub) {
    if (auto v = pseudo(c_, name, p)) return *v;
    if (auto it = c_.params.find(name); it != c_.params.end()) {
      if (it->second.is_list) return list_of(it->second.items, p);
      return Value::string(it->second.str, p);
    }
    if (c_.resources.count(name)) {
      if (mode_ == Mode::kCondition) {
        c_.error(p, fp, "Conditions can reference only parameters, and " + name + " is a resource",
                 "compare a parameter instead");
        return Value::bad(p);
      }
      ResourceInfo* r = resolve_resource(c_, name, p, fp);
      if (!r) return Value::bad(p);
      return Value::string(r->ref, p);
    }
    std::vector<std::string_view> names;
    for (const auto& kv : c_.params) names.push_back(kv.first);
    for (const std::string& r : c_.resource_order) names.push_back(r);
    c_.error(p, fp,
             (in_sub ? "Fn::Sub: ${" + name + "} names no parameter, resource or variable"
                     : "Unresolved resource dependencies [" + name + "] in the Resources block of the template") +
                 did_you_mean(name, names),
             "declare " + name + " under Parameters or Resources, or fix the name");
    return Value::bad(p);
  }

  Value get_att(const Value& a, Pos p, const std::string& fp) {
    std::string res, attr;
    if (a.is_string()) {
      const std::size_t dot = a.str.find('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == a.str.size()) {
        c_.error(a.pos, fp, "Fn::GetAtt takes Resource.Attribute, got " + describe(a),
                 "write !GetAtt Resource.Attribute or [Resource, Attribute]");
        return Value::bad(p);
      }
      res = a.str.substr(0, dot);
      attr = a.str.substr(dot + 1);
    } else {
      if (!args(a, 2, 2, "Fn::GetAtt", p, fp, "[Resource, Attribute]")) return Value::bad(p);
      if (!a.items[0].is_string()) {
        c_.error(a.items[0].pos, fp + "[0]", "Fn::GetAtt's resource must be a logical ID, got " + describe(a.items[0]));
        return Value::bad(p);
      }
      auto at = str_arg(a.items[1], fp + "[1]", "Fn::GetAtt's attribute");
      if (!at) return Value::bad(p);
      res = a.items[0].str;
      attr = *at;
    }
    return attribute(res, attr, p, fp);
  }

  Value attribute(const std::string& res, const std::string& attr, Pos p, const std::string& fp) {
    if (mode_ == Mode::kCondition) {
      c_.error(p, fp, "Conditions can reference only parameters, not Fn::GetAtt " + res + "." + attr);
      return Value::bad(p);
    }
    if (!c_.resources.count(res)) {
      std::vector<std::string_view> names(c_.resource_order.begin(), c_.resource_order.end());
      c_.error(p, fp, "Fn::GetAtt names the resource " + res + ", which is not in Resources" + did_you_mean(res, names),
               "use one of the template's logical IDs");
      return Value::bad(p);
    }
    ResourceInfo* r = resolve_resource(c_, res, p, fp);
    if (!r) return Value::bad(p);
    if (!is_modelled_type(r->type)) {
      // Not modelled: a stable placeholder; nothing raftlab reads depends on it.
      return Value::string(r->ref + "." + attr, p);
    }
    auto it = r->attrs.find(attr);
    if (it == r->attrs.end()) {
      const std::vector<std::string> sup = supported_attributes(r->type);
      std::vector<std::string_view> names(sup.begin(), sup.end());
      c_.error(p, fp,
               "unknown attribute " + attr + " of " + res + " (" + r->type + ")" + did_you_mean(attr, names),
               names.empty() ? r->type + " has no attributes raftlab supports; use Ref"
                             : "supported: " + join_names(names));
      return Value::bad(p);
    }
    Value out = it->second;
    out.pos = p;
    return out;
  }

  Value sub(const Value& a, Pos p, const std::string& fp) {
    std::string text;
    std::map<std::string, Value> vars;
    if (a.is_string()) {
      text = a.str;
    } else {
      if (!args(a, 2, 2, "Fn::Sub", p, fp, "a string or [string, {Var: value}]")) return Value::bad(p);
      if (!a.items[0].is_string()) {
        c_.error(a.items[0].pos, fp + "[0]", "Fn::Sub's string must be a literal string, got " + describe(a.items[0]));
        return Value::bad(p);
      }
      text = a.items[0].str;
      Value m = eval(a.items[1], fp + "[1]");
      if (m.kind == Value::Kind::kBad) return Value::bad(p);
      if (!m.is_map()) {
        c_.error(m.pos, fp + "[1]", "Fn::Sub's variables must be a map, got " + describe(m));
        return Value::bad(p);
      }
      for (std::size_t i = 0; i < m.keys.size(); ++i) vars[m.keys[i]] = m.items[i];
    }
    std::string out;
    bool bad = false;
    std::size_t i = 0;
    while (i < text.size()) {
      if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
        out += text[i++];
        continue;
      }
      if (i + 2 < text.size() && text[i + 2] == '!') {  // ${!Literal} -> ${Literal}
        out += "${";
        i += 3;
        continue;
      }
      const std::size_t close = text.find('}', i + 2);
      if (close == std::string::npos) {  // no closing brace: left as written
        out += text.substr(i);
        break;
      }
      const std::string name = text.substr(i + 2, close - i - 2);
      i = close + 1;
      Value v;
      if (auto it = vars.find(name); it != vars.end()) {
        v = it->second;
      } else if (!pseudo(c_, name, p) && !c_.params.count(name) && !c_.resources.count(name) &&
                 name.find('.') != std::string::npos) {
        const std::size_t dot = name.find('.');
        v = attribute(name.substr(0, dot), name.substr(dot + 1), p, fp);
      } else {
        v = resolve_name(name, p, fp, true);
      }
      if (v.kind == Value::Kind::kBad) {
        bad = true;
        continue;
      }
      if (!v.is_string()) {
        c_.error(p, fp, "Fn::Sub: ${" + name + "} is " + describe(v) + ", not a string",
                 "join a list first (Fn::Join) or select one item (Fn::Select)");
        bad = true;
        continue;
      }
      out += v.str;
      if (out.size() > kTextMax) {
        c_.error(p, fp, "Fn::Sub produces more than " + std::to_string(kTextMax) + " bytes");
        return Value::bad(p);
      }
    }
    if (bad) return Value::bad(p);
    return checked(Value::string(std::move(out), p), fp);
  }

  Value find_in_map(const Value& a, Pos p, const std::string& fp) {
    if (!args(a, 3, 3, "Fn::FindInMap", p, fp, "[MapName, TopLevelKey, SecondLevelKey]")) return Value::bad(p);
    std::array<std::string, 3> k;
    for (std::size_t i = 0; i < 3; ++i) {
      auto s = str_arg(a.items[i], fp + "[" + std::to_string(i) + "]", "Fn::FindInMap's keys");
      if (!s) return Value::bad(p);
      k[i] = *s;
    }
    const Value* m = c_.mappings ? c_.mappings->get(k[0]) : nullptr;
    const Value* top = m ? m->get(k[1]) : nullptr;
    const Value* v = top ? top->get(k[2]) : nullptr;
    if (!v) {
      const std::string missing = !m ? "the map " + k[0] : !top ? "the key " + k[1] + " of " + k[0]
                                                                : "the key " + k[2] + " of " + k[0] + "." + k[1];
      c_.error(p, fp, "Fn::FindInMap: Mappings has no " + missing, "add it under Mappings or fix the name");
      return Value::bad(p);
    }
    Value out = eval(*v, "Mappings." + k[0] + "." + k[1] + "." + k[2]);
    out.pos = p;
    return out;
  }

  std::optional<bool> cond_arg(const Value& v, const std::string& path) {
    Value e = eval(v, path);
    if (e.kind == Value::Kind::kBad) return std::nullopt;
    if (e.is_string() && (e.str == "true" || e.str == "false")) return e.str == "true";
    c_.error(e.pos, path, "expected a condition (Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition: Name), got " +
                              describe(e));
    return std::nullopt;
  }

  Value condition_function(const std::string& fn, const Value& a, Pos p, const std::string& fp) {
    if (fn == "Condition") {
      if (!a.is_string()) {
        c_.error(a.pos, fp, "Condition takes a condition's name, got " + describe(a));
        return Value::bad(p);
      }
      return boolean(condition_holds(c_, a.str, a.pos, fp), p);
    }
    if (fn == "Fn::Equals") {
      if (!args(a, 2, 2, fn, p, fp, "[value, value]")) return Value::bad(p);
      Value x = eval(a.items[0], fp + "[0]"), y = eval(a.items[1], fp + "[1]");
      if (x.kind == Value::Kind::kBad || y.kind == Value::Kind::kBad) return Value::bad(p);
      auto flat = [](const Value& v) {
        if (v.is_string()) return v.str;
        std::string s = "[";
        for (const Value& i : v.items) s += i.str + ",";
        return s + "]";
      };
      return boolean(flat(x) == flat(y), p);
    }
    if (fn == "Fn::Not") {
      if (!args(a, 1, 1, fn, p, fp, "[condition]")) return Value::bad(p);
      auto b = cond_arg(a.items[0], fp + "[0]");
      return b ? boolean(!*b, p) : Value::bad(p);
    }
    if (!args(a, 2, 10, fn, p, fp, "[condition, condition, ...] (2 to 10)")) return Value::bad(p);
    const bool is_and = fn == "Fn::And";
    bool result = is_and;
    for (std::size_t i = 0; i < a.items.size(); ++i) {
      auto b = cond_arg(a.items[i], fp + "[" + std::to_string(i) + "]");
      if (!b) return Value::bad(p);
      result = is_and ? (result && *b) : (result || *b);
    }
    return boolean(result, p);
  }

  Ctx& c_;
  Mode mode_;
};

}  // namespace

std::optional<Value> pseudo(const Ctx& c, const std::string& name, Pos p) {
  // CloudFormation User Guide, "Pseudo parameters reference".
  if (name == "AWS::StackName") return Value::string(c.stack(), p);
  if (name == "AWS::Region") return Value::string(c.region(), p);
  if (name == "AWS::AccountId") return Value::string(std::string(kAccountId), p);
  if (name == "AWS::Partition") return Value::string("aws", p);
  if (name == "AWS::URLSuffix") return Value::string("amazonaws.com", p);
  if (name == "AWS::StackId") {
    const std::string h = hex_digits("stack-id/" + c.stack() + "/" + c.region(), 32);
    return Value::string("arn:aws:cloudformation:" + c.region() + ":" + std::string(kAccountId) + ":stack/" +
                             c.stack() + "/" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
                             h.substr(16, 4) + "-" + h.substr(20, 12),
                         p);
  }
  if (name == "AWS::NotificationARNs") {
    Value v;
    v.kind = Value::Kind::kList;
    v.pos = p;
    return v;
  }
  if (name == "AWS::NoValue") {
    Value v;
    v.kind = Value::Kind::kNoValue;
    v.pos = p;
    return v;
  }
  return std::nullopt;
}

Value eval(Ctx& c, const Value& v, const std::string& path, Mode mode) {
  Nest n(c.nesting);
  if (n.too_deep()) {
    c.error(v.pos, path, "references nested deeper than " + std::to_string(kDepthMax) + " levels",
            "simplify the chain of conditions / resource names");
    return Value::bad(v.pos);
  }
  return Evaluator(c, mode).eval(v, path);
}

bool condition_holds(Ctx& c, const std::string& name, Pos p, const std::string& path) {
  auto decl = c.condition_decls.find(name);
  if (decl == c.condition_decls.end()) {
    std::vector<std::string_view> names;
    for (const auto& kv : c.condition_decls) names.push_back(kv.first);
    c.error(p, path, "the condition " + name + " is not declared in Conditions" + did_you_mean(name, names),
            names.empty() ? "add a Conditions section declaring it" : "declared: " + join_names(names));
    return false;
  }
  int& st = c.condition_state[name];
  if (st == 2 || st == 3) return st == 2;
  if (st == 1) {
    c.error(p, path, "the condition " + name + " depends on itself", "break the cycle in Conditions");
    return false;
  }
  st = 1;
  const std::string cp = "Conditions." + name;
  Value v = eval(c, *decl->second, cp, Mode::kCondition);
  bool result = false;
  if (v.is_string() && (v.str == "true" || v.str == "false")) {
    result = v.str == "true";
  } else if (v.kind != Value::Kind::kBad) {
    c.error(decl->second->pos, cp, "a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition, got " +
                                       describe(v));
  }
  c.condition_state[name] = result ? 2 : 3;
  return result;
}

void declare_conditions(Ctx& c, const Value* section) {
  if (!section) return;
  if (!section->is_map()) {
    c.error(section->pos, "Conditions", "Conditions must be a map of names to conditions, got " + describe(*section));
    return;
  }
  for (std::size_t i = 0; i < section->keys.size(); ++i) c.condition_decls[section->keys[i]] = &section->items[i];
}

void read_parameters(Ctx& c, const Value* section, const std::map<std::string, std::string>& given) {
  std::vector<std::string_view> declared;
  if (section && !section->is_map()) {
    c.error(section->pos, "Parameters", "Parameters must be a map, got " + describe(*section));
    section = nullptr;
  }
  for (std::size_t i = 0; section && i < section->keys.size(); ++i) {
    const std::string& name = section->keys[i];
    const std::string path = "Parameters." + name;
    declared.push_back(name);
    Obj o(c, &section->items[i], path, kParamKeys, "a parameter");
    if (!o.ok()) continue;
    auto type = o.str("Type", true);
    if (!type) continue;
    const bool aws_type = type->rfind("AWS::", 0) == 0;
    const bool aws_list = type->rfind("List<AWS::", 0) == 0 && type->back() == '>';
    const bool ssm = type->rfind("AWS::SSM::Parameter::Value<", 0) == 0;
    if (!aws_type && !aws_list && std::find(kBasicTypes.begin(), kBasicTypes.end(), *type) == kBasicTypes.end()) {
      o.error("Type", "unknown parameter type " + *type + did_you_mean(*type, kBasicTypes),
              "use String, Number, List<Number>, CommaDelimitedList or an AWS-specific type such as "
              "List<AWS::EC2::Subnet::Id>");
      continue;
    }
    std::optional<std::string> value;
    Pos vpos = section->key_pos[i];
    if (auto it = given.find(name); it != given.end()) {
      value = it->second;
    } else if (const Value* d = o.get("Default")) {
      if (d->is_list()) {
        o.error("Default", "the Default of a parameter is one string (a list parameter's is comma-separated)",
                "write Default: \"a,b\"");
        continue;
      }
      value = o.str("Default");
      vpos = d->pos;
    }
    if (!value) {
      c.error(section->key_pos[i], path, "Parameters: [" + name + "] must have values",
              "give it a value in the scenario's cloud.parameters ({\"" + name + "\": \"...\"}) or a Default");
      continue;
    }
    ParamValue pv;
    pv.str = *value;
    pv.is_list = aws_list || *type == "CommaDelimitedList" || *type == "List<Number>";
    if (pv.is_list) {
      for (const std::string& s : split(*value, ",")) pv.items.push_back(trim(s));
      if (value->empty()) pv.items.clear();
    }
    std::vector<std::string> each = pv.is_list ? pv.items : std::vector<std::string>{pv.str};
    bool ok = true;
    if (*type == "Number" || *type == "List<Number>") {
      for (const std::string& s : each) {
        if (!number(s)) {
          c.error(vpos, path, "Parameter '" + name + "' must be a number, got \"" + s + "\"", "give a number");
          ok = false;
        }
      }
    }
    if (auto allowed = o.strings("AllowedValues")) {
      for (const std::string& s : each) {
        if (std::find(allowed->begin(), allowed->end(), s) == allowed->end()) {
          std::vector<std::string_view> names(allowed->begin(), allowed->end());
          c.error(vpos, path, "Parameter '" + name + "' must be one of AllowedValues (\"" + s + "\" is not)" +
                                  did_you_mean(s, names),
                  "allowed: " + join_names(names));
          ok = false;
        }
      }
    }
    auto min_len = o.integer("MinLength", 0, 1 << 30), max_len = o.integer("MaxLength", 0, 1 << 30);
    for (const std::string& s : each) {
      const auto n = static_cast<std::int64_t>(s.size());
      if ((min_len && n < *min_len) || (max_len && n > *max_len)) {
        c.error(vpos, path, "Parameter '" + name + "' must be " +
                                (min_len ? "at least " + std::to_string(*min_len) : std::string()) +
                                (min_len && max_len ? " and " : "") +
                                (max_len ? "at most " + std::to_string(*max_len) : std::string()) + " characters long");
        ok = false;
      }
    }
    auto minv = o.str("MinValue"), maxv = o.str("MaxValue");
    for (const std::string& s : each) {
      const auto x = number(s);
      if (!x) continue;
      if ((minv && number(*minv) && *x < *number(*minv)) || (maxv && number(*maxv) && *x > *number(*maxv))) {
        c.error(vpos, path, "Parameter '" + name + "' must be between " + minv.value_or("-inf") + " and " +
                                maxv.value_or("+inf") + ", got " + s);
        ok = false;
      }
    }
    if (!ok) continue;
    if (ssm) {
      const bool image = type->find("Image::Id") != std::string::npos;
      const std::string resolved = image ? "ami-0" + hex_digits("ssm/" + pv.str, 16) : pv.str;
      c.warn("parameter " + name + ": the SSM parameter " + pv.str + " is not looked up; raftlab uses \"" + resolved +
             "\"");
      pv.str = resolved;
    }
    c.params[name] = std::move(pv);
  }
  for (const auto& [k, v] : given) {
    (void)v;
    if (std::find(declared.begin(), declared.end(), k) != declared.end()) continue;
    c.error(Pos{}, "Parameters", "Parameters: [" + k + "] do not exist in the template" + did_you_mean(k, declared),
            declared.empty() ? "remove it from the scenario's cloud.parameters (the template declares none)"
                             : "remove it from cloud.parameters; the template declares " + join_names(declared));
  }
}

}  // namespace raftlab::cloud::cfn
