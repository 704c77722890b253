// The exact checks of the validation suite that run SGD through the CPU engine, in quick mode:
// each PASSES on the true theory and FAILS on every one of its mutants by a clear margin.
#include <catch2/catch.hpp>

#include "test_checks_support.hpp"

TEST_CASE("momentum_stationary_variance: passes, and its mutants fail") {
  require_pass_and_mutants_fail("momentum_stationary_variance");
}

TEST_CASE("one_step_identity: passes, and its mutants fail") { require_pass_and_mutants_fail("one_step_identity"); }

TEST_CASE("minibatch_variance: passes, and its mutants fail") { require_pass_and_mutants_fail("minibatch_variance"); }

TEST_CASE("lyapunov_covariance: passes, and its mutants fail") { require_pass_and_mutants_fail("lyapunov_covariance"); }
