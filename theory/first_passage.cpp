#include "theory/first_passage.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

namespace sgds {

double mean_first_passage_time(const std::function<double(double)>& potential, double diffusion, double x0, double exit,
                               double reflect, FirstPassageQuadrature quadrature) {
  const bool between = (exit < x0 && x0 <= reflect) || (reflect <= x0 && x0 < exit);
  if (!(diffusion > 0.0) || !between || quadrature.intervals < 2)
    throw std::invalid_argument("mean_first_passage_time: needs diffusion > 0 and x0 between exit and reflect");
  // Work on s in [0, 1] from exit (s = 0) to reflect (s = 1): z = exit + s (reflect - exit); the
  // orientation signs cancel between the two integrals, so both run over |reflect - exit| ds.
  const int n = quadrature.intervals;
  const double length = std::fabs(reflect - exit), h = length / n;
  const double step = (reflect - exit) / n;
  std::vector<double> u(static_cast<std::size_t>(n) + 1);
  double u_min = INFINITY;
  for (int j = 0; j <= n; ++j) u[j] = potential(exit + step * j), u_min = std::min(u_min, u[j]);
  // Inner integral from z_j to reflect, cumulated backwards (trapezoid); shifted by u_min so that
  // the exponentials neither overflow nor underflow where they matter.
  std::vector<double> inner(static_cast<std::size_t>(n) + 1, 0.0);
  for (int j = n - 1; j >= 0; --j)
    inner[j] =
        inner[j + 1] + 0.5 * h * (std::exp(-(u[j] - u_min) / diffusion) + std::exp(-(u[j + 1] - u_min) / diffusion));
  // Outer integral from exit to x0 (x0 need not be on the grid: the last panel is partial).
  const double position = std::fabs(x0 - exit) / h;
  const int full = std::min(n, static_cast<int>(position));
  const auto outer_at = [&](int j) { return std::exp((u[j] - u_min) / diffusion) * inner[j]; };
  double total = 0.0;
  for (int j = 0; j < full; ++j) total += 0.5 * h * (outer_at(j) + outer_at(j + 1));
  if (full < n && position > full) {
    const double fraction = position - full;
    const double end = outer_at(full) + fraction * (outer_at(full + 1) - outer_at(full));  // linear interpolation
    total += 0.5 * fraction * h * (outer_at(full) + end);
  }
  return total / diffusion;
}

}  // namespace sgds
