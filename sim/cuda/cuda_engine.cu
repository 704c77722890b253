// Kernels of the CUDA engine, then their launchers (see sim/cuda/cuda_engine.hpp).
//
//   advance_kernel    one thread per trajectory: x (and v) in registers, steps t0..t1 in one launch
//   advance_float_kernel  the same for precision = "float32" (sim/float_step.hpp), in groups of
//                     steps that use whole Philox blocks of the flat normal sequence
//   observe_kernel    one thread per trajectory: f, f - f*, ||x - x*||, ||grad f||, x_i, x_i^2
//                     into a column-major observation buffer [column][trajectory]
//   reduce_kernel     one thread per (block of 4096 trajectories, column): Welford over the block
//                     in trajectory order, the CPU recorder's partials; merged on the host in
//                     block order, so the statistics do not depend on the launch configuration
//
// Built with -fmad=false (no FMA contraction), as the CPU build uses -ffp-contract=off.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "sim/cuda/cuda_engine.hpp"
#include "sim/cuda/device_buffer.hpp"
#include "sim/float_step.hpp"
#include "sim/philox_lanes.hpp"
#include "core/rng.hpp"

namespace sgds::cuda {
namespace {

constexpr int kThreadsPerBlock = 256;

int grid_for(std::int64_t items, int threads) { return static_cast<int>((items + threads - 1) / threads); }

// The gradient the step uses: the problem's own, except Rastrigin, whose CPU lane path
// (LaneGradient<Rastrigin> in sim/lane_step.hpp) uses the lane sine; the same here keeps the bits.
template <class Problem>
__device__ __forceinline__ void step_gradient(const Problem& problem, const double* x, double* g) {
  if constexpr (std::is_same_v<Problem, Rastrigin>) {
    for (int j = 0; j < problem.dim; ++j) g[j] = 2.0 * x[j] + 20.0 * kPi * lanes::sin_turns(x[j]);
  } else {
    problem.gradient(x, g);
  }
}

struct AdvanceArgs {
  std::uint32_t seed;
  std::int64_t trajectories;
  int dim;
  double noise_scale, beta, gradient_weight, divergence_bound;
  bool momentum;
  const double* eta;
  const double* noise_factor;  // per step: C / sqrt(b_t), computed on the host (IEEE, the CPU's bits)
};

// x and v are [coordinate][trajectory] so that neighbouring threads read neighbouring words.
// Dim > 0: the problem's dimension fixed at compile time (the loops unroll, the state stays in
// registers); Dim == 0: any dim up to kMaxDim (state in local memory).
template <class Problem, int Dim>
__global__ void advance_kernel(Problem problem, AdvanceArgs a, double* x, double* v, std::uint8_t* alive,
                               std::int64_t t0, std::int64_t t1) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= a.trajectories || alive[i] == 0) return;
  constexpr int kSize = Dim > 0 ? Dim : kMaxDim;
  if constexpr (Dim > 0) problem.dim = Dim;
  const int dim = problem.dim;
  const std::int64_t n = a.trajectories;
  const std::uint32_t trajectory = static_cast<std::uint32_t>(i);
  double xs[kSize], vs[kSize], g[kSize];
  for (int j = 0; j < dim; ++j) {
    xs[j] = x[j * n + i];
    vs[j] = a.momentum ? v[j * n + i] : 0.0;
  }
  bool live = true;
  for (std::int64_t t = t0; t < t1 && live; ++t) {
    step_gradient(problem, xs, g);
    if (a.noise_scale > 0.0) {
      const double factor = a.noise_factor[t];
      // Coordinates 2k and 2k+1 take the Box-Muller pair of block k (the CPU's order).
      for (int j = 0; j < dim; j += 2) {
        const RandomBlock block = philox_block(a.seed, trajectory, static_cast<std::uint64_t>(t),
                                               static_cast<std::uint32_t>(j / 2), StreamPurpose::gradient_noise);
        double z0, z1;
        lanes::normal_pair_from_words(block.v[0], block.v[1], block.v[2], block.v[3], z0, z1);
        g[j] += factor * z0;
        if (j + 1 < dim) g[j + 1] += factor * z1;
      }
    }
    const double eta = a.eta[t];
    for (int j = 0; j < dim; ++j) {
      if (a.momentum) {
        vs[j] = a.beta * vs[j] + a.gradient_weight * g[j];
        xs[j] = xs[j] - eta * vs[j];
      } else {
        xs[j] = xs[j] - eta * g[j];
      }
      live = live && fabs(xs[j]) <= a.divergence_bound;  // NaN fails too: frozen where it broke
    }
  }
  for (int j = 0; j < dim; ++j) {
    x[j * n + i] = xs[j];
    if (a.momentum) v[j * n + i] = vs[j];
  }
  alive[i] = live ? 1 : 0;
}

struct FloatAdvanceArgs {
  floatpath::FloatStepParams step;
  std::int64_t trajectories;
  const float* eta;
  const float* factor;  // C / sqrt(b_t) rounded to float, 0 without noise
};

// The float32 step, one thread per trajectory. Dim > 0 (compile-time dimension): the state stays
// in registers and the steps run in groups of kGroup = lcm(Dim, 4) / Dim steps, whose
// kGroup * Dim normals are whole Philox blocks, drawn once per group; steps before the first
// whole group (a checkpoint inside a block) and after the last run floatpath::step_any_dim,
// which draws the block it needs. Both forms evaluate the same expressions in the same order
// as the CPU's floatpath::advance_trajectory, so the bits agree. Dim == 0: step_any_dim
// throughout (any dim up to kMaxFloatDim, state in local memory).
template <class Problem, int Dim>
__global__ void advance_float_kernel(floatpath::FloatGradient<Problem> gradient, FloatAdvanceArgs a, double* x,
                                     double* v, std::uint8_t* alive, std::int64_t t0, std::int64_t t1) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= a.trajectories || alive[i] == 0) return;
  constexpr int kSize = Dim > 0 ? Dim : floatpath::kMaxFloatDim;
  floatpath::FloatStepParams p = a.step;
  if constexpr (Dim > 0) p.dim = Dim;
  const int dim = p.dim;
  const std::int64_t n = a.trajectories;
  const std::uint32_t trajectory = static_cast<std::uint32_t>(i);
  float xs[kSize], vs[kSize];
  for (int j = 0; j < dim; ++j) {
    xs[j] = static_cast<float>(x[j * n + i]);
    vs[j] = p.momentum ? static_cast<float>(v[j * n + i]) : 0.0f;
  }
  bool live = true;
  std::int64_t t = t0;
  if constexpr (Dim > 0) {
    constexpr int kGroup = Dim % 4 == 0 ? 1 : (Dim % 2 == 0 ? 2 : 4);
    constexpr int kNormals = kGroup * Dim;  // a multiple of 4
    while (live && t < t1 && (static_cast<std::uint64_t>(t) * Dim) % 4 != 0) {
      live = floatpath::step_any_dim(gradient, p, trajectory, static_cast<std::uint64_t>(t), a.eta[t], a.factor[t], xs,
                                     vs);
      ++t;
    }
    while (live && t + kGroup <= t1) {
      float z[kNormals];
      if (p.noise) {
        const std::uint64_t first_block = static_cast<std::uint64_t>(t) * Dim / 4;
#pragma unroll
        for (int q = 0; q < kNormals / 4; ++q)
          floatpath::packed_normals(p.seed, trajectory, first_block + q, &z[4 * q]);
      } else {
#pragma unroll
        for (int q = 0; q < kNormals; ++q) z[q] = 0.0f;
      }
#pragma unroll
      for (int s = 0; s < kGroup; ++s) {
        const float eta = a.eta[t + s], factor = a.factor[t + s];
#pragma unroll
        for (int j = 0; j < Dim; ++j) {
          xs[j] = floatpath::step_coordinate(xs[j], vs[j], gradient(xs[j], j), z[s * Dim + j], factor, eta, p);
          live = live && fabsf(xs[j]) <= p.divergence_bound;
        }
        if (!live) break;  // frozen after the step that broke, as step_any_dim
      }
      t += kGroup;
    }
  }
  while (live && t < t1) {
    live =
        floatpath::step_any_dim(gradient, p, trajectory, static_cast<std::uint64_t>(t), a.eta[t], a.factor[t], xs, vs);
    ++t;
  }
  for (int j = 0; j < dim; ++j) {
    x[j * n + i] = xs[j];
    if (p.momentum) v[j * n + i] = vs[j];
  }
  alive[i] = live ? 1 : 0;
}

struct ObserveArgs {
  std::int64_t trajectories;
  const double* minimiser;
  double minimum;
};

template <class Problem>
__global__ void observe_kernel(Problem problem, ObserveArgs a, const double* x, const std::uint8_t* alive,
                               double* observations) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const std::int64_t n = a.trajectories;
  if (i >= n) return;
  const int dim = problem.dim;
  double xs[kMaxDim], g[kMaxDim];
  for (int j = 0; j < dim; ++j) xs[j] = x[j * n + i];
  double* column = observations + i;  // column c of trajectory i is column[c * n]
  if (alive[i] == 0) {
    for (int c = 0; c < 4 + 2 * dim; ++c) column[c * n] = NAN;
    return;
  }
  problem.gradient(xs, g);
  double dist2 = 0.0, grad2 = 0.0;
  for (int j = 0; j < dim; ++j) {
    dist2 += (xs[j] - a.minimiser[j]) * (xs[j] - a.minimiser[j]);
    grad2 += g[j] * g[j];
  }
  const double f = problem.value(xs);
  column[0] = f;
  column[n] = f - a.minimum;
  column[2 * n] = sqrt(dist2);
  column[3 * n] = sqrt(grad2);
  for (int j = 0; j < dim; ++j) {
    column[(4 + j) * n] = xs[j];
    column[(4 + dim + j) * n] = xs[j] * xs[j];
  }
}

// partial[block * columns + column]; success[block]: alive trajectories with dist <= radius.
__global__ void reduce_kernel(const double* observations, const std::uint8_t* alive, std::int64_t trajectories,
                              int columns, std::int64_t blocks, double success_radius, RunningStats* partial,
                              unsigned long long* success) {
  const std::int64_t k = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= blocks * columns) return;
  const std::int64_t block = k / columns;
  const int column = static_cast<int>(k % columns);
  const std::int64_t begin = block * kReductionBlock;
  const std::int64_t end = begin + kReductionBlock < trajectories ? begin + kReductionBlock : trajectories;
  RunningStats stats;
  unsigned long long hits = 0;
  const double* values = observations + column * trajectories;
  for (std::int64_t i = begin; i < end; ++i) {
    if (alive[i] == 0) continue;
    stats.add(values[i]);
    if (column == 2 && values[i] <= success_radius) ++hits;
  }
  partial[k] = stats;
  if (column == 2) success[block] = hits;
}

struct Events {
  cudaEvent_t start = nullptr, stop = nullptr;
  Events() {
    SGDS_CUDA_CHECK(cudaEventCreate(&start));
    SGDS_CUDA_CHECK(cudaEventCreate(&stop));
  }
  Events(const Events&) = delete;
  Events& operator=(const Events&) = delete;
  ~Events() {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
  }
};

template <class Problem, int Dim>
void launch_advance(const Problem& problem, const AdvanceArgs& a, double* x, double* v, std::uint8_t* alive,
                    std::int64_t t0, std::int64_t t1) {
  const int grid = grid_for(a.trajectories, kThreadsPerBlock);
  advance_kernel<Problem, Dim><<<grid, kThreadsPerBlock>>>(problem, a, x, v, alive, t0, t1);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

// Dimensions with a compile-time kernel (registers); the rest run the generic one.
template <class Problem>
void launch_advance_any_dim(const Problem& problem, const AdvanceArgs& a, double* x, double* v, std::uint8_t* alive,
                            std::int64_t t0, std::int64_t t1) {
  switch (a.dim) {
    case 1:
      return launch_advance<Problem, 1>(problem, a, x, v, alive, t0, t1);
    case 2:
      return launch_advance<Problem, 2>(problem, a, x, v, alive, t0, t1);
    case 4:
      return launch_advance<Problem, 4>(problem, a, x, v, alive, t0, t1);
    case 8:
      return launch_advance<Problem, 8>(problem, a, x, v, alive, t0, t1);
    case 16:
      return launch_advance<Problem, 16>(problem, a, x, v, alive, t0, t1);
    default:
      return launch_advance<Problem, 0>(problem, a, x, v, alive, t0, t1);
  }
}

template <class Problem, int Dim>
void launch_advance_float(const floatpath::FloatGradient<Problem>& gradient, const FloatAdvanceArgs& a, double* x,
                          double* v, std::uint8_t* alive, std::int64_t t0, std::int64_t t1) {
  const int grid = grid_for(a.trajectories, kThreadsPerBlock);
  advance_float_kernel<Problem, Dim><<<grid, kThreadsPerBlock>>>(gradient, a, x, v, alive, t0, t1);
  SGDS_CUDA_CHECK(cudaGetLastError());
}

template <class Problem>
void launch_advance_float_any_dim(const floatpath::FloatGradient<Problem>& gradient, const FloatAdvanceArgs& a,
                                  double* x, double* v, std::uint8_t* alive, std::int64_t t0, std::int64_t t1) {
  switch (a.step.dim) {
    case 1:
      return launch_advance_float<Problem, 1>(gradient, a, x, v, alive, t0, t1);
    case 2:
      return launch_advance_float<Problem, 2>(gradient, a, x, v, alive, t0, t1);
    case 3:
      return launch_advance_float<Problem, 3>(gradient, a, x, v, alive, t0, t1);
    case 4:
      return launch_advance_float<Problem, 4>(gradient, a, x, v, alive, t0, t1);
    case 8:
      return launch_advance_float<Problem, 8>(gradient, a, x, v, alive, t0, t1);
    case 10:
      return launch_advance_float<Problem, 10>(gradient, a, x, v, alive, t0, t1);
    case 16:
      return launch_advance_float<Problem, 16>(gradient, a, x, v, alive, t0, t1);
    default:
      return launch_advance_float<Problem, 0>(gradient, a, x, v, alive, t0, t1);
  }
}

}  // namespace

std::string device_unavailable_reason() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) return std::string("no usable CUDA device (") + cudaGetErrorString(status) + ")";
  if (count == 0) return "no CUDA device found";
  return "";
}

std::string device_description() {
  cudaDeviceProp prop{};
  SGDS_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ")";
}

template <class Problem>
RunOutput run_trajectories(const Problem& problem, const RunInputs& in) {
  if (problem.dim != in.dim || in.dim < 1 || in.dim > kMaxDim)
    throw std::runtime_error("CUDA engine: dim must be 1.." + std::to_string(kMaxDim));
  const std::int64_t n = in.trajectories;
  const std::size_t nn = static_cast<std::size_t>(n), d = static_cast<std::size_t>(in.dim);
  const std::size_t checkpoints = in.checkpoint_steps.size();
  RunOutput out;
  out.columns = observation_columns(in.dim);
  out.blocks = (n + kReductionBlock - 1) / kReductionBlock;
  const std::size_t cols = static_cast<std::size_t>(out.columns), blocks = static_cast<std::size_t>(out.blocks);

  // Initial state, transposed to [coordinate][trajectory].
  std::vector<double> host_x(nn * d);
  for (std::size_t i = 0; i < nn; ++i)
    for (std::size_t j = 0; j < d; ++j) host_x[j * nn + i] = in.initial_x[i * d + j];
  DeviceBuffer<double> x(nn * d), v(in.momentum ? nn * d : 0), eta(in.eta.size()), noise_factor(in.batch.size());
  DeviceBuffer<double> minimiser(d), observations(nn * cols);
  DeviceBuffer<std::uint8_t> alive(nn);
  DeviceBuffer<RunningStats> partial(blocks * cols);
  DeviceBuffer<unsigned long long> success(blocks);
  x.upload(host_x.data(), host_x.size());
  if (in.momentum) SGDS_CUDA_CHECK(cudaMemset(v.data, 0, nn * d * sizeof(double)));
  SGDS_CUDA_CHECK(cudaMemset(alive.data, 1, nn));
  eta.upload(in.eta.data(), in.eta.size());
  std::vector<double> factor(in.batch.size());
  for (std::size_t t = 0; t < factor.size(); ++t) factor[t] = in.noise_scale / std::sqrt(in.batch[t]);
  noise_factor.upload(factor.data(), factor.size());
  minimiser.upload(in.minimiser.data(), d);

  AdvanceArgs args{};
  args.seed = in.seed;
  args.trajectories = n;
  args.dim = in.dim;
  args.noise_scale = in.noise_scale;
  args.beta = in.beta;
  args.gradient_weight = in.gradient_weight;
  args.divergence_bound = in.divergence_bound;
  args.momentum = in.momentum;
  args.eta = eta.data;
  args.noise_factor = noise_factor.data;
  const ObserveArgs observe{n, minimiser.data, in.minimum};

  // The float32 path's per-step arrays and step parameters, as the CPU engine rounds them.
  DeviceBuffer<float> eta_f(in.float32 ? in.eta.size() : 0), factor_f(in.float32 ? in.batch.size() : 0);
  FloatAdvanceArgs float_args{};
  if (in.float32) {
    std::vector<float> host_eta, host_factor;
    floatpath::make_float_step_series(in.eta, in.batch, in.noise_scale, host_eta, host_factor);
    eta_f.upload(host_eta.data(), host_eta.size());
    factor_f.upload(host_factor.data(), host_factor.size());
    float_args.step = floatpath::make_float_step_params(in.seed, in.dim, in.noise_scale, in.momentum, in.beta,
                                                        in.gradient_weight, in.divergence_bound);
    float_args.trajectories = n;
    float_args.eta = eta_f.data;
    float_args.factor = factor_f.data;
  }
  Events events;
  out.partial.resize(checkpoints * blocks * cols);
  out.alive.assign(checkpoints, 0);
  out.successes.assign(checkpoints, 0);
  if (in.keep_scalar_columns) {
    out.scalar_columns.resize(checkpoints * kScalarColumns * nn);
    out.alive_flags.resize(checkpoints * nn);
  }
  std::vector<unsigned long long> hits(blocks);
  std::int64_t current = 0;
  for (std::size_t k = 0; k < checkpoints; ++k) {
    const std::int64_t target = in.checkpoint_steps[k];
    if (target > current) {
      SGDS_CUDA_CHECK(cudaEventRecord(events.start));
      if (!in.float32) {
        launch_advance_any_dim(problem, args, x.data, v.data, alive.data, current, target);
      } else if constexpr (floatpath::float_path_supported<Problem>) {
        launch_advance_float_any_dim(floatpath::FloatGradient<Problem>(problem), float_args, x.data, v.data, alive.data,
                                     current, target);
      } else {
        throw std::runtime_error("CUDA engine: precision = float32 does not run this problem");
      }
      SGDS_CUDA_CHECK(cudaEventRecord(events.stop));
      SGDS_CUDA_CHECK(cudaEventSynchronize(events.stop));
      float ms = 0.0f;
      SGDS_CUDA_CHECK(cudaEventElapsedTime(&ms, events.start, events.stop));
      out.advance_seconds += 1e-3 * ms;
      current = target;
    }
    observe_kernel<<<grid_for(n, kThreadsPerBlock), kThreadsPerBlock>>>(problem, observe, x.data, alive.data,
                                                                        observations.data);
    SGDS_CUDA_CHECK(cudaGetLastError());
    const std::int64_t pairs = out.blocks * out.columns;
    reduce_kernel<<<grid_for(pairs, kThreadsPerBlock), kThreadsPerBlock>>>(
        observations.data, alive.data, n, out.columns, out.blocks, in.success_radius, partial.data, success.data);
    SGDS_CUDA_CHECK(cudaGetLastError());
    partial.download(&out.partial[k * blocks * cols], blocks * cols);
    success.download(hits.data(), blocks);
    for (std::size_t b = 0; b < blocks; ++b) {
      out.alive[k] += out.partial[(k * blocks + b) * cols].count;
      out.successes[k] += static_cast<std::int64_t>(hits[b]);
    }
    if (in.keep_scalar_columns) {
      observations.download(&out.scalar_columns[k * kScalarColumns * nn], kScalarColumns * nn);
      alive.download(&out.alive_flags[k * nn], nn);
    }
  }
  if (in.keep_final_x) {
    x.download(host_x.data(), host_x.size());
    out.final_x.resize(nn * d);
    for (std::size_t i = 0; i < nn; ++i)
      for (std::size_t j = 0; j < d; ++j) out.final_x[i * d + j] = host_x[j * nn + i];
  }
  return out;
}

namespace {
__global__ void philox_kernel(std::uint32_t seed, std::uint32_t first, std::uint32_t count, std::uint64_t step,
                              std::uint32_t draw, std::uint32_t purpose, std::uint32_t* words, double* normals) {
  const std::uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const RandomBlock block = philox_block(seed, first + i, step, draw, static_cast<StreamPurpose>(purpose));
  for (int w = 0; w < 4; ++w) words[4 * i + w] = block.v[w];
  lanes::normal_pair_from_words(block.v[0], block.v[1], block.v[2], block.v[3], normals[2 * i], normals[2 * i + 1]);
}

void run_philox(std::uint32_t seed, std::uint32_t first, std::uint32_t count, std::uint64_t step, std::uint32_t draw,
                std::uint32_t purpose, std::vector<std::uint32_t>& words, std::vector<double>& normals) {
  DeviceBuffer<std::uint32_t> w(4 * static_cast<std::size_t>(count));
  DeviceBuffer<double> z(2 * static_cast<std::size_t>(count));
  philox_kernel<<<grid_for(count, kThreadsPerBlock), kThreadsPerBlock>>>(seed, first, count, step, draw, purpose,
                                                                         w.data, z.data);
  SGDS_CUDA_CHECK(cudaGetLastError());
  words.resize(4 * static_cast<std::size_t>(count));
  normals.resize(2 * static_cast<std::size_t>(count));
  w.download(words.data(), words.size());
  z.download(normals.data(), normals.size());
}
}  // namespace

std::vector<std::uint32_t> philox_words(std::uint32_t seed, std::uint32_t first, std::uint32_t count,
                                        std::uint64_t step, std::uint32_t draw, std::uint32_t purpose) {
  std::vector<std::uint32_t> words;
  std::vector<double> normals;
  run_philox(seed, first, count, step, draw, purpose, words, normals);
  return words;
}

std::vector<double> normal_pairs(std::uint32_t seed, std::uint32_t first, std::uint32_t count, std::uint64_t step,
                                 std::uint32_t draw, std::uint32_t purpose) {
  std::vector<std::uint32_t> words;
  std::vector<double> normals;
  run_philox(seed, first, count, step, draw, purpose, words, normals);
  return normals;
}

template RunOutput run_trajectories<Rastrigin>(const Rastrigin&, const RunInputs&);
template RunOutput run_trajectories<Sphere>(const Sphere&, const RunInputs&);
template RunOutput run_trajectories<Quadratic>(const Quadratic&, const RunInputs&);
template RunOutput run_trajectories<Ellipsoid>(const Ellipsoid&, const RunInputs&);
template RunOutput run_trajectories<Ackley>(const Ackley&, const RunInputs&);
template RunOutput run_trajectories<StyblinskiTang>(const StyblinskiTang&, const RunInputs&);

}  // namespace sgds::cuda
