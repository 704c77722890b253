// Shared statistics against hand-computed values and exact properties.
#include <catch2/catch.hpp>

#include <cmath>

#include "analysis/statistics.hpp"
#include "core/rng.hpp"

using namespace sgds;

TEST_CASE("normal quantiles and sample quantiles") {
  CHECK(normal_quantile(0.975) == Approx(1.959963985).epsilon(1e-9));
  CHECK(normal_quantile(0.5) == Approx(0.0).margin(1e-12));
  CHECK(sample_quantile({4, 1, 3, 2}, 0.5) == 2.5);  // numpy: 2.5
  CHECK(sample_quantile({4, 1, 3, 2}, 0.25) == 1.75);
  CHECK(sample_quantile({7}, 0.9) == 7);
}

TEST_CASE("rank correlations on small hand-checked examples") {
  const std::vector<double> x{1, 2, 3, 4, 5}, y{2, 1, 4, 3, 5};
  // 10 pairs: 8 concordant and 2 discordant.
  CHECK(kendall_tau(x, y) == Approx(0.6));
  // sum d^2 = 4: rho = 1 - 6*4 / (5*24) = 0.8
  CHECK(spearman_rho(x, y) == Approx(0.8));
  CHECK(kendall_tau(x, {5, 4, 3, 2, 1}) == Approx(-1.0));
  // Ties: tau-b of x = (1,1,2), y = (1,2,3): concordant 2, ties in x 1 -> 2 / sqrt(2*3)
  CHECK(kendall_tau({1, 1, 2}, {1, 2, 3}) == Approx(2.0 / std::sqrt(6.0)));
  CHECK(spearman_rho({1, 1, 2}, {1, 2, 3}) == Approx(pearson_r({1.5, 1.5, 3}, {1, 2, 3})));
}

TEST_CASE("line fit recovers an exact line and its R squared is one") {
  const LineFit fit = fit_line({0, 1, 2, 3}, {1, 3, 5, 7});
  CHECK(fit.slope == Approx(2.0));
  CHECK(fit.intercept == Approx(1.0));
  CHECK(fit.r_squared == Approx(1.0));
  CHECK(fit.slope_se == Approx(0.0).margin(1e-12));
}

TEST_CASE("wasserstein-1 of a shifted sample is the shift and is symmetric") {
  std::vector<double> a{0.3, -1.2, 2.5, 0.0, 1.1}, b;
  for (double v : a) b.push_back(v + 0.7);
  CHECK(wasserstein1(a, b) == Approx(0.7));
  CHECK(wasserstein1(b, a) == Approx(0.7));
  CHECK(wasserstein1({0, 1}, {0, 0, 1, 1}) == Approx(0.0).margin(1e-15));
  CHECK(wasserstein1({0}, {1, 3}) == Approx(2.0));  // mean of |0-1| and |0-3|
}

TEST_CASE("the bootstrap interval of a mean covers the truth at about its nominal rate") {
  // 200 samples of size 100 from N(1, 1): a 90% interval should cover mu = 1 in 180 cases, within
  // 4.5 binomial SE = 4.5 sqrt(200 * 0.9 * 0.1) = 19 (the percentile bootstrap's small-sample
  // undercoverage at n = 100 is about 1 case, far inside that).
  int covered = 0;
  const int experiments = 200;
  for (int e = 0; e < experiments; ++e) {
    std::vector<double> sample(100);
    RandomStream rng(11, static_cast<std::uint32_t>(e), 0, StreamPurpose::user);
    for (auto& v : sample) v = 1.0 + rng.normal();
    const Interval ci = bootstrap(sample, mean_of, 0.9, 400, static_cast<std::uint32_t>(e));
    covered += ci.contains(1.0) ? 1 : 0;
  }
  CHECK(std::abs(covered - 180) <= 4.5 * std::sqrt(experiments * 0.9 * 0.1));
  // A broken interval (the 50% one) must not pass the same test: coverage ~100 of 200.
  int covered_half = 0;
  for (int e = 0; e < experiments; ++e) {
    std::vector<double> sample(100);
    RandomStream rng(11, static_cast<std::uint32_t>(e), 0, StreamPurpose::user);
    for (auto& v : sample) v = 1.0 + rng.normal();
    covered_half += bootstrap(sample, mean_of, 0.5, 400, static_cast<std::uint32_t>(e)).contains(1.0) ? 1 : 0;
  }
  CHECK(std::abs(covered_half - 180) > 4.5 * std::sqrt(experiments * 0.9 * 0.1));
}

TEST_CASE("AR(1) variance inflation") {
  CHECK(ar1_variance_inflation(0.0) == 1.0);
  CHECK(ar1_variance_inflation(0.5) == Approx(3.0));
}

TEST_CASE("Wilson and Newcombe intervals match their published values") {
  // Newcombe (1998), Statistics in Medicine 17: 857-872, table I and table II (method 10).
  const Interval w = wilson_interval(81, 263);
  CHECK(w.low == Approx(0.2553).epsilon(1e-3));
  CHECK(w.high == Approx(0.3662).epsilon(1e-3));
  const Interval zero = wilson_interval(0, 10);  // never "0 +- 0"
  CHECK(zero.low == 0.0);
  CHECK(zero.high == Approx(0.2775).epsilon(1e-3));
  const Interval d = newcombe_difference(56, 70, 48, 80);  // 0.8 - 0.6
  CHECK(d.low == Approx(0.0524).epsilon(2e-3));
  CHECK(d.high == Approx(0.3339).epsilon(2e-3));
}
