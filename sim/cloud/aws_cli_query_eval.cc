// sim/cloud/aws_cli_query_eval.cc — the `--query` JMESPath subset's evaluation: the tree
// interpreter (jmespath/visitor.py TreeInterpreter: projections, filters, comparisons) and
// the functions in kFunctions (jmespath/functions.py, with its type-error wording).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/cloud/aws_cli_query_internal.h"

namespace raftlab::cloud::query {
namespace {

const char* json_type(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

bool truthy(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  if (v.is_array() || v.is_object()) return !v.empty();
  return true;
}

bool deep_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) if (!deep_equal(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto jt = b.find(it.key());
      if (jt == b.end() || !deep_equal(it.value(), *jt)) return false;
    }
    return true;
  }
  return a == b;
}

// jmespath/functions.py: to_string uses json.dumps(separators=(',', ':')).
std::string compact(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

class Evaluator {
 public:
  std::optional<QueryError> err;

  Json eval(const Node& n, const Json& cur) {
    if (err) return nullptr;
    if (++steps_ > kMaxSteps) { err = QueryError{"query needs more than raftlab's bound of 2000000 steps"}; return nullptr; }
    switch (n.kind) {
      case N::kIdentity: return cur;
      case N::kLiteral: return n.value;
      case N::kField: {
        if (!cur.is_object()) return nullptr;
        auto it = cur.find(n.name);
        return it == cur.end() ? Json(nullptr) : *it;
      }
      case N::kSub: return eval(*n.kids[1], eval(*n.kids[0], cur));
      case N::kPipe: return eval(*n.kids[1], eval(*n.kids[0], cur));
      case N::kIndex: {
        if (!cur.is_array()) return nullptr;
        std::int64_t i = *n.s0;
        const auto size = static_cast<std::int64_t>(cur.size());
        if (i < 0) i += size;
        if (i < 0 || i >= size) return nullptr;
        return cur[static_cast<std::size_t>(i)];
      }
      case N::kSlice: return slice(n, cur);
      case N::kProjection: {
        Json base = eval(*n.kids[0], cur);
        if (!base.is_array()) return nullptr;
        Json out = Json::array();
        for (const auto& e : base) {
          Json r = eval(*n.kids[1], e);
          if (!r.is_null()) out.push_back(std::move(r));
        }
        return out;
      }
      case N::kValueProjection: {
        Json base = eval(*n.kids[0], cur);
        if (!base.is_object()) return nullptr;
        Json out = Json::array();
        for (const auto& [k, e] : base.items()) {
          (void)k;
          Json r = eval(*n.kids[1], e);
          if (!r.is_null()) out.push_back(std::move(r));
        }
        return out;
      }
      case N::kFlatten: {
        Json base = eval(*n.kids[0], cur);
        if (!base.is_array()) return nullptr;
        Json out = Json::array();
        for (const auto& e : base) {
          if (e.is_array()) for (const auto& x : e) out.push_back(x);
          else out.push_back(e);
        }
        return out;
      }
      case N::kFilterProjection: {
        Json base = eval(*n.kids[0], cur);
        if (!base.is_array()) return nullptr;
        Json out = Json::array();
        for (const auto& e : base) {
          if (!truthy(eval(*n.kids[2], e))) continue;
          Json r = eval(*n.kids[1], e);
          if (!r.is_null()) out.push_back(std::move(r));
        }
        return out;
      }
      case N::kCompare: {
        Json a = eval(*n.kids[0], cur), b = eval(*n.kids[1], cur);
        if (n.name == std::string("eq")) return deep_equal(a, b);
        if (n.name == std::string("ne")) return !deep_equal(a, b);
        if (!a.is_number() || !b.is_number() || a.is_boolean() || b.is_boolean()) return nullptr;
        const double x = a.get<double>(), y = b.get<double>();
        if (n.name == std::string("lt")) return x < y;
        if (n.name == std::string("lte")) return x <= y;
        if (n.name == std::string("gt")) return x > y;
        return x >= y;
      }
      case N::kOr: { Json a = eval(*n.kids[0], cur); return truthy(a) ? a : eval(*n.kids[1], cur); }
      case N::kAnd: { Json a = eval(*n.kids[0], cur); return truthy(a) ? eval(*n.kids[1], cur) : a; }
      case N::kNot: return !truthy(eval(*n.kids[0], cur));
      case N::kMultiList: {
        if (cur.is_null()) return nullptr;
        Json out = Json::array();
        for (const auto& k : n.kids) out.push_back(eval(*k, cur));
        return out;
      }
      case N::kMultiHash: {
        if (cur.is_null()) return nullptr;
        Json out = Json::object();
        for (std::size_t i = 0; i < n.kids.size(); ++i) out[n.keys[i]] = eval(*n.kids[i], cur);
        return out;
      }
      case N::kExpref: return nullptr;  // only meaningful as a function argument
      case N::kFunction: return call(n, cur);
    }
    return nullptr;
  }

 private:
  Json slice(const Node& n, const Json& cur) {
    if (!cur.is_array() && !cur.is_string()) return nullptr;
    const std::int64_t len = cur.is_array() ? static_cast<std::int64_t>(cur.size())
                                             : static_cast<std::int64_t>(cur.get_ref<const std::string&>().size());
    const std::int64_t step = n.s2.value_or(1);
    auto cap = [&](std::int64_t v, bool is_start) {
      if (v < 0) { v += len; if (v < 0) v = step < 0 ? -1 : 0; }
      else if (v >= len) v = step < 0 ? len - 1 : len;
      (void)is_start;
      return v;
    };
    std::int64_t start = n.s0 ? cap(*n.s0, true) : (step < 0 ? len - 1 : 0);
    std::int64_t stop = n.s1 ? cap(*n.s1, false) : (step < 0 ? -1 : len);
    if (cur.is_string()) {
      std::string s, src = cur.get<std::string>();
      for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) s += src[static_cast<std::size_t>(i)];
      return s;
    }
    Json out = Json::array();
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(cur[static_cast<std::size_t>(i)]);
    return out;
  }

  void type_error(const std::string& fn, const Json& v, const std::string& expected) {
    // jmespath/exceptions.py JMESPathTypeError.
    if (!err) err = QueryError{"In function " + fn + "(), invalid type for value: " + compact(v) +
                               ", expected one of: " + expected + ", received: \"" + json_type(v) + "\""};
  }

  Json key_of(const Node& expref, const Json& e, const std::string& fn) {
    Json k = eval(*expref.kids[0], e);
    if (!k.is_string() && !(k.is_number() && !k.is_boolean())) type_error(fn, k, "['number', 'string']");
    return k;
  }

  static bool less(const Json& a, const Json& b) {
    if (a.is_string()) return a.get_ref<const std::string&>() < b.get_ref<const std::string&>();
    return a.get<double>() < b.get<double>();
  }

  Json call(const Node& n, const Json& cur) {
    const std::string& f = n.name;
    auto expref_arg = [&](std::size_t i) -> const Node* {
      if (n.kids[i]->kind != N::kExpref) { type_error(f, eval(*n.kids[i], cur), "['expref']"); return nullptr; }
      return n.kids[i].get();
    };
    if (f == "sort_by" || f == "max_by" || f == "min_by") {
      Json arr = eval(*n.kids[0], cur);
      const Node* ex = expref_arg(1);
      if (err || !ex) return nullptr;
      if (!arr.is_array()) { type_error(f, arr, "['array']"); return nullptr; }
      std::vector<std::pair<Json, Json>> keyed;
      for (const auto& e : arr) keyed.emplace_back(key_of(*ex, e, f), e);
      if (err) return nullptr;
      for (const auto& kv : keyed)
        if (std::string(json_type(kv.first)) != json_type(keyed.front().first)) { type_error(f, kv.first, "['" + std::string(json_type(keyed.front().first)) + "']"); return nullptr; }
      if (f == "sort_by") {
        std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return less(a.first, b.first); });
        Json out = Json::array();
        for (auto& kv : keyed) out.push_back(std::move(kv.second));
        return out;
      }
      if (keyed.empty()) return nullptr;
      std::size_t best = 0;
      for (std::size_t i = 1; i < keyed.size(); ++i) {
        const bool better = f == "max_by" ? less(keyed[best].first, keyed[i].first) : less(keyed[i].first, keyed[best].first);
        if (better) best = i;
      }
      return keyed[best].second;
    }
    std::vector<Json> a;
    for (const auto& k : n.kids) a.push_back(eval(*k, cur));
    if (err) return nullptr;
    if (f == "length") {
      if (a[0].is_string()) {
        std::size_t cps = 0;  // code points, as Python's len()
        for (unsigned char c : a[0].get_ref<const std::string&>()) cps += (c & 0xC0) != 0x80;
        return cps;
      }
      if (a[0].is_array() || a[0].is_object()) return a[0].size();
      type_error(f, a[0], "['string', 'array', 'object']");
      return nullptr;
    }
    if (f == "contains") {
      if (a[0].is_string()) {
        if (!a[1].is_string()) return false;
        return a[0].get_ref<const std::string&>().find(a[1].get_ref<const std::string&>()) != std::string::npos;
      }
      if (!a[0].is_array()) { type_error(f, a[0], "['array', 'string']"); return nullptr; }
      for (const auto& e : a[0]) if (deep_equal(e, a[1])) return true;
      return false;
    }
    if (f == "starts_with" || f == "ends_with") {
      for (const auto& x : a) if (!x.is_string()) { type_error(f, x, "['string']"); return nullptr; }
      const auto& s = a[0].get_ref<const std::string&>();
      const auto& p = a[1].get_ref<const std::string&>();
      if (p.size() > s.size()) return false;
      return f == "starts_with" ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0;
    }
    if (f == "join") {
      if (!a[0].is_string()) { type_error(f, a[0], "['string']"); return nullptr; }
      if (!a[1].is_array()) { type_error(f, a[1], "['array-string']"); return nullptr; }
      std::string out;
      for (std::size_t i = 0; i < a[1].size(); ++i) {
        if (!a[1][i].is_string()) { type_error(f, a[1], "['array-string']"); return nullptr; }
        if (i) out += a[0].get_ref<const std::string&>();
        out += a[1][i].get_ref<const std::string&>();
      }
      return out;
    }
    if (f == "keys" || f == "values") {
      if (!a[0].is_object()) { type_error(f, a[0], "['object']"); return nullptr; }
      Json out = Json::array();
      for (const auto& [k, v] : a[0].items()) {
        if (f == "keys") out.push_back(k);
        else out.push_back(v);
      }
      return out;
    }
    if (f == "sort" || f == "max" || f == "min" || f == "sum") {
      if (!a[0].is_array()) { type_error(f, a[0], "['array-number', 'array-string']"); return nullptr; }
      std::vector<Json> v(a[0].begin(), a[0].end());
      const bool strings = !v.empty() && v.front().is_string();
      for (const auto& e : v)
        if ((strings && !e.is_string()) || (!strings && (!e.is_number() || e.is_boolean())) || (f == "sum" && strings)) {
          type_error(f, a[0], f == "sum" ? "['array-number']" : "['array-number', 'array-string']");
          return nullptr;
        }
      if (f == "sum") {
        bool all_int = true;
        std::int64_t isum = 0;
        double dsum = 0;
        for (const auto& e : v) { all_int = all_int && e.is_number_integer(); dsum += e.get<double>(); if (e.is_number_integer()) isum += e.get<std::int64_t>(); }
        return all_int ? Json(isum) : Json(dsum);
      }
      std::stable_sort(v.begin(), v.end(), less);
      if (f == "sort") return Json(v);
      if (v.empty()) return nullptr;
      return f == "max" ? v.back() : v.front();
    }
    if (f == "reverse") {
      if (a[0].is_string()) { std::string s = a[0].get<std::string>(); std::reverse(s.begin(), s.end()); return s; }
      if (!a[0].is_array()) { type_error(f, a[0], "['array', 'string']"); return nullptr; }
      Json out = Json::array();
      for (std::size_t i = a[0].size(); i-- > 0;) out.push_back(a[0][i]);
      return out;
    }
    if (f == "to_string") return a[0].is_string() ? a[0] : Json(compact(a[0]));
    if (f == "to_number") {
      if (a[0].is_number() && !a[0].is_boolean()) return a[0];
      if (!a[0].is_string()) return nullptr;
      Json v = Json::parse(a[0].get<std::string>(), nullptr, false);
      return v.is_number() ? v : Json(nullptr);
    }
    if (f == "not_null") {
      for (const auto& x : a) if (!x.is_null()) return x;
      return nullptr;
    }
    if (f == "type") return json_type(a[0]);
    return nullptr;
  }

  std::int64_t steps_ = 0;
};

}  // namespace

Json evaluate(const Node& root, const Json& doc, std::optional<QueryError>* err) {
  Evaluator ev;
  Json out = ev.eval(root, doc);
  *err = std::move(ev.err);
  return out;
}

}  // namespace raftlab::cloud::query
