// Graduated optimizers of the CPU engine (explicit GO, GradOpt): the closed-form smoothed
// gradients agree with the Monte Carlo ones within z = 4.5 standard errors (and wrong closed
// forms are rejected), a closed-form run is deterministic given the seed, and a function without
// a closed form is refused at parse time.
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "sim/experiment.hpp"
#include "theory/smoothing_closed_forms.hpp"

using namespace sgds;

namespace {

constexpr double kZ = 4.5;

ExperimentConfig parse_text(const std::string& text) {
  toml::table table = parse_config_text(text, "test");
  ConfigTable config_table(table, "test");
  return parse_experiment(config_table);
}

// Per-coordinate mean and standard error of the engine's one-sample Monte Carlo smoothed
// gradient over `draws` independent trajectories at the same point.
template <class F>
void monte_carlo_gradient(const F& f, OptimizerKind kind, double delta, const std::vector<double>& x, int draws,
                          std::vector<double>& mean, std::vector<double>& se) {
  OptimizerSpec optimizer;
  optimizer.kind = kind;
  optimizer.smoothing_samples = 1;
  optimizer.source = SmoothedGradientSource::monte_carlo;
  NoiseModel noise;
  StepSchedule schedule;
  TrajectoryStepper<F> stepper(f, noise, optimizer, schedule, 17);
  const std::size_t d = x.size();
  std::vector<double> g(d), sum(d, 0.0), sum2(d, 0.0);
  for (int i = 0; i < draws; ++i) {
    stepper.smoothed_gradient(static_cast<std::uint32_t>(i), 3, delta, x.data(), g.data());
    for (std::size_t j = 0; j < d; ++j) {
      sum[j] += g[j];
      sum2[j] += g[j] * g[j];
    }
  }
  mean.resize(d);
  se.resize(d);
  for (std::size_t j = 0; j < d; ++j) {
    mean[j] = sum[j] / draws;
    se[j] = std::sqrt((sum2[j] / draws - mean[j] * mean[j]) / (draws - 1));
  }
}

template <class F>
std::vector<double> closed_form_gradient(const F& f, OptimizerKind kind, double delta, const std::vector<double>& x) {
  OptimizerSpec optimizer;
  optimizer.kind = kind;
  optimizer.source = SmoothedGradientSource::closed_form;
  NoiseModel noise;
  StepSchedule schedule;
  TrajectoryStepper<F> stepper(f, noise, optimizer, schedule, 17);
  std::vector<double> g(x.size());
  stepper.smoothed_gradient(0, 3, delta, x.data(), g.data());
  return g;
}

// Largest |estimate - candidate| / SE over the coordinates.
double worst_z(const std::vector<double>& mean, const std::vector<double>& se, const std::vector<double>& candidate) {
  double worst = 0.0;
  for (std::size_t j = 0; j < mean.size(); ++j) worst = std::max(worst, std::fabs(mean[j] - candidate[j]) / se[j]);
  return worst;
}

std::vector<double> run_final_x(const std::string& text, std::uint32_t seed) {
  const ExperimentConfig config = parse_text(text);
  return run_experiment(config, seed, true).final_x;
}

}  // namespace

TEST_CASE("explicit GO closed-form Gaussian gradients agree with the Monte Carlo gradients") {
  const int draws = 40000;
  const Rastrigin rastrigin{3};
  const Griewank griewank{3};
  const std::vector<double> x = {0.2, -0.35, 1.1};
  for (double delta : {0.15, 0.4}) {
    std::vector<double> mean, se;
    monte_carlo_gradient(rastrigin, OptimizerKind::explicit_go, delta, x, draws, mean, se);
    const std::vector<double> exact = closed_form_gradient(rastrigin, OptimizerKind::explicit_go, delta, x);
    INFO("rastrigin delta " << delta << ": MC " << mean[0] << " +- " << se[0] << " vs closed form " << exact[0]);
    CHECK(worst_z(mean, se, exact) < kZ);
    // Mutants: no smoothing (grad f(x)), and the E||u||^2 = 1 convention (s = delta / sqrt(d)).
    std::vector<double> unsmoothed(3), per_norm(3);
    rastrigin.gradient(x.data(), unsmoothed.data());
    GaussianSmoothing<Rastrigin>::gradient(rastrigin, delta / std::sqrt(3.0), x.data(), per_norm.data());
    CHECK(worst_z(mean, se, unsmoothed) > kZ);
    CHECK(worst_z(mean, se, per_norm) > kZ);
  }
  // Griewank's coupled product term (a second closed form, a larger x so the cosines matter).
  const std::vector<double> xg = {2.0, -3.0, 4.5};
  std::vector<double> mean, se;
  monte_carlo_gradient(griewank, OptimizerKind::explicit_go, 1.5, xg, draws, mean, se);
  const std::vector<double> exact = closed_form_gradient(griewank, OptimizerKind::explicit_go, 1.5, xg);
  CHECK(worst_z(mean, se, exact) < kZ);
  std::vector<double> unsmoothed(3);
  griewank.gradient(xg.data(), unsmoothed.data());
  CHECK(worst_z(mean, se, unsmoothed) > kZ);
}

TEST_CASE("GradOpt closed-form ball gradients agree with the Monte Carlo gradients") {
  const Rastrigin rastrigin{3};
  const std::vector<double> x = {0.2, -0.35, 1.1};
  const double delta = 0.3;
  std::vector<double> mean, se;
  monte_carlo_gradient(rastrigin, OptimizerKind::gradopt, delta, x, 40000, mean, se);
  const std::vector<double> exact = closed_form_gradient(rastrigin, OptimizerKind::gradopt, delta, x);
  CHECK(worst_z(mean, se, exact) < kZ);
  // Mutant: the Gaussian closed form where the kernel is the ball.
  std::vector<double> gaussian(3);
  GaussianSmoothing<Rastrigin>::gradient(rastrigin, delta, x.data(), gaussian.data());
  CHECK(worst_z(mean, se, gaussian) > kZ);
}

TEST_CASE("explicit GO with closed-form gradients is deterministic given the seed") {
  const std::string text = R"(
name = "closed"
trajectories = 64
problem = { name = "rastrigin", dim = 4 }
optimizer = { kind = "explicit_go", stages = 5, steps_per_stage = 4, smoothed_gradient = "closed_form" }
init = { x0 = 2.3, spread = 1.0 }
record = { checkpoints = 3, per_trajectory = true }
)";
  const std::vector<double> a = run_final_x(text, 5), b = run_final_x(text, 5), c = run_final_x(text, 6);
  REQUIRE(a.size() == 64 * 4);
  CHECK(a == b);
  CHECK(a != c);  // the seed still draws the initial points
  // Without initial jitter every trajectory follows the same deterministic path; the Monte Carlo
  // gradient (the mutant: the closed form silently not used) makes them differ.
  auto spread_of = [](const std::vector<double>& x) {
    double lo = x[0], hi = x[0];
    for (std::size_t i = 0; i < x.size(); i += 4) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
    return hi - lo;
  };
  std::string fixed = text;
  fixed.replace(fixed.find("spread = 1.0"), 12, "spread = 0.0");
  CHECK(spread_of(run_final_x(fixed, 5)) == 0.0);
  std::string monte_carlo = fixed;
  monte_carlo.replace(monte_carlo.find("\"closed_form\""), 13, "\"monte_carlo\"");
  CHECK(spread_of(run_final_x(monte_carlo, 5)) > 0.0);
}

TEST_CASE("closed-form smoothed gradients are refused where no closed form exists") {
  const std::string text = R"(
name = "no_closed_form"
trajectories = 4
problem = { name = "ackley", dim = 2 }
optimizer = { kind = "explicit_go", smoothed_gradient = "closed_form" }
)";
  try {
    parse_text(text);
    FAIL("accepted a closed-form gradient for ackley");
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("optimizer.smoothed_gradient") != std::string::npos);
    CHECK(message.find("ackley") != std::string::npos);
    CHECK(message.find("rastrigin") != std::string::npos);  // names the functions that have one
  }
  // The same key is accepted where the closed form exists.
  std::string fine = text;
  fine.replace(fine.find("ackley"), 6, "sphere");
  CHECK_NOTHROW(parse_text(fine));
}

namespace {

std::string gradopt_text(const std::string& problem, const std::string& extra, int trajectories, int stages, int cap,
                         double sigma) {
  return fmt::format(R"(
name = "gradopt"
trajectories = {}
problem = {{ name = "{}", dim = 2 }}
optimizer = {{ kind = "gradopt", stages = {}, steps_per_stage = {}, delta_start = 2.0, sigma = {}, {} }}
init = {{ x0 = 0.0, spread = 2.0 }}
record = {{ checkpoints = 5, per_trajectory = true }}
)",
                     trajectories, problem, stages, cap, sigma, extra);
}

const CheckpointSeries& series(const ExperimentResult& r, const std::string& name) {
  for (const CheckpointSeries& s : r.checkpoint_series)
    if (s.name == name) return s;
  FAIL("no series " << name);
  return r.checkpoint_series.front();
}

// Trajectories whose final x fails the last stage's certificate ||grad f_hat||^2 / (2 sigma) <= eps_M,
// with the exact ball-smoothed gradient computed here from the output alone.
template <class F>
int uncertified(const F& f, const ExperimentResult& r, double sigma, double last_delta) {
  const double eps = sigma * last_delta * last_delta / 32.0;
  int count = 0;
  for (std::size_t i = 0; i < r.final_x.size(); i += 2) {
    double g[2];
    BallSmoothing<F>::gradient(f, last_delta, &r.final_x[i], g);
    count += (g[0] * g[0] + g[1] * g[1]) / (2.0 * sigma) > eps ? 1 : 0;
  }
  return count;
}

}  // namespace

TEST_CASE("GradOpt accuracy rule with an unreachable accuracy is the fixed rule and counts every stage as capped") {
  // sigma = 1e-9 makes eps_m = sigma delta_m^2 / 32 unreachable: every stage runs to its cap of 10
  // steps, which must reproduce the fixed rule bit for bit and be counted N x M times.
  const int n = 64, stages = 4, cap = 10;
  const ExperimentConfig fixed = parse_text(gradopt_text("rastrigin", "samples = 2", n, stages, cap, 1e-9));
  const ExperimentConfig accuracy =
      parse_text(gradopt_text("rastrigin", "samples = 2, stage_rule = \"accuracy\"", n, stages, cap, 1e-9));
  const ExperimentResult a = run_experiment(fixed, 3, true), b = run_experiment(accuracy, 3, true);
  REQUIRE(a.final_x.size() == static_cast<std::size_t>(n * 2));
  CHECK(a.final_x == b.final_x);
  const CheckpointSeries& capped = series(b, "stages_capped");
  const CheckpointSeries& done = series(b, "stages_done");
  CHECK(capped.values.back() == n * stages);
  CHECK(done.values.back() == stages);
  CHECK(capped.values.front() == 0.0);
}

TEST_CASE("GradOpt accuracy rule ends each stage at a certified iterate, long before the cap") {
  // The sphere's ball smoothing is 2-strongly convex with its minimiser 0 inside every stage's
  // ball (starts within 1.5 delta_1 of 0): sigma = 1.5 is a valid sigma, so every stage must end
  // certified (none capped) and the final x must pass the certificate checked from outside.
  const int n = 256, stages = 6, cap = 400;
  const double sigma = 1.5, last_delta = std::ldexp(2.0, -(stages - 1));
  const Sphere sphere{2};
  const ExperimentResult r =
      run_experiment(parse_text(gradopt_text("sphere", "smoothed_gradient = \"closed_form\", stage_rule = \"accuracy\"",
                                             n, stages, cap, sigma)),
                     9, true);
  const CheckpointSeries& capped = series(r, "stages_capped");
  const CheckpointSeries& done = series(r, "stages_done");
  INFO("stages capped " << capped.values.back() << ", stages done at 1/4 of the budget " << done.values[1]);
  CHECK(capped.values.back() == 0.0);
  CHECK(done.values[1] == stages);  // all finished within a quarter of the M x cap steps (fixed: 1.5 stages)
  CHECK(uncertified(sphere, r, sigma, last_delta) == 0);
  // Mutant: the fixed rule with 2-step stages and cautious steps (sigma = 20, steps 1/(20 tau))
  // stops uncertified, and the same check sees it.
  const ExperimentResult short_stages = run_experiment(
      parse_text(gradopt_text("sphere", "smoothed_gradient = \"closed_form\"", n, stages, 2, 20.0)), 9, true);
  CHECK(uncertified(sphere, short_stages, 20.0, last_delta) > 0);

  // Monte Carlo certificate ||(g + g2)/2||^2 from 2 x 16 ball samples: its upward bias delta^2 / 16
  // stays below the threshold 2 sigma eps_m = 0.14 delta^2, so stages still end before the cap.
  const ExperimentResult mc = run_experiment(
      parse_text(gradopt_text("sphere", "samples = 16, stage_rule = \"accuracy\"", n, stages, cap, sigma)), 9, true);
  INFO("Monte Carlo: stages capped " << series(mc, "stages_capped").values.back());
  CHECK(series(mc, "stages_capped").values.back() < 0.1 * n * stages);
  CHECK(series(mc, "stages_done").values[1] == stages);

  // Rastrigin is not sigma-nice at small delta: there the cap can bind; every final x that fails
  // the certificate must then be among the counted caps.
  const Rastrigin rastrigin{2};
  const ExperimentResult ras = run_experiment(
      parse_text(gradopt_text("rastrigin", "smoothed_gradient = \"closed_form\", stage_rule = \"accuracy\"", n, stages,
                              cap, 2.0)),
      9, true);
  INFO("rastrigin: stages capped " << series(ras, "stages_capped").values.back());
  CHECK(uncertified(rastrigin, ras, 2.0, last_delta) <= series(ras, "stages_capped").values.back());
}
