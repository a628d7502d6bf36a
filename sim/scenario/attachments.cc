// sim/scenario/attachments.cc — files a scenario names besides itself (the cloud part's
// CloudFormation template), read once by the loader so that nothing after loading reads
// a file: a run, a seed sweep or a replay of a failure file works from the Scenario alone.
//
// Must never: read a path that is not a regular file, or more than kMaxAttachmentBytes.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "sim/scenario/loader.h"

namespace raftlab::scenario {

namespace {
constexpr std::size_t kMaxAttachmentBytes = 1 << 20;  // a CloudFormation template is at most 1 MB (AWS quota)

void fail(LoadResult& r, const std::string& file, const std::string& path, std::string message, std::string fix) {
  TextPos pos;
  if (r.scenario) {
    auto it = r.scenario->positions.find(path);
    if (it != r.scenario->positions.end()) pos = it->second;
  }
  r.errors.push_back({file, path, std::move(message), std::move(fix), pos.line, pos.column});
  r.scenario.reset();
}
}  // namespace

// A file the cloud part names, read into Scenario::attachments under its name as written:
// `cloud.template` (the CloudFormation template) and `cloud.apisix.config` (the gateways'
// config.yaml), each a path relative to the scenario file's folder (or absolute). Inline
// forms (`template_text`, `config_text`) need no file: failure files written by the fault
// lab use them, so they replay from any folder.
namespace {
void read_one(LoadResult& r, const std::string& scenario_path, const std::string& name, const std::string& jpath,
              const char* what) {
  std::filesystem::path p(name);
  if (p.is_relative()) p = std::filesystem::path(scenario_path).parent_path() / p;
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) {
    fail(r, scenario_path, jpath, std::string("cannot open the ") + what + " " + p.string() + ": " + std::strerror(errno),
         "give the path relative to the scenario file's folder");
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    fail(r, scenario_path, jpath, p.string() + " is not a regular file", std::string("name the ") + what + "'s file");
    return;
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxAttachmentBytes) {
    fail(r, scenario_path, jpath, p.string() + " is larger than 1 MiB",
         "CloudFormation itself refuses templates over 1 MB; split the stack");
    return;
  }
  std::ifstream in(p, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    fail(r, scenario_path, jpath, "cannot read " + p.string(), "check the file's permissions");
    return;
  }
  r.scenario->attachments[name] = std::move(text);
}
}  // namespace

void read_attachments(LoadResult& r, const std::string& scenario_path) {
  if (!r.scenario || !r.scenario->cloud) return;
  const nlohmann::json c = *r.scenario->cloud;
  if (!c.is_object()) return;
  if (c.contains("template") && c.at("template").is_string())
    read_one(r, scenario_path, c.at("template").get<std::string>(), "$.cloud.template", "template");
  if (!r.scenario) return;
  if (c.contains("apisix") && c.at("apisix").is_object() && c.at("apisix").contains("config") &&
      c.at("apisix").at("config").is_string())
    read_one(r, scenario_path, c.at("apisix").at("config").get<std::string>(), "$.cloud.apisix.config", "APISIX config");
}

}  // namespace raftlab::scenario
