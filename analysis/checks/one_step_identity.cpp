// Check (P2, docs/THEORY.md section 3): one SGD step from x with additive noise omega of variance
// s^2/b per coordinate satisfies E[f(x_1)] = f_hat(x - eta grad f(x)), the smoothing kernel being
// the law of eta omega: Gaussian with per-coordinate std delta = eta s / sqrt(b). On
// f = (a/2)|x|^2 the right side is (a/2)(|y|^2 + d delta^2), y = (1 - eta a) x; the mean step is
// E x_1 = y. Run through the engine for one step from several x.
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/experiment_cache.hpp"
#include "analysis/trend.hpp"

namespace sgds {
namespace {

struct StepCase {
  double a, eta, b, s, x0;
};
constexpr StepCase kCases[] = {{1.0, 0.1, 1, 1.0, 2.0}, {2.0, 0.3, 16, 2.0, 1.0}, {0.5, 1.0, 4, 1.0, -3.0},
                               {4.0, 0.2, 64, 3.0, 0.5}};
constexpr int kDim = 3;

// delta as the theory states it (eta C / sqrt b, C = s), or the mutants' versions.
double claimed_delta(const StepCase& c, const std::string& mutant) {
  if (mutant == "delta_eta_c_over_b") return c.eta * c.s / c.b;
  if (mutant == "delta_c_over_sqrt_b") return c.s / std::sqrt(c.b);  // forgets the eta
  return c.eta * c.s / std::sqrt(c.b);
}

CheckResult run_one_step_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "one_step_identity";
  result.claim = "E f(x_1) = f_hat_delta(x - eta grad f(x)) with delta = eta C / sqrt(b) (P2, additive noise)";
  result.provenance = "paper";
  result.z_threshold = 4.5;
  result.decision_rule = fmt::format(
      "PASS iff for every (a, eta, b, s, x0) case, on every engine path (lane, per-trajectory, float32, CUDA where a "
      "GPU is present), both |mean f(x_1) - f_hat_delta(y)| and, per coordinate, |mean x_1 - y| are <= {} SE "
      "(independent trajectories), y = x0 - eta grad f(x0)",
      result.z_threshold);
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 16384 : 262144;
  for (const std::string& path : engine_paths())
  for (std::size_t k = 0; k < std::size(kCases); ++k) {
    const StepCase& c = kCases[k];
    const std::string text = fmt::format(R"(
name = "{}_one_step_case{}"
trajectories = {}
steps = 1
problem = {{ name = "quadratic", dim = {}, a = {} }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = {} }}
record = {{ checkpoints = 2 }}
)",
                                         path, k, trajectories, kDim, c.a, c.s, c.eta, c.b, c.x0);
    const ExperimentResult& experiment =
        cached_check_experiment_on(path, text, result.name, options.seed + static_cast<std::uint32_t>(k));
    const std::size_t last = experiment.steps.size() - 1;
    const double y = (1.0 - c.eta * c.a) * c.x0;
    const double delta = claimed_delta(c, options.mutant);
    const double f_hat = 0.5 * c.a * kDim * (y * y + delta * delta);
    const ObservableSeries& f = experiment.observable("f");
    const std::string where = fmt::format("{}: a={} eta={} b={} s={} x0={}", path, c.a, c.eta, c.b, c.s, c.x0);
    result.comparisons.push_back({where + " E f(x_1)", f.mean_at(last), f.se_at(last), f_hat});
    const ObservableSeries& x = experiment.observable("x");
    for (int j = 0; j < kDim; ++j)
      result.comparisons.push_back({fmt::format("{} E x_1[{}]", where, j), x.mean_at(last, j), x.se_at(last, j), y});
    result.experiments.push_back(experiment);
  }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"one_step_identity",
                                "One SGD step is in expectation one GD step on f_hat, delta = eta C/sqrt(b) (P2)",
                                "paper",
                                {"delta_eta_c_over_b", "delta_c_over_sqrt_b"},
                                run_one_step_check});

}  // namespace
}  // namespace sgds
