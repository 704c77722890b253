#pragma once
// The templated part of the sigma-nice diagnostics (see theory/nice.hpp).
#include <cmath>
#include <limits>

#include "theory/nice.hpp"
#include "theory/smoothing.hpp"
#include "theory/smoothing_closed_forms.hpp"

namespace sgds {

template <class F>
class SmoothedOracle {
 public:
  SmoothedOracle(const F& f, const KernelSpec& k, double delta, const NiceOptions& o)
      : f_(f), k_(k), delta_(delta), o_(o) {
    double v;
    closed_ =
        closed_form_smoothed(f, k, delta, std::vector<double>(static_cast<std::size_t>(f.dim)).data(), &v, nullptr);
  }
  bool closed() const { return closed_; }
  double value(const double* x) const {
    double v = 0.0;
    if (closed_form_smoothed(f_, k_, delta_, x, &v, nullptr)) return v;
    return smoothed_value_mc(f_, k_, delta_, x, o_.mc_samples, o_.seed).mean;
  }
  void gradient(const double* x, double* g) const {
    if (closed_form_smoothed(f_, k_, delta_, x, nullptr, g)) return;
    const VectorEstimate e =
        smoothed_gradient_mc(f_, k_, delta_, x, o_.mc_samples, o_.seed, GradientEstimator::reparameterised);
    for (int i = 0; i < f_.dim; ++i) g[i] = e.mean[static_cast<std::size_t>(i)];
  }
  // Closed form: central differences of the closed-form gradient; else reparameterised MC Hessian.
  std::vector<double> hessian(const double* x) const {
    const int d = f_.dim;
    const auto n = static_cast<std::size_t>(d);
    if (!closed_) return smoothed_hessian_mc(f_, k_, delta_, x, o_.mc_samples, o_.seed);
    std::vector<double> h(n * n), xp(x, x + d), xm(x, x + d), gp(n), gm(n);
    const double step = 1e-5;
    for (int j = 0; j < d; ++j) {
      xp.assign(x, x + d), xm.assign(x, x + d);
      xp[static_cast<std::size_t>(j)] += step, xm[static_cast<std::size_t>(j)] -= step;
      gradient(xp.data(), gp.data());
      gradient(xm.data(), gm.data());
      for (int i = 0; i < d; ++i)
        h[static_cast<std::size_t>(i * d + j)] =
            (gp[static_cast<std::size_t>(i)] - gm[static_cast<std::size_t>(i)]) / (2.0 * step);
    }
    for (int i = 0; i < d; ++i)  // symmetrise the difference quotients
      for (int j = 0; j < i; ++j) {
        const double m = 0.5 * (h[static_cast<std::size_t>(i * d + j)] + h[static_cast<std::size_t>(j * d + i)]);
        h[static_cast<std::size_t>(i * d + j)] = h[static_cast<std::size_t>(j * d + i)] = m;
      }
    return h;
  }

 private:
  const F& f_;
  KernelSpec k_;
  double delta_;
  NiceOptions o_;
  bool closed_ = false;
};

// Global minimiser of f_hat over the function's box: grid (d <= 2) or random starts (d > 2),
// then gradient descent with backtracking from the best few candidates.
template <class F>
std::vector<double> smoothed_argmin(const F& f, const SmoothedOracle<F>& oracle, const NiceOptions& o) {
  const int d = f.dim;
  const auto n = static_cast<std::size_t>(d);
  const double lo = f.box_low(), hi = f.box_high();
  std::vector<double> best(n), x(n), g(n), y(n);
  double best_value = std::numeric_limits<double>::infinity();
  auto consider = [&](const std::vector<double>& p) {
    const double v = oracle.value(p.data());
    if (v < best_value) best_value = v, best = p;
  };
  if (d == 1) {
    for (int i = 0; i < o.grid_points; ++i) x[0] = lo + (hi - lo) * i / (o.grid_points - 1.0), consider(x);
  } else if (d == 2) {
    const int m = static_cast<int>(std::sqrt(static_cast<double>(o.grid_points) * 40.0));
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < m; ++j)
        x[0] = lo + (hi - lo) * i / (m - 1.0), x[1] = lo + (hi - lo) * j / (m - 1.0), consider(x);
  } else {
    for (int s = 0; s < o.grid_points; ++s) {
      RandomStream rng(o.seed, static_cast<std::uint32_t>(s), 0, StreamPurpose::user);
      for (auto& v : x) v = lo + (hi - lo) * rng.uniform();
      consider(x);
    }
  }
  // Refine: gradient descent with Armijo backtracking, staying in the box.
  x = best;
  double fx = best_value, step = 1e-2 * (hi - lo);
  for (int it = 0; it < 500 && step > 1e-14; ++it) {
    oracle.gradient(x.data(), g.data());
    double gn = 0.0;
    for (double v : g) gn += v * v;
    if (gn == 0.0) break;
    for (;;) {
      for (std::size_t i = 0; i < n; ++i) y[i] = std::min(hi, std::max(lo, x[i] - step * g[i]));
      const double fy = oracle.value(y.data());
      if (fy <= fx - 1e-4 * step * gn) {
        x = y, fx = fy, step *= 1.5;
        break;
      }
      step *= 0.5;
      if (step < 1e-14) break;
    }
  }
  return fx <= best_value ? x : best;
}

template <class F>
NiceReport nice_diagnostics(const F& f, const KernelSpec& k, const std::vector<double>& deltas, const NiceOptions& o) {
  NiceReport report;
  const int d = f.dim;
  const auto n = static_cast<std::size_t>(d);
  for (double delta : deltas) {
    SmoothedOracle<F> oracle(f, k, delta, o);
    report.closed_form = oracle.closed();
    NiceStage stage;
    stage.delta = delta;
    stage.x_star = smoothed_argmin(f, oracle, o);
    stage.f_hat_at_x_star = oracle.value(stage.x_star.data());
    stage.min_eigenvalue_at_x_star = min_symmetric_eigenvalue(oracle.hessian(stage.x_star.data()), d);
    double worst = stage.min_eigenvalue_at_x_star;
    std::vector<double> p(n);
    const double radius = 3.0 * delta;
    for (int s = 0; s < o.ball_points; ++s) {
      if (d == 1) {
        p[0] = stage.x_star[0] - radius + 2.0 * radius * s / (o.ball_points - 1.0);
      } else {
        RandomStream rng(o.seed, static_cast<std::uint32_t>(s), 1, StreamPurpose::user);
        double r2 = 0.0;
        for (auto& v : p) v = rng.normal(), r2 += v * v;
        const double r = radius * std::pow(rng.uniform(), 1.0 / d) / std::sqrt(r2);
        for (std::size_t i = 0; i < n; ++i) p[i] = stage.x_star[i] + r * p[i];
      }
      worst = std::min(worst, min_symmetric_eigenvalue(oracle.hessian(p.data()), d));
    }
    stage.min_eigenvalue = worst;
    report.stages.push_back(stage);
  }
  report.sigma = std::numeric_limits<double>::infinity();
  for (std::size_t m = 0; m < report.stages.size(); ++m) {
    NiceStage& s = report.stages[m];
    if (m + 1 < report.stages.size()) {
      const NiceStage& next = report.stages[m + 1];
      double dist = 0.0;
      for (std::size_t i = 0; i < n; ++i) dist += (s.x_star[i] - next.x_star[i]) * (s.x_star[i] - next.x_star[i]);
      s.centering_distance = std::sqrt(dist);
      s.centering_bound = s.delta - next.delta;
      // 1e-6 absolute slack for the argmin search's resolution.
      s.centering_ok = s.centering_distance <= s.centering_bound + 1e-6;
    }
    report.all_centering_ok = report.all_centering_ok && s.centering_ok;
    report.sigma = std::min(report.sigma, s.min_eigenvalue);
  }
  report.nice = report.all_centering_ok && report.sigma > 0.0;
  report.method = report.closed_form ? "closed-form f_hat; Hessian by central differences of its exact gradient"
                                     : "Monte Carlo f_hat (common random numbers); reparameterised Monte Carlo Hessian";
  return report;
}

}  // namespace sgds
