// The first-layer step kernels (first_layer_step_cuda.cu here) against their CPU reference
// (first_layer_step.cpp): the reference by hand, and on a GPU the staged and chained kernels over
// the shapes and mutants of first_layer_step_support.hpp. The GPU cases print "SKIPPED: no CUDA
// device" and return where no device exists. Built with dev/cuda (not by default).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "dev/cuda/first_layer_step/first_layer_step.hpp"
#include "dev/cuda/first_layer_step/first_layer_step_support.hpp"
#include "sim/cuda/cuda_engine.hpp"

using namespace sgds;
using namespace sgds::nn;

namespace {

bool gpu_present() {
  const std::string why = sgds::cuda::device_unavailable_reason();
  if (!why.empty()) {
    WARN("SKIPPED: no CUDA device (" << why << ")");
    std::printf("SKIPPED: no CUDA device (%s)\n", why.c_str());
  }
  return why.empty();
}

}  // namespace

// The step-and-forward kernel (first_layer_step_cuda.cu here) on the GPU against its CPU
// reference, both variants (first_layer_step_support.hpp: shapes, tolerances, mutant).
TEST_CASE("The first-layer step kernel equals its CPU reference") {
  if (!gpu_present()) return;
  test::check_first_layer_step_kernel(
      "GPU",
      [](FirstLayerStepProblem& problem, FirstLayerArithmetic arithmetic, int splits) {
        return nn::cuda::first_layer_step_on_device(problem, arithmetic, splits);
      },
      test::kFirstLayerStepShapes);
  FirstLayerStepProblem too_wide = test::random_first_layer_step(1, 8, 8, 0, kFirstLayerStepMaxColumns + 1, true, 99);
  CHECK_THROWS_AS(nn::cuda::first_layer_step_on_device(too_wide, nn::FirstLayerArithmetic::fp32, 1),
                  std::invalid_argument);
}

// The chained kernel (tf32, tf32x3) on the GPU: the hardware's fragment layouts, which the CPU
// emulation (dev/cuda/emulation/mma.h) only models from the PTX ISA; first one mma on its own.
TEST_CASE("The chained first-layer step kernel equals its CPU reference") {
  if (!gpu_present()) return;
  test::check_mma_layout("GPU", nn::cuda::tf32_mma_on_device);
  test::check_first_layer_step_kernel("GPU, chained", test::run_chained, test::kFirstLayerStepShapes,
                                      test::kTensorCoreFirstLayerArithmetics);
  test::check_first_layer_step_kernel("GPU, chained, gathered", test::run_chained, test::kFirstLayerStepShapes,
                                      test::kTensorCoreFirstLayerArithmetics, true);
  test::check_chained_extras("GPU");
}

// The CPU reference of the first-layer step kernel, by hand: W (2 x 3) = [1 2 3; 4 5 6], D =
// diag(1, 2), A = [e1, e2 + e3] give D A^T = [1 0 0; 0 2 2]; with eta = 0.5, W becomes
// [0.5 2 3; 4 4 5], and X = (1, 1, 2) gives W X + b = (8.5 + 0.5, 18 - 100) = (9, -82), which the
// ReLU makes (9, 0). Every value is exact in float.
TEST_CASE("The first-layer step reference steps W, then runs the batch through the stepped W") {
  FirstLayerStepProblem p;
  p.out = 2;
  p.in = 3;
  p.held = 2;
  p.count = 1;
  p.eta = 0.5f;
  p.stride = 8;
  p.weight_offset = 0;
  p.bias_offset = 6;
  p.parameters = {1, 4, 2, 5, 3, 6, 0.5f, -100};
  p.deltas = {1, 0, 0, 2};
  p.inputs_held = {1, 0, 0, 0, 1, 1};
  p.inputs = {1, 1, 2};
  FirstLayerStepProblem linear = p;
  linear.relu = false;
  CHECK(first_layer_step_reference(p) == std::vector<float>{9.0f, 0.0f});
  CHECK(p.parameters == std::vector<float>{0.5f, 4, 2, 4, 3, 5, 0.5f, -100});
  CHECK(first_layer_step_reference(linear) == std::vector<float>{9.0f, -82.0f});
  // No held step: the forward pass of the unchanged W.
  FirstLayerStepProblem unheld = p;
  unheld.parameters = {1, 4, 2, 5, 3, 6, 0.5f, -100};
  unheld.held = 0;
  unheld.deltas.clear();
  unheld.inputs_held.clear();
  CHECK(first_layer_step_reference(unheld) == std::vector<float>{1 + 2 + 6 + 0.5f, 0.0f});
  CHECK(unheld.parameters == std::vector<float>{1, 4, 2, 5, 3, 6, 0.5f, -100});
  FirstLayerStepProblem wrong = p;
  wrong.inputs.pop_back();
  CHECK_THROWS_AS(first_layer_step_reference(wrong), std::invalid_argument);
}

// The reference's tf32 mode rounds each factor (round_to_tf32, sim/nn/matmul_precision.hpp):
// 1 + ulp/4 times 1 becomes 1.
TEST_CASE("The first-layer step reference in tf32 rounds each factor") {
  const float ulp = std::ldexp(1.0f, -10);  // tf32's spacing in [1, 2)
  FirstLayerStepProblem p;
  p.out = p.in = p.count = 1;
  p.held = 0;
  p.relu = false;
  p.stride = 2;
  p.bias_offset = 1;
  p.parameters = {1.0f + 0.25f * ulp, 0.0f};
  p.inputs = {1.0f};
  FirstLayerStepProblem rounded = p;
  rounded.products = FirstLayerArithmetic::tf32;
  CHECK(first_layer_step_reference(p)[0] == 1.0f + 0.25f * ulp);
  CHECK(first_layer_step_reference(rounded)[0] == 1.0f);
}
