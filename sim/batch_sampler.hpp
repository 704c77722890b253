#pragma once
// Mini-batch index draws for a finite sum of n samples, one trajectory at a time:
//   with_replacement     b independent uniform draws per step
//   without_replacement  b distinct samples per step (Floyd's algorithm: exactly uniform subsets)
//   reshuffle            epochs: every epoch is a fresh uniform permutation of the n samples and
//                        the batches walk through it, so each sample is used exactly once per epoch
// Random numbers come from the trajectory's batch_sampling stream: keyed by step for the first
// two, by epoch for the permutation, so nothing depends on threads.
#include <cmath>  // before core/rng.hpp, which uses log, sqrt, cos, sin unqualified
#include <cstdint>
#include <utility>
#include <vector>

#include "core/rng.hpp"

namespace sgds {

enum class BatchSampling : int { with_replacement = 0, without_replacement = 1, reshuffle = 2 };

// The order of one epoch of a trajectory: a uniform random permutation of [0, n), drawn by
// Fisher-Yates (each swap partner uniform by RandomStream::below) from the trajectory's
// batch_sampling stream keyed by the epoch. It is kept while one trajectory walks through the
// epoch's steps and rebuilt when the epoch or the trajectory changes: O(n) memory per thread and
// O(1) work per sample. (Every permutation has probability exactly 1/n!, unlike a cipher on a
// small domain, whose permutations are few and not equally likely.)
class EpochOrder {
 public:
  std::uint32_t at(std::uint32_t n, std::uint32_t seed, std::uint32_t trajectory, std::uint64_t epoch,
                   std::uint32_t offset) {
    if (!valid_ || n != n_ || seed != seed_ || trajectory != trajectory_ || epoch != epoch_)
      build(n, seed, trajectory, epoch);
    return order_[offset];
  }

 private:
  void build(std::uint32_t n, std::uint32_t seed, std::uint32_t trajectory, std::uint64_t epoch) {
    order_.resize(n);
    for (std::uint32_t i = 0; i < n; ++i) order_[i] = i;
    RandomStream rng(seed, trajectory, epoch, StreamPurpose::batch_sampling);
    for (std::uint32_t i = n; i-- > 1;) std::swap(order_[i], order_[rng.below(i + 1)]);
    n_ = n, seed_ = seed, trajectory_ = trajectory, epoch_ = epoch, valid_ = true;
  }

  std::vector<std::uint32_t> order_;
  std::uint32_t n_ = 0, seed_ = 0, trajectory_ = 0;
  std::uint64_t epoch_ = 0;
  bool valid_ = false;
};

// The b indices of one step. `position` is the number of samples drawn before this step (the
// running sum of batch sizes), used by reshuffle to find its place in the epochs; `order` holds
// reshuffle's current epoch (one per thread; unused by the other samplings).
inline void draw_batch(BatchSampling sampling, std::uint32_t n, std::uint32_t b, std::uint32_t seed,
                       std::uint32_t trajectory, std::uint64_t step, std::uint64_t position, std::uint32_t* out,
                       EpochOrder& order) {
  switch (sampling) {
    case BatchSampling::with_replacement: {
      RandomStream rng(seed, trajectory, step, StreamPurpose::batch_sampling);
      for (std::uint32_t k = 0; k < b; ++k) out[k] = rng.below(n);
      return;
    }
    case BatchSampling::without_replacement: {
      // Floyd: for j = n-b .. n-1 draw t in [0, j]; take t unless already taken, else j.
      RandomStream rng(seed, trajectory, step, StreamPurpose::batch_sampling);
      std::uint32_t count = 0;
      for (std::uint32_t j = n - b; j < n; ++j) {
        const std::uint32_t t = rng.below(j + 1);
        bool taken = false;
        for (std::uint32_t k = 0; k < count; ++k) taken |= out[k] == t;
        out[count++] = taken ? j : t;
      }
      return;
    }
    case BatchSampling::reshuffle: {
      std::uint64_t epoch = position / n;
      std::uint32_t offset = static_cast<std::uint32_t>(position % n);
      for (std::uint32_t k = 0; k < b; ++k) {
        if (offset == n) {  // the batch runs into the next epoch
          ++epoch;
          offset = 0;
        }
        out[k] = order.at(n, seed, trajectory, epoch, offset++);
      }
      return;
    }
  }
}

}  // namespace sgds
