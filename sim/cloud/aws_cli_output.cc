// sim/cloud/aws_cli_output.cc — what `aws` prints for the modelled calls: the response
// documents (key names and order), AWS's server-side error lines, and the CLI's four output
// formats after --query.
//
// Sources:
//   - key order: botocore parses a response into a dict in the output shape's member order
//     (botocore/parsers.py _handle_structure iterates shape.members), and the CLI's JSON
//     formatter keeps it; shapes from botocore 0e6e2404 service-2.json (AutoScalingGroup,
//     Instance, AutoScalingInstanceDetails, Activity, ec2 Reservation/Instance/InstanceStateChange,
//     elbv2 TargetHealthDescription). Members AWS leaves out when unset are left out here.
//   - json: awscli/formatter.py JSONFormatter (json.dump indent=4, ensure_ascii=False; nothing
//     printed for an empty response {});
//   - text: awscli/text.py format_text;
//   - table: awscli/formatter.py TableFormatter + awscli/table.py MultiTable (terminal width 80,
//     the width the CLI assumes when stdout is not a terminal);
//   - yaml: awscli/formatter.py YAMLFormatter (ruamel.yaml safe dump, block style) — basic here.
// Simplified (docs/cloud-aws-cli.md): table cell width counts East Asian wide/full-width code
// points as 2 but treats "ambiguous" ones as 1; text/table print floats with nlohmann's
// shortest form (Python's repr agrees for the values AWS returns); yaml quotes conservatively.
//
// Must never: read a clock, print, or throw out of the public functions.
#include <algorithm>
#include <cmath>
#include <optional>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/cloud/aws_cli.h"

namespace raftlab::cloud {
namespace {

using Json = nlohmann::ordered_json;

Json launch_template(const std::string& id, const std::string& name, const std::string& version) {
  Json lt = Json::object();
  lt["LaunchTemplateId"] = id;
  lt["LaunchTemplateName"] = name;
  lt["Version"] = version;
  return lt;
}

Json string_list(const std::vector<std::string>& xs) {
  Json a = Json::array();
  for (const auto& x : xs) a.push_back(x);
  return a;
}

// Python str() of a JSON scalar, as text and table cells print it.
std::string py_str(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  return v.dump();
}

bool scalar(const Json& v) { return !v.is_array() && !v.is_object(); }

// Python truthiness (TableFormatter._build_table's `if not current`).
bool py_truthy(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<std::int64_t>() != 0;
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  return !v.empty();
}

std::string dump_json(const Json& v, int indent) { return v.dump(indent, ' ', false, Json::error_handler_t::replace); }

// ---- text (awscli/text.py) ----
void text_any(const Json& item, std::string& out, const std::string* ident, const std::vector<std::string>* keys);

std::string upper(std::string s) {
  for (auto& c : s) if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

void text_scalar_list(const std::vector<const Json*>& xs, const std::string* ident, std::string& out) {
  if (ident) {
    for (const Json* x : xs) out += upper(*ident) + "\t" + py_str(*x) + "\n";
    return;
  }
  for (std::size_t i = 0; i < xs.size(); ++i) out += (i ? "\t" : "") + py_str(*xs[i]);
  out += "\n";
}

void text_list(const Json& item, const std::string* ident, std::string& out) {
  if (item.empty()) return;
  bool any_dict = false, any_list = false;
  for (const auto& e : item) { any_dict = any_dict || e.is_object(); any_list = any_list || e.is_array(); }
  if (any_dict) {
    std::vector<std::string> keys;  // _all_scalar_keys: sorted union
    for (const auto& e : item)
      if (e.is_object())
        for (const auto& [k, v] : e.items())
          if (scalar(v) && std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    for (const auto& e : item) text_any(e, out, ident, &keys);
    return;
  }
  std::vector<const Json*> scalars, others;
  for (const auto& e : item) (scalar(e) ? scalars : others).push_back(&e);
  if (any_list) {
    if (!scalars.empty()) text_scalar_list(scalars, ident, out);
    for (const Json* o : others) text_any(*o, out, ident, nullptr);
    return;
  }
  text_scalar_list(scalars, ident, out);
}

void text_dict(const Json& item, const std::string* ident, const std::vector<std::string>* keys, std::string& out) {
  std::vector<std::string> scalars;
  std::vector<std::pair<std::string, const Json*>> rest;
  if (!keys) {
    std::vector<std::string> sorted;
    for (const auto& [k, v] : item.items()) sorted.push_back(k);
    std::sort(sorted.begin(), sorted.end());
    for (const auto& k : sorted) {
      const Json& v = item.at(k);
      if (scalar(v)) scalars.push_back(py_str(v));
      else rest.emplace_back(k, &v);
    }
  } else {
    for (const auto& k : *keys) {
      auto it = item.find(k);
      scalars.push_back(it == item.end() ? std::string() : (scalar(*it) ? py_str(*it) : dump_json(*it, -1)));
    }
    std::vector<std::string> remaining;
    for (const auto& [k, v] : item.items())
      if (std::find(keys->begin(), keys->end(), k) == keys->end()) remaining.push_back(k);
    std::sort(remaining.begin(), remaining.end());
    for (const auto& k : remaining) rest.emplace_back(k, &item.at(k));
  }
  if (!scalars.empty()) {
    std::string line = ident ? upper(*ident) : std::string();
    for (std::size_t i = 0; i < scalars.size(); ++i) line += (i || ident ? "\t" : "") + scalars[i];
    out += line + "\n";
  }
  for (const auto& [k, v] : rest) text_any(*v, out, &k, nullptr);
}

void text_any(const Json& item, std::string& out, const std::string* ident, const std::vector<std::string>* keys) {
  if (item.is_object()) text_dict(item, ident, keys, out);
  else if (item.is_array()) text_list(item, ident, out);
  else out += py_str(item) + "\n";
}

// ---- table (awscli/table.py) ----
std::size_t text_width(const std::string& s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t n = 1;
    if (c >= 0xF0 && i + 3 < s.size()) { cp = ((c & 7u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu); n = 4; }
    else if (c >= 0xE0 && i + 2 < s.size()) { cp = ((c & 0xFu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu); n = 3; }
    else if (c >= 0xC0 && i + 1 < s.size()) { cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu); n = 2; }
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                      (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
    i += n;
  }
  return w;
}

struct Section {
  std::string title;
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  int indent = 0;
  std::optional<std::size_t> num_cols;
  std::vector<std::size_t> max_widths;

  void update(const std::vector<std::string>& row) {
    if (max_widths.empty()) { for (const auto& e : row) max_widths.push_back(text_width(e)); return; }
    for (std::size_t i = 0; i < row.size() && i < max_widths.size(); ++i) max_widths[i] = std::max(max_widths[i], text_width(row[i]));
  }
  void add_header(const std::vector<std::string>& h) {
    update(h);
    if (!num_cols) num_cols = h.size();
    headers = h;
  }
  bool add_row(const std::vector<std::string>& row, std::string& err) {
    if (!num_cols) num_cols = row.size();
    if (row.size() != *num_cols) {
      err = "Row should have " + std::to_string(*num_cols) + " elements, instead it has " + std::to_string(row.size());
      return false;
    }
    rows.push_back(row);
    update(row);
    return true;
  }
  std::vector<long> widths(long padding, std::optional<long> max_width) const {
    std::vector<long> un;
    for (auto w : max_widths) un.push_back(static_cast<long>(w) + padding);
    if (!max_width || un.empty()) return un;
    long sum = 0;
    for (auto w : un) sum += w;
    const double scale = static_cast<double>(*max_width) / static_cast<double>(sum);
    std::vector<long> scaled;
    long total = 0;
    for (auto w : un) { scaled.push_back(static_cast<long>(std::nearbyint(scale * static_cast<double>(w)))); total += scaled.back(); }
    long off = total - *max_width;
    while (off != 0) {
      const long n = static_cast<long>(scaled.size());
      for (long k = 0; k < n && off != 0; ++k) {
        const long i = off < 0 ? n - 1 - k : k;
        if (off > 0) { --scaled[static_cast<std::size_t>(i)]; --off; }
        else { ++scaled[static_cast<std::size_t>(i)]; ++off; }
      }
    }
    return scaled;
  }
  long total_width(long padding, long outer) const {
    long t = 0;
    for (auto w : widths(0, std::nullopt)) t += w + padding;
    t += 2 + 2 * outer;
    return std::max(static_cast<long>(text_width(title)) + 2 + 2 * outer, t);
  }
};

std::string spaces(long n) { return n > 0 ? std::string(static_cast<std::size_t>(n), ' ') : std::string(); }

std::string center(const std::string& text, long length, const std::string& left, const std::string& right) {
  const long tl = static_cast<long>(text_width(text));
  const long start = length / 2 - tl / 2 - 1;
  std::string out = left + spaces(start) + text;
  const long so_far = static_cast<long>(left.size()) + std::max(0L, start) + tl;
  return out + spaces(length - static_cast<long>(right.size()) - so_far) + right;
}

std::string align_left(const std::string& text, long length, const std::string& left, const std::string& right) {
  const long tl = static_cast<long>(text_width(text));
  const long pad = length - (tl + 2 + static_cast<long>(left.size() + right.size())) >= 0 ? 2 : 0;
  return left + spaces(pad) + text + spaces(length - (static_cast<long>(left.size()) + pad + tl) - static_cast<long>(right.size())) + right;
}

class Table {
 public:
  explicit Table(const std::string& title) {
    if (title.empty()) sections_.emplace_back();
  }
  std::string err;

  bool build(const std::string* title, const Json& cur, int indent) {
    if (!py_truthy(cur)) return false;
    if (title) new_section(*title, indent);
    if (cur.is_array()) {
      if (cur[0].is_object()) from_list(cur, indent, title ? *title : std::string());
      else
        for (const auto& item : cur) {
          if (scalar(item)) { add_row({py_str(item)}); continue; }
          bool all_scalar = true;
          std::vector<std::string> row;
          if (item.is_object()) for (const auto& [k, v] : item.items()) { (void)v; row.push_back(k); }  // iterating a dict: keys
          else for (const auto& e : item) { all_scalar = all_scalar && scalar(e); row.push_back(scalar(e) ? py_str(e) : ""); }
          if (all_scalar) add_row(row);
          else build(nullptr, item, 0);
        }
    }
    if (cur.is_object()) from_dict(cur, indent);
    return true;
  }

  std::string render() const {
    std::vector<Section> secs = sections_;
    long max_width = width_of(secs);
    if (max_width > 80) {  // convert_to_vertical_table
      for (auto& s : secs) {
        if (s.rows.size() != 1 || s.headers.empty()) continue;
        Section v;
        v.title = s.title;
        v.indent = s.indent;
        std::string ignored;
        for (std::size_t i = 0; i < s.headers.size() && i < s.rows[0].size(); ++i) v.add_row({s.headers[i], s.rows[0][i]}, ignored);
        s = v;
      }
      max_width = width_of(secs);
    }
    std::string out = std::string(static_cast<std::size_t>(max_width), '-') + "\n";
    for (const auto& s : secs) {
      const std::string edge(static_cast<std::size_t>(s.indent), '|');
      auto line = [&](const std::string& text) { out += edge + text + edge + "\n"; };
      const long w = max_width - s.indent * 2;
      if (!s.title.empty()) {
        line(center(s.title, w, "|", "|"));
        if (s.headers.empty() && s.rows.empty()) line("+" + std::string(static_cast<std::size_t>(std::max(0L, w - 2)), '-') + "+");
      }
      auto line_break = [&](const std::vector<long>& ws) {
        std::string l;
        for (std::size_t i = 0; i < ws.size(); ++i)
          l += i == 0 ? "+" + std::string(static_cast<std::size_t>(std::max(0L, ws[i] - 2)), '-') + "+"
                      : std::string(static_cast<std::size_t>(std::max(0L, ws[i] - 1)), '-') + "+";
        line(l);
      };
      if (!s.headers.empty()) {
        const auto ws = s.widths(4, w);
        std::string cur;
        for (std::size_t i = 0; i < ws.size() && i < s.headers.size(); ++i) cur += center(s.headers[i], ws[i], i == 0 ? "|" : "", "|");
        line_break(ws);
        line(cur);
      }
      if (!s.rows.empty()) {
        const auto ws = s.widths(4, w);
        if (ws.empty()) continue;
        line_break(ws);
        for (const auto& r : s.rows) {
          std::string cur;
          for (std::size_t i = 0; i < ws.size() && i < r.size(); ++i) cur += align_left(r[i], ws[i], i == 0 ? "|" : "", "|");
          line(cur);
        }
        line_break(ws);
      }
    }
    return out;
  }

 private:
  static long width_of(const std::vector<Section>& secs) {
    long m = 0;
    for (const auto& s : secs) m = std::max(m, s.total_width(4, s.indent));
    return m;
  }
  void new_section(const std::string& title, int indent) {
    sections_.emplace_back();
    sections_.back().title = title;
    sections_.back().indent = indent;
  }
  void add_row(const std::vector<std::string>& row) {
    if (err.empty()) sections_.back().add_row(row, err);
  }
  static void group(const Json& d, std::vector<std::string>& headers, std::vector<std::string>& more) {
    for (const auto& [k, v] : d.items()) (scalar(v) ? headers : more).push_back(k);
    std::sort(headers.begin(), headers.end());
    std::sort(more.begin(), more.end());
  }
  void from_dict(const Json& cur, int indent) {
    std::vector<std::string> headers, more;
    group(cur, headers, more);
    if (headers.size() == 1) add_row({headers[0], py_str(cur.at(headers[0]))});
    else if (!headers.empty()) {
      sections_.back().add_header(headers);
      std::vector<std::string> row;
      for (const auto& h : headers) row.push_back(py_str(cur.at(h)));
      add_row(row);
    }
    for (const auto& m : more) build(&m, cur.at(m), indent + 1);
  }
  void from_list(const Json& cur, int indent, const std::string& title) {
    std::vector<std::string> headers, more;
    for (const auto& e : cur) {
      if (!e.is_object()) continue;
      std::vector<std::string> h, m;
      group(e, h, m);
      for (auto& x : h) if (std::find(headers.begin(), headers.end(), x) == headers.end()) headers.push_back(x);
      for (auto& x : m) if (std::find(more.begin(), more.end(), x) == more.end()) more.push_back(x);
    }
    std::sort(headers.begin(), headers.end());
    std::sort(more.begin(), more.end());
    sections_.back().add_header(headers);
    bool first = true;
    for (const auto& e : cur) {
      if (!e.is_object()) continue;
      if (!first && !more.empty()) { new_section(title, indent); sections_.back().add_header(headers); }
      first = false;
      std::vector<std::string> row;
      for (const auto& h : headers) { auto it = e.find(h); row.push_back(it == e.end() ? "" : py_str(*it)); }
      add_row(row);
      for (const auto& m : more) if (e.contains(m)) build(&m, e.at(m), indent + 1);
    }
  }

  std::vector<Section> sections_;
};

// ---- yaml (basic block style) ----
std::string yaml_scalar(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  const std::string s = v.get<std::string>();
  bool quote = s.empty() || s.front() == ' ' || s.back() == ' ' ||
               std::string("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string::npos ||
               s.find(": ") != std::string::npos || s.find(" #") != std::string::npos || s.find('\n') != std::string::npos ||
               (s.front() >= '0' && s.front() <= '9') || s == "true" || s == "false" || s == "null" || s == "yes" ||
               s == "no" || s == "on" || s == "off" || s == "~" || s.back() == ':';
  if (!quote) return s;
  if (s.find('\n') != std::string::npos) return dump_json(v, -1);
  std::string out = "'";
  for (char c : s) { out += c; if (c == '\'') out += '\''; }
  return out + "'";
}

void yaml_node(const Json& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [k, x] : v.items()) {
      out += pad + yaml_scalar(Json(k)) + ":";
      if (x.is_object() && !x.empty()) { out += "\n"; yaml_node(x, indent + 2, out); }
      else if (x.is_array() && !x.empty()) { out += "\n"; yaml_node(x, indent, out); }
      else out += " " + (x.is_array() ? std::string("[]") : x.is_object() ? std::string("{}") : yaml_scalar(x)) + "\n";
    }
    return;
  }
  for (const auto& x : v) {
    if ((x.is_object() || x.is_array()) && !x.empty()) {
      std::string inner;
      yaml_node(x, indent + 2, inner);
      out += pad + "- " + inner.substr(static_cast<std::size_t>(indent) + 2);
    } else {
      out += pad + "- " + (x.is_array() ? std::string("[]") : x.is_object() ? std::string("{}") : yaml_scalar(x)) + "\n";
    }
  }
}

std::string yaml_doc(const Json& v) {
  if (scalar(v)) return dump_json(v, -1) + "\n";  // YAMLDumper.dump: scalars are JSON-dumped
  if (v.empty()) return v.is_array() ? "[]\n" : "{}\n";
  std::string out;
  yaml_node(v, 0, out);
  return out;
}

}  // namespace

// ---- documents ----
nlohmann::ordered_json describe_asgs_doc(const std::vector<AsgView>& asgs) {
  Json list = Json::array();
  for (const auto& g : asgs) {
    Json a = Json::object();
    a["AutoScalingGroupName"] = g.name;
    a["AutoScalingGroupARN"] = g.arn;
    if (!g.launch_template_id.empty() || !g.launch_template_name.empty())
      a["LaunchTemplate"] = launch_template(g.launch_template_id, g.launch_template_name, g.launch_template_version);
    a["MinSize"] = g.min_size;
    a["MaxSize"] = g.max_size;
    a["DesiredCapacity"] = g.desired;
    a["DefaultCooldown"] = g.default_cooldown_s;
    a["AvailabilityZones"] = string_list(g.azs);
    a["LoadBalancerNames"] = Json::array();
    a["TargetGroupARNs"] = string_list(g.target_group_arns);
    a["HealthCheckType"] = g.health_check_type.empty() ? "EC2" : g.health_check_type;
    a["HealthCheckGracePeriod"] = g.health_check_grace_s;
    Json inst = Json::array();
    for (const auto& i : g.instances) {
      Json x = Json::object();
      x["InstanceId"] = i.instance_id;
      x["InstanceType"] = i.instance_type;
      x["AvailabilityZone"] = i.az;
      x["LifecycleState"] = i.lifecycle_state;
      x["HealthStatus"] = i.health_status;
      if (!i.launch_template_id.empty() || !i.launch_template_name.empty())
        x["LaunchTemplate"] = launch_template(i.launch_template_id, i.launch_template_name, i.launch_template_version);
      x["ProtectedFromScaleIn"] = i.protected_from_scale_in;
      inst.push_back(std::move(x));
    }
    a["Instances"] = std::move(inst);
    a["CreatedTime"] = g.created_time;
    a["SuspendedProcesses"] = Json::array();
    if (!g.vpc_zone_identifier.empty()) a["VPCZoneIdentifier"] = g.vpc_zone_identifier;
    a["EnabledMetrics"] = Json::array();
    Json tags = Json::array();
    for (const auto& [k, v] : g.tags) {
      Json t = Json::object();
      t["ResourceId"] = g.name;
      t["ResourceType"] = "auto-scaling-group";
      t["Key"] = k;
      t["Value"] = v;
      t["PropagateAtLaunch"] = true;
      tags.push_back(std::move(t));
    }
    a["Tags"] = std::move(tags);
    a["TerminationPolicies"] = g.termination_policies.empty() ? Json::array({"Default"}) : string_list(g.termination_policies);
    a["NewInstancesProtectedFromScaleIn"] = false;
    list.push_back(std::move(a));
  }
  Json doc = Json::object();
  doc["AutoScalingGroups"] = std::move(list);
  return doc;
}

nlohmann::ordered_json describe_asg_instances_doc(const std::vector<AsgInstanceDetail>& xs) {
  Json list = Json::array();
  for (const auto& d : xs) {
    const auto& i = d.instance;
    Json x = Json::object();
    x["InstanceId"] = i.instance_id;
    x["InstanceType"] = i.instance_type;
    x["AutoScalingGroupName"] = d.asg;
    x["AvailabilityZone"] = i.az;
    x["LifecycleState"] = i.lifecycle_state;
    // DescribeAutoScalingInstances prints health in upper case ("HEALTHY"), unlike
    // DescribeAutoScalingGroups (API reference AutoScalingInstanceDetails.HealthStatus).
    x["HealthStatus"] = i.health_status == "Healthy" ? "HEALTHY" : i.health_status == "Unhealthy" ? "UNHEALTHY" : i.health_status;
    if (!i.launch_template_id.empty() || !i.launch_template_name.empty())
      x["LaunchTemplate"] = launch_template(i.launch_template_id, i.launch_template_name, i.launch_template_version);
    x["ProtectedFromScaleIn"] = i.protected_from_scale_in;
    list.push_back(std::move(x));
  }
  Json doc = Json::object();
  doc["AutoScalingInstances"] = std::move(list);
  return doc;
}

nlohmann::ordered_json describe_instances_doc(const std::vector<Ec2InstanceView>& xs) {
  Json reservations = Json::array();
  for (const auto& i : xs) {
    const bool gone = i.state == "terminated";
    Json x = Json::object();
    x["Architecture"] = "x86_64";
    Json nis = Json::array();
    if (!gone && !i.private_ip.empty()) {
      Json ni = Json::object();
      ni["OwnerId"] = i.owner_id;
      ni["PrivateDnsName"] = i.private_dns;
      ni["PrivateIpAddress"] = i.private_ip;
      Json pip = Json::object();
      pip["Primary"] = true;
      pip["PrivateDnsName"] = i.private_dns;
      pip["PrivateIpAddress"] = i.private_ip;
      ni["PrivateIpAddresses"] = Json::array({pip});
      ni["SourceDestCheck"] = true;
      ni["Status"] = "in-use";
      ni["SubnetId"] = i.subnet_id;
      ni["VpcId"] = i.vpc_id;
      ni["InterfaceType"] = "interface";
      nis.push_back(std::move(ni));
    }
    x["NetworkInterfaces"] = std::move(nis);
    if (!i.tags.empty()) {
      Json tags = Json::array();
      for (const auto& [k, v] : i.tags) { Json t = Json::object(); t["Key"] = k; t["Value"] = v; tags.push_back(std::move(t)); }
      x["Tags"] = std::move(tags);
    }
    x["InstanceId"] = i.instance_id;
    x["ImageId"] = i.image_id;
    Json st = Json::object();
    st["Code"] = i.state_code;
    st["Name"] = i.state;
    x["State"] = std::move(st);
    x["PrivateDnsName"] = gone ? std::string() : i.private_dns;
    x["PublicDnsName"] = "";
    x["StateTransitionReason"] = "";
    x["InstanceType"] = i.instance_type;
    x["LaunchTime"] = i.launch_time;
    Json pl = Json::object();
    pl["GroupName"] = "";
    pl["Tenancy"] = "default";
    pl["AvailabilityZone"] = i.az;
    x["Placement"] = std::move(pl);
    Json mon = Json::object();
    mon["State"] = "disabled";
    x["Monitoring"] = std::move(mon);
    if (!gone) {
      x["SubnetId"] = i.subnet_id;
      x["VpcId"] = i.vpc_id;
      if (!i.private_ip.empty()) x["PrivateIpAddress"] = i.private_ip;
    }
    // One reservation per launch request; instances sharing a reservation_id share it.
    Json* res = nullptr;
    for (auto& r : reservations) if (r["ReservationId"] == i.reservation_id) res = &r;
    if (!res) {
      Json r = Json::object();
      r["ReservationId"] = i.reservation_id;
      r["OwnerId"] = i.owner_id;
      r["Groups"] = Json::array();
      r["Instances"] = Json::array();
      reservations.push_back(std::move(r));
      res = &reservations.back();
    }
    (*res)["Instances"].push_back(std::move(x));
  }
  Json doc = Json::object();
  doc["Reservations"] = std::move(reservations);
  return doc;
}

nlohmann::ordered_json describe_target_health_doc(const std::vector<TargetHealthView>& xs) {
  Json list = Json::array();
  for (const auto& t : xs) {
    Json d = Json::object();
    Json target = Json::object();
    target["Id"] = t.instance_id;
    target["Port"] = t.port;
    d["Target"] = std::move(target);
    d["HealthCheckPort"] = std::to_string(t.port);
    Json h = Json::object();
    h["State"] = t.state;
    if (!t.reason.empty()) h["Reason"] = t.reason;
    if (!t.description.empty()) h["Description"] = t.description;
    d["TargetHealth"] = std::move(h);
    list.push_back(std::move(d));
  }
  Json doc = Json::object();
  doc["TargetHealthDescriptions"] = std::move(list);
  return doc;
}

nlohmann::ordered_json state_changes_doc(const std::string& key, const std::vector<StateChange>& xs) {
  Json list = Json::array();
  for (const auto& c : xs) {
    Json x = Json::object();
    x["InstanceId"] = c.instance_id;  // InstanceStateChange member order
    Json cur = Json::object();
    cur["Code"] = c.current_code;
    cur["Name"] = c.current;
    x["CurrentState"] = std::move(cur);
    Json prev = Json::object();
    prev["Code"] = c.previous_code;
    prev["Name"] = c.previous;
    x["PreviousState"] = std::move(prev);
    list.push_back(std::move(x));
  }
  Json doc = Json::object();
  doc[key] = std::move(list);
  return doc;
}

nlohmann::ordered_json activity_doc(const std::string& activity_id, const std::string& asg, const std::string& description,
                                    const std::string& cause, const std::string& start_time, const std::string& status) {
  Json a = Json::object();
  a["ActivityId"] = activity_id;
  a["AutoScalingGroupName"] = asg;
  a["Description"] = description;
  a["Cause"] = cause;
  a["StartTime"] = start_time;
  a["StatusCode"] = status;
  a["Progress"] = 0;
  Json doc = Json::object();
  doc["Activity"] = std::move(a);
  return doc;
}

nlohmann::ordered_json describe_scaling_activities_doc(const std::vector<ActivityView>& xs) {
  Json list = Json::array();
  for (const auto& v : xs) {
    Json a = Json::object();
    a["ActivityId"] = v.activity_id;
    a["AutoScalingGroupName"] = v.asg;
    a["Description"] = v.description;
    a["Cause"] = v.cause;
    a["StartTime"] = v.start_time;
    if (!v.end_time.empty()) a["EndTime"] = v.end_time;
    a["StatusCode"] = v.status_code;
    if (!v.status_message.empty()) a["StatusMessage"] = v.status_message;
    a["Progress"] = v.progress;
    a["Details"] = v.details.empty() ? std::string("{}") : v.details;
    if (!v.asg_arn.empty()) a["AutoScalingGroupARN"] = v.asg_arn;
    list.push_back(std::move(a));
  }
  Json doc = Json::object();
  doc["Activities"] = std::move(list);
  return doc;
}

// ---- rendering ----
namespace {
etcd::Result<std::string> render_impl(const Json& doc, const std::string& query, const std::string& output,
                                      const std::string& title) {
  auto q = apply_query(doc, query);
  if (!q.ok()) return q.error();
  const Json& v = q.value();
  if (output == "json") {
    if (v.is_object() && v.empty()) return std::string();  // JSONFormatter: nothing for {}
    return dump_json(v, 4) + "\n";
  }
  if (output == "text") {
    std::string out;
    text_any(v, out, nullptr, nullptr);
    return out;
  }
  if (output == "table") {
    Table t(title);
    const bool any = t.build(title.empty() ? nullptr : &title, v, 0);
    if (!t.err.empty()) return etcd::Error{"--output", t.err, "use --output json for this --query result"};
    return any ? t.render() : std::string();
  }
  if (output == "yaml") {
    if (v.is_object() && v.empty()) return std::string();
    return yaml_doc(v);
  }
  if (output == "yaml-stream") {
    if (v.is_object() && v.empty()) return std::string();
    return yaml_doc(Json::array({v}));
  }
  if (output == "off") return std::string();
  return etcd::Error{"--output", "raftlab: unknown output format '" + output + "'",
                     "use --output json, text, table, yaml or yaml-stream"};
}
}  // namespace

etcd::Result<std::string> render_output(const nlohmann::ordered_json& doc, const std::string& query,
                                        const std::string& output) {
  return render_impl(doc, query, output, "");
}

etcd::Result<std::string> render_output(const nlohmann::ordered_json& doc, const std::string& query,
                                        const std::string& output, AwsOp op) {
  return render_impl(doc, query, output, aws_operation_name(op));
}

}  // namespace raftlab::cloud
