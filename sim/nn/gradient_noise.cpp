#include "sim/nn/gradient_noise.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

namespace sgds::nn {

GradientNoiseEstimate estimate_gradient_noise(int samples, Eigen::Index dimension,
                                              const std::function<void(int, Eigen::VectorXd&)>& per_sample,
                                              int group_size) {
  if (samples < 2 * group_size || group_size < 2)
    throw std::invalid_argument("estimate_gradient_noise: need at least two groups of at least two samples");
  Eigen::VectorXd total = Eigen::VectorXd::Zero(dimension), group_total(dimension), g(dimension);
  double total_squares = 0.0;
  std::vector<double> group_estimates;
  int in_group = 0;
  double group_squares = 0.0;
  group_total.setZero();
  for (int i = 0; i < samples; ++i) {
    per_sample(i, g);
    const double squares = g.squaredNorm();
    total += g;
    total_squares += squares;
    group_total += g;
    group_squares += squares;
    if (++in_group == group_size) {
      group_estimates.push_back((group_squares - group_total.squaredNorm() / group_size) / (group_size - 1));
      in_group = 0;
      group_squares = 0.0;
      group_total.setZero();
    }
  }
  const double m = samples;
  GradientNoiseEstimate out;
  out.samples = samples;
  out.c2 = (total_squares - total.squaredNorm() / m) / (m - 1);
  const double groups = static_cast<double>(group_estimates.size());
  double mean = 0.0, spread = 0.0;
  for (const double e : group_estimates) mean += e / groups;
  for (const double e : group_estimates) spread += (e - mean) * (e - mean);
  out.c2_se = std::sqrt(spread / (groups - 1) / groups);
  out.mean_gradient_norm = total.norm() / m;
  out.gradient_norm_unbiased =
      std::sqrt(std::max(0.0, out.mean_gradient_norm * out.mean_gradient_norm - out.c2 / m));
  return out;
}

}  // namespace sgds::nn
