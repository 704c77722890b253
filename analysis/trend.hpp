#pragma once
// What the checks share beyond analysis/check.hpp: running one engine experiment from TOML text,
// the Monte Carlo stream purposes of checks that sample on their own, and the trend decision.
//
// Trend rule (stated before the data are seen): an effect with a two-sided confidence interval
// and a predicted sign is SUPPORTED when the interval excludes 0 on the predicted side,
// CONTRADICTED when it excludes 0 on the other side, INCONCLUSIVE otherwise. A mutant predicts a
// different sign; when the data exclude the mutant's prediction its verdict is FAIL (the CLI's
// "caught"), otherwise SUPPORTED or INCONCLUSIVE ("not caught").
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/check.hpp"
#include "analysis/statistics.hpp"
#include "core/rng.hpp"

namespace sgds {

// Parse one [experiment]-style table from TOML text and run it on the CPU engine (quietly).
ExperimentResult run_experiment_text(const std::string& toml_text, const std::string& source, std::uint32_t seed);

// The engine paths an exact check runs its experiments on: "lane" (the vectorised path, where it
// applies), "general" (the per-trajectory path, forced by record.noise = true), "float32" (when
// `float32`: the single-precision step) and "cuda" (the GPU engine, only where a GPU is present).
std::vector<std::string> engine_paths(bool float32 = true);

// The same experiment on one of those paths (the text's own keys plus the path's).
ExperimentResult run_experiment_text_on(const std::string& path, const std::string& toml_text,
                                        const std::string& source, std::uint32_t seed);

// Stream purposes for checks' own Monte Carlo (kernel draws, bootstrap seeds): clear of the
// engine's purposes (user, user + 1, ...).
StreamPurpose check_purpose(std::uint32_t k);

// predicted_sign: +1 or -1. `is_mutant`: a refuted prediction becomes FAIL instead of CONTRADICTED.
Verdict decide_trend(const Interval& interval, int predicted_sign, bool is_mutant);

// Several trend decisions into one verdict: any FAIL -> FAIL, else any CONTRADICTED ->
// CONTRADICTED, else all SUPPORTED -> SUPPORTED, else INCONCLUSIVE.
Verdict combine_trends(const std::vector<Verdict>& verdicts);

// A trend's effect as a table row: estimate, the interval the rule uses, and an SE such that
// estimate -+ z95 SE is the interval's end facing the null value 0 (the oracle column).
Comparison trend_comparison(const std::string& label, double estimate, const Interval& interval);

// A trend check's verdict from its rows' own verdicts (one per comparison, in order): stored on
// the rows (what the tables show as "decided by"), combined by combine_trends.
void decide_trend_rows(CheckResult& result, const std::vector<Verdict>& row_verdicts);
inline constexpr double kTrendZ = 1.959963984540054;  // two-sided 95 %

}  // namespace sgds
