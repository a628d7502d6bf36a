// sim/cloud/cfn_yaml.cc — template text -> the reader's value tree (cfn_internal.h).
//
// JSON templates go through yaml-cpp too: a JSON document is YAML 1.2 flow syntax, so one
// parser gives line:column for both. Short-form intrinsics are YAML tags and become their
// long form here ("!Ref X" -> {"Ref": "X"}, "!GetAtt A.B" -> {"Fn::GetAtt": "A.B"}), as
// the CloudFormation User Guide, "Intrinsic function reference", describes each short form.
//
// Must never: throw (every yaml-cpp exception becomes an error), expand YAML aliases
// without bound (kNodesMax), or recurse past kDepthMax.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <exception>
#include <string>

#include "sim/cloud/cfn_internal.h"

namespace raftlab::cloud::cfn {

const Value* Value::get(std::string_view key) const {
  if (kind != Kind::kMap) return nullptr;
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &items[i];
  return nullptr;
}

Pos Value::pos_of(std::string_view key) const {
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return key_pos[i];
  return pos;
}

Value Value::string(std::string s, Pos p) {
  Value v;
  v.kind = Kind::kString;
  v.str = std::move(s);
  v.pos = p;
  return v;
}

Value Value::bad(Pos p) {
  Value v;
  v.kind = Kind::kBad;
  v.pos = p;
  return v;
}

std::string describe(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull: return "null";
    case Value::Kind::kString: {
      std::string s = v.str.size() > 40 ? v.str.substr(0, 40) + "..." : v.str;
      return "\"" + s + "\"";
    }
    case Value::Kind::kList: return "a list";
    case Value::Kind::kMap: return "a map";
    case Value::Kind::kNoValue: return "AWS::NoValue";
    case Value::Kind::kBad: return "an invalid value";
  }
  return "?";
}

namespace {

// Short-form tag -> long-form key. Source: CloudFormation User Guide, "Intrinsic function
// reference" (each function's "Syntax for the short form").
constexpr std::array<std::pair<std::string_view, std::string_view>, 19> kShortForms{{
    {"!Ref", "Ref"},
    {"!Condition", "Condition"},
    {"!GetAtt", "Fn::GetAtt"},
    {"!Sub", "Fn::Sub"},
    {"!Base64", "Fn::Base64"},
    {"!Join", "Fn::Join"},
    {"!Select", "Fn::Select"},
    {"!GetAZs", "Fn::GetAZs"},
    {"!Split", "Fn::Split"},
    {"!If", "Fn::If"},
    {"!FindInMap", "Fn::FindInMap"},
    {"!Equals", "Fn::Equals"},
    {"!Not", "Fn::Not"},
    {"!And", "Fn::And"},
    {"!Or", "Fn::Or"},
    {"!ImportValue", "Fn::ImportValue"},
    {"!Cidr", "Fn::Cidr"},
    {"!Length", "Fn::Length"},
    {"!ToJsonString", "Fn::ToJsonString"},
}};

Pos pos_of(const YAML::Mark& m) { return Pos{m.line + 1, m.column + 1}; }

class Converter {
 public:
  explicit Converter(Ctx& c) : c_(c) {}

  std::optional<Value> convert(const YAML::Node& n, int depth, const std::string& path, Pos fallback) {
    if (++nodes_ > kNodesMax) {
      if (!counted_)
        c_.error(fallback, path, "the template has more than " + std::to_string(kNodesMax) + " values (YAML aliases expanded)",
                 "remove repeated aliases (*name) or split the template");
      counted_ = true;
      return std::nullopt;
    }
    if (depth > kDepthMax) {
      c_.error(fallback, path, "nesting deeper than " + std::to_string(kDepthMax) + " levels",
               "flatten the template; CloudFormation templates need only a few levels");
      return std::nullopt;
    }
    const std::string& tag = n.Tag();
    Value v;
    v.pos = n.IsNull() || !n.IsDefined() ? fallback : pos_of(n.Mark());
    if (!tag.empty() && tag != "?" && tag != "!" && tag.rfind("tag:yaml.org,2002:", 0) != 0) {
      std::string_view key;
      for (const auto& [short_form, long_form] : kShortForms)
        if (short_form == tag) key = long_form;
      if (key.empty()) {
        std::vector<std::string_view> names;
        for (const auto& sf : kShortForms) names.push_back(sf.first);
        c_.error(v.pos, path, "unknown YAML tag " + tag + did_you_mean(tag, names),
                 "CloudFormation's short forms are " + join_names(names));
        return std::nullopt;
      }
      auto inner = convert_untagged(n, depth + 1, path + "." + std::string(key), v.pos);
      if (!inner) return std::nullopt;
      if (inner->kind == Value::Kind::kNull) *inner = Value::string("", v.pos);  // "!GetAZs" alone = ""
      v.kind = Value::Kind::kMap;
      v.keys.emplace_back(key);
      v.key_pos.push_back(v.pos);
      v.items.push_back(std::move(*inner));
      return v;
    }
    return convert_untagged(n, depth, path, v.pos);
  }

 private:
  std::optional<Value> convert_untagged(const YAML::Node& n, int depth, const std::string& path, Pos p) {
    Value v;
    v.pos = p;
    switch (n.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return v;
      case YAML::NodeType::Scalar: {
        v.kind = Value::Kind::kString;
        v.str = n.Scalar();
        v.plain = n.Tag() == "?";
        if (!c_.charge(v.str.size(), p, path)) return std::nullopt;
        return v;
      }
      case YAML::NodeType::Sequence: {
        v.kind = Value::Kind::kList;
        std::size_t i = 0;
        for (auto it = n.begin(); it != n.end(); ++it, ++i) {
          auto item = convert(*it, depth + 1, path + "[" + std::to_string(i) + "]", p);
          if (!item) return std::nullopt;
          v.items.push_back(std::move(*item));
        }
        return v;
      }
      case YAML::NodeType::Map: {
        v.kind = Value::Kind::kMap;
        for (auto it = n.begin(); it != n.end(); ++it) {
          const Pos kp = pos_of(it->first.Mark());
          if (!it->first.IsScalar()) {
            c_.error(kp, path, "a map key must be a plain string", "write the key as a string");
            return std::nullopt;
          }
          const std::string key = it->first.Scalar();
          const std::string sub = path.empty() ? key : path + "." + key;
          for (std::size_t j = 0; j < v.keys.size(); ++j) {
            if (v.keys[j] == key) {
              c_.error(kp, sub, "duplicate key \"" + key + "\" (first at line " + std::to_string(v.key_pos[j].line) + ")",
                       "keep one of them");
              return std::nullopt;
            }
          }
          auto item = convert(it->second, depth + 1, sub, kp);
          if (!item) return std::nullopt;
          v.keys.push_back(key);
          v.key_pos.push_back(kp);
          v.items.push_back(std::move(*item));
        }
        return v;
      }
    }
    return v;
  }

  Ctx& c_;
  std::size_t nodes_ = 0;
  bool counted_ = false;
};

bool looks_like_json(const std::string& text) {
  std::size_t i = 0;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) i = 3;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
  return i < text.size() && text[i] == '{';
}

}  // namespace

std::optional<Value> parse_tree(Ctx& c, const std::string& text) {
  const std::string kind = looks_like_json(text) ? "JSON" : "YAML";
  if (text.size() > kTextMax) {
    c.error(Pos{}, "", "the template is " + std::to_string(text.size()) + " bytes, more than the " +
                           std::to_string(kTextMax) + " raftlab reads",
            "CloudFormation itself takes at most 1 MB from S3; trim the template");
    return std::nullopt;
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::DeepRecursion& e) {
    c.error(pos_of(e.mark), "", "nesting deeper than " + std::to_string(kDepthMax) + " levels",
            "flatten the template; CloudFormation templates need only a few levels");
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    c.error(pos_of(e.mark), "", "malformed " + kind + ": " + e.msg,
            kind == "JSON" ? "fix the JSON syntax at that line (a missing comma, quote or bracket?)"
                           : "fix the YAML at that line (indentation, an unclosed quote or bracket, a tab?)");
    return std::nullopt;
  } catch (const std::exception& e) {
    c.error(Pos{}, "", "cannot parse the " + kind + " template: " + e.what());
    return std::nullopt;
  }
  if (docs.size() > 1) {
    c.error(Pos{}, "", "the file holds " + std::to_string(docs.size()) + " YAML documents",
            "a template is one document: remove the extra '---' sections");
    return std::nullopt;
  }
  if (docs.empty() || docs[0].IsNull()) {
    c.error(Pos{1, 1}, "", "the template is empty", "write a template with a Resources section");
    return std::nullopt;
  }
  Converter conv(c);
  std::optional<Value> root;
  try {
    root = conv.convert(docs[0], 0, "", Pos{1, 1});
  } catch (const std::exception& e) {  // yaml-cpp's accessors throw on a bad node
    c.error(Pos{}, "", std::string("cannot read the ") + kind + " template: " + e.what());
    return std::nullopt;
  }
  if (root && !root->is_map()) {
    c.error(root->pos, "", "the template must be a map (AWSTemplateFormatVersion, Parameters, Resources, ...), got " +
                               describe(*root),
            "start the file with e.g. \"Resources:\"");
    return std::nullopt;
  }
  return root;
}

}  // namespace raftlab::cloud::cfn
