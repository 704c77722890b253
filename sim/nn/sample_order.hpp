#pragma once
// Which training samples a replica sees, shared by the CPU trainer (sim/nn/trainer.cpp) and the
// GPU trainer (sim/nn/replica_trainer_cuda.*), so both walk the same mini-batches: epoch e of
// replica r visits the samples in the order of a random permutation drawn from the stream
// (seed, r, e, batch_sampling), mini-batch k being positions [k b, (k + 1) b).
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "core/rng.hpp"

namespace sgds::nn {

// The first `count` entries of a uniformly random permutation of 0 .. n-1 (partial Fisher-Yates).
inline std::vector<std::uint32_t> random_indices(std::size_t n, std::size_t count, RandomStream stream) {
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  for (std::size_t i = 0; i < count && i + 1 < n; ++i) {
    const std::size_t j = i + stream.below(static_cast<std::uint32_t>(n - i));
    std::swap(order[i], order[j]);
  }
  order.resize(count);
  return order;
}

// The order in which replica `replica` visits the n training samples during epoch `epoch`.
inline std::vector<std::uint32_t> epoch_order(std::uint32_t seed, std::uint32_t replica, int epoch, std::size_t n) {
  return random_indices(n, n,
                        RandomStream(seed, replica, static_cast<std::uint64_t>(epoch), StreamPurpose::batch_sampling));
}

}  // namespace sgds::nn
