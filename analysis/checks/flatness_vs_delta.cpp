// Check (P6, docs/THEORY.md sections 3 and 6): a larger degree of smoothing delta leads SGD to flatter
// minima. Landscape: gaussian_wells in two dimensions (sharp deep well at (-1, 0), width 0.1,
// Hessian trace ~200; wide shallow well at (1, 0), width 0.5, trace ~5.7). SGD with eta = 0.005,
// b = 1 and additive Gaussian noise whose scale C sets delta = eta C over six values from 0.003
// to 0.1 (log-spaced; beyond 0.1 runs leave both wells for the weak confinement's plateau),
// 1500 steps from starts uniform on [-2, 2]^2. Two flatness measures of each run's final iterate x_T:
//   minimum: the Hessian trace at the local minimum x_T flows to (x_T polished by 2000 steps of
//            noiseless gradient descent, step 0.005): the sharpness of the minimum found;
//   iterate: the Hessian trace at x_T itself, the way sharpness is measured on a trained network.
// Effect per measure: the least-squares slope of the mean trace on log delta, 95% stratified
// bootstrap CI (runs resampled within each delta); Spearman's rho and the delta of the sharpest
// mean are reported with it (with few grid points rho takes few values, so it does not decide).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/experiment_cache.hpp"
#include "analysis/group_bootstrap.hpp"
#include "analysis/trend.hpp"
#include "theory/functions/landscapes.hpp"

namespace sgds {
namespace {

constexpr double kEta = 0.005;
constexpr int kDim = 2;
constexpr int kDeltas = 6;
constexpr double kDeltaLow = 0.003, kDeltaHigh = 0.1;

double hessian_trace(const GaussianWells& f, const double* x) {
  double trace = 0.0, e[kDim], he[kDim];
  for (int i = 0; i < kDim; ++i) {
    for (int j = 0; j < kDim; ++j) e[j] = i == j ? 1.0 : 0.0;
    f.hessian_vector(x, e, he);
    trace += he[i];
  }
  return trace;
}

// Noiseless gradient descent from x to the local minimum it belongs to (in place).
void polish(const GaussianWells& f, double* x) {
  double g[kDim];
  for (int t = 0; t < 2000; ++t) {
    f.gradient(x, g);
    for (int i = 0; i < kDim; ++i) x[i] -= kEta * g[i];
  }
}

CheckResult run_flatness_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "flatness_vs_delta";
  result.claim = "Larger delta -> flatter minima: the Hessian trace where SGD ends falls with delta (P6)";
  result.provenance = "paper";
  result.z_threshold = kTrendZ;
  result.decision_rule =
      "gaussian_wells d=2, eta = 0.005, b = 1, delta = eta C at 6 log-spaced values in [0.003, 0.1], 1500 steps from "
      "uniform starts on [-2, 2]^2. For each of two measures (trace of the Hessian at the minimum the final iterate "
      "flows to under noiseless GD; at the final iterate itself): effect = OLS slope of the mean trace on log delta, "
      "95% stratified bootstrap CI (runs resampled within each delta, 1000 replicates). Predicted slope < 0 for both: "
      "SUPPORTED if both CIs lie below 0, CONTRADICTED if one lies above 0, else INCONCLUSIVE. Mutant "
      "sharper_with_delta predicts slope > 0 and FAILs when a CI lies below 0; mutant flatness_independent_of_delta "
      "predicts slope 0 and FAILs when a CI excludes 0.";
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 1024 : 8192;
  GaussianWells wells;  // the registry's defaults, as the experiments below use them
  wells.dim = kDim;
  std::vector<double> log_delta;
  std::vector<std::vector<double>> at_minimum, at_iterate;
  for (int k = 0; k < kDeltas; ++k) {
    const double delta = kDeltaLow * std::pow(kDeltaHigh / kDeltaLow, static_cast<double>(k) / (kDeltas - 1));
    const std::string text = fmt::format(R"(
name = "flatness_delta{:.4f}"
trajectories = {}
steps = 1500
problem = {{ name = "gaussian_wells", dim = {} }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = 1 }}
init = {{ x0 = 0.0, spread = 2.0 }}
record = {{ checkpoints = 2, per_trajectory = true }}
)",
                                         delta, trajectories, kDim, delta / kEta, kEta);
    const ExperimentResult& r =
        cached_check_experiment(text, result.name, options.seed + static_cast<std::uint32_t>(k));
    std::vector<double> minimum_trace, iterate_trace;
    for (std::int64_t i = 0; i < r.trajectories; ++i) {
      double x[kDim];
      for (int j = 0; j < kDim; ++j) x[j] = r.final_x[static_cast<std::size_t>(i * kDim + j)];
      if (!std::isfinite(x[0]) || !std::isfinite(x[1])) continue;  // diverged runs carry no minimum
      iterate_trace.push_back(hessian_trace(wells, x));
      polish(wells, x);
      minimum_trace.push_back(hessian_trace(wells, x));
    }
    at_minimum.push_back(std::move(minimum_trace));
    at_iterate.push_back(std::move(iterate_trace));
    log_delta.push_back(std::log(delta));
    result.experiments.push_back(r);
  }
  const bool null_mutant = options.mutant == "flatness_independent_of_delta";
  const int predicted = options.mutant == "sharper_with_delta" ? +1 : -1;
  const auto statistic = [&](const std::vector<double>& means) { return fit_line(log_delta, means).slope; };
  std::vector<Verdict> verdicts;
  const struct {
    const char* what;
    const std::vector<std::vector<double>>* traces;
  } measures[] = {{"trace at the minimum reached", &at_minimum}, {"trace at the final iterate", &at_iterate}};
  std::uint32_t stream = 7;
  for (const auto& m : measures) {
    const double slope = statistic_of_group_means(*m.traces, statistic);
    const Interval ci = bootstrap_group_means(*m.traces, statistic, 0.95, 1000, options.seed, check_purpose(stream++));
    std::string profile;
    std::vector<double> means;
    for (const auto& g : *m.traces) {
      means.push_back(mean_of(g));
      profile += fmt::format("{}{:.2f}", profile.empty() ? "" : " ", means.back());
    }
    const auto sharpest = static_cast<std::size_t>(std::max_element(means.begin(), means.end()) - means.begin());
    result.comparisons.push_back(trend_comparison(
        fmt::format(
            "{}: slope of mean trace per unit log delta in [{:.3f}, {:.3f}]; Spearman rho = {:.3f}; sharpest at "
            "delta = {:.4f}; mean trace for delta 0.003..0.1: {}",
            m.what, ci.low, ci.high, spearman_rho(log_delta, means), std::exp(log_delta[sharpest]), profile),
        slope, ci));
    if (null_mutant) verdicts.push_back((ci.low > 0.0 || ci.high < 0.0) ? Verdict::fail : Verdict::inconclusive);
    else verdicts.push_back(decide_trend(ci, predicted, !options.mutant.empty()));
  }
  decide_trend_rows(result, verdicts);
  return result;
}

const RegisterCheck registered({"flatness_vs_delta",
                                "Larger delta -> flatter minima: Hessian trace falls with delta (P6)",
                                "paper",
                                {"sharper_with_delta", "flatness_independent_of_delta"},
                                run_flatness_check});

}  // namespace
}  // namespace sgds
