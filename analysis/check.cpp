#include "analysis/check.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sgds {

std::vector<CheckDefinition>& check_registry() {
  static std::vector<CheckDefinition> registry;
  return registry;
}

RegisterCheck::RegisterCheck(CheckDefinition definition) {
  auto& registry = check_registry();
  registry.push_back(std::move(definition));
  std::sort(registry.begin(), registry.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
}

const CheckDefinition* find_check(const std::string& name) {
  for (const auto& check : check_registry())
    if (check.name == name) return &check;
  return nullptr;
}

Verdict decide_exact(const std::vector<Comparison>& comparisons, double z_threshold) {
  if (comparisons.empty()) return Verdict::fail;  // no evidence is not a pass
  for (const auto& c : comparisons) {
    const double z = c.z();
    if (!std::isfinite(z) || std::fabs(z) > z_threshold) return Verdict::fail;
  }
  return Verdict::pass;
}

}  // namespace sgds
