#pragma once
// C^2, the per-sample gradient variance of docs/THEORY.md section 1, estimated from per-sample
// gradients at fixed weights: C^2 = sum_i ||g_i - g_bar||^2 / (m - 1) over m samples (one pass:
// sum ||g_i||^2 - m ||g_bar||^2). Its standard error comes from batch means: the m samples are
// cut into groups, each group gives its own unbiased estimate, SE = sd(groups) / sqrt(#groups).
// The same samples give the noise's tail index (docs/THEORY.md 3.5): which batch law applies.
#include <functional>

#include <Eigen/Dense>

namespace sgds::nn {

struct GradientNoiseEstimate {
  double c2 = 0.0, c2_se = 0.0;
  double mean_gradient_norm = 0.0;      // ||g_bar||
  double gradient_norm_unbiased = 0.0;  // sqrt(max(0, ||g_bar||^2 - C^2 / m)): E||g_bar||^2 = ||grad f||^2 + C^2/m
  int samples = 0;
  // The tail index of the per-sample noise g_i - g_bar: the block-sum estimator (core/tail_index.hpp,
  // blocks of `tail_block` samples) on each of up to kTailCoordinates evenly spaced coordinates,
  // pooled as alpha = 1 / mean(1/alpha_c) over the coordinates where it is defined (no zero noise
  // value or block sum); NaN when there is none.
  double tail_index = 0.0;
  int tail_index_coordinates = 0;
};

inline constexpr int kTailCoordinates = 4096;

// `per_sample(i, g)` writes the gradient of sample i (0 <= i < samples) into g (size `dimension`).
// Samples are visited in order; `group_size` samples per batch-mean group (>= 2).
GradientNoiseEstimate estimate_gradient_noise(int samples, Eigen::Index dimension,
                                              const std::function<void(int, Eigen::VectorXd&)>& per_sample,
                                              int group_size = 32, int tail_block = 16);

}  // namespace sgds::nn
