#pragma once
// Smoothing kernels: the law of u in f_hat_delta(x) = E f(x - delta u), and the law of the
// additive gradient noise omega = (C / sqrt(b)) u the engine draws (alpha-stable: C b^{1/alpha-1} u).
//
// Convention (the same as the engine, sim/engine_spec.hpp): coordinates are independent draws of a 1-D law,
// so the Gaussian kernel is u ~ N(0, I_d) and delta is the per-coordinate scale; the uniform ball
// is the one joint law (Hazan et al.: u uniform in the ball of radius `scale`). Every kernel is
// `scale` times its standard form:
//   gaussian      N(0, 1)                                  E u_i^2 = 1
//   ball          uniform in the unit ball of R^d          E |u|^2 = d/(d+2), E |u| = d/(d+1)
//   box           uniform on [-1, 1]                       E u_i^2 = 1/3, E|u_1| = 1/2
//   exponential   Exp(1) on (0, inf), one-sided            E u_i = 1, E u_i^2 = 2
//   rayleigh      Rayleigh(1), one-sided                   E u_i = sqrt(pi/2), E u_i^2 = 2
//   cauchy        standard Cauchy                          no mean
//   levy          Levy(0, 1) = 1/Z^2, Z ~ N(0, 1)          no mean (one-sided)
//   pareto        Pareto(x_m = 1, alpha): U^{-1/alpha}     mean alpha/(alpha-1) for alpha > 1, one-sided
//   student_t     t with nu degrees of freedom             E u_i^2 = nu/(nu-2) for nu > 2
//   alpha_stable  symmetric alpha-stable, E e^{itu} = e^{-|t|^alpha} (Chambers-Mallows-Stuck);
//                 alpha = 2 is N(0, 2), alpha = 1 Cauchy  E|u_1| = (2/pi) Gamma(1 - 1/alpha) for alpha > 1
//   symmetric_pareto  sign * U^{-1/alpha}, |u| >= 1       E|u_1| = alpha/(alpha-1), E u_i^2 = alpha/(alpha-2)
// kernel_moments() gives these numbers for any d and scale. The paper's 1-D figure uses box with
// scale 2, exponential 1.5, rayleigh 1, cauchy 1, levy 1 and pareto(alpha = 1) (its "+1" shift is
// already in this standard form, whose support starts at x_m = 1).
#include <cmath>
#include <string>
#include <vector>

#include "core/config_table.hpp"
#include "theory/kernel_sampling.hpp"

namespace sgds {

// Moments of u in R^dim. NaN: finite but no closed form here (E|u| of iid non-Gaussian
// coordinates for d > 1); +inf: the moment does not exist.
struct KernelMoments {
  double coordinate_mean;      // E u_i
  double coordinate_variance;  // Var u_i
  double mean_norm;            // E |u|
  double mean_square_norm;     // E |u|^2
  double mean_norm_bound;      // sqrt(E |u|^2) >= E |u| (Jensen)
  bool symmetric;              // u and -u have the same law (no shift of f_hat)
};
KernelMoments kernel_moments(const KernelSpec& k, int dim);

// How the scale of the mean of b iid draws shrinks: b^exponent. -1/2 where the variance is finite
// (exact for the variance); 1/alpha - 1 for alpha-stable (exact: the mean of b draws is stable
// with that scale), 0 for Cauchy, +1 for Levy (alpha = 1/2); for pareto (alpha < 2) and student_t
// (nu < 2) the generalised-CLT exponent 1/alpha - 1, only asymptotic.
double kernel_batch_exponent(const KernelSpec& k);

// Reads `kernel` (a name of kernel_names(), default gaussian), `scale` (1.0, > 0) and the
// kernel's parameter: `nu` (student_t, 3.0, > 0), `alpha` (alpha_stable, 1.5, in (0, 2];
// pareto, 1.0, > 0; symmetric_pareto, 1.5, > 0). The caller calls finish().
KernelSpec parse_kernel(ConfigTable& table);
KernelSpec make_kernel(const std::string& name, double parameter = -1.0, double scale = 1.0);  // -1: default
std::vector<std::string> kernel_names();
std::string kernel_name(KernelKind kind);
std::string describe_kernel(const KernelSpec& k);  // "student_t(nu=3) x 1"

}  // namespace sgds
