#pragma once
// The vectorised path of the CPU engine: kLanes trajectories advanced together in structure-of-
// arrays layout (x[coordinate][lane]), for additive Gaussian noise with SGD, SHB or NSHB on a
// problem whose gradient has a lane form (LaneGradient below). Random numbers come from each
// lane's own Philox stream (philox_lanes), so the result is keyed by trajectory, not by thread
// or lane. Compiled three times (AVX-512, AVX2, baseline) and picked at run time; with
// contraction off every version gives the same bits.
#include <cmath>
#include <cstdint>

#include "sim/engine_spec.hpp"
#include "sim/lane_math.hpp"
#include "sim/philox_lanes.hpp"
#include "theory/functions/landscapes.hpp"
#include "theory/functions/separable.hpp"

namespace sgds {

using lanes::kLanes;

// Gradient of a problem for kLanes points at once: x and g are [dim][kLanes]. Specialised for
// the problems whose gradient the lane functions can express; the tests compare each with the
// problem's own gradient.
template <class Problem>
struct LaneGradient {
  static constexpr bool available = false;
};

template <>
struct LaneGradient<Quadratic> {
  static constexpr bool available = true;
  static bool applies(const Quadratic& p) { return !p.rotated; }  // diagonal Hessian only
  static void gradient(const Quadratic& p, const double* x, double* g) {
    for (int j = 0; j < p.dim; ++j) {
      const double a = p.eigenvalue(j);
      const double* xj = x + j * kLanes;
      double* gj = g + j * kLanes;
#pragma omp simd
      for (int l = 0; l < kLanes; ++l) gj[l] = a * xj[l];
    }
  }
};

template <>
struct LaneGradient<Sphere> {
  static constexpr bool available = true;
  static bool applies(const Sphere&) { return true; }
  static void gradient(const Sphere& p, const double* x, double* g) {
    for (int j = 0; j < p.dim * kLanes; ++j) g[j] = 2.0 * x[j];
  }
};

// Rastrigin: g_i = 2 x_i + 20 pi sin(2 pi x_i), with the lane sine (sim/lane_math.hpp).
template <>
struct LaneGradient<Rastrigin> {
  static constexpr bool available = true;
  static bool applies(const Rastrigin&) { return true; }
  static void gradient(const Rastrigin& p, const double* x, double* g) {
    const int n = p.dim * kLanes;
#pragma omp simd
    for (int j = 0; j < n; ++j) g[j] = 2.0 * x[j] + 20.0 * kPi * lanes::sin_turns(x[j]);
  }
};

// Fixed inputs of a lane advance.
struct LaneStepInputs {
  std::uint32_t seed = 0;
  std::uint32_t first_trajectory = 0;  // lane l is trajectory first_trajectory + l
  double noise_scale = 0.0;            // C; 0 for no noise
  bool momentum = false;
  double beta = 0.0, gradient_weight = 1.0;
  double divergence_bound = 1e12;
  const double* eta = nullptr;    // per step
  const double* batch = nullptr;  // per step
};

// Advance one tile from step t0 to t1. `alive` is 1.0 or 0.0 per lane: a lane whose x leaves
// the bound (or turns NaN/Inf) keeps the value it broke at and stays frozen. `g` is scratch
// [dim][kLanes].
template <class Problem>
[[gnu::always_inline]] inline void advance_lanes_body(const Problem& problem, const LaneStepInputs& in, double* x,
                                                      double* v, double* alive, double* g, std::int64_t t0,
                                                      std::int64_t t1) {
  const int dim = problem.dim;
  std::uint32_t trajectory[kLanes];
  for (int l = 0; l < kLanes; ++l) trajectory[l] = in.first_trajectory + static_cast<std::uint32_t>(l);
  double z0[kLanes], z1[kLanes];
  for (std::int64_t t = t0; t < t1; ++t) {
    const std::size_t ts = static_cast<std::size_t>(t);
    LaneGradient<Problem>::gradient(problem, x, g);
    if (in.noise_scale > 0.0) {
      const double factor = in.noise_scale / std::sqrt(in.batch[ts]);
      // Coordinates 2k and 2k+1 take the Box-Muller pair of draw k: the order of RandomStream::normal.
      for (int j = 0; j < dim; j += 2) {
        lanes::PhiloxLanes block;
        lanes::philox_lanes(in.seed, trajectory, static_cast<std::uint64_t>(t), static_cast<std::uint32_t>(j / 2),
                            StreamPurpose::gradient_noise, block);
        lanes::normal_pair_lanes(block, z0, z1);
        double* g0 = g + j * kLanes;
#pragma omp simd
        for (int l = 0; l < kLanes; ++l) g0[l] += factor * z0[l];
        if (j + 1 < dim) {
          double* g1 = g + (j + 1) * kLanes;
#pragma omp simd
          for (int l = 0; l < kLanes; ++l) g1[l] += factor * z1[l];
        }
      }
    }
    const double eta = in.eta[ts];
    double still[kLanes];
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) still[l] = alive[l];
    for (int j = 0; j < dim; ++j) {
      double* xj = x + j * kLanes;
      const double* gj = g + j * kLanes;
      if (in.momentum) {
        double* vj = v + j * kLanes;
#pragma omp simd
        for (int l = 0; l < kLanes; ++l) {
          const double vn = in.beta * vj[l] + in.gradient_weight * gj[l];
          const double xn = xj[l] - eta * vn;
          const bool live = alive[l] != 0.0;
          vj[l] = live ? vn : vj[l];
          xj[l] = live ? xn : xj[l];
          still[l] = std::fabs(xn) <= in.divergence_bound ? still[l] : 0.0;
        }
      } else {
#pragma omp simd
        for (int l = 0; l < kLanes; ++l) {
          const double xn = xj[l] - eta * gj[l];
          xj[l] = alive[l] != 0.0 ? xn : xj[l];
          still[l] = std::fabs(xn) <= in.divergence_bound ? still[l] : 0.0;
        }
      }
    }
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) alive[l] = still[l];
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
template <class Problem>
[[gnu::target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")]] void advance_lanes_avx512(
    const Problem& problem, const LaneStepInputs& in, double* x, double* v, double* alive, double* g, std::int64_t t0,
    std::int64_t t1) {
  advance_lanes_body(problem, in, x, v, alive, g, t0, t1);
}

template <class Problem>
[[gnu::target("avx2,fma")]] void advance_lanes_avx2(const Problem& problem, const LaneStepInputs& in, double* x,
                                                    double* v, double* alive, double* g, std::int64_t t0,
                                                    std::int64_t t1) {
  advance_lanes_body(problem, in, x, v, alive, g, t0, t1);
}
#endif

template <class Problem>
void advance_lanes_baseline(const Problem& problem, const LaneStepInputs& in, double* x, double* v, double* alive,
                            double* g, std::int64_t t0, std::int64_t t1) {
  advance_lanes_body(problem, in, x, v, alive, g, t0, t1);
}

enum class LaneIsa : int { baseline = 0, avx2 = 1, avx512 = 2 };

inline LaneIsa detect_lane_isa() {
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw"))
    return LaneIsa::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return LaneIsa::avx2;
#endif
  return LaneIsa::baseline;
}

template <class Problem>
void advance_lanes(LaneIsa isa, const Problem& problem, const LaneStepInputs& in, double* x, double* v, double* alive,
                   double* g, std::int64_t t0, std::int64_t t1) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (isa == LaneIsa::avx512) return advance_lanes_avx512(problem, in, x, v, alive, g, t0, t1);
  if (isa == LaneIsa::avx2) return advance_lanes_avx2(problem, in, x, v, alive, g, t0, t1);
#endif
  (void)isa;
  advance_lanes_baseline(problem, in, x, v, alive, g, t0, t1);
}

}  // namespace sgds
