#pragma once
// Monte Carlo smoothed functions f_hat_delta(x) = E f(x - delta u), u ~ kernel, and their
// gradients by three estimators, each with standard errors (host code):
//   reparameterised  grad f_hat = E grad f(x - delta u)                        (any kernel)
//   Stein            grad f_hat = (1/rho) E[(f(x + rho z) - f(x)) z], z ~ N(0, I), rho = delta scale
//   sphere           grad f_hat = (d/rho) E[(f(x + rho v) - f(x)) v], v uniform on the unit sphere,
//                    for the ball kernel of radius rho = delta scale
// (the f(x) baseline has mean zero against z or v and only lowers the variance). Draws come from
// RandomStream(seed, sample, 0, smoothing_kernel), so the same seed gives common random numbers
// at every x (smooth Monte Carlo curves).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "theory/kernels.hpp"

namespace sgds {

struct ScalarEstimate {
  double mean = 0.0, se = 0.0;
};
struct VectorEstimate {
  std::vector<double> mean, se;
};

// Running mean and variance (Welford) of a scalar or a vector.
class MeanAccumulator {
 public:
  explicit MeanAccumulator(int dim = 1) : mean_(static_cast<std::size_t>(dim)), m2_(static_cast<std::size_t>(dim)) {}
  void add(const double* v) {
    ++n_;
    for (std::size_t i = 0; i < mean_.size(); ++i) {
      const double delta = v[i] - mean_[i];
      mean_[i] += delta / static_cast<double>(n_);
      m2_[i] += delta * (v[i] - mean_[i]);
    }
  }
  // A scalar accumulator (dim 1) takes the value itself: passing &v of a local made GCC warn,
  // once vectorising for AVX2, that v[1..] may be read uninitialised.
  void add(double v) {
    ++n_;
    const double delta = v - mean_[0];
    mean_[0] += delta / static_cast<double>(n_);
    m2_[0] += delta * (v - mean_[0]);
  }
  VectorEstimate result() const {
    VectorEstimate e{mean_, std::vector<double>(mean_.size())};
    for (std::size_t i = 0; i < mean_.size(); ++i)
      e.se[i] = n_ > 1 ? std::sqrt(m2_[i] / static_cast<double>(n_ - 1) / static_cast<double>(n_)) : 0.0;
    return e;
  }

 private:
  std::vector<double> mean_, m2_;
  std::int64_t n_ = 0;
};

enum class GradientEstimator { reparameterised, stein, sphere };

// The value E f(x - delta u).
template <class F>
ScalarEstimate smoothed_value_mc(const F& f, const KernelSpec& k, double delta, const double* x, int samples,
                                 std::uint32_t seed) {
  const int d = f.dim;
  std::vector<double> u(static_cast<std::size_t>(d)), y(static_cast<std::size_t>(d));
  MeanAccumulator acc(1);
  for (int n = 0; n < samples; ++n) {
    RandomStream rng(seed, static_cast<std::uint32_t>(n), 0, StreamPurpose::smoothing_kernel);
    sample_kernel(k, d, rng, u.data());
    for (int i = 0; i < d; ++i) y[i] = x[i] - delta * u[i];
    acc.add(f.value(y.data()));
  }
  const VectorEstimate e = acc.result();
  return {e.mean[0], e.se[0]};
}

// Throws std::invalid_argument when the estimator does not fit the kernel (Stein needs the
// Gaussian kernel, sphere the ball).
template <class F>
VectorEstimate smoothed_gradient_mc(const F& f, const KernelSpec& k, double delta, const double* x, int samples,
                                    std::uint32_t seed, GradientEstimator estimator) {
  const int d = f.dim;
  const auto n_d = static_cast<std::size_t>(d);
  std::vector<double> u(n_d), y(n_d), g(n_d);
  if (estimator == GradientEstimator::stein && k.kind != KernelKind::gaussian)
    throw std::invalid_argument("the Stein estimator needs the gaussian kernel");
  if (estimator == GradientEstimator::sphere && k.kind != KernelKind::ball)
    throw std::invalid_argument("the sphere estimator needs the ball kernel");
  const double rho = delta * k.scale;
  const double fx = estimator == GradientEstimator::reparameterised ? 0.0 : f.value(x);
  MeanAccumulator acc(d);
  for (int n = 0; n < samples; ++n) {
    RandomStream rng(seed, static_cast<std::uint32_t>(n), 0, StreamPurpose::smoothing_kernel);
    switch (estimator) {
      case GradientEstimator::reparameterised:
        sample_kernel(k, d, rng, u.data());
        for (int i = 0; i < d; ++i) y[i] = x[i] - delta * u[i];
        f.gradient(y.data(), g.data());
        break;
      case GradientEstimator::stein: {
        for (int i = 0; i < d; ++i) u[i] = rng.normal(), y[i] = x[i] + rho * u[i];
        const double w = (f.value(y.data()) - fx) / rho;
        for (int i = 0; i < d; ++i) g[i] = w * u[i];
        break;
      }
      case GradientEstimator::sphere: {
        double r2 = 0.0;
        for (int i = 0; i < d; ++i) u[i] = rng.normal(), r2 += u[i] * u[i];
        const double r = std::sqrt(r2);
        for (int i = 0; i < d; ++i) u[i] /= r, y[i] = x[i] + rho * u[i];
        const double w = d * (f.value(y.data()) - fx) / rho;
        for (int i = 0; i < d; ++i) g[i] = w * u[i];
        break;
      }
    }
    acc.add(g.data());
  }
  return acc.result();
}

// Reparameterised Hessian E H_f(x - delta u) (row-major d x d) from Hessian-vector products.
template <class F>
std::vector<double> smoothed_hessian_mc(const F& f, const KernelSpec& k, double delta, const double* x, int samples,
                                        std::uint32_t seed) {
  const int d = f.dim;
  const auto n_d = static_cast<std::size_t>(d);
  std::vector<double> u(n_d), y(n_d), e(n_d), hv(n_d), h(n_d * n_d, 0.0);
  for (int n = 0; n < samples; ++n) {
    RandomStream rng(seed, static_cast<std::uint32_t>(n), 0, StreamPurpose::smoothing_kernel);
    sample_kernel(k, d, rng, u.data());
    for (int i = 0; i < d; ++i) y[i] = x[i] - delta * u[i];
    for (int j = 0; j < d; ++j) {
      for (int i = 0; i < d; ++i) e[i] = i == j ? 1.0 : 0.0;
      f.hessian_vector(y.data(), e.data(), hv.data());
      for (int i = 0; i < d; ++i) h[static_cast<std::size_t>(i * d + j)] += hv[i] / samples;
    }
  }
  return h;
}

// Growth order p of |f| at infinity (|f(x)| <= a + b |x|^p): f_hat is finite for a kernel iff
// E |u|^p is (for the growth these functions actually have). 0 for bounded functions.
int function_growth_order(const std::string& function_name, double confinement = 0.0);
// Whether E |u_i|^p is finite for the kernel (p = 0, 1, 2, 4).
bool kernel_moment_finite(const KernelSpec& k, int p);

}  // namespace sgds
