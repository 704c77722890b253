// Check (P2, docs/THEORY.md section 3): one SGD step from x with additive noise omega of variance
// s^2/b per coordinate satisfies E[f(x_1)] = f_hat(x - eta grad f(x)), the smoothing kernel being
// the law of eta omega: Gaussian with per-coordinate std delta = eta s / sqrt(b). On
// f = (a/2)|x|^2 the right side is (a/2)(|y|^2 + d delta^2), y = (1 - eta a) x; the mean step is
// E x_1 = y. Run through the engine for one step from several x.
//
// Pointed at the user's function (--problem) the identity has no closed form: f_hat_delta(y) is
// estimated by independent Monte Carlo E f(y - delta u), u ~ N(0, I), and its SE joins the
// engine's in each z.
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/check_problem.hpp"
#include "analysis/experiment_cache.hpp"
#include "analysis/trend.hpp"
#include "theory/kernels.hpp"
#include "theory/smoothing.hpp"

namespace sgds {
namespace {

struct StepCase {
  double a, eta, b, s, x0;
};
constexpr StepCase kCases[] = {
    {1.0, 0.1, 1, 1.0, 2.0}, {2.0, 0.3, 16, 2.0, 1.0}, {0.5, 1.0, 4, 1.0, -3.0}, {4.0, 0.2, 64, 3.0, 0.5}};
constexpr int kDim = 3;
// On the user's function: (eta, b, s) with delta = 0.03, 0.1, 0.2, from two points of its box.
constexpr StepCase kProblemCases[] = {{0.0, 0.01, 1, 3.0, 0.0}, {0.0, 0.05, 4, 4.0, 0.0}, {0.0, 0.1, 16, 8.0, 0.0}};
constexpr int kProblemPoints = 2;

// delta as the theory states it (eta C / sqrt b, C = s), or the mutants' versions.
double claimed_delta(const StepCase& c, const std::string& mutant) {
  if (mutant == "delta_eta_c_over_b") return c.eta * c.s / c.b;
  if (mutant == "delta_c_over_sqrt_b") return c.s / std::sqrt(c.b);  // forgets the eta
  return c.eta * c.s / std::sqrt(c.b);
}

CheckResult run_on_problem(const CheckOptions& options, CheckResult result);

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
  if (!options.problem.empty()) return run_on_problem(options, std::move(result));
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

// The user's function: every (eta, b, s) case from each point, on the CPU engine's paths (and the
// GPU's where present, for catalogue functions; formulas run on the CPU only).
CheckResult run_on_problem(const CheckOptions& options, CheckResult result) {
  const CheckProblem problem = parse_check_problem(options.problem);
  const std::int64_t trajectories = options.quick ? 16384 : 262144;
  const int oracle_samples = options.quick ? 65536 : 1048576;
  std::vector<std::string> paths{"lane", "general"};
  if (!problem.expression && cuda_engine_available()) paths.push_back("cuda");
  result.decision_rule = fmt::format(
      "On {}: from {} points drawn in the central half of its box, (eta, b, s) in {{(0.01, 1, 3), (0.05, 4, 4), "
      "(0.1, 16, 8)}}, one step with Gaussian noise of std s/sqrt(b), {} trajectories, on the paths {}. PASS iff "
      "|mean f(x_1) - f_hat_delta(y)| <= {} SE, f_hat_delta(y) = E f(y - delta u) by {} independent draws (its SE "
      "combined with the engine's), and per coordinate |mean x_1 - y| <= {} SE, y = x - eta grad f(x)",
      problem.label, kProblemPoints, trajectories, fmt::join(paths, ", "), result.z_threshold, oracle_samples,
      result.z_threshold);
  const KernelSpec gaussian = make_kernel("gaussian");
  const std::vector<std::vector<double>> points = check_problem_points(problem, kProblemPoints);
  std::uint32_t index = 0;
  for (const std::string& path : paths)
    for (std::size_t p = 0; p < points.size(); ++p)
      for (const StepCase& c : kProblemCases) {
        ++index;
        const std::vector<double>& x0 = points[p];
        const std::string text =
            fmt::format(R"(
name = "{}_one_step_problem{}"
trajectories = {}
steps = 1
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = [{}] }}
record = {{ checkpoints = 2 }}
problem = {}
)",
                        path, index, trajectories, c.s, c.eta, c.b, fmt::join(x0, ", "), problem.table_text);
        const ExperimentResult& experiment =
            cached_check_experiment_on(path, text, result.name, options.seed + 1000u + index);
        const std::size_t last = experiment.steps.size() - 1;
        std::vector<double> y(x0.size()), g(x0.size());
        std::visit([&](const auto& f) { f.gradient(x0.data(), g.data()); }, problem.function);
        for (std::size_t j = 0; j < y.size(); ++j) y[j] = x0[j] - c.eta * g[j];
        const double delta = claimed_delta(c, options.mutant);
        const ScalarEstimate f_hat = std::visit(
            [&](const auto& f) {
              return smoothed_value_mc(f, gaussian, delta, y.data(), oracle_samples, options.seed + 5000u + index);
            },
            problem.function);
        const ObservableSeries& f = experiment.observable("f");
        const std::string where =
            fmt::format("{}: point {} eta={} b={} s={} (delta={:g})", path, p + 1, c.eta, c.b, c.s, delta);
        const double se = std::sqrt(f.se_at(last) * f.se_at(last) + f_hat.se * f_hat.se);
        result.comparisons.push_back({where + " E f(x_1) vs Monte Carlo f_hat(y)", f.mean_at(last), se, f_hat.mean});
        const ObservableSeries& x = experiment.observable("x");
        for (std::size_t j = 0; j < y.size(); ++j)
          result.comparisons.push_back({fmt::format("{} E x_1[{}]", where, j), x.mean_at(last, static_cast<int>(j)),
                                        x.se_at(last, static_cast<int>(j)), y[j]});
        result.experiments.push_back(experiment);
      }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"one_step_identity",
                                "One SGD step is in expectation one GD step on f_hat, delta = eta C/sqrt(b) (P2)",
                                "paper",
                                {"delta_eta_c_over_b", "delta_c_over_sqrt_b"},
                                run_one_step_check,
                                true});

}  // namespace
}  // namespace sgds
