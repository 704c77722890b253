// Check (P7, docs/THEORY.md section 6): performance against the degree of smoothing is unimodal with
// an interior optimum. Too little smoothing leaves SGD in the local minimum it started in, too
// much throws it across many basins. Landscape: Rastrigin d = 2 (local minima near the integer
// lattice, global minimum 0 at 0), SGD with eta = 0.002 (eta L = 0.8 with L = 2 + 40 pi^2),
// b = 1, additive Gaussian noise with C set so delta = eta C takes 7 log-spaced values in
// [0.02, 0.5], 2000 steps from starts uniform on the box [-5.12, 5.12]^2.
// Performance is the value of the minimum a run ends in: f at the final iterate after 300 steps
// of noiseless gradient descent (the final learning-rate drop of practical training); lower is
// better. Fit y = log(mean polished f) = c0 + c1 u + c2 u^2, u = log delta; an interior optimum is
// c2 > 0 with the vertex u* = -c1 / (2 c2) inside the grid. CIs by stratified bootstrap.
#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/experiment_cache.hpp"
#include "analysis/group_bootstrap.hpp"
#include "analysis/trend.hpp"
#include "theory/functions/separable.hpp"

namespace sgds {
namespace {

constexpr double kEta = 0.002;
constexpr int kDim = 2;
constexpr int kDeltas = 7;
constexpr double kDeltaLow = 0.02, kDeltaHigh = 0.5;

// Least-squares y = c0 + c1 u + c2 u^2 (u centred for conditioning): {c0, c1, c2} in the
// original u, by the normal equations solved with Cramer's rule (3 x 3).
std::array<double, 3> fit_quadratic(const std::vector<double>& u, const std::vector<double>& y) {
  const double centre = mean_of(u);
  double s[5] = {0, 0, 0, 0, 0}, t[3] = {0, 0, 0};
  for (std::size_t i = 0; i < u.size(); ++i) {
    const double v = u[i] - centre;
    double p = 1.0;
    for (int k = 0; k < 5; ++k, p *= v) {
      s[k] += p;
      if (k < 3) t[k] += p * y[i];
    }
  }
  const auto det3 = [](double a, double b, double c, double d, double e, double f, double g, double h, double i) {
    return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  };
  const double D = det3(s[0], s[1], s[2], s[1], s[2], s[3], s[2], s[3], s[4]);
  const double a0 = det3(t[0], s[1], s[2], t[1], s[2], s[3], t[2], s[3], s[4]) / D;
  const double a1 = det3(s[0], t[0], s[2], s[1], t[1], s[3], s[2], t[2], s[4]) / D;
  const double a2 = det3(s[0], s[1], t[0], s[1], s[2], t[1], s[2], s[3], t[2]) / D;
  // Back to u: a0 + a1 (u - m) + a2 (u - m)^2.
  return {a0 - a1 * centre + a2 * centre * centre, a1 - 2.0 * a2 * centre, a2};
}

void polish(const Rastrigin& f, double* x) {
  double g[kDim];
  for (int t = 0; t < 300; ++t) {
    f.gradient(x, g);
    for (int i = 0; i < kDim; ++i) x[i] -= kEta * g[i];
  }
}

CheckResult run_unimodal_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "performance_unimodal_in_delta";
  result.claim = "Performance vs delta has an interior optimum (P7)";
  result.provenance = "paper";
  result.z_threshold = kTrendZ;
  result.decision_rule =
      "Rastrigin d=2, eta = 0.002, b = 1, delta = eta C at 7 log-spaced values in [0.02, 0.5], 2000 steps from "
      "uniform starts on [-5.12, 5.12]^2; outcome = f after 300 noiseless GD steps from the final iterate. Fit "
      "log(mean outcome) = c0 + c1 u + c2 u^2, u = log delta; 95% stratified bootstrap CIs (runs resampled within "
      "each delta, 1000 replicates) of c2, of the vertex u* = -c1/(2 c2) and of its margin inside the grid, "
      "min(u* - log 0.02, log 0.5 - u*). SUPPORTED if CI(c2) > 0 and CI(margin) > 0; CONTRADICTED if CI(c2) < 0, "
      "or CI(c2) > 0 and CI(margin) < 0 (the optimum wholly outside the grid); else "
      "INCONCLUSIVE. Mutant more_smoothing_always_better (optimum at or beyond the largest delta) FAILs when "
      "CI(c2) > 0 and CI(u*) lies below log 0.5; mutant less_noise_always_better (optimum at or below the smallest "
      "delta) FAILs when CI(c2) > 0 and CI(u*) lies above log 0.02.";
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 1024 : 8192;
  Rastrigin rastrigin;
  rastrigin.dim = kDim;
  std::vector<double> log_delta;
  std::vector<std::vector<double>> polished;
  for (int k = 0; k < kDeltas; ++k) {
    const double delta = kDeltaLow * std::pow(kDeltaHigh / kDeltaLow, static_cast<double>(k) / (kDeltas - 1));
    const std::string text = fmt::format(R"(
name = "unimodal_delta{:.4f}"
trajectories = {}
steps = 2000
problem = {{ name = "rastrigin", dim = {} }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = 1 }}
init = {{ x0 = 0.0, spread = 5.12 }}
record = {{ checkpoints = 2, per_trajectory = true }}
)",
                                         delta, trajectories, kDim, delta / kEta, kEta);
    const ExperimentResult& r =
        cached_check_experiment(text, result.name, options.seed + static_cast<std::uint32_t>(k));
    std::vector<double> values;
    for (std::int64_t i = 0; i < r.trajectories; ++i) {
      double x[kDim];
      for (int j = 0; j < kDim; ++j) x[j] = r.final_x[static_cast<std::size_t>(i * kDim + j)];
      if (!std::isfinite(x[0]) || !std::isfinite(x[1])) continue;
      polish(rastrigin, x);
      values.push_back(rastrigin.value(x));
    }
    polished.push_back(std::move(values));
    log_delta.push_back(std::log(delta));
    result.experiments.push_back(r);
  }
  const auto coefficients = [&](const std::vector<double>& means) {
    std::vector<double> y;
    for (double m : means) y.push_back(std::log(m));
    return fit_quadratic(log_delta, y);
  };
  const auto curvature = [&](const std::vector<double>& means) { return coefficients(means)[2]; };
  const auto vertex = [&](const std::vector<double>& means) {
    const auto c = coefficients(means);
    return -c[1] / (2.0 * c[2]);
  };
  const double c2 = statistic_of_group_means(polished, curvature);
  const double u_star = statistic_of_group_means(polished, vertex);
  const Interval c2_ci = bootstrap_group_means(polished, curvature, 0.95, 1000, options.seed, check_purpose(9));
  // Same seed and purpose: the vertex interval comes from the same resamples as the curvature's.
  const Interval vertex_ci = bootstrap_group_means(polished, vertex, 0.95, 1000, options.seed, check_purpose(9));
  const double u_low = log_delta.front(), u_high = log_delta.back();
  std::string profile;
  std::vector<double> means;
  for (const auto& g : polished) {
    means.push_back(mean_of(g));
    profile += fmt::format("{}{:.3f}", profile.empty() ? "" : " ", means.back());
  }
  const auto best = static_cast<std::size_t>(std::min_element(means.begin(), means.end()) - means.begin());
  result.comparisons.push_back(trend_comparison(
      fmt::format("curvature c2 of log(mean polished f) in log delta, CI [{:.4f}, {:.4f}]; lowest mean at grid delta "
                  "{:.4f}; mean polished f for delta 0.02..0.5: {}",
                  c2_ci.low, c2_ci.high, std::exp(log_delta[best]), profile),
      c2, c2_ci));
  // The vertex as a row: its margin inside the grid, min(u* - log 0.02, log 0.5 - u*), > 0 inside;
  // undefined (NaN, dropped) where the fit is concave and u* is a maximum.
  const auto margin = [&](const std::vector<double>& group_means) {
    if (!(curvature(group_means) > 0.0)) return static_cast<double>(NAN);
    const double v = vertex(group_means);
    return std::min(v - u_low, u_high - v);
  };
  const Interval margin_ci = bootstrap_group_means(polished, margin, 0.95, 1000, options.seed, check_purpose(9));
  result.comparisons.push_back(trend_comparison(
      fmt::format("vertex delta* = {:.4f}, CI [{:.4f}, {:.4f}]; row: margin of log delta* inside the grid [0.02, 0.5], "
                  "CI [{:.3f}, {:.3f}]",
                  std::exp(u_star), std::exp(vertex_ci.low), std::exp(vertex_ci.high), margin_ci.low, margin_ci.high),
      statistic_of_group_means(polished, margin), margin_ci));
  const bool convex = c2_ci.low > 0.0;
  const bool vertex_inside = margin_ci.low > 0.0;
  // Row verdicts: the curvature row (convex: supported; concave: contradicted) and the vertex row.
  const Verdict curvature_row = convex             ? Verdict::supported
                                : c2_ci.high < 0.0 ? Verdict::contradicted
                                                   : Verdict::inconclusive;
  Verdict vertex_row = vertex_inside          ? Verdict::supported
                       : margin_ci.high < 0.0 ? Verdict::contradicted
                                              : Verdict::inconclusive;
  if (options.mutant == "more_smoothing_always_better")
    vertex_row = convex && vertex_ci.high < u_high ? Verdict::fail : Verdict::inconclusive;
  else if (options.mutant == "less_noise_always_better")
    vertex_row = convex && vertex_ci.low > u_low ? Verdict::fail : Verdict::inconclusive;
  decide_trend_rows(result, {options.mutant.empty() ? curvature_row : Verdict::inconclusive, vertex_row});
  if (options.mutant.empty() && !convex && c2_ci.high >= 0.0) result.verdict = Verdict::inconclusive;
  return result;
}

const RegisterCheck registered({"performance_unimodal_in_delta",
                                "Performance vs delta has an interior optimum (P7)",
                                "paper",
                                {"more_smoothing_always_better", "less_noise_always_better"},
                                run_unimodal_check});

}  // namespace
}  // namespace sgds
