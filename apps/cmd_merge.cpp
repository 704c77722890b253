// sgdsmooth merge DIR -o FILE.h5: join a sweep folder's point files into one result file.
#include <fmt/format.h>

#include "apps/command.hpp"
#include "data/output_path.hpp"
#include "data/result_file.hpp"
#include "sim/sweep/sweep_merge.hpp"

namespace sgds::app {
namespace {

struct MergeOptions {
  std::string directory, output;
  bool allow_incomplete = false;
};

const RegisterCommand registered(16, [](CLI::App& cli) {
  auto options = std::make_shared<MergeOptions>();
  CLI::App* merge = cli.add_subcommand("merge", "Merge a sweep folder's point files into one result file");
  merge->add_option("folder", options->directory, "Sweep folder written by sgdsmooth sweep -o")->required();
  merge->add_option("-o,--output", options->output, "Merged result file (HDF5)")->required();
  merge->add_flag("--allow-incomplete", options->allow_incomplete,
                  "Merge even if points are missing (/sweep/completed marks them 0)");
  merge->callback([options] {
    check_output_file(options->output, kind_name(ResultKind::sweep), {}, {options->directory});
    clear_stale_temporaries(options->output);
    const OutputClaim claim(options->output);
    const SweepMergeSummary summary =
        merge_sweep(options->directory, options->output, options->allow_incomplete, command_line());
    fmt::print("merged {} of {} points into {}\n", summary.complete, summary.points, options->output);
  });
});

}  // namespace
}  // namespace sgds::app
