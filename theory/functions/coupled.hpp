#pragma once
// Non-separable benchmark functions (coupled coordinates). Definitions and boxes follow the
// global-optimisation benchmark literature (Jamil & Yang 2013; CEC 2013/2014 for Schaffer F7,
// HGBat and HappyCat, unshifted and unrotated).
#include "theory/functions/function_common.hpp"

namespace sgds {

// Ackley: -20 exp(-0.2 sqrt(|x|^2/d)) - exp(sum cos(2 pi x_i)/d) + 20 + e; box [-32.768, 32.768];
// minimum 0 at 0, where it has a kink (gradient() returns the subgradient 0 there).
struct Ackley {
  int dim = 1;
  static constexpr bool differentiable = false;
  SGDS_HD double value(const double* x) const {
    double c = 0.0;
    for (int i = 0; i < dim; ++i) c += cos(2.0 * kPi * x[i]);
    const double r = sqrt(norm2(dim, x) / dim);
    return -20.0 * exp(-0.2 * r) - exp(c / dim) + 20.0 + 2.718281828459045;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    double c = 0.0;
    for (int i = 0; i < dim; ++i) c += cos(2.0 * kPi * x[i]);
    const double r = sqrt(norm2(dim, x) / dim), e = exp(c / dim);
    const double a = r > 0.0 ? 4.0 * exp(-0.2 * r) / (dim * r) : 0.0;
    for (int i = 0; i < dim; ++i) g[i] = a * x[i] + e * 2.0 * kPi * sin(2.0 * kPi * x[i]) / dim;
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    double c = 0.0, sv = 0.0;
    for (int i = 0; i < dim; ++i) c += cos(2.0 * kPi * x[i]), sv += sin(2.0 * kPi * x[i]) * v[i];
    const double r = sqrt(norm2(dim, x) / dim), e = exp(c / dim), w = 2.0 * kPi / dim;
    // First term: g = A(r) x, A = 4 e^{-0.2 r}/(d r), dr/dx = x/(d r).
    double a = 0.0, b = 0.0;
    if (r > 0.0) {
      a = 4.0 * exp(-0.2 * r) / (dim * r);
      const double da = 4.0 / dim * exp(-0.2 * r) * (-0.2 * r - 1.0) / (r * r);
      b = da / (dim * r) * dot(dim, x, v);
    }
    for (int i = 0; i < dim; ++i)
      hv[i] = a * v[i] + b * x[i] - e * w * w * sin(2.0 * kPi * x[i]) * sv +
              e * w * 2.0 * kPi * cos(2.0 * kPi * x[i]) * v[i];
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -32.768; }
  SGDS_HD double box_high() const { return 32.768; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// Drop-wave: -(1 + cos(12 |x|)) / (0.5 |x|^2 + 2); box [-5.12, 5.12]; minimum -1 at 0 (radial).
struct DropWave {
  int dim = 2;
  static constexpr bool differentiable = true;
  SGDS_HD static void radial(double r, double& phi, double& dphi, double& d2phi) {
    const double n = 1.0 + cos(12.0 * r), dn = -12.0 * sin(12.0 * r), d2n = -144.0 * cos(12.0 * r);
    const double q = 0.5 * r * r + 2.0, dq = r;
    phi = -n / q;
    dphi = -(dn * q - n * dq) / (q * q);
    d2phi = -(d2n * q - n) / (q * q) + 2.0 * (dn * q - n * dq) * dq / (q * q * q);
  }
  SGDS_HD double value(const double* x) const {
    double p, dp, d2p;
    radial(sqrt(norm2(dim, x)), p, dp, d2p);
    return p;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    const double r = sqrt(norm2(dim, x));
    double p, dp, d2p;
    radial(r, p, dp, d2p);
    radial_gradient(dim, x, r, dp, g);
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    const double r = sqrt(norm2(dim, x));
    double p, dp, d2p;
    radial(r, p, dp, d2p);
    radial_hessian_vector(dim, x, v, r, dp, d2p, hv);
  }
  SGDS_HD double minimum_value() const { return -1.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -5.12; }
  SGDS_HD double box_high() const { return 5.12; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// Salomon: 1 - cos(2 pi |x|) + 0.1 |x|; box [-100, 100]; minimum 0 at 0, where it has a kink
// (subgradient 0 there).
struct Salomon {
  int dim = 1;
  static constexpr bool differentiable = false;
  SGDS_HD double value(const double* x) const {
    const double r = sqrt(norm2(dim, x));
    return 1.0 - cos(2.0 * kPi * r) + 0.1 * r;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    const double r = sqrt(norm2(dim, x));
    radial_gradient(dim, x, r, 2.0 * kPi * sin(2.0 * kPi * r) + 0.1, g);
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    const double r = sqrt(norm2(dim, x));
    radial_hessian_vector(dim, x, v, r, 2.0 * kPi * sin(2.0 * kPi * r) + 0.1, 4.0 * kPi * kPi * cos(2.0 * kPi * r), hv);
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -100.0; }
  SGDS_HD double box_high() const { return 100.0; }
  SGDS_HD double lipschitz() const { return 2.0 * kPi + 0.1; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// Griewank: 1 + sum x_i^2 / 4000 - prod_i cos(x_i / sqrt(i)), i = 1..d; box [-600, 600];
// minimum 0 at 0. smoothness() is the bound 1/2000 + sum_i 1/i (|H - I/2000|_ij <= 1/sqrt(ij)).
struct Griewank {
  int dim = 1;
  static constexpr bool differentiable = true;
  SGDS_HD static double scale(int i) { return 1.0 / sqrt(static_cast<double>(i + 1)); }
  // prod_{k != i, j} cos(x_k / sqrt(k)) (pass j = i to leave out one factor).
  SGDS_HD double product_without(const double* x, int i, int j) const {
    double p = 1.0;
    for (int k = 0; k < dim; ++k)
      if (k != i && k != j) p *= cos(x[k] * scale(k));
    return p;
  }
  SGDS_HD double value(const double* x) const { return 1.0 + norm2(dim, x) / 4000.0 - product_without(x, -1, -1); }
  SGDS_HD void gradient(const double* x, double* g) const {
    for (int i = 0; i < dim; ++i) g[i] = x[i] / 2000.0 + scale(i) * sin(x[i] * scale(i)) * product_without(x, i, i);
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    const double all = product_without(x, -1, -1);
    for (int i = 0; i < dim; ++i) {
      double s = (1.0 / 2000.0 + scale(i) * scale(i) * all) * v[i];
      for (int j = 0; j < dim; ++j)
        if (j != i)
          s -= scale(i) * scale(j) * sin(x[i] * scale(i)) * sin(x[j] * scale(j)) * product_without(x, i, j) * v[j];
      hv[i] = s;
    }
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -600.0; }
  SGDS_HD double box_high() const { return 600.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const {
    double h = 1.0 / 2000.0;
    for (int i = 0; i < dim; ++i) h += 1.0 / (i + 1);
    return h;
  }
};

// Rosenbrock: sum_{i<d} 100 (x_{i+1} - x_i^2)^2 + (x_i - 1)^2 (d >= 2); box [-5, 10];
// minimum 0 at x = 1.
struct Rosenbrock {
  int dim = 2;
  static constexpr bool differentiable = true;
  SGDS_HD double value(const double* x) const {
    double s = 0.0;
    for (int i = 0; i + 1 < dim; ++i) {
      const double a = x[i + 1] - x[i] * x[i], b = x[i] - 1.0;
      s += 100.0 * a * a + b * b;
    }
    return s;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    for (int i = 0; i < dim; ++i) g[i] = 0.0;
    for (int i = 0; i + 1 < dim; ++i) {
      const double a = x[i + 1] - x[i] * x[i];
      g[i] += -400.0 * x[i] * a + 2.0 * (x[i] - 1.0);
      g[i + 1] += 200.0 * a;
    }
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    for (int i = 0; i < dim; ++i) hv[i] = 0.0;
    for (int i = 0; i + 1 < dim; ++i) {
      const double hii = 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0, hij = -400.0 * x[i];
      hv[i] += hii * v[i] + hij * v[i + 1];
      hv[i + 1] += hij * v[i] + 200.0 * v[i + 1];
    }
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 1.0;
  }
  SGDS_HD double box_low() const { return -5.0; }
  SGDS_HD double box_high() const { return 10.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// Rotated hyper-ellipsoid (Schwefel 1.2): sum_i (sum_{j<=i} x_j)^2 = x' (2 L'L) x / 2 with L the
// lower-triangular matrix of ones; box [-65.536, 65.536]; minimum 0 at 0. Smoothness = largest
// eigenvalue of 2 L'L = 1 / (2 sin^2(pi / (4d + 2))) (singular values of L are known in closed form).
struct RotatedEllipsoid {
  int dim = 1;
  static constexpr bool differentiable = true;
  SGDS_HD double value(const double* x) const {
    double s = 0.0, p = 0.0;
    for (int i = 0; i < dim; ++i) p += x[i], s += p * p;
    return s;
  }
  // H v = 2 L' (L v): prefix sums then suffix sums.
  SGDS_HD void hessian_vector(const double*, const double* v, double* hv) const {
    double p = 0.0;
    for (int i = 0; i < dim; ++i) p += v[i], hv[i] = p;
    double s = 0.0;
    for (int i = dim - 1; i >= 0; --i) s += hv[i], hv[i] = 2.0 * s;
  }
  SGDS_HD void gradient(const double* x, double* g) const { hessian_vector(x, x, g); }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -65.536; }
  SGDS_HD double box_high() const { return 65.536; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const {
    const double s = sin(kPi / (4.0 * dim + 2.0));
    return 1.0 / (2.0 * s * s);
  }
  SGDS_HD double hessian_trace() const { return static_cast<double>(dim) * (dim + 1); }  // 2 sum_i (d - i)
};

// Schwefel 2.21: max_i |x_i|; box [-100, 100]; minimum 0 at 0. Not differentiable: gradient()
// returns the subgradient sign(x_k) e_k for the first k attaining the maximum; Hessian 0.
struct Schwefel221 {
  int dim = 1;
  static constexpr bool differentiable = false;
  SGDS_HD int argmax(const double* x) const {
    int k = 0;
    for (int i = 1; i < dim; ++i)
      if (fabs(x[i]) > fabs(x[k])) k = i;
    return k;
  }
  SGDS_HD double value(const double* x) const { return fabs(x[argmax(x)]); }
  SGDS_HD void gradient(const double* x, double* g) const {
    const int k = argmax(x);
    for (int i = 0; i < dim; ++i) g[i] = i == k ? sign_of(x[i]) : 0.0;
  }
  SGDS_HD void hessian_vector(const double*, const double*, double* hv) const {
    for (int i = 0; i < dim; ++i) hv[i] = 0.0;
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -100.0; }
  SGDS_HD double box_high() const { return 100.0; }
  SGDS_HD double lipschitz() const { return 1.0; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// HGBat (CEC 2014, unshifted): |(|x|^2)^2 - (sum x)^2|^{1/2} + (|x|^2/2 + sum x)/d + 1/2;
// box [-2, 2]; minimum 0 at x = -1. The square root has a kink where (|x|^2)^2 = (sum x)^2
// (x parallel to 1, the minimiser included): the subgradient drops that term there.
struct HGBat {
  int dim = 1;
  static constexpr bool differentiable = false;
  SGDS_HD void sums(const double* x, double& s2, double& s1) const {
    s2 = s1 = 0.0;
    for (int i = 0; i < dim; ++i) s2 += x[i] * x[i], s1 += x[i];
  }
  SGDS_HD double value(const double* x) const {
    double s2, s1;
    sums(x, s2, s1);
    return sqrt(fabs(s2 * s2 - s1 * s1)) + (0.5 * s2 + s1) / dim + 0.5;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    double s2, s1;
    sums(x, s2, s1);
    const double q = s2 * s2 - s1 * s1;
    const double a = q != 0.0 ? 0.5 * sign_of(q) / sqrt(fabs(q)) : 0.0;
    for (int i = 0; i < dim; ++i) g[i] = a * (4.0 * s2 * x[i] - 2.0 * s1) + (x[i] + 1.0) / dim;
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    double s2, s1;
    sums(x, s2, s1);
    const double q = s2 * s2 - s1 * s1;
    double a = 0.0, da = 0.0, xv = 0.0, sv = 0.0, qv = 0.0;
    if (q != 0.0) a = 0.5 * sign_of(q) / sqrt(fabs(q)), da = -0.25 / (fabs(q) * sqrt(fabs(q)));
    for (int i = 0; i < dim; ++i) xv += x[i] * v[i], sv += v[i], qv += (4.0 * s2 * x[i] - 2.0 * s1) * v[i];
    for (int i = 0; i < dim; ++i)
      hv[i] = da * (4.0 * s2 * x[i] - 2.0 * s1) * qv + a * (8.0 * x[i] * xv + 4.0 * s2 * v[i] - 2.0 * sv) + v[i] / dim;
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = -1.0;
  }
  SGDS_HD double box_low() const { return -2.0; }
  SGDS_HD double box_high() const { return 2.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// HappyCat (Beyer & Finck 2012, alpha = 1/8): |(|x|^2 - d)^2|^{1/8} + (|x|^2/2 + sum x)/d + 1/2
// = ||x|^2 - d|^{1/4} + ...; box [-2, 2]; minimum 0 at x = -1. Kink on the sphere |x|^2 = d
// (the minimiser included): the subgradient drops that term there.
struct HappyCat {
  int dim = 1;
  static constexpr bool differentiable = false;
  SGDS_HD double value(const double* x) const {
    double s2 = 0.0, s1 = 0.0;
    for (int i = 0; i < dim; ++i) s2 += x[i] * x[i], s1 += x[i];
    return pow(fabs(s2 - dim), 0.25) + (0.5 * s2 + s1) / dim + 0.5;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    const double p = norm2(dim, x) - dim;
    const double b = p != 0.0 ? 0.5 * sign_of(p) * pow(fabs(p), -0.75) : 0.0;
    for (int i = 0; i < dim; ++i) g[i] = b * x[i] + (x[i] + 1.0) / dim;
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    const double p = norm2(dim, x) - dim;
    double b = 0.0, db = 0.0;
    if (p != 0.0) b = 0.5 * sign_of(p) * pow(fabs(p), -0.75), db = -0.375 * pow(fabs(p), -1.75);
    const double xv = dot(dim, x, v);
    for (int i = 0; i < dim; ++i) hv[i] = b * v[i] + 2.0 * db * x[i] * xv + v[i] / dim;
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = -1.0;
  }
  SGDS_HD double box_low() const { return -2.0; }
  SGDS_HD double box_high() const { return 2.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// Modified ridge: |x_1| + a (sum_{i>=2} x_i^2)^alpha with a = 2, alpha = 0.1 by default;
// box [-100, 100]; minimum 0 at 0. Kinks at x_1 = 0 and where x_2..x_d = 0 (subgradient 0 for
// that part there). With d = 1 it is |x_1|.
struct ModifiedRidge {
  int dim = 2;
  double a = 2.0;
  double alpha = 0.1;
  static constexpr bool differentiable = false;
  SGDS_HD double rest(const double* x) const {
    double s = 0.0;
    for (int i = 1; i < dim; ++i) s += x[i] * x[i];
    return s;
  }
  SGDS_HD double value(const double* x) const { return fabs(x[0]) + a * pow(rest(x), alpha); }
  SGDS_HD void gradient(const double* x, double* g) const {
    const double s = rest(x);
    const double k = s > 0.0 ? 2.0 * a * alpha * pow(s, alpha - 1.0) : 0.0;
    g[0] = sign_of(x[0]);
    for (int i = 1; i < dim; ++i) g[i] = k * x[i];
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    const double s = rest(x);
    double k = 0.0, dk = 0.0, xv = 0.0;
    if (s > 0.0) {
      k = 2.0 * a * alpha * pow(s, alpha - 1.0);
      dk = 4.0 * a * alpha * (alpha - 1.0) * pow(s, alpha - 2.0);
    }
    for (int i = 1; i < dim; ++i) xv += x[i] * v[i];
    hv[0] = 0.0;
    for (int i = 1; i < dim; ++i) hv[i] = k * v[i] + dk * x[i] * xv;
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -100.0; }
  SGDS_HD double box_high() const { return 100.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// Schaffer F7 (CEC 2013, unshifted): [ (1/(d-1)) sum_{i<d} sqrt(s_i) (1 + sin^2(50 s_i^{0.2})) ]^2,
// s_i = sqrt(x_i^2 + x_{i+1}^2) (d >= 2); box [-100, 100]; minimum 0 at 0. Kinks where s_i = 0
// (subgradient: that pair's terms are dropped).
struct SchafferF7 {
  int dim = 2;
  static constexpr bool differentiable = false;
  // t(s) = sqrt(s)(1 + sin^2(50 s^0.2)) and its first two derivatives.
  SGDS_HD static void pair_term(double s, double& t, double& dt, double& d2t) {
    const double a = 50.0 * pow(s, 0.2), sn = sin(a);
    const double q = 1.0 + sn * sn, s2 = sin(2.0 * a), c2 = cos(2.0 * a);
    t = sqrt(s) * q;
    if (!(s > 0.0)) {
      dt = d2t = 0.0;
      return;
    }
    dt = 0.5 * q / sqrt(s) + 10.0 * pow(s, -0.3) * s2;
    d2t = -0.25 * q * pow(s, -1.5) + 2.0 * pow(s, -1.3) * s2 + 200.0 * pow(s, -1.1) * c2;
  }
  SGDS_HD double inner(const double* x) const {
    double sum = 0.0, t, dt, d2t;
    for (int i = 0; i + 1 < dim; ++i) {
      pair_term(sqrt(x[i] * x[i] + x[i + 1] * x[i + 1]), t, dt, d2t);
      sum += t;
    }
    return sum / (dim - 1);
  }
  SGDS_HD double value(const double* x) const {
    const double a = inner(x);
    return a * a;
  }
  // grad A = (1/(d-1)) sum t'(s_i) grad s_i, grad s_i = (x_i e_i + x_{i+1} e_{i+1}) / s_i.
  SGDS_HD void inner_gradient(const double* x, double* ga) const {
    for (int i = 0; i < dim; ++i) ga[i] = 0.0;
    double t, dt, d2t;
    for (int i = 0; i + 1 < dim; ++i) {
      const double s = sqrt(x[i] * x[i] + x[i + 1] * x[i + 1]);
      if (!(s > 0.0)) continue;
      pair_term(s, t, dt, d2t);
      ga[i] += dt * x[i] / s / (dim - 1);
      ga[i + 1] += dt * x[i + 1] / s / (dim - 1);
    }
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    const double a = inner(x);
    inner_gradient(x, g);
    for (int i = 0; i < dim; ++i) g[i] *= 2.0 * a;
  }
  // H = 2 grad A grad A' + 2 A hess A, hess A = (1/(d-1)) sum [t'' n n' + t' (P - n n') / s] on
  // the pair (i, i+1), n = grad s_i.
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    const double a = inner(x);
    inner_gradient(x, hv);
    double gv = 0.0;
    for (int i = 0; i < dim; ++i) gv += hv[i] * v[i];
    for (int i = 0; i < dim; ++i) hv[i] *= 2.0 * gv;
    double t, dt, d2t;
    for (int i = 0; i + 1 < dim; ++i) {
      const double s = sqrt(x[i] * x[i] + x[i + 1] * x[i + 1]);
      if (!(s > 0.0)) continue;
      pair_term(s, t, dt, d2t);
      const double n0 = x[i] / s, n1 = x[i + 1] / s, nv = n0 * v[i] + n1 * v[i + 1];
      const double k = 2.0 * a / (dim - 1);
      hv[i] += k * (d2t * n0 * nv + dt * (v[i] - n0 * nv) / s);
      hv[i + 1] += k * (d2t * n1 * nv + dt * (v[i + 1] - n1 * nv) / s);
    }
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -100.0; }
  SGDS_HD double box_high() const { return 100.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

}  // namespace sgds
