// Check (P12, docs/THEORY.md sections 3 and 6): at a fixed learning rate, a larger batch b means a
// smaller delta = eta C / sqrt(b), so sharp minima survive: the share of runs ending in the sharp
// basin grows with b. Landscape: gaussian_wells in one dimension (sharp deep well at -1, width
// 0.1, curvature ~100; wide shallow well at +1, width 0.5, curvature ~2.8), additive Gaussian
// noise of per-sample scale C = 40, eta = 0.005 (eta a = 0.5 in the sharp well, so gradient
// descent alone settles there), 1500 steps from starts uniform on [-2, 2], b in {1, 2, 4, ..., 256}.
// Effect: the least-squares slope of the final sharp-basin share against log2 b, with a
// stratified bootstrap CI (trajectories resampled within each b); Spearman's rho is reported.
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/experiment_cache.hpp"
#include "analysis/group_bootstrap.hpp"
#include "analysis/trend.hpp"

namespace sgds {
namespace {

constexpr double kBatches[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
constexpr double kEta = 0.005, kNoiseScale = 40.0;

double slope_against(const std::vector<double>& x, const std::vector<double>& y) { return fit_line(x, y).slope; }

CheckResult run_sharp_basin_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "sharp_basin_share_vs_batch";
  result.claim = "At fixed eta the share of runs ending in the sharp basin grows with b (P12)";
  result.provenance = "paper";
  result.z_threshold = kTrendZ;
  result.decision_rule =
      "Effect = OLS slope of the final sharp-basin share on log2 b over b in {1, 2, ..., 256} (gaussian_wells d=1, "
      "eta = 0.005, C = 40, 1500 steps, starts uniform on [-2, 2]); 95% stratified bootstrap CI (trajectories "
      "resampled within "
      "each b, 1000 replicates). Predicted slope > 0: SUPPORTED if the CI lies above 0, CONTRADICTED if below, else "
      "INCONCLUSIVE. Mutant b_independent_delta (delta = eta C, no 1/sqrt(b)) predicts slope 0 and FAILs when the CI "
      "excludes 0; mutant sharp_share_falls_with_b predicts slope < 0 and FAILs when the CI lies above 0.";
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 1024 : 16384;
  const std::int64_t steps = 1500;
  std::vector<double> log2_b, shares;
  std::vector<std::vector<double>> in_sharp;  // per b: 1 for a run ending in the sharp basin, 0 else
  std::uint32_t k = 0;
  for (double b : kBatches) {
    const std::string text = fmt::format(R"(
name = "sharp_share_b{}"
trajectories = {}
steps = {}
problem = {{ name = "gaussian_wells", dim = 1 }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = 0.0, spread = 2.0 }}
record = {{ checkpoints = 2 }}
)",
                                         b, trajectories, steps, kNoiseScale, kEta, b);
    const ExperimentResult& r = cached_check_experiment(text, result.name, options.seed + k++);
    const std::size_t last = r.steps.size() - 1;
    const double share = r.checkpoint_series_named("basin_share").at(last, 0);  // basin 0 = sharp
    const std::int64_t alive = r.trajectories - r.diverged[last];
    const auto hits = static_cast<std::int64_t>(std::llround(share * static_cast<double>(alive)));
    std::vector<double> indicator(static_cast<std::size_t>(alive), 0.0);
    for (std::int64_t i = 0; i < hits; ++i) indicator[static_cast<std::size_t>(i)] = 1.0;
    in_sharp.push_back(std::move(indicator));
    log2_b.push_back(std::log2(b));
    shares.push_back(share);
    result.experiments.push_back(r);
  }
  const auto statistic = [&](const std::vector<double>& means) { return slope_against(log2_b, means); };
  const double slope = statistic_of_group_means(in_sharp, statistic);
  const Interval ci = bootstrap_group_means(in_sharp, statistic, 0.95, 1000, options.seed, check_purpose(6));
  std::string profile;
  for (std::size_t i = 0; i < shares.size(); ++i) profile += fmt::format("{}{:.3f}", i ? " " : "", shares[i]);
  result.comparisons.push_back(trend_comparison(
      fmt::format(
          "slope of sharp share per doubling of b in [{:.4f}, {:.4f}]; Spearman rho = {:.3f}; shares b=1..256: {}",
          ci.low, ci.high, spearman_rho(log2_b, shares), profile),
      slope, ci));
  if (options.mutant == "b_independent_delta") {
    // The mutant predicts no trend: any CI that excludes 0 refutes it.
    decide_trend_rows(result, {(ci.low > 0.0 || ci.high < 0.0) ? Verdict::fail : Verdict::inconclusive});
  } else {
    const int predicted = options.mutant == "sharp_share_falls_with_b" ? -1 : +1;
    decide_trend_rows(result, {decide_trend(ci, predicted, !options.mutant.empty())});
  }
  return result;
}

const RegisterCheck registered({"sharp_basin_share_vs_batch",
                                "At fixed eta the sharp-basin share grows with b (P12)",
                                "paper",
                                {"b_independent_delta", "sharp_share_falls_with_b"},
                                run_sharp_basin_check});

}  // namespace
}  // namespace sgds
