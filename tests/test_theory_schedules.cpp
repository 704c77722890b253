// Schedules and their delta (docs/THEORY.md section 5.6): the three 1/sqrt(2) schedules give the same
// delta_m, the polynomial schedule's closed form, epoch expansion, momentum inversions.
#include <catch2/catch.hpp>

#include <cmath>

#include "theory/schedules.hpp"

using namespace sgds;

namespace {
ScheduleSpec parse(const std::string& text) {
  const toml::table doc = parse_config_text(text, "test");
  ConfigTable table(doc, "schedule");
  ScheduleSpec s = parse_schedule_spec(table);
  table.finish();
  return s;
}
}  // namespace

TEST_CASE("the three 1/sqrt(2) schedules give the same delta per stage") {
  const ScheduleSpec lr = parse("kind = 'lr_decay'\neta = 0.1\nbatch = 32\nevery = 40\nunit = 'epoch'");
  const ScheduleSpec bi = parse("kind = 'batch_increase'\neta = 0.1\nbatch = 32\nevery = 40\nunit = 'epoch'");
  const ScheduleSpec hy = parse("kind = 'hybrid'\neta = 0.1\nbatch = 32\nevery = 40\nunit = 'epoch'");
  const double c = 3.0;
  const double batches[] = {32, 48, 72, 108, 162};
  for (int m = 0; m < 5; ++m) {
    const std::int64_t epoch = 40 * m + 7;
    const ScheduleState a = schedule_at(lr, epoch), b = schedule_at(bi, epoch), h = schedule_at(hy, epoch);
    CHECK(h.batch == batches[m]);  // int(b * 1.5)
    CHECK(b.batch == 32.0 * std::pow(2.0, m));
    const double expected = 0.1 * c / std::sqrt(32.0) * std::pow(std::sqrt(0.5), m);
    // Tolerance: the authors' 8-digit constants 0.70710678 and 0.86602540 (relative 1e-8 per stage).
    CHECK(smoothing_delta(a.eta, a.batch, c) == Approx(expected).epsilon(1e-7));
    CHECK(smoothing_delta(b.eta, b.batch, c) == Approx(expected).epsilon(1e-12));
    CHECK(smoothing_delta(h.eta, h.batch, c) == Approx(expected).epsilon(1e-7));
  }
  // Past 162, int() rounding breaks the identity (364.5 -> 364): a stated, visible deviation.
  const ScheduleState late = schedule_at(hy, 40 * 6);
  CHECK(late.batch == 364.0);
  CHECK(smoothing_delta(late.eta, late.batch, c) != Approx(0.1 * c / std::sqrt(32.0) * 0.125).epsilon(1e-7));
}

TEST_CASE("polynomial schedule: delta_m = delta_1 ((M - m + 1)/M)^p and gamma_m") {
  for (double p : {0.5, 1.0, 2.0}) {
    ScheduleSpec s;
    s.kind = ScheduleKind::polynomial, s.eta = 0.2, s.batch = 16, s.every = 3, s.stages = 10, s.power = p;
    const StepTrace trace = expand_steps(s, 40);
    const auto delta = trace.delta(1.0);
    for (int m = 1; m <= 10; ++m) {
      const double dm = delta[static_cast<std::size_t>(3 * (m - 1))];
      CHECK(dm == Approx(0.2 / 4.0 * std::pow((10.0 - m + 1.0) / 10.0, p)).epsilon(1e-14));
      if (m < 10) {
        const double next = delta[static_cast<std::size_t>(3 * m)];
        CHECK(next / dm == Approx(std::pow((10.0 - m) / (10.0 - m + 1.0), p)).epsilon(1e-13));
      }
    }
    CHECK(delta.back() == Approx(delta[27]));  // held after the last stage
  }
}

TEST_CASE("other kinds: cosine, exponential, linear, geometric, explicit GO") {
  ScheduleSpec s;
  s.eta = 1.0;
  s.kind = ScheduleKind::cosine, s.length = 100, s.eta_min = 0.1;
  CHECK(schedule_at(s, 0).eta == Approx(1.0));
  CHECK(schedule_at(s, 50).eta == Approx(0.55));
  CHECK(schedule_at(s, 100).eta == Approx(0.1));
  CHECK(schedule_at(s, 500).eta == Approx(0.1));
  s.kind = ScheduleKind::exponential, s.gamma = 0.9;
  CHECK(schedule_at(s, 3).eta == Approx(0.729));
  s.kind = ScheduleKind::linear, s.length = 10, s.end_factor = 0.2;
  CHECK(schedule_at(s, 5).eta == Approx(0.6));
  s.kind = ScheduleKind::geometric, s.every = 5, s.gamma = 0.5, s.stages = 3;
  CHECK(schedule_at(s, 4).eta == 1.0);
  CHECK(schedule_at(s, 5).eta == 0.5);
  CHECK(schedule_at(s, 100).eta == 0.25);
  const ScheduleSpec go = parse("kind = 'explicit_go'\neta = 0.01");
  const StepTrace trace = expand_steps(go, 51 * 20 + 5);
  const auto delta = trace.delta(123.0);  // explicit: C plays no part
  CHECK(delta[0] == Approx(50.0 / 51.0));
  CHECK(delta[20] == Approx(49.0 / 51.0));
  CHECK(delta[49 * 20] == Approx(1.0 / 51.0));
  CHECK(delta[50 * 20] == Approx(0.01));
  CHECK(trace.eta[20] == Approx(0.01 * 49.0 / 51.0));
}

TEST_CASE("epoch expansion: ceil(n/b) steps, remainder batch, Smith's g") {
  const ScheduleSpec s = parse("kind = 'batch_increase'\neta = 0.1\nbatch = 32\nevery = 2\nunit = 'epoch'");
  const EpochTrace trace = expand_epochs(s, 4, 1000);
  CHECK(trace.steps_per_epoch == std::vector<std::int64_t>{32, 32, 16, 16});
  CHECK(trace.steps.eta.size() == 96);
  CHECK(trace.steps.batch[31] == 1000.0 - 31.0 * 32.0);
  CHECK(trace.steps.batch[64] == 64.0);
  CHECK(trace.epoch_of_step.back() == 3);
  CHECK(smith_noise_scale(0.1, 1000.0, 32.0) == Approx(0.1 * (1000.0 / 32.0 - 1.0)));
  CHECK_THROWS(expand_steps(s, 10));
}

TEST_CASE("the foundation's constant schedule config still parses and bad keys are named") {
  const ScheduleSpec s = parse("kind = 'constant'\neta = 0.1\nbatch = 8");
  CHECK(schedule_at(s, 1000).eta == 0.1);
  CHECK(schedule_at(s, 1000).batch == 8.0);
  CHECK_THROWS_AS(parse("kind = 'lr_decay'\neta = 0.1"), ConfigError);             // every missing
  CHECK_THROWS_AS(parse("kind = 'constant'\neta = 0.1\nevery = 3"), ConfigError);  // unknown key
  CHECK_THROWS_AS(parse("kind = 'cosin'\neta = 0.1"), ConfigError);
}

TEST_CASE("momentum delta formulas and their inversions") {
  const double c2 = 4.0, k2 = 0.5, b = 16.0;
  // beta = 0: both reduce to eta C / sqrt(b).
  CHECK(shb_delta(0.1, 0.0, c2, b, k2) == Approx(smoothing_delta(0.1, b, 2.0)));
  CHECK(nshb_delta(0.1, 0.0, c2, b, k2) == Approx(smoothing_delta(0.1, b, 2.0)));
  for (double beta : {0.1, 0.5, 0.9, 0.99}) {
    const double d1 = shb_delta(0.05, beta, c2, b, k2), d2 = nshb_delta(0.05, beta, c2, b, k2);
    CHECK(shb_eta_for_delta(d1, beta, c2, b, k2) == Approx(0.05).epsilon(1e-12));
    CHECK(nshb_eta_for_delta(d2, beta, c2, b, k2) == Approx(0.05).epsilon(1e-12));
    CHECK(shb_beta_for_delta(d1, 0.05, c2, b, k2) == Approx(beta).epsilon(1e-10));
    CHECK(nshb_beta_for_delta(d2, 0.05, c2, b, k2) == Approx(beta).epsilon(1e-12));
    CHECK(
        shb_delta(0.05, beta, c2, b, k2) ==
        Approx(0.05 * std::sqrt(c2 / b + beta * (beta * beta - beta + 1) / ((1 - beta) * (1 - beta)) * (c2 / b + k2))));
  }
  // A target below the beta = 0 value has no solution.
  CHECK(std::isnan(shb_beta_for_delta(0.01, 0.05, c2, b, k2)));
  CHECK(std::isnan(nshb_beta_for_delta(0.01, 0.05, c2, b, k2)));
  // beta_hat is increasing (the bisection's premise).
  for (double beta = 0.0; beta < 0.999; beta += 0.001) CHECK(shb_beta_hat(beta + 0.001) > shb_beta_hat(beta));
}

TEST_CASE("a piecewise schedule holds each stage's eta and b for its length, then the last") {
  ScheduleSpec s;
  s.kind = ScheduleKind::piecewise;
  s.stage_eta = {0.4, 0.2, 0.1};
  s.stage_batch = {1, 2, 8};
  s.stage_end = {3, 9, 21};  // lengths 3, 6, 12: equal physical time sum eta = 1.2 per stage
  const std::int64_t expected_stage[] = {0, 0, 0, 1, 1, 1, 1, 1, 1, 2};
  for (std::int64_t t = 0; t < 10; ++t) {
    const ScheduleState state = schedule_at(s, t);
    INFO("tick " << t);
    CHECK(state.stage == expected_stage[t]);
    CHECK(state.eta == s.stage_eta[static_cast<std::size_t>(expected_stage[t])]);
    CHECK(state.batch == s.stage_batch[static_cast<std::size_t>(expected_stage[t])]);
  }
  CHECK(schedule_at(s, 20).stage == 2);
  CHECK(schedule_at(s, 1000).eta == 0.1);  // held after the last stage
  double time = 0.0;
  for (std::int64_t t = 3; t < 9; ++t) time += schedule_at(s, t).eta;
  CHECK(time == Approx(1.2));
}

// The example: eta 0.1 -> 1.0 in 10 updates over the first stage while b doubles per stage.
TEST_CASE("a linear warm-up ramps eta over the first updates, whatever the unit") {
  const ScheduleSpec w = parse(
      "kind = 'piecewise'\netas = [1.0, 1.0]\nbatches = [8, 16]\nlengths = [20, 20]\n"
      "warmup_steps = 10\nwarmup_start = 0.1");
  const StepTrace t = expand_steps(w, 40);
  for (int k = 0; k <= 10; ++k) CHECK(t.eta[static_cast<std::size_t>(k)] == Approx(0.1 + 0.09 * k).epsilon(1e-14));
  CHECK(t.eta[10] == 1.0);
  CHECK(t.eta[39] == 1.0);
  CHECK(t.batch[5] == 8.0);
  CHECK(t.batch[25] == 16.0);
  CHECK(schedule_at(w, 3).eta == 1.0);  // schedule_at is the schedule before the warm-up
  // In epochs the ramp still counts updates, across the epoch boundary: 100 samples in batches
  // of 40 are 3 updates an epoch, so a warm-up of 4 updates ends in the second epoch.
  const ScheduleSpec e = parse("eta = 0.2\nbatch = 40\nunit = 'epoch'\nwarmup_steps = 4\nwarmup_start = 0.5");
  const EpochTrace per_epoch = expand_epochs(e, 2, 100);
  REQUIRE(per_epoch.steps.eta.size() == 6);
  const double expected[] = {0.1, 0.125, 0.15, 0.175, 0.2, 0.2};
  for (std::size_t k = 0; k < 6; ++k) CHECK(per_epoch.steps.eta[k] == Approx(expected[k]).epsilon(1e-14));
  CHECK(per_epoch.eta[0] == 0.2);  // the per-epoch eta is the schedule's
  // No warm-up by default: factor 1 exactly.
  const ScheduleSpec plain = parse("eta = 0.2\nbatch = 40");
  CHECK(warmup_factor(plain, 0) == 1.0);
  CHECK(expand_steps(plain, 3).eta == std::vector<double>{0.2, 0.2, 0.2});
}

TEST_CASE("warm-up keys are checked") {
  CHECK_THROWS_WITH(parse("eta = 0.1\nwarmup_start = 0.5"),
                    Catch::Contains("key 'schedule.warmup_start' = 0.5: expected no warmup_start while warmup_steps = 0"));
  CHECK_THROWS_WITH(parse("eta = 0.1\nwarmup_steps = 5\nwarmup_start = 0"), Catch::Contains("warmup_start"));
  CHECK_THROWS_WITH(parse("eta = 0.1\nwarmup_steps = -1"), Catch::Contains("warmup_steps"));
  CHECK(parse("eta = 0.1\nwarmup_steps = 5\nwarmup_start = 1").warmup_start == 1.0);
}
