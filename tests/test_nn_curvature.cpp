// Curvature and sharpness tools against a quadratic model with known Hessian (docs/THEORY.md 5.7),
// and the C^2 estimator against cases with known variance, each with a mutant that must fail.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "sim/nn/curvature.hpp"
#include "sim/nn/gradient_noise.hpp"
#include "theory/kernel_sampling.hpp"

using namespace sgds;
using namespace sgds::nn;

namespace {

// f(w) = (w - c)' H (w - c) / 2 with H = Q diag(lambda) Q' (Q from a Householder reflection).
struct Quadratic {
  Eigen::MatrixXd H;
  VectorXd c;
  Objective objective() const {
    return [this](const VectorXd& w, VectorXd* gradient) {
      const VectorXd r = w - c;
      if (gradient) *gradient = H * r;
      return 0.5 * r.dot(H * r);
    };
  }
};

Quadratic rotated_quadratic(const std::vector<double>& eigenvalues) {
  const auto d = static_cast<Eigen::Index>(eigenvalues.size());
  VectorXd u(d);
  for (Eigen::Index i = 0; i < d; ++i) u[i] = 1.0 + 0.3 * static_cast<double>(i);
  u.normalize();
  const Eigen::MatrixXd Q = Eigen::MatrixXd::Identity(d, d) - 2.0 * u * u.transpose();
  VectorXd lambda(d);
  for (Eigen::Index i = 0; i < d; ++i) lambda[i] = eigenvalues[static_cast<std::size_t>(i)];
  Quadratic q{Q * lambda.asDiagonal() * Q.transpose(), VectorXd(d)};
  for (Eigen::Index i = 0; i < d; ++i) q.c[i] = (i % 2 ? -1.0 : 1.0) * (0.2 + 0.6 * static_cast<double>(i));
  return q;
}

// max over the vertices of the box |d_i| <= rho |c_i| of d' H d / 2 (a convex function's maximum
// over a box sits at a vertex), by enumeration.
double worst_vertex(const Quadratic& q, double rho) {
  const auto d = q.c.size();
  double best = 0.0;
  for (std::uint32_t mask = 0; mask < (1u << d); ++mask) {
    VectorXd v(d);
    for (Eigen::Index i = 0; i < d; ++i) v[i] = ((mask >> i) & 1u ? rho : -rho) * std::abs(q.c[i]);
    best = std::max(best, 0.5 * v.dot(q.H * v));
  }
  return best;
}

}  // namespace

TEST_CASE("Power iteration finds the top Hessian eigenvalue at the predicted rate") {
  const Quadratic q = rotated_quadratic({5.0, 4.0, 2.0, 1.0, 0.5, 0.1});
  const Objective f = q.objective();
  // Rayleigh-quotient error after k steps is O((lambda_2/lambda_1)^(2k)) = O(0.64^k).
  const double at40 = top_hessian_eigenvalue(f, q.c, 40, RandomStream(1, 0, 0, StreamPurpose::user));
  CHECK(std::abs(at40 - 5.0) < 5.0 * std::pow(0.8, 2 * 40) * 100.0);
  CHECK(std::abs(at40 - 5.0) < 1e-5);
  // Mutant: too few iterations for a close second eigenvalue leaves a visible bias.
  const Quadratic close = rotated_quadratic({5.0, 4.9, 1.0, 1.0, 1.0, 1.0});
  const double early =
      top_hessian_eigenvalue(close.objective(), close.c, 3, RandomStream(1, 0, 0, StreamPurpose::user));
  CHECK(std::abs(early - 5.0) > 1e-3);
}

TEST_CASE("Hutchinson trace agrees with the trace within z = 5 standard errors") {
  const Quadratic q = rotated_quadratic({5.0, 4.0, 2.0, 1.0, 0.5, 0.1});
  const Estimate t = hutchinson_trace(q.objective(), q.c, 400, RandomStream(2, 0, 0, StreamPurpose::user));
  REQUIRE(t.standard_error > 0.0);
  CHECK(std::abs(t.value - q.H.trace()) <= 5.0 * t.standard_error);
  // Mutant theory: tr H = lambda_max is rejected.
  CHECK(std::abs(t.value - 5.0) > 5.0 * t.standard_error);
}

TEST_CASE("Average-case sharpness at the minimum is rho^2 sum H_ii c_i^2 / 2") {
  const Quadratic q = rotated_quadratic({5.0, 4.0, 2.0, 1.0, 0.5, 0.1});
  const double rho = 0.05;
  double truth = 0.0;
  for (Eigen::Index i = 0; i < q.c.size(); ++i) truth += rho * rho * q.H(i, i) * q.c[i] * q.c[i] / 2.0;
  const Estimate a = average_case_sharpness(q.objective(), q.c, rho, 20000, RandomStream(3, 0, 0, StreamPurpose::user));
  CHECK(std::abs(a.value - truth) <= 5.0 * a.standard_error);
  // Mutant: the non-adaptive formula rho^2 tr(H) / 2 is rejected.
  CHECK(std::abs(a.value - rho * rho * q.H.trace() / 2.0) > 5.0 * a.standard_error);
}

TEST_CASE("Worst-case adaptive l_inf sharpness reaches the best vertex of the box") {
  // A dominant direction makes the vertex maximum unique up to sign, so ascent must find it.
  const Quadratic q = rotated_quadratic({6.0, 0.5, 0.4, 0.3, 0.2, 0.1});
  const double rho = 2e-4;
  const double truth = worst_vertex(q, rho);
  const double found =
      worst_case_linf_sharpness(q.objective(), q.c, rho, 20, RandomStream(4, 0, 0, StreamPurpose::user));
  CHECK(found == Approx(truth).epsilon(1e-9));
  // Mutant: the l2 worst case rho^2 lambda_max ||c||^2 / 2 over the ball of the same scale is not it.
  CHECK(std::abs(found - rho * rho * 6.0 * q.c.squaredNorm() / 2.0) > 1e-3 * truth);
  // Diagonal H: every vertex is a maximum, value rho^2 sum H_ii c_i^2 / 2 (docs/THEORY.md 5.7).
  Quadratic diagonal = q;
  diagonal.H = Eigen::MatrixXd(VectorXd::LinSpaced(6, 1.0, 3.0).asDiagonal());
  double expected = 0.0;
  for (Eigen::Index i = 0; i < 6; ++i) expected += rho * rho * diagonal.H(i, i) * q.c[i] * q.c[i] / 2.0;
  CHECK(worst_case_linf_sharpness(diagonal.objective(), q.c, rho, 20, RandomStream(5, 0, 0, StreamPurpose::user)) ==
        Approx(expected).epsilon(1e-9));
}

// APGD's step-size checkpoints: Croce & Hein (2020) list 0, 22, 41, 57, 70, 80, 87, 93, 99 for 100
// iterations (p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06)); the measure's
// 20 steps check at 4, 7, 9, then every step.
TEST_CASE("APGD checkpoints follow the published schedule") {
  CHECK(apgd_checkpoints(100) == std::vector<int>{22, 41, 57, 70, 80, 87, 93, 99});
  CHECK(apgd_checkpoints(20) == std::vector<int>{4, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20});
  CHECK(apgd_checkpoints(1) == std::vector<int>{1});
}

// APGD halves its step and restarts from the best point: on a function whose ascent direction
// flips sign every step at full step size (f = -|d_1 - 0.3 r| on the box [-r, r], maximum at
// 0.3 r, start and steps of size 2r make it oscillate), the checkpoints must bring the iterate
// to within the final step size of the maximum; without the halving the value stays far below.
TEST_CASE("APGD step halving converges where fixed-step sign ascent oscillates") {
  const double r = 1.0, target = 0.3;
  const Objective kink = [&](const VectorXd& w, VectorXd* gradient) {
    const double x = w[0] - 1.0;  // d_1 = w_1 - 1 for the evaluation point w = 1 + d
    if (gradient) {
      gradient->setZero(1);
      (*gradient)[0] = x > target ? -1.0 : 1.0;
    }
    return -std::abs(x - target);
  };
  const VectorXd w = VectorXd::Constant(1, 1.0);
  // rho = 1: the box is |d| <= |w| = 1; f(w) = -0.3, so the maximum of f(w + d) - f(w) is 0.3.
  const double found = worst_case_linf_sharpness(kink, w, r, 20, RandomStream(8, 0, 0, StreamPurpose::user));
  CHECK(found == Approx(0.3).margin(2.0 * r / 64.0));
}

TEST_CASE("C2 estimator recovers the variance of gaussian per-sample gradients") {
  // g_i = mu + sigma z_i in d dimensions: C^2 = d sigma^2 exactly.
  const Eigen::Index d = 20;
  const double sigma = 0.7;
  const VectorXd mu = VectorXd::LinSpaced(d, -1.0, 2.0);
  const auto per_sample = [&](int i, Eigen::VectorXd& g) {
    RandomStream s(6, static_cast<std::uint32_t>(i), 0, StreamPurpose::user);
    for (Eigen::Index j = 0; j < d; ++j) g[j] = mu[j] + sigma * s.normal();
  };
  const GradientNoiseEstimate e = estimate_gradient_noise(2048, d, per_sample);
  const double truth = static_cast<double>(d) * sigma * sigma;
  REQUIRE(e.c2_se > 0.0);
  CHECK(std::abs(e.c2 - truth) <= 5.0 * e.c2_se);
  CHECK(e.gradient_norm_unbiased == Approx(mu.norm()).epsilon(0.02));
  // Mutant: forgetting to centre (C^2 = E||g||^2) is rejected.
  CHECK(std::abs(e.c2 + mu.squaredNorm() - truth) > 5.0 * e.c2_se);
}

TEST_CASE("the tail index of per-sample gradient noise: 2 for Gaussian noise, near alpha for stable noise") {
  // g_i = mu + noise_i in d dimensions; the estimator centres on the sample mean, then reads the
  // tail index of every coordinate (blocks of 16 samples) and pools them. Centring on the
  // sample mean, itself heavy-tailed for alpha < 2, pulls the reading low: measured 2.9 % at
  // alpha = 1.5 and 4.6 % at 1.2 (1024 samples); uncentred it is unbiased (tail_index_estimator).
  const Eigen::Index d = 400;
  const VectorXd mu = VectorXd::LinSpaced(d, -1.0, 2.0);
  double previous = INFINITY;
  for (const double alpha : {2.0, 1.5, 1.2}) {
    const auto per_sample = [&](int i, Eigen::VectorXd& g) {
      RandomStream s(7, static_cast<std::uint32_t>(i), 0, StreamPurpose::user);
      for (Eigen::Index j = 0; j < d; ++j) g[j] = mu[j] + 0.3 * symmetric_stable(alpha, s);
    };
    const GradientNoiseEstimate e = estimate_gradient_noise(1024, d, per_sample);
    INFO("alpha " << alpha << ", read " << e.tail_index);
    CHECK(e.tail_index_coordinates == d);
    if (alpha == 2.0) CHECK(e.tail_index == Approx(2.0).epsilon(0.02));
    else CHECK((e.tail_index > 0.94 * alpha && e.tail_index < alpha));
    CHECK(e.tail_index < previous);
    previous = e.tail_index;
  }
  // A coordinate without noise (every sample's gradient equal there) has no tail index: skipped.
  const auto flat = [&](int i, Eigen::VectorXd& g) {
    RandomStream s(8, static_cast<std::uint32_t>(i), 0, StreamPurpose::user);
    for (Eigen::Index j = 0; j < d; ++j) g[j] = j == 0 ? 1.0 : mu[j] + s.normal();
  };
  CHECK(estimate_gradient_noise(256, d, flat).tail_index_coordinates == d - 1);
}
