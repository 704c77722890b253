// Check: every path of the engine that runs SGD, SHB or NSHB on a quadratic gives the exact first
// and second moments of the iterates, propagated here from the update rule alone (docs/THEORY.md
// section 5, oracle 9). On f(x) = (x - x*)' H (x - x*) / 2 the iterates are linear in the noise:
//   y_{t+1} = A_t y_t + B_t xi_t,   y = (x - x*, v),
// SGD  A = I - eta H,                                     B = -eta I
// SHB / NSHB (weight w = 1 or 1 - beta): v' = beta v + w g, x' = x - eta v'
//      A = [[I - eta w H, -eta beta I], [w H, beta I]],   B = [-eta w I; w I]
// so E y and Cov y follow exactly from the noise's mean and covariance: Gaussian C/sqrt(b);
// an additive kernel's own moments times b^(-1/2); mini-batches of a finite sum from its data,
// with reshuffling's covariance within an epoch (-s^2/(n-1) between two slots of one epoch).
// The schedules (eta_t, b_t), the kernels' moments and the recorded eta, b, delta and g are
// derived here again, not taken from the library; the check compares them with what the engine
// recorded. Paths: the lane path, the per-trajectory path (record.noise = true, and every
// additive kernel and finite sum), the float32 path, and the CUDA engine where a GPU is present.
#include <cmath>
#include <map>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "analysis/check.hpp"
#include "analysis/experiment_cache.hpp"
#include "sim/experiment.hpp"

namespace sgds {
namespace {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

enum class Method { sgd, shb, nshb };
enum class Noise { gaussian, kernel, minibatch };
enum class Sampling { with_replacement, without_replacement, reshuffle };

// The schedule as this check derives it: eta and b of step t (stages of `every` steps).
struct Schedule {
  std::string kind = "constant";  // constant | lr_decay | batch_increase | hybrid
  double eta = 0.1, b = 1, every = 1, eta_factor = 1.0, batch_factor = 1.0;
  double eta_at(std::int64_t t, bool late) const {
    const std::int64_t stage = std::max<std::int64_t>(0, t / static_cast<std::int64_t>(every) - (late ? 1 : 0));
    return kind == "lr_decay" || kind == "hybrid" ? eta * std::pow(eta_factor, static_cast<double>(stage)) : eta;
  }
  double b_at(std::int64_t t) const {
    double batch = b;
    if (kind == "batch_increase" || kind == "hybrid")
      for (std::int64_t m = 0; m < t / static_cast<std::int64_t>(every); ++m) batch = std::floor(batch * batch_factor);
    return batch;
  }
  std::string toml() const {
    if (kind == "constant") return fmt::format("{{ kind = \"constant\", eta = {}, batch = {} }}", eta, b);
    if (kind == "lr_decay")
      return fmt::format("{{ kind = \"lr_decay\", eta = {}, batch = {}, every = {}, factor = {} }}", eta, b, every,
                         eta_factor);
    if (kind == "batch_increase")
      return fmt::format("{{ kind = \"batch_increase\", eta = {}, batch = {}, every = {}, factor = {} }}", eta, b,
                         every, batch_factor);
    return fmt::format("{{ kind = \"hybrid\", eta = {}, batch = {}, every = {}, eta_factor = {}, batch_factor = {} }}",
                       eta, b, every, eta_factor, batch_factor);
  }
};

// An additive kernel's per-coordinate mean and second moment at scale 1, derived from its law.
struct KernelMoments {
  std::string toml;  // the noise table's kernel keys
  double mean = 0.0, second = 1.0;
};
KernelMoments kernel_moments_of(const std::string& name, double parameter, int dim) {
  if (name == "student_t")
    return {fmt::format("kernel = \"student_t\", nu = {}", parameter), 0.0, parameter / (parameter - 2.0)};
  if (name == "box") return {"kernel = \"box\"", 0.0, 1.0 / 3.0};            // uniform on [-1, 1]
  if (name == "exponential") return {"kernel = \"exponential\"", 1.0, 2.0};  // Exp(1)
  if (name == "pareto")                                                      // x_m = 1: mean a/(a-1), E u^2 = a/(a-2)
    return {fmt::format("kernel = \"pareto\", alpha = {}", parameter), parameter / (parameter - 1.0),
            parameter / (parameter - 2.0)};
  if (name == "ball") return {"kernel = \"ball\"", 0.0, 1.0 / (dim + 2.0)};  // uniform in the unit ball
  return {"kernel = \"gaussian\"", 0.0, 1.0};
}

struct Case {
  std::string label;
  Method method = Method::sgd;
  double beta = 0.0;
  Noise noise = Noise::gaussian;
  double scale = 1.0;  // C
  std::string kernel;  // Noise::kernel
  double kernel_parameter = 0.0;
  Sampling sampling = Sampling::with_replacement;
  int samples = 0;  // finite sum: n
  Schedule schedule;
  std::int64_t steps = 120;
  int dim = 3;
  double condition = 4.0;  // quadratic eigenvalues a c^(i/(d-1)), a = 1
  bool rotated = false;
  std::string path = "lane";  // lane | general | float32 | cuda
};

std::vector<Case> cases() {
  std::vector<Case> out;
  const Schedule lr_decay{"lr_decay", 0.3, 4, 30, 0.5, 1.0};
  const Schedule batch_increase{"batch_increase", 0.12, 2, 30, 1.0, 2.0};
  const Schedule hybrid{"hybrid", 0.3, 4, 30, 0.7, 1.5};
  const Schedule constant{"constant", 0.2, 4, 1, 1.0, 1.0};
  for (const std::string path : {"lane", "general", "float32", "cuda"}) {
    out.push_back({"sgd gaussian lr_decay", Method::sgd, 0.0, Noise::gaussian, 1.0, "", 0, {}, 0, lr_decay});
    out.push_back(
        {"shb gaussian batch_increase", Method::shb, 0.6, Noise::gaussian, 0.8, "", 0, {}, 0, batch_increase});
    out.push_back({"nshb gaussian hybrid", Method::nshb, 0.8, Noise::gaussian, 1.5, "", 0, {}, 0, hybrid});
    for (auto c = out.end() - 3; c != out.end(); ++c) {
      c->path = path;
      c->label = path + " " + c->label;
    }
  }
  Case rotated{
      "general sgd gaussian rotated quadratic", Method::sgd, 0.0, Noise::gaussian, 1.0, "", 0, {}, 0, lr_decay};
  rotated.rotated = true;
  rotated.path = "general";
  out.push_back(rotated);
  const auto kernel_case = [](std::string label, Method m, double beta, std::string kernel, double parameter,
                              double scale, Schedule s) {
    Case c{std::move(label), m, beta, Noise::kernel, scale, std::move(kernel), parameter, {}, 0, s};
    c.path = "general";
    return c;
  };
  out.push_back(kernel_case("general sgd student_t(6) lr_decay", Method::sgd, 0.0, "student_t", 6.0, 0.8, lr_decay));
  out.push_back(
      kernel_case("general sgd exponential (one-sided) hybrid", Method::sgd, 0.0, "exponential", 0, 0.5, hybrid));
  out.push_back(kernel_case("general shb box constant", Method::shb, 0.5, "box", 0, 1.0, constant));
  out.push_back(
      kernel_case("general nshb pareto(5) (one-sided) lr_decay", Method::nshb, 0.7, "pareto", 5.0, 0.3, lr_decay));
  out.push_back(kernel_case("general sgd ball batch_increase", Method::sgd, 0.0, "ball", 0, 2.0, batch_increase));
  const auto batch_case = [](std::string label, Method m, double beta, Sampling s, int n, Schedule schedule) {
    Case c{std::move(label), m, beta, Noise::minibatch, 0.0, "", 0, s, n, schedule};
    c.path = "general";
    c.dim = 2;
    return c;
  };
  out.push_back(batch_case("minibatch with_replacement n=24 sgd lr_decay", Method::sgd, 0.0, Sampling::with_replacement,
                           24, {"lr_decay", 0.4, 4, 30, 0.5, 1.0}));
  out.push_back(batch_case("minibatch without_replacement n=16 b=8 shb", Method::shb, 0.5,
                           Sampling::without_replacement, 16, {"constant", 0.15, 8, 1, 1.0, 1.0}));
  out.push_back(batch_case("minibatch reshuffle n=12 b=4 sgd", Method::sgd, 0.0, Sampling::reshuffle, 12,
                           {"constant", 0.35, 4, 1, 1.0, 1.0}));
  out.push_back(batch_case("minibatch reshuffle n=12 b=5 (straddling epochs) nshb lr_decay", Method::nshb, 0.6,
                           Sampling::reshuffle, 12, {"lr_decay", 0.5, 5, 30, 0.5, 1.0}));
  out.push_back(batch_case("minibatch reshuffle n=10 batch_increase 1..8 sgd", Method::sgd, 0.0, Sampling::reshuffle,
                           10, {"batch_increase", 0.3, 1, 30, 1.0, 2.0}));
  return out;
}

std::string method_toml(const Case& c) {
  if (c.method == Method::sgd) return "{ kind = \"sgd\" }";
  return fmt::format("{{ kind = \"{}\", beta = {} }}", c.method == Method::shb ? "shb" : "nshb", c.beta);
}

std::string experiment_toml(const Case& c, std::int64_t trajectories, int index) {
  std::string problem, noise;
  if (c.noise == Noise::minibatch) {
    problem =
        fmt::format("{{ name = \"quadratic_centres\", dim = {}, samples = {}, a = 1.0, spread = 1.0, data_seed = {} }}",
                    c.dim, c.samples, 7 + index);
    const char* sampling = c.sampling == Sampling::reshuffle             ? "reshuffle"
                           : c.sampling == Sampling::without_replacement ? "without_replacement"
                                                                         : "with_replacement";
    noise = fmt::format("{{ kind = \"minibatch\", sampling = \"{}\" }}", sampling);
  } else {
    problem = fmt::format("{{ name = \"quadratic\", dim = {}, a = 1.0, condition = {}, rotated = {} }}", c.dim,
                          c.condition, c.rotated);
    noise = c.noise == Noise::gaussian
                ? fmt::format("{{ kind = \"gaussian\", scale = {} }}", c.scale)
                : fmt::format("{{ kind = \"additive\", {}, scale = {} }}",
                              kernel_moments_of(c.kernel, c.kernel_parameter, c.dim).toml, c.scale);
  }
  return fmt::format(R"(
name = "moments{}"
trajectories = {}
steps = {}
problem = {}
noise = {}
schedule = {}
optimizer = {}
init = {{ x0 = 1.5 }}
precision = "{}"
record = {{ checkpoints = 13, noise = {} }}
)",
                     index, trajectories, c.steps, problem, noise, c.schedule.toml(), method_toml(c),
                     c.path == "float32" ? "float32" : "float64",
                     c.path == "general" && c.noise == Noise::gaussian ? "true" : "false");
}

// The Hessian, minimiser and (finite sums) the data of the case's problem.
struct Landscape {
  Matrix H;
  Vector minimiser;
  Matrix centres;  // [n][d] (finite sums)
};

Landscape landscape_of(const Case& c, const ExperimentConfig& config) {
  Landscape l;
  const int d = c.dim;
  l.H = Matrix::Zero(d, d);
  l.minimiser = Vector::Zero(d);
  if (c.noise == Noise::minibatch) {
    const auto& sum = std::get<QuadraticCentresSum>(config.problem);
    l.H = Matrix::Identity(d, d) * sum.a;
    l.centres.resize(sum.n, d);
    for (int i = 0; i < sum.n; ++i)
      for (int j = 0; j < d; ++j) l.centres(i, j) = sum.centre(i)[j];
    l.minimiser = l.centres.colwise().mean().transpose();
    return l;
  }
  // H = Q diag(c^(i/(d-1))) Q with Q = I - 2 e e'/d (rotated) or I: built here from its definition.
  Matrix Q = Matrix::Identity(d, d);
  if (c.rotated) Q -= 2.0 * Matrix::Ones(d, d) / d;
  Vector eigen(d);
  for (int i = 0; i < d; ++i) eigen(i) = d > 1 ? std::pow(c.condition, static_cast<double>(i) / (d - 1)) : 1.0;
  l.H = Q * eigen.asDiagonal() * Q;
  return l;
}

// What a mutant gets wrong about the engine (the check's prediction, never the data).
struct Theory {
  bool batch_factor_inverse = false;  // noise C/b instead of C/sqrt(b)
  bool late_stage = false;            // eta's decay applied one stage late
  bool weight_ignored = false;        // NSHB's gradient weight 1 - beta taken as 1
  bool no_epoch_correlation = false;  // reshuffled slots of one epoch treated as independent
  bool no_finite_correction = false;  // without replacement treated as with replacement
  bool one_sided_mean_ignored = false;
};

struct Moments {
  std::vector<Vector> mean;    // E x per checkpoint
  std::vector<Vector> second;  // E x_i^2 per checkpoint
  std::vector<double> noise2;  // E |omega|^2 of the step before each checkpoint
};

Moments propagate(const Case& c, const Landscape& l, const std::vector<std::int64_t>& checkpoints,
                  const Theory& theory) {
  const int d = c.dim;
  const bool momentum = c.method != Method::sgd;
  const int m = momentum ? 2 * d : d;
  const double w = c.method == Method::nshb && !theory.weight_ignored ? 1.0 - c.beta : 1.0;
  const std::int64_t T = checkpoints.back();

  // The noise xi_t of every step: mean and, between steps t and t', covariance K(t, t').
  std::vector<double> eta(static_cast<std::size_t>(T)), b(eta.size());
  std::vector<std::int64_t> position(eta.size() + 1, 0);
  for (std::int64_t t = 0; t < T; ++t) {
    eta[static_cast<std::size_t>(t)] = c.schedule.eta_at(t, theory.late_stage);
    b[static_cast<std::size_t>(t)] = c.schedule.b_at(t);
    position[static_cast<std::size_t>(t) + 1] =
        position[static_cast<std::size_t>(t)] + static_cast<std::int64_t>(b[static_cast<std::size_t>(t)]);
  }
  Vector noise_mean = Vector::Zero(d);
  Matrix unit_covariance = Matrix::Identity(d, d);  // the noise covariance at b = 1
  double slot_covariance = 0.0;                     // reshuffle: between two slots of one epoch, relative
  if (c.noise == Noise::gaussian) {
    unit_covariance *= c.scale * c.scale;
  } else if (c.noise == Noise::kernel) {
    const KernelMoments k = kernel_moments_of(c.kernel, c.kernel_parameter, d);
    const double mean = theory.one_sided_mean_ignored ? 0.0 : k.mean;
    noise_mean = Vector::Constant(d, c.scale * mean);
    unit_covariance *= c.scale * c.scale * (k.second - k.mean * k.mean);
  } else {
    const Matrix centred = l.centres.rowwise() - l.centres.colwise().mean();
    const double n = static_cast<double>(c.samples);
    unit_covariance = l.H * (centred.transpose() * centred / n) * l.H.transpose();  // a^2 s^2 (population)
    slot_covariance = -1.0 / (n - 1.0);
  }
  const auto factor = [&](double batch) { return theory.batch_factor_inverse ? 1.0 / batch : 1.0 / std::sqrt(batch); };
  // Cov(xi_t, xi_t') for the finite sums, from the slots each batch takes.
  const auto finite_sum_covariance = [&](std::int64_t t, std::int64_t u) -> double {
    const double bt = b[static_cast<std::size_t>(t)], bu = b[static_cast<std::size_t>(u)];
    if (c.sampling == Sampling::with_replacement ||
        (c.sampling == Sampling::without_replacement && theory.no_finite_correction))
      return t == u ? 1.0 / bt : 0.0;
    if (c.sampling == Sampling::without_replacement)
      return t == u ? (1.0 / bt) * (c.samples - bt) / (c.samples - 1.0) : 0.0;
    // Reshuffle: slots k of step t are position_t .. position_t + b_t - 1, epoch k / n.
    const std::int64_t n = c.samples;
    std::map<std::int64_t, double> in_epoch_t, in_epoch_u;
    for (std::int64_t k = position[static_cast<std::size_t>(t)]; k < position[static_cast<std::size_t>(t) + 1]; ++k)
      in_epoch_t[k / n] += 1;
    for (std::int64_t k = position[static_cast<std::size_t>(u)]; k < position[static_cast<std::size_t>(u) + 1]; ++k)
      in_epoch_u[k / n] += 1;
    double pairs = 0.0;  // ordered slot pairs (k, l), k != l, in one epoch
    for (const auto& [epoch, count] : in_epoch_t)
      if (in_epoch_u.count(epoch)) pairs += count * in_epoch_u[epoch];
    if (t == u) pairs -= bt;
    if (theory.no_epoch_correlation) pairs = 0.0;
    return ((t == u ? bt : 0.0) + slot_covariance * pairs) / (bt * bu);
  };

  const auto A_of = [&](std::int64_t t) {
    const double e = eta[static_cast<std::size_t>(t)];
    Matrix A = Matrix::Zero(m, m);
    if (!momentum) {
      A = Matrix::Identity(d, d) - e * l.H;
    } else {
      A.topLeftCorner(d, d) = Matrix::Identity(d, d) - e * w * l.H;
      A.topRightCorner(d, d) = -e * c.beta * Matrix::Identity(d, d);
      A.bottomLeftCorner(d, d) = w * l.H;
      A.bottomRightCorner(d, d) = c.beta * Matrix::Identity(d, d);
    }
    return A;
  };
  const auto B_of = [&](std::int64_t t) {
    const double e = eta[static_cast<std::size_t>(t)];
    Matrix B(m, d);
    if (!momentum) {
      B = -e * Matrix::Identity(d, d);
    } else {
      B.topRows(d) = -e * w * Matrix::Identity(d, d);
      B.bottomRows(d) = w * Matrix::Identity(d, d);
    }
    return B;
  };

  Vector y0 = Vector::Zero(m);
  y0.head(d) = Vector::Constant(d, 1.5) - l.minimiser;
  Moments out;
  for (std::int64_t T_k : checkpoints) {
    // y_T = Phi(T, 0) y0 + sum_t H_t xi_t with H_t = Phi(T, t+1) B_t (Phi: products of A).
    std::vector<Matrix> impulse(static_cast<std::size_t>(T_k));
    Matrix phi = Matrix::Identity(m, m);
    for (std::int64_t t = T_k - 1; t >= 0; --t) {
      impulse[static_cast<std::size_t>(t)] = phi * B_of(t);
      phi = phi * A_of(t);
    }
    Vector mean = phi * y0;
    Matrix covariance = Matrix::Zero(m, m);
    for (std::int64_t t = 0; t < T_k; ++t) {
      const double ft = factor(b[static_cast<std::size_t>(t)]);
      mean += impulse[static_cast<std::size_t>(t)] * noise_mean * ft;
      if (c.noise != Noise::minibatch) {
        covariance += impulse[static_cast<std::size_t>(t)] * (unit_covariance * ft * ft) *
                      impulse[static_cast<std::size_t>(t)].transpose();
        continue;
      }
      const std::int64_t epoch_steps =
          c.sampling == Sampling::reshuffle ? c.samples : 0;  // steps that can share an epoch
      for (std::int64_t u = std::max<std::int64_t>(0, t - epoch_steps); u <= std::min(T_k - 1, t + epoch_steps); ++u) {
        const double k = finite_sum_covariance(t, u);
        if (k != 0.0)
          covariance += impulse[static_cast<std::size_t>(t)] * (unit_covariance * k) *
                        impulse[static_cast<std::size_t>(u)].transpose();
      }
    }
    const Vector x_mean = mean.head(d) + l.minimiser;
    Vector second(d);
    for (int j = 0; j < d; ++j) second(j) = covariance(j, j) + x_mean(j) * x_mean(j);
    out.mean.push_back(x_mean);
    out.second.push_back(second);
    // The noise of the step before the checkpoint: E|omega|^2 = tr K + |E omega|^2.
    const std::int64_t s = std::max<std::int64_t>(T_k - 1, 0);
    const double fs = factor(b[static_cast<std::size_t>(s)]);
    const double trace = c.noise == Noise::minibatch ? unit_covariance.trace() * finite_sum_covariance(s, s)
                                                     : unit_covariance.trace() * fs * fs;
    out.noise2.push_back(trace + (noise_mean * fs).squaredNorm());
  }
  return out;
}

// The recorded schedule quantities of the step taken at checkpoint step t (the last step at the end).
struct Recorded {
  double eta, batch, delta, temperature;
};
Recorded recorded_of(const Case& c, const Landscape& l, std::int64_t t, bool late) {
  const std::int64_t s = std::min(t, c.steps - 1);
  const double eta = c.schedule.eta_at(s, late), b = c.schedule.b_at(s);
  double C = c.scale;
  if (c.noise == Noise::minibatch) {
    const Matrix centred = l.centres.rowwise() - l.centres.colwise().mean();
    C = std::sqrt((l.H * centred.transpose() * centred * l.H.transpose()).trace() / c.samples / c.dim);
  }
  const double temperature = c.noise == Noise::minibatch ? eta * (c.samples / b - 1.0) : eta / b;
  return {eta, b, eta * C / std::sqrt(b), temperature};
}

CheckResult run_moment_check(const CheckOptions& options) {
  CheckResult result;
  result.name = "engine_moment_propagation";
  result.claim = "Every engine path gives SGD/SHB/NSHB's exact moments on quadratics (oracle 9)";
  result.provenance = "derived";
  result.z_threshold = 4.5;
  result.mutant = options.mutant;
  const std::int64_t trajectories = options.quick ? 4096 : 262144;
  result.decision_rule = fmt::format(
      "PASS iff, for every case (paths lane, per-trajectory, float32 and CUDA where a GPU is present; SGD, SHB, NSHB; "
      "Gaussian noise, five additive kernels, mini-batches with and without replacement and reshuffled; constant, "
      "lr_decay, batch_increase and hybrid schedules crossing stage boundaries), at every checkpoint and coordinate "
      "|mean of x_i - E x_i| and |mean of x_i^2 - E x_i^2| are <= {} SE ({} independent trajectories), the recorded "
      "E|omega|^2 too where recorded, and the recorded eta, b, delta = eta C / sqrt(b) and g equal this check's own "
      "derivation to 1e-9 relative",
      result.z_threshold, trajectories);
  Theory theory;
  theory.batch_factor_inverse = options.mutant == "batch_factor_inverse";
  theory.late_stage = options.mutant == "decay_one_stage_late";
  theory.weight_ignored = options.mutant == "nshb_weight_ignored";
  theory.no_epoch_correlation = options.mutant == "reshuffle_slots_independent";
  theory.no_finite_correction = options.mutant == "no_finite_population_correction";
  theory.one_sided_mean_ignored = options.mutant == "one_sided_mean_ignored";

  const bool gpu = cuda_engine_available();
  const std::vector<Case> all = cases();
  for (std::size_t index = 0; index < all.size(); ++index) {
    const Case& c = all[index];
    if (c.path == "cuda" && !gpu) continue;  // no GPU here: the CUDA engine is compared where one is
    const std::string text = experiment_toml(c, trajectories, static_cast<int>(index));
    toml::table table = parse_config_text(text, result.name);
    ConfigTable config_table(table, result.name);
    const ExperimentConfig config = parse_experiment(config_table);  // the problem's data, for the oracle
    // The text sets the path's own keys; the cache runs it once for the truth and every mutant.
    const ExperimentResult& experiment = cached_check_experiment_on(
        c.path == "cuda" ? "cuda" : "lane", text, result.name, options.seed + static_cast<std::uint32_t>(index));
    const Landscape l = landscape_of(c, config);
    const Moments exact = propagate(c, l, experiment.steps, theory);
    const ObservableSeries& x = experiment.observable("x");
    const ObservableSeries& x2 = experiment.observable("x2");
    const bool noise_recorded = c.path == "general" && c.noise == Noise::gaussian;
    for (std::size_t k = 0; k < experiment.steps.size(); ++k) {
      const std::int64_t t = experiment.steps[k];
      const Recorded expected = recorded_of(c, l, t, theory.late_stage);
      const auto deterministic = [&](const std::string& what, double recorded, double own) {
        result.comparisons.push_back(Comparison{fmt::format("{}: t={} recorded {}", c.label, t, what), recorded,
                                                1e-9 * std::max(std::fabs(own), 1e-300), own, Evidence::deterministic});
      };
      deterministic("eta", experiment.checkpoint_series_named("eta").at(k), expected.eta);
      deterministic("b", experiment.checkpoint_series_named("batch").at(k), expected.batch);
      deterministic("delta", experiment.checkpoint_series_named("delta").at(k), expected.delta);
      deterministic("temperature", experiment.checkpoint_series_named("temperature").at(k), expected.temperature);
      if (t == 0) continue;  // a deterministic start: SE 0
      for (int j = 0; j < c.dim; ++j) {
        result.comparisons.push_back(Comparison{fmt::format("{}: t={} E x_{}", c.label, t, j), x.mean_at(k, j),
                                                x.se_at(k, j), exact.mean[k](j)});
        result.comparisons.push_back(Comparison{fmt::format("{}: t={} E x_{}^2", c.label, t, j), x2.mean_at(k, j),
                                                x2.se_at(k, j), exact.second[k](j)});
      }
      if (noise_recorded) {
        const ObservableSeries& omega2 = experiment.observable("omega2");
        result.comparisons.push_back(Comparison{fmt::format("{}: t={} recorded E|omega|^2", c.label, t),
                                                omega2.mean_at(k), omega2.se_at(k), exact.noise2[k]});
      }
    }
    result.experiments.push_back(experiment);
  }
  result.verdict = decide_exact(result.comparisons, result.z_threshold);
  return result;
}

const RegisterCheck registered({"engine_moment_propagation",
                                "Every engine path gives SGD/SHB/NSHB's exact moments on quadratics (oracle 9)",
                                "derived",
                                {"batch_factor_inverse", "decay_one_stage_late", "nshb_weight_ignored",
                                 "reshuffle_slots_independent", "no_finite_population_correction",
                                 "one_sided_mean_ignored"},
                                run_moment_check});

}  // namespace
}  // namespace sgds
