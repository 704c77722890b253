#pragma once
// Mean and variance accumulated in one pass (Welford), and merged pairwise (Chan et al.), so
// partial results from fixed blocks of trajectories combine in a fixed order: the statistics do
// not depend on how many threads produced the blocks.
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/hd.hpp"

namespace sgds {

struct RunningStats {
  std::int64_t count = 0;
  double mean = 0.0;
  double m2 = 0.0;  // sum of squared deviations from the mean

  SGDS_HD void add(double x) {
    ++count;
    const double delta = x - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (x - mean);
  }

  SGDS_HD void merge(const RunningStats& other) {
    if (other.count == 0) return;
    if (count == 0) {
      *this = other;
      return;
    }
    const double n_a = static_cast<double>(count), n_b = static_cast<double>(other.count);
    const double n = n_a + n_b;
    const double delta = other.mean - mean;
    mean += delta * n_b / n;
    m2 += other.m2 + delta * delta * n_a * n_b / n;
    count += other.count;
  }

  double variance() const { return count > 1 ? m2 / static_cast<double>(count - 1) : NAN; }
  double standard_error() const { return count > 1 ? std::sqrt(variance() / static_cast<double>(count)) : NAN; }
};

// The mean of a handful of values (sharpness batches, probes, replicas) and its standard error
// sd / sqrt(n), two-pass in index order. One convention for every caller: the SE of fewer than
// two values is NaN (unknown), never 0, and the mean of none is NaN.
struct SampleMean {
  double mean = NAN, standard_error = NAN;
};

inline SampleMean sample_mean(const std::vector<double>& values) {
  SampleMean out;
  if (values.empty()) return out;
  const double n = static_cast<double>(values.size());
  double sum = 0.0;
  for (const double v : values) sum += v;
  out.mean = sum / n;
  if (values.size() < 2) return out;
  double squares = 0.0;
  for (const double v : values) squares += (v - out.mean) * (v - out.mean);
  out.standard_error = std::sqrt(squares / (n - 1) / n);
  return out;
}

}  // namespace sgds
