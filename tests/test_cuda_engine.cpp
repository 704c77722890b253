// The CUDA engine against its CPU reference (the CPU engine): raw Philox words and normals byte
// for byte, trajectories bitwise on the lane-path problems (sphere, diagonal quadratic,
// rastrigin) and within a stated tolerance elsewhere, statistics within z SE. Every GPU test
// prints "SKIPPED: no CUDA device" and returns where no device exists (ctest reports it skipped).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "core/config_table.hpp"
#include "sim/experiment.hpp"

#if defined(SGDS_HAVE_CUDA)
#include "sim/cuda/cuda_run.hpp"
#include "sim/philox_lanes.hpp"
#endif

namespace sgds {
namespace {

const char* kConfig = R"(
seed = 3
[[experiment]]
name = "a"
trajectories = 64
steps = 20
[experiment.problem]
name = "quadratic"
dim = 2
[experiment.schedule]
eta = 0.1
)";

#if defined(SGDS_HAVE_CUDA)

bool gpu_present() {
  const std::string why = cuda::device_unavailable_reason();
  if (!why.empty()) WARN("SKIPPED: no CUDA device (" << why << ")");
  return why.empty();
}

struct Case {
  NoiseModel noise;
  OptimizerSpec optimizer;
  StepSchedule schedule;
  InitialPoint init;
  EngineSettings settings;
};

// n trajectories, T steps with per-step eta and b, Gaussian noise C = 1, x0 = 1 +- spread.
Case make_case(int dim, std::int64_t n, std::int64_t steps, double eta, OptimizerKind kind, std::uint32_t seed) {
  Case c;
  c.noise.kind = NoiseKind::gaussian;
  c.noise.scale = 1.0;
  c.optimizer.kind = kind;
  if (kind != OptimizerKind::sgd) {
    c.optimizer.beta = 0.5;
    c.optimizer.gradient_weight = kind == OptimizerKind::nshb ? 0.5 : 1.0;
  }
  for (std::int64_t t = 0; t < steps; ++t) {
    c.schedule.eta.push_back(eta / (1.0 + 0.01 * static_cast<double>(t)));  // a per-step schedule
    c.schedule.batch.push_back(t % 2 == 0 ? 1.0 : 4.0);
  }
  c.schedule.fill_positions();
  c.init.x0.assign(static_cast<std::size_t>(dim), 1.0);
  c.init.spread = 0.5;
  c.settings.trajectories = n;
  c.settings.seed = seed;
  c.settings.checkpoint_steps = {0, steps / 2, steps};
  c.settings.noise_constant = 1.0;
  c.settings.record.per_trajectory = true;
  return c;
}

bool same_bytes(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

template <class Problem>
std::pair<ExperimentResult, ExperimentResult> run_both(const Problem& problem, const Case& c) {
  Progress quiet("t", 0, true);
  ExperimentResult cpu = run_cpu_engine(problem, c.noise, c.optimizer, c.schedule, c.init, c.settings, quiet);
  ExperimentResult gpu = cuda::run_engine(problem, c.noise, c.optimizer, c.schedule, c.init, c.settings, quiet);
  return {std::move(cpu), std::move(gpu)};
}

TEST_CASE("CUDA Philox words and normals are the CPU's, byte for byte") {
  if (!gpu_present()) return;
  const std::uint32_t count = 4096;
  for (const std::uint64_t step : {std::uint64_t{0}, std::uint64_t{12345}, (std::uint64_t{1} << 33) + 7}) {
    const auto words =
        cuda::philox_words(7, 100, count, step, 3, static_cast<std::uint32_t>(StreamPurpose::gradient_noise));
    const auto normals =
        cuda::normal_pairs(7, 100, count, step, 3, static_cast<std::uint32_t>(StreamPurpose::gradient_noise));
    REQUIRE(words.size() == 4 * count);
    std::size_t word_mismatches = 0, normal_mismatches = 0;
    for (std::uint32_t i = 0; i < count; i += lanes::kLanes) {
      std::uint32_t trajectory[lanes::kLanes];
      for (int l = 0; l < lanes::kLanes; ++l) trajectory[l] = 100 + i + static_cast<std::uint32_t>(l);
      lanes::PhiloxLanes block;
      lanes::philox_lanes(7, trajectory, step, 3, StreamPurpose::gradient_noise, block);
      double z0[lanes::kLanes], z1[lanes::kLanes];
      lanes::normal_pair_lanes(block, z0, z1);
      for (int l = 0; l < lanes::kLanes; ++l) {
        const std::size_t k = i + static_cast<std::size_t>(l);
        const RandomBlock reference = philox_block(7, trajectory[l], step, 3, StreamPurpose::gradient_noise);
        for (int w = 0; w < 4; ++w) word_mismatches += words[4 * k + static_cast<std::size_t>(w)] != reference.v[w];
        normal_mismatches += std::memcmp(&normals[2 * k], &z0[l], sizeof(double)) != 0;
        normal_mismatches += std::memcmp(&normals[2 * k + 1], &z1[l], sizeof(double)) != 0;
      }
    }
    CHECK(word_mismatches == 0);
    CHECK(normal_mismatches == 0);
  }
}

// The lane-path problems: the same operations in the same order, so the same bits.
TEST_CASE("CUDA trajectories equal the CPU's bitwise on sphere, diagonal quadratic and rastrigin") {
  if (!gpu_present()) return;
  for (const OptimizerKind kind : {OptimizerKind::sgd, OptimizerKind::shb, OptimizerKind::nshb}) {
    INFO("optimizer " << static_cast<int>(kind));
    const Case c = make_case(3, 1000, 200, 0.01, kind, 11);
    Quadratic quadratic;
    quadratic.dim = 3;
    quadratic.a = 2.0;
    const auto check = [&](const auto& problem) {
      const auto [cpu, gpu] = run_both(problem, c);
      REQUIRE(gpu.final_x.size() == cpu.final_x.size());
      std::size_t mismatches = 0;
      for (std::size_t i = 0; i < cpu.final_x.size(); ++i)
        mismatches += std::memcmp(&cpu.final_x[i], &gpu.final_x[i], sizeof(double)) != 0;
      CHECK(mismatches == 0);
      CHECK(cpu.diverged == gpu.diverged);
    };
    check(Sphere{3});
    check(quadratic);
    check(Rastrigin{3});
    // Sphere's observables are plain arithmetic too: means and SEs identical.
    const auto [cpu, gpu] = run_both(Sphere{3}, c);
    for (std::size_t s = 0; s < cpu.series.size(); ++s)
      for (std::size_t k = 0; k < cpu.series[s].mean.size(); ++k) {
        CHECK(cpu.series[s].mean[k] == gpu.series[s].mean[k]);
        CHECK(cpu.series[s].standard_error[k] == gpu.series[s].standard_error[k]);
      }
  }
}

// precision = "float32": the kernel's grouped steps and the CPU lanes are both
// floatpath::step_coordinate on the same flat normal sequence, so the bits agree; dimensions that
// use whole Philox blocks per step (4), several steps per block (1, 2, 10), blocks straddling
// steps (3) and the generic kernel (5), with checkpoints inside a block (37 d not a multiple of 4).
// The recorded f of the float32 path is the problem's value in double through each device's libm
// (cos for Rastrigin, pow for the conditioned quadratic's scales), which may differ in the last
// bit (seen on an H100 with every position equal): entries differing by more than 1e-12 (1 + |f|),
// or NaN (diverged) on one side only.
std::size_t f_mismatches(const std::vector<double>& cpu, const std::vector<double>& gpu) {
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < cpu.size(); ++i) {
    const double a = cpu[i], b = gpu[i];
    mismatches += std::isnan(a) != std::isnan(b) || (!std::isnan(a) && std::abs(a - b) > 1e-12 * (1.0 + std::abs(a)));
  }
  return mismatches;
}

TEST_CASE("CUDA float32 trajectories equal the CPU float32 path bitwise") {
  if (!gpu_present()) return;
  for (const int dim : {1, 2, 3, 4, 5, 10})
    for (const OptimizerKind kind : {OptimizerKind::sgd, OptimizerKind::shb, OptimizerKind::nshb}) {
      INFO("dim " << dim << " optimizer " << static_cast<int>(kind));
      Case c = make_case(dim, 777, 150, 0.01, kind, 21);
      c.settings.float32 = true;
      c.settings.checkpoint_steps = {0, 37, 101, 150};
      Quadratic quadratic;
      quadratic.dim = dim;
      quadratic.a = 2.0;
      quadratic.condition = 3.0;
      // The positions are float32 arithmetic on both sides: bitwise; f as f_mismatches says.
      const auto check = [&](const auto& problem) {
        const auto [cpu, gpu] = run_both(problem, c);
        CHECK(same_bytes(cpu.final_x, gpu.final_x));
        REQUIRE(cpu.trajectory_f.size() == gpu.trajectory_f.size());
        CHECK(f_mismatches(cpu.trajectory_f, gpu.trajectory_f) == 0);
        CHECK(cpu.diverged == gpu.diverged);
      };
      check(Rastrigin{dim});
      check(Sphere{dim});
      check(quadratic);
    }
  // Divergence: a tight bound freezes trajectories at the same step on both sides.
  Case c = make_case(2, 999, 60, 0.05, OptimizerKind::sgd, 4);
  c.settings.float32 = true;
  c.settings.divergence_bound = 1.6;
  const auto [cpu, gpu] = run_both(Rastrigin{2}, c);
  CHECK(cpu.diverged.back() > 0);
  CHECK(cpu.diverged == gpu.diverged);
  CHECK(same_bytes(cpu.final_x, gpu.final_x));
  REQUIRE(cpu.trajectory_f.size() == gpu.trajectory_f.size());
  CHECK(f_mismatches(cpu.trajectory_f, gpu.trajectory_f) == 0);
}

// Elsewhere the CPU takes its general path (libm normals, the problem's libm gradient) and the
// GPU its device sin/cos/exp: a few ulp per step. Tolerance: 1e-9 relative after 30 steps of
// eta 0.01 (ulp drift grows at most ~1.5x a step here), far below any algorithmic difference.
TEST_CASE("CUDA trajectories match the CPU within 1e-9 on ackley, ellipsoid and styblinski_tang") {
  if (!gpu_present()) return;
  const Case c = make_case(4, 512, 30, 0.01, OptimizerKind::shb, 5);
  const auto check = [&](const auto& problem) {
    const auto [cpu, gpu] = run_both(problem, c);
    REQUIRE(gpu.final_x.size() == cpu.final_x.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < cpu.final_x.size(); ++i)
      worst = std::max(worst, std::fabs(cpu.final_x[i] - gpu.final_x[i]) / (1.0 + std::fabs(cpu.final_x[i])));
    INFO("largest relative difference " << worst);
    CHECK(worst <= 1e-9);
    for (std::size_t i = 0; i < cpu.trajectory_f.size(); ++i)
      CHECK(gpu.trajectory_f[i] == Approx(cpu.trajectory_f[i]).epsilon(1e-9).margin(1e-9));
  };
  check(Ackley{4});
  check(Ellipsoid{4});
  check(StyblinskiTang{4});
}

// Independent seeds: GPU and CPU means of f and x_0^2 agree within z = 5 combined SE; the same
// test on a GPU run with noise scale 1.3 instead of 1 must fail (the test has power).
TEST_CASE("CUDA statistics agree with the CPU's within 5 SE, and detect a wrong noise scale") {
  if (!gpu_present()) return;
  Case cpu_case = make_case(2, 20000, 300, 0.05, OptimizerKind::sgd, 1);
  cpu_case.settings.record.per_trajectory = false;
  Case gpu_case = cpu_case;
  gpu_case.settings.seed = 2;
  Case broken = gpu_case;
  broken.noise.scale = 1.3;
  Quadratic problem;
  problem.dim = 2;
  Progress quiet("t", 0, true);
  const ExperimentResult cpu = run_cpu_engine(problem, cpu_case.noise, cpu_case.optimizer, cpu_case.schedule,
                                              cpu_case.init, cpu_case.settings, quiet);
  const ExperimentResult gpu = cuda::run_engine(problem, gpu_case.noise, gpu_case.optimizer, gpu_case.schedule,
                                                gpu_case.init, gpu_case.settings, quiet);
  const ExperimentResult bad =
      cuda::run_engine(problem, broken.noise, broken.optimizer, broken.schedule, broken.init, broken.settings, quiet);
  const std::size_t last = cpu.steps.size() - 1;
  const auto z = [&](const ExperimentResult& other, const char* name) {
    const ObservableSeries& a = cpu.observable(name);
    const ObservableSeries& b = other.observable(name);
    return std::fabs(a.mean_at(last) - b.mean_at(last)) / std::hypot(a.se_at(last), b.se_at(last));
  };
  CHECK(z(gpu, "f") < 5.0);
  CHECK(z(gpu, "x2") < 5.0);
  CHECK(z(bad, "f") > 5.0);
}

// One writer for both engines (sim/engine_output.hpp): the same observables, quantile sets and
// per-checkpoint series, by name and width, and the same schedule values; so the result files of
// device = "cpu" and "cuda" hold the same datasets (a CUDA file once named success_rate_se).
TEST_CASE("CUDA and CPU results carry the same datasets") {
  if (!gpu_present()) return;
  const Case c = make_case(3, 256, 40, 0.05, OptimizerKind::shb, 4);
  Quadratic problem;
  problem.dim = 3;
  Progress quiet("t", 0, true);
  const ExperimentResult cpu = run_cpu_engine(problem, c.noise, c.optimizer, c.schedule, c.init, c.settings, quiet);
  const ExperimentResult gpu = cuda::run_engine(problem, c.noise, c.optimizer, c.schedule, c.init, c.settings, quiet);
  const auto names = [](const auto& list) {
    std::vector<std::string> out;
    for (const auto& item : list) out.push_back(item.name + "/" + item.description);
    return out;
  };
  CHECK(names(cpu.series) == names(gpu.series));
  CHECK(names(cpu.quantiles) == names(gpu.quantiles));
  CHECK(names(cpu.checkpoint_series) == names(gpu.checkpoint_series));
  REQUIRE(cpu.checkpoint_series.size() == gpu.checkpoint_series.size());
  for (std::size_t i = 0; i < 4; ++i)  // eta, batch, delta, temperature: no randomness, the same values
    CHECK(cpu.checkpoint_series[i].values == gpu.checkpoint_series[i].values);
  CHECK(cpu.trajectory_f.size() == gpu.trajectory_f.size());
  CHECK(cpu.final_x.size() == gpu.final_x.size());
}

#endif

TEST_CASE("device = \"cuda\" is refused with one line naming the key where no GPU (or no CUDA build) exists") {
  toml::table document = toml::parse(kConfig);
  document.insert_or_assign("device", "cuda");
  bool usable = false;
#if defined(SGDS_HAVE_CUDA)
  usable = cuda::device_unavailable_reason().empty();
#endif
  if (usable) {
    CHECK(parse_run_config(document).device == "cuda");
    // A config the CUDA engine does not run is refused at parse time, naming the experiment.
    toml::table unsupported = toml::parse(kConfig);
    unsupported.insert_or_assign("device", "cuda");
    unsupported["experiment"].as_array()->get(0)->as_table()->insert_or_assign("record", toml::table{{"noise", true}});
    REQUIRE_THROWS_WITH(parse_run_config(unsupported), Catch::Contains("CUDA engine"));
  } else {
    try {
      (void)parse_run_config(document);
      FAIL("device = \"cuda\" was accepted without a GPU");
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      CHECK(message.find("'device' = \"cuda\"") != std::string::npos);
      CHECK(message.find('\n') == std::string::npos);
    }
  }
  CHECK(parse_run_config(toml::parse(kConfig)).device == "cpu");
}

}  // namespace
}  // namespace sgds
