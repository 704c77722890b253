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

#include "sim/experiment_result.hpp"

namespace sgds {

enum class Verdict { pass, fail, supported, contradicted, inconclusive };
const char* verdict_name(Verdict verdict);

// One row of evidence: an estimate, its standard error and what the theory says.
struct Comparison {
  std::string label;  // which experiment / quantity / checkpoint
  double estimate = 0.0;
  double standard_error = 0.0;
  double oracle = 0.0;
  double z() const;  // (estimate - oracle) / standard_error
};

struct CheckResult {
  std::string name;
  std::string claim;
  std::string provenance;     // "paper", "derived", "code", "open"
  std::string decision_rule;  // stated before the data are seen
  std::string mutant;         // empty when the true theory is tested
  double z_threshold = 4.5;
  Verdict verdict = Verdict::fail;
  std::vector<Comparison> comparisons;  // all the evidence
  std::vector<ExperimentResult> experiments;  // what the engine ran for it
  double seconds = 0.0;

  // The comparison with the largest |z| (what the table shows).
  const Comparison& worst() const;
  double max_abs_z() const;
};

struct CheckOptions {
  bool quick = false;          // smaller samples, same decision rules
  std::string mutant;          // empty: the true theory
  std::uint32_t seed = 20231115;
};

struct CheckDefinition {
  std::string name;
  std::string claim;
  std::string provenance;
  std::vector<std::string> mutants;  // names of the deliberately wrong theories it must reject
  std::function<CheckResult(const CheckOptions&)> run;
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
