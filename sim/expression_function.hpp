#pragma once
// A user's own objective from a formula, without C++:
//   problem = { name = "expression", dim = 2, f = "x1^2 + 10*(1 - cos(2*pi*x2))",
//               minimiser = [0.0, 0.0], box = [-5.0, 5.0] }
// GiNaC parses the formula (variables x1..xd, pi, the usual functions) and differentiates it
// symbolically; each of f, its gradient and its Hessian is compiled into a postfix program of
// double operations, so a step costs a few hundred flops rather than a symbolic evaluation. The
// compiled gradient and Hessian are compared with central differences of the compiled f when the
// config is read. CPU engine only (the CUDA engine refuses it).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config_table.hpp"

namespace sgds {

// A straight-line program over doubles: operands pushed, operators pop and push.
class ExpressionProgram {
 public:
  enum class Op : std::uint8_t {
    constant,
    variable,
    add,
    multiply,
    power_integer,
    power,
    sqrt,
    exp,
    log,
    sin,
    cos,
    tan,
    asin,
    acos,
    atan,
    sinh,
    cosh,
    tanh,
    abs,
    sign,
    atan2
  };
  struct Instruction {
    Op op;
    std::int32_t count = 0;  // operands of add and multiply, exponent of power_integer, variable index
    double value = 0.0;      // constant
  };
  static constexpr int kMaxStack = 256;

  double evaluate(const double* x) const;
  void append(Instruction instruction, int stack_change);
  std::size_t size() const { return code_.size(); }

 private:
  std::vector<Instruction> code_;
  int depth_ = 0, max_depth_ = 0;
};

struct ExpressionModel {
  std::string formula;
  int dim = 1;
  ExpressionProgram f;
  std::vector<ExpressionProgram> gradient;  // [d]
  std::vector<ExpressionProgram> hessian;   // [d * d], row-major
  std::vector<double> minimiser;            // NaN where not given
  double minimum_value = 0.0;               // f(minimiser), NaN where not given
  double box_low = -5.0, box_high = 5.0;
};

struct ExpressionFunction {
  int dim = 1;
  std::shared_ptr<const ExpressionModel> model;
  static constexpr bool differentiable = true;  // where the formula is (|x| at 0: see the docs)

  double value(const double* x) const { return model->f.evaluate(x); }
  void gradient(const double* x, double* g) const {
    for (int i = 0; i < dim; ++i) g[i] = model->gradient[static_cast<std::size_t>(i)].evaluate(x);
  }
  void hessian_vector(const double* x, const double* v, double* hv) const;
  double minimum_value() const { return model->minimum_value; }
  void minimiser(double* x) const {
    for (int i = 0; i < dim; ++i) x[i] = model->minimiser[static_cast<std::size_t>(i)];
  }
  double box_low() const { return model->box_low; }
  double box_high() const { return model->box_high; }
  double lipschitz() const { return __builtin_huge_val(); }
  double smoothness() const { return __builtin_huge_val(); }
};

inline constexpr int kMaxExpressionDim = 64;

// Reads dim, f, minimiser and box from the [problem] table (name = "expression"); refuses (one
// line, ConfigError naming problem.f) a formula GiNaC cannot parse, an unknown variable or
// function, or one whose compiled derivatives disagree with finite differences.
ExpressionFunction make_expression_function(ConfigTable& problem);

}  // namespace sgds
