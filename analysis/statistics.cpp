#include "analysis/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <boost/math/distributions/normal.hpp>

#include "core/rng.hpp"

namespace sgds {

namespace {

void require_pairs(const std::vector<double>& x, const std::vector<double>& y, std::size_t minimum) {
  if (x.size() != y.size()) throw std::invalid_argument("paired statistics need samples of equal length");
  if (x.size() < minimum) throw std::invalid_argument("too few pairs for this statistic");
}

// Ranks 1..n with ties given their average rank.
std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

// Resample indices 0..n-1 with replacement for bootstrap replicate r.
std::vector<std::size_t> resample_indices(std::size_t n, std::uint32_t seed, int replicate) {
  std::vector<std::size_t> idx(n);
  RandomStream rng(seed, static_cast<std::uint32_t>(replicate), 0, StreamPurpose::user);
  for (auto& i : idx) i = rng.below(static_cast<std::uint32_t>(n));
  return idx;
}

Interval percentile_interval(std::vector<double> replicates, double confidence) {
  const double tail = 0.5 * (1.0 - confidence);
  std::vector<double> finite;
  for (double v : replicates)
    if (std::isfinite(v)) finite.push_back(v);
  if (finite.size() < 2) return Interval{NAN, NAN};
  return Interval{sample_quantile(finite, tail), sample_quantile(finite, 1.0 - tail)};
}

}  // namespace

double normal_quantile(double p) { return boost::math::quantile(boost::math::normal_distribution<double>(), p); }

double sample_quantile(std::vector<double> values, double p) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const double position = p * static_cast<double>(values.size() - 1);
  const std::size_t below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return values[below] + fraction * (values[above] - values[below]);
}

Interval wilson_interval(double successes, double trials, double confidence) {
  if (!(trials > 0)) return {0.0, 1.0};
  const double z = normal_quantile(0.5 + confidence / 2.0), p = successes / trials;
  const double centre = (p + z * z / (2 * trials)) / (1 + z * z / trials);
  const double half = z / (1 + z * z / trials) * std::sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Interval newcombe_difference(double successes1, double trials1, double successes2, double trials2, double confidence) {
  const double p1 = successes1 / trials1, p2 = successes2 / trials2, d = p1 - p2;
  const Interval a = wilson_interval(successes1, trials1, confidence),
                 b = wilson_interval(successes2, trials2, confidence);
  return {d - std::sqrt((p1 - a.low) * (p1 - a.low) + (b.high - p2) * (b.high - p2)),
          d + std::sqrt((a.high - p1) * (a.high - p1) + (p2 - b.low) * (p2 - b.low))};
}

double mean_of(const std::vector<double>& values) {
  if (values.empty()) return NAN;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

CosineMean cosine_mean(const std::vector<double>& x, double theta, std::size_t offset, std::size_t stride) {
  double sum = 0.0, squares = 0.0, n = 0.0;
  for (std::size_t i = offset; i < x.size(); i += stride) {
    const double c = std::cos(theta * x[i]);
    sum += c, squares += c * c, n += 1.0;
  }
  const double mean = sum / n;
  return {mean, std::sqrt(std::max(squares / n - mean * mean, 0.0) / (n - 1.0))};
}

double kendall_tau(const std::vector<double>& x, const std::vector<double>& y) {
  require_pairs(x, y, 2);
  // O(n^2) is fine for the sizes we correlate (grid points, replicas).
  double concordant_minus_discordant = 0.0, ties_x_only = 0.0, ties_y_only = 0.0, untied = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      if (dx == 0 && dy == 0) continue;
      if (dx == 0) {
        ties_x_only += 1;
      } else if (dy == 0) {
        ties_y_only += 1;
      } else {
        untied += 1;
        concordant_minus_discordant += (dx > 0) == (dy > 0) ? 1.0 : -1.0;
      }
    }
  }
  const double denominator = std::sqrt((untied + ties_y_only) * (untied + ties_x_only));
  return denominator > 0 ? concordant_minus_discordant / denominator : NAN;
}

double pearson_r(const std::vector<double>& x, const std::vector<double>& y) {
  require_pairs(x, y, 2);
  const double mx = mean_of(x), my = mean_of(y);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : NAN;
}

double spearman_rho(const std::vector<double>& x, const std::vector<double>& y) {
  require_pairs(x, y, 2);
  return pearson_r(average_ranks(x), average_ranks(y));
}

LineFit fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  require_pairs(x, y, 3);
  const double n = static_cast<double>(x.size());
  const double mx = mean_of(x), my = mean_of(y);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0) throw std::invalid_argument("fit_line: all x are equal");
  LineFit fit;
  fit.slope = sxy / sxx;
  fit.intercept = my - fit.slope * mx;
  const double residual = std::max(0.0, syy - fit.slope * sxy);
  fit.slope_se = std::sqrt(residual / (n - 2.0) / sxx);
  fit.r_squared = syy > 0 ? 1.0 - residual / syy : 1.0;
  return fit;
}

Interval bootstrap_pairs(const std::vector<double>& x, const std::vector<double>& y,
                         const std::function<double(const std::vector<double>&, const std::vector<double>&)>& statistic,
                         double confidence, int replicates, std::uint32_t seed) {
  require_pairs(x, y, 2);
  std::vector<double> values(static_cast<std::size_t>(replicates));
  std::vector<double> bx(x.size()), by(y.size());
  for (int r = 0; r < replicates; ++r) {
    const auto idx = resample_indices(x.size(), seed, r);
    for (std::size_t i = 0; i < idx.size(); ++i) {
      bx[i] = x[idx[i]];
      by[i] = y[idx[i]];
    }
    values[static_cast<std::size_t>(r)] = statistic(bx, by);
  }
  return percentile_interval(std::move(values), confidence);
}

Interval bootstrap(const std::vector<double>& sample,
                   const std::function<double(const std::vector<double>&)>& statistic, double confidence,
                   int replicates, std::uint32_t seed) {
  if (sample.size() < 2) throw std::invalid_argument("bootstrap needs at least two values");
  std::vector<double> values(static_cast<std::size_t>(replicates));
  std::vector<double> resampled(sample.size());
  for (int r = 0; r < replicates; ++r) {
    const auto idx = resample_indices(sample.size(), seed, r);
    for (std::size_t i = 0; i < idx.size(); ++i) resampled[i] = sample[idx[i]];
    values[static_cast<std::size_t>(r)] = statistic(resampled);
  }
  return percentile_interval(std::move(values), confidence);
}

double wasserstein1(std::vector<double> a, std::vector<double> b) {
  if (a.empty() || b.empty()) return NAN;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  // Walk the merged support; between consecutive points both CDFs are constant.
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  std::size_t i = 0, j = 0;
  double distance = 0.0, previous = std::min(a[0], b[0]);
  while (i < a.size() || j < b.size()) {
    const double next = (j >= b.size() || (i < a.size() && a[i] <= b[j])) ? a[i] : b[j];
    distance += std::fabs(static_cast<double>(i) / na - static_cast<double>(j) / nb) * (next - previous);
    previous = next;
    while (i < a.size() && a[i] == next) ++i;
    while (j < b.size() && b[j] == next) ++j;
  }
  return distance;
}

double ar1_variance_inflation(double rho) { return (1.0 + rho) / (1.0 - rho); }

}  // namespace sgds
