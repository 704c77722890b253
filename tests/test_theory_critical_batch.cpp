// Oracle 12 (theory/critical_batch.hpp): the steps K(b) to reach E|grad f|^2 <= eps2 and the
// critical batch b* = argmin b K(b) of SGD on a quadratic, against brute force.
#include <catch2/catch.hpp>

#include <cmath>

#include "theory/critical_batch.hpp"

using namespace sgds;

namespace {

std::int64_t brute_force_steps(const QuadraticCost& q, double b, double eps2) {
  for (std::int64_t t = 0; t < 5000; ++t)  // K(b) stays below a few hundred in these settings
    if (expected_gradient_norm_sq(q, b, t) <= eps2) return t;
  return -1;
}

}  // namespace

TEST_CASE("K(b) is the first step below the tolerance, for every sign of rho") {
  for (const double eta : {0.05, 0.1, 0.7, 1.0, 1.3, 1.9}) {
    const QuadraticCost q{1.0, eta, 2.0, 1.5, 3};
    for (const double eps2 : {1.0, 0.1, 0.013}) {
      for (double b = 1; b <= 4096; b *= 1.7) {
        INFO("eta " << eta << " eps2 " << eps2 << " b " << b);
        CHECK(steps_to_tolerance(q, b, eps2) == brute_force_steps(q, b, eps2));
      }
    }
  }
}

TEST_CASE("no batch at or below the noise floor reaches the tolerance, nor an unstable step") {
  const QuadraticCost q{1.0, 0.1, 4.0, 1.0, 10};
  const double eps2 = 0.025;
  const double b_min = noise_floor_batch(q, eps2);
  CHECK(b_min == Approx(q.beta() / eps2));
  CHECK(steps_to_tolerance(q, std::floor(b_min), eps2) == -1);
  CHECK(steps_to_tolerance(q, std::floor(b_min) + 1, eps2) > 0);
  CHECK(steps_to_tolerance(QuadraticCost{1.0, 2.5, 4.0, 1.0, 10}, 1e6, eps2) == -1);
  CHECK(steps_to_tolerance(q, 10.0, 100.0) == 0);  // already there
}

TEST_CASE("b* minimises b K(b) over every whole batch, and sits between b_min and 2 b_min") {
  const QuadraticCost q{1.0, 0.1, 4.0, 1.0, 10};
  double last_ratio = INFINITY;
  for (const double eps2 : {0.4, 0.1, 0.025, 0.00625}) {
    const CriticalBatch best = critical_batch(q, eps2);
    INFO("eps2 " << eps2);
    REQUIRE(best.batch > 0);
    CHECK(best.steps == steps_to_tolerance(q, static_cast<double>(best.batch), eps2));
    double brute_cost = INFINITY;
    std::int64_t brute_batch = 0;
    for (std::int64_t b = 1; b < 20000; ++b) {
      const std::int64_t k = brute_force_steps(q, static_cast<double>(b), eps2);
      if (k >= 0 && static_cast<double>(b * k) < brute_cost) brute_cost = static_cast<double>(b * k), brute_batch = b;
    }
    CHECK(best.batch == brute_batch);
    CHECK(best.cost == brute_cost);
    const double ratio = static_cast<double>(best.batch) / noise_floor_batch(q, eps2);
    CHECK(ratio > 1.0);
    CHECK(ratio < 1.3);         // not the SFO bound's 2
    CHECK(ratio < last_ratio);  // tends to 1 as eps -> 0
    last_ratio = ratio;
  }
}
