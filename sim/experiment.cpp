#include "sim/experiment.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "data/h5.hpp"
#include "sim/resource_estimate.hpp"

#if defined(SGDS_HAVE_CUDA)
#include "sim/cuda/cuda_run.hpp"
#endif

namespace sgds {

namespace {

constexpr std::int64_t kMaxTrajectories = std::int64_t{1} << 32;  // trajectory ids are 32-bit Philox key words
constexpr std::int64_t kMaxSteps = std::int64_t{1} << 40;
constexpr std::int64_t kMaxSamples = std::int64_t{1} << 24;

const std::vector<std::string> kFiniteSumNames = {"linear_shift", "quadratic_centres", "teacher_student", "data"};

// A smooth function of the library behind a type-erased interface (the base of linear_shift).
template <class Function>
std::shared_ptr<const SmoothObjective> erase(const Function& f) {
  auto out = std::make_shared<SmoothObjective>();
  out->dim = f.dim;
  out->value = [f](const double* x) { return f.value(x); };
  out->gradient = [f](const double* x, double* g) { f.gradient(x, g); };
  out->minimum_value = f.minimum_value();
  out->minimiser.resize(static_cast<std::size_t>(f.dim));
  problem_minimiser(f, out->minimiser.data());
  return out;
}

// Refuse a finite sum whose data (samples x width doubles) cannot fit in memory, before it is drawn.
void refuse_data_beyond_memory(ConfigTable& problem, std::int64_t samples, std::int64_t width,
                               const std::string& width_key) {
  const std::uint64_t available = available_memory_bytes();
  const double needed = 2.0 * 8.0 * static_cast<double>(samples) * static_cast<double>(width);  // drawn, then kept
  if (needed > static_cast<double>(available))
    problem.fail(
        "samples", std::to_string(samples),
        fmt::format("fewer: {} samples x {} = {} need about {} of memory for the data; {} are available", samples,
                    width_key, width, bytes_text(needed), bytes_text(static_cast<double>(available))));
}

}  // namespace

ProblemVariant parse_problem(ConfigTable& problem) {
  std::vector<std::string> names = function_names();
  names.insert(names.end(), kFiniteSumNames.begin(), kFiniteSumNames.end());
  names.push_back("expression");
  const std::string name = problem.choice("name", names);
  ProblemVariant out;
  auto data_seed = [&] { return static_cast<std::uint32_t>(problem.integer("data_seed", 0, 0xFFFFFFFFll, 1)); };
  if (name == "linear_shift") {
    ConfigTable base = problem.table("base", true);
    const FunctionVariant function = make_function(base);
    base.finish();
    const std::shared_ptr<const SmoothObjective> objective =
        std::visit([](const auto& f) { return erase(f); }, function);
    const int n = static_cast<int>(problem.integer("samples", 2, kMaxSamples, 64));
    refuse_data_beyond_memory(problem, n, std::visit([](const auto& f) { return f.dim; }, function), "base.dim");
    const double scale = problem.number("shift_scale", NumberRange::non_negative(), 1.0);
    out = LinearShiftSum::make(objective, n, scale, data_seed());
  } else if (name == "quadratic_centres") {
    const int dim = static_cast<int>(problem.integer("dim", 1, 100000, 1));
    const double a = problem.number("a", NumberRange::positive(), 1.0);
    const int n = static_cast<int>(problem.integer("samples", 2, kMaxSamples, 64));
    refuse_data_beyond_memory(problem, n, dim, "dim");
    const double spread = problem.number("spread", NumberRange::non_negative(), 1.0);
    out = QuadraticCentresSum::make(dim, n, a, spread, data_seed());
  } else if (name == "teacher_student") {
    const int inputs = static_cast<int>(problem.integer("inputs", 1, 1000, 4));
    const int hidden = static_cast<int>(problem.integer("hidden", 1, 1000, 3));
    const int n = static_cast<int>(problem.integer("samples", 2, kMaxSamples, 256));
    refuse_data_beyond_memory(problem, n, inputs + 1, "(inputs + 1)");
    const double teacher_scale = problem.number("teacher_scale", NumberRange::positive(), 1.0);
    const double label_noise = problem.number("label_noise", NumberRange::non_negative(), 0.0);
    out = TeacherStudentSum::make(inputs, hidden, n, teacher_scale, label_noise, data_seed());
  } else if (name == "data") {
    out = make_data_sum(problem);
  } else if (name == "expression") {
    out = make_expression_function(problem);
  } else {
    const FunctionVariant function = make_function(problem);
    out = std::visit([](const auto& f) { return ProblemVariant(f); }, function);
  }
  problem.finish();
  return out;
}

bool is_finite_sum(const ProblemVariant& problem) {
  return std::visit([](const auto& p) { return FiniteSum<std::decay_t<decltype(p)>>; }, problem);
}

namespace {

int finite_sum_samples(const ProblemVariant& problem) {
  return std::visit(
      [](const auto& p) {
        if constexpr (FiniteSum<std::decay_t<decltype(p)>>) return p.samples();
        else return 0;
      },
      problem);
}

NoiseModel parse_noise(ConfigTable noise, bool finite_sum) {
  NoiseModel spec;
  const std::string kind = noise.choice("kind", {"none", "gaussian", "additive", "per_sample", "minibatch"},
                                        finite_sum ? "minibatch" : "gaussian");
  if (kind == "gaussian") {
    spec.kind = NoiseKind::gaussian;
    spec.scale = noise.number("scale", NumberRange::non_negative(), 1.0);
  } else if (kind == "additive") {
    // Any kernel of the theory library; its `scale` is C.
    spec.kind = NoiseKind::additive;
    spec.kernel = parse_kernel(noise);
    spec.scale = spec.kernel.scale;
  } else if (kind == "per_sample") {
    // The mean of b draws of one sample's noise (any kernel; its `scale` is C).
    spec.kind = NoiseKind::per_sample;
    spec.kernel = parse_kernel(noise);
    spec.scale = spec.kernel.scale;
  } else if (kind == "minibatch") {
    if (!finite_sum)
      noise.fail("kind", "\"minibatch\"",
                 "a noise kind other than minibatch: the problem is not a finite sum (use "
                 "linear_shift, quadratic_centres or teacher_student)");
    spec.kind = NoiseKind::minibatch;
    const std::string sampling =
        noise.choice("sampling", {"with_replacement", "without_replacement", "reshuffle"}, "with_replacement");
    spec.sampling = sampling == "reshuffle"             ? BatchSampling::reshuffle
                    : sampling == "without_replacement" ? BatchSampling::without_replacement
                                                        : BatchSampling::with_replacement;
  }
  noise.finish();
  return spec;
}

// Any schedule of the theory library, per step; per epoch (unit = "epoch") for finite sums, where
// `length` counts epochs and each epoch's steps use every sample once (last batch the remainder).
// Refuse a schedule whose per-step arrays cannot fit in memory, before they are built.
void refuse_schedule_beyond_memory(ConfigTable& experiment, const std::string& length_key, std::int64_t length,
                                   std::int64_t steps) {
  const std::uint64_t available = available_memory_bytes();
  const double needed = static_cast<double>(steps) * static_cast<double>(kScheduleBytesPerStep);
  if (needed > static_cast<double>(available))
    experiment.fail(
        length_key, std::to_string(length),
        fmt::format("fewer: {} steps need about {} of memory for the schedule alone ({} bytes per step); "
                    "{} are available",
                    steps, bytes_text(needed), kScheduleBytesPerStep, bytes_text(static_cast<double>(available))));
}

StepSchedule parse_schedule(ConfigTable& schedule, ConfigTable& experiment, std::int64_t length, int samples,
                            bool epochs_given) {
  const std::string length_key = epochs_given ? "epochs" : "steps";
  refuse_schedule_beyond_memory(experiment, length_key, length, length);  // at least one step per epoch
  const ScheduleSpec spec = parse_schedule_spec(schedule);
  if (spec.per_epoch != epochs_given)
    schedule.fail("unit", spec.per_epoch ? "\"epoch\"" : "\"step\"",
                  spec.per_epoch ? "\"step\" with experiment.steps, or \"epoch\" with experiment.epochs (not steps)"
                                 : "\"epoch\" when the experiment gives epochs (or give steps instead)");
  if (spec.kind == ScheduleKind::explicit_go)
    schedule.fail("kind", "\"explicit_go\"",
                  "an SGD schedule: explicit graduated optimisation is optimizer.kind = \"explicit_go\"");
  StepSchedule out;
  if (spec.per_epoch) {
    if (samples == 0)
      schedule.fail("unit", "\"epoch\"",
                    "\"step\": epochs need a finite-sum problem (linear_shift, quadratic_centres, teacher_student)");
    std::int64_t steps = 0;
    for (std::int64_t e = 0; e < length && steps <= kMaxSteps; ++e) {
      const auto b = static_cast<std::int64_t>(std::min(schedule_at(spec, e).batch, static_cast<double>(samples)));
      steps += (samples + b - 1) / b;
    }
    refuse_schedule_beyond_memory(experiment, length_key, length, steps);
    const EpochTrace trace = expand_epochs(spec, length, samples);
    out.eta = trace.steps.eta;
    out.batch = trace.steps.batch;
  } else {
    const StepTrace trace = expand_steps(spec, length);
    out.eta = trace.eta;
    out.batch = trace.batch;
  }
  schedule.finish();
  out.fill_positions();
  return out;
}

// The authors' explicit-GO step constants l0 per function (docs/THEORY.md section 4).
double authors_step_factor(const std::string& function) {
  static const std::map<std::string, double> l0 = {{"rastrigin", 0.01}, {"ackley", 10.0},   {"drop_wave", 0.1},
                                                   {"schwefel", 10.0},  {"griewank", 50.0}, {"sphere", 1.0},
                                                   {"rosenbrock", 5e-5}};
  const auto it = l0.find(function);
  return it == l0.end() ? NAN : it->second;
}

// Whether the problem has a closed-form smoothed gradient for the optimizer's kernel (Gaussian for
// explicit_go, the ball for gradopt), and the names of the library functions that have one.
bool has_closed_form(const ProblemVariant& problem, OptimizerKind kind) {
  return std::visit(
      [kind](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        return kind == OptimizerKind::gradopt ? BallSmoothing<P>::exists : GaussianSmoothing<P>::exists;
      },
      problem);
}
template <std::size_t... I>
std::string closed_form_names(OptimizerKind kind, std::index_sequence<I...>) {
  std::vector<std::string> names;
  auto add = [&](auto index) {
    using F = std::variant_alternative_t<decltype(index)::value, FunctionVariant>;
    if (kind == OptimizerKind::gradopt ? BallSmoothing<F>::exists : GaussianSmoothing<F>::exists)
      names.push_back(function_name(FunctionVariant(std::in_place_index<decltype(index)::value>)));
  };
  (add(std::integral_constant<std::size_t, I>{}), ...);
  return fmt::format("{}", fmt::join(names, ", "));
}

// smoothed_gradient = "monte_carlo" (K kernel samples per gradient, the authors' way) or
// "closed_form" (the exact gradient of f_hat, where theory/smoothing_closed_forms.hpp has it).
SmoothedGradientSource parse_gradient_source(ConfigTable& optimizer, const ProblemVariant& problem, OptimizerKind kind,
                                             const std::string& function_name) {
  const std::string source = optimizer.choice("smoothed_gradient", {"monte_carlo", "closed_form"}, "monte_carlo");
  if (source == "monte_carlo") return SmoothedGradientSource::monte_carlo;
  if (!has_closed_form(problem, kind))
    optimizer.fail(
        "smoothed_gradient", "\"closed_form\"",
        fmt::format("\"monte_carlo\": '{}' has no closed-form {} smoothing (closed forms exist for {})", function_name,
                    kind == OptimizerKind::gradopt ? "ball" : "Gaussian",
                    closed_form_names(kind, std::make_index_sequence<std::variant_size_v<FunctionVariant>>{})));
  return SmoothedGradientSource::closed_form;
}

OptimizerSpec parse_optimizer(ConfigTable optimizer, const std::string& function_name, const ProblemVariant& problem) {
  const std::string kind = optimizer.choice("kind", {"sgd", "shb", "nshb", "explicit_go", "gradopt"}, "sgd");
  OptimizerSpec spec;
  if (kind == "shb" || kind == "nshb") {
    spec.kind = kind == "shb" ? OptimizerKind::shb : OptimizerKind::nshb;
    spec.beta = optimizer.number("beta", NumberRange{0.0, 1.0, false, true});
    spec.gradient_weight = kind == "shb" ? 1.0 : 1.0 - spec.beta;
  } else if (kind == "explicit_go") {
    // The authors' setup: M = 50 stages, delta_m = delta_1 (M + 1 - m)/(M + 1), then a last stage
    // at final_delta; 20 GD steps per stage with step l0 delta_m; 100 Gaussian samples per gradient.
    spec.kind = OptimizerKind::explicit_go;
    const int stages = static_cast<int>(optimizer.integer("stages", 1, 100000, 50));
    spec.steps_per_stage = optimizer.integer("steps_per_stage", 1, 1000000, 20);
    const double start = optimizer.number("delta_start", NumberRange::positive(), 1.0);
    const double final_delta = optimizer.number("final_delta", NumberRange::non_negative(), 0.01);
    const double authors = authors_step_factor(function_name);
    if (std::isnan(authors) && !optimizer.has("step_factor"))
      optimizer.fail("step_factor", "(missing)",
                     fmt::format("a number > 0: the authors give no l0 for '{}'", function_name));
    spec.step_factor = optimizer.number("step_factor", NumberRange::positive(), std::isnan(authors) ? 1.0 : authors);
    spec.smoothing_samples = static_cast<int>(optimizer.integer("samples", 1, 1000000, 100));
    spec.source = parse_gradient_source(optimizer, problem, spec.kind, function_name);
    for (int m = 1; m <= stages; ++m) spec.stage_delta.push_back(start * (stages + 1 - m) / (stages + 1));
    spec.stage_delta.push_back(final_delta);
  } else if (kind == "gradopt") {
    // Hazan, Levy, Shalev-Shwartz: delta halves every stage; projected SGD on the ball-smoothed
    // function with step 1/(sigma tau), suffix averaging.
    spec.kind = OptimizerKind::gradopt;
    const int stages = static_cast<int>(optimizer.integer("stages", 1, 60, 8));
    spec.steps_per_stage = optimizer.integer("steps_per_stage", 2, 1000000, 200);
    const double start = optimizer.number("delta_start", NumberRange::positive(), 1.0);
    spec.sigma = optimizer.number("sigma", NumberRange::positive(), 1.0);
    spec.ball_radius = optimizer.number("ball_radius", NumberRange::positive(), 1.5);
    spec.stage_rule = optimizer.choice("stage_rule", {"fixed", "accuracy"}, "fixed") == "accuracy" ? StageRule::accuracy
                                                                                                   : StageRule::fixed;
    spec.smoothing_samples = static_cast<int>(optimizer.integer("samples", 1, 1000000, 1));
    spec.source = parse_gradient_source(optimizer, problem, spec.kind, function_name);
    for (int m = 0; m < stages; ++m) spec.stage_delta.push_back(std::ldexp(start, -m));
  }
  optimizer.finish();
  return spec;
}

// Graduated optimizers make their own steps: eta is the step they take, b = 1.
StepSchedule graduated_schedule(const OptimizerSpec& optimizer) {
  StepSchedule out;
  const std::int64_t steps = optimizer.steps_per_stage * static_cast<std::int64_t>(optimizer.stage_delta.size());
  for (std::int64_t t = 0; t < steps; ++t) {
    const double eta = optimizer.kind == OptimizerKind::explicit_go
                           ? optimizer.step_factor * optimizer.delta_at(t)
                           : 1.0 / (optimizer.sigma * static_cast<double>(t % optimizer.steps_per_stage + 1));
    out.eta.push_back(eta);
    out.batch.push_back(1.0);
  }
  out.fill_positions();
  return out;
}

InitialPoint parse_init(ConfigTable init, int dim) {
  InitialPoint out;
  // x0 is a number (every coordinate) or an array of problem.dim numbers.
  if (init.is_array("x0")) {
    out.x0 = init.numbers("x0", NumberRange::any(), 1);
    if (out.x0.size() != static_cast<std::size_t>(dim))
      init.fail("x0", fmt::format("an array of {} numbers", out.x0.size()),
                fmt::format("a number or an array of problem.dim = {} numbers", dim));
  } else {
    out.x0.assign(static_cast<std::size_t>(dim), init.number("x0", NumberRange::any(), 1.0));
  }
  out.spread = init.number("spread", NumberRange::non_negative(), 0.0);
  init.finish();
  return out;
}

// C for delta = eta C / sqrt(b) under mini-batch noise: the per-coordinate RMS of the per-sample
// gradient deviations where it does not depend on x (linear_shift, quadratic_centres); NaN else.
double finite_sum_noise_constant(const ProblemVariant& problem) {
  return std::visit(
      [](const auto& p) -> double {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, LinearShiftSum> || std::is_same_v<P, QuadraticCentresSum>) {
          std::vector<double> x(static_cast<std::size_t>(p.dim), 0.0);
          return std::sqrt(p.sample_variance(x.data()) / p.dim);
        } else {
          return NAN;
        }
      },
      problem);
}

// Why device = "cuda" cannot run here ("" when it can).
std::string cuda_unavailable() {
#if defined(SGDS_HAVE_CUDA)
  return cuda::device_unavailable_reason();
#else
  return "this build has no CUDA backend (configure with -DSGDS_CUDA=ON where nvcc exists)";
#endif
}

// Why the CUDA engine cannot run this experiment ("" when it can).
std::string cuda_refusal([[maybe_unused]] const ExperimentConfig& config) {
#if defined(SGDS_HAVE_CUDA)
  return std::visit(
      [&](const auto& p) { return cuda::refusal(p, config.noise, config.optimizer, config.engine.record); },
      config.problem);
#else
  return "";
#endif
}

// Why precision = "float32" cannot run this experiment ("" when it can).
std::string float32_refusal(const ExperimentConfig& config) {
  const std::string problem =
      std::visit([](const auto& p) { return floatpath::float_path_refusal(p); }, config.problem);
  if (!problem.empty()) return problem;
  if (config.noise.kind != NoiseKind::none && config.noise.kind != NoiseKind::gaussian)
    return "noise.kind \"gaussian\" or \"none\" on the float32 path";
  if (config.optimizer.kind != OptimizerKind::sgd && !config.optimizer.momentum())
    return "optimizer.kind \"sgd\", \"shb\" or \"nshb\" on the float32 path";
  if (config.engine.record.noise) return "record.noise = false on the float32 path";
  return "";
}

}  // namespace

std::string cuda_device_description() {
#if defined(SGDS_HAVE_CUDA)
  return cuda::device_description();
#else
  return "";
#endif
}

bool cuda_engine_available() { return cuda_unavailable().empty(); }

int problem_dim(const ProblemVariant& problem) {
  return std::visit([](const auto& p) { return p.dim; }, problem);
}

std::vector<std::int64_t> checkpoint_steps(std::int64_t steps, std::int64_t count, const std::string& spacing) {
  std::set<std::int64_t> points{0, steps};
  if (count > 2 && steps > 0) {
    for (std::int64_t k = 1; k + 1 < count; ++k) {
      const double fraction = static_cast<double>(k) / static_cast<double>(count - 1);
      double step;
      if (spacing == "log") step = std::pow(static_cast<double>(steps), fraction);  // 1 .. steps
      else step = fraction * static_cast<double>(steps);
      points.insert(std::clamp<std::int64_t>(std::llround(step), 0, steps));
    }
  }
  return std::vector<std::int64_t>(points.begin(), points.end());
}

ExperimentConfig parse_experiment(ConfigTable& table) {
  ExperimentConfig config;
  config.parameters = std::make_shared<ParameterMap>();
  table.record_into(config.parameters);

  config.name = table.text("name");
  if (!h5::valid_group_name(config.name)) table.fail("name", "\"" + config.name + "\"", h5::kGroupNameRule);
  config.engine.trajectories = table.integer("trajectories", 1, kMaxTrajectories, 1024);
  config.engine.float32 = table.choice("precision", {"float64", "float32"}, "float64") == "float32";

  ConfigTable problem_table = table.table("problem", true);
  const std::string function_name = problem_table.has("name") ? problem_table.text("name") : "";
  config.problem = parse_problem(problem_table);
  const int dim = problem_dim(config.problem);
  const bool finite_sum = is_finite_sum(config.problem);
  config.optimizer = parse_optimizer(table.table("optimizer"), function_name, config.problem);

  std::int64_t steps = 0;
  if (config.optimizer.graduated()) {
    // The optimizer fixes its steps, eta and smoothing; no noise or schedule tables.
    config.schedule = graduated_schedule(config.optimizer);
    steps = config.schedule.steps();
    config.noise.kind = NoiseKind::none;
  } else {
    config.noise = parse_noise(table.table("noise"), finite_sum);
    ConfigTable schedule_table = table.table("schedule", true);
    // The run's length: `steps`, or `epochs` when the schedule's unit is "epoch".
    const bool epochs_given = table.has("epochs");
    const std::int64_t length =
        epochs_given ? table.integer("epochs", 1, kMaxSteps) : table.integer("steps", 0, kMaxSteps);
    config.schedule = parse_schedule(schedule_table, table, length, finite_sum_samples(config.problem), epochs_given);
    steps = config.schedule.steps();
    const double largest_batch = config.schedule.batch.empty()
                                     ? 0.0
                                     : *std::max_element(config.schedule.batch.begin(), config.schedule.batch.end());
    if (config.noise.kind == NoiseKind::per_sample && largest_batch > kMaxPerSampleBatch)
      schedule_table.fail("batch", fmt::format("{}", largest_batch),
                          fmt::format("at most {} with noise.kind = \"per_sample\" (b draws per coordinate and step)",
                                      kMaxPerSampleBatch));
    if (config.noise.kind == NoiseKind::minibatch) {
      const double n = static_cast<double>(finite_sum_samples(config.problem));
      if (config.noise.sampling != BatchSampling::with_replacement && largest_batch > n)
        schedule_table.fail("batch", fmt::format("{}", largest_batch),
                            fmt::format("at most the problem's {} samples when sampling without replacement", n));
    }
  }
  config.init = parse_init(table.table("init"), dim);

  ConfigTable record = table.table("record");
  RecordSpec& spec = config.engine.record;
  const std::int64_t count = record.integer("checkpoints", 2, 100000, std::min<std::int64_t>(steps + 1, 50));
  const std::string spacing = record.choice("spacing", {"linear", "log"}, "linear");
  config.engine.checkpoint_steps = checkpoint_steps(steps, count, spacing);
  // The float32 path reduces sine arguments exactly only below 2^20, so its bound stays there.
  config.engine.divergence_bound =
      config.engine.float32
          ? record.number("divergence_bound", NumberRange::half_open(0.0, floatpath::kMaxTurnArgument), 1e6)
          : record.number("divergence_bound", NumberRange::positive(), 1e12);
  spec.quantiles = record.numbers("quantiles", NumberRange::closed(0.0, 1.0), 1, spec.quantiles);
  spec.success_radius = record.number("success_radius", NumberRange::positive(), 0.1);
  spec.noise = record.boolean("noise", false);
  spec.per_trajectory = record.boolean("per_trajectory", false);
  if (spec.noise && config.optimizer.graduated())
    record.fail("noise", "true", "false: explicit_go and gradopt take no gradient noise");
  record.finish();

  if (config.noise.additive() || config.noise.kind == NoiseKind::per_sample)
    config.engine.noise_constant = config.noise.scale;
  else if (config.noise.kind == NoiseKind::minibatch)
    config.engine.noise_constant = finite_sum_noise_constant(config.problem);
  config.engine.samples = static_cast<double>(finite_sum_samples(config.problem));

  if (config.engine.float32) {
    const std::string why = float32_refusal(config);
    if (!why.empty()) table.fail("precision", "\"float32\"", "\"float64\", or " + why);
  }
  table.finish();
  return config;
}

RunConfig parse_run_config(const toml::table& document) {
  ConfigTable top(document, "");
  RunConfig run;
  run.seed = static_cast<std::uint32_t>(top.integer("seed", 0, 0xFFFFFFFFll, 1));
  run.device = top.choice("device", {"cpu", "cuda"}, "cpu");
  if (run.device == "cuda") {
    const std::string why = cuda_unavailable();
    if (!why.empty()) top.fail("device", "\"cuda\"", "\"cpu\": " + why);
  }
  top.text("title", "");
  std::set<std::string> names;
  for (ConfigTable& experiment : top.tables("experiment")) {
    run.experiments.push_back(parse_experiment(experiment));
    if (run.device == "cuda") {
      const std::string why = cuda_refusal(run.experiments.back());
      if (!why.empty())
        top.fail("device", "\"cuda\"", "\"cpu\" for experiment '" + run.experiments.back().name + "', or " + why);
    }
    const std::string& name = run.experiments.back().name;
    if (!names.insert(name).second)
      experiment.fail("name", "\"" + name + "\"", "a name not used by another experiment");
  }
  top.finish();
  return run;
}

ExperimentResult run_experiment(const ExperimentConfig& config, std::uint32_t seed, bool quiet,
                                [[maybe_unused]] const std::string& device) {
  const auto start = std::chrono::steady_clock::now();
  EngineSettings settings = config.engine;
  settings.seed = seed;
  Progress progress(config.name, config.schedule.steps(), quiet);
  ExperimentResult result = std::visit(
      [&](const auto& problem) {
#if defined(SGDS_HAVE_CUDA)
        if (device == "cuda")
          return cuda::run_engine(problem, config.noise, config.optimizer, config.schedule, config.init, settings,
                                  progress);
#endif
        return run_cpu_engine(problem, config.noise, config.optimizer, config.schedule, config.init, settings,
                              progress);
      },
      config.problem);
  progress.finish();

  result.name = config.name;
  result.parameters = *config.parameters;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace sgds
