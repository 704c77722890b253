#pragma once
// Drawing from the smoothing kernels on the device and the host (one definition for both):
// KernelKind, KernelSpec and sample_kernel. The laws, their normalisation and moments are
// documented in theory/kernels.hpp, which adds configuration and moments (host only).
#include <cmath>

#include "core/rng.hpp"
#include "theory/functions/function_common.hpp"

namespace sgds {

enum class KernelKind : int {
  gaussian = 0,
  ball,
  box,
  exponential,
  rayleigh,
  cauchy,
  levy,
  pareto,
  student_t,
  alpha_stable,
  symmetric_pareto,
};

struct KernelSpec {
  KernelKind kind = KernelKind::gaussian;
  double parameter = 0.0;  // nu (student_t), alpha (alpha_stable, pareto); unused otherwise
  double scale = 1.0;      // multiplies the standard form above
};

// One draw of the symmetric alpha-stable law with E e^{itX} = e^{-|t|^alpha}, 0 < alpha <= 2
// (Chambers, Mallows & Stuck 1976 with beta = 0): V uniform on (-pi/2, pi/2), W ~ Exp(1),
//   X = sin(alpha V) / cos(V)^{1/alpha} * (cos((1 - alpha) V) / W)^{(1 - alpha)/alpha}.
SGDS_HD_INLINE double symmetric_stable(double alpha, RandomStream& rng) {
  const double v = kPi * (rng.uniform() - 0.5);
  const double w = -log(rng.uniform());
  if (alpha == 1.0) return tan(v);
  return sin(alpha * v) / pow(cos(v), 1.0 / alpha) * pow(cos((1.0 - alpha) * v) / w, (1.0 - alpha) / alpha);
}

// Student t with nu > 0 degrees of freedom by Bailey's polar method: (a, b) uniform in the unit
// disc, w = a^2 + b^2, t = a sqrt(nu (w^{-2/nu} - 1) / w).
SGDS_HD_INLINE double student_t_draw(double nu, RandomStream& rng) {
  for (;;) {
    const double a = 2.0 * rng.uniform() - 1.0, b = 2.0 * rng.uniform() - 1.0;
    const double w = a * a + b * b;
    if (w < 1.0 && w > 0.0) return a * sqrt(nu * (pow(w, -2.0 / nu) - 1.0) / w);
  }
}

// Draw u (length dim) from the kernel.
SGDS_HD_INLINE void sample_kernel(const KernelSpec& k, int dim, RandomStream& rng, double* u) {
  const double s = k.scale;
  switch (k.kind) {
    case KernelKind::gaussian:
      for (int i = 0; i < dim; ++i) u[i] = s * rng.normal();
      return;
    case KernelKind::ball: {
      double r2 = 0.0;
      for (int i = 0; i < dim; ++i) u[i] = rng.normal(), r2 += u[i] * u[i];
      const double radius = s * pow(rng.uniform(), 1.0 / dim) / sqrt(r2);
      for (int i = 0; i < dim; ++i) u[i] *= radius;
      return;
    }
    case KernelKind::box:
      for (int i = 0; i < dim; ++i) u[i] = s * (2.0 * rng.uniform() - 1.0);
      return;
    case KernelKind::exponential:
      for (int i = 0; i < dim; ++i) u[i] = -s * log(rng.uniform());
      return;
    case KernelKind::rayleigh:
      for (int i = 0; i < dim; ++i) u[i] = s * sqrt(-2.0 * log(rng.uniform()));
      return;
    case KernelKind::cauchy:
      for (int i = 0; i < dim; ++i) u[i] = s * tan(kPi * (rng.uniform() - 0.5));
      return;
    case KernelKind::levy:
      for (int i = 0; i < dim; ++i) {
        const double z = rng.normal();
        u[i] = s / (z * z);
      }
      return;
    case KernelKind::pareto:
      for (int i = 0; i < dim; ++i) u[i] = s * pow(rng.uniform(), -1.0 / k.parameter);
      return;
    case KernelKind::student_t:
      for (int i = 0; i < dim; ++i) u[i] = s * student_t_draw(k.parameter, rng);
      return;
    case KernelKind::alpha_stable:
      for (int i = 0; i < dim; ++i) u[i] = s * symmetric_stable(k.parameter, rng);
      return;
    case KernelKind::symmetric_pareto:  // a random sign times the Pareto(1, alpha) draw
      for (int i = 0; i < dim; ++i) {
        const double magnitude = s * pow(rng.uniform(), -1.0 / k.parameter);
        u[i] = rng.uniform() < 0.5 ? -magnitude : magnitude;
      }
      return;
  }
}

}  // namespace sgds
