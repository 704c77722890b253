#pragma once
// Names to types for the test-function zoo: a config's [problem] table (name, dim and the
// function's own keys) becomes one alternative of FunctionVariant, which the engines std::visit.
// Every alternative has the interface described in theory/functions/function_common.hpp.
#include <string>
#include <variant>
#include <vector>

#include "core/config_table.hpp"
#include "theory/functions/coupled.hpp"
#include "theory/functions/landscapes.hpp"
#include "theory/functions/separable.hpp"

namespace sgds {

using FunctionVariant =
    std::variant<Rastrigin, Ackley, DropWave, Schwefel, Griewank, Salomon, Sphere, Rosenbrock, Alpine1, Ellipsoid,
                 RotatedEllipsoid, Schwefel221, HGBat, HappyCat, ModifiedRidge, SchafferF7, Levy, StyblinskiTang,
                 Michalewicz, DropWave1D, Quadratic, TiltedDoubleWell, GaussianWells>;

// Reads `name` (one of function_names()), `dim` (default 1; 2 for drop_wave, rosenbrock,
// modified_ridge and schaffer_f7, which need or are defined for d >= 2) and the function's own
// keys with their documented defaults (see `sgdsmooth list functions`). Does not call finish():
// the caller owns the table and may read more keys from it.
FunctionVariant make_function(ConfigTable& table);

// A function by name with its default parameters (for the CLI and tests); throws ConfigError.
FunctionVariant make_function(const std::string& name, int dim);

std::vector<std::string> function_names();
std::string function_name(const FunctionVariant& f);

inline int function_dim(const FunctionVariant& f) {
  return std::visit([](const auto& g) { return g.dim; }, f);
}

}  // namespace sgds
