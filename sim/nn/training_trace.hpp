#pragma once
// The training trace (measure.trace): the loss and gradient norm of the whole training set,
// f(w) and ||grad f(w)||, every `every_samples` training samples, and for each target the
// stochastic first-order oracle cost (samples, i.e. per-sample gradients) at which a replica
// first reaches it. That cost, compared across batch sizes at one learning rate, locates the
// critical batch size b* (docs/THEORY.md 5.12; the analysis is analysis/python/sgdsmooth/
// critical_batch.py). A check lands at the end of the first step whose running sample count
// reaches the next multiple of every_samples, so a cost is read to within every_samples plus one
// batch; the start and the end of the run are always checked.
#include <cstdint>
#include <vector>

namespace sgds::nn {

struct TraceSpec {
  std::int64_t every_samples = 0;             // 0 = no trace
  std::vector<double> loss_targets;           // on f(w), the mean cross-entropy over the training set
  std::vector<double> gradient_norm_targets;  // on ||grad f(w)||
  bool on() const { return every_samples > 0; }
};

// Where the checks fall (the same for every replica of a run) and, per check and replica, what
// they found; tables are row-major [check][replica] and [target][replica].
struct TrainingTrace {
  std::vector<std::int64_t> step;     // updates done at the check (0: the start)
  std::vector<std::int64_t> samples;  // training samples used by those updates
  std::vector<double> loss, gradient_norm;
  std::vector<double> loss_sfo, gradient_norm_sfo;      // samples at the first check at or below; NaN: never
  std::vector<double> loss_steps, gradient_norm_steps;  // the updates there; NaN: never
  std::size_t checks() const { return step.size(); }
};

// The checks of a run whose epoch e makes updates of `batch[e]` samples over `used[e]` samples
// (the last one the remainder), for `replicas` replicas; the tables are NaN until recorded.
TrainingTrace plan_trace(const TraceSpec& spec, const std::vector<std::int64_t>& batch,
                         const std::vector<std::int64_t>& used, int replicas);

// After training: the first-reach costs of every target from the recorded checks.
void record_target_costs(const TraceSpec& spec, TrainingTrace& trace, int replicas);

}  // namespace sgds::nn
