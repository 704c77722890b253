#pragma once
// `sgdsmooth check NAME --problem TABLE`: a check's claim put to the user's own function, a
// catalogue function with its keys or a formula (problem = { name = "expression", ... }), instead
// of the check's built-in cases. The table is read and validated before any check runs, by the
// same parser as an experiment's [problem]; the points a check visits are drawn from a fixed
// stream inside the function's search box, so one table always gives the same rows.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "sim/experiment.hpp"  // and core/rng.hpp (StreamPurpose), which needs <cmath> first

namespace sgds {

// The functions a check can be pointed at: every catalogue function and a formula (finite sums
// have checks of their own).
using CheckFunction = VariantAppend<FunctionVariant, ExpressionFunction>::type;

struct CheckProblem {
  std::string table_text;  // the table as one inline TOML table, for the checks' experiment configs
  std::string label;       // what the rows call it: "rastrigin d=2", "f = x1^2 + ..."
  CheckFunction function;
  int dim = 1;
  bool expression = false;  // a formula: CPU engine only, double precision only
};

// Reads --problem's text: one inline TOML table, e.g. '{ name = "expression", dim = 2, f = "..." }'.
// Throws ConfigError (one line naming the key) on anything else, finite sums included.
CheckProblem parse_check_problem(const std::string& text);

// `count` points uniform in the central half of the box [low, high]^dim, point k from the fixed
// stream (97, first_stream + k, 0, purpose).
std::vector<std::vector<double>> central_box_points(double low, double high, int dim, int count,
                                                    std::uint32_t first_stream, StreamPurpose purpose);

// `count` points in the central half of the function's search box (central_box_points).
std::vector<std::vector<double>> check_problem_points(const CheckProblem& problem, int count);

}  // namespace sgds
