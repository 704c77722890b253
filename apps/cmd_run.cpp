// sgdsmooth run CONFIG.toml: validate the whole config, run its experiments, write one file.
#include <filesystem>

#include <fmt/format.h>

#include "apps/command.hpp"
#include "data/result_file.hpp"
#include "sim/experiment.hpp"

namespace sgds::app {
namespace {

struct RunOptions {
  std::string config_file, output;
  int threads = 0;
  std::int64_t seed = -1;
  std::vector<std::string> overrides;
  std::string device;
  bool quiet = false;
};

void print_summary(const std::vector<ExperimentResult>& results) {
  fmt::print("{:<24} {:>10} {:>10} {:>24} {:>9} {:>8}\n", "experiment", "traj", "steps", "final f (mean +- SE)",
             "diverged", "seconds");
  for (const auto& r : results) {
    const ObservableSeries& f = r.observable("f");
    const std::size_t last = r.steps.size() - 1;
    fmt::print("{:<24} {:>10} {:>10} {:>24} {:>9} {:>8.2f}\n", r.name, f.count[0], r.steps.back(),
               fmt::format("{:.6g} +- {:.2g}", f.mean_at(last), f.se_at(last)), r.diverged.back(), r.seconds);
  }
}

void run_command(const RunOptions& options) {
  toml::table document = parse_config_file(options.config_file);
  if (options.seed >= 0) apply_override(document, fmt::format("seed={}", options.seed));
  for (const auto& assignment : options.overrides) apply_override(document, assignment);
  if (!options.device.empty()) apply_override(document, fmt::format("device=\"{}\"", options.device));
  const RunConfig config = parse_run_config(document);  // everything validated before any output

  const int threads = apply_thread_count(options.threads);
  const std::string output = options.output.empty()
                                 ? std::filesystem::path(options.config_file).stem().string() + ".h5"
                                 : options.output;
  ResultWriter writer(output, Provenance{command_line(), to_toml_text(document), config.seed,
                                         config.device == "cuda" ? cuda_device_description()
                                                                 : cpu_device_description(threads)});
  std::vector<ExperimentResult> results;
  for (const auto& experiment : config.experiments) {
    results.push_back(run_experiment(experiment, config.seed, options.quiet, config.device));
    writer.write_experiment(results.back());
  }
  writer.commit();
  print_summary(results);
  fmt::print("wrote {}\n", output);
}

const RegisterCommand registered(10, [](CLI::App& cli) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* run = cli.add_subcommand("run", "Run the experiments of a TOML config and write an HDF5 result file");
  run->add_option("config", options->config_file, "Config file (TOML)")->required();
  run->add_option("-o,--output", options->output, "Result file (default: CONFIG_STEM.h5 here)");
  run->add_option("--threads", options->threads, "OpenMP threads (0 = all cores); results do not depend on it");
  run->add_option("--seed", options->seed, "Override the config's seed (0 .. 4294967295)");
  run->add_option("--set", options->overrides,
                  "Override a key: path.to.key=value (value as TOML; integers index arrays, * = all), repeatable");
  run->add_option("--device", options->device, "cpu or cuda (overrides the config's device key)");
  run->add_flag("-q,--quiet", options->quiet, "No progress output");
  run->footer("Example: sgdsmooth run configs/tracer.toml --set experiment.*.steps=100 -o short.h5");
  run->callback([options] { run_command(*options); });
});

}  // namespace
}  // namespace sgds::app
