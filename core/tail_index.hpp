#pragma once
// The block-sum estimator of the tail index alpha (Mohammadi, Mohammadpour and Ogata, 2015;
// docs/THEORY.md section 3.5): for iid symmetric samples X_1..X_K cut into K2 blocks of K1,
// Y_i the sum of block i,
//   1/alpha_hat = (mean_i log|Y_i| - mean_k log|X_k|) / log K1.
// For an exactly alpha-stable X, Y = K1^(1/alpha) X in law, so E[1/alpha_hat] = 1/alpha with no
// bias at any K1; for samples only in a stable law's domain of attraction the bias shrinks as K1
// grows. Gaussian samples give 1/2 (alpha = 2). Zero samples (log 0) are the caller's to avoid.
#include <cmath>
#include <cstddef>
#include <vector>

namespace sgds {

// 1/alpha_hat from samples[offset + stride k], k = 0 .. K1 K2 - 1 (a coordinate of a row-major
// table when stride is its row length). NaN when K1 < 2 or a sample or block sum is 0 or not finite.
inline double inverse_tail_index(const std::vector<double>& samples, std::size_t block_size, std::size_t blocks,
                                 std::size_t offset = 0, std::size_t stride = 1) {
  if (block_size < 2 || blocks < 1) return NAN;
  double log_samples = 0.0, log_sums = 0.0;
  for (std::size_t i = 0; i < blocks; ++i) {
    double sum = 0.0;
    for (std::size_t j = 0; j < block_size; ++j) {
      const double x = samples[offset + stride * (i * block_size + j)];
      log_samples += std::log(std::fabs(x));
      sum += x;
    }
    log_sums += std::log(std::fabs(sum));
  }
  const double n = static_cast<double>(block_size * blocks);
  const double estimate =
      (log_sums / static_cast<double>(blocks) - log_samples / n) / std::log(static_cast<double>(block_size));
  return std::isfinite(estimate) ? estimate : NAN;
}

}  // namespace sgds
