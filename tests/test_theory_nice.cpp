// sigma-nice diagnostics: the smallest Hessian eigenvalue of Gaussian-smoothed Rastrigin on
// B(0, 3 delta) against its exact value, the verdict on both sides of the convexity threshold,
// and a landscape whose smoothed minimiser jumps between basins, which must fail centering.
#include <catch2/catch.hpp>

#include <cmath>

#include "theory/nice_diagnostics.hpp"

using namespace sgds;

TEST_CASE("Jacobi smallest eigenvalue") {
  CHECK(min_symmetric_eigenvalue({2.0, 1.0, 1.0, 2.0}, 2) == Approx(1.0));
  CHECK(min_symmetric_eigenvalue({4.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 2.0}, 3) ==
        Approx(3.0 - std::sqrt(3.0)).epsilon(1e-12));
  CHECK(min_symmetric_eigenvalue({-1.5}, 1) == -1.5);
}

TEST_CASE("delta sequences") {
  const auto g = delta_sequence("geometric", 1.0, 3, 0.5, 1.0);
  CHECK(g == std::vector<double>{1.0, 0.5, 0.25});
  const auto p = delta_sequence("polynomial", 2.0, 4, 0.5, 2.0);
  CHECK(p[1] == Approx(2.0 * 0.75 * 0.75));
  const auto e = delta_sequence("explicit_go", 1.0, 50, 0.5, 1.0);
  CHECK(e[0] == Approx(50.0 / 51.0));
  CHECK(e[49] == Approx(1.0 / 51.0));
}

TEST_CASE("Rastrigin: the smallest eigenvalue on B(0, 3 delta) is 2 - 40 pi^2 exp(-2 pi^2 delta^2)") {
  Rastrigin f;
  f.dim = 1;
  const KernelSpec gauss = make_kernel("gaussian");
  NiceOptions o;
  o.ball_points = 2001;
  const std::vector<double> deltas{2.0, 1.0, 0.7, 0.6};
  const NiceReport r = nice_diagnostics(f, gauss, deltas, o);
  REQUIRE(r.closed_form);
  for (const auto& s : r.stages) {
    INFO("delta " << s.delta);
    CHECK(std::fabs(s.x_star[0]) < 1e-6);
    // 3 delta >= 1/2, so the ball contains a point where cos(2 pi x) = -1.
    CHECK(s.min_eigenvalue ==
          Approx(2.0 - 40.0 * kPi * kPi * std::exp(-2.0 * kPi * kPi * s.delta * s.delta)).margin(1e-4));
  }
  CHECK(r.all_centering_ok);
  CHECK(r.nice);
  CHECK(r.sigma < 2.0);  // sigma = 2 itself is never reached
  // Crossing the convexity threshold 0.51745 breaks strong convexity.
  const NiceReport below = nice_diagnostics(f, gauss, {1.0, 0.7, 0.5}, o);
  CHECK(below.all_centering_ok);
  CHECK_FALSE(below.nice);
  CHECK(below.stages.back().min_eigenvalue < 0.0);
}

TEST_CASE("a minimiser that jumps between basins fails centering") {
  GaussianWells w;  // sharp deep well at -1, wide shallow well at +1
  w.dim = 1;
  NiceOptions o;
  const NiceReport r = nice_diagnostics(w, make_kernel("gaussian"), delta_sequence("geometric", 0.5, 5, 0.5, 1.0), o);
  CHECK(r.stages.front().x_star[0] > 0.5);  // heavy smoothing: the wide basin wins
  CHECK(r.stages.back().x_star[0] < -0.5);  // little smoothing: the sharp basin wins
  CHECK_FALSE(r.all_centering_ok);
  CHECK_FALSE(r.nice);
}
