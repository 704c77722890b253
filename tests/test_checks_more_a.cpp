// Checks added for oracles 7 and 8 and predictions P3 and P8, in quick mode: an exact check PASSES
// on the true theory and FAILS on every mutant by a clear margin; a trend check gives its verdict
// and every mutant (a wrong prediction) ends FAIL.
#include <catch2/catch.hpp>

#include "test_checks_support.hpp"

TEST_CASE("quadratic_sharpness: passes, and its mutants fail") { require_pass_and_mutants_fail("quadratic_sharpness"); }
