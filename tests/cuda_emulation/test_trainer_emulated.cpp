// The GPU trainer's own source (sim/nn/replica_trainer_cuda.cu and first_layer_step_cuda.cu,
// rewritten by emulate_cuda_source.cmake, compiled against the CPU emulation of the CUDA runtime,
// cuBLAS and wmma in this folder) trained against the CPU trainer: the paths written or changed
// without a GPU to run them, checked on every machine. The same comparisons on a GPU are in
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

TEST_CASE("Emulated GPU trainer: default path, W1's step in the next forward, fused head at b = 128") {
  const Dataset train = test::digits_like(600, 3), test_set = test::digits_like(200, 4);
  const Architecture arch = Architecture::mlp(1, 28, 28, {40}, 10);
  // b = 16 (600 = 37 x 16 + 8: a partial batch ends each epoch), eta decaying every epoch.
  const TrainSpec spec = small_spec(16, true);
  const TrainResult cpu = train_replicas(spec, arch, train, test_set, kSeed);
  CudaTrainTiming timing;
  test::check_trajectories_match("emulated default", train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::fp32, {}, &timing), cpu);
  CHECK(timing.step_graphs > 0);
  struct Variant {
    int splits;  // 0: automatic
    bool tf32x3, chained, hold_two = false;
  };
  for (const Variant v : {Variant{1, false, false}, Variant{3, false, false}, Variant{0, true, false},
                          Variant{0, true, true}, Variant{0, true, true, true}}) {
    CudaTrainerChoices choices;
    choices.step_in_forward = true;
    choices.step_in_forward_splits = v.splits;
    choices.first_layer_tf32x3 = v.tf32x3;
    choices.chained_first_layer_step = v.chained;
    choices.chained_hold_two_steps = v.hold_two;
    const std::string what = v.hold_two  ? std::string("emulated step in forward, tf32x3, chained kernel, two held steps")
                             : v.chained ? std::string("emulated step in forward, tf32x3, chained kernel")
                             : v.tf32x3  ? std::string("emulated step in forward, tf32x3")
                                         : "emulated step in forward, splits " + std::to_string(v.splits);
    test::check_trajectories_match(what.c_str(),
                  train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::fp32, {}, nullptr, choices),
                  cpu);
  }
  // The chained kernel over two row blocks (160 hidden units: 128 + 32), holding two steps: the
  // head sums the logits' partial products of both blocks.
  {
    const Architecture wide_hidden = Architecture::mlp(1, 28, 28, {160}, 10);
    const TrainResult cpu_wide_hidden = train_replicas(spec, wide_hidden, train, test_set, kSeed);
    CudaTrainerChoices choices;
    choices.step_in_forward = choices.first_layer_tf32x3 = true;
    choices.chained_first_layer_step = choices.chained_hold_two_steps = true;
    test::check_trajectories_match("emulated step in forward, tf32x3, chained kernel, two held steps, 160 hidden",
                  train_replicas_cuda(spec, wide_hidden, train, test_set, kSeed, MatmulPrecision::fp32, {}, nullptr, choices),
                  cpu_wide_hidden);
  }
  // b = 128 (600 = 4 x 128 + 88) with the fused head there, alone and with step_in_forward.
  const TrainSpec wide = small_spec(128, false);
  const TrainResult cpu_wide = train_replicas(wide, arch, train, test_set, kSeed);
  for (const bool step_in_forward : {false, true}) {
    CudaTrainerChoices choices;
    choices.fused_head_max_batch = 128;
    choices.step_in_forward = step_in_forward;
    test::check_trajectories_match(step_in_forward ? "emulated fused head b = 128, step in forward" : "emulated fused head b = 128",
                  train_replicas_cuda(wide, arch, train, test_set, kSeed, MatmulPrecision::fp32, {}, nullptr, choices),
                  cpu_wide);
  }
}

// Graph replay against eager execution with step_in_forward: a graph replaying a stale state
// (the wrong slot of the held step, or its old eta) changes the numbers, so every result column
// must be bit-equal. And tf32 (tensor-core tiles in the first layer, tf32-rounded GEMMs elsewhere)
// against the fp32 run within relative 1e-2 (two-epoch losses; the inputs' rounding is 2^-11).
TEST_CASE("Emulated GPU trainer: step graphs replay step_in_forward exactly, and its tf32 variant runs") {
  const Dataset train = test::digits_like(600, 3), test_set = test::digits_like(200, 4);
  const Architecture arch = Architecture::mlp(1, 28, 28, {40}, 10);
  const TrainSpec spec = small_spec(16, true);
  CudaTrainerChoices eager, graphs;
  eager.step_in_forward = graphs.step_in_forward = true;
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
    std::printf("[emulated graphs, step in forward] %-14s %zu entries, %d not bit-equal\n", name, x.size(), differing);
    CHECK(differing == 0);
  }
  for (const int kernel : {0, 1, 2}) {  // the staged kernel, the chained one, the chained one holding two steps
    const bool chained = kernel > 0;
    CudaTrainerChoices tf32_choices = graphs;
    tf32_choices.chained_first_layer_step = chained;
    tf32_choices.chained_hold_two_steps = kernel == 2;
    const TrainResult tf32 =
        train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::tf32, {}, nullptr, tf32_choices);
    for (const char* name : {"train_loss", "test_loss"}) {
      const auto& x = tf32.table(name).values;
      const auto& y = a.table(name).values;
      double worst = 0.0;
      for (std::size_t j = 0; j < x.size(); ++j) worst = std::max(worst, std::abs(x[j] - y[j]) / std::abs(y[j]));
      std::printf("[emulated tf32, step in forward, %s kernel] %-10s worst relative difference to fp32 %.3e "
                  "(tolerance 1e-2)\n",
                  kernel == 2 ? "chained two-held" : chained ? "chained" : "staged", name, worst);
      CHECK(worst <= 1e-2);
    }
  }
}

TEST_CASE("Emulated GPU trainer: step graphs are keyed on the held steps' slot and eta") {
  const Dataset train = test::digits_like(400, 3), test_set = test::digits_like(50, 4);
  test::check_graphs_follow_held_steps(train, test_set, true, 1);
  test::check_graphs_follow_held_steps(train, test_set, false, 4);
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
    test::check_trajectories_match(split ? "emulated cnn, conv gradients by sample" : "emulated cnn, one GEMM per replica",
                                   train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::fp32, {},
                                                       nullptr, choices),
                                   cpu, 100.0, 300.0);
  }
}

// The other update paths, which ran on an H100 before the emulation existed: first-layer steps
// deferred 4 at a time, and SHB with its stored gradients and update kernel.
TEST_CASE("Emulated GPU trainer: deferred first-layer steps and SHB give the CPU trainer's trajectories") {
  const Dataset train = test::digits_like(600, 3), test_set = test::digits_like(200, 4);
  const Architecture arch = Architecture::mlp(1, 28, 28, {40}, 10);
  const TrainSpec spec = small_spec(16, true);
  CudaTrainerChoices deferred;
  deferred.deferred_steps = 4;
  test::check_trajectories_match(
      "emulated deferred 4",
      train_replicas_cuda(spec, arch, train, test_set, kSeed, MatmulPrecision::fp32, {}, nullptr, deferred),
      train_replicas(spec, arch, train, test_set, kSeed));
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
