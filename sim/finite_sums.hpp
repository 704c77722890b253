#pragma once
// Synthetic finite sums f(x) = (1/n) sum_i f_i(x), whose mini-batch gradient noise is real:
//   LinearShiftSum       f_i = f + a_i'x with sum_i a_i = 0: the noise mean_{i in S} a_i does not
//                        depend on x; per-sample variance s^2 = mean_i ||a_i||^2 exactly
//   QuadraticCentresSum  f_i = (a/2) ||x - c_i||^2 (docs/THEORY.md section 5): s^2 = a^2 mean ||c_i - c||^2
//   TeacherStudentSum    one-hidden-layer tanh regression on n generated inputs; s^2 varies with x
// Each has the problem interface (dim, value, gradient, minimum_value, minimiser) plus
// samples(), sample_gradient(i, x, g) and sample_variance(x) (the exact s^2 at x, 1/n normalised).
// Data are drawn once from the finite_sum_data stream keyed by the problem's data_seed and the
// sample index (the key's trajectory word), never by trajectory.
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/rng.hpp"

namespace sgds {

// A smooth objective behind a type-erased interface, for wrapping any function of the library.
struct SmoothObjective {
  int dim = 1;
  std::function<double(const double*)> value;
  std::function<void(const double*, double*)> gradient;
  double minimum_value = 0.0;
  std::vector<double> minimiser;
};

struct LinearShiftSum {
  int dim = 1;
  int n = 1;
  std::shared_ptr<const SmoothObjective> base;
  std::shared_ptr<const std::vector<double>> shifts;  // a_i, [n][dim], centred: sum_i a_i = 0

  // a_i ~ N(0, scale^2 I), then centred.
  static LinearShiftSum make(std::shared_ptr<const SmoothObjective> base, int n, double scale,
                             std::uint32_t data_seed) {
    LinearShiftSum s;
    s.dim = base->dim;
    s.n = n;
    s.base = std::move(base);
    const std::size_t d = static_cast<std::size_t>(s.dim);
    std::vector<double> a(static_cast<std::size_t>(n) * d);
    std::vector<double> mean(d, 0.0);
    for (int i = 0; i < n; ++i) {
      RandomStream rng(data_seed, static_cast<std::uint32_t>(i), 0, StreamPurpose::finite_sum_data);
      for (std::size_t j = 0; j < d; ++j) {
        a[static_cast<std::size_t>(i) * d + j] = scale * rng.normal();
        mean[j] += a[static_cast<std::size_t>(i) * d + j] / n;
      }
    }
    for (int i = 0; i < n; ++i)
      for (std::size_t j = 0; j < d; ++j) a[static_cast<std::size_t>(i) * d + j] -= mean[j];
    s.shifts = std::make_shared<const std::vector<double>>(std::move(a));
    return s;
  }

  int samples() const { return n; }
  double value(const double* x) const { return base->value(x); }
  void gradient(const double* x, double* g) const { base->gradient(x, g); }
  void sample_gradient(int i, const double* x, double* g) const {
    base->gradient(x, g);
    const double* a = &(*shifts)[static_cast<std::size_t>(i) * static_cast<std::size_t>(dim)];
    for (int j = 0; j < dim; ++j) g[j] += a[j];
  }
  double sample_variance(const double*) const {
    double s = 0.0;
    for (double v : *shifts) s += v * v;
    return s / n;
  }
  double minimum_value() const { return base->minimum_value; }
  void minimiser(double* x) const {
    for (int j = 0; j < dim; ++j) x[j] = base->minimiser[static_cast<std::size_t>(j)];
  }
};

struct QuadraticCentresSum {
  int dim = 1;
  int n = 1;
  double a = 1.0;
  std::shared_ptr<const std::vector<double>> centres;  // c_i, [n][dim], c_i ~ N(0, spread^2 I)
  std::vector<double> centre_mean;

  static QuadraticCentresSum make(int dim, int n, double a, double spread, std::uint32_t data_seed) {
    QuadraticCentresSum s;
    s.dim = dim;
    s.n = n;
    s.a = a;
    const std::size_t d = static_cast<std::size_t>(dim);
    std::vector<double> c(static_cast<std::size_t>(n) * d);
    s.centre_mean.assign(d, 0.0);
    for (int i = 0; i < n; ++i) {
      RandomStream rng(data_seed, static_cast<std::uint32_t>(i), 0, StreamPurpose::finite_sum_data);
      for (std::size_t j = 0; j < d; ++j) c[static_cast<std::size_t>(i) * d + j] = spread * rng.normal();
    }
    for (int i = 0; i < n; ++i)
      for (std::size_t j = 0; j < d; ++j) s.centre_mean[j] += c[static_cast<std::size_t>(i) * d + j] / n;
    s.centres = std::make_shared<const std::vector<double>>(std::move(c));
    return s;
  }

  int samples() const { return n; }
  const double* centre(int i) const { return &(*centres)[static_cast<std::size_t>(i) * static_cast<std::size_t>(dim)]; }
  double value(const double* x) const {
    double s = 0.0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < dim; ++j) s += (x[j] - centre(i)[j]) * (x[j] - centre(i)[j]);
    return 0.5 * a * s / n;
  }
  void gradient(const double* x, double* g) const {
    for (int j = 0; j < dim; ++j) g[j] = a * (x[j] - centre_mean[static_cast<std::size_t>(j)]);
  }
  void sample_gradient(int i, const double* x, double* g) const {
    for (int j = 0; j < dim; ++j) g[j] = a * (x[j] - centre(i)[j]);
  }
  double sample_variance(const double*) const {
    double s = 0.0;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < dim; ++j) {
        const double e = centre(i)[j] - centre_mean[static_cast<std::size_t>(j)];
        s += e * e;
      }
    return a * a * s / n;
  }
  double minimum_value() const { return value(centre_mean.data()); }
  void minimiser(double* x) const {
    for (int j = 0; j < dim; ++j) x[j] = centre_mean[static_cast<std::size_t>(j)];
  }
};

// Student and teacher: p(z) = sum_h v_h tanh(w_h'z), parameters x = (W row by row [H][P], v [H]).
// f_i(x) = (p(z_i) - y_i)^2 / 2 with y_i = teacher(z_i) + label_noise * eps_i, z_i ~ N(0, I_P).
// Without label noise the teacher is a global minimiser with f = 0 (one of several: hidden units
// can be permuted and sign-flipped); with label noise f* is unknown and reported as NaN.
struct TeacherStudentSum {
  int dim = 1;
  int n = 1;
  int inputs = 1, hidden = 1;
  double label_noise = 0.0;
  std::shared_ptr<const std::vector<double>> z;  // [n][inputs]
  std::shared_ptr<const std::vector<double>> y;  // [n]
  std::vector<double> teacher;                   // [dim]

  static TeacherStudentSum make(int inputs, int hidden, int n, double teacher_scale, double label_noise,
                                std::uint32_t data_seed) {
    TeacherStudentSum s;
    s.inputs = inputs;
    s.hidden = hidden;
    s.n = n;
    s.dim = hidden * inputs + hidden;
    s.label_noise = label_noise;
    RandomStream teacher_rng(data_seed, 0xFFFFFFFFu, 0, StreamPurpose::finite_sum_data);
    s.teacher.resize(static_cast<std::size_t>(s.dim));
    for (auto& w : s.teacher) w = teacher_scale * teacher_rng.normal();
    std::vector<double> zs(static_cast<std::size_t>(n) * static_cast<std::size_t>(inputs)),
        ys(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      RandomStream rng(data_seed, static_cast<std::uint32_t>(i), 0, StreamPurpose::finite_sum_data);
      double* zi = &zs[static_cast<std::size_t>(i) * static_cast<std::size_t>(inputs)];
      for (int k = 0; k < inputs; ++k) zi[k] = rng.normal();
      ys[static_cast<std::size_t>(i)] = s.predict(s.teacher.data(), zi) + label_noise * rng.normal();
    }
    s.z = std::make_shared<const std::vector<double>>(std::move(zs));
    s.y = std::make_shared<const std::vector<double>>(std::move(ys));
    return s;
  }

  int samples() const { return n; }
  const double* input(int i) const { return &(*z)[static_cast<std::size_t>(i) * static_cast<std::size_t>(inputs)]; }
  double predict(const double* x, const double* zi) const {
    double out = 0.0;
    for (int h = 0; h < hidden; ++h) {
      double pre = 0.0;
      for (int k = 0; k < inputs; ++k) pre += x[h * inputs + k] * zi[k];
      out += x[hidden * inputs + h] * std::tanh(pre);
    }
    return out;
  }
  double sample_value(int i, const double* x) const {
    const double r = predict(x, input(i)) - (*y)[static_cast<std::size_t>(i)];
    return 0.5 * r * r;
  }
  void sample_gradient(int i, const double* x, double* g) const {
    const double* zi = input(i);
    double r = -(*y)[static_cast<std::size_t>(i)];
    // First pass: residual; the tanh values are recomputed in the second (hidden is small).
    for (int h = 0; h < hidden; ++h) {
      double pre = 0.0;
      for (int k = 0; k < inputs; ++k) pre += x[h * inputs + k] * zi[k];
      r += x[hidden * inputs + h] * std::tanh(pre);
    }
    for (int h = 0; h < hidden; ++h) {
      double pre = 0.0;
      for (int k = 0; k < inputs; ++k) pre += x[h * inputs + k] * zi[k];
      const double t = std::tanh(pre);
      const double back = r * x[hidden * inputs + h] * (1.0 - t * t);
      for (int k = 0; k < inputs; ++k) g[h * inputs + k] = back * zi[k];
      g[hidden * inputs + h] = r * t;
    }
  }
  double value(const double* x) const {
    double s = 0.0;
    for (int i = 0; i < n; ++i) s += sample_value(i, x);
    return s / n;
  }
  void gradient(const double* x, double* g) const {
    std::vector<double> gi(static_cast<std::size_t>(dim));
    for (int j = 0; j < dim; ++j) g[j] = 0.0;
    for (int i = 0; i < n; ++i) {
      sample_gradient(i, x, gi.data());
      for (int j = 0; j < dim; ++j) g[j] += gi[static_cast<std::size_t>(j)] / n;
    }
  }
  double sample_variance(const double* x) const {
    std::vector<double> g(static_cast<std::size_t>(dim)), gi(static_cast<std::size_t>(dim));
    gradient(x, g.data());
    double s = 0.0;
    for (int i = 0; i < n; ++i) {
      sample_gradient(i, x, gi.data());
      for (int j = 0; j < dim; ++j)
        s += (gi[static_cast<std::size_t>(j)] - g[static_cast<std::size_t>(j)]) *
             (gi[static_cast<std::size_t>(j)] - g[static_cast<std::size_t>(j)]);
    }
    return s / n;
  }
  double minimum_value() const { return label_noise > 0.0 ? NAN : 0.0; }
  void minimiser(double* x) const {
    for (int j = 0; j < dim; ++j) x[j] = teacher[static_cast<std::size_t>(j)];
  }
};

}  // namespace sgds
