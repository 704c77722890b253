#include "sim/nn/trainer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>

#include <Eigen/Core>

#include "sim/allocator_tuning.hpp"
#include "sim/nn/batch.hpp"
#include "sim/nn/curvature.hpp"
#include "sim/nn/full_gradient.hpp"
#include "sim/nn/gradient_noise.hpp"
#include "sim/nn/network.hpp"
#include "sim/nn/sample_order.hpp"
#include "sim/parallel_errors.hpp"
#include "core/rng.hpp"
#include "core/running_stats.hpp"

namespace sgds::nn {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kEvaluationBatch = 500;

struct Evaluation {
  double loss = 0.0, accuracy = 0.0;
};

Evaluation evaluate(Network<float>& net, const Architecture& arch, const float* w, const Dataset& set) {
  Matrix<float> x;
  std::vector<std::int32_t> y;
  std::vector<std::uint32_t> idx(set.size());
  std::iota(idx.begin(), idx.end(), 0u);
  double loss = 0.0;
  std::int64_t correct = 0;
  for (std::size_t begin = 0; begin < set.size(); begin += kEvaluationBatch) {
    const int count = static_cast<int>(std::min<std::size_t>(kEvaluationBatch, set.size() - begin));
    gather_batch(set, arch, idx.data() + begin, count, x, y);
    const BatchOutcome o = net.run(w, x, y.data(), nullptr);
    loss += o.loss_sum;
    correct += o.correct;
  }
  const double n = static_cast<double>(set.size());
  return {loss / n, static_cast<double>(correct) / n};
}

// The loss over fixed samples in double precision, as an Objective for the curvature tools.
Objective fixed_sample_objective(Network<double>& net, const Architecture& arch, const Dataset& set,
                                 const std::vector<std::uint32_t>& indices, std::size_t begin, int count) {
  auto x = std::make_shared<Matrix<double>>();
  auto y = std::make_shared<std::vector<std::int32_t>>();
  gather_batch(set, arch, indices.data() + begin, count, *x, *y);
  return [&net, x, y, count](const VectorXd& w, VectorXd* gradient) {
    if (gradient) gradient->resize(w.size());
    return net.run(w.data(), *x, y->data(), gradient ? gradient->data() : nullptr).loss_sum / count;
  };
}

// Column indices of the tables, in the order they are written.
enum Column : int {
  train_loss,
  train_accuracy,
  test_loss,
  test_accuracy,
  c2,
  c2_se,
  gradient_norm,
  gradient_norm_unbiased,
  gradient_norm_full,
  delta,
  delta_per_coordinate,
  tail_index,
  column_count
};
const char* const kColumnNames[column_count] = {"train_loss",
                                                "train_accuracy",
                                                "test_loss",
                                                "test_accuracy",
                                                "c2",
                                                "c2_se",
                                                "gradient_norm",
                                                "gradient_norm_unbiased",
                                                "gradient_norm_full",
                                                "delta",
                                                "delta_per_coordinate",
                                                "tail_index"};
const char* const kColumnDescriptions[column_count] = {
    "mean cross-entropy over the epoch's mini-batches (at the weights each batch saw)",
    "accuracy over the epoch's mini-batches",
    "mean cross-entropy on the test set",
    "accuracy on the test set",
    "per-sample gradient variance sum_i ||g_i - g_bar||^2/(m-1) (trace convention, docs/THEORY.md 1)",
    "standard error of c2 (batch means over groups of 32 samples)",
    "||g_bar||, mean gradient over the C^2 samples",
    "sqrt(max(0, ||g_bar||^2 - c2/m)), an unbiased-squared estimate of the full-gradient norm",
    "||grad f(w)|| over every training sample (measure.full_gradient; NaN when off)",
    "eta sqrt(c2)/sqrt(b) for sgd (E||u||^2 = 1); the SHB/NSHB bounds of docs/THEORY.md 3 with K^2 = "
    "gradient_norm_unbiased^2 for momentum",
    "delta / sqrt(parameters): the per-coordinate convention of theory/schedules.hpp",
    "tail index alpha of the per-sample gradient noise, same samples: the block-sum estimator (blocks of "
    "measure.tail_block) on "
    "up to 4096 evenly spaced coordinates, 1/mean(1/alpha_c) (docs/THEORY.md 3.5; 2 for Gaussian noise)"};

enum FinalColumn : int {
  hessian_top_eigenvalue,
  hessian_trace,
  hessian_trace_se,
  sharpness_worst_linf,
  sharpness_worst_linf_se,
  sharpness_average,
  sharpness_average_se,
  diverged_epoch,
  final_count
};
const char* const kFinalNames[final_count] = {"hessian_top_eigenvalue", "hessian_trace",           "hessian_trace_se",
                                              "sharpness_worst_linf",   "sharpness_worst_linf_se", "sharpness_average",
                                              "sharpness_average_se",   "diverged_epoch"};
const char* const kFinalDescriptions[final_count] = {
    "power iteration on finite-difference Hessian-vector products over curvature_samples training samples",
    "Hutchinson estimate (Rademacher probes) of the Hessian trace, same samples",
    "standard error of hessian_trace over probes",
    "adaptive worst-case l_inf sharpness, max f(w+d)-f(w) over |d_i| <= rho|w_i|, mean over batches",
    "standard error of sharpness_worst_linf over batches",
    "average-case sharpness E f(w + rho_avg |w| z) - f(w), mean over batches",
    "standard error of sharpness_average over batches",
    "first epoch (1-based) whose train loss is not finite: the replica diverged there (its later rows and final "
    "measurements are NaN or meaningless); 0 = never"};

}  // namespace

std::string optimizer_name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd:
      return "sgd";
    case OptimizerKind::shb:
      return "shb";
    case OptimizerKind::nshb:
      return "nshb";
  }
  return "?";
}

void apply_update(OptimizerKind kind, double eta, double beta, float* w, float* velocity, const float* gradient,
                  std::size_t count) {
  const auto e = static_cast<float>(eta), b = static_cast<float>(beta);
  switch (kind) {
    case OptimizerKind::sgd:
      for (std::size_t j = 0; j < count; ++j) w[j] -= e * gradient[j];
      break;
    case OptimizerKind::shb:
      for (std::size_t j = 0; j < count; ++j) {
        velocity[j] = b * velocity[j] + gradient[j];
        w[j] -= e * velocity[j];
      }
      break;
    case OptimizerKind::nshb:
      for (std::size_t j = 0; j < count; ++j) {
        velocity[j] = b * velocity[j] + (1.0f - b) * gradient[j];
        w[j] -= e * velocity[j];
      }
      break;
  }
}

const TrainResult::Table& TrainResult::table(const std::string& table_name) const {
  for (const auto& t : per_epoch)
    if (t.name == table_name) return t;
  for (const auto& t : final)
    if (t.name == table_name) return t;
  throw std::out_of_range("TrainResult: no table " + table_name);
}

const TrainResult::Table& TrainResult::final_table(const std::string& table_name) const {
  for (const auto& t : final)
    if (t.name == table_name) return t;
  throw std::out_of_range("TrainResult: no final table " + table_name);
}

TrainResult prepare_result(const TrainSpec& spec, const Architecture& arch, std::size_t train_samples) {
  const int K = spec.replicas, E = spec.epochs, rows = E + 1;
  const std::size_t n = train_samples;
  TrainResult result;
  result.name = spec.name;
  result.architecture = arch.description;
  result.optimizer = optimizer_name(spec.optimizer);
  result.replicas = K;
  result.epochs = E;
  result.parameters = arch.parameter_count;
  result.train_samples = n;
  std::int64_t steps = 0;
  result.steps.push_back(0);
  std::vector<std::int64_t> epoch_batches, epoch_used;  // for the trace's checks
  for (int e = 0; e < E; ++e) {
    const ScheduleState s = schedule_at(spec.schedule, e);
    const auto b = static_cast<std::int64_t>(std::min<double>(std::floor(s.batch), static_cast<double>(n)));
    if (b < 1 || !(s.eta > 0.0)) throw std::invalid_argument(spec.name + ": schedule gives eta <= 0 or batch < 1");
    // The epoch's eta: the schedule's, or under a warm-up the mean over the epoch's updates.
    const auto used = static_cast<std::int64_t>(epoch_samples_used(n, b, spec.drop_last));
    const std::int64_t updates = (used + b - 1) / b;
    double eta = s.eta;
    if (spec.schedule.warmup_steps > 0 && steps < spec.schedule.warmup_steps) {
      double sum = 0.0;
      for (std::int64_t k = 0; k < updates; ++k) sum += s.eta * warmup_factor(spec.schedule, steps + k);
      eta = sum / static_cast<double>(std::max<std::int64_t>(updates, 1));
    }
    if (e == 0) {  // row 0 shows the first epoch's setting
      result.eta.push_back(eta);
      result.batch.push_back(static_cast<double>(b));
      result.smith_g.push_back(smith_noise_scale(eta, static_cast<double>(n), static_cast<double>(b)));
    }
    result.eta.push_back(eta);
    result.batch.push_back(static_cast<double>(b));
    result.smith_g.push_back(smith_noise_scale(eta, static_cast<double>(n), static_cast<double>(b)));
    steps += updates;
    result.steps.push_back(steps);
    epoch_batches.push_back(b);
    epoch_used.push_back(used);
  }
  result.trace = plan_trace(spec.measure.trace, epoch_batches, epoch_used, K);
  for (int c = 0; c < column_count; ++c)
    result.per_epoch.push_back(
        {kColumnNames[c], kColumnDescriptions[c], std::vector<double>(static_cast<std::size_t>(rows * K), kNaN)});
  for (int c = 0; c < final_count; ++c)
    result.final.push_back(
        {kFinalNames[c], kFinalDescriptions[c], std::vector<double>(static_cast<std::size_t>(K), kNaN)});
  // The curvature and sharpness of the chosen epochs (measure.curvature_epochs), after the columns above.
  if (!spec.measure.curvature_epochs.empty())
    for (int c = 0; c < diverged_epoch; ++c) {
      const bool curvature = c <= hessian_trace_se;
      if (curvature ? !spec.measure.curvature : !spec.measure.sharpness) continue;
      result.per_epoch.push_back(
          {kFinalNames[c],
           std::string(kFinalDescriptions[c]) + "; at the epochs of measure.curvature_epochs (NaN at the others)",
           std::vector<double>(static_cast<std::size_t>(rows * K), kNaN)});
    }
  return result;
}

std::size_t epoch_samples_used(std::size_t n, std::int64_t batch, bool drop_last) {
  return drop_last ? n - n % static_cast<std::size_t>(batch) : n;
}

std::int64_t training_samples(const TrainSpec& spec, const TrainResult& prepared, std::size_t n) {
  std::int64_t samples = 0;
  for (int e = 0; e < spec.epochs; ++e)
    samples += static_cast<std::int64_t>(epoch_samples_used(n, epoch_batch(prepared, e), spec.drop_last));
  return samples * spec.replicas;
}

std::int64_t epoch_batch(const TrainResult& result, int epoch) {
  return static_cast<std::int64_t>(result.batch[static_cast<std::size_t>(epoch + 1)]);
}

void flag_divergence(TrainResult& result) {
  const auto K = static_cast<std::size_t>(result.replicas);
  const std::vector<double>& loss = result.per_epoch[train_loss].values;
  std::vector<double>& first = result.final[diverged_epoch].values;  // tables in enum order (prepare_result)
  for (std::size_t r = 0; r < K; ++r) {
    first[r] = 0.0;
    for (int e = 1; e <= result.epochs; ++e)
      if (!std::isfinite(loss[static_cast<std::size_t>(e) * K + r])) {
        first[r] = e;
        break;
      }
  }
}

int diverged_replicas(const TrainResult& result) {
  int count = 0;
  for (const double e : result.final_table("diverged_epoch").values) count += e > 0.0 ? 1 : 0;
  return count;
}

bool epoch_measured_at(const MeasureSpec& m, int row) {
  return m.noise_samples > 0 || m.full_gradient ||
         std::find(m.curvature_epochs.begin(), m.curvature_epochs.end(), row) != m.curvature_epochs.end();
}

namespace {
void measure_curvature_at(const TrainSpec& spec, const Architecture& arch, const Dataset& train, std::uint32_t seed,
                          int r, int row, const float* w, TrainResult& result);
}  // namespace

void measure_epoch_at(const TrainSpec& spec, const Architecture& arch, const Dataset& train, std::uint32_t seed, int r,
                      int row, const float* w, TrainResult& result) {
  const MeasureSpec& m = spec.measure;
  const int K = spec.replicas;
  const std::size_t n = train.size(), P = arch.parameter_count;
  const auto replica = static_cast<std::uint32_t>(r);
  const auto cell = [&](int column, int at_row) -> double& {
    return result.per_epoch[static_cast<std::size_t>(column)].values[static_cast<std::size_t>(at_row * K + r)];
  };
  if (m.full_gradient) cell(gradient_norm_full, row) = full_gradient_norm(arch, train, w);
  measure_curvature_at(spec, arch, train, seed, r, row, w, result);
  if (m.noise_samples <= 0) return;
  Network<float> net(arch);
  std::vector<float> g(P);
  const auto chosen =
      random_indices(n, static_cast<std::size_t>(m.noise_samples),
                     RandomStream(seed, replica, static_cast<std::uint64_t>(row), StreamPurpose::network_measurement));
  Matrix<float> one;
  std::vector<std::int32_t> label;
  const GradientNoiseEstimate noise = estimate_gradient_noise(
      m.noise_samples, static_cast<Eigen::Index>(P),
      [&](int i, Eigen::VectorXd& out) {
        gather_batch(train, arch, chosen.data() + i, 1, one, label);
        net.run(w, one, label.data(), g.data());
        out = Eigen::Map<const Eigen::VectorXf>(g.data(), static_cast<Eigen::Index>(P)).cast<double>();
      },
      32, m.tail_block);
  cell(c2, row) = noise.c2;
  cell(c2_se, row) = noise.c2_se;
  cell(gradient_norm, row) = noise.mean_gradient_norm;
  cell(gradient_norm_unbiased, row) = noise.gradient_norm_unbiased;
  cell(tail_index, row) = noise.tail_index;
  const double eta = result.eta[static_cast<std::size_t>(row)], b = result.batch[static_cast<std::size_t>(row)];
  const double k2 = noise.gradient_norm_unbiased * noise.gradient_norm_unbiased;
  double d = smoothing_delta(eta, b, std::sqrt(noise.c2));
  if (spec.optimizer == OptimizerKind::shb) d = shb_delta(eta, spec.momentum, noise.c2, b, k2);
  if (spec.optimizer == OptimizerKind::nshb) d = nshb_delta(eta, spec.momentum, noise.c2, b, k2);
  cell(delta, row) = d;
  cell(delta_per_coordinate, row) = d / std::sqrt(static_cast<double>(P));
}

namespace {

// Which random streams one curvature measurement uses: the final one keeps the steps it always
// had; a chosen epoch's are offset by (row + 1) << 32, clear of every final and per-epoch step.
struct CurvatureStreams {
  std::uint64_t curvature_samples, sharpness_samples, probe_offset;
};

// The Hessian and sharpness measures at w (double precision) into `out[FinalColumn]`.
void measure_curvature(const TrainSpec& spec, const Architecture& arch, const Dataset& train, std::uint32_t seed, int r,
                       const float* w, const CurvatureStreams& streams, double* out) {
  const MeasureSpec& m = spec.measure;
  const std::size_t n = train.size(), P = arch.parameter_count;
  const auto replica = static_cast<std::uint32_t>(r);
  Network<double> net64(arch);
  const VectorXd w64 = Eigen::Map<const Eigen::VectorXf>(w, static_cast<Eigen::Index>(P)).cast<double>();
  const auto probe = [&](std::uint64_t step) {
    return RandomStream(seed, replica, streams.probe_offset + step, StreamPurpose::network_probe);
  };
  if (m.curvature) {
    const auto chosen =
        random_indices(n, static_cast<std::size_t>(m.curvature_samples),
                       RandomStream(seed, replica, streams.curvature_samples, StreamPurpose::network_measurement));
    const Objective f = fixed_sample_objective(net64, arch, train, chosen, 0, m.curvature_samples);
    out[hessian_top_eigenvalue] = top_hessian_eigenvalue(f, w64, m.power_iterations, probe(0));
    const Estimate trace = hutchinson_trace(f, w64, m.hutchinson_probes, probe(1));
    out[hessian_trace] = trace.value;
    out[hessian_trace_se] = trace.standard_error;
  }
  if (m.sharpness) {
    const auto chosen =
        random_indices(n, static_cast<std::size_t>(m.sharpness_samples),
                       RandomStream(seed, replica, streams.sharpness_samples, StreamPurpose::network_measurement));
    std::vector<double> worst, average;
    for (int begin = 0, k = 0; begin < m.sharpness_samples; begin += m.sharpness_batch, ++k) {
      const int count = std::min(m.sharpness_batch, m.sharpness_samples - begin);
      const Objective f = fixed_sample_objective(net64, arch, train, chosen, static_cast<std::size_t>(begin), count);
      worst.push_back(worst_case_linf_sharpness(f, w64, m.sharpness_rho, m.sharpness_steps,
                                                probe(1000 + static_cast<std::uint64_t>(k))));
      average.push_back(
          average_case_sharpness(f, w64, m.average_rho, m.average_draws, probe(2000 + static_cast<std::uint64_t>(k)))
              .value);
    }
    const SampleMean worst_mean = sample_mean(worst), average_mean = sample_mean(average);  // SE NaN with one batch
    out[sharpness_worst_linf] = worst_mean.mean;
    out[sharpness_worst_linf_se] = worst_mean.standard_error;
    out[sharpness_average] = average_mean.mean;
    out[sharpness_average_se] = average_mean.standard_error;
  }
}

// The final measurement's streams; a chosen epoch that is the last one gets the same numbers.
CurvatureStreams final_streams(const TrainSpec& spec) {
  const auto rows = static_cast<std::uint64_t>(spec.epochs + 1);
  return {rows, rows + 1, 0};
}

CurvatureStreams epoch_streams(const TrainSpec& spec, int row) {
  if (row == spec.epochs) return final_streams(spec);
  const std::uint64_t offset = (static_cast<std::uint64_t>(row) + 1) << 32;
  return {offset, offset + 1, offset};
}

// The curvature and sharpness measures at a row of measure.curvature_epochs, into the per-epoch
// tables of their names.
void measure_curvature_at(const TrainSpec& spec, const Architecture& arch, const Dataset& train, std::uint32_t seed,
                          int r, int row, const float* w, TrainResult& result) {
  const auto& epochs = spec.measure.curvature_epochs;
  if (std::find(epochs.begin(), epochs.end(), row) == epochs.end()) return;
  double values[final_count];
  std::fill(std::begin(values), std::end(values), kNaN);
  measure_curvature(spec, arch, train, seed, r, w, epoch_streams(spec, row), values);
  const auto K = static_cast<std::size_t>(spec.replicas);
  for (auto& table : result.per_epoch)
    for (int c = 0; c < diverged_epoch; ++c)
      if (table.name == kFinalNames[c])
        table.values[static_cast<std::size_t>(row) * K + static_cast<std::size_t>(r)] = values[c];
}

}  // namespace

void measure_final_at(const TrainSpec& spec, const Architecture& arch, const Dataset& train, std::uint32_t seed, int r,
                      const float* w, TrainResult& result) {
  const MeasureSpec& m = spec.measure;
  const auto& epochs = m.curvature_epochs;
  const auto K = static_cast<std::size_t>(spec.replicas), last = static_cast<std::size_t>(spec.epochs);
  double values[final_count];
  std::fill(std::begin(values), std::end(values), kNaN);
  if (!epochs.empty() && epochs.back() == spec.epochs) {
    // The last epoch was measured at these weights with the final streams: the same numbers, taken once.
    for (const auto& table : result.per_epoch)
      for (int c = 0; c < diverged_epoch; ++c)
        if (table.name == kFinalNames[c]) values[c] = table.values[last * K + static_cast<std::size_t>(r)];
  } else {
    measure_curvature(spec, arch, train, seed, r, w, final_streams(spec), values);
  }
  for (int c = 0; c < diverged_epoch; ++c)
    if (c <= hessian_trace_se ? m.curvature : m.sharpness)
      result.final[static_cast<std::size_t>(c)].values[static_cast<std::size_t>(r)] = values[c];
}

std::int64_t landscape_points(const TrainResult& result, const TrainSpec& spec) {
  const std::int64_t points = spec.measure.landscape.points;
  return static_cast<std::int64_t>(result.landscape_iterates.size()) * points * points;
}

void measure_landscapes(const TrainSpec& spec, const Architecture& arch, const Dataset& train, std::uint32_t seed,
                        TrainResult& result, const std::function<void(std::int64_t, std::int64_t)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<double>& diverged = result.final_table("diverged_epoch").values;
  const std::int64_t total = landscape_points(result, spec);
  const std::int64_t per_replica =
      static_cast<std::int64_t>(spec.measure.landscape.points) * spec.measure.landscape.points;
  std::atomic<std::int64_t> done{0};
  std::mutex progress_mutex;
  const auto point_done = [&] {
    const std::int64_t now = ++done;
    if (!progress) return;
    const std::unique_lock<std::mutex> reporting(progress_mutex, std::try_to_lock);
    if (reporting) progress(now, total);
  };
  for (std::size_t r = 0; r < result.landscape_iterates.size(); ++r) {
    if (diverged[r] > 0.0) {
      done += per_replica;
      continue;
    }
    result.landscapes.push_back(measure_landscape(spec.measure.landscape, arch, train, seed, static_cast<int>(r),
                                                  result.landscape_iterates[r], point_done));
  }
  result.landscape_iterates.clear();
  result.landscape_iterates.shrink_to_fit();
  result.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TrainResult train_replicas(const TrainSpec& spec, const Architecture& arch, const Dataset& train, const Dataset& test,
                           std::uint32_t seed, const std::function<void(std::int64_t, std::int64_t)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  const int K = spec.replicas, E = spec.epochs;
  const std::size_t n = train.size(), P = arch.parameter_count;
  const MeasureSpec& m = spec.measure;

  TrainResult result = prepare_result(spec, arch, n);
  const std::int64_t total_samples = training_samples(spec, result, n);
  // measure.landscape: the weights of its replicas at every row.
  const int sliced = m.landscape.directions == LandscapeDirections::none ? 0 : std::min(m.landscape.replicas, K);
  result.landscape_iterates.resize(static_cast<std::size_t>(sliced));
  std::atomic<std::int64_t> done{0};  // samples trained on, all replicas
  std::mutex progress_mutex;

  keep_large_allocations_resident();
  const int saved_eigen_threads = Eigen::nbThreads();
  Eigen::setNbThreads(1);  // parallel over replicas only: each replica's arithmetic is fixed
  FirstError error;
#pragma omp parallel for schedule(dynamic, 1)
  for (int r = 0; r < K; ++r)
    error.run([&] {
      const auto replica = static_cast<std::uint32_t>(r);
      Network<float> net(arch);
      std::vector<float> w(P), velocity(P, 0.0f), g(P);
      initialise_parameters(arch, seed, replica, w.data());
      Matrix<float> x;
      std::vector<std::int32_t> y;
      const auto cell = [&](int column, int row) -> double& {
        return result.per_epoch[static_cast<std::size_t>(column)].values[static_cast<std::size_t>(row * K + r)];
      };

      const auto measure_epoch = [&](int row) {
        const Evaluation t = evaluate(net, arch, w.data(), test);
        cell(test_loss, row) = t.loss;
        cell(test_accuracy, row) = t.accuracy;
        measure_epoch_at(spec, arch, train, seed, r, row, w.data(), result);
      };

      // measure.trace: the whole training set's loss and gradient norm at the planned updates.
      TrainingTrace& trace = result.trace;
      std::size_t next_check = 0;
      std::int64_t step = 0;
      const auto check_trace = [&] {
        if (next_check >= trace.checks() || trace.step[next_check] != step) return;
        const FullSetValues v = full_set_values(arch, train, w.data());
        trace.loss[next_check * static_cast<std::size_t>(K) + static_cast<std::size_t>(r)] = v.loss;
        trace.gradient_norm[next_check * static_cast<std::size_t>(K) + static_cast<std::size_t>(r)] = v.gradient_norm;
        ++next_check;
      };

      const auto keep_iterate = [&] {
        if (r < sliced) result.landscape_iterates[static_cast<std::size_t>(r)].push_back(w);
      };
      measure_epoch(0);
      keep_iterate();
      check_trace();
      for (int e = 0; e < E; ++e) {
        const std::int64_t b = epoch_batch(result, e);
        const double epoch_eta = schedule_at(spec.schedule, e).eta;  // before the warm-up
        const auto order = epoch_order(seed, replica, e, n);
        double loss = 0.0;
        std::int64_t correct = 0;
        const std::size_t used = epoch_samples_used(n, b, spec.drop_last);
        for (std::size_t begin = 0; begin < used; begin += static_cast<std::size_t>(b)) {
          const int count = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(b), used - begin));
          gather_batch(train, arch, order.data() + begin, count, x, y);
          const BatchOutcome o = net.run(w.data(), x, y.data(), g.data());
          loss += o.loss_sum;
          correct += o.correct;
          apply_update(spec.optimizer, epoch_eta * warmup_factor(spec.schedule, step), spec.momentum, w.data(),
                       velocity.data(), g.data(), P);
          ++step;
          check_trace();
          done += count;
          // Whichever thread is free reports (one at a time, the count read under the lock so it
          // never goes back): with thread 0 alone the log fell silent while its replica's final
          // curvature was measured, though the other threads trained on.
          if (progress) {
            const std::unique_lock<std::mutex> reporting(progress_mutex, std::try_to_lock);
            if (reporting) progress(done.load(), total_samples);
          }
        }
        cell(train_loss, e + 1) = loss / static_cast<double>(used);
        cell(train_accuracy, e + 1) = static_cast<double>(correct) / static_cast<double>(used);
        if ((e + 1) % m.every == 0 || e + 1 == E) measure_epoch(e + 1);
        keep_iterate();
      }

      measure_final_at(spec, arch, train, seed, r, w.data(), result);
    });
  Eigen::setNbThreads(saved_eigen_threads);
  error.rethrow();

  flag_divergence(result);
  record_target_costs(m.trace, result.trace, K);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace sgds::nn
