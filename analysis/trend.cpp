#include "analysis/trend.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sim/experiment.hpp"

namespace sgds {

ExperimentResult run_experiment_text(const std::string& toml_text, const std::string& source, std::uint32_t seed) {
  toml::table table = parse_config_text(toml_text, source);
  ConfigTable config_table(table, source);
  const ExperimentConfig config = parse_experiment(config_table);
  return run_experiment(config, seed, true);
}

std::vector<std::string> engine_paths(bool float32) {
  std::vector<std::string> paths{"lane", "general"};
  if (float32) paths.push_back("float32");
  if (cuda_engine_available()) paths.push_back("cuda");
  return paths;
}

ExperimentResult run_experiment_text_on(const std::string& path, const std::string& toml_text,
                                        const std::string& source, std::uint32_t seed) {
  toml::table table = parse_config_text(toml_text, source);
  if (path == "general") {
    if (!table.contains("record")) table.insert("record", toml::table{});
    table["record"].as_table()->insert_or_assign("noise", true);
  } else if (path == "float32") {
    table.insert_or_assign("precision", "float32");
  }
  ConfigTable config_table(table, source);
  const ExperimentConfig config = parse_experiment(config_table);
  return run_experiment(config, seed, true, path == "cuda" ? "cuda" : "cpu");
}

StreamPurpose check_purpose(std::uint32_t k) {
  return static_cast<StreamPurpose>(static_cast<std::uint32_t>(StreamPurpose::user) + 40u + k);
}

Verdict decide_trend(const Interval& interval, int predicted_sign, bool is_mutant) {
  const bool above = interval.low > 0.0, below = interval.high < 0.0;
  if (!above && !below) return Verdict::inconclusive;
  const bool as_predicted = (above && predicted_sign > 0) || (below && predicted_sign < 0);
  if (as_predicted) return Verdict::supported;
  return is_mutant ? Verdict::fail : Verdict::contradicted;
}

Verdict combine_trends(const std::vector<Verdict>& verdicts) {
  if (verdicts.empty()) return Verdict::inconclusive;
  const auto any = [&](Verdict v) { return std::find(verdicts.begin(), verdicts.end(), v) != verdicts.end(); };
  if (any(Verdict::fail)) return Verdict::fail;
  if (any(Verdict::contradicted)) return Verdict::contradicted;
  if (std::all_of(verdicts.begin(), verdicts.end(), [](Verdict v) { return v == Verdict::supported; }))
    return Verdict::supported;
  return Verdict::inconclusive;
}

Comparison trend_comparison(const std::string& label, double estimate, const Interval& interval) {
  // The half-width on the side facing the null value 0, where the decision is made.
  const double half = estimate >= 0.0 ? estimate - interval.low : interval.high - estimate;
  Comparison c{label, estimate, half / kTrendZ, 0.0, Evidence::bound};  // a decision on one side of 0
  c.interval_low = interval.low;
  c.interval_high = interval.high;
  return c;
}

void decide_trend_rows(CheckResult& result, const std::vector<Verdict>& row_verdicts) {
  if (row_verdicts.size() != result.comparisons.size())
    throw std::logic_error("check '" + result.name + "': one verdict per trend row expected");
  result.kind = CheckKind::trend;
  for (std::size_t i = 0; i < row_verdicts.size(); ++i) {
    Comparison& c = result.comparisons[i];
    c.verdict = row_verdicts[i];
    c.evidence = Evidence::bound;
    if (!c.has_interval()) {  // a row given as estimate +- SE: the 95 % interval
      c.interval_low = c.estimate - kTrendZ * c.standard_error;
      c.interval_high = c.estimate + kTrendZ * c.standard_error;
    }
  }
  result.verdict = combine_trends(row_verdicts);
}

}  // namespace sgds
