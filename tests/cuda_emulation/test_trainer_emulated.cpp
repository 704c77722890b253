// The GPU trainer's own source (sim/nn/replica_trainer_cuda.cu and the kernel files beside it,
// rewritten by emulate_cuda_source.cmake, compiled against the CPU emulation of the CUDA runtime
// and cuBLAS in this folder) trained against the CPU trainer: the default path and the choices
// that can be turned off, checked on every machine. The same comparisons on a GPU are in
// test_nn_cuda; they remain the word on the real hardware (cuda_runtime.h here says what the
// emulation cannot show). Small MLPs (784-40-10: a first layer of one partial row tile) and a
// small CNN, K = 2.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../nn_test_data.hpp"
#include "../trainer_graph_support.hpp"
#include "../trajectory_support.hpp"
#include "sim/nn/trainer.hpp"
#include "sim/nn/trainer_cuda.hpp"

using namespace sgds;
using namespace sgds::nn;

#if defined(SGDS_EMULATION_DEVICE_STUB)
// A build without the CUDA backend has no device queries; the emulation is its device.
namespace sgds::cuda {
std::string device_unavailable_reason() { return ""; }
std::string device_description() { return "CPU emulation"; }
}  // namespace sgds::cuda
#endif

namespace {

constexpr int kReplicas = 2;
constexpr std::uint32_t kSeed = 11;

TrainSpec small_spec(int batch, bool decay) { return test::few_epochs_spec("emulated", kReplicas, 2, batch, decay); }

}  // namespace

TEST_CASE("Emulated GPU trainer: default path, and the fused head at b = 128") {
  const Dataset train = test::digits_like(600, 3), test_set = test::digits_like(200, 4);
  const Architecture arch = Architecture::mlp(1, 28, 28, {40}, 10);
  // b = 16 (600 = 37 x 16 + 8: a partial batch ends each epoch), eta decaying every epoch.
  const TrainSpec spec = small_spec(16, true);
  const TrainResult cpu = train_replicas(spec, arch, train, test_set, kSeed);
  CudaTrainTiming timing;
  test::check_trajectories_match(
      "emulated default", train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::fp32, {}, &timing),
      cpu);
  CHECK(timing.step_graphs > 0);
  // Without the fused head and without graphs: the GEMM head, eager launches.
  CudaTrainerChoices plain;
  plain.fused_head = false;
  plain.step_graphs = false;
  test::check_trajectories_match(
      "emulated GEMM head, eager",
      train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::fp32, {}, nullptr, plain), cpu);
  // b = 128 (600 = 4 x 128 + 88) with the fused head there.
  const TrainSpec wide = small_spec(128, false);
  CudaTrainerChoices choices;
  choices.fused_head_max_batch = 128;
  test::check_trajectories_match(
      "emulated fused head b = 128",
      train_replicas_cuda(wide, arch, train, test_set, kSeed, MatmulPrecision::fp32, {}, nullptr, choices),
      train_replicas(wide, arch, train, test_set, kSeed));
}

// Graph replay against eager execution: every result column bit-equal. And tf32 (tf32-rounded
// GEMMs) against the fp32 run within relative 1e-2 (two-epoch losses; the inputs' rounding is 2^-11).
TEST_CASE("Emulated GPU trainer: step graphs replay the eager steps exactly, and tf32 runs") {
  const Dataset train = test::digits_like(600, 3), test_set = test::digits_like(200, 4);
  const Architecture arch = Architecture::mlp(1, 28, 28, {40}, 10);
  const TrainSpec spec = small_spec(16, true);
  CudaTrainerChoices eager, graphs;
  eager.step_graphs = false;
  CudaTrainTiming eager_timing, graph_timing;
  const TrainResult a =
      train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::fp32, {}, &eager_timing, eager);
  const TrainResult b =
      train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::fp32, {}, &graph_timing, graphs);
  CHECK(eager_timing.step_graphs == 0);
  CHECK(graph_timing.step_graphs > 0);
  for (const char* name : {"train_loss", "train_accuracy", "test_loss", "test_accuracy", "c2"}) {
    const auto& x = a.table(name).values;
    const auto& y = b.table(name).values;
    REQUIRE(x.size() == y.size());
    int differing = 0;
    for (std::size_t j = 0; j < x.size(); ++j)
      if (std::memcmp(&x[j], &y[j], sizeof(double)) != 0) ++differing;
    std::printf("[emulated graphs] %-14s %zu entries, %d not bit-equal\n", name, x.size(), differing);
    CHECK(differing == 0);
  }
  const TrainResult tf32 =
      train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::tf32, {}, nullptr, graphs);
  for (const char* name : {"train_loss", "test_loss"}) {
    const auto& x = tf32.table(name).values;
    const auto& y = a.table(name).values;
    double worst = 0.0;
    for (std::size_t j = 0; j < x.size(); ++j) worst = std::max(worst, std::abs(x[j] - y[j]) / std::abs(y[j]));
    std::printf("[emulated tf32] %-10s worst relative difference to fp32 %.3e (tolerance 1e-2)\n", name, worst);
    CHECK(worst <= 1e-2);
  }
}

TEST_CASE("Emulated GPU trainer: step graphs are keyed on eta") {
  const Dataset train = test::digits_like(400, 3), test_set = test::digits_like(50, 4);
  test::check_graphs_follow_eta(train, test_set);
}

// The CNN path (im2col, col2im, pooling, conv gradients split by sample and not): a 1x28x28 CNN
// with 4 and 8 channels of 3 x 3, against the CPU trainer.
TEST_CASE("Emulated GPU trainer: a small CNN gives the CPU trainer's trajectories") {
  const Dataset train = test::digits_like(300, 3), test_set = test::digits_like(100, 4);
  const Architecture arch = Architecture::cnn(1, 28, 28, {4, 8}, 3, 10);
  const TrainSpec spec = small_spec(16, true);
  const TrainResult cpu = train_replicas(spec, arch, train, test_set, kSeed);
  for (const bool split : {true, false}) {
    CudaTrainerChoices choices;
    choices.split_conv_gradients = split;
    test::check_trajectories_match(
        split ? "emulated cnn, conv gradients by sample" : "emulated cnn, one GEMM per replica",
        train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::fp32, {}, nullptr, choices), cpu,
        100.0, 300.0);
  }
}

// The other update path: SHB with its stored gradients and update kernel.
TEST_CASE("Emulated GPU trainer: SHB gives the CPU trainer's trajectories") {
  const Dataset train = test::digits_like(600, 3), test_set = test::digits_like(200, 4);
  const Architecture arch = Architecture::mlp(1, 28, 28, {40}, 10);
  const TrainSpec spec = small_spec(16, true);
  TrainSpec shb = spec;
  shb.optimizer = OptimizerKind::shb;
  shb.momentum = 0.5;
  test::check_trajectories_match("emulated shb",
                                 train_replicas_cuda(shb, arch, train, test_set, kSeed, MatmulPrecision::fp32),
                                 train_replicas(shb, arch, train, test_set, kSeed));
}

// A hidden layer below the one under the head: its ReLU mask and bias gradient (SHB) or bias step
// (SGD) are bias_gradient_kernel's, which no one-hidden-layer network runs.
TEST_CASE("Emulated GPU trainer: an MLP of two hidden layers gives the CPU trainer's trajectories") {
  const Dataset train = test::digits_like(300, 3), test_set = test::digits_like(100, 4);
  const Architecture arch = Architecture::mlp(1, 28, 28, {40, 24}, 10);
  TrainSpec spec = small_spec(16, true);
  test::check_trajectories_match("emulated 784-40-24-10, sgd",
                                 train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::fp32),
                                 train_replicas(spec, arch, train, test_set, kSeed));
  spec.optimizer = OptimizerKind::shb;
  spec.momentum = 0.5;
  test::check_trajectories_match("emulated 784-40-24-10, shb",
                                 train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::fp32),
                                 train_replicas(spec, arch, train, test_set, kSeed));
}
