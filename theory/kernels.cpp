#include "theory/kernels.hpp"

#include <limits>
#include <set>

#include <fmt/format.h>

#include "core/catalogue.hpp"

namespace sgds {
namespace {

struct KernelInfo {
  KernelKind kind;
  const char* name;
  const char* summary;
  const char* details;
};

const KernelInfo kKernels[] = {
    {KernelKind::gaussian, "gaussian", "u ~ N(0, I_d) (per-coordinate std = scale)",
     "E|u|^2 = d scale^2; E|u| = scale sqrt(2) Gamma((d+1)/2)/Gamma(d/2); key scale (1.0)"},
    {KernelKind::ball, "ball", "u uniform in the ball of radius scale (Hazan et al.)",
     "E|u|^2 = scale^2 d/(d+2); E|u| = scale d/(d+1); key scale (1.0)"},
    {KernelKind::box, "box", "u_i iid uniform on [-scale, scale]", "E u_i^2 = scale^2/3; key scale (1.0)"},
    {KernelKind::exponential, "exponential", "u_i iid Exp with mean scale (one-sided: shifts f_hat)",
     "E u_i = scale, E u_i^2 = 2 scale^2; key scale (1.0)"},
    {KernelKind::rayleigh, "rayleigh", "u_i iid Rayleigh(scale) (one-sided)",
     "E u_i = scale sqrt(pi/2), E u_i^2 = 2 scale^2; key scale (1.0)"},
    {KernelKind::cauchy, "cauchy", "u_i iid Cauchy(0, scale) (no mean)", "key scale (1.0)"},
    {KernelKind::levy, "levy", "u_i iid Levy(0, scale) = scale/Z^2 (one-sided, no mean)", "key scale (1.0)"},
    {KernelKind::pareto, "pareto", "u_i iid Pareto(x_m = scale, alpha) = scale U^{-1/alpha} (one-sided)",
     "mean finite for alpha > 1, variance for alpha > 2; keys alpha (1.0, > 0), scale (1.0)"},
    {KernelKind::student_t, "student_t", "u_i iid scale * t(nu) (Bailey's polar method)",
     "E u_i^2 = scale^2 nu/(nu-2) for nu > 2; keys nu (3.0, > 0), scale (1.0)"},
    {KernelKind::alpha_stable, "alpha_stable", "u_i iid symmetric alpha-stable, E e^{itu} = e^{-|scale t|^alpha} (CMS)",
     "E|u_i| = scale (2/pi) Gamma(1 - 1/alpha) for alpha > 1; alpha = 2 is N(0, 2 scale^2); keys alpha (1.5, in "
     "(0, 2]), scale (1.0); batch scale b^{1/alpha - 1}"},
    {KernelKind::symmetric_pareto, "symmetric_pareto",
     "u_i iid sign * scale U^{-1/alpha}: two-sided Pareto, |u_i| >= scale, P(|u_i| > x) = (x/scale)^-alpha",
     "E|u_i|^p finite for p < alpha, variance scale^2 alpha/(alpha-2) for alpha > 2; in the domain of attraction of "
     "the alpha-stable law for alpha < 2; keys alpha (1.5, > 0), scale (1.0)"},
};

const bool registered = [] {
  for (const auto& k : kKernels) RegisterCatalogueEntry({"kernels", k.name, k.summary, k.details});
  return true;
}();

constexpr double kInfinite = std::numeric_limits<double>::infinity();
constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

double default_parameter(KernelKind kind) {
  switch (kind) {
    case KernelKind::pareto:
      return 1.0;
    case KernelKind::symmetric_pareto:
      return 1.5;
    case KernelKind::student_t:
      return 3.0;
    case KernelKind::alpha_stable:
      return 1.5;
    default:
      return 0.0;
  }
}

}  // namespace

std::vector<std::string> kernel_names() {
  std::vector<std::string> names;
  for (const auto& k : kKernels) names.emplace_back(k.name);
  return names;
}

std::string kernel_name(KernelKind kind) { return kKernels[static_cast<int>(kind)].name; }

std::string describe_kernel(const KernelSpec& k) {
  switch (k.kind) {
    case KernelKind::pareto:
    case KernelKind::symmetric_pareto:
    case KernelKind::alpha_stable:
      return fmt::format("{}(alpha={:g}) x {:g}", kernel_name(k.kind), k.parameter, k.scale);
    case KernelKind::student_t:
      return fmt::format("student_t(nu={:g}) x {:g}", k.parameter, k.scale);
    default:
      return fmt::format("{} x {:g}", kernel_name(k.kind), k.scale);
  }
}

KernelSpec make_kernel(const std::string& name, double parameter, double scale) {
  for (const auto& k : kKernels) {
    if (name != k.name) continue;
    KernelSpec spec{k.kind, parameter < 0.0 ? default_parameter(k.kind) : parameter, scale};
    if (k.kind == KernelKind::alpha_stable && !(spec.parameter > 0.0 && spec.parameter <= 2.0))
      throw ConfigError(fmt::format("alpha: {} is not allowed: expected a number in (0, 2]", spec.parameter));
    if ((k.kind == KernelKind::pareto || k.kind == KernelKind::symmetric_pareto || k.kind == KernelKind::student_t) &&
        !(spec.parameter > 0.0))
      throw ConfigError(fmt::format("{}: {} is not allowed: expected a number > 0",
                                    k.kind == KernelKind::student_t ? "nu" : "alpha", spec.parameter));
    if (!(scale > 0.0)) throw ConfigError(fmt::format("scale: {} is not allowed: expected a number > 0", scale));
    return spec;
  }
  const auto names = kernel_names();
  const std::string guess = did_you_mean(name, std::set<std::string>(names.begin(), names.end()));
  throw ConfigError(fmt::format("kernel: '{}' is not a kernel: expected one of {}{}", name, fmt::join(names, ", "),
                                guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
}

KernelSpec parse_kernel(ConfigTable& table) {
  const std::string name = table.choice("kernel", kernel_names(), "gaussian");
  KernelSpec spec = make_kernel(name);
  spec.scale = table.number("scale", NumberRange::positive(), 1.0);
  if (spec.kind == KernelKind::student_t) spec.parameter = table.number("nu", NumberRange::positive(), 3.0);
  if (spec.kind == KernelKind::pareto) spec.parameter = table.number("alpha", NumberRange::positive(), 1.0);
  if (spec.kind == KernelKind::symmetric_pareto) spec.parameter = table.number("alpha", NumberRange::positive(), 1.5);
  if (spec.kind == KernelKind::alpha_stable)
    spec.parameter = table.number("alpha", NumberRange::half_open(0.0, 2.0), 1.5);
  return spec;
}

KernelMoments kernel_moments(const KernelSpec& k, int dim) {
  const double d = dim, s = k.scale, p = k.parameter;
  // Per coordinate (scale 1): mean, second moment, E|u_1|.
  double mean = 0.0, second = 0.0, abs_mean = 0.0;
  bool symmetric = true;
  switch (k.kind) {
    case KernelKind::gaussian: {
      const double norm = std::sqrt(2.0) * std::exp(std::lgamma((d + 1.0) / 2.0) - std::lgamma(d / 2.0));
      return {0.0, s * s, s * norm, s * s * d, s * std::sqrt(d), true};
    }
    case KernelKind::ball:
      return {0.0, s * s / (d + 2.0), s * d / (d + 1.0), s * s * d / (d + 2.0), s * std::sqrt(d / (d + 2.0)), true};
    case KernelKind::box:
      second = 1.0 / 3.0, abs_mean = 0.5;
      break;
    case KernelKind::exponential:
      mean = 1.0, second = 2.0, abs_mean = 1.0, symmetric = false;
      break;
    case KernelKind::rayleigh:
      mean = std::sqrt(kPi / 2.0), second = 2.0, abs_mean = mean, symmetric = false;
      break;
    case KernelKind::cauchy:
      mean = kUnknown, second = kInfinite, abs_mean = kInfinite;
      break;
    case KernelKind::levy:
      mean = kInfinite, second = kInfinite, abs_mean = kInfinite, symmetric = false;
      break;
    case KernelKind::pareto:
      mean = p > 1.0 ? p / (p - 1.0) : kInfinite;
      second = p > 2.0 ? p / (p - 2.0) : kInfinite;
      abs_mean = mean, symmetric = false;
      break;
    case KernelKind::symmetric_pareto:
      mean = p > 1.0 ? 0.0 : kUnknown;
      second = p > 2.0 ? p / (p - 2.0) : kInfinite;
      abs_mean = p > 1.0 ? p / (p - 1.0) : kInfinite;
      break;
    case KernelKind::student_t:
      mean = p > 1.0 ? 0.0 : kUnknown;
      second = p > 2.0 ? p / (p - 2.0) : kInfinite;
      abs_mean = p > 1.0 ? 2.0 * std::sqrt(p) * std::exp(std::lgamma((p + 1.0) / 2.0) - std::lgamma(p / 2.0)) /
                               (std::sqrt(kPi) * (p - 1.0))
                         : kInfinite;
      break;
    case KernelKind::alpha_stable:
      mean = p > 1.0 ? 0.0 : kUnknown;
      second = p == 2.0 ? 2.0 : kInfinite;
      abs_mean = p > 1.0 ? 2.0 / kPi * std::tgamma(1.0 - 1.0 / p) : kInfinite;
      break;
  }
  const double variance = std::isinf(second) ? kInfinite : second - mean * mean;
  const double mean_square_norm = d * second;
  const double mean_norm = std::isinf(abs_mean) ? kInfinite : (dim == 1 ? abs_mean : kUnknown);
  return {s * mean, s * s * variance, s * mean_norm, s * s * mean_square_norm, s * std::sqrt(mean_square_norm),
          symmetric};
}

double kernel_batch_exponent(const KernelSpec& k) {
  switch (k.kind) {
    case KernelKind::cauchy:
      return 0.0;
    case KernelKind::levy:
      return 1.0;
    case KernelKind::alpha_stable:
      return 1.0 / k.parameter - 1.0;
    case KernelKind::pareto:
    case KernelKind::symmetric_pareto:
      return k.parameter > 2.0 ? -0.5 : 1.0 / k.parameter - 1.0;
    case KernelKind::student_t:
      return k.parameter > 2.0 ? -0.5 : 1.0 / k.parameter - 1.0;
    default:
      return -0.5;
  }
}

}  // namespace sgds
