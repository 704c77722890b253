#pragma once
// Closed-form smoothings (docs/THEORY.md section 2), the exact oracles for the Monte Carlo estimates.
//
// GaussianSmoothing<F>: f_hat(x) = E f(x + s z), z ~ N(0, I_d), s = per-coordinate std
//   (s = delta * kernel scale). Heat equation: d f_hat / d s = s Laplacian f_hat.
// BallSmoothing<F>: f_hat(x) = E f(x + rho v), v uniform in the unit ball of R^d, rho = radius.
// Each specialisation has `exists = true`, value(f, s, x) and gradient(f, s, x, g).
#include <cmath>

#include "theory/function_registry.hpp"
#include "theory/kernels.hpp"

namespace sgds {

template <class F>
struct GaussianSmoothing {
  static constexpr bool exists = false;
};
template <class F>
struct BallSmoothing {
  static constexpr bool exists = false;
};

// E cos(w (x + s z) + p) = e^{-s^2 w^2/2} cos(w x + p): the cosine-sum building block.
inline double gaussian_cosine_factor(double w, double s) { return std::exp(-0.5 * s * s * w * w); }

// E cos(t v_1) for v uniform in the unit ball of R^d: Gamma(d/2 + 1) (2/t)^{d/2} J_{d/2}(t);
// sin(t)/t for d = 1, 3 (sin t - t cos t)/t^3 for d = 3.
inline double ball_cosine_factor(int d, double t) {
  if (t == 0.0) return 1.0;
  const double nu = 0.5 * d;
  return std::tgamma(nu + 1.0) * std::pow(2.0 / std::fabs(t), nu) * std::cyl_bessel_j(nu, std::fabs(t));
}

template <>
struct GaussianSmoothing<Rastrigin> {
  static constexpr bool exists = true;
  static double value(const Rastrigin& f, double s, const double* x) {
    const double c = 10.0 * gaussian_cosine_factor(2.0 * kPi, s);
    double v = 10.0 * f.dim;
    for (int i = 0; i < f.dim; ++i) v += x[i] * x[i] + s * s - c * std::cos(2.0 * kPi * x[i]);
    return v;
  }
  static void gradient(const Rastrigin& f, double s, const double* x, double* g) {
    const double c = 10.0 * gaussian_cosine_factor(2.0 * kPi, s);
    for (int i = 0; i < f.dim; ++i) g[i] = 2.0 * x[i] + 2.0 * kPi * c * std::sin(2.0 * kPi * x[i]);
  }
};

// Quadratic-type functions: x'Hx/2 + s^2 tr(H)/2.
template <class Q>
struct GaussianQuadratic {
  static constexpr bool exists = true;
  static double value(const Q& f, double s, const double* x) { return f.value(x) + 0.5 * s * s * f.hessian_trace(); }
  static void gradient(const Q& f, double, const double* x, double* g) { f.gradient(x, g); }
};
template <>
struct GaussianSmoothing<Quadratic> : GaussianQuadratic<Quadratic> {};
template <>
struct GaussianSmoothing<Ellipsoid> : GaussianQuadratic<Ellipsoid> {};
template <>
struct GaussianSmoothing<RotatedEllipsoid> : GaussianQuadratic<RotatedEllipsoid> {};
template <>
struct GaussianSmoothing<Sphere> : GaussianQuadratic<Sphere> {};

template <>
struct GaussianSmoothing<Griewank> {
  static constexpr bool exists = true;
  static double damping(const Griewank& f, double s) {
    double e = 1.0;
    for (int i = 0; i < f.dim; ++i) e *= std::exp(-0.5 * s * s / (i + 1.0));
    return e;
  }
  static double value(const Griewank& f, double s, const double* x) {
    return 1.0 + (norm2(f.dim, x) + f.dim * s * s) / 4000.0 - damping(f, s) * f.product_without(x, -1, -1);
  }
  static void gradient(const Griewank& f, double s, const double* x, double* g) {
    const double e = damping(f, s);
    for (int i = 0; i < f.dim; ++i)
      g[i] = x[i] / 2000.0 + e * Griewank::scale(i) * std::sin(x[i] * Griewank::scale(i)) * f.product_without(x, i, i);
  }
};

template <>
struct GaussianSmoothing<Rosenbrock> {
  static constexpr bool exists = true;
  static double value(const Rosenbrock& f, double s, const double* x) {
    const double s2 = s * s;
    double v = 0.0;
    for (int i = 0; i + 1 < f.dim; ++i) {
      const double a = x[i + 1] - x[i] * x[i], b = x[i] - 1.0;
      v += 100.0 * (a * a + s2 * (1.0 - 2.0 * x[i + 1] + 6.0 * x[i] * x[i]) + 3.0 * s2 * s2) + b * b + s2;
    }
    return v;
  }
  static void gradient(const Rosenbrock& f, double s, const double* x, double* g) {
    const double s2 = s * s;
    for (int i = 0; i < f.dim; ++i) g[i] = 0.0;
    for (int i = 0; i + 1 < f.dim; ++i) {
      const double a = x[i + 1] - x[i] * x[i];
      g[i] += 100.0 * (-4.0 * x[i] * a + 12.0 * s2 * x[i]) + 2.0 * (x[i] - 1.0);
      g[i + 1] += 100.0 * (2.0 * a - 2.0 * s2);
    }
  }
};

// x^4 -> x^4 + 6 s^2 x^2 + 3 s^4 and x^2 -> x^2 + s^2.
template <>
struct GaussianSmoothing<StyblinskiTang> {
  static constexpr bool exists = true;
  static double value(const StyblinskiTang& f, double s, const double* x) {
    const double s2 = s * s;
    double v = 0.0;
    for (int i = 0; i < f.dim; ++i) {
      const double t = x[i];
      v += t * t * t * t + 6.0 * s2 * t * t + 3.0 * s2 * s2 - 16.0 * (t * t + s2) + 5.0 * t;
    }
    return 0.5 * v;
  }
  static void gradient(const StyblinskiTang& f, double s, const double* x, double* g) {
    for (int i = 0; i < f.dim; ++i) g[i] = 2.0 * x[i] * x[i] * x[i] + 6.0 * s * s * x[i] - 16.0 * x[i] + 2.5;
  }
};

template <>
struct GaussianSmoothing<TiltedDoubleWell> {
  static constexpr bool exists = true;
  static double value(const TiltedDoubleWell& f, double s, const double* x) {
    const double s2 = s * s, t = x[0];
    double v = f.height * (t * t * t * t + 6.0 * s2 * t * t + 3.0 * s2 * s2 - 2.0 * (t * t + s2) + 1.0) + f.tilt * t;
    for (int i = 1; i < f.dim; ++i) v += 0.5 * f.k * (x[i] * x[i] + s2);
    return v;
  }
  static double slope_along_tilt(const TiltedDoubleWell& f, double s, double t) {
    return f.height * (4.0 * t * t * t + 12.0 * s * s * t - 4.0 * t) + f.tilt;
  }
  static void gradient(const TiltedDoubleWell& f, double s, const double* x, double* g) {
    g[0] = slope_along_tilt(f, s, x[0]);
    for (int i = 1; i < f.dim; ++i) g[i] = f.k * x[i];
  }
};

// RBF exp(-|x - c|^2/(2 r^2)) -> (r^2/(r^2 + s^2))^{d/2} exp(-|x - c|^2/(2 (r^2 + s^2))).
template <>
struct GaussianSmoothing<GaussianWells> {
  static constexpr bool exists = true;
  static GaussianWells widened(const GaussianWells& f, double s) {
    GaussianWells w = f;
    const double rs2 = f.width_sharp * f.width_sharp, rw2 = f.width_wide * f.width_wide;
    w.width_sharp = std::sqrt(rs2 + s * s);
    w.width_wide = std::sqrt(rw2 + s * s);
    w.depth_sharp *= std::pow(rs2 / (rs2 + s * s), 0.5 * f.dim);
    w.depth_wide *= std::pow(rw2 / (rw2 + s * s), 0.5 * f.dim);
    return w;
  }
  static double value(const GaussianWells& f, double s, const double* x) {
    return widened(f, s).value(x) + 0.5 * f.confinement * f.dim * s * s;
  }
  static void gradient(const GaussianWells& f, double s, const double* x, double* g) { widened(f, s).gradient(x, g); }
};

// Ball of radius rho: E[v_i v_j] = delta_ij/(d+2).
template <>
struct BallSmoothing<Rastrigin> {
  static constexpr bool exists = true;
  static double value(const Rastrigin& f, double rho, const double* x) {
    const int d = f.dim;
    const double c = 10.0 * ball_cosine_factor(d, 2.0 * kPi * rho);
    double v = 10.0 * d + rho * rho * d / (d + 2.0);
    for (int i = 0; i < d; ++i) v += x[i] * x[i] - c * std::cos(2.0 * kPi * x[i]);
    return v;
  }
  static void gradient(const Rastrigin& f, double rho, const double* x, double* g) {
    const double c = 10.0 * ball_cosine_factor(f.dim, 2.0 * kPi * rho);
    for (int i = 0; i < f.dim; ++i) g[i] = 2.0 * x[i] + 2.0 * kPi * c * std::sin(2.0 * kPi * x[i]);
  }
};
template <class Q>
struct BallQuadratic {
  static constexpr bool exists = true;
  static double value(const Q& f, double rho, const double* x) {
    return f.value(x) + rho * rho * f.hessian_trace() / (2.0 * (f.dim + 2.0));
  }
  static void gradient(const Q& f, double, const double* x, double* g) { f.gradient(x, g); }
};
template <>
struct BallSmoothing<Quadratic> : BallQuadratic<Quadratic> {};
template <>
struct BallSmoothing<Ellipsoid> : BallQuadratic<Ellipsoid> {};
template <>
struct BallSmoothing<RotatedEllipsoid> : BallQuadratic<RotatedEllipsoid> {};
template <>
struct BallSmoothing<Sphere> : BallQuadratic<Sphere> {};

// The closed form for a kernel, where one exists: the Gaussian and ball kernels with their
// scale folded into s = delta * scale. Returns false when there is none.
template <class F>
bool closed_form_smoothed(const F& f, const KernelSpec& k, double delta, const double* x, double* value,
                          double* gradient) {
  const double s = delta * k.scale;
  if constexpr (GaussianSmoothing<F>::exists) {
    if (k.kind == KernelKind::gaussian) {
      if (value) *value = GaussianSmoothing<F>::value(f, s, x);
      if (gradient) GaussianSmoothing<F>::gradient(f, s, x, gradient);
      return true;
    }
  }
  if constexpr (BallSmoothing<F>::exists) {
    if (k.kind == KernelKind::ball) {
      if (value) *value = BallSmoothing<F>::value(f, s, x);
      if (gradient) BallSmoothing<F>::gradient(f, s, x, gradient);
      return true;
    }
  }
  return false;
}

// Rastrigin's Gaussian smoothing is convex everywhere iff s >= sqrt(ln(20 pi^2)/(2 pi^2)).
inline double rastrigin_convexity_threshold() { return std::sqrt(std::log(20.0 * kPi * kPi) / (2.0 * kPi * kPi)); }

}  // namespace sgds
