#pragma once
// What one experiment produces: per-checkpoint statistics of named observables, the diverged
// count, and the resolved parameters. The result file writes it; the checks read it.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/config_table.hpp"

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
  double se_at(std::size_t checkpoint, int column = 0) const {
    return standard_error[checkpoint * width + column];
  }
};

struct ExperimentResult {
  std::string name;
  ParameterMap parameters;            // every effective setting, dotted keys
  std::vector<std::int64_t> steps;    // checkpoint steps
  std::vector<std::int64_t> diverged; // cumulative diverged trajectories at each checkpoint
  std::vector<ObservableSeries> series;
  double seconds = 0.0;               // wall time of the run

  const ObservableSeries& observable(const std::string& observable_name) const;
};

}  // namespace sgds
