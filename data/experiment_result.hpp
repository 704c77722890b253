#pragma once
// What one experiment produces: per-checkpoint statistics of named observables, the diverged
// count, and the resolved parameters. The result file writes it; the checks read it.
#include <cstdint>
#include <string>
#include <vector>

#include "core/config_table.hpp"

namespace sgds {

// Mean and standard error of one observable at every checkpoint; `width` columns per
// checkpoint (1 for f, d for per-coordinate quantities), row-major [checkpoint][column].
struct ObservableSeries {
  std::string name;
  std::string description;
  int width = 1;
  std::vector<double> mean, standard_error;
  std::vector<std::int64_t> count;  // trajectories that contributed (alive), per checkpoint

  double mean_at(std::size_t checkpoint, int column = 0) const { return mean[checkpoint * width + column]; }
  double se_at(std::size_t checkpoint, int column = 0) const { return standard_error[checkpoint * width + column]; }
};

// Quantiles of one scalar observable over alive trajectories, [checkpoint][probability].
struct QuantileSeries {
  std::string name;  // the observable ("f", "dist", ...)
  std::string description;
  std::vector<double> probabilities;
  std::vector<double> values;

  double at(std::size_t checkpoint, std::size_t q) const { return values[checkpoint * probabilities.size() + q]; }
};

// Any other per-checkpoint quantity, [checkpoint][width]: the schedule's eta, b, delta and
// temperature g; success rate and its standard error; basin shares.
struct CheckpointSeries {
  std::string name;
  std::string description;
  int width = 1;
  std::vector<double> values;

  double at(std::size_t checkpoint, int column = 0) const { return values[checkpoint * width + column]; }
};

struct ExperimentResult {
  std::string name;
  ParameterMap parameters;             // every effective setting, dotted keys
  std::vector<std::int64_t> steps;     // checkpoint steps
  std::vector<std::int64_t> diverged;  // cumulative diverged trajectories at each checkpoint
  std::vector<ObservableSeries> series;
  std::vector<QuantileSeries> quantiles;
  std::vector<CheckpointSeries> checkpoint_series;
  // Only when the experiment asks for them (record.per_trajectory): f of every trajectory at
  // every checkpoint [trajectory][checkpoint] (NaN once diverged) and the final x [trajectory][dim].
  std::vector<double> trajectory_f, final_x;
  std::int64_t trajectories = 0;
  int dim = 0;
  double seconds = 0.0;  // wall time of the run

  const ObservableSeries& observable(const std::string& observable_name) const;
  const QuantileSeries& quantile(const std::string& observable_name) const;
  const CheckpointSeries& checkpoint_series_named(const std::string& series_name) const;
  bool has_checkpoint_series(const std::string& series_name) const;
};

}  // namespace sgds
