// Check (docs/THEORY.md section 5, oracle 3): SGD on a quadratic with state-independent gradient noise
// of covariance Sigma / b reaches the stationary covariance P solving the discrete Lyapunov
// equation P = A P A' + eta^2 Sigma / b, A = I - eta H. The problem is the engine's
// quadratic_centres finite sum f_i = (a/2)|x - c_i|^2 (H = a I) with real mini-batch noise:
// Sigma = a^2 Cov(c) (1/n normalised, with its off-diagonal terms), times (n - b)/(n - 1)
// without replacement. Every entry of P, off-diagonal included, is compared.
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"
#include "sim/finite_sums.hpp"

namespace sgds {
namespace {

constexpr int kDim = 3;
using Matrix = std::array<std::array<double, kDim>, kDim>;

// Fixed-point iteration of P = A P A' + Q for A = rho I (converges for |rho| < 1).
Matrix solve_lyapunov(double rho, const Matrix& q, const std::string& mutant) {
  Matrix p{};
  for (int iteration = 0; iteration < 5000; ++iteration)
    for (int i = 0; i < kDim; ++i)
      for (int j = 0; j < kDim; ++j) p[i][j] = rho * p[i][j] * rho + q[i][j];
  if (mutant == "diagonal_sigma")
    for (int i = 0; i < kDim; ++i)
      for (int j = 0; j < kDim; ++j)
        if (i != j) p[i][j] = 0.0;
  return p;
}

struct CovarianceCase {
  double a, eta, b;
  const char* sampling;
};
constexpr CovarianceCase kCases[] = {{1.0, 0.3, 4, "with_replacement"}, {2.0, 0.6, 16, "without_replacement"}};

CheckResult run_lyapunov_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "lyapunov_covariance";
  result.claim = "Stationary covariance of SGD on a quadratic solves P = A P A' + eta^2 Sigma/b (oracle 3)";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.decision_rule = fmt::format(
      "PASS iff every entry (i <= j) of the sample covariance of the final iterates over independent trajectories "
      "is within {} SE of the Lyapunov solution (SE of the mean of the centred products)",
      result.z_threshold);
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 8192 : 65536;
  const int n = 64;
  std::uint32_t k = 0;
  for (const CovarianceCase& c : kCases) {
    const QuadraticCentresSum problem = QuadraticCentresSum::make(kDim, n, c.a, 1.0, 21);
    Matrix q{};
    double factor = c.eta * c.eta / c.b;
    if (options.mutant == "no_batch_factor") factor *= c.b;
    if (options.mutant == "eta_not_squared") factor /= c.eta;
    if (std::string(c.sampling) != "with_replacement") factor *= (n - c.b) / (n - 1.0);
    for (int s = 0; s < n; ++s)
      for (int i = 0; i < kDim; ++i)
        for (int j = 0; j < kDim; ++j)
          q[i][j] += factor * c.a * c.a * (problem.centre(s)[i] - problem.centre_mean[i]) *
                     (problem.centre(s)[j] - problem.centre_mean[j]) / n;
    const double rho = 1.0 - c.eta * c.a;
    const Matrix p = solve_lyapunov(rho, q, options.mutant);
    const auto steps = static_cast<std::int64_t>(std::ceil(std::log(1e-8) / (2.0 * std::log(std::fabs(rho))))) + 10;
    const std::string text = fmt::format(R"(
name = "lyapunov_case{}"
trajectories = {}
steps = {}
problem = {{ name = "quadratic_centres", dim = {}, a = {}, samples = {}, spread = 1.0, data_seed = 21 }}
noise = {{ kind = "minibatch", sampling = "{}" }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = 0.0 }}
record = {{ checkpoints = 2, per_trajectory = true }}
)",
                                         k, trajectories, steps, kDim, c.a, n, c.sampling, c.eta, c.b);
    ExperimentResult experiment = run_experiment_text(text, result.name, options.seed + k++);
    const auto count = static_cast<std::size_t>(experiment.trajectories);
    std::array<double, kDim> mean{};
    for (std::size_t t = 0; t < count; ++t)
      for (int i = 0; i < kDim; ++i) mean[i] += experiment.final_x[t * kDim + i] / static_cast<double>(count);
    for (int i = 0; i < kDim; ++i) {
      for (int j = i; j < kDim; ++j) {
        double sum = 0.0, sum_sq = 0.0;
        for (std::size_t t = 0; t < count; ++t) {
          const double y = (experiment.final_x[t * kDim + i] - mean[i]) * (experiment.final_x[t * kDim + j] - mean[j]);
          sum += y, sum_sq += y * y;
        }
        const double m = sum / static_cast<double>(count);
        const double se =
            std::sqrt(std::max(sum_sq / static_cast<double>(count) - m * m, 0.0) / static_cast<double>(count - 1));
        result.comparisons.push_back({fmt::format("a={} eta={} b={} {} P[{}][{}]", c.a, c.eta, c.b, c.sampling, i, j),
                                      m * static_cast<double>(count) / static_cast<double>(count - 1), se, p[i][j]});
      }
    }
    result.experiments.push_back(std::move(experiment));
  }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"lyapunov_covariance",
                                "Multivariate stationary covariance solves the Lyapunov equation (oracle 3)",
                                "derived",
                                {"no_batch_factor", "eta_not_squared", "diagonal_sigma"},
                                run_lyapunov_check});

}  // namespace
}  // namespace sgds
