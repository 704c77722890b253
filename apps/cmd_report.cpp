// sgdsmooth report FILE.h5 -o DIR: every figure of a result file as PNG plus report.md, without
// Jupyter. The figures are drawn by the Python package in analysis/python (module
// sgdsmooth.report), run with Debian's python3; this command checks the file and hands over.
#include <string>
#include <vector>

#include "apps/command.hpp"
#include "apps/python_module.hpp"
#include "data/output_path.hpp"
#include "data/result_file.hpp"

namespace sgds::app {
namespace {

struct ReportOptions {
  std::string input, output;
  bool verbose = false;
};

// The first line of every report.md (analysis/python/sgdsmooth/report.py, REPORT_MARKER).
constexpr const char* kReportMarker = "<!-- written by sgdsmooth report -->";

void report_command(const ReportOptions& options) {
  bool sealed = false;
  {
    const ResultReader check_first(
        options.input);  // refuses other files, broken seals, schema majors: one line, exit 2
    sealed = check_first.seal().state == SealState::sealed;
  }
  check_output_folder(options.output, "report.md", kReportMarker);
  clear_stale_temporaries(options.output);
  std::vector<std::string> args{options.input};
  if (options.verbose) args.push_back("--verbose");
  if (sealed) args.push_back("--sealed");  // a failure on a sealed file is this program's, not the file's
  run_drawing_module("report", "report", args, options.output, "report.md");
}

const RegisterCommand registered(35, [](CLI::App& cli) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* report = cli.add_subcommand(
      "report", "Write every figure of a result file as PNG plus report.md (runs analysis/python with python3)");
  report->add_option("file", options->input, "Result file (HDF5)")->required();
  report
      ->add_option("-o,--output", options->output,
                   "Folder for the PNGs and report.md: new, empty, or an earlier report's")
      ->required();
  report->add_flag("--verbose", options->verbose, "Show Python's warnings and, on a failure, its traceback");
  report->callback([options] { report_command(*options); });
});

}  // namespace
}  // namespace sgds::app
