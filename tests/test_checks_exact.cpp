// The exact checks of the validation suite that need only theory/ (Monte Carlo on the library's
// functions, kernels and schedules), in quick mode: each PASSES on the true theory and FAILS on
// every one of its mutants (deliberately wrong theory) by a clear margin.
#include <catch2/catch.hpp>

#include "test_checks_support.hpp"

TEST_CASE("smoothing_closed_forms: passes, and its mutants fail") { require_pass_and_mutants_fail("smoothing_closed_forms"); }

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
