// Workload A of ../shared/peers/README.md on the CPU engine: N SGD trajectories on Rastrigin
// d = 2, T = 1000 steps, eta = 0.01, additive Gaussian gradient noise of std 1, x0 uniform in the
// box. Prints trajectory-steps per second (best of --repeats). `--memory` runs the memory case
// of issue 4 instead (N = 2^20, d = 10, T = 10^4, 100 checkpoints; measure with /usr/bin/time -v).
// `--precision float32` runs the engine's float32 path (the peers' precision); float64 by default.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "sim/experiment.hpp"

using namespace sgds;

int main(int argc, char** argv) {
  long long trajectories = 1 << 16, steps = 1000, checkpoints = 2;
  int dim = 2, repeats = 3;
  std::string precision = "float64";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--memory") {
      trajectories = 1 << 20, steps = 10000, checkpoints = 100, dim = 10, repeats = 1;
    } else if (arg == "--trajectories" && i + 1 < argc) {
      trajectories = std::stoll(argv[++i]);
    } else if (arg == "--steps" && i + 1 < argc) {
      steps = std::stoll(argv[++i]);
    } else if (arg == "--precision" && i + 1 < argc) {
      precision = argv[++i];
    } else if (arg == "--repeats" && i + 1 < argc) {
      repeats = std::stoi(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--memory] [--trajectories N] [--steps T] [--repeats R] [--precision float64|float32]\n",
                   argv[0]);
      return 2;
    }
  }
  checkpoints = std::min(checkpoints, steps + 1);
  const std::string text = fmt::format(R"(
name = "workload_a"
precision = "{}"
trajectories = {}
steps = {}
problem = {{ name = "rastrigin", dim = {} }}
noise = {{ kind = "gaussian", scale = 1.0 }}
schedule = {{ kind = "constant", eta = 0.01 }}
init = {{ x0 = 0.0, spread = 5.12 }}
record = {{ checkpoints = {} }}
)",
                                       precision, trajectories, steps, dim, checkpoints);
  toml::table table = parse_config_text(text, "bench");
  ConfigTable config_table(table, "bench");
  const ExperimentConfig config = parse_experiment(config_table);
  double best = 0.0, final_f = 0.0;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const ExperimentResult result = run_experiment(config, 1, true);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(trajectories) * static_cast<double>(steps) / seconds);
    final_f = result.observable("f").mean.back();
  }
  std::printf("precision=%s threads=%d lane_isa=%d N=%lld d=%d T=%lld checkpoints=%lld\n", precision.c_str(),
              omp_get_max_threads(), static_cast<int>(detect_lane_isa()), trajectories, dim, steps, checkpoints);
  std::printf("final_mean_f: %.6g\n", final_f);
  std::printf("A_sgdsmooth_cpu_traj_steps_per_s: %.3e\n", best);
  return 0;
}
