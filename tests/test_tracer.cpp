// The tracer end to end: engine statistics are thread-count independent, and the AR(1) check
// passes on the true theory and fails on each of its mutants.
#include <catch2/catch.hpp>
#include <omp.h>

#include <cstring>

#include "analysis/check.hpp"
#include "sim/experiment.hpp"

using namespace sgds;

namespace {

ExperimentResult run_tracer(int threads) {
  const toml::table document = parse_config_text(R"(
seed = 5
[[experiment]]
name = "tracer"
trajectories = 5000
steps = 60
problem = { name = "quadratic", dim = 3, a = 1.5 }
noise = { kind = "gaussian", scale = 2.0 }
schedule = { eta = 0.3, batch = 4 }
init = { x0 = 1.0, spread = 0.5 }
record = { checkpoints = 7 }
)",
                                                 "tracer.toml");
  const RunConfig run = parse_run_config(document);
  omp_set_num_threads(threads);
  return run_experiment(run.experiments[0], run.seed, true);
}

bool same_bytes(const std::vector<double>& a, const std::vector<double>& b) {
  // memcmp on empty vectors would pass a null pointer (undefined behaviour, caught by UBSan).
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

}  // namespace

TEST_CASE("one and two threads give byte-identical statistics") {
  const ExperimentResult one = run_tracer(1), two = run_tracer(2);
  REQUIRE(one.series.size() == two.series.size());
  for (std::size_t i = 0; i < one.series.size(); ++i) {
    CHECK(same_bytes(one.series[i].mean, two.series[i].mean));
    CHECK(same_bytes(one.series[i].standard_error, two.series[i].standard_error));
  }
  CHECK(one.diverged == two.diverged);
}

TEST_CASE("the AR(1) variance check passes on the true theory") {
  const CheckDefinition* check = find_check("quadratic_ar1_variance");
  REQUIRE(check);
  const CheckResult r = check->run(CheckOptions{true, "", 20231115, ""});
  CHECK(r.verdict == Verdict::pass);
  CHECK(r.comparisons.size() >= 40);
  CHECK(r.max_abs_z() <= r.z_threshold);
}

TEST_CASE("the AR(1) variance check fails on every mutant of the theory") {
  const CheckDefinition* check = find_check("quadratic_ar1_variance");
  REQUIRE(check);
  REQUIRE(check->mutants.size() == 3);
  for (const auto& mutant : check->mutants) {
    INFO("mutant " << mutant);
    const CheckResult r = check->run(CheckOptions{true, mutant, 20231115, ""});
    CHECK(r.verdict == Verdict::fail);
    CHECK(r.max_abs_z() > 2 * r.z_threshold);  // caught by a wide margin, not by luck
  }
}

TEST_CASE("divergent trajectories are counted and excluded rather than crashing") {
  // eta a = 2.5 > 2: every trajectory blows up; the run must finish and report it.
  const toml::table document = parse_config_text(R"(
[[experiment]]
name = "unstable"
trajectories = 100
steps = 2000
problem = { name = "quadratic", dim = 2, a = 1.0 }
schedule = { eta = 2.5 }
record = { checkpoints = 3, divergence_bound = 1e6 }
)",
                                                 "unstable.toml");
  const RunConfig run = parse_run_config(document);
  const ExperimentResult r = run_experiment(run.experiments[0], run.seed, true);
  CHECK(r.diverged.back() == 100);
  CHECK(r.observable("f").count.back() == 0);
  CHECK(std::isnan(r.observable("f").mean.back()));
}
