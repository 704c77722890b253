// Check: heavy ball (SHB, v = beta v + g) and normalised heavy ball (NSHB, v = beta v + (1 - beta) g)
// on f = a x^2 / 2 with additive noise of variance s^2 / b have the stationary variances of
// docs/THEORY.md section 5, oracle 4 (and prediction P10):
//   SHB:  V = (1 + beta) eta s^2 / ((1 - beta) a b (2 (1 + beta) - eta a))
//   NSHB: V = (1 + beta) eta s^2 / (a b (2 (1 + beta) - eta (1 - beta) a))
#include <cmath>
#include <complex>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/experiment_cache.hpp"
#include "analysis/trend.hpp"

namespace sgds {
namespace {

struct MomentumCase {
  const char* kind;  // "shb" | "nshb"
  double a, eta, beta, b, s;
};

// eta a from 0.05 to 1.5 and beta from 0.5 to 0.9, so the (2(1+beta) - ...) factor matters.
constexpr MomentumCase kCases[] = {{"shb", 1.0, 0.1, 0.5, 4, 1.0},   {"shb", 2.0, 0.4, 0.9, 16, 2.0},
                                   {"shb", 1.0, 1.5, 0.6, 2, 1.0},   {"nshb", 1.0, 0.5, 0.9, 1, 1.0},
                                   {"nshb", 2.0, 0.75, 0.5, 8, 1.5}, {"nshb", 1.0, 3.0, 0.7, 4, 1.0}};

double shb_variance(const MomentumCase& c) {
  return (1 + c.beta) * c.eta * c.s * c.s / ((1 - c.beta) * c.a * c.b * (2 * (1 + c.beta) - c.eta * c.a));
}
double nshb_variance(const MomentumCase& c) {
  return (1 + c.beta) * c.eta * c.s * c.s / (c.a * c.b * (2 * (1 + c.beta) - c.eta * (1 - c.beta) * c.a));
}

double oracle(const MomentumCase& c, const std::string& mutant) {
  const bool shb = std::string(c.kind) == "shb";
  if (mutant == "swapped_formulas") return shb ? nshb_variance(c) : shb_variance(c);  // SHB formula for NSHB & v.v.
  if (mutant == "plain_sgd_formula")  // momentum ignored: eta s^2 / (b a (2 - eta a)) with the effective step
    return (shb ? c.eta : c.eta * (1 - c.beta)) * c.s * c.s /
           (c.b * c.a * (2 - (shb ? c.eta : c.eta * (1 - c.beta)) * c.a));
  double v = shb ? shb_variance(c) : nshb_variance(c);
  if (mutant == "no_batch_factor") v *= c.b;
  return v;
}

// Spectral radius of the deterministic recursion x_{t+1} = (1 + beta - w eta a) x_t - beta x_{t-1}.
double spectral_radius(const MomentumCase& c) {
  const double w = std::string(c.kind) == "shb" ? 1.0 : 1.0 - c.beta;
  const double p = 1 + c.beta - w * c.eta * c.a;
  const std::complex<double> root = std::sqrt(std::complex<double>(p * p - 4 * c.beta));
  return std::max(std::abs((p + root) / 2.0), std::abs((p - root) / 2.0));
}

CheckResult run_momentum_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "momentum_stationary_variance";
  result.claim = "SHB and NSHB on a x^2/2 with noise s^2/b reach the exact stationary variances of oracle 4";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.decision_rule = fmt::format(
      "PASS iff for every (optimizer, a, eta, beta, b, s) case, on every engine path (lane, per-trajectory, float32, "
      "CUDA where a GPU is present), |mean of x_i^2 at the last two checkpoints - V| <= {} SE (SE from independent "
      "trajectories; start x = v = 0 and enough steps that the transient is below 1e-8 V)",
      result.z_threshold);
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 8192 : 131072;
  const int dim = 4;
  for (const std::string& path : engine_paths())
    for (std::size_t k = 0; k < std::size(kCases); ++k) {
      const MomentumCase& c = kCases[k];
      const double r = spectral_radius(c);
      const auto steps = static_cast<std::int64_t>(std::ceil(std::log(1e-8) / (2.0 * std::log(r)))) + 20;
      const std::string text = fmt::format(R"(
name = "{}_momentum_case{}"
trajectories = {}
steps = {}
problem = {{ name = "quadratic", dim = {}, a = {} }}
noise = {{ kind = "gaussian", scale = {} }}
optimizer = {{ kind = "{}", beta = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = 0.0 }}
record = {{ checkpoints = 3 }}
)",
                                           path, k, trajectories, steps, dim, c.a, c.s, c.kind, c.beta, c.eta, c.b);
      const ExperimentResult& experiment =
          cached_check_experiment_on(path, text, result.name, options.seed + static_cast<std::uint32_t>(k));
      const ObservableSeries& x2 = experiment.observable("x2");
      const double v = oracle(c, options.mutant);
      // The last two checkpoints (half-way and final) are both stationary when steps/2 is; they are
      // correlated, so they are separate comparisons rather than pooled.
      for (std::size_t i = experiment.steps.size() - 2; i < experiment.steps.size(); ++i) {
        if (experiment.steps[i] * 2 < steps - 20) continue;  // not yet stationary
        double mean = 0.0, var_of_mean = 0.0;
        for (int j = 0; j < dim; ++j) {
          mean += x2.mean_at(i, j) / dim;
          var_of_mean += x2.se_at(i, j) * x2.se_at(i, j) / (dim * dim);
        }
        result.comparisons.push_back(Comparison{fmt::format("{}: {} a={} eta={} beta={} b={} s={} t={}", path, c.kind,
                                                            c.a, c.eta, c.beta, c.b, c.s, experiment.steps[i]),
                                                mean, std::sqrt(var_of_mean), v});
      }
      result.experiments.push_back(experiment);
    }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"momentum_stationary_variance",
                                "SHB and NSHB stationary variances on a quadratic (oracle 4, P10)",
                                "derived",
                                {"swapped_formulas", "plain_sgd_formula", "no_batch_factor"},
                                run_momentum_check});

}  // namespace
}  // namespace sgds
