#include "sim/nn/train_config.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "data/cifar_loader.hpp"
#include "data/h5.hpp"
#include "data/idx_loader.hpp"
#include "core/config_table.hpp"
#include "sim/nn/trainer_cuda.hpp"

namespace sgds::nn {
namespace {

std::vector<int> positive_integers(ConfigTable& table, const std::string& key, std::vector<int> fallback) {
  std::vector<double> defaults(fallback.begin(), fallback.end());
  std::vector<int> out;
  for (const double v : table.numbers(key, NumberRange::closed(1, 1 << 16), 1, defaults)) {
    if (v != static_cast<int>(v)) table.fail(key, fmt::format("{}", v), "positive integers");
    out.push_back(static_cast<int>(v));
  }
  return out;
}

std::vector<std::string> texts(ConfigTable& table, const std::string& key) {
  // Arrays of strings: read as one comma-separated text to keep ConfigTable's accessors.
  std::vector<std::string> out;
  const std::string joined = table.text(key, "");
  std::size_t at = 0;
  while (at < joined.size()) {
    const std::size_t comma = joined.find(',', at);
    out.push_back(joined.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

MeasureSpec parse_measure(ConfigTable& t) {
  MeasureSpec m;
  m.every = static_cast<int>(t.integer("every", 1, 1 << 20, 1));
  m.noise_samples = static_cast<int>(t.integer("noise_samples", 0, 1 << 24, 1024));
  if (m.noise_samples != 0 && m.noise_samples < 64)
    t.fail("noise_samples", std::to_string(m.noise_samples), "0 (off) or at least 64 (two groups of 32)");
  m.tail_block = static_cast<int>(t.integer("tail_block", 2, 1 << 23, 16));
  if (m.noise_samples != 0 && 2 * m.tail_block > m.noise_samples)
    t.fail("tail_block", std::to_string(m.tail_block),
           fmt::format("at most half of measure.noise_samples = {} (two blocks at least)", m.noise_samples));
  m.full_gradient = t.boolean("full_gradient", false);
  m.curvature = t.boolean("curvature", true);
  m.curvature_samples = static_cast<int>(t.integer("curvature_samples", 1, 1 << 20, 1024));
  m.power_iterations = static_cast<int>(t.integer("power_iterations", 1, 10000, 20));
  m.hutchinson_probes = static_cast<int>(t.integer("hutchinson_probes", 2, 10000, 8));
  m.sharpness = t.boolean("sharpness", true);
  m.sharpness_rho = t.number("sharpness_rho", NumberRange::positive(), 2e-4);
  m.sharpness_steps = static_cast<int>(t.integer("sharpness_steps", 1, 10000, 20));
  m.sharpness_samples = static_cast<int>(t.integer("sharpness_samples", 1, 1 << 20, 1024));
  m.sharpness_batch = static_cast<int>(t.integer("sharpness_batch", 1, 1 << 20, 128));
  m.average_rho = t.number("average_rho", NumberRange::positive(), 2e-2);
  m.average_draws = static_cast<int>(t.integer("average_draws", 2, 100000, 8));
  if (t.has("curvature_epochs")) {
    for (const double e : t.numbers("curvature_epochs", NumberRange::non_negative(), 1)) {
      if (e != std::floor(e) || e > (1 << 20))
        t.fail("curvature_epochs", fmt::format("[.. {} ..]", e), "whole epochs 0 (the start) .. train.epochs");
      if (!m.curvature_epochs.empty() && e <= m.curvature_epochs.back())
        t.fail("curvature_epochs", fmt::format("[.. {}, {} ..]", m.curvature_epochs.back(), e), "increasing epochs");
      m.curvature_epochs.push_back(static_cast<int>(e));
    }
    if (!m.curvature && !m.sharpness)
      t.fail("curvature_epochs", fmt::format("[{}]", fmt::join(m.curvature_epochs, ", ")),
             "no epochs while measure.curvature and measure.sharpness are both false (nothing to measure)");
  }
  ConfigTable slices = t.table("landscape");
  LandscapeSpec& l = m.landscape;
  const std::string directions = slices.choice("directions", {"none", "pca", "random"}, "none");
  l.directions = directions == "pca"      ? LandscapeDirections::pca
                 : directions == "random" ? LandscapeDirections::random
                                          : LandscapeDirections::none;
  l.points = static_cast<int>(slices.integer("points", 3, 401, 21));
  if (l.points % 2 == 0)
    slices.fail("points", std::to_string(l.points), "an odd integer in [3, 401] (the centre is the final weights)");
  l.span = slices.number("span", NumberRange::non_negative(), 0.0);
  l.samples = static_cast<int>(slices.integer("samples", 2 * kLandscapeGroup, 1 << 20, 512));
  if (l.samples % kLandscapeGroup != 0)
    slices.fail("samples", std::to_string(l.samples),
                fmt::format("a multiple of {} (groups of the standard error)", kLandscapeGroup));
  l.replicas = static_cast<int>(slices.integer("replicas", 1, 1 << 16, 1));
  slices.finish();
  ConfigTable checks = t.table("trace");
  TraceSpec& trace = m.trace;
  trace.every_samples = checks.integer("every_samples", 0, 1LL << 40, 0);
  for (const char* key : {"loss_targets", "gradient_norm_targets"}) {
    if (!checks.has(key)) continue;
    if (trace.every_samples == 0)
      checks.fail(key, "[...]", "no targets while measure.trace.every_samples = 0 (no trace to read them from)");
    (std::string(key) == "loss_targets" ? trace.loss_targets : trace.gradient_norm_targets) =
        checks.numbers(key, NumberRange::positive(), 1);
  }
  checks.finish();
  t.finish();
  return m;
}

}  // namespace

TrainConfig parse_train_config(const toml::table& document) {
  ConfigTable root(document, "");
  TrainConfig config;
  config.seed = static_cast<std::uint32_t>(root.integer("seed", 0, 4294967295LL, 1));
  config.device = root.choice("device", {"cpu", "cuda"}, "cpu");
  if (config.device == "cuda") {
    const std::string why = cuda_training_unavailable();
    if (!why.empty()) root.fail("device", "\"cuda\"", "\"cpu\": " + why);
  }
  const std::string precision = root.choice("matmul_precision", {"fp32", "tf32"}, "fp32");
  if (precision == "tf32" && config.device != "cuda")
    root.fail("matmul_precision", "\"tf32\"", "\"fp32\" on device = \"cpu\" (tf32 is a GPU tensor-core mode)");
  config.matmul_precision = precision == "tf32" ? MatmulPrecision::tf32 : MatmulPrecision::fp32;

  ConfigTable data = root.table("data");
  DataSpec& d = config.data;
  d.source = data.choice("source", {"fashion-mnist", "idx", "cifar10", "cifar100"}, "fashion-mnist");
  if (d.source == "fashion-mnist" || d.source == "idx") {
    d.dir = d.source == "idx" ? data.text("dir") : data.text("dir", kFashionMnistDir);
  } else {
    d.train_files = texts(data, "train_files");
    d.test_files = texts(data, "test_files");
    if (d.train_files.empty()) data.fail("train_files", "(missing)", "comma-separated CIFAR .bin files");
    if (d.test_files.empty()) data.fail("test_files", "(missing)", "comma-separated CIFAR .bin files");
  }
  d.train_samples = data.integer("train_samples", 0, 1LL << 40, 0);
  d.test_samples = data.integer("test_samples", 0, 1LL << 40, 0);
  d.validation = data.integer("validation", 0, 1LL << 40, 0);
  d.evaluate_on = data.choice("evaluate_on", {"test", "validation"}, "test");
  if (d.evaluate_on == "validation" && d.validation == 0)
    data.fail("evaluate_on", "\"validation\"", "\"test\" unless data.validation > 0");
  d.standardise = data.boolean("standardise", true);
  data.finish();

  ConfigTable model = root.table("model");
  ModelSpec& mo = config.model;
  mo.kind = model.choice("kind", {"mlp", "cnn"}, "mlp");
  if (mo.kind == "mlp") {
    mo.hidden = positive_integers(model, "hidden", {256});
  } else {
    mo.channels = positive_integers(model, "channels", {16, 32});
    mo.kernel = static_cast<int>(model.integer("kernel", 1, 15, 3));
    if (mo.kernel % 2 == 0) model.fail("kernel", std::to_string(mo.kernel), "an odd integer in [1, 15]");
  }
  model.finish();

  ConfigTable train = root.table("train");
  TrainSpec defaults;
  defaults.replicas = static_cast<int>(train.integer("replicas", 1, 1 << 16, 8));
  defaults.epochs = static_cast<int>(train.integer("epochs", 1, 1 << 20, 10));
  const std::vector<std::string> optimizers{"sgd", "shb", "nshb"};
  const auto optimizer_of = [](const std::string& name) {
    return name == "shb" ? OptimizerKind::shb : name == "nshb" ? OptimizerKind::nshb : OptimizerKind::sgd;
  };
  defaults.optimizer = optimizer_of(train.choice("optimizer", optimizers, "sgd"));
  defaults.momentum = train.number("momentum", {0.0, 1.0, false, true}, 0.9);
  defaults.drop_last = train.boolean("drop_last", false);
  train.finish();

  ConfigTable measure = root.table("measure");
  defaults.measure = parse_measure(measure);
  if (defaults.measure.trace.on() && config.device == "cuda")
    measure.table("trace").fail("every_samples", std::to_string(defaults.measure.trace.every_samples),
                                "0 on device = \"cuda\" (the GPU trainer measures at the ends of epochs only)");

  for (ConfigTable& run : root.tables("run")) {
    TrainSpec spec = defaults;
    spec.name = run.text("name");
    if (!h5::valid_group_name(spec.name) || spec.name == "correlations")
      run.fail("name", "\"" + spec.name + "\"", std::string(h5::kGroupNameRule) + ", and not \"correlations\"");
    for (const auto& other : config.runs)
      if (other.name == spec.name) run.fail("name", "\"" + spec.name + "\"", "a name not used by another run");
    if (run.has("optimizer")) spec.optimizer = optimizer_of(run.choice("optimizer", optimizers));
    if (run.has("momentum")) spec.momentum = run.number("momentum", {0.0, 1.0, false, true});
    if (run.has("epochs")) spec.epochs = static_cast<int>(run.integer("epochs", 1, 1 << 20));
    if (run.has("drop_last")) spec.drop_last = run.boolean("drop_last");
    ConfigTable schedule = run.table("schedule", true);
    spec.schedule = parse_schedule_spec(schedule);
    if (schedule.has("unit") && !spec.schedule.per_epoch)
      schedule.fail("unit", "\"step\"", "\"epoch\" (network schedules change once per epoch)");
    spec.schedule.per_epoch = true;
    if (spec.schedule.warmup_steps > 0 && config.device == "cuda")
      schedule.fail("warmup_steps", std::to_string(spec.schedule.warmup_steps),
                    "0 on device = \"cuda\" (the GPU trainer takes one eta per epoch)");
    schedule.finish();
    run.finish();
    if (spec.measure.landscape.directions == LandscapeDirections::pca && spec.epochs < 2)
      measure.table("landscape")
          .fail("directions", "\"pca\"",
                fmt::format("\"random\" for run '{}' of {} epoch (pca needs three iterates: two epochs "
                            "at least)",
                            spec.name, spec.epochs));
    // A chosen epoch must be one whose weights are measured: the start, every `every`-th, the last.
    for (const int e : spec.measure.curvature_epochs)
      if (e > spec.epochs || (e != 0 && e != spec.epochs && e % spec.measure.every != 0))
        measure.fail(
            "curvature_epochs", fmt::format("[.. {} ..]", e),
            fmt::format("epochs run '{}' measures: 0, multiples of measure.every = {} up to its {} epochs, or {}",
                        spec.name, spec.measure.every, spec.epochs, spec.epochs));
    config.runs.push_back(spec);
  }
  root.finish();
  return config;
}

LoadedData load_training_data(const DataSpec& spec) {
  LoadedData out;
  if (spec.source == "fashion-mnist" || spec.source == "idx") {
    TrainTest both = load_mnist_format_dir(spec.dir);
    out.train = std::move(both.train);
    out.evaluation = std::move(both.test);
  } else {
    const CifarVariant variant = spec.source == "cifar10" ? CifarVariant::cifar10 : CifarVariant::cifar100;
    out.train = load_cifar_binary(spec.train_files, variant);
    out.evaluation = load_cifar_binary(spec.test_files, variant);
  }
  if (spec.validation > 0) {
    Dataset validation = split_off_validation(out.train, static_cast<std::size_t>(spec.validation));
    if (spec.evaluate_on == "validation") out.evaluation = std::move(validation);
  }
  // More samples than the data hold is refused, never silently cut to what there is.
  const auto refuse_beyond = [&](const char* key, std::int64_t asked, std::size_t held, const char* which) {
    if (asked > 0 && static_cast<std::size_t>(asked) > held)
      throw ConfigError(fmt::format(
          "config: key 'data.{}' = {}: expected at most the {} {} samples of {}{} (0 = all)", key, asked, held, which,
          spec.source, spec.validation > 0 && std::string(which) == "training" ? " after the validation split" : ""));
  };
  refuse_beyond("train_samples", spec.train_samples, out.train.size(), "training");
  refuse_beyond("test_samples", spec.test_samples, out.evaluation.size(),
                spec.evaluate_on == "validation" ? "validation" : "test");
  if (spec.train_samples > 0) out.train = slice(out.train, 0, static_cast<std::size_t>(spec.train_samples));
  if (spec.test_samples > 0) out.evaluation = slice(out.evaluation, 0, static_cast<std::size_t>(spec.test_samples));
  if (spec.standardise) {
    const ChannelStatistics statistics = channel_statistics(out.train);
    standardise(out.train, statistics);
    standardise(out.evaluation, statistics);
  }
  return out;
}

Architecture make_architecture(const ModelSpec& model, const Dataset& train) {
  if (model.kind == "mlp")
    return Architecture::mlp(train.channels, train.height, train.width, model.hidden, train.classes);
  return Architecture::cnn(train.channels, train.height, train.width, model.channels, model.kernel, train.classes);
}

}  // namespace sgds::nn
