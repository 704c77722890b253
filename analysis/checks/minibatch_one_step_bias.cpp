// Check (P2, second half; docs/THEORY.md sections 1 and 3, [open]): under the real, state-dependent
// mini-batch noise of the teacher-student finite sum, how far is one SGD step's expected loss
// E f(x_1) from the paper's model, GD on f_hat_delta with isotropic Gaussian u and
// delta = eta C / sqrt(b), C = sqrt(s^2(x0)/d) (per-coordinate convention)? The smoothing gain
// the model predicts is f_hat_delta(y) - f(y), y = x0 - eta grad f(x0); the engine measures
// E f(x_1) - f(y). Effect: relative bias = (E f(x_1) - f_hat_delta(y)) / (f_hat_delta(y) - f(y)).
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"
#include "sim/finite_sums.hpp"

namespace sgds {
namespace {

constexpr double kMargin = 0.25;  // the model "holds" if it predicts the gain within 25 %

CheckResult run_bias_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "minibatch_one_step_bias";
  result.claim = "Real mini-batch noise: one step's expected loss gain vs the isotropic Gaussian f_hat model (P2)";
  result.provenance = "open";
  result.z_threshold = kTrendZ;
  result.decision_rule = fmt::format(
      "Per (eta, b): relative bias r = (E f(x_1) - f_hat_delta(y)) / (f_hat_delta(y) - f(y)) with a 95 % normal CI "
      "(SEs of the engine mean and of the Monte Carlo f_hat, combined). SUPPORTED if every CI lies inside "
      "[-{0}, {0}] (the model predicts the gain within {1:.0f} %), CONTRADICTED if some CI lies entirely outside it, "
      "else INCONCLUSIVE. Mutant no_smoothing predicts no gain (delta = 0, plain GD): FAIL when the data exclude it.",
      kMargin, 100 * kMargin);
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 16384 : 131072;
  const std::int64_t samples = options.quick ? 16384 : 131072;
  const int n = 256;
  const TeacherStudentSum problem = TeacherStudentSum::make(4, 3, n, 1.0, 0.1, 31);
  const auto d = static_cast<std::size_t>(problem.dim);
  const double x0 = 0.3;
  const std::vector<double> x(d, x0);
  std::vector<double> g(d);
  problem.gradient(x.data(), g.data());
  const double c = std::sqrt(problem.sample_variance(x.data()) / static_cast<double>(d));
  std::vector<Verdict> verdicts;
  std::uint32_t k = 0;
  for (const auto& [eta, b] : {std::pair{0.5, 1.0}, std::pair{0.5, 8.0}, std::pair{1.0, 4.0}, std::pair{2.0, 16.0}}) {
    const std::string text = fmt::format(R"(
name = "bias_case{}"
trajectories = {}
steps = 1
problem = {{ name = "teacher_student", inputs = 4, hidden = 3, samples = {}, teacher_scale = 1.0, label_noise = 0.1, data_seed = 31 }}
noise = {{ kind = "minibatch", sampling = "with_replacement" }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = {} }}
record = {{ checkpoints = 2 }}
)",
                                         k, trajectories, n, eta, b, x0);
    ExperimentResult experiment = run_experiment_text(text, result.name, options.seed + k);
    const ObservableSeries& f = experiment.observable("f");
    const std::size_t last = experiment.steps.size() - 1;
    std::vector<double> y(d), shifted(d);
    for (std::size_t i = 0; i < d; ++i) y[i] = x[i] - eta * g[i];
    const double fy = problem.value(y.data());
    const double delta = eta * c / std::sqrt(b);
    double sum = 0.0, sum_sq = 0.0;
    for (std::int64_t s = 0; s < samples; ++s) {
      RandomStream rng(options.seed, static_cast<std::uint32_t>(s), k, check_purpose(5));
      for (std::size_t i = 0; i < d; ++i) shifted[i] = y[i] - delta * rng.normal();
      const double v = problem.value(shifted.data()) - fy;
      sum += v, sum_sq += v * v;
    }
    ++k;
    const double ns = static_cast<double>(samples);
    const double gain_model = sum / ns;
    const double gain_model_se = std::sqrt(std::max(sum_sq / ns - gain_model * gain_model, 0.0) / (ns - 1));
    const double gain_measured = f.mean_at(last) - fy;
    // Relative to the model's gain; the mutant predicts no gain at all (delta = 0).
    const double predicted = options.mutant == "no_smoothing" ? 0.0 : gain_model;
    const double r = (gain_measured - predicted) / gain_model;
    const double r_se = std::hypot(f.se_at(last), gain_model_se) / std::fabs(gain_model);
    const Interval ci{r - kTrendZ * r_se, r + kTrendZ * r_se};
    result.comparisons.push_back(trend_comparison(
        fmt::format("eta={} b={} delta={:.4g}: gain measured {:.5g}, model {:.5g}; relative bias CI [{:.3f}, {:.3f}]",
                    eta, b, delta, gain_measured, gain_model, ci.low, ci.high),
        r, ci));
    // Equivalence rule: inside [-m, m] supported; entirely outside contradicted.
    if (ci.low >= -kMargin && ci.high <= kMargin) verdicts.push_back(Verdict::supported);
    else if (ci.low > kMargin || ci.high < -kMargin)
      verdicts.push_back(options.mutant.empty() ? Verdict::contradicted : Verdict::fail);
    else verdicts.push_back(Verdict::inconclusive);
    result.experiments.push_back(std::move(experiment));
  }
  decide_trend_rows(result, verdicts);
  return result;
}

const RegisterCheck registered({"minibatch_one_step_bias",
                                "One-step loss gain under real mini-batch noise vs the Gaussian f_hat model (P2)",
                                "open",
                                {"no_smoothing"},
                                run_bias_check});

}  // namespace
}  // namespace sgds
