// Checks added for oracles 7 and 8 and predictions P3 and P8, in quick mode: an exact check PASSES
// on the true theory and FAILS on every mutant by a clear margin; a trend check gives its verdict
// and every mutant (a wrong prediction) ends FAIL.
#include <catch2/catch.hpp>

#include "test_checks_support.hpp"

TEST_CASE("quadratic_sharpness: passes, and its mutants fail") { require_pass_and_mutants_fail("quadratic_sharpness"); }

TEST_CASE("first_passage_time: the bias vanishes at least like sqrt(eta), and the wrong diffusions fail") {
  using namespace sgds;
  const CheckDefinition* check = find_check("first_passage_time");
  REQUIRE(check);
  const CheckResult truth = check->run(CheckOptions{true, "", 20231115});
  INFO(truth.comparisons.front().label);
  CHECK(truth.verdict == Verdict::supported);
  REQUIRE(check->mutants.size() == 2);
  for (const auto& mutant : check->mutants) {
    INFO("mutant " << mutant);
    CHECK(check->run(CheckOptions{true, mutant, 20231115}).verdict == Verdict::fail);
  }
}

TEST_CASE("sgd_vs_smoothed_gd: both effects supported, and the flipped predictions fail") {
  using namespace sgds;
  const CheckDefinition* check = find_check("sgd_vs_smoothed_gd");
  REQUIRE(check);
  const CheckResult truth = check->run(CheckOptions{true, "", 20231115});
  REQUIRE(truth.comparisons.size() == 2);
  INFO(truth.comparisons.front().label);
  CHECK(truth.verdict == Verdict::supported);
  for (const auto& mutant : check->mutants) {
    INFO("mutant " << mutant);
    CHECK(check->run(CheckOptions{true, mutant, 20231115}).verdict == Verdict::fail);
  }
}
