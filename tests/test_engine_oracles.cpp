// The CPU engine against the exact quadratic oracles of docs/THEORY.md section 5: plain SGD (AR(1)),
// heavy ball and NSHB stationary variances, and the multivariate Lyapunov equation
// P = A P A' + eta^2 Sigma / b. Each holds within z = 4.5 SE, and a broken formula is rejected.
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "sim/experiment.hpp"
#include "theory/quadratic_oracles.hpp"

using namespace sgds;

namespace {

constexpr double kZ = 4.5;

ExperimentResult run_text(const std::string& text, std::uint32_t seed = 5) {
  toml::table table = parse_config_text(text, "test");
  ConfigTable config_table(table, "test");
  const ExperimentConfig config = parse_experiment(config_table);
  return run_experiment(config, seed, true);
}

// Mean of x_i^2 pooled over the d independent coordinates at the last checkpoint, with its SE.
std::pair<double, double> pooled_x2(const ExperimentResult& r, int dim) {
  const ObservableSeries& x2 = r.observable("x2");
  const std::size_t last = r.steps.size() - 1;
  double mean = 0.0, var = 0.0;
  for (int j = 0; j < dim; ++j) {
    mean += x2.mean_at(last, j) / dim;
    var += x2.se_at(last, j) * x2.se_at(last, j) / (dim * dim);
  }
  return {mean, std::sqrt(var)};
}

std::string momentum_config(const std::string& kind, double beta, double eta, double a, double s, int b, int steps) {
  return fmt::format(R"(
name = "m"
trajectories = 32768
steps = {}
problem = {{ name = "quadratic", dim = 4, a = {} }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
optimizer = {{ kind = "{}", beta = {} }}
init = {{ x0 = 0.0 }}
record = {{ checkpoints = 2 }}
)",
                     steps, a, s, eta, b, kind, beta);
}

}  // namespace

TEST_CASE("plain SGD on a x^2/2 follows the AR(1) second moment at every checkpoint") {
  const double a = 2.0, eta = 0.3, s = 1.2, b = 3, x0 = 1.5;
  const ExperimentResult r = run_text(fmt::format(R"(
name = "ar1"
trajectories = 32768
steps = 30
problem = {{ name = "quadratic", dim = 4, a = {} }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = {} }}
record = {{ checkpoints = 7 }}
)",
                                                  a, s, eta, b, x0));
  const ObservableSeries& x2 = r.observable("x2");
  double worst_true = 0.0, worst_broken = 0.0;
  for (std::size_t k = 1; k < r.steps.size(); ++k) {
    double mean = 0.0, var = 0.0;
    for (int j = 0; j < 4; ++j) {
      mean += x2.mean_at(k, j) / 4;
      var += x2.se_at(k, j) * x2.se_at(k, j) / 16;
    }
    const double se = std::sqrt(var);
    const double truth = quadratic_sgd_second_moment(a, eta, s, b, x0, r.steps[k]);
    const double broken = quadratic_sgd_second_moment(a, eta, s, 1.0, x0, r.steps[k]);  // forgets 1/b
    worst_true = std::max(worst_true, std::fabs(mean - truth) / se);
    worst_broken = std::max(worst_broken, std::fabs(mean - broken) / se);
  }
  CHECK(worst_true < kZ);
  CHECK(worst_broken > kZ);
}

TEST_CASE("heavy ball stationary variance V = (1+beta) eta s^2 / ((1-beta) a b (2(1+beta) - eta a))") {
  const double beta = 0.5, eta = 0.1, a = 1.0, s = 1.0;
  const int b = 2;
  const auto [mean, se] = pooled_x2(run_text(momentum_config("shb", beta, eta, a, s, b, 600)), 4);
  const double truth = (1 + beta) * eta * s * s / ((1 - beta) * a * b * (2 * (1 + beta) - eta * a));
  const double sgd = quadratic_sgd_stationary_variance(a, eta, s, b);  // broken: momentum ignored
  INFO(mean << " +- " << se << " vs " << truth << " (sgd formula " << sgd << ")");
  CHECK(std::fabs(mean - truth) < kZ * se);
  CHECK(std::fabs(mean - sgd) > kZ * se);
}

TEST_CASE("NSHB stationary variance V = (1+beta) eta s^2 / (a b (2(1+beta) - eta (1-beta) a))") {
  const double beta = 0.8, eta = 0.5, a = 1.0, s = 1.0;
  const int b = 4;
  const auto [mean, se] = pooled_x2(run_text(momentum_config("nshb", beta, eta, a, s, b, 800)), 4);
  const double truth = (1 + beta) * eta * s * s / (a * b * (2 * (1 + beta) - eta * (1 - beta) * a));
  const double shb_formula = (1 + beta) * eta * s * s / ((1 - beta) * a * b * (2 * (1 + beta) - eta * a));
  const double sgd = quadratic_sgd_stationary_variance(a, eta, s, b);
  INFO(mean << " +- " << se << " vs " << truth << " (shb " << shb_formula << ", sgd " << sgd << ")");
  CHECK(std::fabs(mean - truth) < kZ * se);
  CHECK(std::fabs(mean - shb_formula) > kZ * se);
  CHECK(std::fabs(mean - sgd) > kZ * se);
}

TEST_CASE("multivariate quadratic: the stationary covariance solves P = A P A' + eta^2 Sigma / b") {
  // H = Q diag(lambda) Q with a Householder Q (theory's rotated quadratic): P is not diagonal.
  const int d = 3;
  const double eta = 0.2, s = 1.0, b = 2.0, a = 1.0, condition = 4.0;
  const ExperimentResult r = run_text(fmt::format(R"(
name = "lyapunov"
trajectories = 65536
steps = 300
problem = {{ name = "quadratic", dim = {}, a = {}, condition = {}, rotated = true }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = 0.0 }}
record = {{ checkpoints = 2, per_trajectory = true }}
)",
                                                  d, a, condition, s, eta, b));
  // H from the theory's Hessian-vector product.
  Quadratic q;
  q.dim = d;
  q.a = a;
  q.condition = condition;
  q.rotated = true;
  Eigen::MatrixXd H(d, d);
  for (int j = 0; j < d; ++j) {
    Eigen::VectorXd e = Eigen::VectorXd::Zero(d), hv(d);
    e[j] = 1.0;
    q.hessian_vector(e.data(), e.data(), hv.data());
    H.col(j) = hv;
  }
  const Eigen::MatrixXd A = Eigen::MatrixXd::Identity(d, d) - eta * H;
  Eigen::MatrixXd P = Eigen::MatrixXd::Zero(d, d), broken = Eigen::MatrixXd::Zero(d, d);
  for (int it = 0; it < 5000; ++it) P = A * P * A.transpose() + eta * eta * s * s / b * Eigen::MatrixXd::Identity(d, d);
  // Broken: the diagonal formula per coordinate, as if H were diag(H).
  for (int j = 0; j < d; ++j) broken(j, j) = quadratic_sgd_stationary_variance(H(j, j), eta, s, b);

  const std::size_t n = static_cast<std::size_t>(r.trajectories);
  double worst_true = 0.0, worst_broken = 0.0;
  for (int i = 0; i < d; ++i)
    for (int j = i; j < d; ++j) {
      double sum = 0.0, sum2 = 0.0;
      for (std::size_t t = 0; t < n; ++t) {
        const double v =
            r.final_x[t * d + static_cast<std::size_t>(i)] * r.final_x[t * d + static_cast<std::size_t>(j)];
        sum += v;
        sum2 += v * v;
      }
      const double count = static_cast<double>(n);
      const double mean = sum / count, se = std::sqrt((sum2 / count - mean * mean) / (count - 1));
      worst_true = std::max(worst_true, std::fabs(mean - P(i, j)) / se);
      worst_broken = std::max(worst_broken, std::fabs(mean - broken(i, j)) / se);
    }
  INFO("P =\n" << P);
  CHECK(std::fabs(P(0, 1)) > 1e-3);  // the case has off-diagonal covariance
  CHECK(worst_true < kZ);
  CHECK(worst_broken > kZ);
}

// The engine takes the warm-up's per-step eta: noiseless gradient descent on a x^2/2 gives
// x_T = x0 prod_t (1 - a eta_t) exactly, eta_t = eta (start + (1 - start) t / W) for t < W.
TEST_CASE("the engine follows a linear warm-up step by step") {
  const double a = 2.0, eta = 0.3, start = 0.25, x0 = 1.5;
  const int steps = 12, warmup = 8;
  const auto run = [&](int warmup_steps) {
    return run_text(fmt::format(R"(
name = "warmup"
trajectories = 64
steps = {}
problem = {{ name = "quadratic", dim = 1, a = {} }}
noise = {{ kind = "gaussian", scale = 0.0 }}
schedule = {{ kind = "constant", eta = {}, batch = 1{} }}
init = {{ x0 = {} }}
record = {{ checkpoints = 2 }}
)",
                                steps, a, eta,
                                warmup_steps > 0 ? fmt::format(", warmup_steps = {}, warmup_start = {}", warmup_steps, start)
                                                 : std::string(),
                                x0));
  };
  double x = x0, plain = x0;
  for (int t = 0; t < steps; ++t) {
    x *= 1.0 - a * eta * (t < warmup ? start + (1.0 - start) * t / warmup : 1.0);
    plain *= 1.0 - a * eta;
  }
  const ExperimentResult warmed = run(warmup), constant = run(0);
  const auto last = warmed.steps.size() - 1;
  CHECK(warmed.observable("x2").mean_at(last, 0) == Approx(x * x).epsilon(1e-6));
  CHECK(constant.observable("x2").mean_at(last, 0) == Approx(plain * plain).epsilon(1e-6));
  CHECK(std::fabs(x * x - plain * plain) > 1e-3 * plain * plain);  // the two differ
}
