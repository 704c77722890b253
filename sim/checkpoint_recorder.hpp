#pragma once
// Reduces per-trajectory observations at a checkpoint to mean and standard error, excluding
// diverged trajectories. Trajectories are summed in fixed blocks merged in block order, so the
// bytes do not depend on the number of threads.
#include <cstdint>
#include <string>
#include <vector>

#include "data/experiment_result.hpp"

namespace sgds {

struct ObservableSpec {
  std::string name;
  std::string description;
  int width;
};

class CheckpointRecorder {
 public:
  CheckpointRecorder(std::vector<ObservableSpec> specs, std::size_t checkpoints);

  // Total columns per trajectory (sum of widths); observations are laid out [trajectory][column].
  int columns() const { return columns_; }

  // `observations` has trajectories * columns() values; `alive[i]` is 0 for diverged ones.
  void record(std::size_t checkpoint, const std::vector<double>& observations, const std::vector<std::uint8_t>& alive);

  std::vector<ObservableSeries> take_series();

 private:
  std::vector<ObservableSeries> series_;
  int columns_ = 0;
};

// Quantiles of one column over alive trajectories: linear interpolation between order statistics
// (Hyndman-Fan type 7, numpy's default). Sorting makes it independent of the thread count. NaN
// when no trajectory is alive.
std::vector<double> column_quantiles(const std::vector<double>& observations, int columns, int column,
                                     const std::vector<std::uint8_t>& alive, const std::vector<double>& probabilities);

}  // namespace sgds
