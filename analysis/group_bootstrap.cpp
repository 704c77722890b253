#include "analysis/group_bootstrap.hpp"

#include <cmath>
#include <stdexcept>

namespace sgds {

double statistic_of_group_means(const std::vector<std::vector<double>>& groups,
                                const std::function<double(const std::vector<double>&)>& statistic) {
  std::vector<double> means;
  means.reserve(groups.size());
  for (const auto& g : groups) means.push_back(mean_of(g));
  return statistic(means);
}

Interval bootstrap_group_means(const std::vector<std::vector<double>>& groups,
                               const std::function<double(const std::vector<double>&)>& statistic, double confidence,
                               int replicates, std::uint32_t seed, StreamPurpose purpose) {
  if (groups.empty()) throw std::invalid_argument("bootstrap_group_means needs at least one group");
  for (const auto& g : groups)
    if (g.empty()) throw std::invalid_argument("bootstrap_group_means: a group is empty");
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(replicates));
  std::vector<double> means(groups.size());
  for (int r = 0; r < replicates; ++r) {
    for (std::size_t g = 0; g < groups.size(); ++g) {
      RandomStream rng(seed, static_cast<std::uint32_t>(r), g, purpose);
      const auto n = static_cast<std::uint32_t>(groups[g].size());
      double sum = 0.0;
      for (std::uint32_t i = 0; i < n; ++i) sum += groups[g][rng.below(n)];
      means[g] = sum / static_cast<double>(n);
    }
    const double v = statistic(means);
    if (std::isfinite(v)) values.push_back(v);
  }
  const double tail = 0.5 * (1.0 - confidence);
  // Too many undefined replicates (a statistic with no value) leave no honest interval.
  if (values.size() < static_cast<std::size_t>(replicates) * 9 / 10) return Interval{NAN, NAN};
  return Interval{sample_quantile(values, tail), sample_quantile(values, 1.0 - tail)};
}

}  // namespace sgds
