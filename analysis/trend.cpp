#include "analysis/trend.hpp"

#include <algorithm>
#include <cmath>

#include "sim/experiment.hpp"

namespace sgds {

ExperimentResult run_check_experiment(const std::string& toml_text, const std::string& source, std::uint32_t seed) {
  toml::table table = parse_config_text(toml_text, source);
  ConfigTable config_table(table, source);
  const ExperimentConfig config = parse_experiment(config_table);
  return run_experiment(config, seed, true);
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
  return Comparison{label, estimate, half / kTrendZ, 0.0};
}

}  // namespace sgds
