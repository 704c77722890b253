#pragma once
// Mini-batch index draws for a finite sum of n samples, one trajectory at a time:
//   with_replacement     b independent uniform draws per step
//   without_replacement  b distinct samples per step (Floyd's algorithm: exactly uniform subsets)
//   reshuffle            epochs: every epoch is a fresh permutation of the n samples and the
//                        batches walk through it, so each sample is used exactly once per epoch
// Random numbers come from the trajectory's batch_sampling stream: keyed by step for the first
// two, by epoch for the permutation, so nothing depends on threads.
#include <cmath>  // before sim/rng.hpp, which uses log, sqrt, cos, sin unqualified
#include <cstdint>

#include "sim/rng.hpp"

namespace sgds {

enum class BatchSampling : int { with_replacement = 0, without_replacement = 1, reshuffle = 2 };

// A pseudo-random permutation of [0, n) chosen by four 32-bit round keys: a balanced Feistel
// network on the smallest even number of bits covering n, with cycle walking back into [0, n).
// A bijection by construction, so an epoch visits every sample exactly once; O(1) memory.
class EpochPermutation {
 public:
  EpochPermutation(std::uint32_t n, const RandomBlock& keys) : n_(n) {
    int bits = 2;
    while ((std::uint64_t{1} << bits) < n) bits += 2;
    half_bits_ = bits / 2;
    half_mask_ = (std::uint32_t{1} << half_bits_) - 1u;
    for (int r = 0; r < 4; ++r) keys_[r] = keys.v[r];
  }

  std::uint32_t operator()(std::uint32_t position) const {
    std::uint32_t value = position;
    do value = encrypt(value);
    while (value >= n_);  // cycle walking: the domain is at most 4n, so few iterations
    return value;
  }

 private:
  static std::uint32_t mix(std::uint32_t v) {  // a 32-bit avalanche hash (murmur3 finaliser)
    v ^= v >> 16;
    v *= 0x85EBCA6Bu;
    v ^= v >> 13;
    v *= 0xC2B2AE35u;
    v ^= v >> 16;
    return v;
  }
  std::uint32_t encrypt(std::uint32_t value) const {
    std::uint32_t left = value >> half_bits_, right = value & half_mask_;
    for (int r = 0; r < 4; ++r) {
      const std::uint32_t next = left ^ (mix(right ^ keys_[r]) & half_mask_);
      left = right;
      right = next;
    }
    return (left << half_bits_) | right;
  }

  std::uint32_t n_;
  int half_bits_ = 1;
  std::uint32_t half_mask_ = 1;
  std::uint32_t keys_[4] = {0, 0, 0, 0};
};

// The b indices of one step. `position` is the number of samples drawn before this step (the
// running sum of batch sizes), used by reshuffle to find its place in the epochs.
inline void draw_batch(BatchSampling sampling, std::uint32_t n, std::uint32_t b, std::uint32_t seed,
                       std::uint32_t trajectory, std::uint64_t step, std::uint64_t position, std::uint32_t* out) {
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
      // The epoch's permutation, keyed by epoch in the trajectory's batch_sampling stream.
      EpochPermutation permutation(n, philox_block(seed, trajectory, epoch, 0, StreamPurpose::batch_sampling));
      for (std::uint32_t k = 0; k < b; ++k) {
        if (offset == n) {  // the batch runs into the next epoch
          ++epoch;
          offset = 0;
          permutation = EpochPermutation(n, philox_block(seed, trajectory, epoch, 0, StreamPurpose::batch_sampling));
        }
        out[k] = permutation(offset++);
      }
      return;
    }
  }
}

}  // namespace sgds
