#pragma once
// Small generated data sets for the network trainer tests (test_nn_cuda, tests/cuda_emulation).
#include <cstdint>

#include "data/dataset_images.hpp"
#include "core/rng.hpp"

namespace sgds::test {

// MNIST-shaped data: 28 x 28 one-channel images in 10 classes, a class-dependent bright row
// pair plus gaussian noise, so a 784-256-10 MLP learns in a few epochs.
inline Dataset digits_like(int n, std::uint32_t seed) {
  Dataset set;
  set.height = set.width = 28;
  set.classes = 10;
  RandomStream s(seed, 0, 0, StreamPurpose::user);
  for (int i = 0; i < n; ++i) {
    const int label = static_cast<int>(s.below(10));
    set.labels.push_back(label);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x)
        set.pixels.push_back(static_cast<float>((y / 2 == label + 2 ? 1.0 : 0.0) + 0.7 * s.normal()));
  }
  return set;
}

}  // namespace sgds::test
