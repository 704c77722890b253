// Exact checks of the validation suite, in quick mode: the ones that need only theory/ (Monte
// Carlo on the library's functions, kernels and schedules), oracle 11's short stable-noise runs,
// the critical batch checks (oracle 12), and the two checks that can be pointed at a user's
// formula. Each PASSES on the true theory and FAILS on every one of its mutants (deliberately
// wrong theory) by a clear margin.
#include <catch2/catch.hpp>

#include <cmath>

#include "test_checks_support.hpp"

TEST_CASE("smoothing_closed_forms: passes, and its mutants fail") {
  require_pass_and_mutants_fail("smoothing_closed_forms");
}

TEST_CASE("rastrigin_convexity_threshold: passes, and its mutants fail") {
  require_pass_and_mutants_fail("rastrigin_convexity_threshold");
}

TEST_CASE("schedule_identities: passes, and its mutants fail") { require_pass_and_mutants_fail("schedule_identities"); }

TEST_CASE("heavy_tail_exponent: passes, and its mutants fail") { require_pass_and_mutants_fail("heavy_tail_exponent"); }

TEST_CASE("smoothing_lemmas: no bound is exceeded, the |x| kink attains it, and the mutant bounds are exceeded") {
  using namespace sgds;
  const CheckDefinition* check = find_check("smoothing_lemmas");
  REQUIRE(check);
  const CheckResult truth = check->run(CheckOptions{true, "", 20231115, ""});
  CHECK(truth.verdict == Verdict::pass);
  double largest_ratio = 0.0;
  for (const auto& c : truth.comparisons) largest_ratio = std::max(largest_ratio, c.estimate);
  CHECK(largest_ratio == Approx(1.0).margin(0.02));  // tight: delta E|u| at the kink of |x|
  for (const auto& mutant : check->mutants) {
    INFO("mutant " << mutant);
    const CheckResult r = check->run(CheckOptions{true, mutant, 20231115, ""});
    CHECK(r.verdict == Verdict::fail);
    double worst = -INFINITY;
    for (const auto& c : r.comparisons) worst = std::max(worst, c.z());
    CHECK(worst > 2 * r.z_threshold);
  }
}

TEST_CASE("smoothing_gradient_identity: passes, and its mutants fail") {
  require_pass_and_mutants_fail("smoothing_gradient_identity");
}

TEST_CASE("stable_stationary_law: passes, and its mutants fail") {
  require_pass_and_mutants_fail("stable_stationary_law");
}

// Pointed at a user's formula with curvature, both checks that take --problem pass and catch their
// mutants; on a quadratic, whose grad f_hat is grad f, no_smoothing rightly passes.
TEST_CASE("checks pointed at a formula pass, and catch the mutants the formula can tell apart") {
  using namespace sgds;
  const std::string curved = R"J({ name = "expression", dim = 2, f = "x1^4 - 3*x1*x2 + sin(3*x2)" })J";
  for (const char* name : {"one_step_identity", "smoothing_gradient_identity"}) {
    INFO(name);
    const CheckDefinition* check = find_check(name);
    REQUIRE(check);
    REQUIRE(check->accepts_problem);
    CHECK(check->run(CheckOptions{true, "", 20231115, curved}).verdict == Verdict::pass);
    for (const auto& mutant : check->mutants) {
      INFO("mutant " << mutant);
      CHECK(check->run(CheckOptions{true, mutant, 20231115, curved}).verdict == Verdict::fail);
    }
  }
  const CheckDefinition* gradient = find_check("smoothing_gradient_identity");
  const std::string quadratic = R"J({ name = "expression", dim = 2, f = "x1^2 + 3*x2^2" })J";
  CHECK(gradient->run(CheckOptions{true, "no_smoothing", 20231115, quadratic}).verdict == Verdict::pass);
  CHECK_FALSE(find_check("lyapunov_covariance")->accepts_problem);
}

TEST_CASE("per_sample_batch_law: passes, and its mutants fail") {
  require_pass_and_mutants_fail("per_sample_batch_law");
}

// Pareto's batch mean approaches its stable limit from below, slowly: the smallest batch is
// CONTRADICTED (more than 5 % off), the largest within the margin; both mutants FAIL.
TEST_CASE("pareto_batch_routes: the finite-b departure shrinks with b, and the mutants fail") {
  using namespace sgds;
  const CheckDefinition* check = find_check("pareto_batch_routes");
  REQUIRE(check);
  const CheckResult truth = check->run(CheckOptions{true, "", 20231115, ""});
  CHECK(truth.verdict == Verdict::contradicted);
  REQUIRE(truth.comparisons.size() == 5);
  CHECK(truth.comparisons.front().verdict == Verdict::contradicted);
  CHECK(std::fabs(truth.comparisons.back().estimate) < std::fabs(truth.comparisons.front().estimate));
  for (const auto& mutant : check->mutants) {
    INFO("mutant " << mutant);
    CHECK(check->run(CheckOptions{true, mutant, 20231115, ""}).verdict == Verdict::fail);
  }
}

TEST_CASE("critical_batch_size: passes, and its mutants fail") { require_pass_and_mutants_fail("critical_batch_size"); }

// The SFO bound's b* = 2 b_min is CONTRADICTED on the quadratic (b* is 1.03 to 1.3 b_min) while its
// eps^-2 scaling is SUPPORTED; each mutant FAILS on its own rows.
TEST_CASE("critical_batch_scaling: the bound's factor 2 is contradicted, its scaling supported") {
  using namespace sgds;
  const CheckDefinition* check = find_check("critical_batch_scaling");
  REQUIRE(check);
  const CheckResult truth = check->run(CheckOptions{true, "", 20231115, ""});
  CHECK(truth.verdict == Verdict::contradicted);
  REQUIRE(truth.comparisons.size() == 5);
  for (std::size_t k = 0; k < 3; ++k) CHECK(truth.comparisons[k].verdict == Verdict::contradicted);
  for (std::size_t k = 3; k < 5; ++k) CHECK(truth.comparisons[k].verdict != Verdict::contradicted);
  for (const auto& mutant : check->mutants) {
    INFO("mutant " << mutant);
    CHECK(check->run(CheckOptions{true, mutant, 20231115, ""}).verdict == Verdict::fail);
  }
}

TEST_CASE("tail_index_estimator: passes, and its mutants fail") {
  require_pass_and_mutants_fail("tail_index_estimator");
}
