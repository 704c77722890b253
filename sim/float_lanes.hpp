#pragma once
// The float32 step (sim/float_step.hpp) for kLanes trajectories at once, as the CPU engine runs
// it: x[coordinate][lane] in float, one Philox block of each lane's flat normal sequence drawn
// when the sequence enters it (philox_lanes, the same words as philox_block), the step of
// floatpath::step_coordinate's operations per lane. The operations per lane are those of
// floatpath::advance_trajectory in the same order, so every lane's bits equal the scalar
// definition's (tested) and the CUDA kernel's. Compiled for AVX-512, AVX2 and the baseline and
// picked at run time like sim/lane_step.hpp; explicit fmaf and no contraction give one answer.
#include <cmath>
#include <cstdint>

#include "sim/float_step.hpp"
#include "sim/lane_step.hpp"
#include "sim/philox_lanes.hpp"

namespace sgds::floatpath {

// Advance one tile of kLanes lanes (lanes past the last trajectory have alive 0) from step t0 to
// t1. x, v: [dim][kLanes] float (v unused without momentum); alive: 1 or 0 per lane, a lane that
// leaves the bound is frozen after the step that broke it.
template <class Gradient>
[[gnu::always_inline]] inline void advance_float_lanes_body(const Gradient& gradient, const FloatStepParams& p,
                                                            std::uint32_t first_trajectory, std::int64_t t0,
                                                            std::int64_t t1, const float* eta_series,
                                                            const float* factor_series, float* x, float* v,
                                                            float* alive) {
  constexpr int L = lanes::kLanes;
  const int dim = p.dim;
  std::uint32_t trajectory[L];
  for (int l = 0; l < L; ++l) trajectory[l] = first_trajectory + static_cast<std::uint32_t>(l);
  float z4[4][L] = {};
  const float zeros[L] = {};                        // the normals of a run without noise (factor 0 as well)
  std::uint64_t block_in_hand = ~std::uint64_t{0};  // the Philox block whose normals z4 holds
  for (std::int64_t t = t0; t < t1; ++t) {
    const float eta = eta_series[t], factor = factor_series[t];
    float still[L];
    for (int l = 0; l < L; ++l) still[l] = alive[l];
    for (int j = 0; j < dim; ++j) {
      const std::uint64_t k =
          static_cast<std::uint64_t>(t) * static_cast<std::uint64_t>(dim) + static_cast<std::uint64_t>(j);
      if (p.noise && (k >> 2) != block_in_hand) {
        block_in_hand = k >> 2;
        lanes::PhiloxLanes block;
        lanes::philox_lanes(p.seed, trajectory, block_in_hand, 0u, StreamPurpose::gradient_noise_packed, block);
#pragma omp simd
        for (int l = 0; l < L; ++l) {
          normal_pair_f(block.w[0][l], block.w[1][l], z4[0][l], z4[1][l]);
          normal_pair_f(block.w[2][l], block.w[3][l], z4[2][l], z4[3][l]);
        }
      }
      const float* z = p.noise ? z4[k & 3u] : zeros;
      float* xj = x + j * L;
      if (p.momentum) {
        float* vj = v + j * L;
#pragma omp simd
        for (int l = 0; l < L; ++l) {
          const float vn = momentum_velocity(vj[l], noisy_gradient(gradient(xj[l], j), z[l], factor), p);
          const float xn = descend(xj[l], vn, eta);
          const bool live = alive[l] != 0.0f;
          vj[l] = live ? vn : vj[l];
          xj[l] = live ? xn : xj[l];
          still[l] = fabsf(xn) <= p.divergence_bound ? still[l] : 0.0f;
        }
      } else {
#pragma omp simd
        for (int l = 0; l < L; ++l) {
          const float xn = descend(xj[l], noisy_gradient(gradient(xj[l], j), z[l], factor), eta);
          xj[l] = alive[l] != 0.0f ? xn : xj[l];
          still[l] = fabsf(xn) <= p.divergence_bound ? still[l] : 0.0f;
        }
      }
    }
    for (int l = 0; l < L; ++l) alive[l] = still[l];
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
template <class Gradient>
[[gnu::target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")]] void advance_float_lanes_avx512(
    const Gradient& gradient, const FloatStepParams& p, std::uint32_t first, std::int64_t t0, std::int64_t t1,
    const float* eta, const float* factor, float* x, float* v, float* alive) {
  advance_float_lanes_body(gradient, p, first, t0, t1, eta, factor, x, v, alive);
}

template <class Gradient>
[[gnu::target("avx2,fma")]] void advance_float_lanes_avx2(const Gradient& gradient, const FloatStepParams& p,
                                                          std::uint32_t first, std::int64_t t0, std::int64_t t1,
                                                          const float* eta, const float* factor, float* x, float* v,
                                                          float* alive) {
  advance_float_lanes_body(gradient, p, first, t0, t1, eta, factor, x, v, alive);
}
#endif

template <class Gradient>
void advance_float_lanes_baseline(const Gradient& gradient, const FloatStepParams& p, std::uint32_t first,
                                  std::int64_t t0, std::int64_t t1, const float* eta, const float* factor, float* x,
                                  float* v, float* alive) {
  advance_float_lanes_body(gradient, p, first, t0, t1, eta, factor, x, v, alive);
}

template <class Gradient>
void advance_float_lanes(LaneIsa isa, const Gradient& gradient, const FloatStepParams& p, std::uint32_t first,
                         std::int64_t t0, std::int64_t t1, const float* eta, const float* factor, float* x, float* v,
                         float* alive) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (isa == LaneIsa::avx512) return advance_float_lanes_avx512(gradient, p, first, t0, t1, eta, factor, x, v, alive);
  if (isa == LaneIsa::avx2) return advance_float_lanes_avx2(gradient, p, first, t0, t1, eta, factor, x, v, alive);
#endif
  (void)isa;
  advance_float_lanes_baseline(gradient, p, first, t0, t1, eta, factor, x, v, alive);
}

}  // namespace sgds::floatpath
