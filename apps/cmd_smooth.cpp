// sgdsmooth smooth: f, the smoothed f_hat_delta (closed form where one exists, Monte Carlo with
// its standard error) and their gradients at given points; or, with --figure, the authors'
// illustration curves (f and f_hat on a grid under several kernels) written to a result file.
#include <cmath>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "apps/command.hpp"
#include "data/output_path.hpp"
#include "data/result_file.hpp"
#include "core/config_table.hpp"
#include "sim/expression_function.hpp"
#include "theory/smoothing.hpp"
#include "theory/smoothing_closed_forms.hpp"

namespace sgds::app {
namespace {

struct SmoothOptions {
  std::string function, expression, kernel = "gaussian", points, figure, output;
  int dim = 1, samples = 10000;
  double delta = -1.0, kernel_parameter = -1.0, kernel_scale = 1.0;
  std::int64_t seed = 1;
  bool csv = false;
};

std::vector<std::vector<double>> parse_points(const std::string& text, int dim) {
  std::vector<std::vector<double>> points;
  std::stringstream all(text);
  std::string point;
  while (std::getline(all, point, ';')) {
    std::vector<double> x;
    std::stringstream coords(point);
    std::string c;
    while (std::getline(coords, c, ',')) {
      std::size_t used = 0;
      double v = 0.0;
      try {
        v = std::stod(c, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || c.find_first_not_of(" \t", used) != std::string::npos || !std::isfinite(v))
        throw UsageError(fmt::format("--points: '{}' is not a number: expected \"x1,x2,...;y1,y2,...\"", c));
      x.push_back(v);
    }
    if (static_cast<int>(x.size()) != dim)
      throw UsageError(fmt::format("--points: point {} '{}' has {} coordinates: expected --dim = {}", points.size() + 1,
                                   point, x.size(), dim));
    points.push_back(x);
  }
  if (points.empty()) throw UsageError("--points: no point given: expected \"x1,x2,...;y1,y2,...\"");
  return points;
}

std::string vec(const std::vector<double>& v) { return fmt::format("[{:.6g}]", fmt::join(v, ", ")); }

struct PointReport {
  std::vector<double> x, grad_f, grad_closed;
  double f = 0.0, closed = NAN;
  bool has_closed = false;
  ScalarEstimate mc;
  std::vector<std::pair<std::string, VectorEstimate>> gradients;
};

template <class F>
PointReport evaluate(const F& f, const KernelSpec& k, double delta, const std::vector<double>& x, int samples,
                     std::uint32_t seed) {
  PointReport r;
  r.x = x;
  const auto d = x.size();
  r.grad_f.resize(d), r.grad_closed.assign(d, NAN);
  r.f = f.value(x.data());
  f.gradient(x.data(), r.grad_f.data());
  r.has_closed = closed_form_smoothed(f, k, delta, x.data(), &r.closed, r.grad_closed.data());
  r.mc = smoothed_value_mc(f, k, delta, x.data(), samples, seed);
  r.gradients.emplace_back("reparameterised", smoothed_gradient_mc(f, k, delta, x.data(), samples, seed + 1,
                                                                   GradientEstimator::reparameterised));
  if (k.kind == KernelKind::gaussian)
    r.gradients.emplace_back("stein",
                             smoothed_gradient_mc(f, k, delta, x.data(), samples, seed + 2, GradientEstimator::stein));
  if (k.kind == KernelKind::ball)
    r.gradients.emplace_back("sphere",
                             smoothed_gradient_mc(f, k, delta, x.data(), samples, seed + 2, GradientEstimator::sphere));
  return r;
}

void print_csv(const std::vector<PointReport>& reports, int dim, bool exists) {
  std::vector<std::string> header{"point"};
  for (int i = 0; i < dim; ++i) header.push_back(fmt::format("x{}", i + 1));
  for (const char* c : {"f", "fhat_closed", "fhat_mc", "fhat_mc_se", "fhat_exists"}) header.emplace_back(c);
  for (int i = 0; i < dim; ++i) header.push_back(fmt::format("grad_f{}", i + 1));
  for (int i = 0; i < dim; ++i) header.push_back(fmt::format("grad_fhat_closed{}", i + 1));
  for (const auto& [name, g] : reports.front().gradients)
    for (int i = 0; i < dim; ++i) {
      header.push_back(fmt::format("grad_fhat_{}{}", name, i + 1));
      header.push_back(fmt::format("grad_fhat_{}_se{}", name, i + 1));
    }
  fmt::print("{}\n", fmt::join(header, ","));
  for (std::size_t p = 0; p < reports.size(); ++p) {
    const PointReport& r = reports[p];
    std::vector<std::string> row{fmt::format("{}", p + 1)};
    for (double v : r.x) row.push_back(fmt::format("{:.17g}", v));
    for (double v : {r.f, r.closed, r.mc.mean, r.mc.se}) row.push_back(fmt::format("{:.17g}", v));
    row.push_back(exists ? "1" : "0");
    for (double v : r.grad_f) row.push_back(fmt::format("{:.17g}", v));
    for (double v : r.grad_closed) row.push_back(fmt::format("{:.17g}", v));
    for (const auto& [name, g] : r.gradients)
      for (int i = 0; i < dim; ++i) {
        row.push_back(fmt::format("{:.17g}", g.mean[static_cast<std::size_t>(i)]));
        row.push_back(fmt::format("{:.17g}", g.se[static_cast<std::size_t>(i)]));
      }
    fmt::print("{}\n", fmt::join(row, ","));
  }
}

void print_table(const std::vector<PointReport>& reports, bool exists, int p_order) {
  for (const PointReport& r : reports) {
    fmt::print("x = {}\n", vec(r.x));
    fmt::print("  f                   {:.10g}\n", r.f);
    if (r.has_closed) fmt::print("  f_hat closed form   {:.10g}\n", r.closed);
    else fmt::print("  f_hat closed form   none for this function and kernel\n");
    fmt::print("  f_hat Monte Carlo   {:.10g} +- {:.3g} (SE){}\n", r.mc.mean, r.mc.se,
               r.has_closed && r.mc.se > 0
                   ? fmt::format("   z vs closed form = {:+.2f}", (r.mc.mean - r.closed) / r.mc.se)
                   : "");
    if (!exists)
      fmt::print(
          "  WARNING: f grows like |x|^{} and E|u|^{} is infinite for this kernel: f_hat is undefined (+inf); "
          "the Monte Carlo mean does not converge\n",
          p_order, p_order);
    fmt::print("  grad f              {}\n", vec(r.grad_f));
    if (r.has_closed) fmt::print("  grad f_hat closed   {}\n", vec(r.grad_closed));
    for (const auto& [name, g] : r.gradients)
      fmt::print("  grad f_hat {:<16} {} +- {} (SE)\n", name, vec(g.mean), vec(g.se));
  }
}

void points_command(const SmoothOptions& o) {
  if (o.function.empty() == o.expression.empty())
    throw UsageError("smooth: one of --function NAME and --expression FORMULA is required (or --figure CONFIG)");
  if (!(o.delta > 0.0)) throw UsageError(fmt::format("--delta {}: expected a number > 0", o.delta));
  if (o.samples < 2) throw UsageError(fmt::format("--samples {}: expected an integer >= 2", o.samples));
  if (o.seed < 0 || o.seed > 4294967295LL) throw UsageError(fmt::format("--seed {}: expected 0 .. 4294967295", o.seed));
  const KernelSpec k = make_kernel(o.kernel, o.kernel_parameter, o.kernel_scale);
  const auto points = parse_points(o.points, o.dim);
  std::vector<PointReport> reports;
  int p_order = 0;
  bool exists = true;
  if (!o.expression.empty()) {  // a user's formula: GiNaC's derivatives, no closed form, growth not analysed
    toml::table options;
    options.insert("dim", static_cast<std::int64_t>(o.dim));
    options.insert("f", o.expression);
    ConfigTable table(options, "--expression");
    const ExpressionFunction f = make_expression_function(table);
    for (const auto& x : points)
      reports.push_back(evaluate(f, k, o.delta, x, o.samples, static_cast<std::uint32_t>(o.seed)));
  } else {
    const FunctionVariant fv = make_function(o.function, o.dim);
    p_order = function_growth_order(o.function);
    exists = kernel_moment_finite(k, p_order);
    for (const auto& x : points)
      reports.push_back(std::visit(
          [&](const auto& f) { return evaluate(f, k, o.delta, x, o.samples, static_cast<std::uint32_t>(o.seed)); },
          fv));
  }
  if (o.csv) {
    print_csv(reports, o.dim, exists);
    return;
  }
  fmt::print("function {} (d = {}), kernel {}, delta = {:g}: f_hat(x) = E f(x - delta u); {} samples, seed {}\n",
             o.expression.empty() ? o.function : "f = " + o.expression, o.dim, describe_kernel(k), o.delta, o.samples,
             o.seed);
  fmt::print(
      "normalisation: u is the kernel's standard form times its scale (gaussian: u ~ N(0, I_d), so delta is the "
      "per-coordinate std)\n");
  if (!o.expression.empty() && !kernel_moment_finite(k, 1))
    fmt::print(
        "note: a formula's growth is not analysed; with this heavy-tailed kernel E f(x - delta u) may not exist\n");
  print_table(reports, exists, p_order);
}

// --figure: the seven-kernel illustration as data (layout in data/schema.md, group /curves).
void figure_command(const SmoothOptions& o) {
  if (o.output.empty()) throw UsageError("smooth --figure: -o/--output is required");
  toml::table document = parse_config_file(o.figure);
  ConfigTable top(document, "");
  const auto seed = static_cast<std::uint32_t>(top.integer("seed", 0, 4294967295LL, 1));
  top.text("title", std::string("smoothing figure"));
  const double delta = top.number("delta", NumberRange::positive(), 0.5);
  const double x_min = top.number("x_min", NumberRange::any(), -5.0);
  const double x_max = top.number("x_max", NumberRange::open(x_min, kInf), 5.0);
  const auto points = top.integer("points", 2, 1000000, 1001);
  const auto samples = static_cast<int>(top.integer("samples", 2, 100000000, 20000));
  std::vector<std::pair<FunctionVariant, std::string>> functions;
  for (ConfigTable& t : top.tables("function")) {
    FunctionVariant f = make_function(t);
    if (function_dim(f) != 1) t.fail("dim", std::to_string(function_dim(f)), "1 (the figure is 1-D)");
    t.finish();
    for (const auto& [other, name] : functions)
      if (name == function_name(f)) t.fail("name", "\"" + name + "\"", "a function not already in the figure");
    functions.emplace_back(f, function_name(f));
  }
  struct Curve {
    KernelSpec kernel;
    std::string label;
  };
  std::vector<Curve> kernels;
  for (ConfigTable& t : top.tables("kernel")) {
    const KernelSpec k = parse_kernel(t);
    const std::string label = t.text("label", kernel_name(k.kind));
    if (!h5::valid_group_name(label)) t.fail("label", "\"" + label + "\"", h5::kGroupNameRule);
    for (const Curve& other : kernels)
      if (other.label == label) t.fail("label", "\"" + label + "\"", "a label not used by another kernel");
    kernels.push_back({k, label});
    t.finish();
  }
  top.finish();
  check_output_file(o.output, kind_name(ResultKind::smoothing), {o.figure});
  clear_stale_temporaries(o.output);
  const OutputClaim claim(o.output);

  std::vector<double> x(static_cast<std::size_t>(points));
  for (std::int64_t i = 0; i < points; ++i)
    x[static_cast<std::size_t>(i)] = x_min + (x_max - x_min) * static_cast<double>(i) / static_cast<double>(points - 1);
  const std::uint64_t n = x.size();

  ResultWriter writer(o.output, ResultKind::smoothing,
                      Provenance{command_line(), to_toml_text(document), seed, cpu_device_description(1)});
  h5::Group curves = writer.top_group("curves");
  curves.set_attribute("delta", delta);
  curves.set_attribute("samples", static_cast<std::int64_t>(samples));
  curves.set_attribute("definition", "f_hat(x) = E f(x - delta u), u = kernel standard form x scale");
  for (const auto& [fv, name] : functions) {
    h5::Group fg = curves.create_group(name);
    const int growth = function_growth_order(name);
    std::visit(
        [&](const auto& f) {
          std::vector<double> fx(n);
          for (std::size_t i = 0; i < n; ++i) fx[i] = f.value(&x[i]);
          for (const Curve& c : kernels) {
            h5::Group g = fg.create_group(c.label);
            std::vector<double> mean(n), se(n), closed(n);
            bool has_closed = true;
#pragma omp parallel for schedule(static)
            for (std::size_t i = 0; i < n; ++i) {
              const ScalarEstimate e = smoothed_value_mc(f, c.kernel, delta, &x[i], samples, seed);
              mean[i] = e.mean, se[i] = e.se;
              double v = NAN;
              if (!closed_form_smoothed(f, c.kernel, delta, &x[i], &v, nullptr)) has_closed = false;
              closed[i] = v;
            }
            g.write("x", x, {n});
            g.make_dimension_scale("x", "x");
            g.write("f", fx, {n});
            g.write("f_hat", mean, {n});
            g.write("f_hat_se", se, {n});
            for (const char* d : {"f", "f_hat", "f_hat_se"}) g.attach_dimension_scale(d, "x", 0);
            if (has_closed) {
              g.write("f_hat_closed", closed, {n});
              g.attach_dimension_scale("f_hat_closed", "x", 0);
            }
            g.set_attribute("kernel", kernel_name(c.kernel.kind));
            g.set_attribute("kernel_parameter", c.kernel.parameter);
            g.set_attribute("kernel_scale", c.kernel.scale);
            g.set_attribute("kernel_description", describe_kernel(c.kernel));
            g.set_attribute("expectation_finite", static_cast<std::int64_t>(kernel_moment_finite(c.kernel, growth)));
            g.set_attribute("symmetric", static_cast<std::int64_t>(kernel_moments(c.kernel, 1).symmetric));
          }
        },
        fv);
  }
  writer.commit();
  fmt::print("wrote {}: {} functions x {} kernels, {} points, {} samples each, delta = {:g}\n", o.output,
             functions.size(), kernels.size(), points, samples, delta);
}

const RegisterCommand registered(60, [](CLI::App& cli) {
  auto o = std::make_shared<SmoothOptions>();
  CLI::App* smooth =
      cli.add_subcommand("smooth", "Smoothed function f_hat_delta at points (closed form and Monte Carlo)");
  smooth->add_option("--function", o->function, "Function name (sgdsmooth list functions)");
  smooth->add_option(
      "--expression", o->expression,
      "Your own f in x1 .. xd (with --dim), e.g. \"x1^2 + 10*(1 - cos(2*pi*x1))\"; derivatives by GiNaC");
  smooth->add_option("--dim", o->dim, "Dimension d (default 1)");
  smooth->add_option("--kernel", o->kernel, "Kernel name (sgdsmooth list kernels), default gaussian");
  smooth->add_option("--kernel-parameter", o->kernel_parameter, "nu (student_t) or alpha (alpha_stable, pareto)");
  smooth->add_option("--kernel-scale", o->kernel_scale, "Multiplies the kernel's standard form (default 1)");
  smooth->add_option("--delta", o->delta, "Degree of smoothing delta > 0");
  smooth->add_option("--points", o->points, "Points \"x1,x2,...;y1,y2,...\" (d coordinates each)");
  smooth->add_option("--samples", o->samples, "Monte Carlo samples (default 10000)");
  smooth->add_option("--seed", o->seed, "Seed of the kernel draws (default 1)");
  smooth->add_flag("--csv", o->csv, "CSV instead of a table");
  smooth->add_option("--figure", o->figure, "Figure config (e.g. configs/smoothing_figure.toml): write curves to -o");
  smooth->add_option("-o,--output", o->output, "Result file for --figure");
  smooth->callback([o] {
    if (!o->figure.empty()) {
      if (!o->function.empty() || !o->points.empty())
        throw UsageError("smooth: --figure takes its functions and kernels from the config, not --function/--points");
      figure_command(*o);
    } else {
      points_command(*o);
    }
  });
});

}  // namespace
}  // namespace sgds::app
