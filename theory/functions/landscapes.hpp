#pragma once
// Landscapes built for the theory's questions: a general quadratic x'Hx/2, a tilted double well
// and a sum of two Gaussian wells (sharp-and-deep vs wide-and-shallow) for the sharp-vs-flat
// predictions. The last two expose basin_of(x) so the engine can record basin occupancy.
#include "theory/functions/function_common.hpp"

namespace sgds {

// Quadratic x' H x / 2 with H = Q diag(lambda) Q, lambda_i = a * condition^{i/(d-1)} (i = 0..d-1;
// lambda = a when d = 1) and Q = I - 2 e e'/d (e = all ones, a reflection) when rotated, else Q = I.
// condition = 1, rotated = false is the isotropic quadratic (a/2)|x|^2. Box [-5, 5]; minimum 0 at 0.
struct Quadratic {
  int dim = 1;
  double a = 1.0;
  double condition = 1.0;
  bool rotated = false;
  static constexpr bool differentiable = true;
  SGDS_HD double eigenvalue(int i) const {
    return dim > 1 ? a * pow(condition, static_cast<double>(i) / (dim - 1)) : a;
  }
  SGDS_HD void reflect(const double* v, double* out) const {
    if (!rotated) {
      for (int i = 0; i < dim; ++i) out[i] = v[i];
      return;
    }
    double s = 0.0;
    for (int i = 0; i < dim; ++i) s += v[i];
    for (int i = 0; i < dim; ++i) out[i] = v[i] - 2.0 * s / dim;
  }
  // H v = Q diag(lambda) Q v (Q is its own inverse); hv may not alias v.
  SGDS_HD void hessian_vector(const double*, const double* v, double* hv) const {
    reflect(v, hv);
    for (int i = 0; i < dim; ++i) hv[i] *= eigenvalue(i);
    if (!rotated) return;
    double s = 0.0;
    for (int i = 0; i < dim; ++i) s += hv[i];
    for (int i = 0; i < dim; ++i) hv[i] -= 2.0 * s / dim;
  }
  SGDS_HD void gradient(const double* x, double* g) const { hessian_vector(x, x, g); }
  SGDS_HD double value(const double* x) const {
    double s = 0.0, sum = 0.0;
    for (int i = 0; i < dim; ++i) sum += x[i];
    for (int i = 0; i < dim; ++i) {
      const double y = rotated ? x[i] - 2.0 * sum / dim : x[i];
      s += eigenvalue(i) * y * y;
    }
    return 0.5 * s;
  }
  SGDS_HD double hessian_trace() const {
    double t = 0.0;
    for (int i = 0; i < dim; ++i) t += eigenvalue(i);
    return t;
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double box_low() const { return -5.0; }
  SGDS_HD double box_high() const { return 5.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return a * (condition > 1.0 ? condition : 1.0); }
};

// Tilted double well: height (x_1^2 - 1)^2 + tilt x_1 + (k/2) sum_{i>=2} x_i^2. For
// |tilt| < 8 height / (3 sqrt 3) there are two wells; with tilt > 0 the left one (x_1 < 0) is
// deeper. Box [-2, 2]. basin_of: 0 left of the barrier top, 1 right of it.
struct TiltedDoubleWell {
  int dim = 1;
  double height = 1.0;
  double tilt = 0.25;
  double k = 1.0;
  static constexpr bool differentiable = true;
  // The first coordinate's part: the whole value when dim = 1 (see slope_along_tilt).
  SGDS_HD double value_along_tilt(double t) const {
    const double u = t * t - 1.0;
    return height * u * u + tilt * t;
  }
  SGDS_HD double value(const double* x) const {
    double s = value_along_tilt(x[0]);
    for (int i = 1; i < dim; ++i) s += 0.5 * k * x[i] * x[i];
    return s;
  }
  // d/dx_1 of the well: the whole gradient when dim = 1 (1-D callers use it on a scalar, which
  // the dim loop of gradient() would make gcc warn about).
  SGDS_HD double slope_along_tilt(double t) const { return 4.0 * height * t * (t * t - 1.0) + tilt; }
  SGDS_HD void gradient(const double* x, double* g) const {
    g[0] = slope_along_tilt(x[0]);
    for (int i = 1; i < dim; ++i) g[i] = k * x[i];
  }
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    hv[0] = height * (12.0 * x[0] * x[0] - 4.0) * v[0];
    for (int i = 1; i < dim; ++i) hv[i] = k * v[i];
  }
  // A critical point of the first coordinate by Newton from `start`.
  SGDS_HD double critical_point(double start) const {
    double t = start;
    for (int n = 0; n < 100; ++n) t -= (4.0 * height * t * (t * t - 1.0) + tilt) / (height * (12.0 * t * t - 4.0));
    return t;
  }
  SGDS_HD double barrier() const { return critical_point(0.0); }
  SGDS_HD void minimiser(double* x) const {
    const double left = critical_point(-1.0), right = critical_point(1.0);
    const double fl = height * (left * left - 1.0) * (left * left - 1.0) + tilt * left;
    const double fr = height * (right * right - 1.0) * (right * right - 1.0) + tilt * right;
    x[0] = fl <= fr ? left : right;
    for (int i = 1; i < dim; ++i) x[i] = 0.0;
  }
  SGDS_HD double minimum_value() const {
    double x[1];
    TiltedDoubleWell one = *this;
    one.dim = 1;
    one.minimiser(x);
    return one.value(x);
  }
  SGDS_HD int basin_of(const double* x) const { return x[0] < barrier() ? 0 : 1; }
  SGDS_HD double box_low() const { return -2.0; }
  SGDS_HD double box_high() const { return 2.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

// Two Gaussian wells plus a weak confinement:
//   f(x) = -depth_sharp exp(-|x - c_s|^2 / (2 width_sharp^2)) - depth_wide exp(-|x - c_w|^2 / (2 width_wide^2))
//          + (confinement/2) |x|^2,
// centres c_s = (centre_sharp, 0, ..., 0), c_w = (centre_wide, 0, ..., 0). Defaults make the sharp
// well the deeper one. Box [-3, 3]. basin_of: 0 where the sharp well's term dominates (larger
// depth * exp(...)), 1 where the wide one's does.
struct GaussianWells {
  int dim = 1;
  double depth_sharp = 1.0, width_sharp = 0.1, centre_sharp = -1.0;
  double depth_wide = 0.7, width_wide = 0.5, centre_wide = 1.0;
  double confinement = 0.05;
  static constexpr bool differentiable = true;
  SGDS_HD double distance2(const double* x, double c) const {
    double s = (x[0] - c) * (x[0] - c);
    for (int i = 1; i < dim; ++i) s += x[i] * x[i];
    return s;
  }
  SGDS_HD double value(const double* x) const {
    return -depth_sharp * exp(-distance2(x, centre_sharp) / (2.0 * width_sharp * width_sharp)) -
           depth_wide * exp(-distance2(x, centre_wide) / (2.0 * width_wide * width_wide)) +
           0.5 * confinement * norm2(dim, x);
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    const double es = depth_sharp * exp(-distance2(x, centre_sharp) / (2.0 * width_sharp * width_sharp)) /
                      (width_sharp * width_sharp);
    const double ew =
        depth_wide * exp(-distance2(x, centre_wide) / (2.0 * width_wide * width_wide)) / (width_wide * width_wide);
    for (int i = 0; i < dim; ++i) {
      const double cs = i == 0 ? centre_sharp : 0.0, cw = i == 0 ? centre_wide : 0.0;
      g[i] = es * (x[i] - cs) + ew * (x[i] - cw) + confinement * x[i];
    }
  }
  // Hessian of -A exp(-|y|^2/(2w^2)) is A e (I/w^2 - y y'/w^4).
  SGDS_HD void hessian_vector(const double* x, const double* v, double* hv) const {
    const double ws2 = width_sharp * width_sharp, ww2 = width_wide * width_wide;
    const double es = depth_sharp * exp(-distance2(x, centre_sharp) / (2.0 * ws2));
    const double ew = depth_wide * exp(-distance2(x, centre_wide) / (2.0 * ww2));
    double ysv = (x[0] - centre_sharp) * v[0], ywv = (x[0] - centre_wide) * v[0];
    for (int i = 1; i < dim; ++i) ysv += x[i] * v[i], ywv += x[i] * v[i];
    for (int i = 0; i < dim; ++i) {
      const double ys = x[i] - (i == 0 ? centre_sharp : 0.0), yw = x[i] - (i == 0 ? centre_wide : 0.0);
      hv[i] =
          es * (v[i] / ws2 - ys * ysv / (ws2 * ws2)) + ew * (v[i] / ww2 - yw * ywv / (ww2 * ww2)) + confinement * v[i];
    }
  }
  // The global minimiser lies on the x_1 axis: grid search over the box, then Newton.
  SGDS_HD void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = 0.0;
    double best = 0.0, best_value = 1e300;
    const int n = 6000;
    for (int j = 0; j <= n; ++j) {
      x[0] = box_low() + (box_high() - box_low()) * j / n;
      const double f = value(x);
      if (f < best_value) best_value = f, best = x[0];
    }
    x[0] = best;
    double v[1] = {1.0}, h[1], g[1];
    GaussianWells one = *this;
    one.dim = 1;
    for (int k = 0; k < 50; ++k) {
      one.gradient(x, g);
      one.hessian_vector(x, v, h);
      if (!(h[0] > 0.0)) break;
      x[0] -= g[0] / h[0];
    }
  }
  SGDS_HD double minimum_value() const {
    double x[1];
    GaussianWells one = *this;
    one.dim = 1;
    one.minimiser(x);
    return one.value(x);
  }
  SGDS_HD int basin_of(const double* x) const {
    const double ls = log(depth_sharp) - distance2(x, centre_sharp) / (2.0 * width_sharp * width_sharp);
    const double lw = log(depth_wide) - distance2(x, centre_wide) / (2.0 * width_wide * width_wide);
    return ls >= lw ? 0 : 1;
  }
  SGDS_HD double box_low() const { return -3.0; }
  SGDS_HD double box_high() const { return 3.0; }
  SGDS_HD double lipschitz() const { return kNoConstant; }
  SGDS_HD double smoothness() const { return kNoConstant; }
};

}  // namespace sgds
