#pragma once
// An experiment: problem, noise, schedule, optimizer, initial point and recording, read from a
// config table and validated up front, then run on an engine. A run config holds a seed and a
// list of experiments ([[experiment]] tables), each becoming one group in the result file.
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <toml++/toml.h>

#include "core/config_table.hpp"
#include "sim/cpu_engine.hpp"
#include "data/experiment_result.hpp"
#include "sim/data_sum.hpp"
#include "sim/engine_spec.hpp"
#include "sim/expression_function.hpp"
#include "sim/finite_sums.hpp"
#include "sim/progress.hpp"
#include "theory/function_registry.hpp"
#include "theory/schedules.hpp"

namespace sgds {

template <class Variant, class... Extra>
struct VariantAppend;
template <class... Types, class... Extra>
struct VariantAppend<std::variant<Types...>, Extra...> {
  using type = std::variant<Types..., Extra...>;
};

// The problems an experiment can run: every function of the theory library, the synthetic
// finite sums, a finite sum of the user's data and a user's formula; each alternative is a type the engines are templated on.
using ProblemVariant = VariantAppend<FunctionVariant, LinearShiftSum, QuadraticCentresSum, TeacherStudentSum, DataSum,
                                     ExpressionFunction>::type;

struct ExperimentConfig {
  std::string name;
  ProblemVariant problem;
  NoiseModel noise;
  OptimizerSpec optimizer;
  StepSchedule schedule;
  InitialPoint init;
  EngineSettings engine;                     // trajectories, recording, C and n for delta and g (seed set at run time)
  std::shared_ptr<ParameterMap> parameters;  // every resolved setting, for the result file
};

struct RunConfig {
  std::uint32_t seed = 0;
  std::string device = "cpu";  // "cpu" or "cuda" (sim/cuda, checked at parse time)
  std::vector<ExperimentConfig> experiments;
};

// Validate and resolve a whole config document; throws ConfigError (one line) on bad input.
RunConfig parse_run_config(const toml::table& document);
ExperimentConfig parse_experiment(ConfigTable& table);

// One [problem] table (name and the problem's own keys); refuses unknown keys.
ProblemVariant parse_problem(ConfigTable& problem);
bool is_finite_sum(const ProblemVariant& problem);

// Checkpoint steps: `count` points from 0 to `steps`, linear or log-spaced, strictly increasing.
std::vector<std::int64_t> checkpoint_steps(std::int64_t steps, std::int64_t count, const std::string& spacing);

int problem_dim(const ProblemVariant& problem);

ExperimentResult run_experiment(const ExperimentConfig& config, std::uint32_t seed, bool quiet = false,
                                const std::string& device = "cpu");

// The GPU's name for a result file's provenance (device = "cuda").
std::string cuda_device_description();

// Whether device = "cuda" can run here (a CUDA build and a GPU).
bool cuda_engine_available();

}  // namespace sgds
