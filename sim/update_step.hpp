#pragma once
// One SGD update, shared by the CPU and CUDA engines:
//   g = grad f(x) + omega,   omega = (C / sqrt(b)) u,  u ~ kernel (per-coordinate normalisation)
//   v = beta v + w g,        x = x - eta v
// Plain SGD is beta = 0, w = 1; heavy ball (SHB) is w = 1; normalised heavy ball (NSHB) is
// w = 1 - beta. The noise convention is named in every result file: u has independent
// coordinates of unit variance, so delta = eta C / sqrt(b) is the per-coordinate std of eta omega.
#include <cmath>

#include "sim/engine_spec.hpp"
#include "sim/rng.hpp"
#include "theory/hd.hpp"

namespace sgds {

// The device-side noise description (Gaussian additive only; NoiseKind is in sim/engine_spec.hpp).
struct NoiseSpec {
  NoiseKind kind = NoiseKind::none;
  double scale = 0.0;  // C: per-sample noise std per coordinate
};

struct MomentumSpec {
  double beta = 0.0;             // momentum coefficient
  double gradient_weight = 1.0;  // w in v = beta v + w g
};

SGDS_HD_INLINE void add_gradient_noise(const NoiseSpec& noise, double batch, int dim, double* g,
                                       RandomStream& rng) {
  if (noise.kind == NoiseKind::none) return;
  const double scale = noise.scale / sqrt(batch);
  for (int i = 0; i < dim; ++i) g[i] += scale * rng.normal();
}

// Advance one trajectory by one step. `g` is scratch of length dim; `v` the momentum buffer.
template <class Problem>
SGDS_HD_INLINE void sgd_update(const Problem& problem, const NoiseSpec& noise, const MomentumSpec& momentum,
                               double eta, double batch, double* x, double* v, double* g, RandomStream& rng) {
  const int dim = problem.dim;
  problem.gradient(x, g);
  add_gradient_noise(noise, batch, dim, g, rng);
  if (momentum.beta == 0.0 && momentum.gradient_weight == 1.0) {
    for (int i = 0; i < dim; ++i) x[i] -= eta * g[i];
    return;
  }
  for (int i = 0; i < dim; ++i) {
    v[i] = momentum.beta * v[i] + momentum.gradient_weight * g[i];
    x[i] -= eta * v[i];
  }
}

}  // namespace sgds
