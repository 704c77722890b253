// Check (docs/THEORY.md section 3.5, issue 26 item 3): the block-sum estimator of the tail index
// (core/tail_index.hpp) is unbiased for 1/alpha on exactly alpha-stable samples at every block
// size, Gaussian samples included (alpha = 2). Each replicate draws K1 K2 samples and gives one
// 1/alpha_hat; the replicates are independent, so their mean has an honest SE.
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/statistics.hpp"
#include "analysis/trend.hpp"
#include "core/running_stats.hpp"
#include "core/tail_index.hpp"
#include "theory/kernel_sampling.hpp"

namespace sgds {
namespace {

constexpr double kAlphas[] = {1.2, 1.5, 1.8, 2.0};
constexpr std::size_t kBlockSizes[] = {4, 32};
constexpr std::size_t kBlocks = 64;

// The estimator as the library computes it, or a deliberately broken one.
double estimate(const std::vector<double>& x, std::size_t block_size, const std::string& mutant) {
  if (mutant == "log_total_count")  // normalised by log K instead of log K1
    return inverse_tail_index(x, block_size, kBlocks) * std::log(static_cast<double>(block_size)) /
           std::log(static_cast<double>(block_size * kBlocks));
  if (mutant == "block_means")  // log|Y/K1| = log|Y| - log K1: estimates 1/alpha - 1
    return inverse_tail_index(x, block_size, kBlocks) - 1.0;
  return inverse_tail_index(x, block_size, kBlocks);
}

CheckResult run_tail_index_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "tail_index_estimator";
  result.claim =
      "The block-sum tail-index estimator is unbiased for 1/alpha on alpha-stable samples at every block size";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.mutant = options.mutant;
  const int replicates = options.quick ? 2048 : 16384;
  result.decision_rule = fmt::format(
      "Symmetric alpha-stable samples (unit scale), alpha in {{1.2, 1.5, 1.8, 2 (Gaussian)}}, block sizes K1 in {{4, "
      "32}}, K2 = {} blocks; {} independent replicates per case, each one 1/alpha_hat. PASS iff |mean 1/alpha_hat - "
      "1/alpha| <= {} SE for every case. Mutants: log_total_count (divides by log K, not log K1), block_means (block "
      "means for block sums: 1/alpha - 1)",
      kBlocks, replicates, result.z_threshold);
  std::uint32_t purpose = 40;
  for (double alpha : kAlphas)
    for (std::size_t block_size : kBlockSizes) {
      RunningStats stats;
      std::vector<double> x(block_size * kBlocks);
      for (int r = 0; r < replicates; ++r) {
        RandomStream rng(options.seed, static_cast<std::uint32_t>(r), 0, check_purpose(purpose));
        for (double& v : x) v = symmetric_stable(alpha, rng);
        stats.add(estimate(x, block_size, options.mutant));
      }
      ++purpose;
      result.comparisons.push_back({fmt::format("alpha={} K1={} K2={}: mean 1/alpha_hat", alpha, block_size, kBlocks),
                                    stats.mean, std::sqrt(stats.variance() / static_cast<double>(stats.count)),
                                    1.0 / alpha});
    }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered(
    {"tail_index_estimator",
     "The block-sum tail-index estimator on alpha-stable samples: unbiased for 1/alpha (3.5)",
     "derived",
     {"log_total_count", "block_means"},
     run_tail_index_check});

}  // namespace
}  // namespace sgds
