#include "data/experiment_result.hpp"

#include <stdexcept>

namespace sgds {

const ObservableSeries& ExperimentResult::observable(const std::string& observable_name) const {
  for (const auto& s : series)
    if (s.name == observable_name) return s;
  throw std::out_of_range("experiment '" + name + "' has no observable '" + observable_name + "'");
}

const QuantileSeries& ExperimentResult::quantile(const std::string& observable_name) const {
  for (const auto& q : quantiles)
    if (q.name == observable_name) return q;
  throw std::out_of_range("experiment '" + name + "' has no quantiles of '" + observable_name + "'");
}

const CheckpointSeries& ExperimentResult::checkpoint_series_named(const std::string& series_name) const {
  for (const auto& s : checkpoint_series)
    if (s.name == series_name) return s;
  throw std::out_of_range("experiment '" + name + "' has no series '" + series_name + "'");
}

bool ExperimentResult::has_checkpoint_series(const std::string& series_name) const {
  for (const auto& s : checkpoint_series)
    if (s.name == series_name) return true;
  return false;
}

}  // namespace sgds
