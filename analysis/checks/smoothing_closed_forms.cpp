// Check: the closed-form smoothed functions of THEORY.md section 2 equal the Monte Carlo
// f_hat_delta(x) = E f(x - delta u), and their gradients equal the Stein (Gaussian) and sphere
// (uniform-ball) Monte Carlo gradients (section 5, oracle 1). The functions are the library's own
// (theory/functions) plus a few one-liners with textbook closed forms.
#include <cmath>
#include <functional>
#include <vector>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"
#include "theory/functions/coupled.hpp"
#include "theory/functions/separable.hpp"

namespace sgds {
namespace {

using Fn = std::function<double(const double*)>;

struct SmoothingCase {
  std::string name;
  int dim;
  bool ball;  // false: u ~ N(0, I) (delta = per-coordinate std); true: u uniform in the unit ball
  Fn f;
  std::function<double(const double*, double)> closed_form;  // f_hat at (x, delta)
  std::vector<std::vector<double>> points;
  std::vector<double> deltas;
};

double gaussian_ripple(double s, const std::string& mutant) {
  // E cos(2 pi (x + s z)) = e^{-2 pi^2 s^2} cos(2 pi x); the mutant halves the exponent.
  return std::exp((mutant == "rastrigin_half_exponent" ? -1.0 : -2.0) * kPi * kPi * s * s);
}
double shift(const std::string& mutant) { return mutant == "no_variance_shift" ? 0.0 : 1.0; }

// phi_d(t) = E over the unit ball of cos(t u_1): sin t / t (d = 1), 3 (sin t - t cos t)/t^3 (d = 3).
double ball_ripple(int d, double t) {
  return d == 1 ? std::sin(t) / t : 3.0 * (std::sin(t) - t * std::cos(t)) / (t * t * t);
}

std::vector<SmoothingCase> make_cases(const std::string& mutant) {
  std::vector<SmoothingCase> cases;
  const Rastrigin r3{3};
  cases.push_back({"rastrigin3", 3, false, [r3](const double* x) { return r3.value(x); },
                   [mutant](const double* x, double s) {
                     double v = 30.0;
                     for (int i = 0; i < 3; ++i)
                       v += x[i] * x[i] + shift(mutant) * s * s - 10.0 * gaussian_ripple(s, mutant) * std::cos(2 * kPi * x[i]);
                     return v;
                   },
                   {{0.0, 0.0, 0.0}, {0.3, -0.7, 1.2}},
                   {0.15, 0.3, 0.6}});
  const Griewank g3{3};
  cases.push_back({"griewank3", 3, false, [g3](const double* x) { return g3.value(x); },
                   [mutant](const double* x, double s) {
                     double sum = 0.0, product = 1.0;
                     for (int i = 0; i < 3; ++i) {
                       sum += x[i] * x[i] + shift(mutant) * s * s;
                       product *= std::exp(-s * s / (2.0 * (i + 1))) * std::cos(x[i] / std::sqrt(i + 1.0));
                     }
                     return sum / 4000.0 - product + 1.0;
                   },
                   {{0.0, 0.0, 0.0}, {2.0, -3.0, 5.0}},
                   {0.5, 2.0}});
  const Rosenbrock rb3{3};
  cases.push_back({"rosenbrock3", 3, false, [rb3](const double* x) { return rb3.value(x); },
                   [mutant](const double* x, double s) {
                     const double k = shift(mutant);
                     double v = 0.0;
                     for (int i = 0; i < 2; ++i) {
                       const double a = x[i + 1] - x[i] * x[i];
                       v += 100.0 * (a * a + k * s * s * (1 - 2 * x[i + 1] + 6 * x[i] * x[i]) + k * 3 * s * s * s * s) +
                            (x[i] - 1) * (x[i] - 1) + k * s * s;
                     }
                     return v;
                   },
                   {{1.0, 1.0, 1.0}, {-0.5, 0.3, 0.8}},
                   {0.05, 0.2}});
  // x' H x / 2 with H = diag(1, 4): + s^2 tr(H) / 2.
  cases.push_back({"quadratic2", 2, false, [](const double* x) { return 0.5 * (x[0] * x[0] + 4 * x[1] * x[1]); },
                   [mutant](const double* x, double s) {
                     return 0.5 * (x[0] * x[0] + 4 * x[1] * x[1]) + shift(mutant) * s * s * 5.0 / 2.0;
                   },
                   {{0.5, -1.0}},
                   {0.3, 1.0}});
  cases.push_back({"quartic1", 1, false, [](const double* x) { return x[0] * x[0] * x[0] * x[0]; },
                   [mutant](const double* x, double s) {
                     const double k = shift(mutant);
                     return std::pow(x[0], 4) + k * (6 * s * s * x[0] * x[0] + 3 * std::pow(s, 4));
                   },
                   {{0.0}, {0.8}},
                   {0.3, 0.6}});
  // cos(w'x + p), w = (2, -1), p = 0.4: e^{-s^2 |w|^2 / 2} cos(w'x + p).
  cases.push_back({"cosine2", 2, false, [](const double* x) { return std::cos(2 * x[0] - x[1] + 0.4); },
                   [](const double* x, double s) { return std::exp(-s * s * 5.0 / 2.0) * std::cos(2 * x[0] - x[1] + 0.4); },
                   {{0.1, 0.2}, {1.0, -0.5}},
                   {0.3, 0.8}});
  // RBF exp(-|x - c|^2 / (2 r^2)), c = (0.5, 0.5), r = 0.7.
  cases.push_back({"rbf2", 2, false,
                   [](const double* x) {
                     const double q = (x[0] - 0.5) * (x[0] - 0.5) + (x[1] - 0.5) * (x[1] - 0.5);
                     return std::exp(-q / (2 * 0.49));
                   },
                   [](const double* x, double s) {
                     const double q = (x[0] - 0.5) * (x[0] - 0.5) + (x[1] - 0.5) * (x[1] - 0.5);
                     const double r2 = 0.49;
                     return (r2 / (r2 + s * s)) * std::exp(-q / (2 * (r2 + s * s)));
                   },
                   {{0.5, 0.5}, {1.2, -0.1}},
                   {0.3, 0.7}});
  // Uniform-ball smoothing of Rastrigin in d = 1 and 3: 10d + |x|^2 + delta^2 d/(d+2) - 10 phi_d(2 pi delta) sum cos.
  for (int d : {1, 3}) {
    const Rastrigin r{d};
    cases.push_back({fmt::format("rastrigin{}_ball", d), d, true, [r](const double* x) { return r.value(x); },
                     [d, mutant](const double* x, double delta) {
                       if (mutant == "ball_as_gaussian") {  // the Gaussian closed form with s = delta
                         double v = 10.0 * d;
                         for (int i = 0; i < d; ++i)
                           v += x[i] * x[i] + delta * delta - 10.0 * gaussian_ripple(delta, "") * std::cos(2 * kPi * x[i]);
                         return v;
                       }
                       double v = 10.0 * d + shift(mutant) * delta * delta * d / (d + 2.0);
                       for (int i = 0; i < d; ++i)
                         v += x[i] * x[i] - 10.0 * ball_ripple(d, 2 * kPi * delta) * std::cos(2 * kPi * x[i]);
                       return v;
                     },
                     {std::vector<double>(static_cast<std::size_t>(d), 0.0), std::vector<double>(static_cast<std::size_t>(d), 0.3)},
                     {0.3, 0.5, 0.75}});
  }
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

CheckResult run_smoothing_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "smoothing_closed_forms";
  result.claim = "Closed-form Gaussian and ball smoothings equal Monte Carlo f_hat, Stein and sphere gradients";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.decision_rule = fmt::format(
      "PASS iff for every function, point x and delta: |MC f_hat - closed form| <= {0} SE and, per coordinate, "
      "|Stein (Gaussian) or sphere (ball) gradient - central difference of the closed form| <= {0} SE "
      "(SE of the mean of independent draws)",
      result.z_threshold);
  result.mutant = options.mutant;
  const std::int64_t samples = options.quick ? 200000 : 2000000;
  std::uint64_t stream_step = 0;
  for (const SmoothingCase& c : make_cases(options.mutant)) {
    const auto d = static_cast<std::size_t>(c.dim);
    for (const auto& x : c.points) {
      for (double delta : c.deltas) {
        ++stream_step;
        std::vector<double> u(d), shifted(d);
        const double f_at_x = c.f(x.data());
        double f_sum = 0.0, f_sq = 0.0;
        std::vector<double> g_sum(d, 0.0), g_sq(d, 0.0);
        for (std::int64_t k = 0; k < samples; ++k) {
          RandomStream rng(options.seed, static_cast<std::uint32_t>(k), stream_step, check_purpose(0));
          draw(rng, c.dim, c.ball, false, u.data());
          for (std::size_t i = 0; i < d; ++i) shifted[i] = x[i] - delta * u[i];
          const double value = c.f(shifted.data());
          f_sum += value, f_sq += value * value;
          // Gradient: Stein (1/s) E[f(x + s z) z] or sphere (d/delta) E[f(x + delta v) v], with the
          // control variate f(x) (E u = 0); not antithetic, whose variance vanishes at symmetric points.
          RandomStream rng_gradient(options.seed, static_cast<std::uint32_t>(k), stream_step, check_purpose(1));
          draw(rng_gradient, c.dim, false, c.ball, u.data());
          for (std::size_t i = 0; i < d; ++i) shifted[i] = x[i] + delta * u[i];
          const double difference = c.f(shifted.data()) - f_at_x;
          const double factor = (c.ball ? c.dim : 1.0) / delta;
          for (std::size_t i = 0; i < d; ++i) {
            const double gi = factor * difference * u[i];
            g_sum[i] += gi, g_sq[i] += gi * gi;
          }
        }
        const auto n = static_cast<double>(samples);
        const std::string where = fmt::format("{} x=({:.2g}) delta={}", c.name, fmt::join(x, ", "), delta);
        const MeanAndSe fhat = summarise(f_sum, f_sq, n);
        result.comparisons.push_back({where + " f_hat", fhat.mean, fhat.se, c.closed_form(x.data(), delta)});
        for (std::size_t i = 0; i < d; ++i) {
          std::vector<double> plus = x, minus = x;
          const double h = 1e-5;
          plus[i] += h, minus[i] -= h;
          const double derivative = (c.closed_form(plus.data(), delta) - c.closed_form(minus.data(), delta)) / (2 * h);
          const MeanAndSe g = summarise(g_sum[i], g_sq[i], n);
          result.comparisons.push_back({fmt::format("{} grad_{}", where, i), g.mean, g.se, derivative});
        }
      }
    }
  }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"smoothing_closed_forms",
                                "Closed-form smoothed functions and gradients match Monte Carlo (oracle 1)",
                                "derived",
                                {"rastrigin_half_exponent", "no_variance_shift", "ball_as_gaussian"},
                                run_smoothing_check});

}  // namespace
}  // namespace sgds
