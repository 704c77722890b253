// Check (docs/THEORY.md section 5, oracle 8): SGD's mean escape time from a well vs the mean
// first-passage time of its SDE limit, computed by quadrature (theory/first_passage).
//
// f is the tilted double well (x^2 - 1)^2 + 0.25 x; SGD x <- x - eta (f'(x) + (s / sqrt b) z),
// z ~ N(0, 1), starts at the shallower (right) minimum and escapes when it first steps below
// x = -0.5, past the barrier. On the time scale t = eta * steps its SDE limit is
// dX = -f'(X) dt + sqrt(eta) (s / sqrt b) dW, i.e. D = eta s^2 / (2 b). The check holds D = 0.25
// fixed (barrier / D = 3.05, b = 4, s^2 = 2 b D / eta) and shrinks eta from 0.08 to 0.005, so the
// SDE's answer T is one number and SGD should approach it. The relative bias
// r(eta) = eta E[steps] / T - 1 is measured at each eta; the theory bounds it by O(sqrt eta).
//
// SGD here is a plain scalar loop (not the engine): the escape step must be watched at every step,
// which the engine's checkpoint recorder does not do. Its noise comes from Philox streams keyed by
// (seed, trajectory), one per eta.
#include <cmath>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"
#include "theory/first_passage.hpp"
#include "theory/functions/landscapes.hpp"

namespace sgds {
namespace {

constexpr double kEtas[] = {0.005, 0.01, 0.02, 0.04, 0.08};
constexpr double kDiffusion = 0.25, kBatch = 4.0, kExit = -0.5;

// Escape steps of one SGD trajectory (a cap far beyond the tail: e^{-60} of an exponential).
std::int64_t escape_steps(const TiltedDoubleWell& well, double x0, double eta, double noise_std, std::int64_t cap,
                          RandomStream stream) {
  double x = x0;
  for (std::int64_t step = 1; step <= cap; ++step) {
    x -= eta * (well.slope_along_tilt(x) + noise_std * stream.normal());
    if (x < kExit) return step;
  }
  return cap;
}

std::int64_t escape_cap(double eta) { return static_cast<std::int64_t>(60.0 * 30.0 / eta); }

// Escape times eta * steps of every trajectory, per eta. The mutants change the theory, never the
// data: the simulation runs once per (trajectories, seed) and later calls reuse it.
const std::vector<std::vector<double>>& escape_times(const TiltedDoubleWell& well, double x0, std::int64_t trajectories,
                                                     std::uint32_t seed) {
  static std::mutex mutex;
  static std::map<std::pair<std::int64_t, std::uint32_t>, std::vector<std::vector<double>>> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  auto& times = cache[{trajectories, seed}];
  if (!times.empty()) return times;
  for (std::size_t e = 0; e < std::size(kEtas); ++e) {
    const double eta = kEtas[e];
    const double s = std::sqrt(2.0 * kBatch * kDiffusion / eta);  // per-sample noise std giving D
    const double noise_std = s / std::sqrt(kBatch);
    const std::int64_t cap = escape_cap(eta);
    std::vector<double> t(static_cast<std::size_t>(trajectories));
#pragma omp parallel for schedule(dynamic, 64)
    for (std::int64_t i = 0; i < trajectories; ++i)
      t[static_cast<std::size_t>(i)] =
          eta *
          static_cast<double>(escape_steps(well, x0, eta, noise_std, cap,
                                           RandomStream(seed, static_cast<std::uint32_t>(i), e, check_purpose(22))));
    times.push_back(std::move(t));
  }
  return times;
}

// Weighted least squares of r = c eta^p over p on a grid (c solved for each p): the rate p.
double fit_rate(const std::vector<double>& r, const std::vector<double>& weight) {
  double best_p = 0.0, best_rss = INFINITY;
  for (int k = 0; k <= 1600; ++k) {
    const double p = -2.0 + 0.005 * k;
    double sxy = 0.0, sxx = 0.0;
    for (std::size_t i = 0; i < r.size(); ++i) {
      const double x = std::pow(kEtas[i], p);
      sxy += weight[i] * x * r[i], sxx += weight[i] * x * x;
    }
    const double c = sxy / sxx;
    double rss = 0.0;
    for (std::size_t i = 0; i < r.size(); ++i) rss += weight[i] * std::pow(r[i] - c * std::pow(kEtas[i], p), 2);
    if (rss < best_rss) best_rss = rss, best_p = p;
  }
  return best_p;
}

CheckResult run_first_passage_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "first_passage_time";
  result.claim = "SGD's mean escape time from a well tends to its SDE's first-passage time, bias O(sqrt eta)";
  result.provenance = "derived";
  result.z_threshold = kTrendZ;
  result.decision_rule =
      "Relative bias r(eta) = eta E[escape steps] / T_SDE - 1 at eta in {0.005, 0.01, 0.02, 0.04, 0.08} (D = eta "
      "s^2/(2b) "
      "= 0.25 held fixed); rate p from a weighted (1/SE^2) least-squares fit r = c eta^p (p on a grid over [-2, 6]); "
      "effect p - 1/2 with a 95 % percentile bootstrap CI (escape times resampled within each eta, 1000 replicates). "
      "Predicted > 0 (the bias vanishes at least like sqrt eta): SUPPORTED if the CI lies above 0, CONTRADICTED if "
      "below, else INCONCLUSIVE. Mutants compute T_SDE with a wrong diffusion coefficient and predict the same; they "
      "FAIL when the CI lies below 0 (their bias does not vanish).";
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 3000 : 32000;
  const TiltedDoubleWell well{1, 1.0, 0.25, 1.0};
  const double x0 = well.critical_point(1.0);
  const auto potential = [&well](double x) { return well.value_along_tilt(x); };
  // The SDE's diffusion D = sigma^2 / 2, sigma^2 = eta s^2 / b; the mutants drop the 1/b or the 1/2.
  double diffusion = kDiffusion;
  if (options.mutant == "no_batch_factor") diffusion *= kBatch;
  if (options.mutant == "missing_factor_two") diffusion *= 2.0;
  // Reflecting far out on the right, where f - f(x0) > 200: the well confines the process.
  const double sde_time = mean_first_passage_time(potential, diffusion, x0, kExit, x0 + 3.0);

  const std::vector<std::vector<double>>& times = escape_times(well, x0, trajectories, options.seed);
  std::vector<double> r, se, weight;
  int censored = 0;  // trajectories that reached the cap (counted at the cap)
  for (std::size_t e = 0; e < times.size(); ++e) {
    const std::vector<double>& t = times[e];
    double mean = 0.0, squares = 0.0;
    for (double v : t) mean += v, censored += v >= kEtas[e] * static_cast<double>(escape_cap(kEtas[e]));
    const auto n = static_cast<double>(t.size());
    mean /= n;
    for (double v : t) squares += (v - mean) * (v - mean);
    const double mean_se = std::sqrt(squares / (n - 1.0) / n);
    r.push_back(mean / sde_time - 1.0);
    se.push_back(mean_se / sde_time);
    weight.push_back(1.0 / (se.back() * se.back()));
  }
  const double rate = fit_rate(r, weight);

  // Bootstrap: resample escape times within each eta, refit the rate (weights held at the data's).
  const int replicates = 1000;
  std::vector<double> rates(replicates);
#pragma omp parallel for schedule(static)
  for (int b = 0; b < replicates; ++b) {
    std::vector<double> rb(r.size());
    for (std::size_t e = 0; e < times.size(); ++e) {
      RandomStream stream(options.seed, static_cast<std::uint32_t>(b), e, check_purpose(23));
      double sum = 0.0;
      for (std::int64_t i = 0; i < trajectories; ++i)
        sum += times[e][stream.below(static_cast<std::uint32_t>(trajectories))];
      rb[e] = sum / static_cast<double>(trajectories) / sde_time - 1.0;
    }
    rates[static_cast<std::size_t>(b)] = fit_rate(rb, weight);
  }
  const Interval rate_ci{sample_quantile(rates, 0.025), sample_quantile(rates, 0.975)};
  const Interval effect_ci{rate_ci.low - 0.5, rate_ci.high - 0.5};

  std::string biases;
  for (std::size_t e = 0; e < r.size(); ++e)
    biases += fmt::format("{}{}: {:+.4f}+-{:.4f}", e ? ", " : "", kEtas[e], r[e], se[e]);
  result.comparisons.push_back(trend_comparison(
      fmt::format("rate p - 1/2 in [{:.3f}, {:.3f}]; p = {:.3f}; T_SDE = {:.4f} (D = {}); relative bias r(eta) = {}; "
                  "{} censored",
                  effect_ci.low, effect_ci.high, rate, sde_time, diffusion, biases, censored),
      rate - 0.5, effect_ci));
  decide_trend_rows(result, {decide_trend(effect_ci, +1, !options.mutant.empty())});
  return result;
}

const RegisterCheck registered({"first_passage_time",
                                "SGD's mean escape time tends to the SDE's first-passage time (oracle 8)",
                                "derived",
                                {"no_batch_factor", "missing_factor_two"},
                                run_first_passage_check});

}  // namespace
}  // namespace sgds
