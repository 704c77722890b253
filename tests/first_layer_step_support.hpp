#pragma once
// The first-layer step kernel (sim/nn/first_layer_step_cuda.cu) against its CPU reference, for
// test_nn_cuda (the kernel on a GPU) and tests/cuda_emulation (the kernel's source on the CPU).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "sim/nn/first_layer_step.hpp"

namespace sgds::test {

// A problem with entries uniform in [-1, 1) (fixed seed). W and b sit at odd offsets of an odd
// stride, so the kernel's indexing cannot lean on the trainer's alignment.
inline nn::FirstLayerStepProblem random_first_layer_step(int replicas, int out, int in, int held, int count, bool relu,
                                                         std::uint32_t seed) {
  nn::FirstLayerStepProblem p;
  p.replicas = replicas;
  p.out = out;
  p.in = in;
  p.held = held;
  p.count = count;
  p.eta = 0.5f;
  p.relu = relu;
  p.weight_offset = 5;
  p.bias_offset = p.weight_offset + static_cast<std::int64_t>(out) * in;
  p.stride = static_cast<std::size_t>(p.bias_offset) + static_cast<std::size_t>(out) + 3;
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  const auto fill = [&](std::vector<float>& v, std::size_t n) {
    v.resize(n);
    for (float& x : v) x = uniform(engine);
  };
  const std::size_t K = static_cast<std::size_t>(replicas);
  fill(p.parameters, K * p.stride);
  fill(p.deltas, K * static_cast<std::size_t>(out) * held);
  fill(p.inputs_held, K * static_cast<std::size_t>(in) * held);
  fill(p.inputs, K * static_cast<std::size_t>(in) * count);
  return p;
}

// max |a - b| divided by max |b|.
inline double relative_to_largest(const std::vector<float>& a, const std::vector<float>& b) {
  double error = 0.0, scale = 0.0;
  for (std::size_t j = 0; j < a.size(); ++j) {
    error = std::max(error, std::abs(static_cast<double>(a[j]) - static_cast<double>(b[j])));
    scale = std::max(scale, std::abs(static_cast<double>(b[j])));
  }
  return scale > 0.0 ? error / scale : error;
}

struct FirstLayerStepShape {
  int replicas, out, in, held, count, splits;
  bool relu;
};

// Partial row tiles (70, 100 rows), partial column chunks (50, 300, 784 columns), partial sample
// tiles, no held step, the largest batches, a single sample, column splits.
inline const std::vector<FirstLayerStepShape> kFirstLayerStepShapes = {
    {3, 70, 50, 7, 13, 1, true},      {3, 70, 50, 7, 13, 2, true},     {2, 256, 784, 32, 32, 1, true},
    {2, 256, 784, 32, 32, 3, true},   {2, 256, 784, 128, 128, 1, true}, {2, 256, 784, 0, 5, 1, true},
    {1, 64, 32, 128, 1, 1, false},    {2, 100, 300, 96, 128, 4, false},
};

// For each shape and arithmetic: `run(problem, arithmetic, splits)` steps the problem's parameters
// and returns Z. Each arithmetic is held to the reference with the same products (tf32: factors
// rounded to tf32, whose products are exact, so only the order of float sums differs; tf32x3: the
// three products of the split factors) within 1e-4 of the largest entry. A mutant reference (eta x
// 1.01) must lie outside 1e-3. tf32x3 must also stay within 1e-5 of the fp32 reference, where tf32
// is about 3e-4 away: the low parts are really there.
template <class Run>
void check_first_layer_step_kernel(const char* where, Run run, const std::vector<FirstLayerStepShape>& shapes) {
  std::uint32_t seed = 1;
  for (const FirstLayerStepShape& sh : shapes) {
    for (const nn::FirstLayerArithmetic arithmetic :
         {nn::FirstLayerArithmetic::fp32, nn::FirstLayerArithmetic::tf32, nn::FirstLayerArithmetic::tf32x3}) {
      nn::FirstLayerStepProblem problem =
          random_first_layer_step(sh.replicas, sh.out, sh.in, sh.held, sh.count, sh.relu, seed++);
      problem.products = arithmetic;
      const std::vector<float> before = problem.parameters;
      nn::FirstLayerStepProblem reference = problem, mutant = problem, kernel = problem;
      const std::vector<float> z_reference = nn::first_layer_step_reference(reference);
      mutant.eta *= 1.01f;
      const std::vector<float> z_of_mutant = nn::first_layer_step_reference(mutant);
      const std::vector<float> z_kernel = run(kernel, arithmetic, sh.splits);
      REQUIRE(z_kernel.size() == z_reference.size());
      const double w_error = relative_to_largest(kernel.parameters, reference.parameters);
      const double z_error = relative_to_largest(z_kernel, z_reference);
      const double w_mutant = relative_to_largest(mutant.parameters, reference.parameters);
      const double z_mutant = relative_to_largest(z_of_mutant, z_reference);
      std::printf("[first-layer step, %s, %s] K %d, %d x %d, held %d, count %d, splits %d: W %.2e, Z %.2e "
                  "(tolerance 1e-4); mutant eta x 1.01: W %.2e, Z %.2e\n",
                  where, nn::first_layer_arithmetic_name(arithmetic), sh.replicas, sh.out, sh.in, sh.held, sh.count, sh.splits,
                  w_error, z_error, w_mutant, z_mutant);
      CHECK(w_error <= 1e-4);
      CHECK(z_error <= 1e-4);
      if (sh.held > 0) {
        CHECK(w_mutant > 1e-3);
        CHECK(z_mutant > 1e-3);
      } else {  // no held step: W is only read
        CHECK(std::memcmp(kernel.parameters.data(), before.data(), before.size() * sizeof(float)) == 0);
      }
      if (arithmetic == nn::FirstLayerArithmetic::tf32x3) {
        nn::FirstLayerStepProblem exact = problem;
        exact.products = nn::FirstLayerArithmetic::fp32;
        const std::vector<float> z_exact = nn::first_layer_step_reference(exact);
        const double w_to_fp32 = relative_to_largest(kernel.parameters, exact.parameters);
        const double z_to_fp32 = relative_to_largest(z_kernel, z_exact);
        std::printf("  tf32x3 against the fp32 reference: W %.2e, Z %.2e (tolerance 1e-5)\n", w_to_fp32, z_to_fp32);
        CHECK(w_to_fp32 <= 1e-5);
        CHECK(z_to_fp32 <= 1e-5);
      }
    }
  }
}

}  // namespace sgds::test
