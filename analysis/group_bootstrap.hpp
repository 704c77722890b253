#pragma once
// Stratified bootstrap for trend checks: the evidence is one sample per design point (a grid value
// of b, delta, a schedule), each an independent Monte Carlo run of many trajectories. A replicate
// resamples every group's values with replacement, within the group, and hands the statistic the
// groups' resampled means; so the interval carries the Monte Carlo error of every point, which a
// bootstrap over grid points (the design is fixed, not sampled) would not.
#include <cmath>  // core/rng.hpp uses the math functions unqualified
#include <cstdint>
#include <functional>
#include <vector>

#include "analysis/statistics.hpp"
#include "core/rng.hpp"

namespace sgds {

// Percentile interval of statistic(group means) over `replicates` resamples. Replicate r, group g
// draws from RandomStream(seed, r, g, purpose): reproducible, independent of threads.
Interval bootstrap_group_means(const std::vector<std::vector<double>>& groups,
                               const std::function<double(const std::vector<double>&)>& statistic, double confidence,
                               int replicates, std::uint32_t seed, StreamPurpose purpose);

// The statistic on the groups' plain means (the point estimate).
double statistic_of_group_means(const std::vector<std::vector<double>>& groups,
                                const std::function<double(const std::vector<double>&)>& statistic);

}  // namespace sgds
