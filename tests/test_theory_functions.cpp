// The test-function zoo: analytic gradients and Hessian-vector products against central
// differences at random points of each box (d = 1, 2, 10), known minima, the registry.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "sim/expression_function.hpp"
#include "theory/function_registry.hpp"

using namespace sgds;

namespace {

// Central differences with a step relative to the box; tolerance scaled by the local magnitude
// of what is compared (the truncation error is O(h^2 f''')).
template <class F>
void check_derivatives(const F& f, const std::string& name, std::uint32_t seed) {
  const int d = f.dim;
  const double width = f.box_high() - f.box_low();
  const double h = 1e-6 * width;
  std::vector<double> x(d), g(d), gp(d), gm(d), v(d), hv(d), xp(d), xm(d);
  for (int trial = 0; trial < 10; ++trial) {
    RandomStream rng(seed, static_cast<std::uint32_t>(trial), 0, StreamPurpose::user);
    for (int i = 0; i < d; ++i) x[i] = f.box_low() + width * rng.uniform();
    for (int i = 0; i < d; ++i) v[i] = rng.normal();
    f.gradient(x.data(), g.data());
    f.hessian_vector(x.data(), v.data(), hv.data());
    double gscale = 0.0;
    for (int i = 0; i < d; ++i) gscale = std::max(gscale, std::fabs(g[i]));
    for (int i = 0; i < d; ++i) {
      xp = x, xm = x;
      xp[i] += h, xm[i] -= h;
      const double fd = (f.value(xp.data()) - f.value(xm.data())) / (2.0 * h);
      INFO(name << " d=" << d << " trial " << trial << " coordinate " << i << " x_i=" << x[i]);
      CHECK(std::fabs(fd - g[i]) <= 1e-5 * (1.0 + gscale) + 1e-13 * std::fabs(f.value(x.data())) / h);
    }
    for (int i = 0; i < d; ++i) xp[i] = x[i] + h * v[i], xm[i] = x[i] - h * v[i];
    f.gradient(xp.data(), gp.data());
    f.gradient(xm.data(), gm.data());
    double hscale = 0.0;
    for (int i = 0; i < d; ++i) hscale = std::max(hscale, std::fabs(hv[i]));
    for (int i = 0; i < d; ++i) {
      const double fd = (gp[i] - gm[i]) / (2.0 * h);
      INFO(name << " d=" << d << " trial " << trial << " Hv coordinate " << i);
      CHECK(std::fabs(fd - hv[i]) <= 1e-5 * (1.0 + hscale) + 1e-13 * gscale / h);
    }
  }
}

}  // namespace

TEST_CASE("analytic gradients and Hessian-vector products match central differences") {
  std::uint32_t seed = 1;
  for (const auto& name : function_names()) {
    for (int d : {1, 2, 10}) {
      if ((name == "rosenbrock" || name == "schaffer_f7") && d < 2) continue;
      const FunctionVariant f = make_function(name, d);
      std::visit([&](const auto& g) { check_derivatives(g, name, seed++); }, f);
    }
  }
}

TEST_CASE("minimiser attains minimum_value and is a stationary point or kink") {
  for (const auto& name : function_names()) {
    for (int d : {2, 5}) {
      const FunctionVariant f = make_function(name, d);
      std::visit(
          [&](const auto& g) {
            std::vector<double> x(d), y(d);
            g.minimiser(x.data());
            INFO(name << " d=" << d);
            CHECK(g.value(x.data()) == Approx(g.minimum_value()).margin(1e-8));
            // No nearby point on a small grid of perturbations is lower.
            for (int i = 0; i < d; ++i)
              for (double step : {-1e-3, 1e-3}) {
                y = x;
                y[i] += step;
                CHECK(g.value(y.data()) >= g.minimum_value() - 1e-10);
              }
          },
          f);
    }
  }
}

TEST_CASE("known minima of the benchmark literature") {
  auto minimum = [](const std::string& name, int d) {
    return std::visit([](const auto& g) { return g.minimum_value(); }, make_function(name, d));
  };
  CHECK(minimum("michalewicz", 2) == Approx(-1.8013).margin(1e-4));
  CHECK(minimum("michalewicz", 5) == Approx(-4.687658).margin(1e-6));
  CHECK(minimum("michalewicz", 10) == Approx(-9.66015).margin(1e-5));
  CHECK(minimum("styblinski_tang", 3) == Approx(-39.16617 * 3).margin(1e-4));
  CHECK(std::fabs(minimum("schwefel", 4)) < 1e-3);
}

TEST_CASE("rotated ellipsoid smoothness constant equals the power-iteration eigenvalue") {
  for (int d : {1, 2, 10}) {
    RotatedEllipsoid f;
    f.dim = d;
    std::vector<double> v(d, 1.0), w(d);
    double lambda = 0.0;
    for (int k = 0; k < 2000; ++k) {
      f.hessian_vector(nullptr, v.data(), w.data());
      lambda = std::sqrt(dot(d, w.data(), w.data()) / dot(d, v.data(), v.data()));
      for (int i = 0; i < d; ++i) v[i] = w[i] / lambda;
    }
    CHECK(f.smoothness() == Approx(lambda).epsilon(1e-9));
  }
}

TEST_CASE("basin_of separates the wells") {
  GaussianWells w;
  w.dim = 2;
  double sharp[2] = {-1.0, 0.0}, wide[2] = {1.0, 0.3};
  CHECK(w.basin_of(sharp) == 0);
  CHECK(w.basin_of(wide) == 1);
  double m[2];
  w.minimiser(m);
  CHECK(w.basin_of(m) == 0);  // defaults: the sharp well is the deeper one
  TiltedDoubleWell dw;
  double left[1] = {-1.0}, right[1] = {1.0};
  CHECK(dw.basin_of(left) == 0);
  CHECK(dw.basin_of(right) == 1);
  dw.minimiser(m);
  CHECK(m[0] < 0.0);
}

TEST_CASE("registry names round-trip and bad names are rejected") {
  for (const auto& name : function_names()) CHECK(function_name(make_function(name, 2)) == name);
  CHECK_THROWS_AS(make_function("rastrign", 2), ConfigError);
  CHECK_THROWS_AS(make_function("rosenbrock", 1), ConfigError);
  const toml::table doc =
      parse_config_text("name = \"quadratic\"\ndim = 3\na = 2.0\ncondition = 10.0\nbogus = 1", "test");
  ConfigTable table(doc, "problem");
  const FunctionVariant f = make_function(table);
  CHECK(function_dim(f) == 3);
  CHECK(std::get<Quadratic>(f).condition == 10.0);
  CHECK_THROWS_AS(table.finish(), ConfigError);  // bogus key
}

TEST_CASE("a formula's compiled gradient and Hessian-vector product match central differences") {
  const char* formulas[] = {"x1^4 - 2*x1^2 + x2^2 + 0.5*sin(3*x1*x2)",
                            "sqrt(1 + x1^2 + x2^2) + exp(-x1/3)*cos(x2) + tanh(x1 - x2) + atan(x1*x2)",
                            "log(2 + x1^2) + x2^3/(1 + x2^2) + cosh(x1/2) - sinh(x2/4) + atan2(x2, 3 + x1^2)",
                            "(x1 - 1)^2 + 100*(x2 - x1^2)^2"};
  std::uint32_t seed = 100;
  for (const char* formula : formulas) {
    toml::table t;
    t.insert("dim", std::int64_t{2});
    t.insert("f", std::string(formula));
    t.insert("box", toml::array{-2.0, 2.0});
    ConfigTable table(t, "problem");
    const ExpressionFunction f = make_expression_function(table);
    table.finish();
    check_derivatives(f, formula, seed++);
  }
  // The formula of a built-in function gives its values.
  toml::table t;
  t.insert("dim", std::int64_t{3});
  t.insert("f", "30 + x1^2 - 10*cos(2*pi*x1) + x2^2 - 10*cos(2*pi*x2) + x3^2 - 10*cos(2*pi*x3)");
  ConfigTable table(t, "problem");
  const ExpressionFunction formula = make_expression_function(table);
  const Rastrigin builtin{3};
  for (const double x : {-1.7, 0.0, 0.3, 2.9}) {
    const double point[3] = {x, 0.5 * x, -x};
    CHECK(std::fabs(formula.value(point) - builtin.value(point)) <= 1e-12 * (1.0 + std::fabs(builtin.value(point))));
  }
}
