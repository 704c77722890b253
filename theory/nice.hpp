#pragma once
// sigma-nice diagnostics (docs/THEORY.md section 4). For a function, a kernel and a decreasing
// sequence delta_1 > delta_2 > ... it estimates x*_delta_m = argmin f_hat_delta_m by global search,
// then checks for every stage
//   centering:        |x*_m - x*_{m+1}| <= delta_m - delta_{m+1}   (Hazan's form when gamma = 1/2)
//   strong convexity: the smallest Hessian eigenvalue of f_hat_delta_m over B(x*_m, 3 delta_m),
// and reports the largest sigma for which every stage holds (the minimum of those eigenvalues,
// or none when a stage fails). f_hat and its derivatives come from the closed form where one
// exists, else from Monte Carlo with common random numbers (then the numbers carry MC error).
// The eigenvalue minimum is taken over a grid (d = 1) or over sampled points of the ball (d > 1:
// then it is an upper bound on the true minimum, so "strongly convex" is not proven there).
#include <string>
#include <vector>

#include "theory/kernels.hpp"

namespace sgds {

struct NiceOptions {
  int grid_points = 4001;  // global search grid per axis (d <= 2), or random starts (d > 2)
  int ball_points = 400;   // Hessian evaluations per ball (d > 1); d = 1 uses a grid of this size
  int mc_samples = 4000;   // Monte Carlo samples where there is no closed form
  std::uint32_t seed = 1;
};

struct NiceStage {
  double delta = 0.0;
  std::vector<double> x_star;
  double f_hat_at_x_star = 0.0;
  double centering_distance = 0.0;  // |x*_m - x*_{m+1}| (last stage: 0, nothing to compare)
  double centering_bound = 0.0;     // delta_m - delta_{m+1}
  bool centering_ok = true;
  double min_eigenvalue = 0.0;  // over B(x*_m, 3 delta_m)
  double min_eigenvalue_at_x_star = 0.0;
};

struct NiceReport {
  std::vector<NiceStage> stages;
  bool closed_form = false;
  bool all_centering_ok = true;
  double sigma = 0.0;  // the largest sigma with every stage sigma-strongly convex (<= 0: none)
  bool nice = false;   // all_centering_ok && sigma > 0
  std::string method;  // how f_hat and the Hessians were computed
};

// delta_1 .. delta_M for a named sequence: geometric (delta_1 gamma^{m-1}), polynomial
// (delta_1 ((M - m + 1)/M)^power), explicit_go (delta_1 (M + 1 - m)/(M + 1)).
std::vector<double> delta_sequence(const std::string& kind, double delta1, int stages, double gamma, double power);

// Smallest eigenvalue of a symmetric d x d matrix (row-major), cyclic Jacobi.
double min_symmetric_eigenvalue(std::vector<double> a, int d);

}  // namespace sgds
