// Check (docs/THEORY.md section 2): the gradient of the Gaussian smoothing can be taken under the
// integral, grad f_hat_delta(x) = E grad f(x - delta u), and by Stein's lemma it is also
// E[u (f(x + delta u) - f(x))] / delta, u ~ N(0, I_d): one from f's gradient, one from its values
// alone. The two are the library's estimators (theory/smoothing.hpp, what `sgdsmooth smooth`
// prints); where a closed form exists both must equal it. Holds for Lipschitz f with kinks (a
// null set) as well, so it applies to any catalogue function and to a user's formula
// (--problem), where it also tests the symbolic gradient against the values around x.
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/check_problem.hpp"
#include "analysis/trend.hpp"
#include "theory/kernels.hpp"
#include "theory/smoothing.hpp"
#include "theory/smoothing_closed_forms.hpp"

namespace sgds {
namespace {

constexpr double kDeltaFractions[] = {0.02, 0.1};  // delta as a fraction of the box's width
constexpr int kPoints = 2;

// Rows for one function: every point and delta, every coordinate.
template <class F>
void add_rows(CheckResult& result, const F& f, const std::string& label, const std::vector<std::vector<double>>& points,
              int samples, const CheckOptions& options, std::uint32_t& index) {
  const KernelSpec gaussian = make_kernel("gaussian");
  const double width = f.box_high() - f.box_low();
  const auto d = static_cast<std::size_t>(f.dim);
  for (std::size_t p = 0; p < points.size(); ++p)
    for (double fraction : kDeltaFractions) {
      ++index;
      const double delta = fraction * width;
      const double* x = points[p].data();
      const VectorEstimate through_gradient = smoothed_gradient_mc(
          f, gaussian, delta, x, samples, options.seed + 2 * index, GradientEstimator::reparameterised);
      const VectorEstimate through_values =
          smoothed_gradient_mc(f, gaussian, delta, x, samples, options.seed + 2 * index + 1, GradientEstimator::stein);
      std::vector<double> closed(d), gradient_at_x(d);
      double closed_value = 0.0;
      const bool has_closed = closed_form_smoothed(f, gaussian, delta, x, &closed_value, closed.data());
      f.gradient(x, gradient_at_x.data());
      const std::string where = fmt::format("{} point {} delta={:.4g}", label, p + 1, delta);
      for (std::size_t i = 0; i < d; ++i) {
        const double g = through_gradient.mean[i], g_se = through_gradient.se[i];
        const double s = through_values.mean[i], s_se = through_values.se[i];
        const std::string coordinate = fmt::format("{} [{}]", where, i + 1);
        if (options.mutant == "no_smoothing") {  // grad f_hat = grad f(x)
          result.comparisons.push_back({coordinate + " E grad f(x - delta u) vs grad f(x)", g, g_se, gradient_at_x[i]});
          continue;
        }
        if (options.mutant == "stein_over_delta_squared") {  // the Stein weight divided by delta once more
          result.comparisons.push_back({coordinate + " E grad f(x - delta u) - Stein / delta", g - s / delta,
                                        std::sqrt(g_se * g_se + s_se * s_se / (delta * delta)), 0.0});
          continue;
        }
        result.comparisons.push_back(
            {coordinate + " E grad f(x - delta u) - Stein", g - s, std::sqrt(g_se * g_se + s_se * s_se), 0.0});
        if (has_closed) {
          result.comparisons.push_back({coordinate + " E grad f(x - delta u) vs closed form", g, g_se, closed[i]});
          result.comparisons.push_back({coordinate + " Stein vs closed form", s, s_se, closed[i]});
        }
      }
    }
}

CheckResult run_gradient_identity(const CheckOptions& options) {
  CheckResult result;
  result.name = "smoothing_gradient_identity";
  result.claim = "grad f_hat_delta(x) = E grad f(x - delta u) = E[u (f(x + delta u) - f(x))] / delta (Gaussian u)";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.mutant = options.mutant;
  const int samples = options.quick ? 200000 : 2000000;
  std::uint32_t index = 0;
  std::string functions;
  if (!options.problem.empty()) {
    const CheckProblem problem = parse_check_problem(options.problem);
    functions = problem.label;
    std::visit(
        [&](const auto& f) {
          add_rows(result, f, problem.label, check_problem_points(problem, kPoints), samples, options, index);
        },
        problem.function);
  } else {
    const std::vector<std::pair<std::string, int>> cases{{"rastrigin", 2}, {"levy", 3},      {"styblinski_tang", 2},
                                                         {"ackley", 2},    {"drop_wave", 2}, {"griewank", 3}};
    std::uint32_t stream = 0;
    for (const auto& [name, dim] : cases) {
      const FunctionVariant function = make_function(name, dim);
      const std::string label = fmt::format("{} d={}", name, dim);
      functions += (functions.empty() ? "" : ", ") + label;
      std::visit(
          [&](const auto& f) {
            add_rows(result, f, label,
                     central_box_points(f.box_low(), f.box_high(), f.dim, kPoints, stream * 16u, check_purpose(31)),
                     samples, options, index);
          },
          function);
      ++stream;
    }
  }
  result.decision_rule = fmt::format(
      "On {}: {} points in the central half of the box, delta = 0.02 and 0.1 of the box's width; {} draws for each "
      "estimator. PASS iff per coordinate |E grad f(x - delta u) - Stein| <= {} SE (independent draws, SEs combined) "
      "and, where a closed form exists, each estimator is within {} SE of it. Mutants: no_smoothing predicts grad "
      "f(x), "
      "stein_over_delta_squared a Stein weight divided by delta^2",
      functions, kPoints, samples, result.z_threshold, result.z_threshold);
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"smoothing_gradient_identity",
                                "grad f_hat = E grad f(x - delta u) = Stein's E[u f(x + delta u)] / delta (smoothing)",
                                "derived",
                                {"no_smoothing", "stein_over_delta_squared"},
                                run_gradient_identity,
                                true});

}  // namespace
}  // namespace sgds
