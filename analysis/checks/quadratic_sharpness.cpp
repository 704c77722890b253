// Check (docs/THEORY.md section 5, oracle 7): the sharpness measures of sim/nn/curvature on a quadratic
// f(w) = (w - c)' H (w - c) / 2 at its minimum w = c, with H = Q diag(lambda) Q' known exactly
// (Q = I: diagonal; Q a Householder reflection: non-diagonal).
//   - Average-case sharpness with Gaussian perturbation rho c (adaptive scale |c|):
//     E f(c + rho c.z) - f(c) = rho^2 sum_i H_ii c_i^2 / 2 (Monte Carlo, SE from the draws).
//   - Worst-case l2 sharpness with scale 1: max_{|d| <= rho} f(c + d) - f(c) = rho^2 lambda_max / 2,
//     measured by normalised gradient ascent on the sphere |d| = rho (the SAM-style ascent).
//   - Power iteration (top_hessian_eigenvalue) converges to lambda_max, and its Rayleigh-quotient
//     error contracts by (lambda_2 / lambda_1)^2 per step: the iterate's angle to the top
//     eigenvector shrinks like |lambda_2/lambda_1|^k, and the quotient's error is quadratic in it
//     (measured on the error odds (lambda_1 - R_k) / (R_k - lambda_2), see below).
// The last two are deterministic numerics: their "SE" is a stated numerical tolerance (1e-9
// relative for values, 1e-6 relative for the contraction factor), far above rounding and the
// O((lambda_3/lambda_2)^{2k}) pre-asymptotic term at the steps used, far below any wrong theory.
#include <cmath>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"
#include "sim/nn/curvature.hpp"

namespace sgds {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// lambda_3 / lambda_2 = 1/3 makes the contraction factor's pre-asymptotic term (1/3)^{2k} negligible.
const std::vector<double> kEigenvalues{4.0, 3.0, 1.0, 0.6, 0.3, 0.1};
constexpr double kValueTolerance = 1e-9;  // relative "SE" of deterministic sharpness values
constexpr double kRateTolerance = 1e-6;   // relative "SE" of the measured contraction factor

struct KnownQuadratic {
  std::string name;
  MatrixXd H;
  VectorXd c;  // the minimiser, also the adaptive perturbation scale
  nn::Objective objective() const {
    return [this](const VectorXd& w, VectorXd* gradient) {
      const VectorXd r = w - c;
      const VectorXd hr = H * r;
      if (gradient) *gradient = hr;
      return 0.5 * r.dot(hr);
    };
  }
};

KnownQuadratic make_quadratic(bool rotated) {
  const auto d = static_cast<Eigen::Index>(kEigenvalues.size());
  MatrixXd Q = MatrixXd::Identity(d, d);
  if (rotated) {
    VectorXd u(d);
    for (Eigen::Index i = 0; i < d; ++i) u[i] = 1.0 + 0.7 * static_cast<double>(i * i);
    u.normalize();
    Q -= 2.0 * u * u.transpose();
  }
  VectorXd lambda(d), c(d);
  for (Eigen::Index i = 0; i < d; ++i) {
    lambda[i] = kEigenvalues[static_cast<std::size_t>(i)];
    // Large weights on the flat directions: separates sum H_ii c_i^2 from sum lambda_i c_i^2.
    c[i] = (i % 2 ? -1.0 : 1.0) * (0.3 + 0.5 * static_cast<double>(i));
  }
  return {rotated ? "rotated H" : "diagonal H", Q * lambda.asDiagonal() * Q.transpose(), c};
}

// Worst-case l2 sharpness: max f(w + d) - f(w) over |d| <= rho by ascent d <- rho g / |g|,
// g = grad f(w + d) (at a quadratic's minimum g = H d: power iteration on the sphere).
double worst_case_l2_sharpness(const nn::Objective& f, const VectorXd& w, double rho, int steps, RandomStream stream) {
  const double base = f(w, nullptr);
  VectorXd d(w.size());
  for (Eigen::Index i = 0; i < w.size(); ++i) d[i] = stream.normal();
  d *= rho / d.norm();
  VectorXd gradient(w.size());
  double best = f(w + d, &gradient) - base;
  for (int k = 0; k < steps; ++k) {
    d = rho * gradient / gradient.norm();
    best = std::max(best, f(w + d, &gradient) - base);
  }
  return best;
}

CheckResult run_sharpness_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "quadratic_sharpness";
  result.claim = "Quadratic at its minimum: avg sharpness rho^2 sum H_ii c_i^2/2, l2 worst rho^2 lmax/2, power rate";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.decision_rule = fmt::format(
      "PASS iff every comparison has |estimate - oracle| <= {} SE on a diagonal and a rotated H (eigenvalues 4, 3, 1, "
      "0.6, 0.3, 0.1): average-case sharpness at rho in {{0.05, 0.2}} (Monte Carlo SE); worst-case l2 sharpness "
      "(60 ascent steps) and power iteration's eigenvalue (60 steps) with SE = {:g} |oracle|; the Rayleigh-quotient "
      "error odds' contraction factor over steps 12..20 vs (lambda_2/lambda_1)^2 with SE = {:g} |oracle|",
      result.z_threshold, kValueTolerance, kRateTolerance);
  result.mutant = options.mutant;
  const std::string& mutant = options.mutant;
  const int samples = options.quick ? 20000 : 400000;
  const double half = mutant == "missing_half" ? 1.0 : 0.5;

  std::uint32_t case_index = 0;
  for (const bool rotated : {false, true}) {
    const KnownQuadratic q = make_quadratic(rotated);
    const nn::Objective f = q.objective();
    Eigen::SelfAdjointEigenSolver<MatrixXd> eigen(q.H);  // ascending eigenvalues
    const VectorXd lambda = eigen.eigenvalues();
    const Eigen::Index d = lambda.size();
    const double lambda_max = lambda[d - 1], lambda_2 = lambda[d - 2];

    for (const double rho : {0.05, 0.2}) {
      // Oracle: the diagonal of H weights the squared scales; the mutant uses the eigenvalues instead.
      double weighted = 0.0;
      for (Eigen::Index i = 0; i < d; ++i) {
        const double h = mutant == "eigenvalues_for_diagonal" ? kEigenvalues[static_cast<std::size_t>(i)] : q.H(i, i);
        weighted += h * q.c[i] * q.c[i];
      }
      const nn::Estimate average = nn::average_case_sharpness(
          f, q.c, rho, samples, RandomStream(options.seed, case_index, 0, check_purpose(20)));
      result.comparisons.push_back(Comparison{fmt::format("{}: average-case sharpness rho={}", q.name, rho),
                                              average.value, average.standard_error, half * rho * rho * weighted});

      const double worst =
          worst_case_l2_sharpness(f, q.c, rho, 60, RandomStream(options.seed, case_index, 1, check_purpose(20)));
      const double extreme = mutant == "lambda_min" ? lambda[0] : lambda_max;
      const double worst_oracle = half * rho * rho * extreme;
      result.comparisons.push_back(Comparison{fmt::format("{}: worst-case l2 sharpness rho={}", q.name, rho), worst,
                                              kValueTolerance * std::fabs(worst_oracle), worst_oracle});
      ++case_index;
    }

    // Power iteration from one fixed random start: R_k after k steps, for every k.
    const RandomStream start(options.seed, case_index++, 2, check_purpose(21));
    const double converged = nn::top_hessian_eigenvalue(f, q.c, 60, start);
    const double eigen_oracle = mutant == "lambda_min" ? lambda[0] : lambda_max;
    result.comparisons.push_back(Comparison{fmt::format("{}: power iteration eigenvalue after 60 steps", q.name),
                                            converged, kValueTolerance * std::fabs(eigen_oracle), eigen_oracle});
    const int k1 = 12, k2 = 20;
    // R_k is a mean of the eigenvalues weighted by a_i^2 lambda_i^{2k} (a: the start's coordinates in
    // the eigenbasis), so the odds (lambda_1 - R_k) / (R_k - lambda_2) = (a_2/a_1)^2 (lambda_2/lambda_1)^{2k}
    // up to O((lambda_3/lambda_2)^{2k}): unlike the plain error lambda_1 - R_k, whose ratio carries an
    // O((lambda_2/lambda_1)^{2k}) term from the normalisation.
    const auto odds = [&](int k) {
      const double r = nn::top_hessian_eigenvalue(f, q.c, k, start);
      return (lambda_max - r) / (r - lambda_2);
    };
    const double e1 = odds(k1), e2 = odds(k2);
    const double contraction = std::pow(e2 / e1, 1.0 / (k2 - k1));
    // Truth: the Rayleigh quotient's error is quadratic in the angle, so (lambda_2/lambda_1)^2 per
    // step; the mutant takes the angle's rate |lambda_2/lambda_1| for the eigenvalue's.
    const double ratio = std::fabs(lambda_2 / lambda_max);
    const double rate_oracle = mutant == "unsquared_rate" ? ratio : ratio * ratio;
    result.comparisons.push_back(Comparison{
        fmt::format("{}: Rayleigh-quotient error odds, contraction per step, steps {}..{} (odds {:.3g} -> {:.3g})",
                    q.name, k1, k2, e1, e2),
        contraction, kRateTolerance * rate_oracle, rate_oracle});
  }
  // Only the average-case sharpness is a Monte Carlo estimate; the rest are computations against a tolerance.
  for (auto& c : result.comparisons)
    if (c.label.find("average-case") == std::string::npos) c.evidence = Evidence::deterministic;
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"quadratic_sharpness",
                                "Sharpness of a quadratic at its minimum and power iteration's rate (oracle 7)",
                                "derived",
                                {"missing_half", "lambda_min", "eigenvalues_for_diagonal", "unsquared_rate"},
                                run_sharpness_check});

}  // namespace
}  // namespace sgds
