#pragma once
// The record of one check: its verdict and every row of evidence behind it. The checks
// (analysis/check.hpp) fill it; the result file (data/result_file.hpp) writes and reads it.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "data/experiment_result.hpp"

namespace sgds {

enum class Verdict { pass, fail, supported, contradicted, inconclusive };
const char* verdict_name(Verdict verdict);

// What a comparison's z means. monte_carlo: a Monte Carlo estimate against an exact value, so z
// is standard normal when the theory holds (se_calibration pools them). deterministic: a
// computation against its tolerance, written as the SE. bound: one-sided, a bound may be loose.
enum class Evidence { monte_carlo, deterministic, bound };
const char* evidence_name(Evidence evidence);  // "monte_carlo", "deterministic", "bound"

// One row of evidence: an estimate, its standard error and what the theory says.
struct Comparison {
  std::string label;  // which experiment / quantity / checkpoint
  double estimate = 0.0;
  double standard_error = 0.0;
  double oracle = 0.0;
  Evidence evidence = Evidence::monte_carlo;
  // Trend rows: the interval the rule used (a bootstrap or 95 % interval; NaN when the row's
  // interval is estimate -+ z SE) and this row's own verdict under the rule.
  double interval_low = std::numeric_limits<double>::quiet_NaN();
  double interval_high = std::numeric_limits<double>::quiet_NaN();
  Verdict verdict = Verdict::pass;
  double z() const;  // (estimate - oracle) / standard_error
  bool has_interval() const { return interval_low == interval_low && interval_high == interval_high; }
};

// Exact checks decide PASS/FAIL by |z| <= z_threshold on every comparison; trend checks decide
// SUPPORTED / CONTRADICTED / INCONCLUSIVE row by row by a rule stated up front.
enum class CheckKind { exact, trend };
const char* kind_name(CheckKind kind);  // "exact", "trend"

struct CheckResult {
  std::string name;
  std::string claim;
  std::string provenance;     // "paper", "derived", "code", "open"
  std::string decision_rule;  // stated before the data are seen
  std::string mutant;         // empty when the true theory is tested
  double z_threshold = 4.5;
  Verdict verdict = Verdict::fail;
  std::vector<Comparison> comparisons;        // all the evidence
  std::vector<ExperimentResult> experiments;  // what the engine ran for it
  double seconds = 0.0;
  CheckKind kind = CheckKind::exact;

  // The comparison with the largest |z|.
  const Comparison& worst() const;
  double max_abs_z() const;
  // The comparison that decided the verdict: for an exact check the worst one; for a trend check
  // the first row whose own verdict is the check's (the first CONTRADICTED row of a CONTRADICTED
  // check), else the first row.
  const Comparison& deciding() const;
};

}  // namespace sgds
