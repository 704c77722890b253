#include "sim/nn/training_trace.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace sgds::nn {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Per target and replica, the first check whose value is at or below the target.
void first_reach(const std::vector<double>& targets, const TrainingTrace& trace, const std::vector<double>& values,
                 int replicas, std::vector<double>& cost, std::vector<double>& steps) {
  const auto K = static_cast<std::size_t>(replicas);
  cost.assign(targets.size() * K, kNaN);
  steps.assign(targets.size() * K, kNaN);
  for (std::size_t t = 0; t < targets.size(); ++t)
    for (std::size_t r = 0; r < K; ++r)
      for (std::size_t c = 0; c < trace.checks(); ++c)
        if (values[c * K + r] <= targets[t]) {  // NaN (a diverged replica) never reaches
          cost[t * K + r] = static_cast<double>(trace.samples[c]);
          steps[t * K + r] = static_cast<double>(trace.step[c]);
          break;
        }
}

}  // namespace

TrainingTrace plan_trace(const TraceSpec& spec, const std::vector<std::int64_t>& batch,
                         const std::vector<std::int64_t>& used, int replicas) {
  TrainingTrace trace;
  if (!spec.on()) return trace;
  if (batch.size() != used.size()) throw std::invalid_argument("plan_trace: one batch and one sample count per epoch");
  std::int64_t step = 0, samples = 0, next = spec.every_samples;
  trace.step.push_back(0);
  trace.samples.push_back(0);
  for (std::size_t e = 0; e < batch.size(); ++e)
    for (std::int64_t begin = 0; begin < used[e]; begin += batch[e]) {
      ++step;
      samples += std::min(batch[e], used[e] - begin);
      if (samples >= next) {
        trace.step.push_back(step);
        trace.samples.push_back(samples);
        next = (samples / spec.every_samples + 1) * spec.every_samples;
      }
    }
  if (trace.step.back() != step) {  // the end of the run
    trace.step.push_back(step);
    trace.samples.push_back(samples);
  }
  const std::size_t cells = trace.checks() * static_cast<std::size_t>(replicas);
  trace.loss.assign(cells, kNaN);
  trace.gradient_norm.assign(cells, kNaN);
  return trace;
}

void record_target_costs(const TraceSpec& spec, TrainingTrace& trace, int replicas) {
  first_reach(spec.loss_targets, trace, trace.loss, replicas, trace.loss_sfo, trace.loss_steps);
  first_reach(spec.gradient_norm_targets, trace, trace.gradient_norm, replicas, trace.gradient_norm_sfo,
              trace.gradient_norm_steps);
}

}  // namespace sgds::nn
