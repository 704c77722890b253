#include "theory/smoothing.hpp"

#include <map>
#include <stdexcept>

namespace sgds {

int function_growth_order(const std::string& name, double confinement) {
  static const std::map<std::string, int> growth = {
      {"rastrigin", 2},         {"ackley", 0},        {"drop_wave", 0},       {"schwefel", 1},    {"griewank", 2},
      {"salomon", 1},           {"sphere", 2},        {"rosenbrock", 4},      {"alpine1", 1},     {"ellipsoid", 2},
      {"rotated_ellipsoid", 2}, {"schwefel_2_21", 1}, {"hgbat", 2},           {"happycat", 2},    {"modified_ridge", 1},
      {"schaffer_f7", 1},       {"levy", 2},          {"styblinski_tang", 4}, {"michalewicz", 0}, {"drop_wave_1d", 0},
      {"quadratic", 2},         {"double_well", 4},   {"gaussian_wells", 2}};
  if (name == "gaussian_wells" && confinement == 0.0) return 0;
  const auto it = growth.find(name);
  if (it == growth.end()) throw std::invalid_argument("function_growth_order: unknown function " + name);
  return it->second;
}

bool kernel_moment_finite(const KernelSpec& k, int p) {
  if (p == 0) return true;
  const double order = p;
  switch (k.kind) {
    case KernelKind::gaussian:
    case KernelKind::ball:
    case KernelKind::box:
    case KernelKind::exponential:
    case KernelKind::rayleigh:
      return true;
    case KernelKind::cauchy:
    case KernelKind::levy:
      return false;
    case KernelKind::pareto:
    case KernelKind::symmetric_pareto:
      return k.parameter > order;
    case KernelKind::student_t:
      return k.parameter > order;
    case KernelKind::alpha_stable:
      return k.parameter == 2.0 || k.parameter > order;
  }
  return false;
}

}  // namespace sgds
