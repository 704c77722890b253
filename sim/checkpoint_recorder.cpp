#include "sim/checkpoint_recorder.hpp"

#include <algorithm>
#include <cmath>

#include "core/running_stats.hpp"

namespace sgds {

namespace {
// Fixed, not derived from the thread count: this is what makes the reduction order reproducible.
constexpr std::size_t kReductionBlock = 4096;
}  // namespace

CheckpointRecorder::CheckpointRecorder(std::vector<ObservableSpec> specs, std::size_t checkpoints) {
  for (auto& spec : specs) {
    ObservableSeries s;
    s.name = spec.name;
    s.description = spec.description;
    s.width = spec.width;
    s.mean.assign(checkpoints * static_cast<std::size_t>(spec.width), 0.0);
    s.standard_error.assign(checkpoints * static_cast<std::size_t>(spec.width), 0.0);
    s.count.assign(checkpoints, 0);
    columns_ += spec.width;
    series_.push_back(std::move(s));
  }
}

void CheckpointRecorder::record(std::size_t checkpoint, const std::vector<double>& observations,
                                const std::vector<std::uint8_t>& alive) {
  const std::size_t trajectories = alive.size();
  const std::size_t blocks = (trajectories + kReductionBlock - 1) / kReductionBlock;
  const std::size_t cols = static_cast<std::size_t>(columns_);
  std::vector<RunningStats> partial(blocks * cols);

#pragma omp parallel for schedule(static)
  for (std::size_t block = 0; block < blocks; ++block) {
    const std::size_t begin = block * kReductionBlock, end = std::min(trajectories, begin + kReductionBlock);
    RunningStats* stats = &partial[block * cols];
    for (std::size_t i = begin; i < end; ++i) {
      if (!alive[i]) continue;
      const double* row = &observations[i * cols];
      for (std::size_t c = 0; c < cols; ++c) stats[c].add(row[c]);
    }
  }

  std::size_t column = 0;
  for (auto& s : series_) {
    for (int w = 0; w < s.width; ++w, ++column) {
      RunningStats total;
      for (std::size_t block = 0; block < blocks; ++block) total.merge(partial[block * cols + column]);
      const std::size_t at = checkpoint * static_cast<std::size_t>(s.width) + static_cast<std::size_t>(w);
      s.mean[at] = total.count > 0 ? total.mean : NAN;
      s.standard_error[at] = total.standard_error();
      s.count[checkpoint] = total.count;
    }
  }
}

std::vector<double> column_quantiles(const std::vector<double>& observations, int columns, int column,
                                     const std::vector<std::uint8_t>& alive, const std::vector<double>& probabilities) {
  std::vector<double> values;
  values.reserve(alive.size());
  const std::size_t cols = static_cast<std::size_t>(columns);
  for (std::size_t i = 0; i < alive.size(); ++i)
    if (alive[i]) values.push_back(observations[i * cols + static_cast<std::size_t>(column)]);
  std::vector<double> out(probabilities.size(), NAN);
  if (values.empty()) return out;
  std::sort(values.begin(), values.end());
  const double last = static_cast<double>(values.size() - 1);
  for (std::size_t q = 0; q < probabilities.size(); ++q) {
    const double h = last * probabilities[q];
    const std::size_t lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, values.size() - 1);
    out[q] = values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
  }
  return out;
}

std::vector<ObservableSeries> CheckpointRecorder::take_series() { return std::move(series_); }

}  // namespace sgds
