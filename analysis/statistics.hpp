#pragma once
// Statistics the checks and reports share: quantiles, rank correlations, line fits, bootstrap
// intervals (resampled with the project's Philox streams, so they are reproducible), and the
// Wasserstein-1 distance between empirical distributions.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace sgds {

struct Interval {
  double low = 0.0, high = 0.0;
  bool contains(double v) const { return v >= low && v <= high; }
};

// Standard normal quantile (Boost.Math), e.g. normal_quantile(0.975) = 1.95996.
double normal_quantile(double p);

// Sample quantile with linear interpolation between order statistics (type 7, as numpy's default).
double sample_quantile(std::vector<double> values, double p);

double mean_of(const std::vector<double>& values);

// Wilson's score interval for a proportion of `successes` in `trials` (never [0, 0] at 0 of n).
Interval wilson_interval(double successes, double trials, double confidence = 0.95);
// Newcombe's hybrid score interval for the difference of two independent proportions p1 - p2.
Interval newcombe_difference(double successes1, double trials1, double successes2, double trials2,
                             double confidence = 0.95);

// Rank correlations. Kendall's tau-b (ties handled), Spearman's rho (average ranks), Pearson's r.
double kendall_tau(const std::vector<double>& x, const std::vector<double>& y);
double spearman_rho(const std::vector<double>& x, const std::vector<double>& y);
double pearson_r(const std::vector<double>& x, const std::vector<double>& y);

// Ordinary least squares y = intercept + slope x, with the slope's standard error and R^2.
struct LineFit {
  double slope = 0.0, intercept = 0.0, slope_se = 0.0, r_squared = 0.0;
};
LineFit fit_line(const std::vector<double>& x, const std::vector<double>& y);

// Percentile bootstrap interval of a statistic of paired data (x_i, y_i), resampling pairs.
Interval bootstrap_pairs(const std::vector<double>& x, const std::vector<double>& y,
                         const std::function<double(const std::vector<double>&, const std::vector<double>&)>& statistic,
                         double confidence, int replicates, std::uint32_t seed);

// Percentile bootstrap interval of a statistic of one sample.
Interval bootstrap(const std::vector<double>& sample,
                   const std::function<double(const std::vector<double>&)>& statistic, double confidence,
                   int replicates, std::uint32_t seed);

// The real part of the empirical characteristic function, mean cos(theta x) over x[offset],
// x[offset + stride], ..., and its SE: cos is bounded, so the SE is honest however heavy the
// tails of x (the stable-law checks).
struct CosineMean {
  double mean = 0.0, standard_error = 0.0;
};
CosineMean cosine_mean(const std::vector<double>& x, double theta, std::size_t offset = 0, std::size_t stride = 1);

// W1 between the empirical distributions of a and b: the integral of |F_a - F_b|.
double wasserstein1(std::vector<double> a, std::vector<double> b);

// Variance inflation of the mean of a stationary AR(1) sequence with lag-1 correlation rho:
// Var(mean) ~ (sigma^2 / n) (1 + rho) / (1 - rho) (docs/THEORY.md section 5, tolerances).
double ar1_variance_inflation(double rho);

}  // namespace sgds
