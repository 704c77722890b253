#pragma once
// Curvature and sharpness of a loss at given parameters, for any differentiable objective:
// Hessian-vector products by central differences of gradients, the top Hessian eigenvalue by
// power iteration, the Hessian trace by Hutchinson's estimator, and the average-case and adaptive
// worst-case l_inf sharpness of Andriushchenko et al. (2023). Oracles: docs/THEORY.md section 5.7.
#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Dense>

#include "core/rng.hpp"

namespace sgds::nn {

using VectorXd = Eigen::VectorXd;

// A differentiable scalar function of a parameter vector: returns f(w), writes grad f(w) into
// `gradient` when it is not null.
using Objective = std::function<double(const VectorXd& w, VectorXd* gradient)>;

// H(w) v by central differences of gradients, step `relative_step` * (1 + ||w||) / ||v||: exact for
// quadratics up to rounding, O(step^2) otherwise.
VectorXd hessian_vector_product(const Objective& f, const VectorXd& w, const VectorXd& v, double relative_step = 1e-4);

struct Estimate {
  double value = 0.0, standard_error = 0.0;
};

// Largest-magnitude Hessian eigenvalue by `iterations` steps of power iteration from a random
// start drawn from `stream` (Rayleigh quotient of the last iterate). Converges at rate
// |lambda_2 / lambda_1|^k.
double top_hessian_eigenvalue(const Objective& f, const VectorXd& w, int iterations, RandomStream stream);

// Hutchinson: tr H = E[z' H z] for Rademacher z; mean and SE over `probes` probes.
Estimate hutchinson_trace(const Objective& f, const VectorXd& w, int probes, RandomStream stream);

// Average-case sharpness E_z[f(w + rho |w| z)] - f(w), z ~ N(0, I) (adaptive scale |w|): mean and
// SE over `samples` draws. On a quadratic at its minimum it is rho^2 sum_i H_ii w_i^2 / 2.
Estimate average_case_sharpness(const Objective& f, const VectorXd& w, double rho, int samples, RandomStream stream);

// Adaptive worst-case l_inf sharpness: max f(w + d) - f(w) over |d_i| <= rho |w_i|, by APGD (Croce
// & Hein 2020, as Andriushchenko et al. measure it): `steps` projected sign-gradient steps with
// momentum 0.75 (none on the first), step size starting at twice the box half-width, halved, with
// a restart from the best point, at the checkpoints of apgd_checkpoints when at most 75% of the
// steps since the last one increased f or the best value stalled. From a random start in half
// the box. Returns the best value found (>= 0: d = 0 is allowed), a lower bound on the maximum.
double worst_case_linf_sharpness(const Objective& f, const VectorXd& w, double rho, int steps, RandomStream stream);
// APGD's checkpoints for `steps` steps, the reference implementation's integer rule: the first
// after max(floor(0.22 steps), 1) steps, each interval then shorter by max(floor(0.03 steps), 1)
// down to max(floor(0.06 steps), 1). For 20 steps: 4, 7, 9, 10, 11, ..., 20.
std::vector<int> apgd_checkpoints(int steps);

}  // namespace sgds::nn
