#pragma once
// The float32 engine path: one SGD / SHB / NSHB step with additive Gaussian noise in single
// precision: the one definition of the step. advance_trajectory below is its scalar form (the
// reference in the tests, and the CUDA kernel's steps at group edges); sim/float_lanes.hpp (the
// CPU engine) and the grouped CUDA kernel (sim/cuda/cuda_engine.cu) apply the same operations.
//
// Why a second precision: on a GPU, double-precision transcendental functions cost several times
// their float versions, and the peers (JAX, PyTorch, sol_rastrigin.cu) all run in float32. The
// float64 path stays the default and the reference for every exact oracle.
//
// Noise stream: the normals of trajectory i form one flat sequence z_k, k = t d + j (step t,
// coordinate j), four per Philox block: block m = k / 4 is philox_block(seed, i, m, 0,
// gradient_noise_packed), words (w0, w1) give z_{4m}, z_{4m+1} and (w2, w3) give z_{4m+2},
// z_{4m+3} by Box-Muller (sim/float_math.hpp). Every word is used, whatever d is, and the
// numbers depend only on (seed, trajectory, k): never on the thread, the launch or the device.
//
// Problems: the separable ones whose float gradient is defined below (rastrigin, sphere,
// axis-aligned quadratic). State is float; the engines store it in their double arrays (exactly)
// and compute f, distances and statistics in double from it.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "sim/float_math.hpp"
#include "core/rng.hpp"
#include "theory/functions/landscapes.hpp"
#include "theory/functions/separable.hpp"

namespace sgds::floatpath {

inline constexpr int kMaxFloatDim = 128;

// Per-coordinate gradient in float; only the specialised problems run on the float32 path.
template <class Problem>
struct FloatGradient {
  static constexpr bool supported = false;
};

template <>
struct FloatGradient<Rastrigin> {
  static constexpr bool supported = true;
  explicit FloatGradient(const Rastrigin&) {}
  // 2 x + 20 pi sin(2 pi x)
  SGDS_HD_INLINE float operator()(float x, int) const { return fmaf(62.83185307179586f, sin_turns_f(x), x + x); }
};

template <>
struct FloatGradient<Sphere> {
  static constexpr bool supported = true;
  explicit FloatGradient(const Sphere&) {}
  SGDS_HD_INLINE float operator()(float x, int) const { return x + x; }
};

// f = sum_j lambda_j x_j^2 / 2 (rotated = false only); lambda_j computed in double, then rounded.
template <>
struct FloatGradient<Quadratic> {
  static constexpr bool supported = true;
  float lambda[kMaxFloatDim] = {};
  explicit FloatGradient(const Quadratic& q) {
    for (int j = 0; j < q.dim && j < kMaxFloatDim; ++j) lambda[j] = static_cast<float>(q.eigenvalue(j));
  }
  SGDS_HD_INLINE float operator()(float x, int j) const { return lambda[j] * x; }
};

template <class Problem>
inline constexpr bool float_path_supported = FloatGradient<Problem>::supported;

// Why this problem cannot run on the float32 path ("" when it can).
template <class Problem>
std::string float_path_refusal(const Problem& problem) {
  if constexpr (!float_path_supported<Problem>) {
    return "a problem the float32 path runs (rastrigin, sphere, quadratic with rotated = false)";
  } else {
    if constexpr (std::is_same_v<Problem, Quadratic>)
      if (problem.rotated) return "quadratic with rotated = false on the float32 path";
    if (problem.dim > kMaxFloatDim) return "problem.dim <= " + std::to_string(kMaxFloatDim) + " on the float32 path";
    return "";
  }
}

struct FloatStepParams {
  std::uint32_t seed = 0;
  int dim = 1;
  bool noise = false;     // Gaussian noise on (noise factor per step), else gradient descent
  bool momentum = false;  // v = beta v + w g; x -= eta v
  float beta = 0.0f, gradient_weight = 1.0f;
  float divergence_bound = kMaxTurnArgument;  // never above kMaxTurnArgument
};

// The step parameters and per-step inputs, made the same way by the CPU and the CUDA engine:
// noise_scale is C (0 without noise); eta_t and the factor C / sqrt(b_t) are computed in double
// and rounded to float once.
inline FloatStepParams make_float_step_params(std::uint32_t seed, int dim, double noise_scale, bool momentum,
                                              double beta, double gradient_weight, double divergence_bound) {
  FloatStepParams p;
  p.seed = seed;
  p.dim = dim;
  p.noise = noise_scale > 0.0;
  p.momentum = momentum;
  p.beta = static_cast<float>(beta);
  p.gradient_weight = static_cast<float>(gradient_weight);
  p.divergence_bound = static_cast<float>(std::min<double>(divergence_bound, kMaxTurnArgument));
  return p;
}

inline void make_float_step_series(const std::vector<double>& eta, const std::vector<double>& batch, double noise_scale,
                                   std::vector<float>& eta_f, std::vector<float>& factor_f) {
  eta_f.resize(eta.size());
  factor_f.resize(batch.size());
  for (std::size_t t = 0; t < eta.size(); ++t) eta_f[t] = static_cast<float>(eta[t]);
  for (std::size_t t = 0; t < batch.size(); ++t)
    factor_f[t] = noise_scale > 0.0 ? static_cast<float>(noise_scale / std::sqrt(batch[t])) : 0.0f;
}

// Block m of the trajectory's flat normal sequence: z[0..3] = z_{4m} .. z_{4m+3}.
SGDS_HD_INLINE void packed_normals(std::uint32_t seed, std::uint32_t trajectory, std::uint64_t m, float* z) {
  const RandomBlock block = philox_block(seed, trajectory, m, 0u, StreamPurpose::gradient_noise_packed);
  normal_pair_f(block.v[0], block.v[1], z[0], z[1]);
  normal_pair_f(block.v[2], block.v[3], z[2], z[3]);
}

SGDS_HD_INLINE float pick4(const float* z, std::uint32_t index) {
  return index == 0 ? z[0] : index == 1 ? z[1] : index == 2 ? z[2] : z[3];
}

// The three operations of a coordinate's step, each one rounding (fmaf): the noisy gradient
// g = grad + factor z, the momentum v = beta v + w g, the descent x - eta direction.
SGDS_HD_INLINE float noisy_gradient(float grad, float z, float factor) { return fmaf(factor, z, grad); }
SGDS_HD_INLINE float momentum_velocity(float v, float g, const FloatStepParams& p) {
  return fmaf(p.beta, v, p.gradient_weight * g);
}
SGDS_HD_INLINE float descend(float x, float direction, float eta) { return fmaf(-eta, direction, x); }

// One coordinate's step from its gradient and normal: SGD, or momentum (v updated).
SGDS_HD_INLINE float step_coordinate(float x, float& v, float grad, float z, float factor, float eta,
                                     const FloatStepParams& p) {
  const float g = noisy_gradient(grad, z, factor);
  if (p.momentum) {
    v = momentum_velocity(v, g, p);
    return descend(x, v, eta);
  }
  return descend(x, g, eta);
}

// Step t of one trajectory, any dimension: the definition every faster form must reproduce.
// Returns false when a coordinate left [-bound, bound] or is NaN (the trajectory is then frozen).
template <class Gradient>
SGDS_HD_INLINE bool step_any_dim(const Gradient& gradient, const FloatStepParams& p, std::uint32_t trajectory,
                                 std::uint64_t t, float eta, float factor, float* x, float* v) {
  const std::uint64_t first = t * static_cast<std::uint64_t>(p.dim);
  float z4[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  bool live = true;
  for (int j = 0; j < p.dim; ++j) {
    const std::uint64_t k = first + static_cast<std::uint64_t>(j);
    float z = 0.0f;
    if (p.noise) {
      if (j == 0 || (k & 3u) == 0) packed_normals(p.seed, trajectory, k >> 2, z4);
      z = pick4(z4, static_cast<std::uint32_t>(k & 3u));
    }
    float vj = p.momentum ? v[j] : 0.0f;
    x[j] = step_coordinate(x[j], vj, gradient(x[j], j), z, factor, eta, p);
    if (p.momentum) v[j] = vj;
    live = live && fabsf(x[j]) <= p.divergence_bound;
  }
  return live;
}

// Steps t0 .. t1-1 of one trajectory (eta[t], factor[t] per step); stops at the step that diverges.
template <class Gradient>
inline bool advance_trajectory(const Gradient& gradient, const FloatStepParams& p, std::uint32_t trajectory,
                               std::int64_t t0, std::int64_t t1, const float* eta, const float* factor, float* x,
                               float* v) {
  for (std::int64_t t = t0; t < t1; ++t)
    if (!step_any_dim(gradient, p, trajectory, static_cast<std::uint64_t>(t), eta[t], factor[t], x, v)) return false;
  return true;
}

}  // namespace sgds::floatpath
