#pragma once
// Exact moments of SGD on f(x) = a x^2 / 2 with additive gradient noise of variance s^2 / b
// (docs/THEORY.md section 5, oracle 2): x_t is AR(1) with rho = 1 - eta a, so
//   E x_t = rho^t x_0,   Var x_t = V (1 - rho^{2t}),   V = eta s^2 / (b a (2 - eta a)).
#include <cmath>
#include <cstdint>

#include "core/hd.hpp"

namespace sgds {

SGDS_HD_INLINE double ar1_rho(double a, double eta) { return 1.0 - eta * a; }

// Stationary variance V; finite only for 0 < eta a < 2 (the stable range).
SGDS_HD_INLINE double quadratic_sgd_stationary_variance(double a, double eta, double s, double b) {
  return eta * s * s / (b * a * (2.0 - eta * a));
}

SGDS_HD_INLINE double quadratic_sgd_mean(double a, double eta, double x0, std::int64_t t) {
  return pow(ar1_rho(a, eta), static_cast<double>(t)) * x0;
}

SGDS_HD_INLINE double quadratic_sgd_variance(double a, double eta, double s, double b, std::int64_t t) {
  const double rho = ar1_rho(a, eta);
  return quadratic_sgd_stationary_variance(a, eta, s, b) * (1.0 - pow(rho, 2.0 * static_cast<double>(t)));
}

// E x_t^2 = Var x_t + (E x_t)^2.
SGDS_HD_INLINE double quadratic_sgd_second_moment(double a, double eta, double s, double b, double x0, std::int64_t t) {
  const double m = quadratic_sgd_mean(a, eta, x0, t);
  return quadratic_sgd_variance(a, eta, s, b, t) + m * m;
}

}  // namespace sgds
