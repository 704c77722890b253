// Check: every closed-form smoothing in the library (theory/smoothing_closed_forms.hpp, the
// formulas the engine's explicit GO and GradOpt use) equals the Monte Carlo f_hat_delta(x) =
// E f(x + s u) estimated here from the library's own function, and its gradient equals the Stein
// (Gaussian) or sphere (uniform-ball) Monte Carlo gradient (docs/THEORY.md section 2, section 5
// oracle 1). Every specialisation with `exists` is enumerated, so a wrong formula anywhere in the
// library fails here; the mutants feed the library the inputs a typical slip would (a scale off
// by sqrt 2, no scale at all, the other kernel's formula).
#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"
#include "theory/smoothing_closed_forms.hpp"

namespace sgds {
namespace {

struct SmoothingCase {
  std::string name;
  int dim;
  bool ball;  // false: u ~ N(0, I) (s = per-coordinate std); true: u uniform in the unit ball (s = radius)
  std::function<double(const double*)> f;
  std::function<double(const double*, double)> closed_form;             // the library's f_hat at (x, s)
  std::function<void(const double*, double, double*)> closed_gradient;  // the library's grad f_hat
  std::vector<std::vector<double>> points;
  std::vector<double> scales;
};

// The library's closed form for F (Gaussian or ball), wrapped; the mutants change its inputs.
template <class F>
void add_case(std::vector<SmoothingCase>& cases, const std::string& name, const F& f, bool ball,
              std::vector<std::vector<double>> points, std::vector<double> scales, const std::string& mutant) {
  const auto input_scale = [mutant](double s) {
    if (mutant == "scale_off_by_sqrt2") return s / std::sqrt(2.0);  // e.g. exp(-pi^2 s^2) for exp(-2 pi^2 s^2)
    if (mutant == "scale_ignored") return 0.0;                      // f itself: the smoothing's terms left out
    return s;
  };
  const bool swap_kernel = mutant == "ball_as_gaussian" && ball;
  SmoothingCase c{name,
                  f.dim,
                  ball,
                  [f](const double* x) { return f.value(x); },
                  nullptr,
                  nullptr,
                  std::move(points),
                  std::move(scales)};
  if constexpr (GaussianSmoothing<F>::exists && BallSmoothing<F>::exists) {
    if (ball && !swap_kernel) {
      c.closed_form = [f, input_scale](const double* x, double s) {
        return BallSmoothing<F>::value(f, input_scale(s), x);
      };
      c.closed_gradient = [f, input_scale](const double* x, double s, double* g) {
        BallSmoothing<F>::gradient(f, input_scale(s), x, g);
      };
    } else {
      c.closed_form = [f, input_scale](const double* x, double s) {
        return GaussianSmoothing<F>::value(f, input_scale(s), x);
      };
      c.closed_gradient = [f, input_scale](const double* x, double s, double* g) {
        GaussianSmoothing<F>::gradient(f, input_scale(s), x, g);
      };
    }
  } else if constexpr (GaussianSmoothing<F>::exists) {
    c.closed_form = [f, input_scale](const double* x, double s) {
      return GaussianSmoothing<F>::value(f, input_scale(s), x);
    };
    c.closed_gradient = [f, input_scale](const double* x, double s, double* g) {
      GaussianSmoothing<F>::gradient(f, input_scale(s), x, g);
    };
  }
  cases.push_back(std::move(c));
}

template <class F>
F with_dim(int d) {
  F f{};
  f.dim = d;
  return f;
}

std::vector<SmoothingCase> make_cases(const std::string& mutant) {
  std::vector<SmoothingCase> cases;
  const auto gaussian = [&](const std::string& name, const auto& f, std::vector<std::vector<double>> points,
                            std::vector<double> scales) {
    add_case(cases, name, f, false, std::move(points), std::move(scales), mutant);
  };
  const auto ball = [&](const std::string& name, const auto& f, std::vector<std::vector<double>> points,
                        std::vector<double> scales) {
    add_case(cases, name, f, true, std::move(points), std::move(scales), mutant);
  };
  gaussian("rastrigin3", with_dim<Rastrigin>(3), {{0.0, 0.0, 0.0}, {0.3, -0.7, 1.2}}, {0.15, 0.3, 0.6});
  gaussian("griewank3", with_dim<Griewank>(3), {{0.0, 0.0, 0.0}, {2.0, -3.0, 5.0}}, {0.5, 2.0});
  gaussian("rosenbrock3", with_dim<Rosenbrock>(3), {{1.0, 1.0, 1.0}, {-0.5, 0.3, 0.8}}, {0.05, 0.2});
  gaussian("sphere2", with_dim<Sphere>(2), {{0.5, -1.0}}, {0.3, 1.0});
  gaussian("ellipsoid3", with_dim<Ellipsoid>(3), {{0.5, -1.0, 0.2}}, {0.3, 1.0});
  gaussian("rotated_ellipsoid3", with_dim<RotatedEllipsoid>(3), {{0.5, -1.0, 0.2}}, {0.3, 1.0});
  Quadratic q = with_dim<Quadratic>(3);
  q.a = 0.7, q.condition = 5.0, q.rotated = true;
  gaussian("quadratic3_rotated", q, {{0.5, -1.0, 2.0}}, {0.3, 1.0});
  gaussian("styblinski_tang2", with_dim<StyblinskiTang>(2), {{0.0, 0.0}, {-2.9, 1.5}}, {0.2, 0.7});
  TiltedDoubleWell well = with_dim<TiltedDoubleWell>(1);
  well.height = 1.0, well.tilt = 0.25, well.k = 1.0;
  gaussian("double_well1", well, {{0.0}, {-1.1}, {0.9}}, {0.1, 0.4});
  gaussian("gaussian_wells2", with_dim<GaussianWells>(2), {{0.0, 0.0}, {1.0, -0.5}}, {0.2, 0.6});
  for (int d : {1, 3}) {
    ball(fmt::format("rastrigin{}_ball", d), with_dim<Rastrigin>(d),
         {std::vector<double>(static_cast<std::size_t>(d), 0.0), std::vector<double>(static_cast<std::size_t>(d), 0.3)},
         {0.3, 0.5, 0.75});
  }
  ball("quadratic3_ball", q, {{0.5, -1.0, 2.0}}, {0.3, 1.0});
  ball("sphere2_ball", with_dim<Sphere>(2), {{0.5, -1.0}}, {0.3, 1.0});
  ball("ellipsoid3_ball", with_dim<Ellipsoid>(3), {{0.5, -1.0, 0.2}}, {0.5});
  ball("rotated_ellipsoid3_ball", with_dim<RotatedEllipsoid>(3), {{0.5, -1.0, 0.2}}, {0.5});
  return cases;
}

// One unit-ball (ball = true: uniform in the ball; sphere: on its surface) or N(0, I) draw.
void draw(RandomStream& rng, int dim, bool ball, bool sphere, double* u) {
  double r2 = 0.0;
  for (int i = 0; i < dim; ++i) u[i] = rng.normal(), r2 += u[i] * u[i];
  if (!ball && !sphere) return;
  const double radius = (ball ? std::pow(rng.uniform(), 1.0 / dim) : 1.0) / std::sqrt(r2);
  for (int i = 0; i < dim; ++i) u[i] *= radius;
}

struct MeanAndSe {
  double mean, se;
};
MeanAndSe summarise(double sum, double sum_sq, double n) {
  const double mean = sum / n;
  return {mean, std::sqrt(std::max(sum_sq / n - mean * mean, 0.0) / (n - 1))};
}

// f_hat and gradient sums over `samples` draws: {sum f, sum f^2, sum g_i (d), sum g_i^2 (d)}.
std::vector<double> monte_carlo_sums(const SmoothingCase& c, const std::vector<double>& x, double delta,
                                     std::int64_t samples, std::uint32_t seed, std::uint64_t stream_step) {
  const auto d = static_cast<std::size_t>(c.dim);
  std::vector<double> u(d), shifted(d), sums(2 + 2 * d, 0.0);
  const double f_at_x = c.f(x.data());
  for (std::int64_t k = 0; k < samples; ++k) {
    RandomStream rng(seed, static_cast<std::uint32_t>(k), stream_step, check_purpose(0));
    draw(rng, c.dim, c.ball, false, u.data());
    for (std::size_t i = 0; i < d; ++i) shifted[i] = x[i] - delta * u[i];
    const double value = c.f(shifted.data());
    sums[0] += value, sums[1] += value * value;
    // Gradient: Stein (1/s) E[f(x + s z) z] or sphere (d/delta) E[f(x + delta v) v], with the
    // control variate f(x) (E u = 0); not antithetic, whose variance vanishes at symmetric points.
    RandomStream rng_gradient(seed, static_cast<std::uint32_t>(k), stream_step, check_purpose(1));
    draw(rng_gradient, c.dim, false, c.ball, u.data());
    for (std::size_t i = 0; i < d; ++i) shifted[i] = x[i] + delta * u[i];
    const double difference = c.f(shifted.data()) - f_at_x;
    const double factor = (c.ball ? c.dim : 1.0) / delta;
    for (std::size_t i = 0; i < d; ++i) {
      const double gi = factor * difference * u[i];
      sums[2 + i] += gi, sums[2 + d + i] += gi * gi;
    }
  }
  return sums;
}

CheckResult run_smoothing_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "smoothing_closed_forms";
  result.claim = "The library's closed-form Gaussian and ball smoothings equal Monte Carlo f_hat and gradients";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.decision_rule = fmt::format(
      "PASS iff for every closed form of the library (theory/smoothing_closed_forms.hpp), point x and scale s: |MC "
      "f_hat - closed form| <= {0} SE and, per coordinate, |Stein (Gaussian) or sphere (ball) gradient - the library's "
      "gradient| <= {0} SE (SE of the mean of independent draws), and the library's gradient equals the central "
      "difference of its value to 1e-6",
      result.z_threshold);
  result.mutant = options.mutant;
  const std::int64_t samples = options.quick ? 100000 : 2000000;
  std::uint64_t stream_step = 0;
  for (const SmoothingCase& c : make_cases(options.mutant)) {
    const auto d = static_cast<std::size_t>(c.dim);
    for (const auto& x : c.points) {
      for (double delta : c.scales) {
        ++stream_step;
        // The Monte Carlo sums depend on the case, not on the mutant (which changes the library's
        // inputs only): computed once per process and reused by the mutants.
        const std::string key = fmt::format("{} {} {} {} {}", options.seed, samples, c.name, fmt::join(x, ","), delta);
        static std::mutex cache_lock;
        static std::map<std::string, std::vector<double>> cache;  // f_sum, f_sq, g_sum[d], g_sq[d]
        std::vector<double> sums;
        {
          const std::lock_guard<std::mutex> guard(cache_lock);
          if (cache.count(key)) sums = cache[key];
        }
        if (sums.empty()) {
          sums = monte_carlo_sums(c, x, delta, samples, options.seed, stream_step);
          const std::lock_guard<std::mutex> guard(cache_lock);
          cache[key] = sums;
        }
        const double f_sum = sums[0], f_sq = sums[1];
        const std::vector<double> g_sum(sums.begin() + 2, sums.begin() + 2 + static_cast<std::ptrdiff_t>(d)),
            g_sq(sums.begin() + 2 + static_cast<std::ptrdiff_t>(d), sums.end());
        const auto n = static_cast<double>(samples);
        const std::string where = fmt::format("{} x=({:.2g}) s={}", c.name, fmt::join(x, ", "), delta);
        const MeanAndSe fhat = summarise(f_sum, f_sq, n);
        result.comparisons.push_back({where + " f_hat", fhat.mean, fhat.se, c.closed_form(x.data(), delta)});
        std::vector<double> gradient(d);
        c.closed_gradient(x.data(), delta, gradient.data());
        for (std::size_t i = 0; i < d; ++i) {
          const MeanAndSe g = summarise(g_sum[i], g_sq[i], n);
          result.comparisons.push_back({fmt::format("{} grad_{}", where, i), g.mean, g.se, gradient[i]});
          // The library's gradient is the derivative of its value (central difference, h = 1e-5).
          std::vector<double> plus = x, minus = x;
          const double h = 1e-5;
          plus[i] += h, minus[i] -= h;
          const double derivative = (c.closed_form(plus.data(), delta) - c.closed_form(minus.data(), delta)) / (2 * h);
          result.comparisons.push_back({fmt::format("{} grad_{} = d f_hat / dx_{}", where, i, i), gradient[i],
                                        1e-6 * std::max(1.0, std::fabs(derivative)), derivative,
                                        Evidence::deterministic});
        }
      }
    }
  }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"smoothing_closed_forms",
                                "The library's closed-form smoothings and gradients match Monte Carlo (oracle 1)",
                                "derived",
                                {"scale_off_by_sqrt2", "scale_ignored", "ball_as_gaussian"},
                                run_smoothing_check});

}  // namespace
}  // namespace sgds
