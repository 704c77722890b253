#include "data/check_record.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sgds {

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass:
      return "PASS";
    case Verdict::fail:
      return "FAIL";
    case Verdict::supported:
      return "SUPPORTED";
    case Verdict::contradicted:
      return "CONTRADICTED";
    case Verdict::inconclusive:
      return "INCONCLUSIVE";
  }
  return "?";
}

const char* evidence_name(Evidence evidence) {
  switch (evidence) {
    case Evidence::monte_carlo:
      return "monte_carlo";
    case Evidence::deterministic:
      return "deterministic";
    case Evidence::bound:
      return "bound";
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

}  // namespace sgds
