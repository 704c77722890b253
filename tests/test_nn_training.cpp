// K-replica training on a small synthetic image task: results independent of the thread count
// and of K, learning happens, the optimizers follow their update rules, and the mini-batch
// gradient noise of a real network matches the finite-population oracle s^2/b (docs/THEORY.md 5.5).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <omp.h>

#include "sim/nn/batch.hpp"
#include "sim/nn/full_gradient.hpp"
#include "sim/nn/gradient_noise.hpp"
#include "sim/nn/trainer.hpp"
#include "core/rng.hpp"

using namespace sgds;
using namespace sgds::nn;

namespace {

// Three classes of 8 x 8 one-channel images: a class-dependent bright bar plus gaussian noise.
Dataset bars(int n, std::uint32_t seed) {
  Dataset set;
  set.height = set.width = 8;
  set.classes = 3;
  RandomStream s(seed, 0, 0, StreamPurpose::user);
  for (int i = 0; i < n; ++i) {
    const int label = static_cast<int>(s.below(3));
    set.labels.push_back(label);
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x)
        set.pixels.push_back(static_cast<float>((y == 2 * label ? 1.0 : 0.0) + 0.8 * s.normal()));
  }
  return set;
}

TrainSpec small_spec(int replicas) {
  TrainSpec spec;
  spec.name = "small";
  spec.replicas = replicas;
  spec.epochs = 3;
  spec.schedule.eta = 0.1;
  spec.schedule.batch = 16;
  spec.schedule.per_epoch = true;
  spec.measure.noise_samples = 64;
  spec.measure.curvature_samples = 64;
  spec.measure.power_iterations = 5;
  spec.measure.hutchinson_probes = 2;
  spec.measure.sharpness_samples = 64;
  spec.measure.sharpness_batch = 32;
  spec.measure.sharpness_steps = 5;
  spec.measure.average_draws = 2;
  return spec;
}

}  // namespace

TEST_CASE("Training results do not depend on the thread count or on K") {
  const Dataset train = bars(300, 1), test = bars(100, 2);
  const Architecture cnn = Architecture::cnn(1, 8, 8, {2, 3}, 3, 3);
  const TrainSpec spec = small_spec(3);
  omp_set_num_threads(1);
  const TrainResult one = train_replicas(spec, cnn, train, test, 5);
  omp_set_num_threads(2);
  const TrainResult two = train_replicas(spec, cnn, train, test, 5);
  const TrainResult alone = train_replicas(small_spec(1), cnn, train, test, 5);
  for (const auto& table : one.per_epoch) {
    const auto& other = two.table(table.name).values;
    REQUIRE(table.values.size() == other.size());
    for (std::size_t j = 0; j < other.size(); ++j) {
      INFO(table.name << " entry " << j);
      CHECK((std::isnan(table.values[j]) ? std::isnan(other[j]) : table.values[j] == other[j]));
    }
    // Replica 0 alone equals replica 0 among three: column 0 of the [row][replica] table.
    const auto& single = alone.table(table.name).values;
    for (std::size_t row = 0; row < single.size(); ++row)
      CHECK((std::isnan(single[row]) ? std::isnan(table.values[row * 3]) : single[row] == table.values[row * 3]));
  }
  for (const auto& table : one.final)
    for (std::size_t j = 0; j < table.values.size(); ++j) CHECK(table.values[j] == two.table(table.name).values[j]);
}

TEST_CASE("Replicas learn and differ from each other") {
  const Dataset train = bars(600, 3), test = bars(300, 4);
  const Architecture mlp = Architecture::mlp(1, 8, 8, {16}, 3);
  TrainSpec spec = small_spec(2);
  spec.epochs = 5;
  spec.measure.curvature = spec.measure.sharpness = false;
  const TrainResult r = train_replicas(spec, mlp, train, test, 9);
  const auto& accuracy = r.table("test_accuracy").values;
  CHECK(accuracy[5 * 2 + 0] > 0.9);  // chance is 1/3
  CHECK(accuracy[5 * 2 + 1] > 0.9);
  CHECK(r.table("test_loss").values[0] != r.table("test_loss").values[1]);  // different initial points
  CHECK(r.steps.back() == 5 * ((600 + 15) / 16));
  CHECK(r.smith_g[1] == Approx(0.1 * (600.0 / 16.0 - 1.0)));
  const auto& c2 = r.table("c2").values;
  const auto& delta = r.table("delta").values;
  CHECK(delta[2] == Approx(0.1 * std::sqrt(c2[2]) / 4.0));
}

// measure.full_gradient: gradient_norm_full holds ||grad f|| over all training samples at the
// measured rows (row 0: the replica's initial weights, so it must equal full_gradient_norm there)
// and NaN elsewhere; off by default (all NaN).
TEST_CASE("measure.full_gradient fills gradient_norm_full at the measured epochs") {
  const Dataset train = bars(200, 5), test = bars(100, 6);
  const Architecture mlp = Architecture::mlp(1, 8, 8, {16}, 3);
  TrainSpec spec = small_spec(2);
  spec.measure.curvature = spec.measure.sharpness = false;
  spec.measure.every = 2;  // rows 0, 2 and 3 (the last) measured
  const TrainResult off = train_replicas(spec, mlp, train, test, 9);
  for (const double v : off.table("gradient_norm_full").values) CHECK(std::isnan(v));
  spec.measure.full_gradient = true;
  const TrainResult on = train_replicas(spec, mlp, train, test, 9);
  const auto& full = on.table("gradient_norm_full").values;
  for (int r = 0; r < 2; ++r) {
    std::vector<float> w0(mlp.parameter_count);
    initialise_parameters(mlp, 9, static_cast<std::uint32_t>(r), w0.data());
    CHECK(full[static_cast<std::size_t>(r)] == full_gradient_norm(mlp, train, w0.data()));
    CHECK(std::isnan(full[static_cast<std::size_t>(2 + r)]));  // row 1 not measured
    CHECK(full[static_cast<std::size_t>(2 * 2 + r)] > 0.0);
    CHECK(full[static_cast<std::size_t>(3 * 2 + r)] > 0.0);
  }
  // The other columns do not move when it is switched on (NaN rows alike).
  const auto& c2_on = on.table("c2").values;
  const auto& c2_off = off.table("c2").values;
  REQUIRE(c2_on.size() == c2_off.size());
  for (std::size_t j = 0; j < c2_on.size(); ++j)
    CHECK((c2_on[j] == c2_off[j] || (std::isnan(c2_on[j]) && std::isnan(c2_off[j]))));
}

// A learning rate far too large: every replica's loss overflows in the first epoch; the run
// completes, flags each replica with diverged_epoch = 1 and keeps its NaN rows. A sane run flags
// none (0), so the flag is not always set.
TEST_CASE("Diverging replicas are flagged with their epoch, never a crash") {
  const Dataset train = bars(200, 5), test = bars(100, 6);
  const Architecture mlp = Architecture::mlp(1, 8, 8, {16}, 3);
  TrainSpec spec = small_spec(2);
  spec.schedule.eta = 1e4;
  const TrainResult wild = train_replicas(spec, mlp, train, test, 9);
  CHECK(diverged_replicas(wild) == 2);
  for (const double e : wild.table("diverged_epoch").values) CHECK(e == 1.0);
  CHECK(std::isnan(wild.table("train_loss").values[3 * 2]));
  spec.schedule.eta = 0.1;
  const TrainResult sane = train_replicas(spec, mlp, train, test, 9);
  CHECK(diverged_replicas(sane) == 0);
  for (const double e : sane.table("diverged_epoch").values) CHECK(e == 0.0);
}

// An error inside the parallel loop over replicas reaches the caller as an exception (it used to
// end the process in std::terminate): C^2 needs two groups of 32 samples, so 32 is refused.
TEST_CASE("An error inside the replica loop is thrown to the caller, not fatal") {
  const Dataset train = bars(200, 5), test = bars(100, 6);
  const Architecture mlp = Architecture::mlp(1, 8, 8, {16}, 3);
  TrainSpec spec = small_spec(2);
  spec.measure.noise_samples = 32;  // below what the config validation allows
  CHECK_THROWS_AS(train_replicas(spec, mlp, train, test, 9), std::invalid_argument);
}

// drop_last: 200 samples in batches of 16 make 12 full batches and one of 8; with drop_last the
// 8 are skipped (12 updates per epoch, not 13) and the train loss averages the 192 samples used.
TEST_CASE("drop_last skips each epoch's partial batch") {
  const Dataset train = bars(200, 5), test = bars(100, 6);
  const Architecture mlp = Architecture::mlp(1, 8, 8, {16}, 3);
  TrainSpec spec = small_spec(2);
  spec.measure.curvature = spec.measure.sharpness = false;
  const TrainResult kept = train_replicas(spec, mlp, train, test, 9);
  spec.drop_last = true;
  const TrainResult dropped = train_replicas(spec, mlp, train, test, 9);
  CHECK(kept.steps.back() == 3 * 13);
  CHECK(dropped.steps.back() == 3 * 12);
  CHECK(epoch_samples_used(200, 16, true) == 192);
  CHECK(epoch_samples_used(200, 16, false) == 200);
  CHECK(epoch_samples_used(192, 16, true) == 192);
  // Same first 12 batches, so epoch 1 differs only by the skipped batch: different, but close.
  const double a = kept.table("train_loss").values[2], b = dropped.table("train_loss").values[2];
  CHECK(a != b);
  CHECK(std::abs(a - b) < 0.1 * a);
  // The test loss after epoch 1 moved too: the last update really was skipped.
  CHECK(kept.table("test_loss").values[2] != dropped.table("test_loss").values[2]);
}

TEST_CASE("Momentum updates follow SHB and NSHB") {
  std::vector<float> w{1.0f}, v{0.0f};
  const float g = 2.0f;
  apply_update(OptimizerKind::shb, 0.1, 0.5, w.data(), v.data(), &g, 1);
  apply_update(OptimizerKind::shb, 0.1, 0.5, w.data(), v.data(), &g, 1);
  CHECK(v[0] == Approx(3.0));  // 0.5 * 2 + 2
  CHECK(w[0] == Approx(1.0 - 0.1 * 2.0 - 0.1 * 3.0));
  w = {1.0f};
  v = {0.0f};
  apply_update(OptimizerKind::nshb, 0.1, 0.5, w.data(), v.data(), &g, 1);
  apply_update(OptimizerKind::nshb, 0.1, 0.5, w.data(), v.data(), &g, 1);
  CHECK(v[0] == Approx(1.5));  // 0.5 * 1 + 0.5 * 2
  CHECK(w[0] == Approx(1.0 - 0.1 * 1.0 - 0.1 * 1.5));
}

TEST_CASE("Network mini-batch gradient noise matches s2 over b") {
  // Population: n samples at fixed weights. With-replacement batches of size b have
  // E||g_S - g||^2 = s^2 / b, s^2 the population per-sample variance (1/n normalisation).
  const Dataset population = bars(128, 5);
  const Architecture mlp = Architecture::mlp(1, 8, 8, {8}, 3);
  Network<double> net(mlp);
  std::vector<double> w(mlp.parameter_count), g(w.size());
  initialise_parameters(mlp, 3, 0, w.data());
  const auto P = static_cast<Eigen::Index>(w.size());
  const int n = static_cast<int>(population.size());
  Matrix<double> x;
  std::vector<std::int32_t> y;
  std::vector<std::uint32_t> all(population.size());
  std::iota(all.begin(), all.end(), 0u);
  const GradientNoiseEstimate e = estimate_gradient_noise(n, P, [&](int i, Eigen::VectorXd& out) {
    gather_batch(population, mlp, all.data() + i, 1, x, y);
    net.run(w.data(), x, y.data(), out.data());
  });
  const double s2 = e.c2 * (n - 1) / n;
  gather_batch(population, mlp, all.data(), n, x, y);
  net.run(w.data(), x, y.data(), g.data());
  const Eigen::VectorXd full = Eigen::Map<Eigen::VectorXd>(g.data(), P);

  const int b = 8, batches = 3000;
  std::vector<double> squared;
  for (int k = 0; k < batches; ++k) {
    RandomStream s(11, 0, static_cast<std::uint64_t>(k), StreamPurpose::user);
    std::vector<std::uint32_t> idx(b);
    for (auto& i : idx) i = s.below(static_cast<std::uint32_t>(n));
    gather_batch(population, mlp, idx.data(), b, x, y);
    net.run(w.data(), x, y.data(), g.data());
    squared.push_back((Eigen::Map<Eigen::VectorXd>(g.data(), P) - full).squaredNorm());
  }
  const double mean = std::accumulate(squared.begin(), squared.end(), 0.0) / batches;
  double spread = 0.0;
  for (const double v : squared) spread += (v - mean) * (v - mean);
  const double se = std::sqrt(spread / (batches - 1) / batches);
  CHECK(std::abs(mean - s2 / b) <= 5.0 * se);
  // Mutants: the rival scalings s^2/sqrt(b) and s^2/b^2 are rejected.
  CHECK(std::abs(mean - s2 / std::sqrt(b)) > 5.0 * se);
  CHECK(std::abs(mean - s2 / (b * b)) > 5.0 * se);
}

// Progress counts training samples, not updates: with the batch doubling every epoch the later
// epochs have half the updates but as many samples, so an update count would make the first
// epoch look like most of the work. One thread, so every step reports (the try-lock never misses).
TEST_CASE("Training progress counts samples over all replicas and epochs, rising to the total") {
  const Dataset train = bars(200, 1), test = bars(50, 2);
  const Architecture mlp = Architecture::mlp(1, 8, 8, {8}, 3);
  TrainSpec spec = small_spec(2);
  spec.schedule.kind = ScheduleKind::batch_increase;
  spec.schedule.batch_factor = 2.0;
  spec.schedule.every = 1;
  spec.measure.noise_samples = 0;
  spec.measure.curvature = spec.measure.sharpness = false;
  for (const bool drop_last : {false, true}) {
    spec.drop_last = drop_last;
    std::vector<std::int64_t> done, totals;
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    const TrainResult r = train_replicas(spec, mlp, train, test, 9, [&](std::int64_t d, std::int64_t t) {
      done.push_back(d);
      totals.push_back(t);
    });
    omp_set_num_threads(threads);
    // Batches 16, 32, 64: without drop_last every epoch trains on all 200 samples; with it on
    // 192, 192 and 192 (200 - 200 mod b).
    const std::int64_t expected = drop_last ? 2 * (192 + 192 + 192) : 2 * 3 * 200;
    CHECK(r.batch[1] == 16);
    CHECK(r.batch[3] == 64);
    REQUIRE(!done.empty());
    CHECK(training_samples(spec, r, train.size()) == expected);
    CHECK(done.back() == expected);
    CHECK(std::is_sorted(done.begin(), done.end()));
    CHECK(std::all_of(totals.begin(), totals.end(), [&](std::int64_t t) { return t == expected; }));
    // One thread trains the replicas one after the other: replica 0's first epoch (16-sample
    // batches: 13 updates, or 12 full ones with drop_last) is its first 200 (192) samples.
    CHECK(done[drop_last ? 11 : 12] == (drop_last ? 192 : 200));
  }
}

// A warm-up counts updates: with one update an epoch, warming 0.05 -> 0.1 over two updates is
// the piecewise schedule 0.05, 0.075, 0.1 (the same float steps); the epoch's eta row is the
// ramp's mean.
TEST_CASE("The trainer applies the schedule's warm-up per update") {
  const Dataset train = bars(32, 5), test = bars(50, 6);
  const Architecture mlp = Architecture::mlp(1, 8, 8, {16}, 3);
  TrainSpec warm = small_spec(2);
  warm.measure.curvature = warm.measure.sharpness = false;
  warm.schedule.batch = 32;  // one update an epoch
  warm.schedule.warmup_steps = 2;
  warm.schedule.warmup_start = 0.5;
  TrainSpec stepped = warm;
  stepped.schedule.warmup_steps = 0;
  stepped.schedule.kind = ScheduleKind::piecewise;
  stepped.schedule.stage_eta = {0.05, 0.075, 0.1};
  stepped.schedule.stage_batch = {32, 32, 32};
  stepped.schedule.stage_end = {1, 2, 3};
  const TrainResult a = train_replicas(warm, mlp, train, test, 3);
  const TrainResult b = train_replicas(stepped, mlp, train, test, 3);
  const double expected_eta[] = {0.05, 0.05, 0.075, 0.1};
  for (std::size_t row = 0; row < 4; ++row) CHECK(a.eta[row] == Approx(expected_eta[row]).epsilon(1e-14));
  CHECK(a.table("test_loss").values == b.table("test_loss").values);
  const auto& loss_a = a.table("train_loss").values;  // row 0 is NaN (no epoch before it)
  const auto& loss_b = b.table("train_loss").values;
  for (std::size_t j = 2; j < loss_a.size(); ++j) CHECK(loss_a[j] == loss_b[j]);
  TrainSpec none = warm;
  none.schedule.warmup_steps = 0;
  const TrainResult c = train_replicas(none, mlp, train, test, 3);
  CHECK(c.table("test_loss").values[2] != a.table("test_loss").values[2]);
  // Over several updates the epoch's eta is the mean of the ramp: 32 samples in batches of 8 are
  // four updates, warmed over six from 0.4 eta: factors 0.4, 0.5, 0.6, 0.7 then 0.8, 0.9, 1, 1.
  TrainSpec longer = warm;
  longer.schedule.batch = 8;
  longer.schedule.warmup_steps = 6;
  longer.schedule.warmup_start = 0.4;
  const TrainResult d = train_replicas(longer, mlp, train, test, 3);
  CHECK(d.eta[1] == Approx(0.1 * 0.55).epsilon(1e-14));
  CHECK(d.eta[2] == Approx(0.1 * 0.925).epsilon(1e-14));
  CHECK(d.eta[3] == 0.1);
}
