#pragma once
// Scalar draws of the noise and smoothing kernels the CPU engine uses, from a trajectory's stream.
#include <cmath>

#include "sim/engine_spec.hpp"
#include "sim/rng.hpp"

namespace sgds {

// Symmetric alpha-stable variate of unit scale (Chambers-Mallows-Stuck); alpha = 2 gives
// N(0, 2), alpha = 1 the standard Cauchy.
inline double draw_symmetric_stable(double alpha, RandomStream& rng) {
  const double half_pi = 1.5707963267948966;
  const double v = half_pi * (2.0 * rng.uniform() - 1.0);
  const double w = -std::log(rng.uniform());
  if (alpha == 1.0) return std::tan(v);
  return std::sin(alpha * v) / std::pow(std::cos(v), 1.0 / alpha) *
         std::pow(std::cos(v - alpha * v) / w, (1.0 - alpha) / alpha);
}

// u uniform in the unit ball of R^dim: a normal direction scaled by U^{1/dim}.
inline void draw_uniform_ball(int dim, RandomStream& rng, double* u) {
  double norm2 = 0.0;
  for (int j = 0; j < dim; ++j) {
    u[j] = rng.normal();
    norm2 += u[j] * u[j];
  }
  const double radius = std::pow(rng.uniform(), 1.0 / dim) / std::sqrt(norm2);
  for (int j = 0; j < dim; ++j) u[j] *= radius;
}

inline void draw_additive_noise(const NoiseModel& noise, int dim, RandomStream& rng, double* u) {
  if (noise.kind == NoiseKind::stable)
    for (int j = 0; j < dim; ++j) u[j] = draw_symmetric_stable(noise.stable_alpha, rng);
  else
    for (int j = 0; j < dim; ++j) u[j] = rng.normal();
}

}  // namespace sgds
