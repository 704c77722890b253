// The first-layer step kernel's own source (sim/nn/first_layer_step_cuda.cu, rewritten by
// emulate_cuda_source.cmake and compiled as C++ against the CPU emulation of the CUDA runtime and
// of wmma in this folder) against its CPU reference: the tiling, the padding, the shared-memory
// indexing, the column splits and the order of the phases, checked on every machine, GPU or not.
// The real GPU run of the same comparison is test_nn_cuda's "The first-layer step kernel equals
// its CPU reference"; what only that one can show is in cuda_runtime.h here.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "dev/cuda/first_layer_step/first_layer_step_support.hpp"
#include "dev/cuda/first_layer_step/first_layer_step.hpp"

using namespace sgds;

TEST_CASE("The first-layer step kernel's source, emulated on the CPU, equals its reference") {
  test::check_first_layer_step_kernel(
      "CPU emulation",
      [](nn::FirstLayerStepProblem& problem, nn::FirstLayerArithmetic arithmetic, int splits) {
        return nn::cuda::first_layer_step_on_device(problem, arithmetic, splits);
      },
      test::kFirstLayerStepShapes);
  nn::FirstLayerStepProblem too_wide =
      test::random_first_layer_step(1, 8, 8, 0, nn::kFirstLayerStepMaxColumns + 1, true, 99);
  CHECK_THROWS_AS(nn::cuda::first_layer_step_on_device(too_wide, nn::FirstLayerArithmetic::fp32, 1),
                  std::invalid_argument);
}

// The fragment layouts of one mma.sync as the chained kernel places them (here against the
// emulation's model of the PTX ISA; test_nn_cuda runs the same on the hardware).
TEST_CASE("One mma.sync through the chained kernel's fragment layouts gives A B") {
  test::check_mma_layout("CPU emulation", nn::cuda::tf32_mma_on_device);
}

// The chained kernel (tf32 and tf32x3) with the fragment layouts of the PTX ISA (mma.h here): a
// stepped tile used as the forward's operand in the wrong register order, or X read in an order
// other than the tile's, fails here.
TEST_CASE("The chained first-layer step kernel's source, emulated on the CPU, equals its reference") {
  test::check_first_layer_step_kernel("CPU emulation, chained", test::run_chained, test::kFirstLayerStepShapes,
                                      test::kTensorCoreFirstLayerArithmetics);
  nn::FirstLayerStepProblem fp32 = test::random_first_layer_step(1, 64, 32, 8, 8, true, 98);
  CHECK_THROWS_AS(nn::cuda::first_layer_step_on_device(fp32, nn::FirstLayerArithmetic::fp32, 1,
                                                       nn::cuda::FirstLayerStepKernel::chained),
                  std::invalid_argument);
}

// The same with the batches gathered by the kernel from a table by row index (X and A are not
// uploaded as matrices at all), as the trainer runs it; the staged kernel refuses to gather.
TEST_CASE("The chained first-layer step kernel gathers its batches from the training set") {
  test::check_first_layer_step_kernel("CPU emulation, chained, gathered", test::run_chained,
                                      test::kFirstLayerStepShapes, test::kTensorCoreFirstLayerArithmetics, true);
  nn::FirstLayerStepProblem staged =
      test::gathered_first_layer_step(test::random_first_layer_step(1, 64, 32, 8, 8, true, 97), 5);
  CHECK_THROWS_AS(nn::cuda::first_layer_step_on_device(staged, nn::FirstLayerArithmetic::tf32, 1),
                  std::invalid_argument);
}

// Two held steps at b = 32 (held 64) against the reference, and the step left unstored
// (store_stepped = false), as chained_hold_two_steps runs them; the staged kernel refuses the latter.
TEST_CASE("The chained first-layer step kernel holds two steps, leaves a step unstored, forms the head's partials") {
  test::check_chained_extras("CPU emulation");
  nn::FirstLayerStepProblem staged = test::random_first_layer_step(1, 64, 32, 8, 8, true, 96);
  staged.store_stepped = false;
  CHECK_THROWS_AS(nn::cuda::first_layer_step_on_device(staged, nn::FirstLayerArithmetic::tf32, 1),
                  std::invalid_argument);
}
