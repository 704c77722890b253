// sgdsmooth train CONFIG.toml: K replicas of a network per [[run]], per-epoch measurements and
// final curvature / sharpness, into /networks of one result file.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "analysis/statistics.hpp"
#include "apps/command.hpp"
#include "data/output_path.hpp"
#include "data/result_file.hpp"
#include "sim/nn/network_output.hpp"
#include "sim/nn/train_config.hpp"
#include "sim/nn/trainer_cuda.hpp"
#include "sim/progress.hpp"

namespace sgds::app {
namespace {

struct TrainOptions {
  std::string config_file, output;
  int threads = 0;
  std::string seed;
  std::vector<std::string> overrides, only;
  std::string device, matmul_precision;
  bool quiet = false;
};

double mean_at(const std::vector<double>& values, std::size_t row, int replicas) {
  double s = 0.0;
  for (int r = 0; r < replicas; ++r)
    s += values[row * static_cast<std::size_t>(replicas) + static_cast<std::size_t>(r)];
  return s / replicas;
}

double se_at(const std::vector<double>& values, std::size_t row, int replicas) {
  if (replicas < 2) return 0.0;
  const double m = mean_at(values, row, replicas);
  double s = 0.0;
  for (int r = 0; r < replicas; ++r) {
    const double v = values[row * static_cast<std::size_t>(replicas) + static_cast<std::size_t>(r)];
    s += (v - m) * (v - m);
  }
  return std::sqrt(s / (replicas - 1) / replicas);
}

// Across runs (one point per run: replica means), how well the measured delta and Smith's g
// rank the final test accuracy and sharpness: Kendall tau and Spearman rho with 95% percentile
// bootstrap intervals over runs. Written to /networks/correlations and printed.
struct RunSummary {
  std::string name;
  double delta = 0.0, smith_g = 0.0, accuracy = 0.0, sharpness = 0.0;
};

constexpr std::size_t kMinRunsForCorrelationInterval = 5;  // analysis/python: MIN_POINTS_FOR_CORRELATION_CI

void write_correlations(const h5::Group& networks, const std::vector<RunSummary>& runs, std::uint32_t seed,
                        bool print) {
  std::vector<std::string> names;
  std::vector<double> delta, smith_g, accuracy, sharpness;
  for (const auto& r : runs) {
    names.push_back(r.name);
    delta.push_back(r.delta);
    smith_g.push_back(r.smith_g);
    accuracy.push_back(r.accuracy);
    sharpness.push_back(r.sharpness);
  }
  const h5::Group g = networks.create_group("correlations");
  g.write_strings("run", names);
  g.make_dimension_scale("run", "run");
  const auto n = static_cast<std::uint64_t>(runs.size());
  g.write("delta", delta, {n});
  g.set_dataset_attribute("delta", "description", "per run: replica mean of the epoch-averaged measured delta");
  g.write("smith_g", smith_g, {n});
  g.set_dataset_attribute("smith_g", "description", "per run: epoch-averaged eta (n/b - 1)");
  g.write("test_accuracy", accuracy, {n});
  g.write("sharpness_worst_linf", sharpness, {n});
  for (const char* name : {"delta", "smith_g", "test_accuracy", "sharpness_worst_linf"})
    g.attach_dimension_scale(name, "run", 0);
  // With a handful of runs the bootstrap resamples a few distinct pairs and its "interval" is
  // degenerate ([-1, -1] with 3 runs): the estimate alone is given, and says why.
  const bool interval = runs.size() >= kMinRunsForCorrelationInterval;
  if (print) {
    if (interval)
      fmt::print("\nrank correlations over {} runs (95% bootstrap CI over runs, 2000 resamples)\n", runs.size());
    else
      fmt::print("\nrank correlations over {} runs: too few runs (n = {}) for an interval\n", runs.size(), runs.size());
    fmt::print("{:<10} {:<22} {:>26} {:>26}\n", "x", "y", "Kendall tau", "Spearman rho");
  }
  const std::vector<std::pair<std::string, const std::vector<double>*>> xs{{"delta", &delta}, {"smith_g", &smith_g}};
  const std::vector<std::pair<std::string, const std::vector<double>*>> ys{{"test_accuracy", &accuracy},
                                                                           {"sharpness_worst_linf", &sharpness}};
  for (const auto& [x_name, x] : xs)
    for (const auto& [y_name, y] : ys) {
      const double tau = kendall_tau(*x, *y), rho = spearman_rho(*x, *y);
      const Interval none{NAN, NAN};
      const Interval tau_ci = interval ? bootstrap_pairs(*x, *y, kendall_tau, 0.95, 2000, seed) : none;
      const Interval rho_ci = interval ? bootstrap_pairs(*x, *y, spearman_rho, 0.95, 2000, seed + 1) : none;
      const std::string key = x_name + "_vs_" + y_name;
      g.set_attribute("kendall_tau_" + key, std::vector<double>{tau, tau_ci.low, tau_ci.high});
      g.set_attribute("spearman_rho_" + key, std::vector<double>{rho, rho_ci.low, rho_ci.high});
      if (print)
        fmt::print("{:<10} {:<22} {:>26} {:>26}\n", x_name, y_name,
                   interval ? fmt::format("{:+.3f} [{:+.3f}, {:+.3f}]", tau, tau_ci.low, tau_ci.high)
                            : fmt::format("{:+.3f}", tau),
                   interval ? fmt::format("{:+.3f} [{:+.3f}, {:+.3f}]", rho, rho_ci.low, rho_ci.high)
                            : fmt::format("{:+.3f}", rho));
    }
  std::string note = "attributes hold [estimate, ci_low, ci_high]; points are runs (replica means)";
  if (!interval)
    note += fmt::format("; too few runs (n = {}) for a bootstrap interval (at least {}): ci_low and ci_high are NaN",
                        runs.size(), kMinRunsForCorrelationInterval);
  g.set_attribute("note", note);
}

void train_command(const TrainOptions& options) {
  toml::table document = parse_config_file(options.config_file);
  if (const auto seed = parse_seed_option(options.seed)) apply_override(document, fmt::format("seed={}", *seed));
  for (const auto& assignment : options.overrides) apply_override(document, assignment);
  if (!options.device.empty()) apply_override(document, fmt::format("device=\"{}\"", options.device));
  if (!options.matmul_precision.empty())
    apply_override(document, fmt::format("matmul_precision=\"{}\"", options.matmul_precision));
  if (!options.only.empty()) select_by_name(document, "run", options.only);
  const nn::TrainConfig config = nn::parse_train_config(document);
  const int threads = apply_thread_count(options.threads);
  const std::string output =
      options.output.empty() ? std::filesystem::path(options.config_file).stem().string() + ".h5" : options.output;
  const std::string incomplete = incomplete_name(output);
  check_output_file(output, kind_name(ResultKind::train), {options.config_file});
  check_output_file(incomplete, kind_name(ResultKind::train), {options.config_file});
  clear_stale_temporaries(output);
  const OutputClaim claim(output);
  if (std::filesystem::exists(incomplete))
    throw PathError(fmt::format("'{}' holds the runs an interrupted train of '{}' finished: move or remove it first",
                                incomplete, output));

  nn::LoadedData data;
  try {
    data = nn::load_training_data(config.data);
  } catch (const DatasetError& e) {
    throw UsageError(e.what());
  }
  nn::Architecture architecture;
  try {
    architecture = nn::make_architecture(config.model, data.train);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(
        fmt::format("key 'model.channels': {} ({}x{} inputs; each conv block halves the map, which must "
                    "stay even)",
                    e.what(), data.train.height, data.train.width));
  }

  // A batch larger than the training set is refused, never cut to it.
  const auto n = static_cast<double>(data.train.size());
  for (const auto& spec : config.runs)
    for (int e = 0; e < spec.epochs; ++e)
      if (const double b = std::floor(schedule_at(spec.schedule, e).batch); b > n)
        throw ConfigError(
            fmt::format("config: run '{}': the schedule's batch at epoch {} is {}: expected at most the {} "
                        "training samples (data.train_samples)",
                        spec.name, e + 1, b, data.train.size()));

  for (const auto& spec : config.runs)
    if (const auto& l = spec.measure.landscape;
        l.directions != nn::LandscapeDirections::none && static_cast<std::size_t>(l.samples) > data.train.size())
      throw ConfigError(
          fmt::format("config: key 'measure.landscape.samples' = {}: expected at most the {} training "
                      "samples (data.train_samples)",
                      l.samples, data.train.size()));

  const bool on_gpu = config.device == "cuda";
  const std::string precision = nn::matmul_precision_description(config.matmul_precision);
  const std::string device = on_gpu ? nn::cuda_training_device() + ", matmul " + precision +
                                          "; CPU measurements: " + cpu_device_description(threads)
                                    : cpu_device_description(threads);
  const Provenance provenance{command_line(), to_toml_text(document), config.seed, device};
  // The whole file from the runs done so far: `path` appears complete or not at all (ResultWriter
  // renames on commit). After each run but the last it goes to OUTPUT.incomplete.h5, so a run
  // reported complete survives a kill; the final file replaces it.
  struct DoneRun {
    const nn::TrainSpec* spec;
    nn::TrainResult result;
  };
  std::vector<DoneRun> done;
  std::vector<RunSummary> summaries;
  const auto write_file = [&](const std::string& path, bool final) {
    ResultWriter writer(path, ResultKind::train, provenance);
    const h5::Group networks = writer.top_group("networks");
    networks.set_attribute("architecture", architecture.description);
    networks.set_attribute("train_source", data.train.source);
    networks.set_attribute("train_samples", static_cast<std::int64_t>(data.train.size()));
    networks.set_attribute("evaluation_samples", static_cast<std::int64_t>(data.evaluation.size()));
    networks.set_attribute("device", config.device);
    networks.set_attribute("matmul_precision", on_gpu ? precision : std::string("fp32 (Eigen, CPU)"));
    if (!final)
      networks.set_attribute("incomplete", fmt::format("{} of {} runs done; the command did not finish (killed, or "
                                                       "still running)",
                                                       done.size(), config.runs.size()));
    for (const DoneRun& run : done) nn::write_training_run(networks, run.result, *run.spec, config);
    if (summaries.size() >= 3) write_correlations(networks, summaries, config.seed, final);
    writer.commit();
  };

  fmt::print("{} on {} training / {} evaluation samples, {} parameters\n", architecture.description, data.train.size(),
             data.evaluation.size(), architecture.parameter_count);
  if (on_gpu)
    fmt::print(
        "device {}, matmul precision {}: training and train/test loss and accuracy on the GPU; C^2, delta, "
        "Hessian and sharpness on the CPU from the weights copied back\n",
        nn::cuda_training_device(), precision);
  fmt::print("{:<20} {:>4} {:>6} {:>22} {:>22} {:>12} {:>8}\n", "run", "K", "epochs", "test acc (mean +- SE)",
             "final delta", "worst sharp", "seconds");
  std::fflush(stdout);
  for (const auto& spec : config.runs) {
    // The progress total: training samples over all epochs and replicas, as the trainers count them.
    const std::int64_t samples =
        nn::training_samples(spec, nn::prepare_result(spec, architecture, data.train.size()), data.train.size());
    Progress progress("train " + spec.name, samples, options.quiet);
    const auto report = [&progress](std::int64_t done_samples, std::int64_t /*total*/) { progress.set(done_samples); };
    done.push_back(
        {&spec, on_gpu ? nn::train_replicas_cuda(spec, architecture, data.train, data.evaluation, config.seed,
                                                 config.matmul_precision, report)
                       : nn::train_replicas(spec, architecture, data.train, data.evaluation, config.seed, report)});
    progress.finish();
    if (const std::int64_t points = nn::landscape_points(done.back().result, spec); points > 0) {
      Progress slicing("landscape " + spec.name, points, options.quiet);
      nn::measure_landscapes(spec, architecture, data.train, config.seed, done.back().result,
                             [&slicing](std::int64_t done_points, std::int64_t) { slicing.set(done_points); });
      slicing.finish();
    }
    const nn::TrainResult& result = done.back().result;
    const auto last = static_cast<std::size_t>(spec.epochs);
    const auto& accuracy = result.table("test_accuracy").values;
    const auto& delta = result.table("delta").values;
    const auto& worst = result.final_table("sharpness_worst_linf").values;
    RunSummary summary{spec.name, 0.0, 0.0, mean_at(accuracy, last, spec.replicas), mean_at(worst, 0, spec.replicas)};
    int measured = 0;
    for (std::size_t row = 1; row <= last; ++row) {
      summary.smith_g += result.smith_g[row] / static_cast<double>(last);
      const double d = mean_at(delta, row, spec.replicas);
      if (!std::isnan(d)) summary.delta += d, ++measured;
    }
    summary.delta /= std::max(measured, 1);
    summaries.push_back(summary);
    if (done.size() < config.runs.size()) {
      write_file(incomplete, false);
      interruption::set_kept_message(
          fmt::format("kept the {} of {} runs that had finished in {}", done.size(), config.runs.size(), incomplete));
    }
    fmt::print(
        "{:<20} {:>4} {:>6} {:>22} {:>22} {:>12.4g} {:>8.1f}\n", spec.name, spec.replicas, spec.epochs,
        fmt::format("{:.4f} +- {:.4f}", mean_at(accuracy, last, spec.replicas), se_at(accuracy, last, spec.replicas)),
        fmt::format("{:.4g} +- {:.2g}", mean_at(delta, last, spec.replicas), se_at(delta, last, spec.replicas)),
        mean_at(worst, 0, spec.replicas), result.seconds);
    if (const int diverged = nn::diverged_replicas(result); diverged > 0)
      fmt::print(
          "{:<20} {} of {} replicas diverged (train loss not finite; final/diverged_epoch says when); they "
          "stay in the file and in the means above\n",
          "", diverged, spec.replicas);
    std::fflush(stdout);  // a log shows each run as it completes, also when the command is killed later
  }
  write_file(output, true);
  std::error_code ignored;
  std::filesystem::remove(incomplete, ignored);
  interruption::set_kept_message(output + " is complete");
  fmt::print("wrote {}\n", output);
}

const RegisterCommand registered(15, [](CLI::App& cli) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* train = cli.add_subcommand("train", "Train K replicas of an MLP or CNN per [[run]] and write /networks");
  train->add_option("config", options->config_file, "Config file (TOML), e.g. configs/nn_sanity_mlp.toml")->required();
  train->add_option("-o,--output", options->output, "Result file (default: CONFIG_STEM.h5 here)");
  train->add_option("--threads", options->threads, "OpenMP threads (0 = all cores); results do not depend on it");
  train->add_option("--seed", options->seed, "Override the config's seed (0 .. 4294967295)");
  train->add_option("--set", options->overrides, "Override a key: path.to.key=value (value as TOML), repeatable");
  train->add_option("--only", options->only, "Train only the named runs (NAME[,NAME...]); the file records which")
      ->delimiter(',');
  train->add_option("--device", options->device, "cpu or cuda: overrides the config's device key (cuda: one GPU)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  train
      ->add_option("--matmul-precision", options->matmul_precision,
                   "fp32 (strict, default) or tf32 (GPU tensor cores): overrides the config's matmul_precision")
      ->check(CLI::IsMember({"fp32", "tf32"}));
  train->add_flag("-q,--quiet", options->quiet, "No progress output");
  train->footer(
      "Example: sgdsmooth train configs/nn_sanity_mlp.toml --set train.epochs=2 -o mlp.h5\n"
      "GPU: sgdsmooth train configs/nn_sanity_mlp.toml --device cuda --matmul-precision tf32 -o mlp_gpu.h5");
  CLI::Option* output = train->get_option("--output");
  train->callback([options, output] {
    if (output->count() > 0 && options->output.empty()) throw UsageError("-o '': expected a file name");
    train_command(*options);
  });
});

}  // namespace
}  // namespace sgds::app
