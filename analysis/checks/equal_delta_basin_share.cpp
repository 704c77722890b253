// Check (P5, fair redesign; docs/THEORY.md sections 4 and 6): do schedules with equal delta give
// equal outcomes on a nonconvex landscape? The recorded finding equal_delta_schedules compares
// noise floors on a quadratic, where algebra decides; here the outcome is which basin SGD ends in.
//
// The tilted double well from its shallow (right) minimum, Gaussian noise, four stages. Per stage:
//   A  lr decay      eta_m = eta_0 2^(-m/2), b = b_0      delta_m = delta_0 2^(-m/2)
//   B  batch growth  eta_m = eta_0,          b = b_0 2^m  delta_m = delta_0 2^(-m/2)  (= A's delta)
//   C  lr decay      eta_m = eta_0 2^(-m),   b = b_0      eta/b = B's, delta_m = delta_0 2^(-m)
//   D  constant      eta_0, b_0 throughout
// Every stage lasts the same physical time (stage lengths proportional to 1/eta_m), so the
// schedules differ only in how they cool. Outcome: the share of trajectories in the deep basin at
// the end (the basin noise-free GD polishes the final iterate into).
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/experiment_cache.hpp"
#include "analysis/statistics.hpp"
#include "analysis/trend.hpp"
#include "theory/functions/landscapes.hpp"

namespace sgds {
namespace {

constexpr int kStages = 4;
constexpr double kEta0 = 0.02, kScale = 5.48;  // temperature eta C^2 / (2 b) = 0.30 at the start
constexpr std::int64_t kStageSteps0 = 500;     // physical time 10 a stage
constexpr double kMargin = 0.03;               // "equal": the deep shares within 3 points

struct Schedule {
  std::vector<double> eta, batch;
  std::vector<std::int64_t> length;
  std::int64_t steps() const {
    std::int64_t s = 0;
    for (auto l : length) s += l;
    return s;
  }
};

Schedule schedule_of(char kind) {
  Schedule s;
  for (int m = 0; m < kStages; ++m) {
    double eta = kEta0, b = 1;
    if (kind == 'A') eta = kEta0 * std::pow(2.0, -0.5 * m);
    if (kind == 'B') b = std::pow(2.0, m);
    if (kind == 'C') eta = kEta0 * std::pow(2.0, -m);
    s.eta.push_back(eta);
    s.batch.push_back(b);
    s.length.push_back(static_cast<std::int64_t>(std::llround(kStageSteps0 * kEta0 / eta)));
  }
  return s;
}

// Deep-basin successes (basin 0) of schedule `kind` and the trajectories.
std::pair<double, double> deep_share(char kind, std::int64_t trajectories, const std::string& source,
                                     std::uint32_t seed) {
  const TiltedDoubleWell well{1, 1.0, 0.25, 1.0};
  const Schedule s = schedule_of(kind);
  const std::string text = fmt::format(R"(
name = "schedule_{}"
trajectories = {}
steps = {}
problem = {{ name = "double_well", dim = 1, height = 1.0, tilt = 0.25 }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "piecewise", etas = [{}], batches = [{}], lengths = [{}] }}
init = {{ x0 = {} }}
record = {{ checkpoints = 2 }}
)",
                                       kind, trajectories, s.steps(), kScale, fmt::join(s.eta, ", "),
                                       fmt::join(s.batch, ", "), fmt::join(s.length, ", "), well.critical_point(1.0));
  const ExperimentResult& e = cached_check_experiment(text, source, seed);
  const CheckpointSeries& share = e.checkpoint_series_named("basin_share");
  const double alive = static_cast<double>(e.trajectories - e.diverged.back());
  return {std::round(share.at(e.steps.size() - 1, 0) * alive), alive};
}

CheckResult run_basin_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "equal_delta_basin_share";
  result.claim = "Equal-delta schedules (lr decay vs batch growth) end in the deep basin equally often (P5, fair)";
  result.provenance = "paper";
  result.mutant = options.mutant;
  result.z_threshold = kTrendZ;
  const std::int64_t trajectories = options.quick ? 4096 : 32768;
  result.decision_rule = fmt::format(
      "Tilted double well (height 1, tilt 0.25) from its shallow minimum, Gaussian noise C = {}, eta_0 = {}, b_0 = 1, "
      "{} stages of equal physical time ({} steps at eta_0); A: eta / sqrt 2 a stage, B: b x 2 a stage (the same delta "
      "as A), C: eta / 2 a stage (B's eta/b), D: constant. Effect = deep-basin share(B) - share(A) with Newcombe's 95 "
      "% "
      "interval over {} trajectories each. SUPPORTED if the interval lies inside [-{}, {}], CONTRADICTED if it lies "
      "outside it, else INCONCLUSIVE. Mutant cut_irrelevant claims the uncut schedule D ends like A: FAIL when "
      "share(D) - share(A) lies outside the margin.",
      kScale, kEta0, kStages, kStageSteps0, trajectories, kMargin, kMargin);
  const auto a = deep_share('A', trajectories, result.name, options.seed);
  const auto b = deep_share('B', trajectories, result.name, options.seed + 1);
  const auto c = deep_share('C', trajectories, result.name, options.seed + 2);
  const auto d = deep_share('D', trajectories, result.name, options.seed + 3);
  const auto share = [](const std::pair<double, double>& s) { return s.first / s.second; };
  const Interval delta_matched = newcombe_difference(b.first, b.second, a.first, a.second);
  const Interval eta_b_matched = newcombe_difference(b.first, b.second, c.first, c.second);
  const Interval uncut = newcombe_difference(d.first, d.second, a.first, a.second);
  const std::string shares = fmt::format(
      "deep shares A {:.4f}, B {:.4f}, C {:.4f}, D {:.4f}; B - C (the eta/b-matched pair) "
      "in [{:.4f}, {:.4f}]",
      share(a), share(b), share(c), share(d), eta_b_matched.low, eta_b_matched.high);
  const auto equivalence = [](const Interval& i, bool mutant) {
    if (i.low >= -kMargin && i.high <= kMargin) return mutant ? Verdict::inconclusive : Verdict::supported;
    if (i.low > kMargin || i.high < -kMargin) return mutant ? Verdict::fail : Verdict::contradicted;
    return Verdict::inconclusive;
  };
  if (options.mutant == "cut_irrelevant") {
    result.comparisons.push_back(trend_comparison(
        fmt::format("uncut D - A in [{:.4f}, {:.4f}]; {}", uncut.low, uncut.high, shares), share(d) - share(a), uncut));
    decide_trend_rows(result, {equivalence(uncut, true)});
  } else {
    result.comparisons.push_back(trend_comparison(
        fmt::format("delta-matched B - A in [{:.4f}, {:.4f}]; {}", delta_matched.low, delta_matched.high, shares),
        share(b) - share(a), delta_matched));
    decide_trend_rows(result, {equivalence(delta_matched, false)});
  }
  return result;
}

const RegisterCheck registered(
    {"equal_delta_basin_share",
     "Equal-delta schedules end in the deep basin equally often, at equal physical time (P5, "
     "fair)",
     "paper",
     {"cut_irrelevant"},
     run_basin_check});

}  // namespace
}  // namespace sgds
