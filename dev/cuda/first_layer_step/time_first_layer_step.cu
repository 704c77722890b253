// Times the first-layer step kernels against what they replace in the trainer: the update GEMM
// W -= eta D A^T (m = out, n = in, k = b) and the forward GEMM Z = W X (m = out, n = b, k = in),
// cuBLAS strided-batched over K replicas (the bias and ReLU are left out of the GEMM side, which
// favours it slightly). Shapes of workload B: K = 64, 784 -> 256, b = 32 and 128.
//   time_first_layer_step [repetitions=200]
// Prints one line per (b, method): microseconds per step, the mean over the repetitions after
// 20 untimed ones. Exit 2 without a GPU.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <vector>

#include "dev/cuda/first_layer_step/first_layer_step.hpp"
#include "sim/cuda/cuda_check.hpp"
#include "sim/cuda/device_buffer.hpp"

using namespace sgds;
using sgds::cuda::DeviceBuffer;

namespace {

double microseconds_per_call(int repetitions, const std::function<void()>& call) {
  for (int i = 0; i < 20; ++i) call();
  cudaEvent_t start = nullptr, stop = nullptr;
  SGDS_CUDA_CHECK(cudaEventCreate(&start));
  SGDS_CUDA_CHECK(cudaEventCreate(&stop));
  SGDS_CUDA_CHECK(cudaEventRecord(start));
  for (int i = 0; i < repetitions; ++i) call();
  SGDS_CUDA_CHECK(cudaEventRecord(stop));
  SGDS_CUDA_CHECK(cudaEventSynchronize(stop));
  float ms = 0.0f;
  SGDS_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return 1000.0 * static_cast<double>(ms) / repetitions;
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::atoi(argv[1]) : 200;
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0 || repetitions < 1) {
    std::fprintf(stderr, "time_first_layer_step: needs a CUDA device and repetitions >= 1\n");
    return 2;
  }
  try {
    constexpr int K = 64, out = 256, in = 784;
    const std::int64_t stride = (static_cast<std::int64_t>(out) * in + out + 63) / 64 * 64;
    cublasHandle_t handle = nullptr;
    SGDS_CUBLAS_CHECK(cublasCreate(&handle));
    nn::cuda::prepare_first_layer_step_kernels();
    for (const int b : {32, 128}) {
      std::vector<float> host(static_cast<std::size_t>(K) * stride, 0.01f);
      DeviceBuffer<float> parameters(host.size()), deltas(static_cast<std::size_t>(K) * out * b),
          held(static_cast<std::size_t>(K) * in * b), inputs(static_cast<std::size_t>(K) * in * b),
          z(static_cast<std::size_t>(K) * out * b);
      parameters.upload(host.data(), host.size());
      const int splits = nn::cuda::first_layer_step_splits(K, out, in);
      DeviceBuffer<float> workspace(nn::cuda::first_layer_step_workspace_floats(K, out, b, splits));
      for (const bool tf32 : {false, true}) {
        const cublasComputeType_t compute = tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
        const float minus_eta = -0.1f, one = 1.0f, zero = 0.0f;
        const double gemms = microseconds_per_call(repetitions, [&] {
          SGDS_CUBLAS_CHECK(cublasGemmStridedBatchedEx(handle, CUBLAS_OP_N, CUBLAS_OP_T, out, in, b, &minus_eta,
                                                       deltas.data, CUDA_R_32F, out, out * b, held.data, CUDA_R_32F, in,
                                                       in * b, &one, parameters.data, CUDA_R_32F, out, stride, K,
                                                       compute, CUBLAS_GEMM_DEFAULT));
          SGDS_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
              handle, CUBLAS_OP_N, CUBLAS_OP_N, out, b, in, &one, parameters.data, CUDA_R_32F, out, stride, inputs.data,
              CUDA_R_32F, in, in * b, &zero, z.data, CUDA_R_32F, out, out * b, K, compute, CUBLAS_GEMM_DEFAULT));
        });
        std::printf("b=%d %s: two cuBLAS GEMMs %.1f us per step\n", b, tf32 ? "tf32" : "fp32", gemms);
        std::vector<nn::cuda::FirstLayerStepKernel> kernels = {nn::cuda::FirstLayerStepKernel::staged};
        if (tf32) kernels.push_back(nn::cuda::FirstLayerStepKernel::chained);
        for (const nn::cuda::FirstLayerStepKernel kernel : kernels) {
          nn::cuda::FirstLayerStepArgs a;
          a.replicas = K;
          a.out = out;
          a.in = in;
          a.held = b;
          a.count = b;
          a.eta = 0.1f;
          a.arithmetic = tf32 ? nn::FirstLayerArithmetic::tf32 : nn::FirstLayerArithmetic::fp32;
          a.kernel = kernel;
          a.parameters = parameters.data;
          a.stride = stride;
          a.weight_offset = 0;
          a.bias_offset = static_cast<std::int64_t>(out) * in;
          a.deltas = deltas.data;
          a.deltas_stride = static_cast<std::int64_t>(out) * b;
          a.inputs_held = held.data;
          a.inputs_held_stride = static_cast<std::int64_t>(in) * b;
          a.inputs = inputs.data;
          a.inputs_stride = static_cast<std::int64_t>(in) * b;
          a.z = z.data;
          a.z_stride = static_cast<std::int64_t>(out) * b;
          const double us = microseconds_per_call(
              repetitions, [&] { nn::cuda::launch_first_layer_step(a, workspace.data, splits, nullptr); });
          std::printf("b=%d %s: %s kernel %.1f us per step (%.2fx the GEMMs)\n", b, tf32 ? "tf32" : "fp32",
                      kernel == nn::cuda::FirstLayerStepKernel::chained ? "chained" : "staged", us, gemms / us);
        }
      }
    }
    cublasDestroy(handle);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "time_first_layer_step: %s\n", e.what());
    return 1;
  }
  return 0;
}
