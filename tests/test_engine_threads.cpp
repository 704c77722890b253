// Reproducibility of the CPU engine: one and two OpenMP threads give identical bytes on every
// path (vectorised lanes, general per-trajectory update, mini-batch sampling, explicit GO,
// GradOpt); the lane path gives the same bits on every instruction-set level; the lane pieces
// equal their scalar references.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <omp.h>

#include <catch2/catch.hpp>

#include "sim/experiment.hpp"
#include "sim/philox_lanes.hpp"

using namespace sgds;

namespace {

ExperimentResult run_with_threads(const std::string& text, int threads) {
  toml::table table = parse_config_text(text, "test");
  ConfigTable config_table(table, "test");
  const ExperimentConfig config = parse_experiment(config_table);
  omp_set_num_threads(threads);
  ExperimentResult r = run_experiment(config, 77, true);
  omp_set_num_threads(2);
  return r;
}

bool same_bytes(const std::vector<double>& a, const std::vector<double>& b) {
  // memcmp on empty vectors would pass a null pointer (undefined behaviour, caught by UBSan).
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

void require_identical(const ExperimentResult& one, const ExperimentResult& two) {
  REQUIRE(one.series.size() == two.series.size());
  CHECK(one.diverged == two.diverged);
  for (std::size_t s = 0; s < one.series.size(); ++s) {
    INFO(one.series[s].name);
    CHECK(same_bytes(one.series[s].mean, two.series[s].mean));
    CHECK(same_bytes(one.series[s].standard_error, two.series[s].standard_error));
  }
  for (std::size_t q = 0; q < one.quantiles.size(); ++q)
    CHECK(same_bytes(one.quantiles[q].values, two.quantiles[q].values));
  for (std::size_t c = 0; c < one.checkpoint_series.size(); ++c)
    CHECK(same_bytes(one.checkpoint_series[c].values, two.checkpoint_series[c].values));
  CHECK(same_bytes(one.trajectory_f, two.trajectory_f));
  CHECK(same_bytes(one.final_x, two.final_x));
}

const char* kConfigs[] = {
    // lane path: Rastrigin, Gaussian noise, heavy ball; N not a multiple of the lane count
    R"(name = "lanes"
trajectories = 5001
steps = 60
problem = { name = "rastrigin", dim = 3 }
noise = { kind = "gaussian", scale = 1.0 }
schedule = { kind = "lr_decay", eta = 0.01, every = 20 }
optimizer = { kind = "shb", beta = 0.5 }
init = { x0 = 2.0, spread = 2.0 }
record = { checkpoints = 4, per_trajectory = true })",
    // general path: mini-batch reshuffling on the teacher-student finite sum, per-epoch schedule
    R"(name = "minibatch"
trajectories = 300
epochs = 3
problem = { name = "teacher_student", inputs = 3, hidden = 2, samples = 40 }
noise = { kind = "minibatch", sampling = "reshuffle" }
schedule = { kind = "batch_increase", eta = 0.05, batch = 4, every = 1, unit = "epoch" }
init = { x0 = 0.3, spread = 0.5 }
record = { checkpoints = 5, noise = true })",
    // explicit graduated optimisation and GradOpt (small)
    R"(name = "explicit"
trajectories = 200
problem = { name = "rastrigin", dim = 2 }
optimizer = { kind = "explicit_go", stages = 5, steps_per_stage = 4, samples = 10 }
init = { x0 = 3.0, spread = 1.0 }
record = { checkpoints = 4 })",
    R"(name = "gradopt"
trajectories = 200
problem = { name = "gaussian_wells", dim = 2 }
optimizer = { kind = "gradopt", stages = 4, steps_per_stage = 10, delta_start = 1.0, sigma = 1.0 }
init = { x0 = 1.0, spread = 2.0 }
record = { checkpoints = 4 })",
};

}  // namespace

TEST_CASE("one and two threads give identical bytes on every engine path") {
  for (const char* text : kConfigs) {
    INFO(text);
    require_identical(run_with_threads(text, 1), run_with_threads(text, 2));
  }
}

TEST_CASE("the lane path gives the same bits on every instruction-set level") {
  Rastrigin p;
  p.dim = 3;
  LaneStepInputs in;
  in.seed = 3;
  in.noise_scale = 1.0;
  const std::vector<double> eta(50, 0.01), batch(50, 2.0);
  in.eta = eta.data();
  in.batch = batch.data();
  std::vector<std::vector<double>> finals;
  for (LaneIsa isa : {LaneIsa::baseline, LaneIsa::avx2, LaneIsa::avx512}) {
    if (static_cast<int>(isa) > static_cast<int>(detect_lane_isa())) continue;
    std::vector<double> x(static_cast<std::size_t>(3 * kLanes)), v(x.size()), g(x.size()), alive(kLanes, 1.0);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.37 * static_cast<double>(i) - 4.0;
    advance_lanes(isa, p, in, x.data(), v.data(), alive.data(), g.data(), 0, 50);
    finals.push_back(x);
  }
  for (std::size_t k = 1; k < finals.size(); ++k) CHECK(same_bytes(finals[0], finals[k]));
}

TEST_CASE("Philox lanes equal the scalar Philox block bit for bit") {
  std::uint32_t trajectory[kLanes];
  for (int l = 0; l < kLanes; ++l) trajectory[l] = 0xFFFFFFF0u + static_cast<std::uint32_t>(l);  // wraps around
  lanes::PhiloxLanes block;
  lanes::philox_lanes(123, trajectory, 0x123456789ull, 7, StreamPurpose::gradient_noise, block);
  double z0[kLanes], z1[kLanes];
  lanes::normal_pair_lanes(block, z0, z1);
  for (int l = 0; l < kLanes; ++l) {
    const RandomBlock r = philox_block(123, trajectory[l], 0x123456789ull, 7, StreamPurpose::gradient_noise);
    for (int w = 0; w < 4; ++w) CHECK(r.v[w] == block.w[w][l]);
    const NormalPair p = normal_pair(r);
    CHECK(std::fabs(z0[l] - p.z0) <= 1e-14 * (1 + std::fabs(p.z0)));
    CHECK(std::fabs(z1[l] - p.z1) <= 1e-14 * (1 + std::fabs(p.z1)));
  }
}

TEST_CASE("lane sine, logarithm and Rastrigin gradient match libm and the theory gradient") {
  double worst_sin = 0.0, worst_log = 0.0, worst_grad = 0.0;
  Rastrigin p;
  p.dim = kLanes;
  std::vector<double> x(static_cast<std::size_t>(kLanes * kLanes)), g(x.size()),
      column(static_cast<std::size_t>(kLanes)), reference(column.size());
  for (int i = 0; i < 200000; ++i) {
    const double t = -50.0 + 1e-3 * i + 1e-9 * i;
    worst_sin = std::max(worst_sin, std::fabs(lanes::sin_turns(t) - std::sin(2 * M_PI * t)));
    const double u = std::ldexp(1.0 + i / 200000.0, -(i % 60));
    worst_log =
        std::max(worst_log, std::fabs(lanes::log_positive(u) - std::log(u)) / std::max(1.0, std::fabs(std::log(u))));
  }
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = -5.12 + 10.24 * static_cast<double>(i) / static_cast<double>(x.size());
  LaneGradient<Rastrigin>::gradient(p, x.data(), g.data());
  for (int l = 0; l < kLanes; ++l) {
    for (int j = 0; j < kLanes; ++j) column[static_cast<std::size_t>(j)] = x[static_cast<std::size_t>(j * kLanes + l)];
    p.gradient(column.data(), reference.data());
    for (int j = 0; j < kLanes; ++j)
      worst_grad = std::max(
          worst_grad, std::fabs(g[static_cast<std::size_t>(j * kLanes + l)] - reference[static_cast<std::size_t>(j)]));
  }
  CHECK(worst_sin < 1e-13);  // libm's own argument 2 pi t carries about 1e-14 of rounding at |t| = 50
  CHECK(worst_log < 1e-15);
  CHECK(worst_grad < 1e-11);
}
