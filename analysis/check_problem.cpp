#include "analysis/check_problem.hpp"

#include <sstream>

#include <fmt/format.h>

#include "analysis/trend.hpp"

namespace sgds {

CheckProblem parse_check_problem(const std::string& text) {
  const std::string source = "--problem";
  toml::table document = parse_config_text("problem = " + text, source);
  // The text must be exactly one table: no further keys or [sections] smuggled after it.
  if (document.size() != 1 || !document.get("problem") || !document.get("problem")->is_table()) {
    std::string shown;
    for (char c : text) shown += c == '\n' ? std::string("\\n") : std::string(1, c);
    throw ConfigError(
        fmt::format("config: --problem '{}': expected one inline table, e.g. "
                    "'{{ name = \"expression\", dim = 2, f = \"x1^2 + sin(3*x2)\" }}'",
                    shown));
  }
  const toml::table& inner = *document.get("problem")->as_table();
  ConfigTable table(inner, source);
  const std::string name =
      inner.get("name") && inner.get("name")->is_string() ? inner.get("name")->as_string()->get() : "";
  ProblemVariant parsed = parse_problem(table);
  if (is_finite_sum(parsed))
    throw ConfigError(
        fmt::format("config: key '--problem.name' = \"{}\" is a finite sum: expected a "
                    "function (a catalogue name or \"expression\")",
                    name));
  CheckProblem out;
  std::visit(
      [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (!FiniteSum<P>) out.function = p;
      },
      parsed);
  out.dim = std::visit([](const auto& f) { return f.dim; }, out.function);
  out.expression = std::holds_alternative<ExpressionFunction>(out.function);
  std::ostringstream canonical;
  canonical << inner;
  out.table_text = canonical.str();
  if (out.expression) {
    out.label = "f = " + std::get<ExpressionFunction>(out.function).model->formula;
  } else {
    out.label = fmt::format("{} d={}", name, out.dim);
  }
  return out;
}

std::vector<std::vector<double>> central_box_points(double low, double high, int dim, int count,
                                                    std::uint32_t first_stream, StreamPurpose purpose) {
  const double centre = 0.5 * (low + high), half = 0.25 * (high - low);
  std::vector<std::vector<double>> points;
  for (int k = 0; k < count; ++k) {
    RandomStream rng(97, first_stream + static_cast<std::uint32_t>(k), 0, purpose);
    std::vector<double> x(static_cast<std::size_t>(dim));
    for (double& v : x) v = centre + half * (2.0 * rng.uniform() - 1.0);
    points.push_back(std::move(x));
  }
  return points;
}

std::vector<std::vector<double>> check_problem_points(const CheckProblem& problem, int count) {
  const double low = std::visit([](const auto& f) { return f.box_low(); }, problem.function);
  const double high = std::visit([](const auto& f) { return f.box_high(); }, problem.function);
  return central_box_points(low, high, problem.dim, count, 0, check_purpose(30));
}

}  // namespace sgds
