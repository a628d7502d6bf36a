// tools/report/report_cli.cc — `raftlab report SCENARIO -o FILE [--seed N]`.
#include <memory>
#include <optional>

#include "tools/cli.h"
#include "tools/report/report.h"
#include "tools/verbs.h"

namespace raftlab::tools {

void add_report_verbs(CLI::App& app, VerbSet& v) {
  struct Opts {
    std::string file, out = "report.html";
    std::uint64_t seed = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* r = app.add_subcommand("report", "Write one self-contained HTML page showing a run: lanes, clusters, messages, "
                                         "etcdctl at any instant, expectations, the root cause");
  r->add_option("scenario", o->file, "Scenario file (or a fault-lab failure file)")->required();
  r->add_option("-o,--out", o->out, "The HTML file to write (default report.html)");
  auto* seed = r->add_option("--seed", o->seed, "Root seed (default: the scenario's, or the failure file's)")->check(kWholeNumber);
  v.add(r, [o, seed](std::ostream& out, std::ostream& err) {
    return report::write_report(o->file, *seed ? std::optional<std::uint64_t>(o->seed) : std::nullopt, o->out, out, err);
  });
}

}  // namespace raftlab::tools
