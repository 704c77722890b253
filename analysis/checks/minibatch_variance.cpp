// Check (docs/THEORY.md section 1 and section 5, oracle 5; prediction P1): the real mini-batch noise
// omega = grad f_S(x) - grad f(x) of the engine's finite sums has E|omega|^2 = s^2(x)/b when the
// batch is drawn with replacement and (s^2(x)/b)(n - b)/(n - 1) without replacement (also per
// step under per-epoch reshuffling), s^2(x) = (1/n) sum_i |grad f_i(x) - grad f(x)|^2 computed
// exactly from the problem's data. Measured at the first step (x = x0, known exactly) for
// quadratic_centres (state-independent noise) and teacher_student (state-dependent noise), over
// b in {1, 8, 64}, i.e. the 1/b law of P1 at every batch size.
#include <cmath>

#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/trend.hpp"
#include "sim/finite_sums.hpp"

namespace sgds {
namespace {

struct ProblemCase {
  std::string toml;  // the [problem] table
  double s2;         // exact s^2 at x0
  int n;
};

double claimed_variance(double s2, double b, double n, const std::string& sampling, const std::string& mutant) {
  double v = s2 / b;
  if (mutant == "no_batch_factor") v = s2;
  if (sampling != "with_replacement" && mutant != "no_finite_population_factor") v *= (n - b) / (n - 1);
  return v;
}

CheckResult run_minibatch_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "minibatch_variance";
  result.claim =
      "Mini-batch noise has E|omega|^2 = s^2/b (with replacement), (s^2/b)(n-b)/(n-1) without (oracle 5, P1)";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.decision_rule = fmt::format(
      "PASS iff for every problem, sampling scheme and b in {{1, 8, 64}} the mean of |omega|^2 over independent "
      "trajectories at the first step is within {} SE of the exact value from the problem's data",
      result.z_threshold);
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 4096 : 65536;
  const double x0 = 0.3;
  std::vector<ProblemCase> problems;
  {
    const int n = 100;
    const QuadraticCentresSum q = QuadraticCentresSum::make(3, n, 1.5, 1.0, 11);
    const std::vector<double> x(3, x0);
    problems.push_back(
        {fmt::format("{{ name = \"quadratic_centres\", dim = 3, a = 1.5, samples = {}, spread = 1.0, data_seed = 11 }}",
                     n),
         q.sample_variance(x.data()), n});
  }
  {
    const int n = 128;
    const TeacherStudentSum t = TeacherStudentSum::make(4, 3, n, 1.0, 0.1, 12);
    const std::vector<double> x(static_cast<std::size_t>(t.dim), x0);
    problems.push_back(
        {fmt::format("{{ name = \"teacher_student\", inputs = 4, hidden = 3, samples = {}, teacher_scale = 1.0, "
                     "label_noise = 0.1, data_seed = 12 }}",
                     n),
         t.sample_variance(x.data()), n});
  }
  std::uint32_t k = 0;
  for (const ProblemCase& p : problems) {
    for (const std::string sampling : {"with_replacement", "without_replacement", "reshuffle"}) {
      for (double b : {1.0, 8.0, 64.0}) {
        const std::string text = fmt::format(R"(
name = "minibatch_case{}"
trajectories = {}
steps = 1
problem = {}
noise = {{ kind = "minibatch", sampling = "{}" }}
schedule = {{ kind = "constant", eta = 0.01, batch = {} }}
init = {{ x0 = {} }}
record = {{ checkpoints = 2, noise = true }}
)",
                                             k, trajectories, p.toml, sampling, b, x0);
        ExperimentResult experiment = run_experiment_text(text, result.name, options.seed + k++);
        const ObservableSeries& omega2 = experiment.observable("omega2");
        const std::size_t last = experiment.steps.size() - 1;
        const std::string problem_name =
            p.toml.substr(p.toml.find('"') + 1, p.toml.find('"', p.toml.find('"') + 1) - p.toml.find('"') - 1);
        result.comparisons.push_back({fmt::format("{} n={} {} b={} E|omega|^2", problem_name, p.n, sampling, b),
                                      omega2.mean_at(last), omega2.se_at(last),
                                      claimed_variance(p.s2, b, p.n, sampling, options.mutant)});
        result.experiments.push_back(std::move(experiment));
      }
    }
  }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered(
    {"minibatch_variance",
     "Mini-batch noise variance s^2/b and the (n-b)/(n-1) finite-population factor (oracle 5, P1)",
     "derived",
     {"no_batch_factor", "no_finite_population_factor"},
     run_minibatch_check});

}  // namespace
}  // namespace sgds
