#pragma once
// The engine's result for one check experiment (TOML text and seed), run once per process. A
// mutant changes a check's prediction, never its data, so `sgdsmooth check --mutants` judges every
// mutant on the truth run's experiments instead of simulating them again.
#include <cstdint>
#include <string>

#include "data/experiment_result.hpp"

namespace sgds {

// Thread-safe; the reference stays valid for the life of the process.
const ExperimentResult& cached_check_experiment(const std::string& toml_text, const std::string& source,
                                                std::uint32_t seed);

// The same on one engine path (analysis/trend.hpp, engine_paths).
const ExperimentResult& cached_check_experiment_on(const std::string& path, const std::string& toml_text,
                                                   const std::string& source, std::uint32_t seed);

}  // namespace sgds
