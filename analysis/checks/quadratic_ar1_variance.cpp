// Check: SGD on f(x) = a x^2 / 2 with additive Gaussian gradient noise of variance s^2 / b is an
// AR(1) process with E x_t^2 = V (1 - rho^{2t}) + rho^{2t} x0^2, V = eta s^2 / (b a (2 - eta a)),
// rho = 1 - eta a (docs/THEORY.md section 5, oracle 2). The tracer: it runs the engine end to end.
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/experiment_cache.hpp"
#include "analysis/trend.hpp"
#include "sim/experiment.hpp"
#include "theory/quadratic_oracles.hpp"

namespace sgds {
namespace {

struct Ar1Case {
  double a, eta, b, s;
};

// Spans small and large eta*a (0.1 .. 1.8, i.e. rho from 0.9 to -0.8) and b from 1 to 32.
constexpr Ar1Case kCases[] = {{1.0, 0.1, 1, 1.0}, {2.0, 0.25, 8, 1.5}, {0.5, 1.5, 32, 2.0}, {4.0, 0.45, 4, 1.0}};

// The oracle as the theory states it, or one of the deliberately broken versions.
double second_moment_oracle(const Ar1Case& c, double x0, std::int64_t t, const std::string& mutant) {
  const double rho = ar1_rho(c.a, c.eta);
  double v = quadratic_sgd_stationary_variance(c.a, c.eta, c.s, c.b);
  double decay = std::pow(rho, 2.0 * static_cast<double>(t));
  if (mutant == "no_batch_factor") v *= c.b;                                    // forgets the 1/b
  if (mutant == "no_stability_factor") v *= (2.0 - c.eta * c.a) / 2.0;          // (2 - eta a) -> 2, the small-eta limit
  if (mutant == "linear_decay") decay = std::pow(rho, static_cast<double>(t));  // rho^t for rho^{2t}
  return v * (1.0 - decay) + decay * x0 * x0;
}

CheckResult run_ar1_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "quadratic_ar1_variance";
  result.claim = "SGD on a x^2/2 with noise variance s^2/b: Var x_t = V (1 - rho^2t), V = eta s^2 / (b a (2 - eta a))";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.decision_rule = fmt::format(
      "PASS iff at every checkpoint of every (a, eta, b, s) case, on every engine path (lane, per-trajectory, float32, "
      "CUDA where a GPU is present), |mean of x_i^2 - oracle| <= {} SE (SE from the trajectories; coordinates and "
      "trajectories are independent)",
      result.z_threshold);
  result.mutant = options.mutant;

  const std::int64_t trajectories = options.quick ? 4096 : 65536;
  const int dim = 4;
  const double x0 = 1.0;
  for (const std::string& path : engine_paths()) {
    for (std::size_t k = 0; k < std::size(kCases); ++k) {
      const Ar1Case& c = kCases[k];
      // Enough steps to reach stationarity: rho^{2T} < 1e-6.
      const double rate = -2.0 * std::log(std::fabs(ar1_rho(c.a, c.eta)));
      const std::int64_t steps = std::max<std::int64_t>(20, static_cast<std::int64_t>(std::ceil(std::log(1e6) / rate)));
      const std::string text = fmt::format(R"(
name = "{}_ar1_case{}"
trajectories = {}
steps = {}
problem = {{ name = "quadratic", dim = {}, a = {} }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = {} }}
record = {{ checkpoints = 12 }}
)",
                                           path, k, trajectories, steps, dim, c.a, c.s, c.eta, c.b, x0);
      const ExperimentResult& experiment =
          cached_check_experiment_on(path, text, result.name, options.seed + static_cast<std::uint32_t>(k));

      const ObservableSeries& x2 = experiment.observable("x2");
      for (std::size_t i = 0; i < experiment.steps.size(); ++i) {
        const std::int64_t t = experiment.steps[i];
        if (t == 0) continue;  // deterministic start, SE 0
        // Pool the d independent coordinates: mean of means, SE = sqrt(sum se^2) / d.
        double mean = 0.0, variance_of_mean = 0.0;
        for (int j = 0; j < dim; ++j) {
          mean += x2.mean_at(i, j) / dim;
          variance_of_mean += x2.se_at(i, j) * x2.se_at(i, j) / (dim * dim);
        }
        result.comparisons.push_back(
            Comparison{fmt::format("{}: a={} eta={} b={} s={} t={}", path, c.a, c.eta, c.b, c.s, t), mean,
                       std::sqrt(variance_of_mean), second_moment_oracle(c, x0, t, options.mutant)});
      }
      result.experiments.push_back(experiment);
    }
  }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"quadratic_ar1_variance",
                                "SGD on a quadratic with additive noise is AR(1) with the exact variance V(1 - rho^2t)",
                                "derived",
                                {"no_batch_factor", "no_stability_factor", "linear_decay"},
                                run_ar1_check});

}  // namespace
}  // namespace sgds
