#pragma once
// What both engines (sim/cpu_engine.hpp, sim/cuda/cuda_run.hpp) record besides the observables,
// defined once: the quantile sets and the per-checkpoint schedule and success series, with their
// names, descriptions and values. So a file from device = "cuda" has exactly the datasets of one
// from the CPU (data/schema.md), and a rename reaches both.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/engine_spec.hpp"
#include "data/experiment_result.hpp"

namespace sgds {

inline constexpr int kQuantileColumns = 4;  // f, f_gap, dist, grad_norm have quantiles

// out.quantiles: one empty set per quantile column, [checkpoint][probability].
void add_quantile_series(ExperimentResult& out, const std::vector<double>& probabilities, std::size_t checkpoints);

// out.checkpoint_series gains, in this order (the indices below): eta, batch, delta, temperature,
// success_rate, success_rate_error. Call before any engine-specific series.
enum ScheduleSeries : std::size_t {
  kEtaSeries = 0,
  kBatchSeries,
  kDeltaSeries,
  kTemperatureSeries,
  kSuccessSeries,
  kSuccessErrorSeries,
  kScheduleSeriesCount
};
void add_schedule_series(ExperimentResult& out, std::size_t checkpoints);

// The step whose eta and b a checkpoint at `step` records: that step, or the last one at the end.
std::size_t recorded_step(const StepSchedule& schedule, std::int64_t step);

// delta = eta C factor(b) of an SGD-family step (additive noise: factor(b) = b^e; mini-batches:
// 1/sqrt(b)); 0 without noise.
double recorded_delta(const NoiseModel& noise, const EngineSettings& settings, double eta, double b);

// Checkpoint k's eta, b, delta and Smith's temperature (g = eta (n/b - 1), or eta/b without a finite sum).
void record_schedule(ExperimentResult& out, std::size_t k, double eta, double b, double delta,
                     const EngineSettings& settings);

// Checkpoint k's success rate among `alive` trajectories and its binomial SE (NaN below 2 alive).
void record_success(ExperimentResult& out, std::size_t k, std::int64_t alive, std::int64_t successes);

}  // namespace sgds
