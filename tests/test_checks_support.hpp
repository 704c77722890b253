#pragma once
// Shared by tests/test_checks_*.cpp: an exact check passes on the true theory (quick mode, the
// CLI's default seed) and fails on each of its mutants by more than twice its z threshold.
#include <catch2/catch.hpp>

#include "analysis/check.hpp"

inline void require_pass_and_mutants_fail(const std::string& name) {
  using namespace sgds;
  const CheckDefinition* check = find_check(name);
  REQUIRE(check);
  const CheckResult truth = check->run(CheckOptions{true, "", 20231115, ""});
  INFO("worst: " << truth.worst().label << " z = " << truth.worst().z());
  CHECK(truth.verdict == Verdict::pass);
  CHECK(truth.max_abs_z() <= truth.z_threshold);
  REQUIRE_FALSE(check->mutants.empty());
  for (const auto& mutant : check->mutants) {
    INFO("mutant " << mutant);
    const CheckResult r = check->run(CheckOptions{true, mutant, 20231115, ""});
    INFO("mutant worst: " << r.worst().label << " z = " << r.worst().z());
    CHECK(r.verdict == Verdict::fail);
    CHECK(r.max_abs_z() > 2 * r.z_threshold);  // caught by a wide margin, not by luck
  }
}
