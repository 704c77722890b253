#include "theory/nice.hpp"

#include <cmath>
#include <stdexcept>

namespace sgds {

std::vector<double> delta_sequence(const std::string& kind, double delta1, int stages, double gamma, double power) {
  if (stages < 1) throw std::invalid_argument("delta_sequence: stages must be >= 1");
  std::vector<double> deltas;
  for (int m = 1; m <= stages; ++m) {
    if (kind == "geometric") deltas.push_back(delta1 * std::pow(gamma, m - 1));
    else if (kind == "polynomial")
      deltas.push_back(delta1 * std::pow(static_cast<double>(stages - m + 1) / stages, power));
    else if (kind == "explicit_go") deltas.push_back(delta1 * static_cast<double>(stages + 1 - m) / (stages + 1));
    else throw std::invalid_argument("delta_sequence: unknown kind " + kind);
  }
  return deltas;
}

double min_symmetric_eigenvalue(std::vector<double> a, int d) {
  const auto n = static_cast<std::size_t>(d);
  auto at = [&](std::size_t i, std::size_t j) -> double& { return a[i * n + j]; };
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) off += at(i, j) * at(i, j);
    if (off < 1e-30) break;
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) {
        if (at(p, q) == 0.0) continue;
        const double theta = (at(q, q) - at(p, p)) / (2.0 * at(p, q));
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {  // A <- A J (columns p, q)
          const double akp = at(k, p), akq = at(k, q);
          at(k, p) = c * akp - s * akq, at(k, q) = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {  // A <- J' A (rows p, q)
          const double apk = at(p, k), aqk = at(q, k);
          at(p, k) = c * apk - s * aqk, at(q, k) = s * apk + c * aqk;
        }
      }
  }
  double m = at(0, 0);
  for (std::size_t i = 1; i < n; ++i) m = std::min(m, at(i, i));
  return m;
}

}  // namespace sgds
