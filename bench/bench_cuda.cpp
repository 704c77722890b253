// Workload A of /work/shared/peers/README.md on the CUDA engine: N SGD trajectories on Rastrigin,
// eta = 0.01, additive Gaussian noise of std 1 (C = 1, b = 1), x0 uniform in [-5.12, 5.12]^d,
// in double precision, or in float32 (the peers' precision; sim/float_step.hpp) for the modes
// ending in 32. Figure: trajectory-steps/s over the advance kernels (CUDA events, as
// sol_rastrigin.cu times its kernel); the checkpoint statistics at 0 and T are not in it.
//   bench_cuda a                 N = 2^20, d = 2, T = 1000
//   bench_cuda scale_n           N = 2^10 .. 2^24, d = 2, T = 1000
//   bench_cuda scale_d           d = 1 .. 100, N = 2^20, T = 1000
//   bench_cuda a32 | scale_n32 | scale_d32   the same in float32 (keys with _f32)
// Prints "key: value" lines (A_sgdsmooth_cuda_traj_steps_per_s: ...), as the peer scripts do.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#if defined(SGDS_HAVE_CUDA)
#include "sim/cpu_engine.hpp"
#include "sim/cuda/cuda_engine.hpp"

namespace {

// One timed run (after a short warm-up run of 10 steps); returns trajectory-steps/s.
double measure(std::int64_t n, int dim, std::int64_t steps, bool float32) {
  using namespace sgds;
  cuda::RunInputs in;
  in.seed = 2;
  in.trajectories = n;
  in.dim = dim;
  in.noise_scale = 1.0;
  in.divergence_bound = 1e12;
  in.eta.assign(static_cast<std::size_t>(steps), 0.01);
  in.batch.assign(static_cast<std::size_t>(steps), 1.0);
  in.checkpoint_steps = {0, steps};
  InitialPoint init;
  init.x0.assign(static_cast<std::size_t>(dim), 0.0);
  init.spread = 5.12;
  in.initial_x.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(dim));
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i)
    draw_initial_point(init, in.seed, static_cast<std::uint32_t>(i), dim,
                       &in.initial_x[static_cast<std::size_t>(i * dim)]);
  in.float32 = float32;
  if (float32) round_to_float(in.initial_x);  // as cuda::run_engine does
  in.minimiser.assign(static_cast<std::size_t>(dim), 0.0);
  Rastrigin problem;
  problem.dim = dim;
  cuda::RunInputs warm = in;
  warm.eta.resize(10);
  warm.batch.resize(10);
  warm.checkpoint_steps = {0, 10};
  (void)cuda::run_trajectories(problem, warm);
  const cuda::RunOutput out = cuda::run_trajectories(problem, in);
  const double mean_f =
      out.partial.empty() ? 0.0 : out.partial[static_cast<std::size_t>(out.blocks * out.columns)].mean;
  std::fprintf(stderr, "  N=%lld d=%d T=%lld: %.3f s on the GPU, alive %lld, first block's mean f %.4f\n",
               static_cast<long long>(n), dim, static_cast<long long>(steps), out.advance_seconds,
               static_cast<long long>(out.alive.back()), mean_f);
  return static_cast<double>(n) * static_cast<double>(steps) / out.advance_seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "a";
  const std::string why = sgds::cuda::device_unavailable_reason();
  if (!why.empty()) {
    std::fprintf(stderr, "bench_cuda: %s\n", why.c_str());
    return 2;
  }
  std::printf("device: %s\n", sgds::cuda::device_description().c_str());
  const bool float32 = mode.size() > 2 && mode.compare(mode.size() - 2, 2, "32") == 0;
  const std::string base = float32 ? mode.substr(0, mode.size() - 2) : mode;
  const char* suffix = float32 ? "_f32" : "";
  if (base == "a") {
    std::printf("A_sgdsmooth_cuda%s_traj_steps_per_s: %.4e\n", suffix, measure(1 << 20, 2, 1000, float32));
  } else if (base == "scale_n") {
    for (int log_n = 10; log_n <= 24; log_n += 2)
      std::printf("A%s_scale_n_2^%d_traj_steps_per_s: %.4e\n", suffix, log_n,
                  measure(std::int64_t{1} << log_n, 2, 1000, float32));
  } else if (base == "scale_d") {
    for (const int d : {1, 2, 4, 8, 10, 16, 32, 64, 100})
      std::printf("A%s_scale_d_%d_traj_steps_per_s: %.4e\n", suffix, d, measure(1 << 20, d, 1000, float32));
  } else {
    std::fprintf(stderr, "bench_cuda: mode '%s': expected a, scale_n, scale_d, a32, scale_n32 or scale_d32\n",
                 mode.c_str());
    return 2;
  }
  return 0;
}

#else

int main() {
  std::fprintf(stderr, "bench_cuda: this build has no CUDA backend (configure with -DSGDS_CUDA=ON)\n");
  return 2;
}

#endif
