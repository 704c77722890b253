// Check: the engine's standard errors are calibrated. Many independent experiments (each its own
// seed) estimate E x_j of SGD on a quadratic, whose exact value is known (oracle 2); each gives
// z = (estimate - exact) / SE per coordinate, and the sum of the z^2 is chi-square with as many
// degrees of freedom when the SEs are right and the trajectories independent. (x_j is Gaussian,
// so z is Student's t with N - 1 degrees of freedom: E z^2 = 1 + 2/(N - 3). E x_j^2 would not do:
// its skew makes the t statistic of a few hundred trajectories run about 5-10 % wide.) An SE too small by
// sqrt 2 (say, two trajectories sharing one random stream, or a wrong SE formula) doubles it;
// a single comparison's |z| <= 4.5 cannot see that, the pooled sum sees it at once.
#include <cmath>

#include <boost/math/distributions/chi_squared.hpp>
#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/experiment_cache.hpp"
#include "analysis/trend.hpp"

namespace sgds {
namespace {

CheckResult run_calibration_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "se_calibration";
  result.claim = "Engine SEs are calibrated: the pooled z^2 of independent exact comparisons is chi-square";
  result.provenance = "derived";
  result.mutant = options.mutant;
  const int experiments = options.quick ? 150 : 500;
  const int dim = 2, trajectories = 256;
  const double a = 1.0, eta = 0.3, scale = 1.2, batch = 2.0, x0 = 1.0;
  const std::int64_t steps = 6;
  result.decision_rule = fmt::format(
      "{} experiments of {} trajectories (each its own seed, drawn from the base seed): SGD on (a/2)|x|^2, a = {}, eta "
      "= {}, Gaussian noise "
      "C = {}, b = {}, x0 = {}, {} steps; z = (mean x_j - exact) / SE for both coordinates (independent). PASS iff "
      "sum z^2 lies inside the central 99.9 % of chi-square({}); the table shows mean z^2 against 1",
      experiments, trajectories, a, eta, scale, batch, x0, steps, experiments * dim);
  // E x_t = rho^t x0, rho = 1 - eta a (the noise has mean 0).
  const double exact = std::pow(1.0 - eta * a, static_cast<double>(steps)) * x0;
  const std::string text = fmt::format(R"(
name = "calibration"
trajectories = {}
steps = {}
problem = {{ name = "quadratic", dim = {}, a = {} }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = {} }}
record = {{ checkpoints = 2 }}
)",
                                       trajectories, steps, dim, a, scale, eta, batch, x0);
  double sum = 0.0;
  int count = 0;
  for (int k = 0; k < experiments; ++k) {
    // Seeds far apart for every base seed: two runs of the check share no experiment.
    const std::uint32_t seed = philox_block(options.seed, static_cast<std::uint32_t>(k), 0, 0, check_purpose(7)).v[0];
    const ExperimentResult& e = cached_check_experiment(text, result.name, seed);
    const ObservableSeries& x = e.observable("x");
    const std::size_t last = e.steps.size() - 1;
    for (int j = 0; j < dim; ++j) {
      double se = x.se_at(last, j);
      if (options.mutant == "se_too_small") se /= std::sqrt(2.0);  // what shared streams would report
      if (options.mutant == "se_too_large") se *= std::sqrt(2.0);  // an over-cautious formula
      const double z = (x.mean_at(last, j) - exact) / se;
      sum += z * z;
      ++count;
    }
  }
  const boost::math::chi_squared law(count);
  const double low = boost::math::quantile(law, 0.0005), high = boost::math::quantile(law, 0.9995);
  const double mean = sum / count;
  result.z_threshold = 1.0;
  // One row: mean z^2 against 1, the SE chosen so that the 99.9 % range is +- 1 SE on the side faced.
  const double half = mean >= 1.0 ? (high - count) / count : (count - low) / count;
  result.comparisons.push_back(
      Comparison{fmt::format("mean z^2 over {} independent comparisons (99.9 % range [{:.4f}, {:.4f}])", count,
                             low / count, high / count),
                 mean, half, 1.0, Evidence::deterministic});
  result.verdict = sum >= low && sum <= high ? Verdict::pass : Verdict::fail;
  return result;
}

const RegisterCheck registered(
    {"se_calibration",
     "Engine SEs are calibrated: the pooled z^2 of independent exact comparisons is chi-square",
     "derived",
     {"se_too_small", "se_too_large"},
     run_calibration_check});

}  // namespace
}  // namespace sgds
