#include "sim/engine_spec.hpp"

#include <cmath>

namespace sgds {

double NoiseModel::batch_factor(double b) const {
  if (kind == NoiseKind::additive || kind == NoiseKind::per_sample) return std::pow(b, kernel_batch_exponent(kernel));
  return 1.0 / std::sqrt(b);
}

void StepSchedule::fill_positions() {
  position.resize(eta.size());
  std::uint64_t drawn = 0;
  for (std::size_t t = 0; t < eta.size(); ++t) {
    position[t] = drawn;
    drawn += static_cast<std::uint64_t>(batch[t]);
  }
}

}  // namespace sgds
