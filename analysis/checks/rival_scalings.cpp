// Check (P4, docs/THEORY.md section 3): do outcomes collapse on eta/sqrt(b) (the paper's delta) or on
// eta/b (Smith et al.'s temperature)? On f = a x^2/2 with additive noise of variance s^2/b, run a
// grid of (eta, b) through the engine and measure two outcomes separately:
//   the stationary spread E x^2 (theory: eta s^2 / (b a (2 - eta a)), i.e. ~ eta/b), and
//   the one-step displacement E (x_1 - (x_0 - eta grad f))^2 from x_0 = 0 (theory: eta^2 s^2 / b,
//   i.e. a function of eta/sqrt(b) alone).
// For each outcome, fit log(outcome) on log(eta/b) and on log(eta/sqrt b); the effect is the
// difference of the two R^2, with a pairs-bootstrap CI over the grid points.
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"

namespace sgds {
namespace {

constexpr double kEtas[] = {0.05, 0.1, 0.2, 0.4};
constexpr double kBatches[] = {1, 4, 16, 64};
constexpr double kA = 2.0, kS = 1.0;

double pooled_mean(const ExperimentResult& r, std::size_t checkpoint) {
  const ObservableSeries& x2 = r.observable("x2");
  double mean = 0.0;
  for (int j = 0; j < x2.width; ++j) mean += x2.mean_at(checkpoint, j) / x2.width;
  return mean;
}

// R^2(log y on log(eta/b)) - R^2(log y on log(eta/sqrt b)) over the grid points in `rows`.
double r2_difference(const std::vector<double>& rows, const std::vector<double>& log_eta,
                     const std::vector<double>& log_b, const std::vector<double>& log_y) {
  std::vector<double> smith, paper, y;
  for (double r : rows) {
    const auto i = static_cast<std::size_t>(r);
    smith.push_back(log_eta[i] - log_b[i]);
    paper.push_back(log_eta[i] - 0.5 * log_b[i]);
    y.push_back(log_y[i]);
  }
  return fit_line(smith, y).r_squared - fit_line(paper, y).r_squared;
}

CheckResult run_rival_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "rival_scalings";
  result.claim = "Stationary spread collapses on eta/b, one-step displacement on eta/sqrt(b) (P4)";
  result.provenance = "derived";
  result.z_threshold = kTrendZ;
  result.decision_rule =
      "Per outcome, effect = R^2(log outcome ~ log(eta/b)) - R^2(log outcome ~ log(eta/sqrt b)) over a 4x4 grid "
      "eta in {0.05..0.4} x b in {1..64}; 95% pairs-bootstrap CI over grid points (2000 replicates). Predicted: "
      "effect > 0 for the spread, < 0 for the displacement. SUPPORTED if both CIs exclude 0 as predicted, "
      "CONTRADICTED if one excludes 0 the other way, else INCONCLUSIVE. Mutants flip one prediction and FAIL when "
      "its CI excludes 0 against them.";
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 2048 : 16384;
  std::vector<double> log_eta, log_b, log_spread, log_displacement, rows;
  std::uint32_t k = 0;
  for (double eta : kEtas) {
    for (double b : kBatches) {
      const double rate = -2.0 * std::log(std::fabs(1.0 - eta * kA));
      const auto steps = static_cast<std::int64_t>(std::ceil(std::log(1e6) / rate)) + 10;
      const std::string text = fmt::format(R"(
name = "rival_eta{}_b{}"
trajectories = {}
steps = {}
problem = {{ name = "quadratic", dim = 4, a = {} }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = 0.0 }}
record = {{ checkpoints = 2 }}
)",
                                           eta, b, trajectories, steps, kA, kS, eta, b);
      ExperimentResult stationary = run_experiment_text(text, result.name, options.seed + k++);
      // From x0 = 0 the gradient step is 0, so x_1 is the displacement itself.
      const std::string one_step = fmt::format(R"(
name = "rival_step_eta{}_b{}"
trajectories = {}
steps = 1
problem = {{ name = "quadratic", dim = 4, a = {} }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = 0.0 }}
record = {{ checkpoints = 2 }}
)",
                                               eta, b, trajectories, kA, kS, eta, b);
      ExperimentResult step = run_experiment_text(one_step, result.name, options.seed + k++);
      rows.push_back(static_cast<double>(rows.size()));
      log_eta.push_back(std::log(eta));
      log_b.push_back(std::log(b));
      log_spread.push_back(std::log(pooled_mean(stationary, stationary.steps.size() - 1)));
      log_displacement.push_back(std::log(pooled_mean(step, step.steps.size() - 1)));
      result.experiments.push_back(std::move(stationary));
      result.experiments.push_back(std::move(step));
    }
  }
  // Mutants: the paper's scaling claimed for the spread, Smith's for the displacement.
  const int spread_sign = options.mutant == "paper_scaling_for_spread" ? -1 : +1;
  const int displacement_sign = options.mutant == "smith_scaling_for_displacement" ? +1 : -1;
  const bool is_mutant = !options.mutant.empty();
  std::vector<Verdict> verdicts;
  const struct {
    const char* what;
    const std::vector<double>* log_y;
    int sign;
  } outcomes[] = {{"stationary spread", &log_spread, spread_sign},
                  {"one-step displacement", &log_displacement, displacement_sign}};
  std::uint32_t seed_offset = 0;
  for (const auto& o : outcomes) {
    const auto statistic = [&](const std::vector<double>& sample) {
      return r2_difference(sample, log_eta, log_b, *o.log_y);
    };
    const double effect = statistic(rows);
    const Interval ci = bootstrap(rows, statistic, 0.95, 2000, options.seed + 7919u * ++seed_offset);
    std::vector<double> smith, paper;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      smith.push_back(log_eta[i] - log_b[i]);
      paper.push_back(log_eta[i] - 0.5 * log_b[i]);
    }
    result.comparisons.push_back(trend_comparison(
        fmt::format("{}: R^2(eta/b) - R^2(eta/sqrt b) in [{:.4f}, {:.4f}]; R^2 eta/b = {:.4f}, eta/sqrt b = {:.4f}",
                    o.what, ci.low, ci.high, fit_line(smith, *o.log_y).r_squared, fit_line(paper, *o.log_y).r_squared),
        effect, ci));
    verdicts.push_back(decide_trend(ci, o.sign, is_mutant));
  }
  decide_trend_rows(result, verdicts);
  return result;
}

const RegisterCheck registered({"rival_scalings",
                                "Spread collapses on eta/b, one-step displacement on eta/sqrt(b) (P4)",
                                "derived",
                                {"paper_scaling_for_spread", "smith_scaling_for_displacement"},
                                run_rival_check});

}  // namespace
}  // namespace sgds
