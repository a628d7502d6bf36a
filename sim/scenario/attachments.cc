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

// `cloud.template` is a path relative to the scenario file's folder (or absolute);
// `cloud.template_text` carries the template inline (failure files written by the fault
// lab use it, so they replay from any folder).
void read_attachments(LoadResult& r, const std::string& scenario_path) {
  if (!r.scenario || !r.scenario->cloud) return;
  const nlohmann::json& c = *r.scenario->cloud;
  if (!c.is_object() || !c.contains("template") || !c.at("template").is_string()) return;
  const std::string name = c.at("template").get<std::string>();
  const std::string jpath = "$.cloud.template";
  std::filesystem::path p(name);
  if (p.is_relative()) p = std::filesystem::path(scenario_path).parent_path() / p;
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) {
    fail(r, scenario_path, jpath, "cannot open the template " + p.string() + ": " + std::strerror(errno),
         "give the path relative to the scenario file's folder");
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    fail(r, scenario_path, jpath, p.string() + " is not a regular file", "name the template's .yaml or .json file");
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

}  // namespace raftlab::scenario
