#pragma once
// Philox4x32-10 for a group of trajectories at once (one lane per trajectory), written as plain
// loops over lanes so the compiler vectorises them. It computes exactly philox_block() of
// core/rng.hpp (tested bit for bit), so a lane's numbers are those of its own
// RandomStream(seed, trajectory, step, purpose): the stream stays keyed by trajectory.
#include <cmath>
#include <cstdint>

#include "sim/lane_math.hpp"
#include "core/rng.hpp"

namespace sgds::lanes {

// Trajectories advanced together; a multiple of the widest vector (8 doubles on AVX-512).
inline constexpr int kLanes = 16;

struct PhiloxLanes {
  std::uint32_t w[4][kLanes];
};

// Block `draw` of every lane's stream at (seed, trajectory[l], step, purpose).
inline void philox_lanes(std::uint32_t seed, const std::uint32_t* trajectory, std::uint64_t step, std::uint32_t draw,
                         StreamPurpose purpose, PhiloxLanes& out) {
  const std::uint32_t step_lo = static_cast<std::uint32_t>(step), step_hi = static_cast<std::uint32_t>(step >> 32);
  const std::uint32_t tag = static_cast<std::uint32_t>(purpose);
#pragma omp simd
  for (int l = 0; l < kLanes; ++l) {
    std::uint32_t c0 = draw, c1 = step_lo, c2 = step_hi, c3 = tag;
    std::uint32_t k0 = seed, k1 = trajectory[l];
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
      }
      const std::uint64_t p0 = static_cast<std::uint64_t>(0xD2511F53u) * c0;
      const std::uint64_t p1 = static_cast<std::uint64_t>(0xCD9E8D57u) * c2;
      const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ k0;
      const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ k1;
      c1 = static_cast<std::uint32_t>(p1);
      c3 = static_cast<std::uint32_t>(p0);
      c0 = n0;
      c2 = n2;
    }
    out.w[0][l] = c0;
    out.w[1][l] = c1;
    out.w[2][l] = c2;
    out.w[3][l] = c3;
  }
}

// Uniform in (0, 1) from two words, as uniform_open01 in core/rng.hpp.
SGDS_HD_INLINE double uniform_from_words(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 12;
  // bits < 2^52: build the double 2^52 + bits exactly, subtract 2^52 (no int->double conversion).
  const double whole = std::bit_cast<double>(bits | 0x4330000000000000ull) - 4503599627370496.0;
  return (whole + 0.5) * 0x1.0p-52;
}

// The Box-Muller pair of normal_pair() in core/rng.hpp, computed with the lane functions: equal to
// it within a few ulp (libm's log/cos/sin round differently), identical on every thread count.
// One lane's pair from its block's four words; the CUDA engine calls it once per thread.
SGDS_HD_INLINE void normal_pair_from_words(std::uint32_t w0, std::uint32_t w1, std::uint32_t w2, std::uint32_t w3,
                                           double& z0, double& z1) {
  const double u1 = uniform_from_words(w0, w1);
  const double u2 = uniform_from_words(w2, w3);
  const double radius = sqrt(-2.0 * log_positive(u1));
  double s, c;
  sincos_turns(u2, s, c);
  z0 = radius * c;
  z1 = radius * s;
}

// normal_pair_from_words for every lane of a block.
inline void normal_pair_lanes(const PhiloxLanes& block, double* z0, double* z1) {
#pragma omp simd
  for (int l = 0; l < kLanes; ++l)
    normal_pair_from_words(block.w[0][l], block.w[1][l], block.w[2][l], block.w[3][l], z0[l], z1[l]);
}

}  // namespace sgds::lanes
