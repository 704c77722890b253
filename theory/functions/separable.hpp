#pragma once
// Separable benchmark functions f(x) = sum_i h_i(x_i) (plus Rastrigin's constant): diagonal
// Hessians. Definitions and boxes follow the global-optimisation benchmark literature (Jamil &
// Yang 2013; the SFU virtual library of simulation experiments).
#include "theory/functions/function_common.hpp"

namespace sgds {

// Rastrigin: 10 d + sum (x_i^2 - 10 cos 2 pi x_i); box [-5.12, 5.12]; minimum 0 at 0.
struct Rastrigin {
  int dim = 1;
  static constexpr bool differentiable = true;
  SGDS_HD double value(const double* x) const {
    double s = 10.0 * dim;
    for (int i = 0; i < dim; ++i) s += x[i] * x[i] - 10.0 * cos(2.0 * kPi * x[i]);
    return s;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    for (int i = 0; i < dim; ++i) g[i] = 2.0 * x[i] + 20.0 * kPi * sin(2.0 * kPi * x[i]);
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    for (int i = 0; i < dim; ++i) hv[i] = (2.0 + 40.0 * kPi * kPi * cos(2.0 * kPi * x[i])) * v[i];
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -5.12; }
  SGDS_HD double box_high() const { return 5.12; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return 2.0 + 40.0 * kPi * kPi; }  // max |h''|
};

// Sphere: sum x_i^2; box [-5.12, 5.12]; minimum 0 at 0.
struct Sphere {
  int dim = 1;
  static constexpr bool differentiable = true;
  SGDS_HD double value(const double* x) const { return norm2(dim, x); }
  SGDS_HD void gradient(const double* x, double* g) const {
    for (int i = 0; i < dim; ++i) g[i] = 2.0 * x[i];
  }
  SGDS_HD void hessian_vector(const double*, const double* v, double* hv) const {
    for (int i = 0; i < dim; ++i) hv[i] = 2.0 * v[i];
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -5.12; }
  SGDS_HD double box_high() const { return 5.12; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return 2.0; }
  SGDS_HD double hessian_trace() const { return 2.0 * dim; }
};

// Axis-parallel hyper-ellipsoid: sum_i i x_i^2 (i = 1..d); box [-5.12, 5.12]; minimum 0 at 0.
struct Ellipsoid {
  int dim = 1;
  static constexpr bool differentiable = true;
  SGDS_HD double value(const double* x) const {
    double s = 0.0;
    for (int i = 0; i < dim; ++i) s += (i + 1) * x[i] * x[i];
    return s;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    for (int i = 0; i < dim; ++i) g[i] = 2.0 * (i + 1) * x[i];
  }
  SGDS_HD void hessian_vector(const double*, const double* v, double* hv) const {
    for (int i = 0; i < dim; ++i) hv[i] = 2.0 * (i + 1) * v[i];
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -5.12; }
  SGDS_HD double box_high() const { return 5.12; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return 2.0 * dim; }
  SGDS_HD double hessian_trace() const { return static_cast<double>(dim) * (dim + 1); }
};

// Styblinski-Tang: (1/2) sum (x_i^4 - 16 x_i^2 + 5 x_i); box [-5, 5]; minimum about
// -39.16617 d at x_i = -2.903534 (the root of 4x^3 - 32x + 5 = 0, found by Newton below).
struct StyblinskiTang {
  int dim = 1;
  static constexpr bool differentiable = true;
  SGDS_HD double value(const double* x) const {
    double s = 0.0;
    for (int i = 0; i < dim; ++i) s += x[i] * x[i] * x[i] * x[i] - 16.0 * x[i] * x[i] + 5.0 * x[i];
    return 0.5 * s;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    for (int i = 0; i < dim; ++i) g[i] = 2.0 * x[i] * x[i] * x[i] - 16.0 * x[i] + 2.5;
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    for (int i = 0; i < dim; ++i) hv[i] = (6.0 * x[i] * x[i] - 16.0) * v[i];
  }
  SGDS_HD static double minimiser_coordinate() {
    double t = -2.9;
    for (int k = 0; k < 50; ++k) t -= (2.0 * t * t * t - 16.0 * t + 2.5) / (6.0 * t * t - 16.0);
    return t;
  }
  SGDS_HD double minimum_value() const {
    const double t = minimiser_coordinate();
    return 0.5 * dim * (t * t * t * t - 16.0 * t * t + 5.0 * t);
  }
  SGDS_HD void minimiser(double* x) const {
    const double t = minimiser_coordinate();
    for (int i = 0; i < dim; ++i) x[i] = t;
  }
  SGDS_HD double box_low() const { return -5.0; }
  SGDS_HD double box_high() const { return 5.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// Schwefel (2.26 form): 418.9828872724338 d - sum x_i sin(sqrt|x_i|); box [-500, 500];
// minimum about 0 at x_i = 420.968746. The second derivative is unbounded at x_i = 0 (hessian_vector
// returns 0 for that coordinate there).
struct Schwefel {
  int dim = 1;
  static constexpr bool differentiable = true;
  static constexpr double kOffset = 418.9828872724338;
  static constexpr double kMinimiser = 420.9687463599820;
  SGDS_HD double value(const double* x) const {
    double s = kOffset * dim;
    for (int i = 0; i < dim; ++i) s -= x[i] * sin(sqrt(fabs(x[i])));
    return s;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    for (int i = 0; i < dim; ++i) {
      const double r = sqrt(fabs(x[i]));
      g[i] = -(sin(r) + 0.5 * r * cos(r));
    }
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    for (int i = 0; i < dim; ++i) {
      const double r = sqrt(fabs(x[i]));
      hv[i] = r > 0.0 ? -(3.0 * cos(r) - r * sin(r)) * sign_of(x[i]) / (4.0 * r) * v[i] : 0.0;
    }
  }
  SGDS_HD double minimum_value() const { return dim * (kOffset - kMinimiser * sin(sqrt(kMinimiser))); }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = kMinimiser;
  }
  SGDS_HD double box_low() const { return -500.0; }
  SGDS_HD double box_high() const { return 500.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// Alpine N.1: sum |x_i sin x_i + 0.1 x_i|; box [-10, 10]; minimum 0 at 0. Not differentiable
// where a term vanishes: gradient() returns the subgradient sign(h) h' (0 at h = 0).
struct Alpine1 {
  int dim = 1;
  static constexpr bool differentiable = false;
  SGDS_HD double value(const double* x) const {
    double s = 0.0;
    for (int i = 0; i < dim; ++i) s += fabs(x[i] * sin(x[i]) + 0.1 * x[i]);
    return s;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    for (int i = 0; i < dim; ++i) g[i] = sign_of(x[i] * sin(x[i]) + 0.1 * x[i]) * (sin(x[i]) + x[i] * cos(x[i]) + 0.1);
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    for (int i = 0; i < dim; ++i)
      hv[i] = sign_of(x[i] * sin(x[i]) + 0.1 * x[i]) * (2.0 * cos(x[i]) - x[i] * sin(x[i])) * v[i];
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -10.0; }
  SGDS_HD double box_high() const { return 10.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// Levy: with w_i = 1 + (x_i - 1)/4,
//   sin^2(pi w_1) + sum_{i<d} (w_i - 1)^2 [1 + 10 sin^2(pi w_i + 1)] + (w_d - 1)^2 [1 + sin^2(2 pi w_d)];
// box [-10, 10]; minimum 0 at x = 1. Every term depends on one coordinate (diagonal Hessian).
struct Levy {
  int dim = 1;
  static constexpr bool differentiable = true;
  // The terms of coordinate i and their first and second derivatives with respect to w.
  SGDS_HD void term(int i, double w, double& h, double& dh, double& d2h) const {
    h = dh = d2h = 0.0;
    if (i == 0) {
      const double s = sin(kPi * w);
      h += s * s;
      dh += kPi * sin(2.0 * kPi * w);
      d2h += 2.0 * kPi * kPi * cos(2.0 * kPi * w);
    }
    const double u = w - 1.0;
    if (i < dim - 1) {
      const double s = sin(kPi * w + 1.0);
      const double q = 1.0 + 10.0 * s * s;
      h += u * u * q;
      dh += 2.0 * u * q + u * u * 10.0 * kPi * sin(2.0 * kPi * w + 2.0);
      d2h += 2.0 * q + 40.0 * kPi * u * sin(2.0 * kPi * w + 2.0) + 20.0 * kPi * kPi * u * u * cos(2.0 * kPi * w + 2.0);
    }
    if (i == dim - 1) {
      const double s = sin(2.0 * kPi * w);
      const double q = 1.0 + s * s;
      h += u * u * q;
      dh += 2.0 * u * q + u * u * 2.0 * kPi * sin(4.0 * kPi * w);
      d2h += 2.0 * q + 8.0 * kPi * u * sin(4.0 * kPi * w) + 8.0 * kPi * kPi * u * u * cos(4.0 * kPi * w);
    }
  }
  SGDS_HD double value(const double* x) const {
    double s = 0.0, h, dh, d2h;
    for (int i = 0; i < dim; ++i) {
      term(i, 1.0 + 0.25 * (x[i] - 1.0), h, dh, d2h);
      s += h;
    }
    return s;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    double h, dh, d2h;
    for (int i = 0; i < dim; ++i) {
      term(i, 1.0 + 0.25 * (x[i] - 1.0), h, dh, d2h);
      g[i] = 0.25 * dh;
    }
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    double h, dh, d2h;
    for (int i = 0; i < dim; ++i) {
      term(i, 1.0 + 0.25 * (x[i] - 1.0), h, dh, d2h);
      hv[i] = 0.0625 * d2h * v[i];
    }
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 1.0;
  }
  SGDS_HD double box_low() const { return -10.0; }
  SGDS_HD double box_high() const { return 10.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// Michalewicz: -sum_i sin(x_i) sin^{2m}(i x_i^2 / pi), m = 10 by default; box [0, pi]. The
// minimiser is found coordinate by coordinate (the function is separable): a grid of 20000 points
// refined by golden-section search; known minima -1.8013 (d = 2), -4.687658 (d = 5), -9.66015 (d = 10).
struct Michalewicz {
  int dim = 1;
  double m = 10.0;
  static constexpr bool differentiable = true;
  SGDS_HD double coordinate_value(int i, double t) const { return -sin(t) * pow(sin((i + 1) * t * t / kPi), 2.0 * m); }
  SGDS_HD double value(const double* x) const {
    double s = 0.0;
    for (int i = 0; i < dim; ++i) s += coordinate_value(i, x[i]);
    return s;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    for (int i = 0; i < dim; ++i) {
      const double k = (i + 1) / kPi, a = k * x[i] * x[i];
      const double s = sin(a), c = cos(a);
      const double p = pow(s, 2.0 * m - 1.0);  // sin^{2m-1}
      g[i] = -(cos(x[i]) * p * s + sin(x[i]) * 2.0 * m * p * c * 2.0 * k * x[i]);
    }
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    for (int i = 0; i < dim; ++i) {
      const double k = (i + 1) / kPi, t = x[i], a = k * t * t;
      const double s = sin(a), c = cos(a), da = 2.0 * k * t;
      // q(t) = sin^{2m}(a(t)); q' = 2m s^{2m-1} c a'; q'' = 2m[(2m-1) s^{2m-2} c^2 a'^2 - s^{2m} a'^2 + s^{2m-1} c a''].
      const double q = pow(s, 2.0 * m);
      const double dq = 2.0 * m * pow(s, 2.0 * m - 1.0) * c * da;
      const double d2q = 2.0 * m *
                         ((2.0 * m - 1.0) * pow(s, 2.0 * m - 2.0) * c * c * da * da - q * da * da +
                          pow(s, 2.0 * m - 1.0) * c * 2.0 * k);
      hv[i] = -(-sin(t) * q + 2.0 * cos(t) * dq + sin(t) * d2q) * v[i];
    }
  }
  SGDS_HD double minimiser_coordinate(int i) const {
    const int n = 20000;
    double best_t = 0.0, best = 0.0;
    for (int j = 0; j <= n; ++j) {
      const double t = kPi * j / n, f = coordinate_value(i, t);
      if (f < best) best = f, best_t = t;
    }
    double lo = best_t - kPi / n, hi = best_t + kPi / n;
    const double r = 0.6180339887498949;
    for (int k = 0; k < 80; ++k) {
      const double a = hi - r * (hi - lo), b = lo + r * (hi - lo);
      if (coordinate_value(i, a) < coordinate_value(i, b)) hi = b;
      else lo = a;
    }
    return 0.5 * (lo + hi);
  }
  SGDS_HD double minimum_value() const {
    double s = 0.0;
    for (int i = 0; i < dim; ++i) s += coordinate_value(i, minimiser_coordinate(i));
    return s;
  }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = minimiser_coordinate(i);
  }
  SGDS_HD double box_low() const { return 0.0; }
  SGDS_HD double box_high() const { return kPi; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// The authors' 1-D illustration drop-wave, -(1 + cos(12 pi x)) / (2 + 0.5 x^2), summed over
// coordinates (d = 1 is the illustration); box [-5, 5]; minimum -d at 0.
struct DropWave1D {
  int dim = 1;
  static constexpr bool differentiable = true;
  SGDS_HD static void parts(double t, double& h, double& dh, double& d2h) {
    const double w = 12.0 * kPi;
    const double n = 1.0 + cos(w * t), dn = -w * sin(w * t), d2n = -w * w * cos(w * t);
    const double q = 2.0 + 0.5 * t * t, dq = t, d2q = 1.0;
    h = -n / q;
    dh = -(dn * q - n * dq) / (q * q);
    d2h = -(d2n * q - n * d2q) / (q * q) + 2.0 * (dn * q - n * dq) * dq / (q * q * q);
  }
  SGDS_HD double value(const double* x) const {
    double s = 0.0, h, dh, d2h;
    for (int i = 0; i < dim; ++i) parts(x[i], h, dh, d2h), s += h;
    return s;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    double h, dh, d2h;
    for (int i = 0; i < dim; ++i) parts(x[i], h, dh, d2h), g[i] = dh;
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    double h, dh, d2h;
    for (int i = 0; i < dim; ++i) parts(x[i], h, dh, d2h), hv[i] = d2h * v[i];
  }
  SGDS_HD double minimum_value() const { return -1.0 * dim; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -5.0; }
  SGDS_HD double box_high() const { return 5.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

}  // namespace sgds
