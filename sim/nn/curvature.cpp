#include "sim/nn/curvature.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/running_stats.hpp"

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
  const SampleMean m = sample_mean(values);
  return {m.mean, m.standard_error};
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
  for (int k = 0; k < samples; ++k)
    values.push_back(f(w + scale.cwiseProduct(gaussian(w.size(), stream)), nullptr) - base);
  return mean_and_se(values);
}

std::vector<int> apgd_checkpoints(int steps) {
  std::vector<int> checkpoints;
  const int decrease = std::max(static_cast<int>(0.03 * steps), 1);
  const int shortest = std::max(static_cast<int>(0.06 * steps), 1);
  int interval = std::max(static_cast<int>(0.22 * steps), 1);
  for (int at = interval; at <= steps; at += interval) {
    checkpoints.push_back(at);
    interval = std::max(interval - decrease, shortest);
  }
  return checkpoints;
}

double worst_case_linf_sharpness(const Objective& f, const VectorXd& w, double rho, int steps, RandomStream stream) {
  const double base = f(w, nullptr);
  const VectorXd radius = rho * w.cwiseAbs();
  const auto project = [&](const VectorXd& d) { return d.cwiseMax(-radius).cwiseMin(radius).eval(); };
  VectorXd d = 0.5 * radius.cwiseProduct(rademacher(w.size(), stream));
  VectorXd gradient(w.size());
  double value = f(w + d, &gradient) - base;
  VectorXd best_d = d, best_gradient = gradient, previous = d;
  double best = value;
  std::vector<double> history{value};  // the value after each step, history[0] at the start
  double step = 2.0;                   // in units of the box half-width, per coordinate
  const std::vector<int> checkpoints = apgd_checkpoints(steps);
  std::size_t next_checkpoint = 0;
  int last_checkpoint = 0;
  bool reduced_at_last_checkpoint = true;
  double best_at_last_checkpoint = best;
  for (int k = 0; k < steps; ++k) {
    const VectorXd momentum = d - previous;
    previous = d;
    const double alpha = k > 0 ? 0.75 : 1.0;
    const VectorXd ascent = project(d + step * radius.cwiseProduct(gradient.cwiseSign()));
    d = project(d + alpha * (ascent - d) + (1.0 - alpha) * momentum);
    value = f(w + d, &gradient) - base;
    history.push_back(value);
    if (value > best) {
      best = value;
      best_d = d;
      best_gradient = gradient;
    }
    if (next_checkpoint < checkpoints.size() && k + 1 == checkpoints[next_checkpoint]) {
      // Halve the step and restart from the best point when, since the last checkpoint, at most
      // 75% of the steps increased f, or the best value did not move under an unchanged step.
      const int span = k + 1 - last_checkpoint;
      int increases = 0;
      for (int s = last_checkpoint + 1; s <= k + 1; ++s) increases += history[s] > history[s - 1];
      const bool reduce = increases <= 0.75 * span || (!reduced_at_last_checkpoint && best_at_last_checkpoint >= best);
      reduced_at_last_checkpoint = reduce;
      best_at_last_checkpoint = best;
      if (reduce) {
        step *= 0.5;
        d = best_d;
        gradient = best_gradient;
      }
      last_checkpoint = k + 1;
      ++next_checkpoint;
    }
  }
  return std::max(best, 0.0);  // d = 0 is in the box
}

}  // namespace sgds::nn
