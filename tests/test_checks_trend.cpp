// Trend checks in quick mode: the verdict the data give on the true theory, and every mutant
// (a prediction flipped) ends FAIL because the data exclude its prediction.
#include <catch2/catch.hpp>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"

using namespace sgds;

TEST_CASE("decide_trend follows its stated rule") {
  CHECK(decide_trend({0.1, 0.3}, +1, false) == Verdict::supported);
  CHECK(decide_trend({-0.3, -0.1}, +1, false) == Verdict::contradicted);
  CHECK(decide_trend({-0.3, -0.1}, +1, true) == Verdict::fail);
  CHECK(decide_trend({-0.1, 0.2}, +1, true) == Verdict::inconclusive);
  CHECK(decide_trend({-0.3, -0.1}, -1, true) == Verdict::supported);
  CHECK(combine_trends({Verdict::supported, Verdict::fail}) == Verdict::fail);
  CHECK(combine_trends({Verdict::supported, Verdict::contradicted}) == Verdict::contradicted);
  CHECK(combine_trends({Verdict::supported, Verdict::inconclusive}) == Verdict::inconclusive);
  CHECK(combine_trends({Verdict::supported, Verdict::supported}) == Verdict::supported);
}

TEST_CASE("rival_scalings: spread on eta/b and displacement on eta/sqrt(b) are supported, mutants fail") {
  const CheckDefinition* check = find_check("rival_scalings");
  REQUIRE(check);
  const CheckResult truth = check->run(CheckOptions{true, "", 20231115, ""});
  CHECK(truth.verdict == Verdict::supported);
  REQUIRE(check->mutants.size() == 2);
  for (const auto& mutant : check->mutants) {
    INFO("mutant " << mutant);
    CHECK(check->run(CheckOptions{true, mutant, 20231115, ""}).verdict == Verdict::fail);
  }
}

TEST_CASE("minibatch_one_step_bias: a measured verdict on the truth, and the no-smoothing mutant fails") {
  const CheckDefinition* check = find_check("minibatch_one_step_bias");
  REQUIRE(check);
  const CheckResult truth = check->run(CheckOptions{true, "", 20231115, ""});
  CHECK(truth.verdict != Verdict::fail);  // an [open] claim: any of the three trend verdicts is a finding
  CHECK(truth.comparisons.size() == 4);
  for (const auto& mutant : check->mutants) {
    INFO("mutant " << mutant);
    CHECK(check->run(CheckOptions{true, mutant, 20231115, ""}).verdict == Verdict::fail);
  }
}
