#pragma once
// The CPU engine: N independent SGD trajectories advanced with OpenMP, one trajectory's state
// per slot, statistics recorded at checkpoints. Memory grows with N x d, never with the number
// of steps. Every random variate comes from the (seed, trajectory, step) Philox stream, so the
// result is the same for any thread count.
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/checkpoint_recorder.hpp"
#include "sim/progress.hpp"
#include "sim/rng.hpp"
#include "sim/update_step.hpp"

namespace sgds {

// Learning rate and batch size for every step t = 0 .. steps-1 (precomputed from a schedule).
struct StepSchedule {
  std::vector<double> eta;
  std::vector<double> batch;
  std::int64_t steps() const { return static_cast<std::int64_t>(eta.size()); }
};

// Initial point: x0 per coordinate, plus uniform jitter in [-spread, spread] per coordinate.
struct InitialPoint {
  std::vector<double> x0;
  double spread = 0.0;
};

struct EngineSettings {
  std::int64_t trajectories = 1;
  std::vector<std::int64_t> checkpoint_steps;  // increasing, first may be 0, last = steps
  std::uint32_t seed = 0;
  double divergence_bound = 1e12;  // |x_i| beyond this (or NaN/Inf) freezes the trajectory
};

// The observables recorded for every problem: f, x_i and x_i^2.
inline std::vector<ObservableSpec> standard_observables(int dim) {
  return {{"f", "objective value f(x)", 1},
          {"x", "coordinates x_i", dim},
          {"x2", "squared coordinates x_i^2", dim}};
}

template <class Problem>
void observe_standard(const Problem& problem, const double* x, double* out) {
  out[0] = problem.value(x);
  for (int i = 0; i < problem.dim; ++i) {
    out[1 + i] = x[i];
    out[1 + problem.dim + i] = x[i] * x[i];
  }
}

inline void draw_initial_point(const InitialPoint& init, std::uint32_t seed, std::uint32_t trajectory, int dim,
                               double* x) {
  RandomStream rng(seed, trajectory, 0, StreamPurpose::initial_point);
  for (int i = 0; i < dim; ++i) {
    x[i] = init.x0[static_cast<std::size_t>(i)];
    if (init.spread > 0.0) x[i] += init.spread * (2.0 * rng.uniform() - 1.0);
  }
}

struct EngineOutput {
  std::vector<ObservableSeries> series;
  std::vector<std::int64_t> diverged;  // cumulative, per checkpoint
};

template <class Problem>
EngineOutput run_sgd_cpu(const Problem& problem, const NoiseSpec& noise, const MomentumSpec& momentum,
                         const StepSchedule& schedule, const InitialPoint& init, const EngineSettings& settings,
                         Progress& progress) {
  const int dim = problem.dim;
  const std::size_t n = static_cast<std::size_t>(settings.trajectories);
  const std::size_t d = static_cast<std::size_t>(dim);
  std::vector<double> x(n * d), v(n * d, 0.0);
  std::vector<std::uint8_t> alive(n, 1);

  for (std::size_t i = 0; i < n; ++i)
    draw_initial_point(init, settings.seed, static_cast<std::uint32_t>(i), dim, &x[i * d]);

  CheckpointRecorder recorder(standard_observables(dim), settings.checkpoint_steps.size());
  std::vector<double> observations(n * static_cast<std::size_t>(recorder.columns()));
  EngineOutput output;

  std::int64_t current_step = 0;
  for (std::size_t k = 0; k < settings.checkpoint_steps.size(); ++k) {
    const std::int64_t target = settings.checkpoint_steps[k];
#pragma omp parallel
    {
      std::vector<double> g(d);
#pragma omp for schedule(static)
      for (std::size_t i = 0; i < n; ++i) {
        if (!alive[i]) continue;
        double* xi = &x[i * d];
        double* vi = &v[i * d];
        for (std::int64_t t = current_step; t < target; ++t) {
          RandomStream rng(settings.seed, static_cast<std::uint32_t>(i), static_cast<std::uint64_t>(t),
                           StreamPurpose::gradient_noise);
          const std::size_t ts = static_cast<std::size_t>(t);
          sgd_update(problem, noise, momentum, schedule.eta[ts], schedule.batch[ts], xi, vi, g.data(), rng);
          bool finite = true;
          for (std::size_t j = 0; j < d; ++j) finite &= std::isfinite(xi[j]) && std::fabs(xi[j]) <= settings.divergence_bound;
          if (!finite) {
            alive[i] = 0;  // frozen where it broke; counted, excluded from statistics
            break;
          }
        }
        observe_standard(problem, xi, &observations[i * static_cast<std::size_t>(recorder.columns())]);
      }
    }
    current_step = target;
    recorder.record(k, observations, alive);
    std::int64_t dead = 0;
    for (auto a : alive) dead += a ? 0 : 1;
    output.diverged.push_back(dead);
    progress.set(current_step);
  }
  output.series = recorder.take_series();
  return output;
}

}  // namespace sgds
