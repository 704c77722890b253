#include "sim/engine_output.hpp"

#include <algorithm>
#include <cmath>

namespace sgds {

void add_quantile_series(ExperimentResult& out, const std::vector<double>& probabilities, std::size_t checkpoints) {
  const char* names[kQuantileColumns] = {"f", "f_gap", "dist", "grad_norm"};
  for (const char* name : names)
    out.quantiles.push_back({name, "quantiles over alive trajectories (linear interpolation, type 7)", probabilities,
                             std::vector<double>(checkpoints * probabilities.size())});
}

void add_schedule_series(ExperimentResult& out, std::size_t checkpoints) {
  const char* series[kScheduleSeriesCount][2] = {
      {"eta", "learning rate of the step taken at the checkpoint (last step at the end)"},
      {"batch", "batch size b of that step"},
      {"delta", "degree of smoothing: eta C factor(b) for SGD (per coordinate), the stage delta for GO"},
      {"temperature", "Smith's noise temperature g = eta (n/b - 1) for a finite sum, eta / b otherwise"},
      {"success_rate", "share of alive trajectories with ||x - x*|| <= record.success_radius"},
      {"success_rate_error", "binomial standard error of success_rate"}};
  for (const auto& s : series) out.checkpoint_series.push_back({s[0], s[1], 1, std::vector<double>(checkpoints)});
}

std::size_t recorded_step(const StepSchedule& schedule, std::int64_t step) {
  return static_cast<std::size_t>(std::clamp<std::int64_t>(step, 0, std::max<std::int64_t>(schedule.steps() - 1, 0)));
}

double recorded_delta(const NoiseModel& noise, const EngineSettings& settings, double eta, double b) {
  if (noise.additive() || noise.kind == NoiseKind::per_sample)
    return eta * settings.noise_constant * noise.batch_factor(b);
  if (noise.kind == NoiseKind::minibatch) return eta * settings.noise_constant / std::sqrt(b);
  return 0.0;
}

void record_schedule(ExperimentResult& out, std::size_t k, double eta, double b, double delta,
                     const EngineSettings& settings) {
  out.checkpoint_series[kEtaSeries].values[k] = eta;
  out.checkpoint_series[kBatchSeries].values[k] = b;
  out.checkpoint_series[kDeltaSeries].values[k] = delta;
  out.checkpoint_series[kTemperatureSeries].values[k] =
      settings.samples > 0 ? eta * (settings.samples / b - 1.0) : eta / b;
}

void record_success(ExperimentResult& out, std::size_t k, std::int64_t alive, std::int64_t successes) {
  const double p = alive > 0 ? static_cast<double>(successes) / static_cast<double>(alive) : NAN;
  out.checkpoint_series[kSuccessSeries].values[k] = p;
  out.checkpoint_series[kSuccessErrorSeries].values[k] =
      alive > 1 ? std::sqrt(p * (1.0 - p) / static_cast<double>(alive)) : NAN;
}

}  // namespace sgds
