// sgdsmooth run CONFIG.toml: validate the whole config, run its experiments, write one file.
// Each finished experiment is durable at once: until the last one, the experiments done so far
// are in OUT.incomplete.h5 (a whole, sealed file marked incomplete), which --resume continues.
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "apps/command.hpp"
#include "data/output_path.hpp"
#include "data/result_file.hpp"
#include "sim/experiment.hpp"
#include "sim/resource_estimate.hpp"

namespace sgds::app {
namespace {

struct RunOptions {
  std::string config_file, output, seed;
  int threads = 0;
  std::vector<std::string> overrides, only;
  std::string device;
  bool quiet = false, resume = false;
};

void print_header() {
  fmt::print("{:<24} {:>10} {:>10} {:>24} {:>9} {:>8}\n", "experiment", "traj", "steps", "final f (mean +- SE)",
             "diverged", "seconds");
}

void print_row(const ExperimentResult& r) {
  const ObservableSeries& f = r.observable("f");
  const std::size_t last = r.steps.size() - 1;
  fmt::print("{:<24} {:>10} {:>10} {:>24} {:>9} {:>8.2f}\n", r.name, f.count[0], r.steps.back(),
             fmt::format("{:.6g} +- {:.2g}", f.mean_at(last), f.se_at(last)), r.diverged.back(), r.seconds);
  std::fflush(stdout);  // a log shows each experiment as it completes, also when the run is killed later
}

// The experiments an interrupted run finished, from its OUT.incomplete.h5; refused (one line)
// unless it is a sealed run file of this same config and build.
std::set<std::string> finished_experiments(const std::string& incomplete, const std::string& config_text) {
  const ResultReader reader(incomplete);
  if (reader.kind() != kind_name(ResultKind::run))
    throw ResultFileError(
        fmt::format("--resume: '{}' is not an interrupted run's file (kind {})", incomplete, reader.kind()));
  const h5::Group root = reader.root();
  if (root.attribute_string("config") != config_text)
    throw ResultFileError(
        fmt::format("--resume: '{}' was written for another config (its effective config differs "
                    "after --seed and --set); remove it or use another -o",
                    incomplete));
  if (root.attribute_string("git_sha") != git_revision() || root.attribute_string("build") != build_description())
    throw ResultFileError(
        fmt::format("--resume: '{}' was written by another build of sgdsmooth ({}); its numbers "
                    "would mix with this build's: remove it or use another -o",
                    incomplete, root.attribute_string("git_sha")));
  const ResultFileSummary summary = reader.summary();
  return {summary.experiments.begin(), summary.experiments.end()};
}

void run_command(const RunOptions& options) {
  toml::table document = parse_config_file(options.config_file);
  if (const auto seed = parse_seed_option(options.seed)) apply_override(document, fmt::format("seed={}", *seed));
  for (const auto& assignment : options.overrides) apply_override(document, assignment);
  if (!options.device.empty()) apply_override(document, fmt::format("device=\"{}\"", options.device));
  if (!options.only.empty()) select_by_name(document, "experiment", options.only);
  const RunConfig config = parse_run_config(document);  // everything validated before any output
  const int threads = apply_thread_count(options.threads);
  const std::string output =
      options.output.empty() ? std::filesystem::path(options.config_file).stem().string() + ".h5" : options.output;
  const std::string incomplete = incomplete_name(output);
  const std::string kind = kind_name(ResultKind::run);
  const std::string config_text = to_toml_text(document);

  // Where the results go and what the machine can hold, before anything runs.
  check_output_file(output, kind, {options.config_file});
  check_output_file(incomplete, kind, {options.config_file});
  clear_stale_temporaries(output);
  const OutputClaim claim(output);
  refuse_beyond_resources(config, output);
  std::set<std::string> done;
  if (options.resume) {
    if (std::filesystem::exists(incomplete)) done = finished_experiments(incomplete, config_text);
  } else if (std::filesystem::exists(incomplete)) {
    throw PathError(
        fmt::format("'{}' holds the experiments an interrupted run of '{}' finished: pass --resume to keep "
                    "them and run the rest, or remove it",
                    incomplete, output));
  }

  const Provenance provenance{command_line(), config_text, config.seed,
                              config.device == "cuda" ? cuda_device_description() : cpu_device_description(threads)};
  const std::size_t total = config.experiments.size();
  std::size_t finished = 0;
  for (const auto& experiment : config.experiments) finished += done.count(experiment.name);
  const auto kept_message = [&](std::size_t count) {
    return count == 0 ? std::string("no experiment had finished; nothing was kept")
                      : fmt::format(
                            "kept the {} of {} experiments that had finished in {} (sgdsmooth run {} -o {} "
                            "--resume runs the rest)",
                            count, total, incomplete, options.config_file, output);
  };
  interruption::set_kept_message(kept_message(finished));
  print_header();
  for (const auto& experiment : config.experiments)
    if (done.count(experiment.name))
      fmt::print("{:<24} (finished earlier: kept from {})\n", experiment.name, incomplete);

  bool have_incomplete = finished > 0;
  for (const auto& experiment : config.experiments) {
    if (done.count(experiment.name)) continue;
    const ExperimentResult result = run_experiment(experiment, config.seed, options.quiet, config.device);
    ++finished;
    const bool last = finished == total;
    ResultWriter writer(last ? output : incomplete, ResultKind::run, provenance, have_incomplete ? incomplete : "");
    writer.write_experiment(result);
    if (!last)
      writer.mark_incomplete(
          fmt::format("{} of {} experiments done; the command did not finish (interrupted, or still "
                      "running): sgdsmooth run ... --resume runs the rest",
                      finished, total));
    writer.commit();
    have_incomplete = !last;
    interruption::set_kept_message(kept_message(finished));
    print_row(result);
  }
  if (total == finished && !config.experiments.empty() && std::filesystem::exists(incomplete) &&
      !std::filesystem::exists(output)) {
    // Every experiment was finished earlier: the final file is the incomplete one, unmarked.
    ResultWriter writer(output, ResultKind::run, provenance, incomplete);
    writer.commit();
  }
  std::error_code ignored;
  std::filesystem::remove(incomplete, ignored);
  interruption::set_kept_message(fmt::format("{} is complete", output));
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
  run->add_option("--only", options->only, "Run only the named experiments (NAME[,NAME...]); the file records which")
      ->delimiter(',');
  run->add_flag("--resume", options->resume,
                "Keep the experiments an interrupted run finished (OUT.incomplete.h5) and run the rest");
  run->add_flag("-q,--quiet", options->quiet, "No progress output");
  run->footer("Example: sgdsmooth run configs/tracer.toml --set experiment.*.steps=100 -o short.h5");
  CLI::Option* output = run->get_option("--output");
  run->callback([options, output] {
    if (output->count() > 0 && options->output.empty()) throw UsageError("-o '': expected a file name");
    run_command(*options);
  });
});

}  // namespace
}  // namespace sgds::app
