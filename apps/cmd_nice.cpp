// sgdsmooth nice: sigma-nice diagnostics of a smoothed function along a delta sequence
// (docs/THEORY.md section 4): x*_delta by global search, the centering inequality, the smallest Hessian
// eigenvalue of f_hat on B(x*_delta, 3 delta), and the largest sigma that holds, with evidence.
#include <cmath>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "apps/command.hpp"
#include "core/config_table.hpp"
#include "theory/function_registry.hpp"
#include "theory/nice_diagnostics.hpp"

namespace sgds::app {
namespace {

struct NiceCommandOptions {
  std::string function, kernel = "gaussian", schedule = "geometric", deltas;
  int dim = 1, stages = 8, samples = 4000;
  double kernel_parameter = -1.0, kernel_scale = 1.0, delta1 = 2.0, gamma = 0.70710678, power = 1.0;
  double claim_sigma = -1.0;
  std::int64_t seed = 1;
};

std::vector<double> parse_deltas(const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    double v = 0.0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || !(v > 0.0) || (!out.empty() && !(v < out.back())))
      throw UsageError(
          fmt::format("--deltas: '{}' is not allowed: expected decreasing numbers > 0, e.g. \"1,0.5,0.25\"", item));
    out.push_back(v);
  }
  if (out.empty()) throw UsageError("--deltas: no value: expected decreasing numbers > 0, e.g. \"1,0.5,0.25\"");
  return out;
}

std::string point(const std::vector<double>& x) { return fmt::format("({:.5f})", fmt::join(x, ", ")); }

void nice_command(const NiceCommandOptions& o) {
  if (o.function.empty()) throw UsageError("nice: --function is required");
  if (o.stages < 1 || o.stages > 1000)
    throw UsageError(fmt::format("--stages {}: expected an integer in [1, 1000]", o.stages));
  if (!(o.delta1 > 0.0)) throw UsageError(fmt::format("--delta1 {}: expected a number > 0", o.delta1));
  if (!(o.gamma > 0.0 && o.gamma < 1.0))
    throw UsageError(fmt::format("--gamma {}: expected a number in (0, 1)", o.gamma));
  if (!(o.power > 0.0)) throw UsageError(fmt::format("--power {}: expected a number > 0", o.power));
  if (o.samples < 2) throw UsageError(fmt::format("--samples {}: expected an integer >= 2", o.samples));
  if (o.seed < 0 || o.seed > 4294967295LL) throw UsageError(fmt::format("--seed {}: expected 0 .. 4294967295", o.seed));
  if (o.schedule != "geometric" && o.schedule != "polynomial" && o.schedule != "explicit_go")
    throw UsageError(fmt::format("--schedule '{}': expected geometric, polynomial or explicit_go", o.schedule));
  const FunctionVariant fv = make_function(o.function, o.dim);
  const KernelSpec k = make_kernel(o.kernel, o.kernel_parameter, o.kernel_scale);
  const std::vector<double> deltas =
      o.deltas.empty() ? delta_sequence(o.schedule, o.delta1, o.stages, o.gamma, o.power) : parse_deltas(o.deltas);
  NiceOptions options;
  options.mc_samples = o.samples;
  options.seed = static_cast<std::uint32_t>(o.seed);
  if (o.dim > 2) options.grid_points = 400;
  const NiceReport r = std::visit([&](const auto& f) { return nice_diagnostics(f, k, deltas, options); }, fv);

  fmt::print("sigma-nice diagnostics: {} (d = {}), kernel {}, f_hat_delta(x) = E f(x - delta u)\n", o.function, o.dim,
             describe_kernel(k));
  fmt::print("deltas: {}\n", o.deltas.empty()
                                 ? fmt::format("{} from {:g}, {} stages{}", o.schedule, o.delta1, o.stages,
                                               o.schedule == "geometric"    ? fmt::format(", gamma {:g}", o.gamma)
                                               : o.schedule == "polynomial" ? fmt::format(", power {:g}", o.power)
                                                                            : "")
                                 : o.deltas);
  fmt::print("method: {}; x* by global search over the box [{:g}, {:g}]^d then descent; eigenvalues over {}\n",
             r.method, std::visit([](const auto& f) { return f.box_low(); }, fv),
             std::visit([](const auto& f) { return f.box_high(); }, fv),
             o.dim == 1 ? "a grid of 400 points of B(x*, 3 delta)"
                        : "x* and 400 sampled points of B(x*, 3 delta) (an upper bound on the minimum)");
  fmt::print("\n{:>3} {:>10} {:>24} {:>12} {:>12} {:>12} {:>5} {:>12} {:>14}\n", "m", "delta", "x*_delta", "f_hat(x*)",
             "|x*_m-x*_m+1|", "delta_m-d_m+1", "ok", "lam_min(x*)", "lam_min(ball)");
  for (std::size_t m = 0; m < r.stages.size(); ++m) {
    const NiceStage& s = r.stages[m];
    const bool last = m + 1 == r.stages.size();
    fmt::print("{:>3} {:>10.5g} {:>24} {:>12.6g} {:>12} {:>12} {:>5} {:>12.5g} {:>14.5g}\n", m + 1, s.delta,
               point(s.x_star), s.f_hat_at_x_star, last ? "-" : fmt::format("{:.3g}", s.centering_distance),
               last ? "-" : fmt::format("{:.3g}", s.centering_bound), last ? "-" : (s.centering_ok ? "yes" : "NO"),
               s.min_eigenvalue_at_x_star, s.min_eigenvalue);
  }
  fmt::print("\ncentering |x*_m - x*_m+1| <= delta_m - delta_m+1 at every stage: {}\n",
             r.all_centering_ok ? "holds" : "FAILS");
  int convex = 0;
  for (const auto& s : r.stages) convex += s.min_eigenvalue > 0.0;
  fmt::print("f_hat_delta_m strongly convex on B(x*_m, 3 delta_m): {} of {} stages\n", convex, r.stages.size());
  if (r.nice)
    fmt::print("largest sigma that holds at every stage: sigma = {:.6g} (new sigma-nice along this sequence)\n",
               r.sigma);
  else
    fmt::print(
        "largest sigma that holds at every stage: none (smallest eigenvalue {:.6g}{}): not sigma-nice along this "
        "sequence\n",
        r.sigma, r.all_centering_ok ? "" : ", and centering fails");
  if (!r.closed_form)
    fmt::print(
        "caution: no closed form for this function and kernel: x*, f_hat and the eigenvalues are Monte Carlo "
        "estimates ({} common random draws) with sampling error, not bounds; rerun with more --samples to see "
        "which verdicts are stable\n",
        o.samples);
  if (o.claim_sigma > 0.0)
    fmt::print(
        "claim sigma = {:g}: {} (needs every stage's lam_min(ball) >= {:g} and centering; observed min {:.6g})\n",
        o.claim_sigma, r.all_centering_ok && r.sigma >= o.claim_sigma ? "SUPPORTED" : "NOT SUPPORTED", o.claim_sigma,
        r.sigma);
  if (k.kind == KernelKind::gaussian && o.function == "rastrigin")
    fmt::print(
        "note: Gaussian-smoothed Rastrigin is convex everywhere iff delta >= {:.5f}; its curvature is below 2 "
        "wherever the ripple survives, so sigma = 2 is only approached as delta grows\n",
        rastrigin_convexity_threshold() / k.scale);
}

const RegisterCommand registered(62, [](CLI::App& cli) {
  auto o = std::make_shared<NiceCommandOptions>();
  CLI::App* nice = cli.add_subcommand(
      "nice", "sigma-nice diagnostics: centering and strong convexity of f_hat along a delta sequence");
  nice->add_option("--function", o->function, "Function name (sgdsmooth list functions)");
  nice->add_option("--dim", o->dim, "Dimension d (default 1)");
  nice->add_option("--kernel", o->kernel, "Kernel (default gaussian)");
  nice->add_option("--kernel-parameter", o->kernel_parameter, "nu (student_t) or alpha (alpha_stable, pareto)");
  nice->add_option("--kernel-scale", o->kernel_scale, "Multiplies the kernel's standard form (default 1)");
  nice->add_option("--schedule", o->schedule, "Delta sequence: geometric (default), polynomial, explicit_go");
  nice->add_option("--delta1", o->delta1, "First delta (default 2)");
  nice->add_option("--gamma", o->gamma, "Geometric ratio (default 0.70710678)");
  nice->add_option("--power", o->power, "Polynomial power p (default 1)");
  nice->add_option("--stages", o->stages, "Number of stages M (default 8)");
  nice->add_option("--deltas", o->deltas, "Explicit decreasing list \"d1,d2,...\" (overrides --schedule)");
  nice->add_option("--samples", o->samples, "Monte Carlo samples where there is no closed form (default 4000)");
  nice->add_option("--seed", o->seed, "Seed (default 1)");
  nice->add_option("--claim-sigma", o->claim_sigma, "Check a claimed sigma (e.g. 2 for 'Rastrigin is new 2-nice')");
  nice->callback([o] { nice_command(*o); });
});

}  // namespace
}  // namespace sgds::app
