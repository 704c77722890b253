#include "sim/experiment_result.hpp"

#include <stdexcept>

namespace sgds {

const ObservableSeries& ExperimentResult::observable(const std::string& observable_name) const {
  for (const auto& s : series)
    if (s.name == observable_name) return s;
  throw std::out_of_range("experiment '" + name + "' has no observable '" + observable_name + "'");
}

}  // namespace sgds
