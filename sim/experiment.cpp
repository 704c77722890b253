#include "sim/experiment.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace sgds {

namespace {

constexpr std::int64_t kMaxTrajectories = std::int64_t{1} << 32;  // trajectory ids are 32-bit Philox key words
constexpr std::int64_t kMaxSteps = std::int64_t{1} << 40;

ProblemVariant parse_problem(ConfigTable problem) {
  const std::string name = problem.choice("name", {"quadratic"});
  ProblemVariant out;
  if (name == "quadratic") {
    IsotropicQuadratic q;
    q.dim = static_cast<int>(problem.integer("dim", 1, 100000, 1));
    q.a = problem.number("a", NumberRange::positive(), 1.0);
    out = q;
  }
  problem.finish();
  return out;
}

int problem_dim(const ProblemVariant& problem) {
  return std::visit([](const auto& p) { return p.dim; }, problem);
}

NoiseSpec parse_noise(ConfigTable noise) {
  NoiseSpec spec;
  const std::string kind = noise.choice("kind", {"none", "gaussian"}, "gaussian");
  if (kind == "gaussian") {
    spec.kind = NoiseKind::gaussian;
    spec.scale = noise.number("scale", NumberRange::non_negative(), 1.0);
  }
  noise.finish();
  return spec;
}

StepSchedule parse_schedule(ConfigTable schedule, std::int64_t steps) {
  const std::string kind = schedule.choice("kind", {"constant"}, "constant");
  StepSchedule out;
  if (kind == "constant") {
    const double eta = schedule.number("eta", NumberRange::positive());
    const double batch = static_cast<double>(schedule.integer("batch", 1, std::int64_t{1} << 40, 1));
    out.eta.assign(static_cast<std::size_t>(steps), eta);
    out.batch.assign(static_cast<std::size_t>(steps), batch);
  }
  schedule.finish();
  return out;
}

MomentumSpec parse_optimizer(ConfigTable optimizer) {
  const std::string kind = optimizer.choice("kind", {"sgd", "shb", "nshb"}, "sgd");
  MomentumSpec spec;
  if (kind != "sgd") {
    spec.beta = optimizer.number("beta", NumberRange{0.0, 1.0, false, true});
    spec.gradient_weight = kind == "shb" ? 1.0 : 1.0 - spec.beta;
  }
  optimizer.finish();
  return spec;
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

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
}

}  // namespace

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
  if (!valid_name(config.name))
    table.fail("name", "\"" + config.name + "\"", "1 to 64 letters, digits, '_' or '-'");
  config.engine.trajectories = table.integer("trajectories", 1, kMaxTrajectories, 1024);
  const std::int64_t steps = table.integer("steps", 0, kMaxSteps);

  config.problem = parse_problem(table.table("problem", true));
  const int dim = problem_dim(config.problem);
  config.noise = parse_noise(table.table("noise"));
  config.schedule = parse_schedule(table.table("schedule", true), steps);
  config.momentum = parse_optimizer(table.table("optimizer"));
  config.init = parse_init(table.table("init"), dim);

  ConfigTable record = table.table("record");
  const std::int64_t count = record.integer("checkpoints", 2, 100000, std::min<std::int64_t>(steps + 1, 50));
  const std::string spacing = record.choice("spacing", {"linear", "log"}, "linear");
  config.engine.checkpoint_steps = checkpoint_steps(steps, count, spacing);
  config.engine.divergence_bound = record.number("divergence_bound", NumberRange::positive(), 1e12);
  record.finish();

  table.finish();
  return config;
}

RunConfig parse_run_config(const toml::table& document) {
  ConfigTable top(document, "");
  RunConfig run;
  run.seed = static_cast<std::uint32_t>(top.integer("seed", 0, 0xFFFFFFFFll, 1));
  top.text("title", "");
  std::set<std::string> names;
  for (ConfigTable& experiment : top.tables("experiment")) {
    run.experiments.push_back(parse_experiment(experiment));
    const std::string& name = run.experiments.back().name;
    if (!names.insert(name).second)
      experiment.fail("name", "\"" + name + "\"", "a name not used by another experiment");
  }
  top.finish();
  return run;
}

ExperimentResult run_experiment(const ExperimentConfig& config, std::uint32_t seed, bool quiet) {
  const auto start = std::chrono::steady_clock::now();
  EngineSettings settings = config.engine;
  settings.seed = seed;
  Progress progress(config.name, config.schedule.steps(), quiet);
  EngineOutput output = std::visit(
      [&](const auto& problem) {
        return run_sgd_cpu(problem, config.noise, config.momentum, config.schedule, config.init, settings, progress);
      },
      config.problem);
  progress.finish();

  ExperimentResult result;
  result.name = config.name;
  result.parameters = *config.parameters;
  result.steps = settings.checkpoint_steps;
  result.diverged = std::move(output.diverged);
  result.series = std::move(output.series);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace sgds
