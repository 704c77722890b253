// sgdsmooth compare FILE... -o DIR: which experiment (or network run) wins and by how much. Curves
// with 95% bands, final values with CIs and ranks, differences from a baseline with 95% CIs
// (paired by trajectory or replica where the files hold one value each), in DIR/compare.md and
// PNGs. On a merged sweep: each cell against the step and the final value against each swept
// axis, with the exact oracle where one applies. Drawn by analysis/python/sgdsmooth/compare.py; this command checks everything it can
// before python starts: the files, their kind, the metric, the baseline and the output folder.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "apps/command.hpp"
#include "apps/python_module.hpp"
#include "data/output_path.hpp"
#include "data/result_file.hpp"

namespace sgds::app {
namespace {

struct CompareOptions {
  std::vector<std::string> inputs;
  std::string output, metric, baseline;
  bool verbose = false;
};

// The first line of every compare.md (analysis/python/sgdsmooth/compare.py, COMPARE_MARKER).
constexpr const char* kCompareMarker = "<!-- written by sgdsmooth compare -->";

const std::vector<std::string> kRunMetrics{"f", "gap", "dist", "grad_norm", "success"};
const std::vector<std::string> kTrainMetrics{
    "test_acc",    "test_loss",     "train_loss", "train_acc", "sharpness_worst", "sharpness_average",
    "hessian_top", "hessian_trace", "c2",         "delta",     "tail_index"};
const std::vector<std::string> kSweepMetrics{"f", "gap", "dist", "grad_norm"};

void compare_command(const CompareOptions& options) {
  std::set<std::string> kinds;
  for (const auto& input : options.inputs) {
    const ResultReader reader(input);  // refuses other files, broken seals, schema majors: one line, exit 2
    const std::string kind = reader.kind();
    if (kind != kind_name(ResultKind::run) && kind != kind_name(ResultKind::train) &&
        kind != kind_name(ResultKind::sweep))
      throw UsageError(
          fmt::format("compare: '{}' is a {} file: expected run or train files (sgdsmooth run, "
                      "sgdsmooth train), or one merged sweep",
                      input, kind));
    if (kind == kind_name(ResultKind::sweep) && options.inputs.size() > 1)
      throw UsageError(fmt::format("compare: '{}' is a merged sweep: compare it alone", input));
    kinds.insert(kind);
  }
  if (kinds.size() > 1) throw UsageError("compare: the files mix run and train files: compare one kind");
  const bool train = *kinds.begin() == kind_name(ResultKind::train);
  const bool sweep = *kinds.begin() == kind_name(ResultKind::sweep);
  const auto& metrics = train ? kTrainMetrics : sweep ? kSweepMetrics : kRunMetrics;
  if (!options.metric.empty() && std::find(metrics.begin(), metrics.end(), options.metric) == metrics.end())
    throw UsageError(fmt::format("compare: --metric '{}': expected one of {} for {}", options.metric,
                                 fmt::join(metrics, ", "),
                                 train   ? "train files"
                                 : sweep ? "a merged sweep"
                                         : "run files"));
  if (sweep && !options.baseline.empty())
    throw UsageError("compare: --baseline: a sweep's cells are compared with the oracle, not with a baseline");
  check_output_folder(options.output, "compare.md", kCompareMarker);
  clear_stale_temporaries(options.output);
  std::vector<std::string> args = options.inputs;
  if (!options.metric.empty()) args.insert(args.end(), {"--metric", options.metric});
  if (!options.baseline.empty()) args.insert(args.end(), {"--baseline", options.baseline});
  if (options.verbose) args.push_back("--verbose");
  run_drawing_module("compare", "compare", args, options.output, "compare.md");
}

const RegisterCommand registered(36, [](CLI::App& cli) {
  auto options = std::make_shared<CompareOptions>();
  CLI::App* compare = cli.add_subcommand(
      "compare", "Which experiment or run wins, by how much: curves, final values, paired differences with 95% CIs");
  compare->add_option("files", options->inputs, "Run or train result files (HDF5), one or more; or one merged sweep")
      ->required();
  compare
      ->add_option("-o,--output", options->output,
                   "Folder for compare.md and the PNGs: new, empty, or an earlier comparison's")
      ->required();
  compare->add_option("--metric", options->metric,
                      "f, gap, dist, grad_norm, success (run files; default f); test_acc, test_loss, train_loss, "
                      "train_acc, sharpness_worst, sharpness_average, hessian_top, hessian_trace, c2, delta, "
                      "tail_index (train files; default test_acc)");
  compare->add_option("--baseline", options->baseline,
                      "The experiment or run the differences are taken against (default: the first); FILE_STEM:NAME "
                      "when comparing several files");
  compare->add_flag("--verbose", options->verbose, "Show Python's warnings and, on a failure, its traceback");
  compare->callback([options] { compare_command(*options); });
});

}  // namespace
}  // namespace sgds::app
