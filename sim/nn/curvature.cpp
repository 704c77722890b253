#include "sim/nn/curvature.hpp"

#include <cmath>

namespace sgds::nn {
namespace {

VectorXd rademacher(Eigen::Index n, RandomStream& stream) {
  VectorXd z(n);
  for (Eigen::Index i = 0; i < n; i += 32) {
    const std::uint32_t bits = stream.next_block().v[0];
    for (Eigen::Index j = i; j < std::min(n, i + 32); ++j) z[j] = (bits >> (j - i)) & 1u ? 1.0 : -1.0;
  }
  return z;
}

VectorXd gaussian(Eigen::Index n, RandomStream& stream) {
  VectorXd z(n);
  for (Eigen::Index i = 0; i < n; ++i) z[i] = stream.normal();
  return z;
}

Estimate mean_and_se(const std::vector<double>& values) {
  const double n = static_cast<double>(values.size());
  double mean = 0.0;
  for (const double v : values) mean += v;
  mean /= n;
  double squares = 0.0;
  for (const double v : values) squares += (v - mean) * (v - mean);
  return {mean, values.size() > 1 ? std::sqrt(squares / (n - 1) / n) : 0.0};
}

}  // namespace

VectorXd hessian_vector_product(const Objective& f, const VectorXd& w, const VectorXd& v, double relative_step) {
  const double norm = v.norm();
  if (norm == 0.0) return VectorXd::Zero(w.size());
  const double h = relative_step * (1.0 + w.norm()) / norm;
  VectorXd up(w.size()), down(w.size());
  f(w + h * v, &up);
  f(w - h * v, &down);
  return (up - down) / (2.0 * h);
}

double top_hessian_eigenvalue(const Objective& f, const VectorXd& w, int iterations, RandomStream stream) {
  VectorXd v = gaussian(w.size(), stream);
  v.normalize();
  double eigenvalue = 0.0;
  for (int k = 0; k < iterations; ++k) {
    const VectorXd hv = hessian_vector_product(f, w, v);
    eigenvalue = v.dot(hv);  // Rayleigh quotient of the current unit vector
    const double norm = hv.norm();
    if (norm == 0.0) break;
    v = hv / norm;
  }
  return eigenvalue;
}

Estimate hutchinson_trace(const Objective& f, const VectorXd& w, int probes, RandomStream stream) {
  std::vector<double> values;
  for (int k = 0; k < probes; ++k) {
    const VectorXd z = rademacher(w.size(), stream);
    values.push_back(z.dot(hessian_vector_product(f, w, z)));
  }
  return mean_and_se(values);
}

Estimate average_case_sharpness(const Objective& f, const VectorXd& w, double rho, int samples, RandomStream stream) {
  const double base = f(w, nullptr);
  const VectorXd scale = rho * w.cwiseAbs();
  std::vector<double> values;
  for (int k = 0; k < samples; ++k) values.push_back(f(w + scale.cwiseProduct(gaussian(w.size(), stream)), nullptr) - base);
  return mean_and_se(values);
}

double worst_case_linf_sharpness(const Objective& f, const VectorXd& w, double rho, int steps, RandomStream stream) {
  const double base = f(w, nullptr);
  const VectorXd radius = rho * w.cwiseAbs();
  const auto project = [&](const VectorXd& d) { return d.cwiseMax(-radius).cwiseMin(radius).eval(); };
  VectorXd d = 0.5 * radius.cwiseProduct(rademacher(w.size(), stream));
  VectorXd gradient(w.size());
  double value = f(w + d, &gradient) - base;
  double best = std::max(value, 0.0);
  double step = 1.0;  // in units of the box half-width, per coordinate
  for (int k = 0; k < steps; ++k) {
    const VectorXd trial = project(d + step * radius.cwiseProduct(gradient.cwiseSign()));
    VectorXd trial_gradient(w.size());
    const double trial_value = f(w + trial, &trial_gradient) - base;
    if (trial_value > value) {
      d = trial;
      value = trial_value;
      gradient = trial_gradient;
      best = std::max(best, value);
    } else {
      step *= 0.5;
    }
  }
  return best;
}

}  // namespace sgds::nn
