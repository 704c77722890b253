// measure.trace (sim/nn/training_trace.hpp): where the checks fall, that each check measures the
// weights after exactly the updates it names, and the first-reach costs read from them.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "sim/nn/full_gradient.hpp"
#include "sim/nn/network.hpp"
#include "sim/nn/trainer.hpp"
#include "tests/nn_test_data.hpp"

using namespace sgds;
using namespace sgds::nn;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TrainSpec traced_spec(std::int64_t every_samples) {
  TrainSpec spec;
  spec.name = "traced";
  spec.replicas = 2;
  spec.epochs = 3;
  spec.schedule.eta = 0.05;
  spec.schedule.batch = 16;
  spec.schedule.per_epoch = true;
  spec.measure.noise_samples = 0;
  spec.measure.curvature = spec.measure.sharpness = false;
  spec.measure.trace.every_samples = every_samples;
  return spec;
}

}  // namespace

TEST_CASE("plan_trace checks at the first update that reaches each multiple, the start and the end") {
  TraceSpec spec;
  spec.every_samples = 100;
  // Two epochs of 250 samples: batches of 40 (six of 40 and one of 10), then of 64 (three and 58).
  const TrainingTrace t = plan_trace(spec, {40, 64}, {250, 250}, 3);
  // Running counts 40 80 120 160 200 240 250 | 314 378 442 500: checks where a multiple of 100 is
  // first reached (120, 200, 314, 442, 500 for 100, 200, 300, 400, 500), the start, no extra end.
  CHECK(t.samples == std::vector<std::int64_t>{0, 120, 200, 314, 442, 500});
  CHECK(t.step == std::vector<std::int64_t>{0, 3, 5, 8, 10, 11});
  CHECK(t.loss.size() == 6 * 3);
  CHECK(std::isnan(t.loss[0]));
  // The end is checked even when it falls between multiples.
  const TrainingTrace short_run = plan_trace(spec, {30}, {250}, 1);
  CHECK(short_run.samples == std::vector<std::int64_t>{0, 120, 210, 250});
  CHECK(short_run.step == std::vector<std::int64_t>{0, 4, 7, 9});
  // Off: nothing planned.
  CHECK(plan_trace(TraceSpec{}, {40}, {250}, 2).checks() == 0);
}

TEST_CASE("record_target_costs takes the first check at or below each target; never is NaN") {
  TraceSpec spec;
  spec.every_samples = 10;
  spec.loss_targets = {1.0, 0.5, 0.1};
  spec.gradient_norm_targets = {2.0};
  TrainingTrace t;
  t.samples = {0, 10, 20, 30};
  t.step = {0, 1, 2, 3};
  // Two replicas, [check][replica]: replica 0 falls 2, 1, 0.7, 0.4; replica 1 diverges (NaN) after 0.9.
  t.loss = {2.0, 2.0, 1.0, 0.9, 0.7, kNaN, 0.4, kNaN};
  t.gradient_norm = {3.0, 3.0, 2.5, 1.0, 2.0, kNaN, 1.0, kNaN};
  record_target_costs(spec, t, 2);
  REQUIRE(t.loss_sfo.size() == 3 * 2);
  CHECK(t.loss_sfo[0] == 10.0);  // target 1.0, replica 0: equal counts as reached
  CHECK(t.loss_sfo[1] == 10.0);  // 0.9 <= 1.0
  CHECK(t.loss_sfo[2] == 30.0);  // target 0.5: 0.4 at 30
  CHECK(std::isnan(t.loss_sfo[3]));
  CHECK(std::isnan(t.loss_sfo[4]));  // target 0.1: never
  CHECK(std::isnan(t.loss_sfo[5]));
  CHECK(t.loss_steps[2] == 3.0);
  CHECK(t.gradient_norm_sfo == std::vector<double>{20.0, 10.0});
}

// With one check per epoch the checks coincide with the epoch ends, where measure.full_gradient
// measures the same weights: the two must agree exactly, so a check one update early or late fails.
TEST_CASE("The trace measures the weights after exactly the updates it names") {
  const Dataset train = test::digits_like(200, 3), test_set = test::digits_like(50, 4);
  const Architecture mlp = Architecture::mlp(1, 28, 28, {16}, 10);
  TrainSpec spec = traced_spec(200);  // one epoch of 200 samples: 13 updates (12 of 16, one of 8)
  spec.measure.full_gradient = true;
  const TrainResult r = train_replicas(spec, mlp, train, test_set, 5);
  REQUIRE(r.trace.checks() == 4);
  CHECK(r.trace.step == std::vector<std::int64_t>{0, 13, 26, 39});
  const auto& full = r.table("gradient_norm_full").values;
  for (std::size_t c = 0; c < 4; ++c)
    for (std::size_t k = 0; k < 2; ++k) CHECK(r.trace.gradient_norm[c * 2 + k] == full[c * 2 + k]);
  // Row 0 is the initial weights: the loss there is f(w0) (to rounding: the trainer runs Eigen on
  // one thread, this call may split its products over several).
  std::vector<float> w0(mlp.parameter_count);
  initialise_parameters(mlp, 5, 1, w0.data());
  const FullSetValues start = full_set_values(mlp, train, w0.data());
  CHECK(r.trace.loss[1] == Approx(start.loss).epsilon(1e-6));
  CHECK(start.loss == Approx(std::log(10.0)).epsilon(0.3));  // near uniform at initialisation
  // Training lowers f; the trace and the epoch tables are untouched by tracing.
  CHECK(r.trace.loss[3 * 2] < r.trace.loss[0]);
  TrainSpec plain = spec;
  plain.measure.trace = TraceSpec{};
  const TrainResult untraced = train_replicas(plain, mlp, train, test_set, 5);
  CHECK(untraced.trace.checks() == 0);
  CHECK(untraced.table("test_loss").values == r.table("test_loss").values);
}

TEST_CASE("Finer checks land between epochs and cost targets from the recorded values") {
  const Dataset train = test::digits_like(200, 3), test_set = test::digits_like(50, 4);
  const Architecture mlp = Architecture::mlp(1, 28, 28, {16}, 10);
  TrainSpec spec = traced_spec(50);
  spec.measure.trace.loss_targets = {1.5, 1e-6};
  const TrainResult r = train_replicas(spec, mlp, train, test_set, 5);
  // 600 samples in updates of 16 (and 8 at each epoch's end): a check about every 4 updates.
  REQUIRE(r.trace.checks() == 13);
  for (std::size_t c = 1; c < r.trace.checks(); ++c) {
    CHECK(r.trace.samples[c] - r.trace.samples[c - 1] <= 50 + 15);
    CHECK(r.trace.samples[c] >= static_cast<std::int64_t>(50 * c));
  }
  for (std::size_t k = 0; k < 2; ++k) {
    const double cost = r.trace.loss_sfo[k];
    REQUIRE(std::isfinite(cost));
    std::size_t c = 0;
    while (r.trace.loss[c * 2 + k] > 1.5) ++c;
    CHECK(cost == static_cast<double>(r.trace.samples[c]));
    CHECK(std::isnan(r.trace.loss_sfo[2 + k]));  // 1e-6: not in three epochs
  }
}
