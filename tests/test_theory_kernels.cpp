// Smoothing kernels: Monte Carlo moments, CDFs and characteristic functions of the Philox draws
// against the documented laws at z = 4.5 standard errors (fixed seeds), and each statistical
// assertion shown to reject a deliberately wrong law at the same z.
#include <catch2/catch.hpp>

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <vector>

#include "theory/kernels.hpp"

using namespace sgds;

namespace {

constexpr double kZ = 4.5;

struct Estimate {
  double mean, se;
  double z(double truth) const { return (mean - truth) / se; }
};

// Mean and standard error of h(u) over n draws of the kernel in `dim` dimensions.
template <class H>
Estimate estimate(const KernelSpec& k, int dim, int n, std::uint32_t seed, H h) {
  std::vector<double> u(dim);
  double s = 0.0, s2 = 0.0;
  for (int i = 0; i < n; ++i) {
    RandomStream rng(seed, static_cast<std::uint32_t>(i), 0, StreamPurpose::smoothing_kernel);
    sample_kernel(k, dim, rng, u.data());
    const double v = h(u.data());
    s += v, s2 += v * v;
  }
  const double mean = s / n, var = (s2 / n - mean * mean) * n / (n - 1.0);
  return {mean, std::sqrt(var / n)};
}

}  // namespace

TEST_CASE("kernel moments match Monte Carlo for the finite-variance kernels") {
  const int n = 200000;
  struct Case {
    KernelSpec k;
    int dim;
  };
  const Case cases[] = {{make_kernel("gaussian"), 1},
                        {make_kernel("gaussian", -1, 0.7), 3},
                        {make_kernel("ball"), 1},
                        {make_kernel("ball", -1, 2.0), 3},
                        {make_kernel("box", -1, 2.0), 1},
                        {make_kernel("box"), 4},
                        {make_kernel("exponential", -1, 1.5), 1},
                        {make_kernel("rayleigh"), 2},
                        {make_kernel("student_t", 5.0), 1},
                        {make_kernel("pareto", 5.0), 1},
                        {make_kernel("alpha_stable", 2.0), 1}};
  std::uint32_t seed = 100;
  for (const auto& c : cases) {
    const KernelMoments m = kernel_moments(c.k, c.dim);
    INFO(describe_kernel(c.k) << " d=" << c.dim);
    const Estimate sq = estimate(c.k, c.dim, n, seed++, [&](const double* u) { return dot(c.dim, u, u); });
    CHECK(std::fabs(sq.z(m.mean_square_norm)) < kZ);
    const Estimate first = estimate(c.k, c.dim, n, seed++, [](const double* u) { return u[0]; });
    CHECK(std::fabs(first.z(m.coordinate_mean)) < kZ);
    if (!std::isnan(m.mean_norm)) {
      const Estimate nrm =
          estimate(c.k, c.dim, n, seed++, [&](const double* u) { return std::sqrt(dot(c.dim, u, u)); });
      CHECK(std::fabs(nrm.z(m.mean_norm)) < kZ);
      CHECK(m.mean_norm <= m.mean_norm_bound + 1e-12);
    }
    // The same estimate rejects a 3% error in the second moment (the test can fail).
    CHECK(std::fabs(sq.z(1.03 * m.mean_square_norm)) > kZ);
  }
}

TEST_CASE("heavy-tailed kernels follow their CDFs") {
  const int n = 100000;
  auto fraction_below = [&](const KernelSpec& k, double x, std::uint32_t seed) {
    return estimate(k, 1, n, seed, [x](const double* u) { return u[0] <= x ? 1.0 : 0.0; });
  };
  const KernelSpec cauchy = make_kernel("cauchy", -1, 2.0);
  const KernelSpec levy = make_kernel("levy");
  const KernelSpec pareto = make_kernel("pareto", 1.0);
  const KernelSpec t3 = make_kernel("student_t", 3.0);
  const KernelSpec stable1 = make_kernel("alpha_stable", 1.0);
  boost::math::students_t_distribution<double> student(3.0);
  std::uint32_t seed = 500;
  for (double x : {-3.0, -0.5, 0.7, 4.0}) {
    INFO("x = " << x);
    const double cauchy_cdf = 0.5 + std::atan(x / 2.0) / kPi;
    const Estimate c = fraction_below(cauchy, x, seed++);
    CHECK(std::fabs(c.z(cauchy_cdf)) < kZ);
    CHECK(std::fabs(fraction_below(stable1, x, seed++).z(0.5 + std::atan(x) / kPi)) < kZ);
    CHECK(std::fabs(fraction_below(t3, x, seed++).z(boost::math::cdf(student, x))) < kZ);
  }
  for (double x : {0.2, 1.0, 5.0, 50.0}) {
    INFO("x = " << x);
    CHECK(std::fabs(fraction_below(levy, x, seed++).z(std::erfc(std::sqrt(1.0 / (2.0 * x))))) < kZ);
    if (x > 1.0) CHECK(std::fabs(fraction_below(pareto, x, seed++).z(1.0 - 1.0 / x)) < kZ);
  }
  // A wrong law is rejected: the Cauchy draws against a Cauchy of scale 2.3 at x = 4.
  const Estimate c = fraction_below(cauchy, 4.0, 9999);
  CHECK(std::fabs(c.z(0.5 + std::atan(4.0 / 2.3) / kPi)) > kZ);
}

TEST_CASE("symmetric alpha-stable draws have characteristic function exp(-|t|^alpha)") {
  const int n = 100000;
  std::uint32_t seed = 900;
  for (double alpha : {0.7, 1.5, 1.9}) {
    const KernelSpec k = make_kernel("alpha_stable", alpha);
    for (double t : {0.3, 1.0, 2.0}) {
      INFO("alpha " << alpha << " t " << t);
      const Estimate e = estimate(k, 1, n, seed++, [t](const double* u) { return std::cos(t * u[0]); });
      CHECK(std::fabs(e.z(std::exp(-std::pow(t, alpha)))) < kZ);
      // Mutant: the wrong index alpha + 0.15 is rejected at the same z.
      if (t == 0.3) CHECK(std::fabs(e.z(std::exp(-std::pow(t, alpha + 0.15)))) > kZ);
    }
  }
  // E|u| for alpha > 1 (its variance is infinite, so check it through the documented value at
  // alpha = 2, where it is finite: N(0, 2) has E|u| = 2/sqrt(pi)).
  CHECK(kernel_moments(make_kernel("alpha_stable", 2.0), 1).mean_norm == Approx(2.0 / std::sqrt(kPi)));
}

TEST_CASE("kernel configuration and batch exponents") {
  const toml::table doc = parse_config_text("kernel = \"student_t\"\nnu = 4.0\nscale = 0.5", "test");
  ConfigTable table(doc, "noise");
  const KernelSpec k = parse_kernel(table);
  CHECK(k.kind == KernelKind::student_t);
  CHECK(k.parameter == 4.0);
  CHECK(k.scale == 0.5);
  table.finish();
  CHECK_THROWS_AS(make_kernel("gausian"), ConfigError);
  CHECK_THROWS_AS(make_kernel("alpha_stable", 2.5), ConfigError);
  CHECK(kernel_batch_exponent(make_kernel("gaussian")) == -0.5);
  CHECK(kernel_batch_exponent(make_kernel("alpha_stable", 1.5)) == Approx(1.0 / 1.5 - 1.0));
  CHECK(kernel_batch_exponent(make_kernel("cauchy")) == 0.0);
  CHECK(std::isinf(kernel_moments(make_kernel("cauchy"), 2).mean_square_norm));
  CHECK_FALSE(kernel_moments(make_kernel("exponential"), 1).symmetric);
}
