#pragma once
// Copy chosen samples of a Dataset into a network's input matrix (one sample per column), in
// the architecture's layout: as stored (c, y, x) for the MLP, (y, x, c) for the CNN.
#include <cstdint>
#include <vector>

#include "data/dataset_images.hpp"
#include "sim/nn/network.hpp"

namespace sgds::nn {

template <class T>
void gather_batch(const Dataset& set, const Architecture& architecture, const std::uint32_t* indices, int count,
                  Matrix<T>& inputs, std::vector<std::int32_t>& labels) {
  const int C = set.channels, plane = set.height * set.width;
  inputs.resize(static_cast<Eigen::Index>(set.features()), count);
  labels.resize(static_cast<std::size_t>(count));
  for (int b = 0; b < count; ++b) {
    const float* source = set.sample(indices[b]);
    T* target = inputs.col(b).data();
    if (architecture.channels_last_input && C > 1) {
      for (int c = 0; c < C; ++c)
        for (int p = 0; p < plane; ++p) target[p * C + c] = static_cast<T>(source[c * plane + p]);
    } else {
      for (int j = 0; j < C * plane; ++j) target[j] = static_cast<T>(source[j]);
    }
    labels[static_cast<std::size_t>(b)] = set.labels[indices[b]];
  }
}

}  // namespace sgds::nn
