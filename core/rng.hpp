#pragma once
// Counter-based random streams: Philox4x32-10 (Random123), keyed by (seed, trajectory) and
// counted by (draw, step, purpose). A variate depends only on those numbers, never on the
// thread, shard or device that asks for it, so results are reproducible to the bit.
//
//   key     = { seed (32 bits), trajectory (32 bits) }
//   counter = { draw (32 bits), step low 32 bits, step high 32 bits, purpose }
//
// `purpose` separates independent uses within one trajectory and step (the noise, a batch
// sample, a smoothing-kernel draw, the initial point), so adding a new use never shifts the
// numbers an existing one sees.
#include <cmath>
#include <cstdint>

#include <Random123/philox.h>

#include "core/hd.hpp"

namespace sgds {

using Philox = r123::Philox4x32_R<10>;

enum class StreamPurpose : std::uint32_t {
  gradient_noise = 0,
  initial_point = 1,
  batch_sampling = 2,
  smoothing_kernel = 3,
  network_init = 4,
  finite_sum_data = 5,         // sim/finite_sums.hpp: the data of a synthetic finite sum (keyed by data_seed, sample)
  stage_certificate = 6,       // GradOpt's accuracy rule: the second, independent smoothed-gradient estimate
  network_landscape = 7,       // sim/nn/landscape.hpp: the samples a slice is taken over, its random directions
  gradient_noise_packed = 12,  // the float32 path's flat normal sequence (sim/float_step.hpp)
  network_measurement = 13,    // sim/nn: which samples C^2 and curvature are measured on
  network_probe = 14,          // sim/nn: power-iteration start, Hutchinson probes, sharpness draws
  sweep_point_seed = 15,       // the run seed of each sweep point (sim/sweep); high, clear of engine uses
  user = 16,                   // first value free for experiments and tests
};

struct RandomBlock {
  std::uint32_t v[4];
};

// One Philox call: four independent 32-bit words.
SGDS_HD_INLINE RandomBlock philox_block(std::uint32_t seed, std::uint32_t trajectory, std::uint64_t step,
                                        std::uint32_t draw, StreamPurpose purpose) {
  Philox::key_type key = {{seed, trajectory}};
  Philox::ctr_type ctr = {{draw, static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32),
                           static_cast<std::uint32_t>(purpose)}};
  Philox philox;
  const Philox::ctr_type out = philox(ctr, key);
  return RandomBlock{{out[0], out[1], out[2], out[3]}};
}

// Uniform double in the open interval (0, 1) from two words: 52 random bits, offset by half a
// unit so that neither 0 nor 1 can occur (log(u) stays finite); k + 0.5 is exact in a double.
SGDS_HD_INLINE double uniform_open01(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 12;
  return (static_cast<double>(bits) + 0.5) * 0x1.0p-52;
}

// Uniform float in (0, 1) from one word, for single-precision engines: 23 random bits, so that
// k + 0.5 is exact in a float's 24-bit significand and the result never rounds up to 1.
SGDS_HD_INLINE float uniform_open01f(std::uint32_t w) { return (static_cast<float>(w >> 9) + 0.5f) * 0x1.0p-23f; }

// Two independent standard normals from one block (Box-Muller on two 52-bit uniforms).
struct NormalPair {
  double z0, z1;
};
SGDS_HD_INLINE NormalPair normal_pair(const RandomBlock& r) {
  const double u1 = uniform_open01(r.v[0], r.v[1]);
  const double u2 = uniform_open01(r.v[2], r.v[3]);
  const double radius = sqrt(-2.0 * log(u1));
  const double angle = 6.283185307179586476925 * u2;
  return NormalPair{radius * cos(angle), radius * sin(angle)};
}

// A trajectory's stream at one step and purpose: hands out uniforms and normals in a fixed
// order (draw 0, 1, 2, ...). Cheap to construct; lives in registers on the GPU.
class RandomStream {
 public:
  SGDS_HD RandomStream(std::uint32_t seed, std::uint32_t trajectory, std::uint64_t step, StreamPurpose purpose)
      : seed_(seed), trajectory_(trajectory), step_(step), purpose_(purpose) {}

  SGDS_HD RandomBlock next_block() { return philox_block(seed_, trajectory_, step_, draw_++, purpose_); }

  // Standard normal; consecutive calls use both halves of a Box-Muller pair.
  SGDS_HD double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const NormalPair p = normal_pair(next_block());
    spare_ = p.z1;
    has_spare_ = true;
    return p.z0;
  }

  // Uniform in (0, 1); uses a whole block (two words are discarded) to keep the draw order simple.
  SGDS_HD double uniform() {
    const RandomBlock r = next_block();
    return uniform_open01(r.v[0], r.v[1]);
  }

  // Uniform integer in [0, n) without modulo bias (Lemire's multiply-shift with rejection).
  SGDS_HD std::uint32_t below(std::uint32_t n) {
    for (;;) {
      const RandomBlock r = next_block();
      for (int i = 0; i < 4; ++i) {
        const std::uint64_t m = static_cast<std::uint64_t>(r.v[i]) * n;
        const std::uint32_t low = static_cast<std::uint32_t>(m);
        if (low >= static_cast<std::uint32_t>(-n) % n) return static_cast<std::uint32_t>(m >> 32);
      }
    }
  }

  SGDS_HD std::uint32_t draws_used() const { return draw_; }

 private:
  std::uint32_t seed_, trajectory_;
  std::uint64_t step_;
  StreamPurpose purpose_;
  std::uint32_t draw_ = 0;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace sgds
