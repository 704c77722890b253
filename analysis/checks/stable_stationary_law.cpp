// Check (docs/THEORY.md section 5.11): SGD on the quadratic (a/2)|x|^2 with additive symmetric
// alpha-stable gradient noise of scale c at batch b (the batch mean of b stable draws: scale
// c b^(1/alpha - 1)) is a stable autoregression. From x_0 = 0,
//   x_t = -eta sum_{k<t} rho^(t-1-k) omega_k,  rho = 1 - eta a,
// so each coordinate is symmetric alpha-stable with scale
//   s_t = eta c b^(1/alpha - 1) ((1 - |rho|^(alpha t)) / (1 - |rho|^alpha))^(1/alpha),
// tending to eta c b^(1/alpha - 1) / (1 - |rho|^alpha)^(1/alpha): an exact law at every t,
// heavy-tailed, with no finite variance for alpha < 2. Tested through the characteristic
// function E cos(theta x_t) = exp(-(theta s_t)^alpha), which is bounded, so its Monte Carlo SE
// is honest however heavy the tails.
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/experiment_cache.hpp"
#include "analysis/trend.hpp"

namespace sgds {
namespace {

constexpr double kEta = 0.1, kA = 1.0, kBatch = 4.0, kScale = 1.0;
constexpr int kDim = 2;
constexpr double kAlphas[] = {1.2, 1.5, 1.8};
constexpr int kSteps[] = {1, 10, 300};          // one step (the noise law), the transient, stationary
constexpr double kLogPhi[] = {0.25, 1.0, 2.0};  // theta chosen so that -log E cos(theta x) is these

// The scale of x_t per coordinate as the theory states it, or the mutants'.
double claimed_scale(double alpha, int t, const std::string& mutant) {
  const double rho = std::fabs(1.0 - kEta * kA);
  const double batch_exponent = mutant == "gaussian_batch_scaling" ? -0.5 : 1.0 / alpha - 1.0;
  const double noise = kScale * std::pow(kBatch, batch_exponent);
  const double q = mutant == "gaussian_stationary_factor" ? 2.0 : alpha;  // the AR(1) variance's exponent
  return kEta * noise * std::pow((1.0 - std::pow(rho, q * t)) / (1.0 - std::pow(rho, q)), 1.0 / q);
}

CheckResult run_stable_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "stable_stationary_law";
  result.claim =
      "SGD on a quadratic with alpha-stable noise: x_t is alpha-stable, scale eta c b^(1/alpha-1) "
      "((1-|rho|^(alpha t))/(1-|rho|^alpha))^(1/alpha)";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 8192 : 65536;
  result.decision_rule = fmt::format(
      "Quadratic a = {}, d = {}, x_0 = 0, eta = {}, b = {}, additive alpha-stable noise of scale c = {}; alpha in "
      "{{1.2, 1.5, 1.8}}, t in {{1, 10, 300}}, {} trajectories each. PASS iff no trajectory diverged and, per "
      "coordinate and theta with (theta s_t)^alpha in {{0.25, 1, 2}}, |mean cos(theta x_t) - exp(-(theta s_t)^alpha)| "
      "<= {} SE (independent trajectories). Mutants: gaussian_batch_scaling (noise scale c / sqrt(b)), "
      "gaussian_stationary_factor (the Gaussian AR(1) sum, exponent 2 for alpha)",
      kA, kDim, kEta, kBatch, kScale, trajectories, result.z_threshold);
  std::uint32_t index = 0;
  for (double alpha : kAlphas)
    for (int t : kSteps) {
      ++index;
      const std::string text = fmt::format(R"(
name = "stable_alpha{}_t{}"
trajectories = {}
steps = {}
problem = {{ name = "quadratic", dim = {}, a = {} }}
noise = {{ kind = "additive", kernel = "alpha_stable", alpha = {}, scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = 0.0 }}
record = {{ checkpoints = 2, per_trajectory = true }}
)",
                                           alpha, t, trajectories, t, kDim, kA, alpha, kScale, kEta, kBatch);
      const ExperimentResult& e = cached_check_experiment(text, result.name, options.seed + index);
      const std::int64_t diverged = e.diverged.empty() ? 0 : e.diverged.back();
      const std::string where = fmt::format("alpha={} t={}", alpha, t);
      if (diverged > 0) {
        result.comparisons.push_back({where + ": diverged trajectories", static_cast<double>(diverged), 0.0, 0.0});
        continue;
      }
      const double truth = claimed_scale(alpha, t, "");
      const double claimed = claimed_scale(alpha, t, options.mutant);
      for (double log_phi : kLogPhi) {
        const double theta = std::pow(log_phi, 1.0 / alpha) / truth;  // the design: fixed by the true scale
        const double predicted = std::exp(-std::pow(theta * claimed, alpha));
        for (int j = 0; j < kDim; ++j) {
          const CosineMean c = cosine_mean(e.final_x, theta, static_cast<std::size_t>(j), kDim);
          result.comparisons.push_back(
              {fmt::format("{} x[{}] theta={:.4g}: E cos(theta x_t) vs exp(-(theta s_t)^alpha)", where, j, theta),
               c.mean, c.standard_error, predicted});
        }
      }
    }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered(
    {"stable_stationary_law",
     "SGD with alpha-stable noise on a quadratic has an exact alpha-stable law at every t (oracle 11)",
     "derived",
     {"gaussian_batch_scaling", "gaussian_stationary_factor"},
     run_stable_check});

}  // namespace
}  // namespace sgds
