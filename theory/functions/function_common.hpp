#pragma once
// Shared pieces of the test-function zoo (theory/functions/*.hpp).
//
// Every function is a small struct with a public `int dim` and its parameters, and the same
// SGDS_HD interface, so the CPU and CUDA engines can be templated on it:
//   double value(const double* x) const
//   void   gradient(const double* x, double* g) const          analytic (a subgradient where
//                                                              the function has kinks; see each)
//   void   hessian_vector(const double* x, const double* v, double* hv) const
//   double minimum_value() const;  void minimiser(double* x) const
//   double box_low() const, box_high() const                   the usual search box, per coordinate
//   double lipschitz() const, smoothness() const               global constants; kNoConstant
//                                                              (+inf) where none exists or none
//                                                              is derived here
//   static constexpr bool differentiable                       false: gradient is a subgradient
#include <cmath>

#include "core/hd.hpp"

namespace sgds {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kNoConstant = __builtin_huge_val();

SGDS_HD_INLINE double sign_of(double v) { return v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : 0.0); }

SGDS_HD_INLINE double dot(int dim, const double* a, const double* b) {
  double s = 0.0;
  for (int i = 0; i < dim; ++i) s += a[i] * b[i];
  return s;
}

// For a radial function f(x) = phi(||x||): gradient phi'(r) x / r and Hessian
// phi'/r I + (phi'' - phi'/r) x x' / r^2. At r = 0 the gradient is 0 (a subgradient where phi'(0)
// != 0) and the Hessian is taken as phi''(0) I (exact when phi'(0) = 0).
SGDS_HD_INLINE void radial_gradient(int dim, const double* x, double r, double dphi, double* g) {
  const double k = r > 0.0 ? dphi / r : 0.0;
  for (int i = 0; i < dim; ++i) g[i] = k * x[i];
}
SGDS_HD_INLINE void radial_hessian_vector(int dim, const double* x, const double* v, double r, double dphi,
                                          double d2phi, double* hv) {
  if (!(r > 0.0)) {
    for (int i = 0; i < dim; ++i) hv[i] = d2phi * v[i];
    return;
  }
  const double a = dphi / r;
  const double b = (d2phi - a) * dot(dim, x, v) / (r * r);
  for (int i = 0; i < dim; ++i) hv[i] = a * v[i] + b * x[i];
}

SGDS_HD_INLINE double norm2(int dim, const double* x) { return dot(dim, x, x); }

}  // namespace sgds
