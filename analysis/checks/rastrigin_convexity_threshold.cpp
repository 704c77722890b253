// Check: Gaussian-smoothed Rastrigin is convex everywhere iff s >= s* = sqrt(ln(20 pi^2) / (2 pi^2))
// = 0.51745 (docs/THEORY.md section 2). Per coordinate f_hat'' = 2 + 40 pi^2 e^{-2 pi^2 s^2} cos(2 pi x),
// smallest at x = 1/2, so the claim is: the Monte Carlo curvature at x = 1/2 is 0 at s*, negative
// below and positive above. The threshold and the closed-form curvature are the library's; the
// curvature is estimated without them, by the second-order Stein identity
// f_hat''(x) = E[(f(x + s z) - f(x)) (z^2 - 1)] / s^2 (antithetic).
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"
#include "theory/functions/separable.hpp"
#include "theory/smoothing_closed_forms.hpp"

namespace sgds {
namespace {

// The library's threshold (theory/smoothing_closed_forms.hpp, used by `sgdsmooth nice` and the
// graduated checks), or a mutant's mistaken value fed to the same comparisons.
double claimed_threshold(const std::string& mutant) {
  if (mutant == "threshold_pi2") return rastrigin_convexity_threshold() * std::sqrt(2.0);  // 2 pi^2 -> pi^2
  if (mutant == "threshold_40pi2")                                                         // ln(20 pi^2) -> ln(40 pi^2)
    return std::sqrt(std::log(40 * kPi * kPi) / (2 * kPi * kPi));
  return rastrigin_convexity_threshold();
}

// The library's closed-form curvature: the central difference of GaussianSmoothing<Rastrigin>'s gradient.
double closed_form_curvature(double s, double x) {
  const Rastrigin f{1};
  const double h = 1e-5, plus = x + h, minus = x - h;
  double g_plus = 0.0, g_minus = 0.0;
  GaussianSmoothing<Rastrigin>::gradient(f, s, &plus, &g_plus);
  GaussianSmoothing<Rastrigin>::gradient(f, s, &minus, &g_minus);
  return (g_plus - g_minus) / (2.0 * h);
}

CheckResult run_threshold_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "rastrigin_convexity_threshold";
  result.claim = "Gaussian-smoothed Rastrigin is convex iff s >= 0.51745: curvature at x=1/2 is 0 there";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.decision_rule = fmt::format(
      "PASS iff the Stein Monte Carlo curvature of 1-D Rastrigin smoothed with N(0, s^2) at x = 1/2 is within {0} SE "
      "of 0 at the library's threshold s*, and within {0} SE of the library's closed-form curvature (the derivative of "
      "its smoothed gradient) at s* -+ 0.1 and at x = 0, 1/4",
      result.z_threshold);
  result.mutant = options.mutant;
  const std::int64_t samples = options.quick ? 1000000 : 8000000;
  const double s_star = claimed_threshold(options.mutant);
  struct Point {
    double s, x, oracle;
    std::string what;
  };
  const Point points[] = {{s_star, 0.5, 0.0, "at the claimed threshold"},
                          {s_star - 0.1, 0.5, closed_form_curvature(s_star - 0.1, 0.5), "below (negative)"},
                          {s_star + 0.1, 0.5, closed_form_curvature(s_star + 0.1, 0.5), "above (positive)"},
                          {s_star, 0.0, closed_form_curvature(s_star, 0.0), "at the argmin x = 0"},
                          {s_star, 0.25, closed_form_curvature(s_star, 0.25), "at x = 1/4"}};
  const Rastrigin f{1};
  std::uint64_t step = 0;
  for (const Point& p : points) {
    ++step;
    double sum = 0.0, sum_sq = 0.0;
    const double fx = f.value(&p.x);
    for (std::int64_t k = 0; k < samples; ++k) {
      RandomStream rng(options.seed, static_cast<std::uint32_t>(k), step, check_purpose(2));
      const double z = rng.normal();
      const double plus = p.x + p.s * z, minus = p.x - p.s * z;
      const double v = (0.5 * (f.value(&plus) + f.value(&minus)) - fx) * (z * z - 1.0) / (p.s * p.s);
      sum += v, sum_sq += v * v;
    }
    const double n = static_cast<double>(samples), mean = sum / n;
    const double se = std::sqrt(std::max(sum_sq / n - mean * mean, 0.0) / (n - 1));
    result.comparisons.push_back({fmt::format("s={:.5f} x={} f_hat'' {}", p.s, p.x, p.what), mean, se, p.oracle});
  }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"rastrigin_convexity_threshold",
                                "Smoothed Rastrigin becomes convex exactly at s = 0.51745",
                                "derived",
                                {"threshold_pi2", "threshold_40pi2"},
                                run_threshold_check});

}  // namespace
}  // namespace sgds
