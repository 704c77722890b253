#include "sim/nn/gradient_noise.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/tail_index.hpp"

namespace sgds::nn {

GradientNoiseEstimate estimate_gradient_noise(int samples, Eigen::Index dimension,
                                              const std::function<void(int, Eigen::VectorXd&)>& per_sample,
                                              int group_size, int tail_block) {
  if (samples < 2 * group_size || group_size < 2)
    throw std::invalid_argument("estimate_gradient_noise: need at least two groups of at least two samples");
  Eigen::VectorXd total = Eigen::VectorXd::Zero(dimension), group_total(dimension), g(dimension);
  double total_squares = 0.0;
  std::vector<double> group_estimates;
  int in_group = 0;
  double group_squares = 0.0;
  group_total.setZero();
  // The coordinates the tail index is read on, evenly spaced; their values kept per sample.
  const Eigen::Index kept = std::min<Eigen::Index>(dimension, kTailCoordinates);
  std::vector<Eigen::Index> coordinate(static_cast<std::size_t>(kept));
  for (Eigen::Index j = 0; j < kept; ++j) coordinate[static_cast<std::size_t>(j)] = j * dimension / kept;
  std::vector<double> noise(static_cast<std::size_t>(samples * kept));  // [sample][kept coordinate]
  for (int i = 0; i < samples; ++i) {
    per_sample(i, g);
    for (Eigen::Index j = 0; j < kept; ++j)
      noise[static_cast<std::size_t>(i * kept + j)] = g[coordinate[static_cast<std::size_t>(j)]];
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
  out.gradient_norm_unbiased = std::sqrt(std::max(0.0, out.mean_gradient_norm * out.mean_gradient_norm - out.c2 / m));

  for (Eigen::Index j = 0; j < kept; ++j)
    for (int i = 0; i < samples; ++i)
      noise[static_cast<std::size_t>(i * kept + j)] -= total[coordinate[static_cast<std::size_t>(j)]] / m;
  const auto blocks = static_cast<std::size_t>(samples / tail_block);
  double inverse_sum = 0.0;
  for (Eigen::Index j = 0; j < kept; ++j) {
    const double inverse = inverse_tail_index(noise, static_cast<std::size_t>(tail_block), blocks,
                                              static_cast<std::size_t>(j), static_cast<std::size_t>(kept));
    if (std::isfinite(inverse)) inverse_sum += inverse, ++out.tail_index_coordinates;
  }
  out.tail_index = out.tail_index_coordinates > 0 ? out.tail_index_coordinates / inverse_sum : NAN;
  return out;
}

}  // namespace sgds::nn
