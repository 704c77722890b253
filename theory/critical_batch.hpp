#pragma once
// The critical batch size of SGD on a quadratic, exactly (docs/THEORY.md section 5.12, oracle 12).
//
// f(x) = (a/2) |x|^2 in d dimensions, every coordinate started at x0, constant eta, additive
// Gaussian gradient noise of variance s^2 / b per coordinate. By oracle 2 the expected squared
// gradient norm is
//   G_t = E |grad f(x_t)|^2 = a^2 d E x_t^2 = G_inf(b) + rho^(2t) (G_0 - G_inf(b)),
//   G_0 = a^2 d x0^2,  G_inf(b) = beta / b,  beta = a d eta s^2 / (2 - eta a),  rho = 1 - eta a.
// K(b), the first step with G_t <= eps2, exists only above the noise floor, b > b_min = beta / eps2;
// the stochastic first-order oracle cost SFO(b) = b K(b) then has an exact integer minimiser
// b*, the critical batch size. Near the floor K grows without bound, far above it SFO grows like
// b, so b* sits a little above b_min: b* / b_min -> 1 + 1 / log(G_0 / eps2) roughly, not the 2
// that minimising the non-convex SFO bound (K ~ b / (eps2 b - beta)) gives.
#include <cmath>
#include <cstdint>
#include <limits>

#include "theory/quadratic_oracles.hpp"

namespace sgds {

struct QuadraticCost {
  double a = 1.0, eta = 0.1, s = 1.0, x0 = 1.0;
  int dim = 1;
  double beta() const { return a * dim * eta * s * s / (2.0 - eta * a); }  // G_inf(b) = beta / b
};

// E |grad f(x_t)|^2 after t steps at batch b.
inline double expected_gradient_norm_sq(const QuadraticCost& q, double b, std::int64_t t) {
  return q.a * q.a * q.dim * quadratic_sgd_second_moment(q.a, q.eta, q.s, b, q.x0, t);
}

// The smallest batch whose noise floor lies below eps2 (continuous: G_inf(b_min) = eps2).
inline double noise_floor_batch(const QuadraticCost& q, double eps2) { return q.beta() / eps2; }

// K(b): the first t with G_t <= eps2, or -1 when G_t never gets there (b at or below the floor,
// or eta a outside the stable range (0, 2)).
inline std::int64_t steps_to_tolerance(const QuadraticCost& q, double b, double eps2) {
  const double g0 = expected_gradient_norm_sq(q, b, 0);
  if (g0 <= eps2) return 0;
  const double rho2 = std::pow(ar1_rho(q.a, q.eta), 2.0);
  const double floor = q.beta() / b;
  if (!(q.eta * q.a > 0.0 && q.eta * q.a < 2.0) || floor >= eps2) return -1;
  if (rho2 == 0.0) return 1;  // eta a = 1: at the floor after one step
  // G_t is monotone (decreasing from g0 > eps2 > floor): solve, then settle the rounding.
  std::int64_t t = static_cast<std::int64_t>(std::ceil(std::log((eps2 - floor) / (g0 - floor)) / std::log(rho2)));
  t = std::max<std::int64_t>(t, 1);
  while (t > 1 && expected_gradient_norm_sq(q, b, t - 1) <= eps2) --t;
  while (expected_gradient_norm_sq(q, b, t) > eps2) ++t;
  return t;
}

struct CriticalBatch {
  std::int64_t batch = 0;                                  // b*, the smallest minimiser of b K(b) over whole batches
  std::int64_t steps = 0;                                  // K(b*)
  double cost = std::numeric_limits<double>::quiet_NaN();  // b* K(b*), gradient evaluations
};

// b* by exhaustion: every batch from the floor up to where even the noiseless step count makes
// the cost exceed the best found (K(b) >= K_noiseless for every b).
inline CriticalBatch critical_batch(const QuadraticCost& q, double eps2) {
  CriticalBatch best;
  const double b_floor = noise_floor_batch(q, eps2);
  if (!(b_floor < 1e9)) return best;
  QuadraticCost noiseless = q;
  noiseless.s = 0.0;
  const std::int64_t k_noiseless = steps_to_tolerance(noiseless, 1.0, eps2);
  if (k_noiseless < 0) return best;
  if (k_noiseless == 0) return {1, 0, 0.0};
  for (auto b = static_cast<std::int64_t>(std::floor(b_floor)) + 1;; ++b) {
    if (best.batch > 0 && static_cast<double>(b) * static_cast<double>(k_noiseless) > best.cost) break;
    const std::int64_t k = steps_to_tolerance(q, static_cast<double>(b), eps2);
    if (k < 0) continue;
    const double cost = static_cast<double>(b) * static_cast<double>(k);
    if (best.batch == 0 || cost < best.cost) best = {b, k, cost};
  }
  return best;
}

}  // namespace sgds
