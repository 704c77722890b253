#pragma once
// Scalar draws of the noise and smoothing kernels the CPU engine uses, from a trajectory's stream.
#include <cmath>

#include "sim/engine_spec.hpp"
#include "core/rng.hpp"

namespace sgds {

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

// u for additive noise, unscaled by the batch: N(0, I) for gaussian (times C outside), the
// kernel's draw (its scale included) for additive.
inline void draw_additive_noise(const NoiseModel& noise, int dim, RandomStream& rng, double* u) {
  if (noise.kind == NoiseKind::additive) {
    sample_kernel(noise.kernel, dim, rng, u);
    return;
  }
  for (int j = 0; j < dim; ++j) u[j] = noise.scale * rng.normal();
}

}  // namespace sgds
