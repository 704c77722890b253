#include "sim/expression_function.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <ginac/ginac.h>

#include "core/catalogue.hpp"

namespace sgds {
namespace {
const bool registered = [] {
  RegisterCatalogueEntry({"functions", "expression",
                          "your formula f in x1 .. xd (GiNaC: + - * / ^, pi, sqrt exp log "
                          "sin cos tan asin acos atan atan2 sinh cosh tanh abs)",
                          "keys dim (1..64), f, minimiser (optional: gap, dist and success need it), box ([-5, 5]); "
                          "gradient and Hessian by symbolic differentiation; CPU engine"});
  return true;
}();
}  // namespace

double ExpressionProgram::evaluate(const double* x) const {
  double stack[kMaxStack];
  int top = 0;
  for (const Instruction& in : code_) {
    switch (in.op) {
      case Op::constant:
        stack[top++] = in.value;
        break;
      case Op::variable:
        stack[top++] = x[in.count];
        break;
      case Op::add: {
        double s = stack[top - in.count];
        for (int i = top - in.count + 1; i < top; ++i) s += stack[i];
        top -= in.count - 1;
        stack[top - 1] = s;
        break;
      }
      case Op::multiply: {
        double s = stack[top - in.count];
        for (int i = top - in.count + 1; i < top; ++i) s *= stack[i];
        top -= in.count - 1;
        stack[top - 1] = s;
        break;
      }
      case Op::power_integer: {
        const double base = stack[top - 1];
        unsigned k = static_cast<unsigned>(in.count < 0 ? -in.count : in.count);
        double result = 1.0, square = base;
        for (; k; k >>= 1, square *= square)
          if (k & 1u) result *= square;
        stack[top - 1] = in.count < 0 ? 1.0 / result : result;
        break;
      }
      case Op::power:
        --top;
        stack[top - 1] = std::pow(stack[top - 1], stack[top]);
        break;
      case Op::atan2:
        --top;
        stack[top - 1] = std::atan2(stack[top - 1], stack[top]);
        break;
      case Op::sqrt:
        stack[top - 1] = std::sqrt(stack[top - 1]);
        break;
      case Op::exp:
        stack[top - 1] = std::exp(stack[top - 1]);
        break;
      case Op::log:
        stack[top - 1] = std::log(stack[top - 1]);
        break;
      case Op::sin:
        stack[top - 1] = std::sin(stack[top - 1]);
        break;
      case Op::cos:
        stack[top - 1] = std::cos(stack[top - 1]);
        break;
      case Op::tan:
        stack[top - 1] = std::tan(stack[top - 1]);
        break;
      case Op::asin:
        stack[top - 1] = std::asin(stack[top - 1]);
        break;
      case Op::acos:
        stack[top - 1] = std::acos(stack[top - 1]);
        break;
      case Op::atan:
        stack[top - 1] = std::atan(stack[top - 1]);
        break;
      case Op::sinh:
        stack[top - 1] = std::sinh(stack[top - 1]);
        break;
      case Op::cosh:
        stack[top - 1] = std::cosh(stack[top - 1]);
        break;
      case Op::tanh:
        stack[top - 1] = std::tanh(stack[top - 1]);
        break;
      case Op::abs:
        stack[top - 1] = std::fabs(stack[top - 1]);
        break;
      case Op::sign: {
        const double v = stack[top - 1];
        stack[top - 1] = v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : 0.0);
        break;
      }
    }
  }
  return stack[0];
}

void ExpressionProgram::append(Instruction instruction, int stack_change) {
  code_.push_back(instruction);
  depth_ += stack_change;
  max_depth_ = std::max(max_depth_, depth_);
}

void ExpressionFunction::hessian_vector(const double* x, const double* v, double* hv) const {
  const auto d = static_cast<std::size_t>(dim);
  for (std::size_t i = 0; i < d; ++i) {
    double s = 0.0;
    for (std::size_t j = 0; j < d; ++j) s += model->hessian[i * d + j].evaluate(x) * v[j];
    hv[i] = s;
  }
}

namespace {

using Op = ExpressionProgram::Op;
using Variables = std::map<GiNaC::ex, int, GiNaC::ex_is_less>;

// A key of e that does not depend on GiNaC's term order. GiNaC keeps the terms of a sum or
// product in the order of their hashes, which follow type-info addresses and so change from one
// run to the next; compiled in that order, a sum of three terms rounds differently each run. The
// compiler sorts the terms of every sum and product by this key instead.
std::string canonical_key(const GiNaC::ex& e) {
  using namespace GiNaC;
  if (e.nops() == 0) {  // numbers, symbols, constants: their printed form
    std::ostringstream out;
    out << e;
    return out.str();
  }
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < e.nops(); ++i) keys.push_back(canonical_key(e.op(i)));
  const bool commutative = is_a<add>(e) || is_a<mul>(e);
  if (commutative) std::sort(keys.begin(), keys.end());
  const std::string head = is_a<add>(e)        ? "+"
                           : is_a<mul>(e)      ? "*"
                           : is_a<power>(e)    ? "^"
                           : is_a<function>(e) ? ex_to<function>(e).get_name()
                                               : "?";
  return head + "(" + fmt::format("{}", fmt::join(keys, ",")) + ")";
}

struct Compiler {
  const Variables& variables;
  ConfigTable& problem;
  const std::string& formula;
  ExpressionProgram program;
  int depth = 0;

  [[noreturn]] void refuse(const std::string& why) { problem.fail("f", fmt::format("\"{}\"", formula), why); }
  void emit(Op op, int stack_change, std::int32_t count = 0, double value = 0.0) {
    depth += stack_change;
    if (depth > ExpressionProgram::kMaxStack)
      refuse(fmt::format("a formula nested less deeply (its derivatives need more than {} pending terms)",
                         ExpressionProgram::kMaxStack));
    program.append({op, count, value}, stack_change);
  }

  void compile(const GiNaC::ex& e) {
    using namespace GiNaC;
    if (is_a<numeric>(e)) {
      const numeric& n = ex_to<numeric>(e);
      if (!n.is_real()) refuse("a real-valued formula (a complex constant appeared)");
      emit(Op::constant, 1, 0, n.to_double());
    } else if (is_a<constant>(e)) {
      const ex value = e.evalf();
      if (!is_a<numeric>(value)) refuse("known constants only (pi)");
      compile(value);
    } else if (is_a<symbol>(e)) {
      const auto it = variables.find(e);
      if (it == variables.end()) refuse("variables x1 .. xd only");
      emit(Op::variable, 1, it->second);
    } else if (is_a<add>(e) || is_a<mul>(e)) {
      const auto n = static_cast<std::int32_t>(e.nops());
      std::vector<std::pair<std::string, ex>> terms;  // in canonical_key order: the same program every run
      for (std::size_t i = 0; i < e.nops(); ++i) terms.emplace_back(canonical_key(e.op(i)), e.op(i));
      std::sort(terms.begin(), terms.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& term : terms) compile(term.second);
      emit(is_a<add>(e) ? Op::add : Op::multiply, 1 - n, n);
    } else if (is_a<power>(e)) {
      const ex exponent = e.op(1);
      compile(e.op(0));
      if (is_a<numeric>(exponent) && ex_to<numeric>(exponent).is_integer() &&
          abs(ex_to<numeric>(exponent)) <= numeric(1024)) {
        emit(Op::power_integer, 0, ex_to<numeric>(exponent).to_int());
      } else if (exponent.is_equal(numeric(1, 2))) {
        emit(Op::sqrt, 0);
      } else if (exponent.is_equal(numeric(-1, 2))) {
        emit(Op::sqrt, 0);
        emit(Op::power_integer, 0, -1);
      } else {
        compile(exponent);
        emit(Op::power, -1);
      }
    } else if (is_a<function>(e)) {
      static const std::map<std::string, Op> unary{
          {"exp", Op::exp},   {"log", Op::log},   {"sin", Op::sin},   {"cos", Op::cos},   {"tan", Op::tan},
          {"asin", Op::asin}, {"acos", Op::acos}, {"atan", Op::atan}, {"sinh", Op::sinh}, {"cosh", Op::cosh},
          {"tanh", Op::tanh}, {"abs", Op::abs},   {"csgn", Op::sign}};
      const std::string name = ex_to<function>(e).get_name();
      if (name == "atan2" && e.nops() == 2) {
        compile(e.op(0));
        compile(e.op(1));
        emit(Op::atan2, -1);
        return;
      }
      const auto it = unary.find(name);
      if (it == unary.end() || e.nops() != 1)
        refuse(
            fmt::format("a formula of x1 .. xd, pi and sqrt, exp, log, sin, cos, tan, asin, acos, atan, atan2, "
                        "sinh, cosh, tanh, abs (its derivative needs '{}')",
                        name));
      compile(e.op(0));
      emit(it->second, 0);
    } else {
      refuse("a formula of x1 .. xd, numbers, + - * / ^ and the usual functions");
    }
  }
};

ExpressionProgram compile(const GiNaC::ex& e, const Variables& variables, ConfigTable& problem,
                          const std::string& formula) {
  Compiler compiler{variables, problem, formula, {}, 0};
  compiler.compile(e);
  return compiler.program;
}

// The compiled gradient (and Hessian) against central differences of the compiled f (and
// gradient) at a few points of the box: catches a wrong translation of GiNaC's expressions.
void verify_derivatives(const ExpressionModel& m, ConfigTable& problem) {
  const auto d = static_cast<std::size_t>(m.dim);
  std::vector<double> x(d), probe(d);
  int checked = 0;
  for (int p = 0; p < 3; ++p) {
    for (std::size_t j = 0; j < d; ++j) {
      const double u = std::fmod(0.5 + 0.6180339887 * static_cast<double>(j + 1) + 0.4142135624 * (p + 1), 1.0);
      x[j] = m.box_low + (m.box_high - m.box_low) * (0.1 + 0.8 * u);
    }
    if (!std::isfinite(m.f.evaluate(x.data()))) continue;
    bool finite = true;
    for (std::size_t i = 0; i < d && finite; ++i) {
      const double h = 1e-5 * (1.0 + std::fabs(x[i]));
      const auto central = [&](const ExpressionProgram& program) {
        probe = x;
        probe[i] = x[i] + h;
        const double up = program.evaluate(probe.data());
        probe[i] = x[i] - h;
        return std::pair{(up - program.evaluate(probe.data())) / (2.0 * h), std::fabs(up)};
      };
      std::vector<std::pair<const ExpressionProgram*, const ExpressionProgram*>> pairs{{&m.f, &m.gradient[i]}};
      for (std::size_t j = 0; j < d; ++j) pairs.push_back({&m.gradient[j], &m.hessian[j * d + i]});
      for (const auto& [of, derivative] : pairs) {
        const double exact = derivative->evaluate(x.data());
        const auto [estimate, scale] = central(*of);
        if (!std::isfinite(exact) || !std::isfinite(estimate)) {
          finite = false;
          break;
        }
        const double tolerance = 1e-5 * (1.0 + std::fabs(exact)) + 1e-10 * (1.0 + scale) / h;
        if (std::fabs(exact - estimate) > tolerance)
          problem.fail("f", fmt::format("\"{}\"", m.formula),
                       fmt::format("a formula whose compiled derivative matches finite differences (at x{} = {:.6g} "
                                   "it gave {:.9g}, differences {:.9g}): an sgdsmooth bug, please report it",
                                   i + 1, x[i], exact, estimate));
      }
    }
    checked += finite ? 1 : 0;
  }
  (void)checked;  // points where f or a derivative is not finite (outside its domain) are skipped
}

}  // namespace

ExpressionFunction make_expression_function(ConfigTable& problem) {
  ExpressionModel m;
  m.dim = static_cast<int>(problem.integer("dim", 1, kMaxExpressionDim, 1));
  m.formula = problem.text("f");
  const auto d = static_cast<std::size_t>(m.dim);
  if (m.formula.empty() || m.formula.size() > 4096)
    problem.fail("f", fmt::format("({} characters)", m.formula.size()),
                 "a formula of 1 to 4096 characters in x1 .. xd");
  const std::vector<double> box = problem.numbers("box", NumberRange::any(), 2, std::vector<double>{-5.0, 5.0});
  if (box.size() != 2 || !(box[0] < box[1]))
    problem.fail("box", fmt::format("[{}]", fmt::join(box, ", ")), "[low, high] with low < high");
  m.box_low = box[0];
  m.box_high = box[1];

  GiNaC::symtab table;
  Variables variables;
  std::vector<GiNaC::realsymbol> symbols;
  for (std::size_t i = 0; i < d; ++i) symbols.emplace_back(fmt::format("x{}", i + 1));
  for (std::size_t i = 0; i < d; ++i) {
    table[fmt::format("x{}", i + 1)] = symbols[i];
    variables[symbols[i]] = static_cast<int>(i);
  }
  table["pi"] = GiNaC::Pi;
  GiNaC::parser reader(table);
  reader.strict = true;  // an unknown name is an error, not a new symbol
  GiNaC::ex f;
  try {
    f = reader(m.formula);
  } catch (const std::exception& e) {
    std::string why = e.what();
    why = why.substr(0, why.find('\n'));
    if (why.rfind("find_or_insert_symbol: ", 0) == 0)
      why = why.substr(23) + fmt::format(" (variables are x1 .. x{}, and pi)", d);
    if (why.rfind("GiNaC: ", 0) == 0) why = why.substr(7);
    problem.fail("f", fmt::format("\"{}\"", m.formula), "a formula GiNaC can parse: " + why);
  }
  m.f = compile(f, variables, problem, m.formula);
  for (std::size_t i = 0; i < d; ++i) {
    const GiNaC::ex gi = f.diff(symbols[i]);
    m.gradient.push_back(compile(gi, variables, problem, m.formula));
    for (std::size_t j = 0; j < d; ++j)
      m.hessian.push_back(compile(gi.diff(symbols[j]), variables, problem, m.formula));
  }
  // Hessian rows were pushed as [i][j] = d2 f / dx_i dx_j.
  if (problem.has("minimiser")) {
    m.minimiser = problem.numbers("minimiser", NumberRange::any(), d);
    if (m.minimiser.size() != d)
      problem.fail("minimiser", fmt::format("({} numbers)", m.minimiser.size()), fmt::format("{} numbers (dim)", d));
    m.minimum_value = m.f.evaluate(m.minimiser.data());
    if (!std::isfinite(m.minimum_value))
      problem.fail("minimiser", fmt::format("[{}]", fmt::join(m.minimiser, ", ")), "a point where f is finite");
  } else {
    m.minimiser.assign(d, std::nan(""));
    m.minimum_value = std::nan("");
  }
  verify_derivatives(m, problem);
  ExpressionFunction out;
  out.dim = m.dim;
  out.model = std::make_shared<const ExpressionModel>(std::move(m));
  return out;
}

}  // namespace sgds
