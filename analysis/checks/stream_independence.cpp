// Check: the engine's random streams are independent across trajectories, coordinates, steps and
// seeds, and its Gaussian noise is standard. One SGD step from a fixed x0 on (a/2)|x|^2 turns each
// trajectory's final x into its noise draw exactly, u = (x0 (1 - eta a) - x_1) / (eta C / sqrt(b));
// a second step (same seed) gives the next step's draw, another seed another stream. For
// independent standard normals every product of two different draws has mean 0 and variance 1,
// so its mean over N pairs is within 4.5 / sqrt(N) of 0.
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/experiment_cache.hpp"

namespace sgds {
namespace {

constexpr double kEta = 0.5, kA = 1.0, kScale = 2.0, kBatch = 4.0, kX0 = 1.0;
constexpr int kDim = 4;

// path: "lane" (the vectorised path), "general" (record.noise forces the per-trajectory path) or "float32".
std::string experiment_text(const std::string& path, std::int64_t trajectories, std::int64_t steps) {
  return fmt::format(R"(
name = "streams"
trajectories = {}
steps = {}
problem = {{ name = "quadratic", dim = {}, a = {} }}
noise = {{ kind = "gaussian", scale = {} }}
schedule = {{ kind = "constant", eta = {}, batch = {} }}
init = {{ x0 = {} }}
precision = "{}"
record = {{ checkpoints = 2, per_trajectory = true, noise = {} }}
)",
                     trajectories, steps, kDim, kA, kScale, kEta, kBatch, kX0,
                     path == "float32" ? "float32" : "float64", path == "general");
}

// The noise draw of the last step, per trajectory and coordinate, from the final x and the x before it.
std::vector<double> last_draws(const std::vector<double>& x_before, const std::vector<double>& x_after) {
  const double sigma = kEta * kScale / std::sqrt(kBatch);
  std::vector<double> u(x_after.size());
  for (std::size_t i = 0; i < u.size(); ++i) u[i] = (x_before[i] * (1.0 - kEta * kA) - x_after[i]) / sigma;
  return u;
}

// Mean of the products of the paired draws, and its SE under independence (1 / sqrt(pairs)).
Comparison mean_product(const std::string& label, const std::vector<std::pair<double, double>>& pairs) {
  double sum = 0.0;
  for (const auto& [p, q] : pairs) sum += p * q;
  const double n = static_cast<double>(pairs.size());
  return Comparison{label, sum / n, 1.0 / std::sqrt(n), 0.0};
}

CheckResult run_stream_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "stream_independence";
  result.claim = "Noise streams are independent across trajectories, coordinates, steps and seeds, and standard";
  result.provenance = "code";
  result.z_threshold = 4.5;
  result.mutant = options.mutant;
  const std::int64_t n = options.quick ? 8192 : 131072;
  result.decision_rule = fmt::format(
      "{} trajectories, d = {}, on the lane, per-trajectory and float32 paths: the draws u of step 0 (from one SGD "
      "step), of step 1 (a second step, same seed) and of step 0 under seed + 1. PASS iff within {} SE: mean u = 0, "
      "mean u^2 = 1 (SE from the draws), and the mean product "
      "= 0 (SE 1/sqrt(pairs)) for neighbouring trajectories (2i, 2i+1), neighbouring coordinates, steps 0 and 1 of one "
      "trajectory, and one trajectory under two seeds",
      n, kDim, result.z_threshold);
  for (const std::string path : {"lane", "general", "float32"}) {
    const ExperimentResult& one = cached_check_experiment(experiment_text(path, n, 1), result.name, options.seed);
    const ExperimentResult& two = cached_check_experiment(experiment_text(path, n, 2), result.name, options.seed);
    const ExperimentResult& other = cached_check_experiment(experiment_text(path, n, 1), result.name, options.seed + 1);
    const std::vector<double> start(one.final_x.size(), kX0);
    std::vector<double> u0 = last_draws(start, one.final_x), u1 = last_draws(one.final_x, two.final_x);
    const std::vector<double> v0 = last_draws(start, other.final_x);
    const auto at = [](std::size_t i, int j) { return i * kDim + static_cast<std::size_t>(j); };
    // Mutants: what the statistics would see if the streams were wrongly keyed.
    if (options.mutant == "shared_between_trajectories")
      for (std::size_t i = 0; i + 1 < static_cast<std::size_t>(n); i += 2)
        for (int j = 0; j < kDim; ++j) u0[at(i + 1, j)] = u0[at(i, j)];
    if (options.mutant == "step_not_in_key") u1 = u0;

    double sum = 0.0, sum2 = 0.0, sum4 = 0.0;
    for (double u : u0) sum += u, sum2 += u * u, sum4 += u * u * u * u;
    const double count = static_cast<double>(u0.size());
    const double mean = sum / count, second = sum2 / count;
    result.comparisons.push_back(
        Comparison{path + ": mean u (step 0)", mean, std::sqrt((second - mean * mean) / count), 0.0});
    result.comparisons.push_back(Comparison{path + ": mean u^2 (step 0), the noise's scale", second,
                                            std::sqrt((sum4 / count - second * second) / count), 1.0});
    std::vector<std::pair<double, double>> trajectories, coordinates, steps, seeds;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
      for (int j = 0; j < kDim; ++j) {
        if (i % 2 == 0) trajectories.emplace_back(u0[at(i, j)], u0[at(i + 1, j)]);
        if (j + 1 < kDim) coordinates.emplace_back(u0[at(i, j)], u0[at(i, j + 1)]);
        steps.emplace_back(u0[at(i, j)], u1[at(i, j)]);
        seeds.emplace_back(u0[at(i, j)], v0[at(i, j)]);
      }
    result.comparisons.push_back(mean_product(path + ": trajectories 2i and 2i+1, mean u u'", trajectories));
    result.comparisons.push_back(mean_product(path + ": coordinates j and j+1, mean u u'", coordinates));
    result.comparisons.push_back(mean_product(path + ": steps 0 and 1, mean u u'", steps));
    result.comparisons.push_back(mean_product(path + ": seeds s and s+1, mean u u'", seeds));
  }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered(
    {"stream_independence",
     "Noise streams are independent across trajectories, coordinates, steps and seeds, and standard",
     "code",
     {"shared_between_trajectories", "step_not_in_key"},
     run_stream_check});

}  // namespace
}  // namespace sgds
