#pragma once
// A check turns one claim of the theory into a measured verdict that can fail.
//
// Exact oracles decide PASS/FAIL at |estimate - truth| <= z SE. Trend claims (added by later
// checks) decide SUPPORTED / CONTRADICTED / INCONCLUSIVE by a rule stated up front. Every check
// names mutants: deliberately wrong versions of the theory it tests, which must FAIL; running a
// mutant is how we show the check has power.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/check_record.hpp"

namespace sgds {

struct CheckOptions {
  bool quick = false;  // smaller samples, same decision rules
  std::string mutant;  // empty: the true theory
  std::uint32_t seed = 20231115;
  std::string problem;  // --problem: the user's function as one inline TOML table; empty: the check's own cases
};

struct CheckDefinition {
  std::string name;
  std::string claim;
  std::string provenance;
  std::vector<std::string> mutants;  // names of the deliberately wrong theories it must reject
  std::function<CheckResult(const CheckOptions&)> run;
  bool accepts_problem = false;  // can be pointed at the user's function (--problem)
};

// Registry of every check; a check's source file registers itself with a static RegisterCheck.
std::vector<CheckDefinition>& check_registry();
struct RegisterCheck {
  explicit RegisterCheck(CheckDefinition definition);
};
const CheckDefinition* find_check(const std::string& name);

// Exact-oracle decision: PASS iff every comparison has |z| <= z_threshold and a finite SE.
Verdict decide_exact(const std::vector<Comparison>& comparisons, double z_threshold);

}  // namespace sgds
