#include "sim/nn/full_gradient.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "sim/nn/batch.hpp"
#include "sim/nn/network.hpp"

namespace sgds::nn {

FullSetValues full_set_values(const Architecture& architecture, const Dataset& set, const float* w, int batch) {
  if (batch < 1 || set.size() == 0) throw std::invalid_argument("full_set_values: needs batch >= 1 and samples");
  const std::size_t n = set.size(), P = architecture.parameter_count;
  std::vector<std::uint32_t> indices(n);
  std::iota(indices.begin(), indices.end(), 0u);
  Network<float> net(architecture);
  std::vector<float> g(P);
  Eigen::VectorXd total = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(P));
  double loss_sum = 0.0;
  Matrix<float> x;
  std::vector<std::int32_t> y;
  for (std::size_t begin = 0; begin < n; begin += static_cast<std::size_t>(batch)) {
    const int count = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(batch), n - begin));
    gather_batch(set, architecture, indices.data() + begin, count, x, y);
    loss_sum += net.run(w, x, y.data(), g.data()).loss_sum;  // g: the gradient of this batch's mean loss
    total += (static_cast<double>(count) / static_cast<double>(n)) *
             Eigen::Map<const Eigen::VectorXf>(g.data(), static_cast<Eigen::Index>(P)).cast<double>();
  }
  return {loss_sum / static_cast<double>(n), total.norm()};
}

double full_gradient_norm(const Architecture& architecture, const Dataset& set, const float* w, int batch) {
  return full_set_values(architecture, set, w, batch).gradient_norm;
}

}  // namespace sgds::nn
