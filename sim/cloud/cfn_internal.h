// sim/cloud/cfn_internal.h — the private parts of the CloudFormation reader (cfn.h): the
// value tree every template becomes (YAML and JSON alike, with the line:column of every
// node), the reading context (errors, parameters, conditions, resources and their physical
// ids), intrinsic evaluation and the typed property reader the resource readers use.
//
//   cfn_yaml.cc        text -> Value (yaml-cpp for both YAML and JSON), short-form tags
//   cfn_intrinsics.cc  Parameters, Conditions, Ref / Fn::* evaluation
//   cfn_ids.cc         physical ids, names, ARNs and Fn::GetAtt tables per resource type
//   cfn_props.cc       Obj: typed, checked access to an evaluated property map
//   cfn_resources.cc   one reader per modelled resource type
//   cfn.cc             read_template: the sections in order
//
// Must never: be included outside sim/cloud/cfn*.cc, throw out of read_template, read a
// file or a clock, or allocate without bound on hostile input (the k*Max caps below).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/cloud/cfn.h"
#include "sim/cloud/spec.h"

namespace raftlab::cloud::cfn {

inline constexpr std::size_t kTextMax = 1u << 20;        // template text
inline constexpr int kDepthMax = 64;                     // nesting of maps/lists
inline constexpr std::size_t kResourcesMax = 500;        // CloudFormation's own quota is 500
inline constexpr std::size_t kErrorsMax = 50;
inline constexpr std::size_t kNodesMax = 200000;         // after YAML aliases are expanded
inline constexpr std::size_t kExpandedMax = 16u << 20;   // bytes produced by Fn::Sub/Join/...
inline constexpr std::string_view kAccountId = "123456789012";

struct Pos {
  int line = 0, col = 0;  // 1-based; 0 = unknown
};

// One node of a template. Short-form YAML tags (!Ref X) are already their long form
// ({"Ref": "X"}) here. After evaluation no intrinsic is left; kNoValue marks
// AWS::NoValue (the enclosing map drops the key, a list the item) and kBad a value whose
// error was already reported (readers stay quiet about it).
struct Value {
  enum class Kind { kNull, kString, kList, kMap, kNoValue, kBad };
  Kind kind = Kind::kNull;
  std::string str;                 // kString
  bool plain = false;              // an unquoted YAML scalar / JSON number or literal
  bool base64 = false;             // the result of Fn::Base64
  std::vector<Value> items;        // list items, or map values (parallel to keys)
  std::vector<std::string> keys;   // map keys, in the order written
  std::vector<Pos> key_pos;        // map keys' positions
  Pos pos;

  [[nodiscard]] bool is_string() const { return kind == Kind::kString; }
  [[nodiscard]] bool is_map() const { return kind == Kind::kMap; }
  [[nodiscard]] bool is_list() const { return kind == Kind::kList; }
  [[nodiscard]] const Value* get(std::string_view key) const;
  [[nodiscard]] Pos pos_of(std::string_view key) const;  // the key's position, else pos

  static Value string(std::string s, Pos p);
  static Value bad(Pos p);
};

// What a value is, for messages: "a string \"abc\"", "a list", "a map", "null".
[[nodiscard]] std::string describe(const Value& v);

// text -> Value. Malformed input, a duplicate key, an unknown tag, nesting deeper than
// kDepthMax or more than kNodesMax nodes: errors, and nullopt.
class Ctx;
[[nodiscard]] std::optional<Value> parse_tree(Ctx& c, const std::string& text);

struct ParamValue {
  bool is_list = false;
  std::string str;                 // the value as given (lists: comma-joined)
  std::vector<std::string> items;  // is_list
};

// A resource of the template, as Ref / Fn::GetAtt / cross-references see it.
struct ResourceInfo {
  std::string logical_id;
  std::string type;
  const Value* decl = nullptr;     // the resource's map (Type, Properties, ...)
  Pos pos;                         // its logical ID's position
  bool active = true;              // its Condition holds
  int state = 0;                   // 0 not resolved, 1 resolving, 2 resolved
  std::string ref;                 // what Ref returns
  std::string name;                // its name (LaunchTemplateName, Name, ...), resolved
  std::map<std::string, Value> attrs;  // Fn::GetAtt table (modelled types only)
};

enum class Mode { kResource, kCondition, kOutput };

class Ctx {
 public:
  Ctx(std::string file, std::string stack, std::string region, CloudSpec* spec)
      : file_(std::move(file)), stack_(std::move(stack)), region_(std::move(region)), spec_(spec) {}

  // Records one error (exact duplicates once, at most kErrorsMax, then one "too many").
  void error(Pos p, const std::string& path, std::string message, std::string fix = "");
  void warn(std::string w);
  [[nodiscard]] std::string where(Pos p, const std::string& path) const;
  [[nodiscard]] bool failed() const { return !errors_.empty(); }
  [[nodiscard]] std::vector<CloudError> take_errors() { return std::move(errors_); }
  [[nodiscard]] std::size_t error_count() const { return errors_.size(); }

  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] const std::string& stack() const { return stack_; }
  [[nodiscard]] const std::string& region() const { return region_; }
  [[nodiscard]] CloudSpec& spec() { return *spec_; }

  // Counts bytes produced by evaluation; false (and one error) past kExpandedMax.
  bool charge(std::size_t bytes, Pos p, const std::string& path);

  std::map<std::string, ParamValue> params;
  std::map<std::string, const Value*> condition_decls;
  std::map<std::string, int> condition_state;  // 1 resolving, 2 true, 3 false
  std::map<std::string, ResourceInfo> resources;
  std::vector<std::string> resource_order;     // logical IDs as written
  const Value* mappings = nullptr;
  int nesting = 0;                             // eval / resolve_resource recursion (<= kDepthMax)

 private:
  std::string file_, stack_, region_;
  CloudSpec* spec_;
  std::vector<CloudError> errors_;
  bool capped_ = false;
  std::size_t expanded_ = 0;
};

// ---- cfn_intrinsics.cc ----
void read_parameters(Ctx& c, const Value* section, const std::map<std::string, std::string>& given);
void declare_conditions(Ctx& c, const Value* section);
// Whether the named condition holds (an unknown name is an error and false).
bool condition_holds(Ctx& c, const std::string& name, Pos p, const std::string& path);
// Evaluates every intrinsic of `v` (Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select,
// Fn::GetAZs, Fn::Split, Fn::Base64, Fn::If, Fn::FindInMap; in Conditions also Fn::Equals,
// Fn::Not, Fn::And, Fn::Or, Condition).
[[nodiscard]] Value eval(Ctx& c, const Value& v, const std::string& path, Mode mode = Mode::kResource);
// The pseudo parameters (AWS::Region, ...); nullopt for another name.
[[nodiscard]] std::optional<Value> pseudo(const Ctx& c, const std::string& name, Pos p);

// ---- cfn_ids.cc ----
// Computes a resource's Ref value, name and attribute table (once; cycles are errors).
ResourceInfo* resolve_resource(Ctx& c, const std::string& logical, Pos p, const std::string& path);
// The logical ID of the resource of `type` whose Ref (or name, when by_name) is `value`.
[[nodiscard]] std::optional<std::string> find_resource(Ctx& c, std::string_view type, const std::string& value,
                                                       bool by_name);
// The attributes Fn::GetAtt supports for a modelled type ("" for a type raftlab does not model).
[[nodiscard]] std::vector<std::string> supported_attributes(std::string_view type);
[[nodiscard]] bool is_modelled_type(std::string_view type);
// 0-9a-f digits derived from `label` (FNV-1a chains; no randomness).
[[nodiscard]] std::string hex_digits(const std::string& label, std::size_t n);
// The name CloudFormation generates for an unnamed resource: "<stack>-<Logical>-<SUFFIX>",
// cut to `max_len` the way AWS shortens both parts.
[[nodiscard]] std::string generated_name(const Ctx& c, const std::string& logical, std::size_t max_len);

// ---- cfn_props.cc ----
// " (did you mean X?)" when a candidate is close to `word`, else "".
[[nodiscard]] std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);
[[nodiscard]] std::string join_names(std::span<const std::string_view> names);

// Typed, checked access to an evaluated map of properties. Unknown keys are errors at
// construction (with a did-you-mean and the known list); each accessor reports a wrong
// type once, naming the property's path and line.
class Obj {
 public:
  Obj(Ctx& c, const Value* v, std::string path, std::span<const std::string_view> known, std::string what);
  [[nodiscard]] bool ok() const { return v_ != nullptr; }
  [[nodiscard]] bool has(std::string_view key) const;
  [[nodiscard]] const Value* get(std::string_view key) const;
  [[nodiscard]] std::string path(std::string_view key) const { return path_ + "." + std::string(key); }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] Pos pos(std::string_view key) const;
  [[nodiscard]] Pos pos() const { return v_ ? v_->pos : Pos{}; }
  void error(std::string_view key, std::string message, std::string fix = "") const;

  std::optional<std::string> str(std::string_view key, bool required = false) const;
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi,
                                      bool required = false) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<std::string> one_of(std::string_view key, std::span<const std::string_view> allowed,
                                    bool required = false) const;
  // A list of strings; a lone string is an error (CloudFormation wants a list).
  std::optional<std::vector<std::string>> strings(std::string_view key) const;
  [[nodiscard]] Obj obj(std::string_view key, std::span<const std::string_view> known, std::string what) const;
  // A list of maps, each checked against `known`.
  [[nodiscard]] std::vector<Obj> objs(std::string_view key, std::span<const std::string_view> known,
                                      std::string what) const;
  // Keys written that are neither in `read` nor ignorable: for "accepted, not modelled" notes.
  [[nodiscard]] std::vector<std::string> keys_except(std::span<const std::string_view> read) const;
  [[nodiscard]] Ctx& ctx() const { return *c_; }

 private:
  Ctx* c_;
  const Value* v_;
  std::string path_;
  std::string what_;
};

// Tags: [{Key, Value}] (with PropagateAtLaunch when `asg`).
std::vector<Tag> read_tags(const Obj& o, std::string_view key, bool asg);

// ---- cfn_resources.cc ----
// Reads one active resource of a modelled type into the spec (`props` evaluated).
void read_resource(Ctx& c, const ResourceInfo& r, const Value* props, const std::string& path);

}  // namespace raftlab::cloud::cfn
