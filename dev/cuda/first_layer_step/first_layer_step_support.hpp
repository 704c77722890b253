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
#include <string>
#include <utility>
#include <vector>

#include "dev/cuda/first_layer_step/first_layer_step.hpp"

namespace sgds::test {

// A problem with entries uniform in [-1, 1) (fixed seed). Unaligned: W and b sit at odd offsets of
// an odd stride, so the kernel's indexing cannot lean on the trainer's alignment (4-byte copies).
// Aligned: every replica's W starts on 16 bytes, as in the trainer (16-byte copies where out and
// in are multiples of 4).
inline nn::FirstLayerStepProblem random_first_layer_step(int replicas, int out, int in, int held, int count, bool relu,
                                                         std::uint32_t seed, bool aligned = false) {
  nn::FirstLayerStepProblem p;
  p.replicas = replicas;
  p.out = out;
  p.in = in;
  p.held = held;
  p.count = count;
  p.eta = 0.5f;
  p.relu = relu;
  p.weight_offset = aligned ? 8 : 5;
  p.bias_offset = p.weight_offset + static_cast<std::int64_t>(out) * in;
  p.stride = static_cast<std::size_t>(p.bias_offset) + static_cast<std::size_t>(out) + 3;
  if (aligned) p.stride = (p.stride + 3) / 4 * 4;
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

// The problem with its batches gathered from a table (FirstLayerStepProblem::table) of
// 2 (count + held) + 3 rows, random row indices (repeats allowed, as across replicas in training),
// and inputs / inputs_held rebuilt from those rows for the reference.
inline nn::FirstLayerStepProblem gathered_first_layer_step(nn::FirstLayerStepProblem p, std::uint32_t seed) {
  const std::size_t in = static_cast<std::size_t>(p.in), rows = 2 * static_cast<std::size_t>(p.count + p.held) + 3;
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::uniform_int_distribution<std::uint32_t> row(0, static_cast<std::uint32_t>(rows - 1));
  p.table.resize(rows * in);
  for (float& x : p.table) x = uniform(engine);
  const auto gather = [&](std::vector<std::uint32_t>& indices, std::vector<float>& columns, int per_replica) {
    indices.resize(static_cast<std::size_t>(p.replicas) * static_cast<std::size_t>(per_replica));
    for (std::size_t j = 0; j < indices.size(); ++j) {
      indices[j] = row(engine);
      std::copy_n(p.table.begin() + static_cast<std::ptrdiff_t>(indices[j] * in), in,
                  columns.begin() + static_cast<std::ptrdiff_t>(j * in));
    }
  };
  gather(p.input_indices, p.inputs, p.count);
  gather(p.held_indices, p.inputs_held, p.held);
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
  bool aligned = false;  // random_first_layer_step
};

// Partial row tiles (70, 100 rows), partial column chunks (50, 300, 784 columns), partial sample
// tiles, no held step, the largest batches, a single sample, column splits; 16-byte copies (the
// aligned shapes) and 4-byte ones.
inline const std::vector<FirstLayerStepShape> kFirstLayerStepShapes = {
    {3, 70, 50, 7, 13, 1, true},        {3, 70, 50, 7, 13, 2, true},
    {2, 256, 784, 32, 32, 1, true},     {2, 256, 784, 32, 32, 3, true, true},
    {2, 256, 784, 128, 128, 1, true},   {2, 256, 784, 128, 128, 1, true, true},
    {2, 256, 784, 0, 5, 1, true, true}, {1, 64, 32, 128, 1, 1, false},
    {2, 100, 300, 96, 128, 4, false},   {2, 100, 300, 96, 128, 4, false, true},
};

// Z of `problem`'s current parameters (no step) with the given products, by the CPU reference.
inline std::vector<float> forward_by_reference(const nn::FirstLayerStepProblem& problem,
                                               const std::vector<float>& parameters,
                                               nn::FirstLayerArithmetic products) {
  nn::FirstLayerStepProblem forward = problem;
  forward.parameters = parameters;
  forward.held = 0;
  forward.deltas.clear();
  forward.inputs_held.clear();
  forward.products = products;
  return nn::first_layer_step_reference(forward);
}

// For each shape and arithmetic: `run(problem, arithmetic, splits)` steps the problem's parameters
// and returns Z. Each arithmetic is held to the reference with the same products (tf32: factors
// rounded to tf32, whose products are exact; tf32x3: the three products of the split factors), in
// two parts, each within 1e-4 of its largest entry: the stepped W against the reference's step,
// and Z against the reference's forward pass from the kernel's own stepped W. (Z against the
// reference's whole step is not a fair test in tf32: W entries that differ in their last bit
// round to different tf32 values now and then, a 5e-4 relative jump each, seen on the H100.)
// Beyond the order of float sums, the tensor cores accumulate with truncation (H100: tf32x3's Z
// 1.3e-5 from the fp32 reference where the exactly rounded emulation gives 5e-6). A mutant
// reference (eta x 1.01) must lie outside 1e-3. tf32x3 must also be at least ten times closer to
// the fp32 reference than the tf32 reference is (W and Z; tf32 is about 3e-4 away): the low
// parts are really there.
// `arithmetics`: those the kernel takes (the chained kernel: tf32 and tf32x3).
inline const std::vector<nn::FirstLayerArithmetic> kAllFirstLayerArithmetics = {
    nn::FirstLayerArithmetic::fp32, nn::FirstLayerArithmetic::tf32, nn::FirstLayerArithmetic::tf32x3};
inline const std::vector<nn::FirstLayerArithmetic> kTensorCoreFirstLayerArithmetics = {
    nn::FirstLayerArithmetic::tf32, nn::FirstLayerArithmetic::tf32x3};
// The problem of a shape in an arithmetic (its reference's products), gathered from a table or not.
inline nn::FirstLayerStepProblem first_layer_step_of(const FirstLayerStepShape& sh, nn::FirstLayerArithmetic arithmetic,
                                                     std::uint32_t seed, bool gathered) {
  nn::FirstLayerStepProblem problem =
      random_first_layer_step(sh.replicas, sh.out, sh.in, sh.held, sh.count, sh.relu, seed, sh.aligned);
  if (gathered) problem = gathered_first_layer_step(std::move(problem), 1000 + seed);
  problem.products = arithmetic;
  return problem;
}

// `gathered`: the problems' batches gathered from a table (gathered_first_layer_step).
template <class Run>
void check_first_layer_step_kernel(const char* where, Run run, const std::vector<FirstLayerStepShape>& shapes,
                                   const std::vector<nn::FirstLayerArithmetic>& arithmetics = kAllFirstLayerArithmetics,
                                   bool gathered = false) {
  std::uint32_t seed = 1;
  for (const FirstLayerStepShape& sh : shapes) {
    for (const nn::FirstLayerArithmetic arithmetic : arithmetics) {
      nn::FirstLayerStepProblem problem = first_layer_step_of(sh, arithmetic, seed++, gathered);
      const std::vector<float> before = problem.parameters;
      nn::FirstLayerStepProblem reference = problem, mutant = problem, kernel = problem;
      const std::vector<float> z_reference = nn::first_layer_step_reference(reference);
      mutant.eta *= 1.01f;
      const std::vector<float> z_of_mutant = nn::first_layer_step_reference(mutant);
      const std::vector<float> z_kernel = run(kernel, arithmetic, sh.splits);
      REQUIRE(z_kernel.size() == z_reference.size());
      const std::vector<float> z_of_kernel_w = forward_by_reference(problem, kernel.parameters, arithmetic);
      const double w_error = relative_to_largest(kernel.parameters, reference.parameters);
      const double z_error = relative_to_largest(z_kernel, z_of_kernel_w);
      const double w_mutant = relative_to_largest(mutant.parameters, reference.parameters);
      const double z_mutant = relative_to_largest(z_of_mutant, z_reference);
      std::printf(
          "[first-layer step, %s, %s] K %d, %d x %d, held %d, count %d, splits %d, %s: W %.2e, Z from the "
          "kernel's W %.2e (tolerance 1e-4); mutant eta x 1.01: W %.2e, Z %.2e\n",
          where, nn::first_layer_arithmetic_name(arithmetic), sh.replicas, sh.out, sh.in, sh.held, sh.count, sh.splits,
          sh.aligned ? "aligned" : "unaligned", w_error, z_error, w_mutant, z_mutant);
      CHECK(w_error <= 1e-4);
      CHECK(z_error <= 1e-4);
      if (sh.held > 0) {
        CHECK(w_mutant > 1e-3);
        CHECK(z_mutant > 1e-3);
      } else {  // no held step: W is only read
        CHECK(std::memcmp(kernel.parameters.data(), before.data(), before.size() * sizeof(float)) == 0);
      }
      if (arithmetic == nn::FirstLayerArithmetic::tf32x3) {
        nn::FirstLayerStepProblem exact = problem, tf32 = problem;
        exact.products = nn::FirstLayerArithmetic::fp32;
        tf32.products = nn::FirstLayerArithmetic::tf32;
        const std::vector<float> z_exact = nn::first_layer_step_reference(exact);
        const std::vector<float> z_tf32 = nn::first_layer_step_reference(tf32);
        const double w_to_fp32 = relative_to_largest(kernel.parameters, exact.parameters);
        const double w_tf32_to_fp32 = relative_to_largest(tf32.parameters, exact.parameters);
        // Z from the kernel's W against the fp32 and tf32 forward passes from that same W.
        const std::vector<float> z_exact_of_kernel_w =
            forward_by_reference(problem, kernel.parameters, nn::FirstLayerArithmetic::fp32);
        const std::vector<float> z_tf32_of_kernel_w =
            forward_by_reference(problem, kernel.parameters, nn::FirstLayerArithmetic::tf32);
        const double z_to_fp32 = relative_to_largest(z_kernel, z_exact_of_kernel_w);
        const double z_tf32_to_fp32 = relative_to_largest(z_tf32_of_kernel_w, z_exact_of_kernel_w);
        std::printf(
            "  tf32x3 against the fp32 reference: W %.2e (tf32 %.2e), Z %.2e (tf32 %.2e); whole step Z %.2e "
            "(need at most a tenth of tf32's)\n",
            w_to_fp32, w_tf32_to_fp32, z_to_fp32, z_tf32_to_fp32, relative_to_largest(z_kernel, z_exact));
        CHECK(w_to_fp32 <= 0.1 * w_tf32_to_fp32);
        CHECK(z_to_fp32 <= 0.1 * z_tf32_to_fp32);
      }
    }
  }
}

// The problem with a next layer of `classes` outputs (FirstLayerStepProblem::head_classes): each
// replica's block grows by V (classes x out) and its biases (entries uniform in [-1, 1)),
// 16-byte aligned after the old block.
inline nn::FirstLayerStepProblem with_head(nn::FirstLayerStepProblem p, int classes, std::uint32_t seed) {
  const std::size_t old_stride = p.stride, v_offset = (old_stride + 3) / 4 * 4;
  const std::size_t stride = v_offset + static_cast<std::size_t>(classes) * static_cast<std::size_t>(p.out + 1);
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> parameters(static_cast<std::size_t>(p.replicas) * stride, 0.0f);
  for (std::size_t k = 0; k < static_cast<std::size_t>(p.replicas); ++k) {
    std::copy_n(p.parameters.begin() + static_cast<std::ptrdiff_t>(k * old_stride), old_stride,
                parameters.begin() + static_cast<std::ptrdiff_t>(k * stride));
    for (std::size_t j = v_offset; j < stride; ++j) parameters[k * stride + j] = uniform(engine);
  }
  p.parameters = std::move(parameters);
  p.stride = stride;
  p.head_classes = classes;
  p.head_weight_offset = static_cast<std::int64_t>(v_offset);
  p.head_bias_offset = p.head_weight_offset + static_cast<std::int64_t>(classes) * p.out;
  return p;
}

// The chained kernel's partial products for a next layer of 10 outputs: equal to those of its own
// Z by first_layer_head_partials (the same float operations in the same order: within 1e-6 of
// the largest, 0 expected), and the launch's W and Z bitwise those of the launch without them.
template <class Run>
void check_head_partials(const char* where, Run run) {
  std::uint32_t seed = 700;
  for (const FirstLayerStepShape& sh : std::vector<FirstLayerStepShape>{{2, 256, 784, 32, 32, 1, true, true},
                                                                        {2, 256, 784, 128, 128, 1, true, true},
                                                                        {3, 70, 50, 7, 13, 1, false}}) {
    for (const nn::FirstLayerArithmetic arithmetic : kTensorCoreFirstLayerArithmetics) {
      const nn::FirstLayerStepProblem problem = with_head(first_layer_step_of(sh, arithmetic, seed, true), 10, seed);
      ++seed;
      nn::FirstLayerStepProblem with = problem, without = problem;
      without.head_classes = 0;
      const std::vector<float> z_with = run(with, arithmetic, 1);
      const std::vector<float> z_without = run(without, arithmetic, 1);
      const std::vector<float> expected = nn::first_layer_head_partials(problem, z_with);
      REQUIRE(with.head_partials.size() == expected.size());
      const double error = relative_to_largest(with.head_partials, expected);
      const bool same_z = std::memcmp(z_with.data(), z_without.data(), z_with.size() * sizeof(float)) == 0;
      const bool same_w =
          std::memcmp(with.parameters.data(), without.parameters.data(), with.parameters.size() * sizeof(float)) == 0;
      std::printf(
          "[first-layer step head partials, %s, %s] K %d, %d x %d, count %d: partials %.2e from those of the "
          "kernel's Z (tolerance 1e-6); Z and W as without them %d %d\n",
          where, nn::first_layer_arithmetic_name(arithmetic), sh.replicas, sh.out, sh.in, sh.count, error, same_z,
          same_w);
      CHECK(error <= 1e-6);
      CHECK(same_z);
      CHECK(same_w);
    }
  }
}

// tf32_mma_on_device against the exact product of small integer matrices (exact in tf32 and in
// float): each of the 16 x 8 entries of D is reported where it differs, which names the register
// whose layout is wrong.
template <class Run>
void check_mma_layout(const char* where, Run run) {
  std::vector<float> a(16 * 8), b(8 * 8);
  for (int i = 0; i < 16; ++i)
    for (int k = 0; k < 8; ++k) a[i * 8 + k] = static_cast<float>((i * 3 + k * 5) % 7 - 3);
  for (int k = 0; k < 8; ++k)
    for (int j = 0; j < 8; ++j) b[k * 8 + j] = static_cast<float>((k * 7 + j * 2) % 9 - 4 + (k == j ? 16 : 0));
  const std::vector<float> d = run(a, b);
  REQUIRE(d.size() == 16 * 8);
  int wrong = 0;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      float exact = 0.0f;
      for (int k = 0; k < 8; ++k) exact += a[i * 8 + k] * b[k * 8 + j];
      if (d[i * 8 + j] != exact) {
        if (++wrong <= 8)
          std::printf("[mma layout, %s] D(%d, %d) = %g, exact %g (lane %d, register %d)\n", where, i, j, d[i * 8 + j],
                      exact, 4 * (i % 8) + j / 2, j % 2 + (i >= 8 ? 2 : 0));
      }
    }
  std::printf("[mma layout, %s] %d of 128 entries of D differ from A B\n", where, wrong);
  CHECK(wrong == 0);
}

// The chained kernel's unstored step (store_stepped = false, the trainer's
// chained_hold_two_steps): run on a problem with and without the store, the launch without it
// must leave W bitwise as it was and give bitwise the Z of the launch with it (whose W and Z
// check_first_layer_step_kernel holds to the reference). Shapes: b = 32 with two held batches
// (held 64: the configuration for two held steps), with one, b = 128, and partial tiles.
inline const std::vector<FirstLayerStepShape> kUnstoredStepShapes = {
    {2, 256, 784, 64, 32, 1, true, true},
    {2, 256, 784, 32, 32, 1, true, true},
    {2, 256, 784, 128, 128, 1, true, true},
    {3, 70, 50, 13, 13, 1, true},
};
template <class Run>
void check_unstored_step(const char* where, Run run, bool gathered) {
  std::uint32_t seed = 500;
  for (const FirstLayerStepShape& sh : kUnstoredStepShapes) {
    for (const nn::FirstLayerArithmetic arithmetic : kTensorCoreFirstLayerArithmetics) {
      const nn::FirstLayerStepProblem problem = first_layer_step_of(sh, arithmetic, seed++, gathered);
      nn::FirstLayerStepProblem stored = problem, unstored = problem, reference = problem;
      unstored.store_stepped = reference.store_stepped = false;
      const std::vector<float> z_stored = run(stored, arithmetic, 1);
      const std::vector<float> z_unstored = run(unstored, arithmetic, 1);
      const std::vector<float> z_reference = nn::first_layer_step_reference(reference);
      const bool w_kept = std::memcmp(unstored.parameters.data(), problem.parameters.data(),
                                      problem.parameters.size() * sizeof(float)) == 0;
      const bool z_same = z_stored.size() == z_unstored.size() &&
                          std::memcmp(z_stored.data(), z_unstored.data(), z_stored.size() * sizeof(float)) == 0;
      const bool w_stepped = std::memcmp(stored.parameters.data(), problem.parameters.data(),
                                         problem.parameters.size() * sizeof(float)) != 0;
      std::printf(
          "[first-layer step unstored, %s, %s] K %d, %d x %d, held %d, count %d: W kept %d, Z equal to the "
          "stored launch's %d, the stored launch stepped W %d; Z from the reference %.2e\n",
          where, nn::first_layer_arithmetic_name(arithmetic), sh.replicas, sh.out, sh.in, sh.held, sh.count, w_kept,
          z_same, w_stepped, relative_to_largest(z_unstored, z_reference));
      CHECK(w_kept);
      CHECK(z_same);
      CHECK(w_stepped);
      CHECK(std::memcmp(reference.parameters.data(), problem.parameters.data(),
                        problem.parameters.size() * sizeof(float)) == 0);  // the reference's own unstored step
    }
  }
}

// The chained kernel on the device (a GPU, or the CPU emulation).
inline std::vector<float> run_chained(nn::FirstLayerStepProblem& problem, nn::FirstLayerArithmetic arithmetic,
                                      int splits) {
  return nn::cuda::first_layer_step_on_device(problem, arithmetic, splits, nn::cuda::FirstLayerStepKernel::chained);
}

// What chained_hold_two_steps and the one-kernel head ask of the chained kernel: two held steps at
// b = 32 (held 64) against the reference, the unstored step, the head's partial products.
inline void check_chained_extras(const char* where) {
  const std::string two_held = std::string(where) + ", chained, two held steps";
  check_first_layer_step_kernel(two_held.c_str(), run_chained,
                                {{2, 256, 784, 64, 32, 1, true, true}, {3, 70, 50, 40, 13, 1, true}},
                                kTensorCoreFirstLayerArithmetics, true);
  check_unstored_step(where, run_chained, true);
  check_head_partials(where, run_chained);
}

}  // namespace sgds::test
