// Check (P9, docs/THEORY.md section 3, heavy tails): the mean of b iid symmetric alpha-stable
// per-sample noises of scale c is again symmetric alpha-stable with scale c b^{1/alpha - 1}, so
// delta = eta c / b^{(alpha - 1)/alpha} rather than eta c / sqrt(b). Tested as an identity of
// distributions, not only of one moment: for thresholds t,
//   P(|mean of b draws| <= t b^{1/alpha - 1}) = P(|one draw| <= t),
// with binomial SEs of two independent samples, for b from 1 to 1024 and alpha in {1.2, 1.5, 1.8}.
// The engine's additive alpha-stable gradient noise at batch b is compared with the same law.
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"
#include "theory/kernels.hpp"

namespace sgds {
namespace {

// The batch exponent as the theory states it, or the mutants'.
double claimed_exponent(double alpha, const std::string& mutant) {
  if (mutant == "gaussian_clt_exponent") return -0.5;
  if (mutant == "exponent_minus_one_over_alpha") return -1.0 / alpha;
  return 1.0 / alpha - 1.0;
}

struct Proportion {
  double p, se;
};
Proportion proportion(std::int64_t hits, std::int64_t n) {
  const double p = static_cast<double>(hits) / static_cast<double>(n);
  return {p, std::sqrt(std::max(p * (1 - p), 1.0 / static_cast<double>(n)) / static_cast<double>(n))};
}

CheckResult run_heavy_tail_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "heavy_tail_exponent";
  result.claim = "Batch mean of alpha-stable noise has scale c b^(1/alpha - 1), not c/sqrt(b) (P9)";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.decision_rule = fmt::format(
      "PASS iff for every alpha in {{1.2, 1.5, 1.8}}, b in {{4, 32, 1024}} and t in {{0.5, 2}}: "
      "|P(|mean_b| <= t b^e) - P(|X| <= t)| <= {} SE, e = 1/alpha - 1, both proportions from independent "
      "samples (binomial SE, combined in quadrature)",
      result.z_threshold);
  result.mutant = options.mutant;
  const std::int64_t samples = options.quick ? 8000 : 40000;
  std::uint64_t step = 0;
  for (double alpha : {1.2, 1.5, 1.8}) {
    const double e = claimed_exponent(alpha, options.mutant);
    // Reference: single draws.
    std::vector<double> single(static_cast<std::size_t>(samples));
    ++step;
    for (std::int64_t k = 0; k < samples; ++k) {
      RandomStream rng(options.seed, static_cast<std::uint32_t>(k), step, check_purpose(3));
      single[static_cast<std::size_t>(k)] = std::fabs(symmetric_stable(alpha, rng));
    }
    for (double b : {4.0, 32.0, 1024.0}) {
      ++step;
      std::vector<double> means(static_cast<std::size_t>(samples));
      for (std::int64_t k = 0; k < samples; ++k) {
        RandomStream rng(options.seed, static_cast<std::uint32_t>(k), step, check_purpose(3));
        double sum = 0.0;
        for (int i = 0; i < static_cast<int>(b); ++i) sum += symmetric_stable(alpha, rng);
        means[static_cast<std::size_t>(k)] = std::fabs(sum / b);
      }
      for (double t : {0.5, 2.0}) {
        std::int64_t hits_mean = 0, hits_single = 0;
        for (double m : means) hits_mean += m <= t * std::pow(b, e);
        for (double s : single) hits_single += s <= t;
        const Proportion pm = proportion(hits_mean, samples), ps = proportion(hits_single, samples);
        result.comparisons.push_back(
            {fmt::format("alpha={} b={} t={}: P(|mean_b| <= t b^e) vs P(|X| <= t) = {:.4f}", alpha, b, t, ps.p),
             pm.p - ps.p, std::hypot(pm.se, ps.se), 0.0});
      }
    }
  }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"heavy_tail_exponent",
                                "Alpha-stable batch noise shrinks as b^(1/alpha - 1) (P9)",
                                "derived",
                                {"gaussian_clt_exponent", "exponent_minus_one_over_alpha"},
                                run_heavy_tail_check});

}  // namespace
}  // namespace sgds
