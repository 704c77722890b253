// The GPU network trainer (sim/nn/replica_trainer_cuda.*, sim/nn/trainer_cuda.*) against the CPU
// trainer: the same mini-batch samples (bitwise), one SGD step of K = 3 replicas from the same
// weights on the same batch (gradients and weights within float rounding) for an MLP and two
// CNNs, and a few epochs' loss and accuracy trajectories (MLP under SGD, SHB and NSHB; CNN).
// Every GPU test prints what it compared and its worst error, and prints "SKIPPED: no CUDA
// device" and returns where no device exists (ctest reports it skipped). The last test runs
// everywhere: device = "cuda" is refused with one line naming the key where it cannot run.
//
// Tolerances. fp32: the GEMMs sum in another order than Eigen, so a sum of k products carries a
// relative error of order sqrt(k) 2^-24 ~ 2e-6 for k = 784 (worst case k 2^-24 = 5e-5); we allow
// 1e-4 of the largest entry of each compared block. tf32: the GEMM inputs are rounded to 10-bit
// mantissas (2^-11 = 4.9e-4 each, ~1e-3 per product); we allow 2e-2 of the largest entry where
// no ReLU can switch (see the tf32 test). A few
// epochs: rounding differences grow along the trajectory (about 100 steps here), so losses
// agree to relative 1e-3 and accuracies to 3 test samples.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "core/config_table.hpp"
#include "sim/nn/batch.hpp"
#include "sim/nn/matmul_precision.hpp"
#include "sim/nn/network.hpp"
#include "sim/nn/sample_order.hpp"
#include "sim/nn/train_config.hpp"
#include "sim/nn/trainer.hpp"
#include "sim/nn/trainer_cuda.hpp"
#include "core/rng.hpp"

#include "nn_test_data.hpp"
#include "trajectory_support.hpp"
#include "trainer_graph_support.hpp"

#if defined(SGDS_HAVE_CUDA)
#include "sim/cuda/cuda_engine.hpp"
#include "sim/nn/replica_trainer_cuda.hpp"
#endif

using namespace sgds;
using namespace sgds::nn;

namespace {

#if defined(SGDS_HAVE_CUDA)

bool gpu_present() {
  const std::string why = sgds::cuda::device_unavailable_reason();
  if (!why.empty()) {
    WARN("SKIPPED: no CUDA device (" << why << ")");
    std::printf("SKIPPED: no CUDA device (%s)\n", why.c_str());
  }
  return why.empty();
}

using test::digits_like;

// CIFAR-shaped data, small: 3 x 8 x 8 images stored (c, y, x) as the loaders store them, the
// class as a bright row in channel label % 3; the CNN reads (y, x, c), so the GPU's copy of the
// set must be transposed exactly as the CPU's gather_batch transposes each batch.
Dataset colour_like(int n, std::uint32_t seed) {
  Dataset set;
  set.channels = 3;
  set.height = set.width = 8;
  set.classes = 10;
  RandomStream s(seed, 0, 0, StreamPurpose::user);
  for (int i = 0; i < n; ++i) {
    const int label = static_cast<int>(s.below(10));
    set.labels.push_back(label);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x)
          set.pixels.push_back(static_cast<float>((c == label % 3 && y == label % 8 ? 1.0 : 0.0) + 0.7 * s.normal()));
  }
  return set;
}

// max |a - b| over [begin, end) divided by max |reference| there.
double relative_max_error(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& reference,
                          std::size_t begin, std::size_t end) {
  double error = 0.0, scale = 0.0;
  for (std::size_t j = begin; j < end; ++j) {
    error = std::max(error, std::abs(static_cast<double>(a[j]) - static_cast<double>(b[j])));
    scale = std::max(scale, std::abs(static_cast<double>(reference[j])));
  }
  return scale > 0.0 ? error / scale : error;
}

struct OneStep {
  std::vector<float> w0, w1, gradients, inputs;
  std::vector<std::int32_t> labels;
  std::vector<double> loss_sum;
};

constexpr int kReplicas = 3;
constexpr std::uint32_t kSeed = 11;
constexpr std::size_t kBegin = 64;  // batch positions [64, 96) of epoch 0: a non-zero offset
constexpr int kBatch = 32;
constexpr double kEta = 0.1;

// The CPU trainer's step for each replica: its initial weights, its epoch-0 order, the batch at
// [kBegin, kBegin + kBatch), Network<float>::run and apply_update (learning rate eta).
OneStep cpu_step(const Architecture& arch, const Dataset& train, double eta) {
  const std::size_t P = arch.parameter_count, F = train.features();
  OneStep out;
  out.w0.resize(kReplicas * P);
  out.w1.resize(kReplicas * P);
  out.gradients.resize(kReplicas * P);
  for (int r = 0; r < kReplicas; ++r) {
    float* w0 = out.w0.data() + static_cast<std::size_t>(r) * P;
    initialise_parameters(arch, kSeed, static_cast<std::uint32_t>(r), w0);
    const auto order = epoch_order(kSeed, static_cast<std::uint32_t>(r), 0, train.size());
    Matrix<float> x;
    std::vector<std::int32_t> y;
    gather_batch(train, arch, order.data() + kBegin, kBatch, x, y);
    out.inputs.insert(out.inputs.end(), x.data(), x.data() + F * kBatch);
    out.labels.insert(out.labels.end(), y.begin(), y.end());
    Network<float> net(arch);
    float* g = out.gradients.data() + static_cast<std::size_t>(r) * P;
    out.loss_sum.push_back(net.run(w0, x, y.data(), g).loss_sum);
    std::copy(w0, w0 + P, out.w1.data() + static_cast<std::size_t>(r) * P);
    std::vector<float> velocity(P, 0.0f);
    apply_update(OptimizerKind::sgd, eta, 0.0, out.w1.data() + static_cast<std::size_t>(r) * P, velocity.data(), g, P);
  }
  return out;
}

// fused: the default SGD path (update inside the GEMMs, no stored gradients); else the
// gradients are stored and the update kernel applies them.
// fused_head: the head by head_step_kernel (the default), else by GEMMs and the loss kernels.
OneStep gpu_step(const Architecture& arch, const Dataset& train, const Dataset& test, MatmulPrecision precision,
                 bool fused, bool split_conv_gradients = true, bool fused_head = true) {
  const std::size_t P = arch.parameter_count, n = train.size();
  nn::cuda::ReplicaTrainerOptions options;
  options.replicas = kReplicas;
  options.max_batch = kBatch;
  options.precision = precision;
  options.fused_sgd_update = fused;
  options.split_conv_gradients = split_conv_gradients;
  options.fused_head = fused_head;
  nn::cuda::ReplicaTrainer trainer(arch, train, test, options);
  OneStep out;
  out.w0.resize(kReplicas * P);
  std::vector<std::uint32_t> orders;
  for (int r = 0; r < kReplicas; ++r) {
    initialise_parameters(arch, kSeed, static_cast<std::uint32_t>(r), out.w0.data() + static_cast<std::size_t>(r) * P);
    const auto order = epoch_order(kSeed, static_cast<std::uint32_t>(r), 0, n);
    orders.insert(orders.end(), order.begin(), order.end());
  }
  trainer.upload_parameters(out.w0);
  trainer.upload_order(orders);
  trainer.reset_train_sums();
  trainer.step(kBegin, kBatch, kEta);
  out.w1 = trainer.download_parameters();
  if (!fused) out.gradients = trainer.last_gradients();
  out.inputs = trainer.last_inputs();
  out.labels = trainer.last_labels();
  std::vector<std::int64_t> correct;
  trainer.train_sums(out.loss_sum, correct);
  return out;
}

// Worst relative error over the layers' weight and bias blocks (each against its own scale).
double worst_block_error(const Architecture& arch, const std::vector<float>& a, const std::vector<float>& b,
                         const std::vector<float>& reference, const char* what) {
  double worst = 0.0;
  const std::size_t P = arch.parameter_count;
  for (int r = 0; r < kReplicas; ++r)
    for (const Layer& l : arch.layers) {
      if (l.param_count == 0) continue;
      const std::size_t base = static_cast<std::size_t>(r) * P + l.param_offset;
      const std::size_t biases = static_cast<std::size_t>(l.kind == LayerKind::conv ? l.out_channels : l.out_size);
      const std::size_t weights = l.param_count - biases;
      const double ew = relative_max_error(a, b, reference, base, base + weights);
      const double eb = relative_max_error(a, b, reference, base + weights, base + l.param_count);
      std::printf("  %s replica %d %s layer %d -> %d: weights %.3e, biases %.3e\n", what, r,
                  l.kind == LayerKind::conv ? "conv" : "dense", l.in_size, l.out_size, ew, eb);
      worst = std::max({worst, ew, eb});
    }
  return worst;
}

// w1 - w0 per entry: the step itself, so the comparison is relative to the update's size.
std::vector<float> step_of(const OneStep& s) {
  std::vector<float> d(s.w1.size());
  for (std::size_t j = 0; j < d.size(); ++j) d[j] = s.w1[j] - s.w0[j];
  return d;
}

TEST_CASE("GPU trainer gathers exactly the CPU trainer's mini-batch samples") {
  if (!gpu_present()) return;
  const Dataset train = digits_like(512, 1), test = digits_like(100, 2);
  const Architecture arch = Architecture::mlp(1, 28, 28, {256}, 10);
  const OneStep cpu = cpu_step(arch, train, kEta);
  const OneStep gpu = gpu_step(arch, train, test, MatmulPrecision::fp32, true);
  REQUIRE(gpu.inputs.size() == cpu.inputs.size());
  REQUIRE(gpu.labels.size() == cpu.labels.size());
  std::size_t input_mismatches = 0, label_mismatches = 0;
  for (std::size_t j = 0; j < cpu.inputs.size(); ++j) input_mismatches += gpu.inputs[j] != cpu.inputs[j];
  for (std::size_t j = 0; j < cpu.labels.size(); ++j) label_mismatches += gpu.labels[j] != cpu.labels[j];
  std::printf(
      "[batch] K=%d, positions [%zu, %zu) of epoch 0's Philox order: %zu input floats, %zu labels; "
      "mismatches: inputs %zu, labels %zu (required 0)\n",
      kReplicas, kBegin, kBegin + kBatch, cpu.inputs.size(), cpu.labels.size(), input_mismatches, label_mismatches);
  CHECK(input_mismatches == 0);
  CHECK(label_mismatches == 0);
  // The replicas draw different batches (their own streams), so the comparison above is per replica.
  const std::size_t per_replica = cpu.labels.size() / kReplicas;
  CHECK(!std::equal(cpu.labels.begin(), cpu.labels.begin() + static_cast<std::ptrdiff_t>(per_replica),
                    cpu.labels.begin() + static_cast<std::ptrdiff_t>(per_replica)));
}

TEST_CASE("One GPU SGD step of K = 3 replicas equals the CPU trainer's within float rounding") {
  if (!gpu_present()) return;
  const Dataset train = digits_like(512, 1), test = digits_like(100, 2);
  const Architecture arch = Architecture::mlp(1, 28, 28, {256}, 10);
  const OneStep cpu = cpu_step(arch, train, kEta);
  const OneStep gpu = gpu_step(arch, train, test, MatmulPrecision::fp32, false);
  const OneStep fused = gpu_step(arch, train, test, MatmulPrecision::fp32, true);
  // The head through the GEMMs and loss kernels instead of head_step_kernel: gradients and step.
  const OneStep gemm_head = gpu_step(arch, train, test, MatmulPrecision::fp32, false, true, false);
  const OneStep gemm_head_fused = gpu_step(arch, train, test, MatmulPrecision::fp32, true, true, false);
  REQUIRE(gpu.w0 == cpu.w0);
  std::printf("[one step fp32] K=%d, b=%d, eta=%g, 784-256-10; tolerance 1e-4 of each block's largest entry\n",
              kReplicas, kBatch, kEta);
  const double gradient_error = worst_block_error(arch, gpu.gradients, cpu.gradients, cpu.gradients, "gradient");
  const std::vector<float> cpu_step_vector = step_of(cpu), gpu_step_vector = step_of(gpu);
  const double step_error = worst_block_error(arch, gpu_step_vector, cpu_step_vector, cpu_step_vector, "w1 - w0");
  const std::vector<float> fused_step_vector = step_of(fused);
  const double fused_error =
      worst_block_error(arch, fused_step_vector, cpu_step_vector, cpu_step_vector, "w1 - w0 (fused SGD update)");
  const double gemm_head_error =
      std::max(worst_block_error(arch, gemm_head.gradients, cpu.gradients, cpu.gradients, "gradient (GEMM head)"),
               worst_block_error(arch, step_of(gemm_head_fused), cpu_step_vector, cpu_step_vector,
                                 "w1 - w0 (GEMM head, fused SGD update)"));
  double loss_error = 0.0;
  for (int r = 0; r < kReplicas; ++r) {
    std::printf("  batch loss sum replica %d: GPU %.9g CPU %.9g\n", r, gpu.loss_sum[static_cast<std::size_t>(r)],
                cpu.loss_sum[static_cast<std::size_t>(r)]);
    loss_error = std::max(
        loss_error, std::abs(gpu.loss_sum[static_cast<std::size_t>(r)] - cpu.loss_sum[static_cast<std::size_t>(r)]) /
                        cpu.loss_sum[static_cast<std::size_t>(r)]);
  }
  std::printf(
      "[one step fp32] worst: gradient %.3e, step %.3e, fused step %.3e, GEMM head %.3e, loss %.3e "
      "(tolerance 1e-4)\n",
      gradient_error, step_error, fused_error, gemm_head_error, loss_error);
  CHECK(gemm_head_error <= 1e-4);
  CHECK(gradient_error <= 1e-4);
  CHECK(step_error <= 1e-4);
  CHECK(fused_error <= 1e-4);
  CHECK(loss_error <= 1e-4);

  // The comparison can fail: against a CPU step with a learning rate 0.1% off, the step error
  // is about 1e-3, ten times the tolerance.
  const OneStep wrong = cpu_step(arch, train, kEta * 1.001);
  const std::vector<float> wrong_step = step_of(wrong);
  double mutant_error = 0.0;
  for (std::size_t j = 0; j < wrong_step.size(); ++j)
    mutant_error = std::max(mutant_error, std::abs(static_cast<double>(gpu_step_vector[j]) - wrong_step[j]));
  double scale = 0.0;
  for (const float v : wrong_step) scale = std::max(scale, std::abs(static_cast<double>(v)));
  std::printf(
      "[one step fp32] mutant (CPU eta x 1.001): step error %.3e against the stored-gradient GPU step (must "
      "exceed 1e-4)\n",
      mutant_error / scale);
  CHECK(mutant_error / scale > 1e-4);
}

// tf32 rounds every GEMM input to a 10-bit mantissa. Where no ReLU sits between two GEMMs the
// gradient moves by rounding alone, so each entry stays within 2e-2 of its block's largest. A
// hidden ReLU whose input lies within rounding of 0 can switch (seen on an H100: one unit of one
// replica moved a row of the first layer's gradient by 18% of the block's largest entry), so the
// layers below a ReLU get no per-entry bound; the head, fed by the ReLU outputs, keeps it.
TEST_CASE("One GPU step with tf32 GEMMs agrees with the CPU within the tf32 tolerance") {
  if (!gpu_present()) return;
  const Dataset train = digits_like(512, 1), test = digits_like(100, 2);
  for (const bool hidden : {false, true}) {
    const Architecture arch = hidden ? Architecture::mlp(1, 28, 28, {256}, 10) : Architecture::mlp(1, 28, 28, {}, 10);
    const OneStep cpu = cpu_step(arch, train, kEta);
    const OneStep fp32 = gpu_step(arch, train, test, MatmulPrecision::fp32, false);
    const OneStep tf32 = gpu_step(arch, train, test, MatmulPrecision::tf32, false);
    std::printf("[one step tf32] %s, K=%d, b=%d; tolerance 2e-2 of each block's largest entry (%s)\n",
                arch.description.c_str(), kReplicas, kBatch, hidden ? "head only" : "every block");
    const double error = worst_block_error(arch, tf32.gradients, cpu.gradients, cpu.gradients, "tf32 gradient");
    // The head: the last layer's block of every replica.
    const Layer& head = arch.layers.back();
    double head_error = 0.0;
    for (int r = 0; r < kReplicas; ++r) {
      const std::size_t base = static_cast<std::size_t>(r) * arch.parameter_count + head.param_offset;
      const std::size_t weights = static_cast<std::size_t>(head.out_size) * head.in_size;
      head_error = std::max(
          {head_error, relative_max_error(tf32.gradients, cpu.gradients, cpu.gradients, base, base + weights),
           relative_max_error(tf32.gradients, cpu.gradients, cpu.gradients, base + weights, base + head.param_count)});
    }
    double differs = 0.0;
    for (std::size_t j = 0; j < fp32.gradients.size(); ++j)
      differs = std::max(differs, std::abs(static_cast<double>(tf32.gradients[j]) - fp32.gradients[j]));
    std::printf(
        "[one step tf32] %s: worst block error %.3e, head %.3e (tolerance 2e-2); max |tf32 - fp32| gradient "
        "entry %.3e (must be > 0: else cuBLAS chose no TF32 kernel and nothing was tested)\n",
        arch.description.c_str(), error, head_error, differs);
    CHECK(head_error <= 2e-2);
    if (!hidden) CHECK(error <= 2e-2);
    CHECK(differs > 0.0);
  }
}

// A CNN step: im2col, conv GEMMs, fused bias+ReLU, max pooling and their adjoints against the
// CPU's Network<float>. Tolerance as for the MLP (1e-4 of each block's largest entry): the conv
// weight gradient sums H W b = 6272 products per entry, error ~ sqrt(6272) 2^-24 = 5e-6.
// A max-pooling window whose two largest inputs differ by less than float rounding could pick
// another winner on the GPU; the printed per-block errors would show it as one outlier block.
void check_cnn_step(const Architecture& arch, const Dataset& train, const Dataset& test, const char* label) {
  const OneStep cpu = cpu_step(arch, train, kEta);
  const OneStep gpu = gpu_step(arch, train, test, MatmulPrecision::fp32, false);
  const OneStep fused = gpu_step(arch, train, test, MatmulPrecision::fp32, true);
  // gpu and fused above split the conv gradients by sample (split_conv_gradients = true); the
  // default path, one GEMM per replica, is compared too.
  const OneStep whole = gpu_step(arch, train, test, MatmulPrecision::fp32, false, false);
  REQUIRE(gpu.w0 == cpu.w0);
  std::size_t input_mismatches = 0;
  REQUIRE(gpu.inputs.size() == cpu.inputs.size());
  for (std::size_t j = 0; j < cpu.inputs.size(); ++j) input_mismatches += gpu.inputs[j] != cpu.inputs[j];
  std::printf("[cnn step %s] %s, K=%d, b=%d, eta=%g: input mismatches %zu (required 0); tolerance 1e-4\n", label,
              arch.description.c_str(), kReplicas, kBatch, kEta, input_mismatches);
  CHECK(input_mismatches == 0);
  CHECK(gpu.labels == cpu.labels);
  const double gradient_error = worst_block_error(arch, gpu.gradients, cpu.gradients, cpu.gradients, "gradient");
  const std::vector<float> cpu_step_vector = step_of(cpu), fused_step_vector = step_of(fused);
  const double fused_error =
      worst_block_error(arch, fused_step_vector, cpu_step_vector, cpu_step_vector, "w1 - w0 (fused SGD update)");
  const double whole_error =
      worst_block_error(arch, whole.gradients, cpu.gradients, cpu.gradients, "gradient (one GEMM per replica)");
  CHECK(whole_error <= 1e-4);
  double loss_error = 0.0;
  for (int r = 0; r < kReplicas; ++r)
    loss_error = std::max(
        loss_error, std::abs(gpu.loss_sum[static_cast<std::size_t>(r)] - cpu.loss_sum[static_cast<std::size_t>(r)]) /
                        cpu.loss_sum[static_cast<std::size_t>(r)]);
  std::printf(
      "[cnn step %s] worst: gradient %.3e (by sample), %.3e (one GEMM), fused step %.3e, loss %.3e "
      "(tolerance 1e-4)\n",
      label, gradient_error, whole_error, fused_error, loss_error);
  CHECK(gradient_error <= 1e-4);
  CHECK(fused_error <= 1e-4);
  CHECK(loss_error <= 1e-4);
  // The comparison can fail: a CPU step with eta 0.1% off is 1e-3 away from the GPU's.
  const std::vector<float> wrong_step = step_of(cpu_step(arch, train, kEta * 1.001));
  double mutant_error = 0.0, scale = 0.0;
  for (std::size_t j = 0; j < wrong_step.size(); ++j) {
    mutant_error = std::max(mutant_error, std::abs(static_cast<double>(fused_step_vector[j]) - wrong_step[j]));
    scale = std::max(scale, std::abs(static_cast<double>(wrong_step[j])));
  }
  std::printf("[cnn step %s] mutant (CPU eta x 1.001): step error %.3e (must exceed 1e-4)\n", label,
              mutant_error / scale);
  CHECK(mutant_error / scale > 1e-4);
}

TEST_CASE("One GPU SGD step of a CNN (K = 3) equals the CPU trainer's within float rounding") {
  if (!gpu_present()) return;
  SECTION("one channel, 28 x 28, two conv-ReLU-pool blocks") {
    const Dataset train = digits_like(512, 1), test = digits_like(100, 2);
    check_cnn_step(Architecture::cnn(1, 28, 28, {8, 16}, 3, 10), train, test, "1x28x28");
  }
  SECTION("three channels stored (c, y, x), read (y, x, c), 5 x 5 kernels") {
    const Dataset train = colour_like(512, 5), test = colour_like(100, 6);
    check_cnn_step(Architecture::cnn(3, 8, 8, {4, 6}, 5, 10), train, test, "3x8x8");
  }
}

TEST_CASE("GPU and CPU trainers give the same few-epoch CNN trajectories") {
  if (!gpu_present()) return;
  const Dataset train = digits_like(600, 3), test = digits_like(200, 4);
  const Architecture arch = Architecture::cnn(1, 28, 28, {8, 16}, 3, 10);
  TrainSpec spec;
  spec.name = "cnn_few_epochs";
  spec.replicas = kReplicas;
  spec.epochs = 3;
  spec.drop_last = true;  // 600 = 37 x 16 + 8: both trainers must skip the 8 (37 updates per epoch)
  spec.schedule.eta = 0.05;
  spec.schedule.batch = 16;
  spec.schedule.per_epoch = true;
  spec.measure.every = 3;
  spec.measure.noise_samples = 64;
  spec.measure.curvature = spec.measure.sharpness = false;
  const TrainResult cpu = train_replicas(spec, arch, train, test, kSeed);
  const TrainResult gpu = train_replicas_cuda(spec, arch, train, test, kSeed, MatmulPrecision::fp32);
  for (const char* name : {"train_loss", "test_loss"}) {
    const auto& a = gpu.table(name).values;
    const auto& b = cpu.table(name).values;
    REQUIRE(a.size() == b.size());
    double worst = 0.0;
    for (std::size_t j = 0; j < a.size(); ++j)
      if (!std::isnan(b[j])) worst = std::max(worst, std::abs(a[j] - b[j]) / std::abs(b[j]));
    std::printf(
        "[cnn epochs] %-10s worst relative difference %.3e (tolerance 1e-3); replica 0 last row GPU %.6f "
        "CPU %.6f\n",
        name, worst, a[a.size() - kReplicas], b[b.size() - kReplicas]);
    CHECK(worst <= 1e-3);
  }
  const auto& a = gpu.table("test_accuracy").values;
  const auto& b = cpu.table("test_accuracy").values;
  double worst = 0.0;
  for (std::size_t j = 0; j < a.size(); ++j)
    if (!std::isnan(b[j])) worst = std::max(worst, std::abs(a[j] - b[j]) * 200.0);
  std::printf("[cnn epochs] test_accuracy worst difference %.0f samples (tolerance 3)\n", worst);
  CHECK(worst <= 3.0);
  const auto& loss = cpu.table("train_loss").values;
  CHECK(loss[3 * kReplicas] < loss[1 * kReplicas]);
}

TEST_CASE("GPU and CPU trainers give the same few-epoch loss trajectories under SGD, SHB and NSHB") {
  if (!gpu_present()) return;
  const Dataset train = digits_like(600, 3), test = digits_like(200, 4);
  const Architecture arch = Architecture::mlp(1, 28, 28, {256}, 10);
  for (const OptimizerKind kind : {OptimizerKind::sgd, OptimizerKind::shb, OptimizerKind::nshb}) {
    TrainSpec spec;
    spec.name = "few_epochs";
    spec.replicas = kReplicas;
    spec.epochs = 3;
    spec.optimizer = kind;
    spec.momentum = 0.5;
    spec.schedule.eta = kind == OptimizerKind::shb ? 0.02 : 0.05;
    spec.schedule.batch = 16;  // 600 = 37 x 16 + 8: the last batch of each epoch is partial
    spec.schedule.per_epoch = true;
    spec.measure.every = 3;
    spec.measure.noise_samples = 64;  // C^2 at rows 0 and 3: on the CPU from the GPU's weights
    spec.measure.curvature = spec.measure.sharpness = false;
    const TrainResult cpu = train_replicas(spec, arch, train, test, kSeed);
    CudaTrainTiming timing;
    const TrainResult gpu = train_replicas_cuda(spec, arch, train, test, kSeed, MatmulPrecision::fp32, {}, &timing);
    std::printf("[epochs %s] K=%d, 3 epochs of 38 steps, b=16; GPU %.3f s (training %.3f s)\n",
                optimizer_name(kind).c_str(), kReplicas, gpu.seconds, timing.training_seconds);
    test::check_trajectories_match(("epochs " + optimizer_name(kind)).c_str(), gpu, cpu);
    // Learning happened on both: the trajectories compared are not flat.
    const auto& loss = cpu.table("train_loss").values;
    CHECK(loss[3 * kReplicas] < loss[1 * kReplicas]);
  }
}

// Step graphs (CudaTrainerChoices::step_graphs) replay the kernels and cuBLAS calls that the
// eager path launches, in the same order on the same workspace: every number of the result must
// be bit-equal with graphs off, through eta changes (lr decay per epoch), partial last batches
// and the unfused SHB update. A graph replaying a stale state (an old eta) changes the losses, so
// this comparison catches it.
TEST_CASE("Step graphs give the eager path's results bit for bit") {
  if (!gpu_present()) return;
  const Dataset train = digits_like(600, 3), test = digits_like(200, 4);
  struct Case {
    const char* name;
    Architecture arch;
    OptimizerKind optimizer;
  };
  const Case cases[] = {
      {"mlp sgd", Architecture::mlp(1, 28, 28, {256}, 10), OptimizerKind::sgd},
      {"mlp shb", Architecture::mlp(1, 28, 28, {64, 32}, 10), OptimizerKind::shb},
      {"cnn sgd", Architecture::cnn(1, 28, 28, {4, 8}, 3, 10), OptimizerKind::sgd},
  };
  for (const Case& c : cases) {
    TrainSpec spec;
    spec.name = "graphs";
    spec.replicas = kReplicas;
    spec.epochs = 3;
    spec.optimizer = c.optimizer;
    spec.momentum = 0.5;
    spec.schedule.kind = ScheduleKind::lr_decay;
    spec.schedule.eta = 0.05;
    spec.schedule.eta_factor = 0.7;
    spec.schedule.every = 1;
    spec.schedule.batch = 16;  // 600 = 37 x 16 + 8: a partial batch ends each epoch
    spec.schedule.per_epoch = true;
    spec.measure.every = 1;
    spec.measure.noise_samples = 64;
    spec.measure.curvature = spec.measure.sharpness = false;
    CudaTrainTiming eager_timing, graph_timing;
    CudaTrainerChoices eager_choices;
    eager_choices.step_graphs = false;
    const TrainResult eager =
        train_replicas_cuda(spec, c.arch, train, test, kSeed, MatmulPrecision::fp32, {}, &eager_timing, eager_choices);
    const TrainResult graphs = train_replicas_cuda(spec, c.arch, train, test, kSeed, MatmulPrecision::fp32, {},
                                                   &graph_timing, CudaTrainerChoices{});
    std::printf("[graphs %s] graphs captured: eager %d, with graphs %d\n", c.name, eager_timing.step_graphs,
                graph_timing.step_graphs);
    CHECK(eager_timing.step_graphs == 0);
    CHECK(graph_timing.step_graphs > 0);
    for (const char* name : {"train_loss", "train_accuracy", "test_loss", "test_accuracy", "c2"}) {
      const auto& a = graphs.table(name).values;
      const auto& b = eager.table(name).values;
      REQUIRE(a.size() == b.size());
      int differing = 0;
      for (std::size_t j = 0; j < a.size(); ++j)
        if (std::memcmp(&a[j], &b[j], sizeof(double)) != 0) ++differing;
      std::printf("  %-14s %zu entries, %d not bit-equal (graphs)\n", name, a.size(), differing);
      CHECK(differing == 0);
    }
  }
}

// The fused head at b = 128 (fused_head_max_batch raised from its default 32; its gradient kernel
// splits the samples over warps): the CPU trainer's trajectories within the tolerances of the
// plain ones. 600 samples = 4 x 128 + 88: a partial batch ends each epoch.
TEST_CASE("The fused head at b = 128 gives the CPU trainer's trajectories") {
  if (!gpu_present()) return;
  const Dataset train = digits_like(600, 3), test = digits_like(200, 4);
  const Architecture arch = Architecture::mlp(1, 28, 28, {256}, 10);
  const TrainSpec spec = test::few_epochs_spec("fused_head_128", kReplicas, 3, 128, false);
  const TrainResult cpu = train_replicas(spec, arch, train, test, kSeed);
  CudaTrainerChoices choices;
  choices.fused_head_max_batch = 128;
  const TrainResult gpu =
      train_replicas_cuda(spec, arch, train, test, kSeed, MatmulPrecision::fp32, {}, nullptr, choices);
  test::check_trajectories_match("fused head b = 128", gpu, cpu);
  const auto& loss = cpu.table("train_loss").values;
  CHECK(loss[3 * kReplicas] < loss[1 * kReplicas]);
}

// (tests/trainer_graph_support.hpp)
TEST_CASE("Step graphs are keyed on eta") {
  if (!gpu_present()) return;
  const Dataset train = digits_like(400, 3), test = digits_like(50, 4);
  test::check_graphs_follow_eta(train, test);
}

#endif

}  // namespace

// tf32 keeps 10 mantissa bits and rounds to nearest, ties away from zero (cvt.rna.tf32.f32).
TEST_CASE("round_to_tf32 rounds to 10 mantissa bits, ties away from zero") {
  const float ulp = std::ldexp(1.0f, -10);  // tf32's spacing in [1, 2)
  CHECK(round_to_tf32(1.0f) == 1.0f);
  CHECK(round_to_tf32(1.0f + ulp) == 1.0f + ulp);
  CHECK(round_to_tf32(1.0f + 0.25f * ulp) == 1.0f);
  CHECK(round_to_tf32(1.0f + 0.75f * ulp) == 1.0f + ulp);
  CHECK(round_to_tf32(1.0f + 0.5f * ulp) == 1.0f + ulp);      // a tie: away from zero
  CHECK(round_to_tf32(-1.0f - 0.5f * ulp) == -1.0f - ulp);    // and for negative values
  CHECK(round_to_tf32(1.0f + 1.5f * ulp) == 1.0f + 2 * ulp);  // (ties to even would give the same here)
  CHECK(round_to_tf32(1.0f + 2.5f * ulp) == 1.0f + 3 * ulp);  // (ties to even would give 1 + 2 ulp)
  CHECK(round_to_tf32(std::nextafter(2.0f, 0.0f)) == 2.0f);   // the carry into the exponent
  CHECK(round_to_tf32(0.0f) == 0.0f);
}

TEST_CASE("train device = cuda is refused with one line naming the key where it cannot run") {
  const char* config = R"(
[data]
source = "idx"
dir = "/nonexistent"
[[run]]
name = "a"
[run.schedule]
eta = 0.1
)";
  toml::table document = toml::parse(config);
  document.insert_or_assign("device", "cuda");
  const std::string why = cuda_training_unavailable();
  if (why.empty()) {
    CHECK(parse_train_config(document).device == "cuda");
    toml::table cnn = document;  // the GPU trainer runs the CNN too
    cnn.insert_or_assign("model", toml::table{{"kind", "cnn"}});
    CHECK(parse_train_config(cnn).model.kind == "cnn");
    toml::table tf32 = document;
    tf32.insert_or_assign("matmul_precision", "tf32");
    CHECK(parse_train_config(tf32).matmul_precision == MatmulPrecision::tf32);
  } else {
    std::printf("[refusal] no GPU here (%s): device = \"cuda\" must be refused\n", why.c_str());
    try {
      (void)parse_train_config(document);
      FAIL("device = \"cuda\" was accepted without a GPU");
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      CHECK(message.find("'device' = \"cuda\"") != std::string::npos);
      CHECK(message.find('\n') == std::string::npos);
    }
  }
  // tf32 is a GPU mode: refused on the CPU, naming the key.
  toml::table cpu_tf32 = toml::parse(config);
  cpu_tf32.insert_or_assign("matmul_precision", "tf32");
  REQUIRE_THROWS_WITH(parse_train_config(cpu_tf32), Catch::Contains("'matmul_precision'"));
  CHECK(parse_train_config(toml::parse(config)).device == "cpu");
}
