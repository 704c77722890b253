#pragma once
// The general update of one trajectory (any problem, any noise model, any optimizer), one step at
// a time. The vectorised lane path (sim/lane_step.hpp) covers the common fast case; this is the
// reference for everything else.
//
//   sgd / shb / nshb   g = grad f(x) + omega;  v = beta v + w g;  x -= eta_t v  (sgd: x -= eta_t g)
//   explicit_go        g = (1/K) sum_k grad f(x + delta_m u_k), u_k ~ N(0, I) (Monte Carlo, the
//                      reparametrised gradient of f_hat_delta), or grad f_hat_delta exactly
//                      (smoothed_gradient = "closed_form");  x -= step_factor delta_m g
//   gradopt            Hazan et al.: stage m smooths over the ball of radius delta_m = delta_1 / 2^m;
//                      g = (1/K) sum_k grad f(x + delta_m u_k), u_k uniform in the unit ball
//                      (or the ball-smoothed closed form);
//                      x -= g / (sigma (tau + 1)), projected onto B(stage start, ball_radius delta_m);
//                      the stage's output is the average of its second half (suffix averaging).
//                      stage_rule = "accuracy": the stage ends early, output the iterate, once the
//                      certificate ||grad f_hat(x)||^2 / (2 sigma) <= eps_m = sigma delta_m^2/32
//                      holds (f_hat - min f_hat for a sigma-strongly convex f_hat); steps_per_stage
//                      is then the cap, and a stage that reaches it ends as above and is counted
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "sim/batch_sampler.hpp"
#include "sim/engine_spec.hpp"
#include "sim/kernel_draws.hpp"
#include "core/rng.hpp"
#include "theory/smoothing_closed_forms.hpp"

namespace sgds {

template <class Problem>
concept FiniteSum = requires(const Problem& p, const double* x, double* g) {
  { p.samples() } -> std::convertible_to<int>;
  p.sample_gradient(0, x, g);
};

// Scratch space and the fixed inputs of one trajectory's updates.
template <class Problem>
class TrajectoryStepper {
 public:
  TrajectoryStepper(const Problem& problem, const NoiseModel& noise, const OptimizerSpec& optimizer,
                    const StepSchedule& schedule, std::uint32_t seed)
      : problem_(problem), noise_(noise), optimizer_(optimizer), schedule_(schedule), seed_(seed) {
    const std::size_t d = static_cast<std::size_t>(problem.dim);
    g_.resize(d);
    sample_g_.resize(d);
    u_.resize(d);
    shifted_.resize(d);
    certificate_g_.resize(d);
  }

  // Gradient with noise at step t (sgd, shb, nshb). If `omega` is given, also the realised
  // omega = g - grad f(x).
  void noisy_gradient(std::uint32_t trajectory, std::int64_t t, const double* x, double* g, double* omega) {
    const int d = problem_.dim;
    const std::size_t ts = static_cast<std::size_t>(t);
    const double b = schedule_.batch[ts];
    if (noise_.kind == NoiseKind::minibatch) {
      if constexpr (FiniteSum<Problem>) {
        const std::uint32_t batch = static_cast<std::uint32_t>(b);
        indices_.resize(batch);
        draw_batch(noise_.sampling, static_cast<std::uint32_t>(problem_.samples()), batch, seed_, trajectory,
                   static_cast<std::uint64_t>(t), schedule_.position[ts], indices_.data(), epoch_order_);
        for (int j = 0; j < d; ++j) g[j] = 0.0;
        for (std::uint32_t k = 0; k < batch; ++k) {
          problem_.sample_gradient(static_cast<int>(indices_[k]), x, sample_g_.data());
          for (int j = 0; j < d; ++j) g[j] += sample_g_[static_cast<std::size_t>(j)];
        }
        for (int j = 0; j < d; ++j) g[j] /= b;
        if (omega) {
          problem_.gradient(x, sample_g_.data());
          for (int j = 0; j < d; ++j) omega[j] = g[j] - sample_g_[static_cast<std::size_t>(j)];
        }
      }
      return;
    }
    problem_.gradient(x, g);
    if (noise_.additive()) {
      RandomStream rng(seed_, trajectory, static_cast<std::uint64_t>(t), StreamPurpose::gradient_noise);
      draw_additive_noise(noise_, d, rng, u_.data());
      const double factor = noise_.batch_factor(b);
      for (int j = 0; j < d; ++j) g[j] += factor * u_[static_cast<std::size_t>(j)];
      if (omega)
        for (int j = 0; j < d; ++j) omega[j] = factor * u_[static_cast<std::size_t>(j)];
    } else if (noise_.kind == NoiseKind::per_sample) {
      // b samples' noises averaged, coordinate by coordinate, from the step's one stream.
      RandomStream rng(seed_, trajectory, static_cast<std::uint64_t>(t), StreamPurpose::gradient_noise);
      const auto samples = static_cast<std::int64_t>(b);
      sum_.assign(static_cast<std::size_t>(d), 0.0);
      for (std::int64_t k = 0; k < samples; ++k) {
        sample_kernel(noise_.kernel, d, rng, u_.data());
        for (int j = 0; j < d; ++j) sum_[static_cast<std::size_t>(j)] += u_[static_cast<std::size_t>(j)];
      }
      for (int j = 0; j < d; ++j) {
        const double w = sum_[static_cast<std::size_t>(j)] / static_cast<double>(samples);
        g[j] += w;
        if (omega) omega[j] = w;
      }
    } else if (omega) {
      for (int j = 0; j < d; ++j) omega[j] = 0.0;
    }
  }

  // Gradient of the smoothed function at step t: Gaussian (explicit_go) or ball (gradopt) kernel
  // of radius delta; Monte Carlo, or the closed form where the optimizer asks for it.
  void smoothed_gradient(std::uint32_t trajectory, std::int64_t t, double delta, const double* x, double* g) {
    if (optimizer_.source == SmoothedGradientSource::closed_form) {
      closed_form_gradient(delta, x, g);
      return;
    }
    monte_carlo_gradient(trajectory, t, delta, x, g, StreamPurpose::smoothing_kernel);
  }

  // (1/K) sum_k grad f(x + delta u_k) with the optimizer's kernel, from the (trajectory, t, purpose) stream.
  void monte_carlo_gradient(std::uint32_t trajectory, std::int64_t t, double delta, const double* x, double* g,
                            StreamPurpose purpose) {
    const int d = problem_.dim;
    RandomStream rng(seed_, trajectory, static_cast<std::uint64_t>(t), purpose);
    for (int j = 0; j < d; ++j) g[j] = 0.0;
    const int samples = optimizer_.smoothing_samples;
    for (int k = 0; k < samples; ++k) {
      if (optimizer_.kind == OptimizerKind::gradopt) draw_uniform_ball(d, rng, u_.data());
      else
        for (int j = 0; j < d; ++j) u_[static_cast<std::size_t>(j)] = rng.normal();
      for (int j = 0; j < d; ++j)
        shifted_[static_cast<std::size_t>(j)] = x[j] + delta * u_[static_cast<std::size_t>(j)];
      problem_.gradient(shifted_.data(), sample_g_.data());
      for (int j = 0; j < d; ++j) g[j] += sample_g_[static_cast<std::size_t>(j)];
    }
    for (int j = 0; j < d; ++j) g[j] /= samples;
  }

  // The exact gradient of f_hat_delta (theory/smoothing_closed_forms.hpp): the Gaussian kernel
  // with per-coordinate std delta for explicit_go, the ball of radius delta for gradopt. The
  // parser refuses closed_form for a problem without one, so the fallback is never reached.
  void closed_form_gradient(double delta, const double* x, double* g) const {
    if (optimizer_.kind == OptimizerKind::gradopt) {
      if constexpr (BallSmoothing<Problem>::exists) return BallSmoothing<Problem>::gradient(problem_, delta, x, g);
    } else {
      if constexpr (GaussianSmoothing<Problem>::exists)
        return GaussianSmoothing<Problem>::gradient(problem_, delta, x, g);
    }
    for (int j = 0; j < problem_.dim; ++j) g[j] = NAN;  // no closed form: freezes the trajectory, never silent
  }

  // One step of GradOpt under the accuracy rule. At the stage's current iterate x the step's
  // smoothed gradient g gives the certificate: ||g||^2 exactly (closed form), or ||(g + g2)/2||^2
  // with g2 an independent estimate (its own stream): biased upward by the estimator's variance,
  // so on average a noisy estimate errs toward running the stage longer. If it is
  // <= 2 sigma eps_m the stage ends here with output x (the step is spent on the check);
  // otherwise x takes the projected step, and after `steps_per_stage` updates the stage ends at
  // the cap with the suffix average. Past the last stage the trajectory stays where it is.
  void gradopt_accuracy_step(std::uint32_t trajectory, std::int64_t t, double* x, double* v, double* centre,
                             GradOptState& state) {
    const int d = problem_.dim;
    const std::size_t stages = optimizer_.stage_delta.size();
    if (static_cast<std::size_t>(state.stage) >= stages) return;
    const std::size_t m = static_cast<std::size_t>(state.stage);
    const double delta = optimizer_.stage_delta[m];
    const std::int64_t cap = optimizer_.steps_per_stage;
    if (state.tau == 0)
      for (int j = 0; j < d; ++j) {
        centre[j] = x[j];
        v[j] = 0.0;
      }
    double* g = g_.data();
    smoothed_gradient(trajectory, t, delta, x, g);
    double certificate = 0.0;
    if (optimizer_.source == SmoothedGradientSource::closed_form) {
      for (int j = 0; j < d; ++j) certificate += g[j] * g[j];
    } else {
      double* g2 = certificate_g_.data();
      monte_carlo_gradient(trajectory, t, delta, x, g2, StreamPurpose::stage_certificate);
      for (int j = 0; j < d; ++j) certificate += 0.25 * (g[j] + g2[j]) * (g[j] + g2[j]);
    }
    if (certificate <= 2.0 * optimizer_.sigma * optimizer_.stage_accuracy(m)) {
      ++state.stage;
      state.tau = 0;
      return;
    }
    const std::int64_t tau = state.tau;
    const double step = 1.0 / (optimizer_.sigma * static_cast<double>(tau + 1));
    for (int j = 0; j < d; ++j) x[j] -= step * g[j];
    project_onto_ball(optimizer_.ball_radius * delta, centre, x);
    const std::int64_t suffix_start = cap / 2;
    if (tau >= suffix_start)
      for (int j = 0; j < d; ++j) v[j] += x[j];
    state.tau = tau + 1;
    if (state.tau == cap) {
      const double count = static_cast<double>(cap - suffix_start);
      for (int j = 0; j < d; ++j) x[j] = v[j] / count;
      ++state.stage;
      ++state.capped;
      state.tau = 0;
    }
  }

  // One step of trajectory `trajectory` at step t. `v` is the momentum buffer (sgd family) or
  // the suffix-average sum (gradopt); `centre` the gradopt stage start (else unused); `stage`
  // the trajectory's GradOpt state under the accuracy rule (else unused).
  void step(std::uint32_t trajectory, std::int64_t t, double* x, double* v, double* centre, double* omega,
            GradOptState* stage = nullptr) {
    const int d = problem_.dim;
    const std::size_t ts = static_cast<std::size_t>(t);
    double* g = g_.data();
    switch (optimizer_.kind) {
      case OptimizerKind::sgd:
        noisy_gradient(trajectory, t, x, g, omega);
        for (int j = 0; j < d; ++j) x[j] -= schedule_.eta[ts] * g[j];
        return;
      case OptimizerKind::shb:
      case OptimizerKind::nshb:
        noisy_gradient(trajectory, t, x, g, omega);
        for (int j = 0; j < d; ++j) {
          v[j] = optimizer_.beta * v[j] + optimizer_.gradient_weight * g[j];
          x[j] -= schedule_.eta[ts] * v[j];
        }
        return;
      case OptimizerKind::explicit_go: {
        const double delta = optimizer_.delta_at(t);
        smoothed_gradient(trajectory, t, delta, x, g);
        for (int j = 0; j < d; ++j) x[j] -= optimizer_.step_factor * delta * g[j];
        return;
      }
      case OptimizerKind::gradopt: {
        if (optimizer_.stage_rule == StageRule::accuracy)
          return gradopt_accuracy_step(trajectory, t, x, v, centre, *stage);
        const std::int64_t per = optimizer_.steps_per_stage;
        const std::int64_t tau = t % per;
        const double delta = optimizer_.delta_at(t);
        if (tau == 0)
          for (int j = 0; j < d; ++j) {
            centre[j] = x[j];
            v[j] = 0.0;
          }
        smoothed_gradient(trajectory, t, delta, x, g);
        const double step = 1.0 / (optimizer_.sigma * static_cast<double>(tau + 1));
        for (int j = 0; j < d; ++j) x[j] -= step * g[j];
        project_onto_ball(optimizer_.ball_radius * delta, centre, x);
        // Suffix averaging over the second half of the stage; the last step returns the average.
        const std::int64_t suffix_start = per / 2;
        if (tau >= suffix_start)
          for (int j = 0; j < d; ++j) v[j] += x[j];
        if (tau == per - 1) {
          const double count = static_cast<double>(per - suffix_start);
          for (int j = 0; j < d; ++j) x[j] = v[j] / count;
        }
        return;
      }
    }
  }

 private:
  const Problem& problem_;
  const NoiseModel& noise_;
  const OptimizerSpec& optimizer_;
  const StepSchedule& schedule_;
  std::uint32_t seed_;
  // Projection of x onto the ball of the given radius around `centre`.
  void project_onto_ball(double radius, const double* centre, double* x) const {
    const int d = problem_.dim;
    double dist2 = 0.0;
    for (int j = 0; j < d; ++j) dist2 += (x[j] - centre[j]) * (x[j] - centre[j]);
    if (dist2 > radius * radius) {
      const double shrink = radius / std::sqrt(dist2);
      for (int j = 0; j < d; ++j) x[j] = centre[j] + shrink * (x[j] - centre[j]);
    }
  }

  std::vector<double> g_, sample_g_, u_, sum_, shifted_, certificate_g_;
  std::vector<std::uint32_t> indices_;
  EpochOrder epoch_order_;  // reshuffle: the current trajectory's epoch
};

}  // namespace sgds
