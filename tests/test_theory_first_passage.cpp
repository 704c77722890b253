// The mean first-passage quadrature (theory/first_passage) against closed forms: free diffusion
// and a constant drift towards the exit, between an absorbing and a reflecting point, either way round.
#include <catch2/catch.hpp>

#include <cmath>

#include "theory/first_passage.hpp"

using namespace sgds;

TEST_CASE("Mean first-passage time of free diffusion is ((L)^2 - (L - a)^2) / (2 D)") {
  const double d = 0.3, exit = -1.0, reflect = 2.0, x0 = 0.37;  // x0 off the quadrature grid
  const double l = reflect - exit, a = x0 - exit;
  const double truth = (l * l - (l - a) * (l - a)) / (2.0 * d);
  const auto flat = [](double) { return 0.0; };
  CHECK(mean_first_passage_time(flat, d, x0, exit, reflect) == Approx(truth).epsilon(1e-9));
  // Mirror image: exit on the right, reflecting wall on the left.
  CHECK(mean_first_passage_time(flat, d, -x0, -exit, -reflect) == Approx(truth).epsilon(1e-9));
  // Mutant: the diffusion's 1/2 dropped (D taken as sigma^2) is far off.
  CHECK(std::fabs(mean_first_passage_time(flat, 2.0 * d, x0, exit, reflect) - truth) > 0.4 * truth);
}

TEST_CASE("Mean first-passage time under constant drift towards the exit") {
  // U = v x on [0, L]: T(x0) = x0 / v - (D / v^2) e^{-v L / D} (e^{v x0 / D} - 1).
  const double v = 1.5, d = 0.2, length = 2.0, x0 = 1.3;
  const double truth = x0 / v - d / (v * v) * std::exp(-v * length / d) * (std::exp(v * x0 / d) - 1.0);
  CHECK(mean_first_passage_time([v](double x) { return v * x; }, d, x0, 0.0, length) == Approx(truth).epsilon(1e-7));
  CHECK_THROWS(mean_first_passage_time([](double) { return 0.0; }, d, 3.0, 0.0, length));  // x0 outside
  CHECK_THROWS(mean_first_passage_time([](double) { return 0.0; }, 0.0, 1.0, 0.0, length));
}
