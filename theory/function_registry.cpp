#include "theory/function_registry.hpp"

#include <fmt/format.h>

#include "core/catalogue.hpp"

namespace sgds {
namespace {

struct FunctionInfo {
  const char* name;
  int default_dim;
  int min_dim;
  const char* formula;
  const char* details;  // box, minimum, keys
};

// The order here is the order of `sgdsmooth list functions`.
const FunctionInfo kFunctions[] = {
    {"rastrigin", 1, 1, "10 d + sum (x_i^2 - 10 cos 2 pi x_i)", "box [-5.12, 5.12]; min 0 at 0; L_g = 2 + 40 pi^2"},
    {"ackley", 1, 1, "-20 exp(-0.2 sqrt(|x|^2/d)) - exp(sum cos(2 pi x_i)/d) + 20 + e",
     "box [-32.768, 32.768]; min 0 at 0 (kink: subgradient)"},
    {"drop_wave", 2, 1, "-(1 + cos(12 |x|)) / (|x|^2/2 + 2)", "box [-5.12, 5.12]; min -1 at 0"},
    {"schwefel", 1, 1, "418.9828872724338 d - sum x_i sin(sqrt|x_i|)", "box [-500, 500]; min ~0 at x_i = 420.968746"},
    {"griewank", 1, 1, "1 + |x|^2/4000 - prod cos(x_i / sqrt i)", "box [-600, 600]; min 0 at 0"},
    {"salomon", 1, 1, "1 - cos(2 pi |x|) + 0.1 |x|", "box [-100, 100]; min 0 at 0 (kink: subgradient); L = 2 pi + 0.1"},
    {"sphere", 1, 1, "sum x_i^2", "box [-5.12, 5.12]; min 0 at 0; L_g = 2"},
    {"rosenbrock", 2, 2, "sum_{i<d} 100 (x_{i+1} - x_i^2)^2 + (x_i - 1)^2", "box [-5, 10]; min 0 at 1; d >= 2"},
    {"alpine1", 1, 1, "sum |x_i sin x_i + 0.1 x_i|", "box [-10, 10]; min 0 at 0 (non-differentiable: subgradient)"},
    {"ellipsoid", 1, 1, "sum_i i x_i^2", "box [-5.12, 5.12]; min 0 at 0; L_g = 2 d"},
    {"rotated_ellipsoid", 1, 1, "sum_i (sum_{j<=i} x_j)^2", "box [-65.536, 65.536]; min 0 at 0"},
    {"schwefel_2_21", 1, 1, "max_i |x_i|", "box [-100, 100]; min 0 at 0 (non-differentiable: subgradient); L = 1"},
    {"hgbat", 1, 1, "|(|x|^2)^2 - (sum x)^2|^{1/2} + (|x|^2/2 + sum x)/d + 1/2",
     "box [-2, 2]; min 0 at -1 (kink: subgradient)"},
    {"happycat", 1, 1, "||x|^2 - d|^{1/4} + (|x|^2/2 + sum x)/d + 1/2", "box [-2, 2]; min 0 at -1 (kink: subgradient)"},
    {"modified_ridge", 2, 1, "|x_1| + a (sum_{i>=2} x_i^2)^alpha",
     "box [-100, 100]; min 0 at 0 (kinks: subgradient); keys a (2.0, > 0), alpha (0.1, in (0, 1])"},
    {"schaffer_f7", 2, 2, "[(1/(d-1)) sum_{i<d} sqrt(s_i)(1 + sin^2(50 s_i^0.2))]^2, s_i = |(x_i, x_{i+1})|",
     "box [-100, 100]; min 0 at 0 (kink: subgradient); d >= 2"},
    {"levy", 1, 1, "sin^2(pi w_1) + sum_{i<d} (w_i-1)^2 [1 + 10 sin^2(pi w_i + 1)] + (w_d-1)^2 [1 + sin^2(2 pi w_d)]",
     "w_i = 1 + (x_i - 1)/4; box [-10, 10]; min 0 at 1"},
    {"styblinski_tang", 1, 1, "(1/2) sum (x_i^4 - 16 x_i^2 + 5 x_i)",
     "box [-5, 5]; min -39.16617 d at x_i = -2.903534"},
    {"michalewicz", 1, 1, "-sum sin(x_i) sin^{2m}(i x_i^2 / pi)",
     "box [0, pi]; key m (10, integer >= 1); min found numerically"},
    {"drop_wave_1d", 1, 1, "sum_i -(1 + cos(12 pi x_i)) / (2 + x_i^2/2)",
     "the authors' 1-D illustration (d = 1); box [-5, 5]; min -d at 0"},
    {"quadratic", 1, 1, "x' H x / 2, H = Q diag(a c^{i/(d-1)}) Q, Q = I - 2 ee'/d if rotated else I",
     "box [-5, 5]; min 0 at 0; keys a (1.0, > 0), condition c (1.0, >= 1), rotated (false)"},
    {"double_well", 1, 1, "height (x_1^2 - 1)^2 + tilt x_1 + (k/2) sum_{i>=2} x_i^2",
     "box [-2, 2]; keys height (1.0, > 0), tilt (0.25, |tilt| < 8 height/(3 sqrt 3)), k (1.0, > 0); basin 0 = left"},
    {"gaussian_wells", 1, 1,
     "-A_s exp(-|x-c_s|^2/(2 w_s^2)) - A_w exp(-|x-c_w|^2/(2 w_w^2)) + (confinement/2)|x|^2, centres on the x_1 axis",
     "box [-3, 3]; keys depth_sharp (1.0), width_sharp (0.1), centre_sharp (-1.0), depth_wide (0.7), width_wide "
     "(0.5), centre_wide (1.0), confinement (0.05, >= 0); basin 0 = sharp"},
};

const FunctionInfo& info(const std::string& name) {
  for (const auto& f : kFunctions)
    if (name == f.name) return f;
  throw ConfigError("unknown function '" + name + "'");
}

const bool registered = [] {
  for (const auto& f : kFunctions) RegisterCatalogueEntry({"functions", f.name, f.formula, f.details});
  return true;
}();

template <class F>
F with_dim(int dim) {
  F f;
  f.dim = dim;
  return f;
}

// Builds a function with its parameters read from `table` (null: defaults).
FunctionVariant build(const std::string& name, int dim, ConfigTable* table) {
  auto number = [&](const char* key, NumberRange range, double fallback) {
    return table ? table->number(key, range, fallback) : fallback;
  };
  if (name == "rastrigin") return with_dim<Rastrigin>(dim);
  if (name == "ackley") return with_dim<Ackley>(dim);
  if (name == "drop_wave") return with_dim<DropWave>(dim);
  if (name == "schwefel") return with_dim<Schwefel>(dim);
  if (name == "griewank") return with_dim<Griewank>(dim);
  if (name == "salomon") return with_dim<Salomon>(dim);
  if (name == "sphere") return with_dim<Sphere>(dim);
  if (name == "rosenbrock") return with_dim<Rosenbrock>(dim);
  if (name == "alpine1") return with_dim<Alpine1>(dim);
  if (name == "ellipsoid") return with_dim<Ellipsoid>(dim);
  if (name == "rotated_ellipsoid") return with_dim<RotatedEllipsoid>(dim);
  if (name == "schwefel_2_21") return with_dim<Schwefel221>(dim);
  if (name == "hgbat") return with_dim<HGBat>(dim);
  if (name == "happycat") return with_dim<HappyCat>(dim);
  if (name == "modified_ridge") {
    auto f = with_dim<ModifiedRidge>(dim);
    f.a = number("a", NumberRange::positive(), 2.0);
    f.alpha = number("alpha", NumberRange::half_open(0.0, 1.0), 0.1);
    return f;
  }
  if (name == "schaffer_f7") return with_dim<SchafferF7>(dim);
  if (name == "levy") return with_dim<Levy>(dim);
  if (name == "styblinski_tang") return with_dim<StyblinskiTang>(dim);
  if (name == "michalewicz") {
    auto f = with_dim<Michalewicz>(dim);
    f.m = table ? static_cast<double>(table->integer("m", 1, 1000, 10)) : 10.0;
    return f;
  }
  if (name == "drop_wave_1d") return with_dim<DropWave1D>(dim);
  if (name == "quadratic") {
    auto f = with_dim<Quadratic>(dim);
    f.a = number("a", NumberRange::positive(), 1.0);
    f.condition = number("condition", NumberRange::at_least(1.0), 1.0);
    f.rotated = table ? table->boolean("rotated", false) : false;
    return f;
  }
  if (name == "double_well") {
    auto f = with_dim<TiltedDoubleWell>(dim);
    f.height = number("height", NumberRange::positive(), 1.0);
    const double limit = 8.0 * f.height / (3.0 * sqrt(3.0));
    f.tilt = number("tilt", NumberRange::open(-limit, limit), 0.25);
    f.k = number("k", NumberRange::positive(), 1.0);
    return f;
  }
  if (name == "gaussian_wells") {
    auto f = with_dim<GaussianWells>(dim);
    f.depth_sharp = number("depth_sharp", NumberRange::positive(), 1.0);
    f.width_sharp = number("width_sharp", NumberRange::positive(), 0.1);
    f.centre_sharp = number("centre_sharp", NumberRange::closed(-3.0, 3.0), -1.0);
    f.depth_wide = number("depth_wide", NumberRange::positive(), 0.7);
    f.width_wide = number("width_wide", NumberRange::positive(), 0.5);
    f.centre_wide = number("centre_wide", NumberRange::closed(-3.0, 3.0), 1.0);
    f.confinement = number("confinement", NumberRange::non_negative(), 0.05);
    return f;
  }
  throw ConfigError("unknown function '" + name + "'");
}

}  // namespace

std::vector<std::string> function_names() {
  std::vector<std::string> names;
  for (const auto& f : kFunctions) names.emplace_back(f.name);
  return names;
}

FunctionVariant make_function(ConfigTable& table) {
  const std::string name = table.choice("name", function_names());
  const FunctionInfo& f = info(name);
  const int dim = static_cast<int>(table.integer("dim", f.min_dim, 100000, f.default_dim));
  return build(name, dim, &table);
}

FunctionVariant make_function(const std::string& name, int dim) {
  bool known = false;
  for (const auto& f : kFunctions) known = known || name == f.name;
  if (!known) {
    const auto names = function_names();
    const std::string guess = did_you_mean(name, std::set<std::string>(names.begin(), names.end()));
    throw ConfigError(fmt::format("function: '{}' is not a function: expected one of {}{}", name,
                                  fmt::join(names, ", "), guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
  }
  const FunctionInfo& f = info(name);
  if (dim < f.min_dim || dim > 100000)
    throw ConfigError(
        fmt::format("dim: {} is not allowed for {}: expected an integer in [{}, 100000]", dim, name, f.min_dim));
  return build(name, dim, nullptr);
}

std::string function_name(const FunctionVariant& f) { return kFunctions[f.index()].name; }

}  // namespace sgds
