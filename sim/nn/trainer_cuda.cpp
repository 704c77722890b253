#include "sim/nn/trainer_cuda.hpp"

#include <algorithm>
#include <chrono>
#include <future>
#include <stdexcept>
#include <vector>

#include <Eigen/Core>

#include "sim/nn/network.hpp"
#include "sim/nn/sample_order.hpp"
#include "sim/parallel_errors.hpp"
#if defined(SGDS_HAVE_CUDA)
#include "sim/cuda/cuda_engine.hpp"
#include "sim/nn/replica_trainer_cuda.hpp"
#endif

namespace sgds::nn {

std::string cuda_training_unavailable() {
#if defined(SGDS_HAVE_CUDA)
  return ::sgds::cuda::device_unavailable_reason();
#else
  return "this build has no CUDA backend (configure with -DSGDS_CUDA=ON where nvcc exists)";
#endif
}

std::string cuda_training_device() {
#if defined(SGDS_HAVE_CUDA)
  return "cuda: " + ::sgds::cuda::device_description();
#else
  return "";
#endif
}

#if defined(SGDS_HAVE_CUDA)
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Each replica's sample order of one epoch, [replica][n]: the CPU trainer's epoch_order.
std::vector<std::uint32_t> build_orders(std::uint32_t seed, int replicas, int epoch, std::size_t n) {
  std::vector<std::uint32_t> orders(static_cast<std::size_t>(replicas) * n);
#pragma omp parallel for schedule(static)
  for (int r = 0; r < replicas; ++r) {
    const std::vector<std::uint32_t> order = epoch_order(seed, static_cast<std::uint32_t>(r), epoch, n);
    std::copy(order.begin(), order.end(),
              orders.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(r) * n));
  }
  return orders;
}

std::vector<double>& column(TrainResult& result, const std::string& name) {
  for (auto& table : result.per_epoch)
    if (table.name == name) return table.values;
  throw std::logic_error("train_replicas_cuda: no per-epoch table " + name);
}

}  // namespace
#endif

TrainResult train_replicas_cuda(const TrainSpec& spec, const Architecture& arch, const Dataset& train,
                                const Dataset& test, std::uint32_t seed, MatmulPrecision precision,
                                const std::function<void(std::int64_t, std::int64_t)>& progress,
                                CudaTrainTiming* timing, const CudaTrainerChoices& choices) {
#if !defined(SGDS_HAVE_CUDA)
  (void)spec, (void)arch, (void)train, (void)test, (void)seed, (void)precision, (void)progress, (void)timing,
      (void)choices;
  throw std::runtime_error("device = \"cuda\": " + cuda_training_unavailable());
#else
  const auto start = Clock::now();
  const int K = spec.replicas, E = spec.epochs;
  const std::size_t n = train.size(), P = arch.parameter_count;
  const MeasureSpec& m = spec.measure;
  // The config refuses both first (sim/nn/train_config.cpp).
  if (m.trace.on()) throw std::invalid_argument("measure.trace: the GPU trainer measures at the ends of epochs only");
  if (spec.schedule.warmup_steps > 0)
    throw std::invalid_argument("schedule.warmup_steps: the GPU trainer takes one eta per epoch");
  TrainResult result = prepare_result(spec, arch, n);

  cuda::ReplicaTrainerOptions options;
  options.replicas = K;
  for (int e = 0; e < E; ++e)
    options.max_batch = std::max<int>(options.max_batch, static_cast<int>(epoch_batch(result, e)));
  options.optimizer = spec.optimizer;
  options.momentum = spec.momentum;
  options.precision = precision;
  static_cast<CudaTrainerChoices&>(options) = choices;
  cuda::ReplicaTrainer trainer(arch, train, test, options);

  std::vector<float> weights(static_cast<std::size_t>(K) * P);
#pragma omp parallel for schedule(static)
  for (int r = 0; r < K; ++r)
    initialise_parameters(arch, seed, static_cast<std::uint32_t>(r), weights.data() + static_cast<std::size_t>(r) * P);
  trainer.upload_parameters(weights);

  std::vector<double>& train_loss = column(result, "train_loss");
  std::vector<double>& train_accuracy = column(result, "train_accuracy");
  std::vector<double>& test_loss = column(result, "test_loss");
  std::vector<double>& test_accuracy = column(result, "test_accuracy");
  double measurement_seconds = 0.0;
  const int saved_eigen_threads = Eigen::nbThreads();

  // Test loss and accuracy on the GPU; C^2 and delta on the CPU from the weights copied back.
  const auto measure_epoch = [&](int row) {
    std::vector<double> loss, accuracy;
    trainer.evaluate(loss, accuracy);
    for (int r = 0; r < K; ++r) {
      test_loss[static_cast<std::size_t>(row * K + r)] = loss[static_cast<std::size_t>(r)];
      test_accuracy[static_cast<std::size_t>(row * K + r)] = accuracy[static_cast<std::size_t>(r)];
    }
    if (!epoch_measured_at(m, row)) return;
    const auto measure_start = Clock::now();
    const std::vector<float> w = trainer.download_parameters();
    Eigen::setNbThreads(1);  // parallel over replicas, as the CPU trainer
    FirstError error;
#pragma omp parallel for schedule(dynamic, 1)
    for (int r = 0; r < K; ++r)
      error.run([&] {
        measure_epoch_at(spec, arch, train, seed, r, row, w.data() + static_cast<std::size_t>(r) * P, result);
      });
    Eigen::setNbThreads(saved_eigen_threads);
    error.rethrow();
    measurement_seconds += seconds_since(measure_start);
  };

  // measure.landscape: the weights of its replicas at every row, copied back each epoch.
  const int sliced = m.landscape.directions == LandscapeDirections::none ? 0 : std::min(m.landscape.replicas, K);
  result.landscape_iterates.resize(static_cast<std::size_t>(sliced));
  const auto keep_iterates = [&] {
    if (sliced == 0) return;
    const auto measure_start = Clock::now();  // a measurement: not counted as training time
    const std::vector<float> w = trainer.download_parameters();
    for (int r = 0; r < sliced; ++r)
      result.landscape_iterates[static_cast<std::size_t>(r)].emplace_back(
          w.begin() + static_cast<std::ptrdiff_t>(r) * static_cast<std::ptrdiff_t>(P),
          w.begin() + static_cast<std::ptrdiff_t>(r + 1) * static_cast<std::ptrdiff_t>(P));
    measurement_seconds += seconds_since(measure_start);
  };
  std::vector<std::uint32_t> orders = build_orders(seed, K, 0, n);
  const double setup_seconds = seconds_since(start);
  measure_epoch(0);
  keep_iterates();
  std::int64_t done = 0;
  const std::int64_t total = training_samples(spec, result, n);
  std::vector<double> loss_sum;
  std::vector<std::int64_t> correct;
  for (int e = 0; e < E; ++e) {
    trainer.upload_order(orders);
    trainer.reset_train_sums();
    // The next epoch's orders are drawn on the host while the GPU runs this one.
    std::future<std::vector<std::uint32_t> > next;
    if (e + 1 < E) next = std::async(std::launch::async, build_orders, seed, K, e + 1, n);
    const std::int64_t b = epoch_batch(result, e);
    const double eta = result.eta[static_cast<std::size_t>(e + 1)];
    const std::size_t used = epoch_samples_used(n, b, spec.drop_last);
    for (std::size_t begin = 0; begin < used; begin += static_cast<std::size_t>(b))
      trainer.step(begin, static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(b), used - begin)), eta);
    trainer.train_sums(loss_sum, correct);
    for (int r = 0; r < K; ++r) {
      train_loss[static_cast<std::size_t>((e + 1) * K + r)] =
          loss_sum[static_cast<std::size_t>(r)] / static_cast<double>(used);
      train_accuracy[static_cast<std::size_t>((e + 1) * K + r)] =
          static_cast<double>(correct[static_cast<std::size_t>(r)]) / static_cast<double>(used);
    }
    done += static_cast<std::int64_t>(used) * K;
    if (progress) progress(done, total);
    if ((e + 1) % m.every == 0 || e + 1 == E) measure_epoch(e + 1);
    keep_iterates();
    if (next.valid()) orders = next.get();
  }

  const double epochs_end = seconds_since(start);
  double final_seconds = 0.0;
  if (m.curvature || m.sharpness) {
    const auto measure_start = Clock::now();
    const std::vector<float> w = trainer.download_parameters();
    Eigen::setNbThreads(1);
    FirstError error;
#pragma omp parallel for schedule(dynamic, 1)
    for (int r = 0; r < K; ++r)
      error.run(
          [&] { measure_final_at(spec, arch, train, seed, r, w.data() + static_cast<std::size_t>(r) * P, result); });
    Eigen::setNbThreads(saved_eigen_threads);
    error.rethrow();
    final_seconds = seconds_since(measure_start);
    measurement_seconds += final_seconds;
  }
  flag_divergence(result);
  result.seconds = seconds_since(start);
  if (timing) {
    timing->setup_seconds = setup_seconds;
    timing->step_graphs = trainer.step_graphs_captured();
    timing->measurement_seconds = measurement_seconds;
    timing->training_seconds = epochs_end - setup_seconds - (measurement_seconds - final_seconds);
  }
  return result;
#endif
}

}  // namespace sgds::nn
