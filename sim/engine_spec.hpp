#pragma once
// What the CPU engine runs besides the problem: the noise model, the optimizer, the step
// schedule, the initial point and the recording settings. Plain data, validated by
// sim/experiment.cpp before anything runs.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/batch_sampler.hpp"
#include "theory/kernels.hpp"

namespace sgds {

// none: gradient descent. gaussian: additive omega = (C / sqrt(b)) u, u ~ N(0, I) (per-coordinate
// unit variance). additive: omega = b^e u with u drawn from any smoothing kernel of the theory
// library, C being the kernel's scale and e its batch exponent (-1/2 for finite variance,
// 1/alpha - 1 for alpha-stable). minibatch: omega = grad f_S - grad f from a finite sum (state
// dependent). per_sample: omega = (1/b) sum of b iid kernel draws, so the batch law, and its
// scaling with b, emerges rather than being put in (heavy tails: Pareto, Student-t, stable).
// All but minibatch are independent of x.
enum class NoiseKind : int { none = 0, gaussian = 1, additive = 2, minibatch = 3, per_sample = 4 };
inline constexpr double kMaxPerSampleBatch = 1 << 16;  // b kernel draws per coordinate and step

struct NoiseModel {
  NoiseKind kind = NoiseKind::none;
  double scale = 0.0;  // C (gaussian); the kernel's scale (additive, per_sample)
  KernelSpec kernel;   // additive: the law of u (its scale is C); per_sample: one sample's noise
  BatchSampling sampling = BatchSampling::with_replacement;

  bool additive() const { return kind == NoiseKind::gaussian || kind == NoiseKind::additive; }
  // Multiplier of the scaled draw at batch size b: b^{-1/2}, or b^{kernel batch exponent} (for
  // per_sample the recorded delta's prediction, not how the noise is drawn).
  double batch_factor(double b) const;
};

enum class OptimizerKind : int { sgd = 0, shb = 1, nshb = 2, explicit_go = 3, gradopt = 4 };

enum class SmoothedGradientSource : int { monte_carlo = 0, closed_form = 1 };

// GradOpt's stage length: `fixed` runs steps_per_stage steps per stage; `accuracy` (Hazan et al.)
// ends stage m at the first iterate certified eps_m-optimal for f_hat_{delta_m}, eps_m =
// sigma delta_m^2 / 32, with steps_per_stage as the cap (stages ended by the cap are counted).
enum class StageRule : int { fixed = 0, accuracy = 1 };

// Where one trajectory is in GradOpt's stages under the accuracy rule (stage = number of stages
// completed; the trajectory stops moving once it equals the number of stages).
struct GradOptState {
  std::int64_t stage = 0;
  std::int64_t tau = 0;     // update steps taken in the current stage
  std::int64_t capped = 0;  // stages this trajectory ended at the cap rather than certified
};

struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::sgd;
  double beta = 0.0;             // momentum (shb, nshb)
  double gradient_weight = 1.0;  // w in v = beta v + w g: 1 (sgd, shb) or 1 - beta (nshb)

  // Graduated optimisation (explicit_go, gradopt): delta per stage and steps per stage.
  std::vector<double> stage_delta;
  std::int64_t steps_per_stage = 1;
  int smoothing_samples = 1;  // Monte Carlo samples per smoothed gradient
  SmoothedGradientSource source = SmoothedGradientSource::monte_carlo;
  double step_factor = 1.0;                 // explicit_go: step = step_factor * delta_m (the authors' l0)
  double sigma = 1.0;                       // gradopt: strong convexity; step 1/(sigma (tau + 1)) within a stage
  double ball_radius = 1.5;                 // gradopt: projection onto B(stage start, ball_radius * delta_m)
  StageRule stage_rule = StageRule::fixed;  // gradopt: steps_per_stage is the length or the cap

  bool accuracy_rule() const { return kind == OptimizerKind::gradopt && stage_rule == StageRule::accuracy; }
  // Stage m's accuracy eps_m = sigma delta_m^2 / 32 (docs/THEORY.md section 4).
  double stage_accuracy(std::size_t stage) const { return sigma * stage_delta[stage] * stage_delta[stage] / 32.0; }

  bool momentum() const { return kind == OptimizerKind::shb || kind == OptimizerKind::nshb; }
  bool graduated() const { return kind == OptimizerKind::explicit_go || kind == OptimizerKind::gradopt; }
  double delta_at(std::int64_t step) const {
    const std::size_t stage = static_cast<std::size_t>(step / steps_per_stage);
    return stage_delta[stage < stage_delta.size() ? stage : stage_delta.size() - 1];
  }
};

// Learning rate and batch size for every step t = 0 .. steps-1, and the samples drawn before
// each step (for epoch reshuffling).
struct StepSchedule {
  std::vector<double> eta;
  std::vector<double> batch;
  std::vector<std::uint64_t> position;  // running sum of batch sizes before step t
  std::int64_t steps() const { return static_cast<std::int64_t>(eta.size()); }
  void fill_positions();
};

// Initial point: x0 per coordinate, plus uniform jitter in [-spread, spread] per coordinate.
struct InitialPoint {
  std::vector<double> x0;
  double spread = 0.0;
};

struct RecordSpec {
  std::vector<double> quantiles{0.05, 0.25, 0.5, 0.75, 0.95};
  double success_radius = 0.1;  // success: ||x - x*|| <= radius
  bool noise = false;           // record omega and ||omega||^2 of the step before each checkpoint
  bool per_trajectory = false;  // f at every checkpoint and the final x of every trajectory
};

struct EngineSettings {
  std::int64_t trajectories = 1;
  std::vector<std::int64_t> checkpoint_steps;  // increasing, first may be 0, last = steps
  std::uint32_t seed = 0;
  double divergence_bound = 1e12;  // |x_i| beyond this (or NaN/Inf) freezes the trajectory
  bool float32 = false;            // precision = "float32": the single-precision step of sim/float_step.hpp
  RecordSpec record;
  double noise_constant = 0.0;  // C used for delta = eta C / sqrt(b) (per coordinate), NaN if unknown
  double samples = 0.0;         // n of a finite sum (for the temperature g = eta (n/b - 1)), 0 if none
};

}  // namespace sgds
