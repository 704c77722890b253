#include "analysis/check.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sgds {

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return "PASS";
    case Verdict::fail: return "FAIL";
    case Verdict::supported: return "SUPPORTED";
    case Verdict::contradicted: return "CONTRADICTED";
    case Verdict::inconclusive: return "INCONCLUSIVE";
  }
  return "?";
}

const char* evidence_name(Evidence evidence) {
  switch (evidence) {
    case Evidence::monte_carlo: return "monte_carlo";
    case Evidence::deterministic: return "deterministic";
    case Evidence::bound: return "bound";
  }
  return "?";
}

double Comparison::z() const { return (estimate - oracle) / standard_error; }

const Comparison& CheckResult::worst() const {
  if (comparisons.empty()) throw std::logic_error("check '" + name + "' has no comparisons");
  return *std::max_element(comparisons.begin(), comparisons.end(), [](const Comparison& a, const Comparison& b) {
    const double za = std::isfinite(a.z()) ? std::fabs(a.z()) : INFINITY;
    const double zb = std::isfinite(b.z()) ? std::fabs(b.z()) : INFINITY;
    return za < zb;
  });
}

const char* kind_name(CheckKind kind) { return kind == CheckKind::trend ? "trend" : "exact"; }

const Comparison& CheckResult::deciding() const {
  if (comparisons.empty()) throw std::logic_error("check '" + name + "' has no comparisons");
  if (kind == CheckKind::exact) return worst();
  for (const auto& c : comparisons)
    if (c.verdict == verdict) return c;
  return comparisons.front();
}

double CheckResult::max_abs_z() const {
  const double z = worst().z();
  return std::isfinite(z) ? std::fabs(z) : INFINITY;
}

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
