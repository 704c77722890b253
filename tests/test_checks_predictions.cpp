// Trend checks of docs/THEORY.md section 6 (P5, P6, P7, P12) in quick mode at the CLI's default seed:
// the verdict on the true theory, and every mutant ends FAIL because the data exclude its
// prediction.
#include <catch2/catch.hpp>

#include "analysis/check.hpp"

using namespace sgds;

namespace {

CheckResult run_truth_and_mutants(const std::string& name) {
  const CheckDefinition* check = find_check(name);
  REQUIRE(check);
  REQUIRE_FALSE(check->mutants.empty());
  for (const auto& mutant : check->mutants) {
    INFO("mutant " << mutant);
    CHECK(check->run(CheckOptions{true, mutant, 20231115, ""}).verdict == Verdict::fail);
  }
  return check->run(CheckOptions{true, "", 20231115, ""});
}

}  // namespace

TEST_CASE("sharp_basin_share_vs_batch: the sharp-basin share grows with b and both mutants fail") {
  const CheckResult truth = run_truth_and_mutants("sharp_basin_share_vs_batch");
  INFO(truth.worst().label);
  CHECK(truth.verdict == Verdict::supported);
  CHECK(truth.experiments.size() == 9);
}

TEST_CASE("flatness_vs_delta: the Hessian trace falls with delta on both measures and both mutants fail") {
  const CheckResult truth = run_truth_and_mutants("flatness_vs_delta");
  CHECK(truth.verdict == Verdict::supported);
  REQUIRE(truth.comparisons.size() == 2);
  for (const auto& c : truth.comparisons) {
    INFO(c.label);
    CHECK(c.estimate < 0.0);
  }
}

TEST_CASE("performance_unimodal_in_delta: an interior optimum and both monotone mutants fail") {
  const CheckResult truth = run_truth_and_mutants("performance_unimodal_in_delta");
  REQUIRE(truth.comparisons.size() == 2);
  INFO(truth.comparisons[0].label << " / " << truth.comparisons[1].label);
  CHECK(truth.verdict == Verdict::supported);
  CHECK(truth.comparisons[0].estimate > 0.0);  // curvature in log delta
  CHECK(truth.comparisons[1].estimate > 0.0);  // vertex margin inside the grid
}

TEST_CASE("equal_delta_schedules: equal delta does not give equal gaps and the delta-cut mutant fails") {
  // The derived expectation (exact AR(1) propagation through each schedule): batch increase ends
  // with a gap about 62% below lr decay's, the hybrid about 44% below, per update and per epoch,
  // far outside the 10% equivalence margin, so the paper's reading is CONTRADICTED.
  const CheckResult truth = run_truth_and_mutants("equal_delta_schedules");
  CHECK(truth.verdict == Verdict::contradicted);
  REQUIRE(truth.comparisons.size() == 4);
  for (const auto& c : truth.comparisons) {
    INFO(c.label);
    CHECK(c.estimate < -0.1);
  }
}
