#pragma once
// The CUDA engine's host interface (plain C++, no CUDA headers): what the kernels of
// sim/cuda/cuda_engine.cu take and give back. One GPU thread advances one trajectory with its
// state in registers, many steps per launch; Gaussian noise comes from the trajectory's own
// Philox stream (seed, trajectory, step, gradient_noise), the same words as the CPU engine; the
// checkpoint statistics are reduced on the device in the CPU recorder's fixed blocks.
//
// float32: the single-precision step of sim/float_step.hpp, bitwise the CPU engine's float32
// path on every problem it supports (rastrigin, sphere, axis-aligned quadratic).
//
// Scope: the CPU engine's lane path, i.e. additive Gaussian noise (or none), SGD / SHB / NSHB,
// any per-step eta and b, on the problems listed in cuda_problem_supported.
//
// Bits: the update, the Philox words and the normals (Box-Muller with the lane functions of
// sim/lane_math.hpp, no FMA contraction on either side) are the CPU lane path's operations in
// the same order, so on sphere, quadratic (diagonal) and rastrigin (whose gradient uses the lane
// sine on both sides) the trajectories are meant to be bitwise those of the CPU. f, grad f and
// the gradient of every other function call device sin/cos/exp/log/pow, which may differ from
// glibc by an ulp; those trajectories agree within a tolerance, and the statistics within z SE.
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "core/running_stats.hpp"
#include "theory/functions/coupled.hpp"
#include "theory/functions/landscapes.hpp"
#include "theory/functions/separable.hpp"

namespace sgds::cuda {

// Largest dimension the CUDA engine runs (state arrays are sized at compile time).
inline constexpr int kMaxDim = 128;

// Trajectories whose checkpoint statistics one reduction partial covers: the CPU recorder's block.
inline constexpr std::int64_t kReductionBlock = 4096;

// Problems the kernels are compiled for (explicit instantiations in cuda_engine.cu).
template <class Problem>
inline constexpr bool cuda_problem_supported =
    std::is_same_v<Problem, Rastrigin> || std::is_same_v<Problem, Sphere> || std::is_same_v<Problem, Quadratic> ||
    std::is_same_v<Problem, Ellipsoid> || std::is_same_v<Problem, Ackley> || std::is_same_v<Problem, StyblinskiTang>;

// "" when a CUDA device can be used, else one line saying why not (no driver, no device, ...).
std::string device_unavailable_reason();
// The device's name and compute capability, e.g. "NVIDIA H100 80GB HBM3 (sm_90)".
std::string device_description();

struct RunInputs {
  std::uint32_t seed = 0;
  std::int64_t trajectories = 0;
  int dim = 1;
  double noise_scale = 0.0;  // C of Gaussian noise; 0: gradient descent
  bool momentum = false;
  double beta = 0.0, gradient_weight = 1.0;
  double divergence_bound = 1e12;
  std::vector<double> eta, batch;              // per step
  std::vector<std::int64_t> checkpoint_steps;  // increasing, last <= steps
  std::vector<double> initial_x;               // [trajectory][dim]
  std::vector<double> minimiser;               // [dim]
  double minimum = 0.0;
  double success_radius = 0.1;
  bool keep_scalar_columns = false;  // copy f, f_gap, dist, grad_norm per trajectory (quantiles)
  bool keep_final_x = false;
  // precision = "float32": the step of sim/float_step.hpp (problems where float_path_supported);
  // initial_x must already be float values. The statistics stay double.
  bool float32 = false;
};

// Columns of the per-trajectory observation: f, f_gap, dist, grad_norm, x_i, x_i^2.
inline int observation_columns(int dim) { return 4 + 2 * dim; }
inline constexpr int kScalarColumns = 4;

struct RunOutput {
  int columns = 0;
  std::int64_t blocks = 0;                // reduction blocks per checkpoint
  std::vector<RunningStats> partial;      // [checkpoint][block][column]
  std::vector<std::int64_t> alive;        // per checkpoint
  std::vector<std::int64_t> successes;    // per checkpoint: alive with dist <= success_radius
  std::vector<double> scalar_columns;     // keep_scalar_columns: [checkpoint][column][trajectory], NaN if dead
  std::vector<std::uint8_t> alive_flags;  // keep_scalar_columns: [checkpoint][trajectory]
  std::vector<double> final_x;            // keep_final_x: [trajectory][dim]
  double advance_seconds = 0.0;           // GPU time of the advance kernels (events)
};

// Runs the trajectories on device 0. Throws std::runtime_error on a CUDA error.
template <class Problem>
RunOutput run_trajectories(const Problem& problem, const RunInputs& in);

// Raw streams for the bit-compatibility tests: the four Philox words of block `draw` of the
// streams (seed, first + i, step, purpose) for i < count, [i][4]; and the normal pairs the
// engine makes from them, [i][2].
std::vector<std::uint32_t> philox_words(std::uint32_t seed, std::uint32_t first, std::uint32_t count,
                                        std::uint64_t step, std::uint32_t draw, std::uint32_t purpose);
std::vector<double> normal_pairs(std::uint32_t seed, std::uint32_t first, std::uint32_t count, std::uint64_t step,
                                 std::uint32_t draw, std::uint32_t purpose);

}  // namespace sgds::cuda
